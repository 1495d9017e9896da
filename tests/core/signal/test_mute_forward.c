/* Backpressure mutes only an actor whose run sent more than it handled
 * (core/src/runtime/loop.c, docs/architecture.md "Bounded mailboxes and
 * backpressure").
 *
 * forwarder: this thread sends 200,000 messages to F, which sends each on
 * to a slow sink S (one out for one in). S is overloaded for most of the
 * run, yet F is never muted: muting it would lower nothing in flight (its
 * mail would wait in its own mailbox) and stop it draining. Three such
 * floods: before the rule F was muted (1 to 3 times) in 4 floods of 5, and
 * the test failed in 6 runs of 6; and in Savina's bank
 * (accounts that pay each other, each forwarding one message per message)
 * muted accounts built a backlog of 100,000 to 370,000 messages on two
 * workers.
 *
 * F's mailbox is bounded below a batch, so that it is never overloaded
 * itself (an overloaded actor is never muted), and this thread (never
 * muted) keeps it supplied.
 *
 * multiplier: M feeds itself 2,000 messages, one at a time, and for each
 * sends 100 to S: 101 out for one in, and always mail of its own left at
 * the end of a run. M is muted (mutes > 0, each with its unmute).
 *
 * Both: every message arrives (exact counts, bounded wait). */
#include <sched.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"
#include "slow_sink.h"
#include "waits.h"

struct relay {
	cadre_actor base;
	cadre_ref to;
	int copies; /* sent to S per message handled */
	long left;  /* self-fed (M): messages still to send itself */
};

static cadre_ref sink_ref;
static long per_relay; /* messages through the relay */

static int
relay_start(cadre_actor *self, void *arg)
{
	struct relay *r = (struct relay *)self;
	r->to = sink_ref;
	r->copies = (int)(uintptr_t)arg;
	if (r->copies == 1)
		return 0; /* F: fed by the test thread */
	r->left = per_relay - 1;
	return cadre_send(cadre_actor_system(self), cadre_self(self), 1, NULL, 0);
}

static int
relay_receive(cadre_actor *self, const cadre_msg *m)
{
	struct relay *r = (struct relay *)self;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < r->copies; i++)
		CHECK_EQ(cadre_send(sys, r->to, m->type, NULL, 0), 0);
	if (r->copies > 1 && r->left > 0) {
		r->left--;
		return cadre_send(sys, cadre_self(self), 1, NULL, 0);
	}
	return 0;
}

static const cadre_behaviour relay = {
        .size = sizeof(struct relay), .start = relay_start, .receive = relay_receive};

/* n messages through a relay that sends `copies` to S for each: F (1),
 * fed by this thread, or M (more), fed by itself. Leaves the system's
 * counters in *st once all have arrived. */
static void
flood(int copies, long n, cadre_stats *st)
{
	per_relay = n;
	cadre_config cfg = {.workers = 2};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre__store_rlx_u64(&slow_sink_consumed, 0); /* relaxed: no actor runs yet */
	CHECK_EQ(cadre_spawn(sys, &slow_sink_beh, NULL, NULL, &sink_ref), 0);
	/* F's mailbox holds at most half a batch: its runs never use a whole
	 * one, so it is never overloaded itself, and this thread keeps it
	 * supplied. */
	cadre_spawn_opts opts = {.mailbox_capacity = 50, .overflow = CADRE_OVERFLOW_FAIL};
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &relay, &opts, (void *)(uintptr_t)copies, &r), 0);
	for (long i = 0; copies == 1 && i < n; i++) {
		int rc;
		while ((rc = cadre_send(sys, r, 1, NULL, 0)) == CADRE_EFULL)
			sched_yield();
		CHECK_EQ(rc, 0);
	}
	uint64_t want = (uint64_t)n * (uint64_t)copies, end = now_ns() + UINT64_C(120000000000);
	/* Relaxed: a counter polled; the counts checked below come from the
	 * system's stats after quiescence. */
	while (cadre__load_rlx_u64(&slow_sink_consumed) < want) {
		CHECK(now_ns() < end); /* no deadlock */
		nap_ms(1);
	}
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	CHECK_EQ(cadre_system_stats(sys, -1, st), 0);
	CHECK_EQ(st->handled, (uint64_t)n + want);
	CHECK_EQ(st->dead_letters, 0);
	CHECK_EQ(st->mutes, st->unmutes); /* every mute has its unmute */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(void)
{
	long n = test_size("CADRE_STRESS_MSGS", 200000);
	cadre_stats st;
	for (int round = 0; round < 3; round++) {
		flood(1, n, &st);
		fprintf(stderr, "forwarder: %llu mutes\n", (unsigned long long)st.mutes);
		CHECK_EQ(st.mutes, 0); /* a forwarder is never muted */
	}
	flood(100, n / 100, &st);
	fprintf(stderr, "multiplier: %llu mutes\n", (unsigned long long)st.mutes);
	CHECK(st.mutes > 0); /* one that multiplies is */
	fprintf(stderr, "test_mute_forward: ok\n");
	return 0;
}
