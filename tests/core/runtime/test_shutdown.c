/* Shutdown under full load. A ring of actors keeps messages circulating
 * forever (each message handled sends another, and every 32nd a burst of
 * 40 to others, which coalesces in the outbox), actors keep spawning and
 * stopping children, and external threads keep sending, when the main
 * thread shuts the system down. Checked: shutdown returns; every actor's
 * stop callback ran exactly once; sent == handled + dead_letters exactly;
 * the external threads saw only 0, CADRE_ENOACTOR or CADRE_ECLOSED and then
 * only CADRE_ECLOSED; every call after shutdown fails with CADRE_ECLOSED;
 * and (under ASan/LSan) nothing leaks. Repeated a few times. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

enum { RING = 500, THREADS = 3, ROUNDS = 5 };

static cadre_ref ring[RING];
static uint64_t starts, stops, child_spawn_fail;

struct spinner {
	cadre_actor base;
	uint32_t pos;
	uint64_t count;
};

static int
spinner_start(cadre_actor *self, void *arg)
{
	((struct spinner *)self)->pos = (uint32_t)(uintptr_t)arg;
	cadre__faa_acqrel_u64(&starts, 1);
	return 0;
}

static int
child_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	return cadre_stop(self);
}

static int
child_start(cadre_actor *self, void *arg)
{
	(void)arg;
	cadre__faa_acqrel_u64(&starts, 1);
	/* Half stop at once, half wait for a message that may never come. */
	return ((uintptr_t)self >> 4) & 1 ? cadre_stop(self) : 0;
}

static void
count_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self;
	CHECK(why->kind == CADRE_EXIT_NORMAL || why->kind == CADRE_EXIT_SHUTDOWN);
	cadre__faa_acqrel_u64(&stops, 1);
}

static const cadre_behaviour child = {.size = sizeof(cadre_actor),
                                      .start = child_start,
                                      .receive = child_receive,
                                      .stop = count_stop};

static int
spinner_receive(cadre_actor *self, const cadre_msg *m)
{
	struct spinner *s = (struct spinner *)self;
	cadre_system *sys = cadre_actor_system(self);
	if (m->type == 3)
		return 0; /* a burst's message: handled, not passed on */
	s->count++;
	cadre_ref next = ring[(s->pos + 1 + s->count % 7) % RING];
	int rc = cadre_send(sys, next, 1, &s->count, sizeof s->count);
	CHECK(rc == 0 || rc == CADRE_ECLOSED || rc == CADRE_ENOACTOR);
	/* Now and then a burst to many: more than a run's first sends, so it
	 * goes through the outbox's chains while the system shuts down. */
	for (uint32_t j = 0; s->count % 32 == 0 && j < 40; j++) {
		rc = cadre_send(sys, ring[(s->pos + 1 + j * 13) % RING], 3, &j, sizeof j);
		CHECK(rc == 0 || rc == CADRE_ECLOSED || rc == CADRE_ENOACTOR);
	}
	if (s->count % 64 == 0) {
		cadre_ref c;
		rc = cadre_spawn(sys, &child, NULL, NULL, &c);
		if (rc == CADRE_ECLOSED)
			cadre__faa_acqrel_u64(&child_spawn_fail, 1);
		else
			CHECK_EQ(rc, 0);
	}
	return 0;
}

static const cadre_behaviour spinner = {.size = sizeof(struct spinner),
                                        .start = spinner_start,
                                        .receive = spinner_receive,
                                        .stop = count_stop};

struct ext {
	cadre_system *sys;
	uint32_t stop_flag;
	long ok, closed, noactor, closed_then_ok;
};

static void *
ext_sender(void *arg)
{
	struct ext *e = arg;
	int seen_closed = 0;
	for (long i = 0; !cadre__load_acq_u32(&e->stop_flag); i++) {
		int rc = cadre_send(e->sys, ring[i % RING], 2, &i, sizeof i);
		if (rc == 0) {
			e->ok++;
			if (seen_closed)
				e->closed_then_ok++;
		} else if (rc == CADRE_ECLOSED) {
			e->closed++;
			seen_closed = 1;
		} else if (rc == CADRE_ENOACTOR) {
			e->noactor++;
		} else {
			CHECK(0);
		}
	}
	return NULL;
}

static void
one_round(int round)
{
	cadre__store_rel_u64(&starts, 0);
	cadre__store_rel_u64(&stops, 0);
	cadre_config cfg = {.workers = 2, .batch = 1 + (unsigned)round * 20};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	for (uint32_t i = 0; i < RING; i++)
		CHECK_EQ(cadre_spawn(sys, &spinner, NULL, (void *)(uintptr_t)i, &ring[i]), 0);
	/* a few messages per actor set the ring spinning */
	for (uint32_t i = 0; i < RING; i++)
		for (long k = 0; k < 4; k++)
			CHECK_EQ(cadre_send(sys, ring[i], 1, &k, sizeof k), 0);
	struct ext e[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		e[i] = (struct ext){.sys = sys};
		CHECK_EQ(pthread_create(&th[i], NULL, ext_sender, &e[i]), 0);
	}
	struct timespec load = {0, 150000000};
	nanosleep(&load, NULL);

	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0); /* idempotent */
	/* let the external senders see the closed system, then stop them */
	nanosleep(&(struct timespec){0, 20000000}, NULL);
	for (int i = 0; i < THREADS; i++)
		cadre__store_rel_u32(&e[i].stop_flag, 1);
	for (int i = 0; i < THREADS; i++) {
		CHECK_EQ(pthread_join(th[i], NULL), 0);
		CHECK(e[i].closed > 0);
		CHECK_EQ(e[i].closed_then_ok, 0);
	}

	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	fprintf(stderr, "round %d: spawned %llu stopped %llu sent %llu handled %llu dead %llu\n",
	        round, (unsigned long long)st.spawned, (unsigned long long)st.stopped,
	        (unsigned long long)st.sent, (unsigned long long)st.handled,
	        (unsigned long long)st.dead_letters);
	CHECK(st.handled > 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.spawned, st.stopped);
	CHECK_EQ(st.actors_alive, 0);
	CHECK_EQ(cadre__load_acq_u64(&starts), st.spawned);
	CHECK_EQ(cadre__load_acq_u64(&stops), st.stopped);

	/* After shutdown: every call is refused with a clear error. */
	cadre_ref r;
	long v = 1;
	CHECK_EQ(cadre_spawn(sys, &spinner, NULL, NULL, &r), CADRE_ECLOSED);
	CHECK_EQ(cadre_send(sys, ring[0], 1, &v, sizeof v), CADRE_ECLOSED);
	CHECK_EQ(cadre_stop_ref(sys, ring[0]), CADRE_ECLOSED);
	CHECK_EQ(cadre_system_await_stopped(sys, 0), 0);
	cadre_stats after;
	CHECK_EQ(cadre_system_stats(sys, -1, &after), 0);
	CHECK_EQ(after.sent, st.sent + 1); /* the refused send is a dead letter */
	CHECK_EQ(after.dead_letters, st.dead_letters + 1);
	cadre_system_free(sys);
}

static void
shutdown_under_load(void)
{
	for (int r = 0; r < ROUNDS; r++)
		one_round(r);
}

/* Shutdown of a system that never had an actor, and of an idle one. */
static void
shutdown_idle(void)
{
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, NULL), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	CHECK_EQ(cadre_system_new(&sys, NULL), 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &child, NULL, NULL, &r), 0);
	nanosleep(&(struct timespec){0, 10000000}, NULL);
	cadre_system_free(sys); /* shuts down itself */
}

int
main(void)
{
	TEST_CASE(shutdown_under_load);
	TEST_CASE(shutdown_idle);
	fprintf(stderr, "test_shutdown: ok\n");
	return 0;
}
