/* Routers and pools (cadre/router.h), case by case.
 *
 * Pool routees are `worker`s: each claims an index in a shared log at
 * start and counts there what it handles (atomics; the test thread reads
 * them after bounded waits). Commands travel as ordinary messages through
 * the router: WORK {key, seq} is counted (and, for consistent hashing, the
 * key's owner noted), SLOW parks the routee on a gate (a spin with naps)
 * until the test opens it, CRASH fails the routee, ECHO (a request) is
 * answered. Group routees are `member`s, which read the router's header
 * with cadre_route_unwrap. Run one case with: test_router <case>. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre/ask.h>
#include <cadre/router.h>
#include <cadre/supervisor.h>

#include "check.h"

#define WAIT_ROUNDS 20000 /* x 1 ms: bound of every wait */
#define T_MS 10000L

enum { T_WORK = 1, T_SLOW, T_CRASH, T_ECHO, T_GO, T_BECOME, T_STASH };

static cadre_system *sys;
static const char *only;

static void
nap_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) != 0) {
	}
}

#define WAIT_FOR(cond)                                                     \
	do {                                                               \
		int wait_i_ = 0;                                           \
		while (!(cond) && wait_i_++ < WAIT_ROUNDS)                 \
			nap_ms(1);                                         \
		if (!(cond)) {                                             \
			fprintf(stderr, "timed out waiting: %s\n", #cond); \
			abort();                                           \
		}                                                          \
	} while (0)

/* ---- the shared log ------------------------------------------------------------------- */
#define MAXR 256
#define NKEYS 1000

struct plog {
	atomic_int started, stopped, failed, next_idx;
	cadre_ref refs[MAXR]; /* written before `started` is bumped (release) */
	atomic_long count[MAXR];
	atomic_long handled;     /* WORK messages handled */
	atomic_long handled_all; /* messages that came through the router, handled */
	atomic_int owner[NKEYS];
	atomic_int bad;
	atomic_int slow_idx; /* -1, or the routee parked on the gate */
	atomic_int gate;     /* 1: open */
	cadre_ref expect_sender;
	bool check_sender;
	atomic_int become_rc; /* 1 until a routee tried cadre_become */
	atomic_int stash_rc;  /* 1 until a routee tried cadre_stash */
};

static struct plog *
plog_new(void)
{
	struct plog *l = calloc(1, sizeof *l);
	CHECK(l != NULL);
	atomic_store(&l->slow_idx, -1);
	atomic_store(&l->become_rc, 1);
	atomic_store(&l->stash_rc, 1);
	for (int i = 0; i < NKEYS; i++)
		atomic_store(&l->owner[i], -1);
	return l;
}

struct work {
	uint64_t key;
	uint64_t seq;
};

static atomic_ulong dead_routed, dead_direct, dead_all, dead_enveloped;

static void
on_dead(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)ctx, (void)to, (void)why;
	cadre_msg v;
	/* Relaxed: counters read after waits that order them, or after
	 * shutdown. */
	atomic_fetch_add_explicit(&dead_all, 1, memory_order_relaxed);
	bool routed = cadre_route_unwrap(m, &v) == 1;
	if (routed)
		atomic_fetch_add_explicit(&dead_enveloped, 1, memory_order_relaxed);
	if (m->type != T_WORK)
		return;
	if (routed)
		atomic_fetch_add_explicit(&dead_routed, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&dead_direct, 1, memory_order_relaxed);
}

static void
sys_up(void)
{
	atomic_store(&dead_routed, 0);
	atomic_store(&dead_direct, 0);
	atomic_store(&dead_all, 0);
	atomic_store(&dead_enveloped, 0);
	cadre_config cfg = {.workers = 2, .dead_letter = on_dead};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
}

static void
sys_down(void)
{
	CHECK_EQ(cadre_system_shutdown(sys), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.dead_letters, atomic_load(&dead_all));
	cadre_system_free(sys);
	sys = NULL;
}

/* ---- pool routees --------------------------------------------------------------------- */
struct worker {
	cadre_actor base;
	struct plog *log;
	int idx;
};

static int
worker_start(cadre_actor *self, void *arg)
{
	struct worker *w = (struct worker *)self;
	w->log = arg;
	w->idx = atomic_fetch_add(&w->log->next_idx, 1);
	CHECK(w->idx < MAXR);
	w->log->refs[w->idx] = cadre_self(self);
	/* Release (seq_cst): refs[idx] before the count the test waits on. */
	atomic_fetch_add(&w->log->started, 1);
	return 0;
}

static const cadre_behaviour worker_beh;

static int
worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct worker *w = (struct worker *)self;
	struct plog *l = w->log;
	atomic_fetch_add(&l->handled_all, 1);
	switch (m->type) {
	case T_WORK: {
		struct work k;
		if (m->size != sizeof k) {
			atomic_fetch_add(&l->bad, 1); /* the router's header leaked through */
			return 0;
		}
		if (l->check_sender && !cadre_ref_eq(m->sender, l->expect_sender))
			atomic_fetch_add(&l->bad, 1);
		memcpy(&k, m->data, sizeof k);
		if (k.key < NKEYS)
			atomic_store(&l->owner[k.key], w->idx);
		atomic_fetch_add(&l->count[w->idx], 1);
		atomic_fetch_add(&l->handled, 1);
		return 0;
	}
	case T_SLOW:
		atomic_store(&l->slow_idx, w->idx);
		for (int i = 0; i < WAIT_ROUNDS * 10 && !atomic_load(&l->gate); i++) {
			struct timespec t = {0, 100000};
			nanosleep(&t, NULL);
		}
		return 0;
	case T_CRASH:
		return -1;
	case T_BECOME:
		/* the user's own behaviour: refused, the wrapper's size differs */
		atomic_store(&l->become_rc, cadre_become(self, &worker_beh, false));
		return 0;
	case T_STASH:
		atomic_store(&l->stash_rc, cadre_stash(self, m)); /* a routed message */
		return 0;
	case T_ECHO: {
		cadre_request req;
		CHECK_EQ(cadre_ask_request(m, &req), 0);
		CHECK_EQ(cadre_reply(cadre_actor_system(self), &req.reply_to, T_ECHO, &w->idx,
		                     sizeof w->idx),
		         0);
		return 0;
	}
	default:
		return 0;
	}
}

static void
worker_stop(cadre_actor *self, const cadre_exit *why)
{
	struct worker *w = (struct worker *)self;
	if (why->kind == CADRE_EXIT_FAILURE)
		atomic_fetch_add(&w->log->failed, 1);
	atomic_fetch_add(&w->log->stopped, 1);
}

static const cadre_behaviour worker_beh = {.size = sizeof(struct worker),
                                           .start = worker_start,
                                           .receive = worker_receive,
                                           .stop = worker_stop,
                                           .name = "worker"};

static cadre_router_stats
query(cadre_ref r, cadre_ref *refs, size_t max, size_t *n)
{
	cadre_router_stats st;
	CHECK_EQ(cadre_router_query(sys, r, &st, refs, max, n, T_MS), 0);
	return st;
}

static void
send_work(cadre_ref r, uint64_t key, uint64_t seq)
{
	struct work k = {key, seq};
	CHECK_EQ(cadre_send(sys, r, T_WORK, &k, sizeof k), 0);
}

static cadre_ref
pool(cadre_route strategy, struct plog *l, uint32_t n, cadre_router_spec *spec)
{
	*spec = (cadre_router_spec){.strategy = strategy,
	                            .beh = &worker_beh,
	                            .arg = l,
	                            .pool_size = n,
	                            .intensity = 100,
	                            .period_ms = 1000,
	                            .key_size = 8};
	cadre_ref r;
	CHECK_EQ(cadre_router_spawn(sys, spec, &r), 0);
	WAIT_FOR(atomic_load(&l->started) == (int)n);
	return r;
}

/* ---- a client actor: sends n WORK messages to the router -------------------------------- */
struct go {
	cadre_ref router;
	int n;
};

static int
client_receive(cadre_actor *self, const cadre_msg *m)
{
	struct go g;
	if (m->type != T_GO)
		return 0;
	memcpy(&g, m->data, sizeof g);
	for (int i = 0; i < g.n; i++) {
		struct work k = {NKEYS + (uint64_t)i, (uint64_t)i};
		CHECK_EQ(cadre_send(cadre_actor_system(self), g.router, T_WORK, &k, sizeof k), 0);
	}
	return 0;
}

static const cadre_behaviour client_beh = {.size = sizeof(cadre_actor), .receive = client_receive};

/* ---- cases ---------------------------------------------------------------------------- */
static void
round_robin(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_ROUND_ROBIN, l, 4, &spec);
	l->check_sender = true;
	l->expect_sender = CADRE_REF_NONE;
	for (int i = 0; i < 4000; i++)
		send_work(r, NKEYS + (uint64_t)i, (uint64_t)i);
	WAIT_FOR(atomic_load(&l->handled) == 4000);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(atomic_load(&l->count[i]), 1000); /* exact */
	/* the original sender is kept: routees see the client */
	cadre_ref client;
	CHECK_EQ(cadre_spawn(sys, &client_beh, NULL, NULL, &client), 0);
	l->expect_sender = client; /* before the GO: published by the send */
	struct go g = {r, 400};
	CHECK_EQ(cadre_send(sys, client, T_GO, &g, sizeof g), 0);
	WAIT_FOR(atomic_load(&l->handled) == 4400);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(atomic_load(&l->count[i]), 1100);
	CHECK_EQ(atomic_load(&l->bad), 0);
	/* requests through the router are answered to the requester */
	int seen[4] = {0};
	for (int i = 0; i < 40; i++) {
		int idx = -1;
		CHECK_EQ(
		        cadre_ask_wait(sys, r, T_ECHO, NULL, 0, T_MS, &idx, sizeof idx, NULL, NULL),
		        0);
		CHECK(idx >= 0 && idx < 4);
		seen[idx]++;
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(seen[i], 10);
	cadre_ref refs[8];
	size_t n = 0;
	cadre_router_stats st = query(r, refs, 8, &n);
	CHECK_EQ(n, 4);
	CHECK_EQ(st.routees, 4);
	CHECK_EQ(st.strategy, CADRE_ROUTE_ROUND_ROBIN);
	CHECK_EQ(st.received, 4440);
	CHECK_EQ(st.forwarded, 4440);
	CHECK_EQ(st.unroutable, 0);
	for (int i = 0; i < 4; i++) {
		bool found = false;
		for (int j = 0; j < 4; j++)
			found |= cadre_ref_eq(refs[i], l->refs[j]);
		CHECK(found);
	}
	/* truncated list */
	st = query(r, refs, 2, &n);
	CHECK_EQ(n, 4);
	/* cadre_become is refused in a pool routee */
	CHECK_EQ(cadre_send(sys, r, T_BECOME, NULL, 0), 0);
	WAIT_FOR(atomic_load(&l->become_rc) != 1);
	CHECK_EQ(atomic_load(&l->become_rc), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, T_STASH, NULL, 0), 0);
	WAIT_FOR(atomic_load(&l->stash_rc) != 1);
	CHECK_EQ(atomic_load(&l->stash_rc), CADRE_EINVAL);
	sys_down();
	CHECK_EQ(atomic_load(&l->stopped), 4);
	free(l);
}

static void
random_and_broadcast(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_RANDOM, l, 4, &spec);
	for (int i = 0; i < 8000; i++)
		send_work(r, NKEYS, (uint64_t)i);
	WAIT_FOR(atomic_load(&l->handled) == 8000);
	for (int i = 0; i < 4; i++) {
		long c = atomic_load(&l->count[i]);
		CHECK(c > 1600 && c < 2400); /* 2000 expected; 10+ sigma away */
	}
	struct plog *b = plog_new();
	cadre_router_spec bspec;
	cadre_ref br = pool(CADRE_ROUTE_BROADCAST, b, 5, &bspec);
	for (int i = 0; i < 300; i++)
		send_work(br, NKEYS, (uint64_t)i);
	WAIT_FOR(atomic_load(&b->handled) == 1500);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(atomic_load(&b->count[i]), 300);
	cadre_router_stats st = query(br, NULL, 0, NULL);
	CHECK_EQ(st.received, 300);
	CHECK_EQ(st.forwarded, 1500);
	CHECK_EQ(atomic_load(&l->bad) + atomic_load(&b->bad), 0);
	sys_down();
	free(l);
	free(b);
}

static void
send_keys(cadre_ref r, struct plog *l, long *expect)
{
	for (int k = 0; k < NKEYS; k++)
		send_work(r, (uint64_t)k, 0);
	*expect += NKEYS;
	WAIT_FOR(atomic_load(&l->handled) == *expect);
}

static void
consistent_hash(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_CONSISTENT_HASH, l, 4, &spec);
	long expect = 0;
	static int before[NKEYS], after[NKEYS];
	send_keys(r, l, &expect);
	for (int k = 0; k < NKEYS; k++)
		before[k] = atomic_load(&l->owner[k]);
	/* the same key, the same routee (also when the payload differs after
	 * the key: key_size is 8) */
	for (int round = 1; round <= 2; round++) {
		for (int k = 0; k < NKEYS; k++)
			send_work(r, (uint64_t)k, (uint64_t)round * 7919u);
		expect += NKEYS;
		WAIT_FOR(atomic_load(&l->handled) == expect);
		for (int k = 0; k < NKEYS; k++)
			CHECK_EQ(atomic_load(&l->owner[k]), before[k]);
	}
	int per[4] = {0};
	for (int k = 0; k < NKEYS; k++)
		per[before[k]]++;
	for (int i = 0; i < 4; i++)
		CHECK(per[i] > NKEYS / 10); /* spread over all four */
	/* one more routee: only its keys move, about a fifth */
	CHECK_EQ(cadre_router_resize(sys, r, 5), 0);
	WAIT_FOR(atomic_load(&l->started) == 5);
	send_keys(r, l, &expect);
	int moved = 0;
	for (int k = 0; k < NKEYS; k++) {
		after[k] = atomic_load(&l->owner[k]);
		if (after[k] != before[k]) {
			moved++;
			CHECK_EQ(after[k], 4); /* moved to the new routee, nowhere else */
		}
	}
	fprintf(stderr, "   4 -> 5 routees: %d of %d keys moved\n", moved, NKEYS);
	CHECK(moved > NKEYS / 20 && moved < NKEYS / 3);
	/* and back: every key returns to its first owner */
	CHECK_EQ(cadre_router_resize(sys, r, 4), 0);
	WAIT_FOR(atomic_load(&l->stopped) == 1);
	send_keys(r, l, &expect);
	for (int k = 0; k < NKEYS; k++)
		CHECK_EQ(atomic_load(&l->owner[k]), before[k]);
	CHECK_EQ(atomic_load(&l->bad), 0);
	sys_down();
	free(l);
}

/* A group of members given by ref: they unwrap the router's header. */
struct member {
	cadre_actor base;
	atomic_long *count;
};

static atomic_int member_bad;

static int
member_start(cadre_actor *self, void *arg)
{
	((struct member *)self)->count = arg;
	return 0;
}

static int
member_receive(cadre_actor *self, const cadre_msg *m)
{
	struct member *mb = (struct member *)self;
	cadre_msg v;
	if (m->type != T_WORK)
		return 0;
	if (cadre_route_unwrap(m, &v) != 1 || v.size != sizeof(struct work) || v.type != T_WORK ||
	    !cadre_ref_is_none(v.sender))
		atomic_fetch_add(&member_bad, 1);
	atomic_fetch_add(mb->count, 1);
	return 0;
}

static const cadre_behaviour member_beh = {
        .size = sizeof(struct member), .start = member_start, .receive = member_receive};

static void
group(void)
{
	sys_up();
	static atomic_long counts[6];
	cadre_ref m[6];
	for (int i = 0; i < 6; i++) {
		atomic_store(&counts[i], 0);
		CHECK_EQ(cadre_spawn(sys, &member_beh, NULL, &counts[i], &m[i]), 0);
	}
	cadre_router_spec spec = {.strategy = CADRE_ROUTE_ROUND_ROBIN, .routees = m, .nroutees = 3};
	cadre_ref r;
	CHECK_EQ(cadre_router_spawn(sys, &spec, &r), 0);
	for (int i = 0; i < 300; i++)
		send_work(r, 0, (uint64_t)i);
	WAIT_FOR(atomic_load(&counts[0]) + atomic_load(&counts[1]) + atomic_load(&counts[2]) ==
	         300);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(atomic_load(&counts[i]), 100);
	/* a member stops: the router drops it (monitor) */
	CHECK_EQ(cadre_stop_ref(sys, m[2]), 0);
	cadre_router_stats st;
	for (int i = 0; i < WAIT_ROUNDS && (st = query(r, NULL, 0, NULL)).routees != 2; i++)
		nap_ms(1);
	CHECK_EQ(st.routees, 2);
	/* add two, remove one */
	CHECK_EQ(cadre_router_add(sys, r, m[3]), 0);
	CHECK_EQ(cadre_router_add(sys, r, m[4]), 0);
	CHECK_EQ(cadre_router_add(sys, r, m[4]), 0); /* twice: once */
	CHECK_EQ(cadre_router_add(sys, r, r), 0);    /* itself: ignored */
	CHECK_EQ(cadre_router_remove(sys, r, m[0]), 0);
	cadre_ref refs[8];
	size_t n;
	st = query(r, refs, 8, &n);
	CHECK_EQ(n, 3);
	for (size_t i = 0; i < n; i++)
		CHECK(cadre_ref_eq(refs[i], m[1]) || cadre_ref_eq(refs[i], m[3]) ||
		      cadre_ref_eq(refs[i], m[4]));
	for (int i = 0; i < 300; i++)
		send_work(r, 0, (uint64_t)i);
	WAIT_FOR(atomic_load(&counts[1]) + atomic_load(&counts[3]) + atomic_load(&counts[4]) ==
	         100 + 300);
	CHECK_EQ(atomic_load(&counts[1]), 200);
	CHECK_EQ(atomic_load(&counts[3]), 100);
	CHECK_EQ(atomic_load(&counts[4]), 100);
	CHECK_EQ(atomic_load(&counts[0]), 100);
	/* a pool ignores group operations, a group ignores resize */
	CHECK_EQ(cadre_router_resize(sys, r, 10), 0);
	st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.routees, 3);
	/* an empty group: messages are unroutable (counted) */
	cadre_router_spec empty = {.strategy = CADRE_ROUTE_RANDOM};
	cadre_ref e;
	CHECK_EQ(cadre_router_spawn(sys, &empty, &e), 0);
	for (int i = 0; i < 10; i++)
		send_work(e, 0, 0);
	st = query(e, NULL, 0, NULL);
	CHECK_EQ(st.received, 10);
	CHECK_EQ(st.unroutable, 10);
	CHECK_EQ(st.forwarded, 0);
	/* consistent hashing over a group: adding a member moves a minority */
	cadre_router_spec hs = {
	        .strategy = CADRE_ROUTE_CONSISTENT_HASH, .routees = m + 3, .nroutees = 2};
	cadre_ref h;
	CHECK_EQ(cadre_router_spawn(sys, &hs, &h), 0);
	long c3 = atomic_load(&counts[3]), c4 = atomic_load(&counts[4]);
	for (int k = 0; k < 600; k++)
		send_work(h, (uint64_t)k, 0);
	WAIT_FOR(atomic_load(&counts[3]) + atomic_load(&counts[4]) == c3 + c4 + 600);
	CHECK(atomic_load(&counts[3]) - c3 > 100 && atomic_load(&counts[4]) - c4 > 100);
	CHECK_EQ(cadre_router_add(sys, h, m[5]), 0);
	for (int k = 0; k < 600; k++)
		send_work(h, (uint64_t)k, 0);
	WAIT_FOR(atomic_load(&counts[3]) + atomic_load(&counts[4]) + atomic_load(&counts[5]) ==
	         c3 + c4 + 1200);
	long to_new = atomic_load(&counts[5]);
	fprintf(stderr, "   group 2 -> 3: %ld of 600 keys moved\n", to_new);
	CHECK(to_new > 600 / 10 && to_new < 600 / 2);
	CHECK_EQ(atomic_load(&member_bad), 0);
	sys_down();
}

/* Routees that block (SLOW parks on the gate) run on the blocking pool. */
static cadre_ref
blocking_pool(cadre_route strategy, struct plog *l, uint32_t n, bool handover)
{
	cadre_router_spec spec = {.strategy = strategy,
	                          .beh = &worker_beh,
	                          .arg = l,
	                          .pool_size = n,
	                          .intensity = 3,
	                          .handover_mail = handover,
	                          .spawn_flags = CADRE_SPAWN_BLOCKING};
	cadre_ref r;
	CHECK_EQ(cadre_router_spawn(sys, &spec, &r), 0); /* read at start only */
	WAIT_FOR(atomic_load(&l->started) == (int)n);
	return r;
}

static void
smallest_mailbox(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_ref r = blocking_pool(CADRE_ROUTE_SMALLEST_MAILBOX, l, 3, false);
	CHECK_EQ(cadre_send(sys, r, T_SLOW, NULL, 0), 0);
	WAIT_FOR(atomic_load(&l->slow_idx) >= 0);
	int busy = atomic_load(&l->slow_idx);
	/* one at a time: the busy routee always has the most in flight */
	for (int i = 0; i < 30; i++) {
		send_work(r, NKEYS, (uint64_t)i);
		WAIT_FOR(atomic_load(&l->handled) == i + 1);
	}
	CHECK_EQ(atomic_load(&l->count[busy]), 0);
	long others = 0;
	for (int i = 0; i < 3; i++) {
		if (i == busy)
			continue;
		CHECK(atomic_load(&l->count[i]) > 0); /* ties go round-robin */
		others += atomic_load(&l->count[i]);
	}
	CHECK_EQ(others, 30);
	atomic_store(&l->gate, 1);
	/* a burst: everything handled, spread by load */
	for (int i = 0; i < 3000; i++)
		send_work(r, NKEYS, (uint64_t)i);
	WAIT_FOR(atomic_load(&l->handled) == 3030);
	cadre_router_stats st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.forwarded, 3031);
	CHECK_EQ(st.unroutable, 0);
	sys_down();
	free(l);
}

static void
pool_resize(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_ROUND_ROBIN, l, 2, &spec);
	CHECK_EQ(cadre_router_resize(sys, r, 8), 0);
	cadre_router_stats st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.routees, 8);
	WAIT_FOR(atomic_load(&l->started) == 8);
	/* shrink while the routees still have mail: they handle it first */
	for (int i = 0; i < 800; i++)
		send_work(r, NKEYS, (uint64_t)i);
	CHECK_EQ(cadre_router_resize(sys, r, 3), 0);
	WAIT_FOR(atomic_load(&l->handled) == 800);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(atomic_load(&l->count[i]), 100);
	CHECK_EQ(atomic_load(&dead_all), 0);
	st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.routees, 3);
	CHECK(st.stopping <= 5);
	WAIT_FOR(atomic_load(&l->stopped) == 5);
	CHECK_EQ(atomic_load(&l->failed), 0); /* stopped gracefully */
	for (int i = 0; i < WAIT_ROUNDS && (st = query(r, NULL, 0, NULL)).stopping != 0; i++)
		nap_ms(1);
	CHECK_EQ(st.stopping, 0);
	CHECK_EQ(st.routees, 3);
	CHECK_EQ(st.restarts, 0);
	cadre_ref refs[8];
	size_t n;
	query(r, refs, 8, &n);
	CHECK_EQ(n, 3);
	for (int i = 0; i < 300; i++)
		send_work(r, NKEYS, (uint64_t)i);
	WAIT_FOR(atomic_load(&l->handled) == 1100);
	int twice = 0, once = 0;
	for (int i = 0; i < 8; i++) {
		long c = atomic_load(&l->count[i]);
		twice += c == 200;
		once += c == 100;
		if (c == 200) { /* one of the three routees left */
			bool found = false;
			for (int j = 0; j < 3; j++)
				found |= cadre_ref_eq(refs[j], l->refs[i]);
			CHECK(found);
		}
	}
	CHECK_EQ(twice, 3);
	CHECK_EQ(once, 5);
	/* grow again, to zero, and back */
	CHECK_EQ(cadre_router_resize(sys, r, 0), 0);
	st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.routees, 0);
	WAIT_FOR(atomic_load(&l->stopped) == 8);
	send_work(r, NKEYS, 0);
	CHECK_EQ(cadre_router_resize(sys, r, 4), 0);
	st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.routees, 4);
	CHECK_EQ(st.unroutable, 1);
	WAIT_FOR(atomic_load(&l->started) == 12);
	sys_down();
	CHECK_EQ(atomic_load(&l->stopped), 12);
	free(l);
}

static void
routee_crash(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_ROUND_ROBIN, l, 3, &spec);
	cadre_ref before[3], after[3];
	size_t n;
	query(r, before, 3, &n);
	CHECK_EQ(cadre_send(sys, r, T_CRASH, NULL, 0), 0);
	WAIT_FOR(atomic_load(&l->started) == 4);
	CHECK_EQ(atomic_load(&l->failed), 1);
	cadre_router_stats st = query(r, after, 3, &n);
	CHECK_EQ(st.routees, 3);
	CHECK_EQ(st.restarts, 1);
	/* the restarted routee took its predecessor's place */
	CHECK(!cadre_ref_eq(after[0], before[0]));
	CHECK(cadre_ref_eq(after[0], l->refs[3]));
	CHECK(cadre_ref_eq(after[1], before[1]));
	CHECK(cadre_ref_eq(after[2], before[2]));
	for (int i = 0; i < 300; i++)
		send_work(r, NKEYS, (uint64_t)i);
	WAIT_FOR(atomic_load(&l->handled) == 300);
	CHECK_EQ(atomic_load(&l->count[3]), 100);
	/* handover: a crashed routee's queued mail goes to its successor */
	struct plog *h = plog_new();
	cadre_ref hr = blocking_pool(CADRE_ROUTE_ROUND_ROBIN, h, 1, true);
	CHECK_EQ(cadre_send(sys, hr, T_SLOW, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, hr, T_CRASH, NULL, 0), 0);
	for (int i = 0; i < 10; i++)
		send_work(hr, NKEYS, (uint64_t)i);
	st = query(hr, NULL, 0, NULL);
	CHECK_EQ(st.forwarded, 12); /* all queued at the parked routee */
	atomic_store(&h->gate, 1);
	WAIT_FOR(atomic_load(&h->handled) == 10);
	CHECK_EQ(atomic_load(&h->count[1]), 10); /* by the successor */
	CHECK_EQ(atomic_load(&dead_routed), 0);
	sys_down();
	free(l);
	free(h);
}

static void
under_supervisor(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec rs = {.strategy = CADRE_ROUTE_ROUND_ROBIN,
	                        .beh = &worker_beh,
	                        .arg = l,
	                        .pool_size = 3,
	                        .intensity = 1,
	                        .period_ms = 60000};
	cadre_child_spec kids[] = {{.id = "pool",
	                            .beh = cadre_router_behaviour(),
	                            .arg = &rs,
	                            .restart = CADRE_PERMANENT,
	                            .shutdown_ms = 5000,
	                            .type = CADRE_SUPERVISOR}};
	cadre_sup_spec sp = {.strategy = CADRE_ONE_FOR_ONE,
	                     .intensity = 5,
	                     .period_ms = 60000,
	                     .children = kids,
	                     .nchildren = 1};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS), 0);
	cadre_child_info info;
	size_t n;
	CHECK_EQ(cadre_supervisor_which_children(sys, sup, &info, 1, &n, T_MS), 0);
	CHECK_EQ(n, 1);
	cadre_ref r1 = info.ref;
	WAIT_FOR(atomic_load(&l->started) == 3);
	for (int i = 0; i < 30; i++)
		send_work(r1, NKEYS, (uint64_t)i);
	WAIT_FOR(atomic_load(&l->handled) == 30);
	/* two crashes: one restart is allowed, the second escalates */
	CHECK_EQ(cadre_send(sys, r1, T_CRASH, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r1, T_CRASH, NULL, 0), 0);
	cadre_ref r2 = r1;
	for (int i = 0; i < WAIT_ROUNDS; i++) {
		CHECK_EQ(cadre_supervisor_which_children(sys, sup, &info, 1, &n, T_MS), 0);
		if (info.state == CADRE_CHILD_RUNNING && !cadre_ref_eq(info.ref, r1)) {
			r2 = info.ref;
			break;
		}
		nap_ms(1);
	}
	CHECK(!cadre_ref_eq(r2, r1));
	/* A, B, C; A' (restart); then D, E, F under the new router */
	WAIT_FOR(atomic_load(&l->started) == 7);
	WAIT_FOR(atomic_load(&l->stopped) == 4);
	CHECK_EQ(atomic_load(&l->failed), 2);
	cadre_router_stats st = query(r2, NULL, 0, NULL);
	CHECK_EQ(st.routees, 3);
	CHECK_EQ(st.restarts, 0);
	for (int i = 0; i < 30; i++)
		send_work(r2, NKEYS, (uint64_t)i);
	WAIT_FOR(atomic_load(&l->handled) == 60);
	/* stopping the supervisor stops the router, which stops its routees */
	CHECK_EQ(cadre_supervisor_stop(sys, sup, T_MS), 0);
	WAIT_FOR(atomic_load(&l->stopped) == 7);
	CHECK_EQ(atomic_load(&l->failed), 2);
	CHECK_EQ(cadre_system_await_idle(sys, T_MS), 0);
	sys_down();
	free(l);
}

/* Every message sent through a router is handled or a dead letter, while
 * the pool is resized and routees crash. */
static void
accounting(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_ROUND_ROBIN, l, 4, &spec);
	long total = test_size("ROUTER_ACCOUNTING_N", 40000);
	unsigned seed = 1;
	uint64_t crashes = 0;
	for (long i = 0; i < total; i++) {
		send_work(r, NKEYS, (uint64_t)i);
		if (i % 1000 == 999) {
			seed = seed * 1103515245u + 12345u;
			CHECK_EQ(cadre_router_resize(sys, r, 1 + (seed >> 16) % 8), 0);
		}
		if (i % 3000 == 1500) {
			CHECK_EQ(cadre_send(sys, r, T_CRASH, NULL, 0), 0);
			crashes++;
		}
	}
	cadre_router_stats st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.received, (uint64_t)total + crashes);
	CHECK(st.unroutable <= st.dead); /* only when the one routee had just died */
	CHECK(st.restarts > 0);
	/* Each forward was handled, or is dead: left queued at a routee that
	 * stopped, or refused because it had just stopped (st.dead). */
	WAIT_FOR((uint64_t)atomic_load(&l->handled_all) + atomic_load(&dead_enveloped) ==
	         st.forwarded + st.dead);
	fprintf(stderr,
	        "   %ld sent: %ld handled, %lu dead at routees (%llu refused), %llu restarts\n",
	        total, atomic_load(&l->handled), atomic_load(&dead_routed),
	        (unsigned long long)st.dead, (unsigned long long)st.restarts);
	CHECK_EQ(atomic_load(&dead_direct), 0);
	sys_down();
	CHECK_EQ((uint64_t)atomic_load(&l->handled_all) + atomic_load(&dead_enveloped),
	         st.forwarded + st.dead);
	CHECK_EQ(atomic_load(&l->bad), 0);
	CHECK_EQ(atomic_load(&l->started), atomic_load(&l->stopped));
	free(l);
}

static const cadre_behaviour silent_beh = {
        .size = sizeof(struct member), .start = member_start, .receive = member_receive};

static void
bad_input(void)
{
	sys_up();
	cadre_ref r;
	CHECK_EQ(cadre_router_spawn(sys, NULL, &r), CADRE_EINVAL);
	CHECK_EQ(cadre_router_spawn(NULL, &(cadre_router_spec){0}, &r), CADRE_EINVAL);
	cadre_msg v;
	CHECK_EQ(cadre_route_unwrap(NULL, &v), CADRE_EINVAL);
	cadre_msg plain = {T_WORK, 3, "abc", CADRE_REF_NONE};
	CHECK_EQ(cadre_route_unwrap(&plain, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_route_unwrap(&plain, &v), 0);
	CHECK(v.data == plain.data && v.size == 3);
	CHECK(cadre_route_hash("a", 1) != cadre_route_hash("b", 1));
	CHECK_EQ(cadre_route_hash("abc", 3), cadre_route_hash("abc", 3));
	/* specs the router's start refuses: it fails, and is gone */
	cadre_ref one = CADRE_REF_NONE;
	cadre_router_spec bad[] = {
	        {.strategy = (cadre_route)9},
	        {.strategy = CADRE_ROUTE_SMALLEST_MAILBOX, .routees = &one, .nroutees = 1},
	        {.strategy = CADRE_ROUTE_RANDOM, .routees = NULL, .nroutees = 2},
	        {.strategy = CADRE_ROUTE_RANDOM, .beh = &(cadre_behaviour){.size = 8}},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(cadre_router_spawn(sys, &bad[i], &r), 0);
		int rc = 0;
		for (int k = 0; k < WAIT_ROUNDS && rc != CADRE_ENOACTOR; k++) {
			rc = cadre_router_query(sys, r, NULL, NULL, 0, NULL, 20);
			CHECK(rc == CADRE_ENOACTOR || rc == CADRE_ETIMEDOUT);
		}
		CHECK_EQ(rc, CADRE_ENOACTOR);
	}
	cadre_ref s;
	static atomic_long cnt;
	CHECK_EQ(cadre_spawn(sys, &silent_beh, NULL, &cnt, &s), 0);
	CHECK_EQ(cadre_router_query(sys, s, NULL, NULL, 1, NULL, 10), CADRE_EINVAL);
	CHECK_EQ(cadre_router_query(sys, s, NULL, NULL, 0, NULL, 20), CADRE_ETIMEDOUT);
	sys_down();
}

/* ---- main ------------------------------------------------------------------------------ */
#define RUN(fn) TEST_CASE_IF(only, fn)

int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(round_robin);
	RUN(random_and_broadcast);
	RUN(consistent_hash);
	RUN(group);
	RUN(smallest_mailbox);
	RUN(pool_resize);
	RUN(routee_crash);
	RUN(under_supervisor);
	RUN(accounting);
	RUN(bad_input);
	fprintf(stderr, "test_router: ok\n");
	return 0;
}
