/* Cadre: regular files without blocking a worker (cadre_file_read,
 * cadre_file_write).
 *
 * Design notes.
 *
 * A regular file is always "ready" to epoll, so readiness cannot tell when
 * a read would wait for the disk: the operation itself must run elsewhere.
 * Two back ends do it, one per system, chosen at its first file call:
 *   - io_uring (files_uring.c): the kernel runs it; reads of cached pages
 *     complete inline, during the submission;
 *   - the file threads (files_pool.c): pread / pwrite on threads of their
 *     own, where blocking is harmless.
 * They were measured against each other (tools/io/bench_files.c,
 * docs/performance.md); the faster is the default, the other is chosen
 * with the environment variable CADRE_IO_FILES=uring|pool, read when a
 * system makes its file machinery. Where io_uring is missing or refused
 * (kernel.io_uring_disabled, seccomp, a kernel without IORING_FEAT_NODROP,
 * a build without liburing), the file threads serve instead.
 *
 * An operation carries its completion event, allocated at the call, so a
 * completion never fails for want of memory: a read's bytes land in the
 * event's block itself, which travels to the owner by cadre_send_move (no
 * copy). The owner may stop with operations in flight: their completions
 * are then dead letters, counted as any message to a stopped actor. The
 * fd stays the caller's; closing it with operations in flight is the
 * caller's race, as with pread on another thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "cadre__files.h"

/* The default back end (see the Design notes and docs/performance.md). */
#define DEFAULT_BACKEND CADRE__FILES_URING

static pthread_mutex_t make_lock = PTHREAD_MUTEX_INITIALIZER; /* first calls */

static struct cadre__files *
files_of(struct cadre_system *sys)
{
	/* Acquire: pairs with the release store in files_get. */
	return cadre__load_acq_ptr((void *const *)&sys->files);
}

static int
backend_wanted(void)
{
	const char *e = getenv("CADRE_IO_FILES");
	if (e != NULL && strcmp(e, "pool") == 0)
		return CADRE__FILES_POOL;
	if (e != NULL && strcmp(e, "uring") == 0)
		return CADRE__FILES_URING;
	return DEFAULT_BACKEND;
}

/* The I/O thread: the ring's eventfd is readable (async completions). */
static void
ring_ready(void *arg, int fd, uint32_t events)
{
	(void)fd, (void)events;
	cadre__files_reap(arg);
}

/* io_uring with its eventfd watched; false: use the file threads. */
static bool
try_ring(struct cadre_system *sys, struct cadre__files *f)
{
	if (cadre__ring_new(sys, &f->ring) != 0)
		return false;
	if (cadre__io_poll_add(sys, cadre__ring_fd(f->ring), EPOLLIN, ring_ready, sys,
	                       &f->ring_poll) != 0) {
		cadre__ring_free(sys, f->ring);
		f->ring = NULL;
		return false;
	}
	f->backend = CADRE__FILES_URING;
	return true;
}

static int
files_make(struct cadre_system *sys, struct cadre__files **out)
{
	struct cadre__files *f = cadre__alloc_zero(sizeof *f);
	if (f == NULL)
		return CADRE_ENOMEM;
	if (backend_wanted() != CADRE__FILES_URING || !try_ring(sys, f)) {
		int rc = cadre__fpool_new(sys, sys->nblocking, &f->pool);
		if (rc != 0) {
			cadre__free(f, sizeof *f);
			return rc;
		}
		f->backend = CADRE__FILES_POOL;
	}
	*out = f;
	return 0;
}

static int
files_get(struct cadre_system *sys, struct cadre__files **out)
{
	struct cadre__files *f = files_of(sys);
	int rc = 0;
	if (f == NULL) {
		pthread_mutex_lock(&make_lock);
		f = files_of(sys);
		/* seq_cst load: as every closing check; cadre__files_stop runs
		 * after closing is set, under make_lock, so nothing is made after. */
		if (f == NULL && cadre__load_sc_u32(&sys->closing))
			rc = CADRE_ECLOSED;
		else if (f == NULL && (rc = files_make(sys, &f)) == 0)
			/* Release: the machinery before the pointer; pairs with files_of. */
			cadre__store_rel_ptr((void **)&sys->files, f);
		pthread_mutex_unlock(&make_lock);
	}
	*out = f;
	return rc;
}

/* errno to a CADRE_E* code. */
static int
status_of(int err)
{
	switch (err) {
	case EBADF:
		return CADRE_EBADF;
	case ENOMEM:
		return CADRE_ENOMEM;
	case EINVAL:
		return CADRE_EINVAL;
	default:
		return CADRE_ESYS;
	}
}

void
cadre__fop_done(struct cadre__fop *op, long res)
{
	cadre_io_event *ev = &op->m->ev;
	ev->kind = CADRE_IO_FILE;
	ev->id = op->id;
	ev->fd = op->fd;
	if (res < 0) {
		ev->status = status_of((int)-res);
		ev->os_error = (int)-res;
	} else {
		ev->size = (size_t)res;
		ev->data = op->write || res == 0 ? NULL : op->buf;
	}
	if (op->write)
		cadre__free(op->buf, op->len != 0 ? op->len : 1);
	struct cadre_system *sys = op->sys;
	cadre_ref owner = op->owner;
	struct cadre__iomsg *m = op->m;
	size_t extra = op->write ? 0 : op->len;
	cadre__free(op, sizeof *op);
	cadre__ioaux_deliver(sys, owner, m, extra);
}

/* The checks every file call makes, in the order the codes are listed. */
static int
check_call(cadre_actor *self, int fd, struct cadre__actor **a)
{
	int rc = cadre__self_check(self, a);
	if (rc != 0)
		return rc;
	if (cadre__tls_worker->sys->sim != NULL)
		return CADRE_ESTATE; /* the deterministic mode: no files (cadre/sim.h) */
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return CADRE_EBADF;
	/* A pipe, socket or terminal could keep a read waiting forever (for
	 * io_uring, past the system's shutdown): those are cadre_io_watch's. */
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return CADRE_EINVAL;
	/* seq_cst load: as every closing check (shutdown's exchange). */
	return cadre__load_sc_u32(&cadre__tls_worker->sys->closing) ? CADRE_ECLOSED : 0;
}

/* A new operation with its event block; NULL if out of memory. */
static struct cadre__fop *
fop_new(struct cadre_system *sys, struct cadre__actor *a, bool write, size_t len)
{
	struct cadre__fop *op = cadre__alloc_zero(sizeof *op);
	if (op == NULL)
		return NULL;
	op->m = cadre__ioaux_msg_new(sys, write ? 0 : len);
	op->buf = write ? cadre__alloc(len != 0 ? len : 1) : op->m != NULL ? op->m->bytes : NULL;
	if (op->m == NULL || op->buf == NULL) {
		if (write && op->buf != NULL)
			cadre__free(op->buf, len != 0 ? len : 1);
		cadre__ioaux_msg_free(op->m, write ? 0 : len);
		cadre__free(op, sizeof *op);
		return NULL;
	}
	op->sys = sys;
	op->owner = cadre__ref_of(sys, a);
	op->write = write;
	op->len = len;
	return op;
}

static void
fop_free(struct cadre__fop *op)
{
	if (op->write)
		cadre__free(op->buf, op->len != 0 ? op->len : 1);
	cadre__ioaux_msg_free(op->m, op->write ? 0 : op->len);
	cadre__free(op, sizeof *op);
}

static int
submit(struct cadre_system *sys, struct cadre__fop *op, uint64_t *id)
{
	struct cadre__files *f;
	int rc = files_get(sys, &f);
	if (rc != 0) {
		fop_free(op);
		return rc;
	}
	/* Relaxed add: an id is unique, nothing is published with it. */
	op->id = cadre__faa_rlx_u64(&f->next_id, 1) + 1;
	if (id != NULL)
		*id = op->id;
	if (f->backend == CADRE__FILES_URING)
		cadre__ring_submit(f->ring, op);
	else
		cadre__fpool_submit(f->pool, op);
	return 0;
}

int
cadre_file_read(cadre_actor *self, int fd, uint64_t offset, size_t len, uint64_t *id)
{
	struct cadre__actor *a;
	int rc = check_call(self, fd, &a);
	if (rc != 0)
		return rc;
	struct cadre_system *sys = cadre__tls_worker->sys;
	if (offset > (uint64_t)INT64_MAX)
		return CADRE_EINVAL;
	if (len > sys->max_msg)
		return CADRE_ETOOBIG;
	struct cadre__fop *op = fop_new(sys, a, false, len);
	if (op == NULL)
		return CADRE_ENOMEM;
	op->fd = fd;
	op->offset = offset;
	return submit(sys, op, id);
}

int
cadre_file_write(cadre_actor *self, int fd, uint64_t offset, const void *data, size_t len,
                 uint64_t *id)
{
	struct cadre__actor *a;
	if (data == NULL && len > 0)
		return CADRE_EINVAL;
	int rc = check_call(self, fd, &a);
	if (rc != 0)
		return rc;
	struct cadre_system *sys = cadre__tls_worker->sys;
	if (offset > (uint64_t)INT64_MAX)
		return CADRE_EINVAL;
	if (len > (size_t)INT32_MAX)
		return CADRE_ETOOBIG;
	struct cadre__fop *op = fop_new(sys, a, true, len);
	if (op == NULL)
		return CADRE_ENOMEM;
	if (len > 0)
		memcpy(op->buf, data, len);
	op->fd = fd;
	op->offset = offset;
	return submit(sys, op, id);
}

void
cadre__files_reap(struct cadre_system *sys)
{
	struct cadre__files *f = files_of(sys);
	if (f != NULL && f->ring != NULL)
		cadre__ring_reap(f->ring);
}

void
cadre__files_stop(struct cadre_system *sys)
{
	pthread_mutex_lock(&make_lock);
	struct cadre__files *f = files_of(sys);
	if (f != NULL) {
		if (f->ring != NULL) {
			(void)cadre__io_poll_del(sys, f->ring_poll); /* the thread is stopped */
			cadre__ring_free(sys, f->ring);
		}
		cadre__fpool_free(f->pool);
		cadre__free(f, sizeof *f);
		/* Release: closing was set first; a late call sees NULL, then
		 * closing (files_get), and makes nothing. */
		cadre__store_rel_ptr((void **)&sys->files, NULL);
	}
	pthread_mutex_unlock(&make_lock);
}
