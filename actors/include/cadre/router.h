/**
 * @file
 * Cadre: routers and pools.
 *
 * A router is an actor that forwards each ordinary message it receives
 * (type < 0xFFFF0000) to one or more of its routees, chosen by a strategy:
 *   - ROUND_ROBIN: each routee in turn;
 *   - RANDOM: uniformly at random;
 *   - BROADCAST: every routee (n messages for one);
 *   - CONSISTENT_HASH: by a hash of the message's key, on a hash ring with
 *     `vnodes` virtual nodes per routee, so that the same key goes to the
 *     same routee while the set is unchanged, and adding or removing one of
 *     n routees moves only about 1/n of the keys (those of the new or the
 *     removed routee). The key is the first key_size bytes of the payload
 *     (the whole payload if key_size is 0 or the payload is shorter), or
 *     what spec.hash returns. For a request (cadre/ask.h) the payload means
 *     the caller's payload, after the request header.
 *   - SMALLEST_MAILBOX (pools only): the routee with the fewest messages in
 *     flight: forwarded to it and not yet handled by it (the router counts
 *     up as it forwards, the routee's wrapper counts down as each receive
 *     returns: an exact count, no extra message); ties are broken in turn.
 *     Core has no public mailbox length; this is that length, plus the
 *     message being handled.
 * When a send to the chosen routee fails because it is gone or its bounded
 * mailbox is full, the router tries the next candidate (the next in turn,
 * or the next routee clockwise on the ring); a message no routee took is
 * counted `unroutable` (a failed send to a dead routee is also a dead
 * letter, as always).
 *
 * The original sender is kept: the router puts a small header (the
 * original sender) in front of the payload. Pool routees never see it:
 * their behaviour is wrapped, and their receive gets the message exactly as
 * the router got it (type, payload and sender). Group routees (actors
 * given by ref) read it with cadre_route_unwrap. So a request sent through
 * a router is answered to its requester, by any routee.
 *
 * Pools: with spec.beh set, the router spawns pool_size routees of that
 * behaviour itself (each started with spec.arg), linked to it, and:
 *   - resizes at run time on CADRE_ROUTER_RESIZE (cadre_router_resize):
 *     growing spawns routees; shrinking takes the newest out of routing at
 *     once and stops them gracefully: each first handles what the router
 *     forwarded to it before, then stops with reason SHUTDOWN (its stop
 *     callback runs). (A routee whose bounded mailbox is full gets the exit
 *     signal `shutdown` at once instead; its queued mail is dead-lettered.)
 *   - restarts a routee that stops without being asked to (crash, or any
 *     other reason), in the same place on the hash ring, at most intensity
 *     times within period_ms; one more and the router fails (reason
 *     FAILURE, detail "routee restart intensity"), which escalates to its
 *     supervisor. With handover_mail, a restarted routee inherits the mail
 *     its predecessor left queued.
 *   - is usable as a supervisor's child: child spec .beh =
 *     cadre_router_behaviour(), .arg = the cadre_router_spec. When the
 *     router stops, for any reason, it sends its routees the exit signal
 *     `shutdown` (what is still queued to them is dead-lettered).
 *   Pool routees' behaviour is wrapped by the router, so in a pool routee
 *   cadre_become is refused (CADRE_EINVAL: the wrapper's size differs), and
 *   so is cadre_stash of a message that came through the router (the
 *   routee's receive sees a copy of the message view without the header,
 *   not the view core is delivering).
 *   The wrappers are interned per behaviour, process-wide, and never freed
 *   (core reads an actor's behaviour until the actor's memory is
 *   reclaimed), like the static behaviours they wrap.
 * Groups: with spec.beh NULL, the routees are the nroutees refs given
 * (copied at start; more with CADRE_ROUTER_ADD, fewer with
 * CADRE_ROUTER_REMOVE). The router monitors them and drops a routee that
 * stops.
 *
 * Control messages (reserved types 0xFFFF0300..0xFFFF03FF) may come from
 * any actor or thread, through the helpers below: cadre_send, like every
 * public send, refuses reserved types (CADRE_EINVAL). A router answers
 * CADRE_ROUTER_QUERY requests (cadre_router_query, from a thread that is
 * not a worker) with its counters and its routees.
 *
 * The spec is read at start only (spec.arg and spec.hash_ctx must live as
 * long as the routees and the router that use them).
 */
#ifndef CADRE_ROUTER_H
#define CADRE_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>
#include <cadre/ask.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Control message (uint32_t n): a pool grows or shrinks to n routees. */
#define CADRE_ROUTER_RESIZE 0xFFFF0301u
/** Control message (cadre_ref): a group adds this routee. */
#define CADRE_ROUTER_ADD 0xFFFF0302u
/** Control message (cadre_ref): a group drops this routee. */
#define CADRE_ROUTER_REMOVE 0xFFFF0303u
/** A request (cadre/ask.h) with no payload, answered with a reply of the
 * same type: a cadre_router_stats, then cadre_ref[stats.routees]. */
#define CADRE_ROUTER_QUERY 0xFFFF0304u

/** Bytes the router's header adds to a forwarded payload. */
#define CADRE_ROUTE_HEADER 24u

/**
 * A router spec's (or a supervisor spec's) intensity: no restart is
 * allowed; the first routee failure fails the router (Cadre's 0 is OTP's
 * default intensity, 1).
 */
#ifndef CADRE_NO_RESTARTS
#define CADRE_NO_RESTARTS UINT32_MAX
#endif

/** A router's strategy (above). */
typedef enum cadre_route {
	CADRE_ROUTE_ROUND_ROBIN = 0,      /**< each routee in turn */
	CADRE_ROUTE_RANDOM = 1,           /**< uniformly at random */
	CADRE_ROUTE_BROADCAST = 2,        /**< every routee */
	CADRE_ROUTE_CONSISTENT_HASH = 3,  /**< by the key's hash, on a ring */
	CADRE_ROUTE_SMALLEST_MAILBOX = 4, /**< fewest messages in flight (pools only) */
} cadre_route;

/** A message's key hash for CONSISTENT_HASH (msg is the message as the
 * router got it; for a request, see above). Called on the router's worker. */
typedef uint64_t (*cadre_route_hash_fn)(void *ctx, const void *data, size_t size,
                                        const cadre_msg *msg);

/** What a router does (the argument of its start). */
typedef struct cadre_router_spec {
	cadre_route strategy; /**< how a routee is chosen */
	/* A pool (beh != NULL): */
	const cadre_behaviour *beh; /**< a pool: the routees' behaviour; NULL: a group */
	void *arg;                  /**< pool: each routee's start(arg) */
	uint32_t pool_size;         /**< pool: routees at start */
	uint32_t mailbox_capacity;  /**< pool: each routee's; 0 = unbounded */
	uint32_t intensity;         /**< pool: restarts allowed within period_ms; 0: OTP's default,
	                                 1; CADRE_NO_RESTARTS: none (the first routee failure
	                                 fails the router) */
	uint32_t period_ms;         /**< pool: the intensity's window in ms; 0: 5000 */
	bool handover_mail;         /**< pool: a restarted routee inherits its predecessor's mail */
	uint32_t spawn_flags;       /**< pool: more CADRE_SPAWN_* for each routee: BLOCKING (a pool
	                               of workers whose callbacks block), TRAP_EXITS */
	/* A group (beh == NULL): */
	const cadre_ref *routees; /**< group: the routees (copied at start) */
	size_t nroutees;          /**< group: how many */
	/* CONSISTENT_HASH: */
	uint32_t vnodes;          /**< hash: ring points per routee; 0 = 160 */
	uint32_t key_size;        /**< hash: 0: the whole payload is the key */
	cadre_route_hash_fn hash; /**< hash: optional: replaces the key and its hash */
	void *hash_ctx;           /**< hash: hash's ctx */
	/* RANDOM: */
	uint64_t seed; /**< random: 0: a seed of the router's own */
} cadre_router_spec;

/**
 * The router behaviour; its start takes a const cadre_router_spec * as arg
 * and fails with CADRE_EINVAL on a bad spec (NULL; a strategy out of
 * range; SMALLEST_MAILBOX for a group; routees NULL with nroutees > 0) or
 * CADRE_ENOMEM / a spawn's error if the pool cannot be spawned (the
 * router then stops with reason FAILURE and that code).
 *
 * @return the behaviour: static, never NULL
 * @threads any thread
 * @blocks  no
 */
CADRE_API const cadre_behaviour *cadre_router_behaviour(void);

/**
 * cadre_spawn(sys, cadre_router_behaviour(), NULL, spec, out). A bad spec
 * is found by the router's start (see cadre_router_behaviour), after this
 * returned 0.
 *
 * @threads any thread, including callbacks
 * @blocks  no
 * @retval 0 spawned
 * @retval CADRE_EINVAL sys, spec or out NULL
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ELIMIT the actor table is full (cadre_spawn)
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_router_spawn(cadre_system *sys, const cadre_router_spec *spec, cadre_ref *out);

/* The control messages. A pool ignores ADD and REMOVE, a group ignores
 * RESIZE. Each returns cadre_send's codes. */

/**
 * Sends the router CADRE_ROUTER_RESIZE: a pool grows or shrinks to n
 * routees (a group ignores it).
 *
 * @threads any thread, including callbacks
 * @blocks  no
 * @retval 0 sent
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_ETOOBIG max_message_size is below the control message's size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the router's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_router_resize(cadre_system *sys, cadre_ref router, uint32_t n);

/**
 * Sends the router CADRE_ROUTER_ADD: a group adds routee (a pool ignores
 * it).
 *
 * @threads any thread, including callbacks
 * @blocks  no
 * @retval 0 sent
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_ETOOBIG max_message_size is below the control message's size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the router's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_router_add(cadre_system *sys, cadre_ref router, cadre_ref routee);

/**
 * Sends the router CADRE_ROUTER_REMOVE: a group drops routee (a pool
 * ignores it).
 *
 * @threads any thread, including callbacks
 * @blocks  no
 * @retval 0 sent
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_ETOOBIG max_message_size is below the control message's size
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the router's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_router_remove(cadre_system *sys, cadre_ref router, cadre_ref routee);

/** A router's counters (cadre_router_query). */
typedef struct cadre_router_stats {
	uint32_t strategy;   /**< a cadre_route */
	uint32_t routees;    /**< routees taking messages now */
	uint32_t stopping;   /**< pool routees asked to stop (shrink), not gone yet */
	uint32_t reserved_;  /**< zero */
	uint64_t received;   /**< ordinary messages received */
	uint64_t forwarded;  /**< messages sent to routees (broadcast: one per routee) */
	uint64_t unroutable; /**< received, but taken by no routee */
	uint64_t restarts;   /**< pool routees restarted */
	uint64_t dead;       /**< forwards that found their routee gone: dead letters (the
	                        next routee is tried) */
} cadre_router_stats;

/**
 * Asks the router for its counters and routees. Control messages sent
 * before by the same thread are already applied.
 *
 * @param stats may be NULL
 * @param refs  receives at most max routees; may be NULL if max is 0
 * @param n     may be NULL; else receives how many routees there are
 * @threads any thread that is not a worker
 * @blocks  until the router answers, or the timeout (cadre_ask_wait)
 * @retval 0 answered
 * @retval CADRE_EINVAL refs NULL with max > 0, max too large, sys NULL, a
 *         bad timeout, router is not a router
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EFULL the router's bounded mailbox is full
 * @retval CADRE_ENOACTOR no such actor
 * @retval CADRE_ECLOSED the system is shut down
 * @retval CADRE_ETIMEDOUT no answer in time
 * @retval CADRE_EWOULDBLOCK called on a worker thread
 * @retval CADRE_ECANCELED the system shut down while waiting
 */
CADRE_API int cadre_router_query(cadre_system *sys, cadre_ref router, cadre_router_stats *stats,
                                 cadre_ref *refs, size_t max, size_t *n, cadre_timeout timeout_ms);

/**
 * Inside a group routee's receive: *out becomes the message as the router
 * got it (type, payload after the router's header, original sender). A
 * message that did not come through a router is copied as is.
 *
 * @threads any thread (normally the receive that got msg)
 * @blocks  no
 * @payload out->data points into msg: valid only while msg is
 * @retval 0 done
 * @retval CADRE_EINVAL a NULL
 */
CADRE_API int cadre_route_unwrap(const cadre_msg *msg, cadre_msg *out);

/**
 * True if msg came through a router (carries its header); false for NULL.
 *
 * @threads any thread
 * @blocks  no
 */
CADRE_API bool cadre_route_is_routed(const cadre_msg *msg);

/**
 * The hash a CONSISTENT_HASH router uses for a key (without spec.hash).
 * A NULL key hashes as the empty key, whatever size says.
 *
 * @threads any thread
 * @blocks  no
 */
CADRE_API uint64_t cadre_route_hash(const void *key, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_ROUTER_H */
