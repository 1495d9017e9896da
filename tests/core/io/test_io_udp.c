/* Datagrams (cadre/io.h: cadre_udp_open, cadre_udp_send): UDP between two
 * actors, with the source address; unixgram to a bound path from an
 * unnamed socket (the path is unlinked at close); bad input. Run one case
 * with: test_io_udp <case>. */
#include "io_helpers.h"

struct udp {
	const char *addr;
	cadre_io h;
	char local[108];
	const char *to, *msg;
	int rc[8];
};

static int
do_open(cadre_actor *self, void *arg)
{
	struct udp *u = arg;
	int rc = cadre_udp_open(self, u->addr, &u->h);
	if (rc == 0)
		CHECK_EQ(cadre_io_local_addr(cadre_actor_system(self), u->h, u->local,
		                             sizeof u->local),
		         0);
	return rc;
}

static int
do_send(cadre_actor *self, void *arg)
{
	struct udp *u = arg;
	return cadre_udp_send(self, u->h, u->to, u->msg, strlen(u->msg));
}

static int
do_close(cadre_actor *self, void *arg)
{
	return cadre_io_close(self, ((struct udp *)arg)->h);
}

static void
pair(const char *addr_a, const char *addr_b, const char *path)
{
	int fds0 = open_fds();
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, NULL), 0);
	struct agent_ctx ca, cb;
	ctx_init(&ca);
	ctx_init(&cb);
	cadre_ref a = agent_spawn(sys, &ca), b = agent_spawn(sys, &cb);
	struct udp ua = {.addr = addr_a}, ub = {.addr = addr_b};
	CHECK_EQ(run_in(sys, a, do_open, &ua), 0);
	CHECK_EQ(run_in(sys, b, do_open, &ub), 0);
	ua.to = ub.local;
	for (int i = 0; i < 10; i++) {
		ua.msg = i % 2 ? "odd" : "even!";
		CHECK_EQ(run_in(sys, a, do_send, &ua), 0);
	}
	WAIT_FOR(count_kind(&cb, CADRE_IO_DATAGRAM) == 10); /* (loopback: none lost) */
	struct logged e;
	CHECK(last_kind(&cb, CADRE_IO_DATAGRAM, &e));
	CHECK_EQ(e.size, 3);
	CHECK_EQ(e.handle.index, ub.h.index);
	CHECK(strcmp(e.addr, ua.local) == 0); /* the source ("unixgram:@...": autobound) */
	/* ... to which b can answer. */
	ub.to = e.addr;
	ub.msg = "reply";
	CHECK_EQ(run_in(sys, b, do_send, &ub), 0);
	WAIT_FOR(count_kind(&ca, CADRE_IO_DATAGRAM) == 1);
	pthread_mutex_lock(&cb.mu);
	CHECK_EQ(cb.bytes, 0); /* (DATA only) */
	pthread_mutex_unlock(&cb.mu);
	CHECK_EQ(run_in(sys, b, do_close, &ub), 0);
	if (path != NULL)
		CHECK(access(path, F_OK) != 0);
	cadre_system_free(sys);
	CHECK_EQ(open_fds(), fds0);
}

static void
udp(void)
{
	pair("127.0.0.1:0", "127.0.0.1:0", NULL);
}

static void
unixgram(void)
{
	char path[96], addr[108];
	snprintf(path, sizeof path, "/tmp/cadre-io-udp-%d.sock", (int)getpid());
	snprintf(addr, sizeof addr, "unixgram:%s", path);
	unlink(path);
	pair("unixgram:", addr, path);
}

static int
do_bad(cadre_actor *self, void *arg)
{
	struct udp *u = arg;
	cadre_io h;
	u->rc[0] = cadre_udp_open(self, "unix:/tmp/x", &h);       /* a stream address */
	u->rc[1] = cadre_udp_open(self, "nohost.example:53", &h); /* names: connect only */
	u->rc[2] = cadre_udp_open(self, u->local, &h);            /* in use */
	u->rc[3] = cadre_udp_send(self, u->h, "bad", "x", 1);
	u->rc[4] = cadre_udp_send(self, u->h, "unixgram:/tmp/x", "x", 1); /* another family */
	u->rc[5] = cadre_udp_send(self, u->h, NULL, "x", 1);
	u->rc[6] = cadre_udp_send(self, u->h, "127.0.0.1:9", NULL, 1);
	static char big[70000];
	u->rc[7] = cadre_udp_send(self, u->h, "127.0.0.1:9", big, sizeof big);
	return 0;
}

static void
bad_input(void)
{
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, NULL), 0);
	struct agent_ctx c;
	ctx_init(&c);
	cadre_ref a = agent_spawn(sys, &c);
	struct udp u = {.addr = "127.0.0.1:0"};
	CHECK_EQ(run_in(sys, a, do_open, &u), 0);
	CHECK_EQ(run_in(sys, a, do_bad, &u), 0);
	CHECK_EQ(u.rc[0], CADRE_EADDR);
	CHECK_EQ(u.rc[1], CADRE_EADDR);
	CHECK_EQ(u.rc[2], CADRE_EADDRINUSE);
	CHECK_EQ(u.rc[3], CADRE_EADDR);
	CHECK_EQ(u.rc[4], CADRE_EADDR);
	CHECK_EQ(u.rc[5], CADRE_EINVAL);
	CHECK_EQ(u.rc[6], CADRE_EINVAL);
	CHECK_EQ(u.rc[7], CADRE_ETOOBIG);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, udp);
	TEST_CASE_IF(only, unixgram);
	TEST_CASE_IF(only, bad_input);
	return 0;
}
