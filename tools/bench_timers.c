/* Timer benchmark (shared/BENCH.md output): arm N timers (default
 * 1,000,000) with random delays of 1 to 2 s, all to one sink actor, cancel
 * half of them, and wait until the other half has fired. Reports the cost
 * of arming and cancelling per timer, and for firing the lag of the last
 * delivery behind the last deadline (lag_ms, upper bound: from the end of
 * arming); check "ok" when exactly the
 * uncancelled half arrived, none more. Public API only. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

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

int
main(int argc, char **argv)
{
	long n = 1000000;
	int runs = 3, workers = 2;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			n /= 10;
		else if (strcmp(argv[i], "--timers") == 0 && i + 1 < argc)
			n = atol(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			workers = atoi(argv[++i]);
		else {
			fprintf(stderr,
			        "usage: %s [--timers N] [--runs R] [--workers W] [--quick]\n",
			        argv[0]);
			return 2;
		}
	}
	if (n < 2 || runs < 1 || workers < 1)
		return 2;
	cadre_timer *t = malloc((size_t)n * sizeof *t);
	double *arm = calloc((size_t)runs + 1, sizeof *arm),
	       *can = calloc((size_t)runs + 1, sizeof *can),
	       *fire = calloc((size_t)runs + 1, sizeof *fire);
	if (t == NULL || arm == NULL || can == NULL || fire == NULL)
		return 1;
	int ok = 1;
	for (int r = 0; r <= runs; r++) { /* run 0 is the warm-up */
		cadre_system *sys;
		cadre_config cfg = {.workers = (unsigned)workers};
		cadre_ref s;
		if (cadre_system_new(&sys, &cfg) != 0 ||
		    cadre_spawn(sys, &sink, NULL, NULL, &s) != 0)
			return 1;
		atomic_store(&fired, 0);
		unsigned seed = 12345u + (unsigned)r;
		double t0 = bench_now();
		for (long i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* deadlines 1..2 s ahead: arming all takes well under 1 s,
			 * so none fires before the cancels */
			if (cadre_send_after(sys, s, 1, NULL, 0, 1000 + (seed >> 8) % 1000,
			                     &t[i]) != 0)
				return 1;
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
			ok = 0;
		arm[r] = t1 - t0;
		can[r] = t2 - t1;
		fire[r] = t3 - t0; /* until the last one fired (deadlines span 0.2..1 s) */
		cadre_system_free(sys);
		fprintf(stderr,
		        "timers: run %d/%d: arm %.3f s, cancel %.3f s, all fired after %.3f s\n", r,
		        runs, arm[r], can[r], fire[r]);
	}
	qsort(arm + 1, (size_t)runs, sizeof *arm, bench_cmp_double);
	qsort(can + 1, (size_t)runs, sizeof *can, bench_cmp_double);
	qsort(fire + 1, (size_t)runs, sizeof *fire, bench_cmp_double);
	double am = arm[1 + runs / 2], cm = can[1 + runs / 2], fm = fire[1 + runs / 2];
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
	free(t);
	free(arm);
	free(can);
	free(fire);
	return ok ? 0 : 1;
}
