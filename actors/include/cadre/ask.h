/**
 * @file
 * Cadre: request/response ("ask"), with a timeout on every request.
 *
 * A request is an ordinary message whose payload starts with a small
 * request header (the request id and where the reply goes) followed by the
 * caller's payload. Its type is the caller's. The receiver reads the header
 * with cadre_ask_request and answers with cadre_reply, at once or later:
 * the cadre_reply_to token is a plain value it may keep in its state and
 * use from a later message (a deferred reply), from any thread.
 * cadre_forward hands the request, unchanged (same id, same reply-to), to
 * another actor, which then answers the original requester.
 *
 * The requester is an actor (cadre_ask, cadre_ask_cb) or a thread that is
 * not a worker (cadre_ask_wait, a future). An asking actor embeds one
 * cadre_asker in its state: its table of pending requests, touched only by
 * the actor's own callbacks, so it needs no lock. Every request it makes
 * ends exactly once, in one of two ways:
 *   - its reply arrives first (status 0): the timeout timer is cancelled;
 *   - its timeout fires first (status CADRE_ETIMEDOUT): a reply that
 *     arrives later is dropped and counted in replies_late.
 * How the actor learns the outcome is chosen per request:
 *   - cadre_ask: as a CADRE_MSG_REPLY message (read it with
 *     cadre_reply_read), for the reply and for the timeout alike;
 *   - cadre_ask_cb: as a callback run by cadre_ask_dispatch, on the actor's
 *     own thread of control, with the reply or the timeout status.
 * In both cases the actor's receive must pass every message to
 * cadre_ask_dispatch first:
 *
 * @code
 *     static int receive(cadre_actor *self, const cadre_msg *m)
 *     {
 *             struct me *me = (struct me *)self;
 *             if (cadre_ask_dispatch(self, &me->asker, m) > 0)
 *                     return 0; // a callback ran, or a late reply was dropped
 *             if (m->type == CADRE_MSG_REPLY) { // a cadre_ask outcome
 *                     cadre_response r;
 *                     cadre_reply_read(m, &r); // r.status: 0 or CADRE_ETIMEDOUT
 *                     ...
 *             }
 *             ...
 *     }
 * @endcode
 *
 * Request ids are never reused within an asker (64-bit, counting up from
 * 1), so a reply can never reach the handler of another request. An actor
 * has at most one asker (replies are matched by id, which is unique per
 * asker only).
 *
 * A future (cadre_ask_wait) blocks its thread until the reply or the
 * timeout; the two race on an atomic compare-and-swap and exactly one of
 * them completes it. Its reply-to is a short-lived proxy actor, stopped
 * when the future ends: a reply that comes later is counted late (by the
 * proxy, or by cadre_reply when it finds the proxy gone), or, if it reaches
 * the proxy's mailbox just as the proxy stops, dead-lettered (counted by
 * core).
 *
 * Message types: Cadre's request/response uses 0xFFFF0200..0xFFFF02FF. A
 * request's type is the caller's, and like cadre_send the asking calls
 * (cadre_ask, cadre_ask_cb, cadre_ask_wait, cadre_forward) refuse Cadre's
 * reserved types (>= 0xFFFF0000) with CADRE_EINVAL.
 *
 * What is not guaranteed: a request that the receiver never answers (it
 * stopped, or the request was dead-lettered) simply times out; cadre_reply
 * returning 0 means the reply was queued, not that it was handled (the
 * requester may stop first: then it is a dead letter, counted by core).
 */
#ifndef CADRE_ASK_H
#define CADRE_ASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Message type: the outcome of a request, as a message to the asking
 * actor (cadre_ask); read it with cadre_reply_read. */
#define CADRE_MSG_REPLY 0xFFFF0201u

/** Bytes the request header adds in front of a request's payload (counted
 * against max_message_size). */
#define CADRE_ASK_REQUEST_HEADER 32u
/** Bytes the reply header adds in front of a reply's payload (counted
 * against max_message_size). */
#define CADRE_ASK_REPLY_HEADER 16u

/** Where a reply goes: a value; copy it, keep it, use it later, from any
 * thread. */
typedef struct cadre_reply_to {
	cadre_ref to;       /**< the requester (an actor, or a future's proxy) */
	uint64_t id;        /**< the request id */
	uint32_t flags_;    /**< private */
	uint32_t reserved_; /**< zero */
} cadre_reply_to;

/** A received request (cadre_ask_request). data points into the message:
 * valid only while it is being received. */
typedef struct cadre_request {
	cadre_reply_to reply_to; /**< where the reply goes (cadre_reply) */
	uint32_t type;           /**< the message type */
	uint32_t size;           /**< the caller's payload bytes (after the header) */
	const void *data;        /**< the caller's payload, or NULL if size is 0 */
	cadre_ref sender;        /**< who sent the message (a forwarder, after cadre_forward) */
} cadre_request;

/** The outcome of a request: a reply or a timeout. data points into the
 * message: valid only during the receive (or callback) that sees it. */
typedef struct cadre_response {
	uint64_t id;      /**< the request id */
	int status;       /**< 0: replied; CADRE_ETIMEDOUT; CADRE_ECANCELED (asker finalized) */
	uint32_t type;    /**< the replier's type (0 unless status is 0) */
	uint32_t size;    /**< reply payload bytes */
	const void *data; /**< the reply payload, or NULL if size is 0 */
	cadre_ref from;   /**< the replier; CADRE_REF_NONE for a timeout */
} cadre_response;

/** Counters of one asker (cadre_asker_stats), or process-wide
 * (cadre_ask_global_stats: every asker and every future of every system). */
typedef struct cadre_ask_stats {
	uint64_t asked;           /**< requests sent */
	uint64_t replied;         /**< requests ended by their reply */
	uint64_t timed_out;       /**< requests ended by their timeout */
	uint64_t cancelled;       /**< ended by cadre_ask_cancel or cadre_asker_fini */
	uint64_t replies_late;    /**< replies that came after their request ended */
	uint64_t replies_dropped; /**< replies that matched no request, or found no requester */
	uint64_t pending;         /**< requests not ended yet (per asker only) */
} cadre_ask_stats;

/** Called by cadre_ask_dispatch (or cadre_asker_fini) with the outcome of a
 * cadre_ask_cb request; runs as part of the asking actor's callback: it may
 * send, ask again, reply, or cadre_fail(self, ...). */
typedef void (*cadre_response_fn)(cadre_actor *self, void *ctx, const cadre_response *reply);

struct cadre__ask_slot;
/** The pending-request table of one actor; embed it in the actor's state.
 * Its content is private. All-zero (as Cadre zeroes a new actor's state) is
 * a valid empty asker; cadre_asker_init makes one explicitly. Only the
 * owning actor's callbacks may touch it. */
typedef struct cadre_asker {
	struct cadre__ask_slot *slots_; /**< private */
	uint32_t cap_;                  /**< private */
	uint32_t count_;                /**< private */
	uint64_t next_id_;              /**< private */
	bool closed_;                   /**< private */
	cadre_ask_stats stats_;         /**< private: read with cadre_asker_stats */
} cadre_asker;

/**
 * Makes an empty asker.
 *
 * @threads the owning actor's callbacks (or before the actor exists)
 * @blocks  no
 * @retval 0 done
 * @retval CADRE_EINVAL a NULL
 */
CADRE_API int cadre_asker_init(cadre_asker *a);

/**
 * In self's stop callback (or whenever self is done asking): ends every
 * pending request with status CADRE_ECANCELED (callbacks run, in no
 * particular order; message-mode requests just end), cancels their timers
 * and frees the table. Later asks fail with CADRE_ESTATE; replies to the
 * ended requests count as late.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 done
 * @retval CADRE_EINVAL a NULL
 */
CADRE_API int cadre_asker_fini(cadre_actor *self, cadre_asker *a);

/**
 * Sends a request (type, size bytes at data) to `to`; its outcome comes
 * back as a CADRE_MSG_REPLY message: the reply, or status CADRE_ETIMEDOUT
 * after timeout_ms (at the first timer tick at or after it; CADRE_NOWAIT:
 * the next tick; CADRE_FOREVER: none). On an error, no outcome will come.
 *
 * @param id may be NULL; else receives the request id
 * @threads self's callbacks
 * @blocks  no
 * @payload copied before the call returns; data may be reused at once.
 *          The reply's payload is valid during the receive that sees it.
 * @retval 0 sent: exactly one outcome will come
 * @retval CADRE_EINVAL NULL, data NULL with size > 0, a reserved type, a
 *         negative timeout other than CADRE_FOREVER
 * @retval CADRE_ESTATE not in self's callback, or the asker is finalized
 * @retval CADRE_ETOOBIG size plus the request header > max_message_size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the receiver's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_ask(cadre_actor *self, cadre_asker *a, cadre_ref to, uint32_t type,
                        const void *data, size_t size, cadre_timeout timeout_ms, uint64_t *id);

/**
 * As cadre_ask, but the outcome is given to fn(self, ctx, reply) by
 * cadre_ask_dispatch instead of being left to receive.
 *
 * @threads self's callbacks
 * @blocks  no
 * @payload copied before the call returns; data may be reused at once.
 *          The reply's payload is valid while fn runs.
 * @retval 0 sent: fn will run exactly once
 * @retval CADRE_EINVAL NULL (fn included), data NULL with size > 0, a
 *         reserved type, a negative timeout other than CADRE_FOREVER
 * @retval CADRE_ESTATE not in self's callback, or the asker is finalized
 * @retval CADRE_ETOOBIG size plus the request header > max_message_size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the receiver's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_ask_cb(cadre_actor *self, cadre_asker *a, cadre_ref to, uint32_t type,
                           const void *data, size_t size, cadre_timeout timeout_ms,
                           cadre_response_fn fn, void *ctx, uint64_t *id);

/**
 * Inside self's receive, first thing: returns how many messages it
 * consumed, 1 or 0. It consumes msg if msg is:
 *   - the outcome (reply or timeout) of a cadre_ask_cb request: the
 *     callback ran;
 *   - a reply for a request that has already ended (counted late), or for
 *     no request this asker made (counted dropped), or the timeout of a
 *     request that has already been answered: dropped.
 * It returns 0 for every other message, including the one outcome of a
 * cadre_ask request: receive handles that CADRE_MSG_REPLY itself.
 *
 * @return a count: 1 (consumed) or 0, or a negative code
 * @threads self's receive callback
 * @blocks  no
 * @retval CADRE_EINVAL a NULL argument
 */
CADRE_API int cadre_ask_dispatch(cadre_actor *self, cadre_asker *a, const cadre_msg *msg);

/**
 * Ends a pending request now (counted cancelled): no outcome will be
 * delivered; its reply, if one comes, counts as late.
 *
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 cancelled
 * @retval CADRE_ENOENT not pending
 * @retval CADRE_EINVAL a NULL
 */
CADRE_API int cadre_ask_cancel(cadre_actor *self, cadre_asker *a, uint64_t id);

/**
 * Reads a CADRE_MSG_REPLY message.
 *
 * @threads any thread (normally the receive that got msg)
 * @blocks  no
 * @payload out->data points into msg: valid only while msg is
 * @retval 0 read
 * @retval CADRE_EINVAL NULL, not a reply, malformed
 */
CADRE_API int cadre_reply_read(const cadre_msg *msg, cadre_response *out);

/**
 * The asker's counters (pending: requests not ended).
 *
 * @threads the owning actor's callbacks
 * @blocks  no
 * @retval 0 filled
 * @retval CADRE_EINVAL a NULL
 */
CADRE_API int cadre_asker_stats(const cadre_asker *a, cadre_ask_stats *out);

/**
 * Process-wide counters, summed over every asker and future of every system
 * (atomic snapshots; asked, replied and pending are not kept here: see the
 * askers'). replies_dropped also counts cadre_reply calls that found no
 * requester.
 *
 * @threads any thread
 * @blocks  no
 * @retval 0 filled
 * @retval CADRE_EINVAL out NULL
 */
CADRE_API int cadre_ask_global_stats(cadre_ask_stats *out);

/* ---- the receiving side ------------------------------------------------------------ */

/**
 * Reads the request header of msg (a request sent by cadre_ask,
 * cadre_ask_cb, cadre_ask_wait or cadre_forward).
 *
 * @threads any thread (normally the receive that got msg)
 * @blocks  no
 * @payload out->data points into msg: valid only while msg is; out->reply_to
 *          is a value, to keep as long as needed
 * @retval 0 read
 * @retval CADRE_EINVAL NULL, or msg is not a request
 */
CADRE_API int cadre_ask_request(const cadre_msg *msg, cadre_request *out);

/**
 * Sends a reply (type, size bytes at data) to the requester, at any time
 * (a deferred reply keeps the token).
 *
 * @threads any thread
 * @blocks  no
 * @payload copied before the call returns; data may be reused at once
 * @retval 0 queued (not necessarily handled)
 * @retval CADRE_EINVAL sys or to NULL, data NULL with size > 0, an empty
 *         token
 * @retval CADRE_ETOOBIG size plus the reply header > max_message_size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the requester's bounded mailbox is full: not sent,
 *         may be retried
 * @retval CADRE_ENOACTOR the requester is gone (counted in the global
 *         replies_late if it was a future, replies_dropped otherwise)
 * @retval CADRE_ECLOSED the system is shut down (counted as ENOACTOR is)
 */
CADRE_API int cadre_reply(cadre_system *sys, const cadre_reply_to *to, uint32_t type,
                          const void *data, size_t size);

/**
 * Resends the request msg, unchanged (same type, id, reply-to and payload),
 * to `to`, who then answers the original requester.
 *
 * @threads any thread (normally inside the receive that got msg)
 * @blocks  no
 * @payload msg's payload is copied before the call returns
 * @retval 0 sent
 * @retval CADRE_EINVAL sys NULL, msg not a request, its type reserved
 * @retval CADRE_ETOOBIG larger than max_message_size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the bounded mailbox of `to` is full
 * @retval CADRE_ENOACTOR no such actor: a dead letter
 * @retval CADRE_ECLOSED the system is shut down: a dead letter
 */
CADRE_API int cadre_forward(cadre_system *sys, cadre_ref to, const cadre_msg *msg);

/* ---- futures: asking from a thread that is not a worker ------------------------------- */

/**
 * Sends a request to `to` and waits for its reply at most timeout_ms
 * (CADRE_FOREVER: no limit). *reply_size (may be NULL) receives the
 * reply's full size and *reply_type (may be NULL) its type.
 *
 * @threads any thread that is not a worker
 * @blocks  until the reply or the timeout
 * @payload the request's payload is copied before the call sends it. The
 *          reply's payload is copied into reply_buf (at most buf_size
 *          bytes; reply_buf may be NULL if buf_size is 0), which the
 *          caller owns.
 * @retval 0 replied
 * @retval CADRE_ETOOBIG the reply was larger than buf_size: truncated,
 *         *reply_size says how big it was (or the request was larger than
 *         max_message_size)
 * @retval CADRE_ETIMEDOUT no reply in time: a later reply is counted late
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_EINVAL sys NULL, a negative timeout other than
 *         CADRE_FOREVER, data NULL with size > 0, reply_buf NULL with
 *         buf_size > 0, a reserved type
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the receiver's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ECANCELED the system shut down while waiting
 */
CADRE_API int cadre_ask_wait(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                             size_t size, cadre_timeout timeout_ms, void *reply_buf,
                             size_t buf_size, size_t *reply_size, uint32_t *reply_type);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_ASK_H */
