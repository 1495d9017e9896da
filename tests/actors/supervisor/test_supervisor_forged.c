/* Supervisors and forged reserved-type messages (regression tests).
 *
 * A supervisor trusts the payloads of its reserved message types: the
 * CADRE_MSG_EXIT and CADRE_MSG_STARTED core delivers, and its own requests
 * and timer messages. Before the fix anyone could send those with
 * cadre_send: one without a payload made the supervisor dereference NULL
 * (SIGSEGV), and a well-formed EXIT naming a live child made it start a
 * second instance of that child.
 *   - public_sends_refused: every public send of a reserved type to the
 *     supervisor is refused with CADRE_EINVAL; the supervisor and its child
 *     are untouched.
 *   - internal_malformed_survived: the same messages delivered through the
 *     library's internal path (cadre__reserved.h), malformed (no payload,
 *     the wrong size) or well-formed from the wrong sender, are ignored:
 *     the supervisor still answers, its child is not restarted (one start,
 *     the same ref), and a real crash of the child is still restarted.
 * The probes and the log are in tests/support/sup_helpers.h. */
#include "cadre__reserved.h"
#include "sup_helpers.h"

/* The supervisor's private types (actors/src/supervisor/cadre__sup.h). */
#define SUP_REQ 0xFFFF0101u
#define SUP_DELAY 0xFFFF0102u
#define SUP_KILL 0xFFFF0103u

static struct cfg ca;

static cadre_ref
start_one(void)
{
	cfg_reset(&ca, "A");
	static cadre_child_spec kids[1];
	kids[0] = wspec(&ca, CADRE_PERMANENT, 1000);
	static cadre_sup_spec sp;
	sp = sspec(CADRE_ONE_FOR_ONE, 5, 60000, kids, 1, "sup");
	cadre_ref sup = start_sup(sys, &sp);
	wait_starts("A", 1);
	return sup;
}

/* The supervisor answers, A is its one running child, started once, with
 * the same ref, and nothing was restarted or stopped. */
static void
check_untouched(cadre_ref sup, cadre_ref a)
{
	cadre_child_counts k = counts(sys, sup);
	CHECK_COUNTS(k, 1, 1, 0, 1);
	CHECK(cadre_ref_is_equal(info_of(sys, sup, "A").ref, a));
	CHECK_EQ(count_ev(E_START, "A"), 1);
	CHECK_EQ(count_ev(E_STOP, "A"), 0);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_EXITED, "A"), 0);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_RESTARTING, "A"), 0);
}

/* ---- public sends ---------------------------------------------------------------------- */
static void
public_sends_refused(void)
{
	cadre_ref sup = start_one();
	cadre_ref a = last_ref("A");
	cadre_exit_msg em = {a, {CADRE_EXIT_FAILURE, 9, "forged"}, true, NULL};
	cadre_started_msg sm = {a};
	uint64_t serial = 1;
	const uint32_t types[] = {CADRE_MSG_EXIT, CADRE_MSG_STARTED, CADRE_MSG_DOWN,
	                          SUP_REQ,        SUP_DELAY,         SUP_KILL};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		CHECK_EQ(cadre_send(sys, sup, types[i], NULL, 0), CADRE_EINVAL);
		CHECK_EQ(cadre_send_move(sys, sup, types[i], NULL, 0, NULL), CADRE_EINVAL);
		CHECK_EQ(cadre_send_after(sys, sup, types[i], NULL, 0, 0, NULL), CADRE_EINVAL);
	}
	CHECK_EQ(cadre_send(sys, sup, CADRE_MSG_EXIT, &em, sizeof em), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, sup, CADRE_MSG_STARTED, &sm, sizeof sm), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, sup, SUP_KILL, &serial, sizeof serial), CADRE_EINVAL);
	CHECK_EQ(cadre_send_after(sys, sup, CADRE_MSG_EXIT, &em, sizeof em, 0, NULL), CADRE_EINVAL);
	check_untouched(sup, a);
	stop_sup(sys, sup);
}

/* ---- the internal path: malformed, or from the wrong sender ---------------------------- */
struct forger_arg {
	cadre_ref sup;
	cadre_exit_msg em;
	atomic_int done;
};

/* An actor that is not the child sends an EXIT naming the child. */
static int
forger_start(cadre_actor *self, void *arg)
{
	struct forger_arg *f = arg;
	cadre_system *s = cadre_actor_system(self);
	CHECK_EQ(cadre__send_reserved(s, f->sup, CADRE_MSG_EXIT, &f->em, sizeof f->em), 0);
	cadre_started_msg sm = {f->em.from};
	CHECK_EQ(cadre__send_reserved(s, f->sup, CADRE_MSG_STARTED, &sm, sizeof sm), 0);
	atomic_store(&f->done, 1);
	return cadre_stop(self);
}

static const cadre_behaviour forger_beh = {
        .size = sizeof(cadre_actor), .start = forger_start, .receive = child_receive};

static void
internal_malformed_survived(void)
{
	cadre_ref sup = start_one();
	cadre_ref a = last_ref("A");
	unsigned char junk[3] = {1, 2, 3};
	/* a well-formed EXIT naming the live child, from outside (no sender) */
	cadre_exit_msg em = {a, {CADRE_EXIT_FAILURE, 9, "forged"}, true, NULL};
	CHECK_EQ(cadre__send_reserved(sys, sup, CADRE_MSG_EXIT, &em, sizeof em), 0);
	/* ... and from another actor */
	struct forger_arg fa = {.sup = sup, .em = em};
	cadre_ref f;
	CHECK_EQ(cadre_spawn(sys, &forger_beh, NULL, &fa, &f), 0);
	WAIT(atomic_load(&fa.done) == 1);
	/* no payload, or the wrong size */
	const uint32_t types[] = {CADRE_MSG_EXIT, CADRE_MSG_STARTED, CADRE_MSG_DOWN,
	                          SUP_REQ,        SUP_DELAY,         SUP_KILL};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		CHECK_EQ(cadre__send_reserved(sys, sup, types[i], NULL, 0), 0);
		CHECK_EQ(cadre__send_reserved(sys, sup, types[i], junk, sizeof junk), 0);
		CHECK_EQ(cadre__send_move_reserved(sys, sup, types[i], NULL, 0, NULL), 0);
		CHECK_EQ(cadre__send_after_reserved(sys, sup, types[i], NULL, 0, 0, NULL), 0);
	}
	/* the timer ones have fired when an EXIT sent after them is handled:
	 * wait for the kill and delay timers to have gone out */
	WAIT(cadre_timers_pending(sys) == 0);
	check_untouched(sup, a);
	/* a real death is still a death */
	crash(sys, "A");
	wait_starts("A", 2);
	CHECK_EQ(count_sup("sup", CADRE_SUP_CHILD_EXITED, "A"), 1);
	CHECK(!cadre_ref_is_equal(info_of(sys, sup, "A").ref, a));
	stop_sup(sys, sup);
}

int
main(int argc, char **argv)
{
	sup_begin(argc, argv);
	RUN(public_sends_refused);
	RUN(internal_malformed_survived);
	return sup_end("test_supervisor_forged");
}
