/**
 * @file
 * Cadre: distribution. A system made with cadre_config.node is a *node*:
 * its actors reach actors of other nodes, in other processes and on other
 * machines, with the refs, sends, links and monitors they already use.
 * Nodes talk over ZeroMQ (TCP or IPC), optionally encrypted and
 * authenticated with CURVE. docs/distribution.md has the guarantees, the
 * wire format, the failure detector and the security model.
 *
 * Guarantees (Erlang's): at-most-once delivery; FIFO per pair of sender
 * and receiver; when a node goes down (connection lost, no tick within
 * timeout_ms, or an explicit leave) every monitor of one of its actors gets
 * DOWN and every link EXIT, with reason CADRE_EXIT_NOCONNECTION; a
 * restarted node is a new incarnation, and refs to the old one are refused
 * (CADRE_ENODE), never delivered to the new one.
 *
 * Refs: a ref names its node by the node's incarnation (a random non-zero
 * 32-bit number chosen when the node starts), so refs are plain values that
 * mean the same on every node: they may be copied into payloads. A system
 * that is not a node makes refs whose node word is zero.
 *
 * Payloads cross as bytes. A copied payload (cadre_send) crosses as it is;
 * a moved one (cadre_send_move) crosses only if a serializer is registered
 * for its type (cadre_node_serializer), and is otherwise refused with
 * CADRE_ESERIAL (the caller keeps it). A message for a node that is down or
 * unknown is a counted dead letter (CADRE_ENODE). A peer whose outbound
 * queue is full (queue_max) refuses the send with CADRE_EFULL, not
 * counted: the sender's backpressure.
 */
#ifndef CADRE_NODE_H
#define CADRE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The longest node name, in bytes (names are [A-Za-z0-9_.-]+). */
#define CADRE_NODE_NAME_MAX 63
/** A CURVE key as Z85 text: 40 characters (plus the NUL). */
#define CADRE_NODE_KEY_LEN 40

/** What makes a system a node (cadre_config.node). Strings are copied. */
typedef struct cadre_node_config {
	const char *name;     /**< unique in the cluster; [A-Za-z0-9_.-], 1..63 bytes */
	const char *endpoint; /**< where it listens: "tcp://127.0.0.1:7001", "ipc:///tmp/n.sock" */
	/** This node's CURVE key pair (Z85, 40 characters each); NULL with insecure. */
	const char *public_key;
	const char *secret_key; /**< (see public_key) */
	/** The public keys of the nodes this node accepts (Z85); a node that
	 *  presents another key is refused, and the refusal is reported
	 *  (CADRE_NODE_REFUSED to node monitors, a log event, a counter). */
	const char *const *accept_keys;
	size_t n_accept_keys; /**< (see accept_keys) */
	/** No encryption, no authentication: for tests on one machine. Must be
	 *  said explicitly; then the keys must be NULL. */
	bool insecure;
	/** Seed nodes' endpoints, connected at start (see cadre_node_connect);
	 *  their public keys in seed_keys (NULL with insecure). */
	const char *const *seeds;
	const char *const *seed_keys; /**< (see seeds) */
	size_t n_seeds;               /**< (see seeds) */
	uint32_t tick_ms;             /**< a tick to every peer this often; 0 = 250 */
	uint32_t timeout_ms;          /**< a peer silent this long is down; 0 = 1500 */
	uint32_t queue_max; /**< messages queued per peer before CADRE_EFULL; 0 = 65,536 */
	/** Bytes delivered from the network and not yet handled, over all
	 *  peers, before this node stops reading (then TCP slows the senders);
	 *  0 = 64 MiB. */
	uint64_t inbound_max;
} cadre_node_config;

/* ---- what node monitors receive ------------------------------------------ */

/** Message type: a node event; data is a cadre_node_event. */
#define CADRE_MSG_NODE 0xFFFF0501u
/** Message type: the answer to cadre_spawn_on or cadre_whereis_on; data is
 *  a cadre_node_reply. */
#define CADRE_MSG_NODE_REPLY 0xFFFF0502u

/** What happened to a node. */
typedef enum cadre_node_event_kind {
	CADRE_NODE_UP = 1,      /**< connected (handshake done both ways) */
	CADRE_NODE_DOWN = 2,    /**< declared down; `reason` says why */
	CADRE_NODE_REFUSED = 3, /**< a connection was refused (unknown key, bad handshake) */
} cadre_node_event_kind;

/** Why a node was declared down, or a connection refused. */
typedef enum cadre_node_reason {
	CADRE_NODE_R_NONE = 0,         /**< none (UP) */
	CADRE_NODE_R_DISCONNECTED = 1, /**< the connection closed (the peer died or reset) */
	CADRE_NODE_R_TIMEOUT = 2,      /**< nothing heard for timeout_ms */
	CADRE_NODE_R_LEAVE = 3,        /**< the peer left (cadre_system_shutdown) */
	CADRE_NODE_R_RESTARTED = 4,    /**< the peer came back as a new incarnation */
	CADRE_NODE_R_SESSION = 5,      /**< the peer had declared this node down */
	CADRE_NODE_R_UNKNOWN_KEY = 6,  /**< REFUSED: its CURVE key is not accepted */
	CADRE_NODE_R_HANDSHAKE = 7,    /**< REFUSED: version, name or incarnation clash */
} cadre_node_reason;

/** The data of a CADRE_MSG_NODE message. */
typedef struct cadre_node_event {
	cadre_node_event_kind kind;         /**< what happened */
	cadre_node_reason reason;           /**< why (DOWN, REFUSED); CADRE_NODE_R_NONE for UP */
	uint32_t incarnation;               /**< the peer's (0 if unknown: REFUSED) */
	char name[CADRE_NODE_NAME_MAX + 1]; /**< the peer's name, or its address if unknown */
} cadre_node_event;

/** The data of a CADRE_MSG_NODE_REPLY message. */
typedef struct cadre_node_reply {
	uint64_t req;  /**< as returned by the call */
	int status;    /**< 0, or CADRE_ENOENT (no such name / behaviour), CADRE_ENODE,
	                    CADRE_ETIMEDOUT, or the remote spawn's error */
	cadre_ref ref; /**< the actor found or spawned (CADRE_REF_NONE on error) */
} cadre_node_reply;

/**
 * Reads a node event (CADRE_MSG_NODE) or a reply (CADRE_MSG_NODE_REPLY).
 * @retval 0 read
 * @retval CADRE_EINVAL NULL, or m is not of that type and size
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_event_read(const cadre_msg *m, cadre_node_event *ev);
/**
 * Reads the answer to cadre_spawn_on or cadre_whereis_on (a
 * CADRE_MSG_NODE_REPLY message).
 * @retval 0 read
 * @retval CADRE_EINVAL NULL, or m is not of that type and size
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_reply_read(const cadre_msg *m, cadre_node_reply *r);

/* ---- the node ------------------------------------------------------------- */

/**
 * Connects to the node at endpoint (asynchronously: CADRE_NODE_UP follows).
 * The connection is kept: after a failure it is tried again. Connecting to
 * a seed also connects to every node the seed knows (a full mesh).
 * @param server_key the peer's public key (Z85); NULL with insecure
 * @retval 0 connecting
 * @retval CADRE_EINVAL sys or endpoint NULL, or a key where there must be none (or none where
 *         one is needed)
 * @retval CADRE_ESTATE sys is not a node
 * @retval CADRE_EADDR endpoint unparsable
 * @retval CADRE_ECLOSED the system is shutting down
 * @retval CADRE_ENOMEM out of memory
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_connect(cadre_system *sys, const char *endpoint, const char *server_key);

/**
 * This node's name (copied into name, NUL-terminated) and incarnation.
 * @retval 0 done
 * @retval CADRE_EINVAL a NULL argument, or size too small
 * @retval CADRE_ESTATE sys is not a node
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_self(cadre_system *sys, char *name, size_t size, uint32_t *incarnation);

/**
 * The name of ref's node, "" for this node's actors.
 * @retval 0 done
 * @retval CADRE_ENODE ref names a node this node does not know
 * @retval CADRE_EINVAL a NULL argument, or size too small
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_of(cadre_system *sys, cadre_ref ref, char *name, size_t size);

/**
 * The nodes connected now (up), at most max of them, names into
 * names[i] (each CADRE_NODE_NAME_MAX + 1 bytes).
 * @return how many are up (a count; may be more than max)
 * @retval CADRE_EINVAL sys NULL, or names NULL with max > 0
 * @retval CADRE_ESTATE sys is not a node
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_list(cadre_system *sys, char (*names)[CADRE_NODE_NAME_MAX + 1],
                              size_t max);

/**
 * Subscribes self to node events (Erlang's monitor_nodes): CADRE_MSG_NODE
 * messages for every node that comes up, goes down, or is refused. Off
 * again with on = false; also off when self stops.
 * @retval 0 done
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE not in one of self's callbacks, or not a node
 * @retval CADRE_ENOMEM out of memory
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API int cadre_node_monitor(cadre_actor *self, bool on);

/**
 * Registers a behaviour under a name, so that other nodes may spawn it
 * here (cadre_spawn_on). The behaviour must outlive the system.
 * @retval 0 registered
 * @retval CADRE_EEXIST the name is taken
 * @retval CADRE_EINVAL a NULL argument or a bad name
 * @retval CADRE_ESTATE not a node
 * @retval CADRE_ENOMEM out of memory
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_behaviour(cadre_system *sys, const char *name, const cadre_behaviour *beh);

/** The argument a remotely spawned actor's start receives: the bytes its
 *  spawner gave, valid during start only. */
typedef struct cadre_remote_arg {
	const void *data; /**< the bytes (NULL when size is 0) */
	size_t size;      /**< how many */
} cadre_remote_arg;

/**
 * Spawns, on the node named `node`, the behaviour registered there under
 * `behaviour`; its start gets a cadre_remote_arg with a copy of arg. With
 * CADRE_SPAWN_LINK in flags the new actor is linked to self before it
 * runs (spawn_link). The outcome arrives to self as a CADRE_MSG_NODE_REPLY
 * with the id in *req, within timeout_ms (then CADRE_ETIMEDOUT).
 * @retval 0 asked
 * @retval CADRE_EINVAL a NULL argument, other flags than CADRE_SPAWN_LINK, or size too big
 * @retval CADRE_ESTATE not in one of self's callbacks, or not a node
 * @retval CADRE_ENODE no such node up
 * @retval CADRE_ENOMEM out of memory
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API int cadre_spawn_on(cadre_actor *self, const char *node, const char *behaviour,
                             const void *arg, size_t size, uint32_t flags, int64_t timeout_ms,
                             uint64_t *req);

/**
 * Looks a registered name up on the node named `node` (cadre/registry.h);
 * the answer arrives as a CADRE_MSG_NODE_REPLY with the id in *req.
 * @retval 0 asked
 * @retval CADRE_EINVAL a NULL argument
 * @retval CADRE_ESTATE not in one of self's callbacks, or not a node
 * @retval CADRE_ENODE no such node up
 * @retval CADRE_ENOMEM out of memory
 * @threads self's callbacks
 * @blocks  no
 */
CADRE_API int cadre_whereis_on(cadre_actor *self, const char *node, const char *name,
                               int64_t timeout_ms, uint64_t *req);

/**
 * cadre_whereis_on for a thread that may block (not a worker): waits for
 * the answer.
 * @retval 0 found: *ref
 * @retval CADRE_ENOENT no such name there
 * @retval CADRE_ENODE no such node up, or it went down meanwhile
 * @retval CADRE_ETIMEDOUT no answer in time
 * @retval CADRE_ESTATE called on a worker, or not a node
 * @retval CADRE_EINVAL a NULL argument, or a name of 0 or over 255 bytes
 * @retval CADRE_ENOMEM out of memory
 * @threads any thread but a worker
 * @blocks  up to timeout_ms
 */
CADRE_API int cadre_whereis_wait(cadre_system *sys, const char *node, const char *name,
                                 int64_t timeout_ms, cadre_ref *ref);

/**
 * Waits until the node named `node` is up.
 * @retval 0 up
 * @retval CADRE_ETIMEDOUT not up in time
 * @retval CADRE_ESTATE called on a worker, or not a node
 * @retval CADRE_EINVAL sys or node NULL
 * @threads any thread but a worker
 * @blocks  up to timeout_ms
 */
CADRE_API int cadre_node_wait(cadre_system *sys, const char *node, int64_t timeout_ms);

/** Writes a moved payload as bytes: returns how many (at most cap), or the
 *  size needed if more than cap (then it is called again with that room),
 *  or a negative CADRE_E* code. */
typedef long (*cadre_serialize_fn)(void *ctx, uint32_t type, const void *data, size_t size,
                                   void *out, size_t cap);

/**
 * Lets moved payloads of `type` cross to other nodes: `ser` writes them as
 * bytes on the sender's thread (then the payload's destructor runs); the
 * receiving node delivers the bytes as a copied payload. Without one, a
 * cadre_send_move of that type to a remote ref fails with CADRE_ESERIAL.
 * @retval 0 registered (replacing any earlier one)
 * @retval CADRE_EINVAL sys or ser NULL, or a reserved type
 * @retval CADRE_ESTATE not a node
 * @retval CADRE_ENOMEM out of memory
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_serializer(cadre_system *sys, uint32_t type, cadre_serialize_fn ser,
                                    void *ctx);

/** A node's counters (cadre_node_stats). */
typedef struct cadre_node_stats {
	uint64_t frames_out;   /**< frames sent to peers */
	uint64_t frames_in;    /**< frames received and accepted */
	uint64_t bytes_out;    /**< their bytes */
	uint64_t bytes_in;     /**< (see bytes_out) */
	uint64_t malformed;    /**< frames dropped: undecodable, or naming what they may not */
	uint64_t refused;      /**< connections refused (key, handshake) */
	uint64_t stale;        /**< frames dropped: from an old session or incarnation */
	uint64_t nodes_up;     /**< UP events */
	uint64_t nodes_down;   /**< DOWN events */
	uint64_t overflows;    /**< sends refused with CADRE_EFULL (queue_max) */
	uint64_t dead_remote;  /**< messages dead-lettered because their node was down */
	uint64_t reads_paused; /**< times reading stopped at inbound_max */
} cadre_node_stats;

/**
 * This node's counters.
 * @retval 0 done
 * @retval CADRE_EINVAL a NULL argument
 * @retval CADRE_ESTATE not a node
 * @threads any thread
 * @blocks  no
 */
CADRE_API int cadre_node_stats_get(cadre_system *sys, cadre_node_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_NODE_H */
