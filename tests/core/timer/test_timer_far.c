/* Timers far in the future (cadre/timer.h): a deadline beyond the clock's
 * range saturates ("never in practice") instead of wrapping around, so a
 * delay or period of CADRE_FOREVER never fires; a timer due in 1e13 ms (or
 * any far one) leaves the timer thread asleep, not spinning; such timers
 * can be cancelled, and nearer timers still fire meanwhile.
 *
 * The spinning check compares, over a window of at least 300 ms in which
 * nothing is due, the CPU time of the process (less a yardstick thread's)
 * with that of a yardstick thread that spins: a timer thread that spins
 * gets about as much as the yardstick, an asleep one almost none. The bound
 * is generous: under half. (A plain CPU-time-over-wall-time bound cannot
 * tell on a shared machine, where a spinning thread may get 25% of a core.)
 * Run one case with: test_timer_far <case>. */
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

enum { T_TICK = 1, T_STOP };

struct sink_box {
	long got, started;
};

struct sink {
	cadre_actor base;
	struct sink_box *b;
};

static int
sink_start(cadre_actor *self, void *arg)
{
	((struct sink *)self)->b = arg;
	/* Release: pairs with main's acquire loads (ld). */
	__atomic_add_fetch(&((struct sink_box *)arg)->started, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == T_STOP)
		return cadre_stop(self);
	/* Release: pairs with main's acquire loads (ld). */
	__atomic_add_fetch(&((struct sink *)self)->b->got, 1, __ATOMIC_RELEASE);
	return 0;
}

static const cadre_behaviour sink_beh = {
        .size = sizeof(struct sink), .start = sink_start, .receive = sink_receive, .name = "sink"};

/* CPU time of the process or of the calling thread, in microseconds. */
static long
cpu_us(clockid_t clock)
{
	struct timespec ts;
	CHECK_EQ(clock_gettime(clock, &ts), 0);
	return (long)ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

/* A thread that spins until told to stop: the yardstick of what a spinning
 * thread gets of a CPU in the same window (the machine may be shared). */
struct spinner {
	long stop;
	long cpu;
};

static void *
spinner_main(void *arg)
{
	struct spinner *s = arg;
	long t0 = cpu_us(CLOCK_THREAD_CPUTIME_ID);
	/* Acquire: pairs with main's release store. */
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
	}
	s->cpu = cpu_us(CLOCK_THREAD_CPUTIME_ID) - t0; /* read after the join */
	return NULL;
}

/* Nothing is due: the rest of the process must use well under half of
 * what a spinning thread gets meanwhile (a spinning timer thread would get
 * about as much). The window lasts until the spinner had 100 ms of CPU (at
 * least 300 ms, at most 5 s). */
static void
check_not_spinning(const char *what)
{
	nap_us(20000); /* let the service go to sleep */
	struct spinner s = {0, 0};
	pthread_t th;
	clockid_t spun;
	long p0 = cpu_us(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ms();
	CHECK_EQ(pthread_create(&th, NULL, spinner_main, &s), 0);
	CHECK_EQ(pthread_getcpuclockid(th, &spun), 0);
	nap_us(300000);
	while (now_ms() - t0 < 5000 && cpu_us(spun) < 100000)
		nap_us(10000);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE); /* pairs with the spinner's load */
	CHECK_EQ(pthread_join(th, NULL), 0);
	long rest = cpu_us(CLOCK_PROCESS_CPUTIME_ID) - p0 - s.cpu;
	fprintf(stderr,
	        "%s: the rest of the process used %ld us of CPU, a spinner %ld us, in %ld ms\n",
	        what, rest, s.cpu, now_ms() - t0);
	CHECK(rest < s.cpu / 2);
}

static cadre_system *
new_system(void)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = 1;
	cfg.no_pinning = true;
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static cadre_ref
new_sink(cadre_system *sys, struct sink_box *b)
{
	memset(b, 0, sizeof *b);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, b, &r), 0);
	CHECK(wait_at_least(&b->started, 1, 10000));
	return r;
}

static void
finish(cadre_system *sys, cadre_ref r)
{
	CHECK_EQ(cadre_send(sys, r, T_STOP, NULL, 0), 0);
	(void)await_quiet(sys); /* sent == handled + dead_letters */
	cadre_system_free(sys);
}

/* One timer 1e13 ms (~317 years) ahead: the service sleeps. */
static void
far_timer_does_not_spin(void)
{
	static struct sink_box b;
	cadre_system *sys = new_system();
	cadre_ref r = new_sink(sys, &b);
	cadre_timer t;
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, NULL, 0, UINT64_C(10000000000000), &t), 0);
	check_not_spinning("1e13 ms");
	CHECK_EQ(ld(&b.got), 0);
	CHECK_EQ(cadre_timers_pending(sys), 1);
	CHECK_EQ(cadre_timer_cancel(sys, t), 0);
	CHECK_EQ(cadre_timer_cancel(sys, t), CADRE_ENOENT);
	finish(sys, r);
}

/* The largest delays and periods saturate: none of them fires, each can be
 * cancelled, and a near timer armed after them fires as usual. */
static void
max_delays_saturate(void)
{
	static struct sink_box b;
	cadre_system *sys = new_system();
	cadre_ref r = new_sink(sys, &b);
	enum { N = 6 };
	cadre_timer t[N];
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, NULL, 0, CADRE_FOREVER, &t[0]), 0);
	CHECK_EQ(cadre_send_interval(sys, r, T_TICK, NULL, 0, CADRE_FOREVER, &t[1]), 0);
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, NULL, 0, INT64_MAX, &t[2]), 0);
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, NULL, 0, INT64_MAX - 1, &t[3]), 0);
	CHECK_EQ(cadre_send_interval(sys, r, T_TICK, NULL, 0, INT64_C(10000000000000), &t[4]), 0);
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, NULL, 0, INT64_MAX / 1000000, &t[5]), 0);
	/* other negative values are not timeouts */
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, NULL, 0, -2, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_send_interval(sys, r, T_TICK, NULL, 0, -2, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_send_after(sys, r, T_TICK, NULL, 0, 10, NULL), 0); /* a near one */
	CHECK(wait_at_least(&b.got, 1, 10000));
	check_not_spinning("CADRE_FOREVER");
	CHECK_EQ(ld(&b.got), 1); /* the near one only */
	CHECK_EQ(cadre_timers_pending(sys), N);
	for (int i = 0; i < N; i++)
		CHECK_EQ(cadre_timer_cancel(sys, t[i]), 0);
	nap_us(20000);
	CHECK_EQ(ld(&b.got), 1);
	finish(sys, r);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, far_timer_does_not_spin);
	TEST_CASE_IF(only, max_delays_saturate);
	fprintf(stderr, "test_timer_far: ok\n");
	return 0;
}
