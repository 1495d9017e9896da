/* Backpressure cannot deadlock (core/src/signal/mute.c): 2,000 tokens hop
 * 300 times each between 64 actors on two workers, to random targets, with
 * muting on, in 4 rounds; every token must arrive (a bounded wait of 60 s
 * a round) and every mute must have its unmute.
 *
 * Before the fix this hung about one round in five under ThreadSanitizer
 * (mutes = unmutes + 2, every worker parked): an actor that coped and was
 * then muted itself, on a third one, held a MUTE that had reached its
 * mailbox in between, unhandled, and a cycle of such actors waited for
 * ever. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"
#include "quiet.h"

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}
#define ACTORS 64
#define M_HOP 1u

static cadre_ref ring[ACTORS];
static uint64_t tokens_done;

struct hopper {
	cadre_actor base;
	uint64_t rng;
};

static int
hopper_start(cadre_actor *self, void *arg)
{
	((struct hopper *)self)->rng = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
	return 0;
}

static int
hopper_receive(cadre_actor *self, const cadre_msg *m)
{
	struct hopper *h = (struct hopper *)self;
	uint32_t left;
	CHECK_EQ(m->size, sizeof left);
	memcpy(&left, m->data, sizeof left);
	if (left == 0) {
		cadre__faa_acqrel_u64(&tokens_done, 1); /* read by main */
		return 0;
	}
	left--;
	h->rng = h->rng * 6364136223846793005ull + 1442695040888963407ull;
	cadre_ref to = ring[(h->rng >> 33) % ACTORS];
	CHECK_EQ(cadre_send(cadre_actor_system(self), to, M_HOP, &left, sizeof left), 0);
	return 0;
}

static const cadre_behaviour hopper_beh = {
        .size = sizeof(struct hopper), .start = hopper_start, .receive = hopper_receive};

static void
round_of_hops(void)
{
	const long tokens = test_size("CADRE_MUTE_TOKENS", 2000);
	const uint32_t hops = 300;
	cadre_system *sys;
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	for (int i = 0; i < ACTORS; i++)
		CHECK_EQ(cadre_spawn(sys, &hopper_beh, NULL, (void *)(uintptr_t)(i + 1), &ring[i]),
		         0);
	cadre__store_rel_u64(&tokens_done, 0); /* nothing runs a token yet */
	for (long i = 0; i < tokens; i++) {
		uint32_t left = hops;
		CHECK_EQ(cadre_send(sys, ring[i % ACTORS], M_HOP, &left, sizeof left), 0);
		if (i % 256 == 0)
			sleep_ms(1); /* outside sends spread over the run */
	}
	double end = now_s() + 60;
	while (cadre__load_acq_u64(&tokens_done) < (uint64_t)tokens) { /* pairs with hoppers */
		CHECK(now_s() < end);
		sleep_ms(1);
	}
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.handled, (uint64_t)tokens * (hops + 1));
	CHECK_EQ(st.sent, st.handled);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(st.mutes, st.unmutes); /* every mute has its unmute */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

int
main(void)
{
	for (int round = 0; round < 4; round++)
		round_of_hops();
	fprintf(stderr, "test_mute_cycle: ok\n");
	return 0;
}
