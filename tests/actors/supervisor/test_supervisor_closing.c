/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md): a
 * system that shuts down. A supervisor whose system is closing stops
 * restarting (defect 5: it used to retry a spawn that fails with
 * CADRE_ECLOSED until its intensity ran out, all inside one callback).
 * cadre_system_shutdown stops supervision trees top-down, in order, before
 * it stops every other actor. The
 * probes, the event log and its traces are in tests/support/sup_helpers.h.
 * Run one case with: test_supervisor_closing <case>. */
#include "sup_helpers.h"

static struct cfg ca, cb, cx, cw, cw2, cp;

/* ---- a restart while the system closes ------------------------------------------------ */
static cadre_system *closing_sys;
static atomic_int hook_in, start_failures;

/* True once closing_sys refuses sends: it is closing. (A send to no actor
 * is a dead letter before that, counted like any other.) */
static bool
closing(void)
{
	return cadre_send(closing_sys, CADRE_REF_NONE, CMD_MSG, NULL, 0) == CADRE_ECLOSED;
}

/* The supervisor's hook: logs, and on the child's exit holds the
 * supervisor (its worker) until the system is closing, so that the restart
 * that follows meets a closed system. */
static void
closing_hook(void *ctx, const cadre_sup_event *e)
{
	on_event(ctx, e);
	if (e->kind == CADRE_SUP_START_FAILED) {
		/* one failed spawn, and no retry: more means it spins */
		CHECK_EQ(atomic_fetch_add(&start_failures, 1), 0);
	}
	if (e->kind != CADRE_SUP_CHILD_EXITED)
		return;
	atomic_store(&hook_in, 1);
	for (long i = 0; !closing(); i++) {
		CHECK(i < 20000); /* 20 s */
		nap_ms(1);
	}
}

static void
restarts_stop_when_closing(void)
{
	/* (the supervisor holds its worker through the shutdown's ordered
	 * phase: keep that phase short) */
	cadre_config cfg = {.workers = 2, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&closing_sys, &cfg), 0);
	atomic_store(&hook_in, 0);
	atomic_store(&start_failures, 0);
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	/* the intensity of the report: a million restarts in a minute */
	sp = sspec(CADRE_ONE_FOR_ONE, 1000000, 60000, kids, 2, "sup");
	sp.on_event = closing_hook;
	cadre_ref sup = start_sup(closing_sys, &sp);
	(void)sup;
	send_cmd(closing_sys, last_ref("B"), CMD_CRASH, CRASH_CODE);
	WAIT(atomic_load(&hook_in) == 1);
	/* the supervisor is in its hook: shut down under it */
	CHECK_EQ(cadre_system_shutdown(closing_sys, 50), 0);
	/* B's restart met the closed system once, and was not tried again */
	CHECK_EQ(atomic_load(&start_failures), 1);
	CHECK_EQ(count_sup("sup", CADRE_SUP_START_FAILED, "B"), 1);
	CHECK_EQ(ev_at(nth_sup("sup", CADRE_SUP_START_FAILED, "B", 0))->code, CADRE_ECLOSED);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, "B"), 1);
	CHECK_EQ(count_sup("sup", CADRE_SUP_INTENSITY, NULL), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(closing_sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(closing_sys);
}

/* ---- the system's shutdown stops trees in order ----------------------------------------- */
/* A tree: "top" (A, the supervisor CS of W and W2, X), and P, an actor in
 * no tree. cadre_system_shutdown stops the tree first, top-down and in
 * reverse order, each child fully before the next (as OTP's init:stop
 * stops each application's top supervisor); P after it. */
static void
system_shutdown_top_down(void)
{
	cadre_system *s;
	cadre_config cfg = {.workers = 4, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&s, &cfg), 0);
	cfg_reset(&ca, "A");
	cfg_reset(&cx, "X");
	cfg_reset(&cw, "W");
	cfg_reset(&cw2, "W2");
	cfg_reset(&cp, "P");
	ca.stop_sleep_ms = cx.stop_sleep_ms = cw.stop_sleep_ms = cw2.stop_sleep_ms = 20;
	static cadre_child_spec inner_kids[2];
	inner_kids[0] = wspec(&cw, CADRE_PERMANENT, 1000);
	inner_kids[1] = wspec(&cw2, CADRE_PERMANENT, 1000);
	static cadre_sup_spec inner;
	inner = sspec(CADRE_ONE_FOR_ONE, 1, 60000, inner_kids, 2, "inner");
	static cadre_child_spec top_kids[3];
	top_kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	top_kids[1] = supspec("CS", &inner);
	top_kids[2] = wspec(&cx, CADRE_PERMANENT, 1000);
	static cadre_sup_spec top;
	top = sspec(CADRE_ONE_FOR_ONE, 3, 60000, top_kids, 3, "top");
	start_sup(s, &top);
	cadre_ref p;
	CHECK_EQ(cadre_spawn(s, &child_beh, NULL, &cp, &p), 0);
	WAIT(count_ev(E_START, "P") == 1);
	unsigned from = log_n();
	CHECK_EQ(cadre_system_shutdown(s, CADRE_FOREVER), 0);
	CHECK_TRACE(from, "<X -X:S <W2 -W2:S <W -W:S <A -A:S -P:S");
	CHECK_SUP_TRACE(from, "inner", SK_ALL, "stopped:W2:S stopped:W:S shutdown:S");
	CHECK_SUP_TRACE(from, "top", SK_ALL, "stopped:X:S stopped:CS:S stopped:A:S shutdown:S");
	cadre_system_free(s);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(restarts_stop_when_closing);
	RUN(system_shutdown_top_down);
	return sup_end("test_supervisor_closing");
}
