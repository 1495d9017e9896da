/* Cadre: watching any file descriptor (cadre/io.h: cadre_io_watch).
 *
 * A watch is registered EPOLLONESHOT: the kernel reports the fd once and
 * disables it. The I/O thread sends one READY message; the message's
 * destructor (run once it was handled, or dead-lettered) re-arms the
 * registration with EPOLL_CTL_MOD. So an fd that stays ready gives one
 * message per receive, never a flood, and no readiness is lost: a re-armed
 * one-shot registration reports a level that is still there.
 *
 * The fd is the user's, who may close it under the watch. The kernel then
 * drops the registration silently (when the last reference to the open
 * file goes), and the fd number may be handed out again, even to one of
 * Cadre's own sockets. So the fd map (engine.c) says which record owns a
 * number, and a watch touches the registration only while it owns its
 * number, under the engine's lock. A watch learns that its fd is gone when
 * its re-arm fails (EBADF or ENOENT), or when a new watch of the same
 * number finds the old registration gone; either way it ends with CLOSED,
 * status CADRE_EBADF.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>

#include "cadre__io.h"

/* The one-shot epoll registration of a watch; armed: with its events,
 * else disabled (a READY is in flight). */
static uint32_t
watch_bits(const struct cadre__ioh *s, bool armed)
{
	uint32_t e = EPOLLONESHOT;
	if (armed && (s->events & CADRE_IO_IN))
		e |= EPOLLIN | EPOLLRDHUP;
	if (armed && (s->events & CADRE_IO_OUT))
		e |= EPOLLOUT;
	return e;
}

/* Re-registers the locked watch s if it still owns its fd number (the
 * engine's lock makes the check and the call one step). 0, or the failing
 * errno, negated (-EBADF: the number is not its any more). */
static int
rearm(struct cadre__io *io, struct cadre__ioh *s, bool armed)
{
	pthread_mutex_lock(&io->lock); /* order: a record, then the engine */
	int rc = -EBADF;
	if ((size_t)s->fd < io->nfdmap && io->fdmap[s->fd] == s->index)
		rc = cadre__io_register(io, s, watch_bits(s, armed));
	pthread_mutex_unlock(&io->lock);
	return rc;
}

/* A watch of fd's number already there whose fd was closed under it ends
 * (CLOSED, CADRE_EBADF), so that the new watch can have the number. */
static void
end_stale(struct cadre__io *io, int fd)
{
	pthread_mutex_lock(&io->lock);
	uint32_t old = (size_t)fd < io->nfdmap ? io->fdmap[fd] : 0;
	pthread_mutex_unlock(&io->lock);
	struct cadre__ioh *s = cadre__io_slot(io, old);
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	if ((s->gen & 1u) && s->kind == CADRE__IO_WATCH && s->fd == fd) {
		int rc = rearm(io, s, !s->ready_out);
		if (rc != 0) {
			cadre__io_end(io, s, true, CADRE_EBADF, -rc);
			return;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

int
cadre_io_watch(cadre_actor *self, int fd, uint32_t events, cadre_io *out)
{
	if (self == NULL || out == NULL || fd < 0 || events == 0 ||
	    (events & ~(uint32_t)(CADRE_IO_IN | CADRE_IO_OUT)) != 0)
		return CADRE_EINVAL;
	struct cadre__io *io;
	cadre_ref me;
	int rc = cadre__io_self(self, true, &io, &me);
	if (rc != 0)
		return rc;
	if (fcntl(fd, F_GETFD) < 0)
		return CADRE_EBADF;
	end_stale(io, fd);
	struct cadre__ioh *s;
	cadre_io h;
	rc = cadre__io_alloc(io, me, fd, false, &s, &h);
	if (rc != 0)
		return rc == CADRE_ENOACTOR ? CADRE_ECLOSED
		                            : rc; /* (self is finishing: shutdown) */
	s->kind = CADRE__IO_WATCH;
	s->events = events;
	rc = rearm(io, s, true);
	if (rc != 0) {
		cadre__io_end(io, s, false, 0, 0);
		/* EPERM: a regular file or a directory, which epoll refuses. */
		return rc == -EBADF ? CADRE_EBADF : rc == -ENOMEM ? CADRE_ENOMEM : CADRE_EINVAL;
	}
	pthread_mutex_unlock(&s->lock);
	*out = h;
	return 0;
}

int
cadre_io_unwatch(cadre_actor *self, cadre_io h)
{
	struct cadre__io *io;
	cadre_ref me;
	int rc = cadre__io_self(self, false, &io, &me);
	if (rc != 0)
		return rc;
	struct cadre__ioh *s;
	if ((rc = cadre__io_lock(io, h, me, &s)) != 0)
		return rc;
	if (s->kind != CADRE__IO_WATCH) {
		pthread_mutex_unlock(&s->lock);
		return CADRE_EINVAL;
	}
	cadre__io_end(io, s, false, 0, 0);
	return 0;
}

/* The I/O thread, s locked: the fd is ready. One READY goes to the owner;
 * the registration stays disabled (one-shot) until its destructor. */
void
cadre__io_on_watch(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev)
{
	cadre_io_event e;
	memset(&e, 0, sizeof e);
	e.kind = CADRE_IO_READY;
	e.handle = cadre__io_handle(s);
	e.fd = s->fd;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		e.events |= s->events & CADRE_IO_IN;
	if (ev & EPOLLOUT)
		e.events |= CADRE_IO_OUT;
	if (ev & (EPOLLERR | EPOLLHUP))
		e.events |= CADRE_IO_ERR;
	cadre_ref owner = s->owner;
	struct cadre__iomsg *m = cadre__iomsg_new(io, &e, CADRE__IOM_READY, NULL, 0);
	if (m == NULL) {
		/* Out of memory: re-armed, so the level is reported again. */
		(void)rearm(io, s, true);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->ready_out = true;
	pthread_mutex_unlock(&s->lock);
	/* Nothing is sent with a record locked: a dead letter runs the
	 * destructor (cadre__io_ready_done) at once, which locks it. */
	(void)cadre__iomsg_send(io, owner, m, true); /* (not sent: re-armed all the same) */
}

/* A READY's destructor, s locked and live: re-arm, or end the watch if its
 * fd was closed under it. */
void
cadre__io_ready_done(struct cadre__io *io, struct cadre__ioh *s)
{
	s->ready_out = false;
	/* A closing system delivers nothing more: a READY dead-lettered by the
	 * closing (CADRE_ECLOSED) must not re-arm, or the I/O thread would
	 * loop on dead letters until it stops. Acquire: pairs with shutdown's
	 * seq_cst exchange of closing. */
	if (cadre__load_acq_u32(&io->sys->closing)) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	int rc = rearm(io, s, true);
	if (rc != 0) {
		cadre__io_end(io, s, true, CADRE_EBADF, rc == -ENOENT ? EBADF : -rc);
		return;
	}
	pthread_mutex_unlock(&s->lock);
}
