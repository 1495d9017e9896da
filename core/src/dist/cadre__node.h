/* Cadre internal: distribution's engine, shared by the files of dist/
 * (what runtime/ calls is in cadre__dist.h; the codec in cadre__wire.h):
 * the node table, the dist thread and its ZeroMQ sockets, the outbound
 * hook, inbound frames, and the links and monitors across peers.
 * Uses: everything below runtime/. */
#ifndef CADRE__NODE_H
#define CADRE__NODE_H

#include <pthread.h>

#include <cadre/node.h>

#include "cadre__actor.h"
#include "cadre__dist.h"
#include "cadre__signal.h"
#include "cadre__wire.h"

/* ---- limits ----------------------------------------------------------------- */
#define CADRE__DIST_PEERS 256u   /* peers a node knows, over its life */
#define CADRE__DIST_WORDS 1024u  /* node words (incarnations) it knows: a power of two */
#define CADRE__DIST_DETAILS 256u /* interned exit details from the network */
#define CADRE__DIST_ID_MAX 96u   /* a DEALER routing id: "name/incarnation/session" */

/* A peer's state (struct cadre__dpeer.state). */
enum { CADRE__P_CONNECTING = 0, CADRE__P_UP = 1, CADRE__P_DOWN = 2 };

/* What an outbound item carries (struct cadre__dout.what). */
enum {
	CADRE__O_FRAME = 0, /* an encoded frame only (TICK-like, REPLY, EXIT answers) */
	CADRE__O_SEND = 1,  /* a SEND frame: a counted message (dead letter if not sent) */
	CADRE__O_SIG = 2,   /* a signal: m is its block (kept for LINK / MONITOR) */
	CADRE__O_REQ = 3,   /* a SPAWN or WHEREIS: req becomes pending once sent */
};

struct cadre__dist;
struct cadre__dpeer;

/* A request waiting for its REPLY (spawn_on, whereis_on, whereis_wait). */
struct cadre__dwaiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int status;
	cadre_ref ref;
};
struct cadre__dreq {
	struct cadre__dreq *next;
	uint64_t id;
	cadre_ref asker;               /* the actor to answer, or NONE with a waiter */
	struct cadre__dwaiter *waiter; /* an outside thread waiting, or NULL */
	uint64_t deadline;             /* ns; UINT64_MAX: none */
	struct cadre__dpeer *peer;
	bool link; /* SPAWN with CADRE_SPAWN_LINK */
	/* A linked spawn answered ETIMEDOUT and kept: its child, if any, is
	 * told its parent is gone (inbound.c). */
	bool late;
};

/* One outbound item: pushed by post (any thread) onto the peer's queue,
 * taken by the dist thread. The frame is encoded by the poster. */
struct cadre__dout {
	cadre_mb_node node;      /* first: the queue's link */
	uint8_t what;            /* CADRE__O_* */
	cadre_ref to;            /* the ref the frame is for */
	struct cadre__msg *m;    /* CADRE__O_SIG: the signal block */
	struct cadre__dreq *req; /* CADRE__O_REQ: the request */
	size_t alloc;            /* bytes of this allocation */
	uint32_t len;            /* frame bytes */
	unsigned char frame[];
};

/* What dist remembers across a peer, for noconnection (links.c). */
enum { CADRE__L_LINK = 1, CADRE__L_MONITOR = 2 };
struct cadre__dlink {
	uint8_t kind;
	cadre_ref local;        /* our actor: linked, or the watcher */
	cadre_ref remote;       /* the peer's actor: partner or target */
	uint64_t monitor;       /* MONITOR: its id */
	struct cadre__msg *sig; /* the promise block (LINK / MONITOR from post), or NULL */
};

struct cadre__dpeer {
	/* Published (read by any thread). */
	uint32_t state;       /* CADRE__P_*: dist thread stores (release), others load (acquire) */
	uint32_t incarnation; /* its node word now, 0 until known (release / acquire) */
	uint32_t named;       /* 1 once name is set (release / acquire); name is then fixed */
	char name[CADRE_NODE_NAME_MAX + 1];
	char endpoint[256]; /* fixed at creation */
	char key[CADRE_NODE_KEY_LEN + 1];
	/* The outbound queue: posters push (MPSC), the dist thread pops. */
	struct cadre_mailbox q CADRE__ALIGNED;
	uint32_t queued; /* ordinary items in q (acq_rel adds; queue_max) */
	/* Dist thread only. */
	void *dealer CADRE__ALIGNED;
	void *mon;           /* its monitor's PAIR socket */
	uint32_t session;    /* our DEALER's session */
	uint32_t in_session; /* its DEALER's session (from its HELLO) */
	char in_id[CADRE__DIST_ID_MAX];
	size_t in_id_len;           /* 0: no identity yet */
	bool was_up;                /* it was up with (incarnation, in_session) */
	bool blocked;               /* its DEALER said EAGAIN: wait for POLLOUT */
	struct cadre__dout *held;   /* the item that met EAGAIN */
	uint64_t heard;             /* ns: the last frame from it */
	uint64_t refused_at;        /* ns: the last REFUSED report about it */
	struct cadre__dlink *links; /* links.c */
	uint32_t nlinks, caplinks;
	unsigned index;
};

struct cadre__dbeh { /* a behaviour other nodes may spawn here */
	char name[CADRE_NODE_NAME_MAX + 1];
	const cadre_behaviour *beh;
};
struct cadre__dser {
	uint32_t type;
	cadre_serialize_fn fn;
	void *ctx;
};

struct cadre__dcmd { /* a request to the dist thread (cadre_node_connect) */
	struct cadre__dcmd *next;
	char endpoint[256];
	char key[CADRE_NODE_KEY_LEN + 1];
};

struct cadre__dist {
	struct cadre_system *sys;
	/* Configuration (read-only after start). */
	char name[CADRE_NODE_NAME_MAX + 1];
	char endpoint[256];
	char pub[CADRE_NODE_KEY_LEN + 1], sec[CADRE_NODE_KEY_LEN + 1];
	char (*accept)[CADRE_NODE_KEY_LEN + 1];
	size_t naccept;
	bool insecure;
	uint32_t incarnation;
	uint64_t tick_ns, timeout_ns;
	uint32_t queue_max;
	uint64_t inbound_max;
	/* The node table: peers in creation order (npeers: release / acquire),
	 * and node word -> peer (open addressing; a slot's peer is stored
	 * before its word, release; readers load the word with acquire). */
	struct cadre__dpeer *peers[CADRE__DIST_PEERS];
	uint32_t npeers;
	uint32_t words[CADRE__DIST_WORDS];
	struct cadre__dpeer *word_peer[CADRE__DIST_WORDS];
	/* Registries (mu). */
	pthread_mutex_t mu;
	struct cadre__dbeh **behs;
	uint32_t nbehs, capbehs;
	struct cadre__dser *sers;
	uint32_t nsers, capsers;
	cadre_ref *subs; /* node monitors */
	uint32_t nsubs, capsubs;
	struct cadre__dcmd *cmds;
	/* Waiting for a node to come up (cadre_node_wait). */
	pthread_mutex_t wait_mu;
	pthread_cond_t wait_cv;
	/* The dist thread. */
	pthread_t thread;
	bool started;
	uint32_t stopping; /* 1: stop (seq_cst; posters' Dekker pair on queued) */
	int efd;           /* eventfd: wakes the dist thread */
	uint32_t wake_armed;
	void *ctx, *router, *zap;
	uint32_t session_seq;
	uint64_t refused_at;         /* ns: the last REFUSED report (dist thread) */
	uint64_t next_req;           /* request ids (acq_rel add) */
	struct cadre__dreq *pending; /* dist thread only */
	uint64_t inflight;           /* bytes delivered, not yet handled (acq_rel) */
	uint64_t inflight_half;      /* inbound_max / 2 */
	uint32_t paused;             /* reading the ROUTER stopped (release / acquire) */
	/* Interned details (dist thread writes; pointers never freed until free). */
	char *details[CADRE__DIST_DETAILS];
	uint32_t ndetails;
	cadre_node_stats st; /* counters (relaxed adds) */
};

/* In one of self's callbacks on a node: its dist and its ref; CADRE_EINVAL
 * (self NULL) or CADRE_ESTATE (not in a callback, not a node). */
int cadre__dist_self(cadre_actor *self, struct cadre__dist **d, cadre_ref *me);

/* The dist of a node, or NULL. */
static inline struct cadre__dist *
cadre__dist_of(struct cadre_system *sys)
{
	return sys != NULL ? (struct cadre__dist *)sys->dist : NULL;
}

static inline void
cadre__dstat(uint64_t *c, uint64_t n)
{
	cadre__faa_rlx_u64(c, n); /* relaxed: a counter */
}

bool cadre__dist_serializer(struct cadre__dist *d, uint32_t type, struct cadre__dser *out);
void cadre__dist_dead(struct cadre__dist *d, cadre_ref to, struct cadre__msg *m, int why);
void cadre__dist_promise_fail(struct cadre_system *sys, cadre_ref remote, struct cadre__msg *m);
struct cadre__msg *cadre__dist_msg(struct cadre__dist *d, cadre_ref sender, uint32_t type,
                                   const void *data, size_t size, bool counted);

/* ---- node.c ------------------------------------------------------------------ */
struct cadre__dpeer *cadre__dist_peer_by_word(struct cadre__dist *d, uint32_t word);
struct cadre__dpeer *cadre__dist_peer_by_name(struct cadre__dist *d, const char *name, size_t len);
struct cadre__dpeer *cadre__dist_peer_by_endpoint(struct cadre__dist *d, const char *ep,
                                                  size_t len);
/* Dist thread: a new peer (NULL: the table is full or out of memory). */
struct cadre__dpeer *cadre__dist_peer_new(struct cadre__dist *d, const char *ep, size_t eplen,
                                          const char *key, size_t keylen);
/* Dist thread: node word -> peer (a peer's new incarnation). */
int cadre__dist_word_add(struct cadre__dist *d, uint32_t word, struct cadre__dpeer *p);
bool cadre__dist_key_ok(const struct cadre__dist *d, const char *key, size_t len);
const cadre_behaviour *cadre__dist_beh(struct cadre__dist *d, const char *name, size_t len);
/* A node event to every node monitor. */
void cadre__dist_event(struct cadre__dist *d, cadre_node_event_kind kind, cadre_node_reason why,
                       uint32_t incarnation, const char *name, size_t len);
bool cadre__dist_name_ok(const char *s, size_t len);

/* ---- route.c ------------------------------------------------------------------ */
extern const struct cadre__remote cadre__dist_remote;
/* Queues an item for p (the dist thread, or any thread); wakes the dist
 * thread on the idle-to-active transition. */
void cadre__dist_push(struct cadre__dist *d, struct cadre__dpeer *p, struct cadre__dout *o);
struct cadre__dout *cadre__dist_item(uint8_t what, cadre_ref to, const struct cadre__frame *f);
void cadre__dist_item_free(struct cadre__dout *o);
/* An item that will not be sent: a SEND is dead-lettered (why), a
 * LINK/MONITOR promise answered with noconnection, the rest released. */
void cadre__dist_item_fail(struct cadre__dist *d, struct cadre__dout *o, int why);
void cadre__dist_wake(struct cadre__dist *d);
/* The reason as it travels (detail sanitised into buf). */
void cadre__dist_reason_out(const cadre_exit *r, struct cadre__wire_reason *w, char *buf);

/* ---- peer.c --------------------------------------------------------------------- */
int cadre__dist_dealer_make(struct cadre__dist *d, struct cadre__dpeer *p);
void cadre__dist_dealer_close(struct cadre__dist *d, struct cadre__dpeer *p);
void cadre__dist_down(struct cadre__dist *d, struct cadre__dpeer *p, cadre_node_reason why);
int cadre__dist_hello(struct cadre__dist *d, const char *id, size_t idlen,
                      const struct cadre__frame *f);
void cadre__dist_connect_to(struct cadre__dist *d, const char *ep, size_t eplen, const char *key,
                            size_t keylen);
void cadre__dist_peers_in(struct cadre__dist *d, const struct cadre__frame *f);
void cadre__dist_tick(struct cadre__dist *d, uint64_t now);
void cadre__dist_monitor_in(struct cadre__dist *d, struct cadre__dpeer *p);
/* Sends a frame now on p's DEALER (dist thread); 0 or CADRE_EFULL (EAGAIN). */
int cadre__dist_send_now(struct cadre__dist *d, struct cadre__dpeer *p, const void *buf,
                         size_t len);
void cadre__dist_refused(struct cadre__dist *d, cadre_node_reason why, const char *who, size_t len);

/* ---- inbound.c ------------------------------------------------------------------- */
void cadre__dist_inbound(struct cadre__dist *d, struct cadre__dpeer *p,
                         const struct cadre__frame *f);
const char *cadre__dist_detail(struct cadre__dist *d, const struct cadre__wire_str *s);
void cadre__dist_req_done(struct cadre__dist *d, struct cadre__dreq *r, int status, cadre_ref ref);
void cadre__dist_req_scan(struct cadre__dist *d, uint64_t now, struct cadre__dpeer *down);
uint64_t cadre__dist_req_next(struct cadre__dist *d);

/* ---- links.c -------------------------------------------------------------------- */
/* Dist thread: an outbound signal item is about to be sent (bookkeeping;
 * a LINK/MONITOR's block is kept). */
void cadre__dist_links_out(struct cadre__dist *d, struct cadre__dpeer *p, struct cadre__dout *o);
/* Dist thread: inbound bookkeeping (an inbound LINK made; EXIT / UNLINK /
 * DOWN ended one). */
int cadre__dist_links_add(struct cadre__dpeer *p, uint8_t kind, cadre_ref local, cadre_ref remote,
                          uint64_t monitor, struct cadre__msg *sig);
void cadre__dist_links_end(struct cadre__dpeer *p, uint8_t kind, cadre_ref local, cadre_ref remote,
                           uint64_t monitor);
/* Peer down: every link and monitor across it fires noconnection. */
void cadre__dist_links_down(struct cadre__dist *d, struct cadre__dpeer *p);
void cadre__dist_links_free(struct cadre__dpeer *p);

#endif /* CADRE__NODE_H */
