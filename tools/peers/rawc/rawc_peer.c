/* cadre-peer-rawc: the physical floor for Cadre's standard workloads
 * (docs/benchmarks.md): bare pthreads and Cadre's bare mailbox queue (the
 * public cadre_mailbox_* API), no actor runtime. It prints the same JSON
 * Lines as cadre-bench (impl "rawc") and takes the same options.
 *
 * Each workload does the message exchanges cadre-bench's does, through one
 * mailbox per actor, with at most --workers threads, each checking its
 * result the same way. Messages are 24-byte nodes from malloc, freed by
 * their last receiver (as Cadre's hot path does), except where an exchange
 * hands one node back and forth (pingpong's ball, threadring's token, big's
 * ping that comes back as the pong): there the node is reused. Threads never
 * block: one with nothing to do spins briefly (pause), then yields.
 *
 * Two shapes:
 *  - Roles (pingpong, counting, fanin, fjthrput, fanout): a thread per group of
 *    actors that polls its actors' mailboxes directly. The first actor (ping,
 *    the producer, the sink, the sender) has thread 0 to itself; the others
 *    are spread over the other threads (all on thread 0 with one worker).
 *    Senders send --slice messages (default 1000) per turn, as cadre-bench's
 *    do, so that one worker can interleave them with their receivers.
 *  - Scheduled (threadring, big, skynet): the minimum an actor system built
 *    on this mailbox needs. Each actor belongs to one thread (static
 *    affinity: contiguous blocks of actors; skynet's ten subtrees round-robin
 *    over the threads, each subtree on its root's thread). The push that
 *    wakes an idle mailbox puts its actor on its thread's ready stack (a
 *    plain array for the thread's own actors, a cadre_mailbox of actors for
 *    other threads'); a thread runs its ready actors, drains their mailboxes
 *    and marks them idle. A spawn (skynet) is a malloc of the actor, a
 *    cadre_mailbox_new and a start message; threadring's and big's actors are
 *    made before the clock starts (cadre-bench spawns them in the measured
 *    phase: 503 and 1001 spawns, negligible next to the messages).
 *
 * Placement: every workload runs twice, "spread" (the actors over --workers
 * threads, as above) and "packed" (one thread: no cross-core traffic at all,
 * which on small machines is often faster), and the faster is reported as
 * the floor, with both rates and the placement used (--placement picks one).
 *
 * The clock starts once every thread waits at the start gate, just before
 * the first message, and stops when the actor that completes the workload
 * has posted a semaphore (the main thread waits on it). --warmups untimed
 * runs (default 1) come before each placement's --runs timed runs; with 0,
 * the first placement's first run is the process's first (with --placement
 * best, the second placement runs after the first: use --placement spread
 * or packed for a cold run of each).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
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

#define DEFAULT_WORKERS 2
#define DEFAULT_RUNS 5
#define DEFAULT_WARMUPS 1
#define DEFAULT_TIMEOUT_S 180
#define SKYNET_FANOUT 10
#define BATCH 64    /* nodes taken from a mailbox at once */
#define BUDGET 1024 /* messages a role handles per turn */
#define SPINS 128   /* idle polls with a pause before yielding */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

enum {
	M_PING = 1,
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
	M_STOP,
};

/* A message: the mailbox link first, so a node is its message. */
struct msg {
	cadre_mb_node node;
	uint32_t type;
	uint32_t from;
	uint64_t v;
};

enum wl {
	WL_PINGPONG,
	WL_COUNTING,
	WL_THREADRING,
	WL_FANIN,
	WL_FJTHRPUT,
	WL_FANOUT,
	WL_SKYNET,
	WL_BIG,
	WL_COUNT
};

static const char *const wl_names[WL_COUNT] = {
        "pingpong", "counting", "threadring", "fanin", "fjthrput", "fanout", "skynet", "big",
};

/* ---- options ----------------------------------------------------------------------- */

struct sizes {
	uint64_t pingpong_n, counting_n, threadring_r, threadring_t, fanin_p, fanin_n;
	uint64_t fjthrput_a, fjthrput_n, fanout_r, fanout_n, skynet_leaves, big_w, big_m, slice;
};

struct size_opt {
	const char *name;
	size_t off;
	uint64_t dflt, min, max;
	bool quick;
};

#define SZ(f) offsetof(struct sizes, f)
static const struct size_opt size_opts[] = {
        {"--pingpong-n", SZ(pingpong_n), 1000000, 1, 1000000000000ULL, true},
        {"--counting-n", SZ(counting_n), 10000000, 1, 1000000000000ULL, true},
        {"--threadring-r", SZ(threadring_r), 503, 1, 1000000, false},
        {"--threadring-t", SZ(threadring_t), 10000000, 1, 1000000000000ULL, true},
        {"--fanin-p", SZ(fanin_p), 8, 1, 100000, false},
        {"--fanin-n", SZ(fanin_n), 2000000, 1, 1000000000000ULL, true},
        {"--fjthrput-a", SZ(fjthrput_a), 60, 1, 1000000, false},
        {"--fjthrput-n", SZ(fjthrput_n), 1000000, 1, 1000000000000ULL, true},
        {"--fanout-r", SZ(fanout_r), 1000, 1, 1000000, false},
        {"--fanout-n", SZ(fanout_n), 10000000, 1, 1000000000000ULL, true},
        {"--skynet-leaves", SZ(skynet_leaves), 1000000, 10, 100000000, true},
        {"--big-w", SZ(big_w), 1000, 2, 1000000, false},
        {"--big-m", SZ(big_m), 2000, 1, UINT32_MAX, true},
        {"--slice", SZ(slice), 1000, 1, 1000000000, false},
};
#define NSIZES (sizeof size_opts / sizeof size_opts[0])

/* Where the actors run: spread over --workers threads, packed on one thread
 * (no cross-thread traffic at all), or both, reporting the faster. */
enum placement { PL_SPREAD = 0, PL_PACKED = 1, PL_BEST = 2 };

struct options {
	struct sizes sz;
	unsigned workers;
	uint32_t runs;
	uint32_t warmups;
	uint64_t timeout_s;
	bool quick;
	unsigned only;
	enum placement placement;
};

static uint64_t *
size_at(struct sizes *sz, size_t off)
{
	return (uint64_t *)(void *)((char *)sz + off);
}

/* ---- the state of a run ------------------------------------------------------------- */

static struct {
	sem_t done;        /* posted by the actor that completes the workload, or on failure */
	atomic_int failed; /* a check failed (first failure's reason in why) */
	char why[256];
	atomic_int finished; /* every actor is done: threads leave */
	struct sizes sz;
	unsigned threads;
} g;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
run_done(void)
{
	sem_post(&g.done);
}

static void __attribute__((format(printf, 1, 2))) run_fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&g.failed, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(g.why, sizeof g.why, fmt, ap);
		va_end(ap);
	}
	atomic_store(&g.finished, 1);
	sem_post(&g.done);
}

static void
run_reset(const struct options *o, unsigned threads)
{
	sem_init(&g.done, 0, 0);
	atomic_store(&g.failed, 0);
	atomic_store(&g.finished, 0);
	g.why[0] = '\0';
	g.sz = o->sz;
	g.threads = threads;
}

static struct msg *
msg_new(uint32_t type, uint32_t from, uint64_t v)
{
	struct msg *m = malloc(sizeof *m);

	if (m == NULL) {
		run_fail("out of memory");
		return NULL;
	}
	m->type = type;
	m->from = from;
	m->v = v;
	return m;
}

static void
push(cadre_mailbox *mb, struct msg *m)
{
	int rc = cadre_mailbox_push(mb, &m->node, CADRE_LANE_NORMAL);

	if (rc < 0)
		run_fail("cadre_mailbox_push: %s", cadre_strerror(rc));
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Nothing to do: spin briefly, then yield the core. */
static inline void
backoff(unsigned *idle)
{
	if (++*idle <= SPINS) {
		cpu_relax();
	} else {
		sched_yield();
		*idle = SPINS / 2;
	}
}

/* ---- the start gate --------------------------------------------------------------- */

static atomic_uint gate_ready;
static atomic_int gate_go;

static void
gate_wait(void)
{
	unsigned idle = 0;

	atomic_fetch_add(&gate_ready, 1);
	while (!atomic_load_explicit(&gate_go, memory_order_acquire))
		backoff(&idle);
}

/* Main: waits until n threads wait at the gate. */
static void
gate_arrive(unsigned n)
{
	while (atomic_load(&gate_ready) < n)
		sched_yield();
}

static void
gate_open(void)
{
	atomic_store_explicit(&gate_go, 1, memory_order_release);
}

static void
gate_reset(void)
{
	atomic_store(&gate_ready, 0);
	atomic_store(&gate_go, 0);
}

/* ---- roles: a thread polls its actors' mailboxes ------------------------------------ */

/* One turn of role r: returns true once the role is over; sets *progress if
 * it did anything. */
typedef bool (*role_step_fn)(void *ctx, unsigned r, bool *progress);

struct role_run {
	role_step_fn step;
	void *ctx;
	unsigned nroles, nthreads;
};

struct role_thread {
	struct role_run *rr;
	unsigned id;
	pthread_t th;
};

static unsigned
role_thread_of(unsigned r, unsigned nthreads)
{
	return r == 0 || nthreads == 1 ? 0 : 1 + (r - 1) % (nthreads - 1);
}

static void *
role_main(void *arg)
{
	struct role_thread *t = arg;
	struct role_run *rr = t->rr;
	unsigned *mine = malloc(rr->nroles * sizeof *mine);
	unsigned n = 0, idle = 0;

	if (mine == NULL) {
		run_fail("out of memory");
		gate_wait();
		return NULL;
	}
	for (unsigned r = 0; r < rr->nroles; r++)
		if (role_thread_of(r, rr->nthreads) == t->id)
			mine[n++] = r;
	gate_wait();
	while (n > 0 && !atomic_load_explicit(&g.failed, memory_order_relaxed)) {
		bool any = false;

		for (unsigned i = 0; i < n;) {
			bool progress = false;

			if (rr->step(rr->ctx, mine[i], &progress)) {
				mine[i] = mine[--n]; /* over: drop it */
				any = true;
				continue;
			}
			any = any || progress;
			i++;
		}
		if (any)
			idle = 0;
		else if (n > 0)
			backoff(&idle);
	}
	free(mine);
	return NULL;
}

/* Runs the roles on min(workers, nroles) threads; returns the measured
 * seconds (clock from the gate's opening to the semaphore). */
static double
roles_run(role_step_fn step, void *ctx, unsigned nroles)
{
	unsigned nthreads = g.threads < nroles ? g.threads : nroles;
	struct role_run rr = {.step = step, .ctx = ctx, .nroles = nroles, .nthreads = nthreads};
	struct role_thread *ts = calloc(nthreads, sizeof *ts);
	unsigned started = 0;

	if (ts == NULL) {
		run_fail("out of memory");
		return 0;
	}
	gate_reset();
	for (unsigned i = 0; i < nthreads; i++) {
		ts[i].rr = &rr;
		ts[i].id = i;
		if (pthread_create(&ts[i].th, NULL, role_main, &ts[i]) != 0) {
			run_fail("pthread_create failed");
			break;
		}
		started++;
	}
	gate_arrive(started);
	double t0 = now();
	gate_open();
	while (sem_wait(&g.done) != 0 && errno == EINTR)
		;
	double secs = now() - t0;
	for (unsigned i = 0; i < started; i++)
		pthread_join(ts[i].th, NULL);
	free(ts);
	return secs;
}

/* Takes up to max messages from mb into out. */
static int
take(cadre_mailbox *mb, struct msg **out, int max)
{
	return cadre_mailbox_pop_batch(mb, (cadre_mb_node **)(void *)out, max);
}

/* ---- pingpong ------------------------------------------------------------------------ */

struct pp {
	cadre_mailbox *mb[2]; /* ping's, pong's */
	struct msg ball;
	uint64_t left;
	bool started;
};

static bool
pp_step(void *ctx, unsigned r, bool *progress)
{
	struct pp *p = ctx;

	if (r == 0) { /* ping */
		if (!p->started) {
			p->started = true;
			p->left = g.sz.pingpong_n;
			p->ball.type = M_PING;
			p->ball.from = 0;
			p->ball.v = p->left;
			push(p->mb[1], &p->ball);
			*progress = true;
			return false;
		}
		struct msg *m = (struct msg *)cadre_mailbox_pop(p->mb[0], NULL);
		if (m == NULL)
			return false;
		*progress = true;
		if (m->type != M_PONG || m->from != 1 || m->v != p->left) {
			run_fail("ping: answer %" PRIu64 ", expected %" PRIu64, m->v, p->left);
			return true;
		}
		if (--p->left == 0) {
			run_done();
			return true;
		}
		m->type = M_PING;
		m->from = 0;
		m->v = p->left;
		push(p->mb[1], m);
		return false;
	}
	struct msg *m = (struct msg *)cadre_mailbox_pop(p->mb[1], NULL); /* pong */
	if (m == NULL)
		return false;
	*progress = true;
	if (m->type != M_PING) {
		run_fail("pong: unexpected message type %" PRIu32, m->type);
		return true;
	}
	uint64_t v = m->v; /* read before the push hands the node back */
	m->type = M_PONG;
	m->from = 1;
	push(p->mb[0], m);
	return v == 1;
}

static bool
wl_pingpong(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	struct pp p;

	memset(&p, 0, sizeof p);
	*msgs = 2 * g.sz.pingpong_n;
	*spawns = 2;
	if (cadre_mailbox_new(&p.mb[0], 0) != 0 || cadre_mailbox_new(&p.mb[1], 0) != 0) {
		run_fail("cadre_mailbox_new failed");
	} else {
		*secs = roles_run(pp_step, &p, 2);
	}
	cadre_mailbox_free(p.mb[0]);
	cadre_mailbox_free(p.mb[1]);
	return !atomic_load(&g.failed);
}

/* ---- counting ------------------------------------------------------------------------- */

struct cnt {
	cadre_mailbox *prod_mb, *cnt_mb;
	uint64_t n, sent, count, total;
	bool get_sent;
};

static bool
cnt_step(void *ctx, unsigned r, bool *progress)
{
	struct cnt *c = ctx;
	struct msg *ms[BATCH];

	if (r == 0) { /* the producer */
		if (c->sent < c->n) {
			uint64_t end = c->n - c->sent > g.sz.slice ? c->sent + g.sz.slice : c->n;
			for (; c->sent < end; c->sent++) {
				struct msg *m = msg_new(M_INC, 0, 0);
				if (m == NULL)
					return true;
				push(c->cnt_mb, m);
			}
			*progress = true;
			return false;
		}
		if (!c->get_sent) {
			struct msg *m = msg_new(M_GET, 0, 0);
			if (m == NULL)
				return true;
			push(c->cnt_mb, m);
			c->get_sent = true;
			*progress = true;
			return false;
		}
		struct msg *m = (struct msg *)cadre_mailbox_pop(c->prod_mb, NULL);
		if (m == NULL)
			return false;
		*progress = true;
		c->total = m->v;
		if (m->type != M_TOTAL || m->v != c->n)
			run_fail("counting: total %" PRIu64 ", expected %" PRIu64, m->v, c->n);
		else
			run_done();
		free(m);
		return true;
	}
	/* the counter */
	for (int done = 0; done < BUDGET;) {
		int k = take(c->cnt_mb, ms, BATCH);
		if (k <= 0)
			return false;
		*progress = true;
		done += k;
		for (int i = 0; i < k; i++) {
			struct msg *m = ms[i];
			if (m->type == M_INC) {
				c->count++;
				free(m);
				continue;
			}
			if (m->type != M_GET) {
				run_fail("counter: unexpected message type %" PRIu32, m->type);
				return true;
			}
			m->type = M_TOTAL;
			m->v = c->count;
			push(c->prod_mb, m); /* the last message: nothing follows GET */
			return true;
		}
	}
	return false;
}

static bool
wl_counting(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	struct cnt c;

	memset(&c, 0, sizeof c);
	c.n = g.sz.counting_n;
	*msgs = c.n + 2;
	*spawns = 2;
	if (cadre_mailbox_new(&c.prod_mb, 0) != 0 || cadre_mailbox_new(&c.cnt_mb, 0) != 0)
		run_fail("cadre_mailbox_new failed");
	else
		*secs = roles_run(cnt_step, &c, 2);
	cadre_mailbox_free(c.prod_mb);
	cadre_mailbox_free(c.cnt_mb);
	return !atomic_load(&g.failed) && c.total == c.n;
}

/* ---- fanin ------------------------------------------------------------------------------ */

struct fan {
	cadre_mailbox *sink_mb;
	uint64_t p, n, total, count;
	uint64_t *sent; /* per producer (its role only) */
	uint64_t *next; /* per producer: next expected (the sink only) */
};

static bool
fan_step(void *ctx, unsigned r, bool *progress)
{
	struct fan *f = ctx;
	struct msg *ms[BATCH];

	if (r > 0) { /* producer r - 1 */
		uint64_t *s = &f->sent[r - 1];
		uint64_t end = f->n - *s > g.sz.slice ? *s + g.sz.slice : f->n;
		for (; *s < end; (*s)++) {
			struct msg *m = msg_new(M_ITEM, r - 1, *s);
			if (m == NULL)
				return true;
			push(f->sink_mb, m);
		}
		*progress = true;
		return *s == f->n;
	}
	for (int done = 0; done < BUDGET;) { /* the sink */
		int k = take(f->sink_mb, ms, BATCH);
		if (k <= 0)
			return false;
		*progress = true;
		done += k;
		for (int i = 0; i < k; i++) {
			struct msg *m = ms[i];
			if (m->type != M_ITEM || m->from >= f->p || m->v != f->next[m->from]) {
				run_fail("sink: producer %" PRIu32 " seq %" PRIu64 " out of order",
				         m->from, m->v);
				return true;
			}
			f->next[m->from]++;
			free(m);
			if (++f->count == f->total) {
				run_done();
				return true;
			}
		}
	}
	return false;
}

static bool
wl_fanin(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	struct fan f;
	bool ok = true;

	memset(&f, 0, sizeof f);
	f.p = g.sz.fanin_p;
	f.n = g.sz.fanin_n;
	f.total = f.p * f.n;
	*msgs = f.total;
	*spawns = f.p + 1;
	f.sent = calloc(f.p, sizeof *f.sent);
	f.next = calloc(f.p, sizeof *f.next);
	if (f.sent == NULL || f.next == NULL || cadre_mailbox_new(&f.sink_mb, 0) != 0)
		run_fail("out of memory");
	else
		*secs = roles_run(fan_step, &f, (unsigned)f.p + 1);
	for (uint64_t i = 0; ok && f.next != NULL && i < f.p; i++) {
		if (f.next[i] != f.n) {
			fprintf(stderr,
			        "fanin: producer %" PRIu64 ": %" PRIu64 " of %" PRIu64
			        " received\n",
			        i, f.next[i], f.n);
			ok = false;
		}
	}
	cadre_mailbox_free(f.sink_mb);
	free(f.sent);
	free(f.next);
	return ok && !atomic_load(&g.failed);
}

/* ---- fjthrput ---------------------------------------------------------------------------- */

static inline uint64_t
fj_mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * FNV_PRIME;
}

struct fj_worker {
	cadre_mailbox *mb;
	uint64_t next, h;
	char pad[40]; /* one cache line per worker */
};

struct fj {
	cadre_mailbox *sender_mb;
	struct fj_worker *w;
	uint64_t a, n, total, k, seq, target, dones, expect;
};

static bool
fj_step(void *ctx, unsigned r, bool *progress)
{
	struct fj *f = ctx;
	struct msg *ms[BATCH];

	if (r == 0) { /* the sender */
		if (f->k < f->total) {
			uint64_t end = f->total - f->k > g.sz.slice ? f->k + g.sz.slice : f->total;
			for (; f->k < end; f->k++) {
				struct msg *m = msg_new(M_WORK, 0, f->seq);
				if (m == NULL)
					return true;
				push(f->w[f->target].mb, m);
				if (++f->target == f->a) {
					f->target = 0;
					f->seq++;
				}
			}
			*progress = true;
			return false;
		}
		int k = take(f->sender_mb, ms, BATCH);
		if (k <= 0)
			return false;
		*progress = true;
		for (int i = 0; i < k; i++) {
			if (ms[i]->type != M_DONE || ms[i]->v != f->expect) {
				run_fail("fjthrput: a worker's hash is %016" PRIx64
				         ", expected %016" PRIx64,
				         ms[i]->v, f->expect);
				return true;
			}
			free(ms[i]);
			f->dones++;
		}
		if (f->dones < f->a)
			return false;
		run_done();
		return true;
	}
	struct fj_worker *w = &f->w[r - 1];
	for (int done = 0; done < BUDGET;) {
		int k = take(w->mb, ms, BATCH);
		if (k <= 0)
			return false;
		*progress = true;
		done += k;
		for (int i = 0; i < k; i++) {
			struct msg *m = ms[i];
			if (m->type != M_WORK || m->v != w->next) {
				run_fail("fjthrput worker: message %" PRIu64 ", expected %" PRIu64,
				         m->v, w->next);
				return true;
			}
			w->h = fj_mix(w->h, m->v);
			if (++w->next < f->n) {
				free(m);
				continue;
			}
			m->type = M_DONE; /* the last message: reused for the answer */
			m->from = r - 1;
			m->v = w->h;
			push(f->sender_mb, m);
			return true;
		}
	}
	return false;
}

static bool
wl_fjthrput(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	struct fj f;
	bool ok = true;

	memset(&f, 0, sizeof f);
	f.a = g.sz.fjthrput_a;
	f.n = g.sz.fjthrput_n;
	f.total = f.a * f.n;
	f.expect = FNV_OFFSET;
	for (uint64_t i = 0; i < f.n; i++)
		f.expect = fj_mix(f.expect, i);
	*msgs = f.total + f.a;
	*spawns = f.a + 1;
	f.w = calloc(f.a, sizeof *f.w);
	ok = f.w != NULL && cadre_mailbox_new(&f.sender_mb, 0) == 0;
	for (uint64_t i = 0; ok && i < f.a; i++) {
		f.w[i].h = FNV_OFFSET;
		ok = cadre_mailbox_new(&f.w[i].mb, 0) == 0;
	}
	if (!ok)
		run_fail("out of memory");
	else
		*secs = roles_run(fj_step, &f, (unsigned)f.a + 1);
	for (uint64_t i = 0; f.w != NULL && i < f.a; i++)
		cadre_mailbox_free(f.w[i].mb);
	cadre_mailbox_free(f.sender_mb);
	free(f.w);
	return ok && !atomic_load(&g.failed) && f.dones == f.a;
}

/* ---- fanout -------------------------------------------------------------------------------
 * The sender sends message k to receiver k % R with v = k / R (the count
 * that receiver has so far, which it checks); receiver i's share is N / R,
 * plus one for i < N % R. A receiver with its share answers (i, count) and
 * is over; the sender checks every answer and the sum. */
struct fo_recv {
	cadre_mailbox *mb;
	uint64_t count, share;
	char pad[40]; /* one cache line per receiver */
};

struct fo {
	cadre_mailbox *sender_mb;
	struct fo_recv *rv;
	uint64_t r, n, k, seq, target, dones, sum;
};

static inline uint64_t
fo_share(uint64_t n, uint64_t r, uint64_t i)
{
	return n / r + (i < n % r ? 1 : 0);
}

/* The sender's answers: true once all are in (or one is wrong). */
static bool
fo_collect(struct fo *f, bool *progress)
{
	struct msg *ms[BATCH];
	int k = take(f->sender_mb, ms, BATCH);

	if (k <= 0)
		return false;
	*progress = true;
	for (int i = 0; i < k; i++) {
		struct msg *m = ms[i];
		if (m->type != M_DONE || m->from >= f->r || m->v != fo_share(f->n, f->r, m->from)) {
			run_fail("fanout: receiver %" PRIu32 " got %" PRIu64 " messages", m->from,
			         m->v);
			return true;
		}
		f->sum += m->v;
		free(m);
		f->dones++;
	}
	if (f->dones < f->r)
		return false;
	if (f->sum != f->n)
		run_fail("fanout: the receivers got %" PRIu64 " messages, expected %" PRIu64,
		         f->sum, f->n);
	else
		run_done();
	return true;
}

static bool
fo_step(void *ctx, unsigned r, bool *progress)
{
	struct fo *f = ctx;
	struct msg *ms[BATCH];

	if (r == 0) { /* the sender */
		if (f->k >= f->n)
			return fo_collect(f, progress);
		uint64_t end = f->n - f->k > g.sz.slice ? f->k + g.sz.slice : f->n;
		for (; f->k < end; f->k++) {
			struct msg *m = msg_new(M_ITEM, 0, f->seq);
			if (m == NULL)
				return true;
			push(f->rv[f->target].mb, m);
			if (++f->target == f->r) {
				f->target = 0;
				f->seq++;
			}
		}
		*progress = true;
		return false;
	}
	struct fo_recv *rv = &f->rv[r - 1];
	for (int done = 0; done < BUDGET;) {
		int k = take(rv->mb, ms, BATCH);
		if (k <= 0)
			return false;
		*progress = true;
		done += k;
		for (int i = 0; i < k; i++) {
			struct msg *m = ms[i];
			if (m->type != M_ITEM || m->v != rv->count) {
				run_fail("fanout receiver %u: message %" PRIu64
				         ", expected %" PRIu64,
				         r - 1, m->v, rv->count);
				return true;
			}
			if (++rv->count < rv->share) {
				free(m);
				continue;
			}
			m->type = M_DONE; /* the last message: reused for the answer */
			m->from = r - 1;
			m->v = rv->count;
			push(f->sender_mb, m);
			return true;
		}
	}
	return false;
}

static bool
wl_fanout(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	struct fo f;
	bool ok;

	memset(&f, 0, sizeof f);
	f.r = g.sz.fanout_r;
	f.n = g.sz.fanout_n;
	*msgs = f.n + f.r;
	*spawns = f.r + 1;
	f.rv = calloc(f.r, sizeof *f.rv);
	ok = f.rv != NULL && cadre_mailbox_new(&f.sender_mb, 0) == 0;
	for (uint64_t i = 0; ok && i < f.r; i++) {
		f.rv[i].share = fo_share(f.n, f.r, i);
		ok = cadre_mailbox_new(&f.rv[i].mb, 0) == 0;
	}
	if (!ok)
		run_fail("out of memory");
	else
		*secs = roles_run(fo_step, &f, (unsigned)f.r + 1);
	for (uint64_t i = 0; f.rv != NULL && i < f.r; i++)
		cadre_mailbox_free(f.rv[i].mb);
	cadre_mailbox_free(f.sender_mb);
	free(f.rv);
	return ok && !atomic_load(&g.failed) && f.dones == f.r;
}

/* ---- scheduled actors: static affinity, ready stacks ------------------------------------ */

struct ract {
	cadre_mb_node rnode; /* link in another thread's ready queue */
	cadre_mailbox *mb;
	unsigned owner;
	bool dead; /* set by its handler: stops; freed by the scheduler if reap is set */
};

struct sthread;
typedef void (*handler_fn)(struct sthread *t, struct ract *a, struct msg *m);

struct sched {
	struct sthread *t;
	unsigned nthreads;
	handler_fn handle;
	void (*reap)(struct ract *a);
};

struct sthread {
	cadre_mailbox *ready_in; /* actors of this thread woken by other threads */
	struct ract **stack;     /* ready actors (this thread only) */
	size_t n, cap;
	struct sched *s;
	unsigned id;
	pthread_t th;
	char pad[64];
};

static bool
ready_local(struct sthread *t, struct ract *a)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct ract **p = realloc(t->stack, cap * sizeof *p);
		if (p == NULL) {
			run_fail("out of memory");
			return false;
		}
		t->stack = p;
		t->cap = cap;
	}
	t->stack[t->n++] = a;
	return true;
}

/* a's mailbox has just been woken: a runs next on its own thread. */
static void
make_ready(struct sthread *t, struct ract *a)
{
	if (a->owner == t->id) {
		ready_local(t, a);
		return;
	}
	int rc = cadre_mailbox_push(t->s->t[a->owner].ready_in, &a->rnode, CADRE_LANE_NORMAL);
	if (rc < 0)
		run_fail("cadre_mailbox_push: %s", cadre_strerror(rc));
}

static inline void
sched_send(struct sthread *t, struct ract *to, struct msg *m)
{
	int rc = cadre_mailbox_push(to->mb, &m->node, CADRE_LANE_NORMAL);

	if (rc == 1)
		make_ready(t, to);
	else if (rc < 0)
		run_fail("cadre_mailbox_push: %s", cadre_strerror(rc));
}

static void *
sched_main(void *arg)
{
	struct sthread *t = arg;
	struct sched *s = t->s;
	cadre_mb_node *in[BATCH];
	struct msg *ms[BATCH];
	unsigned idle = 0;

	gate_wait();
	while (!atomic_load_explicit(&g.finished, memory_order_relaxed)) {
		int k = cadre_mailbox_pop_batch(t->ready_in, in, BATCH);
		for (int i = 0; i < k; i++)
			ready_local(t, CONTAINER(in[i], struct ract, rnode));
		if (t->n == 0) {
			backoff(&idle);
			continue;
		}
		idle = 0;
		struct ract *a = t->stack[--t->n];
		int got = take(a->mb, ms, BATCH);
		for (int i = 0; i < got; i++)
			s->handle(t, a, ms[i]);
		if (a->dead) {
			if (s->reap != NULL)
				s->reap(a);
			continue;
		}
		if (got == BATCH || cadre_mailbox_mark_idle(a->mb) != 0)
			ready_local(t, a); /* more mail, or a push in flight */
	}
	return NULL;
}

static bool
sched_init(struct sched *s, handler_fn handle, void (*reap)(struct ract *))
{
	memset(s, 0, sizeof *s);
	s->nthreads = g.threads;
	s->handle = handle;
	s->reap = reap;
	s->t = calloc(s->nthreads, sizeof *s->t);
	if (s->t == NULL)
		return false;
	for (unsigned i = 0; i < s->nthreads; i++) {
		s->t[i].s = s;
		s->t[i].id = i;
		if (cadre_mailbox_new(&s->t[i].ready_in, 0) != 0)
			return false;
	}
	return true;
}

static void
sched_fini(struct sched *s)
{
	for (unsigned i = 0; s->t != NULL && i < s->nthreads; i++) {
		cadre_mailbox_free(s->t[i].ready_in);
		free(s->t[i].stack);
	}
	free(s->t);
}

/* Sends a message from outside the threads (main, before the gate opens). */
static void
sched_inject(struct sched *s, struct ract *to, struct msg *m)
{
	int rc = cadre_mailbox_push(to->mb, &m->node, CADRE_LANE_NORMAL);

	if (rc == 1)
		rc = cadre_mailbox_push(s->t[to->owner].ready_in, &to->rnode, CADRE_LANE_NORMAL);
	if (rc < 0)
		run_fail("cadre_mailbox_push: %s", cadre_strerror(rc));
}

/* Starts the threads; at the gate, takes t0 and calls kick (which injects
 * the first messages), opens the gate, waits for the semaphore. Returns the
 * measured seconds; the threads have all left when it returns. */
static double
sched_run(struct sched *s, void (*kick)(struct sched *s, void *arg), void *arg)
{
	unsigned started = 0;

	gate_reset();
	for (unsigned i = 0; i < s->nthreads; i++) {
		if (pthread_create(&s->t[i].th, NULL, sched_main, &s->t[i]) != 0) {
			run_fail("pthread_create failed");
			break;
		}
		started++;
	}
	gate_arrive(started);
	double t0 = now();
	kick(s, arg);
	gate_open();
	while (sem_wait(&g.done) != 0 && errno == EINTR)
		;
	double secs = now() - t0;
	for (unsigned i = 0; i < started; i++)
		pthread_join(s->t[i].th, NULL);
	return secs;
}

/* ---- threadring ------------------------------------------------------------------------------ */

struct ring_node {
	struct ract a;
	struct ring_node *next;
	uint64_t index;
};

static uint64_t ring_result;

static void
ring_handle(struct sthread *t, struct ract *self, struct msg *m)
{
	struct ring_node *r = (struct ring_node *)self;
	uint64_t nodes = g.sz.threadring_r;

	if (m->type == M_TOKEN) {
		if (m->v > 0) {
			m->v--;
			sched_send(t, &r->next->a, m);
			return;
		}
		uint64_t want = (g.sz.threadring_t - 1) % nodes;
		ring_result = r->index;
		if (r->index != want) {
			run_fail("threadring: token ended at node %" PRIu64 ", expected %" PRIu64,
			         r->index, want);
			return;
		}
		run_done();
		if (nodes > 1) { /* the exit wave: the token's node goes around once more */
			m->type = M_EXIT;
			m->v = nodes - 1;
			sched_send(t, &r->next->a, m);
		} else {
			atomic_store(&g.finished, 1);
		}
		r->a.dead = true;
		return;
	}
	if (m->type != M_EXIT) {
		run_fail("ring: unexpected message type %" PRIu32, m->type);
		return;
	}
	r->a.dead = true;
	if (m->v > 1) {
		m->v--;
		sched_send(t, &r->next->a, m);
	} else {
		atomic_store(&g.finished, 1);
	}
}

static void
ring_kick(struct sched *s, void *arg)
{
	struct ring_node *nodes = arg;

	sched_inject(s, &nodes[0].a, (struct msg *)(void *)&nodes[g.sz.threadring_r]);
}

static bool
wl_threadring(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	uint64_t r = g.sz.threadring_r, t = g.sz.threadring_t;
	struct sched s;
	/* The r nodes, then the token (a struct msg fits in a ring_node). */
	struct ring_node *nodes = calloc(r + 1, sizeof *nodes);
	bool ok = nodes != NULL && sched_init(&s, ring_handle, NULL);

	_Static_assert(sizeof(struct ring_node) >= sizeof(struct msg), "the token fits");
	*msgs = t;
	*spawns = r;
	ring_result = UINT64_MAX;
	for (uint64_t i = 0; ok && i < r; i++) {
		nodes[i].index = i;
		nodes[i].next = &nodes[(i + 1) % r];
		nodes[i].a.owner = (unsigned)(i * s.nthreads / r);
		ok = cadre_mailbox_new(&nodes[i].a.mb, 0) == 0;
	}
	if (ok) {
		struct msg *tok = (struct msg *)(void *)&nodes[r];
		tok->type = M_TOKEN;
		tok->v = t - 1;
		*secs = sched_run(&s, ring_kick, nodes);
	} else {
		run_fail("out of memory");
	}
	for (uint64_t i = 0; nodes != NULL && i < r; i++)
		cadre_mailbox_free(nodes[i].a.mb);
	free(nodes);
	sched_fini(&s);
	return ok && !atomic_load(&g.failed) && ring_result == (t - 1) % r;
}

/* ---- big --------------------------------------------------------------------------------------- */

struct big_actor {
	struct ract a;
	uint64_t rng, answered;
	uint32_t index, sent, target;
};

struct big_driver {
	struct ract a;
	uint64_t dones, pings;
	struct msg **done_msgs; /* reused for the stops */
};

static struct {
	struct big_actor *actors;
	struct big_driver driver;
	uint32_t w, m;
	atomic_uint_fast64_t tally, shut;
} big;

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

static void
big_ping(struct sthread *t, struct big_actor *b, struct msg *m)
{
	uint32_t j = b->index;

	if (big.w > 1) { /* xorshift64* */
		b->rng ^= b->rng >> 12;
		b->rng ^= b->rng << 25;
		b->rng ^= b->rng >> 27;
		j = (uint32_t)(((b->rng * 0x2545F4914F6CDD1DULL) >> 32) % (big.w - 1));
		if (j >= b->index)
			j++; /* not ourselves */
	}
	b->target = j;
	m->type = M_PING;
	m->from = b->index;
	m->v = b->sent++;
	sched_send(t, &big.actors[j].a, m);
}

static void
big_handle(struct sthread *t, struct ract *self, struct msg *m)
{
	if (self == &big.driver.a) {
		struct big_driver *d = &big.driver;
		if (m->type == M_START) { /* the driver's start: start every actor */
			free(m);
			for (uint32_t i = 0; i < big.w; i++) {
				struct msg *s = msg_new(M_START, big.w, 0);
				if (s == NULL)
					return;
				sched_send(t, &big.actors[i].a, s);
			}
			return;
		}
		if (m->type != M_DONE || m->from >= big.w) {
			run_fail("big driver: unexpected message type %" PRIu32, m->type);
			return;
		}
		d->pings += m->v;
		d->done_msgs[m->from] = m;
		if (++d->dones < big.w)
			return;
		if (d->pings != (uint64_t)big.w * big.m) {
			run_fail("big: %" PRIu64 " pings done, expected %" PRIu64, d->pings,
			         (uint64_t)big.w * big.m);
			return;
		}
		run_done();
		for (uint32_t i = 0; i < big.w; i++) {
			struct msg *s = d->done_msgs[i];
			s->type = M_STOP;
			sched_send(t, &big.actors[i].a, s);
		}
		return;
	}
	struct big_actor *b = (struct big_actor *)self;
	switch (m->type) {
	case M_PING: {
		uint32_t from = m->from;
		b->answered++;
		m->type = M_PONG;
		m->from = b->index;
		sched_send(t, &big.actors[from].a, m);
		return;
	}
	case M_PONG:
		if (b->sent == 0 || m->v != b->sent - 1u || m->from != b->target) {
			run_fail("big: actor %" PRIu32 ": pong %" PRIu64 ", expected %" PRIu32,
			         b->index, m->v, b->sent - 1u);
			return;
		}
		if (b->sent < big.m) {
			big_ping(t, b, m);
			return;
		}
		m->type = M_DONE;
		m->from = b->index;
		m->v = b->sent;
		sched_send(t, &big.driver.a, m);
		return;
	case M_START: /* its node becomes this actor's ping */
		big_ping(t, b, m);
		return;
	case M_STOP:
		free(m);
		b->a.dead = true;
		atomic_fetch_add(&big.tally, b->answered);
		if (atomic_fetch_add(&big.shut, 1) + 1 == big.w)
			atomic_store(&g.finished, 1);
		return;
	default:
		run_fail("big: unexpected message type %" PRIu32, m->type);
		return;
	}
}

static void
big_kick(struct sched *s, void *arg)
{
	struct msg *start = msg_new(M_START, 0, 0);

	(void)arg;
	if (start != NULL)
		sched_inject(s, &big.driver.a, start);
}

static bool
wl_big(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	uint64_t w = g.sz.big_w, m = g.sz.big_m;
	struct sched s;
	bool ok;

	*msgs = 2 * w * m + 2 * w;
	*spawns = w + 1;
	memset(&big.driver, 0, sizeof big.driver);
	big.w = (uint32_t)w;
	big.m = (uint32_t)m;
	atomic_store(&big.tally, 0);
	atomic_store(&big.shut, 0);
	big.actors = calloc(w, sizeof *big.actors);
	big.driver.done_msgs = calloc(w, sizeof *big.driver.done_msgs);
	ok = big.actors != NULL && big.driver.done_msgs != NULL &&
	     sched_init(&s, big_handle, NULL) && cadre_mailbox_new(&big.driver.a.mb, 0) == 0;
	for (uint32_t i = 0; ok && i < w; i++) {
		struct big_actor *b = &big.actors[i];
		b->index = i;
		b->rng = splitmix64(i) | 1;
		b->a.owner = (unsigned)((uint64_t)i * s.nthreads / w);
		ok = cadre_mailbox_new(&b->a.mb, 0) == 0;
	}
	if (ok)
		*secs = sched_run(&s, big_kick, NULL);
	else
		run_fail("out of memory");
	for (uint32_t i = 0; big.actors != NULL && i < w; i++)
		cadre_mailbox_free(big.actors[i].a.mb);
	cadre_mailbox_free(big.driver.a.mb);
	free(big.actors);
	free(big.driver.done_msgs);
	sched_fini(&s);
	ok = ok && !atomic_load(&g.failed);
	if (ok && (atomic_load(&big.tally) != w * m || atomic_load(&big.shut) != w)) {
		fprintf(stderr,
		        "big: %" PRIu64 " pings answered (expected %" PRIu64 "), %" PRIu64
		        " actors stopped (expected %" PRIu64 ")\n",
		        (uint64_t)atomic_load(&big.tally), w * m, (uint64_t)atomic_load(&big.shut),
		        w);
		ok = false;
	}
	return ok;
}

/* ---- skynet --------------------------------------------------------------------------------------
 * A spawn: malloc the actor, cadre_mailbox_new, push its start message (the
 * push wakes it: it goes on its thread's ready stack). An inner node's
 * start spawns its ten children; a leaf's start replies its ordinal and the
 * leaf is freed. Replies are nodes embedded in the parent (reply[i] for
 * child i), so a child may be freed as soon as it has replied. */
struct sky {
	struct ract a;
	struct sky *parent; /* NULL for the root */
	struct msg start;
	uint64_t num, size, sum;
	uint32_t pending, slot; /* slot: our index in the parent's reply[] */
	struct msg reply[];     /* inner nodes only: one per child */
};

static uint64_t sky_result;

static struct sky *
sky_spawn(struct sky *parent, uint32_t slot, uint64_t num, uint64_t size, unsigned owner)
{
	size_t bytes = sizeof(struct sky) + (size > 1 ? SKYNET_FANOUT * sizeof(struct msg) : 0);
	struct sky *k = malloc(bytes);

	if (k == NULL || cadre_mailbox_new(&k->a.mb, 0) != 0) {
		free(k);
		run_fail("out of memory");
		return NULL;
	}
	k->a.owner = owner;
	k->a.dead = false;
	k->parent = parent;
	k->num = num;
	k->size = size;
	k->sum = 0;
	k->pending = SKYNET_FANOUT;
	k->slot = slot;
	k->start.type = M_START;
	return k;
}

static void
sky_reap(struct ract *a)
{
	cadre_mailbox_free(a->mb);
	free(a);
}

static void
sky_reply(struct sthread *t, struct sky *k, uint64_t v)
{
	struct sky *p = k->parent;
	struct msg *m = &p->reply[k->slot];

	m->type = M_REPLY;
	m->v = v;
	sched_send(t, &p->a, m);
}

static void
sky_handle(struct sthread *t, struct ract *self, struct msg *m)
{
	struct sky *k = (struct sky *)self;

	if (m->type == M_START) {
		if (k->size == 1) { /* a leaf */
			sky_reply(t, k, k->num);
			k->a.dead = true;
			return;
		}
		uint64_t child = k->size / SKYNET_FANOUT;
		for (uint32_t i = 0; i < SKYNET_FANOUT; i++) {
			/* The root's children go round-robin over the threads. */
			unsigned owner = k->parent == NULL ? i % t->s->nthreads : k->a.owner;
			struct sky *c = sky_spawn(k, i, k->num + i * child, child, owner);
			if (c == NULL)
				return;
			sched_send(t, &c->a, &c->start);
		}
		return;
	}
	if (m->type != M_REPLY) {
		run_fail("skynet: unexpected message type %" PRIu32, m->type);
		return;
	}
	k->sum += m->v;
	if (--k->pending > 0)
		return;
	k->a.dead = true;
	if (k->parent != NULL) {
		sky_reply(t, k, k->sum);
		return;
	}
	uint64_t l = k->size;
	sky_result = k->sum;
	if (k->sum != l * (l - 1) / 2) {
		run_fail("skynet: sum %" PRIu64 ", expected %" PRIu64, k->sum, l * (l - 1) / 2);
		return;
	}
	run_done();
	atomic_store(&g.finished, 1);
}

static void
sky_kick(struct sched *s, void *arg)
{
	struct sky *root = sky_spawn(NULL, 0, 0, g.sz.skynet_leaves, 0);

	(void)arg;
	if (root != NULL)
		sched_inject(s, &root->a, &root->start);
}

static bool
wl_skynet(double *secs, uint64_t *msgs, uint64_t *spawns)
{
	uint64_t l = g.sz.skynet_leaves, n = 0;
	struct sched s;

	for (uint64_t k = l; k >= 1; k /= SKYNET_FANOUT)
		n += k;
	*msgs = n - 1;
	*spawns = n;
	sky_result = 0;
	if (!sched_init(&s, sky_handle, sky_reap)) {
		run_fail("out of memory");
		sched_fini(&s);
		return false;
	}
	*secs = sched_run(&s, sky_kick, NULL);
	sched_fini(&s);
	return !atomic_load(&g.failed) && sky_result == l * (l - 1) / 2;
}

/* ---- the runner ------------------------------------------------------------------------------------ */

typedef bool (*wl_fn)(double *secs, uint64_t *msgs, uint64_t *spawns);

static const wl_fn wl_fns[WL_COUNT] = {
        wl_pingpong, wl_counting, wl_threadring, wl_fanin,
        wl_fjthrput, wl_fanout,   wl_skynet,     wl_big,
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "cadre-peer-rawc: a run hung past --timeout; giving up\n";
	ssize_t rc = write(STDERR_FILENO, msg, sizeof msg - 1);

	(void)rc;
	(void)sig;
	_exit(3);
}

/* One placement's warm-ups and timed runs: the median, min and max of the
 * timed runs (of the failed one if any). Returns whether every run passed. */
static bool
run_placement(enum wl w, const struct options *o, unsigned threads, double st[3], uint64_t *msgs,
              uint64_t *spawns)
{
	double *secs = calloc(o->runs + 1, sizeof *secs);
	uint32_t done = 0;
	bool ok = true;

	if (secs == NULL) {
		fprintf(stderr, "cadre-peer-rawc: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < o->warmups + o->runs && ok; i++) {
		double s = 0;
		bool warm_up = i < o->warmups;

		if (warm_up)
			fprintf(stderr,
			        "%s (workers %u, %u thread%s): warm-up %" PRIu32 "/%" PRIu32 "\n",
			        wl_names[w], o->workers, threads, threads > 1 ? "s" : "", i + 1,
			        o->warmups);
		else
			fprintf(stderr,
			        "%s (workers %u, %u thread%s): run %" PRIu32 "/%" PRIu32 "\n",
			        wl_names[w], o->workers, threads, threads > 1 ? "s" : "",
			        i - o->warmups + 1, o->runs);
		run_reset(o, threads);
		alarm((unsigned)o->timeout_s);
		ok = wl_fns[w](&s, msgs, spawns);
		alarm(0);
		if (!ok)
			fprintf(stderr, "%s: FAILED%s%s\n", wl_names[w], g.why[0] ? ": " : "",
			        g.why);
		sem_destroy(&g.done);
		if (!warm_up || !ok)
			secs[done++] = s;
	}
	qsort(secs, done, sizeof *secs, cmp_double);
	st[0] = done % 2 ? secs[done / 2] : (secs[done / 2 - 1] + secs[done / 2]) / 2;
	st[1] = secs[0];
	st[2] = secs[done - 1];
	free(secs);
	return ok;
}

/* Runs a workload in each placement (see --placement) and prints the best
 * one's line, with both placements' rates. */
static bool
run_case(enum wl w, const struct options *o)
{
	static const char *const pnames[2] = {"spread", "packed"};
	unsigned threads[2] = {o->workers, 1};
	double st[2][3] = {{0}}, mps[2] = {0};
	bool ok[2] = {false, false}, ran[2] = {false, false};
	uint64_t msgs = 0, spawns = 0;

	for (int p = 0; p < 2; p++) {
		if (o->placement != PL_BEST && (int)o->placement != p)
			continue;
		if (p == 1 && o->workers == 1 && ran[0])
			continue; /* one worker: spread is packed */
		ran[p] = true;
		ok[p] = run_placement(w, o, threads[p], st[p], &msgs, &spawns);
		mps[p] = ok[p] && st[p][0] > 0 ? (double)msgs / st[p][0] : 0;
	}
	int b = !ran[0] || (ran[1] && (!ok[0] || (ok[1] && mps[1] > mps[0]))) ? 1 : 0;
	bool good = ok[b] && (!ran[b ^ 1] || ok[b ^ 1]);
	printf("{\"bench\":\"%s\",\"impl\":\"rawc\",\"workers\":%u,\"msgs\":%" PRIu64
	       ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%" PRIu32 ",\"warmups\":%" PRIu32
	       ",\"stat\":\"median\",\"check\":\"%s\"",
	       wl_names[w], o->workers, msgs, st[b][0], good ? mps[b] : 0.0, o->runs, o->warmups,
	       good ? "ok" : "fail");
	if (w == WL_SKYNET)
		printf(",\"spawns\":%" PRIu64 ",\"sps\":%.1f", spawns,
		       good && st[b][0] > 0 ? (double)spawns / st[b][0] : 0);
	if (w == WL_FANOUT)
		printf(",\"receivers\":%" PRIu64, o->sz.fanout_r);
	printf(",\"min_secs\":%.6f,\"max_secs\":%.6f,\"placement\":\"%s\"", st[b][1], st[b][2],
	       pnames[b]);
	for (int p = 0; p < 2; p++)
		if (ran[p])
			printf(",\"%s_mps\":%.1f", pnames[p], mps[p]);
	printf("}\n");
	fflush(stdout);
	fprintf(stderr, "%-10s w%u %9.3f Mmsg/s  median %.4f s [%.4f .. %.4f]  %s (%s", wl_names[w],
	        o->workers, good ? mps[b] / 1e6 : 0.0, st[b][0], st[b][1], st[b][2],
	        good ? "ok" : "FAILED", pnames[b]);
	if (ran[b ^ 1])
		fprintf(stderr, "; %s %.3f Mmsg/s", pnames[b ^ 1], mps[b ^ 1] / 1e6);
	fprintf(stderr, ")\n");
	return good;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: cadre-peer-rawc [--workers N] [--runs R] [--warmups W] [--quick]\n"
	           "                       [--only NAME[,NAME...]]\n"
	           "                       [--placement spread|packed|best] [--timeout SECS]\n"
	           "                       [size options as cadre-bench's]\n"
	           "  --placement   spread: the actors over --workers threads; packed: all on one\n"
	           "                thread; best (default): both, the faster one reported\n");
	for (size_t i = 0; i < NSIZES; i++)
		fprintf(f, "  %-18s (%" PRIu64 ")%s\n", size_opts[i].name, size_opts[i].dflt,
		        size_opts[i].quick ? " *" : "");
	fprintf(f, "--quick divides the sizes marked * by 10.\n");
}

static bool
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool
parse_only(const char *val, unsigned *mask)
{
	*mask = 0;
	for (const char *p = val; *p != '\0';) {
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
		const char *eq = strchr(a, '=');
		size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		const char *val = NULL;
		uint64_t v;
		bool known = false;

#define IS(name) (len == strlen(name) && strncmp(a, name, len) == 0)
#define VALUE() (val = eq != NULL ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL))
		if (IS("--help") || IS("-h")) {
			usage(stdout);
			exit(0);
		} else if (IS("--quick")) {
			o->quick = known = true;
		} else if (IS("--workers")) {
			known = parse_u64(VALUE(), 1, 64, &v);
			o->workers = (unsigned)v;
		} else if (IS("--runs")) {
			known = parse_u64(VALUE(), 1, 1000, &v);
			o->runs = (uint32_t)v;
		} else if (IS("--warmups")) {
			known = parse_u64(VALUE(), 0, 1000, &v);
			o->warmups = (uint32_t)v;
		} else if (IS("--timeout")) {
			known = parse_u64(VALUE(), 1, 86400, &o->timeout_s);
		} else if (IS("--only")) {
			known = VALUE() != NULL && parse_only(val, &o->only);
		} else if (IS("--placement")) {
			if (VALUE() != NULL) {
				known = true;
				if (strcmp(val, "spread") == 0)
					o->placement = PL_SPREAD;
				else if (strcmp(val, "packed") == 0)
					o->placement = PL_PACKED;
				else if (strcmp(val, "best") == 0)
					o->placement = PL_BEST;
				else
					known = false;
			}
		} else {
			for (size_t k = 0; k < NSIZES; k++) {
				if (IS(size_opts[k].name)) {
					known = parse_u64(VALUE(), size_opts[k].min,
					                  size_opts[k].max,
					                  size_at(&o->sz, size_opts[k].off));
					break;
				}
			}
		}
#undef IS
#undef VALUE
		if (!known) {
			fprintf(stderr, "cadre-peer-rawc: bad argument: %s%s%s\n", a,
			        val ? " " : "", val ? val : "");
			usage(stderr);
			exit(2);
		}
	}
}

int
main(int argc, char **argv)
{
	struct options o = {.workers = DEFAULT_WORKERS,
	                    .runs = DEFAULT_RUNS,
	                    .warmups = DEFAULT_WARMUPS,
	                    .timeout_s = DEFAULT_TIMEOUT_S,
	                    .placement = PL_BEST};
	bool ok = true;
	struct sigaction sa;

	for (size_t k = 0; k < NSIZES; k++)
		*size_at(&o.sz, size_opts[k].off) = size_opts[k].dflt;
	parse_args(argc, argv, &o);
	for (size_t k = 0; o.quick && k < NSIZES; k++) {
		uint64_t *v = size_at(&o.sz, size_opts[k].off);
		if (size_opts[k].quick && (*v /= 10) < size_opts[k].min)
			*v = size_opts[k].min;
	}
	uint64_t l = o.sz.skynet_leaves;
	while (l % SKYNET_FANOUT == 0)
		l /= SKYNET_FANOUT;
	if (l != 1) {
		fprintf(stderr, "cadre-peer-rawc: --skynet-leaves must be a power of 10\n");
		return 2;
	}
	if (o.sz.fanout_n < o.sz.fanout_r) {
		fprintf(stderr, "cadre-peer-rawc: --fanout-n must be at least --fanout-r\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	for (int w = 0; w < WL_COUNT; w++) {
		if (o.only != 0 && (o.only & (1u << w)) == 0)
			continue;
		ok = run_case((enum wl)w, &o) && ok;
	}
	return ok ? 0 : 1;
}
