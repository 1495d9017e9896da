/* Refs: stale refs (to stopped actors), forged refs, refs of another system
 * and reused slots are all refused with CADRE_ENOACTOR, never reach another
 * actor, and every refused send is a dead letter: counted, and handed to the
 * dead-letter hook with the right ref and the message's type and bytes.
 * After each quiet point the counters are exact and sent == handled +
 * dead_letters. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "check.h"
#include "dead_letters.h"
#include "gate.h"
#include "quiet.h"

/* ---- helpers ----------------------------------------------------------- */

static void
check_stats(cadre_stats st, uint64_t sent, uint64_t handled, uint64_t dead, uint64_t spawned)
{
	CHECK_EQ(st.sent, sent);
	CHECK_EQ(st.handled, handled);
	CHECK_EQ(st.dead_letters, dead);
	CHECK_EQ(st.spawned, spawned);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
}

/* ---- a sink: counts what it gets -------------------------------------- */

enum { M_DATA = 1, M_STOP = 2, M_OLD = 3, M_SPAWN = 4 };

struct tally {
	long started;
	long data;  /* M_DATA received */
	long old;   /* M_OLD received: must stay 0 */
	long other; /* anything else but M_STOP */
	long stops; /* M_STOP received */
	long stopped;
	int exit_kind;
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
	struct sink *s = (struct sink *)self;
	switch (m->type) {
	case M_DATA:
		__atomic_add_fetch(&s->t->data, 1, __ATOMIC_RELEASE);
		return 0;
	case M_OLD:
		__atomic_add_fetch(&s->t->old, 1, __ATOMIC_RELEASE);
		return 0;
	case M_STOP:
		__atomic_add_fetch(&s->t->stops, 1, __ATOMIC_RELEASE);
		return cadre_stop(self);
	default:
		__atomic_add_fetch(&s->t->other, 1, __ATOMIC_RELEASE);
		return 0;
	}
}

static void
sink_stop(cadre_actor *self, const cadre_exit *why)
{
	struct sink *s = (struct sink *)self;
	__atomic_store_n(&s->t->exit_kind, (int)why->kind, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->t->stopped, 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour sink_beh = {.size = sizeof(struct sink),
                                         .start = sink_start,
                                         .receive = sink_receive,
                                         .stop = sink_stop,
                                         .name = "sink"};

static int
ldi(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* ---- payload moved into a message -------------------------------------- */

static long dtor_calls;

static void
count_dtor(void *data, size_t size)
{
	(void)size;
	__atomic_add_fetch(&dtor_calls, 1, __ATOMIC_RELAXED);
	free(data);
}

/* ---- tests --------------------------------------------------------------- */

/* A ref to an actor that has stopped: sends are ENOACTOR dead letters, with
 * the hook seeing the exact message; stop_ref is ENOACTOR. */
static void
stale_ref(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 0, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK(!cadre_ref_is_none(r));
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre_send(sys, r, M_DATA, &i, sizeof i), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	check_stats(st, 4, 4, 0, 1);
	CHECK_EQ(ld(&t.data), 3);
	CHECK_EQ(ld(&t.stops), 1);
	CHECK_EQ(ld(&t.stopped), 1);
	CHECK_EQ(ldi(&t.exit_kind), CADRE_EXIT_NORMAL);
	CHECK_EQ(dl_calls(&dl), 0);

	/* A small payload: the hook runs on this thread, before send returns. */
	const char small[] = "stale!";
	CHECK_EQ(cadre_send(sys, r, 77, small, sizeof small), CADRE_ENOACTOR);
	CHECK_EQ(dl.calls, 1);
	CHECK_EQ(dl.why, CADRE_ENOACTOR);
	CHECK(cadre_ref_is_equal(dl.to, r));
	CHECK_EQ(dl.type, 77);
	CHECK_EQ(dl.size, sizeof small);
	CHECK(memcmp(dl.bytes, small, sizeof small) == 0);

	/* A payload larger than the inline size. */
	unsigned char big[200];
	for (int i = 0; i < (int)sizeof big; i++)
		big[i] = (unsigned char)(i * 7 + 3);
	CHECK_EQ(cadre_send(sys, r, 78, big, sizeof big), CADRE_ENOACTOR);
	CHECK_EQ(dl.calls, 2);
	CHECK_EQ(dl.why, CADRE_ENOACTOR);
	CHECK(cadre_ref_is_equal(dl.to, r));
	CHECK_EQ(dl.type, 78);
	CHECK_EQ(dl.size, sizeof big);
	CHECK(memcmp(dl.bytes, big, sizeof big) == 0);

	/* No payload. */
	CHECK_EQ(cadre_send(sys, r, 79, NULL, 0), CADRE_ENOACTOR);
	CHECK_EQ(dl.calls, 3);
	CHECK_EQ(dl.type, 79);
	CHECK_EQ(dl.size, 0);
	CHECK(dl.data_null);

	/* A moved payload: dead-lettered, its destructor called once, before
	 * send_move returns; the hook sees its bytes. */
	long d0 = __atomic_load_n(&dtor_calls, __ATOMIC_RELAXED);
	char *moved = malloc(16);
	CHECK(moved != NULL);
	memcpy(moved, "moved payload!!", 16);
	CHECK_EQ(cadre_send_move(sys, r, 80, moved, 16, count_dtor), CADRE_ENOACTOR);
	CHECK_EQ(__atomic_load_n(&dtor_calls, __ATOMIC_RELAXED), d0 + 1);
	CHECK_EQ(dl.calls, 4);
	CHECK_EQ(dl.why, CADRE_ENOACTOR);
	CHECK(cadre_ref_is_equal(dl.to, r));
	CHECK_EQ(dl.type, 80);
	CHECK_EQ(dl.size, 16);
	CHECK(memcmp(dl.bytes, "moved payload!!", 16) == 0);

	/* stop_ref: refused, and not a message (nothing counted). */
	CHECK_EQ(cadre_stop_ref(sys, r), CADRE_ENOACTOR);
	CHECK_EQ(dl.calls, 4);

	st = await_quiet(sys);
	check_stats(st, 8, 4, 4, 1);
	CHECK_EQ(dl.enoactor, 4);
	CHECK_EQ(dl.calls, dl.enoactor); /* no other reason */
	/* the sink got nothing more */
	CHECK_EQ(ld(&t.data), 3);
	CHECK_EQ(ld(&t.other), 0);

	cadre_system_free(sys);
	dl_fini(&dl);
}

/* Messages queued behind a stop: dead letters addressed to the stopped
 * actor, delivered to the hook in order, counted exactly. One worker, held
 * by a blocker, so that all of them are queued before the actor runs. */
static void
queued_behind_stop(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	struct gate g;
	block_worker(sys, &g);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	int one = 1;
	CHECK_EQ(cadre_send(sys, r, M_DATA, &one, sizeof one), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(cadre_send(sys, r, 100 + (uint32_t)i, &i, sizeof i), 0);
	unblock_worker(&g);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&g.timed_out), 0);
	check_stats(st, 7, 2, 5, 2);
	CHECK_EQ(ld(&t.data), 1);
	CHECK_EQ(ld(&t.stops), 1);
	CHECK_EQ(ld(&t.other), 0);
	CHECK_EQ(dl_wait(&dl, 5), 5);
	pthread_mutex_lock(&dl.mu);
	CHECK_EQ(dl.enoactor, 5);
	CHECK(cadre_ref_is_equal(dl.to, r));
	CHECK_EQ(dl.type, 104); /* FIFO: the last one queued came last */
	CHECK_EQ(dl.size, sizeof(int));
	int four = 4;
	CHECK(memcmp(dl.bytes, &four, sizeof four) == 0);
	pthread_mutex_unlock(&dl.mu);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* The same on several workers, many times, without a blocker: each message
 * sent after the stop message is either refused at once (ENOACTOR) or queued
 * in the dying mailbox and dead-lettered later; either way it is counted
 * exactly once and reaches the hook. */
static void
queued_behind_stop_racing(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 0, &dl);
	const int rounds = (int)test_size("CADRE_REFS_ROUNDS", 200);
	const int after = 20;
	long refused = 0;
	for (int k = 0; k < rounds; k++) {
		struct tally t = {0};
		cadre_ref r;
		CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
		CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
		for (int i = 0; i < after; i++) {
			int rc = cadre_send(sys, r, M_DATA, &i, sizeof i);
			CHECK(rc == 0 || rc == CADRE_ENOACTOR);
			refused += rc == CADRE_ENOACTOR;
		}
		cadre_stats st = await_quiet(sys);
		CHECK_EQ(ld(&t.data), 0);
		CHECK_EQ(ld(&t.stops), 1);
		check_stats(st, (uint64_t)(k + 1) * (after + 1), (uint64_t)(k + 1),
		            (uint64_t)(k + 1) * after, (uint64_t)(k + 1));
		CHECK_EQ(dl_wait(&dl, (long)(k + 1) * after), (long)(k + 1) * after);
	}
	pthread_mutex_lock(&dl.mu);
	CHECK_EQ(dl.enoactor, (long)rounds * after);
	CHECK_EQ(dl.calls, dl.enoactor); /* no other reason */
	pthread_mutex_unlock(&dl.mu);
	fprintf(stderr, "   %ld of %d sends refused at once, the rest dead-lettered later\n",
	        refused, rounds * after);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* Forged refs: index 0, huge indexes, the right index with a wrong gen,
 * never-used indexes, CADRE_REF_NONE, a wrong or zero system id, garbage.
 * All refused; none reaches the one live actor. */
static void
forged_refs(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(2, 0, &dl);
	struct tally t = {0};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &t, &r), 0);
	CHECK(wait_at_least(&t.started, 1, 10000));

	cadre_ref forged[64];
	int n = 0;
	forged[n++] = CADRE_REF_NONE;
	forged[n++] = (cadre_ref){r.sys, 0, r.gen, 0};
	forged[n++] = (cadre_ref){r.sys, 0, 0, 0};
	forged[n++] = (cadre_ref){r.sys, UINT32_MAX, r.gen, 0};
	forged[n++] = (cadre_ref){r.sys, UINT32_MAX - 1, 1, 0};
	forged[n++] = (cadre_ref){r.sys, 0x7fffffffu, r.gen, 0};
	forged[n++] = (cadre_ref){r.sys, 1u << 24, r.gen, 0};
	forged[n++] = (cadre_ref){r.sys, (1u << 24) - 1, r.gen, 0};
	forged[n++] = (cadre_ref){r.sys, 4096, 1, 0};
	forged[n++] = (cadre_ref){r.sys, r.index + 1, r.gen, 0}; /* never used */
	forged[n++] = (cadre_ref){r.sys, r.index + 100, 1, 0};
	forged[n++] = (cadre_ref){r.sys, r.index, r.gen + 1, 0};
	forged[n++] = (cadre_ref){r.sys, r.index, r.gen - 1, 0};
	forged[n++] = (cadre_ref){r.sys, r.index, 0, 0};
	forged[n++] = (cadre_ref){r.sys, r.index, UINT32_MAX, 0};
	forged[n++] = (cadre_ref){0, r.index, r.gen, 0};
	forged[n++] = (cadre_ref){r.sys + 1000, r.index, r.gen, 0};
	forged[n++] = (cadre_ref){UINT32_MAX, r.index, r.gen, 0};
	/* Garbage: a fixed-seed xorshift; half of them with the right system. */
	uint64_t x = 0x9E3779B97F4A7C15ull;
	while (n < 64) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		cadre_ref g = {(uint32_t)(x >> 32), (uint32_t)x, (uint32_t)(x >> 16), 0};
		if (n % 2 == 0)
			g.sys = r.sys;
		if (n % 4 == 0)
			g.index = r.index; /* right slot, random gen */
		if (cadre_ref_is_equal(g, r))
			continue;
		forged[n++] = g;
	}
	for (int i = 0; i < n; i++) {
		CHECK(!cadre_ref_is_equal(forged[i], r));
		CHECK_EQ(cadre_send(sys, forged[i], M_OLD, &i, sizeof i), CADRE_ENOACTOR);
		CHECK_EQ(dl.calls, 2 * i + 1);
		CHECK_EQ(dl.why, CADRE_ENOACTOR);
		CHECK(cadre_ref_is_equal(dl.to, forged[i]));
		CHECK_EQ(dl.type, M_OLD);
		CHECK(memcmp(dl.bytes, &i, sizeof i) == 0);
		CHECK_EQ(cadre_stop_ref(sys, forged[i]), CADRE_ENOACTOR);
		char *p = malloc(8);
		CHECK(p != NULL);
		memset(p, i, 8);
		long d0 = __atomic_load_n(&dtor_calls, __ATOMIC_RELAXED);
		CHECK_EQ(cadre_send_move(sys, forged[i], M_OLD, p, 8, count_dtor), CADRE_ENOACTOR);
		CHECK_EQ(__atomic_load_n(&dtor_calls, __ATOMIC_RELAXED), d0 + 1);
		CHECK_EQ(dl.calls, 2 * i + 2);
		CHECK(cadre_ref_is_equal(dl.to, forged[i]));
	}
	/* The live actor is untouched, and still works. */
	CHECK_EQ(ld(&t.old), 0);
	CHECK_EQ(ld(&t.other), 0);
	CHECK_EQ(ld(&t.stopped), 0);
	int v = 5;
	CHECK_EQ(cadre_send(sys, r, M_DATA, &v, sizeof v), 0);
	CHECK_EQ(cadre_send(sys, r, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	/* each forged ref: one copied and one moved dead letter */
	check_stats(st, (uint64_t)(2 * n + 2), 2, (uint64_t)(2 * n), 1);
	CHECK_EQ(ld(&t.data), 1);
	CHECK_EQ(ld(&t.old), 0);
	CHECK_EQ(ld(&t.stopped), 1);
	pthread_mutex_lock(&dl.mu);
	CHECK_EQ(dl.enoactor, 2 * n);
	CHECK_EQ(dl.calls, dl.enoactor); /* no other reason */
	pthread_mutex_unlock(&dl.mu);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* A ref of another system, even one whose index and gen name a live actor
 * here, is refused, in both directions. */
static void
foreign_refs(void)
{
	struct dl_log dla, dlb;
	dl_init(&dla);
	dl_init(&dlb);
	cadre_system *a = dl_system(1, 0, &dla);
	cadre_system *b = dl_system(2, 0, &dlb);
	struct tally ta = {0}, tb = {0};
	cadre_ref ra, rb;
	CHECK_EQ(cadre_spawn(a, &sink_beh, NULL, &ta, &ra), 0);
	CHECK_EQ(cadre_spawn(b, &sink_beh, NULL, &tb, &rb), 0);
	CHECK(ra.sys != rb.sys);
	/* Both systems' first actor: the same slot and generation. */
	CHECK_EQ(ra.index, rb.index);
	CHECK_EQ(ra.gen, rb.gen);
	CHECK(!cadre_ref_is_equal(ra, rb));

	for (int i = 0; i < 10; i++) {
		CHECK_EQ(cadre_send(a, rb, M_OLD, &i, sizeof i), CADRE_ENOACTOR);
		CHECK(cadre_ref_is_equal(dla.to, rb));
		CHECK_EQ(cadre_send(b, ra, M_OLD, &i, sizeof i), CADRE_ENOACTOR);
		CHECK(cadre_ref_is_equal(dlb.to, ra));
	}
	CHECK_EQ(cadre_stop_ref(a, rb), CADRE_ENOACTOR);
	CHECK_EQ(cadre_stop_ref(b, ra), CADRE_ENOACTOR);
	/* The same-shaped ref with this system's id does reach this system's actor. */
	cadre_ref rb_in_a = {ra.sys, rb.index, rb.gen, 0};
	CHECK(cadre_ref_is_equal(rb_in_a, ra));
	CHECK_EQ(cadre_send(a, ra, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_send(b, rb, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_stop_ref(a, ra), 0);
	CHECK_EQ(cadre_stop_ref(b, rb), 0);
	cadre_stats sa = await_quiet(a);
	cadre_stats sb = await_quiet(b);
	CHECK_EQ(ld(&ta.old), 0);
	CHECK_EQ(ld(&tb.old), 0);
	CHECK_EQ(ldi(&ta.exit_kind), CADRE_EXIT_SHUTDOWN);
	CHECK_EQ(ldi(&tb.exit_kind), CADRE_EXIT_SHUTDOWN);
	/* The M_DATA may or may not be handled before the stop request (which
	 * jumps ahead): either way it is counted once. */
	CHECK_EQ(sa.sent, 11);
	CHECK_EQ(sa.handled + sa.dead_letters, 11);
	CHECK_EQ(sa.handled, (uint64_t)ld(&ta.data));
	CHECK_EQ(sb.sent, 11);
	CHECK_EQ(sb.handled, (uint64_t)ld(&tb.data));
	CHECK_EQ(dl_wait(&dla, 10 + 1 - (long)sa.handled), 10 + 1 - (long)sa.handled);
	CHECK_EQ(dl_wait(&dlb, 10 + 1 - (long)sb.handled), 10 + 1 - (long)sb.handled);
	cadre_system_free(a);
	cadre_system_free(b);
	dl_fini(&dla);
	dl_fini(&dlb);
}

/* ---- slot reuse ----------------------------------------------------------- */

#define CHILDREN 64

struct job {
	long done;
	int spawn_errors;
	cadre_ref refs[CHILDREN];
	struct tally tallies[CHILDREN];
};

struct spawner {
	cadre_actor base;
	struct job *job;
};

static int
spawner_start(cadre_actor *self, void *arg)
{
	struct job *j = arg;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < CHILDREN; i++)
		if (cadre_spawn(sys, &sink_beh, NULL, &j->tallies[i], &j->refs[i]) != 0)
			j->spawn_errors++;
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return cadre_stop(self);
}

static const cadre_behaviour spawner_beh = {
        .size = sizeof(struct spawner), .start = spawner_start, .receive = noop_receive};

/* A stopped actor's slot is reused by a later spawn with a new generation;
 * the old ref does not reach the new actor. One worker, so that the freed
 * slot is in the cache of the worker the children are spawned on. */
static void
slot_reuse(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	struct tally tv = {0};
	cadre_ref old;
	CHECK_EQ(cadre_spawn(sys, &sink_beh, NULL, &tv, &old), 0);
	CHECK_EQ(cadre_send(sys, old, M_DATA, NULL, 0), 0);
	CHECK_EQ(cadre_stop_ref(sys, old), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&tv.stopped), 1);
	CHECK_EQ(st.sent, 1); /* the M_DATA: handled or dead (stop jumps ahead) */
	uint64_t base_handled = st.handled, base_dead = st.dead_letters;

	static struct job job; /* static: large, and outlives the actors */
	memset(&job, 0, sizeof job);
	cadre_ref sp;
	CHECK_EQ(cadre_spawn(sys, &spawner_beh, NULL, &job, &sp), 0);
	CHECK(wait_at_least(&job.done, 1, 10000));
	CHECK_EQ(job.spawn_errors, 0);
	int reused = -1;
	for (int i = 0; i < CHILDREN; i++) {
		CHECK(!cadre_ref_is_equal(job.refs[i], old));
		CHECK_EQ(job.refs[i].sys, old.sys);
		if (job.refs[i].index == old.index) {
			CHECK(job.refs[i].gen != old.gen);
			reused = i;
		}
		for (int k = 0; k < i; k++)
			CHECK(job.refs[k].index != job.refs[i].index);
	}
	CHECK(reused >= 0); /* the slot came back */

	/* Old-ref sends: dead letters, never seen by the new actor. */
	const int nold = 10;
	for (int i = 0; i < nold; i++) {
		CHECK_EQ(cadre_send(sys, old, M_OLD, &i, sizeof i), CADRE_ENOACTOR);
		CHECK_EQ(dl.why, CADRE_ENOACTOR);
		CHECK(cadre_ref_is_equal(dl.to, old));
	}
	CHECK_EQ(cadre_stop_ref(sys, old), CADRE_ENOACTOR);
	/* Each child gets one message through its own ref, then a stop. */
	for (int i = 0; i < CHILDREN; i++) {
		CHECK_EQ(cadre_send(sys, job.refs[i], M_DATA, &i, sizeof i), 0);
		CHECK_EQ(cadre_send(sys, job.refs[i], M_STOP, NULL, 0), 0);
	}
	st = await_quiet(sys);
	for (int i = 0; i < CHILDREN; i++) {
		CHECK_EQ(ld(&job.tallies[i].started), 1);
		CHECK_EQ(ld(&job.tallies[i].data), 1);
		CHECK_EQ(ld(&job.tallies[i].old), 0);
		CHECK_EQ(ld(&job.tallies[i].other), 0);
		CHECK_EQ(ld(&job.tallies[i].stopped), 1);
	}
	CHECK_EQ(ld(&job.tallies[reused].old), 0);
	check_stats(st, 1 + (uint64_t)nold + 2 * CHILDREN, base_handled + 2 * CHILDREN,
	            base_dead + (uint64_t)nold, 2 + CHILDREN);
	/* after the children stopped, the old ref and the children's refs are
	 * all stale */
	CHECK_EQ(cadre_send(sys, old, M_OLD, NULL, 0), CADRE_ENOACTOR);
	for (int i = 0; i < CHILDREN; i++)
		CHECK_EQ(cadre_send(sys, job.refs[i], M_OLD, NULL, 0), CADRE_ENOACTOR);
	st = await_quiet(sys);
	CHECK_EQ(st.dead_letters, base_dead + (uint64_t)nold + 1 + CHILDREN);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* One slot recycled many times: each life gets a new generation, and every
 * earlier ref stays refused. A long-lived spawner actor spawns one child per
 * request, on the system's only worker, right after the previous child
 * stopped there. */
struct cycler {
	cadre_actor base;
	struct cycle_state *cs;
};

struct cycle_state {
	long spawned; /* children spawned so far */
	int errors;
	struct tally tally; /* shared by all children; one lives at a time */
	cadre_ref last;
};

static int
cycler_start(cadre_actor *self, void *arg)
{
	((struct cycler *)self)->cs = arg;
	return 0;
}

static int
cycler_receive(cadre_actor *self, const cadre_msg *m)
{
	struct cycle_state *cs = ((struct cycler *)self)->cs;
	if (m->type == M_STOP)
		return cadre_stop(self);
	if (m->type != M_SPAWN)
		return -1;
	if (cadre_spawn(cadre_actor_system(self), &sink_beh, NULL, &cs->tally, &cs->last) != 0)
		cs->errors++;
	__atomic_add_fetch(&cs->spawned, 1, __ATOMIC_RELEASE);
	return 0;
}

static const cadre_behaviour cycler_beh = {
        .size = sizeof(struct cycler), .start = cycler_start, .receive = cycler_receive};

static void
generations(void)
{
	struct dl_log dl;
	dl_init(&dl);
	cadre_system *sys = dl_system(1, 0, &dl);
	static struct cycle_state cs;
	memset(&cs, 0, sizeof cs);
	cadre_ref cy;
	CHECK_EQ(cadre_spawn(sys, &cycler_beh, NULL, &cs, &cy), 0);
	enum { LIVES = 32 };
	cadre_ref seen[LIVES];
	int reuses = 0;
	for (int k = 0; k < LIVES; k++) {
		CHECK_EQ(cadre_send(sys, cy, M_SPAWN, NULL, 0), 0);
		CHECK(wait_at_least(&cs.spawned, k + 1, 10000));
		CHECK_EQ(cs.errors, 0);
		seen[k] = cs.last;
		for (int j = 0; j < k; j++) {
			CHECK(!cadre_ref_is_equal(seen[j], seen[k]));
			if (seen[j].index == seen[k].index)
				CHECK(seen[j].gen != seen[k].gen);
			/* every earlier life is refused */
			CHECK_EQ(cadre_send(sys, seen[j], M_OLD, NULL, 0), CADRE_ENOACTOR);
			CHECK_EQ(cadre_stop_ref(sys, seen[j]), CADRE_ENOACTOR);
		}
		if (k > 0 && seen[k].index == seen[k - 1].index)
			reuses++;
		CHECK_EQ(cadre_send(sys, seen[k], M_DATA, NULL, 0), 0);
		CHECK_EQ(cadre_send(sys, seen[k], M_STOP, NULL, 0), 0);
		CHECK(wait_at_least(&cs.tally.stopped, k + 1, 10000));
	}
	CHECK(reuses > 0);
	CHECK_EQ(cadre_send(sys, cy, M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	CHECK_EQ(ld(&cs.tally.data), LIVES);
	CHECK_EQ(ld(&cs.tally.old), 0);
	CHECK_EQ(ld(&cs.tally.stops), LIVES);
	uint64_t olds = (uint64_t)LIVES * (LIVES - 1) / 2;
	check_stats(st, LIVES + 1 + 2 * LIVES + olds, LIVES + 1 + 2 * LIVES, olds, 1 + LIVES);
	pthread_mutex_lock(&dl.mu);
	CHECK_EQ(dl.enoactor, (long)olds);
	pthread_mutex_unlock(&dl.mu);
	fprintf(stderr, "   %d of %d lives reused the previous slot\n", reuses, LIVES - 1);
	cadre_system_free(sys);
	dl_fini(&dl);
}

/* Slots recycled in bulk across workers: a wave of WAVE actors, all alive
 * at once (more than two workers' caches of free indexes hold), spawned by
 * an actor; they stop; a second wave spawned by another actor reuses most
 * of their slots, which went through the system's magazines, each with a
 * new generation. Every first-wave ref is then refused. */
enum { WAVE = 12000 };

struct wave {
	cadre_ref refs[WAVE];
	int errors;
	long done;
};

static int
waiter_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	return cadre_stop(self); /* any message stops it */
}

static const cadre_behaviour waiter_beh = {.size = sizeof(cadre_actor), .receive = waiter_receive};

static int
waver_start(cadre_actor *self, void *arg)
{
	struct wave *wv = arg;
	for (int i = 0; i < WAVE; i++)
		if (cadre_spawn(cadre_actor_system(self), &waiter_beh, NULL, NULL, &wv->refs[i]) !=
		    0)
			wv->errors++;
	__atomic_store_n(&wv->done, 1, __ATOMIC_RELEASE);
	return cadre_stop(self);
}

static const cadre_behaviour waver_beh = {
        .size = sizeof(cadre_actor), .start = waver_start, .receive = waiter_receive};

static void
run_wave(cadre_system *sys, struct wave *wv)
{
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &waver_beh, NULL, wv, &r), 0);
	CHECK(wait_at_least(&wv->done, 1, 30000));
	CHECK_EQ(wv->errors, 0);
}

static int
by_index(const void *a, const void *b)
{
	const cadre_ref *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void
slot_waves(void)
{
	cadre_system *sys = dl_system(2, 0, NULL);
	static struct wave w1, w2;
	static cadre_ref sorted[WAVE];
	memset(&w1, 0, sizeof w1);
	memset(&w2, 0, sizeof w2);
	run_wave(sys, &w1);
	for (int i = 0; i < WAVE; i++)
		CHECK_EQ(cadre_send(sys, w1.refs[i], M_STOP, NULL, 0), 0);
	cadre_stats st = await_quiet(sys);
	check_stats(st, WAVE, WAVE, 0, WAVE + 1);

	run_wave(sys, &w2);
	/* live refs name distinct slots */
	memcpy(sorted, w2.refs, sizeof sorted);
	qsort(sorted, WAVE, sizeof sorted[0], by_index);
	for (int i = 1; i < WAVE; i++)
		CHECK(sorted[i].index != sorted[i - 1].index);
	/* most slots came back, each with a new generation */
	memcpy(sorted, w1.refs, sizeof sorted);
	qsort(sorted, WAVE, sizeof sorted[0], by_index);
	int reused = 0;
	for (int i = 0; i < WAVE; i++) {
		cadre_ref *o = bsearch(&w2.refs[i], sorted, WAVE, sizeof sorted[0], by_index);
		if (o != NULL) {
			CHECK(o->gen != w2.refs[i].gen);
			reused++;
		}
	}
	fprintf(stderr, "   %d of %d slots reused by the second wave\n", reused, WAVE);
	/* at most one worker's cache (4096) and a fresh batch stay out of the
	 * magazines */
	CHECK(reused >= WAVE - 4096 - 64);
	for (int i = 0; i < WAVE; i++)
		CHECK_EQ(cadre_send(sys, w1.refs[i], M_OLD, NULL, 0), CADRE_ENOACTOR);
	for (int i = 0; i < WAVE; i++)
		CHECK_EQ(cadre_send(sys, w2.refs[i], M_STOP, NULL, 0), 0);
	st = await_quiet(sys);
	check_stats(st, 3 * (uint64_t)WAVE, 2 * (uint64_t)WAVE, WAVE, 2 * (uint64_t)WAVE + 2);
	cadre_system_free(sys);
}

int
main(void)
{
	TEST_CASE(stale_ref);
	TEST_CASE(queued_behind_stop);
	TEST_CASE(queued_behind_stop_racing);
	TEST_CASE(forged_refs);
	TEST_CASE(foreign_refs);
	TEST_CASE(slot_reuse);
	TEST_CASE(generations);
	TEST_CASE(slot_waves);
	fprintf(stderr, "test_refs: ok\n");
	return 0;
}
