/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md):
 * stopping. Children stopped in reverse order, the shutdown modes (brutal,
 * a timeout, infinity), auto-shutdown on significant children, and a
 * supervisor killed, or its parent, or sent an exit signal. The probes, the
 * event log and its traces are in tests/support/sup_helpers.h. Run one case
 * with: test_supervisor_shutdown <case>. */
#include "sup_helpers.h"

static struct cfg ca, cb, cc;

/* ---- stop order ---------------------------------------------------------------------- */
static void
stop_in_reverse_order(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	/* slow stops: a stop that began before the previous one ended would
	 * show up in the trace */
	ca.stop_sleep_ms = cb.stop_sleep_ms = cc.stop_sleep_ms = 30;
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 5000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 5000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 5000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	unsigned from = log_n();
	CHECK_EQ(cadre_supervisor_stop(sys, sup, T_MS), 0);
	/* it answers once its children are down */
	CHECK_TRACE(from, "<C -C:S <B -B:S <A -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:C:S stopped:B:S stopped:A:S shutdown:S");
	wait_sup_gone(sys, sup);
	/* a stopped supervisor: ENOACTOR everywhere */
	cadre_child_info inf[1];
	size_t n;
	cadre_ref r;
	CHECK_EQ(cadre_supervisor_which_children(sys, sup, inf, 1, &n, T_MS), CADRE_ENOACTOR);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &kids[0], NULL, &r, T_MS), CADRE_ENOACTOR);
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "A", CADRE_REF_NONE, T_MS),
	         CADRE_ENOACTOR);
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "A", &r, T_MS), CADRE_ENOACTOR);
	CHECK_EQ(cadre_supervisor_delete_child(sys, sup, "A", T_MS), CADRE_ENOACTOR);
	CHECK_EQ(cadre_supervisor_stop(sys, sup, T_MS), CADRE_ENOACTOR);
}

/* ---- shutdown modes ------------------------------------------------------------------ */
static struct cfg ck, ckt, cs, ccoop, ccs, ci, cis;

/* How long terminate_child took, in ms, plus one timer tick. */
static uint64_t
terminate_ms(cadre_ref sup, const char *id)
{
	uint64_t t0 = now_ns();
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, id, CADRE_REF_NONE, T_MS), 0);
	return (now_ns() - t0 + TICK_NS) / 1000000u;
}

static void
shutdown_modes(void)
{
	cfg_reset(&ck, "K");
	cfg_reset(&ckt, "KT");
	ckt.trap_ignore = true;
	cfg_reset(&cs, "S");
	cs.trap_ignore = true;
	cfg_reset(&ccoop, "C");
	cfg_reset(&ccs, "CS");
	ccs.slow_ms = 100;
	cfg_reset(&ci, "I");
	cfg_reset(&cis, "IS");
	cis.slow_ms = 300;
	static cadre_child_spec kids[7];
	kids[0] = wspec(&ck, CADRE_PERMANENT, CADRE_SHUTDOWN_BRUTAL);
	kids[1] = wspec(&ckt, CADRE_PERMANENT, CADRE_SHUTDOWN_BRUTAL);
	kids[2] = wspec(&cs, CADRE_PERMANENT, 200);
	kids[3] = wspec(&ccoop, CADRE_PERMANENT, 2000);
	kids[4] = wspec(&ccs, CADRE_PERMANENT, 5000);
	kids[5] = wspec(&ci, CADRE_PERMANENT, CADRE_FOREVER);
	kids[6] = wspec(&cis, CADRE_PERMANENT, CADRE_FOREVER);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 7, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	cadre_ref ref_s = last_ref("S"), ref_cs = last_ref("CS"), ref_is = last_ref("IS");

	/* brutal: killed, even when trapping exits (a kill is not a message) */
	unsigned from = log_n();
	terminate_ms(sup, "K");
	terminate_ms(sup, "KT");
	CHECK_TRACE(from, "-K:K -KT:K");
	CHECK_EQ(count_ev(E_EXIT, "KT"), 0);
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:K:K stopped:KT:K");

	/* a timeout, and a child that ignores `shutdown`: killed when it is up */
	from = log_n();
	uint64_t ms = terminate_ms(sup, "S");
	CHECK(ms >= 200);
	CHECK_TRACE(from, "-S:K");
	const struct ev *ex = ev_at(nth_ev(E_EXIT, "S", 0));
	CHECK_EQ(ex->kind, CADRE_EXIT_SHUTDOWN);
	CHECK(cadre_ref_is_equal(ex->ref, sup));
	CHECK(cadre_ref_is_equal(ev_at(nth_ev(E_STOP, "S", 0))->ref, ref_s));

	/* a timeout, and a cooperative child: shutdown */
	from = log_n();
	terminate_ms(sup, "C");
	CHECK_TRACE(from, "-C:S");
	/* ... that takes a while but less than the timeout: shutdown, not a kill */
	from = log_n();
	ms = terminate_ms(sup, "CS");
	CHECK(ms >= 100);
	CHECK_TRACE(from, "-CS:S");
	CHECK_EQ(count_ev(E_EXIT, "CS"), 1);
	CHECK(cadre_ref_is_equal(ev_at(nth_ev(E_STOP, "CS", 0))->ref, ref_cs));

	/* infinity: cooperative, and cooperative but slow (it is waited for) */
	from = log_n();
	terminate_ms(sup, "I");
	ms = terminate_ms(sup, "IS");
	CHECK(ms >= 300);
	CHECK_TRACE(from, "-I:S -IS:S");
	CHECK(cadre_ref_is_equal(ev_at(nth_ev(E_STOP, "IS", 0))->ref, ref_is));
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:I:S stopped:IS:S");

	/* the specs stay (permanent), terminated */
	CHECK_COUNTS(counts(sys, sup), 7, 0, 0, 7);
	cadre_child_info inf[8];
	CHECK_EQ(which(sys, sup, inf, 8), 7);
	for (int i = 0; i < 7; i++) {
		CHECK_EQ(inf[i].state, CADRE_CHILD_TERMINATED);
		CHECK(cadre_ref_is_none(inf[i].ref));
	}
	/* terminating a terminated child: nothing to do */
	from = log_n();
	terminate_ms(sup, "K");
	CHECK_TRACE(from, "");
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "nope", CADRE_REF_NONE, T_MS),
	         CADRE_ENOENT);
	stop_sup(sys, sup);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, NULL), 0);
}

/* The supervisor's own stop uses the same modes, one child after the
 * other. */
static void
stop_with_timeouts(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cs, "S");
	cs.trap_ignore = true;
	cfg_reset(&cc, "C");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 2000);
	kids[1] = wspec(&cs, CADRE_PERMANENT, 150);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 2000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	unsigned from = log_n();
	uint64_t t0 = now_ns();
	CHECK_EQ(cadre_supervisor_stop(sys, sup, T_MS), 0);
	CHECK((now_ns() - t0 + TICK_NS) / 1000000u >= 150);
	/* A's stop waited for S's kill */
	CHECK_TRACE(from, "-C:S -S:K -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:C:S stopped:S:K stopped:A:S shutdown:S");
	wait_sup_gone(sys, sup);
}

/* ---- auto-shutdown ------------------------------------------------------------------- */
static struct cfg cs1, cs2;

static void
auto_shutdown_any(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cs1, "S1");
	cfg_reset(&cs2, "S2");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cs1, CADRE_TRANSIENT, 1000);
	kids[1].significant = true;
	kids[2] = wspec(&cs2, CADRE_TRANSIENT, 1000);
	kids[2].significant = true;
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 3, "sup");
	sp.auto_shutdown = CADRE_AUTO_ANY_SIGNIFICANT;
	cadre_ref sup = start_sup(sys, &sp);
	watch(sys, "w", sup);
	/* an abnormal exit is restarted: no shutdown */
	crash(sys, "S1");
	wait_starts("S1", 2);
	settle();
	CHECK_EQ(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL), 0);
	/* the permanent one is not significant */
	crash(sys, "A");
	wait_starts("A", 2);
	/* a significant one ends for good: all go */
	unsigned from = log_n();
	send_cmd(sys, last_ref("S1"), CMD_STOP, 0);
	WAIT(count_ev(E_DOWN, "w") == 1);
	CHECK_TRACE(from, "-S1:N -S2:S -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "exited:S1:N stopped:S2:S stopped:A:S shutdown:S");
	CHECK_EQ(ev_at(nth_ev(E_DOWN, "w", 0))->kind, CADRE_EXIT_SHUTDOWN);
	wait_sup_gone(sys, sup);
	CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);

	/* a temporary significant one: any end counts */
	log_reset();
	kids[1] = wspec(&cs1, CADRE_TEMPORARY, 1000);
	kids[1].significant = true;
	sup = start_sup(sys, &sp);
	from = log_n();
	crash(sys, "S1");
	WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
	CHECK_TRACE(from, "-S1:F -S2:S -A:S");
	wait_sup_gone(sys, sup);
}

static void
auto_shutdown_all(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cs1, "S1");
	cfg_reset(&cs2, "S2");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cs1, CADRE_TRANSIENT, 1000);
	kids[1].significant = true;
	kids[2] = wspec(&cs2, CADRE_TEMPORARY, 1000);
	kids[2].significant = true;
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 3, "sup");
	sp.auto_shutdown = CADRE_AUTO_ALL_SIGNIFICANT;
	cadre_ref sup = start_sup(sys, &sp);
	/* the first significant one ends: not yet */
	send_cmd(sys, last_ref("S1"), CMD_STOP, 0);
	WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, "S1") == 1);
	settle();
	CHECK_EQ(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL), 0);
	CHECK_EQ(info_of(sys, sup, "A").state, CADRE_CHILD_RUNNING);
	CHECK_EQ(info_of(sys, sup, "S1").state, CADRE_CHILD_TERMINATED);
	CHECK_EQ(info_of(sys, sup, "S2").state, CADRE_CHILD_RUNNING);
	/* the last one: now */
	unsigned from = log_n();
	crash(sys, "S2");
	WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
	CHECK_TRACE(from, "-S2:F -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "exited:S2:F stopped:A:S shutdown:S");
	wait_sup_gone(sys, sup);
}

/* ---- links and monitors -------------------------------------------------------------- */
static struct cfg ctr;

static void
kill_supervisor(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&ctr, "T");
	ctr.trap_ignore = true;
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&ctr, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	watch(sys, "w", sup);
	CHECK_EQ(cadre_kill(sys, sup), 0);
	WAIT(count_ev(E_STOP, "A") == 1 && count_ev(E_STOP, "B") == 1 &&
	     count_ev(E_EXIT, "T") == 1 && count_ev(E_DOWN, "w") == 1);
	CHECK_EQ(ev_at(nth_ev(E_DOWN, "w", 0))->kind, CADRE_EXIT_KILLED);
	/* the links take the non-trapping children down with the same reason */
	CHECK_EQ(ev_at(nth_ev(E_STOP, "A", 0))->kind, CADRE_EXIT_KILLED);
	CHECK_EQ(ev_at(nth_ev(E_STOP, "B", 0))->kind, CADRE_EXIT_KILLED);
	/* a trapping child gets the signal as a message, from the supervisor */
	const struct ev *ex = ev_at(nth_ev(E_EXIT, "T", 0));
	CHECK_EQ(ex->kind, CADRE_EXIT_KILLED);
	CHECK(ex->linked);
	CHECK(cadre_ref_is_equal(ex->ref, sup));
	settle();
	CHECK_EQ(count_ev(E_STOP, "T"), 0);
	CHECK_EQ(cadre_kill(sys, last_ref("T")), 0);
	WAIT(count_ev(E_STOP, "T") == 1);
	/* a killed supervisor restarts nothing */
	CHECK_EQ(count_ev(E_START, NULL), 3);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, NULL), 0);
	CHECK(sup_gone(sys, sup));
}

/* A supervisor whose parent dies stops its children in order (it traps the
 * parent's exit signal) and then itself with the parent's reason. */
static void
kill_top_of_tree(void)
{
	cadre_ref topr = start_nested_tree();
	cadre_ref in = info_of(sys, topr, "CS").ref;
	watch(sys, "w-inner", in);
	unsigned from = log_n();
	CHECK_EQ(cadre_kill(sys, topr), 0);
	WAIT(count_ev(E_DOWN, "w-inner") == 1);
	CHECK_TRACE(from, "-W2:S -W:S");
	CHECK_SUP_TRACE(from, NULL, SK_ALL, "stopped:W2:S stopped:W:S shutdown:K");
	CHECK_EQ(ev_at(nth_ev(E_DOWN, "w-inner", 0))->kind, CADRE_EXIT_KILLED);
	CHECK(sup_gone(sys, topr));
}

static void
exit_signal_to_supervisor(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	watch(sys, "w", sup);
	/* a crash of a child does not take the (trapping) supervisor down */
	crash(sys, "A");
	wait_starts("A", 2);
	CHECK(!sup_gone(sys, sup));
	/* `shutdown` sent to it: an orderly stop, reason SHUTDOWN */
	unsigned from = log_n();
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	CHECK_EQ(cadre_send_exit(sys, sup, &shut), 0);
	WAIT(count_ev(E_DOWN, "w") == 1);
	CHECK_TRACE(from, "-C:S -B:S -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:C:S stopped:B:S stopped:A:S shutdown:S");
	CHECK_EQ(ev_at(nth_ev(E_DOWN, "w", 0))->kind, CADRE_EXIT_SHUTDOWN);
	wait_sup_gone(sys, sup);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(stop_in_reverse_order);
	RUN(shutdown_modes);
	RUN(stop_with_timeouts);
	RUN(auto_shutdown_any);
	RUN(auto_shutdown_all);
	RUN(kill_supervisor);
	RUN(kill_top_of_tree);
	RUN(exit_signal_to_supervisor);
	return sup_end("test_supervisor_shutdown");
}
