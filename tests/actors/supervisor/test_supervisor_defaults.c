/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md):
 * zero means OTP's default in a spec (intensity 1, period 5000 ms, a
 * worker's shutdown 5000 ms, a supervisor's infinity, the backoff's
 * maximum 30000 ms), the named constants for none and brutal
 * (CADRE_NO_RESTARTS, CADRE_SHUTDOWN_BRUTAL), and the specs OTP refuses
 * (cadre_supervisor_check and its reasons). The probes, the event log and
 * its traces are in tests/support/sup_helpers.h. Run one case with:
 * test_supervisor_defaults <case>. The shutdown defaults (5000 ms, infinity)
 * are tested on the virtual clock in test_supervisor_sim.c. */
#include <math.h>

#include "sup_helpers.h"

static struct cfg ca, cb;

/* ---- intensity and period ------------------------------------------------------------- */
/* Only strategy and children set (and the event hook), children with only
 * id and beh (and the probe's arg): it starts; one restart within 5 s is
 * allowed, the second crash shuts the supervisor down. */
static void
zero_spec(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	static cadre_child_spec kids[2];
	kids[0] = (cadre_child_spec){.id = "A", .beh = &child_beh, .arg = &ca};
	kids[1] = (cadre_child_spec){.id = "B", .beh = &child_beh, .arg = &cb};
	static cadre_sup_spec sp;
	sp = (cadre_sup_spec){.strategy = CADRE_ONE_FOR_ONE,
	                      .children = kids,
	                      .nchildren = 2,
	                      .on_event = on_event,
	                      .event_ctx = "sup"};
	CHECK_EQ(cadre_supervisor_check(&sp, NULL), 0);
	cadre_ref sup = start_sup(sys, &sp);
	unsigned from = log_n();
	crash(sys, "B");
	wait_starts("B", 2); /* the first: restarted */
	CHECK_EQ(count_sup("sup", CADRE_SUP_INTENSITY, NULL), 0);
	crash(sys, "B"); /* the second, well within 5 s: one too many */
	WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
	CHECK_SUP_TRACE(from, "sup", SK_ALL,
	                "exited:B:F restarting:B started:B exited:B:F intensity:B:F "
	                "stopped:A:S shutdown:S");
	wait_sup_gone(sys, sup);
}

/* ---- shutdown ------------------------------------------------------------------------- */
/* zero_shutdown (a worker's default shutdown of 5000 ms, a supervisor's
 * infinity) is in test_supervisor_sim.c: in the deterministic mode it is
 * exact to the millisecond and takes no 6 s of wall time. */

/* CADRE_SHUTDOWN_BRUTAL kills at once: the child never sees `shutdown`. */
static void
brutal(void)
{
	cfg_reset(&ca, "A");
	ca.trap_ignore = true;
	static cadre_child_spec kids[1];
	kids[0] = wspec(&ca, CADRE_PERMANENT, CADRE_SHUTDOWN_BRUTAL);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 60000, kids, 1, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	wait_starts("A", 1);
	unsigned from = log_n();
	stop_sup(sys, sup);
	CHECK_TRACE(from, "-A:K");
	CHECK_EQ(count_ev(E_EXIT, "A"), 0);
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:A:K shutdown:S");
	CHECK_EQ(count_sup("sup", CADRE_SUP_SHUTDOWN_ERROR, NULL), 0); /* expected */
}

/* ---- backoff -------------------------------------------------------------------------- */
/* backoff_min_ms set, backoff_max_ms 0: the maximum is 30000 ms, so the
 * delays double from the minimum (they are not cut to 0). */
static void
backoff_default_max(void)
{
	cfg_reset(&ca, "A");
	static cadre_child_spec kids[1];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 10, 60000, kids, 1, "sup");
	sp.backoff_min_ms = 40;
	CHECK_EQ(cadre_supervisor_check(&sp, NULL), 0);
	cadre_ref sup = start_sup(sys, &sp);
	atomic_store(&ca.crash_starts, 2); /* three restarts in a row */
	uint64_t prev = now_ns();
	crash(sys, "A");
	wait_starts("A", 4);
	static const uint32_t want[] = {40, 80, 160};
	for (int i = 0; i < 3; i++) {
		const struct ev *rs = ev_at(nth_sup("sup", CADRE_SUP_CHILD_RESTARTING, "A", i));
		CHECK_EQ(rs->delay, want[i]);
		uint64_t t = ev_at(nth_ev(E_START, "A", i + 1))->t_ns;
		CHECK(t - prev + TICK_NS >= (uint64_t)want[i] * 1000000u);
		prev = t;
	}
	stop_sup(sys, sup);
}

/* ---- validation ----------------------------------------------------------------------- */
/* A bad spec: its name, the change that makes it bad, and the reason. */
struct bad {
	const char *name;
	void (*spoil)(cadre_sup_spec *sp, cadre_child_spec *kids);
	const char *why;
};

static void
sp_strategy(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->strategy = (cadre_strategy)4;
}
static void
sp_auto(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->auto_shutdown = (cadre_auto_shutdown)3;
}
static void
sp_children_null(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->children = NULL;
}
static void
sp_simple_two(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->strategy = CADRE_SIMPLE_ONE_FOR_ONE;
}
static void
sp_simple_none(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->strategy = CADRE_SIMPLE_ONE_FOR_ONE;
	sp->children = NULL;
	sp->nchildren = 0;
}
static void
sp_jitter_nan(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->backoff_jitter = NAN;
}
static void
sp_jitter_big(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->backoff_jitter = 1.5;
}
static void
sp_jitter_neg(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->backoff_jitter = -0.1;
}
static void
sp_min_above_max(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->backoff_min_ms = 100;
	sp->backoff_max_ms = 50;
}
static void
sp_min_above_default_max(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)k;
	sp->backoff_min_ms = 30001; /* backoff_max_ms 0: 30000 */
}
static void
kid_id_null(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].id = NULL;
}
static void
kid_id_empty(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].id = "";
}
static void
kid_beh_null(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].beh = NULL;
}
static void
kid_restart(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].restart = (cadre_restart)3;
}
static void
kid_type(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].type = (cadre_child_type)2;
}
static void
kid_shutdown(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].shutdown_ms = -3;
}
static void
kid_sig_permanent(cadre_sup_spec *sp, cadre_child_spec *k)
{
	sp->auto_shutdown = CADRE_AUTO_ANY_SIGNIFICANT;
	k[1].significant = true;
}
static void
kid_sig_never(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].restart = CADRE_TRANSIENT;
	k[1].significant = true;
}
static void
kid_duplicate(cadre_sup_spec *sp, cadre_child_spec *k)
{
	(void)sp;
	k[1].id = "A";
}

static const struct bad bads[] = {
        {"strategy 4", sp_strategy, "strategy out of range"},
        {"auto_shutdown 3", sp_auto, "auto_shutdown out of range"},
        {"children NULL", sp_children_null, "children NULL with nchildren > 0"},
        {"simple, two", sp_simple_two, "SIMPLE_ONE_FOR_ONE needs exactly one child spec"},
        {"simple, none", sp_simple_none, "SIMPLE_ONE_FOR_ONE needs exactly one child spec"},
        {"jitter NaN", sp_jitter_nan, "backoff_jitter NaN or outside [0, 1]"},
        {"jitter 1.5", sp_jitter_big, "backoff_jitter NaN or outside [0, 1]"},
        {"jitter -0.1", sp_jitter_neg, "backoff_jitter NaN or outside [0, 1]"},
        {"min > max", sp_min_above_max, "backoff_min_ms above backoff_max_ms"},
        {"min > default max", sp_min_above_default_max, "backoff_min_ms above backoff_max_ms"},
        {"id NULL", kid_id_null, "child id NULL or empty"},
        {"id empty", kid_id_empty, "child id NULL or empty"},
        {"beh NULL", kid_beh_null, "child beh NULL"},
        {"restart 3", kid_restart, "child restart out of range"},
        {"type 2", kid_type, "child type out of range"},
        {"shutdown -3", kid_shutdown, "bad child shutdown_ms"},
        {"significant permanent", kid_sig_permanent, "significant child is PERMANENT"},
        {"significant, NEVER", kid_sig_never, "significant child under auto_shutdown NEVER"},
        {"duplicate id", kid_duplicate, "duplicate child id"},
};

/* A valid spec of two children, A and B, in sp and kids. */
static void
good_spec(cadre_sup_spec *sp, cadre_child_spec *kids)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	*sp = sspec(CADRE_ONE_FOR_ONE, 3, 60000, kids, 2, "sup");
}

/* Every rule: cadre_supervisor_check refuses the spec with its reason, and
 * cadre_supervisor_start with CADRE_EINVAL, starting nothing. Each
 * mismatch is reported before the case fails. */
static void
validation(void)
{
	int wrong = 0;
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		static cadre_sup_spec sp;
		static cadre_child_spec kids[2];
		good_spec(&sp, kids);
		CHECK_EQ(cadre_supervisor_check(&sp, NULL), 0);
		bads[i].spoil(&sp, kids);
		cadre_ref sup;
		int rc = cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS);
		const char *why = "(not set)";
		int crc = cadre_supervisor_check(&sp, &why);
		if (rc != CADRE_EINVAL || crc != CADRE_EINVAL || why == NULL ||
		    strcmp(why, bads[i].why) != 0) {
			fprintf(stderr, "  %s: start %s, check %s, why \"%s\" (wanted \"%s\")\n",
			        bads[i].name, cadre_err_name(rc), cadre_err_name(crc),
			        why != NULL ? why : "(null)", bads[i].why);
			wrong++;
			if (rc == 0)
				stop_sup(sys, sup);
		}
	}
	const char *why = "(not set)";
	CHECK_EQ(cadre_supervisor_check(NULL, &why), CADRE_EINVAL);
	CHECK(why != NULL && strcmp(why, "spec NULL") == 0);
	CHECK_EQ(wrong, 0);
	CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
	CHECK_EQ(count_ev(E_START, NULL), 0); /* nothing started */
}

/* The edges that are valid: why is set to NULL. */
static void
valid_edges(void)
{
	static cadre_sup_spec sp;
	static cadre_child_spec kids[2];
	good_spec(&sp, kids);
	kids[0].shutdown_ms = CADRE_FOREVER;
	kids[1].shutdown_ms = CADRE_SHUTDOWN_BRUTAL;
	sp.intensity = CADRE_NO_RESTARTS;
	sp.backoff_min_ms = 30000; /* = the default maximum */
	sp.backoff_jitter = 1.0;
	const char *why = "(not set)";
	CHECK_EQ(cadre_supervisor_check(&sp, &why), 0);
	CHECK(why == NULL);
	sp.backoff_max_ms = 30000; /* min = max */
	sp.backoff_jitter = 0.0;
	kids[1].restart = CADRE_TEMPORARY;
	kids[1].significant = true;
	sp.auto_shutdown = CADRE_AUTO_ALL_SIGNIFICANT;
	CHECK_EQ(cadre_supervisor_check(&sp, NULL), 0);
	sp.children = NULL; /* no children at all */
	sp.nchildren = 0;
	CHECK_EQ(cadre_supervisor_check(&sp, NULL), 0);
}

/* start_child checks its spec against this supervisor's (its
 * auto_shutdown): the same rules; an id taken stays CADRE_EEXIST. */
static void
start_child_checked(void)
{
	static cadre_sup_spec sp;
	static cadre_child_spec kids[2];
	good_spec(&sp, kids);
	sp.nchildren = 1;
	cadre_ref sup = start_sup(sys, &sp);
	cadre_ref r;
	static cadre_child_spec extra;
	extra = kids[1];
	extra.restart = CADRE_TRANSIENT;
	extra.significant = true; /* under auto_shutdown NEVER */
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &extra, NULL, &r, T_MS), CADRE_EINVAL);
	extra.significant = false;
	extra.shutdown_ms = -5;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &extra, NULL, &r, T_MS), CADRE_EINVAL);
	extra.shutdown_ms = 0;
	extra.id = "";
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &extra, NULL, &r, T_MS), CADRE_EINVAL);
	extra.id = "B";
	extra.type = (cadre_child_type)7;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &extra, NULL, &r, T_MS), CADRE_EINVAL);
	extra.type = CADRE_WORKER;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, NULL, NULL, &r, T_MS), CADRE_EINVAL);
	CHECK_EQ(count_ev(E_START, "B"), 0);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &kids[0], NULL, &r, T_MS), CADRE_EEXIST);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &extra, NULL, &r, T_MS), 0); /* valid */
	CHECK_EQ(count_ev(E_START, "B"), 1);
	stop_sup(sys, sup);
}

/* A supervisor spawned with a bad spec (here as a child, so that its end is
 * seen) fails its start: FAILURE, code CADRE_EINVAL, detail the reason. */
static void
spawned_bad_spec(void)
{
	static cadre_sup_spec bad;
	static cadre_child_spec bad_kids[2];
	good_spec(&bad, bad_kids);
	bad_kids[1].id = "A"; /* duplicate */
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 60000, NULL, 0, "top");
	cadre_ref sup = start_sup(sys, &sp);
	static cadre_child_spec cs;
	cs = supspec("CS", &bad);
	cadre_ref r;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &cs, NULL, &r, T_MS), CADRE_ECANCELED);
	const struct ev *e = ev_at(nth_sup("top", CADRE_SUP_START_FAILED, "CS", 0));
	CHECK_EQ(e->kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(e->code, CADRE_EINVAL);
	CHECK(e->detail != NULL && strcmp(e->detail, "duplicate child id") == 0);
	CHECK_EQ(count_ev(E_START, NULL), 0);
	stop_sup(sys, sup);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(zero_spec);
	RUN(brutal);
	RUN(backoff_default_max);
	RUN(validation);
	RUN(valid_edges);
	RUN(start_child_checked);
	RUN(spawned_bad_spec);
	return sup_end("test_supervisor_defaults");
}
