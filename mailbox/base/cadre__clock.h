/* Cadre internal: the monotonic clock, in nanoseconds and milliseconds. */
#ifndef CADRE__CLOCK_H
#define CADRE__CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of CLOCK_MONOTONIC (an arbitrary origin, never steps back). */
static inline uint64_t
cadre__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static inline uint64_t
cadre__now_ms(void)
{
	return cadre__now_ns() / 1000000u;
}

/* The monotonic instant timeout_ms from now; a negative timeout: never
 * (UINT64_MAX). */
static inline uint64_t
cadre__deadline_ms(int64_t timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : cadre__now_ns() + (uint64_t)timeout_ms * 1000000u;
}

#endif /* CADRE__CLOCK_H */
