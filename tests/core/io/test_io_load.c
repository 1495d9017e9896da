/* Streams under load and at the end of their owners (cadre/io.h): a slow
 * reader pushes back through TCP without its mailbox growing; an owner
 * that stops with open sockets closes them (no fd leak; its queued mail is
 * counted dead); a system shut down with connections open closes them;
 * 10,000 concurrent connections (the clients in a child process, so that
 * each process needs ~10,000 fds). Run one case with: test_io_load <case>. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "echo.h"

static cadre_system *
new_sys(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 2};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

/* ---- slow reader ------------------------------------------------------------ */
struct slow {
	cadre_system *sys;
	long max_queued; /* DATA messages sent and not yet handled, at most (in the hook) */
	long handled;    /* bytes, release */
};

static void
slow_hook(cadre_actor *self, struct agent_ctx *c, const cadre_io_event *ev)
{
	(void)self;
	struct slow *s = c->user;
	if (ev->kind != CADRE_IO_DATA)
		return;
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(s->sys, -1, &st), 0);
	long q = (long)(st.sent - st.handled);
	if (q > s->max_queued)
		s->max_queued = q;
	nap_ms(1); /* slow */
	__atomic_add_fetch(&s->handled, (long)ev->size, __ATOMIC_RELEASE);
}

struct blast {
	int fd;
	size_t total;
};

static void *
blaster(void *arg)
{
	struct blast *b = arg;
	static char buf[65536];
	for (size_t done = 0; done < b->total; done += sizeof buf)
		write_full(b->fd, buf, sizeof buf);
	return NULL;
}

/* A client writes 8 MiB as fast as TCP lets it to an actor that takes 1 ms
 * per DATA: the actor's mailbox never holds more than a few DATA messages
 * (one read round of 8 at most, at the high-water mark of 64 KiB: without
 * backpressure it would hold ~128), and every byte arrives. */
static void
slow_reader(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	struct slow s = {.sys = sys};
	c.user = &s;
	c.hook = slow_hook;
	cadre_ref a = agent_spawn(sys, &c);
	struct listen_req q = {.addr = "127.0.0.1:0"};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	struct blast b = {client_to(port_of(q.local)), (size_t)8 << 20};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, blaster, &b), 0);
	WAIT_FOR(__atomic_load_n(&s.handled, __ATOMIC_ACQUIRE) == (long)b.total);
	pthread_join(t, NULL);
	CHECK_EQ(cadre_system_await_quiescent(sys, 30000), 0);
	fprintf(stderr, "   at most %ld DATA messages queued\n", s.max_queued);
	CHECK(s.max_queued <= 10);
	close(b.fd);
	cadre_system_free(sys);
}

/* The same with a high-water mark too high to matter (64 MiB) and a
 * bounded mailbox of 4: reading pauses because the owner's mailbox is
 * full (an I/O event is admitted beyond it, by one read round at most). */
static void
slow_reader_bounded(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	struct slow s = {.sys = sys};
	c.user = &s;
	c.hook = slow_hook;
	cadre_ref a;
	cadre_spawn_opts o = {.mailbox_capacity = 4};
	CHECK_EQ(cadre_spawn(sys, &agent_beh, &o, &c, &a), 0);
	struct listen_req q = {.addr = "127.0.0.1:0", .opts = {.read_high_water = 64u << 20}};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	struct blast b = {client_to(port_of(q.local)), (size_t)8 << 20};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, blaster, &b), 0);
	WAIT_FOR(__atomic_load_n(&s.handled, __ATOMIC_ACQUIRE) == (long)b.total);
	pthread_join(t, NULL);
	CHECK_EQ(cadre_system_await_quiescent(sys, 30000), 0);
	fprintf(stderr, "   at most %ld DATA messages queued\n", s.max_queued);
	CHECK(s.max_queued <= 4 + 8 + 1);
	close(b.fd);
	cadre_system_free(sys);
}

/* ---- the owner stops ----------------------------------------------------------- */
static void
stop_hook(cadre_actor *self, struct agent_ctx *c, const cadre_io_event *ev)
{
	if (ev->kind != CADRE_IO_DATA)
		return;
	int *gate = c->user;
	__atomic_store_n(gate, 1, __ATOMIC_RELEASE); /* pairs with the test's acquire */
	nap_ms(300);                                 /* meanwhile more DATA is queued behind */
	CHECK_EQ(cadre_stop(self), 0);
}

/* The owner of a listener and three connections stops while a DATA waits
 * in its mailbox: its four sockets close (fd count back), the DATA is a
 * counted dead letter, the peers read end of file or a reset. */
static void
owner_stops(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c, keep;
	ctx_init(&c);
	ctx_init(&keep);
	int gate = 0;
	c.user = &gate;
	c.hook = stop_hook;
	cadre_ref k = agent_spawn(sys, &keep);
	struct listen_req kq = {.addr = "127.0.0.1:0"}; /* starts the I/O thread */
	CHECK_EQ(run_in(sys, k, do_listen, &kq), 0);
	int fds0 = open_fds();
	cadre_ref a = agent_spawn(sys, &c);
	struct listen_req q = {.addr = "127.0.0.1:0"};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	int cl[3];
	for (int i = 0; i < 3; i++)
		cl[i] = client_to(port_of(q.local));
	WAIT_FOR(count_kind(&c, CADRE_IO_ACCEPTED) == 3);
	CHECK_EQ(open_fds(), fds0 + 1 + 3 + 3);
	uint64_t dl0 = dead_letters(sys);
	write_full(cl[0], "a", 1);
	WAIT_FOR(__atomic_load_n(&gate, __ATOMIC_ACQUIRE) == 1);
	write_full(cl[1], "b", 1); /* queued behind, dead when a stops */
	WAIT_FOR(__atomic_load_n(&c.stops, __ATOMIC_ACQUIRE) == 1);
	WAIT_FOR(dead_letters(sys) - dl0 == 1); /* at its reclamation */
	nap_ms(50);
	CHECK_EQ(dead_letters(sys) - dl0, 1);
	CHECK_EQ(open_fds(), fds0 + 3); /* the clients' ends only */
	for (int i = 0; i < 3; i++) {
		char x;
		CHECK(read(cl[i], &x, 1) <= 0);
		close(cl[i]);
	}
	cadre_system_free(sys);
}

/* The owner is killed (or fails): its listener and connections close all
 * the same, and so do its watches' registrations (the watched pipe stays
 * open: it is the user's). */
static int
do_watch_pipe(cadre_actor *self, void *arg)
{
	cadre_io h;
	return cadre_io_watch(self, *(int *)arg, CADRE_IO_IN, &h);
}

static int
do_fail(cadre_actor *self, void *arg)
{
	(void)arg;
	return cadre_fail(self, 42, "test");
}

static void
owner_killed_or_failed(void)
{
	for (int how = 0; how < 2; how++) {
		cadre_system *sys = new_sys();
		struct agent_ctx c, keep;
		ctx_init(&c);
		ctx_init(&keep);
		cadre_ref k = agent_spawn(sys, &keep);
		struct listen_req kq = {.addr = "127.0.0.1:0"}; /* starts the I/O thread */
		CHECK_EQ(run_in(sys, k, do_listen, &kq), 0);
		int p[2];
		CHECK_EQ(pipe(p), 0);
		int fds0 = open_fds();
		cadre_ref a = agent_spawn(sys, &c);
		struct listen_req q = {.addr = "127.0.0.1:0"};
		CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
		CHECK_EQ(run_in(sys, a, do_watch_pipe, &p[0]), 0);
		int cl[2];
		for (int i = 0; i < 2; i++)
			cl[i] = client_to(port_of(q.local));
		WAIT_FOR(count_kind(&c, CADRE_IO_ACCEPTED) == 2);
		CHECK_EQ(open_fds(), fds0 + 1 + 2 + 2);
		struct cmd fk = {do_fail, NULL, 0, 0};
		struct cmd *kp = &fk;
		if (how == 0)
			CHECK_EQ(cadre_kill(sys, a), 0);
		else
			CHECK_EQ(cadre_send(sys, a, M_CMD, &kp, sizeof kp), 0);
		WAIT_FOR(open_fds() == fds0 + 2); /* the clients' ends only */
		for (int i = 0; i < 2; i++) {
			char x;
			CHECK(read(cl[i], &x, 1) <= 0);
			close(cl[i]);
		}
		cadre_ref b = agent_spawn(sys, &c);
		CHECK_EQ(run_in(sys, b, do_watch_pipe, &p[0]), 0); /* the old watch is gone */
		cadre_system_free(sys);
		close(p[0]);
		close(p[1]);
	}
}

/* ---- shutdown with connections open ------------------------------------------ */
static void
shutdown_open(void)
{
	int fds0 = open_fds();
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	struct echo_stats st = {0};
	cadre_ref a = agent_spawn(sys, &c);
	struct listen_req q = {.addr = "127.0.0.1:0",
	                       .opts = {.conn_beh = &echo_beh, .conn_arg = &st}};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	enum { N = 50 };
	int cl[N];
	for (int i = 0; i < N; i++) {
		cl[i] = client_to(port_of(q.local));
		write_full(cl[i], "x", 1);
		char y;
		CHECK_EQ(read_full(cl[i], &y, 1), 1);
	}
	CHECK_EQ(seen(&st.accepted), N);
	CHECK_EQ(cadre_system_shutdown(sys, 10000), 0);
	CHECK_EQ(seen(&st.stopped), N);
	CHECK_EQ(open_fds(), fds0 + N); /* every socket of the system is closed */
	for (int i = 0; i < N; i++) {
		char y;
		CHECK(read(cl[i], &y, 1) <= 0);
		close(cl[i]);
	}
	cadre_system_free(sys);
	CHECK_EQ(open_fds(), fds0);
}

/* ---- 10,000 connections --------------------------------------------------------- */
enum { NCONN = 10000 };
static int child_fds[NCONN];

/* The child: NCONN connections, one byte each way on each, a byte to the
 * parent, then waits for the parent's byte and exits (closing them all).
 * Only system calls: the child of a threaded process. */
static void
child(int port, int up, int down)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		_exit(2);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		_exit(3);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < NCONN; i++) {
		child_fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (child_fds[i] < 0 || connect(child_fds[i], (struct sockaddr *)&a, sizeof a) != 0)
			_exit(4);
	}
	for (int i = 0; i < NCONN; i++)
		if (write(child_fds[i], "x", 1) != 1)
			_exit(5);
	for (int i = 0; i < NCONN; i++) {
		char y;
		if (read(child_fds[i], &y, 1) != 1 || y != 'x')
			_exit(6);
	}
	char go = 'r';
	if (write(up, &go, 1) != 1 || read(down, &go, 1) != 1)
		_exit(7);
	_exit(0);
}

/* The process's resident memory (bytes) and CPU time (ns): printed, for
 * the record, never asserted (tests assert no timing). */
static long
rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	CHECK(f != NULL);
	CHECK_EQ(fscanf(f, "%ld %ld", &pages, &rss), 2);
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

static uint64_t
cpu_ns(void)
{
	struct rusage ru;
	CHECK_EQ(getrusage(RUSAGE_SELF, &ru), 0);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

static void
ten_thousand(void)
{
	struct rlimit rl;
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < NCONN + 200) {
		fprintf(stderr, "   skipped: RLIMIT_NOFILE's hard limit is %lu, below %d\n",
		        (unsigned long)rl.rlim_max, NCONN + 200);
		return;
	}
	rlim_t old = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
	int fds0 = open_fds();
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	struct echo_stats st = {0};
	cadre_ref a = agent_spawn(sys, &c);
	struct listen_req q = {.addr = "127.0.0.1:0",
	                       .opts = {.backlog = 4096, .conn_beh = &echo_beh, .conn_arg = &st}};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	long rss0 = rss_bytes();
	int up[2], down[2];
	CHECK_EQ(pipe(up), 0);
	CHECK_EQ(pipe(down), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(up[0]); /* (so that a parent that dies gives the child end of file) */
		close(down[1]);
		child(port_of(q.local), up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	char r;
	CHECK_EQ(read(up[0], &r, 1), 1); /* every connection echoed its byte */
	CHECK_EQ(seen(&st.accepted), NCONN);
	CHECK_EQ(seen(&st.bytes), NCONN);
	CHECK(open_fds() >= fds0 + NCONN);
	uint64_t cpu0 = cpu_ns();
	nap_ms(1000); /* idle, 10,000 connections open */
	fprintf(stderr,
	        "   idle with %d connections: %.1f ms of CPU in 1 s; %ld bytes resident a "
	        "connection (its actor and handle)\n",
	        NCONN, (double)(cpu_ns() - cpu0) / 1e6, (rss_bytes() - rss0) / NCONN);
	CHECK_EQ(write(down[1], "g", 1), 1);
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	WAIT_FOR(seen(&st.stopped) == NCONN); /* each saw its peer's close */
	cadre_system_free(sys);
	close(up[0]);
	close(down[1]);
	CHECK_EQ(open_fds(), fds0);
	rl.rlim_cur = old;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* ---- a listener out of fds ---------------------------------------------------- */
#include <dirent.h>

static int
max_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int m = -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (e->d_name[0] != '.' && atoi(e->d_name) > m)
			m = atoi(e->d_name);
	closedir(d);
	return m;
}

/* The process runs out of fds while connections wait to be accepted: the
 * listener pauses (rather than spin on a level-triggered EMFILE) and
 * accepts them once fds are free again. */
static void
accept_out_of_fds(void)
{
	cadre_system *sys = new_sys();
	struct agent_ctx c;
	ctx_init(&c);
	struct echo_stats st = {0};
	cadre_ref a = agent_spawn(sys, &c);
	struct listen_req q = {.addr = "127.0.0.1:0",
	                       .opts = {.conn_beh = &echo_beh, .conn_arg = &st}};
	CHECK_EQ(run_in(sys, a, do_listen, &q), 0);
	enum { N = 3 };
	int cl[N], nfill = 0;
	static int fill[4096];
	for (int i = 0; i < N; i++)
		CHECK((cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	struct rlimit rl, low;
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = (rlim_t)max_fd() + 1;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (int fd; nfill < 4096 && (fd = dup(0)) >= 0;)
		fill[nfill++] = fd; /* the holes below the limit */
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port_of(q.local))};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < N; i++)
		CHECK_EQ(connect(cl[i], (struct sockaddr *)&sa, sizeof sa), 0); /* (the backlog) */
	uint64_t cpu0 = cpu_ns();
	nap_ms(500);
	fprintf(stderr, "   out of fds, %d connections waiting: %.1f ms of CPU in 0.5 s\n", N,
	        (double)(cpu_ns() - cpu0) / 1e6);
	CHECK_EQ(seen(&st.accepted), 0);
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	WAIT_FOR(seen(&st.accepted) == N); /* at the listener's next try */
	for (int i = 0; i < N; i++) {
		write_full(cl[i], "x", 1);
		char y;
		CHECK_EQ(read_full(cl[i], &y, 1), 1);
		close(cl[i]);
	}
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	signal(SIGPIPE, SIG_IGN); /* (the clients' writes) */
	TEST_CASE_IF(only, slow_reader);
	TEST_CASE_IF(only, slow_reader_bounded);
	TEST_CASE_IF(only, owner_stops);
	TEST_CASE_IF(only, owner_killed_or_failed);
	TEST_CASE_IF(only, shutdown_open);
	TEST_CASE_IF(only, ten_thousand);
	TEST_CASE_IF(only, accept_out_of_fds);
	return 0;
}
