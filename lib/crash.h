/*
 * crash: named points where a test build (make VARIANT=crash, -DKZS_CRASH_POINTS) can
 * be made to die, to prove that a process killed there loses and repeats nothing.
 * In every other build crash_point() is empty and costs nothing.
 */
#ifndef KZS_CRASH_H
#define KZS_CRASH_H

#ifdef KZS_CRASH_POINTS
/* Dies at once (SIGKILL, no cleanup) when $KZS_CRASH_AT names this point. */
void crash_point(const char *name);
#else
#define crash_point(name) ((void)0)
#endif

#endif
