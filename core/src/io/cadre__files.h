/* Cadre internal: regular files (io/files*.c): one operation, and the two
 * back ends that run it (io_uring, files_uring.c; the file threads,
 * files_pool.c). files.c picks one per system and delivers completions. */
#ifndef CADRE__FILES_H
#define CADRE__FILES_H

#include <pthread.h>

#include "cadre__ioaux.h"

/* One read or write in flight. */
struct cadre__fop {
	struct cadre__fop *next;  /* a back end's queue */
	struct cadre_system *sys; /* its system */
	cadre_ref owner;          /* who gets the completion */
	uint64_t id;              /* the caller's id for it */
	int fd;                   /* the caller's fd (never closed by Cadre) */
	bool write;               /* a write (else a read) */
	uint64_t offset;          /* where in the file */
	size_t len;               /* bytes asked for */
	void *buf;                /* read: m's bytes; write: the caller's data, copied */
	struct cadre__iomsg *m;   /* the completion event (read: len bytes after it) */
};

enum { CADRE__FILES_URING = 1, CADRE__FILES_POOL = 2 };

struct cadre__ring;  /* files_uring.c */
struct cadre__fpool; /* files_pool.c */

/* A system's file machinery, made at its first file call. */
struct cadre__files {
	int backend;               /* CADRE__FILES_*: the one in use */
	uint64_t next_id;          /* the last id given (relaxed add: ids are only unique) */
	struct cadre__ring *ring;  /* URING */
	cadre_io ring_poll;        /* URING: the I/O thread's poll of the ring's eventfd */
	struct cadre__fpool *pool; /* POOL */
};

/* Called by a back end with the operation's result (bytes, or -errno):
 * builds the event, sends it, frees op. Any thread. */
void cadre__fop_done(struct cadre__fop *op, long res);

/* io_uring (files_uring.c): 0, or a negative CADRE_E* (io_uring missing,
 * disabled, or too old: the caller falls back to the pool). */
int cadre__ring_new(struct cadre_system *sys, struct cadre__ring **out);
int cadre__ring_submit(struct cadre__ring *r, struct cadre__fop *op);
/* The eventfd the ring signals for completions that come later. */
int cadre__ring_fd(struct cadre__ring *r);
void cadre__ring_reap(struct cadre__ring *r);
/* Waits for every operation in flight, then frees the ring. */
void cadre__ring_free(struct cadre_system *sys, struct cadre__ring *r);

/* The file threads (files_pool.c). */
int cadre__fpool_new(struct cadre_system *sys, unsigned threads, struct cadre__fpool **out);
void cadre__fpool_submit(struct cadre__fpool *p, struct cadre__fop *op);
/* Runs what is queued, joins the threads, frees the pool. */
void cadre__fpool_free(struct cadre__fpool *p);

#endif /* CADRE__FILES_H */
