/* Cadre: datagram sockets (cadre/io.h: cadre_udp_open, cadre_udp_send):
 * UDP and unixgram. The I/O thread reads each datagram into a DATAGRAM
 * message with its source; reading pauses as a stream's does, at the
 * high-water mark of bytes delivered and not yet handled (the kernel then
 * drops what does not fit in its buffer, as UDP may). A send is one
 * non-blocking sendto: a full send buffer is CADRE_EFULL, never a wait. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cadre__io.h"

int
cadre_udp_open(cadre_actor *self, const char *addr, cadre_io *out)
{
	if (self == NULL || addr == NULL || out == NULL)
		return CADRE_EINVAL;
	struct cadre__io *io;
	cadre_ref me;
	struct cadre__addr a;
	int rc = cadre__io_self_addr(self, addr, true, false, &io, &me, &a);
	if (rc != 0)
		return rc;
	int fd = cadre__io_bind(&a, SOCK_DGRAM, 0);
	if (fd < 0)
		return fd;
	return cadre__io_open_bound(io, me, fd, &a, CADRE__IO_DGRAM, NULL, out);
}

int
cadre_udp_send(cadre_actor *self, cadre_io h, const char *to, const void *data, size_t size)
{
	if (to == NULL || (data == NULL && size != 0))
		return CADRE_EINVAL;
	struct cadre__io *io;
	cadre_ref me;
	int rc = cadre__io_self(self, false, &io, &me);
	if (rc != 0)
		return rc;
	struct cadre__ioh *s;
	if ((rc = cadre__io_lock(io, h, me, &s)) != 0)
		return rc;
	struct cadre__addr a;
	if (s->kind != CADRE__IO_DGRAM)
		rc = CADRE_EINVAL;
	else if (cadre__addr_parse(to, true, false, &a) != 0 || a.len <= sizeof(sa_family_t))
		rc = CADRE_EADDR;
	ssize_t w = -1;
	while (rc == 0 &&
	       (w = sendto(s->fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT,
	                   (const struct sockaddr *)&a.ss, a.len)) < 0 &&
	       errno == EINTR) {
	}
	int e = errno;
	pthread_mutex_unlock(&s->lock);
	if (rc != 0 || w >= 0)
		return rc;
	if (e == EAGAIN || e == EWOULDBLOCK)
		return CADRE_EFULL;
	if (e == EAFNOSUPPORT || e == EINVAL || e == EDESTADDRREQ)
		return CADRE_EADDR; /* another family than the socket's */
	if (e == ENOENT || e == ECONNREFUSED)
		return CADRE_ECONNREFUSED; /* (a unixgram path with no one there) */
	return e == EMSGSIZE ? CADRE_ETOOBIG : CADRE_ESYS;
}

/* The I/O thread, a datagram socket (s locked): up to 16 datagrams read,
 * then sent, in order, with the lock let go. */
void
cadre__io_on_dgram(struct cadre__io *io, struct cadre__ioh *s, uint32_t ev)
{
	(void)ev;
	struct cadre__iomsg *msgs[16];
	int n = 0;
	while (n < 16 && s->reading) {
		if (s->inflight >= s->high_water) {
			s->reading = false; /* resumed by data_done */
			(void)cadre__io_sync(io, s);
			break;
		}
		struct sockaddr_storage from;
		socklen_t len = sizeof from;
		ssize_t r = recvfrom(s->fd, io->rbuf, CADRE__IO_READ, MSG_DONTWAIT,
		                     (struct sockaddr *)&from, &len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break; /* EAGAIN; or an error a later send reports (ICMP) */
		cadre_io_event e;
		memset(&e, 0, sizeof e);
		e.kind = CADRE_IO_DATAGRAM;
		e.handle = cadre__io_handle(s);
		e.fd = -1;
		cadre__addr_format(&from, len, true, e.addr, sizeof e.addr);
		struct cadre__iomsg *m =
		        cadre__iomsg_new(io, &e, CADRE__IOM_DATA, io->rbuf, (size_t)r);
		if (m == NULL)
			break; /* out of memory: the datagram is lost, as UDP may */
		m->charge = (uint32_t)r;
		s->inflight += (uint64_t)r;
		msgs[n++] = m;
	}
	cadre_ref owner = s->owner;
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < n; i++)
		(void)cadre__iomsg_send(io, owner, msgs[i], true);
}
