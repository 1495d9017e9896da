/* The allocation-failure sweep of core's calls (regression test).
 *
 * For each operation (spawn, spawn with LINK | NOTIFY_STARTED from an actor,
 * send from outside and from an actor, link, link to a dead actor, monitor,
 * monitor of a dead actor, timer arm), round n fails the n-th allocation
 * made from the call on (cadre__alloc_fail_after(n): the seam in
 * mailbox/base/cadre__alloc.h; n = 0, 1, 2, ...), and checks that the call
 * either returned CADRE_ENOMEM and nothing happened, or kept its promise:
 * the spawned actor starts and its STARTED and EXIT arrive, the message is
 * handled, the EXIT or DOWN arrives when the partner stops. A sweep ends at
 * the first round that completes with the failure unconsumed; every round
 * runs on a fresh system (so first-use allocations are swept too) and is
 * freed, so the ASan/LSan build reports any leak at exit.
 *
 * Determinism: fault injection is process-wide, so each round's set-up is
 * done before arming, on one worker, and a round is complete (everything
 * the operation does, including the partner's death, has happened) before
 * the test looks at the countdown and disarms: the partner's death is
 * waited for through the system's counters, which allocate nothing.
 *
 * Before the fix, cadre_link and cadre_monitor returned 0 when their signal
 * could not be allocated (no EXIT or DOWN ever came), a target that could
 * not record a link died telling nobody, a dying actor whose EXIT could not
 * be allocated told nobody, and a STARTED notice could be lost. */
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "cadre__alloc.h"
#include "check.h"
#include "quiet.h"

#define MAX_ROUNDS 200
#define WAIT_MS 10000

enum { CMD_LINK = 1, CMD_MONITOR, CMD_SPAWN, CMD_SEND, CMD_FINISH, M_DATA, M_MARK };

/* What the actors of a round saw (written with release, read with ld()). */
struct obs {
	long started;  /* targets' and children's starts */
	long op_done;  /* the driver made its call */
	long rc;       /* ... and what it returned */
	long exits;    /* EXITs the driver got */
	long downs;    /* DOWNs the driver got */
	long startmsg; /* STARTEDs the driver got */
	long kind;     /* the last EXIT's or DOWN's reason */
	long code;
	long from_ok; /* the last EXIT / DOWN named the partner */
	long data;    /* M_DATA a target handled */
	long marks;   /* M_MARK a target handled */
	long finished;
	cadre_ref partner; /* set before the call */
	cadre_ref child;   /* CMD_SPAWN's child */
};

static void
put(long *p, long v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE); /* read with ld() */
}

static void
bump(long *p)
{
	__atomic_add_fetch(p, 1, __ATOMIC_RELEASE);
}

struct cmd {
	cadre_ref to;
	long n;
};

/* ---- targets: count what they get ---------------------------------------------------- */
struct target {
	cadre_actor base;
	struct obs *o;
};

static int
target_start(cadre_actor *self, void *arg)
{
	((struct target *)self)->o = arg;
	bump(&((struct obs *)arg)->started);
	return 0;
}

static int
target_receive(cadre_actor *self, const cadre_msg *m)
{
	struct obs *o = ((struct target *)self)->o;
	if (m->type == M_DATA)
		bump(&o->data);
	else if (m->type == M_MARK)
		bump(&o->marks);
	return 0;
}

static const cadre_behaviour target_beh = {
        .size = sizeof(struct target), .start = target_start, .receive = target_receive};

/* ---- the driver: makes the armed call, and records what arrives ------------------------ */
struct driver {
	cadre_actor base;
	struct obs *o;
};

static int
driver_start(cadre_actor *self, void *arg)
{
	((struct driver *)self)->o = arg;
	return 0;
}

static void
note(struct obs *o, long *counter, cadre_ref who, const cadre_exit *why)
{
	put(&o->kind, (long)why->kind);
	put(&o->code, why->code);
	put(&o->from_ok, cadre_ref_is_equal(who, o->partner) || cadre_ref_is_equal(who, o->child));
	bump(counter);
}

static long
armed_call(cadre_actor *self, struct obs *o, uint32_t type, const struct cmd *c)
{
	cadre_system *sys = cadre_actor_system(self);
	uint64_t id;
	cadre_spawn_opts so = {.flags = CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED};
	unsigned char payload[100] = {0};
	cadre__alloc_fail_after(c->n);
	switch (type) {
	case CMD_LINK:
		return cadre_link(self, c->to);
	case CMD_MONITOR:
		return cadre_monitor(self, c->to, &id);
	case CMD_SPAWN:
		return cadre_spawn(sys, &target_beh, &so, o, &o->child);
	default:
		return cadre_send(sys, c->to, M_DATA, payload, sizeof payload);
	}
}

static int
driver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct obs *o = ((struct driver *)self)->o;
	switch (m->type) {
	case CADRE_MSG_EXIT: {
		const cadre_exit_msg *e = m->data;
		note(o, &o->exits, e->from, &e->reason);
		return 0;
	}
	case CADRE_MSG_DOWN: {
		const cadre_down_msg *d = m->data;
		note(o, &o->downs, d->actor, &d->reason);
		return 0;
	}
	case CADRE_MSG_STARTED:
		bump(&o->startmsg);
		return 0;
	case CMD_FINISH:
		/* the system lane goes first: every signal sent to us before
		 * this message was pushed has been handled */
		bump(&o->finished);
		return cadre_stop(self);
	default:
		put(&o->rc, armed_call(self, o, m->type, m->data));
		bump(&o->op_done);
		return 0;
	}
}

static const cadre_behaviour driver_beh = {
        .size = sizeof(struct driver), .start = driver_start, .receive = driver_receive};

/* ---- a round --------------------------------------------------------------------------- */
static cadre_system *
sys_up(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 1, .no_pinning = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static cadre_ref
spawn_target(cadre_system *sys, struct obs *o)
{
	cadre_ref r;
	long s0 = ld(&o->started);
	CHECK_EQ(cadre_spawn(sys, &target_beh, NULL, o, &r), 0);
	CHECK(wait_at_least(&o->started, s0 + 1, WAIT_MS));
	return r;
}

static cadre_ref
spawn_driver(cadre_system *sys, struct obs *o)
{
	cadre_spawn_opts so = {.flags = CADRE_SPAWN_TRAP_EXITS};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &driver_beh, &so, o, &r), 0);
	return r;
}

/* Waits until `stopped` actors have stopped in all (their death signals
 * are out: a stop is counted after them). */
static void
wait_stopped(cadre_system *sys, uint64_t stopped)
{
	for (long t0 = now_ms(); stats_of(sys).stopped < stopped;) {
		CHECK(now_ms() - t0 < WAIT_MS);
		nap_us(200);
	}
}

/* Whether the injected failure was used, and disarms it. */
static bool
consumed_then_disarm(void)
{
	/* Acquire: pairs with the acq_rel CAS that consumed it (alloc.c). */
	bool used = cadre__load_acq_u64(&cadre__alloc_countdown) == UINT64_MAX;
	cadre__alloc_fail_after(-1);
	return used;
}

/* Stops the driver after everything sent to it has arrived, and frees. */
static void
finish(cadre_system *sys, cadre_ref driver, struct obs *o)
{
	CHECK_EQ(cadre_send(sys, driver, CMD_FINISH, NULL, 0), 0);
	CHECK(wait_at_least(&o->finished, 1, WAIT_MS));
	await_quiet(sys);
	cadre_system_free(sys);
}

/* The outcome of one armed call: ENOMEM and nothing, or the promise. */
struct tally {
	int rounds, refused, kept;
	int partner_failed; /* kept: the partner could not record us, and said so */
};

static void
count(struct tally *t, long rc)
{
	CHECK(rc == 0 || rc == CADRE_ENOMEM);
	t->rounds++;
	if (rc == 0)
		t->kept++;
	else
		t->refused++;
}

/* link / monitor (type), to a live target that is then stopped, or to a
 * dead one. Returns whether the failure was consumed. */
static bool
partner_round(long n, uint32_t type, bool dead, struct tally *t)
{
	struct obs o = {0};
	cadre_system *sys = sys_up();
	cadre_ref d = spawn_driver(sys, &o);
	cadre_ref tg = spawn_target(sys, &o);
	o.partner = tg;
	if (dead) {
		CHECK_EQ(cadre_stop_ref(sys, tg), 0);
		wait_stopped(sys, 1);
	}
	struct cmd c = {tg, n};
	CHECK_EQ(cadre_send(sys, d, type, &c, sizeof c), 0);
	CHECK(wait_at_least(&o.op_done, 1, WAIT_MS));
	if (!dead) {
		int rc = cadre_stop_ref(sys, tg); /* ENOACTOR: it failed meanwhile */
		CHECK(rc == 0 || rc == CADRE_ENOACTOR);
		wait_stopped(sys, 1);
	}
	bool used = consumed_then_disarm();
	finish(sys, d, &o);
	long rc = ld(&o.rc), got = type == CMD_LINK ? ld(&o.exits) : ld(&o.downs);
	count(t, rc);
	if (rc == CADRE_ENOMEM) {
		CHECK_EQ(got, 0); /* nothing happened */
	} else {
		CHECK_EQ(got, 1); /* the promise: one EXIT / DOWN, from the partner */
		CHECK_EQ(ld(&o.from_ok), 1);
		long k = ld(&o.kind);
		if (dead)
			CHECK_EQ(k, CADRE_EXIT_NOPROC);
		else /* stopped, or failed: it could not record us */
			CHECK(k == CADRE_EXIT_SHUTDOWN ||
			      (k == CADRE_EXIT_ERROR && ld(&o.code) == CADRE_ENOMEM));
		t->partner_failed += k == CADRE_EXIT_ERROR;
	}
	CHECK_EQ(ld(&o.exits) + ld(&o.downs), got);
	return used;
}

/* cadre_spawn with LINK | NOTIFY_STARTED from an actor: STARTED, then the
 * EXIT when the child stops. */
static bool
spawn_linked_round(long n, uint32_t type, bool dead, struct tally *t)
{
	(void)type, (void)dead;
	struct obs o = {0};
	cadre_system *sys = sys_up();
	cadre_ref d = spawn_driver(sys, &o);
	struct cmd c = {CADRE_REF_NONE, n};
	CHECK_EQ(cadre_send(sys, d, CMD_SPAWN, &c, sizeof c), 0);
	CHECK(wait_at_least(&o.op_done, 1, WAIT_MS));
	long rc = ld(&o.rc);
	if (rc == 0) {
		CHECK(wait_at_least(&o.startmsg, 1, WAIT_MS)); /* the promise: STARTED */
		CHECK_EQ(cadre_stop_ref(sys, o.child), 0);
		wait_stopped(sys, 1);
	}
	bool used = consumed_then_disarm();
	finish(sys, d, &o);
	count(t, rc);
	CHECK_EQ(ld(&o.started), rc == 0 ? 1 : 0);
	CHECK_EQ(ld(&o.startmsg), rc == 0 ? 1 : 0);
	CHECK_EQ(ld(&o.exits), rc == 0 ? 1 : 0);
	if (rc == 0)
		CHECK_EQ(ld(&o.kind), CADRE_EXIT_SHUTDOWN);
	return used;
}

/* cadre_spawn from outside. */
static bool
spawn_round(long n, uint32_t type, bool dead, struct tally *t)
{
	(void)type, (void)dead;
	struct obs o = {0};
	cadre_system *sys = sys_up();
	cadre_ref r;
	cadre__alloc_fail_after(n);
	long rc = cadre_spawn(sys, &target_beh, NULL, &o, &r);
	if (rc == 0) {
		CHECK(wait_at_least(&o.started, 1, WAIT_MS));
		CHECK_EQ(cadre_stop_ref(sys, r), 0);
		wait_stopped(sys, 1);
	}
	bool used = consumed_then_disarm();
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.spawned, rc == 0 ? 1 : 0);
	cadre_system_free(sys);
	count(t, rc);
	return used;
}

/* cadre_send from outside (dead: from an actor). */
static bool
send_round(long n, uint32_t type, bool from_actor, struct tally *t)
{
	(void)type;
	struct obs o = {0};
	cadre_system *sys = sys_up();
	cadre_ref d = spawn_driver(sys, &o);
	cadre_ref tg = spawn_target(sys, &o);
	long rc;
	if (from_actor) {
		struct cmd c = {tg, n};
		CHECK_EQ(cadre_send(sys, d, CMD_SEND, &c, sizeof c), 0);
		CHECK(wait_at_least(&o.op_done, 1, WAIT_MS));
		rc = ld(&o.rc);
	} else {
		unsigned char payload[100] = {0};
		cadre__alloc_fail_after(n);
		rc = cadre_send(sys, tg, M_DATA, payload, sizeof payload);
	}
	bool used = consumed_then_disarm();
	/* the data, if it was sent, was queued before this mark: when the
	 * mark is handled, so is the data */
	CHECK_EQ(cadre_send(sys, tg, M_MARK, NULL, 0), 0);
	CHECK(wait_at_least(&o.marks, 1, WAIT_MS));
	CHECK_EQ(cadre_stop_ref(sys, tg), 0);
	wait_stopped(sys, 1);
	finish(sys, d, &o);
	count(t, rc);
	CHECK_EQ(ld(&o.data), rc == 0 ? 1 : 0);
	return used;
}

/* cadre_send_after (a payload too big to sit inside the timer record). The
 * call is the operation: its timer fires 100 ms later, disarmed by then.
 * A second timer, due later, marks the end: when its message is handled,
 * the first one's has been, if it was armed (the service sends in deadline
 * order, from one thread). */
static bool
timer_round(long n, uint32_t type, bool dead, struct tally *t)
{
	(void)type, (void)dead;
	struct obs o = {0};
	cadre_system *sys = sys_up();
	cadre_ref tg = spawn_target(sys, &o);
	unsigned char payload[100] = {0};
	cadre__alloc_fail_after(n);
	long rc = cadre_send_after(sys, tg, M_DATA, payload, sizeof payload, 100, NULL);
	bool used = consumed_then_disarm();
	CHECK_EQ(cadre_send_after(sys, tg, M_MARK, NULL, 0, 200, NULL), 0);
	CHECK(wait_at_least(&o.marks, 1, WAIT_MS));
	CHECK_EQ(ld(&o.data), rc == 0 ? 1 : 0); /* the promise, or nothing */
	for (long t0 = now_ms(); cadre_timers_pending(sys) != 0; nap_us(200))
		CHECK(now_ms() - t0 < WAIT_MS); /* every record back */
	CHECK_EQ(cadre_stop_ref(sys, tg), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.sent, rc == 0 ? 2 : 1);
	cadre_system_free(sys);
	count(t, rc);
	return used;
}

typedef bool (*round_fn)(long n, uint32_t type, bool flag, struct tally *t);

static void
sweep(const char *what, round_fn fn, uint32_t type, bool flag)
{
	struct tally t = {0};
	long n = 0;
	while (fn(n, type, flag, &t)) {
		n++;
		CHECK(n < MAX_ROUNDS);
	}
	fprintf(stderr,
	        "   %s: %d rounds, %d refused with ENOMEM, %d kept their promise"
	        " (%d by a partner that could not record us)\n",
	        what, t.rounds, t.refused, t.kept, t.partner_failed);
	CHECK(t.refused >= 1); /* the sweep reached at least one allocation */
	if (fn == partner_round && !flag)
		CHECK(t.partner_failed >= 1); /* and the partner's side of it */
}

static void
oom_spawn(void)
{
	sweep("spawn", spawn_round, 0, false);
	sweep("spawn linked", spawn_linked_round, 0, false);
}

static void
oom_send(void)
{
	sweep("send (outside)", send_round, 0, false);
	sweep("send (actor)", send_round, 0, true);
}

static void
oom_link(void)
{
	sweep("link", partner_round, CMD_LINK, false);
	sweep("link (dead)", partner_round, CMD_LINK, true);
}

static void
oom_monitor(void)
{
	sweep("monitor", partner_round, CMD_MONITOR, false);
	sweep("monitor (dead)", partner_round, CMD_MONITOR, true);
}

static void
oom_timer(void)
{
	sweep("send_after", timer_round, 0, false);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, oom_spawn);
	TEST_CASE_IF(only, oom_send);
	TEST_CASE_IF(only, oom_link);
	TEST_CASE_IF(only, oom_monitor);
	TEST_CASE_IF(only, oom_timer);
	fprintf(stderr, "test_oom_signals: ok\n");
	return 0;
}
