/* The lifecycle and the order of callbacks: start(arg) first, then receive
 * for each message, then stop(reason) once, last; the stop reasons of every
 * way to stop; spawning from inside actors; self and system inside
 * callbacks. */
#include <stdlib.h>
#include <string.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

#define LOG_MAX 64

/* Filled by callbacks, read by main after await_idle (which returns after
 * the actors stopped; the stop-counting release/acquire orders the log). */
struct log {
	char ev[LOG_MAX];
	int n;
	int exit_kind;
	int exit_code;
	int arg_seen;
	cadre_ref self_seen;
	int sys_seen_ok;
	cadre_system *sys;
};

struct probe {
	cadre_actor base;
	struct log *log;
};

static void
note(struct log *l, char c)
{
	CHECK(l->n < LOG_MAX - 1);
	l->ev[l->n++] = c;
}

enum { M_HELLO = 1, M_STOP = 2, M_FAIL = 3 };

static int
probe_start(cadre_actor *self, void *arg)
{
	struct probe *p = (struct probe *)self;
	p->log = arg;
	p->log->arg_seen = 1;
	p->log->self_seen = cadre_self(self);
	p->log->sys_seen_ok = cadre_actor_system(self) == p->log->sys;
	note(p->log, 'S');
	return 0;
}

static int
probe_receive(cadre_actor *self, const cadre_msg *m)
{
	struct probe *p = (struct probe *)self;
	note(p->log, 'R');
	switch (m->type) {
	case M_STOP:
		return cadre_stop(self);
	case M_FAIL:
		return 42;
	default:
		return 0;
	}
}

static void
probe_stop(cadre_actor *self, const cadre_exit *why)
{
	struct probe *p = (struct probe *)self;
	note(p->log, 'X');
	p->log->exit_kind = (int)why->kind;
	p->log->exit_code = why->code;
}

static const cadre_behaviour probe = {.size = sizeof(struct probe),
                                      .start = probe_start,
                                      .receive = probe_receive,
                                      .stop = probe_stop,
                                      .name = "probe"};

static cadre_system *
new_sys(unsigned workers)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = workers};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static void
order_and_normal_stop(void)
{
	cadre_system *sys = new_sys(2);
	struct log l = {.sys = sys};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &probe, NULL, &l, &r), 0);
	/* messages sent before start ran still come after it */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre_send(sys, r, M_HELLO, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	l.ev[l.n] = '\0';
	CHECK(strcmp(l.ev, "SRRRRX") == 0);
	CHECK_EQ(l.exit_kind, CADRE_EXIT_NORMAL);
	CHECK(l.arg_seen);
	CHECK(cadre_ref_is_equal(l.self_seen, r));
	CHECK(l.sys_seen_ok);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.spawned, 1);
	CHECK_EQ(st.stopped, 1);
	CHECK_EQ(st.actors_alive, 0);
	CHECK_EQ(st.sent, 4);
	CHECK_EQ(st.handled, 4);
	CHECK_EQ(st.dead_letters, 0);
	cadre_system_free(sys);
}

static void
failure_and_shutdown_reasons(void)
{
	cadre_system *sys = new_sys(2);
	struct log fail = {.sys = sys}, ext = {.sys = sys}, shut = {.sys = sys};
	cadre_ref a, b, c;
	CHECK_EQ(cadre_spawn(sys, &probe, NULL, &fail, &a), 0);
	CHECK_EQ(cadre_spawn(sys, &probe, NULL, &ext, &b), 0);
	CHECK_EQ(cadre_spawn(sys, &probe, NULL, &shut, &c), 0);
	CHECK_EQ(cadre_send(sys, a, M_FAIL, NULL, 0), 0);
	CHECK_EQ(cadre_stop_ref(sys, b), 0);
	CHECK_EQ(cadre_stop_ref(sys, b), 0);                             /* twice is fine */
	CHECK_EQ(cadre_system_await_stopped(sys, 200), CADRE_ETIMEDOUT); /* c lives on */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(fail.exit_kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(fail.exit_code, 42);
	CHECK_EQ(ext.exit_kind, CADRE_EXIT_SHUTDOWN);
	CHECK_EQ(shut.exit_kind, CADRE_EXIT_SHUTDOWN);
	fail.ev[fail.n] = ext.ev[ext.n] = shut.ev[shut.n] = '\0';
	CHECK(strcmp(fail.ev, "SRX") == 0);
	CHECK(strcmp(ext.ev, "SX") == 0);
	CHECK(strcmp(shut.ev, "SX") == 0);
	cadre_system_free(sys);
}

/* start failing, or stopping in start, still runs stop once. */
struct starter {
	cadre_actor base;
	struct log *log;
};

static int
starter_start(cadre_actor *self, void *arg)
{
	struct starter *s = (struct starter *)self;
	s->log = arg;
	note(s->log, 'S');
	if (s->log->arg_seen == 7)
		return 7; /* fail */
	return cadre_stop(self);
}

static int
starter_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	note(((struct starter *)self)->log, 'R');
	return 0;
}

static void
starter_stop(cadre_actor *self, const cadre_exit *why)
{
	struct starter *s = (struct starter *)self;
	note(s->log, 'X');
	s->log->exit_kind = (int)why->kind;
	s->log->exit_code = why->code;
}

static const cadre_behaviour starter = {.size = sizeof(struct starter),
                                        .start = starter_start,
                                        .receive = starter_receive,
                                        .stop = starter_stop};

static void
stop_in_start(void)
{
	cadre_system *sys = new_sys(1);
	struct log failing = {.arg_seen = 7}, stopping = {0};
	cadre_ref a, b;
	CHECK_EQ(cadre_spawn(sys, &starter, NULL, &failing, &a), 0);
	CHECK_EQ(cadre_spawn(sys, &starter, NULL, &stopping, &b), 0);
	/* Either queued behind the stop (then dead at reclaim) or refused
	 * because the actor already stopped (dead at once): a dead letter. */
	int rc = cadre_send(sys, a, 1, NULL, 0);
	CHECK(rc == 0 || rc == CADRE_ENOACTOR);
	rc = cadre_send(sys, b, 1, NULL, 0);
	CHECK(rc == 0 || rc == CADRE_ENOACTOR);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0); /* reclaims: dead letters final */
	failing.ev[failing.n] = stopping.ev[stopping.n] = '\0';
	CHECK(strcmp(failing.ev, "SX") == 0);
	CHECK(strcmp(stopping.ev, "SX") == 0);
	CHECK_EQ(failing.exit_kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(failing.exit_code, 7);
	CHECK_EQ(stopping.exit_kind, CADRE_EXIT_NORMAL);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	/* the two messages were queued behind a start that stopped: dead */
	CHECK_EQ(st.sent, 2);
	CHECK_EQ(st.handled, 0);
	CHECK_EQ(st.dead_letters, 2);
	cadre_system_free(sys);
}

/* A tree spawned from inside actors: each node spawns `fanout` children
 * down to depth 0; leaves report 1 upwards; the root checks the count. */
struct node {
	cadre_actor base;
	cadre_ref parent;
	int pending;
	long sum;
};

struct node_arg {
	cadre_ref parent;
	int depth;
};

static uint64_t tree_result;

enum { FANOUT = 4, DEPTH = 6 };

static int
node_start(cadre_actor *self, void *arg)
{
	struct node *n = (struct node *)self;
	const struct node_arg *a = arg;
	cadre_system *sys = cadre_actor_system(self);
	n->parent = a->parent;
	if (a->depth == 0) {
		long one = 1;
		CHECK_EQ(cadre_send(sys, n->parent, 1, &one, sizeof one), 0);
		return cadre_stop(self);
	}
	/* A child's arg must live until its start runs: each gets a heap copy,
	 * freed by the child (node_start_owned). */
	struct node_arg child = {cadre_self(self), a->depth - 1};
	for (int i = 0; i < FANOUT; i++) {
		cadre_ref c;
		struct node_arg *copy = malloc(sizeof *copy);
		CHECK(copy != NULL);
		*copy = child;
		CHECK_EQ(cadre_spawn(sys, cadre_actor_behaviour(self), NULL, copy, &c), 0);
	}
	n->pending = FANOUT;
	return 0;
}

static int
node_receive(cadre_actor *self, const cadre_msg *m)
{
	struct node *n = (struct node *)self;
	n->sum += *(const long *)m->data;
	if (--n->pending > 0)
		return 0;
	if (cadre_ref_is_none(n->parent)) {
		cadre__store_rel_u64(&tree_result, (uint64_t)n->sum); /* read by main */
	} else {
		CHECK_EQ(cadre_send(cadre_actor_system(self), n->parent, 1, &n->sum, sizeof n->sum),
		         0);
	}
	return cadre_stop(self);
}

static int
node_start_owned(cadre_actor *self, void *arg)
{
	int rc = node_start(self, arg);
	free(arg);
	return rc;
}

static const cadre_behaviour node_owned = {
        .size = sizeof(struct node), .start = node_start_owned, .receive = node_receive};

static void
spawn_inside(void)
{
	cadre_system *sys = new_sys(2);
	struct node_arg *root = malloc(sizeof *root);
	CHECK(root != NULL);
	*root = (struct node_arg){CADRE_REF_NONE, DEPTH};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &node_owned, NULL, root, &r), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 60000), 0);
	long leaves = 1;
	for (int i = 0; i < DEPTH; i++)
		leaves *= FANOUT;
	CHECK_EQ(cadre__load_acq_u64(&tree_result), leaves);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	long nodes = (leaves * FANOUT - 1) / (FANOUT - 1);
	CHECK_EQ(st.spawned, nodes);
	CHECK_EQ(st.stopped, nodes);
	CHECK_EQ(st.sent, nodes - 1);
	CHECK_EQ(st.handled, nodes - 1);
	CHECK_EQ(st.dead_letters, 0);
	cadre_system_free(sys);
}

int
main(void)
{
	TEST_CASE(order_and_normal_stop);
	TEST_CASE(failure_and_shutdown_reasons);
	TEST_CASE(stop_in_start);
	TEST_CASE(spawn_inside);
	fprintf(stderr, "test_lifecycle: ok\n");
	return 0;
}
