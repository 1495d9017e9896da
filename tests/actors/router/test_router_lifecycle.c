/* Routers and pools (cadre/router.h), case by case: pools resized, routees
 * that crash (restarted in place, their mail handed over), a pool under a
 * supervisor, every message accounted for, and bad input. The routees and
 * the shared log are in tests/support/router_helpers.h. Run one case with:
 * test_router_lifecycle <case>. */
#include <cadre.h>
#include <cadre/supervisor.h>

#include "router_helpers.h"

/* ---- cases ---------------------------------------------------------------------------- */
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
				found |= cadre_ref_is_equal(refs[j], l->refs[i]);
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
	CHECK(!cadre_ref_is_equal(after[0], before[0]));
	CHECK(cadre_ref_is_equal(after[0], l->refs[3]));
	CHECK(cadre_ref_is_equal(after[1], before[1]));
	CHECK(cadre_ref_is_equal(after[2], before[2]));
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
		if (info.state == CADRE_CHILD_RUNNING && !cadre_ref_is_equal(info.ref, r1)) {
			r2 = info.ref;
			break;
		}
		nap_ms(1);
	}
	CHECK(!cadre_ref_is_equal(r2, r1));
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
	CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
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
	CHECK(!cadre_route_is_routed(&plain));
	CHECK(!cadre_route_is_routed(NULL));
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

/* The router's query answers until the router is gone: ENOACTOR. */
static void
wait_router_gone(cadre_ref r)
{
	int rc = 0;
	for (int k = 0; k < WAIT_ROUNDS && rc != CADRE_ENOACTOR; k++) {
		rc = cadre_router_query(sys, r, NULL, NULL, 0, NULL, 20);
		CHECK(rc == 0 || rc == CADRE_ENOACTOR || rc == CADRE_ETIMEDOUT);
		if (rc != CADRE_ENOACTOR)
			nap_ms(1);
	}
	CHECK_EQ(rc, CADRE_ENOACTOR);
}

/* Intensity 0 is OTP's default, 1: one routee crash is restarted, the
 * second within the period fails the router; CADRE_NO_RESTARTS fails it at
 * the first. (period_ms 0 is 5000: both crashes fall within it.) */
static void
zero_intensity_default(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec = {
	        .strategy = CADRE_ROUTE_ROUND_ROBIN, .beh = &worker_beh, .arg = l, .pool_size = 1};
	cadre_ref r;
	CHECK_EQ(cadre_router_spawn(sys, &spec, &r), 0);
	WAIT_FOR(atomic_load(&l->started) == 1);
	CHECK_EQ(cadre_send(sys, r, T_CRASH, NULL, 0), 0);
	WAIT_FOR(atomic_load(&l->started) == 2); /* restarted */
	cadre_router_stats st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.routees, 1);
	CHECK_EQ(st.restarts, 1);
	CHECK_EQ(cadre_send(sys, r, T_CRASH, NULL, 0), 0);
	wait_router_gone(r); /* the second: one too many */
	CHECK_EQ(atomic_load(&l->started), 2);
	/* none allowed */
	struct plog *z = plog_new();
	spec.arg = z;
	spec.intensity = CADRE_NO_RESTARTS;
	CHECK_EQ(cadre_router_spawn(sys, &spec, &r), 0);
	WAIT_FOR(atomic_load(&z->started) == 1);
	CHECK_EQ(cadre_send(sys, r, T_CRASH, NULL, 0), 0);
	wait_router_gone(r);
	CHECK_EQ(atomic_load(&z->started), 1);
	sys_down();
	free(l);
	free(z);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(pool_resize);
	RUN(routee_crash);
	RUN(under_supervisor);
	RUN(accounting);
	RUN(bad_input);
	RUN(zero_intensity_default);
	fprintf(stderr, "test_router_lifecycle: ok\n");
	return 0;
}
