/* Cadre: regular files through io_uring (liburing).
 *
 * One ring per system, made at its first file call. Any worker submits
 * (under sq_lock: the submission queue has one producer at a time); the
 * completions are reaped under cq_lock (one consumer at a time) by
 * whoever comes first:
 *   - the submitter itself, right after io_uring_submit: a read of cached
 *     pages completes inline, during the submission, and is delivered at
 *     once, with no thread hop;
 *   - the I/O thread, for the completions that come later (an uncached
 *     read runs on the kernel's io-wq threads): the ring signals an
 *     eventfd for those only (io_uring_register_eventfd_async), and the
 *     I/O thread watches it like any fd (cadre__files_reap).
 * At most `cap` operations (the completion queue's size) are in the ring
 * at once, so the completion queue never overflows; more wait in a
 * backlog that the reaper moves into the ring as room frees.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "cadre__files.h"

#ifdef CADRE_WITH_URING

#include <liburing.h>
#include <sys/eventfd.h>

#define ENTRIES 256u /* submission queue entries; the completion queue has twice */
#define REAP_MAX 64u /* completions taken per look, delivered outside the locks */

struct cadre__ring {
	struct io_uring ring;
	pthread_mutex_t sq_lock;    /* submissions, the backlog, in_ring */
	pthread_mutex_t cq_lock;    /* the completion queue */
	struct cadre__fop *bl_head; /* waiting for room in the ring (sq_lock) */
	struct cadre__fop *bl_tail;
	unsigned in_ring; /* submitted, not yet reaped (sq_lock) */
	unsigned cap;     /* the completion queue's entries */
	int efd;          /* signalled by async completions */
};

int
cadre__ring_new(struct cadre_system *sys, struct cadre__ring **out)
{
	(void)sys;
	struct cadre__ring *r = cadre__alloc_zero(sizeof *r);
	if (r == NULL)
		return CADRE_ENOMEM;
	struct io_uring_params p = {0};
	int rc = io_uring_queue_init_params(ENTRIES, &r->ring, &p);
	if (rc < 0) { /* ENOSYS, EPERM: disabled (sysctl, seccomp) */
		cadre__free(r, sizeof *r);
		return rc == -ENOMEM ? CADRE_ENOMEM : CADRE_ESYS;
	}
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!(p.features & IORING_FEAT_NODROP) || r->efd < 0 ||
	    io_uring_register_eventfd_async(&r->ring, r->efd) != 0) {
		if (r->efd >= 0)
			close(r->efd);
		io_uring_queue_exit(&r->ring);
		cadre__free(r, sizeof *r);
		return CADRE_ESYS;
	}
	r->cap = p.cq_entries;
	pthread_mutex_init(&r->sq_lock, NULL);
	pthread_mutex_init(&r->cq_lock, NULL);
	*out = r;
	return 0;
}

int
cadre__ring_fd(struct cadre__ring *r)
{
	return r->efd;
}

/* Puts op in the ring (sq_lock held): false if the submission queue stays
 * full (then op is not taken). */
static bool
push(struct cadre__ring *r, struct cadre__fop *op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	if (sqe == NULL) {
		io_uring_submit(&r->ring);
		if ((sqe = io_uring_get_sqe(&r->ring)) == NULL)
			return false;
	}
	if (op->write)
		io_uring_prep_write(sqe, op->fd, op->buf, (unsigned)op->len, op->offset);
	else
		io_uring_prep_read(sqe, op->fd, op->buf, (unsigned)op->len, op->offset);
	io_uring_sqe_set_data(sqe, op);
	r->in_ring++;
	return true;
}

/* Moves what the backlog holds into the ring while there is room, and
 * submits (sq_lock held). */
static void
refill(struct cadre__ring *r)
{
	bool moved = false;
	while (r->bl_head != NULL && r->in_ring < r->cap && push(r, r->bl_head)) {
		r->bl_head = r->bl_head->next;
		moved = true;
	}
	if (r->bl_head == NULL)
		r->bl_tail = NULL;
	if (moved || io_uring_sq_ready(&r->ring) > 0)
		io_uring_submit(&r->ring); /* an error leaves them queued: the next call submits */
}

/* Takes up to REAP_MAX completions and delivers them; their count. */
static unsigned
reap_some(struct cadre__ring *r)
{
	struct cadre__fop *ops[REAP_MAX];
	long res[REAP_MAX];
	unsigned n = 0;
	pthread_mutex_lock(&r->cq_lock);
	struct io_uring_cqe *cqe;
	while (n < REAP_MAX && io_uring_peek_cqe(&r->ring, &cqe) == 0) {
		ops[n] = io_uring_cqe_get_data(cqe);
		res[n++] = cqe->res;
		io_uring_cqe_seen(&r->ring, cqe);
	}
	pthread_mutex_unlock(&r->cq_lock);
	if (n > 0) {
		pthread_mutex_lock(&r->sq_lock);
		r->in_ring -= n;
		refill(r);
		pthread_mutex_unlock(&r->sq_lock);
	}
	for (unsigned i = 0; i < n; i++)
		cadre__fop_done(ops[i], res[i]);
	return n;
}

void
cadre__ring_reap(struct cadre__ring *r)
{
	uint64_t v;
	ssize_t rd = read(r->efd, &v, sizeof v); /* first: a later completion signals again */
	(void)rd;                                /* EAGAIN: look anyway */
	while (reap_some(r) > 0)
		;
}

int
cadre__ring_submit(struct cadre__ring *r, struct cadre__fop *op)
{
	op->next = NULL;
	pthread_mutex_lock(&r->sq_lock);
	if (r->bl_head != NULL || r->in_ring >= r->cap || !push(r, op)) {
		if (r->bl_tail != NULL)
			r->bl_tail->next = op;
		else
			r->bl_head = op;
		r->bl_tail = op;
	} else {
		io_uring_submit(&r->ring);
	}
	pthread_mutex_unlock(&r->sq_lock);
	/* Inline completions signal no eventfd: deliver them now. */
	while (reap_some(r) > 0)
		;
	return 0;
}

static bool
ring_idle(struct cadre__ring *r)
{
	pthread_mutex_lock(&r->sq_lock);
	bool idle = r->in_ring == 0 && r->bl_head == NULL;
	pthread_mutex_unlock(&r->sq_lock);
	return idle;
}

void
cadre__ring_free(struct cadre_system *sys, struct cadre__ring *r)
{
	(void)sys;
	if (r == NULL)
		return;
	while (!ring_idle(r)) {
		struct pollfd pfd = {.fd = r->efd, .events = POLLIN};
		poll(&pfd, 1, 10);
		cadre__ring_reap(r);
	}
	io_uring_unregister_eventfd(&r->ring);
	io_uring_queue_exit(&r->ring);
	close(r->efd);
	pthread_mutex_destroy(&r->sq_lock);
	pthread_mutex_destroy(&r->cq_lock);
	cadre__free(r, sizeof *r);
}

#else /* no liburing at build time: the file threads only */

int
cadre__ring_new(struct cadre_system *sys, struct cadre__ring **out)
{
	(void)sys;
	(void)out;
	return CADRE_ESYS;
}

int
cadre__ring_fd(struct cadre__ring *r)
{
	(void)r;
	return -1;
}

int
cadre__ring_submit(struct cadre__ring *r, struct cadre__fop *op)
{
	(void)r;
	(void)op;
	return CADRE_ESYS;
}

void
cadre__ring_reap(struct cadre__ring *r)
{
	(void)r;
}

void
cadre__ring_free(struct cadre_system *sys, struct cadre__ring *r)
{
	(void)sys;
	(void)r;
}

#endif /* CADRE_WITH_URING */
