/* Routers, request/response and forged reserved-type messages (regression
 * tests).
 *
 * A router trusts the payloads of the CADRE_MSG_EXIT and CADRE_MSG_DOWN
 * core delivers to it. Before the fix anyone could send those with
 * cadre_send: a DOWN without a payload made the router dereference NULL
 * (SIGSEGV), and a well-formed EXIT naming a live pool routee made it
 * spawn a second routee in that routee's slot while the first still ran.
 *   - router_public_refused: the public sends refuse the reserved types
 *     (CADRE_EINVAL); the helpers (cadre_router_resize, _query) still work.
 *   - ask_refuses_reserved: cadre_ask, cadre_ask_cb, cadre_ask_wait and
 *     cadre_forward refuse a reserved request type (CADRE_EINVAL).
 *   - group_router_malformed / pool_router_malformed: malformed EXIT and
 *     DOWN messages delivered through the library's internal path
 *     (cadre__reserved.h), or well-formed ones that name a live routee but
 *     come from someone else or carry another monitor id, are ignored; a
 *     real DOWN or crash still counts. */
#include "cadre__reserved.h"
#include "router_helpers.h"

/* ---- public sends ------------------------------------------------------------------------ */
static void
router_public_refused(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_ROUND_ROBIN, l, 2, &spec);
	uint32_t n = 3;
	cadre_exit_msg em = {l->refs[0], {CADRE_EXIT_FAILURE, 9, "forged"}, true, NULL};
	CHECK_EQ(cadre_send(sys, r, CADRE_ROUTER_RESIZE, &n, sizeof n), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, CADRE_MSG_EXIT, &em, sizeof em), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, CADRE_MSG_EXIT, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, CADRE_MSG_DOWN, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_send_move(sys, r, CADRE_MSG_DOWN, NULL, 0, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_send_after(sys, r, CADRE_MSG_DOWN, NULL, 0, 0, NULL), CADRE_EINVAL);
	/* the helpers are the way */
	CHECK_EQ(cadre_router_resize(sys, r, n), 0);
	WAIT_FOR(atomic_load(&l->started) == 3);
	cadre_router_stats st = query(r, NULL, 0, NULL);
	CHECK_EQ(st.routees, 3);
	CHECK_EQ(st.restarts, 0);
	CHECK_EQ(atomic_load(&l->failed), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	WAIT_FOR(atomic_load(&l->stopped) == 3);
	sys_down();
	free(l);
}

/* ---- the ask/request calls ----------------------------------------------------------------- */
struct asker {
	cadre_actor base;
	cadre_asker asker;
};

static atomic_int asker_rc = 1, relay_rc = 1;

static int
ignore_msg(cadre_actor *self, const cadre_msg *m)
{
	(void)self, (void)m;
	return 0;
}

static void
ignore_response(cadre_actor *self, void *ctx, const cadre_response *r)
{
	(void)self, (void)ctx, (void)r;
}

static int
asker_start(cadre_actor *self, void *arg)
{
	struct asker *a = (struct asker *)self;
	cadre_ref to = *(const cadre_ref *)arg;
	int bad = 0;
	bad += cadre_ask(self, &a->asker, to, CADRE_ROUTER_QUERY, NULL, 0, 1000, NULL) !=
	       CADRE_EINVAL;
	bad += cadre_ask(self, &a->asker, to, CADRE_MSG_EXIT, "x", 1, 1000, NULL) != CADRE_EINVAL;
	bad += cadre_ask_cb(self, &a->asker, to, CADRE_MSG_REPLY, NULL, 0, 1000, ignore_response,
	                    NULL, NULL) != CADRE_EINVAL;
	cadre_ask_stats st;
	cadre_asker_stats(&a->asker, &st);
	bad += st.asked != 0 || st.pending != 0;
	atomic_store(&asker_rc, bad);
	return cadre_stop(self);
}

static void
asker_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct asker *)self)->asker);
}

static const cadre_behaviour asker_beh = {.size = sizeof(struct asker),
                                          .start = asker_start,
                                          .receive = ignore_msg,
                                          .stop = asker_stop};

/* Forwards the request it gets (a router query: a reserved type) to the
 * router, then answers it itself with an empty reply. */
struct relay {
	cadre_actor base;
	cadre_ref to;
};

static int
relay_start(cadre_actor *self, void *arg)
{
	((struct relay *)self)->to = *(const cadre_ref *)arg;
	return 0;
}

static int
relay_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	cadre_system *s = cadre_actor_system(self);
	atomic_store(&relay_rc, cadre_forward(s, ((struct relay *)self)->to, m));
	CHECK_EQ(cadre_reply(s, &req.reply_to, 0, NULL, 0), 0);
	return 0;
}

static const cadre_behaviour relay_beh = {
        .size = sizeof(struct relay), .start = relay_start, .receive = relay_receive};

static void
ask_refuses_reserved(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_ROUND_ROBIN, l, 1, &spec);
	char buf[64];
	CHECK_EQ(cadre_ask_wait(sys, r, CADRE_ROUTER_QUERY, NULL, 0, 100, buf, sizeof buf, NULL,
	                        NULL),
	         CADRE_EINVAL);
	CHECK_EQ(cadre_ask_wait(sys, r, CADRE_MSG_EXIT, NULL, 0, 100, NULL, 0, NULL, NULL),
	         CADRE_EINVAL);
	cadre_ref a;
	CHECK_EQ(cadre_spawn(sys, &asker_beh, NULL, &r, &a), 0);
	WAIT_FOR(atomic_load(&asker_rc) != 1);
	CHECK_EQ(atomic_load(&asker_rc), 0);
	/* cadre_forward of a reserved-type request (a router query, sent to
	 * an actor that is not a router) */
	cadre_ref relay;
	CHECK_EQ(cadre_spawn(sys, &relay_beh, NULL, &r, &relay), 0);
	cadre_router_stats st;
	CHECK_EQ(cadre_router_query(sys, relay, &st, NULL, 0, NULL, T_MS), CADRE_EINVAL);
	WAIT_FOR(atomic_load(&relay_rc) != 1);
	CHECK_EQ(atomic_load(&relay_rc), CADRE_EINVAL);
	/* the router itself still answers */
	CHECK_EQ(query(r, NULL, 0, NULL).routees, 1);
	CHECK_EQ(cadre_stop_ref(sys, relay), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	WAIT_FOR(atomic_load(&l->stopped) == 1);
	sys_down();
	free(l);
}

/* ---- groups: malformed DOWN and EXIT -------------------------------------------------------- */
static void
group_router_malformed(void)
{
	sys_up();
	static atomic_long c1, c2;
	cadre_ref m[2];
	CHECK_EQ(cadre_spawn(sys, &member_beh, NULL, &c1, &m[0]), 0);
	CHECK_EQ(cadre_spawn(sys, &member_beh, NULL, &c2, &m[1]), 0);
	cadre_router_spec spec = {.strategy = CADRE_ROUTE_ROUND_ROBIN, .routees = m, .nroutees = 2};
	cadre_ref r;
	CHECK_EQ(cadre_router_spawn(sys, &spec, &r), 0);
	CHECK_EQ(query(r, NULL, 0, NULL).routees, 2);
	unsigned char junk[5] = {0};
	cadre_down_msg d = {12345, m[0], {CADRE_EXIT_FAILURE, 9, "forged"}};
	cadre_exit_msg em = {m[1], {CADRE_EXIT_FAILURE, 9, "forged"}, true, NULL};
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_DOWN, NULL, 0), 0);
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_DOWN, junk, sizeof junk), 0);
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_DOWN, &d, sizeof d), 0); /* wrong id */
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_EXIT, NULL, 0), 0);
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_EXIT, junk, sizeof junk), 0);
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_EXIT, &em, sizeof em), 0);
	cadre_ref refs[4];
	size_t n = 0;
	cadre_router_stats st = query(r, refs, 4, &n);
	CHECK_EQ(n, 2);
	CHECK_EQ(st.routees, 2);
	/* a real DOWN still removes its routee */
	CHECK_EQ(cadre_stop_ref(sys, m[0]), 0);
	for (int i = 0; i < WAIT_ROUNDS && query(r, NULL, 0, NULL).routees != 1; i++)
		nap_ms(1);
	CHECK_EQ(query(r, refs, 4, &n).routees, 1);
	CHECK(cadre_ref_is_equal(refs[0], m[1]));
	CHECK_EQ(cadre_stop_ref(sys, m[1]), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
	sys_down();
}

/* ---- pools: a forged EXIT naming a live routee --------------------------------------------- */
static void
pool_router_malformed(void)
{
	sys_up();
	struct plog *l = plog_new();
	cadre_router_spec spec;
	cadre_ref r = pool(CADRE_ROUTE_ROUND_ROBIN, l, 2, &spec);
	cadre_ref live = l->refs[0];
	unsigned char junk[5] = {0};
	cadre_exit_msg em = {live, {CADRE_EXIT_FAILURE, 9, "forged"}, true, NULL};
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_EXIT, &em, sizeof em), 0);
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_EXIT, NULL, 0), 0);
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_EXIT, junk, sizeof junk), 0);
	CHECK_EQ(cadre__send_reserved(sys, r, CADRE_MSG_DOWN, NULL, 0), 0);
	CHECK_EQ(cadre__send_move_reserved(sys, r, CADRE_MSG_DOWN, NULL, 0, NULL), 0);
	CHECK_EQ(cadre__send_reserved(sys, live, 0xFFFF0381u, NULL, 0), 0); /* DRAIN, not from r */
	cadre_ref refs[4];
	size_t n = 0;
	cadre_router_stats st = query(r, refs, 4, &n);
	CHECK_EQ(st.routees, 2);
	CHECK_EQ(st.restarts, 0);
	CHECK_EQ(atomic_load(&l->started), 2); /* no second instance */
	CHECK_EQ(atomic_load(&l->stopped), 0);
	CHECK(cadre_ref_is_equal(refs[0], l->refs[0]) || cadre_ref_is_equal(refs[1], l->refs[0]));
	/* a real crash is still restarted */
	CHECK_EQ(cadre_send(sys, live, T_CRASH, NULL, 0), 0);
	WAIT_FOR(atomic_load(&l->started) == 3);
	WAIT_FOR(query(r, NULL, 0, NULL).restarts == 1);
	CHECK_EQ(atomic_load(&l->failed), 1);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	WAIT_FOR(atomic_load(&l->stopped) == 3);
	sys_down();
	free(l);
}

int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(router_public_refused);
	RUN(ask_refuses_reserved);
	RUN(group_router_malformed);
	RUN(pool_router_malformed);
	fprintf(stderr, "test_router_forged: ok\n");
	return 0;
}
