/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md):
 * specs that cadre_supervisor_start and start_child refuse. The probes, the
 * event log and its traces are in tests/support/sup_helpers.h. Run one case
 * with: test_supervisor_bad_input <case>. */
#include "sup_helpers.h"

static struct cfg ca, cb, cs1;

/* ---- bad input ------------------------------------------------------------------------- */
static void
bad_specs(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cadre_ref sup;
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	cadre_sup_spec sp = sspec(CADRE_ONE_FOR_ONE, 1, 5000, kids, 2, "sup");
	CHECK_EQ(cadre_supervisor_start(NULL, &sp, &sup, NULL, T_MS), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_start(sys, NULL, &sup, NULL, T_MS), CADRE_EINVAL);
	CHECK_EQ(cadre_supervisor_start(sys, &sp, NULL, NULL, T_MS), CADRE_EINVAL);
	kids[1].id = "A"; /* duplicate id */
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS), CADRE_EINVAL);
	kids[1].id = "B";
	kids[1].beh = NULL;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS), CADRE_EINVAL);
	kids[1].beh = &child_beh;
	sp.strategy = CADRE_SIMPLE_ONE_FOR_ONE; /* needs exactly one template */
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS), CADRE_EINVAL);
	sp.strategy = CADRE_ONE_FOR_ONE;
	sp.backoff_min_ms = 100; /* min above max */
	sp.backoff_max_ms = 50;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
	CHECK_EQ(log_n(), 0);
}

/* ---- significant children -------------------------------------------------------------- */
static void
significant_permanent_rejected(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cs1, "S1");
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cs1, CADRE_PERMANENT, 1000);
	kids[1].significant = true;
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 2, "sup");
	sp.auto_shutdown = CADRE_AUTO_ANY_SIGNIFICANT;
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, T_MS), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
	CHECK_EQ(log_n(), 0); /* nothing started */
	/* nor as a dynamic child */
	sup = start_sup(sys, &(cadre_sup_spec){.strategy = CADRE_ONE_FOR_ONE,
	                                       .intensity = 1,
	                                       .period_ms = 5000,
	                                       .auto_shutdown = CADRE_AUTO_ANY_SIGNIFICANT});
	cadre_ref r;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &kids[1], NULL, &r, T_MS), CADRE_EINVAL);
	CHECK_EQ(count_ev(E_START, "S1"), 0);
	stop_sup(sys, sup);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(bad_specs);
	RUN(significant_permanent_rejected);
	return sup_end("test_supervisor_bad_input");
}
