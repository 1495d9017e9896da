/* cadre-bench-dist: distribution benchmarks (docs/performance.md,
 * "Distribution"; the output is docs/benchmarks.md's JSON Lines). Two
 * Cadre nodes on this machine, talking over TCP on loopback: the same two
 * tests as tools/dist/erlang/dist_bench.erl runs between two Erlang nodes.
 *
 * Roles. `--role server` makes a node (--name, default "b", listening at
 * --endpoint) with two registered actors: "echo" answers every ping with
 * the same bytes, "sink" counts data messages and their bytes, answers a
 * sync with an ack and a count request with its counts (then starts again
 * from zero), and ends the server on a quit. `--role client` makes a node
 * (--name, default "a", at --endpoint), connects to --peer (the server's
 * endpoint, its name --peer-name), looks echo and sink up there with
 * cadre_whereis_wait, runs the tests and prints a line for each.
 * `--role spawn` (the default) forks a server first, on --peer, and stops
 * it at the end: one command for both nodes.
 *
 * pingpong: one actor sends a ping (--size bytes, its sequence number in
 * the first 8), waits for the echo, checks it and records the round trip
 * (clock_gettime, before the send to the start of the receive) in a log
 * histogram (tools/io/loadgen_hist.h), for --secs seconds after --warmup
 * seconds of untimed round trips. msgs = 2 x round trips; p50/p99/p999 and
 * max over the measured round trips.
 *
 * throughput: --senders actors each send --size-byte messages to the sink
 * and, after every --ack-every of them, a sync carrying its count; the sink
 * answers with an ack, and FIFO order per pair means everything before it
 * arrived. A sender keeps at most --window messages unacknowledged, so the
 * node's per-peer queue (queue_max, 65,536) is not reached with the
 * defaults; a send that still meets CADRE_EFULL (the peer's queue is full)
 * is counted in `overflows` and retried 1 ms later (a timer). A sender
 * sends --slice messages a turn, then a continue to itself, so that it does
 * not hold its worker. At --secs it stops, sends a last sync and waits for
 * its ack: secs runs from the start to the last sender's last ack, and
 * every message counted arrived. A warm-up phase of --warmup seconds runs
 * the same way first; then the sink's counts are read and reset. The check:
 * the sink counted exactly the messages and bytes the senders sent, and the
 * nodes saw no malformed frame, no dead letter for a down node.
 *
 * `--role local` runs the same tests inside one system that is not a node
 * (bench names local_pingpong, local_throughput): the reference that says
 * what crossing to another process costs.
 *
 * Security: insecure by default (as Erlang's distribution, which has only
 * the cookie); --curve encrypts and authenticates with the TEST-ONLY key
 * pairs below (never use them for anything else). Erlang's TLS distribution
 * is not measured against it.
 *
 * The workers are not pinned (cadre_config.no_pinning): two nodes on one
 * machine would otherwise pin their first workers to the same CPU; Erlang's
 * schedulers are not bound by default either. */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>

#include <cadre/node.h>

#include "bench_cli.h"
#include "bench_dist.h"
#include "bench_progress.h"

/* TEST-ONLY CURVE key pairs (Z85), for measuring with --curve on one
 * machine. Public in this source: they protect nothing. */
static const char *const TEST_SERVER_PUBLIC = "g*g3i}ib&eU6/K:5JJ]lX1{51AmeRU-#kg#3k+5)";
static const char *const TEST_SERVER_SECRET = "ktPD[GCcj-.%JiH7yDY#-*+^YCrf!:y<+eqw%=q4";
static const char *const TEST_CLIENT_PUBLIC = "LnL=&o/F05xxSAv9{x2lfHC}0j9aQ(tZQF$!u3b2";
static const char *const TEST_CLIENT_SECRET = "]Mk}[<i%Mwu=stiUiVD&2QYigoZPTkt>+[b8p{IU";

/* ---- the server's actors ------------------------------------------------------------ */

/* Set by the sink on T_QUIT, read by the server's main thread: relaxed,
 * a flag with nothing published behind it. */
static atomic_bool quit_asked;
static volatile sig_atomic_t quit_signal;
/* Replies the server could not send (counted, reported at the end). */
static atomic_uint_least64_t server_errors;

static void
server_send(cadre_actor *self, cadre_ref to, uint32_t type, const void *data, size_t size)
{
	if (cadre_send(cadre_actor_system(self), to, type, data, size) != 0)
		atomic_fetch_add_explicit(&server_errors, 1, memory_order_relaxed); /* a counter */
}

static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == T_PING)
		server_send(self, m->sender, T_PONG, m->data, m->size);
	return 0;
}

static const cadre_behaviour echo_beh = {
        .size = sizeof(cadre_actor), .receive = echo_receive, .name = "dist.echo"};

struct sink {
	cadre_actor base;
	struct counts c;
};

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sink *s = (struct sink *)self;
	switch (m->type) {
	case T_DATA:
		s->c.msgs++;
		s->c.bytes += m->size;
		break;
	case T_SYNC:
		server_send(self, m->sender, T_ACK, m->data, m->size);
		break;
	case T_COUNT:
		server_send(self, m->sender, T_COUNT_R, &s->c, sizeof s->c);
		s->c = (struct counts){0, 0};
		break;
	case T_QUIT:
		atomic_store_explicit(&quit_asked, true, memory_order_relaxed); /* a flag */
		break;
	default:
		break;
	}
	return 0;
}

static const cadre_behaviour sink_beh = {
        .size = sizeof(struct sink), .receive = sink_receive, .name = "dist.sink"};

/* ---- nodes ---------------------------------------------------------------------------- */

/* Makes the node: server (its keys, accepting the client's) or client. */
static int
node_new(const struct opts *o, bool server, cadre_system **sys)
{
	const char *accept = server ? TEST_CLIENT_PUBLIC : TEST_SERVER_PUBLIC;
	cadre_node_config n = {
	        .name = server ? o->peer_name : o->name,
	        .endpoint = server ? o->peer : o->endpoint,
	        .insecure = !o->curve,
	};
	if (o->curve) {
		n.public_key = server ? TEST_SERVER_PUBLIC : TEST_CLIENT_PUBLIC;
		n.secret_key = server ? TEST_SERVER_SECRET : TEST_CLIENT_SECRET;
		n.accept_keys = &accept;
		n.n_accept_keys = 1;
	}
	cadre_config cfg = {.workers = o->workers, .no_pinning = true, .node = &n};
	int rc = cadre_system_new(sys, &cfg);
	if (rc != 0)
		note(PROG ": %s node %s at %s: %s", server ? "server" : "client", n.name,
		     n.endpoint, cadre_err_name(rc));
	return rc;
}

static void
node_report(cadre_system *sys, const char *who, uint64_t *bad)
{
	cadre_node_stats st;
	if (cadre_node_stats_get(sys, &st) != 0)
		return;
	note(PROG ": %s node: frames out %" PRIu64 " in %" PRIu64 ", bytes out %" PRIu64
	          " in %" PRIu64 ", malformed %" PRIu64 ", stale %" PRIu64 ", overflows %" PRIu64
	          ", dead_remote %" PRIu64 ", reads paused %" PRIu64,
	     who, st.frames_out, st.frames_in, st.bytes_out, st.bytes_in, st.malformed, st.stale,
	     st.overflows, st.dead_remote, st.reads_paused);
	if (bad)
		*bad = st.malformed + st.dead_remote + st.refused;
}

static void
on_signal(int sig)
{
	(void)sig;
	quit_signal = 1;
}

/* The server: runs until a T_QUIT, SIGTERM or SIGINT, or --life seconds. */
static int
server_main(const struct opts *o)
{
	cadre_system *sys;
	cadre_ref echo, sink;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (node_new(o, true, &sys) != 0)
		return 1;
	int rc = cadre_spawn(sys, &echo_beh, NULL, NULL, &echo);
	if (rc == 0)
		rc = cadre_spawn(sys, &sink_beh, NULL, NULL, &sink);
	if (rc == 0)
		rc = cadre_register(sys, "echo", echo);
	if (rc == 0)
		rc = cadre_register(sys, "sink", sink);
	if (rc != 0) {
		note(PROG ": server: %s", cadre_err_name(rc));
		cadre_system_free(sys);
		return 1;
	}
	double end = bench_now() + o->life;
	while (!quit_signal && bench_now() < end &&
	       !atomic_load_explicit(&quit_asked, memory_order_relaxed)) /* a flag */
		usleep(20000);
	node_report(sys, "server", NULL);
	uint64_t errs = atomic_load_explicit(&server_errors, memory_order_relaxed); /* a counter */
	if (errs)
		note(PROG ": server: %" PRIu64 " replies could not be sent", errs);
	cadre_system_shutdown(sys, 5000);
	cadre_system_free(sys);
	return errs ? 1 : 0;
}

/* ---- the client ------------------------------------------------------------------------- */

/* The client node, up, with the server's echo and sink found; 0 or 1. */
static int
client_connect(const struct opts *o, cadre_system **sys, cadre_ref *echo, cadre_ref *sink)
{
	if (node_new(o, false, sys) != 0)
		return 1;
	int rc = cadre_node_connect(*sys, o->peer, o->curve ? TEST_SERVER_PUBLIC : NULL);
	if (rc == 0)
		rc = cadre_node_wait(*sys, o->peer_name, 30000);
	double end = bench_now() + 30;
	do {
		if (rc == 0 || rc == CADRE_ENOENT)
			rc = cadre_whereis_wait(*sys, o->peer_name, "echo", 10000, echo);
		if (rc == 0)
			rc = cadre_whereis_wait(*sys, o->peer_name, "sink", 10000, sink);
		if (rc == CADRE_ENOENT)
			usleep(20000); /* the server has not registered them yet */
	} while (rc == CADRE_ENOENT && bench_now() < end);
	if (rc != 0) {
		note(PROG ": client: cannot reach %s at %s: %s", o->peer_name, o->peer,
		     cadre_err_name(rc));
		cadre_system_free(*sys);
		return 1;
	}
	return 0;
}

/* --role local: no node; the echo and the sink are actors of this system. */
static int
local_setup(const struct opts *o, cadre_system **sys, cadre_ref *echo, cadre_ref *sink)
{
	cadre_config cfg = {.workers = o->workers, .no_pinning = true};
	int rc = cadre_system_new(sys, &cfg);
	if (rc != 0) {
		note(PROG ": local: %s", cadre_err_name(rc));
		return 1;
	}
	rc = cadre_spawn(*sys, &echo_beh, NULL, NULL, echo);
	if (rc == 0)
		rc = cadre_spawn(*sys, &sink_beh, NULL, NULL, sink);
	if (rc != 0) {
		note(PROG ": local: %s", cadre_err_name(rc));
		cadre_system_free(*sys);
		return 1;
	}
	return 0;
}

static int
client_main(const struct opts *o)
{
	cadre_system *sys;
	cadre_ref echo, sink;
	if ((o->local ? local_setup(o, &sys, &echo, &sink) : client_connect(o, &sys, &echo, &sink)))
		return 1;
	bool ok = true;
	for (unsigned i = 0; i < o->nsizes; i++) {
		if (o->ping) {
			note(PROG ": cadre pingpong %" PRIu32 " B", o->sizes[i]);
			ok = dist_pingpong(o, sys, echo, o->sizes[i]) && ok;
		}
		if (o->thru) {
			note(PROG ": cadre throughput %" PRIu32 " B", o->sizes[i]);
			ok = dist_throughput(o, sys, sink, o->sizes[i]) && ok;
		}
	}
	uint64_t bad = 0;
	if (!o->local)
		node_report(sys, "client", &bad);
	if (bad) {
		note(PROG ": client: malformed frames or dead letters: check failed");
		ok = false;
	}
	if (o->stop_server && !o->local)
		cadre_send(sys, sink, T_QUIT, NULL, 0);
	cadre_system_shutdown(sys, 5000);
	cadre_system_free(sys);
	return ok ? 0 : 1;
}

/* Waits up to secs for the child; true once it has exited (status in *st). */
static bool
reaped(pid_t pid, double secs, int *st)
{
	double end = bench_now() + secs;
	do {
		if (waitpid(pid, st, WNOHANG) == pid)
			return true;
		usleep(10000);
	} while (bench_now() < end);
	return false;
}

/* --role spawn: the server in a child process, the client here. The client
 * sends the sink a quit at the end; a server that has not ended 2 s later
 * gets a SIGTERM, and 10 s later a SIGKILL. */
static int
spawn_main(struct opts *o)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		note(PROG ": fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0)
		_exit(server_main(o));
	o->stop_server = true;
	int rc = client_main(o), st = 0;
	if (!reaped(pid, 2, &st)) {
		kill(pid, SIGTERM);
		if (!reaped(pid, 10, &st)) {
			note(PROG ": the server did not stop: killed");
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return 1;
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = 1;
	return rc;
}

/* ---- options ---------------------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--role spawn|server|client|local] [--endpoint E] [--peer E]\n"
	           "         [--name N] [--peer-name N] [--test pingpong,throughput]\n"
	           "         [--size 100,4096] [--secs S] [--warmup S] [--workers W]\n"
	           "         [--senders K] [--window M] [--ack-every A] [--slice N]\n"
	           "         [--curve] [--stop-server] [--life S] [--quick]\n"
	           "  --role     spawn: fork a server, run the client (default); server; client\n"
	           "  --endpoint this node's endpoint (client default tcp://127.0.0.1:17301,\n"
	           "             server default --peer's)\n"
	           "  --peer     the server's endpoint (default tcp://127.0.0.1:17300)\n"
	           "  --name     this node's name (client default a, server default b)\n"
	           "  --peer-name the server's name, for the client (default b)\n"
	           "  --secs     measured seconds per test and size (default 3); --warmup\n"
	           "             untimed seconds before (default 1); --quick: both / 10\n"
	           "  --workers  workers of each node (default 1)\n"
	           "  --senders  throughput: sender actors (1); --window: unacknowledged\n"
	           "             messages per sender (10000); --ack-every: a sync every A (1000)\n"
	           "  --curve    CURVE on, with the tool's test-only keys\n"
	           "  --life     server: exit after S seconds at most (default 3600)\n");
}

static void
parse_sizes(struct bench_args *a, struct opts *o)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", bench_args_value(a));
	o->nsizes = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (o->nsizes == 8 || !bench_parse_u64(t, 8, 1u << 20, &v))
			bench_args_bad(a);
		o->sizes[o->nsizes++] = (uint32_t)v;
	}
	if (o->nsizes == 0)
		bench_args_bad(a);
}

static void
parse_test(struct bench_args *a, struct opts *o)
{
	const char *v = bench_args_value(a);
	o->ping = strstr(v, "pingpong") != NULL;
	o->thru = strstr(v, "throughput") != NULL;
	if (!o->ping && !o->thru)
		bench_args_bad(a);
}

static void
parse_role(struct bench_args *a, struct opts *o)
{
	const char *v = bench_args_value(a);
	if (strcmp(v, "spawn") == 0)
		o->role = ROLE_SPAWN;
	else if (strcmp(v, "server") == 0)
		o->role = ROLE_SERVER;
	else if (strcmp(v, "client") == 0)
		o->role = ROLE_CLIENT;
	else if (strcmp(v, "local") == 0)
		o->role = ROLE_LOCAL;
	else
		bench_args_bad(a);
	o->local = o->role == ROLE_LOCAL;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	struct bench_args a;
	bool quick = false, ep_set = false, name_set = false;
	*o = (struct opts){.endpoint = "tcp://127.0.0.1:17301",
	                   .peer = "tcp://127.0.0.1:17300",
	                   .name = "a",
	                   .peer_name = "b",
	                   .ping = true,
	                   .thru = true,
	                   .sizes = {100, 4096},
	                   .nsizes = 2,
	                   .workers = 1,
	                   .senders = 1,
	                   .secs = 3,
	                   .warmup = 1,
	                   .life = 3600,
	                   .window = 10000,
	                   .ack_every = 1000,
	                   .slice = 1000};
	bench_args_init(&a, argc, argv, PROG, usage);
	while (bench_args_next(&a)) {
		if (bench_args_is(&a, "--role")) {
			parse_role(&a, o);
		} else if (bench_args_is(&a, "--endpoint")) {
			o->endpoint = bench_args_value(&a);
			ep_set = true;
		} else if (bench_args_is(&a, "--peer")) {
			o->peer = bench_args_value(&a);
		} else if (bench_args_is(&a, "--name")) {
			o->name = bench_args_value(&a);
			name_set = true;
		} else if (bench_args_is(&a, "--peer-name")) {
			o->peer_name = bench_args_value(&a);
		} else if (bench_args_is(&a, "--test")) {
			parse_test(&a, o);
		} else if (bench_args_is(&a, "--size")) {
			parse_sizes(&a, o);
		} else if (bench_args_is(&a, "--secs")) {
			o->secs = bench_args_double(&a, 0.001, 3600);
		} else if (bench_args_is(&a, "--warmup")) {
			o->warmup = bench_args_double(&a, 0, 3600);
		} else if (bench_args_is(&a, "--life")) {
			o->life = bench_args_double(&a, 1, 86400);
		} else if (bench_args_is(&a, "--workers")) {
			o->workers = (unsigned)bench_args_u64(&a, 1, 64);
		} else if (bench_args_is(&a, "--senders")) {
			o->senders = (unsigned)bench_args_u64(&a, 1, 64);
		} else if (bench_args_is(&a, "--window")) {
			o->window = bench_args_u64(&a, 1, 1u << 24);
		} else if (bench_args_is(&a, "--ack-every")) {
			o->ack_every = bench_args_u64(&a, 1, 1u << 24);
		} else if (bench_args_is(&a, "--slice")) {
			o->slice = bench_args_u64(&a, 1, 1u << 24);
		} else if (bench_args_is(&a, "--curve")) {
			o->curve = true;
		} else if (bench_args_is(&a, "--stop-server")) {
			o->stop_server = true;
		} else if (bench_args_is(&a, "--quick")) {
			quick = true;
		} else {
			bench_args_bad(&a);
		}
	}
	if (o->window < o->ack_every) {
		fprintf(stderr, PROG ": --window must be at least --ack-every\n");
		exit(2);
	}
	if (o->role == ROLE_SERVER) { /* the server is the peer: its --endpoint, --name */
		o->peer = ep_set ? o->endpoint : o->peer;
		o->peer_name = name_set ? o->name : o->peer_name;
	}
	if (quick) {
		o->secs /= 10;
		o->warmup /= 10;
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	progress_init();
	parse_opts(argc, argv, &o);
	switch (o.role) {
	case ROLE_SERVER:
		return server_main(&o);
	case ROLE_CLIENT:
	case ROLE_LOCAL:
		return client_main(&o);
	default:
		return spawn_main(&o);
	}
}
