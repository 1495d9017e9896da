/* Bad input to the actor API: calls made in the wrong place (outside a
 * callback, blocking ones on a worker, after shutdown). Each is refused
 * with its documented code, leaves no trace in the counters unless
 * documented, and leaves the system working; messages still queued at
 * shutdown are dead letters, their moved payloads destroyed exactly once.
 * NULLs and out of range values are in test_bad_input_args, allocation
 * failures and cadre_send_move's destructor in test_bad_input_memory. */
#include <pthread.h>

#include "bad_input_helpers.h"
#include "dead_letters.h"
#include "gate.h"

/* ---- calls that belong inside a callback, made outside one ------------------ */

struct outsider {
	long started;
	cadre_actor *self; /* published by start; the actor stays alive */
};

struct held {
	cadre_actor base;
	struct outsider *o;
};

static int
held_start(cadre_actor *self, void *arg)
{
	struct held *h = (struct held *)self;
	h->o = arg;
	__atomic_store_n(&h->o->self, self, __ATOMIC_RELAXED);
	__atomic_store_n(&h->o->started, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
held_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == M_STOP)
		return cadre_stop(self);
	return 0;
}

static const cadre_behaviour held_beh = {
        .size = sizeof(struct held), .start = held_start, .receive = held_receive};

/* Another actor calls them with the held actor's pointer. */
struct meddler_result {
	long done;
	int stop_rc;
	int self_none;
	int sys_null;
	int beh_null;
	int own_ok; /* the same calls on its own self work */
};

struct meddler_args {
	cadre_actor *victim;
	struct meddler_result *res;
	cadre_system *sys;
};

static int
meddler_start(cadre_actor *self, void *arg)
{
	struct meddler_args *a = arg;
	struct meddler_result *r = a->res;
	r->stop_rc = cadre_stop(a->victim);
	r->self_none = cadre_ref_is_none(cadre_self(a->victim));
	r->sys_null = cadre_actor_system(a->victim) == NULL;
	r->beh_null = cadre_actor_behaviour(a->victim) == NULL;
	r->own_ok = !cadre_ref_is_none(cadre_self(self)) && cadre_actor_system(self) == a->sys &&
	            cadre_actor_behaviour(self) != NULL;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return cadre_stop(self);
}

static const cadre_behaviour meddler_beh = {
        .size = sizeof(cadre_actor), .start = meddler_start, .receive = noop_receive};

static void
outside_callbacks(void)
{
	/* A fake actor that was never spawned. */
	struct {
		uint64_t pad[32];
		cadre_actor a;
	} fake;
	memset(&fake, 0, sizeof fake);
	CHECK_EQ(cadre_stop(NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_stop(&fake.a), CADRE_ESTATE);
	CHECK(cadre_ref_is_none(cadre_self(&fake.a)));
	CHECK(cadre_ref_is_none(cadre_self(NULL)));
	CHECK(cadre_actor_system(&fake.a) == NULL);
	CHECK(cadre_actor_system(NULL) == NULL);
	CHECK(cadre_actor_behaviour(&fake.a) == NULL);
	CHECK(cadre_actor_behaviour(NULL) == NULL);

	/* A real, live actor, from the main thread. */
	cadre_system *sys = dl_system(2, 0, NULL);
	static struct outsider o;
	memset(&o, 0, sizeof o);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &held_beh, NULL, &o, &r), 0);
	CHECK(wait_at_least(&o.started, 1, 10000));
	cadre_actor *victim = __atomic_load_n(&o.self, __ATOMIC_RELAXED);
	CHECK(victim != NULL);
	CHECK_EQ(cadre_stop(victim), CADRE_ESTATE);
	CHECK(cadre_ref_is_none(cadre_self(victim)));
	CHECK(cadre_actor_system(victim) == NULL);
	CHECK(cadre_actor_behaviour(victim) == NULL);

	/* ... and from another actor's callback. */
	struct meddler_result res;
	memset(&res, 0, sizeof res);
	struct meddler_args args = {victim, &res, sys};
	cadre_ref m;
	CHECK_EQ(cadre_spawn(sys, &meddler_beh, NULL, &args, &m), 0);
	CHECK(wait_at_least(&res.done, 1, 10000));
	CHECK_EQ(res.stop_rc, CADRE_ESTATE);
	CHECK(res.self_none);
	CHECK(res.sys_null);
	CHECK(res.beh_null);
	CHECK(res.own_ok);

	/* The victim was not stopped by any of it and still works. */
	cadre_stats st = stats_of(sys);
	CHECK(st.stopped <= 1); /* the meddler, perhaps */
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	st = await_quiet(sys);
	CHECK_EQ(st.handled, 2);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(st.stopped, 2);
	cadre_system_free(sys);
}

/* ---- blocking calls inside a callback ---------------------------------------- */

struct blocking_result {
	long done;
	int start_shutdown, start_idle0, start_idle_inf;
	int recv_shutdown, recv_idle;
	int stop_shutdown, stop_idle;
	int other_shutdown, other_idle; /* on another system, from this worker */
};

struct blocking_args {
	struct blocking_result *res;
	cadre_system *other;
};

struct blocky {
	cadre_actor base;
	struct blocking_args *a;
};

static int
blocky_start(cadre_actor *self, void *arg)
{
	struct blocky *b = (struct blocky *)self;
	b->a = arg;
	cadre_system *sys = cadre_actor_system(self);
	b->a->res->start_shutdown = cadre_system_shutdown(sys, CADRE_FOREVER);
	b->a->res->start_idle0 = cadre_system_await_stopped(sys, 0);
	b->a->res->start_idle_inf = cadre_system_await_stopped(sys, CADRE_FOREVER);
	return 0;
}

static int
blocky_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	struct blocky *b = (struct blocky *)self;
	cadre_system *sys = cadre_actor_system(self);
	b->a->res->recv_shutdown = cadre_system_shutdown(sys, CADRE_FOREVER);
	b->a->res->recv_idle = cadre_system_await_stopped(sys, 1000);
	b->a->res->other_shutdown = cadre_system_shutdown(b->a->other, CADRE_FOREVER);
	b->a->res->other_idle = cadre_system_await_stopped(b->a->other, 1000);
	return cadre_stop(self);
}

static void
blocky_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	struct blocky *b = (struct blocky *)self;
	/* the stop callback is a callback too: self's system is known */
	cadre_system *sys = cadre_actor_system(self);
	if (sys != NULL) {
		b->a->res->stop_shutdown = cadre_system_shutdown(sys, CADRE_FOREVER);
		b->a->res->stop_idle = cadre_system_await_stopped(sys, 1000);
	} else {
		b->a->res->stop_shutdown = b->a->res->stop_idle = 1; /* fails the checks */
	}
	__atomic_store_n(&b->a->res->done, 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour blocky_beh = {.size = sizeof(struct blocky),
                                           .start = blocky_start,
                                           .receive = blocky_receive,
                                           .stop = blocky_stop};

static void
blocking_in_callback(void)
{
	cadre_system *sys = dl_system(2, 0, NULL);
	cadre_system *other = dl_system(1, 0, NULL);
	struct blocking_result res;
	memset(&res, 0, sizeof res);
	struct blocking_args args = {&res, other};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &blocky_beh, NULL, &args, &r), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	CHECK(wait_at_least(&res.done, 1, 10000));
	CHECK_EQ(res.start_shutdown, CADRE_EWOULDBLOCK);
	CHECK_EQ(res.start_idle0, CADRE_EWOULDBLOCK);
	CHECK_EQ(res.start_idle_inf, CADRE_EWOULDBLOCK);
	CHECK_EQ(res.recv_shutdown, CADRE_EWOULDBLOCK);
	CHECK_EQ(res.recv_idle, CADRE_EWOULDBLOCK);
	CHECK_EQ(res.stop_shutdown, CADRE_EWOULDBLOCK);
	CHECK_EQ(res.stop_idle, CADRE_EWOULDBLOCK);
	/* Another system's blocking calls would block this worker as well. */
	CHECK_EQ(res.other_shutdown, CADRE_EWOULDBLOCK);
	CHECK_EQ(res.other_idle, CADRE_EWOULDBLOCK);
	/* Neither system was shut down by the refused calls. */
	struct tally t = {0};
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	CHECK_EQ(cadre_spawn(other, &sink_beh, NULL, &t, &r), 0);
	CHECK_EQ(cadre_send(other, r, M_STOP, NULL, 0), 0);
	await_quiet(sys);
	await_quiet(other);
	CHECK_EQ(ld(&t.stops), 2);
	cadre_system_free(other);
	cadre_system_free(sys);
}

/* ---- after shutdown ----------------------------------------------------------- */

static void
after_shutdown(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 64, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK(wait_at_least(&t.data, 1, 10000));
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(ld(&t.stopped), 1);
	check_counts(sys, 1, 1, 0, 1);
	long d0 = dtors();

	struct tally t2 = {0};
	cadre_ref r2 = CADRE_REF_NONE;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t2, &r2), CADRE_ECLOSED);
	/* a send is a dead letter: counted, hook called with ECLOSED */
	int v = 7;
	CHECK_EQ(cadre_send(sys, r, 42, &v, sizeof v), CADRE_ECLOSED);
	CHECK_EQ(ld(&dl.eclosed), 1);
	pthread_mutex_lock(&dl.mu);
	CHECK(cadre_ref_is_equal(dl.to, r));
	CHECK_EQ(dl.type, 42);
	CHECK_EQ(dl.size, sizeof v);
	pthread_mutex_unlock(&dl.mu);
	check_counts(sys, 2, 1, 1, 1);
	/* a moved payload: its destructor runs once, before send_move returns */
	struct moved *p = new_moved(32);
	CHECK_EQ(cadre_send_move(sys, r, 43, p, p->size, count_dtor), CADRE_ECLOSED);
	CHECK_EQ(dtors(), d0 + 1);
	CHECK_EQ(ld(&dl.eclosed), 2);
	check_counts(sys, 3, 1, 2, 1);
	/* a forged ref after shutdown: refused, one way or the other */
	int rc = cadre_send(sys, CADRE_REF_NONE, 44, NULL, 0);
	CHECK(rc == CADRE_ECLOSED || rc == CADRE_ENOACTOR);
	check_counts(sys, 4, 1, 3, 1);
	/* argument checks still come first and count nothing */
	CHECK_EQ(cadre_send(sys, r, 45, NULL, 1), CADRE_EINVAL);
	unsigned char buf[65] = {0};
	CHECK_EQ(cadre_send(sys, r, 45, buf, sizeof buf), CADRE_ETOOBIG);
	check_counts(sys, 4, 1, 3, 1);
	CHECK_EQ(cadre_stop_ref(sys, r), CADRE_ECLOSED);
	/* shutdown is idempotent; the rest answers */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_system_workers(sys), 2);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, 1, &st), 0);
	CHECK_EQ(cadre_system_stats(sys, 2, &st), CADRE_EINVAL);
	st = stats_of(sys);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.actors_alive, 0);
	CHECK_EQ(ld(&dl.calls), 3);
	CHECK_EQ(ld(&t2.started), 0);
	CHECK_EQ(ld(&t.data), 1);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* Messages still queued at shutdown are dead letters; moved payloads among
 * them are destroyed exactly once. One worker, held by a blocker, so that
 * they are queued behind a stop request. */
static void
queued_at_shutdown(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	struct gate g;
	block_worker(sys, &g);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	long d0 = dtors();
	for (int i = 0; i < 5; i++) {
		struct moved *p = new_moved((size_t)i * 40);
		CHECK_EQ(cadre_send_move(sys, r, M_DATA, p, p->size, count_dtor), 0);
	}
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0); /* jumps ahead of the six */
	CHECK_EQ(dtors(), d0);
	unblock_worker(&g);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(ld(&g.timed_out), 0);
	CHECK_EQ(dtors(), d0 + 5);
	CHECK_EQ(ld(&dtor_bad_size), 0);
	check_counts(sys, 6, 0, 6, 2);
	CHECK_EQ(ld(&t.data), 0);
	CHECK_EQ(ld(&t.started), 1);
	CHECK_EQ(ld(&t.stopped), 1);
	CHECK_EQ(ld(&dl.enoactor), 6);
	cadre_system_free(sys);
	dl_fini(&dl);
}

int
main(void)
{
	TEST_CASE(outside_callbacks);
	TEST_CASE(blocking_in_callback);
	TEST_CASE(after_shutdown);
	TEST_CASE(queued_at_shutdown);
	fprintf(stderr, "test_bad_input_context: ok\n");
	return 0;
}
