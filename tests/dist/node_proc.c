/* One node, for the multi-process tests (tests/dist/dist_test.py). Public
 * API only.
 *
 *   node_proc --name a --endpoint tcp://127.0.0.1:7001 --insecure
 *             [--pub K --sec K --accept K ...] [--seed ENDPOINT [--seed-key K]] ...
 *             [--tick MS] [--timeout MS] [--queue-max N] [--inbound-max BYTES]
 *             [--slow-us US] [--life S]
 *
 * It registers the behaviours "echo" (answers every message to its sender,
 * and every request), "sink" (counts) and "worker" (says it started;
 * answers requests; fails with code 42 on a CRASH message), spawns one echo
 * and one sink under those names, and a control actor "mon" that traps
 * exits, subscribes to node events and prints every event it gets as one
 * line on stdout, "EV <monotonic ms> <what> ...":
 *
 *   EV 1234 UP b 305419896          EV 1234 DOWN b reason=2
 *   EV 1234 REFUSED ? reason=6      EV 1234 EXIT <ref> kind=6 noconnection
 *   EV 1234 DOWNMON <ref> kind=3 failure(42)
 *   EV 1234 PLACED c <ref>          EV 1234 WORKER_START <ref>
 *
 * Refs are printed and read as sys.index.gen.node. Commands come on stdin,
 * one a line, each answered with one line "OK ..." or "ERR <code> <name>":
 *
 *   whereis <node> <name>       send <node> <name> <n> [size]
 *   ask <node> <name> [ms]      crash <node> <name>      stop|exit <node> <name>
 *   link <node> <name>          monitor <node> <name>    spawn <node> <beh> [link]
 *   flood <node> <name> <ms> <size>   keep <node> ...     slow <us>
 *   stats   self   nodes   quit
 *
 * <node> "." is this node; <node> "-" takes <name> as a raw ref. The
 * process ends by itself after --life seconds (default 60), and when its
 * parent dies, so that a failed test never leaves it behind. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>
#include <cadre/node.h>

enum { T_PING = 1, T_COUNT = 2, T_CRASH = 3, C_LINK = 10, C_MONITOR = 11, C_SPAWN = 12 };
enum { MAX_ARGS = 16, MAX_PENDING = 16, MAX_KEEP = 8 };

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned slow_us;       /* relaxed: a knob, read per message */
static _Atomic unsigned long sink_got; /* relaxed: a counter read by "stats" */
static cadre_system *sys;
static cadre_ref mon_ref;

/* What the memory bounds of the tests must allow for: a sanitizer's shadow. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static unsigned long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull +
	       (unsigned long long)ts.tv_nsec / 1000000ull;
}

/* One line on stdout, whole, from any thread. */
__attribute__((format(printf, 1, 2))) static void
say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&out_lock);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	va_end(ap);
}

#define REF_FMT "%u.%u.%u.%u"
#define REF_ARGS(r) (r).sys, (r).index, (r).gen, (r).node

static void
nap(void)
{
	unsigned us = atomic_load_explicit(&slow_us, memory_order_relaxed); /* a knob: no pair */
	if (us != 0)
		usleep(us);
}

/* ---- echo, sink, worker ------------------------------------------------- */

static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	nap();
	cadre_request rq;
	if (cadre_ask_request(m, &rq) == 0)
		return cadre_reply(cadre_actor_system(self), &rq.reply_to, rq.type, rq.data,
		                   rq.size);
	if (m->type >= 0xFFFF0000u)
		return 0; /* exits, downs: not ours to answer */
	return cadre_respond(self, m, m->type, m->data, m->size);
}

static const cadre_behaviour echo_beh = {
        .size = sizeof(cadre_actor), .receive = echo_receive, .name = "echo"};

/* The sink checks FIFO per sender: every `send` carries its node's
 * sequence number (increasing) in its first 8 bytes. */
enum { SINK_SENDERS = 16 };
struct sink {
	cadre_actor base;
	size_t n;
	struct {
		cadre_ref from;
		uint64_t last;
	} seen[SINK_SENDERS];
};

static _Atomic unsigned long sink_disorder; /* relaxed: read by "stats" */

static void
sink_check_order(struct sink *k, const cadre_msg *m)
{
	uint64_t seq;
	if (m->size < sizeof seq)
		return;
	memcpy(&seq, m->data, sizeof seq);
	size_t i = 0;
	while (i < k->n && !cadre_ref_is_equal(k->seen[i].from, m->sender))
		i++;
	if (i == k->n) {
		if (k->n == SINK_SENDERS)
			return;
		k->seen[k->n++].from = m->sender;
	} else if (seq <= k->seen[i].last) {
		atomic_fetch_add_explicit(&sink_disorder, 1, memory_order_relaxed); /* a counter */
	}
	k->seen[i].last = seq;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	nap();
	if (m->type == T_CRASH)
		return 42;
	sink_check_order((struct sink *)self, m);
	atomic_fetch_add_explicit(&sink_got, 1, memory_order_relaxed); /* a counter: no pair */
	return 0;
}

static const cadre_behaviour sink_beh = {
        .size = sizeof(struct sink), .receive = sink_receive, .name = "sink"};

static int
worker_start(cadre_actor *self, void *arg)
{
	(void)arg;
	say("EV %llu WORKER_START " REF_FMT, now_ms(), REF_ARGS(cadre_self(self)));
	return 0;
}

static int
worker_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == T_CRASH)
		return 42;
	return echo_receive(self, m);
}

static const cadre_behaviour worker_beh = {.size = sizeof(cadre_actor),
                                           .start = worker_start,
                                           .receive = worker_receive,
                                           .name = "worker"};

/* ---- the keeper: a local actor that owns a worker on another node ------- */

/* The nodes a keeper may place its worker on, in order of preference. */
static char keep_nodes[MAX_KEEP][CADRE_NODE_NAME_MAX + 1];
static size_t n_keep;

struct keeper {
	cadre_actor base;
	size_t next; /* the node asked last */
	uint64_t req;
};

/* Asks the next node in the list, from `from` on, that is up. */
static int
keeper_place(struct keeper *k, size_t from)
{
	for (size_t i = from; i < n_keep; i++) {
		int rc = cadre_spawn_on(&k->base, keep_nodes[i], "worker", NULL, 0,
		                        CADRE_SPAWN_LINK, 2000, &k->req);
		if (rc == 0) {
			k->next = i;
			return 0;
		}
	}
	return 7; /* no node up: fail, and the supervisor tries again later */
}

static int
keeper_start(cadre_actor *self, void *arg)
{
	(void)arg;
	return keeper_place((struct keeper *)self, 0);
}

static int
keeper_receive(cadre_actor *self, const cadre_msg *m)
{
	struct keeper *k = (struct keeper *)self;
	cadre_node_reply r;
	if (cadre_node_reply_read(m, &r) != 0 || r.req != k->req)
		return 0;
	if (r.status != 0)
		return keeper_place(k, k->next + 1);
	say("EV %llu PLACED %s " REF_FMT, now_ms(), keep_nodes[k->next], REF_ARGS(r.ref));
	return 0;
}

static const cadre_behaviour keeper_beh = {.size = sizeof(struct keeper),
                                           .start = keeper_start,
                                           .receive = keeper_receive,
                                           .name = "keeper"};

static const cadre_child_spec keeper_child = {
        .id = "keeper", .beh = &keeper_beh, .shutdown_ms = 500};
static const cadre_sup_spec keep_spec = {.strategy = CADRE_ONE_FOR_ONE,
                                         .intensity = 20,
                                         .period_ms = 10000,
                                         .backoff_min_ms = 100,
                                         .backoff_max_ms = 400,
                                         .children = &keeper_child,
                                         .nchildren = 1};

/* ---- mon: node events, exits, downs; links, monitors, spawns ------------ */

struct spawn_cmd {
	char node[CADRE_NODE_NAME_MAX + 1];
	char beh[64];
	uint32_t flags;
};

struct answer {
	int status;
	cadre_ref ref;
};

/* An answer mon owes the main thread: after a remote spawn's reply, or
 * after the round trip that shows a link or monitor is in place. */
enum { P_FREE = 0, P_SPAWN = 1, P_SYNC = 2 };
struct pending {
	int kind;
	uint64_t req; /* the spawn's request, or the sync ask's id */
	cadre_reply_to to;
	cadre_ref ref;
};

struct mon {
	cadre_actor base;
	cadre_asker asker;
	struct pending pending[MAX_PENDING];
};

static int
mon_start(cadre_actor *self, void *arg)
{
	(void)arg;
	int rc = cadre_trap_exits(self, true);
	return rc != 0 ? rc : cadre_node_monitor(self, true);
}

static void
mon_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct mon *)self)->asker);
}

static void
print_reason(const char *what, cadre_ref who, const cadre_exit *why)
{
	char text[96];
	cadre_exit_format(why, text, sizeof text);
	say("EV %llu %s " REF_FMT " kind=%d %s", now_ms(), what, REF_ARGS(who), (int)why->kind,
	    text);
}

static void
mon_node_event(const cadre_msg *m)
{
	static const char *kinds[] = {"?", "UP", "DOWN", "REFUSED"};
	cadre_node_event ev;
	if (cadre_node_event_read(m, &ev) != 0)
		return;
	unsigned k = (unsigned)ev.kind <= 3 ? (unsigned)ev.kind : 0;
	if (ev.kind == CADRE_NODE_UP)
		say("EV %llu UP %s %u", now_ms(), ev.name, ev.incarnation);
	else
		say("EV %llu %s %s reason=%d inc=%u", now_ms(), kinds[k],
		    ev.name[0] ? ev.name : "?", (int)ev.reason, ev.incarnation);
}

/* Pays the answer of the pending entry (kind, req), if there is one. */
static void
mon_settle(struct mon *s, int kind, uint64_t req, int status, cadre_ref ref)
{
	for (size_t i = 0; i < MAX_PENDING; i++)
		if (s->pending[i].kind == kind && s->pending[i].req == req) {
			struct answer a = {status, kind == P_SPAWN ? ref : s->pending[i].ref};
			cadre_reply(sys, &s->pending[i].to, 1, &a, sizeof a);
			s->pending[i].kind = P_FREE;
			return;
		}
}

static struct pending *
mon_slot(struct mon *s)
{
	for (size_t i = 0; i < MAX_PENDING; i++)
		if (s->pending[i].kind == P_FREE)
			return &s->pending[i];
	return NULL;
}

/* After a link or monitor to `to`: asks `to` (an echo or a worker answers)
 * and answers the main thread when the reply (or the timeout) comes. The
 * request follows the LINK or MONITOR signal from the same sender, so by
 * the reply the link or monitor is in place at the target: what the test
 * does next cannot overtake it. Returns false when it answered no one. */
static bool
mon_sync(struct mon *s, const cadre_request *rq, cadre_ref to)
{
	struct pending *p = mon_slot(s);
	uint64_t id;
	if (p == NULL || cadre_ask(&s->base, &s->asker, to, T_PING, "sync", 4, 1000, &id) != 0)
		return false;
	*p = (struct pending){P_SYNC, id, rq->reply_to, to};
	return true;
}

/* A request from the main thread: do it as this actor, answer with a
 * struct answer (a spawn's answer waits for the other node's reply). */
static int
mon_request(struct mon *s, const cadre_request *rq)
{
	struct answer a = {CADRE_EINVAL, CADRE_REF_NONE};
	uint64_t id;
	if ((rq->type == C_LINK || rq->type == C_MONITOR) && rq->size == sizeof(cadre_ref)) {
		memcpy(&a.ref, rq->data, sizeof a.ref);
		a.status = rq->type == C_LINK ? cadre_link(&s->base, a.ref)
		                              : cadre_monitor(&s->base, a.ref, &id);
		if (a.status == 0 && mon_sync(s, rq, a.ref))
			return 0;
	} else if (rq->type == C_SPAWN && rq->size == sizeof(struct spawn_cmd)) {
		struct spawn_cmd c;
		memcpy(&c, rq->data, sizeof c);
		struct pending *p = mon_slot(s);
		a.status = CADRE_ELIMIT;
		if (p != NULL) {
			a.status = cadre_spawn_on(&s->base, c.node, c.beh, c.node, strlen(c.node),
			                          c.flags, 2000, &id);
			if (a.status == 0) {
				*p = (struct pending){P_SPAWN, id, rq->reply_to, CADRE_REF_NONE};
				return 0;
			}
		}
	}
	return cadre_reply(sys, &rq->reply_to, 1, &a, sizeof a);
}

static int
mon_receive(cadre_actor *self, const cadre_msg *m)
{
	struct mon *s = (struct mon *)self;
	cadre_request rq;
	cadre_node_reply r;
	cadre_response resp;
	if (m->type == CADRE_MSG_NODE) {
		mon_node_event(m);
	} else if (cadre_node_reply_read(m, &r) == 0) {
		mon_settle(s, P_SPAWN, r.req, r.status, r.ref);
	} else if (cadre_reply_read(m, &resp) == 0) {
		mon_settle(s, P_SYNC, resp.id, 0, CADRE_REF_NONE); /* replied or timed out */
	} else if (m->type == CADRE_MSG_EXIT) {
		const cadre_exit_msg *e = m->data;
		print_reason("EXIT", e->from, &e->reason);
	} else if (m->type == CADRE_MSG_DOWN) {
		const cadre_down_msg *d = m->data;
		print_reason("DOWNMON", d->actor, &d->reason);
	} else if (cadre_ask_request(m, &rq) == 0) {
		return mon_request(s, &rq);
	}
	return 0;
}

static const cadre_behaviour mon_beh = {.size = sizeof(struct mon),
                                        .start = mon_start,
                                        .receive = mon_receive,
                                        .stop = mon_stop,
                                        .name = "mon"};

/* ---- commands ------------------------------------------------------------ */

static void
fail(int rc)
{
	say("ERR %d %s", rc, cadre_err_name(rc));
}

/* The ref a command names: "<node> <name>". */
static int
resolve(const char *node, const char *name, cadre_ref *ref)
{
	if (strcmp(node, "-") == 0)
		return sscanf(name, "%u.%u.%u.%u", &ref->sys, &ref->index, &ref->gen, &ref->node) ==
		                       4
		               ? 0
		               : CADRE_EINVAL;
	if (strcmp(node, ".") == 0)
		return cadre_whereis(sys, name, ref);
	return cadre_whereis_wait(sys, node, name, 2000, ref);
}

/* Asks mon to do something (type, payload) and prints its answer. */
static void
via_mon(uint32_t type, const void *data, size_t size)
{
	struct answer a;
	size_t got = 0;
	int rc = cadre_ask_wait(sys, mon_ref, type, data, size, 4000, &a, sizeof a, &got, NULL);
	if (rc == 0 && got == sizeof a)
		rc = a.status;
	if (rc != 0)
		fail(rc);
	else
		say("OK " REF_FMT, REF_ARGS(a.ref));
}

/* Sends for ms milliseconds (or n messages when ms is 0); counts outcomes. */
static void
cmd_send(cadre_ref to, long n, long ms, size_t size, uint32_t type)
{
	static char buf[65536];
	static uint64_t seq; /* the main thread's sends, in order (sink_check_order) */
	if (size > sizeof buf)
		size = sizeof buf;
	long ok = 0, full = 0, enode = 0, other = 0, tries = 0;
	int last = 0;
	unsigned long long end = now_ms() + (unsigned long long)ms;
	while (ms > 0 ? now_ms() < end : tries < n) {
		tries++;
		uint64_t next = seq + 1;
		if (size >= sizeof next)
			memcpy(buf, &next, sizeof next);
		int rc = cadre_send(sys, to, type, buf, size);
		seq += rc == 0;
		ok += rc == 0;
		full += rc == CADRE_EFULL;
		enode += rc == CADRE_ENODE;
		other += rc != 0 && rc != CADRE_EFULL && rc != CADRE_ENODE;
		if (rc != 0)
			last = rc;
		if (rc == CADRE_EFULL && ms > 0)
			usleep(50); /* backpressure: wait a little, as a sender should */
	}
	say("OK ok=%ld full=%ld enode=%ld other=%ld last=%s", ok, full, enode, other,
	    last != 0 ? cadre_err_name(last) : "0");
}

static long
rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

static void
cmd_stats(void)
{
	cadre_stats s;
	cadre_node_stats n;
	int rc = cadre_system_stats(sys, -1, &s);
	if (rc == 0)
		rc = cadre_node_stats_get(sys, &n);
	if (rc != 0) {
		fail(rc);
		return;
	}
	say("OK sent=%llu handled=%llu dead=%llu sink=%lu disorder=%lu frames_out=%llu "
	    "frames_in=%llu "
	    "malformed=%llu refused=%llu stale=%llu overflows=%llu dead_remote=%llu "
	    "reads_paused=%llu up=%llu down=%llu rss_kb=%ld",
	    (unsigned long long)s.sent, (unsigned long long)s.handled,
	    (unsigned long long)s.dead_letters,
	    /* Relaxed: counters reported as they stand (no pair). */
	    atomic_load_explicit(&sink_got, memory_order_relaxed),
	    atomic_load_explicit(&sink_disorder, memory_order_relaxed),
	    (unsigned long long)n.frames_out, (unsigned long long)n.frames_in,
	    (unsigned long long)n.malformed, (unsigned long long)n.refused,
	    (unsigned long long)n.stale, (unsigned long long)n.overflows,
	    (unsigned long long)n.dead_remote, (unsigned long long)n.reads_paused,
	    (unsigned long long)n.nodes_up, (unsigned long long)n.nodes_down, rss_kb());
}

static void
cmd_keep(char **av, int ac)
{
	static cadre_ref sup;
	if (!cadre_ref_is_none(sup) || ac < 2) {
		fail(CADRE_ESTATE);
		return;
	}
	for (int i = 1; i < ac && n_keep < MAX_KEEP; i++)
		snprintf(keep_nodes[n_keep++], sizeof keep_nodes[0], "%s", av[i]);
	int rc = cadre_supervisor_start(sys, &keep_spec, &sup, NULL, 5000);
	if (rc != 0)
		fail(rc);
	else
		say("OK " REF_FMT, REF_ARGS(sup));
}

static void
cmd_ask(cadre_ref to, cadre_timeout ms)
{
	char buf[64];
	size_t got = 0;
	int rc = cadre_ask_wait(sys, to, T_PING, "ping", 4, ms, buf, sizeof buf - 1, &got, NULL);
	if (rc != 0) {
		fail(rc);
		return;
	}
	buf[got < sizeof buf ? got : sizeof buf - 1] = 0;
	say("OK %s", buf);
}

static void
cmd_self(void)
{
	char name[CADRE_NODE_NAME_MAX + 1];
	uint32_t inc;
	int rc = cadre_node_self(sys, name, sizeof name, &inc);
	if (rc != 0)
		fail(rc);
	else
		say("OK %s %u", name, inc);
}

static void
cmd_nodes(void)
{
	char names[8][CADRE_NODE_NAME_MAX + 1];
	char line[8 * (CADRE_NODE_NAME_MAX + 2) + 16];
	int n = cadre_node_list(sys, names, 8);
	if (n < 0) {
		fail(n);
		return;
	}
	int len = snprintf(line, sizeof line, "OK %d", n);
	for (int i = 0; i < n && i < 8; i++)
		len += snprintf(line + len, sizeof line - (size_t)len, " %s", names[i]);
	say("%s", line);
}

/* A command that names a ref: "<cmd> <node> <name> ...". */
static void
cmd_on_ref(char **av, int ac)
{
	cadre_ref to;
	int rc = ac >= 3 ? resolve(av[1], av[2], &to) : CADRE_EINVAL;
	if (rc != 0) {
		fail(rc);
	} else if (strcmp(av[0], "whereis") == 0) {
		say("OK " REF_FMT, REF_ARGS(to));
	} else if (strcmp(av[0], "send") == 0 && ac >= 4) {
		cmd_send(to, atol(av[3]), 0, ac >= 5 ? (size_t)atol(av[4]) : 8, T_COUNT);
	} else if (strcmp(av[0], "flood") == 0 && ac >= 5) {
		cmd_send(to, 0, atol(av[3]) > 0 ? atol(av[3]) : 1, (size_t)atol(av[4]), T_COUNT);
	} else if (strcmp(av[0], "crash") == 0) {
		cmd_send(to, 1, 0, 0, T_CRASH);
	} else if (strcmp(av[0], "stop") == 0) {
		rc = cadre_stop_ref(sys, to);
		rc != 0 ? fail(rc) : say("OK");
	} else if (strcmp(av[0], "exit") == 0) {
		cadre_exit why = {CADRE_EXIT_SHUTDOWN, 0, NULL};
		rc = cadre_send_exit(sys, to, &why);
		rc != 0 ? fail(rc) : say("OK");
	} else if (strcmp(av[0], "ask") == 0) {
		cmd_ask(to, ac >= 4 && atol(av[3]) > 0 ? atol(av[3]) : 3000);
	} else if (strcmp(av[0], "link") == 0) {
		via_mon(C_LINK, &to, sizeof to);
	} else if (strcmp(av[0], "monitor") == 0) {
		via_mon(C_MONITOR, &to, sizeof to);
	} else {
		fail(CADRE_EINVAL);
	}
}

/* One command line; returns false on quit. */
static bool
command(char *line)
{
	char *av[MAX_ARGS], *save = NULL;
	int ac = 0;
	for (char *t = strtok_r(line, " \t\r\n", &save); t != NULL && ac < MAX_ARGS;
	     t = strtok_r(NULL, " \t\r\n", &save))
		av[ac++] = t;
	if (ac == 0)
		return true;
	if (strcmp(av[0], "quit") == 0)
		return false;
	if (strcmp(av[0], "stats") == 0) {
		cmd_stats();
	} else if (strcmp(av[0], "self") == 0) {
		cmd_self();
	} else if (strcmp(av[0], "nodes") == 0) {
		cmd_nodes();
	} else if (strcmp(av[0], "slow") == 0 && ac == 2) {
		/* Relaxed: a knob the sink reads at its next message (no pair). */
		atomic_store_explicit(&slow_us, (unsigned)atol(av[1]), memory_order_relaxed);
		say("OK");
	} else if (strcmp(av[0], "keep") == 0) {
		cmd_keep(av, ac);
	} else if (strcmp(av[0], "spawn") == 0 && ac >= 3) {
		struct spawn_cmd c = {
		        .flags = ac >= 4 && strcmp(av[3], "link") == 0 ? CADRE_SPAWN_LINK : 0};
		snprintf(c.node, sizeof c.node, "%s", av[1]);
		snprintf(c.beh, sizeof c.beh, "%s", av[2]);
		via_mon(C_SPAWN, &c, sizeof c);
	} else {
		cmd_on_ref(av, ac);
	}
	return true;
}

/* ---- start ---------------------------------------------------------------- */

struct opts {
	cadre_node_config node;
	const char *accept[MAX_ARGS], *seeds[MAX_ARGS], *seed_keys[MAX_ARGS];
	unsigned life;
};

static int
parse(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--insecure") == 0) {
			o->node.insecure = true;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(a, "--name") == 0)
			o->node.name = v;
		else if (strcmp(a, "--endpoint") == 0)
			o->node.endpoint = v;
		else if (strcmp(a, "--pub") == 0)
			o->node.public_key = v;
		else if (strcmp(a, "--sec") == 0)
			o->node.secret_key = v;
		else if (strcmp(a, "--accept") == 0 && o->node.n_accept_keys < MAX_ARGS)
			o->accept[o->node.n_accept_keys++] = v;
		else if (strcmp(a, "--seed") == 0 && o->node.n_seeds < MAX_ARGS)
			o->seeds[o->node.n_seeds++] = v;
		else if (strcmp(a, "--seed-key") == 0 && o->node.n_seeds > 0)
			o->seed_keys[o->node.n_seeds - 1] = v;
		else if (strcmp(a, "--tick") == 0)
			o->node.tick_ms = (uint32_t)atol(v);
		else if (strcmp(a, "--timeout") == 0)
			o->node.timeout_ms = (uint32_t)atol(v);
		else if (strcmp(a, "--queue-max") == 0)
			o->node.queue_max = (uint32_t)atol(v);
		else if (strcmp(a, "--inbound-max") == 0)
			o->node.inbound_max = (uint64_t)atoll(v);
		else if (strcmp(a, "--slow-us") == 0)
			atomic_store_explicit(&slow_us, (unsigned)atol(v),
			                      memory_order_relaxed); /* before any actor: no pair */
		else if (strcmp(a, "--life") == 0)
			o->life = (unsigned)atol(v);
		else
			return -1;
	}
	o->node.accept_keys = o->node.n_accept_keys > 0 ? o->accept : NULL;
	o->node.seeds = o->node.n_seeds > 0 ? o->seeds : NULL;
	o->node.seed_keys = o->node.n_seeds > 0 && !o->node.insecure ? o->seed_keys : NULL;
	return o->node.name != NULL && o->node.endpoint != NULL ? 0 : -1;
}

/* The behaviours others may spawn here, and the named actors. */
static int
populate(void)
{
	cadre_ref echo, sink;
	int rc = cadre_node_behaviour(sys, "echo", &echo_beh);
	if (rc == 0)
		rc = cadre_node_behaviour(sys, "sink", &sink_beh);
	if (rc == 0)
		rc = cadre_node_behaviour(sys, "worker", &worker_beh);
	if (rc == 0)
		rc = cadre_spawn(sys, &echo_beh, NULL, NULL, &echo);
	if (rc == 0)
		rc = cadre_register(sys, "echo", echo);
	if (rc == 0)
		rc = cadre_spawn(sys, &sink_beh, NULL, NULL, &sink);
	if (rc == 0)
		rc = cadre_register(sys, "sink", sink);
	if (rc == 0)
		rc = cadre_spawn(sys, &mon_beh, NULL, NULL, &mon_ref);
	if (rc == 0)
		rc = cadre_register(sys, "mon", mon_ref);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = {.life = 60};
	if (parse(argc, argv, &o) != 0) {
		fprintf(stderr,
		        "usage: node_proc --name N --endpoint E (--insecure | --pub K --sec K "
		        "--accept K...) [--seed E [--seed-key K]]... [--tick MS] [--timeout MS] "
		        "[--queue-max N] [--inbound-max B] [--slow-us US] [--life S]\n");
		return 2;
	}
	/* Bounded: gone after its lifetime, and with the test that started it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(o.life);
	cadre_config cfg = {.workers = 2, .no_pinning = true, .node = &o.node};
	int rc = cadre_system_new(&sys, &cfg);
	if (rc != 0) {
		fprintf(stderr, "node_proc: cadre_system_new: %s\n", cadre_strerror(rc));
		return 1;
	}
	rc = populate();
	if (rc != 0) {
		fprintf(stderr, "node_proc: setting up: %s\n", cadre_strerror(rc));
		cadre_system_free(sys);
		return 1;
	}
	uint32_t inc = 0;
	char name[CADRE_NODE_NAME_MAX + 1] = "";
	cadre_node_self(sys, name, sizeof name, &inc);
	say("READY %s %u %d %d", name, inc, (int)getpid(), SANITIZED);
	char line[512];
	while (fgets(line, sizeof line, stdin) != NULL && command(line))
		;
	rc = cadre_system_shutdown(sys, 5000);
	cadre_system_free(sys);
	say("OK bye");
	return rc == 0 ? 0 : 1;
}
