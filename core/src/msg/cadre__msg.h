/* Cadre internal: messages (msg/). The layer above the mailbox: a message
 * block (header and payload), its view for receive, its release, the
 * per-thread message pool, and the chain type the outbox (send/) keeps.
 * Uses: mailbox/ only. */
#ifndef CADRE__MSG_H
#define CADRE__MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>
#include <cadre/behave.h>
#include <cadre/links.h>
#include <cadre/registry.h>
#include <cadre/timer.h>

#include "cadre__alloc.h"
#include "cadre__atomic.h"
#include "cadre__mailbox.h"

#define CADRE__CACHELINE 64
#define CADRE__ALIGNED __attribute__((aligned(CADRE__CACHELINE)))

/* One allocation per message: this header, then the payload (inline copy)
 * or nothing (moved payload: data points to the sender's buffer). */
enum {
	CADRE__MSG_INLINE = 0, /* payload follows the header */
	CADRE__MSG_MOVED = 1,  /* payload owned through dtor */
};

/* Bits of struct cadre__msg.flags. */
enum {
	CADRE__MSGF_TIMER = 1, /* a timer's message: never dropped as the oldest (timer/) */
};

struct cadre__msg {
	cadre_mb_node node; /* first: the mailbox link */
	uint32_t type;
	uint32_t size;
	cadre_ref sender;
	uint8_t kind;   /* CADRE__MSG_INLINE or CADRE__MSG_MOVED */
	uint8_t pool;   /* size class of the message pool (pool.c), or CADRE__POOL_NONE */
	uint16_t flags; /* CADRE__MSGF_* */
	uint32_t alloc; /* bytes allocated for this block (for the sized free) */
	void *data;
	void (*dtor)(void *, size_t);
	/* inline payload follows */
};

/* A bundle of messages (cadre_mail in cadre/links.h): a chain through the
 * messages' mailbox nodes, in FIFO order. */
struct cadre_mail {
	cadre_mb_node *first, *last;
	uint32_t count;
	cadre_ref from;
};

/* The message pool (pool.c): per worker thread, per size class, a list of
 * free message blocks. */
#define CADRE__POOL_CLASSES 2u
#define CADRE__POOL_NONE 0xFFu /* a block from malloc, not pooled */
#define CADRE__POOL_KEEP 4096u /* blocks a worker keeps per class */
struct cadre__pool {
	void *free; /* LIFO list through each block's first word */
	uint32_t n;
};

/* The outbox's ways (send/send.c): chains of messages a run has sent,
 * per receiver, not yet linked into the receivers' mailboxes. */
#define CADRE__OUTBOX_WAYS 64u    /* direct-mapped by receiver slot; power of two */
#define CADRE__OUTBOX_CHAIN 32u   /* a chain this long is linked at once */
#define CADRE__COALESCE_AFTER 16u /* a run's first sends go out one by one */
struct cadre__actor;
struct cadre__outbox {
	struct cadre__actor *to; /* NULL: the way is free */
	cadre_mb_node *first, *last;
	uint32_t n;
};

/* A message block of `bytes` (pool and alloc set): from the calling
 * thread's pool if it has one attached, else malloc. */
struct cadre__msg *cadre__msg_alloc(size_t bytes);
/* The block only, back to this thread's pool or to free(). */
void cadre__msg_release(struct cadre__msg *m);
/* The message: a moved payload's dtor, then the block. Inline, as the
 * view: both run once per message received. */
static inline void
cadre__msg_free(struct cadre__msg *m)
{
	if (m->kind == CADRE__MSG_MOVED && m->dtor != NULL)
		m->dtor(m->data, m->size);
	cadre__msg_release(m);
}

/* The view receive gets. */
static inline void
cadre__msg_view(const struct cadre__msg *m, cadre_msg *view)
{
	view->type = m->type;
	view->size = m->size;
	view->data = m->size != 0 ? m->data : NULL;
	view->sender = m->sender;
}
/* A worker thread attaches its pool (an array of CADRE__POOL_CLASSES) when
 * it starts and finishes it when it exits: its cached blocks are freed and
 * the thread's later messages use malloc / free. */
void cadre__pool_attach(struct cadre__pool *pool);
void cadre__pool_fini(struct cadre__pool *pool);

#endif /* CADRE__MSG_H */
