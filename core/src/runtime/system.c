/* Cadre: systems, the actor table, dead letters and counters.
 *
 * Design notes.
 *
 * The actor table maps a ref's slot index to the actor. Slots live in pages
 * of 4096 that are allocated on first use and published once in a fixed
 * directory; they never move, so a lookup is two acquire loads and no lock.
 * A slot holds the actor pointer while the actor lives. When the actor
 * stops, its slot is overwritten with an odd "free" word at once and the
 * index may be reused at once: a ref names (index, gen), every reuse gets a
 * new generation, and a lookup compares the actor's own immutable gen with
 * the ref's. A stale ref therefore finds either no actor or another one and
 * is refused; it never reaches memory of a recycled actor, because actor
 * memory itself is freed only after a grace period (worker.c, "QSBR"): a
 * thread that loaded the old pointer before the slot was cleared can still
 * push into the old, dying mailbox, and that message is dead-lettered when
 * the actor is reclaimed.
 *
 * Free indexes sit in a per-worker cache (owner only, 4096). A full cache
 * moves its newer half to the system as one magazine (an array of 2048)
 * pushed on a stack of full magazines, and an empty cache pops one: one CAS
 * per 2048 spawns or stops instead of one each (skynet, where a million
 * actors live at once, spent 13% in a per-index global stack; with
 * magazines it was 1.17x faster). Threads that are not workers use a global
 * Treiber stack threaded through the free slot words themselves (free word
 * = gen << 32 | (next index + 1) << 1 | 1), with a tag in the head against
 * ABA; workers use it only when no magazine can be had. Never-used indexes
 * come from a fetch-and-add counter, 64 at a time for a worker.
 *
 * Shutdown (cadre_system_shutdown): closing is set (seq_cst); spawns in
 * flight are waited for (spawn does [RMW spawning ; load closing], shutdown
 * does [RMW closing ; load spawning]: Dekker, so no spawn slips past the
 * walk); every live actor gets a stop request; workers exit when no actor
 * is alive; then the shutting-down thread waits for external senders to
 * leave and reclaims what is left, dead-lettering every queued message.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cadre__core.h"

/* initial-exec: a direct %fs-relative access instead of a __tls_get_addr
 * call on every send (the library is linked at start-up, not dlopen'ed late;
 * two pointers of static TLS are within glibc's reserve even then). */
__attribute__((tls_model("initial-exec"))) _Thread_local struct cadre__worker *cadre__tls_worker;
__attribute__((tls_model("initial-exec"))) _Thread_local struct cadre__actor *cadre__tls_actor;

/* Process-wide source of system ids (0 is never used: CADRE_REF_NONE). */
static uint32_t next_system_id;

#define SLOT_MASK (CADRE__PAGE_SLOTS - 1u)
#define FREE_WORD(gen, next1) (((uint64_t)(gen) << 32) | ((uint64_t)(next1) << 1) | 1u)

static void **
slot_at(struct cadre_system *sys, uint32_t index)
{
	/* Acquire: pairs with the release CAS that published the page. */
	void **page = cadre__load_acq_ptr((void **)&sys->dir[index >> CADRE__PAGE_BITS]);
	return page == NULL ? NULL : &page[index & SLOT_MASK];
}

struct cadre__actor *
cadre__table_get(struct cadre_system *sys, cadre_ref ref)
{
	if (ref.sys != sys->id || ref.index == 0 || ref.index > CADRE__MAX_ACTORS)
		return NULL;
	void **slot = slot_at(sys, ref.index);
	if (slot == NULL)
		return NULL;
	/* Acquire: pairs with the release store in cadre__slot_publish, so the
	 * actor's immutable fields (gen) are visible. */
	uintptr_t v = (uintptr_t)cadre__load_acq_ptr(slot);
	if (v == 0 || (v & 1u) != 0)
		return NULL;
	struct cadre__actor *a = (struct cadre__actor *)v;
	return a->gen == ref.gen ? a : NULL;
}

void
cadre__slot_publish(struct cadre_system *sys, uint32_t index, struct cadre__actor *a)
{
	/* Release: the actor is initialised before anyone can look it up;
	 * pairs with the acquire load in cadre__table_get. */
	cadre__store_rel_ptr(slot_at(sys, index), a);
}

void
cadre__slot_clear(struct cadre_system *sys, uint32_t index, uint32_t next_gen)
{
	/* Release: a reader that sees the free word needs nothing else from
	 * us; the grace period (worker.c) orders the rest. */
	cadre__store_rel_ptr(slot_at(sys, index), (void *)(uintptr_t)FREE_WORD(next_gen, 0));
}

static int
ensure_page(struct cadre_system *sys, uint32_t index)
{
	void **pp = (void **)&sys->dir[index >> CADRE__PAGE_BITS];
	if (cadre__load_acq_ptr(pp) != NULL) /* acquire: pairs with the CAS below */
		return 0;
	void *page = cadre__alloc_zero(CADRE__PAGE_SLOTS * sizeof(void *));
	if (page == NULL)
		return CADRE_ENOMEM;
	/* seq_cst CAS publishes the zeroed page (release side); a loser frees
	 * its copy. Pairs with the acquire loads in slot_at. */
	if (!cadre__cas_sc_ptr(pp, NULL, page))
		cadre__free(page, CADRE__PAGE_SLOTS * sizeof(void *));
	return 0;
}

static bool
global_pop(struct cadre_system *sys, uint32_t *index, uint32_t *gen)
{
	for (;;) {
		/* Acquire: pairs with the release side of the push CAS, so the
		 * free word of the top index is visible. */
		uint64_t h = cadre__load_acq_u64(&sys->free_head);
		uint32_t top1 = (uint32_t)h;
		if (top1 == 0)
			return false;
		/* Relaxed: may be stale if another thread pops and reuses top
		 * concurrently; the tagged CAS below then fails. */
		uint64_t w = (uint64_t)(uintptr_t)cadre__load_rlx_ptr(slot_at(sys, top1 - 1));
		uint32_t next1 = (uint32_t)((w >> 1) & 0x7fffffffu);
		uint64_t nh = cadre__retag(h, next1);
		/* acq_rel CAS: the tag defeats ABA; pairs with global_push's CAS. */
		if ((w & 1u) && cadre__cas_acqrel_u64(&sys->free_head, h, nh)) {
			*index = top1 - 1;
			*gen = (uint32_t)(w >> 32);
			return true;
		}
		cadre__spin_pause();
	}
}

static void
global_push(struct cadre_system *sys, uint32_t index, uint32_t gen)
{
	void **slot = slot_at(sys, index);
	for (;;) {
		uint64_t h = cadre__load_rlx_u64(&sys->free_head); /* the CAS decides */
		/* Relaxed: published by the release CAS below. */
		cadre__store_rlx_ptr(slot, (void *)(uintptr_t)FREE_WORD(gen, (uint32_t)h));
		uint64_t nh = cadre__retag(h, index + 1);
		/* acq_rel: releases the free word; pairs with global_pop. */
		if (cadre__cas_acqrel_u64(&sys->free_head, h, nh))
			return;
	}
}

/* ---- magazines ------------------------------------------------------------
 * Workers move free indexes to and from the system CADRE__MAG at a time:
 * two Treiber stacks of magazines (full ones, empty ones), named by id with
 * a tag in the head against ABA. A magazine is never freed before the
 * system, so a popper may read the next id of one that another thread took
 * meanwhile: its tagged CAS then fails. */
static struct cadre__mag *
mag_at(struct cadre_system *sys, uint32_t id)
{
	/* Acquire: pairs with the release store that published it (mag_empty). */
	return cadre__load_acq_ptr((void **)&sys->mags[id]);
}

static int
mag_pop(struct cadre_system *sys, uint64_t *head)
{
	for (;;) {
		/* Acquire: pairs with mag_push's CAS, so the top's next1 (and
		 * its entries) are visible. */
		uint64_t h = cadre__load_acq_u64(head);
		uint32_t id1 = (uint32_t)h;
		if (id1 == 0)
			return -1;
		/* Relaxed: may be stale if the top was taken meanwhile; the
		 * tagged CAS below then fails. */
		uint32_t next1 = cadre__load_rlx_u32(&mag_at(sys, id1 - 1)->next1);
		uint64_t nh = cadre__retag(h, next1);
		/* acq_rel CAS: the tag defeats ABA; pairs with mag_push. */
		if (cadre__cas_acqrel_u64(head, h, nh))
			return (int)(id1 - 1);
		cadre__spin_pause();
	}
}

static void
mag_push(struct cadre_system *sys, uint64_t *head, uint32_t id)
{
	struct cadre__mag *m = mag_at(sys, id);
	for (;;) {
		uint64_t h = cadre__load_rlx_u64(head);       /* the CAS decides */
		cadre__store_rlx_u32(&m->next1, (uint32_t)h); /* published by the CAS */
		uint64_t nh = cadre__retag(h, id + 1);
		/* acq_rel: releases next1 and the entries; pairs with mag_pop. */
		if (cadre__cas_acqrel_u64(head, h, nh))
			return;
	}
}

/* An empty magazine: popped, or made. -1 if none can be had. */
static int
mag_empty(struct cadre_system *sys)
{
	int id = mag_pop(sys, &sys->mags_empty);
	if (id >= 0)
		return id;
	struct cadre__mag *m = cadre__alloc(sizeof *m);
	if (m == NULL)
		return -1;
	/* acq_rel add: only uniqueness matters (the store below publishes). */
	uint32_t nid = cadre__faa_acqrel_u32(&sys->nmags, 1);
	if (nid >= CADRE__MAX_MAGS) {
		cadre__free(m, sizeof *m);
		return -1;
	}
	/* Release: the magazine before its id can reach a stack; pairs with
	 * mag_at. */
	cadre__store_rel_ptr((void **)&sys->mags[nid], m);
	return (int)nid;
}

static void
mags_free(struct cadre_system *sys)
{
	/* Single-threaded: the system is being freed. */
	uint32_t n = cadre__load_acq_u32(&sys->nmags);
	for (uint32_t i = 0; i < n && i < CADRE__MAX_MAGS; i++)
		cadre__free(sys->mags[i], sizeof(struct cadre__mag));
}

/* w's cache is full: its newer half goes to the system as one magazine (or
 * index by index to the global stack if no magazine can be had). */
static void
cache_spill(struct cadre_system *sys, struct cadre__worker *w)
{
	uint64_t *e = &w->free_slots[w->free_count - CADRE__MAG];
	w->free_count -= CADRE__MAG;
	int id = mag_empty(sys);
	if (id < 0) {
		for (unsigned i = 0; i < CADRE__MAG; i++)
			global_push(sys, (uint32_t)e[i], (uint32_t)(e[i] >> 32));
		return;
	}
	struct cadre__mag *m = mag_at(sys, (uint32_t)id);
	memcpy(m->e, e, sizeof m->e);
	m->n = CADRE__MAG;
	mag_push(sys, &sys->mags_full, (uint32_t)id);
}

/* w's cache is empty: a full magazine, or a batch of never-used indexes.
 * Returns 0, or CADRE_ENOMEM if the table is full. */
static int
cache_fill(struct cadre_system *sys, struct cadre__worker *w)
{
	int id = mag_pop(sys, &sys->mags_full);
	if (id >= 0) {
		struct cadre__mag *m = mag_at(sys, (uint32_t)id);
		memcpy(w->free_slots, m->e, m->n * sizeof m->e[0]);
		w->free_count = m->n;
		mag_push(sys, &sys->mags_empty, (uint32_t)id);
		return 0;
	}
	uint32_t index, gen;
	if (global_pop(sys, &index, &gen)) {
		w->free_slots[w->free_count++] = (uint64_t)gen << 32 | index;
		return 0;
	}
	/* Relaxed add: only uniqueness matters. */
	uint64_t i = cadre__faa_rlx_u64(&sys->fresh_index, CADRE__FRESH_BATCH);
	uint64_t end = i + CADRE__FRESH_BATCH - 1;
	if (end > CADRE__MAX_ACTORS)
		end = CADRE__MAX_ACTORS;
	if (i > end)
		return CADRE_ENOMEM;
	if (ensure_page(sys, (uint32_t)i) != 0 || ensure_page(sys, (uint32_t)end) != 0)
		return CADRE_ENOMEM;
	/* Highest first, so the lowest is taken first (LIFO). */
	for (uint64_t k = end + 1; k-- > i;)
		w->free_slots[w->free_count++] = (uint64_t)1 << 32 | k;
	return 0;
}

int
cadre__slot_alloc(struct cadre_system *sys, struct cadre__worker *w, uint32_t *index, uint32_t *gen)
{
	if (w != NULL) {
		if (w->free_count == 0) {
			int rc = cache_fill(sys, w);
			if (rc != 0)
				return rc;
		}
		uint64_t e = w->free_slots[--w->free_count];
		*index = (uint32_t)e;
		*gen = (uint32_t)(e >> 32);
		return 0;
	}
	if (global_pop(sys, index, gen))
		return 0;
	/* Relaxed add: only uniqueness matters. */
	uint64_t i = cadre__faa_rlx_u64(&sys->fresh_index, 1);
	if (i > CADRE__MAX_ACTORS)
		return CADRE_ENOMEM;
	if (ensure_page(sys, (uint32_t)i) != 0)
		return CADRE_ENOMEM;
	*index = (uint32_t)i;
	*gen = 1;
	return 0;
}

void
cadre__slot_free(struct cadre_system *sys, struct cadre__worker *w, uint32_t index, uint32_t gen)
{
	if (gen == 0)
		gen = 1; /* wrapped: 0 is never a live generation */
	if (w == NULL) {
		global_push(sys, index, gen);
		return;
	}
	if (w->free_count == CADRE__SLOT_CACHE)
		cache_spill(sys, w);
	w->free_slots[w->free_count++] = (uint64_t)gen << 32 | index;
}

/* ---- external threads ---------------------------------------------------
 * A thread that is not one of this system's workers holds actor pointers
 * only between ext_enter and ext_leave; reclamation waits until it has
 * seen ext_active at zero after unlinking (worker.c). */
void
cadre__ext_enter(struct cadre_system *sys)
{
	/* seq_cst add: announces us before any actor pointer is loaded. */
	cadre__faa_sc_u64(&sys->ext_active, 1);
	/* seq_cst fence: pairs with the reclaimer's fence between clearing a
	 * slot and reading ext_active; either it sees us, or we see the clear. */
	cadre__fence_sc();
}

void
cadre__ext_leave(struct cadre_system *sys)
{
	/* acq_rel: our uses of actor memory happen before a reclaimer that
	 * reads zero (acquire). */
	cadre__faa_acqrel_u64(&sys->ext_active, (uint64_t)-1);
}

/* ---- dead letters --------------------------------------------------------- */
void
cadre__dead_letter(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to,
                   struct cadre__msg *m, int why)
{
	if (sys->dead_letter != NULL) {
		cadre_msg view;
		cadre__msg_view(m, &view);
		sys->dead_letter(sys->dead_letter_ctx, to, &view, why);
	}
	cadre__msg_free(m);
	/* Counted last, with release: whoever reads the count (acquire) sees
	 * the hook call and the payload's destructor done. */
	if (w != NULL)
		cadre__store_rel_u64(&w->st.dead_letters, w->st.dead_letters + 1);
	else
		cadre__faa_acqrel_u64(&sys->ext.dead_letters, 1);
}

/* ---- counters ------------------------------------------------------------- */
static void
add_stats(cadre_stats *acc, const cadre_stats *s)
{
	/* Relaxed loads: each counter has one writer or is an atomic add. */
	acc->sent += cadre__load_rlx_u64(&s->sent);
	acc->handled += cadre__load_rlx_u64(&s->handled);
	acc->dead_letters += cadre__load_rlx_u64(&s->dead_letters);
	acc->batches += cadre__load_rlx_u64(&s->batches);
	acc->steals += cadre__load_rlx_u64(&s->steals);
	acc->parks += cadre__load_rlx_u64(&s->parks);
	acc->wakeups += cadre__load_rlx_u64(&s->wakeups);
	acc->spawned += cadre__load_rlx_u64(&s->spawned);
	acc->stopped += cadre__load_rlx_u64(&s->stopped);
	acc->mutes += cadre__load_rlx_u64(&s->mutes);
	acc->unmutes += cadre__load_rlx_u64(&s->unmutes);
}

int
cadre_system_stats(const cadre_system *sys, int worker, cadre_stats *out)
{
	if (sys == NULL || out == NULL || worker < -1 || worker >= (int)sys->nworkers)
		return CADRE_EINVAL;
	memset(out, 0, sizeof *out);
	if (worker >= 0) {
		add_stats(out, &sys->workers[worker].st);
		return 0;
	}
	for (unsigned i = 0; i < sys->nall; i++)
		add_stats(out, &sys->workers[i].st);
	add_stats(out, &sys->ext);
	out->actors_alive = out->spawned - out->stopped;
	return 0;
}

/* Live actors. Spawns are counted before an actor can stop, so a snapshot
 * can only over-count stops' lag: 0 here means 0 once spawns are closed. */
uint64_t
cadre__alive(struct cadre_system *sys)
{
	uint64_t spawned = 0, stopped = 0;
	for (unsigned i = 0; i < sys->nall; i++) {
		/* Stops first (acquire: pairs with the owner's counting), so a
		 * stop counted here had its spawn counted already. */
		stopped += cadre__load_acq_u64(&sys->workers[i].st.stopped);
	}
	stopped += cadre__load_acq_u64(&sys->ext.stopped); /* as above */
	/* Then spawns (acquire): the stops' acquire above already makes the
	 * spawn of every counted stop visible here. */
	for (unsigned i = 0; i < sys->nall; i++)
		spawned += cadre__load_acq_u64(&sys->workers[i].st.spawned);
	spawned += cadre__load_acq_u64(&sys->ext.spawned); /* pairs with spawn's acq_rel add */
	return spawned > stopped ? spawned - stopped : 0;
}

/* Spawns in progress anywhere. seq_cst loads: the other half of spawn's
 * Dekker pair [RMW spawning ; load closing]. */
uint32_t
cadre__spawning(struct cadre_system *sys)
{
	uint32_t n = cadre__load_sc_u32(&sys->spawning);
	for (unsigned i = 0; i < sys->nall; i++)
		n += cadre__load_sc_u32(&sys->workers[i].spawning);
	return n;
}

/* Dead actors not yet reclaimed (their queued mail not yet dead-lettered). */
static uint64_t
unreclaimed(struct cadre_system *sys)
{
	uint64_t stopped = 0, reclaimed = 0;
	for (unsigned i = 0; i < sys->nall; i++) {
		/* Reclaims first (acquire: pairs with the reclaimer's release), so
		 * every reclaim counted here has its stop counted below. */
		reclaimed += cadre__load_acq_u64(&sys->workers[i].reclaimed);
	}
	for (unsigned i = 0; i < sys->nall; i++)
		stopped += cadre__load_acq_u64(&sys->workers[i].st.stopped);
	return stopped > reclaimed ? stopped - reclaimed : 0;
}

/* ---- life cycle ----------------------------------------------------------- */
bool
cadre_on_worker(void)
{
	return cadre__tls_worker != NULL;
}

unsigned
cadre_system_workers(const cadre_system *sys)
{
	return sys == NULL ? 0 : sys->nworkers;
}

int
cadre_system_new(cadre_system **out, const cadre_config *cfg)
{
	if (out == NULL)
		return CADRE_EINVAL;
	*out = NULL;
	cadre_config dflt;
	memset(&dflt, 0, sizeof dflt);
	if (cfg == NULL)
		cfg = &dflt;
	unsigned n = cfg->workers;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1u;
		if (n > 64)
			n = 64;
	}
	if (n > 64)
		return CADRE_EINVAL; /* one bit per worker in idle_mask */

	struct cadre_system *sys = cadre__alloc_aligned(sizeof *sys, CADRE__CACHELINE);
	if (sys == NULL)
		return CADRE_ENOMEM;
	/* An id source: only uniqueness matters (acq_rel is more than needed). */
	sys->id = cadre__faa_acqrel_u32(&next_system_id, 1) + 1;
	if (sys->id == 0) /* wrapped after 4 billion systems */
		sys->id = cadre__faa_acqrel_u32(&next_system_id, 1) + 1;
	sys->nworkers = n;
	sys->nblocking = cfg->blocking_threads != 0 ? cfg->blocking_threads : 2;
	if (sys->nblocking > 256) {
		cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
		return CADRE_EINVAL;
	}
	sys->nall = n + sys->nblocking;
	sys->batch = cfg->batch != 0 ? cfg->batch : 100;
	sys->spin_rounds = cfg->spin_rounds != 0 ? cfg->spin_rounds : 64;
	sys->steal_age = (cfg->steal_after_us != 0 ? cfg->steal_after_us : 100u) * UINT64_C(1000);
	sys->max_msg = cfg->max_message_size != 0 ? cfg->max_message_size : (1u << 20);
	sys->pin = !cfg->no_pinning;
	sys->run_next = !cfg->no_run_next;
	sys->backpressure = !cfg->no_backpressure;
	sys->coalesce = !cfg->no_coalesce;
	sys->dead_letter = cfg->dead_letter;
	sys->dead_letter_ctx = cfg->dead_letter_ctx;
	sys->fresh_index = 1; /* index 0 is never used */
	pthread_mutex_init(&sys->shutdown_lock, NULL);
	sys->workers =
	        cadre__alloc_aligned(sys->nall * sizeof(struct cadre__worker), CADRE__CACHELINE);
	if (sys->workers == NULL) {
		cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
		return CADRE_ENOMEM;
	}
	int rc = cadre__registry_new(sys);
	if (rc != 0)
		goto fail_workers;
	if ((rc = cadre__bpool_init(sys)) != 0)
		goto fail_registry;
	if ((rc = cadre__timers_start(sys)) != 0)
		goto fail_bpool;
	if ((rc = cadre__workers_start(sys)) != 0)
		goto fail_timers;
	*out = sys;
	return 0;
fail_timers:
	cadre__timers_stop(sys);
	cadre__timers_free(sys);
fail_bpool:
	cadre__bpool_fini(sys);
fail_registry:
	cadre__registry_free(sys);
fail_workers:
	cadre__free_aligned(sys->workers, sys->nall * sizeof(struct cadre__worker),
	                    CADRE__CACHELINE);
	pthread_mutex_destroy(&sys->shutdown_lock);
	cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
	return rc;
}

static void
nap(long ns)
{
	struct timespec ts = {0, ns};
	nanosleep(&ts, NULL);
}

int
cadre_system_shutdown(cadre_system *sys)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	if (cadre__tls_worker != NULL)
		return CADRE_EWOULDBLOCK; /* it would block a worker thread */
	pthread_mutex_lock(&sys->shutdown_lock);
	if (cadre__load_acq_u32(&sys->shut_down)) { /* pairs with the release store below */
		pthread_mutex_unlock(&sys->shutdown_lock);
		return 0;
	}
	/* 1. Refuse new spawns, sends and timers. seq_cst: Dekker with spawn.
	 * Pending timers are dropped: never sent, never counted. */
	cadre__xchg_sc_u32(&sys->closing, 1);
	while (cadre__spawning(sys) != 0)
		sched_yield();
	cadre__timers_stop(sys);

	/* 2. Ask every live actor to stop. The walk holds actor pointers, so it
	 * is an external section for the grace period. */
	cadre__ext_enter(sys);
	/* Acquire (the adds are relaxed; no pair needed): every spawn has
	 * finished (step 1), and each slot below is read with its own acquire. */
	uint64_t fresh = cadre__load_acq_u64(&sys->fresh_index);
	for (uint64_t i = 1; i < fresh && i <= CADRE__MAX_ACTORS; i++) {
		void **slot = slot_at(sys, (uint32_t)i);
		if (slot == NULL)
			continue;
		uintptr_t v = (uintptr_t)cadre__load_acq_ptr(slot); /* pairs with publish */
		if (v != 0 && (v & 1u) == 0)
			cadre__request_stop(sys, (struct cadre__actor *)v);
	}
	cadre__ext_leave(sys);

	/* 3. Workers run the stops and exit when no actor is alive; wake them
	 * all so that parked ones notice. */
	cadre__wake_all(sys);
	cadre__workers_join(sys);

	/* 4. External senders that passed the closing check before it was set
	 * may still be pushing: wait for them, then reclaim everything. */
	while (cadre__load_acq_u64(&sys->ext_active) != 0)
		nap(100000);
	cadre__reclaim_all(sys);
	cadre__store_rel_u32(&sys->shut_down, 1); /* pairs with the acquire load at the top */
	pthread_mutex_unlock(&sys->shutdown_lock);
	return 0;
}

int
cadre_system_await_idle(cadre_system *sys, long timeout_ms)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	if (cadre__tls_worker != NULL)
		return CADRE_EWOULDBLOCK;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long step = 10000;
	while (cadre__alive(sys) != 0 || unreclaimed(sys) != 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (timeout_ms >= 0 && ms >= timeout_ms)
			return CADRE_ETIMEDOUT;
		nap(step);
		if (step < 1000000)
			step *= 2;
	}
	return 0;
}

void
cadre_system_free(cadre_system *sys)
{
	if (sys == NULL)
		return;
	if (cadre_system_shutdown(sys) != 0)
		return; /* called on a worker: refusing beats freeing under it */
	cadre__timers_free(sys);
	cadre__registry_free(sys);
	cadre__bpool_fini(sys);
	for (unsigned i = 0; i < CADRE__DIR_PAGES; i++)
		cadre__free(sys->dir[i], CADRE__PAGE_SLOTS * sizeof(void *));
	mags_free(sys);
	cadre__workers_fini(sys);
	cadre__free_aligned(sys->workers, sys->nall * sizeof(struct cadre__worker),
	                    CADRE__CACHELINE);
	pthread_mutex_destroy(&sys->shutdown_lock);
	cadre__free_aligned(sys, sizeof *sys, CADRE__CACHELINE);
}
