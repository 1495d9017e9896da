/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md): a
 * child's start may answer "ignore" (cadre_ignore), as OTP's: its spec is
 * kept with no actor (a temporary or dynamic child is dropped), and the
 * supervisor goes on. The probes, the event log and its traces are in
 * tests/support/sup_helpers.h. Run one case with:
 * test_supervisor_ignore <case>. */
#include "sup_helpers.h"

static struct cfg ca, cb;

/* ---- a child that ignores ------------------------------------------------------------- */
/* Ignores its next `ignores` starts ("?I" in the log: an E_HOLD, which the
 * traces leave out), starts otherwise ("+I"), and obeys CMD_CRASH. */
struct ign_cfg {
	const char *name;
	atomic_int ignores;
	atomic_int ignored;
};

struct ignorer {
	cadre_actor base;
	struct ign_cfg *c;
};

static int
ign_start(cadre_actor *self, void *arg)
{
	struct ignorer *x = (struct ignorer *)self;
	x->c = arg;
	if (take(&x->c->ignores)) {
		atomic_fetch_add(&x->c->ignored, 1);
		CHECK_EQ(cadre_ignore(self), 0);
		return 0;
	}
	log_add((struct ev){.what = E_START, .name = x->c->name, .ref = cadre_self(self)});
	return 0;
}

static int
ign_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return m->type == CMD_CRASH ? CRASH_CODE : 0;
}

static void
ign_stop(cadre_actor *self, const cadre_exit *why)
{
	struct ignorer *x = (struct ignorer *)self;
	if (why->code != CADRE_IGNORE_CODE)
		log_add((struct ev){.what = E_STOP, .name = x->c->name, .kind = (int)why->kind});
}

static const cadre_behaviour ign_beh = {.size = sizeof(struct ignorer),
                                        .start = ign_start,
                                        .receive = ign_receive,
                                        .stop = ign_stop};

static void
ign_reset(struct ign_cfg *c, const char *name, int ignores)
{
	c->name = name;
	atomic_store(&c->ignores, ignores);
	atomic_store(&c->ignored, 0);
}

static cadre_child_spec
ispec(struct ign_cfg *c, cadre_restart r)
{
	return (cadre_child_spec){.id = c->name,
	                          .beh = &ign_beh,
	                          .arg = c,
	                          .restart = r,
	                          .shutdown_ms = 1000,
	                          .type = CADRE_WORKER};
}

static struct ign_cfg ci, ct, cj, cu;

/* At the supervisor's start: it starts; the ignoring permanent child is
 * kept, terminated; the ignoring temporary one is dropped. */
static void
ignore_at_start(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	ign_reset(&ci, "I", 2);
	ign_reset(&ct, "T", 1);
	static cadre_child_spec kids[4];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = ispec(&ci, CADRE_PERMANENT);
	kids[2] = ispec(&ct, CADRE_TEMPORARY);
	kids[3] = wspec(&cb, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ALL, 1, 60000, kids, 4, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	CHECK_TRACE(0, "+A +B");
	CHECK_SUP_TRACE(0, "sup", SK_ALL, "started:A started:B");
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_IGNORED, "I"), 1);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_IGNORED, "T"), 1);
	cadre_child_info ii = info_of(sys, sup, "I");
	CHECK_EQ(ii.state, CADRE_CHILD_TERMINATED);
	CHECK(cadre_ref_is_none(ii.ref));
	CHECK(!listed(sys, sup, "T"));
	CHECK_COUNTS(counts(sys, sup), 3, 2, 0, 3);
	/* restart_child: it ignores again (0, no ref), then starts */
	cadre_ref r = last_ref("A");
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "I", &r, T_MS), 0);
	CHECK(cadre_ref_is_none(r));
	CHECK_EQ(atomic_load(&ci.ignored), 2);
	CHECK_EQ(info_of(sys, sup, "I").state, CADRE_CHILD_TERMINATED);
	CHECK_EQ(cadre_supervisor_restart_child(sys, sup, "I", &r, T_MS), 0);
	CHECK(cadre_ref_is_equal(r, last_ref("I")));
	CHECK_EQ(info_of(sys, sup, "I").state, CADRE_CHILD_RUNNING);
	/* nothing was counted as a restart: one is still allowed */
	unsigned from = log_n();
	crash(sys, "B");
	wait_starts("B", 2);
	CHECK_TRACE(from, "-B:F -I:S -A:S +A +I +B");
	CHECK_EQ(count_sup("sup", CADRE_SUP_INTENSITY, NULL), 0);
	stop_sup(sys, sup);
}

/* start_child: 0 and no ref; a permanent child's spec is kept, a temporary
 * one's and a dynamic one's are not. */
static void
ignore_in_start_child(void)
{
	cfg_reset(&ca, "A");
	ign_reset(&ci, "I", 1);
	ign_reset(&ct, "T", 1);
	static cadre_child_spec kids[1];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 1, 60000, kids, 1, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	static cadre_child_spec i, t;
	i = ispec(&ci, CADRE_PERMANENT);
	t = ispec(&ct, CADRE_TEMPORARY);
	cadre_ref r = last_ref("A");
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &i, NULL, &r, T_MS), 0);
	CHECK(cadre_ref_is_none(r));
	CHECK_EQ(info_of(sys, sup, "I").state, CADRE_CHILD_TERMINATED);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &i, NULL, &r, T_MS), CADRE_EEXIST);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &t, NULL, &r, T_MS), 0);
	CHECK(cadre_ref_is_none(r));
	CHECK(!listed(sys, sup, "T"));
	CHECK_COUNTS(counts(sys, sup), 2, 1, 0, 2);
	stop_sup(sys, sup);

	/* SIMPLE_ONE_FOR_ONE: not added */
	log_reset();
	ign_reset(&cj, "J", 1);
	ign_reset(&cu, "U", 0);
	static cadre_child_spec tmpl[1];
	tmpl[0] = ispec(&cj, CADRE_PERMANENT);
	tmpl[0].id = "d";
	tmpl[0].arg = NULL;
	sp = sspec(CADRE_SIMPLE_ONE_FOR_ONE, 1, 60000, tmpl, 1, "sup");
	sup = start_sup(sys, &sp);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, NULL, &cj, &r, T_MS), 0);
	CHECK(cadre_ref_is_none(r));
	CHECK_COUNTS(counts(sys, sup), 0, 0, 0, 0);
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, NULL, &cu, &r, T_MS), 0);
	CHECK(cadre_ref_is_equal(r, last_ref("U")));
	CHECK_COUNTS(counts(sys, sup), 1, 1, 0, 1);
	stop_sup(sys, sup);
}

/* A restart that ignores: the child stays terminated, is not restarted
 * again, and the supervisor goes on. */
static void
ignore_on_restart(void)
{
	cfg_reset(&ca, "A");
	ign_reset(&ci, "I", 0);
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = ispec(&ci, CADRE_PERMANENT);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 60000, kids, 2, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	atomic_store(&ci.ignores, 1);
	crash(sys, "I");
	WAIT(count_sup("sup", CADRE_SUP_CHILD_IGNORED, "I") == 1);
	settle();
	CHECK_EQ(atomic_load(&ci.ignored), 1);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, "I"), 1);
	CHECK_EQ(count_sup("sup", CADRE_SUP_START_FAILED, NULL), 0);
	CHECK_EQ(info_of(sys, sup, "I").state, CADRE_CHILD_TERMINATED);
	CHECK_EQ(info_of(sys, sup, "A").state, CADRE_CHILD_RUNNING);
	CHECK_COUNTS(counts(sys, sup), 2, 1, 0, 2);
	stop_sup(sys, sup);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(ignore_at_start);
	RUN(ignore_in_start_child);
	RUN(ignore_on_restart);
	return sup_end("test_supervisor_ignore");
}
