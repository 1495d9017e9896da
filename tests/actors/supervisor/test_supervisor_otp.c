/* Supervisors, rule by rule (cadre/supervisor.h, docs/supervision.md):
 * the points where Cadre follows OTP's supervisor.erl closely. Every stop
 * path stops the children in order (cadre_stop_ref included). Exit
 * signals from strangers are ignored; a sibling that dies while a group
 * restart stops it is part of that restart, not another one; dynamic
 * children stop together, under one deadline; a child that ends with an
 * unexpected reason while it is stopped is reported (SHUTDOWN_ERROR). The probes, the event log and its
 * traces are in tests/support/sup_helpers.h. Run one case with:
 * test_supervisor_otp <case>. */
#include "sup_helpers.h"

static struct cfg ca, cb, cc;

/* ---- every stop path is ordered --------------------------------------------------------- */
/* cadre_stop_ref on a supervisor: it traps its stop request and stops its
 * children in reverse order, each fully before the next, then itself (as
 * OTP's terminate/2 on any stop). A tree stops depth first. */
static void
stop_ref_in_order(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	cfg_reset(&cc, "C");
	ca.stop_sleep_ms = cb.stop_sleep_ms = cc.stop_sleep_ms = 30;
	static cadre_child_spec kids[3];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 5000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 5000);
	kids[2] = wspec(&cc, CADRE_PERMANENT, 5000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 3, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	watch(sys, "w", sup);
	unsigned from = log_n();
	CHECK_EQ(cadre_stop_ref(sys, sup), 0);
	WAIT(count_ev(E_DOWN, "w") == 1);
	CHECK_TRACE(from, "<C -C:S <B -B:S <A -A:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:C:S stopped:B:S stopped:A:S shutdown:S");
	CHECK_EQ(ev_at(nth_ev(E_DOWN, "w", 0))->kind, CADRE_EXIT_SHUTDOWN);
	wait_sup_gone(sys, sup);

	/* a tree: depth first */
	log_reset();
	cadre_ref topr = start_nested_tree();
	watch(sys, "w-top", topr);
	from = log_n();
	CHECK_EQ(cadre_stop_ref(sys, topr), 0);
	WAIT(count_ev(E_DOWN, "w-top") == 1);
	CHECK_TRACE(from, "-W2:S -W:S");
	CHECK_SUP_TRACE(from, NULL, SK_ALL,
	                "stopped:W2:S stopped:W:S shutdown:S stopped:CS:S shutdown:S");
	wait_sup_gone(sys, topr);
}

/* A terminated child (no actor, ref NONE) is not the sender of an exit
 * signal from no actor: the supervisor stops, and restarts nothing. */
static void
stop_ref_with_a_terminated_child(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 3, 5000, kids, 2, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	watch(sys, "w", sup);
	CHECK_EQ(cadre_supervisor_terminate_child(sys, sup, "A", CADRE_REF_NONE, T_MS), 0);
	unsigned from = log_n();
	CHECK_EQ(cadre_stop_ref(sys, sup), 0);
	WAIT(count_ev(E_DOWN, "w") == 1);
	CHECK_TRACE(from, "-B:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL, "stopped:B:S shutdown:S");
	wait_sup_gone(sys, sup);
}

/* ---- strangers ------------------------------------------------------------------------ */
enum { S_EXIT_FAILURE, S_EXIT_SHUTDOWN, S_LINK_AND_FAIL };

struct stranger_arg {
	cadre_ref sup;
	int mode;
};

static int
stranger_start(cadre_actor *self, void *arg)
{
	const struct stranger_arg *a = arg;
	cadre_system *s = cadre_actor_system(self);
	int mode = a->mode;
	if (mode == S_LINK_AND_FAIL) {
		CHECK_EQ(cadre_link(self, a->sup), 0);
		log_add((struct ev){.what = E_WATCHING, .name = "stranger"});
		return 9; /* fails: its link carries FAILURE to the supervisor */
	}
	cadre_exit r = mode == S_EXIT_FAILURE ? (cadre_exit){CADRE_EXIT_FAILURE, 9, "stranger"}
	                                      : (cadre_exit){CADRE_EXIT_SHUTDOWN, 0, NULL};
	CHECK_EQ(cadre_send_exit(s, a->sup, &r), 0);
	log_add((struct ev){.what = E_WATCHING, .name = "stranger"});
	return cadre_stop(self);
}

static int
stranger_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static const cadre_behaviour stranger_beh = {
        .size = sizeof(cadre_actor), .start = stranger_start, .receive = stranger_receive};

/* An exit signal from an actor that is neither the supervisor's parent nor
 * one of its children is ignored, whatever its reason, linked or not (OTP:
 * handle_info({'EXIT', Pid, _}) finds no child and does nothing). */
static void
strangers_ignored(void)
{
	cfg_reset(&ca, "A");
	cfg_reset(&cb, "B");
	static cadre_child_spec kids[2];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 2, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	watch(sys, "w", sup);
	int modes[] = {S_EXIT_FAILURE, S_EXIT_SHUTDOWN, S_LINK_AND_FAIL};
	for (int i = 0; i < 3; i++) {
		struct stranger_arg a = {sup, modes[i]};
		cadre_ref r;
		CHECK_EQ(cadre_spawn(sys, &stranger_beh, NULL, &a, &r), 0);
		WAIT(count_ev(E_WATCHING, "stranger") == i + 1);
		/* a request after the signal: the supervisor has seen it by the
		 * answer (signals overtake mail; the linked stranger's exit comes
		 * as its start returns, which the settle() below covers) */
		CHECK_COUNTS(counts(sys, sup), 2, 2, 0, 2);
	}
	/* a NORMAL exit signal from an outside thread: ignored (header) */
	cadre_exit normal = {CADRE_EXIT_NORMAL, 0, NULL};
	CHECK_EQ(cadre_send_exit(sys, sup, &normal), 0);
	CHECK_COUNTS(counts(sys, sup), 2, 2, 0, 2);
	settle();
	CHECK_EQ(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL), 0);
	CHECK_EQ(count_ev(E_DOWN, "w"), 0);
	CHECK_EQ(count_ev(E_STOP, NULL), 0);
	CHECK_EQ(info_of(sys, sup, "A").state, CADRE_CHILD_RUNNING);
	/* an outside thread's exit signal still stops it, in order (not an
	 * actor: the program that owns the tree, as a top supervisor's parent) */
	unsigned from = log_n();
	cadre_exit shut = {CADRE_EXIT_FAILURE, 3, NULL};
	CHECK_EQ(cadre_send_exit(sys, sup, &shut), 0);
	WAIT(count_ev(E_DOWN, "w") == 1);
	CHECK_TRACE(from, "-B:S -A:S");
	CHECK_EQ(ev_at(nth_ev(E_DOWN, "w", 0))->kind, CADRE_EXIT_FAILURE);
	wait_sup_gone(sys, sup);
}

/* ---- group restarts --------------------------------------------------------------------- */
/* While a ONE_FOR_ALL or REST_FOR_ONE restart stops the siblings, a sibling
 * that dies by itself before its turn is part of that restart: one restart,
 * counted once (OTP's terminate_children takes its EXIT as its stop). */
static void
group_exits_fold_into_one_restart(void)
{
	cadre_strategy strategies[] = {CADRE_ONE_FOR_ALL, CADRE_REST_FOR_ONE};
	for (int s = 0; s < 2; s++) {
		log_reset();
		cfg_reset(&ca, "A");
		cfg_reset(&cb, "B");
		cfg_reset(&cc, "C");
		cc.trap_ignore = true; /* holds the group's stop until told */
		static cadre_child_spec kids[3];
		kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
		kids[1] = wspec(&cb, CADRE_PERMANENT, 1000);
		kids[2] = wspec(&cc, CADRE_PERMANENT, 10000);
		static cadre_sup_spec sp;
		sp = sspec(strategies[s], 1, 60000, kids, 3, "sup");
		cadre_ref sup = start_sup(sys, &sp);
		unsigned from = log_n();
		crash(sys, "A");
		/* C is told first (reverse order) and holds; B waits its turn */
		WAIT(count_ev(E_EXIT, "C") == 1);
		crash(sys, "B");
		WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, "B") == 1);
		send_cmd(sys, last_ref("C"), CMD_SHUTDOWN, 0);
		wait_starts("C", 2);
		settle();
		CHECK_TRACE(from, "-A:F -B:F -C:S +A +B +C");
		CHECK_EQ(count_sup("sup", CADRE_SUP_SHUTDOWN_ERROR, "B"), 1); /* a crash */
		CHECK_EQ(count_sup("sup", CADRE_SUP_INTENSITY, NULL), 0);
		CHECK_EQ(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL), 0);
		CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, NULL), 3);
		CHECK_COUNTS(counts(sys, sup), 3, 3, 0, 3);
		/* that was one restart: the next one exceeds intensity 1 */
		from = log_n();
		crash(sys, "B");
		WAIT(count_ev(E_EXIT, "C") == 2); /* C holds again: let it go */
		send_cmd(sys, last_ref("C"), CMD_SHUTDOWN, 0);
		WAIT(count_sup("sup", CADRE_SUP_SHUTDOWN, NULL) == 1);
		CHECK_SUP_TRACE(from, "sup", SK(CADRE_SUP_CHILD_EXITED) | SK(CADRE_SUP_INTENSITY),
		                "exited:B:F intensity:B:F");
		wait_sup_gone(sys, sup);
		CHECK_EQ(cadre_system_await_stopped(sys, T_MS), 0);
	}
}

/* ---- dynamic children stop together -------------------------------------------------- */
#define NDYN 19
static struct cfg dyn[NDYN];
static char dyn_names[NDYN][8];

/* A SIMPLE_ONE_FOR_ONE supervisor of NDYN children that trap exits and
 * ignore `shutdown`, with shutdown_ms. */
static cadre_ref
start_dynamic(cadre_timeout shutdown_ms)
{
	static cadre_child_spec tmpl[1];
	tmpl[0] = (cadre_child_spec){.id = "d",
	                             .beh = &child_beh,
	                             .restart = CADRE_PERMANENT,
	                             .shutdown_ms = shutdown_ms,
	                             .type = CADRE_WORKER};
	static cadre_sup_spec sp;
	sp = sspec(CADRE_SIMPLE_ONE_FOR_ONE, 5, 5000, tmpl, 1, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	for (int i = 0; i < NDYN; i++) {
		snprintf(dyn_names[i], sizeof dyn_names[i], "d%d", i + 1);
		cfg_reset(&dyn[i], dyn_names[i]);
		dyn[i].trap_ignore = true;
		cadre_ref r;
		CHECK_EQ(cadre_supervisor_start_child(sys, sup, NULL, &dyn[i], &r, T_MS), 0);
	}
	return sup;
}

/* OTP's terminate_dynamic_children: all are told at once, and waited for
 * together. Here they hold `shutdown` (CADRE_FOREVER): all of them must have it
 * before any has stopped (one at a time, only the first would). */
static void
dynamic_children_told_together(void)
{
	cadre_ref sup = start_dynamic(CADRE_FOREVER);
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	CHECK_EQ(cadre_send_exit(sys, sup, &shut), 0);
	WAIT(count_ev(E_EXIT, NULL) == NDYN);
	CHECK_EQ(count_ev(E_STOP, NULL), 0);
	for (int i = NDYN; i-- > 0;)
		send_cmd(sys, last_ref(dyn_names[i]), CMD_SHUTDOWN, 0);
	wait_sup_gone(sys, sup);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_STOPPED, NULL), NDYN);
	for (int i = 0; i < NDYN; i++)
		CHECK_EQ(ev_at(nth_ev(E_STOP, dyn_names[i], 0))->kind, CADRE_EXIT_SHUTDOWN);
}

/* One deadline for all: with shutdown_ms and children that ignore
 * `shutdown`, every one is told before the first kill (one at a time, the
 * first would be killed before the second is told). */
static void
dynamic_children_one_deadline(void)
{
	cadre_ref sup = start_dynamic(500);
	unsigned from = log_n();
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	CHECK_EQ(cadre_send_exit(sys, sup, &shut), 0);
	wait_sup_gone(sys, sup);
	CHECK_EQ(count_ev(E_EXIT, NULL), NDYN);
	CHECK_EQ(count_ev(E_STOP, NULL), NDYN);
	int last_told = -1, first_stop = -1;
	for (unsigned i = from; i < log_n(); i++) {
		if (evlog[i].what == E_EXIT)
			last_told = (int)i;
		if (evlog[i].what == E_STOP && first_stop < 0)
			first_stop = (int)i;
	}
	CHECK(last_told < first_stop);
	for (int i = 0; i < NDYN; i++)
		CHECK_EQ(ev_at(nth_ev(E_STOP, dyn_names[i], 0))->kind, CADRE_EXIT_KILLED);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_STOPPED, NULL), NDYN);
	CHECK_EQ(count_sup("sup", CADRE_SUP_SHUTDOWN_ERROR, NULL), NDYN); /* killed: reported */
}

/* ---- shutdown errors ------------------------------------------------------------------ */
/* The SHUTDOWN_ERROR events of supervisor sup from `from` on, as
 * "id:R ..." (R: the reason's letter). */
static void
shutdown_errors(unsigned from, const char *sup, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (unsigned i = from; i < log_n(); i++) {
		const struct ev *e = &evlog[i];
		if (e->what != E_SUP || e->sup_kind != CADRE_SUP_SHUTDOWN_ERROR ||
		    !same(e->sup, sup))
			continue;
		char one[64];
		snprintf(one, sizeof one, "%s:%c", e->name, reason_letter(e->kind));
		append(buf, cap, one);
	}
}

#define CHECK_ERRORS(from, sup, expect)                                                         \
	do {                                                                                    \
		char errs_[512];                                                                \
		shutdown_errors((from), (sup), errs_, sizeof errs_);                            \
		if (strcmp(errs_, (expect)) != 0) {                                             \
			fprintf(stderr, "%s:%d: shutdown errors\n  got:    %s\n  wanted: %s\n", \
			        __FILE__, __LINE__, errs_, (expect));                           \
			dump_log();                                                             \
			abort();                                                                \
		}                                                                               \
	} while (0)

/* A child that answers `shutdown` its own way: stops NORMAL, or fails. */
enum { ANSWER_NORMAL, ANSWER_FAIL };

struct answer_arg {
	const char *name;
	int how;
};

struct answerer {
	cadre_actor base;
	const struct answer_arg *a;
};

static int
answer_start(cadre_actor *self, void *arg)
{
	struct answerer *x = (struct answerer *)self;
	x->a = arg;
	CHECK_EQ(cadre_trap_exits(self, true), 0);
	log_add((struct ev){.what = E_START, .name = x->a->name, .ref = cadre_self(self)});
	return 0;
}

static int
answer_receive(cadre_actor *self, const cadre_msg *m)
{
	struct answerer *x = (struct answerer *)self;
	if (m->type != CADRE_MSG_EXIT)
		return 0;
	return x->a->how == ANSWER_NORMAL ? cadre_stop(self) : 5;
}

static void
answer_stop(cadre_actor *self, const cadre_exit *why)
{
	struct answerer *x = (struct answerer *)self;
	log_add((struct ev){.what = E_STOP, .name = x->a->name, .kind = (int)why->kind});
}

static const cadre_behaviour answer_beh = {.size = sizeof(struct answerer),
                                           .start = answer_start,
                                           .receive = answer_receive,
                                           .stop = answer_stop};

static struct cfg cp, ck, ct, cx, cz;

/* OTP's shutdown/1: the expected reason is `shutdown` (`killed` for a
 * brutal kill), and also NORMAL for a child that is not permanent; any
 * other one is a shutdown_error. */
static void
shutdown_errors_reported(void)
{
	cfg_reset(&cp, "P");
	cfg_reset(&ck, "K");
	cfg_reset(&ct, "T");
	ct.trap_ignore = true; /* killed when its 100 ms are up */
	cfg_reset(&cx, "X");
	static const struct answer_arg np = {"NP", ANSWER_NORMAL}, nt = {"NT", ANSWER_NORMAL},
	                               fl = {"FL", ANSWER_FAIL};
	static cadre_child_spec kids[7];
	kids[0] = wspec(&cx, CADRE_PERMANENT, 1000); /* crashes while the others stop */
	kids[1] = wspec(&cp, CADRE_PERMANENT, 1000);
	kids[2] = wspec(&ck, CADRE_PERMANENT, CADRE_SHUTDOWN_BRUTAL);
	kids[3] = wspec(&ct, CADRE_PERMANENT, 100);
	kids[4] = (cadre_child_spec){.id = "NP",
	                             .beh = &answer_beh,
	                             .arg = (void *)&np,
	                             .restart = CADRE_PERMANENT,
	                             .shutdown_ms = 1000};
	kids[5] = (cadre_child_spec){.id = "NT",
	                             .beh = &answer_beh,
	                             .arg = (void *)&nt,
	                             .restart = CADRE_TRANSIENT,
	                             .shutdown_ms = 1000};
	kids[6] = (cadre_child_spec){.id = "FL",
	                             .beh = &answer_beh,
	                             .arg = (void *)&fl,
	                             .restart = CADRE_PERMANENT,
	                             .shutdown_ms = 1000};
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 5000, kids, 7, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	cfg_reset(&cz, "Z");
	cz.trap_ignore = true; /* holds the shutdown until X has crashed */
	static cadre_child_spec z;
	z = wspec(&cz, CADRE_PERMANENT, CADRE_FOREVER);
	cadre_ref r;
	CHECK_EQ(cadre_supervisor_start_child(sys, sup, &z, NULL, &r, T_MS), 0);
	unsigned from = log_n();
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	CHECK_EQ(cadre_send_exit(sys, sup, &shut), 0);
	WAIT(count_ev(E_EXIT, "Z") == 1);
	crash(sys, "X"); /* X dies by itself before its turn: a crash */
	WAIT(count_sup("sup", CADRE_SUP_CHILD_EXITED, "X") == 1);
	send_cmd(sys, last_ref("Z"), CMD_SHUTDOWN, 0);
	wait_sup_gone(sys, sup);
	CHECK_TRACE(from, "-X:F -Z:S -FL:F -NT:N -NP:N -T:K -K:K -P:S");
	CHECK_SUP_TRACE(from, "sup", SK_ALL,
	                "exited:X:F stopped:Z:S stopped:FL:F stopped:NT:N stopped:NP:N stopped:T:K "
	                "stopped:K:K stopped:P:S shutdown:S");
	CHECK_ERRORS(from, "sup", "X:F FL:F NP:N T:K");
	/* each error right after its child's stop (or exit) */
	int i = nth_sup("sup", CADRE_SUP_SHUTDOWN_ERROR, "FL", 0);
	CHECK(i > 0 && evlog[i - 1].sup_kind == CADRE_SUP_CHILD_STOPPED);
	CHECK(strcmp(evlog[i - 1].name, "FL") == 0);
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(stop_ref_in_order);
	RUN(stop_ref_with_a_terminated_child);
	RUN(strangers_ignored);
	RUN(group_exits_fold_into_one_restart);
	RUN(dynamic_children_told_together);
	RUN(dynamic_children_one_deadline);
	RUN(shutdown_errors_reported);
	return sup_end("test_supervisor_otp");
}
