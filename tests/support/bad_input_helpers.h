/* Cadre tests: what the bad-input tests share (test_bad_input_*.c in
 * tests/core): a sink actor that tallies what it gets, payloads with a
 * checkable byte pattern, and payloads moved with cadre_send_move whose
 * destructor counts its calls. */
#ifndef CADRE_TEST_BAD_INPUT_HELPERS_H
#define CADRE_TEST_BAD_INPUT_HELPERS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

/* ---- helpers ------------------------------------------------------------- */

static inline void
check_counts(cadre_system *sys, uint64_t sent, uint64_t handled, uint64_t dead, uint64_t spawned)
{
	cadre_stats st = stats_of(sys);
	CHECK_EQ(st.sent, sent);
	CHECK_EQ(st.handled, handled);
	CHECK_EQ(st.dead_letters, dead);
	CHECK_EQ(st.spawned, spawned);
}

/* ---- actors -------------------------------------------------------------- */

enum { M_DATA = 1, M_STOP = 2, M_PROBE = 3 };

struct tally {
	long started;
	long data;
	long bytes_ok; /* M_DATA whose payload matched its size pattern */
	long stops;
	long stopped;
};

struct sink {
	cadre_actor base;
	struct tally *t;
};

/* Payload pattern: byte i of an n-byte payload is (i * 31 + n) & 0xff. */
static inline void
fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 31 + n) & 0xff);
}

static inline int
matches(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)((i * 31 + n) & 0xff))
			return 0;
	return 1;
}

static inline int
sink_start(cadre_actor *self, void *arg)
{
	struct sink *s = (struct sink *)self;
	s->t = arg;
	__atomic_add_fetch(&s->t->started, 1, __ATOMIC_RELEASE);
	return 0;
}

static inline int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sink *s = (struct sink *)self;
	if (m->type == M_STOP) {
		__atomic_add_fetch(&s->t->stops, 1, __ATOMIC_RELEASE);
		return cadre_stop(self);
	}
	if (m->type == M_DATA) {
		if ((m->size == 0 && m->data == NULL) ||
		    (m->data != NULL && matches(m->data, m->size)))
			__atomic_add_fetch(&s->t->bytes_ok, 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&s->t->data, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static inline void
sink_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	__atomic_add_fetch(&((struct sink *)self)->t->stopped, 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour sink_beh = {.size = sizeof(struct sink),
                                         .start = sink_start,
                                         .receive = sink_receive,
                                         .stop = sink_stop,
                                         .name = "sink"};

/* The destructor of moved payloads: counts, checks the size, frees. */
static long dtor_calls;
static long dtor_bad_size;

struct moved {
	size_t size;
	unsigned char bytes[];
};

static inline struct moved *
new_moved(size_t n)
{
	struct moved *p = malloc(sizeof *p + n);
	CHECK(p != NULL);
	p->size = sizeof *p + n;
	fill(p->bytes, n);
	return p;
}

static inline void
count_dtor(void *data, size_t size)
{
	struct moved *p = data;
	if (p->size != size)
		__atomic_add_fetch(&dtor_bad_size, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dtor_calls, 1, __ATOMIC_RELEASE);
	free(p);
}

static inline long
dtors(void)
{
	return ld(&dtor_calls);
}

#endif /* CADRE_TEST_BAD_INPUT_HELPERS_H */
