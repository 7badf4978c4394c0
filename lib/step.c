/*
 * step: a number per step, with the process it belongs to. A module keeps the number
 * beside what it read, and uses what it read only while step_current() is that number.
 */
#include "step.h"

#include <sys/types.h>
#include <unistd.h>

static unsigned long step_number;
static pid_t step_pid;

void
step_begin(void)
{
	step_number++;
	step_pid = getpid();
}

unsigned long
step_current(void)
{
	return step_pid == getpid() ? step_number : 0;
}
