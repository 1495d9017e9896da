/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md):
 * children started in order (and unwound when one fails to start), the
 * four restart strategies and the three restart types. The probes, the
 * event log and its traces are in tests/support/sup_helpers.h. Run one case
 * with: test_supervisor_strategies <case>. */
#include "sup_helpers.h"

/* ---- start order --------------------------------------------------------------------- */
static struct cfg ca, cb, cc, cd;

static void
start_in_order(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	/* A and B are slow to start: C must still come last */
	ca.start_sleep_ms = 30;
	cb.start_sleep_ms = 30;
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 3, "sup");
	cadre_ref sup;
	const char *failed = "unset";
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, &failed, T_MS), 0);
	/* all started when it returns */
	CHECK_TRACE(0, "+A +B +C");
	CHECK_SUP_TRACE(0, "sup", SK_ALL, "started:A started:B started:C");
	cadre_child_info inf[4];
	CHECK_EQ(which(sys, sup, inf, 4), 3);
	const char *ids[] = {"A", "B", "C"};
	for (int i = 0; i < 3; i++) {
		CHECK(strcmp(inf[i].id, ids[i]) == 0);
		CHECK_EQ(inf[i].state, CADRE_CHILD_RUNNING);
		CHECK(cadre_ref_is_equal(inf[i].ref, ev_at(nth_ev(E_START, ids[i], 0))->ref));
		CHECK(cadre_ref_is_equal(inf[i].ref, ev_at(nth_sup("sup", 0, ids[i], 0))->ref));
		CHECK_EQ(inf[i].type, CADRE_WORKER);
		CHECK_EQ(inf[i].restart, CADRE_PERMANENT);
	}
	/* max smaller than the count: only max written, *n the count */
	cadre_child_info two[3];
	memset(two, 0xAB, sizeof two);
	CHECK_EQ(which(sys, sup, two, 2), 3);
	CHECK(strcmp(two[1].id, "B") == 0);
	unsigned char *tail = (unsigned char *)&two[2];
	for (size_t i = 0; i < sizeof two[2]; i++)
		CHECK_EQ(tail[i], 0xAB);
	CHECK_EQ(which(sys, sup, NULL, 0), 3);
	cadre_child_counts k = counts(sys, sup);
	CHECK_COUNTS(k, 3, 3, 0, 3);
	stop_sup(sys, sup);
}

static void
start_failure_unwinds(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	atomic_store(&cb.fail_starts, 1);
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 3, "sup");
	cadre_ref sup = CADRE_REF_NONE;
	const char *failed = NULL;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, &failed, T_MS), CADRE_ECANCELED);
	CHECK(failed != NULL && strcmp(failed, "B") == 0);
	WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
	settle();
	/* B's start failed (its stop runs with its failure), A stopped, C never
	 * started */
	CHECK_TRACE(0, "+A xB -B:F -A:S");
	CHECK_SUP_TRACE(0, "sup", SK_ALL, "started:A startfailed:B:F stopped:A:S shutdown:F");
	const struct ev *sf = ev_at(nth_sup("sup", CADRE_SUP_START_FAILED, "B", 0));
	CHECK_EQ(sf->code, 7);
	/* the supervisor stops with FAILURE, detail the failed child's id */
	const struct ev *sd = ev_at(nth_sup("sup", CADRE_SUP_SHUTDOWN, NULL, 0));
	CHECK(sd->detail != NULL && strcmp(sd->detail, "B") == 0);
	CHECK_EQ(count_ev(E_START, "C"), 0);
	/* the first child failing: nothing to unwind */
	log_reset();
	atomic_store(&ca.fail_starts, 1);
	failed = NULL;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, &failed, T_MS), CADRE_ECANCELED);
	CHECK(failed != NULL && strcmp(failed, "A") == 0);
	WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
	settle();
	CHECK_TRACE(0, "xA -A:F");
	CHECK_SUP_TRACE(0, "sup", SK_ALL, "startfailed:A:F shutdown:F");

	/* in a tree: the child supervisor fails to start, so does the top */
	log_reset();
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	atomic_store(&cc.fail_starts, 1);
	static cadre_child_spec inner_kids[2];
	inner_kids[0] = wspec(&cb, CADRE_PERMANENT, 1000);
	inner_kids[1] = wspec(&cc, CADRE_PERMANENT, 1000);
	static cadre_sup_spec inner;
	inner = sspec(CADRE_ONE_FOR_ONE, 3, 5000, inner_kids, 2, "inner");
	static cadre_child_spec top_kids[2];
	top_kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	top_kids[1] = supspec("CS", &inner);
	static cadre_sup_spec top;
	top = sspec(CADRE_ONE_FOR_ONE, 3, 5000, top_kids, 2, "top");
	failed = NULL;
	CHECK_EQ(cadre_supervisor_start(sys, &top, &sup, &failed, T_MS), CADRE_ECANCELED);
	CHECK(failed != NULL && strcmp(failed, "CS") == 0);
	WAIT(count_sup("top", CADRE_SUP_SHUTDOWN, NULL) == 1);
	settle();
	CHECK_TRACE(0, "+A +B xC -C:F -B:S -A:S");
	CHECK_SUP_TRACE(0, "inner", SK_ALL, "started:B startfailed:C:F stopped:B:S shutdown:F");
	CHECK_SUP_TRACE(0, "top", SK_ALL, "started:A startfailed:CS:F stopped:A:S shutdown:F");
	sd = ev_at(nth_sup("inner", CADRE_SUP_SHUTDOWN, NULL, 0));
	CHECK(sd->detail != NULL && strcmp(sd->detail, "C") == 0);
	sd = ev_at(nth_sup("top", CADRE_SUP_SHUTDOWN, NULL, 0));
	CHECK(sd->detail != NULL && strcmp(sd->detail, "CS") == 0);
}

/* ---- strategies ---------------------------------------------------------------------- */
static void
one_for_one(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	cadre_ref a0 = last_ref("A"), b0 = last_ref("B"), c0 = last_ref("C");
	unsigned from = log_n();
	crash(sys, "B");
	wait_starts("B", 2);
	settle();
	CHECK_TRACE(from, "-B:F +B");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "exited:B:F restarting:B started:B");
	const struct ev *ex = ev_at(nth_sup("sup", CADRE_SUP_CHILD_EXITED, "B", 0));
	CHECK_EQ(ex->code, CRASH_CODE);
	CHECK(cadre_ref_is_equal(ex->ref, b0));
	cadre_ref b1 = last_ref("B");
	CHECK(!cadre_ref_is_equal(b1, b0));
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "A").ref, a0));
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "B").ref, b1));
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "C").ref, c0));
	CHECK_EQ(info_of(sys, sup, "B").state, CADRE_CHILD_RUNNING);
	/* the old ref is dead */
	CHECK_EQ(cadre_send(sys, b0, CMD_MSG, &(int){1}, sizeof(int)), CADRE_ENOACTOR);
	/* and the order in the list is kept */
	cadre_child_info inf[3];
	CHECK_EQ(which(sys, sup, inf, 3), 3);
	CHECK(strcmp(inf[0].id, "A") == 0 && strcmp(inf[1].id, "B") == 0 &&
	      strcmp(inf[2].id, "C") == 0);
	stop_sup(sys, sup);
}

static void
one_for_all(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ALL, 3, 5000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	cadre_ref a0 = last_ref("A"), b0 = last_ref("B"), c0 = last_ref("C");
	unsigned from = log_n();
	crash(sys, "B");
	wait_starts("C", 2);
	settle();
	CHECK_TRACE(from, "-B:F -C:S -A:S +A +B +C");
	CHECK_SUP_TRACE(from, "sup", SK(CADRE_SUP_CHILD_EXITED) | SK(CADRE_SUP_CHILD_STOPPED),
	                "exited:B:F stopped:C:S stopped:A:S");
	CHECK_SUP_TRACE(from, "sup", SK(CADRE_SUP_CHILD_STARTED), "started:A started:B started:C");
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, NULL), 3);
	CHECK(!cadre_ref_is_equal(last_ref("A"), a0));
	CHECK(!cadre_ref_is_equal(last_ref("B"), b0));
	CHECK(!cadre_ref_is_equal(last_ref("C"), c0));
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "A").ref, last_ref("A")));
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "C").ref, last_ref("C")));
	CHECK_COUNTS(counts(sys, sup), 3, 3, 0, 3);
	/* the first one crashing: the same */
	from = log_n();
	crash(sys, "A");
	wait_starts("C", 3);
	settle();
	CHECK_TRACE(from, "-A:F -C:S -B:S +A +B +C");
	stop_sup(sys, sup);
}

static void
rest_for_one(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	cfg_reset(&cd, "D");
	static cadre_child_spec kids[4];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
	kids[3] = wspec(&cd, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_REST_FOR_ONE, 5, 5000, kids, 4, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	cadre_ref a0 = last_ref("A");
	unsigned from = log_n();
	crash(sys, "B");
	wait_starts("D", 2);
	settle();
	CHECK_TRACE(from, "-B:F -D:S -C:S +B +C +D");
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "A").ref, a0));
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "D").ref, last_ref("D")));
	/* the last one: only itself */
	from = log_n();
	crash(sys, "D");
	wait_starts("D", 3);
	settle();
	CHECK_TRACE(from, "-D:F +D");
	/* the first one: all */
	from = log_n();
	crash(sys, "A");
	wait_starts("D", 4);
	settle();
	CHECK_TRACE(from, "-A:F -D:S -C:S -B:S +A +B +C +D");
	CHECK_COUNTS(counts(sys, sup), 4, 4, 0, 4);
	stop_sup(sys, sup);
}

static struct cfg ws[6];

static void
simple_one_for_one(void)
{
	static const char *names[] = {"w1", "w2", "w3", "w4", "w5", "w6"};
	for (int i = 0; i < 6; i++)
		cfg_reset(&ws[i], names[i]);
	static cadre_child_spec tmpl[1];
	tmpl[0] = (cadre_child_spec){.id = "w",
	                             .beh = &child_beh,
	                             .arg = NULL,
	                             .restart = CADRE_PERMANENT,
	                             .shutdown_ms = 1000,
	                             .type = CADRE_WORKER};
	static cadre_sup_spec sp;
	sp = sspec(CADRE_SIMPLE_ONE_FOR_ONE, 5, 5000, tmpl, 1, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	CHECK_EQ(which(sys, sup, NULL, 0), 0);
	CHECK_COUNTS(counts(sys, sup), 0, 0, 0, 0);
	cadre_ref refs[5];
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(cadre_supervisor_start_child(sys, sup, NULL, &ws[i], &refs[i], T_MS), 0);
		CHECK(cadre_ref_is_equal(refs[i], last_ref(names[i])));
	}
	CHECK_TRACE(0, "+w1 +w2 +w3 +w4 +w5");
	cadre_child_info inf[8];
	CHECK_EQ(which(sys, sup, inf, 8), 5);
	for (int i = 0; i < 5; i++) {
		CHECK(strcmp(inf[i].id, "w") == 0);
		CHECK(cadre_ref_is_equal(inf[i].ref, refs[i]));
		CHECK_EQ(inf[i].state, CADRE_CHILD_RUNNING);
	}
	CHECK_COUNTS(counts(sys, sup), 5, 5, 0, 5);
	/* a crash restarts only that one, with its own arg */
	unsigned from = log_n();
	send_cmd(sys, refs[2], CMD_CRASH, CRASH_CODE);
	wait_starts("w3", 2);
	settle();
	CHECK_TRACE(from, "-w3:F +w3");
	cadre_ref w3 = last_ref("w3");
	CHECK(!cadre_ref_is_equal(w3, refs[2]));
	CHECK_EQ(which(sys, sup, inf, 8), 5);
	CHECK(cadre_ref_is_equal(inf[2].ref, w3));
	for (int i = 0; i < 5; i++)
		if (i != 2)
			CHECK(cadre_ref_is_equal(inf[i].ref, refs[i]));
	refs[2] = w3;
	/* terminate_child by ref removes it */
	from = log_n();
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, NULL, refs[1], T_MS), 0);
	CHECK_TRACE(from, "-w2:S");
	CHECK_EQ(which(sys, sup, inf, 8), 4);
	for (int i = 0; i < 4; i++)
		CHECK(!cadre_ref_is_equal(inf[i].ref, refs[1]));
	CHECK_COUNTS(counts(sys, sup), 4, 4, 0, 4);
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, NULL, refs[1], T_MS), CADRE_ENOENT);
	/* a failing start: ECANCELED, not added */
	atomic_store(&ws[5].fail_starts, 1);
	cadre_ref r;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, NULL, &ws[5], &r, T_MS), CADRE_ECANCELED);
	CHECK_COUNTS(counts(sys, sup), 4, 4, 0, 4);
	/* it stops the rest, each with `shutdown`: together, in no defined
	 * order (OTP's terminate_dynamic_children; test_supervisor_otp) */
	from = log_n();
	stop_sup(sys, sup);
	char trace[256];
	child_trace(from, trace, sizeof trace);
	CHECK_EQ(strlen(trace), strlen("-w5:S -w4:S -w3:S -w1:S"));
	static const char *const stopped[] = {"-w5:S", "-w4:S", "-w3:S", "-w1:S"};
	for (int i = 0; i < 4; i++)
		CHECK(strstr(trace, stopped[i]) != NULL);
}

/* ---- restart types ------------------------------------------------------------------- */
static struct cfg cp, ct, cx, cx2;

static void
restart_types(void)
{
	cfg_reset(&cp, "P");
	cfg_reset(&ct, "T");
	cfg_reset(&cx, "X");
	cfg_reset(&cx2, "X2");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&cp, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&ct, CADRE_TRANSIENT, 1000);
	kids[2] = wspec(&cx, CADRE_TEMPORARY, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 50, 10000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	unsigned from = log_n();

	/* permanent: after normal, abnormal, shutdown and killed */
	send_cmd(sys, last_ref("P"), CMD_STOP, 0);
	wait_starts("P", 2);
	crash(sys, "P");
	wait_starts("P", 3);
	send_cmd(sys, last_ref("P"), CMD_SHUTDOWN, 0);
	wait_starts("P", 4);
	CHECK_EQ(cadre_kill(sys, last_ref("P")), 0);
	wait_starts("P", 5);
	settle();
	CHECK_TRACE(from, "-P:N +P -P:F +P -P:S +P -P:K +P");
	CHECK_SUP_TRACE(from, "sup", SK(CADRE_SUP_CHILD_EXITED),
	                "exited:P:N exited:P:F exited:P:S exited:P:K");

	/* transient: after abnormal (failure, killed) only */
	from = log_n();
	crash(sys, "T");
	wait_starts("T", 2);
	CHECK_EQ(cadre_kill(sys, last_ref("T")), 0);
	wait_starts("T", 3);
	send_cmd(sys, last_ref("T"), CMD_STOP, 0);
	WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, "T") == 3);
	/* the decision is taken when the exit is seen: the query comes after */
	cadre_child_info ti = info_of(sys, sup, "T");
	CHECK_EQ(ti.state, CADRE_CHILD_TERMINATED);
	CHECK(cadre_ref_is_none(ti.ref));
	settle();
	CHECK_EQ(count_ev(E_START, "T"), 3);
	cadre_ref r;
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "T", &r, T_MS), 0);
	CHECK(cadre_ref_is_equal(r, last_ref("T")));
	send_cmd(sys, r, CMD_SHUTDOWN, 0);
	WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, "T") == 4);
	CHECK_EQ(info_of(sys, sup, "T").state, CADRE_CHILD_TERMINATED);
	settle();
	CHECK_TRACE(from, "-T:F +T -T:K +T -T:N +T -T:S");
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, "T"), 2);
	CHECK_COUNTS(counts(sys, sup), 3, 2, 0, 3);

	/* temporary: never, and removed */
	from = log_n();
	crash(sys, "X");
	WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, "X") == 1);
	CHECK(!listed(sys, sup, "X"));
	CHECK_COUNTS(counts(sys, sup), 2, 1, 0, 2);
	settle();
	CHECK_TRACE(from, "-X:F");
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, "X"), 0);
	/* a temporary one ending normally goes too */
	static cadre_child_spec x2;
	x2 = wspec(&cx2, CADRE_TEMPORARY, 1000);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &x2, NULL, &r, T_MS), 0);
	CHECK(listed(sys, sup, "X2"));
	send_cmd(sys, r, CMD_STOP, 0);
	WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, "X2") == 1);
	CHECK(!listed(sys, sup, "X2"));
	/* a temporary one terminated goes as well */
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &x2, NULL, &r, T_MS), 0);
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "X2", CADRE_REF_NONE, T_MS), 0);
	CHECK(!listed(sys, sup, "X2"));
	CHECK_COUNTS(counts(sys, sup), 2, 1, 0, 2);
	stop_sup(sys, sup);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(start_in_order);
	RUN(start_failure_unwinds);
	RUN(one_for_one);
	RUN(one_for_all);
	RUN(rest_for_one);
	RUN(simple_one_for_one);
	RUN(restart_types);
	return sup_end("test_supervisor_strategies");
}
