/* Concurrent stress: P producer threads (default 8, on 2 cores) each push N
 * messages (default 1,000,000) into one mailbox drained by one consumer.
 * Every message must arrive exactly once, in per-producer FIFO order, and
 * the counts must be exact. Runs unbounded, then bounded (producers retry on
 * CADRE_EFULL), then with every 8th message on the system lane (FIFO is then
 * checked per producer and per lane).
 * Sizes: CADRE_STRESS_PRODUCERS, CADRE_STRESS_MSGS, CADRE_STRESS_SCALE. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include <cadre.h>

#include "check.h"

struct msg {
	cadre_mb_node node;
	uint32_t producer;
	uint32_t seq;
};

struct run {
	cadre_mailbox *mb;
	long per_producer;
	int sys_every; /* 0: normal lane only */
	pthread_barrier_t start;
};

struct producer {
	struct run *run;
	uint32_t id;
	struct msg *msgs;
	long full_events;
};

static void *
produce(void *arg)
{
	struct producer *p = arg;
	struct run *r = p->run;
	pthread_barrier_wait(&r->start);
	for (long i = 0; i < r->per_producer; i++) {
		struct msg *m = &p->msgs[i];
		m->producer = p->id;
		m->seq = (uint32_t)i;
		cadre_lane lane = CADRE_LANE_NORMAL;
		if (r->sys_every != 0 && i % r->sys_every == 0)
			lane = CADRE_LANE_SYSTEM;
		int rc;
		while ((rc = cadre_mailbox_push(r->mb, &m->node, lane)) == CADRE_EFULL) {
			p->full_events++;
			sched_yield();
		}
		CHECK(rc == 0 || rc == 1);
	}
	return NULL;
}

static void
run_case(const char *name, int producers, long per_producer, uint32_t capacity, int sys_every)
{
	struct run r = {.per_producer = per_producer, .sys_every = sys_every};
	CHECK_EQ(cadre_mailbox_new(&r.mb, capacity), 0);
	CHECK_EQ(pthread_barrier_init(&r.start, NULL, (unsigned)producers + 1), 0);
	struct producer *ps = calloc((size_t)producers, sizeof *ps);
	pthread_t *th = calloc((size_t)producers, sizeof *th);
	/* expected next seq per producer and lane */
	uint32_t *next_norm = calloc((size_t)producers, sizeof *next_norm);
	uint32_t *next_sys = calloc((size_t)producers, sizeof *next_sys);
	long *got = calloc((size_t)producers, sizeof *got);
	CHECK(ps && th && next_norm && next_sys && got);
	for (int i = 0; i < producers; i++) {
		ps[i].run = &r;
		ps[i].id = (uint32_t)i;
		ps[i].msgs = calloc((size_t)per_producer, sizeof(struct msg));
		CHECK(ps[i].msgs != NULL);
		CHECK_EQ(pthread_create(&th[i], NULL, produce, &ps[i]), 0);
	}
	pthread_barrier_wait(&r.start);

	long total = (long)producers * per_producer, seen = 0, empty_polls = 0;
	while (seen < total) {
		cadre_lane lane;
		cadre_mb_node *n = cadre_mailbox_pop(r.mb, &lane);
		if (n == NULL) {
			if (++empty_polls % 64 == 0)
				sched_yield();
			continue;
		}
		struct msg *m = (struct msg *)n;
		CHECK(m->producer < (uint32_t)producers);
		int is_sys = sys_every != 0 && m->seq % (uint32_t)sys_every == 0;
		CHECK_EQ(lane, is_sys ? CADRE_LANE_SYSTEM : CADRE_LANE_NORMAL);
		/* Per-producer FIFO within a lane: the next one of that lane. */
		uint32_t *next = is_sys ? &next_sys[m->producer] : &next_norm[m->producer];
		CHECK(m->seq >= *next);
		if (sys_every == 0) {
			CHECK_EQ(m->seq, *next);
		} else {
			/* skip over the other lane's sequence numbers */
			for (uint32_t s = *next; s < m->seq; s++)
				CHECK((s % (uint32_t)sys_every == 0) != is_sys);
		}
		*next = m->seq + 1;
		got[m->producer]++;
		seen++;
	}
	for (int i = 0; i < producers; i++)
		CHECK_EQ(pthread_join(th[i], NULL), 0);
	/* Exactly once: nothing more arrives, every producer's count is exact. */
	CHECK(cadre_mailbox_pop(r.mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_mark_idle(r.mb), 0);
	CHECK_EQ(cadre_mailbox_count(r.mb), 0);
	long full = 0;
	for (int i = 0; i < producers; i++) {
		CHECK_EQ(got[i], per_producer);
		full += ps[i].full_events;
		free(ps[i].msgs);
	}
	fprintf(stderr, "%s: %d producers x %ld msgs: ok (full events %ld)\n", name, producers,
	        per_producer, full);
	pthread_barrier_destroy(&r.start);
	cadre_mailbox_free(r.mb);
	free(ps);
	free(th);
	free(next_norm);
	free(next_sys);
	free(got);
}

int
main(void)
{
	const char *np = getenv("CADRE_STRESS_PRODUCERS");
	int producers = np != NULL ? atoi(np) : 8;
	long n = test_size("CADRE_STRESS_MSGS", 1000000);
	CHECK(producers > 0);
	run_case("unbounded", producers, n, 0, 0);
	run_case("bounded(64)", producers, n / 4, 64, 0);
	run_case("two lanes", producers, n / 4, 0, 8);
	run_case("bounded(16), two lanes", producers, n / 8, 16, 8);
	fprintf(stderr, "test_mailbox_stress: ok\n");
	return 0;
}
