/* Cadre internal: the actor table (table/). The actor's control block,
 * refs, and the table that maps a ref to a live actor: slots in pages,
 * free indexes in per-worker caches and magazines, and the lookup.
 * Uses: msg/ and mailbox/. See table.c's Design notes. */
#ifndef CADRE__TABLE_H
#define CADRE__TABLE_H

#include "cadre__msg.h"

/* Actor states (owner-only except where noted). */
enum {
	CADRE__A_NEW = 0, /* start not run yet */
	CADRE__A_RUNNING = 1,
	CADRE__A_STOPPING = 2, /* cadre_stop called in a callback */
	CADRE__A_DEAD = 3,     /* stop ran; waiting for reclamation */
};

/* Lives just before the user's struct (whose first member is cadre_actor).
 * Kept at 96 bytes: with the smallest user struct and its table slot, an
 * idle actor costs 120 bytes (jemalloc's 112-byte class plus 8). */
struct cadre__actor {
	struct cadre_mailbox mb;    /* 48: producers touch mb.head / sys_head */
	cadre_mb_node rq_node;      /* run-queue inject link, then limbo link */
	cadre_mb_node stop_node;    /* the embedded stop request (system lane) */
	uint32_t sig;               /* CADRE__SIG_F_*: cross-thread bits, atomic RMW only */
	uint32_t index;             /* slot; immutable */
	uint32_t gen;               /* generation; immutable */
	uint8_t state;              /* CADRE__A_*; owner only */
	uint8_t flags;              /* CADRE__F_*; owner only */
	uint8_t overflow;           /* cadre_overflow; immutable */
	uint8_t blocking;           /* runs on the blocking pool; immutable */
	const cadre_behaviour *beh; /* owner only; beh->size is the allocation's */
	void *start_arg;            /* until start runs */
	                            /* the user's struct follows, aligned to 16 */
};

/* Bits of struct cadre__actor.sig (read by senders, set by RMW). */
enum {
	CADRE__SIG_F_STOP = 1,         /* stop_node was pushed (at most once) */
	CADRE__SIG_F_OVERLOADED = 2,   /* a full batch left mail behind: mute senders */
	CADRE__SIG_F_TRAP_STOP = 4,    /* the stop request arrives as a message (cadre_trap_stop) */
	CADRE__SIG_F_PARENT_STOPS = 8, /* spawned linked by a TRAP_STOP actor, which stops it */
	CADRE__SIG_F_IO = 16,          /* was given an I/O handle (io/): its finish closes them */
	CADRE__SIG_F_IO_DONE = 32,     /* finished: may be given no I/O handle any more (io/) */
	CADRE__SIG_F_MUTED = 64, /* muted: out of the run queues; cleared once, by its unmute */
};

enum {
	CADRE__F_TRAP_EXITS = 1,    /* exit signals become CADRE_MSG_EXIT messages */
	CADRE__F_STARTED_LATER = 2, /* STARTED is sent by cadre_started(), not at start's end */
	CADRE__F_KEEP_MAIL = 4,     /* leftover mail goes to the parent at death */
	CADRE__F_REPLAY = 8,        /* unstashed messages wait in ext->replay */
	CADRE__F_IN_START = 16,     /* its start callback is running (cadre_started_later) */
	CADRE__F_REMOTE_ARG = 32,   /* start_arg is a cadre_remote_arg block, freed after start */
};

_Static_assert(sizeof(struct cadre__actor) == 96, "per-actor overhead stays at 96 bytes");

static inline struct cadre__actor *
cadre__actor_of(const cadre_actor *a)
{
	return (struct cadre__actor *)((char *)(uintptr_t)a - sizeof(struct cadre__actor));
}

/* The actor whose rq_node n is (a run-queue inject link, the blocking
 * pool's overflow, the deterministic mode's ready set, limbo). */
static inline struct cadre__actor *
cadre__actor_of_rq(cadre_mb_node *n)
{
	return (struct cadre__actor *)(void *)((char *)n - offsetof(struct cadre__actor, rq_node));
}

static inline cadre_actor *
cadre__user_of(struct cadre__actor *a)
{
	return (cadre_actor *)(void *)((char *)a + sizeof(struct cadre__actor));
}

/* Per-actor counters (cadre_config.actor_stats): a block after the user's
 * struct (rounded up to 16 bytes), in the same allocation, allocated only
 * when the system keeps them. Not on the line of mb.head that producers
 * exchange: the consumer's stores here never contend with pushes. Written
 * by the actor's owner (relaxed load + store, one writer at a time: the
 * worker that runs it), read by anyone (relaxed). */
struct cadre__astats {
	uint64_t handled;   /* messages handled (added once per run) */
	uint64_t runs;      /* runs (once per run) */
	uint64_t run_ticks; /* time running, in cadre__ticks() units (once per run) */
	uint32_t dequeued;  /* unbounded mailbox: normal messages taken (wraps) */
	uint32_t restarts;  /* cadre_spawn_opts.restarts; immutable after spawn */
};

/* Where the counters start in an actor's allocation: after the block and
 * the user's struct, rounded up to 16 bytes. */
static inline size_t
cadre__astats_at(size_t user)
{
	return sizeof(struct cadre__actor) + ((user + 15u) & ~(size_t)15u);
}

/* Bytes of an actor's allocation: the block, the user's struct and, with
 * per-actor counters, their block. */
static inline size_t
cadre__actor_bytes(size_t user, bool stats)
{
	return stats ? cadre__astats_at(user) + sizeof(struct cadre__astats)
	             : sizeof(struct cadre__actor) + user;
}

/* a's counters; only for an actor of a system that keeps them. user: its
 * behaviour's size (the same for every behaviour it becomes). */
static inline struct cadre__astats *
cadre__astats_of(struct cadre__actor *a, size_t user)
{
	return (struct cadre__astats *)(void *)((char *)a + cadre__astats_at(user));
}

/* The behaviour, read by another thread (a walk: cadre/stats.h); the owner
 * sets it with cadre__actor_set_beh (relaxed: the behaviour outlives the
 * actor's memory; nothing else rides on it). */
static inline const cadre_behaviour *
cadre__actor_beh(const struct cadre__actor *a)
{
	return (const cadre_behaviour *)cadre__load_rlx_ptr((void *const *)(uintptr_t)&a->beh);
}

static inline void
cadre__actor_set_beh(struct cadre__actor *a, const cadre_behaviour *beh)
{
	/* Relaxed: pairs with nothing (see cadre__actor_beh). */
	cadre__store_rlx_ptr((void **)(uintptr_t)&a->beh, (void *)(uintptr_t)beh);
}

/* The actor's extension block: links and monitors, become and stash,
 * muted senders. */
/* Owner only, allocated on first use and
 * reached through the private word of the user's cadre_actor header
 * (the per-actor "ext"; threads that are not workers are "outside"). */
struct cadre__watch {
	uint64_t monitor;
	cadre_ref ref;
	struct cadre__msg *sig; /* watchers: the DOWN for ref, preallocated (signal/) */
};

/* A link, and the signal this actor owes its partner: the EXIT at its
 * death (or the UNLINK), allocated when the link was made (signal/). */
struct cadre__link {
	cadre_ref ref;
	struct cadre__msg *sig;
};

struct cadre__ext {
	struct cadre__link *links;
	uint32_t nlinks, caplinks;
	struct cadre__watch *watchers; /* who monitors this actor */
	uint32_t nwatchers, capwatchers;
	struct cadre__watch *monitors; /* whom this actor monitors */
	uint32_t nmonitors, capmonitors;
	cadre_ref notify_started;     /* CADRE_SPAWN_NOTIFY_STARTED: the spawner */
	struct cadre__msg *started;   /* ... and its STARTED notice, preallocated */
	cadre_ref parent;             /* the spawner, with LINK or NOTIFY_STARTED */
	const cadre_behaviour **behs; /* become / unbecome stack */
	uint32_t nbehs, capbehs;
	uint32_t stash_cap; /* 0 = default */
	uint32_t nstash;
	cadre_mb_node *stash_first, *stash_last;   /* stashed messages */
	cadre_mb_node *replay_first, *replay_last; /* unstashed, to run first */
	cadre_ref *muted; /* senders muted on this actor, to wake when it copes */
	uint32_t nmuted, capmuted;
};

/* a's extension block (create: allocate it if missing; NULL if that
 * fails), and its freeing when a is reclaimed. */
struct cadre__ext *cadre__ext_of(struct cadre__actor *a, bool create);
void cadre__ext_free(struct cadre__actor *a);

/* Slot index -> actor pointer, in pages published once and never moved, so
 * a lookup is two loads with no lock. A slot holds an actor pointer (even),
 * NULL (fresh) or, while free, (gen_next << 32 | next_free << 1 | 1).
 * 65536 pages of 4096 slots: 2^28 - 1 = 268,435,455 live actors. The
 * directory (512 KiB of page pointers) is virtual memory until used: a
 * system touches one page of it per 2 million actors (table.c). */
#define CADRE__PAGE_BITS 12
#define CADRE__PAGE_SLOTS (1u << CADRE__PAGE_BITS)
#define CADRE__DIR_PAGES 65536u
#define CADRE__MAX_ACTORS (CADRE__PAGE_SLOTS * CADRE__DIR_PAGES - 1u)

/* Free slot indexes a worker keeps (32 KiB). Beyond it, half of them move
 * to the system as one magazine (table.c), and an empty cache takes one
 * back: one CAS per CADRE__MAG indexes, not one per index. */
#define CADRE__SLOT_CACHE 4096u
#define CADRE__MAG (CADRE__SLOT_CACHE / 2u)
#define CADRE__MAX_MAGS (CADRE__MAX_ACTORS / CADRE__MAG + 256u)
/* Magazines are named by id: mag_chunks[id / CADRE__MAG_CHUNK][id %
 * CADRE__MAG_CHUNK], chunks of pointers allocated on first use. */
#define CADRE__MAG_CHUNK 1024u
#define CADRE__MAG_CHUNKS ((CADRE__MAX_MAGS + CADRE__MAG_CHUNK - 1u) / CADRE__MAG_CHUNK)
#define CADRE__FRESH_BATCH 64u /* never-used indexes a worker takes at once */
struct cadre__mag {
	uint32_t next1; /* the next magazine's id + 1 in its stack; 0: none */
	uint32_t n;
	uint64_t e[CADRE__MAG]; /* (gen << 32 | index), as in free_slots */
};

/* A system's table. */
struct cadre__table {
	uint32_t id;                         /* the system's id, in every ref */
	uint32_t node;                       /* the node word of every ref (0: not a node) */
	void **dir[CADRE__DIR_PAGES];        /* pages of slots, published once */
	uint64_t fresh_index CADRE__ALIGNED; /* next never-used slot index */
	uint64_t free_head;                  /* global free slot stack: tag << 32 | index+1 */
	uint32_t cap; /* highest usable index; 0: CADRE__MAX_ACTORS (tests lower it) */
	uint64_t mags_full CADRE__ALIGNED; /* magazine stacks: tag << 32 | id+1 */
	uint64_t mags_empty;
	uint32_t nmags;                                    /* magazines made (ids 0 .. nmags-1) */
	struct cadre__mag **mag_chunks[CADRE__MAG_CHUNKS]; /* by id; freed with the system */
};

/* A worker's cache of free slot indexes (owner only). */
struct cadre__slot_cache {
	uint64_t *e; /* (gen << 32 | index) */
	unsigned n;
};

/* The live actor ref names, or NULL. The caller must be a worker between
 * runs' quiescent states, or inside an outside section (reclaim/). */
struct cadre__actor *cadre__table_get(struct cadre__table *t, cadre_ref ref);
/* A free index and its generation: from c (a worker's cache; NULL for
 * other threads), magazines, the global stack or never-used indexes.
 * CADRE_ELIMIT when the table is full (its capacity in live actors),
 * CADRE_ENOMEM when a page of slots cannot be allocated. */
int cadre__slot_alloc(struct cadre__table *t, struct cadre__slot_cache *c, uint32_t *index,
                      uint32_t *gen);
void cadre__slot_free(struct cadre__table *t, struct cadre__slot_cache *c, uint32_t index,
                      uint32_t gen);
/* Tests only: lowers the table's capacity to max_actors live actors (the
 * highest index handed out), so that exhausting it takes seconds, not 268
 * million spawns. Call it on a new system, before its first spawn.
 * CADRE_EINVAL if max_actors is 0 or above CADRE__MAX_ACTORS. */
int cadre__table_set_capacity(struct cadre__table *t, uint32_t max_actors);
void cadre__slot_publish(struct cadre__table *t, uint32_t index, struct cadre__actor *a);
void cadre__slot_clear(struct cadre__table *t, uint32_t index, uint32_t next_gen);
int cadre__slot_cache_init(struct cadre__slot_cache *c);
void cadre__slot_cache_fini(struct cadre__slot_cache *c);
/* Calls fn on every live actor; the caller holds the system (reclaim/).
 * Each slot is read with acquire, so a walk may run while actors spawn and
 * stop (cadre/stats.h): those may or may not be seen, never half made.
 * Shutdown's walks run with no spawn in flight: they see every actor. */
void cadre__table_each(struct cadre__table *t, void (*fn)(void *ctx, struct cadre__actor *a),
                       void *ctx);
/* Single-threaded, when the system is freed: pages and magazines. */
void cadre__table_fini(struct cadre__table *t);

static inline cadre_ref
cadre__table_ref(const struct cadre__table *t, const struct cadre__actor *a)
{
	return (cadre_ref){t->id, a->index, a->gen, t->node};
}

#endif /* CADRE__TABLE_H */
