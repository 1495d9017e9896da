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

#include "bench_cli.h"
#include "bench_progress.h"

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
	M_MEET, /* chameneos */
	M_MATE,
	M_CHANGE,
	M_COUNT,
	M_XFER, /* bank */
	M_DEPOSIT,
	M_ACK,
	M_BALANCE,
	M_HUNGRY, /* philosophers */
	M_EAT,
	M_DENIED,
	M_RELEASE,
	M_ENTER, /* barber */
	M_WAIT,
	M_FULL,
	M_CUT,
	M_NEXT,
	M_SERVED,
	M_TURNED,
	M_REPORT,
	M_WRITE, /* dictionary */
	M_READ,
	M_VALUE,
	M_DUMP,
	M_DUMPED,
	M_COMPUTE, /* logmap */
	M_RESULT,
	M_TERM,
	M_CHILD, /* nqueens */
};

enum wl {
	WL_PINGPONG,
	WL_COUNTING,
	WL_THREADRING,
	WL_FANIN,
	WL_FJTHRPUT,
	WL_SKYNET,
	WL_BIG,
	WL_CHAMENEOS,
	WL_BANK,
	WL_PHILOSOPHERS,
	WL_BARBER,
	WL_DICTIONARY,
	WL_LOGMAP,
	WL_TRAPEZOID,
	WL_NQUEENS,
	WL_IDLE,
	WL_COUNT
};

static const char *const wl_names[WL_COUNT] = {
        "pingpong", "counting",  "threadring", "fanin",        "fjthrput", "skynet",
        "big",      "chameneos", "bank",       "philosophers", "barber",   "dictionary",
        "logmap",   "trapezoid", "nqueens",    "idle",
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
	uint64_t chameneos_c, chameneos_n;
	uint64_t bank_a, bank_n;
	uint64_t philosophers_p, philosophers_r;
	uint64_t barber_n, barber_w, barber_apr, barber_ahr;
	uint64_t dictionary_w, dictionary_m, dictionary_write;
	uint64_t logmap_s, logmap_t;
	uint64_t trapezoid_w, trapezoid_n;
	uint64_t nqueens_n, nqueens_t, nqueens_w;
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
         "counting, fanin, fjthrput, bank: sends before a continue"},
        {"--chameneos-c", SZ(chameneos_c), 5, 2, 100000, false, "chameneos: creatures"},
        {"--chameneos-n", SZ(chameneos_n), 1000000, 1, BIG_MAX, true, "chameneos: meetings"},
        {"--bank-a", SZ(bank_a), 1000, 2, 10000000, false, "bank: accounts"},
        {"--bank-n", SZ(bank_n), 1000000, 1, BIG_MAX, true, "bank: transactions"},
        {"--philosophers-p", SZ(philosophers_p), 20, 2, 1000000, false,
         "philosophers: philosophers"},
        {"--philosophers-r", SZ(philosophers_r), 100000, 1, BIG_MAX, true,
         "philosophers: meals each"},
        {"--barber-n", SZ(barber_n), 500000, 1, 100000000, true, "barber: customers"},
        {"--barber-w", SZ(barber_w), 1000, 1, 100000000, false, "barber: waiting room seats"},
        {"--barber-apr", SZ(barber_apr), 1000, 0, 1000000000, false,
         "barber: busy loop between arrivals (max)"},
        {"--barber-ahr", SZ(barber_ahr), 1000, 0, 1000000000, false,
         "barber: busy loop per haircut (max)"},
        {"--dictionary-w", SZ(dictionary_w), 20, 1, 100000, false, "dictionary: workers"},
        {"--dictionary-m", SZ(dictionary_m), 100000, 1, BIG_MAX, true,
         "dictionary: requests per worker"},
        {"--dictionary-write", SZ(dictionary_write), 10, 0, 100, false,
         "dictionary: writes (percent)"},
        {"--logmap-s", SZ(logmap_s), 10, 1, 1000000, false, "logmap: series"},
        {"--logmap-t", SZ(logmap_t), 250000, 1, BIG_MAX, true, "logmap: terms"},
        {"--trapezoid-w", SZ(trapezoid_w), 100, 1, 1000000, false, "trapezoid: workers"},
        {"--trapezoid-n", SZ(trapezoid_n), 300000000, 1, BIG_MAX, true, "trapezoid: pieces"},
        {"--nqueens-n", SZ(nqueens_n), 15, 1, 18, false, "nqueens: board size (--quick: N - 2)"},
        {"--nqueens-t", SZ(nqueens_t), 4, 0, 18, false,
         "nqueens: queens placed in parallel, then sequentially"},
        {"--nqueens-w", SZ(nqueens_w), 20, 1, 100000, false, "nqueens: workers"},
};

#define NSIZES (sizeof size_opts / sizeof size_opts[0])

struct options {
	struct sizes sz;
	unsigned workers;
	uint32_t runs;
	uint64_t timeout_s;
	bool quick;
	unsigned only;             /* bit per workload; 0 = all */
	bool idle_child;           /* internal: run one idle measurement, print it, exit */
	uint64_t stress_secs;      /* --stress: soak for this long (0: no soak) */
	uint64_t stress_msgs;      /* --stress-msgs: soak until this many messages */
	const char *save_path;     /* --save: write the JSON lines here */
	const char *baseline_path; /* --baseline: compare with these JSON lines */
	bool compare;              /* --compare: run the peers too, print ratios */
	bool no_run_next;          /* --no-run-next: cadre_config.no_run_next */
	bool no_backpressure;      /* --no-backpressure: cadre_config.no_backpressure */
	bool no_coalesce;          /* --no-coalesce: cadre_config.no_coalesce */
	unsigned steal_after_us;   /* --steal-after-us: cadre_config.steal_after_us */
	const char *peers_script;  /* --peers-script: run-peers.sh to use */
};

static uint64_t *
size_at(struct sizes *sz, size_t off)
{
	return (uint64_t *)(void *)((char *)sz + off);
}

/* ---- progress on stderr ----------------------------------------------------- */

static bool g_stress; /* soaking: fewer notes */

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
	/* The further Savina workloads (main sets them up, one actor reads or
	 * writes them, main reads them after the semaphore). */
	cadre_ref second;            /* dictionary: the dictionary */
	void *data;                  /* bank: final balances; dictionary: the dump; logmap: terms */
	const uint64_t *expect_vals; /* dictionary: the expected value per key */
	const double *dexpect;       /* logmap: terms and sum; trapezoid: the area */
	uint64_t extra[3];           /* philosophers: denials; barber: waited, turned, served */
};

static struct run g_run;

/* Deadline of the current run (main thread only). */
static double g_deadline;
static uint64_t g_timeout_s;
static bool g_stats; /* --stats: print each run's counters */
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
	cfg.no_run_next = o->no_run_next;
	cfg.no_backpressure = o->no_backpressure;
	cfg.no_coalesce = o->no_coalesce;
	cfg.steal_after_us = o->steal_after_us;
	watchdog_arm(o);
	g_timeout_s = o->timeout_s;
	g_deadline = bench_now() + (double)o->timeout_s;
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
	double left = g_deadline - bench_now();

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
	if (g_stats)
		print_stats("counters", &st);
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

/* Spawns the workload's first actor and waits until the run completes
 * (`what` names what is awaited, for a timeout's note); s->secs is the time
 * from the spawn on. */
static bool
spawn_timed(cadre_system *sys, const cadre_behaviour *beh, const char *what, struct sample *s)
{
	cadre_ref r;
	double t0 = bench_now();
	int rc = cadre_spawn(sys, beh, NULL, NULL, &r);
	bool ok = rc == 0;

	if (!ok)
		note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
	else
		ok = wait_signal(sys, what);
	s->secs = bench_now() - t0;
	return ok;
}

/* The common shape: spawn the workload's first actor, wait, finish. */
static bool
run_simple(const struct options *o, const cadre_behaviour *beh, const struct expect *e,
           struct sample *s)
{
	cadre_system *sys = run_begin(o);

	if (sys == NULL)
		return false;
	bool ok = spawn_timed(sys, beh, "the workload to complete", s);
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
		ok = spawn_timed(sys, &fan_sink_beh, "the sink", s);
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
		ok = spawn_timed(sys, &fj_sender_beh, "the sender", s);
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
		ok = spawn_timed(sys, &big_driver_beh, "the driver", s);
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
		double c0 = cpu_now(), t0 = bench_now();
		sleep_ms(o->sz.idle_ms);
		s->secs = bench_now() - t0;
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
	double deadline =
	        bench_now() + (double)o->timeout_s * 2 + (double)o->sz.idle_ms / 1000 + 60;
	bool timed_out = false;
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		double left = deadline - bench_now();
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

/* ---- further Savina workloads -------------------------------------------------------------
 * Each is written as plain actors, like the ones above; each verifies its
 * own result exactly, and knows how many messages it implies (some only
 * once it has run: those that depend on timing report what they did, and
 * the counters must match that). */

/* A deterministic random stream (splitmix64 over a counter). */
static uint64_t
rng_next(uint64_t *s)
{
	return splitmix64((*s)++);
}

/* Busy work of about n iterations (barber: arrivals and haircuts). */
static void
spin(uint64_t n)
{
	volatile uint64_t x = 0;

	for (uint64_t i = 0; i < n; i++)
		x = x + i;
}

/* ---- chameneos ------------------------------------------------------------------------------
 * chameneos-redux: C creatures of three colours ask the mall (the meeting
 * place) for a meeting. The mall keeps one waiting creature; when a second
 * arrives it sends it the first one's colour and ref (M_MATE); that one
 * takes the complement colour and tells the first (M_CHANGE: its old and
 * new colours), which must arrive at the same colour by the same rule.
 * After N meetings the mall answers every request with M_EXIT; a creature
 * then reports its meetings (M_COUNT) and stops. The mall checks each
 * creature's count against its own record and the sum against 2N.
 * Messages: (2N + C) requests, N mates, N changes, C exits, C counts. */
struct ch_meet {
	uint32_t colour, index;
};

struct ch_mate {
	cadre_ref ref;
	uint32_t colour, index;
};

struct ch_change {
	uint32_t old_colour, new_colour, index, pad_;
};

struct ch_count {
	uint64_t meetings;
	uint32_t index, pad_;
};

static uint32_t
ch_complement(uint32_t a, uint32_t b)
{
	return a == b ? a : 3 - a - b; /* blue 0, red 1, yellow 2 */
}

struct ch_creature {
	cadre_actor base;
	cadre_ref mall;
	uint64_t meetings;
	uint32_t colour, index;
};

static int
ch_request(struct ch_creature *c)
{
	struct ch_meet mt = {.colour = c->colour, .index = c->index};

	return cadre_send(cadre_actor_system(&c->base), c->mall, M_MEET, &mt, sizeof mt);
}

static int
ch_creature_start(cadre_actor *self, void *arg)
{
	struct ch_creature *c = (struct ch_creature *)self;

	c->index = (uint32_t)(uintptr_t)arg;
	c->colour = c->index % 3;
	c->mall = g_run.first; /* written by the mall before it spawned us */
	return ch_request(c);
}

static int
ch_creature_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ch_creature *c = (struct ch_creature *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_MATE && m->size == sizeof(struct ch_mate)) {
		struct ch_mate mate;
		memcpy(&mate, m->data, sizeof mate);
		if (mate.index == c->index || cadre_ref_eq(mate.ref, cadre_self(self)))
			return BAD("chameneos: creature %" PRIu32 " met itself", c->index);
		struct ch_change ch = {.old_colour = c->colour,
		                       .new_colour = ch_complement(c->colour, mate.colour),
		                       .index = c->index};
		int rc = cadre_send(sys, mate.ref, M_CHANGE, &ch, sizeof ch);
		if (rc != 0)
			return rc;
		c->colour = ch.new_colour;
		c->meetings++;
		return ch_request(c);
	}
	if (m->type == M_CHANGE && m->size == sizeof(struct ch_change)) {
		struct ch_change ch;
		memcpy(&ch, m->data, sizeof ch);
		uint32_t want = ch_complement(c->colour, ch.old_colour);
		if (ch.new_colour != want || ch.index == c->index)
			return BAD("chameneos: creature %" PRIu32 " (colour %" PRIu32
			           ") met %" PRIu32 " (colour %" PRIu32 "), which became %" PRIu32
			           ", expected %" PRIu32,
			           c->index, c->colour, ch.index, ch.old_colour, ch.new_colour,
			           want);
		c->colour = ch.new_colour;
		c->meetings++;
		return ch_request(c);
	}
	if (m->type == M_EXIT) {
		struct ch_count cnt = {.meetings = c->meetings, .index = c->index};
		int rc = cadre_send(sys, c->mall, M_COUNT, &cnt, sizeof cnt);
		return rc != 0 ? rc : cadre_stop(self);
	}
	return BAD("chameneos creature: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour ch_creature_beh = {.size = sizeof(struct ch_creature),
                                                .start = ch_creature_start,
                                                .receive = ch_creature_receive,
                                                .stop = on_stop,
                                                .name = "chameneos_creature"};

struct ch_mall {
	cadre_actor base;
	uint64_t left, creatures, reported, sum;
	uint64_t *met; /* meetings per creature, as the mall arranged them */
	bool waiting;
	struct ch_mate first;
};

static int
ch_mall_start(cadre_actor *self, void *arg)
{
	struct ch_mall *ml = (struct ch_mall *)self;

	(void)arg;
	ml->left = g_run.sz.chameneos_n;
	ml->creatures = g_run.sz.chameneos_c;
	ml->met = calloc(ml->creatures, sizeof *ml->met);
	if (ml->met == NULL)
		return CADRE_ENOMEM;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < ml->creatures; i++) {
		cadre_ref r;
		int rc = cadre_spawn(cadre_actor_system(self), &ch_creature_beh, NULL,
		                     (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
ch_mall_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ch_mall *ml = (struct ch_mall *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_MEET && m->size == sizeof(struct ch_meet)) {
		struct ch_meet mt;
		memcpy(&mt, m->data, sizeof mt);
		if (mt.index >= ml->creatures || mt.colour > 2)
			return BAD("chameneos: bad request (creature %" PRIu32 ", colour %" PRIu32
			           ")",
			           mt.index, mt.colour);
		if (ml->left == 0)
			return cadre_send(sys, m->sender, M_EXIT, NULL, 0);
		if (!ml->waiting) {
			ml->first = (struct ch_mate){m->sender, mt.colour, mt.index};
			ml->waiting = true;
			return 0;
		}
		ml->waiting = false;
		ml->left--;
		ml->met[ml->first.index]++;
		ml->met[mt.index]++;
		return cadre_send(sys, m->sender, M_MATE, &ml->first, sizeof ml->first);
	}
	if (m->type != M_COUNT || m->size != sizeof(struct ch_count))
		return BAD("chameneos mall: unexpected message type %" PRIu32, m->type);
	struct ch_count cnt;
	memcpy(&cnt, m->data, sizeof cnt);
	if (cnt.index >= ml->creatures || cnt.meetings != ml->met[cnt.index])
		return BAD("chameneos: creature %" PRIu32 " counts %" PRIu64
		           " meetings, the mall arranged %" PRIu64,
		           cnt.index, cnt.meetings,
		           cnt.index < ml->creatures ? ml->met[cnt.index] : 0);
	ml->sum += cnt.meetings;
	if (++ml->reported < ml->creatures)
		return 0;
	g_run.result = ml->sum;
	if (ml->sum != 2 * g_run.sz.chameneos_n || ml->waiting)
		return BAD("chameneos: %" PRIu64 " meetings in all, expected %" PRIu64, ml->sum,
		           2 * g_run.sz.chameneos_n);
	run_done();
	return cadre_stop(self);
}

static void
ch_mall_stop(cadre_actor *self, const cadre_exit *why)
{
	struct ch_mall *ml = (struct ch_mall *)self;

	free(ml->met);
	on_stop(self, why);
}

static const cadre_behaviour ch_mall_beh = {.size = sizeof(struct ch_mall),
                                            .start = ch_mall_start,
                                            .receive = ch_mall_receive,
                                            .stop = ch_mall_stop,
                                            .name = "chameneos_mall"};

/* ---- bank ---------------------------------------------------------------------------------------
 * Savina's banking: a teller spawns A accounts, then orders N random
 * transfers (in slices): M_XFER to the source, which debits itself and
 * sends M_DEPOSIT to the destination, which credits itself and answers
 * M_ACK; the source then reports M_DONE to the teller. After N dones the
 * teller asks every account for its balance (M_BALANCE), which must be
 * exactly the one main computed by replaying the transfers, and their sum
 * the initial total. Messages: 4N + 2A (+ the teller's continues). */
#define BANK_INITIAL ((int64_t)1000000000)
#define BANK_SEED 0x42414e4bULL

struct bank_xfer {
	cadre_ref to;
	int64_t amount;
	uint64_t id;
};

struct bank_balance {
	int64_t balance;
	uint64_t index;
};

/* The t-th transfer of the teller's stream. */
static void
bank_pick(uint64_t *rng, uint64_t accounts, uint64_t *src, uint64_t *dst, int64_t *amount)
{
	uint64_t r = rng_next(rng);

	*src = r % accounts;
	*dst = (r >> 20) % (accounts - 1);
	if (*dst >= *src)
		(*dst)++;
	*amount = (int64_t)((r >> 44) % 1000) + 1;
}

struct bank_account {
	cadre_actor base;
	cadre_ref teller;
	int64_t balance;
	uint64_t index;
};

static int
bank_account_start(cadre_actor *self, void *arg)
{
	struct bank_account *a = (struct bank_account *)self;

	a->index = (uint64_t)(uintptr_t)arg;
	a->balance = BANK_INITIAL;
	a->teller = g_run.first;
	return 0;
}

static int
bank_account_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bank_account *a = (struct bank_account *)self;
	cadre_system *sys = cadre_actor_system(self);
	struct bank_xfer x;

	switch (m->type) {
	case M_XFER:
		if (m->size != sizeof x)
			break;
		memcpy(&x, m->data, sizeof x);
		a->balance -= x.amount;
		return cadre_send(sys, x.to, M_DEPOSIT, &x, sizeof x);
	case M_DEPOSIT:
		if (m->size != sizeof x)
			break;
		memcpy(&x, m->data, sizeof x);
		a->balance += x.amount;
		return cadre_send(sys, m->sender, M_ACK, &x, sizeof x);
	case M_ACK:
		if (m->size != sizeof x)
			break;
		memcpy(&x, m->data, sizeof x);
		return send_u64(sys, a->teller, M_DONE, x.id);
	case M_BALANCE: {
		struct bank_balance b = {.balance = a->balance, .index = a->index};
		int rc = cadre_send(sys, m->sender, M_REPLY, &b, sizeof b);
		return rc != 0 ? rc : cadre_stop(self);
	}
	default:
		break;
	}
	return BAD("bank account: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bank_account_beh = {.size = sizeof(struct bank_account),
                                                 .start = bank_account_start,
                                                 .receive = bank_account_receive,
                                                 .stop = on_stop,
                                                 .name = "bank_account"};

struct bank_teller {
	cadre_actor base;
	cadre_ref *accounts;
	const int64_t *expect; /* final balances, computed by main */
	uint64_t naccounts, n, sent, dones, replies, rng;
	int64_t total;
};

static int
bank_teller_step(cadre_actor *self)
{
	struct bank_teller *t = (struct bank_teller *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t slice = g_run.sz.slice;

	for (uint64_t i = 0; i < slice && t->sent < t->n; i++, t->sent++) {
		uint64_t src, dst;
		struct bank_xfer x = {.id = t->sent};
		bank_pick(&t->rng, t->naccounts, &src, &dst, &x.amount);
		x.to = t->accounts[dst];
		int rc = cadre_send(sys, t->accounts[src], M_XFER, &x, sizeof x);
		if (rc != 0)
			return rc;
	}
	return t->sent < t->n ? send_self(self, M_CONT) : 0;
}

static int
bank_teller_start(cadre_actor *self, void *arg)
{
	struct bank_teller *t = (struct bank_teller *)self;

	(void)arg;
	t->naccounts = g_run.sz.bank_a;
	t->n = g_run.sz.bank_n;
	t->accounts = g_run.refs;
	t->expect = g_run.data;
	t->rng = BANK_SEED;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < t->naccounts; i++) {
		int rc = cadre_spawn(cadre_actor_system(self), &bank_account_beh, NULL,
		                     (void *)(uintptr_t)i, &t->accounts[i]);
		if (rc != 0)
			return rc;
	}
	return bank_teller_step(self);
}

static int
bank_teller_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bank_teller *t = (struct bank_teller *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_CONT)
		return bank_teller_step(self);
	if (m->type == M_DONE) {
		if (++t->dones < t->n)
			return 0;
		for (uint64_t i = 0; i < t->naccounts; i++) {
			int rc = cadre_send(sys, t->accounts[i], M_BALANCE, NULL, 0);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	struct bank_balance b;
	if (m->type != M_REPLY || m->size != sizeof b)
		return BAD("bank teller: unexpected message type %" PRIu32, m->type);
	memcpy(&b, m->data, sizeof b);
	if (t->dones != t->n || b.index >= t->naccounts || b.balance != t->expect[b.index])
		return BAD("bank: account %" PRIu64 " holds %" PRId64 ", expected %" PRId64,
		           b.index, b.balance, b.index < t->naccounts ? t->expect[b.index] : 0);
	t->total += b.balance;
	if (++t->replies < t->naccounts)
		return 0;
	g_run.result = (uint64_t)t->total;
	if (t->total != (int64_t)t->naccounts * BANK_INITIAL)
		return BAD("bank: total balance %" PRId64 ", expected %" PRId64, t->total,
		           (int64_t)t->naccounts * BANK_INITIAL);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour bank_teller_beh = {.size = sizeof(struct bank_teller),
                                                .start = bank_teller_start,
                                                .receive = bank_teller_receive,
                                                .stop = on_stop,
                                                .name = "bank_teller"};

/* ---- philosophers ----------------------------------------------------------------------------
 * Savina's dining philosophers with an arbitrator that owns the P forks.
 * A philosopher asks (M_HUNGRY); the arbitrator grants both forks
 * (M_EAT) or denies (M_DENIED: ask again). After eating it releases them
 * (M_RELEASE, checked: it must hold both) and, after R meals, reports its
 * meals and denials (M_EXIT) and stops. The arbitrator checks every
 * philosopher ate exactly R times (by its own record and by the
 * philosopher's) and that the denials agree. Messages: 3PR + 2D + P, with
 * D the denials. */
struct ph_exit {
	uint64_t index, meals, denied;
};

struct ph_philosopher {
	cadre_actor base;
	cadre_ref arbitrator;
	uint64_t index, meals, denied, rounds;
};

static int
ph_start(cadre_actor *self, void *arg)
{
	struct ph_philosopher *p = (struct ph_philosopher *)self;

	p->index = (uint64_t)(uintptr_t)arg;
	p->rounds = g_run.sz.philosophers_r;
	p->arbitrator = g_run.first;
	return send_u64(cadre_actor_system(self), p->arbitrator, M_HUNGRY, p->index);
}

static int
ph_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ph_philosopher *p = (struct ph_philosopher *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_DENIED) {
		p->denied++;
		return send_u64(sys, p->arbitrator, M_HUNGRY, p->index);
	}
	if (m->type != M_EAT)
		return BAD("philosopher: unexpected message type %" PRIu32, m->type);
	p->meals++;
	int rc = send_u64(sys, p->arbitrator, M_RELEASE, p->index);
	if (rc != 0)
		return rc;
	if (p->meals < p->rounds)
		return send_u64(sys, p->arbitrator, M_HUNGRY, p->index);
	struct ph_exit ex = {.index = p->index, .meals = p->meals, .denied = p->denied};
	rc = cadre_send(sys, p->arbitrator, M_EXIT, &ex, sizeof ex);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour ph_beh = {.size = sizeof(struct ph_philosopher),
                                       .start = ph_start,
                                       .receive = ph_receive,
                                       .stop = on_stop,
                                       .name = "philosopher"};

struct ph_arbitrator {
	cadre_actor base;
	uint64_t *fork;  /* holder + 1, or 0 */
	uint64_t *meals; /* granted per philosopher */
	uint64_t n, exits, denied, reported;
};

static int
ph_arb_start(cadre_actor *self, void *arg)
{
	struct ph_arbitrator *a = (struct ph_arbitrator *)self;

	(void)arg;
	a->n = g_run.sz.philosophers_p;
	a->fork = calloc(2 * a->n, sizeof *a->fork);
	if (a->fork == NULL)
		return CADRE_ENOMEM;
	a->meals = a->fork + a->n;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < a->n; i++) {
		cadre_ref r;
		int rc = cadre_spawn(cadre_actor_system(self), &ph_beh, NULL, (void *)(uintptr_t)i,
		                     &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
ph_arb_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ph_arbitrator *a = (struct ph_arbitrator *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t i = 0;

	if (m->type == M_HUNGRY || m->type == M_RELEASE) {
		if (!get_u64(m, &i) || i >= a->n)
			return BAD("philosophers: bad philosopher %" PRIu64, i);
		uint64_t l = i, r = (i + 1) % a->n;
		if (m->type == M_RELEASE) {
			if (a->fork[l] != i + 1 || a->fork[r] != i + 1)
				return BAD("philosophers: %" PRIu64
				           " released forks it did not hold",
				           i);
			a->fork[l] = a->fork[r] = 0;
			return 0;
		}
		if (a->fork[l] != 0 || a->fork[r] != 0) {
			a->denied++;
			return cadre_send(sys, m->sender, M_DENIED, NULL, 0);
		}
		a->fork[l] = a->fork[r] = i + 1;
		a->meals[i]++;
		return cadre_send(sys, m->sender, M_EAT, NULL, 0);
	}
	struct ph_exit ex;
	if (m->type != M_EXIT || m->size != sizeof ex)
		return BAD("arbitrator: unexpected message type %" PRIu32, m->type);
	memcpy(&ex, m->data, sizeof ex);
	uint64_t r = g_run.sz.philosophers_r;
	if (ex.index >= a->n || ex.meals != r || a->meals[ex.index] != r)
		return BAD("philosophers: philosopher %" PRIu64 " ate %" PRIu64
		           " times (arbitrator: %" PRIu64 "), expected %" PRIu64,
		           ex.index, ex.meals, ex.index < a->n ? a->meals[ex.index] : 0, r);
	a->reported += ex.denied;
	if (++a->exits < a->n)
		return 0;
	if (a->reported != a->denied)
		return BAD("philosophers: %" PRIu64 " denials reported, %" PRIu64 " sent",
		           a->reported, a->denied);
	for (uint64_t k = 0; k < a->n; k++)
		if (a->fork[k] != 0)
			return BAD("philosophers: fork %" PRIu64 " still held", k);
	g_run.result = a->n * r;
	g_run.extra[0] = a->denied;
	run_done();
	return cadre_stop(self);
}

static void
ph_arb_stop(cadre_actor *self, const cadre_exit *why)
{
	struct ph_arbitrator *a = (struct ph_arbitrator *)self;

	free(a->fork);
	on_stop(self, why);
}

static const cadre_behaviour ph_arb_beh = {.size = sizeof(struct ph_arbitrator),
                                           .start = ph_arb_start,
                                           .receive = ph_arb_receive,
                                           .stop = ph_arb_stop,
                                           .name = "arbitrator"};

/* ---- barber ----------------------------------------------------------------------------------
 * Savina's sleeping barber. A factory spawns the barber, the waiting room
 * (capacity W) and then N customers, one per step with a random busy wait
 * between arrivals (APR). A customer enters the room (M_ENTER): the room
 * sends it straight to a sleeping barber (M_CUT), seats it (M_WAIT) or turns
 * it away (M_FULL). The barber cuts (busy wait, AHR), asks the room for
 * the next one (M_NEXT) and dismisses the customer (M_DONE), which reports
 * M_SERVED or M_TURNED to the factory and stops. Once all N reported, the
 * factory closes the room, which reports its counts and closes the barber,
 * which reports its count. Checks: served + turned away = N, and the
 * room's and barber's counts agree with the customers'. */
struct bb_room_report {
	uint64_t immediate, waited, turned;
};

struct bb_factory {
	cadre_actor base;
	cadre_ref barber, room;
	uint64_t n, spawned, served, turned, rng, reports, cuts;
	struct bb_room_report room_rep;
};

struct bb_customer {
	cadre_actor base;
	bool waited;
};

static int
bb_customer_start(cadre_actor *self, void *arg)
{
	return cadre_send(cadre_actor_system(self), *(const cadre_ref *)arg, M_ENTER, NULL, 0);
}

static int
bb_customer_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_customer *c = (struct bb_customer *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_WAIT && !c->waited) {
		c->waited = true;
		return 0;
	}
	if (m->type == M_DONE || m->type == M_FULL) {
		int rc = cadre_send(sys, g_run.first, m->type == M_DONE ? M_SERVED : M_TURNED, NULL,
		                    0);
		return rc != 0 ? rc : cadre_stop(self);
	}
	return BAD("barber customer: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bb_customer_beh = {.size = sizeof(struct bb_customer),
                                                .start = bb_customer_start,
                                                .receive = bb_customer_receive,
                                                .stop = on_stop,
                                                .name = "customer"};

struct bb_room {
	cadre_actor base;
	cadre_ref barber;
	cadre_ref *seat; /* a ring of W */
	uint64_t cap, head, len;
	bool busy; /* the barber is awake */
	struct bb_room_report rep;
};

static int
bb_room_start(cadre_actor *self, void *arg)
{
	struct bb_room *r = (struct bb_room *)self;

	r->barber = *(const cadre_ref *)arg;
	r->cap = g_run.sz.barber_w;
	r->seat = calloc(r->cap, sizeof *r->seat);
	return r->seat == NULL ? CADRE_ENOMEM : 0;
}

static int
bb_room_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_room *r = (struct bb_room *)self;
	cadre_system *sys = cadre_actor_system(self);

	switch (m->type) {
	case M_ENTER:
		if (!r->busy) {
			r->busy = true;
			r->rep.immediate++;
			return cadre_send(sys, r->barber, M_CUT, &m->sender, sizeof m->sender);
		}
		if (r->len < r->cap) {
			r->seat[(r->head + r->len++) % r->cap] = m->sender;
			r->rep.waited++;
			return cadre_send(sys, m->sender, M_WAIT, NULL, 0);
		}
		r->rep.turned++;
		return cadre_send(sys, m->sender, M_FULL, NULL, 0);
	case M_NEXT:
		if (!r->busy)
			return BAD("barber: the room was asked for the next customer by a sleeping "
			           "barber");
		if (r->len == 0) {
			r->busy = false;
			return 0;
		}
		{
			cadre_ref c = r->seat[r->head];
			r->head = (r->head + 1) % r->cap;
			r->len--;
			return cadre_send(sys, r->barber, M_CUT, &c, sizeof c);
		}
	case M_EXIT: {
		if (r->busy || r->len != 0)
			return BAD("barber: room closed with %" PRIu64 " waiting", r->len);
		int rc = cadre_send(sys, m->sender, M_REPORT, &r->rep, sizeof r->rep);
		if (rc == 0)
			rc = cadre_send(sys, r->barber, M_EXIT, NULL, 0);
		return rc != 0 ? rc : cadre_stop(self);
	}
	default:
		break;
	}
	return BAD("barber room: unexpected message type %" PRIu32, m->type);
}

static void
bb_room_stop(cadre_actor *self, const cadre_exit *why)
{
	struct bb_room *r = (struct bb_room *)self;

	free(r->seat);
	on_stop(self, why);
}

static const cadre_behaviour bb_room_beh = {.size = sizeof(struct bb_room),
                                            .start = bb_room_start,
                                            .receive = bb_room_receive,
                                            .stop = bb_room_stop,
                                            .name = "waiting_room"};

struct bb_barber {
	cadre_actor base;
	uint64_t cuts, rng;
};

static int
bb_barber_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_barber *b = (struct bb_barber *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type == M_CUT && m->size == sizeof(cadre_ref)) {
		cadre_ref c;
		memcpy(&c, m->data, sizeof c);
		spin(rng_next(&b->rng) % (g_run.sz.barber_ahr + 1));
		b->cuts++;
		/* The room first: the customer's M_SERVED (and so the factory's
		 * M_EXIT to the room) comes after this M_NEXT. */
		int rc = cadre_send(sys, m->sender, M_NEXT, NULL, 0);
		return rc != 0 ? rc : cadre_send(sys, c, M_DONE, NULL, 0);
	}
	if (m->type == M_EXIT) {
		int rc = send_u64(sys, g_run.first, M_REPORT, b->cuts);
		return rc != 0 ? rc : cadre_stop(self);
	}
	return BAD("barber: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bb_barber_beh = {.size = sizeof(struct bb_barber),
                                              .receive = bb_barber_receive,
                                              .stop = on_stop,
                                              .name = "barber"};

static int
bb_factory_step(cadre_actor *self)
{
	struct bb_factory *f = (struct bb_factory *)self;
	cadre_system *sys = cadre_actor_system(self);
	cadre_ref c;

	spin(rng_next(&f->rng) % (g_run.sz.barber_apr + 1));
	int rc = cadre_spawn(sys, &bb_customer_beh, NULL, &f->room, &c);
	if (rc != 0)
		return rc;
	return ++f->spawned < f->n ? send_self(self, M_CONT) : 0;
}

static int
bb_factory_start(cadre_actor *self, void *arg)
{
	struct bb_factory *f = (struct bb_factory *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	f->n = g_run.sz.barber_n;
	f->rng = 0xba4be4;
	g_run.first = cadre_self(self);
	int rc = cadre_spawn(sys, &bb_barber_beh, NULL, NULL, &f->barber);
	if (rc == 0)
		rc = cadre_spawn(sys, &bb_room_beh, NULL, &f->barber, &f->room);
	return rc != 0 ? rc : bb_factory_step(self);
}

static int
bb_factory_receive(cadre_actor *self, const cadre_msg *m)
{
	struct bb_factory *f = (struct bb_factory *)self;

	switch (m->type) {
	case M_CONT:
		return bb_factory_step(self);
	case M_SERVED:
	case M_TURNED:
		if (m->type == M_SERVED)
			f->served++;
		else
			f->turned++;
		if (f->served + f->turned < f->n)
			return 0;
		return cadre_send(cadre_actor_system(self), f->room, M_EXIT, NULL, 0);
	case M_REPORT:
		if (m->size == sizeof f->room_rep)
			memcpy(&f->room_rep, m->data, sizeof f->room_rep);
		else if (!get_u64(m, &f->cuts))
			break;
		if (++f->reports < 2)
			return 0;
		g_run.result = f->served + f->turned;
		g_run.extra[0] = f->room_rep.waited;
		g_run.extra[1] = f->turned;
		g_run.extra[2] = f->served;
		if (f->served + f->turned != f->n || f->cuts != f->served ||
		    f->room_rep.turned != f->turned ||
		    f->room_rep.immediate + f->room_rep.waited != f->served)
			return BAD("barber: %" PRIu64 " served + %" PRIu64
			           " turned away of %" PRIu64 " customers; barber: %" PRIu64
			           " cuts; room: %" PRIu64 " + %" PRIu64 " seated, %" PRIu64
			           " turned away",
			           f->served, f->turned, f->n, f->cuts, f->room_rep.immediate,
			           f->room_rep.waited, f->room_rep.turned);
		run_done();
		return cadre_stop(self);
	default:
		break;
	}
	return BAD("barber factory: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour bb_factory_beh = {.size = sizeof(struct bb_factory),
                                               .start = bb_factory_start,
                                               .receive = bb_factory_receive,
                                               .stop = on_stop,
                                               .name = "customer_factory"};

/* ---- dictionary --------------------------------------------------------------------------------
 * Savina's concurrent dictionary: W workers each make M requests to one
 * dictionary actor (an open-addressing hash table), a write with the given
 * percentage, else a read, and wait for each answer. Writes go to the
 * worker's own K keys (so the final contents do not depend on timing);
 * reads go anywhere, and a read of an own key must return the last value
 * this worker wrote. Then the master has the dictionary copy its contents
 * out (M_DUMP), and checks them against main's sequential replay.
 * Messages: 2WM + W + 2. */
#define DICT_KEYS 1024 /* per worker */

struct dict_kv {
	uint64_t key, value; /* value 0: absent */
};

struct dict_dict {
	cadre_actor base;
	struct dict_kv *slot;
	uint64_t mask, count;
};

static uint64_t
dict_find(const struct dict_dict *d, uint64_t key)
{
	uint64_t i = splitmix64(key) & d->mask;

	while (d->slot[i].value != 0 && d->slot[i].key != key)
		i = (i + 1) & d->mask;
	return i;
}

static int
dict_start(cadre_actor *self, void *arg)
{
	struct dict_dict *d = (struct dict_dict *)self;
	uint64_t cap = 16;

	(void)arg;
	while (cap < 2 * g_run.sz.dictionary_w * DICT_KEYS)
		cap *= 2;
	d->mask = cap - 1;
	d->slot = calloc(cap, sizeof *d->slot);
	return d->slot == NULL ? CADRE_ENOMEM : 0;
}

static int
dict_receive(cadre_actor *self, const cadre_msg *m)
{
	struct dict_dict *d = (struct dict_dict *)self;
	cadre_system *sys = cadre_actor_system(self);
	struct dict_kv kv;

	if ((m->type == M_WRITE || m->type == M_READ) && m->size == sizeof kv) {
		memcpy(&kv, m->data, sizeof kv);
		uint64_t i = dict_find(d, kv.key);
		if (m->type == M_WRITE) {
			if (kv.value == 0)
				return BAD("dictionary: write of value 0");
			if (d->slot[i].value == 0)
				d->count++;
			d->slot[i] = kv;
		} else {
			kv.value = d->slot[i].value;
		}
		return cadre_send(sys, m->sender, M_VALUE, &kv, sizeof kv);
	}
	if (m->type != M_DUMP)
		return BAD("dictionary: unexpected message type %" PRIu32, m->type);
	struct dict_kv *out = g_run.data;
	uint64_t k = 0;
	for (uint64_t i = 0; i <= d->mask; i++)
		if (d->slot[i].value != 0)
			out[k++] = d->slot[i];
	int rc = send_u64(sys, m->sender, M_DUMPED, k);
	return rc != 0 ? rc : cadre_stop(self);
}

static void
dict_stop(cadre_actor *self, const cadre_exit *why)
{
	struct dict_dict *d = (struct dict_dict *)self;

	free(d->slot);
	on_stop(self, why);
}

static const cadre_behaviour dict_beh = {.size = sizeof(struct dict_dict),
                                         .start = dict_start,
                                         .receive = dict_receive,
                                         .stop = dict_stop,
                                         .name = "dictionary"};

/* The i-th request of worker w: a write of (key, value), or a read of key. */
static bool
dict_op(uint64_t *rng, uint64_t w, uint64_t i, uint64_t workers, struct dict_kv *kv)
{
	uint64_t r = rng_next(rng);

	if (r % 100 < g_run.sz.dictionary_write) {
		kv->key = w * DICT_KEYS + (r >> 8) % DICT_KEYS;
		kv->value = ((w + 1) << 40) | (i + 1);
		return true;
	}
	kv->key = (r >> 8) % (workers * DICT_KEYS);
	kv->value = 0;
	return false;
}

struct dict_worker {
	cadre_actor base;
	cadre_ref dict, master;
	uint64_t index, i, n, rng;
	uint64_t last[DICT_KEYS]; /* the last value written to each own key */
};

static int
dict_worker_next(struct dict_worker *w)
{
	cadre_system *sys = cadre_actor_system(&w->base);
	struct dict_kv kv;

	if (w->i == w->n) {
		int rc = cadre_send(sys, w->master, M_DONE, NULL, 0);
		return rc != 0 ? rc : cadre_stop(&w->base);
	}
	bool write = dict_op(&w->rng, w->index, w->i, g_run.sz.dictionary_w, &kv);
	if (write)
		w->last[kv.key % DICT_KEYS] = kv.value;
	w->i++;
	return cadre_send(sys, w->dict, write ? M_WRITE : M_READ, &kv, sizeof kv);
}

static int
dict_worker_start(cadre_actor *self, void *arg)
{
	struct dict_worker *w = (struct dict_worker *)self;

	w->index = (uint64_t)(uintptr_t)arg;
	w->n = g_run.sz.dictionary_m;
	w->rng = splitmix64(w->index + 0xd1c7);
	w->master = g_run.first;
	w->dict = g_run.second;
	return dict_worker_next(w);
}

static int
dict_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct dict_worker *w = (struct dict_worker *)self;
	struct dict_kv kv;

	if (m->type != M_VALUE || m->size != sizeof kv)
		return BAD("dictionary worker: unexpected message type %" PRIu32, m->type);
	memcpy(&kv, m->data, sizeof kv);
	if (kv.key / DICT_KEYS == w->index && kv.value != w->last[kv.key % DICT_KEYS])
		return BAD("dictionary: worker %" PRIu64 " read %" PRIx64 " at key %" PRIu64
		           ", wrote %" PRIx64,
		           w->index, kv.value, kv.key, w->last[kv.key % DICT_KEYS]);
	return dict_worker_next(w);
}

static const cadre_behaviour dict_worker_beh = {.size = sizeof(struct dict_worker),
                                                .start = dict_worker_start,
                                                .receive = dict_worker_receive,
                                                .stop = on_stop,
                                                .name = "dictionary_worker"};

struct dict_master {
	cadre_actor base;
	cadre_ref dict;
	uint64_t workers, dones;
};

static int
dict_master_start(cadre_actor *self, void *arg)
{
	struct dict_master *ms = (struct dict_master *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	ms->workers = g_run.sz.dictionary_w;
	int rc = cadre_spawn(sys, &dict_beh, NULL, NULL, &ms->dict);
	if (rc != 0)
		return rc;
	g_run.first = cadre_self(self);
	g_run.second = ms->dict;
	for (uint64_t i = 0; i < ms->workers; i++) {
		cadre_ref r;
		rc = cadre_spawn(sys, &dict_worker_beh, NULL, (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
dict_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct dict_master *ms = (struct dict_master *)self;
	uint64_t n = 0;

	if (m->type == M_DONE)
		return ++ms->dones < ms->workers
		               ? 0
		               : cadre_send(cadre_actor_system(self), ms->dict, M_DUMP, NULL, 0);
	if (m->type != M_DUMPED || !get_u64(m, &n) || ms->dones != ms->workers)
		return BAD("dictionary master: unexpected message type %" PRIu32, m->type);
	const struct dict_kv *got = g_run.data;
	const uint64_t *want = g_run.expect_vals;
	uint64_t keys = ms->workers * DICT_KEYS, present = 0;
	for (uint64_t k = 0; k < keys; k++)
		present += want[k] != 0;
	g_run.result = n;
	if (n != present)
		return BAD("dictionary: %" PRIu64 " entries, expected %" PRIu64, n, present);
	for (uint64_t i = 0; i < n; i++)
		if (got[i].key >= keys || want[got[i].key] != got[i].value)
			return BAD(
			        "dictionary: key %" PRIu64 " holds %" PRIx64 ", expected %" PRIx64,
			        got[i].key, got[i].value, got[i].key < keys ? want[got[i].key] : 0);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour dict_master_beh = {.size = sizeof(struct dict_master),
                                                .start = dict_master_start,
                                                .receive = dict_master_receive,
                                                .stop = on_stop,
                                                .name = "dictionary_master"};

/* ---- logmap -------------------------------------------------------------------------------------
 * Savina's logistic map: S series actors, each with its own rate computer;
 * a series sends its term to its computer (M_COMPUTE), which answers
 * r x (1 - x) (M_RESULT); after T terms the series sends its last term
 * to the master (M_TERM), closes its computer and stops. The master checks
 * every term, and their sum in series order, bit for bit against main's
 * sequential computation (the same operations in the same order).
 * Messages: 2ST + 2S. */
#define LOGMAP_RATE0 3.46
#define LOGMAP_STEP 0.0025

static double
logmap_rate(uint64_t i)
{
	return LOGMAP_RATE0 + (double)i * LOGMAP_STEP;
}

static double
logmap_x0(uint64_t i)
{
	return (double)(i + 1) * LOGMAP_STEP;
}

struct lm_term {
	double x;
	uint64_t index;
};

static int
lm_computer_receive(cadre_actor *self, const cadre_msg *m)
{
	double x, rate = 0;

	if (m->type == M_EXIT)
		return cadre_stop(self);
	if (m->type != M_COMPUTE || m->size != 2 * sizeof(double))
		return BAD("logmap computer: unexpected message type %" PRIu32, m->type);
	memcpy(&x, m->data, sizeof x);
	memcpy(&rate, (const char *)m->data + sizeof x, sizeof rate);
	x = rate * x * (1.0 - x);
	return cadre_send(cadre_actor_system(self), m->sender, M_RESULT, &x, sizeof x);
}

static const cadre_behaviour lm_computer_beh = {.size = sizeof(cadre_actor),
                                                .receive = lm_computer_receive,
                                                .stop = on_stop,
                                                .name = "rate_computer"};

struct lm_series {
	cadre_actor base;
	cadre_ref computer;
	uint64_t index, terms, n;
	double xr[2]; /* the term and the rate */
};

static int
lm_series_start(cadre_actor *self, void *arg)
{
	struct lm_series *s = (struct lm_series *)self;
	cadre_system *sys = cadre_actor_system(self);

	s->index = (uint64_t)(uintptr_t)arg;
	s->n = g_run.sz.logmap_t;
	s->xr[0] = logmap_x0(s->index);
	s->xr[1] = logmap_rate(s->index);
	int rc = cadre_spawn(sys, &lm_computer_beh, NULL, NULL, &s->computer);
	return rc != 0 ? rc : cadre_send(sys, s->computer, M_COMPUTE, s->xr, sizeof s->xr);
}

static int
lm_series_receive(cadre_actor *self, const cadre_msg *m)
{
	struct lm_series *s = (struct lm_series *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (m->type != M_RESULT || m->size != sizeof(double))
		return BAD("logmap series: unexpected message type %" PRIu32, m->type);
	memcpy(&s->xr[0], m->data, sizeof(double));
	if (++s->terms < s->n)
		return cadre_send(sys, s->computer, M_COMPUTE, s->xr, sizeof s->xr);
	struct lm_term t = {.x = s->xr[0], .index = s->index};
	int rc = cadre_send(sys, g_run.first, M_TERM, &t, sizeof t);
	if (rc == 0)
		rc = cadre_send(sys, s->computer, M_EXIT, NULL, 0);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour lm_series_beh = {.size = sizeof(struct lm_series),
                                              .start = lm_series_start,
                                              .receive = lm_series_receive,
                                              .stop = on_stop,
                                              .name = "logmap_series"};

struct lm_master {
	cadre_actor base;
	uint64_t series, got;
};

static int
lm_master_start(cadre_actor *self, void *arg)
{
	struct lm_master *ms = (struct lm_master *)self;

	(void)arg;
	ms->series = g_run.sz.logmap_s;
	g_run.first = cadre_self(self);
	for (uint64_t i = 0; i < ms->series; i++) {
		cadre_ref r;
		int rc = cadre_spawn(cadre_actor_system(self), &lm_series_beh, NULL,
		                     (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
lm_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct lm_master *ms = (struct lm_master *)self;
	double *terms = g_run.data;
	const double *want = g_run.dexpect;
	struct lm_term t;

	if (m->type != M_TERM || m->size != sizeof t)
		return BAD("logmap master: unexpected message type %" PRIu32, m->type);
	memcpy(&t, m->data, sizeof t);
	if (t.index >= ms->series)
		return BAD("logmap: term of series %" PRIu64, t.index);
	terms[t.index] = t.x;
	if (++ms->got < ms->series)
		return 0;
	double sum = 0;
	for (uint64_t i = 0; i < ms->series; i++) {
		if (terms[i] != want[i])
			return BAD("logmap: series %" PRIu64 " ends at %.17g, expected %.17g", i,
			           terms[i], want[i]);
		sum += terms[i];
	}
	if (sum != want[ms->series])
		return BAD("logmap: sum %.17g, expected %.17g", sum, want[ms->series]);
	g_run.result = ms->got;
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour lm_master_beh = {.size = sizeof(struct lm_master),
                                              .start = lm_master_start,
                                              .receive = lm_master_receive,
                                              .stop = on_stop,
                                              .name = "logmap_master"};

/* ---- trapezoid ----------------------------------------------------------------------------------
 * Savina's trapezoidal approximation: the master splits N pieces of
 * [TRAP_LEFT, TRAP_RIGHT] among W workers (M_WORK), each integrates its
 * share and answers its area (M_RESULT) and stops; the master sums them and
 * checks the sum against main's sequential integration within 1e-9
 * (relative). f is 4 / (1 + x^2) on [0, 1] (area pi), in plain arithmetic:
 * this program is not linked with libm. Messages: 2W. */
#define TRAP_LEFT 0.0
#define TRAP_RIGHT 1.0

static double
trap_f(double x)
{
	return 4.0 / (1.0 + x * x);
}

/* The area of pieces [from, to) of n. */
static double
trap_area(uint64_t from, uint64_t to, uint64_t n)
{
	double h = (TRAP_RIGHT - TRAP_LEFT) / (double)n, sum = 0;
	double fl = trap_f(TRAP_LEFT + (double)from * h);

	for (uint64_t j = from; j < to; j++) {
		double fr = trap_f(TRAP_LEFT + (double)(j + 1) * h);
		sum += fl + fr;
		fl = fr;
	}
	return sum * h / 2;
}

struct trap_work {
	uint64_t from, to, n;
};

static int
trap_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct trap_work w;

	if (m->type != M_WORK || m->size != sizeof w)
		return BAD("trapezoid worker: unexpected message type %" PRIu32, m->type);
	memcpy(&w, m->data, sizeof w);
	double a = trap_area(w.from, w.to, w.n);
	int rc = cadre_send(cadre_actor_system(self), m->sender, M_RESULT, &a, sizeof a);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour trap_worker_beh = {.size = sizeof(cadre_actor),
                                                .receive = trap_worker_receive,
                                                .stop = on_stop,
                                                .name = "trapezoid_worker"};

struct trap_master {
	cadre_actor base;
	uint64_t workers, got;
	double area;
};

static int
trap_master_start(cadre_actor *self, void *arg)
{
	struct trap_master *t = (struct trap_master *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t n = g_run.sz.trapezoid_n;

	(void)arg;
	t->workers = g_run.sz.trapezoid_w;
	for (uint64_t i = 0; i < t->workers; i++) {
		struct trap_work w = {
		        .from = n * i / t->workers, .to = n * (i + 1) / t->workers, .n = n};
		cadre_ref r;
		int rc = cadre_spawn(sys, &trap_worker_beh, NULL, NULL, &r);
		if (rc == 0)
			rc = cadre_send(sys, r, M_WORK, &w, sizeof w);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
trap_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct trap_master *t = (struct trap_master *)self;
	double a;

	if (m->type != M_RESULT || m->size != sizeof a)
		return BAD("trapezoid master: unexpected message type %" PRIu32, m->type);
	memcpy(&a, m->data, sizeof a);
	t->area += a;
	if (++t->got < t->workers)
		return 0;
	double want = g_run.dexpect[0], err = (t->area - want) / want;
	g_run.result = t->got;
	if (!(err <= 1e-9 && err >= -1e-9))
		return BAD("trapezoid: area %.17g, sequentially %.17g", t->area, want);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour trap_master_beh = {.size = sizeof(struct trap_master),
                                                .start = trap_master_start,
                                                .receive = trap_master_receive,
                                                .stop = on_stop,
                                                .name = "trapezoid_master"};

/* ---- nqueens ---------------------------------------------------------------------------------------
 * Savina's N-queens (first solutions, here: all of them): a master hands
 * partial boards (M_WORK) round-robin to W workers. A worker expands a
 * board with fewer than THRESHOLD queens into its valid children, which it
 * sends to the master (M_CHILD) to hand out, and counts a deeper board's
 * solutions sequentially; either way it then reports (M_RESULT: solutions
 * and children). A worker's children precede its result (FIFO per pair),
 * so the master's count of outstanding boards reaches 0 only at the end.
 * The total must be the known count for N, and the boards handed out the
 * number main counts. Messages: 3B - 1 + W, with B the boards. */
static const uint64_t nq_known[] = {1,      1,       0,        0,        2,        10,    4,
                                    40,     92,      352,      724,      2680,     14200, 73712,
                                    365596, 2279184, 14772512, 95815104, 666090624};
_Static_assert(sizeof nq_known / sizeof nq_known[0] == 18 + 1,
               "nq_known covers every --nqueens-n (at most 18, size_opts)");

struct nq_board {
	uint32_t cols, d1, d2, placed;
};

struct nq_result {
	uint64_t solutions, children;
};

static uint64_t
nq_count(uint32_t all, uint32_t cols, uint32_t d1, uint32_t d2)
{
	if (cols == all)
		return 1;
	uint64_t n = 0;
	uint32_t free_ = all & ~(cols | d1 | d2);
	while (free_ != 0) {
		uint32_t bit = free_ & (~free_ + 1);
		free_ -= bit;
		n += nq_count(all, cols | bit, ((d1 | bit) << 1) & all, (d2 | bit) >> 1);
	}
	return n;
}

/* Boards handed out: the valid partial boards with at most THRESHOLD queens. */
static uint64_t
nq_boards(uint32_t all, struct nq_board b, uint64_t threshold)
{
	uint64_t n = 1;

	if (b.placed >= threshold || b.cols == all)
		return n;
	uint32_t free_ = all & ~(b.cols | b.d1 | b.d2);
	while (free_ != 0) {
		uint32_t bit = free_ & (~free_ + 1);
		free_ -= bit;
		struct nq_board c = {b.cols | bit, ((b.d1 | bit) << 1) & all, (b.d2 | bit) >> 1,
		                     b.placed + 1};
		n += nq_boards(all, c, threshold);
	}
	return n;
}

static int
nq_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_system *sys = cadre_actor_system(self);
	uint32_t all = (uint32_t)((1ULL << g_run.sz.nqueens_n) - 1);
	struct nq_result res = {0, 0};
	struct nq_board b;

	if (m->type == M_EXIT)
		return cadre_stop(self);
	if (m->type != M_WORK || m->size != sizeof b)
		return BAD("nqueens worker: unexpected message type %" PRIu32, m->type);
	memcpy(&b, m->data, sizeof b);
	if (b.placed >= g_run.sz.nqueens_t || b.cols == all) {
		res.solutions = nq_count(all, b.cols, b.d1, b.d2);
	} else {
		uint32_t free_ = all & ~(b.cols | b.d1 | b.d2);
		while (free_ != 0) {
			uint32_t bit = free_ & (~free_ + 1);
			free_ -= bit;
			struct nq_board c = {b.cols | bit, ((b.d1 | bit) << 1) & all,
			                     (b.d2 | bit) >> 1, b.placed + 1};
			int rc = cadre_send(sys, m->sender, M_CHILD, &c, sizeof c);
			if (rc != 0)
				return rc;
			res.children++;
		}
	}
	return cadre_send(sys, m->sender, M_RESULT, &res, sizeof res);
}

static const cadre_behaviour nq_worker_beh = {.size = sizeof(cadre_actor),
                                              .receive = nq_worker_receive,
                                              .stop = on_stop,
                                              .name = "nqueens_worker"};

struct nq_master {
	cadre_actor base;
	cadre_ref *workers;
	uint64_t nworkers, next, outstanding, solutions, boards;
};

static int
nq_hand_out(struct nq_master *q, const struct nq_board *b)
{
	cadre_ref to = q->workers[q->next];

	q->next = (q->next + 1) % q->nworkers;
	q->outstanding++;
	q->boards++;
	return cadre_send(cadre_actor_system(&q->base), to, M_WORK, b, sizeof *b);
}

static int
nq_master_start(cadre_actor *self, void *arg)
{
	struct nq_master *q = (struct nq_master *)self;
	struct nq_board root = {0, 0, 0, 0};

	(void)arg;
	q->nworkers = g_run.sz.nqueens_w;
	q->workers = g_run.refs;
	for (uint64_t i = 0; i < q->nworkers; i++) {
		int rc = cadre_spawn(cadre_actor_system(self), &nq_worker_beh, NULL, NULL,
		                     &q->workers[i]);
		if (rc != 0)
			return rc;
	}
	return nq_hand_out(q, &root);
}

static int
nq_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct nq_master *q = (struct nq_master *)self;
	struct nq_board b;
	struct nq_result res;

	if (m->type == M_CHILD && m->size == sizeof b) {
		memcpy(&b, m->data, sizeof b);
		return nq_hand_out(q, &b);
	}
	if (m->type != M_RESULT || m->size != sizeof res)
		return BAD("nqueens master: unexpected message type %" PRIu32, m->type);
	memcpy(&res, m->data, sizeof res);
	q->solutions += res.solutions;
	if (--q->outstanding > 0)
		return 0;
	uint64_t n = g_run.sz.nqueens_n;
	g_run.result = q->solutions;
	if (q->solutions != nq_known[n] || q->boards != g_run.expect)
		return BAD("nqueens: %" PRIu64 " solutions for N = %" PRIu64 " (expected %" PRIu64
		           "), %" PRIu64 " boards (expected %" PRIu64 ")",
		           q->solutions, n, nq_known[n], q->boards, g_run.expect);
	for (uint64_t i = 0; i < q->nworkers; i++) {
		int rc = cadre_send(cadre_actor_system(self), q->workers[i], M_EXIT, NULL, 0);
		if (rc != 0)
			return rc;
	}
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour nq_master_beh = {.size = sizeof(struct nq_master),
                                              .start = nq_master_start,
                                              .receive = nq_master_receive,
                                              .stop = on_stop,
                                              .name = "nqueens_master"};

/* ---- running the further workloads ------------------------------------------------------------ */

/* Runs one workload whose first actor is beh: prep (may be NULL) sets up
 * g_run after run_begin; fix (may be NULL) completes the expected counts
 * from what the workload reported, once it is done. */
static bool
run_custom(const struct options *o, const cadre_behaviour *beh, void (*prep)(void *ctx),
           void (*fix)(struct expect *e, struct sample *s), void *ctx, struct expect *e,
           struct sample *s)
{
	cadre_system *sys = run_begin(o);

	if (sys == NULL)
		return false;
	if (prep != NULL)
		prep(ctx);
	bool ok = spawn_timed(sys, beh, "the workload to complete", s);
	if (ok && !atomic_load(&g_run.failed) && fix != NULL)
		fix(e, s);
	return run_finish(sys, ok, e, s);
}

static bool
wl_chameneos(const struct options *o, struct sample *s)
{
	uint64_t c = o->sz.chameneos_c, n = o->sz.chameneos_n;
	struct expect e = {.handled = 4 * n + 3 * c, .spawned = c + 1};

	s->msgs = 4 * n + 3 * c;
	s->spawns = c + 1;
	bool ok = run_simple(o, &ch_mall_beh, &e, s);
	if (ok && g_run.result != 2 * n) {
		note("%s: FAILED: %" PRIu64 " meetings, expected %" PRIu64, g_bench, g_run.result,
		     2 * n);
		ok = false;
	}
	return ok;
}

struct bank_ctx {
	cadre_ref *refs;
	int64_t *expect;
};

static void
bank_prep(void *ctx)
{
	struct bank_ctx *b = ctx;

	g_run.refs = b->refs;
	g_run.data = b->expect;
}

static bool
wl_bank(const struct options *o, struct sample *s)
{
	uint64_t a = o->sz.bank_a, n = o->sz.bank_n, rng = BANK_SEED;
	struct expect e = {.handled = 4 * n + 2 * a + continues(n, o->sz.slice), .spawned = a + 1};
	struct bank_ctx b = {calloc(a, sizeof *b.refs), calloc(a, sizeof *b.expect)};
	bool ok = b.refs != NULL && b.expect != NULL;

	s->msgs = 4 * n + 2 * a;
	s->spawns = a + 1;
	for (uint64_t i = 0; ok && i < a; i++)
		b.expect[i] = BANK_INITIAL;
	for (uint64_t t = 0; ok && t < n; t++) {
		uint64_t src, dst;
		int64_t amount;
		bank_pick(&rng, a, &src, &dst, &amount);
		b.expect[src] -= amount;
		b.expect[dst] += amount;
	}
	if (!ok)
		note("%s: out of memory", g_bench);
	else
		ok = run_custom(o, &bank_teller_beh, bank_prep, NULL, &b, &e, s);
	free(b.refs);
	free(b.expect);
	return ok;
}

static void
ph_fix(struct expect *e, struct sample *s)
{
	uint64_t p = g_run.sz.philosophers_p, r = g_run.sz.philosophers_r, d = g_run.extra[0];

	e->handled = 3 * p * r + 2 * d + p;
	s->msgs = e->handled;
}

static bool
wl_philosophers(const struct options *o, struct sample *s)
{
	uint64_t p = o->sz.philosophers_p, r = o->sz.philosophers_r;
	struct expect e = {.handled = 3 * p * r + p, .spawned = p + 1};

	s->msgs = e.handled;
	s->spawns = p + 1;
	bool ok = run_custom(o, &ph_arb_beh, NULL, ph_fix, NULL, &e, s);
	if (ok && g_run.result != p * r) {
		note("%s: FAILED: %" PRIu64 " meals, expected %" PRIu64, g_bench, g_run.result,
		     p * r);
		ok = false;
	}
	return ok;
}

static void
bb_fix(struct expect *e, struct sample *s)
{
	uint64_t n = g_run.sz.barber_n, w = g_run.extra[0], f = g_run.extra[1], sv = g_run.extra[2];

	/* continues, enters, waits, fulls, cuts, nexts, dones, serveds,
	 * turneds, two exits, two reports */
	e->handled = (n - 1) + n + w + f + 4 * sv + f + 4;
	s->msgs = e->handled;
}

static bool
wl_barber(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.barber_n;
	struct expect e = {.handled = 0, .spawned = n + 3};

	s->spawns = n + 3;
	bool ok = run_custom(o, &bb_factory_beh, NULL, bb_fix, NULL, &e, s);
	if (ok && (g_run.result != n || g_run.extra[1] + g_run.extra[2] != n)) {
		note("%s: FAILED: %" PRIu64 " served + %" PRIu64 " turned away, expected %" PRIu64,
		     g_bench, g_run.extra[2], g_run.extra[1], n);
		ok = false;
	}
	if (ok && !g_stress)
		note("%s: %" PRIu64 " served (%" PRIu64 " after waiting), %" PRIu64 " turned away",
		     g_bench, g_run.extra[2], g_run.extra[0], g_run.extra[1]);
	return ok;
}

struct dict_ctx {
	struct dict_kv *dump;
	uint64_t *want;
};

static void
dict_prep(void *ctx)
{
	struct dict_ctx *d = ctx;

	g_run.data = d->dump;
	g_run.expect_vals = d->want;
}

static bool
wl_dictionary(const struct options *o, struct sample *s)
{
	uint64_t w = o->sz.dictionary_w, m = o->sz.dictionary_m, keys = w * DICT_KEYS;
	struct expect e = {.handled = 2 * w * m + w + 2, .spawned = w + 2};
	struct dict_ctx d = {calloc(keys, sizeof *d.dump), calloc(keys, sizeof *d.want)};
	bool ok = d.dump != NULL && d.want != NULL;

	s->msgs = e.handled;
	s->spawns = w + 2;
	g_run.sz = o->sz; /* dict_op reads the write percentage */
	for (uint64_t k = 0; ok && k < w; k++) {
		uint64_t rng = splitmix64(k + 0xd1c7);
		for (uint64_t i = 0; i < m; i++) {
			struct dict_kv kv;
			if (dict_op(&rng, k, i, w, &kv))
				d.want[kv.key] = kv.value;
		}
	}
	if (!ok)
		note("%s: out of memory", g_bench);
	else
		ok = run_custom(o, &dict_master_beh, dict_prep, NULL, &d, &e, s);
	free(d.dump);
	free(d.want);
	return ok;
}

struct lm_ctx {
	double *terms, *want;
};

static void
lm_prep(void *ctx)
{
	struct lm_ctx *l = ctx;

	g_run.data = l->terms;
	g_run.dexpect = l->want;
}

static bool
wl_logmap(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.logmap_s, t = o->sz.logmap_t;
	struct expect e = {.handled = 2 * n * t + 2 * n, .spawned = 2 * n + 1};
	struct lm_ctx l = {calloc(n, sizeof *l.terms), calloc(n + 1, sizeof *l.want)};
	bool ok = l.terms != NULL && l.want != NULL;

	s->msgs = e.handled;
	s->spawns = 2 * n + 1;
	for (uint64_t i = 0; ok && i < n; i++) {
		double x = logmap_x0(i), rate = logmap_rate(i);
		for (uint64_t k = 0; k < t; k++)
			x = rate * x * (1.0 - x);
		l.want[i] = x;
		l.want[n] += x;
	}
	if (!ok)
		note("%s: out of memory", g_bench);
	else
		ok = run_custom(o, &lm_master_beh, lm_prep, NULL, &l, &e, s);
	free(l.terms);
	free(l.want);
	return ok;
}

static void
trap_prep(void *ctx)
{
	g_run.dexpect = ctx;
}

static bool
wl_trapezoid(const struct options *o, struct sample *s)
{
	static double want;
	static uint64_t want_n;
	uint64_t w = o->sz.trapezoid_w, n = o->sz.trapezoid_n;
	struct expect e = {.handled = 2 * w, .spawned = w + 1};

	s->msgs = 2 * w;
	s->spawns = w + 1;
	if (want_n != n) { /* the sequential result, once per size */
		want = trap_area(0, n, n);
		want_n = n;
	}
	return run_custom(o, &trap_master_beh, trap_prep, NULL, &want, &e, s);
}

struct nq_ctx {
	cadre_ref *refs;
	uint64_t boards;
};

static void
nq_prep(void *ctx)
{
	const struct nq_ctx *c = ctx;

	g_run.refs = c->refs;
	g_run.expect = c->boards;
}

static bool
wl_nqueens(const struct options *o, struct sample *s)
{
	uint64_t n = o->sz.nqueens_n, w = o->sz.nqueens_w;
	uint32_t all = (uint32_t)((1ULL << n) - 1);
	struct nq_board root = {0, 0, 0, 0};
	uint64_t boards = nq_boards(all, root, o->sz.nqueens_t);
	cadre_ref *refs = calloc(w, sizeof *refs);
	struct nq_ctx ctx = {refs, boards};
	struct expect e = {.handled = 3 * boards - 1 + w, .spawned = w + 1};

	s->msgs = e.handled;
	s->spawns = w + 1;
	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	bool ok = run_custom(o, &nq_master_beh, nq_prep, NULL, &ctx, &e, s);
	if (ok && g_run.result != nq_known[n]) {
		note("%s: FAILED: %" PRIu64 " solutions, expected %" PRIu64, g_bench, g_run.result,
		     nq_known[n]);
		ok = false;
	}
	free(refs);
	return ok;
}

typedef bool (*wl_fn)(const struct options *o, struct sample *s);

static const wl_fn wl_fns[WL_COUNT] = {
        wl_pingpong, wl_counting,  wl_threadring, wl_fanin,        wl_fjthrput, wl_skynet,
        wl_big,      wl_chameneos, wl_bank,       wl_philosophers, wl_barber,   wl_dictionary,
        wl_logmap,   wl_trapezoid, wl_nqueens,    wl_idle,
};

/* ---- one workload: warm-up, runs, medians, the JSON line --------------------------------------- */

struct result {
	bool ran;
	bool ok;
	double secs, mps;
	uint64_t msgs;
};

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
	case WL_CHAMENEOS:
		snprintf(buf, len, "C=%" PRIu64 " N=%" PRIu64, z->chameneos_c, z->chameneos_n);
		break;
	case WL_BANK:
		snprintf(buf, len, "A=%" PRIu64 " N=%" PRIu64, z->bank_a, z->bank_n);
		break;
	case WL_PHILOSOPHERS:
		snprintf(buf, len, "P=%" PRIu64 " R=%" PRIu64, z->philosophers_p,
		         z->philosophers_r);
		break;
	case WL_BARBER:
		snprintf(buf, len, "N=%" PRIu64 " W=%" PRIu64, z->barber_n, z->barber_w);
		break;
	case WL_DICTIONARY:
		snprintf(buf, len, "W=%" PRIu64 " M=%" PRIu64, z->dictionary_w, z->dictionary_m);
		break;
	case WL_LOGMAP:
		snprintf(buf, len, "S=%" PRIu64 " T=%" PRIu64, z->logmap_s, z->logmap_t);
		break;
	case WL_TRAPEZOID:
		snprintf(buf, len, "W=%" PRIu64 " N=%" PRIu64, z->trapezoid_w, z->trapezoid_n);
		break;
	case WL_NQUEENS:
		snprintf(buf, len, "N=%" PRIu64 " T=%" PRIu64 " W=%" PRIu64, z->nqueens_n,
		         z->nqueens_t, z->nqueens_w);
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

/* The JSON lines of this invocation: printed, and kept for --save and
 * --baseline. A line is built with jprintf, then ended with jline_end. */
static char g_line[1024];
static size_t g_line_len;
static char *g_lines;
static size_t g_lines_len, g_lines_cap;

static void __attribute__((format(printf, 1, 2))) jprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(g_line + g_line_len, sizeof g_line - g_line_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		g_line_len += (size_t)n;
	if (g_line_len >= sizeof g_line)
		g_line_len = sizeof g_line - 1;
}

static void
jline_end(void)
{
	fputs(g_line, stdout);
	fflush(stdout);
	if (g_lines_len + g_line_len + 1 > g_lines_cap) {
		size_t cap = (g_lines_cap + g_line_len + 1) * 2;
		char *p = realloc(g_lines, cap);
		if (p == NULL) {
			fprintf(stderr, "cadre-bench: out of memory\n");
			exit(1);
		}
		g_lines = p;
		g_lines_cap = cap;
	}
	memcpy(g_lines + g_lines_len, g_line, g_line_len + 1);
	g_lines_len += g_line_len;
	g_line_len = 0;
	g_line[0] = '\0';
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
			progress_lines("%s (%s, workers %u): warm-up", bn, sz, o->workers);
		else
			progress_lines("%s (%s, workers %u): run %" PRIu32 "/%" PRIu32, bn, sz,
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
	res.secs = bench_median(secs, done); /* sorts secs */
	double lo = done > 0 ? secs[0] : 0, hi = done > 0 ? secs[done - 1] : 0;
	/* A failed result does not count: no rate for it. */
	res.mps = res.ok && res.secs > 0 ? (double)last.msgs / res.secs : 0;

	jprintf("{\"bench\":\"%s\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":%" PRIu64
	        ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu32
	        ",\"stat\":\"median\",\"check\":\"%s\"",
	        bn, o->workers, last.msgs, res.secs, res.mps, done, res.ok ? "ok" : "fail");
	if (w == WL_SKYNET || w == WL_BARBER)
		jprintf(",\"spawns\":%" PRIu64 ",\"sps\":%.1f", last.spawns,
		        res.ok && res.secs > 0 ? (double)last.spawns / res.secs : 0);
	if (w == WL_IDLE)
		jprintf(",\"spawns\":%" PRIu64 ",\"cpu_secs\":%.6f,\"bytes_per_actor\":%.1f",
		        last.spawns, bench_median(cpu, done), bench_median(bpa, done));
	jprintf(",\"min_secs\":%.6f,\"max_secs\":%.6f,\"handled\":%" PRIu64 ",\"dead\":%" PRIu64
	        "}\n",
	        lo, hi, last.handled, last.dead);
	jline_end();

	if (w == WL_IDLE)
		note("%-10s w%u %-22s idle %.3f s: cpu %.4f s, %.1f bytes/actor  %s", bn,
		     o->workers, sz, res.secs, bench_median(cpu, done), bench_median(bpa, done),
		     res.ok ? "ok" : "FAILED");
	else
		note("%-10s w%u %-22s %9.3f Mmsg/s  median %.4f s [%.4f .. %.4f]  %s", bn,
		     o->workers, sz, res.mps / 1e6, res.secs, lo, hi, res.ok ? "ok" : "FAILED");
	free(secs);
	free(cpu);
	free(bpa);
	return res;
}

/* ---- stress: the workloads over and over, every check on ------------------------------------- */

static int
run_stress(const struct options *o)
{
	unsigned mask = o->only != 0 ? o->only : ~0u;
	uint64_t msgs = 0, runs = 0, per[WL_COUNT] = {0};
	const char *failed = NULL;
	double t0 = bench_now(), limit = o->stress_secs > 0 ? (double)o->stress_secs : 0;
	double shown = -5;

	mask &= ~(1u << WL_IDLE); /* it sleeps, in a child process: not a soak */
	mask &= (1u << WL_COUNT) - 1;
	if (mask == 0) {
		fprintf(stderr, "cadre-bench: --stress: no workload to run (idle is left out)\n");
		return 2;
	}
	g_stress = true;
	int n = snprintf(watchdog_line, sizeof watchdog_line,
	                 "{\"bench\":\"stress\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":0,"
	                 "\"secs\":0,\"mps\":0,\"runs\":0,\"stat\":\"total\",\"check\":\"fail\"}\n",
	                 o->workers);
	watchdog_len = n > 0 && (size_t)n < sizeof watchdog_line ? (size_t)n : 0;
	for (int w = 0; failed == NULL;) {
		double el = bench_now() - t0;
		if ((limit > 0 && el >= limit) || (o->stress_msgs > 0 && msgs >= o->stress_msgs))
			break;
		while ((mask & (1u << w)) == 0)
			w = (w + 1) % WL_COUNT;
		struct sample s;
		memset(&s, 0, sizeof s);
		g_bench = wl_names[w];
		if (progress_tty() || el >= shown + 5) { /* plain lines: one per 5 s */
			shown = el;
			progress_lines("stress (workers %u): %" PRIu64 " runs, %.0f s, %" PRIu64
			               " msgs; now %s",
			               o->workers, runs, el, msgs, wl_names[w]);
		}
		if (!wl_fns[w](o, &s))
			failed = wl_names[w];
		runs++;
		per[w]++;
		msgs += s.msgs;
		w = (w + 1) % WL_COUNT;
	}
	double secs = bench_now() - t0;

	jprintf("{\"bench\":\"stress\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":%" PRIu64
	        ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu64
	        ",\"stat\":\"total\",\"check\":\"%s\"",
	        o->workers, msgs, secs, secs > 0 ? (double)msgs / secs : 0, runs,
	        failed == NULL ? "ok" : "fail");
	if (failed != NULL)
		jprintf(",\"failed\":\"%s\"", failed);
	jprintf("}\n");
	jline_end();
	note("stress (workers %u): %" PRIu64 " runs, %" PRIu64 " msgs in %.1f s: %s%s", o->workers,
	     runs, msgs, secs, failed == NULL ? "ok" : "FAILED in ", failed == NULL ? "" : failed);
	for (int w = 0; w < WL_COUNT; w++)
		if (per[w] > 0)
			fprintf(stderr, "  %-13s %6" PRIu64 " runs\n", wl_names[w], per[w]);
	return failed == NULL ? 0 : 1;
}

/* ---- baselines: --save and --baseline ------------------------------------------------------------ */

/* A field of a JSON Lines object as written by the benchmarks (flat, no
 * nesting): a string into buf, or a number. */
static bool
json_str(const char *line, const char *key, char *buf, size_t len)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p != '"')
		return false;
	p++;
	size_t k = 0;
	while (*p != '\0' && *p != '"' && k + 1 < len)
		buf[k++] = *p++;
	buf[k] = '\0';
	return *p == '"';
}

static bool
json_num(const char *line, const char *key, double *v)
{
	char pat[64], *end;
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	*v = strtod(p, &end);
	return end != p;
}

struct bline {
	char bench[48], impl[32], check[8];
	double workers, secs, min_secs, max_secs;
};

static bool
bline_parse(const char *line, struct bline *b)
{
	memset(b, 0, sizeof *b);
	if (!json_str(line, "bench", b->bench, sizeof b->bench) ||
	    !json_str(line, "impl", b->impl, sizeof b->impl) ||
	    !json_num(line, "workers", &b->workers) || !json_num(line, "secs", &b->secs))
		return false;
	if (!json_str(line, "check", b->check, sizeof b->check))
		b->check[0] = '\0';
	if (!json_num(line, "min_secs", &b->min_secs) || !json_num(line, "max_secs", &b->max_secs))
		b->min_secs = b->max_secs = b->secs; /* no spread known */
	return true;
}

/* Parses every line of text (modified: lines are cut at newlines). */
static size_t
blines_of(char *text, struct bline **out)
{
	size_t n = 0, cap = 0;
	struct bline *v = NULL;

	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		struct bline b;
		if (!bline_parse(line, &b))
			continue;
		if (n == cap) {
			cap = cap * 2 + 16;
			struct bline *p = realloc(v, cap * sizeof *v);
			if (p == NULL) {
				fprintf(stderr, "cadre-bench: out of memory\n");
				exit(1);
			}
			v = p;
		}
		v[n++] = b;
	}
	*out = v;
	return n;
}

static double
rel_spread(const struct bline *b)
{
	return b->secs > 0 ? (b->max_secs - b->min_secs) / b->secs : 0;
}

static void
save_lines(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(g_lines, 1, g_lines_len, f) != g_lines_len || fclose(f) != 0) {
		fprintf(stderr, "cadre-bench: --save %s: %s\n", path, strerror(errno));
		exit(1);
	}
	note("cadre-bench: %s: saved the JSON lines of this run", path);
}

/* Compares this run's lines with the baseline's per (bench, impl,
 * workers). Returns true if a regression was flagged: the current median
 * slower than the baseline's by more than the noise, max(10%, 3 x the
 * larger relative spread (max - min) / median of the two). */
static bool
compare_baseline(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, *cur_text;
	size_t len = 0;
	struct bline *base, *cur;
	bool regressed = false;

	if (f == NULL) {
		fprintf(stderr, "cadre-bench: --baseline %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (;;) {
		char *p = realloc(text, len + 65536 + 1);
		if (p == NULL) {
			fprintf(stderr, "cadre-bench: out of memory\n");
			exit(1);
		}
		text = p;
		size_t got = fread(text + len, 1, 65536, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	text[len] = '\0';
	cur_text = strdup(g_lines != NULL ? g_lines : "");
	if (cur_text == NULL) {
		fprintf(stderr, "cadre-bench: out of memory\n");
		exit(1);
	}
	size_t nb = blines_of(text, &base), nc = blines_of(cur_text, &cur);

	fprintf(stderr,
	        "\ncadre-bench: against the baseline %s (median secs; noise = max(10%%, "
	        "3 x relative spread))\n",
	        path);
	fprintf(stderr, "%-13s %-8s %3s %11s %11s %7s %7s  %s\n", "bench", "impl", "w", "base s",
	        "now s", "ratio", "noise", "verdict");
	for (size_t i = 0; i < nc; i++) {
		const struct bline *c = &cur[i], *b = NULL;
		if (strcmp(c->bench, "idle") == 0 || strcmp(c->bench, "stress") == 0)
			continue; /* their secs are not a speed */
		for (size_t k = 0; k < nb; k++)
			if (strcmp(base[k].bench, c->bench) == 0 &&
			    strcmp(base[k].impl, c->impl) == 0 && base[k].workers == c->workers)
				b = &base[k]; /* the last one in the file wins */
		if (b == NULL) {
			fprintf(stderr, "%-13s %-8s %3.0f %11s %11.4f %7s %7s  %s\n", c->bench,
			        c->impl, c->workers, "-", c->secs, "-", "-", "not in the baseline");
			continue;
		}
		if (strcmp(c->check, "ok") != 0 || strcmp(b->check, "ok") != 0 || b->secs <= 0 ||
		    c->secs <= 0) {
			fprintf(stderr, "%-13s %-8s %3.0f %11.4f %11.4f %7s %7s  %s\n", c->bench,
			        c->impl, c->workers, b->secs, c->secs, "-", "-",
			        "not compared: a check failed");
			continue;
		}
		double ratio = c->secs / b->secs;
		double sp = rel_spread(c) > rel_spread(b) ? rel_spread(c) : rel_spread(b);
		double noise = 3 * sp > 0.10 ? 3 * sp : 0.10;
		const char *verdict = "same (within noise)";
		if (ratio > 1 + noise) {
			verdict = "REGRESSION";
			regressed = true;
		} else if (ratio < 1 / (1 + noise)) {
			verdict = "faster";
		}
		fprintf(stderr, "%-13s %-8s %3.0f %11.4f %11.4f %7.3f %6.0f%%  %s\n", c->bench,
		        c->impl, c->workers, b->secs, c->secs, ratio, noise * 100, verdict);
	}
	if (regressed)
		fprintf(stderr, "cadre-bench: regression against %s (exit status 3)\n", path);
	free(base);
	free(cur);
	free(text);
	free(cur_text);
	return regressed;
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
	        "big,\n"
	        "                  chameneos, bank, philosophers, barber, dictionary, logmap,\n"
	        "                  trapezoid, nqueens, idle\n"
	        "  --timeout SECS  a run that takes longer fails (default %d)\n"
	        "  --stress SECS   soak: run the workloads (--only, else all but idle) in turn\n"
	        "                  at --quick sizes, one run each, until SECS pass; every\n"
	        "                  check on; one JSON line, bench \"stress\"; exit 1 on a failure\n"
	        "  --stress-msgs N soak until N messages (with --stress: whichever comes first)\n"
	        "  --save FILE     also write this run's JSON lines to FILE\n"
	        "  --compare       then run the same workloads on the installed peers (Go, "
	        "Erlang,\n"
	        "                  CAF, rawc: tools/peers/run-peers.sh, missing ones skipped) "
	        "with\n"
	        "                  the same workers, runs and sizes, and print cadre/peer ratios\n"
	        "  --peers-script F  the run-peers.sh to use (default: the source tree's, or\n"
	        "                  $CADRE_PEERS_SCRIPT)\n"
	        "  --baseline FILE compare the medians with FILE's per (bench, impl, workers);\n"
	        "                  a table on stderr; exit 3 if slower by more than the noise,\n"
	        "                  max(10%%, 3 x the larger (max-min)/median of the two)\n"
	        "  --no-run-next, --no-backpressure, --no-coalesce, --steal-after-us N\n"
	        "                  ablations: the cadre_config fields of those names\n"
	        "  --stats         print each run's counters (steals, parks, ...) on stderr\n"
	        "size options (default):\n",
	        DEFAULT_WORKERS, DEFAULT_RUNS, DEFAULT_TIMEOUT_S);
	for (size_t i = 0; i < NSIZES; i++)
		fprintf(f, "  %-18s %s (%" PRIu64 ")%s\n", size_opts[i].name, size_opts[i].help,
		        size_opts[i].dflt, size_opts[i].quick ? " *" : "");
	fprintf(f, "JSON Lines on stdout (shared/BENCH.md), progress and a summary on stderr.\n");
}

/* --only's value: a mask of workloads, one bit per name. */
static unsigned
parse_only(struct bench_args *a)
{
	const char *p = bench_args_value(a);
	unsigned mask = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		int found = -1;

		for (int w = 0; w < WL_COUNT; w++)
			if (strlen(wl_names[w]) == len && strncmp(p, wl_names[w], len) == 0)
				found = w;
		if (found < 0)
			bench_args_bad(a);
		mask |= 1u << found;
		p += len;
		if (*p == ',')
			p++;
	}
	if (mask == 0)
		bench_args_bad(a);
	return mask;
}

/* A size option (--pingpong-n ...): true if the current argument is one. */
static bool
parse_size(struct bench_args *a, struct options *o)
{
	for (size_t k = 0; k < NSIZES; k++) {
		const struct size_opt *so = &size_opts[k];

		if (!bench_args_is(a, so->name))
			continue;
		*size_at(&o->sz, so->off) = bench_args_u64(a, so->min, so->max);
		return true;
	}
	return false;
}

/* The options that are no size and no mode: true if the current argument
 * is one. */
static bool
parse_setting(struct bench_args *a, struct options *o)
{
	if (bench_args_is(a, "--quick"))
		o->quick = true;
	else if (bench_args_is(a, "--idle-child"))
		o->idle_child = true;
	else if (bench_args_is(a, "--no-run-next"))
		o->no_run_next = true;
	else if (bench_args_is(a, "--no-backpressure"))
		o->no_backpressure = true;
	else if (bench_args_is(a, "--no-coalesce"))
		o->no_coalesce = true;
	else if (bench_args_is(a, "--stats"))
		g_stats = true;
	else if (bench_args_is(a, "--steal-after-us"))
		o->steal_after_us = (unsigned)bench_args_u64(a, 1, 10000000);
	else if (bench_args_is(a, "--workers"))
		o->workers = (unsigned)bench_args_u64(a, 1, 64);
	else if (bench_args_is(a, "--runs"))
		o->runs = (uint32_t)bench_args_u64(a, 1, 1000);
	else if (bench_args_is(a, "--timeout"))
		o->timeout_s = bench_args_u64(a, 1, 86400);
	else if (bench_args_is(a, "--only"))
		o->only = parse_only(a);
	else
		return false;
	return true;
}

/* The modes (--stress, --save, --baseline, --compare): true if the current
 * argument is one of their options. */
static bool
parse_mode(struct bench_args *a, struct options *o)
{
	if (bench_args_is(a, "--stress"))
		o->stress_secs = bench_args_u64(a, 1, 100000000);
	else if (bench_args_is(a, "--stress-msgs"))
		o->stress_msgs = bench_args_u64(a, 1, UINT64_MAX);
	else if (bench_args_is(a, "--save"))
		o->save_path = bench_args_value(a);
	else if (bench_args_is(a, "--baseline"))
		o->baseline_path = bench_args_value(a);
	else if (bench_args_is(a, "--compare"))
		o->compare = true;
	else if (bench_args_is(a, "--peers-script"))
		o->peers_script = bench_args_value(a);
	else
		return false;
	return true;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	struct bench_args a;

	bench_args_init(&a, argc, argv, "cadre-bench", usage);
	while (bench_args_next(&a))
		if (!parse_setting(&a, o) && !parse_mode(&a, o) && !parse_size(&a, o))
			bench_args_bad(&a);
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
	if (o->quick && o->sz.nqueens_n > 6)
		o->sz.nqueens_n -= 2;
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

/* ---- --compare: the peers side by side ---------------------------------------------------------- */
#ifndef CADRE_PEERS_SCRIPT
#define CADRE_PEERS_SCRIPT "tools/peers/run-peers.sh"
#endif

/* The workloads every peer implements (tools/peers/README.md). */
static const char *const peer_benches[] = {"pingpong", "counting", "threadring", "fanin",
                                           "fjthrput", "skynet",   "big"};

/* Runs the peers with our settings; their lines go to stdout and into
 * g_lines; then a table of cadre/peer msgs-per-second ratios on stderr.
 * Returns false if a peer failed its own check. */
static bool
compare_peers(const struct options *o)
{
	const char *script =
	        o->peers_script != NULL ? o->peers_script : getenv("CADRE_PEERS_SCRIPT");
	if (script == NULL)
		script = CADRE_PEERS_SCRIPT;
	char cmd[4096], only[256] = "";
	for (size_t i = 0; i < sizeof peer_benches / sizeof peer_benches[0]; i++) {
		for (int w = 0; w < WL_COUNT; w++) {
			if (strcmp(wl_names[w], peer_benches[i]) != 0 ||
			    (o->only != 0 && (o->only & (1u << w)) == 0))
				continue;
			if (only[0] != '\0')
				strncat(only, ",", sizeof only - strlen(only) - 1);
			strncat(only, peer_benches[i], sizeof only - strlen(only) - 1);
		}
	}
	if (only[0] == '\0') {
		fprintf(stderr, "cadre-bench: --compare: none of these workloads has peers\n");
		return true;
	}
	/* Sizes: the peers take the same size options with the same defaults. */
	char sizes[2048] = "";
	for (size_t k = 0; k < NSIZES; k++) {
		uint64_t v = *size_at((struct sizes *)&o->sz, size_opts[k].off);
		char one[96];
		snprintf(one, sizeof one, " %s %" PRIu64, size_opts[k].name, v);
		for (size_t i = 0; i < sizeof peer_benches / sizeof peer_benches[0]; i++) {
			size_t bl = strlen(peer_benches[i]);
			if (strncmp(size_opts[k].name + 2, peer_benches[i], bl) == 0 &&
			    size_opts[k].name[2 + bl] == '-')
				strncat(sizes, one, sizeof sizes - strlen(sizes) - 1);
		}
	}
	snprintf(cmd, sizeof cmd, "bash '%s' --workers %u --runs %u --only %s%s", script,
	         o->workers, (unsigned)o->runs, only, sizes);
	fprintf(stderr, "cadre-bench: --compare: %s\n", cmd);
	fflush(stdout);
	FILE *p = popen(cmd, "r");
	if (p == NULL) {
		fprintf(stderr, "cadre-bench: --compare: cannot run %s\n", script);
		return false;
	}
	char line[2048];
	while (fgets(line, sizeof line, p) != NULL) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || line[0] != '{')
			continue;
		jprintf("%s\n", line);
		jline_end();
	}
	int st = pclose(p);
	/* The table: rows are workloads, one column per peer found. */
	char *text = strdup(g_lines != NULL ? g_lines : "");
	if (text == NULL)
		return false;
	char impls[8][32];
	int nimpl = 0;
	double mps[16][8] = {{0}}, cadre_mps[16] = {0};
	for (char *l = strtok(text, "\n"); l != NULL; l = strtok(NULL, "\n")) {
		char bench[48], impl[32];
		double v;
		if (!json_str(l, "bench", bench, sizeof bench) ||
		    !json_str(l, "impl", impl, sizeof impl) || !json_num(l, "mps", &v))
			continue;
		size_t bi = 0;
		while (bi < sizeof peer_benches / sizeof peer_benches[0] &&
		       strcmp(peer_benches[bi], bench) != 0)
			bi++;
		if (bi == sizeof peer_benches / sizeof peer_benches[0])
			continue;
		if (strcmp(impl, "cadre") == 0) {
			cadre_mps[bi] = v;
			continue;
		}
		int ii = 0;
		while (ii < nimpl && strcmp(impls[ii], impl) != 0)
			ii++;
		if (ii == nimpl && nimpl < 8)
			snprintf(impls[nimpl++], sizeof impls[0], "%s", impl);
		if (ii < 8)
			mps[bi][ii] = v;
	}
	free(text);
	fprintf(stderr, "\ncadre / peer (msgs per second; > 1: cadre is faster), %u workers:\n",
	        o->workers);
	fprintf(stderr, "%-12s %10s", "bench", "cadre M/s");
	for (int i = 0; i < nimpl; i++)
		fprintf(stderr, " %9s", impls[i]);
	fprintf(stderr, "\n");
	for (size_t b = 0; b < sizeof peer_benches / sizeof peer_benches[0]; b++) {
		if (cadre_mps[b] == 0)
			continue;
		fprintf(stderr, "%-12s %10.2f", peer_benches[b], cadre_mps[b] / 1e6);
		for (int i = 0; i < nimpl; i++) {
			if (mps[b][i] > 0)
				fprintf(stderr, " %8.2fx", cadre_mps[b] / mps[b][i]);
			else
				fprintf(stderr, " %9s", "-");
		}
		fprintf(stderr, "\n");
	}
	return st == 0;
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
	if (o.stress_secs > 0 || o.stress_msgs > 0)
		o.quick = true; /* a soak runs the --quick sizes */
	finish_sizes(&o);
	progress_init();

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
	if (o.stress_secs > 0 || o.stress_msgs > 0) {
		int rc = run_stress(&o);
		if (o.save_path != NULL)
			save_lines(o.save_path);
		return rc;
	}
	for (int w = 0; w < WL_COUNT; w++) {
		if (o.only != 0 && (o.only & (1u << w)) == 0)
			continue;
		res[w] = run_case((enum wl)w, &o);
		ok = ok && res[w].ok;
	}
	summary(&o, res);
	if (o.compare && !compare_peers(&o))
		ok = false;
	if (o.save_path != NULL)
		save_lines(o.save_path);
	bool regressed = o.baseline_path != NULL && compare_baseline(o.baseline_path);
	return !ok ? 1 : regressed ? 3 : 0;
}
