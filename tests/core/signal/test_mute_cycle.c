/* Backpressure cannot deadlock (core/src/signal/mute.c): 2,000 tokens hop
 * 300 times each between 64 actors on two workers, to random targets, with
 * muting on, in 4 rounds; every token must arrive (a bounded wait of 60 s
 * a round) and every mute must have its unmute. Each hop also sends chaff
 * to a random actor (hops.h): backpressure mutes only actors that send
 * more than they handle, and without it no hopper would ever be muted.
 *
 * Before the fix this hung about one round in five under ThreadSanitizer
 * (mutes = unmutes + 2, every worker parked): an actor that coped and was
 * then muted itself, on a third one, held a MUTE that had reached its
 * mailbox in between, unhandled, and a cycle of such actors waited for
 * ever. */
#include <cadre.h>

#include "check.h"
#include "hops.h"

static void
round_of_hops(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_stats st;
	hops_chaff = true; /* hoppers then send more than they handle: mutable */
	hops_run(sys, test_size("CADRE_MUTE_TOKENS", 2000), 300, &st);
	fprintf(stderr, "round: %llu mutes\n", (unsigned long long)st.mutes);
	CHECK(st.mutes > 0);            /* the traffic did exercise muting */
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
