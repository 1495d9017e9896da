/* Links, monitors and exit signals, case by case (cadre/links.h).
 *
 * Each case drives "probe" actors by command messages from the test thread
 * and reads what they saw from their event logs. A log is written only by
 * its actor and published with a release store of its length; the test
 * thread waits (bounded) for the events it expects. */
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

enum {
	CMD_LINK = 1,
	CMD_UNLINK,
	CMD_MONITOR,
	CMD_DEMONITOR,
	CMD_TRAP,
	CMD_FAIL,
	CMD_STOP,
	CMD_PING,
	CMD_SPAWN_LINKED_FAILING,
	CMD_SPAWN_NOTIFY,
};

enum { EV_EXIT = 1, EV_DOWN, EV_STOP, EV_PING, EV_STARTED, EV_MONITOR_ID };

struct event {
	int what;
	int kind;
	int code;
	cadre_ref ref;
	uint64_t monitor;
	int linked;
};

#define MAX_EVENTS 32

struct log {
	struct event ev[MAX_EVENTS];
	uint32_t n; /* published with release by the actor */
};

struct cmd {
	cadre_ref ref;
	uint64_t monitor;
	int code;
};

struct probe {
	cadre_actor base;
	struct log *log;
};

static void
record(struct log *l, struct event e)
{
	uint32_t n = l->n;
	CHECK(n < MAX_EVENTS);
	l->ev[n] = e;
	cadre__store_rel_u32(&l->n, n + 1); /* pairs with wait_events */
}

static int
probe_start(cadre_actor *self, void *arg)
{
	((struct probe *)self)->log = arg;
	return 0;
}

static int
failing_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	return 99;
}

static int probe_receive(cadre_actor *self, const cadre_msg *m);

static void
probe_stop(cadre_actor *self, const cadre_exit *why)
{
	struct probe *p = (struct probe *)self;
	if (p->log != NULL)
		record(p->log,
		       (struct event){.what = EV_STOP, .kind = (int)why->kind, .code = why->code});
}

static const cadre_behaviour probe = {.size = sizeof(struct probe),
                                      .start = probe_start,
                                      .receive = probe_receive,
                                      .stop = probe_stop};

static const cadre_behaviour failing = {
        .size = sizeof(struct probe), .start = failing_start, .receive = probe_receive};

static struct log child_log; /* for the notify case's child */

static int
probe_receive(cadre_actor *self, const cadre_msg *m)
{
	struct probe *p = (struct probe *)self;
	const struct cmd *c = m->data;
	cadre_system *sys = cadre_actor_system(self);
	switch (m->type) {
	case CADRE_MSG_EXIT: {
		const cadre_exit_msg *e = m->data;
		record(p->log, (struct event){.what = EV_EXIT,
		                              .kind = (int)e->reason.kind,
		                              .code = e->reason.code,
		                              .ref = e->from,
		                              .linked = e->linked});
		return 0;
	}
	case CADRE_MSG_DOWN: {
		const cadre_down_msg *d = m->data;
		record(p->log, (struct event){.what = EV_DOWN,
		                              .kind = (int)d->reason.kind,
		                              .code = d->reason.code,
		                              .ref = d->actor,
		                              .monitor = d->monitor});
		return 0;
	}
	case CADRE_MSG_STARTED: {
		const cadre_started_msg *s = m->data;
		record(p->log, (struct event){.what = EV_STARTED, .ref = s->actor});
		return 0;
	}
	case CMD_LINK:
		return cadre_link(self, c->ref);
	case CMD_UNLINK:
		return cadre_unlink(self, c->ref);
	case CMD_MONITOR: {
		uint64_t id;
		CHECK_EQ(cadre_monitor(self, c->ref, &id), 0);
		record(p->log, (struct event){.what = EV_MONITOR_ID, .monitor = id, .ref = c->ref});
		return 0;
	}
	case CMD_DEMONITOR: {
		/* ENOENT: its DOWN was delivered already; that is fine here */
		int rc = cadre_demonitor(self, c->monitor);
		return rc == CADRE_ENOENT ? 0 : rc;
	}
	case CMD_TRAP:
		return cadre_trap_exits(self, c->code != 0);
	case CMD_FAIL:
		return cadre_fail(self, c->code, "asked to fail");
	case CMD_STOP:
		return cadre_stop(self);
	case CMD_PING:
		record(p->log, (struct event){.what = EV_PING, .code = c->code});
		return 0;
	case CMD_SPAWN_LINKED_FAILING: {
		cadre_spawn_opts o = {.flags = CADRE_SPAWN_LINK};
		cadre_ref child;
		CHECK_EQ(cadre_spawn(sys, &failing, &o, NULL, &child), 0);
		return 0;
	}
	case CMD_SPAWN_NOTIFY: {
		cadre_spawn_opts o = {.flags = CADRE_SPAWN_NOTIFY_STARTED | CADRE_SPAWN_LINK};
		cadre_ref child;
		CHECK_EQ(cadre_spawn(sys, &probe, &o, &child_log, &child), 0);
		return 0;
	}
	default:
		return -1;
	}
}

/* ---- helpers ---------------------------------------------------------------------- */
static cadre_system *sys;

static cadre_ref
spawn_probe(struct log *l)
{
	memset(l, 0, sizeof *l);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &probe, NULL, l, &r), 0);
	return r;
}

static void
cmd(cadre_ref to, int type, cadre_ref ref, uint64_t monitor, int code)
{
	struct cmd c = {ref, monitor, code};
	CHECK_EQ(cadre_send(sys, to, (uint32_t)type, &c, sizeof c), 0);
}

/* Waits (bounded) until the log has at least n events. */
static void
wait_events(struct log *l, uint32_t n)
{
	struct timespec nap = {0, 1000000};
	for (int i = 0; cadre__load_acq_u32(&l->n) < n; i++) {
		CHECK(i < 20000);
		nanosleep(&nap, NULL);
	}
}

/* Lets in-flight signals land, then checks the log holds exactly n. */
static void
settle(struct log *l, uint32_t n)
{
	nanosleep(&(struct timespec){0, 30000000}, NULL);
	CHECK_EQ(cadre__load_acq_u32(&l->n), n);
}

/* Sync point: a ping through the actor's own mailbox, behind everything
 * sent to it so far. */
static void
ping(cadre_ref to, struct log *l, int code)
{
	uint32_t before = cadre__load_acq_u32(&l->n);
	cmd(to, CMD_PING, CADRE_REF_NONE, 0, code);
	for (uint32_t k = before;; k++) {
		wait_events(l, k + 1);
		if (l->ev[k].what == EV_PING && l->ev[k].code == code)
			return;
	}
}

/* ---- cases ---------------------------------------------------------------------------- */
static void
abnormal_exit_spreads(void)
{
	static struct log la, lb;
	cadre_ref a = spawn_probe(&la), b = spawn_probe(&lb);
	cmd(a, CMD_LINK, b, 0, 0);
	ping(a, &la, 0);
	cmd(b, CMD_FAIL, CADRE_REF_NONE, 0, 17);
	wait_events(&la, 2);
	wait_events(&lb, 1);
	CHECK_EQ(lb.ev[0].what, EV_STOP);
	CHECK_EQ(lb.ev[0].kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(lb.ev[0].code, 17);
	/* a dies with the same reason */
	CHECK_EQ(la.ev[1].what, EV_STOP);
	CHECK_EQ(la.ev[1].kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(la.ev[1].code, 17);
}

static void
normal_exit_does_not_kill(void)
{
	static struct log la, lb;
	cadre_ref a = spawn_probe(&la), b = spawn_probe(&lb);
	cmd(a, CMD_LINK, b, 0, 0);
	ping(a, &la, 0);
	cmd(b, CMD_STOP, CADRE_REF_NONE, 0, 0);
	wait_events(&lb, 1);
	CHECK_EQ(lb.ev[0].kind, CADRE_EXIT_NORMAL);
	ping(a, &la, 1); /* still alive, and saw nothing else */
	settle(&la, 2);
	cmd(a, CMD_STOP, CADRE_REF_NONE, 0, 0);
	wait_events(&la, 3);
}

static void
trapping_partner_gets_message(void)
{
	static struct log la, lb;
	cadre_ref a = spawn_probe(&la), b = spawn_probe(&lb);
	cmd(a, CMD_TRAP, CADRE_REF_NONE, 0, 1);
	cmd(a, CMD_LINK, b, 0, 0);
	ping(a, &la, 0);
	cmd(b, CMD_FAIL, CADRE_REF_NONE, 0, 5);
	wait_events(&la, 2);
	CHECK_EQ(la.ev[1].what, EV_EXIT);
	CHECK(cadre_ref_is_equal(la.ev[1].ref, b));
	CHECK_EQ(la.ev[1].kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(la.ev[1].code, 5);
	CHECK(la.ev[1].linked);
	/* normal exits of links are delivered too when trapping */
	static struct log lc;
	cadre_ref c = spawn_probe(&lc);
	cmd(a, CMD_LINK, c, 0, 0);
	ping(a, &la, 1);
	cmd(c, CMD_STOP, CADRE_REF_NONE, 0, 0);
	wait_events(&la, 4);
	CHECK_EQ(la.ev[3].what, EV_EXIT);
	CHECK_EQ(la.ev[3].kind, CADRE_EXIT_NORMAL);
	ping(a, &la, 2);
	cmd(a, CMD_STOP, CADRE_REF_NONE, 0, 0);
	wait_events(&la, 6);
	CHECK_EQ(la.ev[5].kind, CADRE_EXIT_NORMAL);
}

static void
kill_cannot_be_trapped(void)
{
	static struct log la, lb;
	cadre_ref a = spawn_probe(&la), b = spawn_probe(&lb);
	cmd(a, CMD_TRAP, CADRE_REF_NONE, 0, 1);
	cmd(b, CMD_TRAP, CADRE_REF_NONE, 0, 1);
	cmd(a, CMD_LINK, b, 0, 0);
	ping(a, &la, 0);
	ping(b, &lb, 0);
	CHECK_EQ(cadre_kill(sys, a), 0);
	wait_events(&la, 2);
	CHECK_EQ(la.ev[1].what, EV_STOP);
	CHECK_EQ(la.ev[1].kind, CADRE_EXIT_KILLED);
	/* through a link, "killed" is an ordinary reason: b traps it */
	wait_events(&lb, 2);
	CHECK_EQ(lb.ev[1].what, EV_EXIT);
	CHECK_EQ(lb.ev[1].kind, CADRE_EXIT_KILLED);
	CHECK(cadre_ref_is_equal(lb.ev[1].ref, a));
	cmd(b, CMD_STOP, CADRE_REF_NONE, 0, 0);
	wait_events(&lb, 3);
}

static void
unlink_means_no_signal(void)
{
	static struct log la, lb;
	cadre_ref a = spawn_probe(&la), b = spawn_probe(&lb);
	cmd(a, CMD_LINK, b, 0, 0);
	ping(a, &la, 0);
	ping(b, &lb, 0); /* b has processed the link */
	cmd(a, CMD_UNLINK, b, 0, 0);
	ping(a, &la, 1);
	cmd(b, CMD_FAIL, CADRE_REF_NONE, 0, 3);
	wait_events(&lb, 2);
	ping(a, &la, 2);
	settle(&la, 3);
	/* and the other direction: a fails, b (unlinked) lives */
	static struct log lc;
	cadre_ref c = spawn_probe(&lc);
	cmd(c, CMD_LINK, a, 0, 0);
	ping(c, &lc, 0);
	cmd(c, CMD_UNLINK, a, 0, 0);
	ping(c, &lc, 1);
	cmd(a, CMD_FAIL, CADRE_REF_NONE, 0, 4);
	wait_events(&la, 4);
	ping(c, &lc, 2);
	settle(&lc, 3);
	cmd(c, CMD_STOP, CADRE_REF_NONE, 0, 0);
}

static void
link_to_dead_actor(void)
{
	static struct log la, lb, ld;
	cadre_ref a = spawn_probe(&la), b = spawn_probe(&lb), dead = spawn_probe(&ld);
	cmd(dead, CMD_STOP, CADRE_REF_NONE, 0, 0);
	wait_events(&ld, 1);
	cmd(a, CMD_TRAP, CADRE_REF_NONE, 0, 1);
	cmd(a, CMD_LINK, dead, 0, 0);
	wait_events(&la, 1);
	CHECK_EQ(la.ev[0].what, EV_EXIT);
	CHECK_EQ(la.ev[0].kind, CADRE_EXIT_NOPROC);
	CHECK(cadre_ref_is_equal(la.ev[0].ref, dead));
	/* not trapping: it dies with noproc */
	cmd(b, CMD_LINK, dead, 0, 0);
	wait_events(&lb, 1);
	CHECK_EQ(lb.ev[0].what, EV_STOP);
	CHECK_EQ(lb.ev[0].kind, CADRE_EXIT_NOPROC);
	cmd(a, CMD_STOP, CADRE_REF_NONE, 0, 0);
}

static void
monitors(void)
{
	static struct log w, t, u;
	cadre_ref watcher = spawn_probe(&w), target = spawn_probe(&t), gone = spawn_probe(&u);
	cmd(gone, CMD_STOP, CADRE_REF_NONE, 0, 0);
	wait_events(&u, 1);
	/* two monitors: two downs */
	cmd(watcher, CMD_MONITOR, target, 0, 0);
	cmd(watcher, CMD_MONITOR, target, 0, 0);
	wait_events(&w, 2);
	uint64_t m1 = w.ev[0].monitor, m2 = w.ev[1].monitor;
	CHECK(m1 != m2);
	ping(target, &t, 0); /* the monitors are in place */
	cmd(target, CMD_FAIL, CADRE_REF_NONE, 0, 8);
	wait_events(&w, 4);
	CHECK_EQ(w.ev[2].what, EV_DOWN);
	CHECK_EQ(w.ev[3].what, EV_DOWN);
	CHECK(w.ev[2].monitor != w.ev[3].monitor);
	CHECK(w.ev[2].monitor == m1 || w.ev[2].monitor == m2);
	CHECK(w.ev[3].monitor == m1 || w.ev[3].monitor == m2);
	CHECK_EQ(w.ev[2].kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(w.ev[2].code, 8);
	CHECK(cadre_ref_is_equal(w.ev[2].ref, target));
	/* the watcher is not linked: it lives on */
	ping(watcher, &w, 0);
	/* monitoring a dead or unknown actor: immediate noproc */
	cmd(watcher, CMD_MONITOR, gone, 0, 0);
	wait_events(&w, 7);
	CHECK_EQ(w.ev[6].what, EV_DOWN);
	CHECK_EQ(w.ev[6].kind, CADRE_EXIT_NOPROC);
	cadre_ref forged = {target.sys, 999999, 7, 0};
	cmd(watcher, CMD_MONITOR, forged, 0, 0);
	wait_events(&w, 9);
	CHECK_EQ(w.ev[8].what, EV_DOWN);
	CHECK_EQ(w.ev[8].kind, CADRE_EXIT_NOPROC);
	/* demonitor: none */
	static struct log t2;
	cadre_ref target2 = spawn_probe(&t2);
	cmd(watcher, CMD_MONITOR, target2, 0, 0);
	wait_events(&w, 10);
	uint64_t m3 = w.ev[9].monitor;
	cmd(watcher, CMD_DEMONITOR, CADRE_REF_NONE, m3, 0);
	ping(watcher, &w, 1);
	cmd(target2, CMD_FAIL, CADRE_REF_NONE, 0, 1);
	wait_events(&t2, 1);
	ping(watcher, &w, 2);
	settle(&w, 12);
	cmd(watcher, CMD_STOP, CADRE_REF_NONE, 0, 0);
}

/* Demonitor racing the target's death: the DOWN may already be queued;
 * it must not be delivered. Repeated to hit the window. */
static void
demonitor_races_death(void)
{
	for (int i = 0; i < 200; i++) {
		static struct log w, t;
		cadre_ref watcher = spawn_probe(&w), target = spawn_probe(&t);
		cmd(watcher, CMD_MONITOR, target, 0, 0);
		wait_events(&w, 1);
		cmd(target, CMD_FAIL, CADRE_REF_NONE, 0, 2);
		cmd(watcher, CMD_DEMONITOR, CADRE_REF_NONE, w.ev[0].monitor, 0);
		wait_events(&t, 1);
		ping(watcher, &w, 0);
		nanosleep(&(struct timespec){0, 200000}, NULL);
		ping(watcher, &w, 1);
		/* either the DOWN came before the demonitor, or not at all */
		uint32_t n = cadre__load_acq_u32(&w.n);
		int downs = 0;
		for (uint32_t k = 0; k < n; k++)
			if (w.ev[k].what == EV_DOWN)
				downs++;
		CHECK(downs <= 1);
		cmd(watcher, CMD_STOP, CADRE_REF_NONE, 0, 0);
		wait_events(&w, n + 1);
	}
}

/* Exit signals jump ahead of ordinary mail already queued. */
static uint32_t gate_open;

static int
gate_start(cadre_actor *self, void *arg)
{
	(void)arg;
	for (long i = 0; !cadre__load_acq_u32(&gate_open); i++) {
		CHECK(i < 4000000000L);
		cadre__spin_pause();
	}
	return cadre_stop(self);
}

static const cadre_behaviour gate = {
        .size = sizeof(struct probe), .start = gate_start, .receive = probe_receive};

static void
signals_before_mail(void)
{
	cadre_system *one;
	cadre_config cfg = {.workers = 1};
	CHECK_EQ(cadre_system_new(&one, &cfg), 0);
	cadre_system *saved = sys;
	sys = one;
	static struct log la;
	cadre_ref a = spawn_probe(&la);
	cmd(a, CMD_TRAP, CADRE_REF_NONE, 0, 1);
	ping(a, &la, 0);
	cadre__store_rel_u32(&gate_open, 0);
	cadre_ref g;
	CHECK_EQ(cadre_spawn(sys, &gate, NULL, NULL, &g), 0); /* occupies the worker */
	for (int i = 1; i <= 5; i++)
		cmd(a, CMD_PING, CADRE_REF_NONE, 0, i);
	/* sent after the pings, while a cannot run: it must come first */
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, NULL};
	CHECK_EQ(cadre_send_exit(sys, a, &shut), 0);
	cadre__store_rel_u32(&gate_open, 1);
	wait_events(&la, 7);
	CHECK_EQ(la.ev[1].what, EV_EXIT);
	CHECK_EQ(la.ev[1].kind, CADRE_EXIT_SHUTDOWN);
	for (int i = 1; i <= 5; i++) {
		CHECK_EQ(la.ev[1 + i].what, EV_PING);
		CHECK_EQ(la.ev[1 + i].code, i);
	}
	sys = saved;
	cadre_system_free(one);
}

static void
send_exit_rules(void)
{
	static struct log la, lb, lc;
	cadre_ref a = spawn_probe(&la), b = spawn_probe(&lb), c = spawn_probe(&lc);
	cadre_exit normal = {CADRE_EXIT_NORMAL, 0, NULL};
	cadre_exit shut = {CADRE_EXIT_SHUTDOWN, 0, "bye"};
	CHECK_EQ(cadre_send_exit(sys, a, &normal), 0); /* ignored */
	ping(a, &la, 0);
	CHECK_EQ(cadre_send_exit(sys, a, &shut), 0); /* stops it */
	wait_events(&la, 2);
	CHECK_EQ(la.ev[1].what, EV_STOP);
	CHECK_EQ(la.ev[1].kind, CADRE_EXIT_SHUTDOWN);
	cmd(b, CMD_TRAP, CADRE_REF_NONE, 0, 1);
	ping(b, &lb, 0);
	CHECK_EQ(cadre_send_exit(sys, b, &shut), 0); /* trapped */
	wait_events(&lb, 2);
	CHECK_EQ(lb.ev[1].what, EV_EXIT);
	CHECK_EQ(lb.ev[1].kind, CADRE_EXIT_SHUTDOWN);
	CHECK(!lb.ev[1].linked);
	CHECK(cadre_ref_is_none(lb.ev[1].ref));
	CHECK_EQ(cadre_send_exit(sys, la.ev[0].ref, &shut), CADRE_ENOACTOR);
	cadre_exit bad = {(cadre_exit_kind)77, 0, NULL};
	CHECK_EQ(cadre_send_exit(sys, c, &bad), CADRE_EINVAL);
	CHECK_EQ(cadre_send_exit(sys, c, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_send_exit(NULL, c, &shut), CADRE_EINVAL);
	cmd(b, CMD_STOP, CADRE_REF_NONE, 0, 0);
	cmd(c, CMD_STOP, CADRE_REF_NONE, 0, 0);
}

static void
spawn_link_and_notify(void)
{
	static struct log lp;
	cadre_ref parent = spawn_probe(&lp);
	cmd(parent, CMD_TRAP, CADRE_REF_NONE, 0, 1);
	cmd(parent, CMD_SPAWN_LINKED_FAILING, CADRE_REF_NONE, 0, 0);
	wait_events(&lp, 1);
	CHECK_EQ(lp.ev[0].what, EV_EXIT);
	CHECK_EQ(lp.ev[0].kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(lp.ev[0].code, 99);
	CHECK(lp.ev[0].linked);
	memset(&child_log, 0, sizeof child_log);
	cmd(parent, CMD_SPAWN_NOTIFY, CADRE_REF_NONE, 0, 0);
	wait_events(&lp, 2);
	CHECK_EQ(lp.ev[1].what, EV_STARTED);
	/* the link holds: killing the parent takes the child down */
	CHECK_EQ(cadre_kill(sys, parent), 0);
	wait_events(&child_log, 1);
	CHECK_EQ(child_log.ev[0].what, EV_STOP);
	CHECK_EQ(child_log.ev[0].kind, CADRE_EXIT_KILLED);
	/* from outside an actor, LINK and NOTIFY are refused */
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_LINK};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &probe, &o, NULL, &r), CADRE_EINVAL);
	o.flags = 0x100;
	CHECK_EQ(cadre_spawn(sys, &probe, &o, NULL, &r), CADRE_EINVAL);
}

static void
outside_callbacks(void)
{
	cadre_actor fake = {0};
	uint64_t m;
	cadre_ref none = CADRE_REF_NONE;
	CHECK_EQ(cadre_link(NULL, none), CADRE_EINVAL);
	CHECK_EQ(cadre_link(&fake, none), CADRE_ESTATE);
	CHECK_EQ(cadre_unlink(&fake, none), CADRE_ESTATE);
	CHECK_EQ(cadre_trap_exits(&fake, true), CADRE_ESTATE);
	CHECK_EQ(cadre_monitor(&fake, none, &m), CADRE_ESTATE);
	CHECK_EQ(cadre_monitor(&fake, none, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_demonitor(&fake, 1), CADRE_ESTATE);
	CHECK_EQ(cadre_fail(&fake, 1, NULL), CADRE_ESTATE);
	CHECK_EQ(cadre_fail(&fake, 0, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_kill(NULL, none), CADRE_EINVAL);
	CHECK_EQ(cadre_kill(sys, none), CADRE_ENOACTOR);
}

int
main(void)
{
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	TEST_CASE(abnormal_exit_spreads);
	TEST_CASE(normal_exit_does_not_kill);
	TEST_CASE(trapping_partner_gets_message);
	TEST_CASE(kill_cannot_be_trapped);
	TEST_CASE(unlink_means_no_signal);
	TEST_CASE(link_to_dead_actor);
	TEST_CASE(monitors);
	TEST_CASE(demonitor_races_death);
	TEST_CASE(signals_before_mail);
	TEST_CASE(send_exit_rules);
	TEST_CASE(spawn_link_and_notify);
	TEST_CASE(outside_callbacks);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	cadre_system_free(sys);
	fprintf(stderr, "test_links: ok\n");
	return 0;
}
