/* cadre-bench-mailbox: the mailbox queue alone, against two baselines.
 *
 * Output follows docs/benchmarks.md: one JSON object per case on stdout,
 * progress and a summary table on stderr, exit status 1 if any check fails.
 *
 * Benches:
 *   mailbox_spsc         1 producer thread, 1 consumer thread
 *   mailbox_mpsc         P producer threads (default 8), 1 consumer thread
 *   mailbox_local        one thread: push one message, pop it (the floor of
 *                        a local send)
 *   mailbox_local_batch  one thread: push 64 messages, pop 64
 * Each bench runs for three queues in the same invocation:
 *   cadre         the public cadre_mailbox API (intrusive MPSC)
 *   ck_fifo_mpmc  Concurrency Kit's ck_fifo_mpmc; not intrusive: one
 *                 preallocated entry per message, garbage entries are not
 *                 freed or reused during a run
 *   mutex_list    a pthread mutex around an intrusive singly linked list
 * (bench_mailbox_queues.h: the three behind one push / pop interface).
 *
 * Method. Messages carry a producer id and a sequence number. They are
 * allocated and touched before timing, one array per producer, so only the
 * queue is measured. The clock starts when the start barrier releases the
 * producers and stops when the consumer (the main thread) has received every
 * message. The consumer checks exact counts and per-producer FIFO order, and
 * that the queue is empty afterwards. An empty consumer spins briefly with a
 * pause, then sched_yield()s (P + 1 threads may share 2 cores). Each case
 * does one warm-up run, then --runs timed runs; secs is their median.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>

#include "bench_cli.h"
#include "bench_mailbox_queues.h"
#include "bench_progress.h"

#define BATCH 64 /* mailbox_local_batch: pushes per pop phase */
#define MAX_PRODUCERS 1024
#define DEFAULT_MSGS 8000000ULL        /* spsc, mpsc */
#define DEFAULT_MSGS_LOCAL 20000000ULL /* local, local_batch */
#define DEFAULT_PRODUCERS 8
#define DEFAULT_RUNS 5

static const char *const impl_names[IMPL_COUNT] = {"cadre", "ck_fifo_mpmc", "mutex_list"};

enum bench { BENCH_SPSC, BENCH_MPSC, BENCH_LOCAL, BENCH_LOCAL_BATCH, BENCH_COUNT };

static const char *const bench_names[BENCH_COUNT] = {
        "mailbox_spsc",
        "mailbox_mpsc",
        "mailbox_local",
        "mailbox_local_batch",
};

struct run;

struct producer {
	struct run *run;
	struct msg *msgs;              /* n messages, seq 0..n-1 */
	ck_fifo_mpmc_entry_t *entries; /* ck_fifo_mpmc: n entries, else NULL */
	uint32_t id;
	uint32_t n;
	int failed; /* a push failed; read by main after join */
	pthread_t thread;
};

/* State shared by the threads of one run. */
struct run {
	struct queue q;
	uint32_t nproducers;
	_Alignas(CACHELINE) atomic_uint ready; /* producers at the start barrier */
	atomic_int go;                         /* the barrier opens */
	_Alignas(CACHELINE) atomic_uint done;  /* producers that pushed everything */
};

/* The consumer's check of what it receives. */
struct check {
	uint32_t *next;        /* per producer: next expected seq */
	const uint32_t *count; /* per producer: messages sent */
	uint32_t nproducers;
	uint64_t got;
	bool bad;
	uint32_t bad_producer, bad_seq, bad_expected;
};

struct options {
	uint64_t msgs; /* 0: the bench's default */
	uint32_t producers;
	uint32_t runs;
	bool quick;
	int only; /* a bench, or -1 for all */
};

struct result {
	bool ran;
	bool ok;
	double secs; /* median */
	uint64_t msgs;
};

static void *
xaligned_alloc(size_t size)
{
	size_t rounded = (size + CACHELINE - 1) / CACHELINE * CACHELINE;
	void *p = aligned_alloc(CACHELINE, rounded != 0 ? rounded : CACHELINE);

	if (p == NULL) {
		fprintf(stderr, "cadre-bench-mailbox: out of memory (%zu bytes)\n", size);
		exit(1);
	}
	return p;
}

static ALWAYS_INLINE void
check_msg(struct check *c, const struct msg *m)
{
	uint32_t p = m->producer;

	c->got++;
	if (p < c->nproducers && m->seq == c->next[p] && m->seq < c->count[p]) {
		c->next[p]++;
		return;
	}
	if (!c->bad) {
		c->bad = true;
		c->bad_producer = p;
		c->bad_seq = m->seq;
		c->bad_expected = p < c->nproducers ? c->next[p] : 0;
	}
}

/* ---- the measured loops --------------------------------------------------- */

static ALWAYS_INLINE void *
produce(struct producer *p, enum impl impl)
{
	struct run *r = p->run;
	unsigned spins = 0;

	/* The start barrier. acq_rel/acquire: pair with the main thread's
	 * acquire load of ready and its release store of go. */
	atomic_fetch_add_explicit(&r->ready, 1, memory_order_acq_rel);
	while (!atomic_load_explicit(&r->go, memory_order_acquire))
		idle(&spins);

	for (uint32_t i = 0; i < p->n; i++) {
		ck_fifo_mpmc_entry_t *e = impl == IMPL_CK ? &p->entries[i] : NULL;

		if (q_push(&r->q, impl, &p->msgs[i], e) != 0) {
			p->failed = 1;
			break;
		}
	}
	/* Release: every push above is complete (linked) before the consumer's
	 * acquire load of done sees this producer as finished. */
	atomic_fetch_add_explicit(&r->done, 1, memory_order_release);
	return NULL;
}

static ALWAYS_INLINE void
consume(struct run *r, struct check *c, uint64_t total, enum impl impl)
{
	unsigned spins = 0;

	while (c->got < total) {
		struct msg *m = q_pop(&r->q, impl);

		if (m != NULL) {
			check_msg(c, m);
			spins = 0;
			continue;
		}
		/* Acquire: pairs with the release increment in produce(). Once
		 * every producer is done, NULL means empty: messages were lost. */
		if (atomic_load_explicit(&r->done, memory_order_acquire) == r->nproducers) {
			m = q_pop(&r->q, impl);
			if (m == NULL)
				break;
			check_msg(c, m);
			continue;
		}
		idle(&spins);
	}
}

/* One thread: push `batch` messages, then pop them, in order. */
static ALWAYS_INLINE void
local(struct run *r, struct producer *p, struct check *c, uint32_t batch, enum impl impl)
{
	struct queue *q = &r->q;
	uint32_t n = p->n;

	for (uint32_t i = 0; i < n; i += batch) {
		uint32_t k = n - i < batch ? n - i : batch;

		for (uint32_t j = 0; j < k; j++) {
			ck_fifo_mpmc_entry_t *e = impl == IMPL_CK ? &p->entries[i + j] : NULL;

			if (q_push(q, impl, &p->msgs[i + j], e) != 0) {
				p->failed = 1;
				return;
			}
		}
		for (uint32_t j = 0; j < k; j++) {
			struct msg *m = q_pop(q, impl);

			if (m == NULL)
				return; /* lost: the count check fails */
			check_msg(c, m);
		}
	}
}

typedef void *(*produce_fn)(void *);
typedef void (*consume_fn)(struct run *, struct check *, uint64_t);
typedef void (*local_fn)(struct run *, struct producer *, struct check *);

#define LOOPS(tag, impl)                                                                  \
	static void *produce_##tag(void *arg)                                             \
	{                                                                                 \
		return produce(arg, impl);                                                \
	}                                                                                 \
	static void consume_##tag(struct run *r, struct check *c, uint64_t total)         \
	{                                                                                 \
		consume(r, c, total, impl);                                               \
	}                                                                                 \
	static void local_##tag(struct run *r, struct producer *p, struct check *c)       \
	{                                                                                 \
		local(r, p, c, 1, impl);                                                  \
	}                                                                                 \
	static void local_batch_##tag(struct run *r, struct producer *p, struct check *c) \
	{                                                                                 \
		local(r, p, c, BATCH, impl);                                              \
	}

LOOPS(cadre, IMPL_CADRE)
LOOPS(ck, IMPL_CK)
LOOPS(mutex, IMPL_MUTEX)

static const produce_fn produce_fns[IMPL_COUNT] = {produce_cadre, produce_ck, produce_mutex};
static const consume_fn consume_fns[IMPL_COUNT] = {consume_cadre, consume_ck, consume_mutex};
static const local_fn local_fns[IMPL_COUNT] = {local_cadre, local_ck, local_mutex};
static const local_fn local_batch_fns[IMPL_COUNT] = {local_batch_cadre, local_batch_ck,
                                                     local_batch_mutex};

/* ---- one case -------------------------------------------------------------- */

struct bcase {
	enum bench bench;
	enum impl impl;
	uint32_t nproducers; /* threads that push; local: 1, the main thread */
	bool threaded;
	uint64_t total;
	struct producer *producers;
	uint32_t *count;
	uint32_t *next;
	ck_fifo_mpmc_t *fifo;
	ck_fifo_mpmc_entry_t *stub;
	struct mutex_list *ml;
};

/* Sets up the queue for one run. Returns 0 or -1. */
static int
queue_open(struct bcase *bc, struct queue *q)
{
	memset(q, 0, sizeof *q);
	switch (bc->impl) {
	case IMPL_CADRE: {
		int rc = cadre_mailbox_new(&q->mb, 0);

		if (rc != 0) {
			fprintf(stderr, "cadre_mailbox_new: %d\n", rc);
			return -1;
		}
		return 0;
	}
	case IMPL_CK:
		/* Every entry of the last run is garbage now: start afresh. */
		ck_fifo_mpmc_init(bc->fifo, bc->stub);
		q->fifo = bc->fifo;
		q->stub = bc->stub;
		return 0;
	case IMPL_MUTEX:
		bc->ml->head = NULL;
		bc->ml->tail = NULL;
		q->ml = bc->ml;
		return 0;
	default:
		return -1;
	}
}

/* Checks the queue is empty and releases it. Returns true if empty. */
static bool
queue_close(struct bcase *bc, struct queue *q)
{
	bool empty = q_pop(q, bc->impl) == NULL;

	if (bc->impl == IMPL_CADRE) {
		/* Also the mailbox's own view: idle succeeds only if empty. */
		if (empty && cadre_mailbox_mark_idle(q->mb) != 0)
			empty = false;
		cadre_mailbox_free(q->mb);
	}
	return empty;
}

/* A failed check of one run: "bench/impl: what" on stderr. */
static void __attribute__((format(printf, 2, 3))) fail(const struct bcase *bc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s/%s: ", bench_names[bc->bench], impl_names[bc->impl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The threaded benches: the producers push, the main thread consumes.
 * Returns false if a producer could not be started; *secs gets the time
 * from the opening of the start barrier to the last message received. */
static bool
run_threaded(struct bcase *bc, struct run *r, struct check *c, double *secs)
{
	uint32_t started = 0;
	bool ok = true;

	for (; started < bc->nproducers; started++) {
		struct producer *p = &bc->producers[started];

		if (pthread_create(&p->thread, NULL, produce_fns[bc->impl], p) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			ok = false;
			break;
		}
	}
	if (!ok) {
		/* Release the started ones with nothing to wait for. */
		for (uint32_t i = started; i < bc->nproducers; i++)
			atomic_fetch_add(&r->done, 1);
	}
	unsigned spins = 0;

	/* Acquire: pairs with the producers' increment of ready. */
	while (atomic_load_explicit(&r->ready, memory_order_acquire) < started)
		idle(&spins);
	double t0 = bench_now();
	/* Release: opens the barrier (pairs with the producers' acquire). */
	atomic_store_explicit(&r->go, 1, memory_order_release);
	consume_fns[bc->impl](r, c, bc->total);
	*secs = bench_now() - t0;
	for (uint32_t i = 0; i < started; i++)
		pthread_join(bc->producers[i].thread, NULL);
	return ok;
}

/* The checks after a run (the queue is released). */
static bool
check_run(struct bcase *bc, struct run *r, const struct check *c)
{
	bool ok = true;

	for (uint32_t i = 0; i < bc->nproducers; i++) {
		if (bc->producers[i].failed) {
			fail(bc, "producer %" PRIu32 ": push failed", i);
			ok = false;
		}
	}
	if (c->bad) {
		fail(bc, "order: producer %" PRIu32 " seq %" PRIu32 ", expected %" PRIu32,
		     c->bad_producer, c->bad_seq, c->bad_expected);
		ok = false;
	}
	if (c->got != bc->total) {
		fail(bc, "received %" PRIu64 " of %" PRIu64 " messages", c->got, bc->total);
		ok = false;
	}
	for (uint32_t i = 0; i < bc->nproducers; i++) {
		if (bc->next[i] != bc->count[i]) {
			fail(bc, "producer %" PRIu32 ": %" PRIu32 " of %" PRIu32 " received", i,
			     bc->next[i], bc->count[i]);
			ok = false;
			break;
		}
	}
	if (!queue_close(bc, &r->q)) {
		fail(bc, "queue not empty after the run");
		ok = false;
	}
	return ok;
}

/* One run. Returns true if every check passed; *secs gets the time. */
static bool
run_once(struct bcase *bc, double *secs)
{
	_Alignas(CACHELINE) struct run r;
	struct check c = {
	        .next = bc->next,
	        .count = bc->count,
	        .nproducers = bc->nproducers,
	};
	bool ok = true;

	memset(&r, 0, sizeof r);
	r.nproducers = bc->nproducers;
	atomic_init(&r.ready, 0);
	atomic_init(&r.go, 0);
	atomic_init(&r.done, 0);
	memset(bc->next, 0, bc->nproducers * sizeof *bc->next);
	if (queue_open(bc, &r.q) != 0)
		return false;
	for (uint32_t i = 0; i < bc->nproducers; i++) {
		bc->producers[i].run = &r;
		bc->producers[i].failed = 0;
	}
	if (bc->threaded) {
		ok = run_threaded(bc, &r, &c, secs);
	} else {
		double t0 = bench_now();
		if (bc->bench == BENCH_LOCAL_BATCH)
			local_batch_fns[bc->impl](&r, &bc->producers[0], &c);
		else
			local_fns[bc->impl](&r, &bc->producers[0], &c);
		*secs = bench_now() - t0;
	}
	return check_run(bc, &r, &c) && ok;
}

/* The state of the baselines shared by the runs of one case. */
static void
case_open(struct bcase *bc)
{
	if (bc->impl == IMPL_CK) {
		bc->fifo = xaligned_alloc(sizeof *bc->fifo);
		bc->stub = xaligned_alloc(sizeof *bc->stub);
		for (uint32_t i = 0; i < bc->nproducers; i++) {
			struct producer *p = &bc->producers[i];
			size_t sz = (size_t)p->n * sizeof *p->entries;

			p->entries = xaligned_alloc(sz);
			memset(p->entries, 0, sz); /* fault the pages in before timing */
		}
	} else if (bc->impl == IMPL_MUTEX) {
		bc->ml = xaligned_alloc(sizeof *bc->ml);
		pthread_mutex_init(&bc->ml->lock, NULL);
	}
}

static void
case_close(struct bcase *bc)
{
	if (bc->impl == IMPL_CK) {
		for (uint32_t i = 0; i < bc->nproducers; i++) {
			free(bc->producers[i].entries);
			bc->producers[i].entries = NULL;
		}
		free(bc->stub);
		free(bc->fifo);
	} else if (bc->impl == IMPL_MUTEX) {
		pthread_mutex_destroy(&bc->ml->lock);
		free(bc->ml);
	}
}

/* Warm-up plus o->runs runs of one bench/impl; prints its JSON line. */
static struct result
run_case(struct bcase *bc, const struct options *o)
{
	struct result res = {.ran = true, .ok = true, .msgs = bc->total};
	double *times = calloc(o->runs, sizeof *times);
	uint32_t done = 0;
	const char *bn = bench_names[bc->bench], *in = impl_names[bc->impl];

	if (times == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	case_open(bc);
	for (uint32_t i = 0; i <= o->runs && res.ok; i++) {
		double secs = 0;

		if (i == 0)
			progress("%s %s: warm-up", bn, in);
		else
			progress("%s %s: run %" PRIu32 "/%" PRIu32, bn, in, i, o->runs);
		res.ok = run_once(bc, &secs);
		if (i > 0 || !res.ok) /* a failed warm-up is all we have */
			times[done++] = secs;
	}

	double lo = 0, hi = 0;

	if (done > 0) {
		res.secs = bench_median(times, done); /* sorts times */
		lo = times[0];
		hi = times[done - 1];
	}
	double mps = res.secs > 0 ? (double)bc->total / res.secs : 0;
	double ns = bc->total > 0 ? res.secs * 1e9 / (double)bc->total : 0;
	uint32_t workers = bc->threaded ? bc->nproducers + 1 : 1;

	printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"workers\":%" PRIu32 ",\"msgs\":%" PRIu64
	       ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu32
	       ",\"stat\":\"median\",\"check\":\"%s\""
	       ",\"min_secs\":%.6f,\"max_secs\":%.6f,\"ns_per_msg\":%.2f}\n",
	       bn, in, workers, bc->total, res.secs, mps, done, res.ok ? "ok" : "fail", lo, hi, ns);
	fflush(stdout);
	note("%-20s %-13s %9.3f Mmsg/s %8.2f ns/msg  median %.4f s [%.4f .. %.4f]  %s", bn, in,
	     mps / 1e6, ns, res.secs, lo, hi, res.ok ? "ok" : "FAILED");
	case_close(bc);
	free(times);
	return res;
}

/* All impls of one bench, sharing one set of messages. */
static void
run_bench(enum bench b, const struct options *o, struct result res[IMPL_COUNT])
{
	struct bcase bc = {.bench = b};
	bool local_bench = b == BENCH_LOCAL || b == BENCH_LOCAL_BATCH;
	uint64_t total = o->msgs != 0 ? o->msgs : local_bench ? DEFAULT_MSGS_LOCAL : DEFAULT_MSGS;

	if (o->quick)
		total /= 10;
	bc.total = total;
	bc.threaded = !local_bench;
	bc.nproducers = b == BENCH_MPSC ? o->producers : 1;
	bc.producers = calloc(bc.nproducers, sizeof *bc.producers);
	bc.count = calloc(bc.nproducers, sizeof *bc.count);
	bc.next = calloc(bc.nproducers, sizeof *bc.next);
	if (bc.producers == NULL || bc.count == NULL || bc.next == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	progress("%s: preparing %" PRIu64 " messages", bench_names[b], total);
	for (uint32_t i = 0; i < bc.nproducers; i++) {
		struct producer *p = &bc.producers[i];

		p->id = i;
		p->n = (uint32_t)(total / bc.nproducers + (i < total % bc.nproducers ? 1 : 0));
		p->msgs = xaligned_alloc((size_t)p->n * sizeof *p->msgs);
		for (uint32_t s = 0; s < p->n; s++) {
			p->msgs[s].link.next = NULL;
			p->msgs[s].producer = i;
			p->msgs[s].seq = s;
		}
		bc.count[i] = p->n;
	}

	for (int i = 0; i < IMPL_COUNT; i++) {
		bc.impl = (enum impl)i;
		res[i] = run_case(&bc, o);
	}

	for (uint32_t i = 0; i < bc.nproducers; i++)
		free(bc.producers[i].msgs);
	free(bc.producers);
	free(bc.count);
	free(bc.next);
}

/* ---- command line ------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: cadre-bench-mailbox [--msgs N] [--producers P] [--runs R] [--quick] "
	        "[--only NAME]\n"
	        "  --msgs N       messages per case (default %llu; %llu for the local benches)\n"
	        "  --producers P  producer threads of mailbox_mpsc (default %d)\n"
	        "  --runs R       timed runs after one warm-up; secs is their median (default %d)\n"
	        "  --quick        divide the sizes by 10\n"
	        "  --only NAME    run one bench: mailbox_spsc, mailbox_mpsc, mailbox_local,\n"
	        "                 mailbox_local_batch\n"
	        "JSON Lines on stdout (docs/benchmarks.md), progress and a summary on stderr.\n",
	        DEFAULT_MSGS, DEFAULT_MSGS_LOCAL, DEFAULT_PRODUCERS, DEFAULT_RUNS);
}

/* --only's value: one bench by name. */
static int
parse_only(struct bench_args *a)
{
	const char *val = bench_args_value(a);

	for (int b = 0; b < BENCH_COUNT; b++)
		if (strcmp(val, bench_names[b]) == 0)
			return b;
	bench_args_bad(a);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	struct bench_args a;

	bench_args_init(&a, argc, argv, "cadre-bench-mailbox", usage);
	while (bench_args_next(&a)) {
		if (bench_args_is(&a, "--quick"))
			o->quick = true;
		else if (bench_args_is(&a, "--msgs"))
			o->msgs = bench_args_u64(&a, 1, UINT32_MAX);
		else if (bench_args_is(&a, "--producers"))
			o->producers = (uint32_t)bench_args_u64(&a, 1, MAX_PRODUCERS);
		else if (bench_args_is(&a, "--runs"))
			o->runs = (uint32_t)bench_args_u64(&a, 1, 1000);
		else if (bench_args_is(&a, "--only"))
			o->only = parse_only(&a);
		else
			bench_args_bad(&a);
	}
}

/* ---- main ---------------------------------------------------------------- */

static void
summary(struct result res[BENCH_COUNT][IMPL_COUNT])
{
	fprintf(stderr, "\nmailbox summary: median Mmsg/s; ratio = peer secs / cadre secs "
	                "(>1: cadre is faster)\n");
	fprintf(stderr, "%-20s %9s %13s %11s %13s %12s\n", "bench", "cadre", "ck_fifo_mpmc",
	        "mutex_list", "cadre:ck_fifo", "cadre:mutex");
	for (int b = 0; b < BENCH_COUNT; b++) {
		const struct result *r = res[b];
		static const int w[IMPL_COUNT] = {9, 13, 11};
		static const int rw[IMPL_COUNT] = {0, 12, 11};

		if (!r[IMPL_CADRE].ran)
			continue;
		fprintf(stderr, "%-20s", bench_names[b]);
		for (int i = 0; i < IMPL_COUNT; i++) {
			if (r[i].ok && r[i].secs > 0)
				fprintf(stderr, " %*.2f", w[i],
				        (double)r[i].msgs / r[i].secs / 1e6);
			else
				fprintf(stderr, " %*s", w[i], "FAIL");
		}
		for (int i = IMPL_CK; i < IMPL_COUNT; i++) {
			if (r[i].ok && r[IMPL_CADRE].ok && r[IMPL_CADRE].secs > 0)
				fprintf(stderr, " %*.2fx", rw[i], r[i].secs / r[IMPL_CADRE].secs);
			else
				fprintf(stderr, " %*s", rw[i] + 1, "-");
		}
		fputc('\n', stderr);
	}
}

static void *
nothing(void *arg)
{
	return arg;
}

/* glibc takes single-threaded fast paths (a mutex without a locked
 * instruction) until the process first creates a thread. An actor runtime
 * is never single-threaded, and results must not depend on --only: create
 * one thread before measuring anything. */
static void
leave_single_threaded(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0) {
		fprintf(stderr, "cadre-bench-mailbox: pthread_create failed\n");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct options o = {
	        .producers = DEFAULT_PRODUCERS,
	        .runs = DEFAULT_RUNS,
	        .only = -1,
	};
	struct result res[BENCH_COUNT][IMPL_COUNT];
	bool ok = true;

	memset(res, 0, sizeof res);
	parse_args(argc, argv, &o);
	progress_init();
	leave_single_threaded();

	for (int b = 0; b < BENCH_COUNT; b++) {
		if (o.only >= 0 && o.only != b)
			continue;
		run_bench((enum bench)b, &o, res[b]);
		for (int i = 0; i < IMPL_COUNT; i++)
			ok = ok && res[b][i].ok;
	}
	summary(res);
	return ok ? 0 : 1;
}
