/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md):
 * restart intensity (exceeded, none (CADRE_NO_RESTARTS), a group restart
 * counted once), escalation to the parent supervisor, and the backoff
 * between restarts, on threads and the real clock. The sliding window, the
 * window's exact edges and the backoff's jitter are tested on the virtual
 * clock in test_supervisor_sim.c. The probes, the event log and its traces are in
 * tests/support/sup_helpers.h. Run one case with:
 * test_supervisor_intensity <case>. */
#include "sup_helpers.h"

static struct cfg ca, cb, cc;

/* ---- intensity ----------------------------------------------------------------------- */

#define INTENSITY_PERIOD_MS 5000u

/* Crashes B three times, each after the previous restart. Returns false if
 * it could not be done within the period (inconclusive: too slow a host). */
static bool
intensity_attempt(void)
{
	log_reset();
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	/* a period of 5 s: three crashes fit in it on any host this suite runs
	 * on, sanitizers included (300 ms did not always) */
	sp = sspec(CADRE_ONE_FOR_ONE, 2, INTENSITY_PERIOD_MS, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	watch(sys, "w", sup);
	uint64_t t0 = now_ns();
	crash(sys, "B");
	wait_starts("B", 2);
	crash(sys, "B");
	wait_starts("B", 3);
	unsigned from = log_n();
	crash(sys, "B");
	WAIT(count_sup("sup", CADRE_SUP_INTENSITY, NULL) == 1 || count_ev(E_START, "B") == 4);
	uint64_t seen = now_ns();
	if (count_ev(E_START, "B") == 4) {
		/* restarted: legitimate only if the 3rd exit came more than the
		 * period after the 1st restart, which is after t0 */
		CHECK(seen - t0 + TICK_NS > INTENSITY_PERIOD_MS * 1000000ull);
		stop_sup(sys, sup);
		WAIT(count_ev(E_DOWN, "w") == 1);
		CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
		return false;
	}
	/* two restarts allowed; the third exit stops everything in reverse
	 * order, then the supervisor, with SHUTDOWN */
	WAIT(count_ev(E_DOWN, "w") == 1);
	CHECK_TRACE(from, "-B:F -C:S -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL,
	                "exited:B:F intensity:B:F stopped:C:S stopped:A:S shutdown:S");
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, "B"), 2);
	const struct ev *down = ev_at(nth_ev(E_DOWN, "w", 0));
	CHECK_EQ(down->kind, CADRE_EXIT_SHUTDOWN);
	CHECK(cadre_ref_is_equal(down->ref, sup));
	wait_sup_gone(sys, sup);
	cadre_child_info inf[1];
	size_t n;
	CHECK_EQ(cadre_supervisor_which_children(sys, sup, inf, 1, &n, T_MS), CADRE_ENOACTOR);
	return true;
}

static void
intensity_exceeded(void)
{
	for (int attempt = 0;; attempt++) {
		CHECK(attempt < 5); /* five slow runs in a row: the host is too slow */
		if (intensity_attempt())
			break;
		fprintf(stderr, "   (inconclusive: crashes spread over the period; again)\n");
	}
}

/* The sliding window (intensity_window_slides) and the window's exact
 * edges are in test_supervisor_sim.c, on the virtual clock. */

/* CADRE_NO_RESTARTS (OTP's intensity 0): the first crash shuts it down. */
static void
intensity_none(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, CADRE_NO_RESTARTS, 5000, kids, 2, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	unsigned from = log_n();
	crash(sys, "B");
	WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
	CHECK_TRACE(from, "-B:F -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "exited:B:F intensity:B:F stopped:A:S shutdown:S");
	wait_sup_gone(sys, sup);
}

static void
group_restart_counts_once(void)
{
	cadre_strategy strategies[] = {CADRE_ONE_FOR_ALL, CADRE_REST_FOR_ONE};
	for (int s = 0; s < 2; s++) {
		log_reset();
		cfg_reset(&ca, "A");
		cfg_reset(&cb, "B");
		cfg_reset(&cc, "C");
		static cadre_child_spec kids[3];
		kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
		kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
		kids[2] = wspec(&cc, CADRE_PERMANENT, 1000);
		static cadre_sup_spec sp;
		sp = sspec(strategies[s], 1, 60000, kids, 3, "sup");
		cadre_ref sup = start_sup(sys, &sp);
		/* the first one crashing restarts three: one restart */
		unsigned from = log_n();
		crash(sys, "A");
		wait_starts("C", 2);
		settle();
		CHECK_TRACE(from, "-A:F -C:S -B:S +A +B +C");
		CHECK_EQ(count_sup("sup", CADRE_SUP_INTENSITY, NULL), 0);
		CHECK_COUNTS(counts(sys, sup), 3, 3, 0, 3);
		/* the second restart exceeds intensity 1 */
		from = log_n();
		crash(sys, "C");
		WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
		CHECK_TRACE(from, "-C:F -B:S -A:S");
		CHECK_SUP_TRACE(from, "sup", SK_ALL,
		                "exited:C:F intensity:C:F stopped:B:S stopped:A:S shutdown:S");
		wait_sup_gone(sys, sup);
		CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
	}
}

/* ---- escalation ---------------------------------------------------------------------- */

static void
escalation(void)
{
	cadre_ref topr = start_nested_tree();
	/* depth first: the tree is up when start returns */
	CHECK_TRACE(0, "+W +W2");
	CHECK_SUP_TRACE(0, NULL, SK_ALL, "started:W started:W2 started:CS");
	cadre_child_info cs = info_of(sys, topr, "CS");
	CHECK_EQ(cs.state, CADRE_CHILD_RUNNING);
	CHECK_EQ(cs.type, CADRE_SUPERVISOR);
	CHECK_COUNTS(counts(sys, topr), 1, 1, 1, 0);
	cadre_ref in0 = cs.ref;
	CHECK(cadre_ref_is_equal(info_of(sys, in0, "W").ref, last_ref("W")));
	CHECK_COUNTS(counts(sys, in0), 2, 2, 0, 2);
	watch(sys, "w-inner", in0);
	/* one crash: the inner supervisor copes */
	crash(sys, "W");
	wait_starts("W", 2);
	CHECK_EQ(count_sup("top", CADRE_SUP_CHILD_EXITED, NULL), 0);
	/* a second: beyond its intensity; it shuts down, the top restarts it */
	unsigned from = log_n();
	crash(sys, "W");
	wait_starts("W2", 2);
	WAIT(count_sup("top", CADRE_SUP_CHILD_STARTED, "CS") == 2);
	settle();
	CHECK_TRACE(from, "-W:F -W2:S +W +W2");
	CHECK_SUP_TRACE(from, "inner",
	                SK(CADRE_SUP_CHILD_EXITED) | SK(CADRE_SUP_INTENSITY) |
	                        SK(CADRE_SUP_CHILD_STOPPED) | SK(CADRE_SUP_SHUTDOWN),
	                "exited:W:F intensity:W:F stopped:W2:S shutdown:S");
	CHECK_SUP_TRACE(from, "top", SK_ALL, "exited:CS:S restarting:CS started:CS");
	const struct ev *down = ev_at(nth_ev(E_DOWN, "w-inner", 0));
	CHECK_EQ(down->kind, CADRE_EXIT_SHUTDOWN);
	cadre_ref in1 = info_of(sys, topr, "CS").ref;
	CHECK(!cadre_ref_is_equal(in1, in0));
	CHECK(sup_gone(sys, in0));
	/* the new inner supervisor runs fresh workers */
	CHECK(cadre_ref_is_equal(info_of(sys, in1, "W").ref, last_ref("W")));
	CHECK(cadre_ref_is_equal(info_of(sys, in1, "W2").ref, last_ref("W2")));
	CHECK_EQ(info_of(sys, in1, "W").state, CADRE_CHILD_RUNNING);
	/* with a fresh intensity: one crash is fine again */
	crash(sys, "W");
	wait_starts("W", 4);
	settle();
	CHECK_EQ(count_sup("top", CADRE_SUP_CHILD_EXITED, NULL), 1);
	/* the inner supervisor killed: the links take its workers down, the
	 * top restarts it */
	from = log_n();
	CHECK_EQ(cadre_kill(sys, in1), 0);
	wait_starts("W2", 3);
	WAIT(count_sup("top", CADRE_SUP_CHILD_STARTED, "CS") == 3);
	WAIT(count_ev(E_STOP, "W") == 4 && count_ev(E_STOP, "W2") == 2);
	CHECK_EQ(ev_at(nth_ev(E_STOP, "W", 3))->kind, CADRE_EXIT_KILLED);
	CHECK_EQ(ev_at(nth_ev(E_STOP, "W2", 1))->kind, CADRE_EXIT_KILLED);
	CHECK_SUP_TRACE(from, "top", SK_ALL, "exited:CS:K restarting:CS started:CS");
	CHECK_SUP_TRACE(from, "inner", SK_ALL, "started:W started:W2");
	CHECK_EQ(count_ev(E_START, "W"), 5);
	cadre_ref in2 = info_of(sys, topr, "CS").ref;
	CHECK(cadre_ref_is_equal(info_of(sys, in2, "W").ref, last_ref("W")));
	/* stopping the top stops the tree depth first, in order */
	from = log_n();
	CHECK_EQ(cadre_supervisor_stop(sys, topr, T_MS), 0);
	CHECK_TRACE(from, "-W2:S -W:S");
	CHECK_SUP_TRACE(from, NULL, SK_ALL,
	                "stopped:W2:S stopped:W:S shutdown:S stopped:CS:S shutdown:S");
	wait_sup_gone(sys, topr);
	CHECK(sup_gone(sys, in2));
}

/* ---- backoff ------------------------------------------------------------------------- */
static void
backoff(void)
{
	cfg_reset(&ca, "A");
	static cadre_child_spec kids[1];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 10, 60000, kids, 1, "sup");
	sp.backoff_min_ms = 50;
	sp.backoff_max_ms = 200;
	sp.backoff_jitter = 0.0;
	cadre_ref sup = start_sup(sys, &sp);
	/* the next three starts crash at once: four restarts in a row */
	atomic_store(&ca.crash_starts, 3);
	uint64_t t0 = now_ns();
	crash(sys, "A");
	wait_starts("A", 5);
	settle();
	CHECK_EQ(count_ev(E_START, "A"), 5);
	static const uint32_t want[] = {50, 100, 200, 200};
	uint64_t prev = t0;
	for (int i = 0; i < 4; i++) {
		const struct ev *rs = ev_at(nth_sup("sup", CADRE_SUP_CHILD_RESTARTING, "A", i));
		CHECK_EQ(rs->delay, want[i]);
		uint64_t t = ev_at(nth_ev(E_START, "A", i + 1))->t_ns;
		CHECK(t - prev + TICK_NS >= (uint64_t)want[i] * 1000000u);
		prev = t;
	}
	CHECK_EQ(count_sup("sup", CADRE_SUP_INTENSITY, NULL), 0);
	stop_sup(sys, sup);
}

/* backoff_jitter: in test_supervisor_sim.c (exact delays, same seed same
 * delays). */

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(intensity_exceeded);
	RUN(intensity_none);
	RUN(group_restart_counts_once);
	RUN(escalation);
	RUN(backoff);
	return sup_end("test_supervisor_intensity");
}
