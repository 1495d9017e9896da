/* Timers: send-after, intervals, exact cancellation (also racing the fire),
 * many timers at once, timers of stopped actors, timers at shutdown. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

static cadre_system *sys;

/* A sink that counts what arrives per tag, plus the arrival time of tag 1. */
#define TAGS 4096
struct counts {
	uint32_t per_tag[TAGS];
	uint64_t total;
};

struct sink {
	cadre_actor base;
	struct counts *c;
};

static int
sink_start(cadre_actor *self, void *arg)
{
	((struct sink *)self)->c = arg;
	return 0;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct counts *c = ((struct sink *)self)->c;
	if (m->type == 0xDEAD)
		return cadre_stop(self);
	uint32_t tag = m->size == sizeof(uint32_t) ? *(const uint32_t *)m->data : 0;
	CHECK(tag < TAGS);
	cadre__faa_acqrel_u32(&c->per_tag[tag], 1); /* read by the test thread */
	cadre__faa_acqrel_u64(&c->total, 1);
	return 0;
}

static const cadre_behaviour sink = {
        .size = sizeof(struct sink), .start = sink_start, .receive = sink_receive};

static uint64_t
ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void
wait_total(struct counts *c, uint64_t n)
{
	for (int i = 0; cadre__load_acq_u64(&c->total) < n; i++) {
		CHECK(i < 30000); /* 30 s at most */
		nap_ms(1);
	}
}

static void
send_after_fires_once_not_early(void)
{
	static struct counts c;
	cadre_ref s;
	CHECK_EQ(cadre_spawn(sys, &sink, NULL, &c, &s), 0);
	uint32_t tag = 1;
	uint64_t t0 = ms_now();
	cadre_timer t;
	CHECK_EQ(cadre_send_after(sys, s, 1, &tag, sizeof tag, 50, &t), 0);
	wait_total(&c, 1);
	CHECK(ms_now() - t0 >= 50); /* never early */
	nap_ms(30);
	CHECK_EQ(cadre__load_acq_u64(&c.total), 1);         /* once */
	CHECK_EQ(cadre_timer_cancel(sys, t), CADRE_ENOENT); /* already fired */
	/* a large payload travels too */
	char big[300];
	for (int i = 0; i < 300; i++)
		big[i] = (char)i;
	CHECK_EQ(cadre_send_after(sys, s, 2, big, sizeof big, 1, NULL), 0);
	wait_total(&c, 2);
	CHECK_EQ(c.per_tag[0], 1);
	CHECK_EQ(cadre_send(sys, s, 0xDEAD, NULL, 0), 0);
}

static void
cancel_before_fire(void)
{
	static struct counts c;
	cadre_ref s;
	CHECK_EQ(cadre_spawn(sys, &sink, NULL, &c, &s), 0);
	cadre_timer t[100];
	for (uint32_t i = 0; i < 100; i++)
		CHECK_EQ(cadre_send_after(sys, s, 1, &i, sizeof i, 200, &t[i]), 0);
	for (int i = 0; i < 100; i += 2)
		CHECK_EQ(cadre_timer_cancel(sys, t[i]), 0);
	for (int i = 0; i < 100; i += 2)
		CHECK_EQ(cadre_timer_cancel(sys, t[i]), CADRE_ENOENT); /* twice */
	wait_total(&c, 50);
	nap_ms(50);
	CHECK_EQ(cadre__load_acq_u64(&c.total), 50);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(c.per_tag[i], i % 2);
	cadre_timer bogus = {123456789, 1};
	CHECK_EQ(cadre_timer_cancel(sys, bogus), CADRE_ENOENT);
	CHECK_EQ(cadre_send(sys, s, 0xDEAD, NULL, 0), 0);
}

/* Many timers at once, random delays; each fires exactly once. */
static void
many_timers(void)
{
	static struct counts c;
	cadre_ref s;
	CHECK_EQ(cadre_spawn(sys, &sink, NULL, &c, &s), 0);
	long n = test_size("CADRE_STRESS_TIMERS", 200000);
	unsigned seed = 7;
	for (long i = 0; i < n; i++) {
		uint32_t tag = (uint32_t)(i % TAGS);
		seed = seed * 1103515245u + 12345u;
		CHECK_EQ(cadre_send_after(sys, s, 1, &tag, sizeof tag, (seed >> 16) % 300, NULL),
		         0);
	}
	wait_total(&c, (uint64_t)n);
	nap_ms(20);
	CHECK_EQ(cadre__load_acq_u64(&c.total), n);
	for (long k = 0; k < TAGS; k++)
		CHECK_EQ(c.per_tag[k], n / TAGS + (k < n % TAGS ? 1 : 0));
	CHECK_EQ(cadre_send(sys, s, 0xDEAD, NULL, 0), 0);
}

/* Cancel racing fire: every timer is either cancelled (0) or delivered,
 * never both, never neither. */
struct racer {
	cadre_timer *t;
	long n;
	long cancelled;
};

static void *
cancel_all(void *arg)
{
	struct racer *r = arg;
	for (long i = 0; i < r->n; i++) {
		int rc = cadre_timer_cancel(sys, r->t[i]);
		CHECK(rc == 0 || rc == CADRE_ENOENT);
		if (rc == 0)
			r->cancelled++;
	}
	return NULL;
}

static void
cancel_races_fire(void)
{
	static struct counts c;
	cadre_ref s;
	CHECK_EQ(cadre_spawn(sys, &sink, NULL, &c, &s), 0);
	long n = test_size("CADRE_STRESS_TIMERS", 100000);
	cadre_timer *t = calloc((size_t)n, sizeof *t);
	CHECK(t != NULL);
	for (long i = 0; i < n; i++) {
		uint32_t tag = (uint32_t)(i % TAGS);
		CHECK_EQ(cadre_send_after(sys, s, 1, &tag, sizeof tag, (uint64_t)(i % 3), &t[i]),
		         0);
	}
	struct racer r = {t, n, 0};
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, cancel_all, &r), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	wait_total(&c, (uint64_t)(n - r.cancelled));
	nap_ms(50);
	fprintf(stderr, "cancel race: %ld cancelled, %llu fired\n", r.cancelled,
	        (unsigned long long)cadre__load_acq_u64(&c.total));
	CHECK_EQ(cadre__load_acq_u64(&c.total) + (uint64_t)r.cancelled, n);
	free(t);
	CHECK_EQ(cadre_send(sys, s, 0xDEAD, NULL, 0), 0);
}

static void
intervals(void)
{
	static struct counts c;
	cadre_ref s;
	CHECK_EQ(cadre_spawn(sys, &sink, NULL, &c, &s), 0);
	uint32_t tag = 3;
	cadre_timer t;
	CHECK_EQ(cadre_send_interval(sys, s, 1, &tag, sizeof tag, 5, &t), 0);
	wait_total(&c, 5); /* it repeats */
	CHECK_EQ(cadre_timer_cancel(sys, t), 0);
	nap_ms(20); /* one may have been on its way */
	uint64_t after = cadre__load_acq_u64(&c.total);
	nap_ms(60);
	CHECK_EQ(cadre__load_acq_u64(&c.total), after); /* and then none */
	CHECK_EQ(cadre_timer_cancel(sys, t), CADRE_ENOENT);
	/* The target stops: its interval timer is cancelled, quietly. */
	cadre_stats before;
	CHECK_EQ(cadre_system_stats(sys, -1, &before), 0);
	CHECK_EQ(cadre_send_interval(sys, s, 1, &tag, sizeof tag, 3, &t), 0);
	wait_total(&c, after + 3);
	CHECK_EQ(cadre_send(sys, s, 0xDEAD, NULL, 0), 0);
	for (int i = 0; cadre_timers_pending(sys) != 0; i++) {
		CHECK(i < 5000);
		nap_ms(1);
	}
	CHECK_EQ(cadre_timer_cancel(sys, t), CADRE_ENOENT);
	CHECK_EQ(cadre_system_await_stopped(sys, 10000), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
}

static void
bad_input(void)
{
	cadre_ref r = CADRE_REF_NONE;
	uint32_t x = 0;
	CHECK_EQ(cadre_send_after(NULL, r, 1, &x, sizeof x, 1, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_send_after(sys, r, 1, NULL, 4, 1, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_send_interval(sys, r, 1, &x, sizeof x, 0, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_timer_cancel(NULL, (cadre_timer){1, 1}), CADRE_EINVAL);
	CHECK_EQ(cadre_timer_cancel(sys, (cadre_timer){0, 0}), CADRE_ENOENT);
	cadre_config cfg = {.workers = 1, .max_message_size = 16};
	cadre_system *small;
	CHECK_EQ(cadre_system_new(&small, &cfg), 0);
	char buf[17] = {0};
	CHECK_EQ(cadre_send_after(small, r, 1, buf, sizeof buf, 1, NULL), CADRE_ETOOBIG);
	/* a timer to nobody is cancelled quietly when it fires */
	CHECK_EQ(cadre_send_after(small, r, 1, buf, 16, 1, NULL), 0);
	/* pending timers at shutdown are dropped, nothing leaks */
	CHECK_EQ(cadre_send_after(small, r, 1, buf, 16, 100000, NULL), 0);
	char large[200] = {0};
	CHECK_EQ(cadre_send_after(small, r, 1, large, 16, 100000, NULL), 0);
	nap_ms(20);
	CHECK_EQ(cadre_system_shutdown(small, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_send_after(small, r, 1, buf, 4, 1, NULL), CADRE_ECLOSED);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(small, -1, &st), 0);
	CHECK_EQ(st.sent, 0);
	CHECK_EQ(st.dead_letters, 0);
	cadre_system_free(small);
}

int
main(void)
{
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	TEST_CASE(send_after_fires_once_not_early);
	TEST_CASE(cancel_before_fire);
	TEST_CASE(many_timers);
	TEST_CASE(cancel_races_fire);
	TEST_CASE(intervals);
	TEST_CASE(bad_input);
	cadre_system_free(sys);
	fprintf(stderr, "test_timers: ok\n");
	return 0;
}
