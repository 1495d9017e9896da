/* cadre-bench: Cadre's actor workloads (shared/BENCH.md).
 *
 * Output follows shared/BENCH.md: one JSON object per workload on stdout,
 * progress and a summary table on stderr; exit status 1 if any check
 * fails, 3 if the watchdog had to end a run that hung.
 *
 * Workloads, written as plain actors through the public API (<cadre.h>):
 *   pingpong    two actors, N round trips, strictly sequential
 *   counting    a producer sends N increments to a counter, then asks for
 *               the total, which must be N
 *   threadring  R actors in a ring pass one token T hops
 *   fanin       P producers each send N messages to one sink
 *   fjthrput    one sender sends N messages to each of A actors round-robin;
 *               each folds them into a hash (a tiny computation)
 *   skynet      a 10-ary tree of actors over L leaves (L = 10^6: 1,111,111
 *               actors); leaves reply their ordinal, parents sum and reply
 *   big         W actors each send M pings to random neighbours, which answer
 *               with a pong; the next ping goes out on the pong (Savina BIG)
 *   idle        spawn K actors, let the system sit idle: CPU time and memory
 *
 * Method. Every run creates a fresh system with --workers workers. The
 * clock starts just before the workload's first actor is spawned and stops
 * when the actor that completes the workload has posted a semaphore (actors
 * never block; the main thread waits). Then every actor must stop by itself
 * (cadre_system_await_idle), the system is shut down (so that its counters
 * are final) and checked: each workload verifies its own result exactly, and
 * cadre_system_stats must show sent == handled + dead, no dead letters, and
 * exactly the handled messages and spawns the workload implies. One warm-up
 * run, then --runs timed runs; secs is their median.
 *
 * msgs counts the workload's own messages delivered in the measured phase:
 * pingpong 2N; counting N + 2 (the increments, the request, the answer);
 * threadring T (hops); fanin P*N; fjthrput A*N + A (the answers to the
 * sender); skynet spawns - 1 (one reply per non-root actor); big 2*W*M + 2*W
 * (pings, pongs, start and done messages). Actors that send many messages
 * send --slice of them (default 1000), then a "continue" message to
 * themselves, so that they do not hold a worker for long (as samples/fanin.c
 * does); these are not counted in msgs, but are in the check against
 * handled. (A continue sent to oneself is handled in the same run while the
 * run's batch, cadre_config.batch, lasts: a sender yields its worker only
 * every batch slices.)
 *
 * idle runs in a child process (this program, re-executed) per run: RSS
 * growth means something only in a process whose allocator has not cached
 * memory freed by earlier runs. cpu_secs is user+sys of the whole process
 * over the idle phase only; bytes_per_actor is the RSS growth from just
 * before the spawns to all actors started, over the number of actors.
 *
 * A run that does not finish within --timeout seconds fails with the
 * system's counters on stderr; a watchdog ends the program if even the
 * shutdown that follows hangs.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>

extern char **environ;

#define DEFAULT_WORKERS 2
#define DEFAULT_RUNS 5
#define DEFAULT_TIMEOUT_S 180
#define SKYNET_FANOUT 10

/* Message types. */
enum {
	M_CONT = 1, /* to self: send the next slice */
	M_PING,
	M_PONG,
	M_INC,
	M_GET,
	M_TOTAL,
	M_TOKEN,
	M_EXIT,
	M_ITEM,
	M_WORK,
	M_DONE,
	M_START,
	M_REPLY,
};

enum wl {
	WL_PINGPONG,
	WL_COUNTING,
	WL_THREADRING,
	WL_FANIN,
	WL_FJTHRPUT,
	WL_SKYNET,
	WL_BIG,
	WL_IDLE,
	WL_COUNT
};

static const char *const wl_names[WL_COUNT] = {
        "pingpong", "counting", "threadring", "fanin", "fjthrput", "skynet", "big", "idle",
};

/* ---- options -------------------------------------------------------------- */

struct sizes {
	uint64_t pingpong_n;
	uint64_t counting_n;
	uint64_t threadring_r;
	uint64_t threadring_t;
	uint64_t fanin_p;
	uint64_t fanin_n;
	uint64_t fjthrput_a;
	uint64_t fjthrput_n;
	uint64_t skynet_leaves;
	uint64_t big_w;
	uint64_t big_m;
	uint64_t idle_actors;
	uint64_t idle_ms;
	uint64_t slice;
};

struct size_opt {
	const char *name;
	size_t off;
	uint64_t dflt, min, max;
	bool quick; /* --quick divides it by 10 */
	const char *help;
};

#define SZ(field) offsetof(struct sizes, field)
#define BIG_MAX 1000000000000ULL

static const struct size_opt size_opts[] = {
        {"--pingpong-n", SZ(pingpong_n), 1000000, 1, BIG_MAX, true, "pingpong: round trips"},
        {"--counting-n", SZ(counting_n), 10000000, 1, BIG_MAX, true, "counting: increments"},
        {"--threadring-r", SZ(threadring_r), 503, 1, 1000000, false, "threadring: actors"},
        {"--threadring-t", SZ(threadring_t), 10000000, 1, BIG_MAX, true, "threadring: hops"},
        {"--fanin-p", SZ(fanin_p), 8, 1, 100000, false, "fanin: producers"},
        {"--fanin-n", SZ(fanin_n), 2000000, 1, BIG_MAX, true, "fanin: messages per producer"},
        {"--fjthrput-a", SZ(fjthrput_a), 60, 1, 1000000, false, "fjthrput: actors"},
        {"--fjthrput-n", SZ(fjthrput_n), 1000000, 1, BIG_MAX, true, "fjthrput: messages per actor"},
        {"--skynet-leaves", SZ(skynet_leaves), 1000000, 10, 100000000, true,
         "skynet: leaves, a power of 10"},
        {"--big-w", SZ(big_w), 1000, 1, 1000000, false, "big: actors"},
        {"--big-m", SZ(big_m), 2000, 1, UINT32_MAX, true, "big: pings per actor"},
        {"--idle-actors", SZ(idle_actors), 100000, 1, 100000000, true, "idle: actors"},
        {"--idle-ms", SZ(idle_ms), 2000, 1, 3600000, true, "idle: idle time (ms)"},
        {"--slice", SZ(slice), 1000, 1, 1000000000, false,
         "counting, fanin, fjthrput: sends before a continue"},
};

#define NSIZES (sizeof size_opts / sizeof size_opts[0])

struct options {
	struct sizes sz;
	unsigned workers;
	uint32_t runs;
	uint64_t timeout_s;
	bool quick;
	unsigned only;   /* bit per workload; 0 = all */
	bool idle_child; /* internal: run one idle measurement, print it, exit */
};

static uint64_t *
size_at(struct sizes *sz, size_t off)
{
	return (uint64_t *)(void *)((char *)sz + off);
}

/* ---- progress on stderr ----------------------------------------------------- */

static bool stderr_tty;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Progress: updated in place on a terminal, plain lines otherwise. */
static void __attribute__((format(printf, 1, 2))) progress(const char *fmt, ...)
{
	va_list ap;

	if (stderr_tty)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (!stderr_tty)
		fputc('\n', stderr);
	fflush(stderr);
}

/* A finished line on stderr (replaces the progress line on a terminal). */
static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	if (stderr_tty)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ---- the state of one run -------------------------------------------------------
 * Main sets it up before the system exists and reads it after the
 * semaphore or the shutdown; in between, each field has one writer actor
 * (or is atomic), and messages and spawns order the accesses. */
struct run {
	sem_t done;        /* posted by the actor that completes the workload, or on failure */
	atomic_int failed; /* a check failed: why says which (first failure only) */
	char why[512];     /* read by main after the shutdown */
	struct sizes sz;
	cadre_ref first;        /* threadring: node 0 (node 0 writes); fanin: the sink (sink) */
	uint64_t *next;         /* fanin: next expected seq per producer (sink only) */
	cadre_ref *refs;        /* fjthrput: workers (sender); big: actors (driver); idle (main) */
	uint64_t expect;        /* fjthrput: each worker's hash (main) */
	uint64_t result;        /* the final actor's result */
	_Atomic uint64_t tally; /* big: pings answered; idle: actors started */
	_Atomic uint64_t shut;  /* big, idle: actors stopped by cadre_stop_ref */
};

static struct run g_run;

/* Deadline of the current run (main thread only). */
static double g_deadline;
static uint64_t g_timeout_s;
static const char *g_bench = "";

static void
run_done(void)
{
	sem_post(&g_run.done); /* never blocks */
}

static void __attribute__((format(printf, 1, 2))) run_fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&g_run.failed, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(g_run.why, sizeof g_run.why, fmt, ap);
		va_end(ap);
	}
	sem_post(&g_run.done); /* do not let main wait for the timeout */
}

/* A failed check inside a callback: record it, and fail the actor (1 is
 * not a CADRE_E* code). */
#define BAD(...) (run_fail(__VA_ARGS__), 1)

/* The stop callback of actors that stop only by themselves. */
static void
on_stop(cadre_actor *self, const cadre_exit *why)
{
	if (why->kind == CADRE_EXIT_NORMAL)
		return;
	const cadre_behaviour *b = cadre_actor_behaviour(self);
	const char *name = b != NULL && b->name != NULL ? b->name : "?";

	if (why->kind == CADRE_EXIT_FAILURE && why->code < 0)
		run_fail("actor %s failed: %s (%s)", name, cadre_err_name(why->code),
		         cadre_strerror(why->code));
	else if (why->kind != CADRE_EXIT_FAILURE)
		run_fail("actor %s stopped with reason %d", name, (int)why->kind);
	/* else: a check failed, already recorded */
}

static bool
get_u64(const cadre_msg *m, uint64_t *v)
{
	if (m->size != sizeof *v)
		return false;
	memcpy(v, m->data, sizeof *v);
	return true;
}

static int
send_u64(cadre_system *sys, cadre_ref to, uint32_t type, uint64_t v)
{
	return cadre_send(sys, to, type, &v, sizeof v);
}

static int
send_self(cadre_actor *self, uint32_t type)
{
	return cadre_send(cadre_actor_system(self), cadre_self(self), type, NULL, 0);
}

/* Self-sent continues of a sender of n messages in slices. */
static uint64_t
continues(uint64_t n, uint64_t slice)
{
	return n == 0 ? 0 : (n + slice - 1) / slice - 1;
}

/* ---- pingpong ---------------------------------------------------------------- */

struct pp_ping {
	cadre_actor base;
	cadre_ref pong;
	uint64_t left; /* round trips to go; also the payload of the next ping */
};

static int
pong_receive(cadre_actor *self, const cadre_msg *m)
{
	uint64_t r = 0;

	if (m->type != M_PING || !get_u64(m, &r))
		return BAD("pong: unexpected message type %" PRIu32, m->type);
	int rc = send_u64(cadre_actor_system(self), m->sender, M_PONG, r);
	if (rc == 0 && r == 1)
		rc = cadre_stop(self); /* the last round */
	return rc;
}

static const cadre_behaviour pong_beh = {
        .size = sizeof(cadre_actor), .receive = pong_receive, .stop = on_stop, .name = "pong"};

static int
ping_start(cadre_actor *self, void *arg)
{
	struct pp_ping *p = (struct pp_ping *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	p->left = g_run.sz.pingpong_n;
	int rc = cadre_spawn(sys, &pong_beh, NULL, NULL, &p->pong);
	if (rc != 0)
		return rc;
	return send_u64(sys, p->pong, M_PING, p->left);
}

static int
ping_receive(cadre_actor *self, const cadre_msg *m)
{
	struct pp_ping *p = (struct pp_ping *)self;
	uint64_t r = 0;

	if (m->type != M_PONG || !get_u64(m, &r) || r != p->left ||
	    !cadre_ref_eq(m->sender, p->pong))
		return BAD("ping: answer %" PRIu64 " (type %" PRIu32 "), expected %" PRIu64, r,
		           m->type, p->left);
	if (--p->left == 0) {
		run_done();
		return cadre_stop(self);
	}
	return send_u64(cadre_actor_system(self), p->pong, M_PING, p->left);
}

static const cadre_behaviour ping_beh = {.size = sizeof(struct pp_ping),
                                         .start = ping_start,
                                         .receive = ping_receive,
                                         .stop = on_stop,
                                         .name = "ping"};

/* ---- counting ------------------------------------------------------------------ */

struct cnt_counter {
	cadre_actor base;
	uint64_t n;
};

static int
counter_receive(cadre_actor *self, const cadre_msg *m)
{
	struct cnt_counter *c = (struct cnt_counter *)self;

	if (m->type == M_INC) {
		c->n++;
		return 0;
	}
	if (m->type != M_GET)
		return BAD("counter: unexpected message type %" PRIu32, m->type);
	int rc = send_u64(cadre_actor_system(self), m->sender, M_TOTAL, c->n);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour counter_beh = {.size = sizeof(struct cnt_counter),
                                            .receive = counter_receive,
                                            .stop = on_stop,
                                            .name = "counter"};

struct cnt_producer {
	cadre_actor base;
	cadre_ref counter;
	uint64_t sent, n;
};

static int
producer_step(cadre_actor *self)
{
	struct cnt_producer *p = (struct cnt_producer *)self;
	cadre_system *sys = cadre_actor_system(self);

	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && p->sent < p->n; i++, p->sent++) {
		int rc = cadre_send(sys, p->counter, M_INC, NULL, 0);
		if (rc != 0)
			return rc;
	}
	if (p->sent < p->n)
		return send_self(self, M_CONT);
	return cadre_send(sys, p->counter, M_GET, NULL, 0);
}

static int
producer_start(cadre_actor *self, void *arg)
{
	struct cnt_producer *p = (struct cnt_producer *)self;

	(void)arg;
	p->n = g_run.sz.counting_n;
	int rc = cadre_spawn(cadre_actor_system(self), &counter_beh, NULL, NULL, &p->counter);
	return rc != 0 ? rc : producer_step(self);
}

static int
producer_receive(cadre_actor *self, const cadre_msg *m)
{
	struct cnt_producer *p = (struct cnt_producer *)self;
	uint64_t total = 0;

	if (m->type == M_CONT)
		return producer_step(self);
	if (m->type != M_TOTAL || !get_u64(m, &total) || !cadre_ref_eq(m->sender, p->counter))
		return BAD("producer: unexpected message type %" PRIu32, m->type);
	g_run.result = total;
	if (total != p->n)
		return BAD("counting: total %" PRIu64 ", expected %" PRIu64, total, p->n);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour producer_beh = {.size = sizeof(struct cnt_producer),
                                             .start = producer_start,
                                             .receive = producer_receive,
                                             .stop = on_stop,
                                             .name = "producer"};

/* ---- threadring -------------------------------------------------------------------
 * Node i spawns node i + 1 from its start; the last node closes the ring on
 * node 0 and sends the token's first hop. The token carries the hops still
 * to go after this one. The node that receives it at 0 checks it is the
 * right node, then sends an exit wave around the ring. */
struct ring_node {
	cadre_actor base;
	cadre_ref next;
	uint64_t index;
};

static int
ring_start(cadre_actor *self, void *arg)
{
	struct ring_node *r = (struct ring_node *)self;
	cadre_system *sys = cadre_actor_system(self);

	r->index = (uint64_t)(uintptr_t)arg;
	if (r->index == 0)
		g_run.first = cadre_self(self); /* read by the last node, spawned after */
	if (r->index + 1 < g_run.sz.threadring_r)
		return cadre_spawn(sys, cadre_actor_behaviour(self), NULL,
		                   (void *)(uintptr_t)(r->index + 1), &r->next);
	r->next = g_run.first;
	return send_u64(sys, r->next, M_TOKEN, g_run.sz.threadring_t - 1);
}

static int
ring_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ring_node *r = (struct ring_node *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t v = 0;

	if (!get_u64(m, &v))
		return BAD("ring: bad message type %" PRIu32, m->type);
	if (m->type == M_TOKEN) {
		if (v > 0)
			return send_u64(sys, r->next, M_TOKEN, v - 1);
		uint64_t nodes = g_run.sz.threadring_r;
		uint64_t want = (g_run.sz.threadring_t - 1) % nodes;
		g_run.result = r->index;
		if (r->index != want)
			return BAD("threadring: token ended at node %" PRIu64 ", expected %" PRIu64,
			           r->index, want);
		run_done();
		int rc = nodes > 1 ? send_u64(sys, r->next, M_EXIT, nodes - 1) : 0;
		return rc != 0 ? rc : cadre_stop(self);
	}
	if (m->type != M_EXIT)
		return BAD("ring: unexpected message type %" PRIu32, m->type);
	int rc = v > 1 ? send_u64(sys, r->next, M_EXIT, v - 1) : 0;
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour ring_beh = {.size = sizeof(struct ring_node),
                                         .start = ring_start,
                                         .receive = ring_receive,
                                         .stop = on_stop,
                                         .name = "ring"};

/* ---- fanin --------------------------------------------------------------------------
 * The sink spawns the producers. Each item carries its producer and a
 * sequence number; the sink checks per-producer FIFO order and the count. */
struct fan_item {
	uint32_t producer;
	uint32_t pad_;
	uint64_t seq;
};

struct fan_sink {
	cadre_actor base;
	uint64_t count, total, producers;
	uint64_t *next;
};

struct fan_producer {
	cadre_actor base;
	cadre_ref sink;
	uint64_t seq, n;
	uint32_t id;
};

static int
fan_producer_step(cadre_actor *self)
{
	struct fan_producer *p = (struct fan_producer *)self;
	cadre_system *sys = cadre_actor_system(self);
	struct fan_item it = {.producer = p->id};

	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && p->seq < p->n; i++, p->seq++) {
		it.seq = p->seq;
		int rc = cadre_send(sys, p->sink, M_ITEM, &it, sizeof it);
		if (rc != 0)
			return rc;
	}
	if (p->seq < p->n)
		return send_self(self, M_CONT);
	return cadre_stop(self);
}

static int
fan_producer_start(cadre_actor *self, void *arg)
{
	struct fan_producer *p = (struct fan_producer *)self;

	p->id = (uint32_t)(uintptr_t)arg;
	p->sink = g_run.first; /* written by the sink before it spawned us */
	p->n = g_run.sz.fanin_n;
	return fan_producer_step(self);
}

static int
fan_producer_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type != M_CONT)
		return BAD("fanin producer: unexpected message type %" PRIu32, m->type);
	return fan_producer_step(self);
}

static const cadre_behaviour fan_producer_beh = {.size = sizeof(struct fan_producer),
                                                 .start = fan_producer_start,
                                                 .receive = fan_producer_receive,
                                                 .stop = on_stop,
                                                 .name = "fanin_producer"};

static int
fan_sink_start(cadre_actor *self, void *arg)
{
	struct fan_sink *s = (struct fan_sink *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	s->producers = g_run.sz.fanin_p;
	s->total = s->producers * g_run.sz.fanin_n;
	s->next = g_run.next;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < s->producers; i++) {
		cadre_ref r;
		int rc = cadre_spawn(sys, &fan_producer_beh, NULL, (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
fan_sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fan_sink *s = (struct fan_sink *)self;
	struct fan_item it;

	if (m->type != M_ITEM || m->size != sizeof it)
		return BAD("sink: unexpected message type %" PRIu32, m->type);
	memcpy(&it, m->data, sizeof it);
	if (it.producer >= s->producers || it.seq != s->next[it.producer])
		return BAD("sink: producer %" PRIu32 " seq %" PRIu64 ", expected %" PRIu64,
		           it.producer, it.seq,
		           it.producer < s->producers ? s->next[it.producer] : 0);
	s->next[it.producer]++;
	if (++s->count < s->total)
		return 0;
	g_run.result = s->count;
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour fan_sink_beh = {.size = sizeof(struct fan_sink),
                                             .start = fan_sink_start,
                                             .receive = fan_sink_receive,
                                             .stop = on_stop,
                                             .name = "fanin_sink"};

/* ---- fjthrput -------------------------------------------------------------------------
 * The sender spawns the A workers, then sends message k to worker k % A
 * with sequence number k / A. A worker checks the order and folds each
 * number into an FNV-1a hash; after N it sends the hash back and stops. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static inline uint64_t
fj_mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * FNV_PRIME;
}

struct fj_worker {
	cadre_actor base;
	uint64_t next, n, h;
};

static int
fj_worker_start(cadre_actor *self, void *arg)
{
	struct fj_worker *w = (struct fj_worker *)self;

	(void)arg;
	w->n = g_run.sz.fjthrput_n;
	w->h = FNV_OFFSET;
	return 0;
}

static int
fj_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fj_worker *w = (struct fj_worker *)self;
	uint64_t seq = 0;

	if (m->type != M_WORK || !get_u64(m, &seq) || seq != w->next)
		return BAD("fjthrput worker: message %" PRIu64 " (type %" PRIu32
		           "), expected %" PRIu64,
		           seq, m->type, w->next);
	w->h = fj_mix(w->h, seq);
	if (++w->next < w->n)
		return 0;
	int rc = send_u64(cadre_actor_system(self), m->sender, M_DONE, w->h);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour fj_worker_beh = {.size = sizeof(struct fj_worker),
                                              .start = fj_worker_start,
                                              .receive = fj_worker_receive,
                                              .stop = on_stop,
                                              .name = "fjthrput_worker"};

struct fj_sender {
	cadre_actor base;
	cadre_ref *refs;
	uint64_t actors, k, total, seq, target, dones;
};

static int
fj_sender_step(cadre_actor *self)
{
	struct fj_sender *s = (struct fj_sender *)self;
	cadre_system *sys = cadre_actor_system(self);

	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && s->k < s->total; i++, s->k++) {
		int rc = send_u64(sys, s->refs[s->target], M_WORK, s->seq);
		if (rc != 0)
			return rc;
		if (++s->target == s->actors) {
			s->target = 0;
			s->seq++;
		}
	}
	return s->k < s->total ? send_self(self, M_CONT) : 0;
}

static int
fj_sender_start(cadre_actor *self, void *arg)
{
	struct fj_sender *s = (struct fj_sender *)self;

	(void)arg;
	s->refs = g_run.refs;
	s->actors = g_run.sz.fjthrput_a;
	s->total = s->actors * g_run.sz.fjthrput_n;
	for (uint64_t i = 0; i < s->actors; i++) {
		int rc = cadre_spawn(cadre_actor_system(self), &fj_worker_beh, NULL, NULL,
		                     &s->refs[i]);
		if (rc != 0)
			return rc;
	}
	return fj_sender_step(self);
}

static int
fj_sender_receive(cadre_actor *self, const cadre_msg *m)
{
	struct fj_sender *s = (struct fj_sender *)self;
	uint64_t h = 0;

	if (m->type == M_CONT)
		return fj_sender_step(self);
	if (m->type != M_DONE || !get_u64(m, &h))
		return BAD("fjthrput sender: unexpected message type %" PRIu32, m->type);
	if (h != g_run.expect)
		return BAD("fjthrput: a worker's hash is %016" PRIx64 ", expected %016" PRIx64, h,
		           g_run.expect);
	if (++s->dones < s->actors)
		return 0;
	g_run.result = s->dones;
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour fj_sender_beh = {.size = sizeof(struct fj_sender),
                                              .start = fj_sender_start,
                                              .receive = fj_sender_receive,
                                              .stop = on_stop,
                                              .name = "fjthrput_sender"};

/* ---- skynet -------------------------------------------------------------------------------
 * An inner node spawns its 10 children from its start. A child's start
 * argument is &parent->kid[i], where kid[i] == i: the child finds its
 * parent's (immutable, already written) ref, first ordinal and subtree size
 * from it. The parent outlives its children's starts: it waits for their
 * replies. A leaf replies its ordinal from its start and stops at once. */
struct sky_node {
	cadre_actor base;
	cadre_ref parent; /* CADRE_REF_NONE for the root */
	cadre_ref me;     /* read by the children's start */
	uint64_t num;     /* the first ordinal of this subtree */
	uint64_t size;    /* leaves in this subtree */
	uint64_t sum;
	uint32_t pending;
	uint8_t kid[SKYNET_FANOUT];
};

static const struct sky_node *
sky_parent_of(const uint8_t *kid, unsigned *i)
{
	*i = *kid;
	const uint8_t *kid0 = kid - *i;
	return (const struct sky_node *)(const void *)((const char *)kid0 -
	                                               offsetof(struct sky_node, kid));
}

static int
sky_leaf_start(cadre_actor *self, void *arg)
{
	unsigned i;
	const struct sky_node *p = sky_parent_of(arg, &i);
	uint64_t num = p->num + i; /* the parent's subtree has 10 leaves */
	int rc = send_u64(cadre_actor_system(self), p->me, M_REPLY, num);

	return rc != 0 ? rc : cadre_stop(self);
}

static int
sky_leaf_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return BAD("skynet leaf: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour sky_leaf_beh = {.size = sizeof(cadre_actor),
                                             .start = sky_leaf_start,
                                             .receive = sky_leaf_receive,
                                             .stop = on_stop,
                                             .name = "skynet_leaf"};

static const cadre_behaviour sky_node_beh;

static int
sky_node_start(cadre_actor *self, void *arg)
{
	struct sky_node *n = (struct sky_node *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (arg == NULL) { /* the root */
		n->parent = CADRE_REF_NONE;
		n->num = 0;
		n->size = g_run.sz.skynet_leaves;
	} else {
		unsigned i;
		const struct sky_node *p = sky_parent_of(arg, &i);
		n->parent = p->me;
		n->size = p->size / SKYNET_FANOUT;
		n->num = p->num + i * n->size;
	}
	n->me = cadre_self(self);
	n->pending = SKYNET_FANOUT;
	uint64_t child = n->size / SKYNET_FANOUT;
	const cadre_behaviour *beh = child == 1 ? &sky_leaf_beh : &sky_node_beh;
	for (unsigned i = 0; i < SKYNET_FANOUT; i++) {
		cadre_ref r;
		n->kid[i] = (uint8_t)i;
		int rc = cadre_spawn(sys, beh, NULL, &n->kid[i], &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
sky_node_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sky_node *n = (struct sky_node *)self;
	uint64_t v = 0;

	if (m->type != M_REPLY || !get_u64(m, &v))
		return BAD("skynet: unexpected message type %" PRIu32, m->type);
	n->sum += v;
	if (--n->pending > 0)
		return 0;
	if (cadre_ref_is_none(n->parent)) {
		uint64_t l = n->size;
		g_run.result = n->sum;
		if (n->sum != l * (l - 1) / 2)
			return BAD("skynet: sum %" PRIu64 ", expected %" PRIu64, n->sum,
			           l * (l - 1) / 2);
		run_done();
		return cadre_stop(self);
	}
	int rc = send_u64(cadre_actor_system(self), n->parent, M_REPLY, n->sum);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour sky_node_beh = {.size = sizeof(struct sky_node),
                                             .start = sky_node_start,
                                             .receive = sky_node_receive,
                                             .stop = on_stop,
                                             .name = "skynet_node"};

/* ---- big ---------------------------------------------------------------------------------
 * The driver spawns the W actors, then sends each a start. An actor sends
 * a ping to a random other actor; that one answers with a pong; on the pong
 * the actor sends its next ping, M in all, then reports done to the driver.
 * It keeps answering others' pings until the driver, once all are done (so
 * every ping has been answered), stops them all with cadre_stop_ref. */
struct big_actor {
	cadre_actor base;
	cadre_ref driver;
	cadre_ref target; /* of the outstanding ping */
	const cadre_ref *refs;
	uint64_t rng;
	uint64_t answered;
	uint32_t index, w, m, sent;
};

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static int
big_ping(struct big_actor *b)
{
	uint32_t j = b->index;

	if (b->w > 1) {
		/* xorshift64* */
		b->rng ^= b->rng >> 12;
		b->rng ^= b->rng << 25;
		b->rng ^= b->rng >> 27;
		j = (uint32_t)(((b->rng * 0x2545F4914F6CDD1DULL) >> 32) % (b->w - 1));
		if (j >= b->index)
			j++; /* not ourselves */
	}
	b->target = b->refs[j];
	return send_u64(cadre_actor_system(&b->base), b->target, M_PING, b->sent++);
}

static int
big_start(cadre_actor *self, void *arg)
{
	struct big_actor *b = (struct big_actor *)self;

	b->index = (uint32_t)(uintptr_t)arg;
	b->w = (uint32_t)g_run.sz.big_w;
	b->m = (uint32_t)g_run.sz.big_m;
	b->rng = splitmix64(b->index) | 1;
	return 0;
}

static int
big_receive(cadre_actor *self, const cadre_msg *m)
{
	struct big_actor *b = (struct big_actor *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t v = 0;

	switch (m->type) {
	case M_PING:
		if (!get_u64(m, &v))
			break;
		b->answered++;
		return send_u64(sys, m->sender, M_PONG, v);
	case M_PONG:
		if (!get_u64(m, &v))
			break;
		if (b->sent == 0 || v != b->sent - 1u || !cadre_ref_eq(m->sender, b->target))
			return BAD("big: actor %" PRIu32 ": pong %" PRIu64 ", expected %" PRIu32,
			           b->index, v, b->sent - 1u);
		if (b->sent < b->m)
			return big_ping(b);
		return send_u64(sys, b->driver, M_DONE, b->sent);
	case M_START:
		/* refs was filled before the driver sent the starts. */
		b->driver = m->sender;
		b->refs = g_run.refs;
		return big_ping(b);
	default:
		break;
	}
	return BAD("big: unexpected message type %" PRIu32 " size %" PRIu32, m->type, m->size);
}

static void
big_stop(cadre_actor *self, const cadre_exit *why)
{
	struct big_actor *b = (struct big_actor *)self;

	if (why->kind != CADRE_EXIT_SHUTDOWN) {
		on_stop(self, why);
		return;
	}
	atomic_fetch_add(&g_run.tally, b->answered);
	atomic_fetch_add(&g_run.shut, 1);
}

static const cadre_behaviour big_beh = {.size = sizeof(struct big_actor),
                                        .start = big_start,
                                        .receive = big_receive,
                                        .stop = big_stop,
                                        .name = "big"};

struct big_driver {
	cadre_actor base;
	uint64_t w, dones, pings;
};

static int
big_driver_start(cadre_actor *self, void *arg)
{
	struct big_driver *d = (struct big_driver *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	d->w = g_run.sz.big_w;
	for (uint64_t i = 0; i < d->w; i++) {
		int rc = cadre_spawn(sys, &big_beh, NULL, (void *)(uintptr_t)i, &g_run.refs[i]);
		if (rc != 0)
			return rc;
	}
	for (uint64_t i = 0; i < d->w; i++) {
		int rc = cadre_send(sys, g_run.refs[i], M_START, NULL, 0);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
big_driver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct big_driver *d = (struct big_driver *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t v = 0;

	if (m->type != M_DONE || !get_u64(m, &v))
		return BAD("big driver: unexpected message type %" PRIu32, m->type);
	d->pings += v;
	if (++d->dones < d->w)
		return 0;
	g_run.result = d->pings;
	if (d->pings != d->w * g_run.sz.big_m)
		return BAD("big: %" PRIu64 " pings done, expected %" PRIu64, d->pings,
		           d->w * g_run.sz.big_m);
	run_done();
	for (uint64_t i = 0; i < d->w; i++) {
		int rc = cadre_stop_ref(sys, g_run.refs[i]);
		if (rc != 0)
			return rc;
	}
	return cadre_stop(self);
}

static const cadre_behaviour big_driver_beh = {.size = sizeof(struct big_driver),
                                               .start = big_driver_start,
                                               .receive = big_driver_receive,
                                               .stop = on_stop,
                                               .name = "big_driver"};

/* ---- idle ----------------------------------------------------------------------------------- */

static int
idle_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	if (atomic_fetch_add(&g_run.tally, 1) + 1 == g_run.sz.idle_actors)
		run_done();
	return 0;
}

static int
idle_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return BAD("idle: unexpected message type %" PRIu32, m->type);
}

static void
idle_stop(cadre_actor *self, const cadre_exit *why)
{
	if (why->kind == CADRE_EXIT_SHUTDOWN)
		atomic_fetch_add(&g_run.shut, 1);
	else
		on_stop(self, why);
}

static const cadre_behaviour idle_beh = {.size = sizeof(cadre_actor),
                                         .start = idle_start,
                                         .receive = idle_receive,
                                         .stop = idle_stop,
                                         .name = "idle"};

/* ---- running one run ------------------------------------------------------------------------ */

/* What one run measured. */
struct sample {
	double secs;
	uint64_t msgs;
	uint64_t spawns;
	double cpu_secs;
	double bytes_per_actor;
	uint64_t handled, dead;
};

/* What the counters must show once the run is over. */
struct expect {
	uint64_t handled;
	uint64_t spawned;
};

/* The watchdog: ends the program if a run hangs beyond its timeout (in a
 * shutdown, say), with a failed JSON line prepared beforehand. */
static char watchdog_line[512];
static size_t watchdog_len;
static volatile sig_atomic_t watchdog_armed;

static void
watchdog(int sig)
{
	static const char msg[] = "cadre-bench: watchdog: a run hung past its timeout and the "
	                          "system could not be shut down; giving up\n";
	ssize_t rc;

	(void)sig;
	if (!watchdog_armed)
		return;
	rc = write(STDERR_FILENO, msg, sizeof msg - 1);
	if (watchdog_len > 0)
		rc = write(STDOUT_FILENO, watchdog_line, watchdog_len);
	(void)rc;
	_exit(3);
}

static void
watchdog_arm(const struct options *o)
{
	fflush(stdout);
	watchdog_armed = 1;
	alarm((unsigned)(o->timeout_s * 2 + 60));
}

static void
watchdog_disarm(void)
{
	alarm(0);
	watchdog_armed = 0;
}

static cadre_system *
run_begin(const struct options *o)
{
	cadre_config cfg;
	cadre_system *sys = NULL;

	memset(&g_run, 0, sizeof g_run);
	atomic_init(&g_run.failed, 0);
	atomic_init(&g_run.tally, 0);
	atomic_init(&g_run.shut, 0);
	sem_init(&g_run.done, 0, 0);
	g_run.sz = o->sz;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = o->workers;
	watchdog_arm(o);
	g_timeout_s = o->timeout_s;
	g_deadline = now() + (double)o->timeout_s;
	int rc = cadre_system_new(&sys, &cfg);
	if (rc != 0) {
		note("%s: cadre_system_new: %s", g_bench, cadre_strerror(rc));
		sem_destroy(&g_run.done);
		watchdog_disarm();
		return NULL;
	}
	return sys;
}

static void
print_stats(const char *what, const cadre_stats *st)
{
	note("%s: %s: sent %" PRIu64 ", handled %" PRIu64 ", dead %" PRIu64 ", spawned %" PRIu64
	     ", stopped %" PRIu64 ", alive %" PRIu64 ", batches %" PRIu64 ", steals %" PRIu64
	     ", parks %" PRIu64 ", wakeups %" PRIu64,
	     g_bench, what, st->sent, st->handled, st->dead_letters, st->spawned, st->stopped,
	     st->actors_alive, st->batches, st->steals, st->parks, st->wakeups);
}

static long
ms_left(void)
{
	double left = g_deadline - now();

	return left > 1.0 ? (long)(left * 1000) : 1000;
}

/* Waits for the semaphore of the run. Returns true if it was posted in
 * time (by the final actor or by a failure). */
static bool
wait_signal(cadre_system *sys, const char *what)
{
	struct timespec dl;
	double secs = (double)ms_left() / 1000.0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)secs;
	dl.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while ((rc = sem_clockwait(&g_run.done, CLOCK_MONOTONIC, &dl)) != 0 && errno == EINTR)
		;
	if (rc == 0)
		return true;
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	run_fail("timed out after %" PRIu64 " s waiting for %s", g_timeout_s, what);
	print_stats("counters at the timeout", &st);
	return false;
}

/* After the measured phase: waits for every actor to stop, shuts the system
 * down, checks the counters and frees the system. */
static bool
run_finish(cadre_system *sys, bool ok, const struct expect *e, struct sample *s)
{
	cadre_stats st, st_idle;
	bool idle_ok = false;

	if (ok && !atomic_load(&g_run.failed)) {
		int rc = cadre_system_await_idle(sys, ms_left());
		if (rc == 0) {
			idle_ok = true;
		} else {
			cadre_system_stats(sys, -1, &st);
			note("%s: FAILED: the workload is done but actors are still alive: "
			     "cadre_system_await_idle: %s",
			     g_bench, cadre_strerror(rc));
			print_stats("counters", &st);
			ok = false;
		}
	}
	cadre_system_stats(sys, -1, &st_idle);
	int rc = cadre_system_shutdown(sys);
	if (rc != 0) {
		note("%s: FAILED: cadre_system_shutdown: %s", g_bench, cadre_strerror(rc));
		ok = false;
	}
	/* Final counters: after the shutdown, every worker has been joined. */
	cadre_system_stats(sys, -1, &st);
	cadre_system_free(sys);
	watchdog_disarm();
	if (atomic_load(&g_run.failed)) {
		note("%s: FAILED: %s", g_bench, g_run.why);
		ok = false;
	}
	s->handled = st.handled;
	s->dead = st.dead_letters;
	if (st.sent != st.handled + st.dead_letters) {
		note("%s: FAILED: sent %" PRIu64 " != handled %" PRIu64 " + dead %" PRIu64, g_bench,
		     st.sent, st.handled, st.dead_letters);
		ok = false;
	}
	if (st.dead_letters != 0) {
		note("%s: FAILED: %" PRIu64 " dead letters, expected none", g_bench,
		     st.dead_letters);
		ok = false;
	}
	if (st.handled != e->handled) {
		note("%s: FAILED: %" PRIu64 " messages handled, expected %" PRIu64, g_bench,
		     st.handled, e->handled);
		ok = false;
	}
	if (st.spawned != e->spawned || st.stopped != st.spawned) {
		note("%s: FAILED: %" PRIu64 " actors spawned and %" PRIu64
		     " stopped, expected %" PRIu64,
		     g_bench, st.spawned, st.stopped, e->spawned);
		ok = false;
	}
	if (idle_ok && (st_idle.handled != st.handled || st_idle.sent != st.sent ||
	                st_idle.dead_letters != st.dead_letters)) {
		/* Not a failure: a worker adds its handled count after the last
		 * stop it ran is counted, so await_idle can return first. */
		note("%s: note: counters read right after cadre_system_await_idle lagged: "
		     "handled %" PRIu64 " (final %" PRIu64 "), sent %" PRIu64 " (final %" PRIu64
		     ")",
		     g_bench, st_idle.handled, st.handled, st_idle.sent, st.sent);
	}
	if (!ok)
		print_stats("final counters", &st);
	sem_destroy(&g_run.done);
	return ok;
}

/* The common shape: spawn the workload's first actor, wait, finish. */
static bool
run_simple(const struct options *o, const cadre_behaviour *beh, const struct expect *e,
           struct sample *s)
{
	cadre_system *sys = run_begin(o);
	cadre_ref r;

	if (sys == NULL)
		return false;
	double t0 = now();
	int rc = cadre_spawn(sys, beh, NULL, NULL, &r);
	bool ok = rc == 0;
	if (!ok)
		note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
	else
		ok = wait_signal(sys, "the workload to complete");
	s->secs = now() - t0;
	return run_finish(sys, ok, e, s);
}

static bool
wl_pingpong(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.pingpong_n;
	struct expect e = {.handled = 2 * n, .spawned = 2};

	s->msgs = 2 * n;
	s->spawns = 2;
	return run_simple(o, &ping_beh, &e, s);
}

static bool
wl_counting(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.counting_n;
	struct expect e = {.handled = n + 2 + continues(n, o->sz.slice), .spawned = 2};

	s->msgs = n + 2;
	s->spawns = 2;
	bool ok = run_simple(o, &producer_beh, &e, s);
	if (ok && g_run.result != n) {
		note("%s: FAILED: total %" PRIu64 ", expected %" PRIu64, g_bench, g_run.result, n);
		ok = false;
	}
	return ok;
}

static bool
wl_threadring(const struct options *o, struct sample *s)
{
	uint64_t r = o->sz.threadring_r, t = o->sz.threadring_t;
	struct expect e = {.handled = t + (r - 1), .spawned = r};

	s->msgs = t;
	s->spawns = r;
	bool ok = run_simple(o, &ring_beh, &e, s);
	if (ok && g_run.result != (t - 1) % r) {
		note("%s: FAILED: the token ended at node %" PRIu64, g_bench, g_run.result);
		ok = false;
	}
	return ok;
}

static bool
wl_fanin(const struct options *o, struct sample *s)
{
	uint64_t p = o->sz.fanin_p, n = o->sz.fanin_n;
	struct expect e = {.handled = p * n + p * continues(n, o->sz.slice), .spawned = p + 1};
	uint64_t *next = calloc(p, sizeof *next);

	if (next == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	s->msgs = p * n;
	s->spawns = p + 1;
	/* run_begin resets g_run; the sink reads next from its start. */
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.next = next;
		cadre_ref r;
		double t0 = now();
		int rc = cadre_spawn(sys, &fan_sink_beh, NULL, NULL, &r);
		ok = rc == 0;
		if (!ok)
			note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
		else
			ok = wait_signal(sys, "the sink");
		s->secs = now() - t0;
		ok = run_finish(sys, ok, &e, s);
	}
	for (uint64_t i = 0; ok && i < p; i++) {
		if (next[i] != n) {
			note("%s: FAILED: producer %" PRIu64 ": %" PRIu64 " of %" PRIu64
			     " received",
			     g_bench, i, next[i], n);
			ok = false;
		}
	}
	free(next);
	return ok;
}

static bool
wl_fjthrput(const struct options *o, struct sample *s)
{
	uint64_t a = o->sz.fjthrput_a, n = o->sz.fjthrput_n;
	struct expect e = {.handled = a * n + a + continues(a * n, o->sz.slice), .spawned = a + 1};
	cadre_ref *refs = calloc(a, sizeof *refs);
	uint64_t h = FNV_OFFSET;

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	for (uint64_t i = 0; i < n; i++)
		h = fj_mix(h, i);
	s->msgs = a * n + a;
	s->spawns = a + 1;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.refs = refs;
		g_run.expect = h;
		cadre_ref r;
		double t0 = now();
		int rc = cadre_spawn(sys, &fj_sender_beh, NULL, NULL, &r);
		ok = rc == 0;
		if (!ok)
			note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
		else
			ok = wait_signal(sys, "the sender");
		s->secs = now() - t0;
		ok = run_finish(sys, ok, &e, s);
	}
	if (ok && g_run.result != a) {
		note("%s: FAILED: %" PRIu64 " of %" PRIu64 " workers answered", g_bench,
		     g_run.result, a);
		ok = false;
	}
	free(refs);
	return ok;
}

static bool
wl_skynet(const struct options *o, struct sample *s)
{
	uint64_t l = o->sz.skynet_leaves, spawns = 0;

	for (uint64_t k = l; k >= 1; k /= SKYNET_FANOUT)
		spawns += k;
	struct expect e = {.handled = spawns - 1, .spawned = spawns};
	s->msgs = spawns - 1;
	s->spawns = spawns;
	bool ok = run_simple(o, &sky_node_beh, &e, s);
	if (ok && g_run.result != l * (l - 1) / 2) {
		note("%s: FAILED: sum %" PRIu64 ", expected %" PRIu64, g_bench, g_run.result,
		     l * (l - 1) / 2);
		ok = false;
	}
	return ok;
}

static bool
wl_big(const struct options *o, struct sample *s)
{
	uint64_t w = o->sz.big_w, m = o->sz.big_m;
	struct expect e = {.handled = 2 * w * m + 2 * w, .spawned = w + 1};
	cadre_ref *refs = calloc(w, sizeof *refs);

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	s->msgs = 2 * w * m + 2 * w;
	s->spawns = w + 1;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.refs = refs;
		cadre_ref r;
		double t0 = now();
		int rc = cadre_spawn(sys, &big_driver_beh, NULL, NULL, &r);
		ok = rc == 0;
		if (!ok)
			note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
		else
			ok = wait_signal(sys, "the driver");
		s->secs = now() - t0;
		ok = run_finish(sys, ok, &e, s);
	}
	if (ok && (atomic_load(&g_run.tally) != w * m || atomic_load(&g_run.shut) != w)) {
		note("%s: FAILED: %" PRIu64 " pings answered (expected %" PRIu64 "), %" PRIu64
		     " actors stopped by the driver (expected %" PRIu64 ")",
		     g_bench, (uint64_t)atomic_load(&g_run.tally), w * m,
		     (uint64_t)atomic_load(&g_run.shut), w);
		ok = false;
	}
	free(refs);
	return ok;
}

/* Resident set size in bytes (/proc/self/statm), or 0. */
static uint64_t
rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long size = 0, resident = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void
sleep_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One idle measurement in this process. */
static bool
idle_inproc(const struct options *o, struct sample *s)
{
	uint64_t k = o->sz.idle_actors;
	struct expect e = {.handled = 0, .spawned = k};
	cadre_ref *refs = malloc(k * sizeof *refs);

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	memset(refs, 0xff, k * sizeof *refs); /* resident before the first RSS reading */
	s->msgs = 0;
	s->spawns = k;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (!ok) {
		free(refs);
		return false;
	}
	g_run.refs = refs;
	uint64_t rss0 = rss_bytes();
	for (uint64_t i = 0; ok && i < k; i++) {
		int rc = cadre_spawn(sys, &idle_beh, NULL, NULL, &refs[i]);
		if (rc != 0) {
			note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
			ok = false;
		}
	}
	ok = ok && wait_signal(sys, "every actor to start");
	uint64_t rss1 = rss_bytes();
	if (ok) {
		double c0 = cpu_now(), t0 = now();
		sleep_ms(o->sz.idle_ms);
		s->secs = now() - t0;
		s->cpu_secs = cpu_now() - c0;
		s->bytes_per_actor = (double)((int64_t)rss1 - (int64_t)rss0) / (double)k;
		for (uint64_t i = 0; ok && i < k; i++) {
			int rc = cadre_stop_ref(sys, refs[i]);
			if (rc != 0) {
				note("%s: FAILED: cadre_stop_ref: %s", g_bench, cadre_strerror(rc));
				ok = false;
			}
		}
	}
	ok = run_finish(sys, ok, &e, s);
	if (ok && atomic_load(&g_run.shut) != k) {
		note("%s: FAILED: %" PRIu64 " of %" PRIu64 " actors stopped by cadre_stop_ref",
		     g_bench, (uint64_t)atomic_load(&g_run.shut), k);
		ok = false;
	}
	free(refs);
	return ok;
}

/* One idle measurement in a fresh child process (see the top). */
static bool
wl_idle(const struct options *o, struct sample *s)
{
	char workers[24], actors[24], ms[24], timeout[24];
	char arg0[] = "cadre-bench", child[] = "--idle-child", wopt[] = "--workers",
	     aopt[] = "--idle-actors", mopt[] = "--idle-ms", topt[] = "--timeout";
	char *argv[] = {arg0, child, wopt, workers, aopt, actors, mopt, ms, topt, timeout, NULL};
	posix_spawn_file_actions_t fa;
	int fds[2];
	pid_t pid;

	snprintf(workers, sizeof workers, "%u", o->workers);
	snprintf(actors, sizeof actors, "%" PRIu64, o->sz.idle_actors);
	snprintf(ms, sizeof ms, "%" PRIu64, o->sz.idle_ms);
	snprintf(timeout, sizeof timeout, "%" PRIu64, o->timeout_s);
	s->msgs = 0;
	s->spawns = o->sz.idle_actors;
	if (pipe(fds) != 0) {
		note("%s: pipe: %s", g_bench, strerror(errno));
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		note("%s: cannot re-execute /proc/self/exe (%s): measuring in this process",
		     g_bench, strerror(rc));
		return idle_inproc(o, s);
	}

	char buf[512];
	size_t len = 0;
	double deadline = now() + (double)o->timeout_s * 2 + (double)o->sz.idle_ms / 1000 + 60;
	bool timed_out = false;
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		double left = deadline - now();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		int n = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t got = read(fds[0], buf + len, sizeof buf - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len == sizeof buf - 1)
			break;
	}
	close(fds[0]);
	buf[len] = '\0';
	if (timed_out) {
		note("%s: FAILED: the measuring process %ld hung; killing it", g_bench, (long)pid);
		kill(pid, SIGKILL);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int ok = 0;
	if (sscanf(buf, "idle %d %lf %lf %lf %" SCNu64 " %" SCNu64, &ok, &s->secs, &s->cpu_secs,
	           &s->bytes_per_actor, &s->handled, &s->dead) != 6) {
		note("%s: FAILED: no result from the measuring process (status %d)", g_bench,
		     status);
		return false;
	}
	return ok && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

typedef bool (*wl_fn)(const struct options *o, struct sample *s);

static const wl_fn wl_fns[WL_COUNT] = {
        wl_pingpong, wl_counting, wl_threadring, wl_fanin, wl_fjthrput, wl_skynet, wl_big, wl_idle,
};

/* ---- one workload: warm-up, runs, medians, the JSON line --------------------------------------- */

struct result {
	bool ran;
	bool ok;
	double secs, mps;
	uint64_t msgs;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, uint32_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
sizes_text(enum wl w, const struct sizes *z, char *buf, size_t len)
{
	switch (w) {
	case WL_PINGPONG:
		snprintf(buf, len, "N=%" PRIu64, z->pingpong_n);
		break;
	case WL_COUNTING:
		snprintf(buf, len, "N=%" PRIu64, z->counting_n);
		break;
	case WL_THREADRING:
		snprintf(buf, len, "R=%" PRIu64 " T=%" PRIu64, z->threadring_r, z->threadring_t);
		break;
	case WL_FANIN:
		snprintf(buf, len, "P=%" PRIu64 " N=%" PRIu64, z->fanin_p, z->fanin_n);
		break;
	case WL_FJTHRPUT:
		snprintf(buf, len, "A=%" PRIu64 " N=%" PRIu64, z->fjthrput_a, z->fjthrput_n);
		break;
	case WL_SKYNET:
		snprintf(buf, len, "leaves=%" PRIu64, z->skynet_leaves);
		break;
	case WL_BIG:
		snprintf(buf, len, "W=%" PRIu64 " M=%" PRIu64, z->big_w, z->big_m);
		break;
	case WL_IDLE:
		snprintf(buf, len, "actors=%" PRIu64 " ms=%" PRIu64, z->idle_actors, z->idle_ms);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

static struct result
run_case(enum wl w, const struct options *o)
{
	struct result res = {.ran = true, .ok = true};
	double *secs = calloc(o->runs + 1, sizeof *secs);
	double *cpu = calloc(o->runs + 1, sizeof *cpu);
	double *bpa = calloc(o->runs + 1, sizeof *bpa);
	struct sample last;
	uint32_t done = 0;
	const char *bn = wl_names[w];
	char sz[96];

	if (secs == NULL || cpu == NULL || bpa == NULL) {
		fprintf(stderr, "cadre-bench: out of memory\n");
		exit(1);
	}
	g_bench = bn;
	sizes_text(w, &o->sz, sz, sizeof sz);
	memset(&last, 0, sizeof last);
	/* The line the watchdog prints if this workload hangs for good. */
	int n = snprintf(
	        watchdog_line, sizeof watchdog_line,
	        "{\"bench\":\"%s\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":0,"
	        "\"secs\":0,\"mps\":0,\"runs\":0,\"stat\":\"median\",\"check\":\"fail\"}\n",
	        bn, o->workers);
	watchdog_len = n > 0 && (size_t)n < sizeof watchdog_line ? (size_t)n : 0;

	for (uint32_t i = 0; i <= o->runs && res.ok; i++) {
		struct sample s;

		memset(&s, 0, sizeof s);
		if (i == 0)
			progress("%s (%s, workers %u): warm-up", bn, sz, o->workers);
		else
			progress("%s (%s, workers %u): run %" PRIu32 "/%" PRIu32, bn, sz,
			         o->workers, i, o->runs);
		res.ok = wl_fns[w](o, &s);
		last = s;
		if (i > 0 || !res.ok) { /* a failed warm-up is all we have */
			secs[done] = s.secs;
			cpu[done] = s.cpu_secs;
			bpa[done] = s.bytes_per_actor;
			done++;
		}
	}

	res.msgs = last.msgs;
	res.secs = median(secs, done); /* sorts secs */
	double lo = done > 0 ? secs[0] : 0, hi = done > 0 ? secs[done - 1] : 0;
	/* A failed result does not count: no rate for it. */
	res.mps = res.ok && res.secs > 0 ? (double)last.msgs / res.secs : 0;

	printf("{\"bench\":\"%s\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":%" PRIu64
	       ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu32
	       ",\"stat\":\"median\",\"check\":\"%s\"",
	       bn, o->workers, last.msgs, res.secs, res.mps, done, res.ok ? "ok" : "fail");
	if (w == WL_SKYNET)
		printf(",\"spawns\":%" PRIu64 ",\"sps\":%.1f", last.spawns,
		       res.ok && res.secs > 0 ? (double)last.spawns / res.secs : 0);
	if (w == WL_IDLE)
		printf(",\"spawns\":%" PRIu64 ",\"cpu_secs\":%.6f,\"bytes_per_actor\":%.1f",
		       last.spawns, median(cpu, done), median(bpa, done));
	printf(",\"min_secs\":%.6f,\"max_secs\":%.6f,\"handled\":%" PRIu64 ",\"dead\":%" PRIu64
	       "}\n",
	       lo, hi, last.handled, last.dead);
	fflush(stdout);

	if (w == WL_IDLE)
		note("%-10s w%u %-22s idle %.3f s: cpu %.4f s, %.1f bytes/actor  %s", bn,
		     o->workers, sz, res.secs, median(cpu, done), median(bpa, done),
		     res.ok ? "ok" : "FAILED");
	else
		note("%-10s w%u %-22s %9.3f Mmsg/s  median %.4f s [%.4f .. %.4f]  %s", bn,
		     o->workers, sz, res.mps / 1e6, res.secs, lo, hi, res.ok ? "ok" : "FAILED");
	free(secs);
	free(cpu);
	free(bpa);
	return res;
}

/* ---- command line ------------------------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: cadre-bench [--workers N] [--runs R] [--quick] [--only NAME[,NAME...]]\n"
	        "                   [--timeout SECS] [size options]\n"
	        "  --workers N     worker threads (cadre_config.workers; default %d)\n"
	        "  --runs R        timed runs after one warm-up; secs is their median "
	        "(default %d)\n"
	        "  --quick         divide the sizes marked * by 10 (given ones too)\n"
	        "  --only NAMES    run these workloads only, comma-separated:\n"
	        "                  pingpong, counting, threadring, fanin, fjthrput, skynet, "
	        "big, idle\n"
	        "  --timeout SECS  a run that takes longer fails (default %d)\n"
	        "size options (default):\n",
	        DEFAULT_WORKERS, DEFAULT_RUNS, DEFAULT_TIMEOUT_S);
	for (size_t i = 0; i < NSIZES; i++)
		fprintf(f, "  %-18s %s (%" PRIu64 ")%s\n", size_opts[i].name, size_opts[i].help,
		        size_opts[i].dflt, size_opts[i].quick ? " *" : "");
	fprintf(f, "JSON Lines on stdout (shared/BENCH.md), progress and a summary on stderr.\n");
}

static bool
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool
parse_only(const char *val, unsigned *mask)
{
	const char *p = val;

	*mask = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		int found = -1;

		for (int w = 0; w < WL_COUNT; w++)
			if (strlen(wl_names[w]) == len && strncmp(p, wl_names[w], len) == 0)
				found = w;
		if (found < 0)
			return false;
		*mask |= 1u << found;
		p += len;
		if (*p == ',')
			p++;
	}
	return *mask != 0;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		const char *eq = strchr(a, '=');
		size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		uint64_t v;
		bool sized = false;

#define IS(name) (len == strlen(name) && strncmp(a, name, len) == 0)
#define VALUE()                                                                \
	do {                                                                   \
		val = eq != NULL ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL); \
		if (val == NULL)                                               \
			goto bad;                                              \
	} while (0)
		if (IS("--help") || IS("-h")) {
			usage(stdout);
			exit(0);
		} else if (IS("--quick")) {
			o->quick = true;
		} else if (IS("--idle-child")) {
			o->idle_child = true;
		} else if (IS("--workers")) {
			VALUE();
			if (!parse_u64(val, 1, 64, &v))
				goto bad;
			o->workers = (unsigned)v;
		} else if (IS("--runs")) {
			VALUE();
			if (!parse_u64(val, 1, 1000, &v))
				goto bad;
			o->runs = (uint32_t)v;
		} else if (IS("--timeout")) {
			VALUE();
			if (!parse_u64(val, 1, 86400, &v))
				goto bad;
			o->timeout_s = v;
		} else if (IS("--only")) {
			VALUE();
			if (!parse_only(val, &o->only))
				goto bad;
		} else {
			for (size_t k = 0; k < NSIZES && !sized; k++) {
				const struct size_opt *so = &size_opts[k];

				if (!IS(so->name))
					continue;
				VALUE();
				if (!parse_u64(val, so->min, so->max, &v))
					goto bad;
				*size_at(&o->sz, so->off) = v;
				sized = true;
			}
			if (!sized)
				goto bad;
		}
		continue;
	bad:
		fprintf(stderr, "cadre-bench: bad argument: %s%s%s\n", a,
		        val != NULL && eq == NULL ? " " : "", val != NULL && eq == NULL ? val : "");
		usage(stderr);
		exit(2);
#undef IS
#undef VALUE
	}
}

static void
finish_sizes(struct options *o)
{
	for (size_t k = 0; k < NSIZES; k++) {
		const struct size_opt *so = &size_opts[k];
		uint64_t *v = size_at(&o->sz, so->off);

		if (o->quick && so->quick) {
			*v /= 10;
			if (*v < so->min)
				*v = so->min;
		}
	}
	uint64_t l = o->sz.skynet_leaves;
	while (l % SKYNET_FANOUT == 0)
		l /= SKYNET_FANOUT;
	if (l != 1) {
		fprintf(stderr, "cadre-bench: --skynet-leaves must be a power of 10\n");
		exit(2);
	}
}

/* ---- main ----------------------------------------------------------------------------------------- */

static void
summary(const struct options *o, const struct result res[WL_COUNT])
{
	fprintf(stderr, "\ncadre-bench summary (workers %u, median of %" PRIu32 " runs)\n",
	        o->workers, o->runs);
	fprintf(stderr, "%-11s %12s %10s %12s  %s\n", "bench", "msgs", "secs", "Mmsg/s", "check");
	for (int w = 0; w < WL_COUNT; w++) {
		if (!res[w].ran)
			continue;
		fprintf(stderr, "%-11s %12" PRIu64 " %10.4f %12.3f  %s\n", wl_names[w], res[w].msgs,
		        res[w].secs, res[w].mps / 1e6, res[w].ok ? "ok" : "FAILED");
	}
}

int
main(int argc, char **argv)
{
	struct options o = {
	        .workers = DEFAULT_WORKERS,
	        .runs = DEFAULT_RUNS,
	        .timeout_s = DEFAULT_TIMEOUT_S,
	};
	struct result res[WL_COUNT];
	bool ok = true;
	struct sigaction sa;

	for (size_t k = 0; k < NSIZES; k++)
		*size_at(&o.sz, size_opts[k].off) = size_opts[k].dflt;
	parse_args(argc, argv, &o);
	finish_sizes(&o);
	stderr_tty = isatty(STDERR_FILENO);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = watchdog;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	if (o.idle_child) {
		struct sample s;

		memset(&s, 0, sizeof s);
		g_bench = "idle";
		watchdog_len = 0;
		bool good = idle_inproc(&o, &s);
		printf("idle %d %.9f %.9f %.3f %" PRIu64 " %" PRIu64 "\n", good ? 1 : 0, s.secs,
		       s.cpu_secs, s.bytes_per_actor, s.handled, s.dead);
		fflush(stdout);
		return good ? 0 : 1;
	}

	memset(res, 0, sizeof res);
	for (int w = 0; w < WL_COUNT; w++) {
		if (o.only != 0 && (o.only & (1u << w)) == 0)
			continue;
		res[w] = run_case((enum wl)w, &o);
		ok = ok && res[w].ok;
	}
	summary(&o, res);
	return ok ? 0 : 1;
}
