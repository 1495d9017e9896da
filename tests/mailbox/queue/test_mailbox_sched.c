/* Stress of the scheduling property. T threads each push messages (a mix of
 * both lanes) into one mailbox. The push that reports the idle-to-active
 * transition makes its thread the consumer, exactly as the dispatcher does:
 * it drains the mailbox and calls mark_idle, draining again while that
 * fails. Checked:
 *   - never two consumers at once (every transition is reported exactly once
 *     while the mailbox is idle, and never while it is active);
 *   - the number of transitions equals the number of successful mark_idles;
 *   - no message is left behind: after all threads finish, every message
 *     pushed was consumed, and the mailbox is idle and empty.
 * Sizes: CADRE_STRESS_THREADS, CADRE_STRESS_MSGS, CADRE_STRESS_SCALE. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

struct msg {
	cadre_mb_node node;
	uint32_t producer;
	uint32_t seq;
};

static cadre_mailbox *mb;
static long per_thread;
static uint32_t consumers_now;  /* how many threads act as consumer: 0 or 1 */
static uint64_t transitions;    /* pushes that returned 1 */
static uint64_t idles;          /* successful mark_idle calls */
static uint64_t consumed;       /* written by the consumer of the moment */
static uint64_t mark_idle_busy; /* mark_idle that failed */
static pthread_barrier_t start;

static void
become_consumer(void)
{
	/* seq_cst xchg: any overlap of two consumers is caught here. */
	CHECK_EQ(cadre__xchg_sc_u32(&consumers_now, 1), 0);
	uint64_t n = 0;
	for (;;) {
		cadre_mb_node *m;
		while ((m = cadre_mailbox_pop(mb, NULL)) != NULL) {
			CHECK(((struct msg *)m)->seq < (uint32_t)per_thread);
			n++;
		}
		/* Give up the role before mark_idle: the moment it succeeds another
		 * thread may become the consumer. Release pairs with the xchg above. */
		cadre__store_rel_u32(&consumers_now, 0);
		int rc = cadre_mailbox_mark_idle(mb);
		if (rc == 0)
			break;
		CHECK_EQ(rc, CADRE_EBUSY);
		cadre__faa_rlx_u64(&mark_idle_busy, 1);
		/* Still the consumer: nobody else may have taken the role. */
		CHECK_EQ(cadre__xchg_sc_u32(&consumers_now, 1), 0);
		sched_yield(); /* let an in-flight push finish its link */
	}
	/* acq_rel: the counters are summed by main after joining. */
	cadre__faa_acqrel_u64(&consumed, n);
	cadre__faa_acqrel_u64(&idles, 1);
}

static void *
worker(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	struct msg *msgs = calloc((size_t)per_thread, sizeof *msgs);
	CHECK(msgs != NULL);
	unsigned seed = id * 7919u + 1;
	pthread_barrier_wait(&start);
	for (long i = 0; i < per_thread; i++) {
		msgs[i].producer = id;
		msgs[i].seq = (uint32_t)i;
		seed = seed * 1103515245u + 12345u;
		cadre_lane lane = (seed >> 16) % 8 == 0 ? CADRE_LANE_SYSTEM : CADRE_LANE_NORMAL;
		int rc = cadre_mailbox_push(mb, &msgs[i].node, lane);
		CHECK(rc == 0 || rc == 1);
		if (rc == 1) {
			cadre__faa_acqrel_u64(&transitions, 1);
			become_consumer();
		}
	}
	return msgs; /* freed by main once nobody can touch them */
}

int
main(void)
{
	const char *nt = getenv("CADRE_STRESS_THREADS");
	int threads = nt != NULL ? atoi(nt) : 4;
	per_thread = test_size("CADRE_STRESS_MSGS", 500000);
	CHECK(threads > 0);
	CHECK_EQ(cadre_mailbox_new(&mb, 0), 0);
	CHECK_EQ(pthread_barrier_init(&start, NULL, (unsigned)threads), 0);
	pthread_t *th = calloc((size_t)threads, sizeof *th);
	void **bufs = calloc((size_t)threads, sizeof *bufs);
	CHECK(th && bufs);
	for (int i = 0; i < threads; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i), 0);
	for (int i = 0; i < threads; i++)
		CHECK_EQ(pthread_join(th[i], &bufs[i]), 0);

	uint64_t total = (uint64_t)threads * (uint64_t)per_thread;
	uint64_t tr = cadre__load_acq_u64(&transitions), id = cadre__load_acq_u64(&idles);
	fprintf(stderr, "pushed %llu consumed %llu transitions %llu idles %llu busy %llu\n",
	        (unsigned long long)total, (unsigned long long)cadre__load_acq_u64(&consumed),
	        (unsigned long long)tr, (unsigned long long)id,
	        (unsigned long long)cadre__load_acq_u64(&mark_idle_busy));
	CHECK_EQ(cadre__load_acq_u64(&consumed), total);
	CHECK_EQ(tr, id);
	CHECK(tr >= 1);
	/* Idle and empty: the next push is the waker, nothing is left over. */
	CHECK(cadre_mailbox_pop(mb, NULL) == NULL);
	struct msg extra;
	CHECK_EQ(cadre_mailbox_push(mb, &extra.node, CADRE_LANE_NORMAL), 1);
	CHECK(cadre_mailbox_pop(mb, NULL) == &extra.node);
	for (int i = 0; i < threads; i++)
		free(bufs[i]);
	free(bufs);
	free(th);
	cadre_mailbox_free(mb);
	pthread_barrier_destroy(&start);
	fprintf(stderr, "test_mailbox_sched: ok\n");
	return 0;
}
