/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md):
 * dynamic children (start_child, terminate_child, restart_child,
 * delete_child), the transient states STARTING, STOPPING and RESTARTING,
 * and the mail handover from a dead child to its successor. The probes, the
 * event log and its traces are in tests/support/sup_helpers.h. Run one case
 * with: test_supervisor_dynamic <case>. */
#include "sup_helpers.h"

static struct cfg ca, cd;

/* ---- dynamic children ---------------------------------------------------------------- */
static struct cfg ce1, cf;

static void
dynamic_children(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cd, "D");
	cfg_reset(&ce1, "E1");
	cfg_reset(&cf, "F");
	static cadre_child_spec kids[1];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 1, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	CHECK_COUNTS(counts(sys, sup), 1, 1, 0, 1);

	/* start_child: added at the end, running, its ref returned */
	static cadre_child_spec d;
	d = wspec(&cd, CADRE_PERMANENT, 1000);
	cadre_ref dr, r;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &d, NULL, &dr, T_MS), 0);
	CHECK(cadre_ref_is_equal(dr, last_ref("D")));
	CHECK_SUP_TRACE(0, "sup", SK_ALL, "started:A started:D");
	/* ids are unique */
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &d, NULL, &r, T_MS), CADRE_EEXIST);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &kids[0], NULL, &r, T_MS), CADRE_EEXIST);
	CHECK_EQ(count_ev(E_START, "D"), 1);
	CHECK_EQ(count_ev(E_START, "A"), 1);
	/* bad specs */
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, NULL, NULL, &r, T_MS), CADRE_EINVAL);
	static cadre_child_spec noid;
	noid = wspec(&cf, CADRE_PERMANENT, 1000);
	noid.id = NULL;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &noid, NULL, &r, T_MS), CADRE_EINVAL);
	/* a child supervisor, counted as one */
	static cadre_child_spec inner_kids[1];
	inner_kids[0] = wspec(&ce1, CADRE_PERMANENT, 1000);
	static cadre_sup_spec inner;
	inner = sspec(CADRE_ONE_FOR_ONE, 1, 5000, inner_kids, 1, "inner");
	static cadre_child_spec e;
	e = (cadre_child_spec){.id = "E",
	                       .beh = cadre_supervisor_behaviour(),
	                       .arg = &inner,
	                       .restart = CADRE_PERMANENT,
	                       .shutdown_ms = CADRE_FOREVER,
	                       .type = CADRE_SUPERVISOR};
	cadre_ref er;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &e, NULL, &er, T_MS), 0);
	CHECK_EQ(count_ev(E_START, "E1"), 1); /* up when start_child returns */
	CHECK_COUNTS(counts(sys, sup), 3, 3, 1, 2);
	cadre_child_info inf[8];
	CHECK_EQ(which(sys, sup, inf, 8), 3);
	CHECK(strcmp(inf[0].id, "A") == 0 && strcmp(inf[1].id, "D") == 0 &&
	      strcmp(inf[2].id, "E") == 0);
	CHECK_EQ(inf[2].type, CADRE_SUPERVISOR);
	CHECK(cadre_ref_is_equal(inf[2].ref, er));

	/* a start that fails: ECANCELED, and not added */
	static cadre_child_spec f;
	f = wspec(&cf, CADRE_PERMANENT, 1000);
	atomic_store(&cf.fail_starts, 1);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &f, NULL, &r, T_MS), CADRE_ECANCELED);
	CHECK(!listed(sys, sup, "F"));
	CHECK_COUNTS(counts(sys, sup), 3, 3, 1, 2);
	/* (so the id is free again) */
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &f, NULL, &r, T_MS), 0);
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "F", CADRE_REF_NONE, T_MS), 0);
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "F", T_MS), 0);
	CHECK_COUNTS(counts(sys, sup), 3, 3, 1, 2);

	/* restart_child / delete_child of a running child: EBUSY */
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "A", &r, T_MS), CADRE_EBUSY);
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "D", T_MS), CADRE_EBUSY);
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "nope", &r, T_MS), CADRE_ENOENT);
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "nope", T_MS), CADRE_ENOENT);

	/* terminate_child: stopped, spec kept */
	unsigned from = log_n();
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "D", CADRE_REF_NONE, T_MS), 0);
	CHECK_TRACE(from, "-D:S");
	cadre_child_info di = info_of(sys, sup, "D");
	CHECK_EQ(di.state, CADRE_CHILD_TERMINATED);
	CHECK(cadre_ref_is_none(di.ref));
	CHECK_COUNTS(counts(sys, sup), 3, 2, 1, 2);
	/* not restarted (it was stopped, not dead) */
	settle();
	CHECK_EQ(count_ev(E_START, "D"), 1);

	/* restart_child: a new ref */
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "D", &r, T_MS), 0);
	CHECK(cadre_ref_is_equal(r, last_ref("D")));
	CHECK(!cadre_ref_is_equal(r, dr));
	CHECK_EQ(info_of(sys, sup, "D").state, CADRE_CHILD_RUNNING);
	CHECK_COUNTS(counts(sys, sup), 3, 3, 1, 2);
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "D", &r, T_MS), CADRE_EBUSY);

	/* delete_child: EBUSY while running, then gone */
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "D", T_MS), CADRE_EBUSY);
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "D", CADRE_REF_NONE, T_MS), 0);
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "D", T_MS), 0);
	CHECK(!listed(sys, sup, "D"));
	CHECK_COUNTS(counts(sys, sup), 2, 2, 1, 1);
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "D", T_MS), CADRE_ENOENT);
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "D", &r, T_MS), CADRE_ENOENT);
	/* and its id can be used again */
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &d, NULL, &r, T_MS), 0);
	CHECK_COUNTS(counts(sys, sup), 3, 3, 1, 2);

	/* a child supervisor terminated: its children first */
	from = log_n();
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "E", CADRE_REF_NONE, T_MS), 0);
	CHECK_TRACE(from, "-E1:S");
	CHECK(sup_gone(sys, er));
	CHECK_COUNTS(counts(sys, sup), 3, 2, 1, 2);
	from = log_n();
	stop_sup(sys, sup);
	CHECK_TRACE(from, "-D:S -A:S");
}

/* Blocking calls made from a helper thread, to look at the supervisor while
 * they are under way. */
enum { CALL_START_CHILD, CALL_TERMINATE };

struct call {
	pthread_t th;
	int op;
	cadre_ref sup;
	const cadre_child_spec *spec;
	const char *id;
	int rc;
	cadre_ref out;
	atomic_int done;
};

static void *
call_main(void *arg)
{
	struct call *c = arg;
	if (c->op == CALL_START_CHILD)
		c->rc = cadre_supervisor_start_child(sys, c->sup, c->spec, NULL, &c->out, T_MS);
	else
		c->rc = cadre_supervisor_terminate_child(sys, c->sup, c->id, CADRE_REF_NONE, T_MS);
	atomic_store(&c->done, 1); /* seq_cst: publishes rc and out */
	return NULL;
}

static void
call_begin(struct call *c, int op, cadre_ref sup, const cadre_child_spec *spec, const char *id)
{
	c->op = op;
	c->sup = sup;
	c->spec = spec;
	c->id = id;
	atomic_store(&c->done, 0);
	CHECK_EQ(pthread_create(&c->th, NULL, call_main, c), 0);
}

static int
call_end(struct call *c)
{
	WAIT(atomic_load(&c->done));
	CHECK_EQ(pthread_join(c->th, NULL), 0);
	return c->rc;
}

static struct cfg cz, ce;

/* STARTING and STOPPING as which_children and count_children report them,
 * and requests that wait for their turn meanwhile (RESTARTING: in
 * test_supervisor_sim.c). */
static void
transient_states(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cd, "D");
	cfg_reset(&cz, "Z");
	cz.trap_ignore = true;
	cfg_reset(&ce, "E");
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cz, CADRE_PERMANENT, CADRE_FOREVER);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 60000, kids, 2, "sup");
	cadre_ref sup = start_sup(sys, &sp);

	/* STARTING: D defers its STARTED (cadre_started_later); no worker is
	 * held meanwhile */
	static cadre_child_spec d, e;
	d = wspec(&cd, CADRE_PERMANENT, 1000);
	e = wspec(&ce, CADRE_PERMANENT, 1000);
	atomic_store(&cd.defer_started, 1);
	struct call c1;
	call_begin(&c1, CALL_START_CHILD, sup, &d, NULL);
	WAIT(count_ev(E_HOLD, "D") == 1);
	cadre_child_info di = info_of(sys, sup, "D");
	CHECK_EQ(di.state, CADRE_CHILD_STARTING);
	CHECK_COUNTS(counts(sys, sup), 3, 2, 0, 3);
	/* a request behind it waits */
	struct call c2;
	call_begin(&c2, CALL_START_CHILD, sup, &e, NULL);
	settle();
	CHECK(!atomic_load(&c1.done));
	CHECK(!atomic_load(&c2.done));
	send_cmd(sys, ev_at(nth_ev(E_HOLD, "D", 0))->ref, CMD_STARTED, 0);
	CHECK_EQ(call_end(&c1), 0);
	CHECK_EQ(call_end(&c2), 0);
	CHECK_TRACE(0, "+A +Z +D +E");
	CHECK(cadre_ref_is_equal(c1.out, last_ref("D")));
	CHECK(cadre_ref_is_equal(c2.out, last_ref("E")));
	CHECK_COUNTS(counts(sys, sup), 4, 4, 0, 4);

	/* STOPPING: Z ignores `shutdown`, and its shutdown is infinity */
	call_begin(&c1, CALL_TERMINATE, sup, NULL, "Z");
	WAIT(count_ev(E_EXIT, "Z") == 1);
	cadre_child_info zi = info_of(sys, sup, "Z");
	CHECK_EQ(zi.state, CADRE_CHILD_STOPPING);
	CHECK_COUNTS(counts(sys, sup), 4, 3, 0, 4);
	call_begin(&c2, CALL_TERMINATE, sup, NULL, "E");
	settle();
	CHECK(!atomic_load(&c1.done));
	CHECK(!atomic_load(&c2.done)); /* waits its turn */
	unsigned from = log_n();
	CHECK_EQ(cadre_kill(sys, last_ref("Z")), 0);
	CHECK_EQ(call_end(&c1), 0);
	CHECK_EQ(call_end(&c2), 0);
	CHECK_TRACE(from, "-Z:K -E:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:Z:K stopped:E:S");

	/* RESTARTING (a child waiting for its backoff): test_supervisor_sim.c,
	 * on the virtual clock, to the millisecond and without a 1 s wait */

	/* while starting or stopping, a child's live ref is listed (header:
	 * "the live ref while starting, running or stopping") */
	CHECK(cadre_ref_is_equal(di.ref, last_ref("D")));
	CHECK(!cadre_ref_is_none(zi.ref));
	stop_sup(sys, sup);
}

/* ---- mail handover ------------------------------------------------------------------- */
static atomic_uint gate_open, gate_in;

static int
gate_start(cadre_actor *self, void *arg)
{
	(void)arg;
	atomic_store(&gate_in, 1);
	for (long i = 0; !atomic_load(&gate_open); i++) {
		CHECK(i < 200000); /* 20 s */
		struct timespec t = {0, 100000};
		nanosleep(&t, NULL);
	}
	return cadre_stop(self);
}

static int
gate_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static const cadre_behaviour gate = {
        .size = sizeof(cadre_actor), .start = gate_start, .receive = gate_receive};

/* Occupies the single worker of s until gate_release(). */
static void
gate_hold(cadre_system *s)
{
	atomic_store(&gate_open, 0);
	atomic_store(&gate_in, 0);
	cadre_ref g;
	CHECK_EQ(cadre_spawn(s, &gate, NULL, NULL, &g), 0);
	WAIT(atomic_load(&gate_in) == 1);
}

static void
gate_release(void)
{
	atomic_store(&gate_open, 1);
}

static struct cfg ch, ch2;

static uint64_t
dead_letters(cadre_system *s)
{
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(s, -1, &st), 0);
	return st.dead_letters;
}

/* Kills (crash false) or crashes the child with n messages queued behind. */
static void
handover_case(cadre_system *one, cadre_ref sup, const char *name, bool by_crash, int n,
              bool handover)
{
	int starts = count_ev(E_START, name);
	cadre_ref old = last_ref(name);
	uint64_t dead0 = dead_letters(one);
	int msgs0 = count_ev(E_MSG, name);
	int exits0 = count_sup("sup", CADRE_SUP_CHILD_EXITED, name);
	gate_hold(one);
	if (by_crash)
		send_cmd(one, old, CMD_CRASH, CRASH_CODE);
	for (int i = 1; i <= n; i++)
		send_cmd(one, old, CMD_MSG, i);
	if (!by_crash)
		CHECK_EQ(cadre_kill(one, old), 0); /* overtakes the mail */
	gate_release();
	wait_starts(name, starts + 1);
	cadre_ref fresh = last_ref(name);
	CHECK(!cadre_ref_is_equal(fresh, old));
	CHECK(cadre_ref_is_equal(info_of(one, sup, name).ref, fresh));
	WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, name) == exits0 + 1);
	const struct ev *ex = ev_at(nth_sup("sup", CADRE_SUP_CHILD_EXITED, name, exits0));
	CHECK_EQ(ex->kind, by_crash ? CADRE_EXIT_FAILURE : CADRE_EXIT_KILLED);
	if (handover) {
		CHECK_EQ(ex->mail, (uint32_t)n);
		/* all of it, in order, to the new child, ahead of new mail */
		send_cmd(one, fresh, CMD_MSG, n + 1);
		WAIT(count_ev(E_MSG, name) == msgs0 + n + 1);
		for (int i = 0; i <= n; i++) {
			const struct ev *m = ev_at(nth_ev(E_MSG, name, msgs0 + i));
			CHECK_EQ(m->seq, i + 1);
			CHECK(cadre_ref_is_equal(m->ref, fresh));
		}
		settle();
		CHECK_EQ(dead_letters(one) - dead0, 0);
	} else {
		CHECK_EQ(ex->mail, 0);
		/* all of it dead, exactly */
		WAIT(dead_letters(one) - dead0 >= (uint64_t)n);
		settle();
		CHECK_EQ(dead_letters(one) - dead0, (uint64_t)n);
		CHECK_EQ(count_ev(E_MSG, name), msgs0);
	}
	/* mail sent to the old ref afterwards: a dead letter either way */
	uint64_t d1 = dead_letters(one);
	CHECK_EQ(cadre_send(one, old, CMD_MSG, &(int){99}, sizeof(int)), CADRE_ENOACTOR);
	CHECK_EQ(dead_letters(one) - d1, 1);
}

static void
mail_handover(void)
{
	cadre_system *one;
	cadre_config cfg = {.workers = 1, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&one, &cfg), 0);
	cfg_reset(&ch, "H");
	cfg_reset(&ch2, "N");
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ch, CADRE_PERMANENT, 1000);
	kids[0].handover_mail = true;
	kids[1] = wspec(&ch2, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 10, 60000, kids, 2, "sup");
	cadre_ref sup = start_sup(one, &sp);
	handover_case(one, sup, "H", false, 5, true);
	handover_case(one, sup, "H", true, 3, true);
	handover_case(one, sup, "N", false, 5, false);
	handover_case(one, sup, "N", true, 4, false);
	/* the handed-over bundle is not capped by the capacity of the mailbox
	 * (a bounded child): see cadre_spawn_opts.inherit_mail */
	unsigned from = log_n();
	CHECK_EQ(cadre_supervisor_stop(one, sup, T_MS), 0);
	CHECK_TRACE(from, "-N:S -H:S");
	wait_sup_gone(one, sup);
	CHECK_EQ(cadre_system_shutdown(one, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(one, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(one);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(dynamic_children);
	RUN(transient_states);
	RUN(mail_handover);
	return sup_end("test_supervisor_dynamic");
}
