/* The observe endpoint (cadre_config.observe_path): a client connects to
 * the Unix socket, asks for snapshots and parses the JSON line it gets;
 * garbage, long lines, slow and many clients never hurt the system; bad
 * paths fail cadre_system_new with a clear code; the socket file is
 * replaced when stale and removed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cadre.h>

#include "check.h"
#define WAIT_ROUNDS 20000
#include "waits.h"

static char path[108];

/* ---- a small JSON checker: the whole text is one value ---------------------- */
static const char *value(const char *p, int depth);

static const char *
ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static const char *
string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0')
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || *p == '\0') {
				return NULL;
			}
		}
	}
	return p + 1;
}

static const char *
items(const char *p, char close, bool keyed, int depth)
{
	p = ws(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keyed) {
			if ((p = string(ws(p))) == NULL)
				return NULL;
			p = ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if ((p = value(p, depth + 1)) == NULL)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
value(const char *p, int depth)
{
	if (depth > 32)
		return NULL;
	p = ws(p);
	if (*p == '{')
		return items(p + 1, '}', true, depth);
	if (*p == '[')
		return items(p + 1, ']', false, depth);
	if (*p == '"')
		return string(p);
	if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	const char *q = p + (*p == '-');
	if (*q < '0' || *q > '9')
		return NULL;
	while (*q >= '0' && *q <= '9')
		q++;
	return q;
}

static bool
json_ok(const char *s)
{
	const char *end = value(s, 0);
	return end != NULL && *ws(end) == '\0';
}

static long
count(const char *s, const char *what)
{
	long n = 0;
	for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

/* Whether s holds want; says which is missing if not. */
static bool
has(const char *s, const char *want)
{
	if (strstr(s, want) != NULL)
		return true;
	fprintf(stderr, "no %s in %s\n", want, s);
	return false;
}

/* ---- a client --------------------------------------------------------------- */
static int
dial(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	CHECK_EQ(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static void
say(int fd, const char *s)
{
	CHECK_EQ(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* One line (without its "\n"), malloc'd; NULL at end of file. */
static char *
hear(int fd)
{
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	CHECK(buf != NULL);
	for (;;) {
		struct pollfd pf = {fd, POLLIN, 0};
		CHECK_EQ(poll(&pf, 1, 20000), 1);
		if (n + 1 == cap)
			CHECK((buf = realloc(buf, cap *= 2)) != NULL);
		ssize_t r = read(fd, buf + n, 1);
		if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			free(buf);
			return NULL;
		}
		CHECK_EQ(r, 1);
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return buf;
		}
		n++;
	}
}

static char *
ask(int fd, const char *req)
{
	say(fd, req);
	char *line = hear(fd);
	CHECK(line != NULL);
	return line;
}

/* ---- actors the snapshot shows --------------------------------------------------- */
static int
counter_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)self, (void)msg;
	return 0;
}

static const cadre_behaviour counter_beh = {
        .size = sizeof(cadre_actor), .receive = counter_receive, .name = "count\"er"};

/* An actor whose first message holds it until released: its mailbox fills. */
static int held, released;

static int
holder_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)self, (void)msg;
	__atomic_store_n(&held, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		sched_yield();
	return 0;
}

static const cadre_behaviour holder_beh = {
        .size = sizeof(cadre_actor), .receive = holder_receive, .name = "holder"};

static cadre_system *
start(void)
{
	cadre_config cfg = {.workers = 2, .observe_path = path, .quiet = true};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

static void
test_snapshot(void)
{
	cadre_system *sys = start();
	CHECK(cadre_system_has_actor_stats(sys));
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &counter_beh, NULL, NULL, &r), 0);
	CHECK_EQ(cadre_register(sys, "ticker", r), 0);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(cadre_send(sys, r, 1, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	int fd = dial();
	char *s = ask(fd, "snapshot\n");
	CHECK(json_ok(s));
	CHECK(strncmp(s, "{\"cadre\":1,\"pid\":", 17) == 0);
	const char *keys[] = {"\"now_ns\":",          "\"uptime_ns\":",    "\"system\":{\"sent\":",
	                      "\"actors_alive\":",    "\"workers\":[",     "\"busy_ns\":",
	                      "\"actor_stats\":true", "\"actors_total\":", "\"actors\":["};
	const char *at = s;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *k = strstr(at, keys[i]);
		if (k == NULL)
			fprintf(stderr, "missing or out of order: %s in %s\n", keys[i], s);
		CHECK(k != NULL);
		at = k;
	}
	CHECK_EQ(count(s, "{\"index\":"), 2);
	char want[160];
	snprintf(want, sizeof want,
	         "{\"ref\":\"<%u.%u.%u>\",\"behaviour\":\"count\\\"er\",\"name\":\"ticker\","
	         "\"state\":\"idle\",\"mailbox\":0,\"handled\":100,",
	         r.sys, r.index, r.gen);
	CHECK(has(s, want));
	/* the listener and this connection are actors too */
	CHECK(strstr(s, "\"behaviour\":\"cadre.observe\"") != NULL);
	free(s);
	/* a limit; the connection stays open for many requests */
	for (int i = 0; i < 50; i++)
		CHECK_EQ(cadre_spawn(sys, &counter_beh, NULL, NULL, &r), 0);
	s = ask(fd, "snapshot 3\n");
	CHECK(json_ok(s));
	CHECK(strstr(s, "\"actors_total\":53,") != NULL);
	CHECK(count(s, "{\"ref\":") >= 1 && count(s, "{\"ref\":") <= 3);
	free(s);
	/* the top by mailbox is kept: a held actor with 500 queued */
	cadre_ref h;
	CHECK_EQ(cadre_spawn(sys, &holder_beh, NULL, NULL, &h), 0);
	CHECK_EQ(cadre_send(sys, h, 1, NULL, 0), 0);
	WAIT_FOR(__atomic_load_n(&held, __ATOMIC_ACQUIRE));
	for (int i = 0; i < 500; i++)
		CHECK_EQ(cadre_send(sys, h, 1, NULL, 0), 0);
	s = ask(fd, "snapshot 3\n");
	CHECK(json_ok(s));
	snprintf(want, sizeof want,
	         "{\"ref\":\"<%u.%u.%u>\",\"behaviour\":\"holder\",\"name\":null,"
	         "\"state\":\"running\",\"mailbox\":500,",
	         h.sys, h.index, h.gen);
	CHECK(has(s, want));
	free(s);
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	s = ask(fd, "snapshot 1\r\n"); /* a CRLF client */
	CHECK(json_ok(s) && count(s, "{\"ref\":") == 1);
	free(s);
	s = ask(fd, "snapshot 0\n");
	CHECK(json_ok(s) && count(s, "{\"ref\":") == 0);
	free(s);
	close(fd);
	cadre_system_free(sys);
	CHECK(access(path, F_OK) != 0); /* removed */
}

static void
test_garbage(void)
{
	cadre_system *sys = start();
	int fd = dial();
	const char *bad[] = {"hello\n",       "\n",         "snapshot x\n",   "snapshot \n",
	                     "snapshot -1\n", "SNAPSHOT\n", "snapshot 1 2\n", "\x01\x02\xff\n",
	                     "{}\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *s = ask(fd, bad[i]);
		CHECK(strcmp(s, "{\"error\":\"unknown request\"}") == 0);
		free(s);
	}
	char nul[] = "snap\0shot\n";
	CHECK_EQ(write(fd, nul, sizeof nul - 1), (ssize_t)(sizeof nul - 1));
	char *s = hear(fd);
	CHECK(s != NULL && strstr(s, "error") != NULL);
	free(s);
	s = ask(fd, "snapshot 99999999999999999999\n"); /* capped, not wrapped */
	CHECK(json_ok(s));
	free(s);
	/* a line of 256 bytes is served; 257 closes the connection */
	char line[300];
	memset(line, 'x', 256);
	strcpy(line + 256, "\n");
	s = ask(fd, line);
	CHECK(strstr(s, "unknown request") != NULL);
	free(s);
	memset(line, 'x', 257);
	line[257] = '\0';
	say(fd, line);
	CHECK(hear(fd) == NULL); /* closed */
	close(fd);
	/* the system is unhurt: a new client is served */
	fd = dial();
	s = ask(fd, "snapshot\n");
	CHECK(json_ok(s));
	free(s);
	close(fd);
	cadre_system_free(sys);
}

static int
dial_ok(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	return connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? fd : (close(fd), -1);
}

static void
test_many_and_slow(void)
{
	cadre_system *sys = start();
	enum { N = 100 };
	int fds[N];
	for (int i = 0; i < N; i++) {
		CHECK((fds[i] = dial_ok()) >= 0);
		say(fds[i], i % 2 ? "snap" : "s"); /* slow: a line begun, never ended */
	}
	/* a client that never reads, asking again and again */
	int greedy = dial();
	for (int i = 0; i < 200; i++)
		if (write(greedy, "snapshot 100000\n", 16) != 16)
			break;
	/* the system goes on: messages handled, a fresh client served */
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &counter_beh, NULL, NULL, &r), 0);
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(cadre_send(sys, r, 1, NULL, 0), 0);
	int fd = dial();
	char *s = ask(fd, "snapshot\n");
	CHECK(json_ok(s));
	CHECK(count(s, "\"cadre.observe.conn\"") >= N);
	free(s);
	CHECK_EQ(cadre_system_await_quiescent(sys, 10000), 0);
	cadre_actor_info in;
	CHECK_EQ(cadre_actor_stats(sys, r, &in), 0);
	CHECK_EQ(in.handled, 1000);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	close(greedy);
	close(fd);
	cadre_system_free(sys);
}

static void
test_bad_paths(void)
{
	cadre_system *sys;
	cadre_config cfg = {.workers = 1, .quiet = true};
	cfg.observe_path = "";
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	char lng[200];
	memset(lng, 'a', sizeof lng - 1);
	lng[0] = '/';
	lng[sizeof lng - 1] = '\0';
	cfg.observe_path = lng;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EINVAL);
	cfg.observe_path = "/nonexistent-dir-of-cadre/x.sock";
	int rc = cadre_system_new(&sys, &cfg);
	if (rc != CADRE_EADDR)
		fprintf(stderr, "rc %s\n", cadre_err_name(rc));
	CHECK(rc == CADRE_EADDR); /* the address does not resolve: no such directory */
	/* a regular file is not ours to remove */
	int f = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(f >= 0);
	close(f);
	cfg.observe_path = path;
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EADDRINUSE);
	CHECK_EQ(unlink(path), 0);
	/* a live endpoint is in use; a stale socket file is replaced */
	cadre_system *first = start();
	CHECK_EQ(cadre_system_new(&sys, &cfg), CADRE_EADDRINUSE);
	cadre_system_free(first);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	CHECK_EQ(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	close(s); /* the file stays: stale */
	CHECK_EQ(access(path, F_OK), 0);
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	int fd = dial();
	char *line = ask(fd, "snapshot\n");
	CHECK(json_ok(line));
	free(line);
	close(fd);
	cadre_system_free(sys);
	CHECK(access(path, F_OK) != 0);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	snprintf(path, sizeof path, "/tmp/cadre-observe-%ld.sock", (long)getpid());
	unlink(path);
	TEST_CASE_IF(only, test_snapshot);
	TEST_CASE_IF(only, test_garbage);
	TEST_CASE_IF(only, test_many_and_slow);
	TEST_CASE_IF(only, test_bad_paths);
	unlink(path);
	return 0;
}
