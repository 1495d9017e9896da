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
 * not a per-core worker (cadre_ask_wait, a future: an outside thread, or an
 * actor of the blocking pool). An asking actor embeds one
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
 * returning 0 means the reply was queued or dead-lettered, not that it was
 * handled (the requester may stop first: then it is a dead letter, counted
 * by core).
 *
 * Scatter-gather (cadre_ask_gather, below) sends one request to many
 * actors and delivers their replies together, on the same asker.
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
 * (a deferred reply keeps the token). A reply never fails the replier
 * because of the requester: if the requester is gone, its bounded mailbox
 * is full or the system is closing, the reply is a dead letter (counted by
 * core, seen by the dead-letter hook), counted in the global replies_late
 * if it was a future, replies_dropped otherwise, and 0 is returned.
 *
 * @threads any thread
 * @blocks  no
 * @payload copied before the call returns; data may be reused at once
 * @retval 0 queued, or counted as a dead letter (requester not there)
 * @retval CADRE_EINVAL sys or to NULL, data NULL with size > 0, an empty
 *         token
 * @retval CADRE_ETOOBIG size plus the reply header > max_message_size
 * @retval CADRE_ENOMEM out of memory
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
 * @threads any thread that is not a per-core worker (an actor of the
 *          blocking pool may wait)
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
 * @retval CADRE_EWOULDBLOCK called on a per-core worker thread
 * @retval CADRE_EINVAL sys NULL, a negative timeout other than
 *         CADRE_FOREVER, data NULL with size > 0, reply_buf NULL with
 *         buf_size > 0, a reserved type
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ELIMIT the actor table is full: no room for the request's
 *         proxy actor (cadre_spawn)
 * @retval CADRE_EFULL the receiver's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ECANCELED the system shut down while waiting
 */
CADRE_API int cadre_ask_wait(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                             size_t size, cadre_timeout timeout_ms, void *reply_buf,
                             size_t buf_size, size_t *reply_size, uint32_t *reply_type);

/* ---- scatter-gather: one request to many actors ------------------------------------- */

/**
 * The outcome of a scatter-gather, as a message to the asking actor
 * (cadre_ask_gather with fn NULL); read it with cadre_gather_read.
 */
#define CADRE_MSG_GATHER 0xFFFF0202u

/** The most targets of one gather. */
#define CADRE_GATHER_MAX 65536u

/** When a gather is complete. */
typedef enum cadre_gather_mode {
	CADRE_GATHER_ALL = 0,    /**< every target has replied */
	CADRE_GATHER_ANY = 1,    /**< the first reply */
	CADRE_GATHER_QUORUM = 2, /**< the first `quorum` replies */
} cadre_gather_mode;

/**
 * The outcome of a gather: a view. In a callback or a message it points
 * into memory that is valid only during that callback or receive; the one
 * from cadre_ask_gather_wait is the caller's until cadre_gather_free.
 */
typedef struct cadre_gather {
	uint64_t id; /**< the gather's id (cadre_ask_gather's *id) */
	/** 0: the mode's condition was met; CADRE_ETIMEDOUT: not in time (the
	 * replies that came are here); CADRE_ECANCELED: the asker was
	 * finalized, or the system shut down (cadre_ask_gather_wait) */
	int status;
	cadre_gather_mode mode; /**< the mode asked for */
	uint32_t needed;        /**< replies the mode needs: n (ALL), 1 (ANY), quorum */
	uint32_t asked;         /**< targets the request was sent to */
	uint32_t failed;        /**< targets it could not be sent to (gone, full, ...) */
	uint32_t nreplies;      /**< replies received (<= asked) */
	/** the replies, in arrival order (status 0; a reply whose payload could
	 * not be copied has status CADRE_ENOMEM and no data); NULL if none */
	const cadre_response *replies;
	/** targets[i]: the index in `to` of the target that replies[i]
	 * answers; NULL if no reply */
	const uint32_t *targets;
} cadre_gather;

/**
 * Called by cadre_ask_dispatch (or cadre_asker_fini) with the outcome of a
 * cadre_ask_gather made with a callback; runs as part of the asking
 * actor's callback (it may send, ask again, or fail self). g and what it
 * points to are valid only during the call.
 */
typedef void (*cadre_gather_fn)(cadre_actor *self, void *ctx, const cadre_gather *g);

/**
 * Scatter-gather: inside a callback of self, sends one request (type,
 * size bytes at data) to each of the n targets in `to` (each with its own
 * request id, all with one shared timeout) and gathers the replies until
 * the mode's condition is met: every reply (ALL), the first (ANY), the
 * first `quorum` (QUORUM). It then completes at once; the requests still
 * pending are cancelled (their replies, if they come, are counted late and
 * never delivered). If the timeout comes first, it completes with status
 * CADRE_ETIMEDOUT and the replies that came. The outcome (one per gather)
 * goes to fn(self, ctx, g), run by cadre_ask_dispatch, or, with fn NULL,
 * comes as one CADRE_MSG_GATHER message to self (read it with
 * cadre_gather_read; cadre_ask_dispatch leaves it to receive).
 *
 * A target that cannot be asked (its send fails: gone, a full bounded
 * mailbox, ...) counts in `failed`. If too few targets were asked for the
 * condition ever to be met (ALL with one such target; QUORUM with fewer
 * than quorum asked), nothing is left out: the requests already sent are
 * cancelled and the call fails with the first target's error. A target
 * that stops after it got the request just does not answer (the timeout
 * ends the gather). Each target's request counts in the asker's stats
 * (asked, then replied, or cancelled when the gather completes without it,
 * or timed_out). cadre_ask_cancel(id) ends a gather with no outcome. The
 * outcome message is sent to self like any message: self's own bounded
 * mailbox (CADRE_OVERFLOW_FAIL) that is full refuses it, and it is lost
 * (counted in replies_dropped); such an actor should use a callback.
 *
 * @param self    the asking actor
 * @param a       its asker
 * @param to      the targets (n refs; the same target twice is asked twice)
 * @param n       1 .. CADRE_GATHER_MAX
 * @param type    the requests' type (not reserved)
 * @param data    the payload (may be NULL if size is 0)
 * @param size    payload bytes
 * @param mode    CADRE_GATHER_ALL, _ANY or _QUORUM
 * @param quorum  QUORUM: 1 .. n replies; ignored otherwise
 * @param timeout the shared timeout (CADRE_FOREVER: none; CADRE_NOWAIT: the next tick)
 * @param fn      the callback, or NULL for a CADRE_MSG_GATHER message
 * @param ctx     fn's argument
 * @param id      may be NULL; receives the gather's id
 * @threads only in one of self's callbacks
 * @blocks  no
 * @payload copied before the call returns; the outcome's replies are
 *          copies, valid during the callback or receive that sees them
 * @retval 0 asked; exactly one outcome will come
 * @retval CADRE_EINVAL a NULL (self, a; to with n > 0), n 0 or > CADRE_GATHER_MAX, a bad
 *         mode, quorum 0 or > n, data NULL with size > 0, a reserved type, a bad timeout
 * @retval CADRE_ESTATE not in self's callback, or the asker is finalized
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ETOOBIG the request is larger than max_message_size
 * @retval CADRE_EFULL too few targets asked: the first failure was a full mailbox
 * @retval CADRE_ENOACTOR too few targets asked: the first failure was a gone target
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_ask_gather(cadre_actor *self, cadre_asker *a, const cadre_ref *to, size_t n,
                               uint32_t type, const void *data, size_t size, cadre_gather_mode mode,
                               uint32_t quorum, cadre_timeout timeout, cadre_gather_fn fn,
                               void *ctx, uint64_t *id);

/**
 * Reads a CADRE_MSG_GATHER message (the outcome of a cadre_ask_gather
 * made with fn NULL).
 *
 * @param msg the message
 * @param out receives the view
 * @threads inside the receive that got msg
 * @blocks  no
 * @payload out points into msg: valid only during that receive
 * @retval 0 read
 * @retval CADRE_EINVAL a NULL, or msg is not a gather's outcome
 */
CADRE_API int cadre_gather_read(const cadre_msg *msg, cadre_gather *out);

/**
 * Scatter-gather from a thread that is not a per-core worker (an outside
 * thread, or an actor of the blocking pool): as cadre_ask_gather, and
 * waits for the outcome. *out receives it in one heap block (the view, its
 * replies and their payloads) whenever there is one, that is when the
 * call returns 0, CADRE_ETIMEDOUT or CADRE_ECANCELED: free it with
 * cadre_gather_free; otherwise *out is NULL.
 *
 * @param sys     the system
 * @param to      the targets (n refs)
 * @param n       1 .. CADRE_GATHER_MAX
 * @param type    the requests' type (not reserved)
 * @param data    the payload (may be NULL if size is 0)
 * @param size    payload bytes
 * @param mode    CADRE_GATHER_ALL, _ANY or _QUORUM
 * @param quorum  QUORUM: 1 .. n replies; ignored otherwise
 * @param timeout the shared timeout (CADRE_FOREVER: none)
 * @param out     receives the outcome (the caller's; cadre_gather_free)
 * @threads any thread but a per-core worker
 * @blocks  yes, until the outcome (at most about timeout, unless CADRE_FOREVER)
 * @payload data is copied before the requests go; *out is the caller's
 * @retval 0 the condition was met; (*out)->status is 0
 * @retval CADRE_ETIMEDOUT not in time; *out holds the replies that came
 * @retval CADRE_ECANCELED the system shut down while waiting; *out holds the replies that came
 * @retval CADRE_EINVAL a NULL (sys, out; to with n > 0), n 0 or > CADRE_GATHER_MAX, a bad
 *         mode, quorum 0 or > n, data NULL with size > 0, a reserved type, a bad timeout
 * @retval CADRE_EWOULDBLOCK called on a per-core worker thread
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ELIMIT the actor table is full: no room for the gather's
 *         proxy actor (cadre_spawn)
 * @retval CADRE_ETOOBIG the request is larger than max_message_size
 * @retval CADRE_EFULL too few targets asked: the first failure was a full mailbox
 * @retval CADRE_ENOACTOR too few targets asked: the first failure was a gone target
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_ask_gather_wait(cadre_system *sys, const cadre_ref *to, size_t n, uint32_t type,
                                    const void *data, size_t size, cadre_gather_mode mode,
                                    uint32_t quorum, cadre_timeout timeout, cadre_gather **out);

/**
 * Frees an outcome returned by cadre_ask_gather_wait (and only those).
 * NULL is ignored.
 *
 * @param g the outcome
 * @threads any
 * @blocks  no
 */
CADRE_API void cadre_gather_free(cadre_gather *g);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_ASK_H */
