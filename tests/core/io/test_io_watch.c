/* cadre_io_watch (cadre/io.h): one READY per readiness, re-armed once the
 * message was handled (no flood); a watched fd closed under the watcher
 * ends the watch with CLOSED / CADRE_EBADF; a second watch is CADRE_EEXIST,
 * an fd not open CADRE_EBADF; the owner's stop ends its watches (its fds
 * stay open, its queued READY is a counted dead letter, no fd leaks); a
 * call while the system shuts down is CADRE_ECLOSED. Run one case with:
 * test_io_watch <case>. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "io_helpers.h"

static cadre_system *
new_sys(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

struct w {
	int fd;
	uint32_t events;
	cadre_io h;
	int readies; /* in the hook (the agent's thread); read after quiescence */
	int close_on_ready;
};

static int
do_watch(cadre_actor *self, void *arg)
{
	struct w *w = arg;
	return cadre_io_watch(self, w->fd, w->events, &w->h);
}

static int
do_unwatch(cadre_actor *self, void *arg)
{
	struct w *w = arg;
	return cadre_io_unwatch(self, w->h);
}

/* READY: counted; the fd is not read, so it stays ready. The third ends
 * the watch. Each receive naps, long enough for a flood to show. */
static void
hook_count(cadre_actor *self, struct agent_ctx *c, const cadre_io_event *ev)
{
	struct w *w = c->user;
	if (ev->kind != CADRE_IO_READY)
		return;
	CHECK_EQ(ev->fd, w->fd);
	CHECK(ev->events & CADRE_IO_IN);
	CHECK_EQ(ev->handle.index, w->h.index);
	nap_ms(20);
	if (++w->readies == 3)
		CHECK_EQ(cadre_io_unwatch(self, ev->handle), 0);
	if (w->close_on_ready && w->readies == 1) {
		close(w->fd);
		w->fd = -1;
	}
}

static void
ready_once_per_receive(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	int p[2];
	CHECK_EQ(pipe(p), 0);
	struct w w = {.fd = p[0], .events = CADRE_IO_IN};
	c.user = &w;
	c.hook = hook_count;
	cadre_ref a = agent_spawn(sys, &c);
	CHECK_EQ(run_in(sys, a, do_watch, &w), 0);
	cadre_stats st0, st1;
	CHECK_EQ(cadre_system_stats(sys, -1, &st0), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	WAIT_FOR(count_kind(&c, CADRE_IO_READY) == 3);
	nap_ms(100); /* a fourth READY, or a flood, would show now */
	CHECK_EQ(cadre_system_await_quiescent(sys, 30000), 0);
	CHECK_EQ(count_kind(&c, CADRE_IO_READY), 3);
	CHECK_EQ(cadre_system_stats(sys, -1, &st1), 0);
	CHECK_EQ(st1.sent - st0.sent, 3); /* the READYs, counted as any message */
	CHECK_EQ(st1.handled - st0.handled, 3);
	CHECK_EQ(run_in(sys, a, do_unwatch, &w), CADRE_ENOENT); /* ended */
	cadre_system_free(sys);
	close(p[0]);
	close(p[1]);
}

struct bad {
	int p[2], notopen, file;
	cadre_io h, h2;
	int rc[12];
};

static int
do_bad(cadre_actor *self, void *arg)
{
	struct bad *b = arg;
	cadre_io x;
	b->rc[0] = cadre_io_watch(self, b->p[0], CADRE_IO_IN, &b->h);
	b->rc[1] = cadre_io_watch(self, b->p[0], CADRE_IO_OUT, &x); /* EEXIST */
	b->rc[2] = cadre_io_watch(self, b->notopen, CADRE_IO_IN, &x);
	b->rc[3] = cadre_io_watch(self, b->file, CADRE_IO_IN, &x); /* a regular file */
	b->rc[4] = cadre_io_watch(self, b->p[1], 0, &x);
	b->rc[5] = cadre_io_watch(self, b->p[1], 0x80, &x);
	b->rc[6] = cadre_io_watch(self, -1, CADRE_IO_IN, &x);
	b->rc[7] = cadre_io_watch(self, b->p[1], CADRE_IO_OUT, NULL);
	b->rc[8] = cadre_io_unwatch(self, (cadre_io){b->h.index, b->h.gen + 2}); /* stale */
	b->rc[9] = cadre_io_unwatch(self, (cadre_io){0, 0});
	b->rc[10] = cadre_io_unwatch(NULL, b->h);
	return 0;
}

static int
do_other(cadre_actor *self, void *arg)
{
	struct bad *b = arg;
	cadre_io x;
	b->rc[0] = cadre_io_watch(self, b->p[0], CADRE_IO_IN, &x); /* EEXIST: another owner */
	b->rc[1] = cadre_io_unwatch(self, b->h);                   /* not its own */
	return 0;
}

static void
bad_input(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c, c2;
	ctx_init(&c);
	ctx_init(&c2);
	struct bad b;
	memset(&b, 0, sizeof b);
	CHECK_EQ(pipe(b.p), 0);
	b.notopen = 4000;
	while (fcntl(b.notopen, F_GETFD) >= 0)
		b.notopen++;
	b.file = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	CHECK(b.file >= 0);
	cadre_ref a = agent_spawn(sys, &c), a2 = agent_spawn(sys, &c2);
	CHECK_EQ(run_in(sys, a, do_bad, &b), 0);
	CHECK_EQ(b.rc[0], 0);
	CHECK_EQ(b.rc[1], CADRE_EEXIST);
	CHECK_EQ(b.rc[2], CADRE_EBADF);
	CHECK_EQ(b.rc[3], CADRE_EINVAL);
	CHECK_EQ(b.rc[4], CADRE_EINVAL);
	CHECK_EQ(b.rc[5], CADRE_EINVAL);
	CHECK_EQ(b.rc[6], CADRE_EINVAL);
	CHECK_EQ(b.rc[7], CADRE_EINVAL);
	CHECK_EQ(b.rc[8], CADRE_ENOENT);
	CHECK_EQ(b.rc[9], CADRE_ENOENT);
	CHECK_EQ(b.rc[10], CADRE_EINVAL);
	CHECK_EQ(run_in(sys, a2, do_other, &b), 0);
	CHECK_EQ(b.rc[0], CADRE_EEXIST);
	CHECK_EQ(b.rc[1], CADRE_ENOENT);
	/* From outside any actor: CADRE_ESTATE (a pointer that is not running). */
	cadre_io x;
	CHECK_EQ(cadre_io_watch((cadre_actor *)&b, b.p[1], CADRE_IO_OUT, &x), CADRE_ESTATE);
	cadre_msg not_io = {.type = M_CMD};
	cadre_io_event ev;
	CHECK_EQ(cadre_io_event_read(&not_io, &ev), CADRE_EINVAL);
	CHECK_EQ(cadre_io_event_read(NULL, &ev), CADRE_EINVAL);
	cadre_system_free(sys);
	close(b.p[0]);
	close(b.p[1]);
	close(b.file);
}

/* The fd is closed in the receive of its first READY: the re-arm finds it
 * gone, and the watch ends with CLOSED / CADRE_EBADF. */
static void
closed_under_watcher(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	int p[2];
	CHECK_EQ(pipe(p), 0);
	struct w w = {.fd = p[0], .events = CADRE_IO_IN, .close_on_ready = 1};
	c.user = &w;
	c.hook = hook_count;
	cadre_ref a = agent_spawn(sys, &c);
	CHECK_EQ(run_in(sys, a, do_watch, &w), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	WAIT_FOR(count_kind(&c, CADRE_IO_CLOSED) == 1);
	struct logged l;
	CHECK(last_kind(&c, CADRE_IO_CLOSED, &l));
	CHECK_EQ(l.status, CADRE_EBADF);
	CHECK_EQ(l.handle.index, w.h.index);
	CHECK_EQ(l.handle.gen, w.h.gen);
	CHECK_EQ(count_kind(&c, CADRE_IO_READY), 1);
	CHECK_EQ(run_in(sys, a, do_unwatch, &w), CADRE_ENOENT);
	cadre_system_free(sys);
	close(p[1]);
}

/* The fd is closed while the watch waits (no event: the kernel drops the
 * registration silently), and its number comes back with a new pipe: the
 * new watch of that number is not CADRE_EEXIST; the old one ends. */
struct reuse {
	int p[2], q[2];
	cadre_io h1, h2;
	int rc;
};

static int
do_reuse(cadre_actor *self, void *arg)
{
	struct reuse *r = arg;
	CHECK_EQ(pipe(r->p), 0);
	CHECK_EQ(cadre_io_watch(self, r->p[0], CADRE_IO_IN, &r->h1), 0);
	close(r->p[0]);
	close(r->p[1]);
	CHECK_EQ(pipe(r->q), 0);
	r->rc = cadre_io_watch(self, r->q[0], CADRE_IO_IN, &r->h2);
	return r->q[0] == r->p[0];
}

static void
closed_then_number_reused(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	struct reuse r;
	int same = run_in(sys, a, do_reuse, &r);
	CHECK_EQ(r.rc, 0);
	if (same) {
		WAIT_FOR(count_kind(&c, CADRE_IO_CLOSED) == 1);
		struct logged l;
		CHECK(last_kind(&c, CADRE_IO_CLOSED, &l));
		CHECK_EQ(l.status, CADRE_EBADF);
		CHECK_EQ(l.handle.index, r.h1.index);
	} else {
		fprintf(stderr, "   (the fd number was not reused: only the new watch checked)\n");
	}
	CHECK_EQ(write(r.q[1], "x", 1), 1); /* (never read: READY after READY, one per receive) */
	WAIT_FOR(count_kind(&c, CADRE_IO_READY) >= 1);
	struct logged l;
	CHECK(last_kind(&c, CADRE_IO_READY, &l));
	CHECK_EQ(l.fd, r.q[0]);
	CHECK_EQ(l.handle.index, r.h2.index);
	cadre_system_free(sys);
	close(r.q[0]);
	close(r.q[1]);
}

/* The owner makes its fd ready, waits until the READY is queued, and
 * stops: the READY is a counted dead letter, the watch is gone (another
 * actor may watch the fd), and the fds stay open (they are the user's). */
static int
do_watch_ready_stop(cadre_actor *self, void *arg)
{
	struct w *w = arg;
	CHECK_EQ(cadre_io_watch(self, w->fd, CADRE_IO_IN, &w->h), 0);
	CHECK_EQ(write(w->fd + 1, "x", 1), 1); /* (the pipe's write end) */
	nap_ms(200);                           /* the READY is queued behind */
	return cadre_stop(self);
}

static void
owner_stops(void)
{
	int fds0 = open_fds();
	cadre_system *sys = new_sys();
	struct agent_ctx c, c2;
	ctx_init(&c);
	ctx_init(&c2);
	int p[2];
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(p[1], p[0] + 1);
	struct w w = {.fd = p[0]};
	cadre_ref a = agent_spawn(sys, &c);
	uint64_t dl0 = dead_letters(sys);
	CHECK_EQ(run_in(sys, a, do_watch_ready_stop, &w), 0);
	WAIT_FOR(__atomic_load_n(&c.stops, __ATOMIC_ACQUIRE) == 1);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	CHECK_EQ(dead_letters(sys) - dl0, 1);
	CHECK_EQ(count_kind(&c, CADRE_IO_READY), 0);
	CHECK(fcntl(p[0], F_GETFD) >= 0); /* not closed by Cadre */
	cadre_ref a2 = agent_spawn(sys, &c2);
	struct w w2 = {.fd = p[0], .events = CADRE_IO_IN};
	CHECK_EQ(run_in(sys, a2, do_watch, &w2), 0); /* the old watch is gone */
	WAIT_FOR(count_kind(&c2, CADRE_IO_READY) >= 1);
	cadre_system_free(sys);
	close(p[0]);
	close(p[1]);
	CHECK_EQ(open_fds(), fds0); /* the I/O thread's epoll and eventfd too */
}

/* A blocking-pool actor keeps watching and unwatching while the test
 * thread shuts the system down: once closing is set, CADRE_ECLOSED. */
static int
do_until_closed(cadre_actor *self, void *arg)
{
	struct w *w = arg;
	__atomic_store_n(&w->readies, 1, __ATOMIC_RELEASE); /* pairs with the acquire below */
	for (int i = 0; i < 30000; i++) {
		int rc = cadre_io_watch(self, w->fd, CADRE_IO_IN, &w->h);
		if (rc == CADRE_ECLOSED)
			return cadre_io_unwatch(self, w->h) == CADRE_ECLOSED ? rc : -1000;
		CHECK_EQ(rc, 0);
		CHECK_EQ(cadre_io_unwatch(self, w->h), 0);
		nap_ms(1);
	}
	return -1;
}

struct shut {
	cadre_system *sys;
	cadre_ref a;
	struct w *w;
	int rc;
};

static void *
drive(void *arg)
{
	struct shut *s = arg;
	s->rc = run_in(s->sys, s->a, do_until_closed, s->w);
	return NULL;
}

static void
calls_after_shutdown(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	int p[2];
	CHECK_EQ(pipe(p), 0);
	struct w w = {.fd = p[0]};
	cadre_ref a;
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_BLOCKING};
	CHECK_EQ(cadre_spawn(sys, &agent_beh, &o, &c, &a), 0);
	struct shut s = {sys, a, &w, 0};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, drive, &s), 0);
	WAIT_FOR(__atomic_load_n(&w.readies, __ATOMIC_ACQUIRE) == 1);
	nap_ms(20);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	pthread_join(t, NULL);
	CHECK_EQ(s.rc, CADRE_ECLOSED);
	cadre_system_free(sys);
	close(p[0]);
	close(p[1]);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, ready_once_per_receive);
	TEST_CASE_IF(only, bad_input);
	TEST_CASE_IF(only, closed_under_watcher);
	TEST_CASE_IF(only, closed_then_number_reused);
	TEST_CASE_IF(only, owner_stops);
	TEST_CASE_IF(only, calls_after_shutdown);
	return 0;
}
