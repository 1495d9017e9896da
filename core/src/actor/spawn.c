/* Cadre: spawning an actor (cadre_spawn in cadre/actor.h).
 *
 * An actor is one allocation: struct cadre__actor (96 bytes: the mailbox,
 * run-queue link, the embedded stop-request node, ids) followed by the
 * user's struct. A new actor's mailbox starts active, owned by its spawner,
 * which schedules it; its first run calls start.
 */
#include <string.h>

#include <cadre/node.h>

#include "cadre__actor.h"

#define SPAWN_FLAGS                                                               \
	(CADRE_SPAWN_LINK | CADRE_SPAWN_TRAP_EXITS | CADRE_SPAWN_NOTIFY_STARTED | \
	 CADRE_SPAWN_KEEP_MAIL | CADRE_SPAWN_BLOCKING)

static int
check_args(cadre_system *sys, const cadre_behaviour *beh, const cadre_spawn_opts *opts,
           const cadre_ref *out, struct cadre__worker *w)
{
	if (sys == NULL || beh == NULL || beh->receive == NULL || out == NULL ||
	    beh->size < sizeof(cadre_actor) || beh->size > ((size_t)1 << 30))
		return CADRE_EINVAL;
	uint32_t flags = opts != NULL ? opts->flags : 0;
	if (opts != NULL && (unsigned)opts->overflow > CADRE_OVERFLOW_DROP_OLDEST)
		return CADRE_EINVAL;
	if ((flags & ~(uint32_t)SPAWN_FLAGS) != 0)
		return CADRE_EINVAL;
	if ((flags & CADRE_SPAWN_KEEP_MAIL) && !(flags & CADRE_SPAWN_LINK))
		return CADRE_EINVAL; /* the mail goes to the linked parent */
	if ((flags & (CADRE_SPAWN_LINK | CADRE_SPAWN_NOTIFY_STARTED)) != 0 &&
	    (w == NULL || cadre__tls_actor == NULL))
		return CADRE_EINVAL; /* needs an actor as the spawner */
	return 0;
}

/* The control block, before the actor has a slot. */
static struct cadre__actor *
actor_new(struct cadre_system *sys, const cadre_behaviour *beh, const cadre_spawn_opts *opts,
          uint32_t flags, void *arg)
{
	struct cadre__actor *a = cadre__alloc(cadre__actor_bytes(beh->size, sys->actor_stats));
	if (a == NULL)
		return NULL;
	if (sys->actor_stats) {
		/* Plain stores: a is not published yet (cadre__slot_publish). */
		struct cadre__astats *st = cadre__astats_of(a, beh->size);
		memset(st, 0, sizeof *st);
		st->restarts = opts != NULL ? opts->restarts : 0;
	}
	/* The user's struct starts zeroed; the control block is set below
	 * (malloc + memset: jemalloc's calloc has no fast path). */
	memset(cadre__user_of(a), 0, beh->size);
	a->rq_node.next = NULL;
	a->stop_node.next = NULL;
	a->sig = 0;
	a->flags = 0;
	/* A policy is for a capacity: an unbounded mailbox admits everything
	 * (its count is not an admission count: with actor_stats it counts
	 * pushes, else it stays 0, and DROP_OLDEST would drop every message). */
	a->overflow = opts != NULL && opts->mailbox_capacity != 0 ? (uint8_t)opts->overflow : 0;
	a->blocking = (flags & CADRE_SPAWN_BLOCKING) != 0;
	cadre__mb_init_active(&a->mb, opts != NULL ? opts->mailbox_capacity : 0);
	a->state = CADRE__A_NEW;
	cadre__actor_set_beh(a, beh);
	a->start_arg = arg;
	return a;
}

/* The stash bound, links and notices the options ask for. */
static int
actor_extras(struct cadre__worker *w, struct cadre__actor *a, const cadre_spawn_opts *opts,
             uint32_t flags)
{
	if (opts != NULL && opts->stash_capacity != 0) {
		struct cadre__ext *x = cadre__ext_of(a, true);
		if (x == NULL)
			return CADRE_ENOMEM;
		x->stash_cap = opts->stash_capacity;
	}
	if ((flags & ~(uint32_t)CADRE_SPAWN_BLOCKING) != 0 &&
	    cadre__links_at_spawn(w, a, flags) != 0)
		return CADRE_ENOMEM;
	/* A child linked to a parent that traps its stop request is the
	 * parent's to stop (cadre_system_shutdown's first walk leaves it).
	 * Relaxed load: the spawner's own bit (its own earlier RMW); pairs with
	 * nothing. Relaxed store: a is not published yet; the slot's release
	 * store (cadre__slot_publish) publishes it. */
	if ((flags & CADRE_SPAWN_LINK) &&
	    (cadre__load_rlx_u32(&cadre__tls_actor->sig) & CADRE__SIG_F_TRAP_STOP))
		cadre__store_rlx_u32(&a->sig, CADRE__SIG_F_PARENT_STOPS);
	return 0;
}

/* The mailbox is ours (active, unpublished): an inherited bundle is queued
 * first, in order. Admission is bypassed on purpose. */
static void
inherit_mail(struct cadre_system *sys, struct cadre__actor *a, const cadre_spawn_opts *opts)
{
	struct cadre_mail *inherit = opts != NULL ? opts->inherit_mail : NULL;
	if (inherit == NULL)
		return;
	if (inherit->count != 0) {
		/* A bounded mailbox's admitted count; an unbounded one's pushes
		 * when the system keeps per-actor counters (its length). */
		if (a->mb.capacity != 0 || sys->actor_stats)
			a->mb.count = inherit->count;
		cadre__mb_link(&a->mb, inherit->first, inherit->last);
	}
	cadre__free(inherit, sizeof *inherit); /* consumed */
}

/* The extras of a spawn for another node (dist/: link_to != NULL). */
static int
remote_extras(struct cadre__actor *a, const cadre_ref *link_to)
{
	a->flags |= CADRE__F_REMOTE_ARG;
	return cadre_ref_is_none(*link_to) ? 0 : cadre__link_at_spawn_remote(a, *link_to);
}

/* Allocates, numbers and publishes the actor; 0, CADRE_ENOMEM or
 * CADRE_ELIMIT. */
static int
spawn_one(struct cadre_system *sys, struct cadre__worker *w, const cadre_behaviour *beh,
          const cadre_spawn_opts *opts, void *arg, const cadre_ref *link_to,
          struct cadre__actor **out)
{
	uint32_t flags = opts != NULL ? opts->flags : 0;
	struct cadre__actor *a = actor_new(sys, beh, opts, flags, arg);
	if (a == NULL)
		return CADRE_ENOMEM;
	struct cadre__slot_cache *cache = w != NULL ? &w->slots : NULL;
	int rc = cadre__slot_alloc(&sys->table, cache, &a->index, &a->gen);
	if (rc != 0) { /* CADRE_ELIMIT (the table is full) or CADRE_ENOMEM */
		cadre__free(a, cadre__actor_bytes(beh->size, sys->actor_stats));
		return rc;
	}
	if (actor_extras(w, a, opts, flags) != 0 ||
	    (link_to != NULL && remote_extras(a, link_to) != 0)) {
		cadre__ext_free(a);
		cadre__slot_clear(&sys->table, a->index, a->gen);
		cadre__slot_free(&sys->table, cache, a->index, a->gen);
		cadre__free(a, cadre__actor_bytes(beh->size, sys->actor_stats));
		return CADRE_ENOMEM;
	}
	inherit_mail(sys, a, opts);
	cadre__slot_publish(&sys->table, a->index, a);
	bool restart = opts != NULL && opts->restarts != 0;
	CADRE__TRACE(sys, w, CADRE__TEV_SPAWN, CADRE__TRACE_REF(a->index, a->gen),
	             (uintptr_t)beh->name);
	if (w != NULL) {
		cadre__count(&w->st.spawned, 1);
		if (restart)
			cadre__count(&w->st.restarts, 1);
	} else {
		cadre__faa_acqrel_u64(&sys->outside_st.spawned,
		                      1); /* acq_rel: read by cadre__alive() */
		if (restart)              /* relaxed: a counter */
			cadre__faa_rlx_u64(&sys->outside_st.restarts, 1);
	}
	*out = a;
	return 0;
}

/* cadre_remote_arg blocks (dist/): the struct, then the bytes. */
struct cadre_remote_arg *
cadre__remote_arg_new(const void *data, size_t size)
{
	cadre_remote_arg *r = cadre__alloc(sizeof *r + size);
	if (r != NULL) {
		r->data = size != 0 ? (const char *)(r + 1) : NULL;
		r->size = size;
		if (size != 0)
			memcpy(r + 1, data, size);
	}
	return r;
}

void
cadre__remote_arg_free(void *arg)
{
	cadre_remote_arg *r = arg;
	if (r != NULL)
		cadre__free(r, sizeof *r + r->size);
}

static int spawn_as(cadre_system *sys, const cadre_behaviour *beh, const cadre_spawn_opts *opts,
                    void *arg, const cadre_ref *link_to, cadre_ref *out);

int
cadre_spawn(cadre_system *sys, const cadre_behaviour *beh, const cadre_spawn_opts *opts, void *arg,
            cadre_ref *out)
{
	return spawn_as(sys, beh, opts, arg, NULL, out);
}

int
cadre__spawn_remote(cadre_system *sys, const cadre_behaviour *beh, struct cadre_remote_arg *arg,
                    cadre_ref link_to, cadre_ref *out)
{
	int rc = spawn_as(sys, beh, NULL, arg, &link_to, out);
	if (rc != 0)
		cadre__remote_arg_free(arg);
	return rc;
}

/* cadre_spawn (link_to NULL), and a spawn for another node (dist/): the
 * child owns arg (a cadre_remote_arg block, freed after start) and, if
 * *link_to is not NONE, is linked to that actor of another node before it
 * can run. */
static int
spawn_as(cadre_system *sys, const cadre_behaviour *beh, const cadre_spawn_opts *opts, void *arg,
         const cadre_ref *link_to, cadre_ref *out)
{
	struct cadre__worker *w = sys != NULL ? cadre__my_worker(sys) : NULL;
	int rc = check_args(sys, beh, opts, out, w);
	if (rc != 0)
		return rc;
	/* seq_cst add then seq_cst load: Dekker with shutdown's [xchg closing;
	 * load spawning]; no spawn slips past shutdown's walk of the table. */
	uint32_t *spawning = w != NULL ? &w->spawning : &sys->spawning; /* no shared line */
	cadre__faa_sc_u32(spawning, 1);
	struct cadre__actor *a = NULL;
	if (cadre__load_sc_u32(&sys->closing)) /* the second half of that pair */
		rc = CADRE_ECLOSED;
	else
		rc = spawn_one(sys, w, beh, opts, arg, link_to, &a);
	if (rc == 0)
		*out = cadre__ref_of(sys, a);
	/* Release: the spawn is counted before shutdown or an exiting worker
	 * can see spawning at 0 (pairs with their seq_cst loads). A worker's
	 * word has one writer, the worker: a release store (a plain read of
	 * our own word), not a locked RMW (skynet's profile: the two locked
	 * adds were a third of cadre_spawn's own time). Outside threads share
	 * sys->spawning: an RMW. */
	if (w != NULL)
		cadre__store_rel_u32(spawning, *spawning - 1u);
	else
		cadre__faa_acqrel_u32(spawning, (uint32_t)-1);
	if (rc == 0)
		cadre__schedule(sys, a, CADRE__SCHED_SPAWNED);
	return rc;
}
