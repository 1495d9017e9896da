/* cadre-bench-latency: request/response latency at a fixed offered rate
 * (docs/benchmarks.md, workload "latency").
 *
 * Method. A `service` actor answers every request at once (cadre_reply,
 * an 8-byte payload). A `requester` actor asks it (cadre_ask_cb, with a
 * timeout of --timeout-ms on every request, so each request also arms and
 * cancels a timer, as real requests do) whenever it gets a GO message. The
 * main thread, which is not a worker, is the pacer: it sends GO messages
 * on a fixed schedule, --rate per second for --secs seconds (an open loop:
 * a late request does not delay the next one's scheduled time; a pacer
 * that falls behind catches up at once). It never spins: on a machine with
 * as many CPUs as workers, a spinning pacer would take a worker's CPU and
 * measure itself. It sleeps to absolute deadlines (timer slack 1 ns) on a
 * grid of --tick-us (default 100 us) and at each tick sends every request
 * then due, back to back (10 at 100,000/s): one sleep per request costs
 * the pacer more than the whole request path in a VM. --tick-us 0 sleeps
 * to each request's own due time.
 *
 * Latency is measured for each request from just before cadre_ask_cb to
 * the start of its callback (the round trip: request, service, reply,
 * dispatch), both on the requester's worker. The rate must stay below
 * saturation: the run reports how late the pacer was, and a run whose
 * requests did not all get their reply (a timeout, an error) fails.
 *
 * One warm-up run, then --runs runs, each on a fresh system with
 * --workers workers; p50_ns, p99_ns and p999_ns are the medians over the
 * runs of each run's percentiles, secs the median measured phase. msgs
 * counts requests and replies (2 per round trip). check is "ok" when every
 * request got its reply, none timed out, and the system's counters show
 * sent == handled + dead letters with no dead letter.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <cadre.h>

#include <cadre/ask.h>

#include "bench_cli.h"
#include "bench_progress.h"

#define T_REQ 1
#define T_GO 2

struct opts {
	unsigned workers;
	uint64_t rate;
	double secs;
	unsigned runs;
	uint32_t timeout_ms;
	uint64_t tick_ns;
	bool quick;
};

/* ---- the actors ----------------------------------------------------------------------- */
static int
service_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	return cadre_reply(cadre_actor_system(self), &req.reply_to, T_REQ, req.data, req.size);
}

static const cadre_behaviour service_beh = {
        .size = sizeof(cadre_actor), .receive = service_receive, .name = "service"};

struct shared {
	cadre_ref service;
	uint32_t timeout_ms;
	uint64_t n;
	uint64_t *lat;               /* n entries, written by the requester only */
	atomic_uint_least64_t ended; /* replied + failed, published (release) */
	uint64_t replied, failed;    /* read after `ended` reaches n (acquire) */
};

struct requester {
	cadre_actor base;
	cadre_asker asker;
	struct shared *sh;
	uint64_t next;
};

static void
on_reply(cadre_actor *self, void *ctx, const cadre_response *r)
{
	struct requester *q = (struct requester *)self;
	struct shared *sh = q->sh;
	uint64_t t1 = bench_now_ns(), t0, i = (uint64_t)(uintptr_t)ctx;
	if (r->status == 0 && r->size == sizeof t0) {
		memcpy(&t0, r->data, sizeof t0);
		sh->lat[i] = t1 - t0;
		sh->replied++;
	} else {
		sh->failed++;
	}
	/* Release: lat[], replied and failed before the count; pairs with the
	 * main thread's acquire load. */
	atomic_store_explicit(&sh->ended, sh->replied + sh->failed, memory_order_release);
}

static int
requester_start(cadre_actor *self, void *arg)
{
	struct requester *q = (struct requester *)self;
	q->sh = arg;
	return cadre_asker_init(&q->asker);
}

static int
requester_receive(cadre_actor *self, const cadre_msg *m)
{
	struct requester *q = (struct requester *)self;
	if (cadre_ask_dispatch(self, &q->asker, m) > 0 || m->type != T_GO)
		return 0;
	struct shared *sh = q->sh;
	if (q->next == sh->n)
		return 0;
	uint64_t i = q->next++;
	uint64_t t0 = bench_now_ns();
	int rc = cadre_ask_cb(self, &q->asker, sh->service, T_REQ, &t0, sizeof t0, sh->timeout_ms,
	                      on_reply, (void *)(uintptr_t)i, NULL);
	if (rc != 0) {
		sh->failed++;
		/* Release: as in on_reply. */
		atomic_store_explicit(&sh->ended, sh->replied + sh->failed, memory_order_release);
	}
	return 0;
}

static void
requester_stop(cadre_actor *self, const cadre_exit *why)
{
	struct requester *q = (struct requester *)self;
	(void)why;
	cadre_asker_fini(self, &q->asker);
}

static const cadre_behaviour requester_beh = {.size = sizeof(struct requester),
                                              .start = requester_start,
                                              .receive = requester_receive,
                                              .stop = requester_stop,
                                              .name = "requester"};

/* ---- one run ------------------------------------------------------------------------- */
struct result {
	bool ok;
	double secs;
	uint64_t p50, p99, p999, max;
	double max_lag_us;
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t
pct(const uint64_t *v, uint64_t n, double p)
{
	uint64_t k = (uint64_t)(p * (double)n);
	return v[k < n ? k : n - 1];
}

/* The pacer: n GO messages to the requester on the schedule (see the top).
 * Returns false if a send failed; *start gets the first due time, *max_lag
 * how late the pacer was at most. */
static bool
pace(cadre_system *sys, cadre_ref req, const struct opts *o, uint64_t n, uint64_t *start,
     uint64_t *max_lag)
{
	double period = 1e9 / (double)o->rate;
	bool ok = true;

	*start = bench_now_ns() + 1000000; /* 1 ms from now */
	*max_lag = 0;
	for (uint64_t i = 0; ok && i < n; i++) {
		uint64_t due = *start + (uint64_t)((double)i * period);
		uint64_t now = bench_now_ns();
		if (now < due) {
			/* Sleep to the next tick at or after due (tick 0: to due). */
			uint64_t wake = due;
			if (o->tick_ns != 0)
				wake = *start +
				       (due - *start + o->tick_ns - 1) / o->tick_ns * o->tick_ns;
			struct timespec ts = {(time_t)(wake / 1000000000u),
			                      (long)(wake % 1000000000u)};
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			now = bench_now_ns();
		}
		if (now - due > *max_lag)
			*max_lag = now - due;
		ok = cadre_send(sys, req, T_GO, NULL, 0) == 0;
	}
	return ok;
}

/* Waits until every request has ended (replied or failed); false if they
 * never do. */
static bool
await_ended(struct shared *sh, const struct opts *o)
{
	/* Acquire: pairs with the requester's release store. */
	uint64_t deadline = bench_now_ns() + (uint64_t)o->timeout_ms * 1000000u + 5000000000u;
	while (atomic_load_explicit(&sh->ended, memory_order_acquire) < sh->n) {
		if (bench_now_ns() > deadline) {
			fprintf(stderr, "cadre-bench-latency: requests never ended\n");
			return false;
		}
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	return true;
}

/* After the run: the checks, then the percentiles (sorts sh->lat). */
static bool
check_run(struct shared *sh, const cadre_stats *st, bool ok, struct result *res)
{
	uint64_t n = sh->n;

	ok = ok && sh->replied == n && sh->failed == 0 && st->dead_letters == 0 &&
	     st->sent == st->handled + st->dead_letters;
	if (!ok) {
		fprintf(stderr,
		        "cadre-bench-latency: check failed: %" PRIu64 " replied, %" PRIu64
		        " failed of %" PRIu64 "; sent %" PRIu64 " handled %" PRIu64 " dead %" PRIu64
		        "\n",
		        sh->replied, sh->failed, n, st->sent, st->handled, st->dead_letters);
		return false;
	}
	qsort(sh->lat, n, sizeof *sh->lat, cmp_u64);
	res->p50 = pct(sh->lat, n, 0.50);
	res->p99 = pct(sh->lat, n, 0.99);
	res->p999 = pct(sh->lat, n, 0.999);
	res->max = sh->lat[n - 1];
	return true;
}

static struct result
run_once(const struct opts *o, uint64_t n)
{
	struct result res = {0};
	cadre_system *sys;
	cadre_config cfg = {.workers = o->workers};
	if (cadre_system_new(&sys, &cfg) != 0) {
		fprintf(stderr, "cadre-bench-latency: cannot create the system\n");
		return res;
	}
	struct shared *sh = calloc(1, sizeof *sh);
	uint64_t *lat = calloc(n, sizeof *lat);
	if (sh == NULL || lat == NULL) {
		fprintf(stderr, "cadre-bench-latency: out of memory\n");
		free(sh);
		free(lat);
		cadre_system_free(sys);
		return res;
	}
	sh->n = n;
	sh->lat = lat;
	sh->timeout_ms = o->timeout_ms;
	cadre_ref req;
	uint64_t start = 0, max_lag = 0;
	bool ok = cadre_spawn(sys, &service_beh, NULL, NULL, &sh->service) == 0 &&
	          cadre_spawn(sys, &requester_beh, NULL, sh, &req) == 0;
	ok = ok && pace(sys, req, o, n, &start, &max_lag);
	ok = ok && await_ended(sh, o);
	uint64_t end = bench_now_ns();
	cadre_system_shutdown(sys, CADRE_FOREVER);
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	res.ok = check_run(sh, &st, ok, &res);
	res.secs = (double)(end - start) / 1e9;
	res.max_lag_us = (double)max_lag / 1e3;
	cadre_system_free(sys);
	free(lat);
	free(sh);
	return res;
}

/* ---- main ---------------------------------------------------------------------------- */
static void
usage(FILE *f)
{
	fprintf(f, "usage: cadre-bench-latency [--workers N] [--rate R] [--secs S] [--runs K]\n"
	           "                           [--timeout-ms T] [--tick-us U] [--quick]\n"
	           "  --workers N     worker threads (default 2)\n"
	           "  --rate R        offered requests per second (default 100000)\n"
	           "  --secs S        measured seconds per run (default 2) *\n"
	           "  --runs K        runs after one warm-up; medians are reported (default 3)\n"
	           "  --timeout-ms T  each request's timeout (default 1000)\n"
	           "  --tick-us U     the pacer's sleep grid (default 100; 0: per request)\n"
	           "  --quick         divide the sizes marked * by 10\n");
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	struct bench_args a;

	bench_args_init(&a, argc, argv, "cadre-bench-latency", usage);
	while (bench_args_next(&a)) {
		if (bench_args_is(&a, "--quick"))
			o->quick = true;
		else if (bench_args_is(&a, "--workers"))
			o->workers = (unsigned)bench_args_u64(&a, 1, UINT_MAX);
		else if (bench_args_is(&a, "--rate"))
			o->rate = bench_args_u64(&a, 1, UINT64_MAX);
		else if (bench_args_is(&a, "--secs"))
			o->secs = bench_args_double(&a, 1e-9, 1e9);
		else if (bench_args_is(&a, "--runs"))
			o->runs = (unsigned)bench_args_u64(&a, 1, UINT_MAX);
		else if (bench_args_is(&a, "--tick-us"))
			o->tick_ns = bench_args_u64(&a, 0, UINT64_MAX / 1000) * 1000u;
		else if (bench_args_is(&a, "--timeout-ms"))
			o->timeout_ms = (uint32_t)bench_args_u64(&a, 0, UINT32_MAX);
		else
			bench_args_bad(&a);
	}
}

/* The medians over the runs (not the warm-up). */
struct medians {
	double *secs, *p50, *p99, *p999;
};

/* The warm-up and the runs; false if one failed. */
static bool
run_all(const struct opts *o, uint64_t n, struct medians *m)
{
	bool ok = true;

	for (unsigned r = 0; r <= o->runs && ok; r++) {
		struct result res = run_once(o, n);
		ok = res.ok;
		fprintf(stderr,
		        "latency w%u %s %" PRIu64 " req at %" PRIu64 "/s: p50 %" PRIu64
		        " ns, p99 %" PRIu64 " ns, p99.9 %" PRIu64 " ns, max %" PRIu64
		        " ns; pacer late by %.1f us at most"
		        "%s\n",
		        o->workers, r == 0 ? "warm-up" : "run    ", n, o->rate, res.p50, res.p99,
		        res.p999, res.max, res.max_lag_us, ok ? "" : " FAILED");
		if (r == 0)
			continue;
		m->secs[r - 1] = res.secs;
		m->p50[r - 1] = (double)res.p50;
		m->p99[r - 1] = (double)res.p99;
		m->p999[r - 1] = (double)res.p999;
	}
	return ok;
}

int
main(int argc, char **argv)
{
	struct opts o = {.workers = 2,
	                 .rate = 100000,
	                 .secs = 2.0,
	                 .runs = 3,
	                 .timeout_ms = 1000,
	                 .tick_ns = 100000};
	parse_args(argc, argv, &o);
	if (o.quick)
		o.secs /= 10;
	uint64_t n = (uint64_t)((double)o.rate * o.secs);
	if (n == 0)
		n = 1;
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* the pacer's sleeps: as precise as can be */
	struct medians m = {calloc(o.runs, sizeof(double)), calloc(o.runs, sizeof(double)),
	                    calloc(o.runs, sizeof(double)), calloc(o.runs, sizeof(double))};
	if (m.secs == NULL || m.p50 == NULL || m.p99 == NULL || m.p999 == NULL)
		return 1;
	if (!run_all(&o, n, &m)) {
		printf("{\"bench\":\"latency\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":0,"
		       "\"secs\":0,\"mps\":0,\"runs\":0,\"stat\":\"median\",\"check\":\"fail\"}\n",
		       o.workers);
		return 1;
	}
	double s = bench_median(m.secs, o.runs);
	printf("{\"bench\":\"latency\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":%" PRIu64
	       ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%u,\"stat\":\"median\",\"check\":\"ok\","
	       "\"p50_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f}\n",
	       o.workers, 2 * n, s, (double)(2 * n) / s, o.runs, bench_median(m.p50, o.runs),
	       bench_median(m.p99, o.runs), bench_median(m.p999, o.runs));
	free(m.secs);
	free(m.p50);
	free(m.p99);
	free(m.p999);
	return 0;
}
