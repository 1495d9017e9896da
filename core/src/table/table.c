/* Cadre: the actor table: slots, magazines and lookup.
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
 * memory itself is freed only after a grace period (reclaim/): a
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
 * Indexes freed on workers reach other threads too. Actors spawned from a
 * thread that is not a worker die on workers, so their indexes end in
 * worker caches and magazines; such a thread that finds the global stack
 * empty takes a full magazine, keeps one index and pushes the rest onto
 * the global stack as one linked chain (one CAS), before it takes a
 * never-used index. So every free index is reusable everywhere, except at
 * most CADRE__SLOT_CACHE per worker waiting in that worker's cache (0.4%
 * of the table with 64 workers; before, main's spawns failed for good
 * after 16.7 million, however few actors were alive). The worker's path is
 * unchanged. A spawn beyond the capacity (CADRE__MAX_ACTORS live actors,
 * or what a test set with cadre__table_set_capacity) fails with
 * CADRE_ELIMIT, its own code (it was CADRE_ENOMEM, which sent users
 * looking for a memory problem); a page of slots that cannot be allocated
 * is CADRE_ENOMEM. Either way nothing was taken, and spawns succeed again
 * once actors stop.
 *
 * Size. The directory has 65536 page pointers (2^28 - 1 = 268 million
 * live actors; 100 million idle ones take about 12 GB): it is 512 KiB
 * of the system's zeroed allocation, but only its used part is ever
 * touched (one 4 KiB page of it per 2 million actors; the walks stop at
 * the highest index handed out), so a small system's resident memory does
 * not grow with it (measured: docs/performance.md "100 million actors").
 * Magazines are named by id through chunks of 1024 pointers allocated on
 * first use, not a fixed array sized for the whole table (1 MiB). The
 * directory keeps one level: a lookup stays two dependent loads, the same
 * as with 16.7 million slots.
 *
 */
#include <string.h>

#include "cadre__table.h"

#define SLOT_MASK (CADRE__PAGE_SLOTS - 1u)
#define FREE_WORD(gen, next1) (((uint64_t)(gen) << 32) | ((uint64_t)(next1) << 1) | 1u)

static void **
slot_at(struct cadre__table *t, uint32_t index)
{
	/* Acquire: pairs with the release CAS that published the page. */
	void **page = cadre__load_acq_ptr((void **)&t->dir[index >> CADRE__PAGE_BITS]);
	return page == NULL ? NULL : &page[index & SLOT_MASK];
}

struct cadre__actor *
cadre__table_get(struct cadre__table *t, cadre_ref ref)
{
	if (ref.sys != t->id || ref.node != t->node || ref.index == 0 ||
	    ref.index > CADRE__MAX_ACTORS)
		return NULL;
	void **slot = slot_at(t, ref.index);
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
cadre__slot_publish(struct cadre__table *t, uint32_t index, struct cadre__actor *a)
{
	/* Release: the actor is initialised before anyone can look it up;
	 * pairs with the acquire load in cadre__table_get. */
	cadre__store_rel_ptr(slot_at(t, index), a);
}

void
cadre__slot_clear(struct cadre__table *t, uint32_t index, uint32_t next_gen)
{
	/* Release: a reader that sees the free word needs nothing else from
	 * us; the grace period (reclaim/) orders the rest. */
	cadre__store_rel_ptr(slot_at(t, index), (void *)(uintptr_t)FREE_WORD(next_gen, 0));
}

static int
ensure_page(struct cadre__table *t, uint32_t index)
{
	void **pp = (void **)&t->dir[index >> CADRE__PAGE_BITS];
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
global_pop(struct cadre__table *t, uint32_t *index, uint32_t *gen)
{
	for (;;) {
		/* Acquire: pairs with the release side of the push CAS, so the
		 * free word of the top index is visible. */
		uint64_t h = cadre__load_acq_u64(&t->free_head);
		uint32_t top1 = (uint32_t)h;
		if (top1 == 0)
			return false;
		/* Relaxed: may be stale if another thread pops and reuses top
		 * concurrently; the tagged CAS below then fails. */
		uint64_t w = (uint64_t)(uintptr_t)cadre__load_rlx_ptr(slot_at(t, top1 - 1));
		uint32_t next1 = (uint32_t)((w >> 1) & 0x7fffffffu);
		uint64_t nh = cadre__retag(h, next1);
		/* acq_rel CAS: the tag defeats ABA; pairs with global_push's CAS. */
		if ((w & 1u) && cadre__cas_acqrel_u64(&t->free_head, h, nh)) {
			*index = top1 - 1;
			*gen = (uint32_t)(w >> 32);
			return true;
		}
		cadre__spin_pause();
	}
}

static void
global_push(struct cadre__table *t, uint32_t index, uint32_t gen)
{
	void **slot = slot_at(t, index);
	for (;;) {
		uint64_t h = cadre__load_rlx_u64(&t->free_head); /* the CAS decides */
		/* Relaxed: published by the release CAS below. */
		cadre__store_rlx_ptr(slot, (void *)(uintptr_t)FREE_WORD(gen, (uint32_t)h));
		uint64_t nh = cadre__retag(h, index + 1);
		/* acq_rel: releases the free word; pairs with global_pop. */
		if (cadre__cas_acqrel_u64(&t->free_head, h, nh))
			return;
	}
}

/* The highest index that may be handed out. */
static uint64_t
table_cap(struct cadre__table *t)
{
	/* Relaxed: set once before the first spawn (tests); the spawn that
	 * reaches us was ordered after it by whatever started it. */
	uint32_t cap = cadre__load_rlx_u32(&t->cap);
	return cap != 0 ? cap : CADRE__MAX_ACTORS;
}

int
cadre__table_set_capacity(struct cadre__table *t, uint32_t max_actors)
{
	if (max_actors == 0 || max_actors > CADRE__MAX_ACTORS)
		return CADRE_EINVAL;
	/* Relaxed: read by table_cap (see there). */
	cadre__store_rlx_u32(&t->cap, max_actors);
	return 0;
}

/* Pushes e[0..n) (n >= 1, indexes we own) as one chain, e[0] on top: the
 * free words are linked first, then one CAS publishes them all. */
static void
global_push_chain(struct cadre__table *t, const uint64_t *e, uint32_t n)
{
	for (uint32_t i = 0; i + 1 < n; i++) {
		uint32_t next1 = (uint32_t)e[i + 1] + 1u;
		/* Relaxed: published by the release side of the CAS below. */
		cadre__store_rlx_ptr(slot_at(t, (uint32_t)e[i]),
		                     (void *)(uintptr_t)FREE_WORD((uint32_t)(e[i] >> 32), next1));
	}
	void **last = slot_at(t, (uint32_t)e[n - 1]);
	for (;;) {
		uint64_t h = cadre__load_rlx_u64(&t->free_head); /* the CAS decides */
		/* Relaxed: published by the release CAS below. */
		cadre__store_rlx_ptr(last, (void *)(uintptr_t)FREE_WORD((uint32_t)(e[n - 1] >> 32),
		                                                        (uint32_t)h));
		uint64_t nh = cadre__retag(h, (uint32_t)e[0] + 1u);
		/* acq_rel: releases the chain's free words; pairs with global_pop. */
		if (cadre__cas_acqrel_u64(&t->free_head, h, nh))
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
mag_at(struct cadre__table *t, uint32_t id)
{
	/* Acquire (both): pair with the release CAS that published the chunk
	 * and the release store that published the magazine (mag_empty). */
	struct cadre__mag **chunk =
	        cadre__load_acq_ptr((void **)&t->mag_chunks[id / CADRE__MAG_CHUNK]);
	return cadre__load_acq_ptr((void **)&chunk[id % CADRE__MAG_CHUNK]);
}

/* The chunk of magazine pointers for id, allocated if missing; NULL if
 * that fails. */
static struct cadre__mag **
mag_chunk(struct cadre__table *t, uint32_t id)
{
	void **pp = (void **)&t->mag_chunks[id / CADRE__MAG_CHUNK];
	void *c = cadre__load_acq_ptr(pp); /* acquire: pairs with the CAS below */
	if (c != NULL)
		return c;
	void *fresh = cadre__alloc_zero(CADRE__MAG_CHUNK * sizeof(struct cadre__mag *));
	if (fresh == NULL)
		return NULL;
	/* seq_cst CAS publishes the zeroed chunk (release side); a loser frees
	 * its copy and uses the winner's. Pairs with the acquire loads above
	 * and in mag_at. */
	if (cadre__cas_sc_ptr(pp, NULL, fresh))
		return fresh;
	cadre__free(fresh, CADRE__MAG_CHUNK * sizeof(struct cadre__mag *));
	return cadre__load_acq_ptr(pp); /* acquire: pairs with the winner's CAS */
}

static int
mag_pop(struct cadre__table *t, uint64_t *head)
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
		uint32_t next1 = cadre__load_rlx_u32(&mag_at(t, id1 - 1)->next1);
		uint64_t nh = cadre__retag(h, next1);
		/* acq_rel CAS: the tag defeats ABA; pairs with mag_push. */
		if (cadre__cas_acqrel_u64(head, h, nh))
			return (int)(id1 - 1);
		cadre__spin_pause();
	}
}

static void
mag_push(struct cadre__table *t, uint64_t *head, uint32_t id)
{
	struct cadre__mag *m = mag_at(t, id);
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
mag_empty(struct cadre__table *t)
{
	int id = mag_pop(t, &t->mags_empty);
	if (id >= 0)
		return id;
	struct cadre__mag *m = cadre__alloc(sizeof *m);
	if (m == NULL)
		return -1;
	/* acq_rel add: only uniqueness matters (the store below publishes). */
	uint32_t nid = cadre__faa_acqrel_u32(&t->nmags, 1);
	struct cadre__mag **chunk = nid < CADRE__MAX_MAGS ? mag_chunk(t, nid) : NULL;
	if (chunk == NULL) {
		/* The id stays unused: mags_free skips a NULL pointer. */
		cadre__free(m, sizeof *m);
		return -1;
	}
	/* Release: the magazine before its id can reach a stack; pairs with
	 * mag_at. */
	cadre__store_rel_ptr((void **)&chunk[nid % CADRE__MAG_CHUNK], m);
	return (int)nid;
}

static void
mags_free(struct cadre__table *t)
{
	/* Single-threaded: the system is being freed. */
	for (uint32_t c = 0; c < CADRE__MAG_CHUNKS; c++) {
		struct cadre__mag **chunk = t->mag_chunks[c];
		if (chunk == NULL)
			continue;
		for (uint32_t i = 0; i < CADRE__MAG_CHUNK; i++)
			if (chunk[i] != NULL)
				cadre__free(chunk[i], sizeof(struct cadre__mag));
		cadre__free(chunk, CADRE__MAG_CHUNK * sizeof(struct cadre__mag *));
	}
}

/* c's cache is full: its newer half goes to the system as one magazine (or
 * index by index to the global stack if no magazine can be had). */
static void
cache_spill(struct cadre__table *t, struct cadre__slot_cache *c)
{
	uint64_t *e = &c->e[c->n - CADRE__MAG];
	c->n -= CADRE__MAG;
	int id = mag_empty(t);
	if (id < 0) {
		for (unsigned i = 0; i < CADRE__MAG; i++)
			global_push(t, (uint32_t)e[i], (uint32_t)(e[i] >> 32));
		return;
	}
	struct cadre__mag *m = mag_at(t, (uint32_t)id);
	memcpy(m->e, e, sizeof m->e);
	m->n = CADRE__MAG;
	mag_push(t, &t->mags_full, (uint32_t)id);
}

/* c's cache is empty: a full magazine, or a batch of never-used indexes.
 * Returns 0, CADRE_ELIMIT if the table is full, or CADRE_ENOMEM. */
static int
cache_fill(struct cadre__table *t, struct cadre__slot_cache *c)
{
	int id = mag_pop(t, &t->mags_full);
	if (id >= 0) {
		struct cadre__mag *m = mag_at(t, (uint32_t)id);
		memcpy(c->e, m->e, m->n * sizeof m->e[0]);
		c->n = m->n;
		mag_push(t, &t->mags_empty, (uint32_t)id);
		return 0;
	}
	uint32_t index, gen;
	if (global_pop(t, &index, &gen)) {
		c->e[c->n++] = (uint64_t)gen << 32 | index;
		return 0;
	}
	/* Relaxed add: only uniqueness matters. */
	uint64_t i = cadre__faa_rlx_u64(&t->fresh_index, CADRE__FRESH_BATCH);
	uint64_t end = i + CADRE__FRESH_BATCH - 1;
	if (end > table_cap(t))
		end = table_cap(t);
	if (i > end)
		return CADRE_ELIMIT;
	if (ensure_page(t, (uint32_t)i) != 0 || ensure_page(t, (uint32_t)end) != 0)
		return CADRE_ENOMEM;
	/* Highest first, so the lowest is taken first (LIFO). */
	for (uint64_t k = end + 1; k-- > i;)
		c->e[c->n++] = (uint64_t)1 << 32 | k;
	return 0;
}

/* A thread without a cache found the global stack empty: it takes a full
 * magazine (indexes that died on workers), keeps one index and pushes the
 * rest onto the global stack as one chain, then returns the magazine to
 * the empty ones: three CASes per CADRE__MAG indexes. False if no full
 * magazine can be had. */
static bool
mag_to_global(struct cadre__table *t, uint32_t *index, uint32_t *gen)
{
	int id = mag_pop(t, &t->mags_full);
	if (id < 0)
		return false;
	/* Ours now: its entries were acquired by mag_pop (pairs with mag_push). */
	struct cadre__mag *m = mag_at(t, (uint32_t)id);
	uint32_t n = m->n - 1u;
	*index = (uint32_t)m->e[n];
	*gen = (uint32_t)(m->e[n] >> 32);
	if (n != 0)
		global_push_chain(t, m->e, n);
	m->n = 0;
	mag_push(t, &t->mags_empty, (uint32_t)id);
	return true;
}

int
cadre__slot_alloc(struct cadre__table *t, struct cadre__slot_cache *c, uint32_t *index,
                  uint32_t *gen)
{
	if (c != NULL) {
		if (c->n == 0) {
			int rc = cache_fill(t, c);
			if (rc != 0)
				return rc;
		}
		uint64_t e = c->e[--c->n];
		*index = (uint32_t)e;
		*gen = (uint32_t)(e >> 32);
		return 0;
	}
	/* A thread without a cache: the global stack, then what died on the
	 * workers (a magazine), then a never-used index. */
	if (global_pop(t, index, gen) || mag_to_global(t, index, gen))
		return 0;
	/* Relaxed add: only uniqueness matters. */
	uint64_t i = cadre__faa_rlx_u64(&t->fresh_index, 1);
	if (i > table_cap(t))
		return CADRE_ELIMIT;
	if (ensure_page(t, (uint32_t)i) != 0)
		return CADRE_ENOMEM;
	*index = (uint32_t)i;
	*gen = 1;
	return 0;
}

void
cadre__slot_free(struct cadre__table *t, struct cadre__slot_cache *c, uint32_t index, uint32_t gen)
{
	if (gen == 0)
		gen = 1; /* wrapped: 0 is never a live generation */
	if (c == NULL) {
		global_push(t, index, gen);
		return;
	}
	if (c->n == CADRE__SLOT_CACHE)
		cache_spill(t, c);
	c->e[c->n++] = (uint64_t)gen << 32 | index;
}

int
cadre__slot_cache_init(struct cadre__slot_cache *c)
{
	c->n = 0;
	c->e = cadre__alloc(CADRE__SLOT_CACHE * sizeof(uint64_t));
	return c->e == NULL ? CADRE_ENOMEM : 0;
}

void
cadre__slot_cache_fini(struct cadre__slot_cache *c)
{
	cadre__free(c->e, CADRE__SLOT_CACHE * sizeof(uint64_t));
	c->e = NULL;
}

void
cadre__table_fini(struct cadre__table *t)
{
	/* Only the used part of the directory is read (see Size above): pages
	 * exist at most up to the highest index handed out, plus a batch. */
	uint64_t fresh = cadre__load_acq_u64(&t->fresh_index); /* single-threaded now */
	uint64_t pages = (fresh + CADRE__FRESH_BATCH) / CADRE__PAGE_SLOTS + 1u;
	if (pages > CADRE__DIR_PAGES)
		pages = CADRE__DIR_PAGES;
	for (uint64_t i = 0; i < pages; i++)
		cadre__free(t->dir[i], CADRE__PAGE_SLOTS * sizeof(void *));
	mags_free(t);
}

void
cadre__table_each(struct cadre__table *t, void (*fn)(void *ctx, struct cadre__actor *a), void *ctx)
{
	/* Acquire (the adds are relaxed; no pair needed): the caller has made
	 * sure no spawn is in flight, and each slot is read with its own
	 * acquire, pairing with cadre__slot_publish. */
	uint64_t fresh = cadre__load_acq_u64(&t->fresh_index);
	for (uint64_t i = 1; i < fresh && i <= CADRE__MAX_ACTORS; i++) {
		void **slot = slot_at(t, (uint32_t)i);
		if (slot == NULL)
			continue;
		uintptr_t v = (uintptr_t)cadre__load_acq_ptr(slot); /* pairs with publish */
		if (v != 0 && (v & 1u) == 0)
			fn(ctx, (struct cadre__actor *)v);
	}
}
