/* The three queues that cadre-bench-mailbox measures (bench_mailbox.c),
 * behind one interface: q_push and q_pop, always inlined with a constant
 * impl, so that each impl's loops are compiled separately with no dispatch
 * in them.
 *   cadre         the public cadre_mailbox API (intrusive MPSC)
 *   ck_fifo_mpmc  Concurrency Kit's ck_fifo_mpmc; not intrusive: one
 *                 preallocated entry per message
 *   mutex_list    a pthread mutex around an intrusive singly linked list
 * Included by bench_mailbox.c only. */
#ifndef CADRE_BENCH_MAILBOX_QUEUES_H
#define CADRE_BENCH_MAILBOX_QUEUES_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include <ck_fifo.h>
#include <ck_pr.h>

#include <cadre.h>

#ifndef CK_F_FIFO_MPMC
#error "ck_fifo_mpmc needs CK_F_PR_CAS_PTR_2 (CK's native x86-64 ck_pr backend)"
#endif

#define CACHELINE 64
#define SPIN_PAUSES 128 /* pauses before an idle thread starts yielding */

#define ALWAYS_INLINE inline __attribute__((always_inline))

enum impl { IMPL_CADRE, IMPL_CK, IMPL_MUTEX, IMPL_COUNT };

/* A message: 16 bytes for every queue. `link` is the intrusive hook, cadre's
 * node or the mutex list's next pointer; ck_fifo_mpmc leaves it alone (its
 * entries are separate). */
struct msg {
	union {
		cadre_mb_node mb;
		struct msg *next;
	} link;
	uint32_t producer;
	uint32_t seq;
};

_Static_assert(sizeof(struct msg) == 16, "messages are the same size for every queue");

#define MSG_OF(node) ((struct msg *)(void *)((char *)(node)-offsetof(struct msg, link.mb)))

/* The mutex_list baseline. The consumer takes the whole list under the lock
 * at once and then walks it privately: one lock round trip per batch instead
 * of per message, the faster of the two idiomatic variants. */
struct mutex_list {
	pthread_mutex_t lock;
	struct msg *head; /* guarded by lock */
	struct msg *tail; /* guarded by lock */
};

/* One queue of the impl being measured. */
struct queue {
	/* Read by every thread, written only before the run. */
	cadre_mailbox *mb;
	ck_fifo_mpmc_t *fifo;       /* cache-line aligned */
	ck_fifo_mpmc_entry_t *stub; /* the fifo's initial stub entry */
	struct mutex_list *ml;      /* cache-line aligned */
	/* Consumer only, on its own line: mutex_list's list taken whole. */
	_Alignas(CACHELINE) struct msg *pending;
};

/* An idle thread: spin a little, then give the CPU away. */
static ALWAYS_INLINE void
idle(unsigned *spins)
{
	if (*spins < SPIN_PAUSES) {
		(*spins)++;
		ck_pr_stall();
	} else {
		sched_yield();
	}
}

/* ---- the three queues ------------------------------------------------- */

static ALWAYS_INLINE int
q_push(struct queue *q, enum impl impl, struct msg *m, ck_fifo_mpmc_entry_t *e)
{
	switch (impl) {
	case IMPL_CADRE:
		/* 1 ("woke an idle mailbox") does not matter here. */
		return cadre_mailbox_push(q->mb, &m->link.mb, CADRE_LANE_NORMAL) < 0 ? -1 : 0;
	case IMPL_CK:
		ck_fifo_mpmc_enqueue(q->fifo, e, m);
		return 0;
	case IMPL_MUTEX:
		m->link.next = NULL;
		pthread_mutex_lock(&q->ml->lock);
		if (q->ml->tail != NULL)
			q->ml->tail->link.next = m;
		else
			q->ml->head = m;
		q->ml->tail = m;
		pthread_mutex_unlock(&q->ml->lock);
		return 0;
	default:
		return -1;
	}
}

/* Returns the next message, or NULL if nothing is visible yet. */
static ALWAYS_INLINE struct msg *
q_pop(struct queue *q, enum impl impl)
{
	switch (impl) {
	case IMPL_CADRE: {
		cadre_mb_node *n = cadre_mailbox_pop(q->mb, NULL);

		return n != NULL ? MSG_OF(n) : NULL;
	}
	case IMPL_CK: {
		void *v;
		ck_fifo_mpmc_entry_t *garbage;

		/* garbage is the old stub: ours, left alone until teardown. */
		if (!ck_fifo_mpmc_dequeue(q->fifo, &v, &garbage))
			return NULL;
		return v;
	}
	case IMPL_MUTEX: {
		struct msg *m = q->pending;

		if (m == NULL) {
			/* Take the whole list; producers never touch it again. */
			pthread_mutex_lock(&q->ml->lock);
			m = q->ml->head;
			q->ml->head = NULL;
			q->ml->tail = NULL;
			pthread_mutex_unlock(&q->ml->lock);
			if (m == NULL)
				return NULL;
		}
		q->pending = m->link.next;
		return m;
	}
	default:
		return NULL;
	}
}

#endif /* CADRE_BENCH_MAILBOX_QUEUES_H */
