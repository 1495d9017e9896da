/* Bad input to every public function of the actor API (and the corners of
 * the mailbox and error APIs that tests/mailbox does not reach): NULLs, out
 * of range values, calls in the wrong place (outside a callback, on a
 * worker, after shutdown) and allocation failures. Each is refused with its
 * documented code, leaves no trace in the counters unless documented, and
 * leaves the system working. cadre_send_move's destructor runs exactly when
 * the documentation says. */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "cadre__alloc.h"
#include "check.h"
#include "dead_letters.h"
#include "gate.h"
#include "quiet.h"

/* ---- helpers ------------------------------------------------------------- */

static void
check_counts(cadre_system *sys, uint64_t sent, uint64_t handled, uint64_t dead, uint64_t spawned)
{
	cadre_stats st = stats_of(sys);
	CHECK_EQ(st.sent, sent);
	CHECK_EQ(st.handled, handled);
	CHECK_EQ(st.dead_letters, dead);
	CHECK_EQ(st.spawned, spawned);
}

/* ---- actors -------------------------------------------------------------- */

enum { M_DATA = 1, M_STOP = 2, M_PROBE = 3 };

struct tally {
	long started;
	long data;
	long bytes_ok; /* M_DATA whose payload matched its size pattern */
	long stops;
	long stopped;
};

struct sink {
	cadre_actor base;
	struct tally *t;
};

/* Payload pattern: byte i of an n-byte payload is (i * 31 + n) & 0xff. */
static void
fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 31 + n) & 0xff);
}

static int
matches(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)((i * 31 + n) & 0xff))
			return 0;
	return 1;
}

static int
sink_start(cadre_actor *self, void *arg)
{
	struct sink *s = (struct sink *)self;
	s->t = arg;
	__atomic_add_fetch(&s->t->started, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sink *s = (struct sink *)self;
	if (m->type == M_STOP) {
		__atomic_add_fetch(&s->t->stops, 1, __ATOMIC_RELEASE);
		return cadre_stop(self);
	}
	if (m->type == M_DATA) {
		if ((m->size == 0 && m->data == NULL) ||
		    (m->data != NULL && matches(m->data, m->size)))
			__atomic_add_fetch(&s->t->bytes_ok, 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&s->t->data, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static void
sink_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	__atomic_add_fetch(&((struct sink *)self)->t->stopped, 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour sink_beh = {.size = sizeof(struct sink),
                                         .start = sink_start,
                                         .receive = sink_receive,
                                         .stop = sink_stop,
                                         .name = "sink"};

/* The destructor of moved payloads: counts, checks the size, frees. */
static long dtor_calls;
static long dtor_bad_size;

struct moved {
	size_t size;
	unsigned char bytes[];
};

static struct moved *
new_moved(size_t n)
{
	struct moved *p = malloc(sizeof *p + n);
	CHECK(p != NULL);
	p->size = sizeof *p + n;
	fill(p->bytes, n);
	return p;
}

static void
count_dtor(void *data, size_t size)
{
	struct moved *p = data;
	if (p->size != size)
		__atomic_add_fetch(&dtor_bad_size, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&dtor_calls, 1, __ATOMIC_RELEASE);
	free(p);
}

static long
dtors(void)
{
	return ld(&dtor_calls);
}

/* ---- systems ------------------------------------------------------------- */

static void
system_new_bad(void)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	CHECK_EQ(cadre_system_new(NULL, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_system_new(NULL, &cfg), CADRE_EINVAL);
	cadre_system *sys = (cadre_system *)&cfg; /* must be reset to NULL */
	cfg.workers = 65;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	CHECK(sys == NULL);
	sys = (cadre_system *)&cfg;
	cfg.workers = 1000;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	CHECK(sys == NULL);
	sys = (cadre_system *)&cfg;
	cfg.workers = UINT_MAX;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	CHECK(sys == NULL);
	/* The largest accepted. */
	cfg.workers = 64;
	cfg.no_pinning = true;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK(sys != NULL);
	CHECK_EQ(cadre_system_workers(sys), 64);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, 63, &st), 0);
	CHECK_EQ(cadre_system_stats(sys, 64, &st), CADRE_EINVAL);
	cadre_system_free(sys);
	/* NULL everywhere a system is expected. */
	CHECK_EQ(cadre_system_shutdown(NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_idle(NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_system_await_idle(NULL, -1), CADRE_EINVAL);
	CHECK_EQ(cadre_system_workers(NULL), 0);
	CHECK_EQ(cadre_system_stats(NULL, -1, &st), CADRE_EINVAL);
	cadre_system_free(NULL);
}

static void
stats_bad(void)
{
	cadre_system *sys = dl_system(2, 0, NULL);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 0, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, -2, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 2, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 3, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, INT_MAX, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, INT_MIN, &st), CADRE_EINVAL);
	CHECK_EQ(cadre_system_stats(sys, 0, &st), 0);
	CHECK_EQ(cadre_system_stats(sys, 1, &st), 0);
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent + st.handled + st.dead_letters + st.spawned, 0);
	/* timeouts: 0 and negative are fine on an idle system */
	CHECK_EQ(cadre_system_await_idle(sys, 0), 0);
	CHECK_EQ(cadre_system_await_idle(sys, -1), 0);
	cadre_system_free(sys);
}

/* ---- spawn ------------------------------------------------------------------ */

static void
spawn_bad(void)
{
	cadre_system *sys = dl_system(2, 0, NULL);
	cadre_ref r;
	struct tally t = {0};
	cadre_behaviour b = sink_beh;
	CHECK_EQ(cadre_spawn(NULL, &sink_beh, NULL, &t, &r), CADRE_EINVAL);
	CHECK_EQ(cadre_spawn(sys, NULL, NULL, &t, &r), CADRE_EINVAL);
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, NULL), CADRE_EINVAL);
	b.receive = NULL;
	CHECK_EQ(cadre_spawn(sys, &b, NULL, &t, &r), CADRE_EINVAL);
	b = sink_beh;
	b.size = 0;
	CHECK_EQ(cadre_spawn(sys, &b, NULL, &t, &r), CADRE_EINVAL);
	b.size = sizeof(cadre_actor) - 1;
	CHECK_EQ(cadre_spawn(sys, &b, NULL, &t, &r), CADRE_EINVAL);
	/* An absurd size is refused, one way or the other, without a crash. */
	b.size = SIZE_MAX;
	int rc = cadre_spawn(sys, &b, NULL, &t, &r);
	CHECK(rc == CADRE_EINVAL || rc == CADRE_ENOMEM);
	b.size = SIZE_MAX - 64;
	rc = cadre_spawn(sys, &b, NULL, &t, &r);
	CHECK(rc == CADRE_EINVAL || rc == CADRE_ENOMEM);
	/* Nothing was spawned, nothing runs. */
	CHECK_EQ(cadre_system_await_idle(sys, 0), 0);
	check_counts(sys, 0, 0, 0, 0);
	CHECK_EQ(ld(&t.started), 0);
	/* The smallest legal actor: just the header. */
	b = (cadre_behaviour){.size = sizeof(cadre_actor), .receive = noop_receive};
	CHECK_EQ(cadre_spawn(sys, &b, NULL, NULL, &r), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.spawned, 1);
	CHECK_EQ(st.sent, 1);
	cadre_system_free(sys);
}

/* ---- send -------------------------------------------------------------------- */

static void
send_bad(void)
{
	struct dl_log dl;
	dl_init(&dl);
	const uint32_t max = 100;
	cadre_system *sys = dl_system(2, max, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	unsigned char buf[256];
	fill(buf, sizeof buf);
	long d0 = dtors();

	CHECK_EQ(cadre_send(NULL, r, M_DATA, buf, 4), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, SIZE_MAX), CADRE_EINVAL);
	/* EINVAL comes before the ref is looked at: not a dead letter. */
	CHECK_EQ(cadre_send(sys, CADRE_REF_NONE, M_DATA, NULL, 1), CADRE_EINVAL);
	/* Too big: refused, not counted, whatever the ref. */
	fill(buf, max + 1);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, max + 1), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, sizeof buf), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, SIZE_MAX), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(sys, CADRE_REF_NONE, M_DATA, buf, max + 1), CADRE_ETOOBIG);
	check_counts(sys, 0, 0, 0, 1);
	CHECK_EQ(ld(&dl.calls), 0);

	/* send_move: EINVAL leaves the payload with the caller. */
	struct moved *p = new_moved(8);
	CHECK_EQ(cadre_send_move(NULL, r, M_DATA, p, p->size, count_dtor), CADRE_EINVAL);
	CHECK_EQ(cadre_send_move(sys, r, M_DATA, NULL, 8, count_dtor), CADRE_EINVAL);
	if (SIZE_MAX > UINT32_MAX)
		CHECK_EQ(cadre_send_move(sys, r, M_DATA, p, (size_t)UINT32_MAX + 1, count_dtor),
		         CADRE_EINVAL);
	CHECK_EQ(dtors(), d0);
	check_counts(sys, 0, 0, 0, 1);

	/* The limits themselves are fine: size max, size 0 with and without
	 * data; and send_move of more than max_message_size (nothing is copied). */
	fill(buf, max);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, max), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, 0), 0);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, p, p->size, count_dtor), 0);
	struct moved *big = new_moved(4 * max);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, big, big->size, count_dtor), 0);
	CHECK_EQ(cadre_send_move(sys, r, M_DATA, NULL, 0, NULL), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.sent, 7);
	CHECK_EQ(st.handled, 7);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(ld(&t.data), 4);
	CHECK_EQ(ld(&t.bytes_ok), 4);
	CHECK_EQ(dtors(), d0 + 2);
	CHECK_EQ(ld(&dtor_bad_size), 0);

	/* The default limit is 1 MiB. */
	cadre_system *dsys = NULL;
	CHECK_EQ(cadre_system_new(&dsys, NULL), 0);
	struct tally t2 = {0};
	CHECK_EQ(cadre_spawn(dsys, &sink_beh, NULL, &t2, &r), 0);
	size_t mib = (size_t)1 << 20;
	unsigned char *huge = malloc(mib + 1);
	CHECK(huge != NULL);
	fill(huge, mib);
	CHECK_EQ(cadre_send(dsys, r, M_DATA, huge, mib + 1), CADRE_ETOOBIG);
	CHECK_EQ(cadre_send(dsys, r, M_DATA, huge, mib), 0);
	free(huge); /* the copy was made */
	CHECK_EQ(cadre_send(dsys, r, M_STOP, NULL, 0), 0);
	st = await_quiet(dsys);
	CHECK_EQ(st.sent, 2);
	CHECK_EQ(ld(&t2.data), 1);
	CHECK_EQ(ld(&t2.bytes_ok), 1);
	cadre_system_free(dsys);
	cadre_system_free(sys);
	dl_fini(&dl);
}

static void
stop_ref_bad(void)
{
	cadre_system *sys = dl_system(1, 0, NULL);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK_EQ(cadre_stop_ref(NULL, r), CADRE_EINVAL);
	CHECK_EQ(cadre_stop_ref(sys, CADRE_REF_NONE), CADRE_ENOACTOR);
	CHECK(wait_at_least(&t.started, 1, 10000));
	CHECK_EQ(ld(&t.stopped), 0);
	/* twice: the second finds it stopping (0) or gone (ENOACTOR) */
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	int rc = cadre_stop_ref(sys, r);
	CHECK(rc == 0 || rc == CADRE_ENOACTOR);
	await_quiet(sys);
	CHECK_EQ(ld(&t.stopped), 1);
	CHECK_EQ(cadre_stop_ref(sys, r), CADRE_ENOACTOR);
	cadre_system_free(sys);
}

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
	b->a->res->start_shutdown = cadre_system_shutdown(sys);
	b->a->res->start_idle0 = cadre_system_await_idle(sys, 0);
	b->a->res->start_idle_inf = cadre_system_await_idle(sys, -1);
	return 0;
}

static int
blocky_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	struct blocky *b = (struct blocky *)self;
	cadre_system *sys = cadre_actor_system(self);
	b->a->res->recv_shutdown = cadre_system_shutdown(sys);
	b->a->res->recv_idle = cadre_system_await_idle(sys, 1000);
	b->a->res->other_shutdown = cadre_system_shutdown(b->a->other);
	b->a->res->other_idle = cadre_system_await_idle(b->a->other, 1000);
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
		b->a->res->stop_shutdown = cadre_system_shutdown(sys);
		b->a->res->stop_idle = cadre_system_await_idle(sys, 1000);
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
	CHECK_EQ(cadre_system_await_idle(sys, 30000), 0);
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
	CHECK_EQ(cadre_system_shutdown(sys), 0);
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
	CHECK(cadre_ref_eq(dl.to, r));
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
	CHECK_EQ(cadre_system_shutdown(sys), 0);
	CHECK_EQ(cadre_system_shutdown(sys), 0);
	CHECK_EQ(cadre_system_await_idle(sys, 0), 0);
	CHECK_EQ(cadre_system_await_idle(sys, -1), 0);
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
	CHECK_EQ(cadre_system_shutdown(sys), 0);
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

/* ---- cadre_send_move's destructor ---------------------------------------------- */

static void
send_move_ownership(void)
{
	struct dl_log dl;
	dl_init(&dl);
	long d0 = dtors();

	/* Handled: once each, after the receive. */
	cadre_system *sys = dl_system(2, 0, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	for (int i = 0; i < 10; i++) {
		struct moved *p = new_moved((size_t)i * 30);
		CHECK_EQ(cadre_send_move(sys, r, M_PROBE, p, p->size, count_dtor), 0);
	}
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.handled, 11);
	CHECK_EQ(dtors(), d0 + 10);

	/* Dead-lettered (ENOACTOR): once, before send_move returns. */
	struct moved *p = new_moved(5);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, p, p->size, count_dtor), CADRE_ENOACTOR);
	CHECK_EQ(dtors(), d0 + 11);
	CHECK_EQ(ld(&dl.enoactor), 1);
	/* NULL destructor: nothing to call, nothing breaks */
	static unsigned char fixed[16];
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, fixed, sizeof fixed, NULL), CADRE_ENOACTOR);
	st = await_quiet(sys);
	CHECK_EQ(st.sent, 13);
	CHECK_EQ(st.dead_letters, 2);
	cadre_system_free(sys);

	/* EFULL: the caller keeps the payload; no destructor. */
	sys = dl_system(1, 0, &dl);
	struct gate g;
	block_worker(sys, &g);
	struct tally tb = {0};
	cadre_spawn_opts opts = {.mailbox_capacity = 1};
	CHECK_EQ(cadre_spawn(sys, &sink_beh, &opts, &tb, &r), 0);
	struct moved *first = new_moved(3);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, first, first->size, count_dtor), 0);
	struct moved *kept = new_moved(4);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, kept, kept->size, count_dtor), CADRE_EFULL);
	CHECK_EQ(cadre_send_move(sys, r, M_PROBE, kept, kept->size, count_dtor), CADRE_EFULL);
	CHECK_EQ(dtors(), d0 + 11);
	CHECK(matches(kept->bytes, 4)); /* still ours, untouched */
	check_counts(sys, 1, 0, 0, 2);

	/* ENOMEM: the caller keeps the payload; no destructor; nothing counted. */
	cadre__alloc_fail_after(0);
	int rc = cadre_send_move(sys, r, M_PROBE, kept, kept->size, count_dtor);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	CHECK_EQ(dtors(), d0 + 11);
	CHECK(matches(kept->bytes, 4));
	check_counts(sys, 1, 0, 0, 2);
	free(kept);

	unblock_worker(&g);
	CHECK(wait_at_least(&tb.started, 1, 10000));
	CHECK_EQ(ld(&g.timed_out), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	st = await_quiet(sys);
	/* the first one was handled or dead-lettered (the stop may pass it):
	 * destroyed once either way (a dead letter is counted just before its
	 * payload is destroyed: wait for the destructor, bounded) */
	CHECK_EQ(st.sent, 1);
	CHECK(wait_at_least(&dtor_calls, d0 + 12, 10000));
	CHECK_EQ(dtors(), d0 + 12);
	CHECK_EQ(ld(&dtor_bad_size), 0);
	cadre_system_free(sys);
	CHECK_EQ(dtors(), d0 + 12);
	dl_fini(&dl);
}

/* ---- allocation failure ------------------------------------------------------- */

static void
out_of_memory(void)
{
	/* cadre_system_new fails cleanly at each of its allocations in turn. */
	int failures = 0;
	for (long n = 0; n < 1000; n++) {
		cadre_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.workers = 2;
		cfg.no_pinning = true;
		cadre_system *sys = (cadre_system *)&cfg;
		cadre__alloc_fail_after(n);
		int rc = cadre_system_new(&sys, &cfg);
		cadre__alloc_fail_after(-1);
		if (rc == CADRE_ENOMEM) {
			CHECK(sys == NULL);
			failures++;
			continue;
		}
		CHECK_EQ(rc, 0);
		CHECK(sys != NULL);
		cadre_system_free(sys);
		break;
	}
	CHECK(failures >= 1);

	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 0, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK(wait_at_least(&t.started, 1, 10000));
	/* The system is idle now: the next allocation is ours. */
	cadre_ref r2 = CADRE_REF_NONE;
	struct tally t2 = {0};
	cadre__alloc_fail_after(0);
	int rc = cadre_spawn(sys, &sink_beh, NULL, &t2, &r2);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	check_counts(sys, 0, 0, 0, 1);
	unsigned char buf[200];
	fill(buf, sizeof buf);
	cadre__alloc_fail_after(0);
	rc = cadre_send(sys, r, M_DATA, buf, 8);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	cadre__alloc_fail_after(0);
	rc = cadre_send(sys, r, M_DATA, buf, sizeof buf);
	cadre__alloc_fail_after(-1);
	CHECK_EQ(rc, CADRE_ENOMEM);
	check_counts(sys, 0, 0, 0, 1);
	CHECK_EQ(ld(&dl.calls), 0);

	/* Everything still works. */
	fill(buf, 8);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, 8), 0);
	fill(buf, sizeof buf);
	CHECK_EQ(cadre_send(sys, r, M_DATA, buf, sizeof buf), 0);
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t2, &r2), 0);
	CHECK_EQ(cadre_send(sys, r2, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, r2, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(st.sent, 5);
	CHECK_EQ(st.handled, 5);
	CHECK_EQ(st.spawned, 2);
	CHECK_EQ(ld(&t.data), 2);
	CHECK_EQ(ld(&t.bytes_ok), 2);
	CHECK_EQ(ld(&t2.data), 1);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* ---- mailbox and error corners ------------------------------------------------ */

struct node {
	cadre_mb_node node;
	int id;
};

static void
mailbox_corners(void)
{
	cadre_mailbox *mb = NULL;
	CHECK_EQ(cadre_mailbox_new(&mb, 2), 0);
	struct node n[4];
	_Alignas(8) char raw[32];
	cadre_mb_node *misaligned = (cadre_mb_node *)(void *)(raw + 1);
	cadre_mb_node *out[4];
	CHECK_EQ(cadre_mailbox_pop_batch(mb, out, 0), 0);
	CHECK_EQ(cadre_mailbox_push(mb, misaligned, CADRE_LANE_SYSTEM), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push(mb, &n[0].node, (cadre_lane)-1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, misaligned, &n[0].node, 1), CADRE_EINVAL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &n[0].node, misaligned, 1), CADRE_EINVAL);
	/* a chain longer than the capacity can never be admitted */
	n[0].node.next = &n[1].node;
	n[1].node.next = &n[2].node;
	CHECK_EQ(cadre_mailbox_push_chain(mb, &n[0].node, &n[2].node, 3), CADRE_EFULL);
	CHECK_EQ(cadre_mailbox_push_chain(mb, &n[0].node, &n[2].node, UINT32_MAX), CADRE_EFULL);
	CHECK_EQ(cadre_mailbox_count(mb), 0);
	/* nothing was queued: still idle, the next push wakes it */
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_push(mb, &n[3].node, CADRE_LANE_NORMAL), 1);
	CHECK_EQ(cadre_mailbox_count(mb), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &n[3].node);
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	CHECK_EQ(cadre_mailbox_count(mb), 0);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	cadre_mailbox_free(mb);
	/* the largest capacity */
	CHECK_EQ(cadre_mailbox_new(&mb, UINT32_MAX), 0);
	CHECK_EQ(cadre_mailbox_capacity(mb), UINT32_MAX);
	CHECK_EQ(cadre_mailbox_push(mb, &n[0].node, CADRE_LANE_NORMAL), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &n[0].node);
	CHECK_EQ(cadre_mailbox_mark_idle(mb), 0);
	cadre_mailbox_free(mb);

	/* error names and messages at the ends of int */
	CHECK(strcmp(cadre_err_name(INT_MIN), "CADRE_UNKNOWN") == 0);
	CHECK(strcmp(cadre_err_name(INT_MAX), "CADRE_UNKNOWN") == 0);
	CHECK(strcmp(cadre_strerror(INT_MIN), "unknown error") == 0);
	CHECK(strcmp(cadre_strerror(INT_MAX), "unknown error") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_ESYS - 1), "CADRE_UNKNOWN") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_EWOULDBLOCK), "CADRE_EWOULDBLOCK") == 0);
	CHECK(strcmp(cadre_err_name(CADRE_ESTATE), "CADRE_ESTATE") == 0);
}

int
main(void)
{
	TEST_CASE(system_new_bad);
	TEST_CASE(stats_bad);
	TEST_CASE(spawn_bad);
	TEST_CASE(send_bad);
	TEST_CASE(stop_ref_bad);
	TEST_CASE(outside_callbacks);
	TEST_CASE(blocking_in_callback);
	TEST_CASE(after_shutdown);
	TEST_CASE(queued_at_shutdown);
	TEST_CASE(send_move_ownership);
	TEST_CASE(out_of_memory);
	TEST_CASE(mailbox_corners);
	fprintf(stderr, "test_bad_input: ok\n");
	return 0;
}
