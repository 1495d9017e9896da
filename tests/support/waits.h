/* Cadre tests: naps, a nanosecond clock and bounded waits, shared by the
 * helpers of the actor tests (sup_helpers.h, router_helpers.h,
 * ask_helpers.h).
 *
 * WAIT_FOR(cond) naps 1 ms at a time until cond holds, at most WAIT_ROUNDS
 * times (the includer defines WAIT_ROUNDS), then aborts naming cond. */
#ifndef CADRE_TEST_WAITS_H
#define CADRE_TEST_WAITS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline void
nap_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) != 0) {
	}
}

static inline uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define WAIT_FOR(cond)                                                     \
	do {                                                               \
		int wait_i_ = 0;                                           \
		while (!(cond) && wait_i_++ < WAIT_ROUNDS)                 \
			nap_ms(1);                                         \
		if (!(cond)) {                                             \
			fprintf(stderr, "timed out waiting: %s\n", #cond); \
			abort();                                           \
		}                                                          \
	} while (0)

#endif /* CADRE_TEST_WAITS_H */
