/* A graceful shutdown on SIGTERM: the signal arrives as a message, the
 * server stops taking connections, tells every open one goodbye, lets
 * their clients finish, and then stops; main sees no actor left and exits.
 *
 *   SIGTERM --CADRE_IO_SIGNAL--> server: close the listener, DRAIN to each session
 *   session: "* server shutting down, bye", half-close, stop at the client's EOF
 *            (or after a grace period of 5 s); its stop says LEAVE
 *   server: the last LEAVE -> stop;  main: cadre_system_await_stopped -> exit
 *
 * Nothing here blocks signals or installs a handler: the server subscribes
 * with cadre_signal_subscribe and Cadre does the rest (the signal's action
 * is restored when the server stops). A session answers each line it reads
 * with "you said: <line>" until it drains.
 *
 * Self-test (no arguments): the server on port 0, three plain clients that
 * talk to it, then the process sends itself SIGTERM; each client must get
 * the goodbye and then the end of the stream, a new connection must be
 * refused, and every actor must stop by itself. With --port P [--workers W]
 * it serves until it gets SIGTERM or SIGINT, then shuts down the same way. */
#include "io_common.h"

enum { JOIN = 1, LEAVE, DRAIN, GRACE };

#define GRACE_MS 5000

/* ---- the server: the listener's owner and the signal's subscriber --------------------- */
struct server {
	cadre_actor base;
	cadre_io listener;
	bool draining;
	cadre_ref *s;
	int n, cap;
};

static cadre_ref the_server;
static atomic_int drained_sessions;
static const cadre_behaviour session; /* below */

static int
server_start(cadre_actor *self, void *arg)
{
	struct server *sv = (struct server *)self;
	int rc = cadre_signal_subscribe(self, SIGTERM);
	if (rc == 0)
		rc = cadre_signal_subscribe(self, SIGINT);
	cadre_tcp_opts opts = {.conn_beh = &session, .conn_arg = &the_server, .no_delay = true};
	if (rc == 0)
		rc = cadre_tcp_listen(self, arg, &opts, &sv->listener);
	sample_publish_port(cadre_actor_system(self), sv->listener, rc);
	return rc;
}

static int
server_receive(cadre_actor *self, const cadre_msg *m)
{
	struct server *sv = (struct server *)self;
	cadre_system *sys = cadre_actor_system(self);
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) == 0 && ev.kind == CADRE_IO_SIGNAL && !sv->draining) {
		printf("server: signal %d: closing the listener, draining %d sessions\n", ev.signo,
		       sv->n);
		fflush(stdout);
		sv->draining = true;
		cadre_io_close(self, sv->listener);
		for (int i = 0; i < sv->n; i++)
			cadre_send(sys, sv->s[i], DRAIN, NULL, 0);
	} else if (m->type == JOIN) {
		if (sv->n == sv->cap) {
			int cap = sv->cap ? sv->cap * 2 : 16;
			cadre_ref *p = realloc(sv->s, (size_t)cap * sizeof *p);
			if (!p)
				return CADRE_ENOMEM;
			sv->s = p;
			sv->cap = cap;
		}
		sv->s[sv->n++] = m->sender;
		if (sv->draining) /* accepted just before the listener closed */
			cadre_send(sys, m->sender, DRAIN, NULL, 0);
	} else if (m->type == LEAVE) {
		for (int i = 0; i < sv->n; i++)
			if (cadre_ref_is_equal(sv->s[i], m->sender)) {
				sv->s[i] = sv->s[--sv->n];
				break;
			}
	}
	if (sv->draining && sv->n == 0) {
		printf("server: every session has ended; stopping\n");
		fflush(stdout);
		return cadre_stop(self);
	}
	return 0;
}

static void
server_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	free(((struct server *)self)->s);
}

static const cadre_behaviour server = {.size = sizeof(struct server),
                                       .start = server_start,
                                       .receive = server_receive,
                                       .stop = server_stop,
                                       .name = "server"};

/* ---- a session: one connection ---------------------------------------------------------- */
struct session {
	cadre_actor base;
	cadre_ref server;
	cadre_io h;
	bool joined, draining;
	size_t len;
	char line[512];
};

static int
session_start(cadre_actor *self, void *arg)
{
	((struct session *)self)->server = *(const cadre_ref *)arg;
	return 0;
}

static int
session_drain(struct session *ss)
{
	cadre_actor *self = &ss->base;
	static const char bye[] = "* server shutting down, bye\n";
	if (ss->draining)
		return 0;
	ss->draining = true;
	atomic_fetch_add(&drained_sessions, 1);
	cadre_io_write(self, ss->h, bye, sizeof bye - 1);
	cadre_io_shutdown_write(self, ss->h); /* FIN after the goodbye */
	return cadre_send_after(cadre_actor_system(self), cadre_self(self), GRACE, NULL, 0,
	                        GRACE_MS, NULL);
}

static int
session_data(struct session *ss, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !ss->draining; i++) {
		if (p[i] != '\n') {
			if (ss->len < sizeof ss->line)
				ss->line[ss->len++] = p[i];
			continue;
		}
		char out[sizeof ss->line + 16];
		int k = snprintf(out, sizeof out, "you said: %.*s\n", (int)ss->len, ss->line);
		ss->len = 0;
		if (cadre_io_write(&ss->base, ss->h, out, (size_t)k) != 0)
			return cadre_stop(&ss->base);
	}
	return 0;
}

static int
session_receive(cadre_actor *self, const cadre_msg *m)
{
	struct session *ss = (struct session *)self;
	if (m->type == DRAIN)
		return session_drain(ss);
	if (m->type == GRACE) /* the client did not hang up in time */
		return cadre_stop(self);
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) != 0)
		return 0;
	switch (ev.kind) {
	case CADRE_IO_ACCEPTED:
		ss->h = ev.conn;
		ss->joined = true;
		return cadre_send(cadre_actor_system(self), ss->server, JOIN, NULL, 0);
	case CADRE_IO_DATA:
		return session_data(ss, ev.data, ev.size);
	case CADRE_IO_PEER_CLOSED:
	case CADRE_IO_CLOSED:
		return cadre_stop(self);
	default:
		return 0;
	}
}

static void
session_stop(cadre_actor *self, const cadre_exit *why)
{
	struct session *ss = (struct session *)self;
	(void)why;
	if (ss->joined)
		cadre_send(cadre_actor_system(self), ss->server, LEAVE, NULL, 0);
}

static const cadre_behaviour session = {.size = sizeof(struct session),
                                        .start = session_start,
                                        .receive = session_receive,
                                        .stop = session_stop,
                                        .name = "session"};

/* ---- the self-test --------------------------------------------------------------------- */
#define CLIENTS 3

static int
self_test(int port)
{
	int fd[CLIENTS], failures = 0;
	char got[256];
	for (int i = 0; i < CLIENTS; i++) {
		char say[32], want[48];
		fd[i] = sample_dial(port);
		int n = snprintf(say, sizeof say, "ping %d\n", i);
		snprintf(want, sizeof want, "you said: ping %d", i);
		if (fd[i] < 0 || sample_send_all(fd[i], say, (size_t)n) != 0 ||
		    sample_recv_line(fd[i], got, sizeof got) < 0 || strcmp(got, want) != 0)
			failures++;
	}
	printf("main: %d clients talking; sending SIGTERM to myself\n", CLIENTS);
	fflush(stdout);
	kill(getpid(), SIGTERM);
	for (int i = 0; i < CLIENTS; i++) {
		int ok = sample_recv_line(fd[i], got, sizeof got) >= 0 &&
		         strcmp(got, "* server shutting down, bye") == 0 && sample_sees_eof(fd[i]);
		printf("client %d: goodbye, then the end of the stream: %s\n", i,
		       ok ? "ok" : "WRONG");
		failures += !ok;
		close(fd[i]);
	}
	int late = sample_dial(port);
	printf("main: a new connection after the signal is refused: %s\n",
	       late < 0 ? "ok" : "WRONG");
	failures += late >= 0;
	if (late >= 0)
		close(late);
	return failures;
}

int
main(int argc, char **argv)
{
	struct sample_args a;
	if (sample_parse(argc, argv, &a) != 0)
		return 2;
	cadre_system *sys;
	cadre_config cfg = {.workers = a.workers};
	if (cadre_system_new(&sys, &cfg) != 0)
		return 1;
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", a.port < 0 ? 0 : a.port);
	int port =
	        cadre_spawn(sys, &server, NULL, addr, &the_server) == 0 ? sample_wait_port() : -1;
	if (port <= 0) {
		cadre_system_free(sys);
		return 1;
	}
	int failures = 0;
	if (a.port >= 0)
		fprintf(stderr, "shutdown: serving on 127.0.0.1:%d until SIGTERM or SIGINT\n",
		        port);
	else
		failures = self_test(port);
	/* Every actor stops by itself: the server after its sessions. */
	int rc = cadre_system_await_stopped(sys, a.port >= 0 ? CADRE_FOREVER : 30000);
	printf("main: %s; %d sessions drained\n",
	       rc == 0 ? "every actor has stopped" : "actors still alive after 30 s",
	       atomic_load(&drained_sessions));
	cadre_system_free(sys);
	return rc == 0 && failures == 0 ? 0 : 1;
}
