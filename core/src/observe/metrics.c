/* Cadre: the Prometheus endpoint (cadre_config.metrics_address): the
 * system's counters over HTTP, `GET /metrics`, in the text exposition
 * format 0.0.4, served by the system's own actors through io/.
 *
 * Design notes.
 *
 * cadre_system_new spawns the listener and waits for its start to say
 * whether it listens (as the observe endpoint does, server.c). Each
 * accepted connection gets an actor of its own that reads one request
 * head (at most METRICS_HEAD_MAX bytes), answers it and closes: 200 with
 * the metrics for GET /metrics, 404 for another path, 405 for another
 * method, 400 for anything that is not an HTTP/1.x request line, 431 for
 * a head too long. Every answer says "Connection: close": one request per
 * connection is all a scraper needs. A connection lasts at most
 * METRICS_IDLE_MS (a timer, cancelled when it ends sooner), so a hostile
 * client costs one actor and its head buffer for that long at most.
 *
 * The numbers are cadre_system_stats's (system and per worker) and one
 * walk of the live actors (cadre_system_each_actor) for the actor
 * summary: how many in each state, and the longest and total mailbox.
 * Names follow Prometheus' conventions: the cadre_ prefix, base units
 * (seconds, not ns), _total on counters. The endpoint's own actors and
 * their I/O events count like any others.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cadre/io.h>
#include <cadre/timer.h>

#include "cadre__metrics.h"

#define METRICS_HEAD_MAX 8192u
#define METRICS_IDLE_MS 5000 /* a connection's whole life, at most */
#define METRICS_TIMEOUT 1u   /* the message type of its end */

/* ---- the text --------------------------------------------------------------- */

/* "# HELP" and "# TYPE" of one family. */
static void
family(struct cadre__text *t, const char *name, const char *type, const char *help)
{
	cadre__text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(struct cadre__text *t, const char *name, const char *type, const char *help, uint64_t v)
{
	family(t, name, type, help);
	cadre__text_printf(t, "%s %" PRIu64 "\n", name, v);
}

static void
system_metrics(cadre_system *sys, struct cadre__text *t)
{
	cadre_stats s;
	(void)cadre_system_stats(sys, -1, &s); /* sys is valid: 0 */
	one(t, "cadre_messages_sent_total", "counter",
	    "Messages accepted by cadre_send and the like (dead letters included).", s.sent);
	one(t, "cadre_messages_handled_total", "counter", "Messages given to a receive callback.",
	    s.handled);
	one(t, "cadre_dead_letters_total", "counter", "Messages never handled.", s.dead_letters);
	one(t, "cadre_actors_spawned_total", "counter", "Actors spawned.", s.spawned);
	one(t, "cadre_actors_stopped_total", "counter", "Actors stopped.", s.stopped);
	one(t, "cadre_actors_alive", "gauge", "Actors alive (spawned - stopped).", s.actors_alive);
	one(t, "cadre_restarts_total", "counter", "Children restarted by their supervisors.",
	    s.restarts);
	one(t, "cadre_mutes_total", "counter", "Senders muted by backpressure.", s.mutes);
	one(t, "cadre_unmutes_total", "counter", "Muted senders woken again.", s.unmutes);
	family(t, "cadre_uptime_seconds", "gauge", "Seconds since the system started.");
	cadre__text_printf(t, "cadre_uptime_seconds %.3f\n",
	                   (double)(cadre__now_ns() - sys->start_ns) / 1e9);
	one(t, "cadre_workers", "gauge", "Per-core worker threads.", sys->nworkers);
}

/* The per-worker families: what each reads from a worker's counters. */
enum wfield { W_RUNS, W_HANDLED, W_STEALS, W_PARKS, W_WAKEUPS, W_BUSY, W_IDLE, W_RUNQ };
static const struct {
	const char *name, *type, *help;
} wfam[] = {
        [W_RUNS] = {"cadre_worker_runs_total", "counter", "Actor runs on the worker."},
        [W_HANDLED] = {"cadre_worker_messages_handled_total", "counter",
                       "Messages handled on the worker."},
        [W_STEALS] = {"cadre_worker_steals_total", "counter",
                      "Actors the worker took from another worker."},
        [W_PARKS] = {"cadre_worker_parks_total", "counter", "Times the worker went to sleep."},
        [W_WAKEUPS] = {"cadre_worker_wakeups_total", "counter",
                       "Times the worker was woken by another thread."},
        [W_BUSY] = {"cadre_worker_busy_seconds_total", "counter",
                    "Seconds the worker spent running actors."},
        [W_IDLE] = {"cadre_worker_idle_seconds_total", "counter",
                    "Seconds the worker spent searching for work or parked."},
        [W_RUNQ] = {"cadre_worker_runq", "gauge", "Actors in the worker's run queue now."},
};

static void
worker_metrics(cadre_system *sys, struct cadre__text *t)
{
	for (unsigned f = 0; f < sizeof wfam / sizeof wfam[0]; f++) {
		family(t, wfam[f].name, wfam[f].type, wfam[f].help);
		for (unsigned i = 0; i < sys->nworkers; i++) {
			cadre_stats w;
			(void)cadre_system_stats(sys, (int)i, &w); /* i is in range: 0 */
			uint64_t v[] = {w.batches, w.handled, w.steals, w.parks,
			                w.wakeups, 0,         0,        w.runq};
			if (f == W_BUSY || f == W_IDLE)
				cadre__text_printf(t, "%s{worker=\"%u\"} %.9f\n", wfam[f].name, i,
				                   (double)(f == W_BUSY ? w.busy_ns : w.idle_ns) /
				                           1e9);
			else
				cadre__text_printf(t, "%s{worker=\"%u\"} %" PRIu64 "\n",
				                   wfam[f].name, i, v[f]);
		}
	}
}

/* The actor summary, from one walk. */
struct summary {
	uint64_t state[4]; /* by cadre_actor_state */
	uint64_t mailbox_max, mailbox_sum;
};

static int
add_actor(void *ctx, const cadre_actor_info *info)
{
	struct summary *s = ctx;
	if ((unsigned)info->state < 4)
		s->state[info->state]++;
	s->mailbox_sum += info->mailbox;
	if (info->mailbox > s->mailbox_max)
		s->mailbox_max = info->mailbox;
	return 0;
}

static void
actor_metrics(cadre_system *sys, struct cadre__text *t)
{
	struct summary s = {{0}, 0, 0};
	(void)cadre_system_each_actor(sys, add_actor, &s); /* ECLOSED: all zero */
	family(t, "cadre_actors", "gauge", "Live actors by state, as one walk saw them.");
	for (int i = 0; i < 4; i++)
		cadre__text_printf(t, "cadre_actors{state=\"%s\"} %" PRIu64 "\n",
		                   cadre__actor_state_names[i], s.state[i]);
	one(t, "cadre_actor_mailbox_messages_max", "gauge",
	    "The longest mailbox of a live actor (messages queued).", s.mailbox_max);
	one(t, "cadre_actor_mailbox_messages_sum", "gauge",
	    "Messages queued in the mailboxes of all live actors.", s.mailbox_sum);
}

/* The whole exposition (cadre__metrics_text's). */
int
cadre__metrics_text(cadre_system *sys, struct cadre__text *t)
{
	system_metrics(sys, t);
	worker_metrics(sys, t);
	actor_metrics(sys, t);
	return t->oom ? CADRE_ENOMEM : 0;
}

/* ---- a connection ------------------------------------------------------------ */
struct conn {
	cadre_actor base;
	cadre_io h;
	cadre_timer timeout;
	bool answered, timed;
	uint32_t n; /* bytes of the head so far */
	char head[METRICS_HEAD_MAX];
};

#define STATUS(code, text)                                                           \
	"HTTP/1.1 " code " " text "\r\nContent-Type: text/plain\r\nContent-Length: " \
	"0\r\nConnection: close\r\n\r\n"

/* The answer to one head: head[0..n) holds at least its request line. */
static void
answer(struct conn *c, size_t n)
{
	const char *h = c->head, *sp = memchr(h, ' ', n);
	const char *sp2 = sp ? memchr(sp + 1, ' ', (size_t)(h + n - sp - 1)) : NULL;
	const char *fixed = NULL;
	if (sp == NULL || sp2 == NULL || sp == h || sp2 == sp + 1 || (size_t)(h + n - sp2) < 9 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		fixed = STATUS("400", "Bad Request");
	else if (sp - h != 3 || memcmp(h, "GET", 3) != 0)
		fixed = "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: "
		        "0\r\nConnection: close\r\n\r\n";
	else if (!((sp2 - sp - 1 == 8 && memcmp(sp + 1, "/metrics", 8) == 0) ||
	           (sp2 - sp - 1 > 8 && memcmp(sp + 1, "/metrics?", 9) == 0)))
		fixed = STATUS("404", "Not Found");
	if (fixed != NULL) {
		(void)cadre_io_write(&c->base, c->h, fixed, strlen(fixed));
		return;
	}
	struct cadre__text body = {0}, all = {0};
	if (cadre__metrics_text(cadre_actor_system(&c->base), &body) != 0) {
		fixed = STATUS("503", "Service Unavailable");
		(void)cadre_io_write(&c->base, c->h, fixed, strlen(fixed));
	} else {
		cadre__text_printf(
		        &all,
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
		        "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		        body.n);
		cadre__text_put(&all, body.p, body.n);
		if (!all.oom)
			(void)cadre_io_write(&c->base, c->h, all.p, all.n);
	}
	cadre__text_free(&body);
	cadre__text_free(&all);
}

static void
hang_up(struct conn *c)
{
	if (c->timed) /* ENOENT: it fired, and its message is this one or queued */
		(void)cadre_timer_cancel(cadre_actor_system(&c->base), c->timeout);
	c->timed = false;
	(void)cadre_io_close(&c->base, c->h); /* the handle may be gone already */
	(void)cadre_stop(&c->base);
}

/* Bytes of the request: once its head is whole (or too long), the answer,
 * then the end of the connection (the rest is not read). */
static void
take(struct conn *c, const char *p, size_t size)
{
	if (c->answered)
		return;
	size_t room = METRICS_HEAD_MAX - c->n, k = size < room ? size : room;
	size_t from = c->n > 3 ? c->n - 3 : 0;
	memcpy(c->head + c->n, p, k);
	c->n += (uint32_t)k;
	const char *end = memmem(c->head + from, c->n - from, "\r\n\r\n", 4);
	if (end == NULL) /* bare LFs (RFC 9112 allows a server to take them) */
		end = memmem(c->head + from, c->n - from, "\n\n", 2);
	if (end != NULL) {
		answer(c, (size_t)(end - c->head) + 2);
	} else if (c->n == METRICS_HEAD_MAX) {
		const char *a = STATUS("431", "Request Header Fields Too Large");
		(void)cadre_io_write(&c->base, c->h, a, strlen(a));
	} else {
		return; /* more to come */
	}
	c->answered = true;
	/* FIN once the answer is out; the peer's close then ends the actor. */
	if (cadre_io_shutdown_write(&c->base, c->h) != 0)
		hang_up(c);
}

static int
conn_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct conn *c = (struct conn *)self;
	cadre_io_event ev;
	if (cadre_io_event_read(msg, &ev) != 0) {
		if (msg->type == METRICS_TIMEOUT) { /* its own timer: time is up */
			c->timed = false;
			hang_up(c);
		}
		return 0;
	}
	if (ev.kind == CADRE_IO_ACCEPTED) {
		c->h = ev.conn;
		/* Without the timer (ENOMEM), the connection lasts until the peer goes. */
		c->timed = cadre_send_after(cadre_actor_system(self), cadre_self(self),
		                            METRICS_TIMEOUT, NULL, 0, METRICS_IDLE_MS,
		                            &c->timeout) == 0;
	} else if (ev.kind == CADRE_IO_DATA)
		take(c, ev.data, ev.size);
	else if (ev.kind == CADRE_IO_PEER_CLOSED || ev.kind == CADRE_IO_CLOSED)
		hang_up(c);
	return 0;
}

static const cadre_behaviour conn_beh = {
        .size = sizeof(struct conn),
        .receive = conn_receive,
        .name = "cadre.metrics.conn",
};

int
cadre__metrics_start(struct cadre_system *sys, const char *addr)
{
	return cadre__endpoint_start(sys, &sys->metrics, addr, &conn_beh, "cadre.metrics");
}
