/* The internal poll hook (core/src/io/cadre__io.h: cadre__io_poll_add and
 * cadre__io_poll_del), which the rest of io/ (signals, file completions)
 * uses to have the I/O thread poll an extra fd: the callback runs on the
 * I/O thread, once per readiness (level-triggered: it drains the fd); it
 * is not called after cadre__io_poll_del returns; bad input gets its
 * codes; the fd stays the caller's. */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cadre__io.h"
#include "io_helpers.h"

struct pc {
	int fd;
	long calls;   /* release, read with acquire */
	uint64_t sum; /* eventfd values read (on the I/O thread) */
};

static void
on_ready(void *arg, int fd, uint32_t events)
{
	struct pc *p = arg;
	CHECK_EQ(fd, p->fd);
	CHECK(events & EPOLLIN);
	uint64_t v;
	if (read(fd, &v, sizeof v) == (ssize_t)sizeof v)
		p->sum += v;
	nap_ms(1);
	__atomic_add_fetch(&p->calls, 1, __ATOMIC_RELEASE);
}

static void
poll_hook(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 1};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	struct pc p = {.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
	CHECK(p.fd >= 0);
	cadre_io h;
	CHECK_EQ(cadre__io_poll_add(sys, p.fd, EPOLLIN, on_ready, &p, &h), 0);
	cadre_io x;
	CHECK_EQ(cadre__io_poll_add(sys, p.fd, EPOLLIN, on_ready, &p, &x), CADRE_EEXIST);
	CHECK_EQ(cadre__io_poll_add(sys, -1, EPOLLIN, on_ready, &p, &x), CADRE_EINVAL);
	CHECK_EQ(cadre__io_poll_add(sys, p.fd, EPOLLIN, NULL, &p, &x), CADRE_EINVAL);
	CHECK_EQ(cadre__io_poll_add(NULL, p.fd, EPOLLIN, on_ready, &p, &x), CADRE_EINVAL);
	int notopen = 4000;
	while (fcntl(notopen, F_GETFD) >= 0)
		notopen++;
	CHECK_EQ(cadre__io_poll_add(sys, notopen, EPOLLIN, on_ready, &p, &x), CADRE_EBADF);
	for (uint64_t i = 1; i <= 5; i++) {
		CHECK_EQ(write(p.fd, &i, sizeof i), (ssize_t)sizeof i);
		WAIT_FOR(__atomic_load_n(&p.calls, __ATOMIC_ACQUIRE) >= (long)i);
	}
	/* Deleted while being signalled: no call once poll_del returned. */
	uint64_t one = 1;
	CHECK_EQ(write(p.fd, &one, sizeof one), (ssize_t)sizeof one);
	CHECK_EQ(cadre__io_poll_del(sys, h), 0);
	long after = __atomic_load_n(&p.calls, __ATOMIC_ACQUIRE);
	CHECK_EQ(write(p.fd, &one, sizeof one), (ssize_t)sizeof one);
	nap_ms(50);
	CHECK_EQ(__atomic_load_n(&p.calls, __ATOMIC_ACQUIRE), after);
	CHECK_EQ(cadre__io_poll_del(sys, h), CADRE_ENOENT);
	CHECK(fcntl(p.fd, F_GETFD) >= 0); /* the caller's */
	/* A user watch of a polled fd: CADRE_EEXIST (the fd map is shared). */
	CHECK_EQ(cadre__io_poll_add(sys, p.fd, EPOLLIN, on_ready, &p, &h), 0);
	cadre_system_free(sys);
	CHECK(fcntl(p.fd, F_GETFD) >= 0);
	close(p.fd);
}

int
main(void)
{
	TEST_CASE(poll_hook);
	return 0;
}
