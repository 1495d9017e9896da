/* Cadre tests: cadre_system_shutdown on another thread, with a hang
 * detector. shut_start begins it; shut_wait waits up to hang_ms (generous:
 * a detector, not a timing assert) and joins it, or returns false if it
 * has not returned by then (the caller prints what it knows and fails). */
#ifndef CADRE_TEST_SHUT_BOUNDED_H
#define CADRE_TEST_SHUT_BOUNDED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

struct shut {
	cadre_system *sys;
	uint32_t done; /* set (release) once shutdown returned */
	int rc;
	pthread_t th;
};

static void *
shut_main(void *arg)
{
	struct shut *s = arg;
	s->rc = cadre_system_shutdown(s->sys, CADRE_FOREVER);
	cadre__store_rel_u32(&s->done, 1); /* pairs with shut_wait's acquire load */
	return NULL;
}

static inline void
shut_start(struct shut *s, cadre_system *sys)
{
	s->sys = sys;
	s->done = 0;
	s->rc = -1;
	CHECK_EQ(pthread_create(&s->th, NULL, shut_main, s), 0);
}

static inline bool
shut_wait(struct shut *s, int hang_ms)
{
	struct timespec ms = {0, 1000000};
	/* Acquire: pairs with shut_main's release store. */
	for (int i = 0; i < hang_ms && !cadre__load_acq_u32(&s->done); i++)
		nanosleep(&ms, NULL);
	if (!cadre__load_acq_u32(&s->done))
		return false;
	CHECK_EQ(pthread_join(s->th, NULL), 0);
	return true;
}

#endif /* CADRE_TEST_SHUT_BOUNDED_H */
