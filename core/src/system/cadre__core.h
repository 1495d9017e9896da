/* Cadre internal: the core's one umbrella header. Structures of the system,
 * the workers, actors and messages, and the functions the core's files
 * share. See docs/architecture.md for the picture. */
#ifndef CADRE__CORE_H
#define CADRE__CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre.h>

#include "cadre__alloc.h"
#include "cadre__atomic.h"
#include "cadre__clock.h"
#include "cadre__futex.h"
#include "cadre__mailbox.h"

#define CADRE__CACHELINE 64
#define CADRE__ALIGNED __attribute__((aligned(CADRE__CACHELINE)))

/* ---- messages ----------------------------------------------------------
 * One allocation per message: this header, then the payload (inline copy)
 * or nothing (moved payload: data points to the sender's buffer). */
enum {
	CADRE__MSG_INLINE = 0, /* payload follows the header */
	CADRE__MSG_MOVED = 1,  /* payload owned through dtor */
};

struct cadre__msg {
	cadre_mb_node node; /* first: the mailbox link */
	uint32_t type;
	uint32_t size;
	cadre_ref sender;
	uint8_t kind; /* CADRE__MSG_INLINE or CADRE__MSG_MOVED */
	uint8_t pool; /* size class of the message pool (pool.c), or CADRE__POOL_NONE */
	uint16_t unused;
	uint32_t alloc; /* bytes allocated for this block (for the sized free) */
	void *data;
	void (*dtor)(void *, size_t);
	/* inline payload follows */
};

/* Signals: messages on the system lane (signal.c). Their payloads: */
enum {
	CADRE__SIG_EXIT = 0xFFFFFF01u,      /* struct cadre__sig_exit */
	CADRE__SIG_LINK = 0xFFFFFF02u,      /* struct cadre__sig_ref */
	CADRE__SIG_UNLINK = 0xFFFFFF03u,    /* struct cadre__sig_ref */
	CADRE__SIG_MONITOR = 0xFFFFFF04u,   /* struct cadre__sig_ref */
	CADRE__SIG_DEMONITOR = 0xFFFFFF05u, /* struct cadre__sig_ref */
	CADRE__SIG_DOWN = 0xFFFFFF06u,      /* cadre_down_msg */
	CADRE__SIG_STARTED = 0xFFFFFF07u,   /* cadre_started_msg */
	CADRE__SIG_MUTE = 0xFFFFFF08u,      /* struct cadre__sig_ref: the sender muted itself */
};

struct cadre__sig_exit {
	cadre_ref from;
	cadre_exit reason;
	uint32_t linked;
	struct cadre_mail *mail; /* KEEP_MAIL leftovers, to the parent only */
};

/* A bundle of messages (cadre_mail in cadre/links.h): a chain through the
 * messages' mailbox nodes, in FIFO order. */
struct cadre_mail {
	cadre_mb_node *first, *last;
	uint32_t count;
	cadre_ref from;
};

struct cadre__sig_ref {
	cadre_ref from;
	uint64_t monitor;
};

/* ---- actors ------------------------------------------------------------
 * Actor states (owner-only except where noted). */
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
	CADRE__SIG_F_STOP = 1,       /* stop_node was pushed (at most once) */
	CADRE__SIG_F_OVERLOADED = 2, /* a full batch left mail behind: mute senders */
};

enum {
	CADRE__F_TRAP_EXITS = 1,    /* exit signals become CADRE_MSG_EXIT messages */
	CADRE__F_STARTED_LATER = 2, /* STARTED is sent by cadre_started(), not at start's end */
	CADRE__F_KEEP_MAIL = 4,     /* leftover mail goes to the parent at death */
	CADRE__F_REPLAY = 8,        /* unstashed messages wait in ext->replay */
};

/* Links and monitors of one actor: owner only, allocated on first use and
 * reached through the private word of the user's cadre_actor header. */
struct cadre__watch {
	uint64_t monitor;
	cadre_ref ref;
};

struct cadre__ext {
	cadre_ref *links;
	uint32_t nlinks, caplinks;
	struct cadre__watch *watchers; /* who monitors this actor */
	uint32_t nwatchers, capwatchers;
	struct cadre__watch *monitors; /* whom this actor monitors */
	uint32_t nmonitors, capmonitors;
	cadre_ref notify_started;     /* CADRE_SPAWN_NOTIFY_STARTED: the spawner */
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

_Static_assert(sizeof(struct cadre__actor) == 96, "per-actor overhead stays at 96 bytes");

static inline struct cadre__actor *
cadre__actor_of(const cadre_actor *a)
{
	return (struct cadre__actor *)((char *)(uintptr_t)a - sizeof(struct cadre__actor));
}

static inline cadre_actor *
cadre__user_of(struct cadre__actor *a)
{
	return (cadre_actor *)(void *)((char *)a + sizeof(struct cadre__actor));
}

/* After receive: the message is freed (handled), stashed, or dead. */
enum { CADRE__DISP_FREE = 0, CADRE__DISP_STASH = 1, CADRE__DISP_DEAD = 2 };

/* ---- the actor table ---------------------------------------------------
 * Slot index -> actor pointer, in pages published once and never moved, so
 * a lookup is two loads with no lock. A slot holds an actor pointer (even),
 * NULL (fresh) or, while free, (gen_next << 32 | next_free << 1 | 1). */
#define CADRE__PAGE_BITS 12
#define CADRE__PAGE_SLOTS (1u << CADRE__PAGE_BITS)
#define CADRE__DIR_PAGES 4096u
#define CADRE__MAX_ACTORS (CADRE__PAGE_SLOTS * CADRE__DIR_PAGES - 1u)

/* Free slot indexes a worker keeps (32 KiB). Beyond it, half of them move
 * to the system as one magazine (system.c), and an empty cache takes one
 * back: one CAS per CADRE__MAG indexes, not one per index. */
#define CADRE__SLOT_CACHE 4096u
#define CADRE__MAG (CADRE__SLOT_CACHE / 2u)
#define CADRE__MAX_MAGS (CADRE__MAX_ACTORS / CADRE__MAG + 256u)
#define CADRE__FRESH_BATCH 64u /* never-used indexes a worker takes at once */
struct cadre__mag {
	uint32_t next1; /* the next magazine's id + 1 in its stack; 0: none */
	uint32_t n;
	uint64_t e[CADRE__MAG]; /* (gen << 32 | index), as in free_slots */
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

/* ---- workers ----------------------------------------------------------- */
#define CADRE__RUNQ_SIZE 256u /* power of two */

/* The outbox (actor.c): chains of messages a run has sent, per receiver,
 * not yet linked into the receivers' mailboxes. */
#define CADRE__OUTBOX_WAYS 64u    /* direct-mapped by receiver slot; power of two */
#define CADRE__OUTBOX_CHAIN 32u   /* a chain this long is linked at once */
#define CADRE__COALESCE_AFTER 16u /* a run's first sends go out one by one */
struct cadre__outbox {
	struct cadre__actor *to; /* NULL: the way is free */
	cadre_mb_node *first, *last;
	uint32_t n;
};

struct cadre__worker {
	/* Cross-thread: thieves CAS runq_head; wakers bump wake_seq;
	 * reclaimers read qs. */
	uint32_t runq_head CADRE__ALIGNED; /* consumers (owner + thieves) CAS */
	uint32_t wake_seq CADRE__ALIGNED;  /* futex word */
	uint64_t qs;                       /* quiescent-state word: counter << 1 | online */
	struct cadre_mailbox inject CADRE__ALIGNED; /* actors scheduled from other threads */
	/* Owner only (thieves read runq slots and runq_tail). */
	uint32_t runq_tail CADRE__ALIGNED; /* owner stores (release) */
	struct cadre__actor *runq[CADRE__RUNQ_SIZE];
	uint64_t runq_stamp[CADRE__RUNQ_SIZE]; /* when each was queued (ns); thieves read */
	uint64_t now;                          /* owner's clock (ns), refreshed now and then */
	unsigned clock_runs;                   /* runs from the queues (1 in 16 reads the clock) */
	struct cadre__actor *run_next;
	cadre_exit exit;                 /* the running actor's stop reason, once it stops */
	struct cadre_mail *pending_mail; /* a delivered EXIT's mail, until claimed */
	const cadre_msg *cur_view;       /* the message receive is handling */
	int cur_disp;                    /* what happens to it: CADRE__DISP_* */
	bool mute_pending;               /* the running actor sent to an overloaded one */
	cadre_ref mute_on;               /* ... this one */
	unsigned run_next_streak;
	unsigned run_sends;   /* messages the running actor has sent in this run */
	uint64_t outbox_used; /* bit per busy way of outbox */
	struct cadre__pool pool[CADRE__POOL_CLASSES]; /* this thread's, see pool.c */
	struct cadre__outbox outbox[CADRE__OUTBOX_WAYS];
	unsigned tick;
	uint64_t monitor_seq; /* monitor ids: (seq << 6) | index */
	uint32_t spawning; /* spawns in progress on this worker (RMW by owner, read by shutdown) */
	unsigned index;
	bool blocking; /* a thread of the blocking pool */
	uint64_t rng;
	struct cadre_system *sys;
	pthread_t thread;
	/* Slot cache. */
	uint64_t *free_slots; /* (gen << 32 | index) */
	unsigned free_count;
	/* Dead actors awaiting a grace period (QSBR). */
	struct cadre__actor *limbo_new;  /* not yet sealed */
	struct cadre__actor *limbo_wait; /* sealed: waits for every worker */
	uint64_t *limbo_snap;            /* qs snapshot, one per worker */
	bool limbo_ext_clear;            /* external senders seen drained since the seal */
	/* Counters: written by the owner only (relaxed), read by anyone. */
	cadre_stats st;
	uint64_t reclaimed; /* dead actors freed (owner writes, release) */
};

/* The blocking pool's run queue (worker.c): a bounded MPMC ring. */
#define CADRE__BPOOL_CAP 65536u /* power of two */
struct cadre__bcell {
	uint64_t seq;
	struct cadre__actor *actor;
};
struct cadre__bpool {
	struct cadre__bcell *cells;
	uint64_t enq CADRE__ALIGNED;
	uint64_t deq CADRE__ALIGNED;
	uint32_t parked CADRE__ALIGNED; /* pool threads parked (or parking) */
	uint32_t wake;                  /* futex word */
};

/* ---- the system -------------------------------------------------------- */
struct cadre_system {
	/* Read-mostly. */
	uint32_t id;
	unsigned nworkers;  /* per-core workers: workers[0 .. nworkers) */
	unsigned nblocking; /* blocking pool: workers[nworkers .. nall) */
	unsigned nall;
	unsigned batch;
	unsigned spin_rounds;
	uint64_t steal_age; /* ns a queued actor waits before it may be stolen */
	uint32_t max_msg;
	bool pin;
	bool run_next;
	bool backpressure;
	bool coalesce;
	cadre_dead_letter_fn dead_letter;
	void *dead_letter_ctx;
	struct cadre__worker *workers;
	struct cadre__timers *timers;
	struct cadre__registry *registry;
	struct cadre__bpool bpool;
	void **dir[CADRE__DIR_PAGES]; /* pages of slots, published once */

	uint32_t closing CADRE__ALIGNED;   /* 0 -> 1 at shutdown (seq_cst) */
	uint32_t spawning;                 /* spawns in progress (shutdown waits for 0) */
	uint32_t exiting;                  /* workers must exit */
	uint32_t shut_down;                /* shutdown finished */
	uint64_t idle_mask CADRE__ALIGNED; /* parked (or parking) workers, bit per worker */
	uint64_t sleep_mask;    /* parked with no timeout (nothing was queued anywhere) */
	uint32_t spinning;      /* workers searching for work */
	uint32_t limbo_pending; /* workers with dead actors awaiting grace */
	uint64_t ext_active CADRE__ALIGNED;  /* non-worker threads inside send/spawn */
	uint64_t fresh_index CADRE__ALIGNED; /* next never-used slot index */
	uint64_t free_head;                  /* global free slot stack: tag << 32 | index+1 */
	uint64_t mags_full CADRE__ALIGNED;   /* magazine stacks: tag << 32 | id+1 */
	uint64_t mags_empty;
	uint32_t nmags;                           /* magazines made (ids 0 .. nmags-1) */
	struct cadre__mag *mags[CADRE__MAX_MAGS]; /* by id; freed with the system */
	uint32_t inject_rr;                       /* round-robin target for external wakes */
	/* Counters of work done by non-worker threads (atomic adds). */
	cadre_stats ext CADRE__ALIGNED;
	pthread_mutex_t shutdown_lock; /* serialises shutdown callers (never a worker) */
};

/* The worker the calling thread is, or NULL; and the actor it is running. */
extern __attribute__((
        tls_model("initial-exec"))) _Thread_local struct cadre__worker *cadre__tls_worker;
extern __attribute__((
        tls_model("initial-exec"))) _Thread_local struct cadre__actor *cadre__tls_actor;

static inline struct cadre__worker *
cadre__my_worker(const struct cadre_system *sys)
{
	struct cadre__worker *w = cadre__tls_worker;
	return (w != NULL && w->sys == sys) ? w : NULL;
}

/* The next head of a tag-protected stack (tag << 32 | top id + 1): the tag
 * bumped, so a CAS from an older head fails even if its top came back. */
static inline uint64_t
cadre__retag(uint64_t head, uint32_t top1)
{
	return ((head >> 32) + 1) << 32 | top1;
}

/* Counter helper: an owner-written counter takes a relaxed load and store
 * (no RMW: one writer; readers load it relaxed or acquire). Counters of
 * external threads (sys->ext) take atomic adds instead. */
static inline void
cadre__count(uint64_t *c, uint64_t n)
{
	cadre__store_rlx_u64(c, cadre__load_rlx_u64(c) + n);
}

/* system.c */
struct cadre__actor *cadre__table_get(struct cadre_system *sys, cadre_ref ref);
int cadre__slot_alloc(struct cadre_system *sys, struct cadre__worker *w, uint32_t *index,
                      uint32_t *gen);
void cadre__slot_free(struct cadre_system *sys, struct cadre__worker *w, uint32_t index,
                      uint32_t gen);
void cadre__slot_publish(struct cadre_system *sys, uint32_t index, struct cadre__actor *a);
void cadre__slot_clear(struct cadre_system *sys, uint32_t index, uint32_t next_gen);
void cadre__dead_letter(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to,
                        struct cadre__msg *m, int why);
void cadre__ext_enter(struct cadre_system *sys);
uint64_t cadre__alive(struct cadre_system *sys);
uint32_t cadre__spawning(struct cadre_system *sys);
void cadre__ext_leave(struct cadre_system *sys);

/* registry.c */
struct cadre__registry;
int cadre__registry_new(struct cadre_system *sys);
void cadre__registry_free(struct cadre_system *sys);

/* behave.c */
void cadre__stash_drop_all(struct cadre__worker *w, struct cadre__actor *a);

/* timer.c */
struct cadre__timers;
int cadre__timers_start(struct cadre_system *sys);
void cadre__timers_stop(struct cadre_system *sys);
void cadre__timers_free(struct cadre_system *sys);

/* worker.c */
int cadre__workers_start(struct cadre_system *sys);
int cadre__bpool_init(struct cadre_system *sys);
void cadre__bpool_fini(struct cadre_system *sys);
void cadre__workers_join(struct cadre_system *sys);
void cadre__workers_fini(struct cadre_system *sys);
/* How an actor came to be scheduled. */
enum {
	CADRE__SCHED_WOKEN = 0,   /* a send woke it: may run next on this worker */
	CADRE__SCHED_SPAWNED = 1, /* new: back of the run queue */
};
void cadre__schedule(struct cadre_system *sys, struct cadre__actor *a, int how);
void cadre__wake_all(struct cadre_system *sys);
void cadre__reclaim_all(struct cadre_system *sys);
void cadre__actor_reclaim(struct cadre_system *sys, struct cadre__worker *w,
                          struct cadre__actor *a);

/* pool.c: a message block of `bytes` (pool and alloc set), its release
 * (the block only; cadre__msg_free also runs a moved payload's dtor), and
 * the freeing of a worker thread's cached blocks when it exits. */
struct cadre__msg *cadre__msg_alloc(size_t bytes);
void cadre__msg_release(struct cadre__msg *m);
void cadre__pool_fini(struct cadre__worker *w);

/* actor.c */
void cadre__msg_free(struct cadre__msg *m);
void cadre__msg_view(const struct cadre__msg *m, cadre_msg *view);
/* What a run left the actor as. */
enum {
	CADRE__RUN_IDLE = 0,  /* mailbox marked idle: the next waker schedules it */
	CADRE__RUN_AGAIN = 1, /* still has (or may have) mail: requeue it */
	CADRE__RUN_DEAD = 2,  /* stopped: to limbo */
};
int cadre__actor_run(struct cadre__worker *w, struct cadre__actor *a);
void cadre__outbox_flush(struct cadre_system *sys, struct cadre__worker *w);
int cadre__request_stop(struct cadre_system *sys, struct cadre__actor *a);
int cadre__send_copy(struct cadre_system *sys, cadre_ref to, uint32_t type, const void *data,
                     size_t size, bool quiet);
struct cadre__actor *cadre__running(const cadre_actor *self);
int cadre__self_check(const cadre_actor *self, struct cadre__actor **a);
cadre_ref cadre__ref_of(const struct cadre_system *sys, const struct cadre__actor *a);
int cadre__finish(struct cadre__worker *w, struct cadre__actor *a, cadre_exit reason);
/* Runs receive on a view (a signal turned message); returns a run result:
 * CADRE__RUN_AGAIN to go on, CADRE__RUN_DEAD if it stopped the actor. */
int cadre__deliver_view(struct cadre__worker *w, struct cadre__actor *a, const cadre_msg *view);

/* signal.c */
struct cadre__ext *cadre__ext_of(struct cadre__actor *a, bool create);
void cadre__ext_free(struct cadre__actor *a);
int cadre__signal(struct cadre_system *sys, struct cadre__worker *w, cadre_ref to, uint32_t type,
                  const void *payload, size_t size);
int cadre__links_at_spawn(struct cadre__worker *w, struct cadre__actor *child, uint32_t flags);
void cadre__notify_started(struct cadre__worker *w, struct cadre__actor *a);
/* Handles a signal taken from a's system lane; returns a run result as
 * cadre__deliver_view does. */
int cadre__signal_handle(struct cadre__worker *w, struct cadre__actor *a, struct cadre__msg *m);
void cadre__signals_on_death(struct cadre__worker *w, struct cadre__actor *a,
                             const cadre_exit *why);
void cadre__mail_drop(struct cadre_system *sys, struct cadre__worker *w, struct cadre_mail *mail);
void cadre__signal_to_dead(struct cadre_system *sys, struct cadre__worker *w,
                           struct cadre__actor *a, struct cadre__msg *m);
/* Backpressure (signal.c): at the end of a run that leaves mail, mutes `a`
 * if it sent to an overloaded actor (true: it is muted, do not requeue);
 * and wakes everyone muted on `a`. */
bool cadre__mute(struct cadre__worker *w, struct cadre__actor *a);
void cadre__unmute_all(struct cadre__worker *w, struct cadre__actor *a);

#endif /* CADRE__CORE_H */
