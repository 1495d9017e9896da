/* Cadre: the internal poll hook (io/cadre__io.h): the I/O thread polls an
 * extra fd for the rest of io/ (signals, file completions) and calls a
 * callback on it. A poll is a record with no owner (on no owner's list):
 * only cadre__io_poll_del and the system's end close it. */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>

#include "cadre__io.h"

/* The engine whose poll callback this thread is running, if any. */
static _Thread_local struct cadre__io *in_callback;

int
cadre__io_poll_add(struct cadre_system *sys, int fd, uint32_t events, cadre__io_poll_fn *fn,
                   void *arg, cadre_io *out)
{
	if (sys == NULL || fd < 0 || fn == NULL || events == 0 || out == NULL)
		return CADRE_EINVAL;
	struct cadre__io *io;
	int rc = cadre__io_ready(sys, &io);
	if (rc != 0)
		return rc;
	if (fcntl(fd, F_GETFD) < 0)
		return CADRE_EBADF;
	struct cadre__ioh *s;
	cadre_io h;
	rc = cadre__io_alloc(io, CADRE_REF_NONE, fd, false, &s, &h);
	if (rc != 0)
		return rc;
	s->kind = CADRE__IO_POLL;
	s->poll_fn = fn;
	s->poll_arg = arg;
	rc = cadre__io_register(io, s, events);
	if (rc != 0) {
		cadre__io_end(io, s, false, 0, 0);
		return rc == -EBADF ? CADRE_EBADF : rc == -ENOMEM ? CADRE_ENOMEM : CADRE_EINVAL;
	}
	pthread_mutex_unlock(&s->lock);
	*out = h;
	return 0;
}

int
cadre__io_poll_del(struct cadre_system *sys, cadre_io h)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	struct cadre__io *io = sys->io;
	struct cadre__ioh *s;
	if (cadre__io_lock(io, h, CADRE_REF_NONE, &s) != 0)
		return CADRE_ENOENT;
	if (s->kind != CADRE__IO_POLL) {
		pthread_mutex_unlock(&s->lock);
		return CADRE_ENOENT;
	}
	cadre__io_end(io, s, false, 0, 0);
	/* A callback in progress on the I/O thread (or the worker poller's
	 * token holder) ends before we return (unless we are that callback).
	 * Acquire: pairs with start's release store of `started`. */
	if (cadre__load_acq_u32(&io->started) && in_callback != io) {
		pthread_mutex_lock(&io->cb_lock);
		pthread_mutex_unlock(&io->cb_lock);
	}
	return 0;
}

/* The I/O thread, s locked (its record is live): the callback, run with the
 * record unlocked and cb_lock held, so that cadre__io_poll_del can wait
 * for it. */
void
cadre__io_on_poll(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev)
{
	cadre__io_poll_fn *fn = s->poll_fn;
	void *arg = s->poll_arg;
	int fd = s->fd;
	cadre_io h = cadre__io_handle(s);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&io->cb_lock);
	/* Still live? A poll_del between our unlock and cb_lock returned
	 * without waiting for us: we must not call fn. */
	pthread_mutex_lock(&s->lock);
	bool live = s->gen == h.gen;
	pthread_mutex_unlock(&s->lock);
	if (live) {
		in_callback = io;
		fn(arg, fd, ev);
		in_callback = NULL;
	}
	pthread_mutex_unlock(&io->cb_lock);
}
