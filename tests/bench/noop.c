/*
 * noop: a FastCGI responder that reads the request body and answers 200 with nothing
 * stored: the ceiling of lighttpd and FastCGI on this machine, for make bench.
 */
#include <fcgiapp.h>

int
main(void)
{
	FCGX_Request req;
	char buf[16384];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(buf, sizeof buf, req.in) > 0)
			;
		FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nok\n", req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
