/* Cadre internal (actors/): what ask.c offers the other actors of the
 * library.
 *
 * cadre_ask_wait refuses the reserved message types (cadre__reserved.h);
 * cadre_router_query asks a router with one of them (CADRE_ROUTER_QUERY),
 * through this hidden variant without that check.
 */
#ifndef CADRE__ASK_H
#define CADRE__ASK_H

#include <cadre.h>
#include <cadre/ask.h>

#include "cadre__reserved.h"

/* cadre_ask_wait, any type. */
CADRE__HIDDEN int cadre__ask_wait_reserved(cadre_system *sys, cadre_ref to, uint32_t type,
                                           const void *data, size_t size, cadre_timeout timeout_ms,
                                           void *reply_buf, size_t buf_size, size_t *reply_size,
                                           uint32_t *reply_type);

#endif /* CADRE__ASK_H */
