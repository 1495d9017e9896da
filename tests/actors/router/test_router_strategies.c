/* Routers and pools (cadre/router.h), case by case: the routing strategies
 * (round robin, random, broadcast, consistent hashing, smallest mailbox),
 * over pools and over groups. The routees and the shared log are in
 * tests/support/router_helpers.h. Run one case with: test_router_strategies
 * <case>. */
#include "router_helpers.h"

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
			found |= cadre_ref_is_equal(refs[i], l->refs[j]);
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
		CHECK(cadre_ref_is_equal(refs[i], m[1]) || cadre_ref_is_equal(refs[i], m[3]) ||
		      cadre_ref_is_equal(refs[i], m[4]));
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

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(round_robin);
	RUN(random_and_broadcast);
	RUN(consistent_hash);
	RUN(group);
	RUN(smallest_mailbox);
	fprintf(stderr, "test_router_strategies: ok\n");
	return 0;
}
