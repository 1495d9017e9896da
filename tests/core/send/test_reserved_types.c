/* Reserved message types (>= 0xFFFF0000, Cadre's own: cadre/actor.h) are
 * refused by every public send of core with CADRE_EINVAL: cadre_send,
 * cadre_send_move (the caller keeps the payload, no destructor runs),
 * cadre_send_after and cadre_send_interval (no timer is armed), from
 * outside threads and from actors alike. A refused send is not a message:
 * counted nowhere, never received. 0xFFFEFFFF, just below, is an ordinary
 * type. The library's own path (cadre__reserved.h) still delivers them.
 *
 * Regression test: before the check, cadre_send accepted CADRE_MSG_EXIT
 * and friends from anyone, and a supervisor or router that received one
 * without a payload dereferenced NULL. */
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "cadre__reserved.h"
#include "check.h"
#include "quiet.h"

#define ORDINARY_TOP 0xFFFEFFFFu
#define M_STOP 7u

static const uint32_t reserved[] = {
        0xFFFF0000u,       CADRE_MSG_EXIT, CADRE_MSG_DOWN,
        CADRE_MSG_STARTED, 0xFFFF0101u, /* a supervisor's request */
        0xFFFF0201u,                    /* a reply (cadre/ask.h) */
        0xFFFF0301u,                    /* a router's RESIZE */
        0xFFFF0381u,                    /* a pool routee's DRAIN */
        0xFFFFFF01u,                    /* core's EXIT signal */
        0xFFFFFFFFu,
};
#define NRESERVED (sizeof reserved / sizeof reserved[0])

/* ---- the sink: counts what it receives ----------------------------------------- */
struct tally {
	long started;
	long ordinary;       /* type ORDINARY_TOP */
	long reserved_seen;  /* any type >= 0xFFFF0000 */
	long sender_actor;   /* reserved ones whose sender is an actor */
	long checked;        /* the actor-side refusals ran */
	long refused_inside; /* ... and all were CADRE_EINVAL */
};

struct sink {
	cadre_actor base;
	struct tally *t;
};

static void
bump(long *p)
{
	__atomic_add_fetch(p, 1, __ATOMIC_RELEASE); /* read with ld() */
}

static int
sink_start(cadre_actor *self, void *arg)
{
	((struct sink *)self)->t = arg;
	bump(&((struct sink *)self)->t->started);
	return 0;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct tally *t = ((struct sink *)self)->t;
	if (m->type == M_STOP)
		return cadre_stop(self);
	if (m->type == ORDINARY_TOP)
		bump(&t->ordinary);
	if (m->type >= 0xFFFF0000u) {
		bump(&t->reserved_seen);
		if (!cadre_ref_is_none(m->sender))
			bump(&t->sender_actor);
	}
	return 0;
}

static const cadre_behaviour sink_beh = {
        .size = sizeof(struct sink), .start = sink_start, .receive = sink_receive};

/* An actor that tries every public send of a reserved type at `to` from
 * inside its start callback. */
struct forger_arg {
	cadre_ref to;
	struct tally *t;
};

static int
forger_start(cadre_actor *self, void *arg)
{
	const struct forger_arg *a = arg;
	cadre_system *sys = cadre_actor_system(self);
	cadre_exit_msg em = {cadre_self(self), {CADRE_EXIT_FAILURE, 5, NULL}, true, NULL};
	int bad = 0;
	for (size_t i = 0; i < NRESERVED; i++) {
		bad += cadre_send(sys, a->to, reserved[i], &em, sizeof em) != CADRE_EINVAL;
		bad += cadre_send(sys, a->to, reserved[i], NULL, 0) != CADRE_EINVAL;
		bad += cadre_send_move(sys, a->to, reserved[i], &em, sizeof em, NULL) !=
		       CADRE_EINVAL;
		bad += cadre_send_after(sys, a->to, reserved[i], NULL, 0, 0, NULL) != CADRE_EINVAL;
	}
	if (bad == 0)
		bump(&a->t->refused_inside);
	bump(&a->t->checked);
	return cadre_stop(self);
}

static const cadre_behaviour forger_beh = {
        .size = sizeof(cadre_actor), .start = forger_start, .receive = noop_receive};

static long dtor_calls;

static void
count_dtor(void *data, size_t size)
{
	(void)data;
	(void)size;
	bump(&dtor_calls);
}

static cadre_system *
one_worker(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 1, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

/* ---- the public sends refuse the reserved range ---------------------------------- */
static void
public_sends_refuse_reserved(void)
{
	cadre_system *sys = one_worker();
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK(wait_at_least(&t.started, 1, 10000));
	cadre_exit_msg em = {r, {CADRE_EXIT_FAILURE, 5, NULL}, true, NULL};
	unsigned char big[300];
	memset(big, 0xAB, sizeof big);
	long d0 = ld(&dtor_calls);
	for (size_t i = 0; i < NRESERVED; i++) {
		uint32_t ty = reserved[i];
		CHECK_EQ(cadre_send(sys, r, ty, &em, sizeof em), CADRE_EINVAL);
		CHECK_EQ(cadre_send(sys, r, ty, NULL, 0), CADRE_EINVAL);
		CHECK_EQ(cadre_send(sys, r, ty, big, sizeof big), CADRE_EINVAL);
		unsigned char moved[16] = {1, 2, 3};
		CHECK_EQ(cadre_send_move(sys, r, ty, moved, sizeof moved, count_dtor),
		         CADRE_EINVAL);
		CHECK_EQ(moved[2], 3); /* still the caller's, untouched */
		cadre_timer tm = {77, 77};
		CHECK_EQ(cadre_send_after(sys, r, ty, &em, sizeof em, 0, &tm), CADRE_EINVAL);
		CHECK_EQ(tm.index, 77); /* no handle was given out */
		CHECK_EQ(cadre_send_interval(sys, r, ty, NULL, 0, 1, NULL), CADRE_EINVAL);
	}
	CHECK_EQ(ld(&dtor_calls), d0);
	CHECK_EQ(cadre_timers_pending(sys), 0);
	/* the same from inside an actor */
	struct forger_arg fa = {r, &t};
	cadre_ref f;
	CHECK_EQ(cadre_spawn(sys, &forger_beh, NULL, &fa, &f), 0);
	CHECK(wait_at_least(&t.checked, 1, 10000));
	CHECK_EQ(ld(&t.refused_inside), 1);
	/* just below the range: an ordinary type, by every path */
	CHECK_EQ(cadre_send(sys, r, ORDINARY_TOP, &em, sizeof em), 0);
	CHECK_EQ(cadre_send_move(sys, r, ORDINARY_TOP, NULL, 0, NULL), 0);
	CHECK_EQ(cadre_send_after(sys, r, ORDINARY_TOP, NULL, 0, 0, NULL), 0);
	CHECK(wait_at_least(&t.ordinary, 3, 10000));
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.sent, 4); /* the three ordinary ones and the stop: nothing else */
	CHECK_EQ(ld(&t.reserved_seen), 0);
	cadre_system_free(sys);
}

/* ---- the library's own path delivers them ----------------------------------------- */
static void
internal_path_delivers(void)
{
	cadre_system *sys = one_worker();
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK(wait_at_least(&t.started, 1, 10000));
	long d0 = ld(&dtor_calls);
	static unsigned char moved[8];
	CHECK_EQ(cadre__send_reserved(sys, r, 0xFFFF7777u, NULL, 0), 0);
	CHECK_EQ(cadre__send_move_reserved(sys, r, 0xFFFF7778u, moved, sizeof moved, count_dtor),
	         0);
	CHECK_EQ(cadre__send_after_reserved(sys, r, 0xFFFF7779u, NULL, 0, 0, NULL), 0);
	CHECK(wait_at_least(&t.reserved_seen, 3, 10000));
	CHECK(wait_at_least(&dtor_calls, d0 + 1, 10000));
	CHECK_EQ(ld(&t.sender_actor), 0); /* sent from outside: no sender */
	/* its argument checks are the public ones */
	CHECK_EQ(cadre__send_reserved(NULL, r, 0xFFFF7777u, NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre__send_reserved(sys, r, 0xFFFF7777u, NULL, 4), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.sent, 4);
	CHECK_EQ(st.handled, 4);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, public_sends_refuse_reserved);
	TEST_CASE_IF(only, internal_path_delivers);
	fprintf(stderr, "test_reserved_types: ok\n");
	return 0;
}
