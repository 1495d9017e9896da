/* The deterministic mode (cadre/sim.h): same seed, same run (hash, order,
 * refs); other seeds, other orders; no thread; virtual time (monotonic, a
 * 1 hour timer fires at once); refused calls; the drives' codes;
 * cadre_sim_check and its replay. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cadre.h>

#include "check.h"
#include "procfs.h"
#include "quiet.h"

/* ---- a scenario: spawns, a ping-pong, a fan-in, timers, a supervised crash */
#define FEEDERS 4
#define PER_FEEDER 20
#define ROUNDS 50
#define LOG_MAX 512

enum { T_FEED = 1, T_TICK = 2, T_PING = 3, T_PONG = 4, T_CRASH = 5, T_HELLO = 6 };

struct world {
	uint32_t log[LOG_MAX]; /* what the collector got, in order */
	size_t n;
	uint32_t ticks, pongs, crashy_starts;
	uint64_t tick_at[3]; /* the clock at each tick */
	cadre_ref collector, crashy;
	cadre_system *sys;
};

struct coll {
	cadre_actor base;
	struct world *w;
};

static int
coll_start(cadre_actor *self, void *arg)
{
	struct coll *c = (struct coll *)self;
	c->w = arg;
	static const cadre_timeout delays[3] = {5, 1, 3600000};
	for (uint32_t i = 0; i < 3; i++)
		CHECK_EQ(cadre_send_after(c->w->sys, cadre_self(self), T_TICK, &i, sizeof i,
		                          delays[i], NULL),
		         0);
	return 0;
}

static int
coll_receive(cadre_actor *self, const cadre_msg *m)
{
	struct world *w = ((struct coll *)self)->w;
	uint32_t v = m->size == sizeof(uint32_t) ? *(const uint32_t *)m->data : 0;
	if (m->type == T_TICK) {
		w->tick_at[v] = cadre_system_now_ms(w->sys);
		w->ticks++;
	}
	if (w->n < LOG_MAX)
		w->log[w->n++] = m->type << 16 | v;
	return 0;
}

static const cadre_behaviour coll_beh = {
        .size = sizeof(struct coll), .start = coll_start, .receive = coll_receive};

struct feeder {
	cadre_actor base;
};

struct feed_arg {
	struct world *w;
	uint32_t index;
};

static int
feeder_start(cadre_actor *self, void *arg)
{
	const struct feed_arg *fa = arg;
	for (uint32_t i = 0; i < PER_FEEDER; i++) {
		uint32_t v = fa->index * 100 + i;
		CHECK_EQ(cadre_send(fa->w->sys, fa->w->collector, T_FEED, &v, sizeof v), 0);
	}
	return cadre_stop(self);
}

static const cadre_behaviour feeder_beh = {
        .size = sizeof(struct feeder), .start = feeder_start, .receive = noop_receive};

/* ping sends T_PING to pong with its own ref; pong answers; ROUNDS times */
struct pinger {
	cadre_actor base;
	struct world *w;
	cadre_ref peer;
	uint32_t left;
};

static int
pong_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_ref from = *(const cadre_ref *)m->data;
	cadre_ref me = cadre_self(self);
	return cadre_send(cadre_actor_system(self), from, T_PONG, &me, sizeof me);
}

static const cadre_behaviour pong_beh = {.size = sizeof(struct pinger), .receive = pong_receive};

static int
ping_start(cadre_actor *self, void *arg)
{
	struct pinger *p = (struct pinger *)self;
	p->w = arg;
	p->left = ROUNDS;
	CHECK_EQ(cadre_spawn(p->w->sys, &pong_beh, NULL, NULL, &p->peer), 0);
	cadre_ref me = cadre_self(self);
	return cadre_send(p->w->sys, p->peer, T_PING, &me, sizeof me);
}

static int
ping_receive(cadre_actor *self, const cadre_msg *m)
{
	struct pinger *p = (struct pinger *)self;
	(void)m;
	p->w->pongs++;
	if (--p->left == 0) {
		cadre_stop_ref(p->w->sys, p->peer);
		return cadre_stop(self);
	}
	cadre_ref me = cadre_self(self);
	return cadre_send(p->w->sys, p->peer, T_PING, &me, sizeof me);
}

static const cadre_behaviour ping_beh = {
        .size = sizeof(struct pinger), .start = ping_start, .receive = ping_receive};

/* A supervised child that crashes on T_CRASH. */
struct crashy {
	cadre_actor base;
};

static int
crashy_start(cadre_actor *self, void *arg)
{
	struct world *w = arg;
	w->crashy = cadre_self(self);
	w->crashy_starts++;
	return 0;
}

static int
crashy_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return m->type == T_CRASH ? 7 : 0;
}

static const cadre_behaviour crashy_beh = {
        .size = sizeof(struct crashy), .start = crashy_start, .receive = crashy_receive};

struct outcome {
	uint64_t hash;
	struct world w;
};

static const char *trace_to; /* a file: the scenario records its trace there */

static void
scenario(uint64_t seed, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	struct world *w = &o->w;
	cadre_config cfg = {.seed = seed, .quiet = true, .trace_events = trace_to ? 1u << 16 : 0};
	CHECK_EQ(cadre_system_new(&w->sys, &cfg), 0);
	CHECK_EQ(cadre_sim_seed(w->sys), seed);
	CHECK_EQ(cadre_spawn(w->sys, &coll_beh, NULL, w, &w->collector), 0);
	struct feed_arg fa[FEEDERS];
	cadre_ref scratch;
	for (uint32_t i = 0; i < FEEDERS; i++) {
		fa[i] = (struct feed_arg){w, i};
		CHECK_EQ(cadre_spawn(w->sys, &feeder_beh, NULL, &fa[i], &scratch), 0);
	}
	CHECK_EQ(cadre_spawn(w->sys, &ping_beh, NULL, w, &scratch), 0);
	cadre_child_spec kid = {.id = "crashy", .beh = &crashy_beh, .arg = w};
	cadre_sup_spec sp = {.strategy = CADRE_ONE_FOR_ONE,
	                     .intensity = 3,
	                     .period_ms = 1000,
	                     .children = &kid,
	                     .nchildren = 1};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(w->sys, &sp, &sup, NULL, 10000), 0);
	CHECK_EQ(w->crashy_starts, 1);
	CHECK_EQ(cadre_send(w->sys, w->crashy, T_CRASH, NULL, 0), 0);
	CHECK(cadre_sim_run(w->sys, CADRE_FOREVER) > 0);
	CHECK_EQ(w->crashy_starts, 2); /* restarted once */
	CHECK_EQ(w->ticks, 3);
	CHECK_EQ(w->pongs, ROUNDS);
	CHECK_EQ(w->n, FEEDERS * PER_FEEDER + 3);
	CHECK_EQ(w->tick_at[0], 5);
	CHECK_EQ(w->tick_at[1], 1);
	CHECK_EQ(w->tick_at[2], 3600000);
	CHECK_EQ(cadre_system_now_ms(w->sys), 3600000);
	o->hash = cadre_sim_hash(w->sys);
	CHECK(o->hash != 0);
	if (trace_to != NULL)
		CHECK_EQ(cadre_trace_write(w->sys, trace_to), 0);
	cadre_system_free(w->sys);
}

static void
same_seed_same_run(void)
{
	static struct outcome a, b;
	scenario(42, &a);
	scenario(42, &b);
	CHECK(a.hash == b.hash);
	CHECK_EQ(a.w.n, b.w.n);
	CHECK(memcmp(a.w.log, b.w.log, a.w.n * sizeof a.w.log[0]) == 0);
	/* refs: the same slots and generations (the system id differs) */
	CHECK_EQ(a.w.collector.index, b.w.collector.index);
	CHECK_EQ(a.w.collector.gen, b.w.collector.gen);
	CHECK_EQ(a.w.crashy.index, b.w.crashy.index);
	CHECK_EQ(a.w.crashy.gen, b.w.crashy.gen);
}

/* Another process (another address space, other system ids): the same
 * hash, the same order. */
static void
same_seed_same_run_in_another_process(void)
{
	static struct outcome a, b;
	int fds[2];
	CHECK_EQ(pipe(fds), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		void *waste = malloc(12345); /* other addresses than the parent's */
		scenario(42, &b);
		free(waste);
		ssize_t w = write(fds[1], &b, sizeof b);
		_exit(w == (ssize_t)sizeof b ? 0 : 1);
	}
	scenario(42, &a);
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t r = read(fds[0], (char *)&b + got, sizeof b - got);
		CHECK(r > 0);
		got += (size_t)r;
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(fds[0]);
	close(fds[1]);
	CHECK(a.hash == b.hash);
	CHECK(memcmp(a.w.log, b.w.log, sizeof a.w.log) == 0);
}

static void
other_seeds_other_orders(void)
{
	enum { K = 20 };
	static struct outcome o[K];
	unsigned distinct_hash = 0, distinct_log = 0;
	for (unsigned i = 0; i < K; i++) {
		scenario(1000 + i, &o[i]);
		bool new_hash = true, new_log = true;
		for (unsigned j = 0; j < i; j++) {
			new_hash &= o[j].hash != o[i].hash;
			new_log &= memcmp(o[j].w.log, o[i].w.log, sizeof o[i].w.log) != 0;
		}
		distinct_hash += new_hash;
		distinct_log += new_log;
	}
	fprintf(stderr, "%u distinct hashes, %u distinct orders of %d seeds\n", distinct_hash,
	        distinct_log, K);
	CHECK(distinct_hash >= K - 2);
	CHECK(distinct_log >= K / 2);
}

/* ---- the trace: one seed, one file --------------------------------------------
 * With the trace recording, a seed's runs write the same file: stamps from
 * the virtual clock, pid 1, the seed in place of the system id. Only the
 * system's id in refs and in the process's name differs (each system of a
 * process has its own), and flow ids are message addresses (they differ between runs; pooled blocks are
 * reused): they are renamed 1, 2, 3 ... in the order they first appear
 * before the files are compared. */
static char *
read_normalised(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	static char raw[64u << 20];
	size_t n = fread(raw, 1, sizeof raw - 1, f);
	CHECK(n > 0 && n < sizeof raw - 1);
	fclose(f);
	raw[n] = 0;
	char *out = malloc(n + 1);
	CHECK(out != NULL);
	static unsigned long long seen[1u << 16];
	size_t nseen = 0, nids = 0, o = 0;
	const char *key = "\"id\":";
	for (size_t i = 0; i < n;) {
		if (strncmp(raw + i, key, 5) == 0) {
			char *end;
			unsigned long long id = strtoull(raw + i + 5, &end, 10);
			nids++;
			size_t k = 0;
			while (k < nseen && seen[k] != id)
				k++;
			if (k == nseen) {
				CHECK(nseen < sizeof seen / sizeof seen[0]);
				seen[nseen++] = id;
			}
			o += (size_t)sprintf(out + o, "\"id\":%zu", k + 1);
			i = (size_t)(end - raw);
		} else if (strncmp(raw + i, "\"<", 2) == 0 || strncmp(raw + i, "system ", 7) == 0) {
			/* a ref's system id, and the process's name: "S" */
			size_t k = raw[i] == '"' ? 2 : 7;
			memcpy(out + o, raw + i, k);
			o += k;
			i += k;
			while (raw[i] >= '0' && raw[i] <= '9')
				i++;
			out[o++] = 'S';
		} else {
			out[o++] = raw[i++];
		}
	}
	out[o] = 0;
	*len = o;
	CHECK(nids > 200 && nseen > 10); /* the scenario's messages are in it */
	return out;
}

static void
same_seed_same_trace(void)
{
	static struct outcome o;
	char pa[] = "/tmp/cadre-sim-trace-XXXXXX", pb[] = "/tmp/cadre-sim-trace-XXXXXX",
	     pc[] = "/tmp/cadre-sim-trace-XXXXXX";
	int fa = mkstemp(pa), fb = mkstemp(pb), fc = mkstemp(pc);
	CHECK(fa >= 0 && fb >= 0 && fc >= 0);
	void *waste = malloc(4321); /* other addresses in the second run */
	trace_to = pa;
	scenario(42, &o);
	trace_to = pb;
	scenario(42, &o);
	trace_to = pc;
	scenario(43, &o);
	trace_to = NULL;
	free(waste);
	size_t la, lb, lc;
	char *a = read_normalised(pa, &la), *b = read_normalised(pb, &lb),
	     *c = read_normalised(pc, &lc);
	CHECK_EQ(la, lb);
	CHECK(memcmp(a, b, la) == 0);
	CHECK(la != lc || memcmp(a, c, la) != 0); /* another seed, another trace */
	free(a);
	free(b);
	free(c);
	close(fa);
	close(fb);
	close(fc);
	unlink(pa);
	unlink(pb);
	unlink(pc);
}

/* ---- no thread ------------------------------------------------------------------ */

static int blocking_ran;

static int
blocking_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	char b[4];
	/* a blocking call from a callback would block the one thread */
	CHECK_EQ(cadre_ask_wait(cadre_actor_system(self), cadre_self(self), 2, NULL, 0, 10, b,
	                        sizeof b, NULL, NULL),
	         CADRE_EWOULDBLOCK);
	blocking_ran++;
	return 0;
}

static const cadre_behaviour blocking_beh = {.size = sizeof(cadre_actor),
                                             .receive = blocking_receive};

static void
no_thread_is_started(void)
{
	int before = threads_now();
	static struct outcome o;
	cadre_system *sys;
	cadre_config cfg = {.seed = 7, .workers = 8, .blocking_threads = 4, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(threads_now(), before);
	CHECK_EQ(cadre_system_workers(sys), 1);
	/* a blocking-pool actor runs on this thread too */
	cadre_ref r;
	cadre_spawn_opts bo = {.flags = CADRE_SPAWN_BLOCKING};
	CHECK_EQ(cadre_spawn(sys, &blocking_beh, &bo, NULL, &r), 0);
	CHECK_EQ(cadre_send(sys, r, 1, NULL, 0), 0);
	blocking_ran = 0;
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	CHECK_EQ(blocking_ran, 1);
	CHECK_EQ(threads_now(), before);
	cadre_system_free(sys);
	scenario(7, &o); /* spawns, timers, a supervisor, restarts */
	CHECK_EQ(threads_now(), before);
}

/* ---- virtual time ------------------------------------------------------------------ */
struct clocked {
	cadre_actor base;
	uint64_t last, n, bad;
};

static int
clocked_receive(cadre_actor *self, const cadre_msg *m)
{
	struct clocked *c = (struct clocked *)self;
	uint64_t now = cadre_system_now_ms(cadre_actor_system(self));
	uint64_t due = *(const uint64_t *)m->data;
	c->bad += now < c->last || now < due;
	c->last = now;
	c->n++;
	return 0;
}

static const cadre_behaviour clocked_beh = {.size = sizeof(struct clocked),
                                            .receive = clocked_receive};

static void
time_never_moves_backwards(void)
{
	cadre_system *sys;
	cadre_config cfg = {.seed = 99, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_system_now_ms(sys), 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &clocked_beh, NULL, NULL, &r), 0);
	uint64_t x = 12345;
	uint64_t prev = 0;
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 50; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t delay = (x >> 33) % 5000;
			uint64_t due = cadre_system_now_ms(sys) + delay;
			CHECK_EQ(cadre_send_after(sys, r, 1, &due, sizeof due, (cadre_timeout)delay,
			                          NULL),
			         0);
		}
		while (cadre_sim_step(sys) == 1) {
			uint64_t now = cadre_system_now_ms(sys);
			CHECK(now >= prev);
			prev = now;
		}
	}
	CHECK_EQ(cadre_sim_step(sys), 0);
	cadre_system_free(sys);
}

static void
hour_timer_fires_at_once(void)
{
	cadre_system *sys;
	cadre_config cfg = {.seed = 3, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &clocked_beh, NULL, NULL, &r), 0);
	uint64_t due = 3600000;
	CHECK_EQ(cadre_send_after(sys, r, 1, &due, sizeof due, 3600000, NULL), 0);
	/* 59 minutes pass: nothing yet */
	CHECK(cadre_sim_run(sys, 59 * 60000) >= 0);
	CHECK_EQ(cadre_system_now_ms(sys), 59 * 60000);
	CHECK_EQ(cadre_timers_pending(sys), 1);
	CHECK(cadre_sim_run(sys, CADRE_FOREVER) >= 1);
	CHECK_EQ(cadre_system_now_ms(sys), 3600000);
	CHECK_EQ(cadre_timers_pending(sys), 0);
	/* NOWAIT: the clock does not move */
	CHECK_EQ(cadre_sim_run(sys, CADRE_NOWAIT), 0);
	CHECK_EQ(cadre_system_now_ms(sys), 3600000);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

/* A request that is never answered times out at exactly its virtual
 * timeout; the test thread's blocking call drives the system. */
static const cadre_behaviour silent_beh = {.size = sizeof(cadre_actor), .receive = noop_receive};

static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request rq;
	if (cadre_ask_request(m, &rq) == 0)
		return cadre_reply(cadre_actor_system(self), &rq.reply_to, 1, rq.data, rq.size);
	return 0;
}

static const cadre_behaviour echo_beh = {.size = sizeof(cadre_actor), .receive = echo_receive};

static void
blocking_calls_drive(void)
{
	cadre_system *sys;
	cadre_config cfg = {.seed = 5, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_ref e, s;
	CHECK_EQ(cadre_spawn(sys, &echo_beh, NULL, NULL, &e), 0);
	CHECK_EQ(cadre_spawn(sys, &silent_beh, NULL, NULL, &s), 0);
	char buf[8] = {0};
	size_t got = 0;
	CHECK_EQ(cadre_ask_wait(sys, e, 1, "hi", 3, 1000, buf, sizeof buf, &got, NULL), 0);
	CHECK_EQ(got, 3);
	CHECK(strcmp(buf, "hi") == 0);
	CHECK_EQ(cadre_system_now_ms(sys), 0);
	CHECK_EQ(cadre_ask_wait(sys, s, 1, "hi", 3, 2500, buf, sizeof buf, &got, NULL),
	         CADRE_ETIMEDOUT);
	CHECK_EQ(cadre_system_now_ms(sys), 2500);
	cadre_system_free(sys);
}

/* ---- refusals and codes -------------------------------------------------------------- */
struct refuser {
	cadre_actor base;
	int rc[6];
};

static int
refuser_start(cadre_actor *self, void *arg)
{
	struct refuser *r = (struct refuser *)self;
	(void)arg;
	int fds[2];
	CHECK_EQ(pipe(fds), 0);
	cadre_io h;
	uint64_t id;
	r->rc[0] = cadre_io_watch(self, fds[0], CADRE_IO_IN, &h);
	r->rc[1] = cadre_tcp_listen(self, "127.0.0.1:0", NULL, &h);
	r->rc[2] = cadre_udp_open(self, "127.0.0.1:0", &h);
	r->rc[3] = cadre_signal_subscribe(self, SIGUSR1);
	int fd = open("/proc/self/exe", O_RDONLY);
	CHECK(fd >= 0);
	r->rc[4] = cadre_file_read(self, fd, 0, 16, &id);
	close(fd);
	close(fds[0]);
	close(fds[1]);
	r->rc[5] = cadre_sim_step(cadre_actor_system(self)); /* from a callback */
	for (int i = 0; i < 6; i++)
		*((int *)arg + i) = r->rc[i];
	return 0;
}

static const cadre_behaviour refuser_beh = {
        .size = sizeof(struct refuser), .start = refuser_start, .receive = noop_receive};

static void
refused_calls(void)
{
	cadre_system *sys;
	cadre_config cfg = {.seed = 11, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	int rc[6] = {1, 1, 1, 1, 1, 1};
	cadre_ref scratch;
	CHECK_EQ(cadre_spawn(sys, &refuser_beh, NULL, rc, &scratch), 0);
	CHECK_EQ(cadre_system_await_quiescent(sys, CADRE_FOREVER), 0);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(rc[i], CADRE_ESTATE);
	CHECK_EQ(rc[5], CADRE_EWOULDBLOCK);
	CHECK_EQ(cadre_sim_step(NULL), CADRE_EINVAL);
	CHECK_EQ(cadre_sim_run(NULL, 0), CADRE_EINVAL);
	CHECK_EQ(cadre_sim_run(sys, -2), CADRE_EINVAL);
	CHECK_EQ(cadre_sim_hash(NULL), 0);
	CHECK_EQ(cadre_sim_seed(NULL), 0);
	CHECK_EQ(cadre_system_now_ms(NULL), 0);
	CHECK_EQ(cadre_system_shutdown(sys, 1000), 0);
	CHECK_EQ(cadre_sim_step(sys), CADRE_ECLOSED);
	CHECK_EQ(cadre_sim_run(sys, 0), CADRE_ECLOSED);
	cadre_system_free(sys);
	/* the endpoints are I/O too (their start once waited for ever for a
	 * listener actor that no thread runs) */
	cadre_config oc = {
	        .seed = 11, .quiet = true, .observe_path = "/tmp/cadre-test-sim-obs.sock"};
	sys = (cadre_system *)&oc; /* not NULL: the failed call sets it */
	CHECK_EQ(cadre_system_new(&sys, &oc), CADRE_ESTATE);
	CHECK(sys == NULL);
	cadre_config mc = {.seed = 11, .quiet = true, .metrics_address = "127.0.0.1:0"};
	CHECK_EQ(cadre_system_new(&sys, &mc), CADRE_ESTATE);
	CHECK(sys == NULL);
	/* a system on threads */
	cadre_config tc = {.workers = 1, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &tc), 0);
	CHECK_EQ(cadre_sim_step(sys), CADRE_ESTATE);
	CHECK_EQ(cadre_sim_run(sys, 0), CADRE_ESTATE);
	CHECK_EQ(cadre_sim_seed(sys), 0);
	CHECK_EQ(cadre_sim_hash(sys), 0);
	CHECK(cadre_system_now_ms(sys) > 0);
	cadre_system_free(sys);
}

/* ---- shutdown drives too ----------------------------------------------------------- */
static int
busy_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	return cadre_send(cadre_actor_system(self), cadre_self(self), 1, NULL, 0);
}

static const cadre_behaviour busy_beh = {.size = sizeof(cadre_actor), .receive = busy_receive};

static void
shutdown_with_live_actors(void)
{
	cadre_system *sys;
	cadre_config cfg = {.seed = 21, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	struct world w = {.sys = sys};
	cadre_child_spec kid = {.id = "crashy", .beh = &crashy_beh, .arg = &w};
	cadre_sup_spec sp = {.children = &kid, .nchildren = 1};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &sp, &sup, NULL, 1000), 0);
	cadre_ref scratch;
	for (int i = 0; i < 10; i++)
		CHECK_EQ(cadre_spawn(sys, &silent_beh, NULL, NULL, &scratch), 0);
	CHECK_EQ(cadre_send_interval(sys, w.crashy, 1, NULL, 0, 10, NULL), 0);
	CHECK(cadre_sim_run(sys, 1000) > 0);
	/* an actor that never goes idle does not hold shutdown back */
	cadre_ref busy;
	CHECK_EQ(cadre_spawn(sys, &busy_beh, NULL, NULL, &busy), 0);
	CHECK_EQ(cadre_send(sys, busy, 1, NULL, 0), 0);
	CHECK_EQ(cadre_system_shutdown(sys, 5000), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 0), 0);
	cadre_system_free(sys);
}

/* ---- cadre_sim_check --------------------------------------------------------------- */
static int
fails_on_13(uint64_t seed, void *ctx)
{
	(*(unsigned *)ctx)++;
	return seed == 13;
}

static void
check_finds_and_replays(void)
{
	unsigned runs = 0;
	uint64_t failed = 0;
	unsetenv("CADRE_SEED");
	CHECK_EQ(cadre_sim_check(fails_on_13, &runs, 1, 10, &failed), 0);
	CHECK_EQ(runs, 10);
	runs = 0;
	CHECK_EQ(cadre_sim_check(fails_on_13, &runs, 1, 100, &failed), 1);
	CHECK_EQ(failed, 13);
	CHECK_EQ(runs, 13);
	setenv("CADRE_SEED", "13", 1);
	runs = 0;
	failed = 0;
	CHECK_EQ(cadre_sim_check(fails_on_13, &runs, 500, 100, &failed), 1);
	CHECK_EQ(runs, 1);
	CHECK_EQ(failed, 13);
	unsetenv("CADRE_SEED");
	CHECK_EQ(cadre_sim_check(NULL, NULL, 1, 1, NULL), CADRE_EINVAL);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, same_seed_same_run);
	TEST_CASE_IF(only, same_seed_same_run_in_another_process);
	TEST_CASE_IF(only, other_seeds_other_orders);
	TEST_CASE_IF(only, same_seed_same_trace);
	TEST_CASE_IF(only, no_thread_is_started);
	TEST_CASE_IF(only, time_never_moves_backwards);
	TEST_CASE_IF(only, hour_timer_fires_at_once);
	TEST_CASE_IF(only, blocking_calls_drive);
	TEST_CASE_IF(only, refused_calls);
	TEST_CASE_IF(only, shutdown_with_live_actors);
	TEST_CASE_IF(only, check_finds_and_replays);
	return 0;
}
