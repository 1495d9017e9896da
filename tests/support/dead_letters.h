/* Cadre tests: a dead-letter hook that records what it sees, shared by the
 * core tests, and a system that reports to it.
 *
 * Counted per reason; the last dead letter remembered (ref, type, size,
 * bytes); the int payloads of the first DL_MAX kept in order. The counters
 * are written under the mutex with __atomic stores, so a test may read them
 * with ld() or under the mutex. */
#ifndef CADRE_TEST_DEAD_LETTERS_H
#define CADRE_TEST_DEAD_LETTERS_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

#define DL_MAX 64
#define DL_BYTES 256

struct dl_log {
	pthread_mutex_t mu;
	long calls;
	long enoactor;
	long eclosed;
	long efull; /* a refused send is not a dead letter: stays 0 */
	long other; /* any other reason */
	/* the last dead letter */
	int why;
	cadre_ref to;
	uint32_t type;
	uint32_t size;
	int data_null;
	unsigned char bytes[DL_BYTES];
	/* the payloads (ints; -1 if not an int) of the first DL_MAX, in order */
	int seq[DL_MAX];
};

static inline void
dl_hook(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	struct dl_log *l = ctx;
	pthread_mutex_lock(&l->mu);
	long *p = why == CADRE_ENOACTOR  ? &l->enoactor
	          : why == CADRE_ECLOSED ? &l->eclosed
	          : why == CADRE_EFULL   ? &l->efull
	                                 : &l->other;
	__atomic_add_fetch(p, 1, __ATOMIC_RELEASE);
	l->why = why;
	l->to = to;
	l->type = m->type;
	l->size = m->size;
	l->data_null = m->data == NULL;
	memset(l->bytes, 0, sizeof l->bytes);
	if (m->data != NULL)
		memcpy(l->bytes, m->data, m->size < DL_BYTES ? m->size : DL_BYTES);
	if (l->calls < DL_MAX)
		l->seq[l->calls] = m->size == sizeof(int) ? *(const int *)m->data : -1;
	__atomic_add_fetch(&l->calls, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&l->mu);
}

static inline void
dl_init(struct dl_log *l)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
}

static inline void
dl_fini(struct dl_log *l)
{
	pthread_mutex_destroy(&l->mu);
}

static inline long
dl_calls(struct dl_log *l)
{
	pthread_mutex_lock(&l->mu);
	long n = l->calls;
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* A dead letter is counted just before the hook sees it: after a quiet
 * point, wait (bounded) for the hook calls of dead letters found on a
 * worker, then check the exact number. */
static inline long
dl_wait(struct dl_log *l, long want)
{
	long t0 = now_ms();
	while (dl_calls(l) < want && now_ms() - t0 < 10000)
		nap_us(200);
	return dl_calls(l);
}

/* A system of `workers` unpinned workers (max_msg 0: the default) whose dead
 * letters go to l (NULL: no hook). */
static inline cadre_system *
dl_system(unsigned workers, uint32_t max_msg, struct dl_log *l)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = workers;
	cfg.no_pinning = true;
	cfg.max_message_size = max_msg;
	if (l != NULL) {
		cfg.dead_letter = dl_hook;
		cfg.dead_letter_ctx = l;
	}
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK(sys != NULL);
	return sys;
}

#endif /* CADRE_TEST_DEAD_LETTERS_H */
