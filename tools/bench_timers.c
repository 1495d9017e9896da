/* Timer benchmark (docs/benchmarks.md output): arm N timers (default
 * 1,000,000) with random delays of 1 to 2 s, all to one sink actor, cancel
 * half of them, and wait until the other half has fired. Reports the cost
 * of arming and cancelling per timer, and for firing the lag of the last
 * delivery behind the last deadline (lag_ms, upper bound: from the end of
 * arming); check "ok" when exactly the
 * uncancelled half arrived, none more. Public API only. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "bench_cli.h"
#include "bench_progress.h"

static atomic_ulong fired;

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	atomic_fetch_add_explicit(&fired, 1, memory_order_relaxed); /* a counter */
	return 0;
}

static const cadre_behaviour sink = {.size = sizeof(cadre_actor), .receive = sink_receive};

struct opts {
	long n;
	int runs, workers;
};

static const char *argv0;

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--timers N] [--runs R] [--workers W] [--quick]\n", argv0);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	struct bench_args a;

	argv0 = argv[0];
	bench_args_init(&a, argc, argv, "cadre-bench-timers", usage);
	while (bench_args_next(&a)) {
		if (bench_args_is(&a, "--quick"))
			o->n /= 10; /* of the --timers given so far */
		else if (bench_args_is(&a, "--timers"))
			o->n = (long)bench_args_u64(&a, 0, LONG_MAX);
		else if (bench_args_is(&a, "--runs"))
			o->runs = (int)bench_args_u64(&a, 1, INT_MAX);
		else if (bench_args_is(&a, "--workers"))
			o->workers = (int)bench_args_u64(&a, 1, INT_MAX);
		else
			bench_args_bad(&a);
	}
}

/* One run (run 0 is the warm-up): fills arm[r], can[r] and fire[r]; false
 * if the system failed, *ok = 0 if a check failed. */
static bool
run_once(const struct opts *o, int r, cadre_timer *t, double *arm, double *can, double *fire,
         int *ok)
{
	long n = o->n;
	cadre_system *sys;
	cadre_config cfg = {.workers = (unsigned)o->workers};
	cadre_ref s;
	if (cadre_system_new(&sys, &cfg) != 0 || cadre_spawn(sys, &sink, NULL, NULL, &s) != 0)
		return false;
	atomic_store(&fired, 0);
	unsigned seed = 12345u + (unsigned)r;
	double t0 = bench_now();
	for (long i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		/* deadlines 1..2 s ahead: arming all takes well under 1 s,
		 * so none fires before the cancels */
		if (cadre_send_after(sys, s, 1, NULL, 0, 1000 + (seed >> 8) % 1000, &t[i]) != 0)
			return false;
	}
	double t1 = bench_now();
	long cancelled = 0;
	for (long i = 0; i < n; i += 2)
		cancelled += cadre_timer_cancel(sys, t[i]) == 0;
	double t2 = bench_now();
	long want = n - cancelled;
	while ((long)atomic_load(&fired) < want && bench_now() - t2 < 30)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	double t3 = bench_now();
	nanosleep(&(struct timespec){0, 50000000}, NULL); /* none extra may come */
	if ((long)atomic_load(&fired) != want || cancelled != n / 2)
		*ok = 0;
	arm[r] = t1 - t0;
	can[r] = t2 - t1;
	fire[r] = t3 - t0; /* until the last one fired (deadlines span 0.2..1 s) */
	cadre_system_free(sys);
	fprintf(stderr, "timers: run %d/%d: arm %.3f s, cancel %.3f s, all fired after %.3f s\n", r,
	        o->runs, arm[r], can[r], fire[r]);
	return true;
}

/* The three JSON lines, from the medians of the runs. */
static void
report(const struct opts *o, double am, double cm, double fm, int ok)
{
	long n = o->n;
	int workers = o->workers, runs = o->runs;
	const char *check = ok ? "ok" : "fail";

	printf("{\"bench\":\"timer_arm\",\"impl\":\"cadre\",\"workers\":%d,\"msgs\":%ld,\"secs\":%."
	       "6f,"
	       "\"mps\":%.1f,\"runs\":%d,\"stat\":\"median\",\"check\":\"%s\",\"ns_per_op\":%.1f}"
	       "\n",
	       workers, n, am, (double)n / am, runs, check, am * 1e9 / (double)n);
	printf("{\"bench\":\"timer_cancel\",\"impl\":\"cadre\",\"workers\":%d,\"msgs\":%ld,"
	       "\"secs\":%.6f,\"mps\":%.1f,\"runs\":%d,\"stat\":\"median\",\"check\":\"%s\","
	       "\"ns_per_op\":%.1f}\n",
	       workers, n / 2, cm, (double)(n / 2) / cm, runs, check, cm * 1e9 / (double)(n / 2));
	printf("{\"bench\":\"timer_fire\",\"impl\":\"cadre\",\"workers\":%d,\"msgs\":%ld,"
	       "\"secs\":%.6f,\"mps\":%.1f,\"runs\":%d,\"stat\":\"median\",\"check\":\"%s\","
	       "\"lag_ms\":%.1f}\n",
	       workers, n - n / 2, fm, (double)(n - n / 2) / fm, runs, check,
	       (fm - am) * 1e3 - 2000.0);
}

int
main(int argc, char **argv)
{
	struct opts o = {.n = 1000000, .runs = 3, .workers = 2};
	parse_args(argc, argv, &o);
	if (o.n < 2)
		return 2;
	long n = o.n;
	int runs = o.runs;
	cadre_timer *t = malloc((size_t)n * sizeof *t);
	double *arm = calloc((size_t)runs + 1, sizeof *arm),
	       *can = calloc((size_t)runs + 1, sizeof *can),
	       *fire = calloc((size_t)runs + 1, sizeof *fire);
	if (t == NULL || arm == NULL || can == NULL || fire == NULL)
		return 1;
	int ok = 1;
	for (int r = 0; r <= runs; r++) /* run 0 is the warm-up */
		if (!run_once(&o, r, t, arm, can, fire, &ok))
			return 1;
	qsort(arm + 1, (size_t)runs, sizeof *arm, bench_cmp_double);
	qsort(can + 1, (size_t)runs, sizeof *can, bench_cmp_double);
	qsort(fire + 1, (size_t)runs, sizeof *fire, bench_cmp_double);
	report(&o, arm[1 + runs / 2], can[1 + runs / 2], fire[1 + runs / 2], ok);
	free(t);
	free(arm);
	free(can);
	free(fire);
	return ok ? 0 : 1;
}
