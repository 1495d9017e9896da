/* Regression: shutdown while senders are muted on a receiver that is dying.
 *
 * An overloaded receiver crashes while about 40 senders are muted on it,
 * and its stop callback takes a few ms; the test shuts the system down as
 * soon as that callback begins. Mutes that reach the receiver's mailbox
 * while it dies wait there until it is reclaimed, during the shutdown:
 * each one must still wake its sender, or that sender (muted, its mailbox
 * active) never runs its stop request and shutdown never returns (it did
 * not, in 3 of 5 runs, before the fix). Checked, every round: shutdown
 * returns (a hang detector, 20 s: not a timing assert); every actor's stop
 * callback ran exactly once; mutes == unmutes; sent == handled +
 * dead_letters exactly. */
#include <pthread.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"
#include "shut_bounded.h"

enum { SENDERS = 40, SLICE = 200, CRASH_AT = 3000, ROUNDS = 20, HANG_MS = 20000 };

static uint32_t dying;  /* the receiver's stop callback began */
static uint64_t stops;  /* stop callbacks run */
static uint64_t dead_h; /* dead letters seen by the hook */

static void
nap_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&t, &t) != 0) {
	}
}

static void
on_dead(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)ctx, (void)to, (void)m, (void)why;
	cadre__faa_rlx_u64(&dead_h, 1); /* relaxed: read after shutdown (joins order it) */
}

struct receiver {
	cadre_actor base;
	uint64_t acc;
	long n;
};

static int
receiver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct receiver *r = (struct receiver *)self;
	for (int i = 0; i < 200; i++) /* slow: it becomes overloaded */
		r->acc = r->acc * 6364136223846793005ull + m->type;
	return ++r->n == CRASH_AT ? 1 : 0; /* then it crashes */
}

static void
receiver_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self;
	CHECK(why->kind == CADRE_EXIT_FAILURE);
	cadre__faa_acqrel_u64(&stops, 1);
	cadre__store_rel_u32(&dying, 1); /* pairs with the test's acquire load */
	nap_ms(5);                       /* a slow stop: senders keep muting on us */
}

static const cadre_behaviour receiver = {
        .size = sizeof(struct receiver), .receive = receiver_receive, .stop = receiver_stop};

struct sender {
	cadre_actor base;
	cadre_ref to;
};

static int
sender_step(cadre_actor *self)
{
	struct sender *s = (struct sender *)self;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < SLICE; i++) {
		int rc = cadre_send(sys, s->to, 1, &i, sizeof i);
		CHECK(rc == 0 || rc == CADRE_ENOACTOR || rc == CADRE_ECLOSED);
	}
	int rc = cadre_send(sys, cadre_self(self), 2, NULL, 0); /* continue */
	CHECK(rc == 0 || rc == CADRE_ECLOSED);
	return 0;
}

static int
sender_start(cadre_actor *self, void *arg)
{
	((struct sender *)self)->to = *(const cadre_ref *)arg;
	return sender_step(self);
}

static int
sender_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	return sender_step(self);
}

static void
sender_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self;
	CHECK(why->kind == CADRE_EXIT_SHUTDOWN);
	cadre__faa_acqrel_u64(&stops, 1);
}

static const cadre_behaviour sender = {.size = sizeof(struct sender),
                                       .start = sender_start,
                                       .receive = sender_receive,
                                       .stop = sender_stop};

/* Shuts sys down on another thread; aborts if that does not return within
 * HANG_MS (a hang detector). */
static void
shutdown_bounded(cadre_system *sys, int round)
{
	struct shut s;
	shut_start(&s, sys);
	if (!shut_wait(&s, HANG_MS)) {
		cadre_stats st;
		CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
		fprintf(stderr,
		        "round %d: shutdown hung: alive %llu, mutes %llu, unmutes %llu, stops "
		        "%llu\n",
		        round, (unsigned long long)st.actors_alive, (unsigned long long)st.mutes,
		        (unsigned long long)st.unmutes,
		        (unsigned long long)cadre__load_acq_u64(&stops));
		CHECK(!"shutdown returned");
	}
	CHECK_EQ(s.rc, 0);
}

static uint64_t
one_round(int round)
{
	cadre__store_rel_u32(&dying, 0);
	cadre__store_rel_u64(&stops, 0);
	cadre__store_rel_u64(&dead_h, 0);
	cadre_config cfg = {.workers = 2, .dead_letter = on_dead};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref r, s;
	CHECK_EQ(cadre_spawn(sys, &receiver, NULL, NULL, &r), 0);
	for (int i = 0; i < SENDERS; i++)
		CHECK_EQ(cadre_spawn(sys, &sender, NULL, &r, &s), 0);
	for (int i = 0; i < HANG_MS && !cadre__load_acq_u32(&dying); i++)
		nap_ms(1);
	CHECK(cadre__load_acq_u32(&dying));
	shutdown_bounded(sys, round); /* while the receiver is still dying */

	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	fprintf(stderr, "round %d: mutes %llu unmutes %llu sent %llu handled %llu dead %llu\n",
	        round, (unsigned long long)st.mutes, (unsigned long long)st.unmutes,
	        (unsigned long long)st.sent, (unsigned long long)st.handled,
	        (unsigned long long)st.dead_letters);
	CHECK_EQ(st.mutes, st.unmutes);
	CHECK_EQ(st.spawned, SENDERS + 1);
	CHECK_EQ(st.stopped, SENDERS + 1);
	CHECK_EQ(cadre__load_acq_u64(&stops), SENDERS + 1); /* each stop callback once */
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.dead_letters, cadre__load_rlx_u64(&dead_h));
	cadre_system_free(sys);
	return st.mutes;
}

static void
mute_then_shutdown(void)
{
	long rounds = test_size("CADRE_MUTE_ROUNDS", ROUNDS);
	uint64_t mutes = 0;
	for (int i = 0; i < rounds; i++)
		mutes += one_round(i);
	CHECK(mutes > 0); /* the rounds did mute senders */
}

int
main(void)
{
	TEST_CASE(mute_then_shutdown);
	fprintf(stderr, "test_mute_shutdown: ok\n");
	return 0;
}
