/* Cadre: the named registry (the contract is in cadre/behave.h).
 *
 * Design notes.
 *
 * 1024 buckets of singly linked records {name, hash, ref}. Records are only
 * ever added (a CAS on the bucket head) and never freed while the system
 * lives, so readers walk the lists with acquire loads and no lock. A
 * record's `ref` word (index << 32 | gen, 0 = free) is changed by CAS only.
 * If two threads add the same name at once, both records stay, and both
 * threads then use the oldest record with that name (the last in its
 * bucket's list): the same one, so the name's CAS decides between them.
 *
 * "A name is freed when its actor stops" is done lazily and exactly: a
 * lookup that finds the named actor dead clears the word (CAS) and answers
 * CADRE_ENOENT; register may take a name whose actor is dead. Nobody can
 * observe the difference from eager freeing. Liveness is the actor table's
 * lookup, done inside an external section for non-worker threads.
 */
#include <string.h>

#include "cadre__registry.h"

#define REG_BUCKETS 1024u

struct reg_rec {
	struct reg_rec *next;
	uint64_t hash;
	uint64_t ref; /* index << 32 | gen; 0 = free; CAS only */
	char name[];
};

struct cadre__registry {
	struct reg_rec *bucket[REG_BUCKETS];
};

static uint64_t
fnv1a(const char *s, size_t *len)
{
	uint64_t h = 1469598103934665603ull;
	size_t n = 0;
	for (; s[n] != '\0'; n++)
		h = (h ^ (unsigned char)s[n]) * 1099511628211ull;
	*len = n;
	return h;
}

int
cadre__registry_new(struct cadre_system *sys)
{
	sys->registry = cadre__alloc_zero(sizeof *sys->registry);
	return sys->registry == NULL ? CADRE_ENOMEM : 0;
}

void
cadre__registry_free(struct cadre_system *sys)
{
	struct cadre__registry *r = sys->registry;
	if (r == NULL)
		return;
	for (unsigned b = 0; b < REG_BUCKETS; b++) {
		struct reg_rec *x = r->bucket[b];
		while (x != NULL) {
			struct reg_rec *next = x->next;
			cadre__free(x, sizeof *x + strlen(x->name) + 1);
			x = next;
		}
	}
	cadre__free(r, sizeof *r);
	sys->registry = NULL;
}

/* The oldest record named `name` in its bucket, or NULL. */
static struct reg_rec *
find(struct cadre__registry *r, const char *name, uint64_t h)
{
	struct reg_rec *found = NULL;
	/* Acquire loads: pair with the release side of the inserting CAS, so
	 * a record's name and hash are visible. */
	for (struct reg_rec *x = cadre__load_acq_ptr((void **)&r->bucket[h % REG_BUCKETS]);
	     x != NULL; x = cadre__load_acq_ptr((void **)&x->next))
		if (x->hash == h && strcmp(x->name, name) == 0)
			found = x;
	return found;
}

static struct reg_rec *
find_or_add(struct cadre__registry *r, const char *name, uint64_t h, size_t len)
{
	struct reg_rec *x = find(r, name, h);
	if (x != NULL)
		return x;
	struct reg_rec *n = cadre__alloc(sizeof *n + len + 1);
	if (n == NULL)
		return NULL;
	n->hash = h;
	n->ref = 0;
	memcpy(n->name, name, len + 1);
	void **head = (void **)&r->bucket[h % REG_BUCKETS];
	for (;;) {
		void *old = cadre__load_rlx_ptr(head); /* the CAS decides */
		n->next = old;                         /* published by the CAS */
		/* seq_cst CAS: publishes the record (release side); pairs with
		 * the acquire loads in find. */
		if (cadre__cas_sc_ptr(head, old, n))
			break;
	}
	return find(r, name, h); /* the oldest: the same for every racer */
}

static uint64_t
pack(cadre_ref r)
{
	return (uint64_t)r.index << 32 | r.gen;
}

static cadre_ref
unpack(const struct cadre_system *sys, uint64_t v)
{
	return (cadre_ref){sys->table.id, (uint32_t)(v >> 32), (uint32_t)v, sys->table.node};
}

static bool
alive(struct cadre_system *sys, uint64_t v)
{
	return v != 0 && cadre__table_get(&sys->table, unpack(sys, v)) != NULL;
}

static int
check_name(const char *name, uint64_t *h, size_t *len)
{
	if (name == NULL || name[0] == '\0')
		return CADRE_EINVAL;
	*h = fnv1a(name, len);
	return *len > CADRE_NAME_MAX ? CADRE_EINVAL : 0;
}

/* Takes x for ref unless a live actor has it (CADRE_EEXIST). */
static int
claim(struct cadre_system *sys, struct reg_rec *x, cadre_ref ref)
{
	for (;;) {
		/* Relaxed: the CAS below decides. */
		uint64_t cur = cadre__load_rlx_u64(&x->ref);
		if (alive(sys, cur))
			return CADRE_EEXIST;
		/* acq_rel CAS: one registrant wins a free (or dead) name. */
		if (cadre__cas_acqrel_u64(&x->ref, cur, pack(ref)))
			return 0;
	}
}

int
cadre_register(cadre_system *sys, const char *name, cadre_ref ref)
{
	uint64_t h;
	size_t len;
	if (sys == NULL || check_name(name, &h, &len) != 0)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	struct cadre__actor *a;
	int rc = cadre__hold(sys, w, ref, &a);
	if (rc != 0)
		return rc;
	struct reg_rec *x = find_or_add(sys->registry, name, h, len);
	rc = x == NULL ? CADRE_ENOMEM : claim(sys, x, ref);
	cadre__leave(sys, w);
	return rc;
}

int
cadre_unregister(cadre_system *sys, const char *name)
{
	uint64_t h;
	size_t len;
	if (sys == NULL || check_name(name, &h, &len) != 0)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	cadre__enter(sys, w);
	int rc = CADRE_ENOENT;
	struct reg_rec *x = find(sys->registry, name, h);
	while (x != NULL) {
		uint64_t cur = cadre__load_acq_u64(&x->ref); /* pairs with register's CAS */
		if (!alive(sys, cur))
			break; /* free already (or its actor stopped) */
		if (cadre__cas_acqrel_u64(&x->ref, cur, 0)) { /* as in register */
			rc = 0;
			break;
		}
	}
	cadre__leave(sys, w);
	return rc;
}

int
cadre_whereis(cadre_system *sys, const char *name, cadre_ref *out)
{
	uint64_t h;
	size_t len;
	if (sys == NULL || out == NULL || check_name(name, &h, &len) != 0)
		return CADRE_EINVAL;
	struct cadre__worker *w = cadre__my_worker(sys);
	cadre__enter(sys, w);
	int rc = CADRE_ENOENT;
	struct reg_rec *x = find(sys->registry, name, h);
	if (x != NULL) {
		uint64_t cur = cadre__load_acq_u64(&x->ref); /* pairs with register's CAS */
		if (alive(sys, cur)) {
			*out = unpack(sys, cur);
			rc = 0;
		} else if (cur != 0) {
			/* its actor stopped: free the name (acq_rel CAS, as in
			 * register; a failure means someone re-registered it
			 * meanwhile: still ENOENT for us) */
			(void)cadre__cas_acqrel_u64(&x->ref, cur, 0);
		}
	}
	cadre__leave(sys, w);
	return rc;
}

/* Every name with its ref word (index << 32 | gen; a dead actor's name may
 * still carry its ref: the caller matches live actors). Names stay valid
 * while the system lives (records are never freed before). */
void
cadre__registry_each(struct cadre_system *sys, void (*fn)(void *ctx, const char *name, uint64_t v),
                     void *ctx)
{
	struct cadre__registry *r = sys->registry;
	for (unsigned b = 0; b < REG_BUCKETS; b++)
		/* Acquire loads: as in find. */
		for (struct reg_rec *x = cadre__load_acq_ptr((void **)&r->bucket[b]); x != NULL;
		     x = cadre__load_acq_ptr((void **)&x->next)) {
			uint64_t v = cadre__load_acq_u64(&x->ref); /* pairs with register's CAS */
			if (v != 0)
				fn(ctx, x->name, v);
		}
}
