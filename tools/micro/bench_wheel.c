/* bench_wheel: the timing wheel alone (core/src/wheel.c), by hand.
 *
 * Output follows docs/benchmarks.md: one JSON object per measure on stdout,
 * progress and a summary on stderr, exit status 1 if a check fails.
 *
 * Workload (defaults): arm T = 1,000,000 timers with random deadlines in
 * (now, now + 10,000] ticks (10 s of 1 ms ticks), cancel a random half in
 * random order, then advance one tick at a time until every remaining timer
 * has fired. Measures, each the median of --runs runs after one warm-up:
 *   timer_add     T adds                     (msgs = T)
 *   timer_cancel  T/2 dels                   (msgs = T/2)
 *   timer_fire    the advance loop, walking every expired list
 *                 (msgs = timers fired = T - T/2; secs include the 10,000
 *                 advances themselves)
 *   timer_total   add + cancel + fire        (msgs = T)
 * Timers are 32-byte intrusive nodes inside 40-byte items, allocated and
 * touched before timing; deadlines and the cancel order are drawn before
 * timing too. check is "ok" when every uncancelled timer fired exactly once,
 * at exactly its deadline (1-tick steps), no cancelled one fired, and the
 * wheel's count was exact throughout.
 *
 * Built from tools/CMakeLists.txt (target bench_wheel, not installed): it
 * includes the wheel's internal header, as only tools/micro/ may.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cadre__wheel.h"

#include "bench_cli.h"
#include "bench_progress.h"

#define DEFAULT_TIMERS 1000000u
#define DEFAULT_SPAN 10000u /* ticks: 10 s of 1 ms */
#define DEFAULT_RUNS 5u
#define START_TICK 987654321u /* an arbitrary, unaligned "now" */

enum { ST_ARMED = 1, ST_CANCELLED = 2, ST_FIRED = 3 };

struct item {
	struct cadre__timer timer; /* first: an item is its timer */
	uint32_t state;
};

enum measure { M_ADD, M_CANCEL, M_FIRE, M_TOTAL, M_COUNT };

static const char *const measure_names[M_COUNT] = {"timer_add", "timer_cancel", "timer_fire",
                                                   "timer_total"};

struct options {
	uint32_t timers;
	uint32_t span;
	uint32_t runs;
	uint64_t seed;
};

static uint64_t rng;

static uint64_t
rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void *
xmalloc(size_t size)
{
	void *p = malloc(size != 0 ? size : 1);

	if (p == NULL) {
		fprintf(stderr, "bench_wheel: out of memory (%zu bytes)\n", size);
		exit(1);
	}
	return p;
}

/* The drawn workload, shared by every run. */
struct workload {
	uint32_t n;
	uint32_t ncancel;
	uint32_t span;
	uint64_t *deadline; /* per item */
	uint32_t *cancel;   /* ncancel distinct items, in random order */
};

/* One run; fills secs[M_ADD..M_FIRE] and *fired. Returns false on a failed
 * check. */
static bool
run_once(const struct workload *wl, struct item *items, struct cadre__wheel *w,
         double secs[M_COUNT], uint64_t *fired_out)
{
	uint32_t n = wl->n;
	bool ok = true;
	uint64_t fired = 0, late = 0;
	double t0, t1, t2, t3;

	cadre__wheel_init(w, START_TICK);
	for (uint32_t i = 0; i < n; i++) {
		cadre__timer_init(&items[i].timer);
		items[i].state = ST_ARMED;
	}

	t0 = bench_now();
	for (uint32_t i = 0; i < n; i++)
		cadre__wheel_add(w, &items[i].timer, wl->deadline[i]);
	t1 = bench_now();
	for (uint32_t k = 0; k < wl->ncancel; k++) {
		struct item *it = &items[wl->cancel[k]];

		cadre__wheel_del(w, &it->timer);
		it->state = ST_CANCELLED;
	}
	t2 = bench_now();
	for (uint64_t tick = START_TICK + 1; tick <= START_TICK + wl->span; tick++) {
		struct cadre__timer *t;

		fired += cadre__wheel_advance(w, tick, &t);
		for (; t != NULL; t = t->next) {
			struct item *it = (struct item *)(void *)t;

			/* The check, on a line the walk touches anyway. */
			late += (t->deadline != tick) | (it->state != ST_ARMED);
			it->state = ST_FIRED;
		}
	}
	t3 = bench_now();

	secs[M_ADD] = t1 - t0;
	secs[M_CANCEL] = t2 - t1;
	secs[M_FIRE] = t3 - t2;
	secs[M_TOTAL] = t3 - t0;
	*fired_out = fired;

	uint64_t tick;
	if (late != 0 || fired != (uint64_t)n - wl->ncancel || cadre__wheel_count(w) != 0 ||
	    cadre__wheel_next_deadline(w, &tick)) {
		note("bench_wheel: check failed: %" PRIu64 " fired (want %" PRIu32 "), %" PRIu64
		     " wrong, %zu left",
		     fired, n - wl->ncancel, late, cadre__wheel_count(w));
		ok = false;
	}
	for (uint32_t i = 0; i < n && ok; i++) {
		if (items[i].state == ST_ARMED || cadre__timer_pending(&items[i].timer)) {
			note("bench_wheel: check failed: timer %" PRIu32 " never fired", i);
			ok = false;
		}
	}
	return ok;
}

static const char *argv0;

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: %s [--timers N] [--span TICKS] [--runs R] [--seed S] [--quick]\n"
	        "  --timers N     timers armed per run (default %u)\n"
	        "  --span TICKS   deadlines in (now, now + TICKS], advanced 1 tick at a time "
	        "(default %u)\n"
	        "  --runs R       timed runs after one warm-up; secs is their median (default %u)\n"
	        "  --seed S       random seed (default 1)\n"
	        "  --quick        timers / 10\n",
	        argv0, DEFAULT_TIMERS, DEFAULT_SPAN, DEFAULT_RUNS);
}

static void
parse_args(int argc, char **argv, struct options *o, bool *quick)
{
	struct bench_args a;

	argv0 = argv[0];
	bench_args_init(&a, argc, argv, "bench_wheel", usage);
	while (bench_args_next(&a)) {
		if (bench_args_is(&a, "--quick"))
			*quick = true;
		else if (bench_args_is(&a, "--timers"))
			o->timers = (uint32_t)bench_args_u64(&a, 1, UINT32_MAX);
		else if (bench_args_is(&a, "--span"))
			o->span = (uint32_t)bench_args_u64(&a, 1, UINT32_MAX);
		else if (bench_args_is(&a, "--runs"))
			o->runs = (uint32_t)bench_args_u64(&a, 1, UINT32_MAX);
		else if (bench_args_is(&a, "--seed"))
			o->seed = bench_args_u64(&a, 0, UINT64_MAX);
		else
			bench_args_bad(&a);
	}
}

/* Draws the workload (deadlines, the cancel order) before timing. */
static void
draw_workload(struct workload *wl, const struct options *o)
{
	*wl = (struct workload){.n = o->timers, .ncancel = o->timers / 2, .span = o->span};
	wl->deadline = xmalloc((size_t)wl->n * sizeof *wl->deadline);
	wl->cancel = xmalloc((size_t)wl->n * sizeof *wl->cancel);
	rng = o->seed;
	for (uint32_t i = 0; i < wl->n; i++) {
		wl->deadline[i] = START_TICK + 1 + rnd() % wl->span;
		wl->cancel[i] = i;
	}
	for (uint32_t i = wl->n; i > 1; i--) { /* Fisher-Yates; the first half is cancelled */
		uint32_t j = (uint32_t)(rnd() % i), tmp = wl->cancel[i - 1];
		wl->cancel[i - 1] = wl->cancel[j];
		wl->cancel[j] = tmp;
	}
}

/* The JSON line and the note of each measure (sorts times). */
static void
report(const struct workload *wl, double *times[M_COUNT], uint32_t done, uint64_t fired, bool ok)
{
	uint64_t msgs[M_COUNT] = {wl->n, wl->ncancel, fired, wl->n};

	note("timer wheel: %" PRIu32 " timers, deadlines within %" PRIu32 " ticks, %" PRIu32
	     " cancelled, %" PRIu64 " fired in %" PRIu32 " 1-tick advances",
	     wl->n, wl->span, wl->ncancel, fired, wl->span);
	for (int m = 0; m < M_COUNT; m++) {
		double med = bench_median(times[m], done); /* sorts */
		double lo = times[m][0], hi = times[m][done - 1];
		double mps = med > 0 ? (double)msgs[m] / med : 0;
		double ns = msgs[m] > 0 ? med * 1e9 / (double)msgs[m] : 0;

		printf("{\"bench\":\"%s\",\"impl\":\"cadre\",\"workers\":1,\"msgs\":%" PRIu64
		       ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu32
		       ",\"stat\":\"median\",\"check\":\"%s\""
		       ",\"min_secs\":%.6f,\"max_secs\":%.6f,\"ns_per_op\":%.2f}\n",
		       measure_names[m], msgs[m], med, mps, done, ok ? "ok" : "fail", lo, hi, ns);
		note("%-13s %10" PRIu64
		     " ops  %8.2f ns/op  %9.3f Mops/s  median %.4f s [%.4f .. %.4f]  %s",
		     measure_names[m], msgs[m], ns, mps / 1e6, med, lo, hi, ok ? "ok" : "FAILED");
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct options o = {DEFAULT_TIMERS, DEFAULT_SPAN, DEFAULT_RUNS, 1};
	bool quick = false;

	parse_args(argc, argv, &o, &quick);
	if (quick && o.timers >= 10)
		o.timers /= 10;
	progress_init();

	struct workload wl;
	draw_workload(&wl, &o);
	struct item *items = xmalloc((size_t)wl.n * sizeof *items);
	memset(items, 0, (size_t)wl.n * sizeof *items); /* touched before timing */
	struct cadre__wheel *w = xmalloc(sizeof *w);

	double *times[M_COUNT];
	for (int m = 0; m < M_COUNT; m++)
		times[m] = xmalloc(o.runs * sizeof *times[m]);
	bool ok = true;
	uint64_t fired = 0;
	uint32_t done = 0;

	for (uint32_t r = 0; r <= o.runs && ok; r++) {
		double secs[M_COUNT];

		if (r == 0)
			progress("timer wheel: warm-up");
		else
			progress("timer wheel: run %" PRIu32 "/%" PRIu32, r, o.runs);
		ok = run_once(&wl, items, w, secs, &fired);
		if (r > 0 || !ok) {
			for (int m = 0; m < M_COUNT; m++)
				times[m][done] = secs[m];
			done++;
		}
	}
	report(&wl, times, done, fired, ok);

	for (int m = 0; m < M_COUNT; m++)
		free(times[m]);
	free(w);
	free(items);
	free(wl.cancel);
	free(wl.deadline);
	return ok ? 0 : 1;
}
