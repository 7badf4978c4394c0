/*
 * durable: a FastCGI responder that stores each request body in a file of its own under
 * $BENCH_DURABLE_DIR (written to a temporary name, fdatasync, renamed) before it answers
 * 200, or 503 when it could not: the cheapest durable acknowledgement, the ceiling that
 * make bench compares kommo-hook with.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcgiapp.h>

#define BODY_MAX (1024 * 1024)

static char body[BODY_MAX];

/* 0 when the body is on disk under its final name. */
static int
store_body(const char *dir, size_t len, unsigned long n)
{
	char tmp[4096], final[4096];
	int fd, rc = 0;

	snprintf(tmp, sizeof tmp, "%s/.tmp.%ld.%lu", dir, (long)getpid(), n);
	snprintf(final, sizeof final, "%s/%ld.%lu", dir, (long)getpid(), n);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	if (write(fd, body, len) != (ssize_t)len || fdatasync(fd) == -1)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	if (rc == 0 && rename(tmp, final) == -1)
		rc = -1;
	if (rc == -1)
		unlink(tmp);
	return rc;
}

int
main(void)
{
	FCGX_Request req;
	const char *dir = getenv("BENCH_DURABLE_DIR");
	unsigned long n = 0;
	int got;
	size_t len;

	if (dir == NULL || FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		len = 0;
		while (len < sizeof body && (got = FCGX_GetStr(body + len, (int)(sizeof body - len), req.in)) > 0)
			len += (size_t)got;
		if (store_body(dir, len, ++n) == 0)
			FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nstored\n", req.out);
		else
			FCGX_PutS("Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nnot stored\n", req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
