/* The I/O engine's two pollers (CADRE_IO_POLLER, read when a system is
 * made; core/src/io/engine.c and wpoll.c):
 *   - `thread`: the first I/O call starts one I/O thread;
 *   - `worker`: it starts none, and idle workers wait in epoll_wait.
 * And, on each, no wake-up is lost between a worker parking and either an
 * fd becoming ready or a message arriving from outside: many rounds of
 * "everything idle, then one of the two", each waited for (bounded), with
 * one worker (the poller itself must be woken by the send) and with two.
 * Run one case with: test_io_poller <case>. */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "io_helpers.h"
#include "procfs.h"

enum { M_PLAIN = 2, ROUNDS = 2000 };

struct w {
	int fd;
	cadre_io h;
	long readies; /* READY events (release, read with acquire) */
	long plains;  /* M_PLAIN messages (release, read with acquire) */
};

static int
do_watch(cadre_actor *self, void *arg)
{
	struct w *w = arg;
	return cadre_io_watch(self, w->fd, CADRE_IO_IN, &w->h);
}

/* READY: drain the pipe (so the re-arm waits for the next byte), count. */
static void
hook_drain(cadre_actor *self, struct agent_ctx *c, const cadre_io_event *ev)
{
	(void)self;
	struct w *w = c->user;
	if (ev->kind != CADRE_IO_READY)
		return;
	char b[16];
	CHECK(read(w->fd, b, sizeof b) >= 1);
	__atomic_add_fetch(&w->readies, 1, __ATOMIC_RELEASE); /* pairs with the test's acquire */
}

static cadre_system *
new_sys(const char *poller, unsigned workers)
{
	CHECK_EQ(setenv("CADRE_IO_POLLER", poller, 1), 0);
	cadre_system *sys;
	cadre_config cfg = {.workers = workers};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static int
do_nothing(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	return 0;
}

/* The thread count around the first I/O call: one more with the I/O
 * thread, none with the worker poller. */
static void
thread_count(const char *poller, int more)
{
	int p[2];
	CHECK_EQ(pipe(p), 0);
	cadre_system *sys = new_sys(poller, 2);
	struct agent_ctx c;
	ctx_init(&c);
	struct w w = {.fd = p[0]};
	c.user = &w;
	c.hook = hook_drain;
	cadre_ref a = agent_spawn(sys, &c);
	CHECK_EQ(run_in(sys, a, do_nothing, NULL), 0); /* the workers are up */
	int before = threads_now();
	CHECK_EQ(run_in(sys, a, do_watch, &w), 0); /* the first I/O call */
	CHECK_EQ(threads_now() - before, more);
	CHECK_EQ(write(p[1], "x", 1), 1); /* and it works */
	WAIT_FOR(__atomic_load_n(&w.readies, __ATOMIC_ACQUIRE) == 1);
	cadre_system_free(sys);
	close(p[0]);
	close(p[1]);
}

static void
thread_poller_has_a_thread(void)
{
	thread_count("thread", 1);
}

static void
worker_poller_has_none(void)
{
	thread_count("worker", 0);
}

/* Everything idle, then a byte on the pipe (the poller must see it), or a
 * message from this thread (a parked worker must wake: with one worker it
 * is the one in epoll_wait, which only the eventfd kick wakes). */
static void
wake_rounds(const char *poller, unsigned workers)
{
	int p[2];
	CHECK_EQ(pipe(p), 0);
	cadre_system *sys = new_sys(poller, workers);
	struct agent_ctx c;
	ctx_init(&c);
	struct w w = {.fd = p[0]};
	c.user = &w;
	c.hook = hook_drain;
	cadre_ref a = agent_spawn(sys, &c);
	CHECK_EQ(run_in(sys, a, do_watch, &w), 0);
	for (long i = 1; i <= ROUNDS; i++) {
		if (i % 97 == 0)
			nap_ms(2); /* now and then, long enough for every worker to sleep */
		CHECK_EQ(write(p[1], "x", 1), 1);
		WAIT_FOR(__atomic_load_n(&w.readies, __ATOMIC_ACQUIRE) == i);
		CHECK_EQ(run_in(sys, a, do_nothing, NULL), 0);
	}
	cadre_system_free(sys);
	close(p[0]);
	close(p[1]);
}

static void
wake_thread_1(void)
{
	wake_rounds("thread", 1);
}
static void
wake_thread_2(void)
{
	wake_rounds("thread", 2);
}
static void
wake_worker_1(void)
{
	wake_rounds("worker", 1);
}
static void
wake_worker_2(void)
{
	wake_rounds("worker", 2);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {
	        {"thread_poller_has_a_thread", thread_poller_has_a_thread},
	        {"worker_poller_has_none", worker_poller_has_none},
	        {"wake_thread_1", wake_thread_1},
	        {"wake_thread_2", wake_thread_2},
	        {"wake_worker_1", wake_worker_1},
	        {"wake_worker_2", wake_worker_2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
			continue;
		fprintf(stderr, "-- %s\n", cases[i].name);
		cases[i].fn();
	}
	return 0;
}
