/*
 * step: a number per step, with the process it belongs to. A module keeps the number
 * beside what it read, and uses what it read only while step_current() is that number.
 */
#include "step.h"

#include <sys/types.h>
#include <unistd.h>

static unsigned long run_number;
static pid_t run_pid;

void
step_begin(void)
{
	run_number++;
	run_pid = getpid();
}

unsigned long
step_current(void)
{
	return run_pid == getpid() ? run_number : 0;
}
