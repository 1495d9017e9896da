/* A TCP echo server: every connection is an actor that writes back what it
 * reads.
 *
 *   listener --(cadre_tcp_listen, conn_beh = echo)--> one "echo" actor per connection
 *   echo: DATA -> cadre_io_write the same bytes; PEER_CLOSED -> close, stop
 *
 * Writes never block: what the socket does not take is queued by Cadre. If
 * the queue is full (CADRE_EFULL, nothing written), the echo actor stashes
 * that DATA message and every one after it until CADRE_IO_WRITABLE says the
 * queue has drained, then unstashes them, in order. While messages are
 * stashed they are not handled, so Cadre stops reading the socket (read
 * backpressure) and TCP slows the client: memory stays bounded.
 *
 * Self-test (no arguments): the server on port 0, then 8 client actors that
 * connect with cadre_tcp_connect, each send 100 KiB in pieces of varied
 * sizes, check every byte that comes back, half-close, and wait for the
 * server's close. Exit status 0 when every byte came back in order.
 * With --port P [--workers W] it serves until SIGINT or SIGTERM (the I/O
 * benchmarks, tools/io/run-io-bench.sh). */
#include "io_common.h"

/* ---- the server ------------------------------------------------------------------ */
struct echo {
	cadre_actor base;
	bool blocked; /* a write said CADRE_EFULL: stash until WRITABLE */
};

static atomic_int conns_open, conns_total;

static int
echo_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	/* relaxed: counters read by main after the system is quiet */
	atomic_fetch_add_explicit(&conns_open, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&conns_total, 1, memory_order_relaxed);
	return 0;
}

static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	struct echo *e = (struct echo *)self;
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) != 0)
		return 0; /* not I/O: this sample sends nothing else */
	switch (ev.kind) {
	case CADRE_IO_DATA:
	case CADRE_IO_PEER_CLOSED:
		if (e->blocked) /* keep the order: after the bytes that wait */
			return cadre_stash(self, m);
		if (ev.kind == CADRE_IO_PEER_CLOSED) { /* the client is done: so are we */
			cadre_io_close(self, ev.handle);
			return cadre_stop(self);
		}
		int rc = cadre_io_write(self, ev.handle, ev.data, ev.size);
		if (rc == CADRE_EFULL) {
			e->blocked = true;
			return cadre_stash(self, m);
		}
		return rc == 0 ? 0 : cadre_stop(self); /* reset by the peer: stop */
	case CADRE_IO_WRITABLE:
		e->blocked = false;
		return cadre_unstash_all(self) < 0 ? -1 : 0;
	case CADRE_IO_CLOSED:
		return cadre_stop(self);
	default:
		return 0; /* ACCEPTED: each event names its handle, nothing to keep */
	}
}

static void
echo_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)self;
	(void)why;
	atomic_fetch_sub_explicit(&conns_open, 1, memory_order_relaxed);
}

static const cadre_behaviour echo = {.size = sizeof(struct echo),
                                     .start = echo_start,
                                     .receive = echo_receive,
                                     .stop = echo_stop,
                                     .name = "echo"};

/* The listener's owner: listens in start, then only gets the listener's
 * own events (its CLOSED at shutdown). */
static int
listener_start(cadre_actor *self, void *arg)
{
	const char *addr = arg;
	cadre_tcp_opts opts = {.conn_beh = &echo, .no_delay = true};
	cadre_io h;
	int rc = cadre_tcp_listen(self, addr, &opts, &h);
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

/* ---- the self-test's clients --------------------------------------------------------- */
#define CLIENTS 8
#define BYTES (100 * 1024)

struct client {
	cadre_actor base;
	int id;
	cadre_io h;
	size_t sent, got; /* bytes written (or queued), bytes back */
	bool half_closed;
};

static atomic_int clients_ok, clients_done;

/* The byte at offset i of client id's stream. */
static unsigned char
pattern(int id, size_t i)
{
	return (unsigned char)((i * 7 + (size_t)id * 31 + i / 251) & 0xff);
}

/* Writes the rest of the stream in pieces of 1..4000 bytes, until done or
 * the write queue is full (then WRITABLE calls this again). */
static int
client_pump(struct client *c)
{
	unsigned char buf[4000];
	while (c->sent < BYTES) {
		size_t n = 1 + (c->sent * 13 + (size_t)c->id) % sizeof buf;
		if (n > BYTES - c->sent)
			n = BYTES - c->sent;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(c->id, c->sent + i);
		int rc = cadre_io_write(&c->base, c->h, buf, n);
		if (rc == CADRE_EFULL)
			return 0;
		if (rc != 0)
			return rc;
		c->sent += n;
	}
	return 0;
}

static int
client_start(cadre_actor *self, void *arg)
{
	struct client *c = (struct client *)self;
	c->id = (int)(intptr_t)arg;
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d",
	         atomic_load_explicit(&sample_port, memory_order_acquire));
	return cadre_tcp_connect(self, addr, NULL, &c->h);
}

static int
client_receive(cadre_actor *self, const cadre_msg *m)
{
	struct client *c = (struct client *)self;
	cadre_io_event ev;
	if (cadre_io_event_read(m, &ev) != 0)
		return 0;
	switch (ev.kind) {
	case CADRE_IO_CONNECTED:
		if (ev.status != 0) {
			fprintf(stderr, "client %d: connect: %s\n", c->id,
			        cadre_strerror(ev.status));
			return cadre_stop(self);
		}
		return client_pump(c);
	case CADRE_IO_WRITABLE:
		return client_pump(c);
	case CADRE_IO_DATA: {
		const unsigned char *p = ev.data;
		for (size_t i = 0; i < ev.size; i++)
			if (p[i] != pattern(c->id, c->got + i)) {
				fprintf(stderr, "client %d: wrong byte at %zu\n", c->id,
				        c->got + i);
				return cadre_stop(self);
			}
		c->got += ev.size;
		if (c->got == BYTES && !c->half_closed) { /* all back: say we are done */
			c->half_closed = true;
			return cadre_io_shutdown_write(self, c->h);
		}
		return 0;
	}
	case CADRE_IO_PEER_CLOSED: /* the server closed after our half-close */
	case CADRE_IO_CLOSED:
		return cadre_stop(self);
	default:
		return 0;
	}
}

static void
client_stop(cadre_actor *self, const cadre_exit *why)
{
	struct client *c = (struct client *)self;
	(void)why;
	if (c->got == BYTES && c->half_closed)
		atomic_fetch_add(&clients_ok, 1);
	else
		fprintf(stderr, "client %d: stopped with %zu of %d bytes back\n", c->id, c->got,
		        BYTES);
	/* seq_cst: main reads it after clients_ok */
	atomic_fetch_add(&clients_done, 1);
}

static const cadre_behaviour client = {.size = sizeof(struct client),
                                       .start = client_start,
                                       .receive = client_receive,
                                       .stop = client_stop,
                                       .name = "client"};

/* ---- main ------------------------------------------------------------------------------ */
static int
self_test(cadre_system *sys)
{
	for (int i = 0; i < CLIENTS; i++) {
		cadre_ref r;
		if (cadre_spawn(sys, &client, NULL, (void *)(intptr_t)i, &r) != 0)
			return 1;
	}
	for (int i = 0; i < 30000 && atomic_load(&clients_done) < CLIENTS; i++)
		sample_sleep_ms(1);
	/* the server's side: every connection actor has stopped */
	for (int i = 0; i < 10000 && atomic_load(&conns_open) > 0; i++)
		sample_sleep_ms(1);
	int ok = atomic_load(&clients_ok), total = atomic_load(&conns_total),
	    open = atomic_load(&conns_open);
	printf("echo: %d of %d clients got their %d bytes back, in order; the server saw %d "
	       "connections, %d still open\n",
	       ok, CLIENTS, BYTES, total, open);
	return ok == CLIENTS && total == CLIENTS && open == 0 ? 0 : 1;
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
	int rc = cadre_spawn(sys, &listener, NULL, addr, &l);
	int port = rc == 0 ? sample_wait_port() : -1;
	if (port <= 0) {
		cadre_system_free(sys);
		return 1;
	}
	if (a.port >= 0) {
		fprintf(stderr, "echo: serving on 127.0.0.1:%d with %u workers\n", port,
		        cadre_system_workers(sys));
		int sig;
		sigwait(&sigs, &sig);
		rc = 0;
	} else {
		rc = self_test(sys);
	}
	cadre_system_free(sys);
	return rc;
}
