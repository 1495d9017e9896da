/* Cadre tests: a slow sink, for backpressure.
 *
 * slow_sink_beh's receive does some work for each message (300 steps of a
 * linear congruential generator), so that producers overrun it and it gets
 * overloaded, and counts its messages in slow_sink_consumed, which the
 * test thread polls (reset it before the sink's first message). Used by
 * test_backpressure and test_mute_forward. */
#ifndef CADRE_TEST_SLOW_SINK_H
#define CADRE_TEST_SLOW_SINK_H

#include <cadre.h>

#include "cadre__atomic.h"

static uint64_t slow_sink_consumed;

struct slow_sink {
	cadre_actor base;
	uint64_t acc;
};

static int
slow_sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct slow_sink *s = (struct slow_sink *)self;
	for (int i = 0; i < 300; i++) /* slow: some work per message */
		s->acc = s->acc * 6364136223846793005ull + m->type + m->size;
	cadre__faa_rlx_u64(&slow_sink_consumed, 1); /* relaxed: a counter, polled */
	return 0;
}

static const cadre_behaviour slow_sink_beh = {.size = sizeof(struct slow_sink),
                                              .receive = slow_sink_receive};

#endif /* CADRE_TEST_SLOW_SINK_H */
