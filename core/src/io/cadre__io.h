/* Cadre internal: asynchronous I/O (io/). The engine (engine.c: the I/O
 * thread, the handle table, ownership, delivery), the watch (watch.c) and
 * the sockets (stream.c, dgram.c, addr.c). See engine.c's Design notes.
 * Uses: actor/ and what is below it. */
#ifndef CADRE__IO_H
#define CADRE__IO_H

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cadre/io.h>

#include "cadre__actor.h"
#include "cadre__send.h"

/* An internal poll's callback (poll.c, below). */
typedef void cadre__io_poll_fn(void *arg, int fd, uint32_t events);

/* What a handle is. */
enum {
	CADRE__IO_FREE = 0,
	CADRE__IO_WATCH = 1,
	CADRE__IO_STREAM = 2,     /* a connected TCP or Unix stream socket */
	CADRE__IO_LISTEN = 3,     /* a listening socket */
	CADRE__IO_CONNECTING = 4, /* a stream socket whose connect is in progress */
	CADRE__IO_DGRAM = 5,      /* a UDP or unixgram socket */
	CADRE__IO_RESOLVING = 6,  /* a connect waiting for its name (no fd yet) */
	CADRE__IO_POLL = 7,       /* an internal poll (poll.c): a callback, no owner */
};

/* A queued write: bytes not yet written. */
struct cadre__iobuf {
	struct cadre__iobuf *next;
	size_t len, off;
	char bytes[];
};

/* One handle's record. Records live in pages that are never freed while
 * the system lives (type-stable), so a stale handle or a late message
 * destructor can always lock a record and compare its generation. Every
 * field is under `lock` but the owner-list links (under the engine's
 * lock). */
struct cadre__ioh {
	pthread_mutex_t lock;
	uint32_t index;     /* immutable */
	uint32_t gen;       /* the live handle's generation (odd: live, even: free) */
	uint8_t kind;       /* CADRE__IO_* */
	bool reading;       /* EPOLLIN is in the registration */
	bool peer_eof;      /* read gave 0 */
	bool shut_wr;       /* shutdown(SHUT_WR) asked (done once the queue is empty) */
	bool want_writable; /* a write was refused with EFULL: WRITABLE owed */
	bool ready_out;     /* watch: a READY is in flight (re-armed by its dtor) */
	bool paused_full;   /* reading paused for an overloaded owner: resume at inflight 0 */
	bool lingering;     /* closed by its owner: flushing its queue, then gone */
	bool no_delay;      /* TCP_NODELAY (accepted connections inherit it) */
	int fd;             /* -1: none */
	uint32_t events;    /* watch: what was asked (CADRE_IO_IN | OUT) */
	uint32_t reg;       /* the epoll events registered now, 0: none */
	cadre_ref owner;
	cadre_ref lowner;            /* whose list it is on (engine lock; = owner) */
	uint32_t next_free;          /* free list (engine lock) */
	uint32_t own_prev, own_next; /* owner's list (engine lock) */
	bool own_listed;             /* on its owner's list (engine lock) */
	uint64_t inflight;           /* DATA bytes sent and not yet handled */
	uint32_t high_water, wq_max; /* read backpressure, write queue bound */
	size_t wq_bytes;             /* queued write bytes */
	struct cadre__iobuf *wq_head, *wq_tail;
	const cadre_behaviour *conn_beh; /* listener: one actor per connection */
	void *conn_arg;
	char *path;                 /* unix_path: the bound path, unlinked at close */
	cadre__io_poll_fn *poll_fn; /* POLL: the callback (poll.c) */
	void *poll_arg;             /* ... its argument */
};

#define CADRE__IO_READ 65536u /* bytes read at once */
#define CADRE__IO_HIGH_WATER 65536u
#define CADRE__IO_WQ_MAX (1u << 20)

#define CADRE__IO_BATCH 256       /* epoll events taken at once */
#define CADRE__IO_STARVED_MAX 64u /* listeners paused for want of fds, at most */
#define CADRE__IO_STARVED_MS 100  /* ... for this long */

#define CADRE__IO_PAGE_BITS 10u
#define CADRE__IO_PAGE (1u << CADRE__IO_PAGE_BITS)
#define CADRE__IO_DIR 1024u /* at most 1,048,575 handles at once */

/* The engine: one per system, made with the system; its thread and epoll
 * are started at the first I/O call. */
struct cadre__io {
	struct cadre_system *sys;
	pthread_mutex_t lock; /* the table's free list, pages, owner lists, fd map */
	uint32_t started;     /* the thread runs (release; read with acquire) */
	uint32_t stopping;    /* shutdown: the thread must exit (release / acquire) */
	int epfd, evfd;       /* -1 until started */
	pthread_t thread;
	struct cadre__ioh *pages[CADRE__IO_DIR]; /* published once (release / acquire) */
	uint32_t fresh;                          /* next never-used index (lock) */
	uint32_t free_head;                      /* free list (lock), 0: empty */
	uint32_t live;                           /* handles open (lock) */
	uint32_t *fdmap;                         /* fd -> handle index (lock), 0: none */
	size_t nfdmap;
	struct cadre__ioown **owners; /* owner ref -> list head (lock), hashed by index */
	char *rbuf;                   /* the I/O thread's read buffer (CADRE__IO_READ bytes) */
	pthread_mutex_t cb_lock;      /* held by the I/O thread around a poll callback (poll.c) */
	/* The worker poller (wpoll.c; CADRE_IO_POLLER=worker): no I/O thread;
	 * idle workers poll. Only the holder of the token `ptoken` polls and
	 * dispatches (what "the I/O thread" means in this mode). */
	bool wpoll;                               /* set when the system is made */
	uint32_t ptoken;                          /* WP_* (wpoll.c) */
	uint32_t wait_gen;                        /* epoll_waits entered (a hint, wpoll.c) */
	int wn;                                   /* events in wevs (the token's holder) */
	struct epoll_event wevs[CADRE__IO_BATCH]; /* the token holder's batch */
	/* Listeners that ran out of fds (EMFILE): not accepting until the I/O
	 * thread's next timeout (tcp.c). I/O thread only (B: the token's holder). */
	cadre_io starved[CADRE__IO_STARVED_MAX];
	uint32_t nstarved;
	uint64_t starved_until; /* when they accept again (ns) */
};

/* A message's payload: the event, and what its destructor must do. */
enum { CADRE__IOM_PLAIN = 0, CADRE__IOM_DATA = 1, CADRE__IOM_READY = 2 };
struct cadre__iomsg {
	cadre_io_event ev;
	struct cadre__io *io;
	uint32_t what;   /* CADRE__IOM_* */
	uint32_t charge; /* DATA: bytes counted in the handle's inflight */
	char bytes[];
};

/* ---- engine.c ---- */
int cadre__io_new(struct cadre_system *sys);
void cadre__io_stop(struct cadre_system *sys);
void cadre__io_close_all(struct cadre_system *sys);
void cadre__io_free(struct cadre_system *sys);
/* Starts the thread if needed; CADRE_ECLOSED, CADRE_ESYS. */
int cadre__io_ready(struct cadre_system *sys, struct cadre__io **out);
/* The record of index (NULL if never made). */
struct cadre__ioh *cadre__io_slot(struct cadre__io *io, uint32_t index);
/* Locks h's record if h is live and owned by `owner`; CADRE_ENOENT. */
int cadre__io_lock(struct cadre__io *io, cadre_io h, cadre_ref owner, struct cadre__ioh **out);
/* A new record, locked, owned by owner (on its list: CADRE_ENOACTOR if it
 * is dead or dying), for fd (CADRE_EEXIST if the fd is taken and `claim`
 * is false; with claim a stale watch of that fd number loses it). */
int cadre__io_alloc(struct cadre__io *io, cadre_ref owner, int fd, bool claim,
                    struct cadre__ioh **out, cadre_io *h);
/* Ends the locked record s: its registration, its fd (unless a watch),
 * its queue; unlocks it and frees the slot. With notify, CLOSED goes to
 * the owner with status / os_error. */
void cadre__io_end(struct cadre__io *io, struct cadre__ioh *s, bool notify, int status,
                   int os_error);
/* The locked record leaves its owner's list (lingering), or moves to
 * `to`'s (handoff: CADRE_ENOACTOR, CADRE_ECLOSED, CADRE_ENOMEM); the caller
 * sets s->owner. */
void cadre__io_disown(struct cadre__io *io, struct cadre__ioh *s);
int cadre__io_transfer(struct cadre__io *io, struct cadre__ioh *s, cadre_ref to);
/* fd's number is index's from now on (engine lock held); CADRE_ENOMEM. */
int cadre__io_fdmap_claim(struct cadre__io *io, int fd, uint32_t index);
/* epoll registration of the locked record to `events` (0: removed). */
int cadre__io_register(struct cadre__io *io, struct cadre__ioh *s, uint32_t events);
/* A message holding ev and a copy of size bytes (ev.data points to them),
 * whose destructor does `what` (CADRE__IOM_*); NULL if out of memory.
 * cadre__iomsg_send sends it to owner as CADRE_MSG_IO and always consumes
 * it: force, admitted beyond a bounded mailbox's capacity; not sent
 * (CADRE_EFULL without force, CADRE_ENOMEM), its destructor runs at once,
 * as for a dead letter (CADRE_ENOACTOR, CADRE_ECLOSED). Returns 1 when the
 * owner is overloaded (send.c), else the send's code. Call it with no
 * record locked. cadre__io_event: a plain event (no bytes), sent so. */
struct cadre__iomsg *cadre__iomsg_new(struct cadre__io *io, const cadre_io_event *ev, uint32_t what,
                                      const void *bytes, size_t size);
int cadre__iomsg_send(struct cadre__io *io, cadre_ref owner, struct cadre__iomsg *m, bool force);
void cadre__io_event(struct cadre__io *io, cadre_ref owner, cadre_io_kind kind, cadre_io h,
                     int status, int os_error);
/* Handles a batch of epoll events (the I/O thread, or the worker poller's
 * token holder): each to its record's per-kind work; the wake tag drains
 * the eventfd. */
void cadre__io_batch(struct cadre__io *io, const struct epoll_event *evs, int n);
/* The calling actor's ref and engine; start: start the I/O thread if
 * needed (calls that open something). 0, CADRE_EINVAL (self NULL),
 * CADRE_ESTATE (self not running here), CADRE_ECLOSED, CADRE_ESYS (start). */
int cadre__io_self(cadre_actor *self, bool start, struct cadre__io **io, cadre_ref *me);
static inline cadre_io
cadre__io_handle(const struct cadre__ioh *s)
{
	return (cadre_io){.index = s->index, .gen = s->gen};
}
static inline bool
cadre__ref_same(cadre_ref a, cadre_ref b)
{
	return a.sys == b.sys && a.index == b.index && a.gen == b.gen;
}

/* ---- poll.c: the internal hook for other I/O machinery ------------------------
 * For the parts of io/ that are not handles of an actor (signals' self-pipe,
 * io_uring's completion eventfd, ...): the I/O thread polls an extra fd and
 * calls fn(arg, fd, events) on itself each time epoll reports it (events:
 * the EPOLL* bits; level-triggered, so fn must drain what made the fd
 * ready, or it is called again at once). fn runs on the I/O thread with no
 * record locked: it may send I/O events (cadre__iomsg_new and
 * cadre__iomsg_send, or cadre__io_event), never block. The fd stays the
 * caller's. cadre__io_poll_add starts the I/O thread if needed; it returns
 * 0, CADRE_EINVAL (fd < 0, fn NULL, events 0, an fd epoll refuses),
 * CADRE_EBADF (fd not open), CADRE_EEXIST (fd watched or used in this
 * system), CADRE_ENOMEM, CADRE_ESYS, or CADRE_ECLOSED (shutting down).
 * cadre__io_poll_del(sys, h) stops it: once it returns, fn is not running
 * and will not be called again (called from fn itself, it does not wait);
 * CADRE_ENOENT for a stale h. At shutdown the I/O thread stops when
 * `closing` is set (no call after that) and the record is dropped with the
 * engine; the caller closes its fd itself after cadre__io_poll_del or once
 * the system is shut down. */
int cadre__io_poll_add(struct cadre_system *sys, int fd, uint32_t events, cadre__io_poll_fn *fn,
                       void *arg, cadre_io *out);
int cadre__io_poll_del(struct cadre_system *sys, cadre_io h);

/* ---- wpoll.c: the worker poller ---- */
/* Whether CADRE_IO_POLLER asks for it (read when the system is made). */
bool cadre__wpoll_wanted(void);
/* Installs its hooks in sys (before the workers start). */
void cadre__wpoll_init(struct cadre_system *sys);
/* The engine has started (`started` stored): wakes the workers, so that
 * one that parked before waits in epoll_wait from now on. */
void cadre__wpoll_start(struct cadre_system *sys);
/* Shutdown: no dispatch runs once it returns, nor later (it keeps the
 * token); the caller set `stopping` and kicked the eventfd. */
void cadre__wpoll_stop(struct cadre__io *io);

/* ---- watch.c, stream.c, dgram.c: the I/O thread's per-kind work ---- */
/* Each gets s locked and unlocks it. ev: the epoll events. */
void cadre__io_on_watch(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev);
void cadre__io_on_poll(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev);
void cadre__io_on_stream(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev);
void cadre__io_on_listen(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev);
void cadre__io_on_dgram(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev);
/* Message destructors' work (s locked, live; each unlocks). */
void cadre__io_ready_done(struct cadre__io *io, struct cadre__ioh *s);
void cadre__io_data_done(struct cadre__io *io, struct cadre__ioh *s, uint32_t charge);

/* ---- addr.c ---- */
struct cadre__addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool named;   /* a Unix socket with a path (not unnamed) */
	bool resolve; /* host is a name to resolve (names allowed: connect) */
	char host[256];
	char port[8];
};
/* Parses s (dgram: "unixgram:" rather than "unix:"); names: a host name is
 * kept for resolving rather than refused. 0 or CADRE_EADDR. */
int cadre__addr_parse(const char *s, bool dgram, bool names, struct cadre__addr *out);
/* "1.2.3.4:80", "[::1]:80", "unix:/p" (dgram: "unixgram:/p"; an unnamed
 * one: "unixgram:"; an autobound one: "unixgram:@<name>"). */
void cadre__addr_format(const struct sockaddr_storage *ss, socklen_t len, bool dgram, char *buf,
                        size_t size);

/* ---- stream.c, tcp.c, dgram.c ---- */
/* An errno as a CADRE_E* code. */
int cadre__io_errno(int e);
/* Registers the locked socket's epoll events as its state says (reading,
 * queue, connecting); 0 or -errno. */
int cadre__io_sync(struct cadre__io *io, struct cadre__ioh *s);
/* A new socket record for fd (s locked on success); claims the fd number. */
int cadre__io_sock(struct cadre__io *io, cadre_ref owner, int fd, uint8_t kind,
                   const cadre_tcp_opts *opts, struct cadre__ioh **out, cadre_io *h);
/* Sets the locked record's fd (a resolved connect), claiming its number. */
int cadre__io_set_fd(struct cadre__io *io, struct cadre__ioh *s, int fd);
/* A socket of a's family bound to a, listening if SOCK_STREAM: its fd, or
 * a negative code (CADRE_EADDR, CADRE_EADDRINUSE, ...). */
int cadre__io_bind(const struct cadre__addr *a, int type, int backlog);
/* The I/O thread, at its timeout: starved listeners accept again. */
void cadre__io_unstarve(struct cadre__io *io);
/* Keeps a's path in s, to unlink at close (a named Unix socket). */
int cadre__io_keep_path(struct cadre__ioh *s, const struct cadre__addr *a);
/* The start of the calls that open a socket: the calling actor's engine
 * and ref (cadre__io_self, starting the I/O thread), then s parsed
 * (cadre__addr_parse's dgram and names). 0, CADRE_EADDR, or
 * cadre__io_self's code. */
int cadre__io_self_addr(cadre_actor *self, const char *s, bool dgram, bool names,
                        struct cadre__io **io, cadre_ref *me, struct cadre__addr *a);
/* Registers fd, bound to a, as a reading handle of kind (LISTEN or DGRAM)
 * owned by me, into *out; on failure closes fd and unlinks a's path. */
int cadre__io_open_bound(struct cadre__io *io, cadre_ref me, int fd, const struct cadre__addr *a,
                         uint8_t kind, const cadre_tcp_opts *opts, cadre_io *out);

#endif /* CADRE__IO_H */
