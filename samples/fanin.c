/* Fan-in: many producer actors send to one sink. The sink's mailbox is a
 * lock-free MPSC queue: the producers never wait for each other.
 * `fanin TRACE.json` also records the first 2 ms of the scheduling trace
 * and writes it there at the end (cadre/trace.h): open it in Perfetto's UI. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include <cadre.h>

enum { ITEM = 1 };

#define PRODUCERS 8
#define PER_PRODUCER 200000L

struct sink {
	cadre_actor base;
	long count;
	long long sum;
};

static int
sink_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct sink *s = (struct sink *)self;
	s->count++;
	s->sum += *(const long *)msg->data;
	if (s->count == PRODUCERS * PER_PRODUCER) {
		printf("sink: %ld items, sum %lld (expected %lld)\n", s->count, s->sum,
		       (long long)PRODUCERS * PER_PRODUCER * (PER_PRODUCER + 1) / 2);
		return cadre_stop(self);
	}
	return 0;
}

static const cadre_behaviour sink = {
        .size = sizeof(struct sink), .receive = sink_receive, .name = "sink"};

/* A producer sends its whole load from start() in slices, re-sending
 * itself a "continue" so that it never hogs its worker. */
struct producer {
	cadre_actor base;
	cadre_ref sink;
	long next;
};

static int
producer_step(cadre_actor *self)
{
	struct producer *p = (struct producer *)self;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < 1000 && p->next <= PER_PRODUCER; i++, p->next++) {
		int rc = cadre_send(sys, p->sink, ITEM, &p->next, sizeof p->next);
		if (rc != 0)
			return rc;
	}
	if (p->next > PER_PRODUCER)
		return cadre_stop(self);
	return cadre_send(sys, cadre_self(self), 0, NULL, 0); /* continue later */
}

static int
producer_start(cadre_actor *self, void *arg)
{
	struct producer *p = (struct producer *)self;
	p->sink = *(const cadre_ref *)arg;
	p->next = 1;
	return producer_step(self);
}

static int
producer_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)msg;
	return producer_step(self);
}

static const cadre_behaviour producer = {.size = sizeof(struct producer),
                                         .start = producer_start,
                                         .receive = producer_receive,
                                         .name = "producer"};

int
main(int argc, char **argv)
{
	cadre_system *sys;
	cadre_ref s, p;
	/* With a file name: each ring keeps its last 65536 events (2 MiB). */
	cadre_config cfg = {.trace_events = argc > 1 ? 65536 : 0};
	if (cadre_system_new(&sys, &cfg) != 0 || cadre_spawn(sys, &sink, NULL, NULL, &s) != 0)
		return 1;
	for (int i = 0; i < PRODUCERS; i++)
		if (cadre_spawn(sys, &producer, NULL, &s, &p) != 0)
			return 1;
	if (argc > 1) { /* the start only: stop recording after 2 ms */
		struct timespec ms2 = {0, 2000000};
		nanosleep(&ms2, NULL);
		cadre_trace_stop(sys);
	}
	cadre_system_await_stopped(sys, CADRE_FOREVER);
	if (argc > 1 && cadre_trace_write(sys, argv[1]) != 0)
		fprintf(stderr, "fanin: cannot write %s\n", argv[1]);
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	printf("fanin: sent %llu, handled %llu, dead %llu, steals %llu, parks %llu\n",
	       (unsigned long long)st.sent, (unsigned long long)st.handled,
	       (unsigned long long)st.dead_letters, (unsigned long long)st.steals,
	       (unsigned long long)st.parks);
	cadre_system_free(sys);
	return st.sent == st.handled + st.dead_letters && st.dead_letters == 0 ? 0 : 1;
}
