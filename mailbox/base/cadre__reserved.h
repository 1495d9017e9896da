/* Cadre internal: the reserved message types.
 *
 * Message types from 0xFFFF0000 up are Cadre's own (cadre/actor.h): the
 * signals delivered as messages (CADRE_MSG_EXIT, _DOWN, _STARTED), and the
 * internal messages of the actors in actors/ (a supervisor's requests and
 * timers, a router's control messages and its routees' DRAIN, the replies
 * of request/response). Their receivers trust their payloads, so the
 * public sends (cadre_send, cadre_send_move, cadre_send_after,
 * cadre_send_interval, and the ask/request calls of actors/) refuse them
 * with CADRE_EINVAL.
 *
 * The library's own actors send their reserved types with the functions
 * below: the public calls without the reserved-type check, hidden from the
 * shared library's exports and declared in no public header. They are
 * defined in core (send/send.c, timer/timer.c); this header is at the base
 * so that actors/, which may use only the public API and mailbox/base,
 * reaches them. Their parameters are those of the public calls (a
 * declaration may name an incomplete struct type; callers include the
 * public headers). Receivers still check what they get: the size, and who
 * sent it.
 */
#ifndef CADRE__RESERVED_H
#define CADRE__RESERVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CADRE__RESERVED_TYPES 0xFFFF0000u

static inline bool
cadre__type_reserved(uint32_t type)
{
	return type >= CADRE__RESERVED_TYPES;
}

struct cadre_system;
struct cadre_ref;
struct cadre_timer;

#define CADRE__HIDDEN __attribute__((visibility("hidden")))

/* cadre_send, any type. */
CADRE__HIDDEN int cadre__send_reserved(struct cadre_system *sys, struct cadre_ref to, uint32_t type,
                                       const void *data, size_t size);
/* A reply (cadre_respond, cadre_reply), any type: a send that never fails
 * because of the receiver. Where cadre_send would fail with CADRE_ENOACTOR,
 * CADRE_ECLOSED or CADRE_EFULL, the message is counted sent and
 * dead-lettered (the hook sees it) and 1 is returned; 0: queued; or
 * CADRE_EINVAL, CADRE_ETOOBIG, CADRE_ENOMEM (nothing sent). */
CADRE__HIDDEN int cadre__respond_reserved(struct cadre_system *sys, struct cadre_ref to,
                                          uint32_t type, const void *data, size_t size);
/* cadre_send_move, any type. */
CADRE__HIDDEN int cadre__send_move_reserved(struct cadre_system *sys, struct cadre_ref to,
                                            uint32_t type, void *data, size_t size,
                                            void (*dtor)(void *data, size_t size));
/* cadre_send_after, any type. */
CADRE__HIDDEN int cadre__send_after_reserved(struct cadre_system *sys, struct cadre_ref to,
                                             uint32_t type, const void *data, size_t size,
                                             uint64_t delay_ms, struct cadre_timer *out);

#endif /* CADRE__RESERVED_H */
