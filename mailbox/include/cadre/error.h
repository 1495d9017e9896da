/**
 * @file
 * Cadre: one error table for the whole project.
 *
 * Sign convention: every function that can fail returns int; 0 means success
 * and a negative CADRE_E* code means failure. Functions that return a count
 * return it as a non-negative int and failures as negative codes. Nothing in
 * Cadre sets errno.
 *
 * The table below is the single source: it produces the enum, cadre_strerror()
 * and cadre_err_name(). Codes are stable once released; add new ones at the end.
 */
#ifndef CADRE_ERROR_H
#define CADRE_ERROR_H

#include <cadre/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The error table: one `X(NAME, value, message)` per code. Expand it with
 * your own X to build a table of your own (the enum and the two functions
 * below are built from it).
 */
#define CADRE_ERRNO_MAP(X)                                                        \
	X(EINVAL, -1, "invalid argument (NULL or out of range)")                  \
	X(ENOMEM, -2, "out of memory")                                            \
	X(EFULL, -3, "bounded mailbox is full")                                   \
	X(ECLOSED, -4, "system is shut down or shutting down")                    \
	X(ENOACTOR, -5, "no such actor (stale, forged or foreign ref)")           \
	X(ETOOBIG, -6, "message payload larger than the configured maximum")      \
	X(EEMPTY, -7, "nothing to take")                                          \
	X(ETIMEDOUT, -8, "timed out")                                             \
	X(EEXIST, -9, "already exists")                                           \
	X(ENOENT, -10, "not found")                                               \
	X(EBUSY, -11, "busy (the operation cannot be done in the current state)") \
	X(ECANCELED, -12, "canceled")                                             \
	X(EWOULDBLOCK, -13, "the call would block a worker thread")               \
	X(ESTATE, -14, "called in the wrong lifecycle state")                     \
	X(ESYS, -15, "an operating system call failed")                           \
	X(EADDRINUSE, -16, "address already in use")                              \
	X(EBADF, -17, "not an open file descriptor")                              \
	X(EADDR, -18, "address does not parse or does not resolve")               \
	X(ECONNREFUSED, -19, "connection refused")                                \
	X(ECONNRESET, -20, "connection reset by peer")                            \
	X(ELIMIT, -21, "a system limit is reached (the actor table is full)")     \
	X(ENODE, -22, "the actor's node is down or unknown")                      \
	X(ESERIAL, -23, "a moved payload cannot cross nodes without a serializer")

/**
 * The codes: CADRE_OK and CADRE_<NAME> = value for each row of
 * CADRE_ERRNO_MAP. Functions return them negative as they are (they are
 * negative numbers), never in errno.
 */
enum cadre_errno {
	CADRE_OK = 0, /**< success */
#define CADRE__ERR_ENUM(name, value, msg) CADRE_##name = (value),
	CADRE_ERRNO_MAP(CADRE__ERR_ENUM)
#undef CADRE__ERR_ENUM
};

/** @var CADRE_EINVAL
 * An argument is invalid: a required pointer is NULL, a size, count,
 * timeout or enum value is out of range, or a reserved message type. */
/** @var CADRE_ENOMEM
 * Out of memory. Nothing was changed. */
/** @var CADRE_EFULL
 * A bounded mailbox (or a stash) is full. */
/** @var CADRE_ECLOSED
 * The system is shut down or shutting down. */
/** @var CADRE_ENOACTOR
 * No such actor: the ref is stale (the actor stopped), forged or of
 * another system. */
/** @var CADRE_ETOOBIG
 * A payload is larger than the configured maximum (cadre_config's
 * max_message_size), or a reply larger than the caller's buffer. */
/** @var CADRE_EEMPTY
 * Nothing to take. */
/** @var CADRE_ETIMEDOUT
 * The timeout passed first. */
/** @var CADRE_EEXIST
 * The name or id is taken already. */
/** @var CADRE_ENOENT
 * Not found: an unknown name, id, timer or child. */
/** @var CADRE_EBUSY
 * The operation cannot be done in the current state (a running child, a
 * mailbox with mail). */
/** @var CADRE_ECANCELED
 * The operation was cancelled before it completed (a request whose asker
 * was finalized, a child whose start failed, a system shut down while
 * waiting). */
/** @var CADRE_EWOULDBLOCK
 * The call would block, and the calling thread is a worker, which must not
 * block. */
/** @var CADRE_ESTATE
 * Called in the wrong lifecycle state, or from the wrong place (a function
 * for an actor's callbacks called from elsewhere). */
/** @var CADRE_ESYS
 * An operating system call failed (threads, memory mapping). */
/** @var CADRE_EADDRINUSE
 * The address is in use already (a listen or bind on a taken port or
 * path; cadre/io.h). */
/** @var CADRE_EBADF
 * Not an open file descriptor (cadre/io.h). */
/** @var CADRE_EADDR
 * An address that does not parse, or a host name that does not resolve
 * (cadre/io.h). */
/** @var CADRE_ECONNREFUSED
 * The peer refused the connection (cadre/io.h). */
/** @var CADRE_ECONNRESET
 * The peer reset the connection (cadre/io.h). */
/** @var CADRE_ELIMIT
 * A fixed limit of the system is reached: a spawn with the actor table
 * full (268,435,455 live actors). Nothing was changed; spawns succeed
 * again once actors stop. */
/** @var CADRE_ENODE
 * The ref names an actor of another node (cadre/node.h) that is down, not
 * connected, or an old incarnation of it. A send is counted as a dead
 * letter. */
/** @var CADRE_ESERIAL
 * A moved payload (cadre_send_move) to an actor of another node, and no
 * serializer is registered for its type (cadre_node_serializer): not
 * sent; the caller keeps the payload. */

/**
 * A human-readable message for a code; "unknown error" for anything else.
 *
 * @param err a CADRE_E* code (or anything)
 * @return the message: never NULL, a static string
 * @threads any thread
 * @blocks  no
 */
CADRE_API const char *cadre_strerror(int err);

/**
 * The code's name, as "CADRE_EFULL"; "CADRE_UNKNOWN" for anything else.
 *
 * @param err a CADRE_E* code (or anything)
 * @return the name: never NULL, a static string
 * @threads any thread
 * @blocks  no
 */
CADRE_API const char *cadre_err_name(int err);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_ERROR_H */
