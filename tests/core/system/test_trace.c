/* The scheduling trace (cadre/trace.h): a known workload recorded and
 * written, its file checked by tools/trace/check_trace.py (structure, and
 * counts against the system's stats); a ring that wraps keeps exactly its
 * last events, in order; recording toggled under load; bad input; the dump
 * a crashing child process leaves. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cadre.h>

#include "cadre__system.h"
#include "check.h"

#define WAIT_ROUNDS 30000
#include "waits.h"

#ifndef CHECK_TRACE_PY
#error "CHECK_TRACE_PY: the path of tools/trace/check_trace.py"
#endif

enum { M_PING = 1, M_QUIT = 2, M_FAIL = 3, M_TICK = 4 };

/* A pair's player: bounces a counter to its peer until it reaches 0. */
struct player {
	cadre_actor base;
	cadre_ref peer;
	uint32_t ticks;
};

static int
player_start(cadre_actor *self, void *arg)
{
	((struct player *)self)->peer = arg != NULL ? *(cadre_ref *)arg : CADRE_REF_NONE;
	return 0;
}

static int
player_receive(cadre_actor *self, const cadre_msg *m)
{
	struct player *p = (struct player *)self;
	if (m->type == M_QUIT)
		return cadre_stop(self);
	if (m->type == M_FAIL)
		return 42;
	if (m->type == M_TICK) {
		p->ticks++;
		return 0;
	}
	uint32_t n;
	memcpy(&n, m->data, sizeof n);
	if (n == 0)
		return 0;
	n--;
	cadre_ref to = cadre_ref_is_none(p->peer) ? m->sender : p->peer;
	int rc = cadre_send(cadre_actor_system(self), to, M_PING, &n, sizeof n);
	/* The toggle test's pairs bounce until the system is freed, and
	 * shutdown may free one of a pair while the other still runs: its
	 * send then finds no actor (ENOACTOR) or a closed mailbox. The
	 * counted workload checks that no message was dead-lettered. */
	CHECK(rc == 0 || rc == CADRE_ECLOSED || rc == CADRE_ENOACTOR);
	return 0;
}

static const cadre_behaviour player = {
        .size = sizeof(struct player),
        .start = player_start,
        .receive = player_receive,
        .name = "player \"quoted\"",
};

static char trace_path[256];

static int
run_checker(const char *path, const char *expect, bool allow_open)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "python3 %s %s %s%s%s%s", CHECK_TRACE_PY, path,
	         allow_open ? "--allow-open " : "", expect[0] ? "--expect '" : "", expect,
	         expect[0] ? "'" : "");
	fprintf(stderr, "   %s\n", cmd);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* K pairs bounce N messages; three actors end with known reasons; three
 * timers fire. With rings that hold everything, the file's counts are
 * the stats'. */
static void
workload_counts(void)
{
	enum { K = 4, N = 200 };
	cadre_config cfg = {.workers = 2, .trace_events = 1u << 16, .quiet = true};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK(cadre_is_tracing(sys));
	cadre_ref a[K], b[K];
	for (int i = 0; i < K; i++) {
		CHECK_EQ(cadre_spawn(sys, &player, NULL, NULL, &a[i]), 0);
		CHECK_EQ(cadre_spawn(sys, &player, NULL, &a[i], &b[i]), 0);
	}
	for (int i = 0; i < K; i++) {
		uint32_t n = N;
		CHECK_EQ(cadre_send(sys, b[i], M_PING, &n, sizeof n), 0);
	}
	cadre_ref q[3];
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre_spawn(sys, &player, NULL, NULL, &q[i]), 0);
	CHECK_EQ(cadre_send(sys, q[0], M_QUIT, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, q[1], M_FAIL, NULL, 0), 0);
	CHECK_EQ(cadre_stop_ref(sys, q[2]), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(cadre_send_after(sys, a[0], M_TICK, NULL, 0, 1 + i, NULL), 0);
	nap_ms(50); /* the timers are due */
	CHECK_EQ(cadre_system_await_quiescent(sys, 30000), 0);
	CHECK_EQ(cadre_trace_stop(sys), 0);
	CHECK(!cadre_is_tracing(sys));
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.dead_letters, 0);
	CHECK_EQ(cadre_trace_write(sys, trace_path), 0);
	char expect[512];
	snprintf(expect, sizeof expect,
	         "runs=%llu,sent=%llu,received=%llu,spawns=%llu,exits=3,timers=3,"
	         "exit:normal=1,exit:failure(42)=1,exit:shutdown=1",
	         (unsigned long long)st.batches, (unsigned long long)st.sent,
	         (unsigned long long)st.handled, (unsigned long long)st.spawned);
	CHECK_EQ(run_checker(trace_path, expect, false), 0);
	cadre_system_free(sys);
}

/* An I/O event (a signal as a message, io/signals.c): an "io" mark and an
 * arrow from the thread that delivered it to the subscriber's run. */
static uint32_t io_subscribed, io_got; /* atomics */

static int
listener_start(cadre_actor *self, void *arg)
{
	(void)arg;
	CHECK_EQ(cadre_signal_subscribe(self, SIGUSR2), 0);
	__atomic_store_n(&io_subscribed, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
listener_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	if (m->type == CADRE_MSG_IO)
		__atomic_fetch_add(&io_got, 1, __ATOMIC_ACQ_REL);
	return 0;
}

static const cadre_behaviour listener = {
        .size = sizeof(cadre_actor),
        .start = listener_start,
        .receive = listener_receive,
        .name = "listener",
};

static void
io_event(void)
{
	cadre_config cfg = {.workers = 2, .trace_events = 4096, .quiet = true};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref l;
	CHECK_EQ(cadre_spawn(sys, &listener, NULL, NULL, &l), 0);
	WAIT_FOR(__atomic_load_n(&io_subscribed, __ATOMIC_ACQUIRE));
	CHECK_EQ(raise(SIGUSR2), 0);
	WAIT_FOR(__atomic_load_n(&io_got, __ATOMIC_ACQUIRE) == 1);
	CHECK_EQ(cadre_system_await_quiescent(sys, 30000), 0);
	CHECK_EQ(cadre_trace_stop(sys), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(cadre_trace_write(sys, trace_path), 0);
	char expect[256];
	snprintf(expect, sizeof expect, "io=1,sent=%llu,received=%llu,runs=%llu",
	         (unsigned long long)st.sent, (unsigned long long)st.handled,
	         (unsigned long long)st.batches);
	CHECK_EQ(run_checker(trace_path, expect, false), 0);
	cadre_system_free(sys);
}

/* A ring of 8 keeps exactly its last 8 events, in order. */
struct collect {
	uint64_t payload[64];
	unsigned n;
};

static void
collect_one(void *ctx, const struct cadre__tslot *ev)
{
	struct collect *c = ctx;
	c->payload[c->n++] = ev->arg & CADRE__TEV_PAYLOAD;
	CHECK_EQ(ev->arg >> 56, CADRE__TEV_STEAL);
}

static void
ring_wraps(void)
{
	struct cadre__tslot slots[8];
	memset(slots, 0, sizeof slots);
	struct cadre__tring r = {.mask = 7, .slots = slots};
	for (unsigned i = 0; i < 20; i++)
		cadre__trace_put(NULL, &r, CADRE__TEV_STEAL, 0, i);
	struct collect c = {.n = 0};
	cadre__trace_each(&r, collect_one, &c);
	CHECK_EQ(c.n, 8);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(c.payload[i], 12 + i);
	/* Fewer than a ring's worth: all of them. */
	struct cadre__tring r2 = {.mask = 7, .slots = slots};
	memset(slots, 0, sizeof slots);
	for (unsigned i = 0; i < 3; i++)
		cadre__trace_put(NULL, &r2, CADRE__TEV_STEAL, 0, i);
	c.n = 0;
	cadre__trace_each(&r2, collect_one, &c);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.payload[2], 2);
}

/* Small rings under a long workload: they wrap; the file still checks
 * (an end whose begin was overwritten is left out). */
static void
small_rings(void)
{
	cadre_config cfg = {.workers = 2, .trace_events = 64, .quiet = true};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref a, b;
	CHECK_EQ(cadre_spawn(sys, &player, NULL, NULL, &a), 0);
	CHECK_EQ(cadre_spawn(sys, &player, NULL, &a, &b), 0);
	uint32_t n = 5000;
	CHECK_EQ(cadre_send(sys, b, M_PING, &n, sizeof n), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, 30000), 0);
	CHECK_EQ(cadre_trace_write(sys, trace_path), 0);
	CHECK_EQ(run_checker(trace_path, "", true), 0);
	cadre_system_free(sys);
}

/* Recording started, stopped and written from another thread while pairs
 * bounce messages (TSan / ASan: no race, no use after free). */
struct toggler {
	cadre_system *sys;
	uint32_t done;
};

static void *
toggle_main(void *arg)
{
	struct toggler *t = arg;
	for (int i = 0; i < 40; i++) {
		CHECK_EQ(cadre_trace_start(t->sys, 256), 0);
		nap_ms(1);
		CHECK_EQ(cadre_trace_write(t->sys, trace_path), 0);
		CHECK_EQ(cadre_trace_stop(t->sys), 0);
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
toggle_under_load(void)
{
	cadre_config cfg = {.workers = 2, .quiet = true};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK(!cadre_is_tracing(sys));
	CHECK_EQ(cadre_trace_write(sys, trace_path), CADRE_ESTATE); /* nothing recorded yet */
	enum { K = 4 };
	cadre_ref a[K], b[K]; /* (start reads its arg later, on a worker) */
	for (int i = 0; i < K; i++) {
		CHECK_EQ(cadre_spawn(sys, &player, NULL, NULL, &a[i]), 0);
		CHECK_EQ(cadre_spawn(sys, &player, NULL, &a[i], &b[i]), 0);
		uint32_t n = 1u << 30; /* bounces until shutdown */
		CHECK_EQ(cadre_send(sys, b[i], M_PING, &n, sizeof n), 0);
	}
	struct toggler t = {.sys = sys};
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, toggle_main, &t), 0);
	while (!__atomic_load_n(&t.done, __ATOMIC_ACQUIRE)) {
		/* outside sends race with the toggles too (the shared ring) */
		uint32_t zero = 0;
		cadre_ref x;
		CHECK_EQ(cadre_spawn(sys, &player, NULL, NULL, &x), 0);
		CHECK_EQ(cadre_send(sys, x, M_PING, &zero, sizeof zero), 0);
		CHECK_EQ(cadre_stop_ref(sys, x), 0);
		nap_ms(1);
	}
	pthread_join(th, NULL);
	CHECK_EQ(run_checker(trace_path, "", true), 0);
	cadre_system_free(sys);
}

static void
bad_input(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 1, .quiet = true};
	CHECK_EQ(cadre_trace_start(NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_trace_stop(NULL), CADRE_EINVAL);
	CHECK(!cadre_is_tracing(NULL));
	CHECK_EQ(cadre_trace_write(NULL, trace_path), CADRE_EINVAL);
	CHECK_EQ(cadre_trace_write_fd(NULL, 2), CADRE_EINVAL);
	cfg.trace_events = CADRE_TRACE_MAX_EVENTS + 1;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	cfg.trace_events = 0;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_trace_stop(sys), CADRE_ESTATE); /* not recording */
	CHECK_EQ(cadre_trace_write(sys, trace_path), CADRE_ESTATE);
	CHECK_EQ(cadre_trace_write_fd(sys, 2), CADRE_ESTATE);
	CHECK_EQ(cadre_trace_start(sys, CADRE_TRACE_MAX_EVENTS + 1), CADRE_EINVAL);
	CHECK_EQ(cadre_trace_start(sys, 0), 0);
	CHECK_EQ(cadre_trace_start(sys, 16), CADRE_EBUSY); /* twice */
	CHECK_EQ(cadre_trace_write(sys, NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_trace_write(sys, "/nonexistent-dir/trace.json"), CADRE_ESYS);
	CHECK_EQ(cadre_trace_write_fd(sys, -1), CADRE_EBADF);
	int fds[2];
	CHECK_EQ(pipe(fds), 0);
	CHECK_EQ(cadre_trace_write_fd(sys, fds[0]), CADRE_EBADF); /* the read end */
	close(fds[0]);
	close(fds[1]);
	CHECK_EQ(cadre_trace_stop(sys), 0);
	CHECK_EQ(cadre_trace_stop(sys), CADRE_ESTATE);   /* stop when off */
	CHECK_EQ(cadre_trace_write(sys, trace_path), 0); /* what was recorded */
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(cadre_trace_start(sys, 0), CADRE_ECLOSED);
	CHECK_EQ(cadre_trace_write(sys, trace_path), 0); /* still readable */
	cadre_system_free(sys);
}

/* A child process records, then dies of a SIGSEGV on purpose: the file at
 * trace_dump_path holds its trace. */
static void
dump_after_crash(void)
{
	char dump[300];
	snprintf(dump, sizeof dump, "%s.crash", trace_path);
	unlink(dump);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		cadre_config cfg = {
		        .workers = 2, .trace_events = 4096, .trace_dump_path = dump, .quiet = true};
		cadre_system *sys;
		if (cadre_system_new(&sys, &cfg) != 0)
			_exit(3);
		cadre_ref a, b;
		cadre_spawn(sys, &player, NULL, NULL, &a);
		cadre_spawn(sys, &player, NULL, &a, &b);
		uint32_t n = 1000;
		cadre_send(sys, b, M_PING, &n, sizeof n);
		cadre_system_await_quiescent(sys, 30000);
		/* The crash: a store to an unmapped page (not NULL: UBSan would
		 * stop the process before the store). */
		volatile uintptr_t where = 16;
		*(volatile int *)where = 1;
		_exit(4);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	/* Killed by its SIGSEGV (a sanitizer's own handler, restored and run
	 * again by the dump's, may report it and exit with an error instead,
	 * or abort: ASAN_OPTIONS=abort_on_error=1 in the asan-ubsan preset). */
	CHECK((WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGABRT)) ||
	      (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 3 &&
	       WEXITSTATUS(st) != 4));
	CHECK_EQ(run_checker(dump, "", true), 0);
	/* It recorded the 1001 messages the pair handled. */
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
	         "python3 %s %s --allow-open | python3 -c 'import json,sys; "
	         "c=json.load(sys.stdin); sys.exit(0 if c[\"received\"]==1001 else 1)'",
	         CHECK_TRACE_PY, dump);
	CHECK_EQ(system(cmd), 0);
	unlink(dump);
}

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	snprintf(trace_path, sizeof trace_path, "/tmp/cadre-test-trace-%d.json", (int)getpid());
	TEST_CASE(ring_wraps);
	TEST_CASE(bad_input);
	TEST_CASE(dump_after_crash);
	TEST_CASE(workload_counts);
	TEST_CASE(io_event);
	TEST_CASE(small_rings);
	TEST_CASE(toggle_under_load);
	unlink(trace_path);
	return 0;
}
