/**
 * @file
 * Cadre: the lock-free MPSC mailbox.
 *
 * A mailbox is a queue of intrusive nodes: the caller embeds a cadre_mb_node
 * in each message, and the mailbox links messages through it. Push and pop
 * allocate nothing.
 *
 * Two lanes: system (control) messages are always taken before normal ones.
 * A bounded mailbox refuses a normal push beyond its capacity with
 * CADRE_EFULL; system pushes are never refused.
 *
 * Scheduling hand-off: a mailbox is created idle. The push that makes an
 * idle mailbox non-empty returns 1 ("you woke it"): exactly one push sees
 * each idle-to-active transition, and that caller must arrange for the
 * consumer to run. The consumer, having found the mailbox empty, calls
 * cadre_mailbox_mark_idle(); it succeeds only if nothing arrived meanwhile.
 *
 * Threads: any number of threads may push at once. Only one thread at a time
 * may be the consumer (pop, pop_batch, mark_idle); ownership of the consumer
 * role moves with the idle-to-active transition. count and capacity may be
 * read from any thread.
 *
 * Progress: normal push is wait-free (one atomic exchange). System push is
 * lock-free (a CAS loop). Pop is wait-free but may return NULL while a push
 * is half done ("nothing visible yet"); mark_idle then fails with
 * CADRE_EBUSY and the consumer tries again later.
 *
 * Payload: the mailbox never copies or frees a node. From a successful push
 * until pop returns it, the node belongs to the mailbox; before and after,
 * to the caller.
 */
#ifndef CADRE_MAILBOX_H
#define CADRE_MAILBOX_H

#include <stdint.h>

#include <cadre/error.h>
#include <cadre/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The intrusive link. Embed one in every message; the mailbox owns it from
 * push until pop returns the node. Nodes must be at least 2-byte aligned. */
typedef struct cadre_mb_node {
	struct cadre_mb_node *next; /**< the mailbox's; do not touch while queued */
} cadre_mb_node;

/** The two lanes of a mailbox. */
typedef enum cadre_lane {
	CADRE_LANE_NORMAL = 0, /**< ordinary messages; bounded by the capacity */
	CADRE_LANE_SYSTEM = 1, /**< control messages: taken first, never refused */
} cadre_lane;

/** A mailbox (opaque): cadre_mailbox_new, cadre_mailbox_free. */
typedef struct cadre_mailbox cadre_mailbox;

/**
 * Creates an idle, empty mailbox.
 *
 * @param out      receives the mailbox
 * @param capacity 0: unbounded; otherwise at most `capacity` normal
 *                 messages may be queued at once
 * @threads any thread
 * @blocks  no
 * @retval 0 created
 * @retval CADRE_EINVAL out NULL
 * @retval CADRE_ENOMEM out of memory
 */
CADRE_API int cadre_mailbox_new(cadre_mailbox **out, uint32_t capacity);

/**
 * Frees the mailbox. NULL is ignored. No thread may use mb afterwards.
 *
 * @threads any thread, once no other thread uses mb
 * @blocks  no
 * @payload nodes still queued are not touched: drain them first (the
 *          caller owns them)
 */
CADRE_API void cadre_mailbox_free(cadre_mailbox *mb);

/**
 * Pushes one node on a lane.
 *
 * @threads any thread (any number at once)
 * @blocks  no: wait-free on the normal lane, lock-free on the system lane
 * @payload on success the mailbox owns the node until pop returns it; on
 *          an error it still belongs to the caller
 * @retval 1 this push made an idle mailbox active: the caller must
 *         schedule the consumer
 * @retval 0 queued (the mailbox was active already)
 * @retval CADRE_EINVAL NULL, misaligned node, bad lane
 * @retval CADRE_EFULL bounded and full (normal lane only): the node was
 *         not queued
 */
CADRE_API int cadre_mailbox_push(cadre_mailbox *mb, cadre_mb_node *node, cadre_lane lane);

/**
 * Pushes a pre-linked chain first..last of `count` nodes (first->next ...
 * reaches last) onto the normal lane in one atomic exchange; the nodes keep
 * their order and no other push interleaves with them. A bounded mailbox
 * admits the whole chain or none of it.
 *
 * @threads any thread
 * @blocks  no (wait-free)
 * @payload as cadre_mailbox_push, for every node of the chain
 * @retval 1 this push made an idle mailbox active (schedule the consumer)
 * @retval 0 queued
 * @retval CADRE_EINVAL NULL or misaligned first or last, count 0
 * @retval CADRE_EFULL bounded, and the chain does not fit: nothing queued
 */
CADRE_API int cadre_mailbox_push_chain(cadre_mailbox *mb, cadre_mb_node *first, cadre_mb_node *last,
                                       uint32_t count);

/**
 * Takes the next node, system lane first.
 *
 * @param lane may be NULL; else receives the node's lane
 * @return the node, or NULL if nothing is visible (or mb is NULL)
 * @threads the consumer only
 * @blocks  no (wait-free)
 * @payload the returned node belongs to the caller again
 */
CADRE_API cadre_mb_node *cadre_mailbox_pop(cadre_mailbox *mb, cadre_lane *lane);

/**
 * Takes up to max nodes (system lane first) into out[].
 *
 * @return a count: the nodes taken (>= 0), or a negative code
 * @threads the consumer only
 * @blocks  no (wait-free)
 * @payload the nodes taken belong to the caller again
 * @retval CADRE_EINVAL mb or out NULL, max < 0
 */
CADRE_API int cadre_mailbox_pop_batch(cadre_mailbox *mb, cadre_mb_node **out, int max);

/**
 * The consumer gives the mailbox up: succeeds only if both lanes are empty
 * and nothing arrived; the next push then returns 1.
 *
 * @threads the consumer only
 * @blocks  no
 * @retval 0 idle: the consumer role is given up
 * @retval CADRE_EBUSY a message is queued or a push is in flight; the
 *         caller is still the consumer
 * @retval CADRE_EINVAL mb NULL
 */
CADRE_API int cadre_mailbox_mark_idle(cadre_mailbox *mb);

/**
 * Normal-lane messages currently admitted to a bounded mailbox (0 for an
 * unbounded one, or NULL); a snapshot, exact when no push or pop runs.
 *
 * @threads any thread
 * @blocks  no
 */
CADRE_API uint32_t cadre_mailbox_count(const cadre_mailbox *mb);

/**
 * The capacity given at creation (0: unbounded; 0 for NULL).
 *
 * @threads any thread
 * @blocks  no
 */
CADRE_API uint32_t cadre_mailbox_capacity(const cadre_mailbox *mb);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_MAILBOX_H */
