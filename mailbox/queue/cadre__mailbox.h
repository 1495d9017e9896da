/* Cadre internal: the mailbox algorithm, inline so that core's send and run
 * paths compile it in place. The public wrappers are in mailbox.c.
 *
 * Design notes.
 *
 * Layout. Normal lane: an intrusive Vyukov MPSC queue. `head` is where
 * producers swap in their node; `tail` is consumer-private; `stub` is a
 * dummy node that keeps the list non-empty so that push is one exchange.
 * System lane: a Treiber stack of pending system messages (`sys_head`, CAS
 * push) that the consumer takes whole with one exchange and reverses into the
 * consumer-private FIFO `sys_list`. System messages are rare; this costs 16
 * bytes instead of a second 24-byte queue.
 *
 * Idle tag. Bit 0 of the normal lane's `head` is the IDLE tag. It is set only
 * by the consumer in mark_idle, and only by a CAS from exactly (&stub), i.e.
 * when the consumer has taken everything and nobody pushed since. It is
 * cleared by
 *   - a normal push: its exchange returns the previous head; if that has the
 *     tag, this push is the one that woke the mailbox. The exchange replaces
 *     the whole word, so the tag is cleared by the same atomic step that
 *     observes it: exactly one pusher sees each transition;
 *   - a system push: after publishing on sys_head it clears the tag with an
 *     atomic fetch-and (bit test-and-reset) and is the waker iff the tag was
 *     set. Again one atomic step both observes and clears;
 *   - the consumer itself, undoing a mark_idle that raced a system push
 *     (below), by the same bit test-and-reset.
 * Whoever clears the tag owns the consumer role and must schedule it.
 *
 * mark_idle. (1) fail if the system lane has anything; (2) fail unless
 * tail == &stub (everything visible was taken); (3) CAS head: &stub ->
 * &stub|IDLE; it fails if any normal push exchanged head since the consumer
 * last saw it (including a push still in flight), so no normal message can
 * be left in an idle mailbox. (4) The system lane is a different word, so
 * a system push can slip in between (1) and (3). After (3) the consumer
 * reads sys_head again. This is Dekker's pattern, and every step is
 * sequentially consistent: pusher = [RMW sys_head ; RMW head], consumer =
 * [RMW head ; load sys_head]. In the single total order either the
 * consumer's load sees the pushed message, or the pusher's RMW on head comes
 * after the consumer's CAS and sees the tag. In the first case the consumer
 * races to clear the tag with the same test-and-reset as pushers: if it wins
 * it keeps the consumer role (returns EBUSY), if it loses, a pusher woke the
 * mailbox and will schedule it (mark_idle returns 0: the consumer role has
 * already passed on). Either way no message is left behind in an idle
 * mailbox and the transition is seen exactly once.
 *
 * Pop ("nothing visible yet"). Between a producer's exchange and its link
 * store, the list appears to end early; pop returns NULL. mark_idle then
 * fails at (3) because head != &stub, so a consumer that sees NULL and then
 * fails to mark idle must be run again later. This is the only non-wait-free
 * window: a producer preempted between its two steps delays the consumer
 * (never other producers).
 *
 * Memory ordering. A producer publishes its node's contents with the release
 * store to prev->next; the consumer's acquire load of tail->next pairs with
 * it. A system pusher's successful seq_cst CAS on sys_head publishes its
 * node; the consumer's exchange on sys_head (seq_cst) acquires it. A bounded
 * mailbox's admission counter hands no data over (relaxed reads, acq_rel
 * RMWs for clarity).
 *
 * Source: D. Vyukov's intrusive MPSC node-based queue (1024cores.net), Pony's
 * messageq.c for the tag-in-head idea; the system lane and the Dekker step
 * are ours.
 */
#ifndef CADRE__MAILBOX_H
#define CADRE__MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include <cadre/mailbox.h>

#include "cadre__atomic.h"

#define CADRE__MB_IDLE ((uintptr_t)1)

struct cadre_mailbox {
	/* Written by producers (any thread). */
	void *head;        /* normal lane: last node pushed, bit 0 = IDLE tag */
	void *sys_head;    /* system lane: Treiber stack of pending system nodes */
	uint32_t count;    /* bounded only: admitted normal messages */
	uint32_t capacity; /* 0 = unbounded; immutable after init */
	/* Consumer only. */
	cadre_mb_node *tail;     /* normal lane: next node to hand out */
	cadre_mb_node *sys_list; /* system lane: taken, in FIFO order */
	cadre_mb_node stub;
};

_Static_assert(sizeof(struct cadre_mailbox) == 48,
               "mailbox stays small: it is embedded in every actor");

static inline void
cadre__mb_init(struct cadre_mailbox *mb, uint32_t capacity)
{
	mb->stub.next = NULL;
	mb->tail = &mb->stub;
	mb->sys_list = NULL;
	mb->sys_head = NULL;
	mb->count = 0;
	mb->capacity = capacity;
	/* Created idle: the first push is the waker. Plain store: the mailbox is
	 * published to other threads by whatever publishes its owner. */
	mb->head = (void *)((uintptr_t)&mb->stub | CADRE__MB_IDLE);
}

/* Initialises a mailbox that is already active: its creator holds the
 * consumer role (Cadre's spawn schedules the new actor itself). */
static inline void
cadre__mb_init_active(struct cadre_mailbox *mb, uint32_t capacity)
{
	cadre__mb_init(mb, capacity);
	mb->head = &mb->stub;
}

/* Links first..last (already chained, last->next may be anything) behind the
 * current head. Returns 1 if the mailbox was idle. */
static inline int
cadre__mb_link(struct cadre_mailbox *mb, cadre_mb_node *first, cadre_mb_node *last)
{
	cadre__store_rlx_ptr((void **)&last->next, NULL); /* published by the release below */
	/* seq_cst exchange: the one step that orders this push among producers;
	 * pairs with the consumer's load of head in pop and its CAS in mark_idle. */
	uintptr_t prev = (uintptr_t)cadre__xchg_sc_ptr(&mb->head, last);
	cadre_mb_node *p = (cadre_mb_node *)(prev & ~CADRE__MB_IDLE);
	/* Release: the chain's contents are visible before the link; pairs with
	 * the acquire load of ->next in cadre__mb_pop_normal. */
	cadre__store_rel_ptr((void **)&p->next, first);
	return (prev & CADRE__MB_IDLE) ? 1 : 0;
}

static inline int
cadre__mb_admit(struct cadre_mailbox *mb, uint32_t n)
{
	uint32_t cap = mb->capacity; /* immutable */
	if (cap == 0)
		return 0;
	for (;;) {
		/* Relaxed: only the CAS below decides; no data rides on count. */
		uint32_t c = cadre__load_rlx_u32(&mb->count);
		if (c > cap || cap - c < n)
			return CADRE_EFULL;
		/* acq_rel CAS: pairs with the consumer's decrement in pop. */
		if (cadre__cas_acqrel_u32(&mb->count, c, c + n))
			return 0;
		cadre__spin_pause();
	}
}

static inline int
cadre__mb_push_normal(struct cadre_mailbox *mb, cadre_mb_node *n)
{
	int rc = cadre__mb_admit(mb, 1);
	if (rc != 0)
		return rc;
	return cadre__mb_link(mb, n, n);
}

/* Never refused, never dropped. */
static inline int
cadre__mb_push_system(struct cadre_mailbox *mb, cadre_mb_node *n)
{
	void *top = cadre__load_rlx_ptr(&mb->sys_head); /* the CAS decides */
	for (;;) {
		n->next = top; /* published by the CAS below */
		/* seq_cst CAS: publishes n (pairs with the consumer's exchange in
		 * cadre__mb_take_sys) and is the first half of the Dekker pair with
		 * mark_idle (see Design notes). */
		if (cadre__cas_sc_ptr(&mb->sys_head, top, n))
			break;
		top = cadre__load_rlx_ptr(&mb->sys_head); /* retry; the CAS decides */
		cadre__spin_pause();
	}
	/* seq_cst test-and-reset of the idle tag: the second half of the pair;
	 * exactly one of the racing clearers sees the tag set. */
	return cadre__btr0_sc_ptr(&mb->head) ? 1 : 0;
}

/* Consumer: moves pending system messages into sys_list in FIFO order. */
static inline void
cadre__mb_take_sys(struct cadre_mailbox *mb)
{
	/* Cheap relaxed look first: most runs have no system mail. */
	if (cadre__load_rlx_ptr(&mb->sys_head) == NULL)
		return;
	/* seq_cst exchange: acquires every node pushed by a successful CAS. */
	cadre_mb_node *n = cadre__xchg_sc_ptr(&mb->sys_head, NULL);
	cadre_mb_node *rev = NULL;
	while (n != NULL) {
		cadre_mb_node *next = n->next;
		n->next = rev;
		rev = n;
		n = next;
	}
	/* Pending ones are newer than anything still in sys_list. */
	if (mb->sys_list == NULL) {
		mb->sys_list = rev;
	} else {
		cadre_mb_node *t = mb->sys_list;
		while (t->next != NULL)
			t = t->next;
		t->next = rev;
	}
}

static inline cadre_mb_node *
cadre__mb_pop_system(struct cadre_mailbox *mb)
{
	if (mb->sys_list == NULL)
		cadre__mb_take_sys(mb);
	cadre_mb_node *n = mb->sys_list;
	if (n != NULL)
		mb->sys_list = n->next;
	return n;
}

/* Pops the normal lane with the consumer's cursor in *tailp instead of
 * mb->tail: a consumer that pops many in a row keeps the cursor in a
 * register and writes mb->tail back once, so it does not write the line
 * that producers exchange head on once per message. */
static inline cadre_mb_node *
cadre__mb_pop_normal_at(struct cadre_mailbox *mb, cadre_mb_node **tailp)
{
	cadre_mb_node *tail = *tailp;
	/* Acquire: pairs with the release link store in cadre__mb_link. */
	cadre_mb_node *next = cadre__load_acq_ptr((void **)&tail->next);
	if (tail == &mb->stub) {
		if (next == NULL)
			return NULL;
		*tailp = next;
		tail = next;
		next = cadre__load_acq_ptr((void **)&next->next); /* same pair */
	}
	if (next == NULL) {
		/* tail may be the last node: if so, put the stub behind it so tail
		 * can be handed out. Acquire load of head pairs with the producers'
		 * exchange; the tag is clear while a consumer runs. */
		void *head = cadre__load_acq_ptr(&mb->head);
		if ((void *)tail != head)
			return NULL; /* a push is in flight behind tail */
		cadre__mb_link(mb, &mb->stub, &mb->stub);
		next = cadre__load_acq_ptr((void **)&tail->next); /* same pair */
		if (next == NULL)
			return NULL; /* another push won the exchange; link in flight */
	}
	*tailp = next;
	if (mb->capacity != 0) {
		/* acq_rel decrement (add of -1): pairs with the admission CAS. */
		cadre__faa_acqrel_u32(&mb->count, (uint32_t)-1);
	}
	return tail;
}

static inline cadre_mb_node *
cadre__mb_pop_normal(struct cadre_mailbox *mb)
{
	return cadre__mb_pop_normal_at(mb, &mb->tail);
}

static inline cadre_mb_node *
cadre__mb_pop(struct cadre_mailbox *mb, cadre_lane *lane)
{
	cadre_mb_node *n = cadre__mb_pop_system(mb);
	if (n != NULL) {
		if (lane)
			*lane = CADRE_LANE_SYSTEM;
		return n;
	}
	n = cadre__mb_pop_normal(mb);
	if (n != NULL && lane)
		*lane = CADRE_LANE_NORMAL;
	return n;
}

/* Consumer: is anything visible to pop (either lane)? Relaxed/acquire
 * loads only; a "no" may be stale, which mark_idle then catches. */
static inline bool
cadre__mb_visible(struct cadre_mailbox *mb)
{
	/* Relaxed: a hint, as in mark_idle's step (1). */
	if (mb->sys_list != NULL || cadre__load_rlx_ptr(&mb->sys_head) != NULL)
		return true;
	cadre_mb_node *tail = mb->tail;
	/* Acquire: pairs with the release link store in cadre__mb_link. */
	if (cadre__load_acq_ptr((void **)&tail->next) != NULL)
		return true;
	return tail != &mb->stub; /* a real node is still at the tail */
}

static inline int
cadre__mb_mark_idle(struct cadre_mailbox *mb)
{
	/* (1) system lane empty? (relaxed: step 4 is the real check) */
	if (mb->sys_list != NULL || cadre__load_rlx_ptr(&mb->sys_head) != NULL)
		return CADRE_EBUSY;
	/* (2) everything visible taken? */
	if (mb->tail != &mb->stub)
		return CADRE_EBUSY;
	/* (3) seq_cst CAS &stub -> &stub|IDLE: fails if any normal push exchanged
	 * head since; pairs with the exchange in cadre__mb_link. */
	if (!cadre__cas_sc_ptr(&mb->head, &mb->stub,
	                       (void *)((uintptr_t)&mb->stub | CADRE__MB_IDLE)))
		return CADRE_EBUSY;
	/* (4) seq_cst load: the Dekker pair with cadre__mb_push_system. */
	if (cadre__load_sc_ptr(&mb->sys_head) == NULL)
		return 0;
	/* A system push slipped in: race the pushers to clear the tag. */
	if (cadre__btr0_sc_ptr(&mb->head))
		return CADRE_EBUSY; /* we cleared it: still the consumer */
	return 0;                   /* a pusher cleared it: it schedules us */
}

#endif /* CADRE__MAILBOX_H */
