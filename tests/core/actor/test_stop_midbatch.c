/* An actor that stops itself mid-batch: the rest of its mailbox is
 * dead-lettered and counted, each through the dead-letter hook, and
 * sent == handled + dead holds exactly. Also: messages sent to it after it
 * stopped, racing from several threads, are dead letters too. */
#include <pthread.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

enum { N = 10000, STOP_AT = 1234 };

struct quitter {
	cadre_actor base;
	long seen;
};

static int
quitter_receive(cadre_actor *self, const cadre_msg *m)
{
	struct quitter *q = (struct quitter *)self;
	CHECK_EQ(*(const long *)m->data, q->seen); /* FIFO */
	if (++q->seen == STOP_AT)
		return cadre_stop(self);
	return 0;
}

static const cadre_behaviour quitter = {.size = sizeof(struct quitter), .receive = quitter_receive};

/* Holds the single worker busy until released, so that all N messages are
 * queued before the quitter runs: its stop then really is mid-batch. */
static uint32_t release_gate;

static int
gate_start(cadre_actor *self, void *arg)
{
	(void)arg;
	for (long spins = 0; !cadre__load_acq_u32(&release_gate); spins++) {
		CHECK(spins < 2000000000L); /* bounded */
		cadre__spin_pause();
	}
	return cadre_stop(self);
}

static int
gate_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static const cadre_behaviour gate = {
        .size = sizeof(cadre_actor), .start = gate_start, .receive = gate_receive};

struct hook_count {
	uint64_t calls;
	uint64_t enoactor;
	uint64_t sum_payload;
};

static void
hook(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	struct hook_count *h = ctx;
	(void)to;
	cadre__faa_rlx_u64(&h->calls, 1); /* relaxed: read after shutdown */
	if (why == CADRE_ENOACTOR)
		cadre__faa_rlx_u64(&h->enoactor, 1);
	if (m->size == sizeof(long))
		cadre__faa_rlx_u64(&h->sum_payload, (uint64_t) * (const long *)m->data);
}

struct late_sender {
	cadre_system *sys;
	cadre_ref to;
	long sent_ok, dead;
};

static void *
late_send(void *arg)
{
	struct late_sender *s = arg;
	for (long i = 0; i < 5000; i++) {
		int rc = cadre_send(s->sys, s->to, 1, &i, sizeof i);
		if (rc == 0)
			s->sent_ok++;
		else if (rc == CADRE_ENOACTOR)
			s->dead++;
		else
			CHECK(0);
	}
	return NULL;
}

static void
stop_mid_batch(void)
{
	struct hook_count h = {0};
	cadre_config cfg = {
	        .workers = 1, .batch = 1000000, .dead_letter = hook, .dead_letter_ctx = &h};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref g, q;
	CHECK_EQ(cadre_spawn(sys, &gate, NULL, NULL, &g), 0);
	CHECK_EQ(cadre_spawn(sys, &quitter, NULL, NULL, &q), 0);
	for (long i = 0; i < N; i++)
		CHECK_EQ(cadre_send(sys, q, 1, &i, sizeof i), 0);
	cadre__store_rel_u32(&release_gate, 1); /* pairs with gate_start */
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);

	/* Now the quitter is dead: racing late senders only make dead letters,
	 * whether they hit the stale slot or the dying mailbox. */
	struct late_sender ls[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		ls[i] = (struct late_sender){sys, q, 0, 0};
		CHECK_EQ(pthread_create(&th[i], NULL, late_send, &ls[i]), 0);
	}
	long late_ok = 0, late_dead = 0;
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(pthread_join(th[i], NULL), 0);
		late_ok += ls[i].sent_ok;
		late_dead += ls[i].dead;
	}
	CHECK_EQ(late_ok, 0); /* the slot was cleared before await_idle returned */
	CHECK_EQ(late_dead, 4 * 5000);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);

	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, N + 4 * 5000);
	CHECK_EQ(st.handled, STOP_AT);
	CHECK_EQ(st.dead_letters, (N - STOP_AT) + 4 * 5000);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(cadre__load_rlx_u64(&h.calls), st.dead_letters);
	CHECK_EQ(cadre__load_rlx_u64(&h.enoactor), st.dead_letters);
	/* the dead ones from the batch are exactly STOP_AT..N-1 */
	uint64_t batch_sum = (uint64_t)(N - 1) * N / 2 - (uint64_t)(STOP_AT - 1) * STOP_AT / 2;
	uint64_t late_sum = 4 * (uint64_t)4999 * 5000 / 2;
	CHECK_EQ(cadre__load_rlx_u64(&h.sum_payload), batch_sum + late_sum);
	cadre_system_free(sys);
}

int
main(void)
{
	TEST_CASE(stop_mid_batch);
	fprintf(stderr, "test_stop_midbatch: ok\n");
	return 0;
}
