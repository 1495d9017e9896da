/* Bounded actor mailboxes (cadre_spawn_opts.mailbox_capacity): sends beyond
 * the capacity fail with CADRE_EFULL and are neither sent nor dead; a stop
 * request still gets through a full mailbox; capacity comes back as the
 * messages are handled.
 *
 * To fill a mailbox deterministically, the system has one worker and a
 * "blocker" actor holds it: its start callback spins (bounded) until main
 * releases it, so the receiver cannot run meanwhile. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "check.h"
#include "dead_letters.h"
#include "gate.h"
#include "quiet.h"

/* ---- helpers ------------------------------------------------------------- */

static void
check_counts(cadre_system *sys, uint64_t sent, uint64_t handled, uint64_t dead)
{
	cadre_stats st = stats_of(sys);
	CHECK_EQ(st.sent, sent);
	CHECK_EQ(st.handled, handled);
	CHECK_EQ(st.dead_letters, dead);
}

/* ---- actors -------------------------------------------------------------- */

enum { M_DATA = 1, M_STOP = 2 };

struct tally {
	long started;
	long data;
	long in_order; /* M_DATA whose int payload was the expected next one */
	long next;     /* the next expected payload (owner only) */
	long stopped;
	long exit_kind;
};

struct sink {
	cadre_actor base;
	struct tally *t;
};

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
	struct tally *t = ((struct sink *)self)->t;
	if (m->type == M_STOP)
		return cadre_stop(self);
	if (m->type != M_DATA || m->size != sizeof(int))
		return -1;
	if (*(const int *)m->data == t->next)
		__atomic_add_fetch(&t->in_order, 1, __ATOMIC_RELEASE);
	t->next++;
	__atomic_add_fetch(&t->data, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
sink_stop(cadre_actor *self, const cadre_exit *why)
{
	struct tally *t = ((struct sink *)self)->t;
	__atomic_store_n(&t->exit_kind, (long)why->kind, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->stopped, 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour sink_beh = {.size = sizeof(struct sink),
                                         .start = sink_start,
                                         .receive = sink_receive,
                                         .stop = sink_stop,
                                         .name = "sink"};

static void
send_ints(cadre_system *sys, cadre_ref to, int from, int n, int expect)
{
	for (int i = from; i < from + n; i++)
		CHECK_EQ(cadre_send(sys, to, M_DATA, &i, sizeof i), expect);
}

/* ---- tests --------------------------------------------------------------- */

/* Full at 8: the 9th and later sends are refused, not counted, not dead.
 * A stop request still gets in, and jumps ahead of the queued mail: all 8
 * become dead letters, in order, addressed to the receiver. */
static void
full_then_stop(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	struct gate g;
	block_worker(sys, &g);
	struct tally t = {0};
	cadre_spawn_opts opts = {.mailbox_capacity = 8};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, &opts, &t, &r), 0);
	send_ints(sys, r, 0, 8, 0);
	send_ints(sys, r, 8, 3, CADRE_EFULL);
	/* moved payloads are refused the same way, and stay the caller's */
	static int kept = 99;
	CHECK_EQ(cadre_send_move(sys, r, M_DATA, &kept, sizeof kept, NULL), CADRE_EFULL);
	check_counts(sys, 8, 0, 0);
	/* other actors are not affected by r being full */
	struct tally t2 = {0};
	cadre_ref r2;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t2, &r2), 0);
	send_ints(sys, r2, 0, 20, 0);
	check_counts(sys, 28, 0, 0);
	/* a system message is never refused, not even by a full mailbox */
	CHECK_EQ(cadre_stop_ref(sys, r), 0);
	CHECK_EQ(cadre_stop_ref(sys, r), 0); /* already stopping: still 0 */
	send_ints(sys, r, 11, 1, CADRE_EFULL);
	CHECK_EQ(cadre_send(sys, r2, M_STOP, NULL, 0), 0);
	unblock_worker(&g);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&g.timed_out), 0);
	/* r: started, then the stop request before any mail */
	CHECK_EQ(ld(&t.started), 1);
	CHECK_EQ(ld(&t.data), 0);
	CHECK_EQ(ld(&t.stopped), 1);
	CHECK_EQ(ld(&t.exit_kind), CADRE_EXIT_SHUTDOWN);
	/* r2 got everything */
	CHECK_EQ(ld(&t2.data), 20);
	CHECK_EQ(ld(&t2.in_order), 20);
	CHECK_EQ(st.sent, 29);
	CHECK_EQ(st.handled, 21);
	CHECK_EQ(st.dead_letters, 8);
	CHECK_EQ(st.spawned, 3);
	CHECK_EQ(dl_wait(&dl, 8), 8);
	pthread_mutex_lock(&dl.mu);
	CHECK_EQ(dl.calls, 8);
	CHECK_EQ(dl.enoactor, 8);
	CHECK_EQ(dl.efull, 0);
	CHECK_EQ(dl.eclosed + dl.other, 0); /* any reason but these two */
	CHECK(cadre_ref_is_equal(dl.to, r));
	for (int i = 0; i < 8; i++)
		CHECK_EQ(dl.seq[i], i);
	pthread_mutex_unlock(&dl.mu);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* Capacity comes back as messages are handled: fill, drain, fill again. */
static void
capacity_returns(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	struct tally t = {0};
	cadre_spawn_opts opts = {.mailbox_capacity = 8};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, &opts, &t, &r), 0);
	CHECK(wait_at_least(&t.started, 1, 10000));
	struct gate g;
	int next = 0;
	for (int round = 0; round < 4; round++) {
		block_worker(sys, &g);
		send_ints(sys, r, next, 8, 0);
		send_ints(sys, r, next + 8, 1, CADRE_EFULL);
		next += 8;
		unblock_worker(&g);
		CHECK(wait_at_least(&t.data, next, 10000));
		CHECK_EQ(ld(&g.timed_out), 0);
	}
	/* Drained: 8 more fit without any blocker, and nothing is dead. */
	CHECK(wait_at_least(&t.data, next, 10000));
	send_ints(sys, r, next, 8, 0);
	next += 8;
	CHECK(wait_at_least(&t.data, next, 10000));
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&t.data), 40);
	CHECK_EQ(ld(&t.in_order), 40);
	CHECK_EQ(ld(&t.exit_kind), CADRE_EXIT_NORMAL);
	CHECK_EQ(st.sent, 41);
	CHECK_EQ(st.handled, 41);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(st.spawned, 1 + 4);
	pthread_mutex_lock(&dl.mu);
	CHECK_EQ(dl.calls, 0);
	pthread_mutex_unlock(&dl.mu);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* A capacity of 1, and the stop done in a second phase: the mail queued
 * before the stop is handled, nothing is dead. */
static void
capacity_one(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	struct gate g;
	block_worker(sys, &g);
	struct tally t = {0};
	cadre_spawn_opts opts = {.mailbox_capacity = 1};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, &opts, &t, &r), 0);
	send_ints(sys, r, 0, 1, 0);
	send_ints(sys, r, 1, 5, CADRE_EFULL);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), CADRE_EFULL);
	check_counts(sys, 1, 0, 0);
	unblock_worker(&g);
	CHECK(wait_at_least(&t.data, 1, 10000));
	/* one at a time */
	for (int i = 1; i < 20; i++) {
		send_ints(sys, r, i, 1, 0);
		CHECK(wait_at_least(&t.data, i + 1, 10000));
	}
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&t.data), 20);
	CHECK_EQ(ld(&t.in_order), 20);
	CHECK_EQ(st.sent, 21);
	CHECK_EQ(st.handled, 21);
	CHECK_EQ(st.dead_letters, 0);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* Sends from inside a callback hit the bound the same way: an actor's start
 * sends 6 to an idle receiver of capacity 4; the receiver cannot run before
 * the start returns (one worker), so the last 2 are refused. */
struct flood {
	cadre_ref to;
	int rc[6];
	long done;
};

static int
flooder_start(cadre_actor *self, void *arg)
{
	struct flood *f = arg;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < 6; i++)
		f->rc[i] = cadre_send(sys, f->to, M_DATA, &i, sizeof i);
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return cadre_stop(self);
}

static const cadre_behaviour flooder_beh = {
        .size = sizeof(cadre_actor), .start = flooder_start, .receive = noop_receive};

static void
full_from_inside(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	struct tally t = {0};
	cadre_spawn_opts opts = {.mailbox_capacity = 4};
	struct flood f;
	memset(&f, 0, sizeof f);
	CHECK_EQ(cadre_spawn(sys, &sink_beh, &opts, &t, &f.to), 0);
	CHECK(wait_at_least(&t.started, 1, 10000));
	cadre_ref fl;
	CHECK_EQ(cadre_spawn(sys, &flooder_beh, NULL, &f, &fl), 0);
	CHECK(wait_at_least(&f.done, 1, 10000));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(f.rc[i], 0);
	CHECK_EQ(f.rc[4], CADRE_EFULL);
	CHECK_EQ(f.rc[5], CADRE_EFULL);
	CHECK(wait_at_least(&t.data, 4, 10000));
	CHECK_EQ(cadre_send(sys, f.to, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&t.data), 4);
	CHECK_EQ(ld(&t.in_order), 4);
	CHECK_EQ(st.sent, 5);
	CHECK_EQ(st.handled, 5);
	CHECK_EQ(st.dead_letters, 0);
	/* the flooder's sends were counted on the worker */
	cadre_stats w;
	CHECK_EQ(cadre_system_stats(sys, 0, &w), 0);
	CHECK_EQ(w.sent, 4);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* Under load, on several workers: every send is either accepted (and then
 * handled) or refused with EFULL (and then counted nowhere). */
static void
bounded_under_load(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 0, &dl);
	struct tally t = {0};
	cadre_spawn_opts opts = {.mailbox_capacity = 16};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, &opts, &t, &r), 0);
	const long n = test_size("CADRE_BOUNDED_SENDS", 200000);
	long accepted = 0, refused = 0;
	int next = 0;
	for (long i = 0; i < n; i++) {
		int rc = cadre_send(sys, r, M_DATA, &next, sizeof next);
		if (rc == 0) {
			accepted++;
			next++;
		} else {
			CHECK_EQ(rc, CADRE_EFULL);
			refused++;
		}
	}
	CHECK_EQ(accepted + refused, n);
	CHECK(accepted >= 16);
	/* the stop message itself may have to wait for room (bounded) */
	long t0 = now_ms();
	int rc;
	while ((rc = cadre_send(sys, r, M_STOP, NULL, 0)) == CADRE_EFULL) {
		CHECK(now_ms() - t0 < 10000);
		nap_us(100);
	}
	CHECK_EQ(rc, 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&t.data), accepted);
	CHECK_EQ(ld(&t.in_order), accepted);
	CHECK_EQ(st.sent, (uint64_t)accepted + 1);
	CHECK_EQ(st.handled, (uint64_t)accepted + 1);
	CHECK_EQ(st.dead_letters, 0);
	pthread_mutex_lock(&dl.mu);
	CHECK_EQ(dl.calls, 0);
	pthread_mutex_unlock(&dl.mu);
	fprintf(stderr, "   %ld accepted, %ld refused\n", accepted, refused);
	cadre_system_free(sys);
	dl_fini(&dl);
}

int
main(void)
{
	TEST_CASE(full_then_stop);
	TEST_CASE(capacity_returns);
	TEST_CASE(capacity_one);
	TEST_CASE(full_from_inside);
	TEST_CASE(bounded_under_load);
	fprintf(stderr, "test_bounded: ok\n");
	return 0;
}
