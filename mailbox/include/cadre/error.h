/* Cadre: one error table for the whole project.
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

/* X(NAME, value, message) */
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
	X(ESYS, -15, "an operating system call failed")

enum cadre_errno {
	CADRE_OK = 0,
#define CADRE__ERR_ENUM(name, value, msg) CADRE_##name = (value),
	CADRE_ERRNO_MAP(CADRE__ERR_ENUM)
#undef CADRE__ERR_ENUM
};

/* A human-readable message for a code; "unknown error" for anything else.
 * Thread-safe, never NULL, the string is static. */
CADRE_API const char *cadre_strerror(int err);

/* The code's name, e.g. "CADRE_EFULL"; "CADRE_UNKNOWN" for anything else.
 * Thread-safe, never NULL, the string is static. */
CADRE_API const char *cadre_err_name(int err);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_ERROR_H */
