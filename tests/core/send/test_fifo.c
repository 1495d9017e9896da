/* FIFO per sender-receiver pair, under concurrency: A sender actors and T
 * external threads each send K numbered messages to one receiver, which
 * checks that every sender's numbers arrive in order, none missing, none
 * twice. The receiver is also sent to with a bounded batch of 7 so that it
 * is descheduled and rescheduled (and stolen) many times on the way. */
#include <pthread.h>
#include <stdlib.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

struct item {
	uint32_t from;
	uint32_t seq;
};

static long K;
enum { ACTORS = 6, THREADS = 4, SENDERS = ACTORS + THREADS };

static uint64_t received_total; /* written by the receiver when done */
static uint32_t order_errors;

struct receiver {
	cadre_actor base;
	uint32_t next[SENDERS];
	long total;
};

static int
receiver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct receiver *r = (struct receiver *)self;
	const struct item *it = m->data;
	CHECK_EQ(m->size, sizeof *it);
	CHECK(it->from < SENDERS);
	if (it->seq != r->next[it->from])
		cadre__faa_acqrel_u32(&order_errors, 1);
	r->next[it->from] = it->seq + 1;
	if (++r->total == (long)SENDERS * K) {
		for (int i = 0; i < SENDERS; i++)
			CHECK_EQ(r->next[i], K);
		cadre__store_rel_u64(&received_total, (uint64_t)r->total); /* read by main */
		return cadre_stop(self);
	}
	return 0;
}

static const cadre_behaviour receiver = {.size = sizeof(struct receiver),
                                         .receive = receiver_receive};

struct sender {
	cadre_actor base;
	cadre_ref to;
	uint32_t id;
	uint32_t seq;
};

struct sender_arg {
	cadre_ref to;
	uint32_t id;
};

/* Sends in slices and re-sends itself a "go on" so that the receiver and
 * other senders interleave with it. */
static int
sender_step(cadre_actor *self)
{
	struct sender *s = (struct sender *)self;
	cadre_system *sys = cadre_actor_system(self);
	for (int i = 0; i < 97 && s->seq < (uint32_t)K; i++, s->seq++) {
		struct item it = {s->id, s->seq};
		CHECK_EQ(cadre_send(sys, s->to, 1, &it, sizeof it), 0);
	}
	if (s->seq == (uint32_t)K)
		return cadre_stop(self);
	return cadre_send(sys, cadre_self(self), 2, NULL, 0);
}

static int
sender_start(cadre_actor *self, void *arg)
{
	struct sender *s = (struct sender *)self;
	const struct sender_arg *a = arg;
	s->to = a->to;
	s->id = a->id;
	return sender_step(self);
}

static int
sender_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	return sender_step(self);
}

static const cadre_behaviour sender = {
        .size = sizeof(struct sender), .start = sender_start, .receive = sender_receive};

struct thread_arg {
	cadre_system *sys;
	cadre_ref to;
	uint32_t id;
};

static void *
thread_send(void *arg)
{
	struct thread_arg *t = arg;
	for (uint32_t i = 0; i < (uint32_t)K; i++) {
		struct item it = {t->id, i};
		CHECK_EQ(cadre_send(t->sys, t->to, 1, &it, sizeof it), 0);
	}
	return NULL;
}

static void
fifo_per_pair(void)
{
	K = test_size("CADRE_STRESS_MSGS", 100000);
	cadre_config cfg = {.workers = 2, .batch = 7};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &receiver, NULL, NULL, &r), 0);
	struct sender_arg sa[ACTORS];
	for (uint32_t i = 0; i < ACTORS; i++) {
		sa[i] = (struct sender_arg){r, i};
		cadre_ref s;
		CHECK_EQ(cadre_spawn(sys, &sender, NULL, &sa[i], &s), 0);
	}
	pthread_t th[THREADS];
	struct thread_arg ta[THREADS];
	for (uint32_t i = 0; i < THREADS; i++) {
		ta[i] = (struct thread_arg){sys, r, ACTORS + i};
		CHECK_EQ(pthread_create(&th[i], NULL, thread_send, &ta[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_join(th[i], NULL), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 240000), 0);
	CHECK_EQ(cadre__load_acq_u32(&order_errors), 0);
	CHECK_EQ(cadre__load_acq_u64(&received_total), (uint64_t)SENDERS * (uint64_t)K);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(st.sent, st.handled);
	fprintf(stderr, "fifo: %llu handled, %llu runs, %llu steals\n",
	        (unsigned long long)st.handled, (unsigned long long)st.batches,
	        (unsigned long long)st.steals);
	cadre_system_free(sys);
}

int
main(void)
{
	TEST_CASE(fifo_per_pair);
	fprintf(stderr, "test_fifo: ok\n");
	return 0;
}
