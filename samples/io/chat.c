/* A chat server: every connection is an actor (a "member"), one "room"
 * actor knows them all, and a line a member says goes to every member.
 *
 *   client --line--> member --SAY--> room --LINE--> every member --> its client
 *
 * The room never touches a socket: it only sends messages. Each member owns
 * its connection and writes what the room sends it. A member joins when its
 * connection is accepted (JOIN), is welcomed by name, and leaves when its
 * client sends "/quit" or goes away (LEAVE, sent from its stop callback, so
 * that it leaves however it stops). A member more than a write queue (1 MiB)
 * behind is disconnected: one slow client cannot hold the room back.
 *
 * Self-test (no arguments): the server on port 0 and four plain blocking
 * clients in main. They join one by one (each sees the later ones join),
 * each says two lines (every client must get all eight lines once, each
 * member's two in order), one quits (the others see it leave), the rest
 * hang up, and the room must end empty. With --port P [--workers W] it
 * serves until SIGINT or SIGTERM (try it with nc 127.0.0.1 P). */
#include "io_common.h"

enum { JOIN = 1, WELCOME, SAY, LINE, LEAVE };

#define LINE_MAX_ 1024

/* ---- the room ------------------------------------------------------------------------ */
struct member_rec {
	cadre_ref ref;
	int id;
};

struct room {
	cadre_actor base;
	struct member_rec *m;
	int n, cap, next_id;
};

static atomic_int room_members; /* published for main's checks */

/* Sends text to every member but `except` (-1: to all). */
static void
broadcast(struct room *r, const char *text, size_t n, int except)
{
	cadre_system *sys = cadre_actor_system(&r->base);
	for (int i = 0; i < r->n; i++)
		if (r->m[i].id != except)
			cadre_send(sys, r->m[i].ref, LINE, text,
			           n); /* a member gone: a dead letter */
}

static int
find(const struct room *r, cadre_ref who)
{
	for (int i = 0; i < r->n; i++)
		if (cadre_ref_is_equal(r->m[i].ref, who))
			return i;
	return -1;
}

static int
room_receive(cadre_actor *self, const cadre_msg *m)
{
	struct room *r = (struct room *)self;
	char text[LINE_MAX_ + 64];
	int i = find(r, m->sender), n;
	switch (m->type) {
	case JOIN:
		if (i >= 0)
			return 0;
		if (r->n == r->cap) {
			int cap = r->cap ? r->cap * 2 : 16;
			struct member_rec *p = realloc(r->m, (size_t)cap * sizeof *p);
			if (!p)
				return CADRE_ENOMEM;
			r->m = p;
			r->cap = cap;
		}
		r->m[r->n] = (struct member_rec){m->sender, r->next_id++};
		n = snprintf(text, sizeof text, "* user%d joined\n", r->m[r->n].id);
		broadcast(r, text, (size_t)n, -1); /* the others: the new one is not in yet */
		r->n++;
		atomic_store(&room_members, r->n);
		return cadre_send(cadre_actor_system(self), m->sender, WELCOME, &r->m[r->n - 1].id,
		                  sizeof(int));
	case SAY:
		if (i < 0)
			return 0;
		n = snprintf(text, sizeof text, "user%d: %.*s\n", r->m[i].id, (int)m->size,
		             (const char *)m->data);
		broadcast(r, text, (size_t)n, -1);
		return 0;
	case LEAVE:
		if (i < 0)
			return 0;
		int id = r->m[i].id;
		r->m[i] = r->m[--r->n];
		atomic_store(&room_members, r->n);
		n = snprintf(text, sizeof text, "* user%d left\n", id);
		broadcast(r, text, (size_t)n, -1);
		return 0;
	default:
		return 0;
	}
}

static void
room_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	free(((struct room *)self)->m);
}

static const cadre_behaviour room = {
        .size = sizeof(struct room), .receive = room_receive, .stop = room_stop, .name = "room"};

/* ---- a member: one connection --------------------------------------------------------- */
struct member {
	cadre_actor base;
	cadre_ref room;
	cadre_io h;
	bool joined;
	size_t len;
	char line[LINE_MAX_]; /* an unfinished line */
};

static int
member_start(cadre_actor *self, void *arg)
{
	struct member *mb = (struct member *)self;
	mb->room = *(const cadre_ref *)arg; /* the listener's conn_arg */
	return 0;
}

/* One line from the client (without its '\n'). */
static int
member_line(struct member *mb, const char *s, size_t n)
{
	cadre_actor *self = &mb->base;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n == 5 && memcmp(s, "/quit", 5) == 0) {
		cadre_io_write(self, mb->h, "* bye\n", 6);
		cadre_io_shutdown_write(self,
		                        mb->h); /* FIN after the bye; stop on the client's EOF */
		mb->len = SIZE_MAX;             /* ignore what follows */
		return 0;
	}
	return cadre_send(cadre_actor_system(self), mb->room, SAY, s, n);
}

static int
member_data(struct member *mb, const char *p, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0 && mb->len != SIZE_MAX; i++) {
		if (p[i] == '\n') {
			rc = member_line(mb, mb->line, mb->len);
			if (mb->len != SIZE_MAX)
				mb->len = 0;
		} else if (mb->len < sizeof mb->line) {
			mb->line[mb->len++] = p[i]; /* a longer line is cut */
		}
	}
	return rc;
}

static int
member_receive(cadre_actor *self, const cadre_msg *m)
{
	struct member *mb = (struct member *)self;
	char hello[64];
	int n;
	switch (m->type) {
	case WELCOME:
		n = snprintf(hello, sizeof hello, "* welcome user%d\n", *(const int *)m->data);
		return cadre_io_write(self, mb->h, hello, (size_t)n) == 0 ? 0 : cadre_stop(self);
	case LINE: /* from the room: to our client, or out if it is too slow */
		return cadre_io_write(self, mb->h, m->data, m->size) == 0 ? 0 : cadre_stop(self);
	case CADRE_MSG_IO:
		break;
	default:
		return 0;
	}
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) != 0)
		return 0;
	switch (ev.kind) {
	case CADRE_IO_ACCEPTED:
		mb->h = ev.conn;
		mb->joined = true;
		return cadre_send(cadre_actor_system(self), mb->room, JOIN, NULL, 0);
	case CADRE_IO_DATA:
		return member_data(mb, ev.data, ev.size);
	case CADRE_IO_PEER_CLOSED:
	case CADRE_IO_CLOSED:
		return cadre_stop(self); /* closes the connection; stop says LEAVE */
	default:
		return 0;
	}
}

static void
member_stop(cadre_actor *self, const cadre_exit *why)
{
	struct member *mb = (struct member *)self;
	(void)why;
	if (mb->joined)
		cadre_send(cadre_actor_system(self), mb->room, LEAVE, NULL, 0);
}

static const cadre_behaviour member = {.size = sizeof(struct member),
                                       .start = member_start,
                                       .receive = member_receive,
                                       .stop = member_stop,
                                       .name = "member"};

static cadre_ref the_room;

static int
listener_start(cadre_actor *self, void *arg)
{
	cadre_tcp_opts opts = {.conn_beh = &member, .conn_arg = &the_room, .no_delay = true};
	cadre_io h;
	int rc = cadre_tcp_listen(self, arg, &opts, &h);
	sample_publish_port(cadre_actor_system(self), h, rc);
	return rc;
}

static int
listener_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static const cadre_behaviour listener = {.size = sizeof(cadre_actor),
                                         .start = listener_start,
                                         .receive = listener_receive,
                                         .name = "listener"};

/* ---- the self-test --------------------------------------------------------------------- */
#define K 4

static int failures;

static void
check(bool ok, const char *what, int who)
{
	if (!ok) {
		printf("  client %d: %s: WRONG\n", who, what);
		failures++;
	}
}

static void
expect_line(int fd, const char *want, int who)
{
	char got[LINE_MAX_ + 64];
	int n = sample_recv_line(fd, got, sizeof got);
	check(n >= 0 && strcmp(got, want) == 0, want, who);
}

static int
self_test(int port)
{
	int fd[K];
	char want[128];
	for (int i = 0; i < K; i++) { /* join one by one */
		fd[i] = sample_dial(port);
		if (fd[i] < 0)
			return 1;
		snprintf(want, sizeof want, "* welcome user%d", i);
		expect_line(fd[i], want, i);
	}
	for (int j = 0; j < K; j++) /* each saw the later ones join, in order */
		for (int i = j + 1; i < K; i++) {
			snprintf(want, sizeof want, "* user%d joined", i);
			expect_line(fd[j], want, j);
		}
	printf("chat: %d joined; each saw the later ones join\n", K);
	for (int i = 0; i < K; i++) { /* two lines each, all at once */
		char say[64];
		int n = snprintf(say, sizeof say, "hello from %d\nbye from %d\n", i, i);
		sample_send_all(fd[i], say, (size_t)n);
	}
	for (int j = 0; j < K; j++) { /* everyone gets all 2K lines, each member's in order */
		int next[K] = {0};
		for (int k = 0; k < 2 * K; k++) {
			char got[256];
			int who = -1, n = sample_recv_line(fd[j], got, sizeof got);
			if (n < 0 || sscanf(got, "user%d:", &who) != 1 || who < 0 || who >= K) {
				check(false, "a line of the broadcast", j);
				break;
			}
			snprintf(want, sizeof want,
			         next[who] == 0 ? "user%d: hello from %d" : "user%d: bye from %d",
			         who, who);
			check(next[who] < 2 && strcmp(got, want) == 0, "the lines, in order", j);
			next[who]++;
		}
	}
	printf("chat: every client got all %d lines once, each member's in order\n", 2 * K);
	sample_send_all(fd[0], "/quit\n", 6);
	expect_line(fd[0], "* bye", 0);
	check(sample_sees_eof(fd[0]), "the server closes after /quit", 0);
	close(fd[0]);
	for (int j = 1; j < K; j++)
		expect_line(fd[j], "* user0 left", j);
	printf("chat: user0 quit; the others saw it leave\n");
	for (int j = 1; j < K; j++)
		close(fd[j]);
	for (int i = 0; i < 10000 && atomic_load(&room_members) > 0; i++)
		sample_sleep_ms(1);
	int left = atomic_load(&room_members);
	printf("chat: the rest hung up; %d members left in the room; %d failures\n", left,
	       failures);
	return failures == 0 && left == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sample_args a;
	sigset_t sigs;
	if (sample_parse(argc, argv, &a) != 0)
		return 2;
	if (a.port >= 0)
		sample_serve_prepare(&sigs);
	cadre_system *sys;
	cadre_config cfg = {.workers = a.workers};
	if (cadre_system_new(&sys, &cfg) != 0)
		return 1;
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", a.port < 0 ? 0 : a.port);
	cadre_ref l;
	int port = -1;
	if (cadre_spawn(sys, &room, NULL, NULL, &the_room) == 0 &&
	    cadre_spawn(sys, &listener, NULL, addr, &l) == 0)
		port = sample_wait_port();
	int rc = 1;
	if (port > 0 && a.port >= 0) {
		fprintf(stderr, "chat: serving on 127.0.0.1:%d\n", port);
		int sig;
		sigwait(&sigs, &sig);
		rc = 0;
	} else if (port > 0) {
		rc = self_test(port);
	}
	cadre_system_free(sys);
	return rc;
}
