/* Cadre internal (actors/): what ask.c (the asker) and gather.c
 * (scatter-gather on top of it) share.
 *
 * A gather puts n + 1 entries in the asker's table: one per target (a
 * MEMBER: its request id, the gather's record and the target's index; no
 * timer of its own) and one for the gather (a GATHER: its id, its record
 * and the one shared timeout timer). cadre_ask_dispatch finds them as it
 * finds requests and hands them to gather.c; everything still runs on the
 * asking actor's callbacks, so nothing here is shared between threads.
 */
#ifndef CADRE__GATHER_H
#define CADRE__GATHER_H

#include <stdint.h>

#include <cadre.h>
#include <cadre/ask.h>

#include "cadre__reserved.h"

enum { CADRE__SLOT_REQ = 0, CADRE__SLOT_MEMBER = 1, CADRE__SLOT_GATHER = 2 };

struct cadre__ask_slot {
	uint64_t id;          /* 0: empty */
	cadre_response_fn fn; /* REQ: the callback, NULL for message mode */
	void *ctx;            /* REQ: fn's ctx; MEMBER, GATHER: the gather's record */
	cadre_timer timer;    /* REQ, GATHER: the timeout */
	uint32_t kind;        /* CADRE__SLOT_* */
	uint32_t idx;         /* MEMBER: the target's index */
};

/* ---- ask.c: the table, ids, the wire --------------------------------------------- */
/* Room for k more entries (CADRE_ENOMEM). */
CADRE__HIDDEN int cadre__ask_reserve(cadre_asker *a, uint32_t k);
/* The entry of id, or NULL. */
CADRE__HIDDEN struct cadre__ask_slot *cadre__ask_find(const cadre_asker *a, uint64_t id);
/* A new entry for id (room reserved), counted pending. */
CADRE__HIDDEN struct cadre__ask_slot *cadre__ask_put(cadre_asker *a, uint64_t id);
/* Removes s (no longer pending). */
CADRE__HIDDEN void cadre__ask_erase(cadre_asker *a, struct cadre__ask_slot *s);
/* The next request id of a (never reused). */
CADRE__HIDDEN uint64_t cadre__ask_new_id(cadre_asker *a);
/* Arms the timeout of id: a CADRE_MSG_REPLY with status CADRE_ETIMEDOUT
 * to self after timeout_ms. */
CADRE__HIDDEN int cadre__ask_arm(cadre_system *sys, cadre_ref self, uint64_t id,
                                 cadre_timeout timeout_ms, cadre_timer *out);
/* Sends a request (id, replies to reply_to) with the caller's payload. */
CADRE__HIDDEN int cadre__ask_send(cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                                  size_t size, uint64_t id, cadre_ref reply_to);
/* Adds n to the process-wide timed_out counter. */
CADRE__HIDDEN void cadre__ask_count_timeouts(uint64_t n);

/* ---- gather.c: the gather's side of dispatch, cancel and fini --------------------- */
/* A reply r for member e (already erased, counted replied). */
CADRE__HIDDEN void cadre__gather_reply(cadre_actor *self, cadre_asker *a,
                                       const struct cadre__ask_slot *e, const cadre_response *r);
/* The shared timeout of gather e (already erased). */
CADRE__HIDDEN void cadre__gather_timeout(cadre_actor *self, cadre_asker *a,
                                         const struct cadre__ask_slot *e);
/* cadre_ask_cancel of gather e (already erased, timer cancelled): no
 * outcome; the pending members end (cancelled). */
CADRE__HIDDEN void cadre__gather_cancel(cadre_actor *self, cadre_asker *a,
                                        const struct cadre__ask_slot *e);
/* cadre_asker_fini: the table is gone; the gather ends with
 * CADRE_ECANCELED (its callback runs; a message-mode gather just ends). */
CADRE__HIDDEN void cadre__gather_abort(cadre_actor *self, void *record);

#endif /* CADRE__GATHER_H */
