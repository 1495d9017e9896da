/* Cadre tests: what the router tests share (test_router_*.c in
 * tests/actors: routers and pools, cadre/router.h).
 *
 * Pool routees are `worker`s: each claims an index in a shared log at
 * start and counts there what it handles (atomics; the test thread reads
 * them after bounded waits). Commands travel as ordinary messages through
 * the router: WORK {key, seq} is counted (and, for consistent hashing, the
 * key's owner noted), SLOW parks the routee on a gate (a spin with naps)
 * until the test opens it, CRASH fails the routee, ECHO (a request) is
 * answered. Group routees are `member`s, which read the router's header
 * with cadre_route_unwrap. Run one case with: test_router_<topic> <case>. */
#ifndef CADRE_TEST_ROUTER_HELPERS_H
#define CADRE_TEST_ROUTER_HELPERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>
#include <cadre/ask.h>
#include <cadre/router.h>

#include "check.h"
#include "waits.h"

#define WAIT_ROUNDS 20000 /* x 1 ms: bound of every wait */
#define T_MS 10000L

enum { T_WORK = 1, T_SLOW, T_CRASH, T_ECHO, T_GO, T_BECOME, T_STASH };

static cadre_system *sys;
static const char *only;

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

static inline struct plog *
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

static inline void
on_dead(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)ctx, (void)to, (void)why;
	cadre_msg v;
	/* Relaxed: counters read after waits that order them, or after
	 * shutdown. */
	atomic_fetch_add_explicit(&dead_all, 1, memory_order_relaxed);
	bool routed = cadre_route_is_routed(m);
	CHECK_EQ(cadre_route_unwrap(m, &v), 0);
	if (routed)
		atomic_fetch_add_explicit(&dead_enveloped, 1, memory_order_relaxed);
	if (m->type != T_WORK)
		return;
	if (routed)
		atomic_fetch_add_explicit(&dead_routed, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&dead_direct, 1, memory_order_relaxed);
}

static inline void
sys_up(void)
{
	atomic_store(&dead_routed, 0);
	atomic_store(&dead_direct, 0);
	atomic_store(&dead_all, 0);
	atomic_store(&dead_enveloped, 0);
	cadre_config cfg = {.workers = 2, .dead_letter = on_dead};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
}

static inline void
sys_down(void)
{
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
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

static inline int
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

static inline int
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
		if (l->check_sender && !cadre_ref_is_equal(m->sender, l->expect_sender))
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

static inline void
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

static inline cadre_router_stats
query(cadre_ref r, cadre_ref *refs, size_t max, size_t *n)
{
	cadre_router_stats st;
	CHECK_EQ(cadre_router_query(sys, r, &st, refs, max, n, T_MS), 0);
	return st;
}

static inline void
send_work(cadre_ref r, uint64_t key, uint64_t seq)
{
	struct work k = {key, seq};
	CHECK_EQ(cadre_send(sys, r, T_WORK, &k, sizeof k), 0);
}

static inline cadre_ref
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

/* A group of members given by ref: they unwrap the router's header. */
struct member {
	cadre_actor base;
	atomic_long *count;
};

static atomic_int member_bad;

static inline int
member_start(cadre_actor *self, void *arg)
{
	((struct member *)self)->count = arg;
	return 0;
}

static inline int
member_receive(cadre_actor *self, const cadre_msg *m)
{
	struct member *mb = (struct member *)self;
	cadre_msg v;
	if (m->type != T_WORK)
		return 0;
	if (!cadre_route_is_routed(m) || cadre_route_unwrap(m, &v) != 0 ||
	    v.size != sizeof(struct work) || v.type != T_WORK || !cadre_ref_is_none(v.sender))
		atomic_fetch_add(&member_bad, 1);
	atomic_fetch_add(mb->count, 1);
	return 0;
}

static const cadre_behaviour member_beh = {
        .size = sizeof(struct member), .start = member_start, .receive = member_receive};

/* Routees that block (SLOW parks on the gate) run on the blocking pool. */
static inline cadre_ref
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

#define RUN(fn) TEST_CASE_IF(only, fn)

#endif /* CADRE_TEST_ROUTER_HELPERS_H */
