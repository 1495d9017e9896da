/* cadre-bench's core workloads with many actors (see main.c for the
 * method and what msgs counts):
 *   skynet      a 10-ary tree of actors over L leaves (L = 10^6: 1,111,111
 *               actors); leaves reply their ordinal, parents sum and reply
 *   big         W actors each send M pings to random neighbours, which answer
 *               with a pong; the next ping goes out on the pong (Savina BIG)
 *   idle        spawn K actors, let the system sit idle: CPU time and memory
 *
 * idle runs in a child process (this program, re-executed with
 * --idle-child) per run: RSS growth means something only in a process whose
 * allocator has not cached memory freed by earlier runs. cpu_secs is
 * user+sys of the whole process over the idle phase only; bytes_per_actor
 * is the RSS growth from just before the spawns to all actors started, over
 * the number of actors.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_progress.h"

extern char **environ;

/* Message types (skynet, big). */
enum {
	M_PING = M_FIRST,
	M_PONG,
	M_DONE,
	M_START,
	M_REPLY,
};

/* ---- skynet -------------------------------------------------------------------------------
 * An inner node spawns its 10 children from its start. A child's start
 * argument is &parent->kid[i], where kid[i] == i: the child finds its
 * parent's (immutable, already written) ref, first ordinal and subtree size
 * from it. The parent outlives its children's starts: it waits for their
 * replies. A leaf replies its ordinal from its start and stops at once. */
struct sky_node {
	cadre_actor base;
	cadre_ref parent; /* CADRE_REF_NONE for the root */
	cadre_ref me;     /* read by the children's start */
	uint64_t num;     /* the first ordinal of this subtree */
	uint64_t size;    /* leaves in this subtree */
	uint64_t sum;
	uint32_t pending;
	uint8_t kid[SKYNET_FANOUT];
};

static const struct sky_node *
sky_parent_of(const uint8_t *kid, unsigned *i)
{
	*i = *kid;
	const uint8_t *kid0 = kid - *i;
	return (const struct sky_node *)(const void *)((const char *)kid0 -
	                                               offsetof(struct sky_node, kid));
}

static int
sky_leaf_start(cadre_actor *self, void *arg)
{
	unsigned i;
	const struct sky_node *p = sky_parent_of(arg, &i);
	uint64_t num = p->num + i; /* the parent's subtree has 10 leaves */
	int rc = send_u64(cadre_actor_system(self), p->me, M_REPLY, num);

	return rc != 0 ? rc : cadre_stop(self);
}

static int
sky_leaf_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return BAD("skynet leaf: unexpected message type %" PRIu32, m->type);
}

static const cadre_behaviour sky_leaf_beh = {.size = sizeof(cadre_actor),
                                             .start = sky_leaf_start,
                                             .receive = sky_leaf_receive,
                                             .stop = on_stop,
                                             .name = "skynet_leaf"};

static const cadre_behaviour sky_node_beh;

static int
sky_node_start(cadre_actor *self, void *arg)
{
	struct sky_node *n = (struct sky_node *)self;
	cadre_system *sys = cadre_actor_system(self);

	if (arg == NULL) { /* the root */
		n->parent = CADRE_REF_NONE;
		n->num = 0;
		n->size = g_run.sz.skynet_leaves;
	} else {
		unsigned i;
		const struct sky_node *p = sky_parent_of(arg, &i);
		n->parent = p->me;
		n->size = p->size / SKYNET_FANOUT;
		n->num = p->num + i * n->size;
	}
	n->me = cadre_self(self);
	n->pending = SKYNET_FANOUT;
	uint64_t child = n->size / SKYNET_FANOUT;
	const cadre_behaviour *beh = child == 1 ? &sky_leaf_beh : &sky_node_beh;
	for (unsigned i = 0; i < SKYNET_FANOUT; i++) {
		cadre_ref r;
		n->kid[i] = (uint8_t)i;
		int rc = cadre_spawn(sys, beh, NULL, &n->kid[i], &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
sky_node_receive(cadre_actor *self, const cadre_msg *m)
{
	struct sky_node *n = (struct sky_node *)self;
	uint64_t v = 0;

	if (m->type != M_REPLY || !get_u64(m, &v))
		return BAD("skynet: unexpected message type %" PRIu32, m->type);
	n->sum += v;
	if (--n->pending > 0)
		return 0;
	if (cadre_ref_is_none(n->parent)) {
		uint64_t l = n->size;
		g_run.result = n->sum;
		if (n->sum != l * (l - 1) / 2)
			return BAD("skynet: sum %" PRIu64 ", expected %" PRIu64, n->sum,
			           l * (l - 1) / 2);
		run_done();
		return cadre_stop(self);
	}
	int rc = send_u64(cadre_actor_system(self), n->parent, M_REPLY, n->sum);
	return rc != 0 ? rc : cadre_stop(self);
}

static const cadre_behaviour sky_node_beh = {.size = sizeof(struct sky_node),
                                             .start = sky_node_start,
                                             .receive = sky_node_receive,
                                             .stop = on_stop,
                                             .name = "skynet_node"};

/* ---- big ---------------------------------------------------------------------------------
 * The driver spawns the W actors, then sends each a start. An actor sends
 * a ping to a random other actor; that one answers with a pong; on the pong
 * the actor sends its next ping, M in all, then reports done to the driver.
 * It keeps answering others' pings until the driver, once all are done (so
 * every ping has been answered), stops them all with cadre_stop_ref. */
struct big_actor {
	cadre_actor base;
	cadre_ref driver;
	cadre_ref target; /* of the outstanding ping */
	const cadre_ref *refs;
	uint64_t rng;
	uint64_t answered;
	uint32_t index, w, m, sent;
};

static int
big_ping(struct big_actor *b)
{
	uint32_t j = b->index;

	if (b->w > 1) {
		/* xorshift64* */
		b->rng ^= b->rng >> 12;
		b->rng ^= b->rng << 25;
		b->rng ^= b->rng >> 27;
		j = (uint32_t)(((b->rng * 0x2545F4914F6CDD1DULL) >> 32) % (b->w - 1));
		if (j >= b->index)
			j++; /* not ourselves */
	}
	b->target = b->refs[j];
	return send_u64(cadre_actor_system(&b->base), b->target, M_PING, b->sent++);
}

static int
big_start(cadre_actor *self, void *arg)
{
	struct big_actor *b = (struct big_actor *)self;

	b->index = (uint32_t)(uintptr_t)arg;
	b->w = (uint32_t)g_run.sz.big_w;
	b->m = (uint32_t)g_run.sz.big_m;
	b->rng = splitmix64(b->index) | 1;
	return 0;
}

static int
big_receive(cadre_actor *self, const cadre_msg *m)
{
	struct big_actor *b = (struct big_actor *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t v = 0;

	switch (m->type) {
	case M_PING:
		if (!get_u64(m, &v))
			break;
		b->answered++;
		return send_u64(sys, m->sender, M_PONG, v);
	case M_PONG:
		if (!get_u64(m, &v))
			break;
		if (b->sent == 0 || v != b->sent - 1u || !cadre_ref_is_equal(m->sender, b->target))
			return BAD("big: actor %" PRIu32 ": pong %" PRIu64 ", expected %" PRIu32,
			           b->index, v, b->sent - 1u);
		if (b->sent < b->m)
			return big_ping(b);
		return send_u64(sys, b->driver, M_DONE, b->sent);
	case M_START:
		/* refs was filled before the driver sent the starts. */
		b->driver = m->sender;
		b->refs = g_run.refs;
		return big_ping(b);
	default:
		break;
	}
	return BAD("big: unexpected message type %" PRIu32 " size %" PRIu32, m->type, m->size);
}

static void
big_stop(cadre_actor *self, const cadre_exit *why)
{
	struct big_actor *b = (struct big_actor *)self;

	if (why->kind != CADRE_EXIT_SHUTDOWN) {
		on_stop(self, why);
		return;
	}
	atomic_fetch_add(&g_run.tally, b->answered);
	atomic_fetch_add(&g_run.shut, 1);
}

static const cadre_behaviour big_beh = {.size = sizeof(struct big_actor),
                                        .start = big_start,
                                        .receive = big_receive,
                                        .stop = big_stop,
                                        .name = "big"};

struct big_driver {
	cadre_actor base;
	uint64_t w, dones, pings;
};

static int
big_driver_start(cadre_actor *self, void *arg)
{
	struct big_driver *d = (struct big_driver *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	d->w = g_run.sz.big_w;
	for (uint64_t i = 0; i < d->w; i++) {
		int rc = cadre_spawn(sys, &big_beh, NULL, (void *)(uintptr_t)i, &g_run.refs[i]);
		if (rc != 0)
			return rc;
	}
	for (uint64_t i = 0; i < d->w; i++) {
		int rc = cadre_send(sys, g_run.refs[i], M_START, NULL, 0);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
big_driver_receive(cadre_actor *self, const cadre_msg *m)
{
	struct big_driver *d = (struct big_driver *)self;
	cadre_system *sys = cadre_actor_system(self);
	uint64_t v = 0;

	if (m->type != M_DONE || !get_u64(m, &v))
		return BAD("big driver: unexpected message type %" PRIu32, m->type);
	d->pings += v;
	if (++d->dones < d->w)
		return 0;
	g_run.result = d->pings;
	if (d->pings != d->w * g_run.sz.big_m)
		return BAD("big: %" PRIu64 " pings done, expected %" PRIu64, d->pings,
		           d->w * g_run.sz.big_m);
	run_done();
	for (uint64_t i = 0; i < d->w; i++) {
		int rc = cadre_stop_ref(sys, g_run.refs[i]);
		if (rc != 0)
			return rc;
	}
	return cadre_stop(self);
}

static const cadre_behaviour big_driver_beh = {.size = sizeof(struct big_driver),
                                               .start = big_driver_start,
                                               .receive = big_driver_receive,
                                               .stop = on_stop,
                                               .name = "big_driver"};

/* ---- idle ----------------------------------------------------------------------------------- */

static int
idle_start(cadre_actor *self, void *arg)
{
	(void)self;
	(void)arg;
	if (atomic_fetch_add(&g_run.tally, 1) + 1 == g_run.sz.idle_actors)
		run_done();
	return 0;
}

static int
idle_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return BAD("idle: unexpected message type %" PRIu32, m->type);
}

static void
idle_stop(cadre_actor *self, const cadre_exit *why)
{
	if (why->kind == CADRE_EXIT_SHUTDOWN)
		atomic_fetch_add(&g_run.shut, 1);
	else
		on_stop(self, why);
}

static const cadre_behaviour idle_beh = {.size = sizeof(cadre_actor),
                                         .start = idle_start,
                                         .receive = idle_receive,
                                         .stop = idle_stop,
                                         .name = "idle"};

/* ---- the workloads ------------------------------------------------------------------------- */

bool
wl_skynet(const struct options *o, struct sample *s)
{
	uint64_t l = o->sz.skynet_leaves, spawns = 0;

	for (uint64_t k = l; k >= 1; k /= SKYNET_FANOUT)
		spawns += k;
	struct expect e = {.handled = spawns - 1, .spawned = spawns};
	s->msgs = spawns - 1;
	s->spawns = spawns;
	bool ok = run_simple(o, &sky_node_beh, &e, s);
	if (ok && g_run.result != l * (l - 1) / 2) {
		note("%s: FAILED: sum %" PRIu64 ", expected %" PRIu64, g_bench, g_run.result,
		     l * (l - 1) / 2);
		ok = false;
	}
	return ok;
}

bool
wl_big(const struct options *o, struct sample *s)
{
	uint64_t w = o->sz.big_w, m = o->sz.big_m;
	struct expect e = {.handled = 2 * w * m + 2 * w, .spawned = w + 1};
	cadre_ref *refs = calloc(w, sizeof *refs);

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	s->msgs = 2 * w * m + 2 * w;
	s->spawns = w + 1;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (ok) {
		g_run.refs = refs;
		ok = spawn_timed(sys, &big_driver_beh, "the driver", s);
		ok = run_finish(sys, ok, &e, s);
	}
	if (ok && (atomic_load(&g_run.tally) != w * m || atomic_load(&g_run.shut) != w)) {
		note("%s: FAILED: %" PRIu64 " pings answered (expected %" PRIu64 "), %" PRIu64
		     " actors stopped by the driver (expected %" PRIu64 ")",
		     g_bench, (uint64_t)atomic_load(&g_run.tally), w * m,
		     (uint64_t)atomic_load(&g_run.shut), w);
		ok = false;
	}
	free(refs);
	return ok;
}

/* Resident set size in bytes (/proc/self/statm), or 0. */
static uint64_t
rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long size = 0, resident = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void
sleep_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One idle measurement in this process. */
static bool
idle_inproc(const struct options *o, struct sample *s)
{
	uint64_t k = o->sz.idle_actors;
	struct expect e = {.handled = 0, .spawned = k};
	cadre_ref *refs = malloc(k * sizeof *refs);

	if (refs == NULL) {
		note("%s: out of memory", g_bench);
		return false;
	}
	memset(refs, 0xff, k * sizeof *refs); /* resident before the first RSS reading */
	s->msgs = 0;
	s->spawns = k;
	cadre_system *sys = run_begin(o);
	bool ok = sys != NULL;
	if (!ok) {
		free(refs);
		return false;
	}
	g_run.refs = refs;
	uint64_t rss0 = rss_bytes();
	for (uint64_t i = 0; ok && i < k; i++) {
		int rc = cadre_spawn(sys, &idle_beh, NULL, NULL, &refs[i]);
		if (rc != 0) {
			note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
			ok = false;
		}
	}
	ok = ok && wait_signal(sys, "every actor to start");
	uint64_t rss1 = rss_bytes();
	if (ok) {
		double c0 = cpu_now(), t0 = bench_now();
		sleep_ms(o->sz.idle_ms);
		s->secs = bench_now() - t0;
		s->cpu_secs = cpu_now() - c0;
		s->bytes_per_actor = (double)((int64_t)rss1 - (int64_t)rss0) / (double)k;
		for (uint64_t i = 0; ok && i < k; i++) {
			int rc = cadre_stop_ref(sys, refs[i]);
			if (rc != 0) {
				note("%s: FAILED: cadre_stop_ref: %s", g_bench, cadre_strerror(rc));
				ok = false;
			}
		}
	}
	ok = run_finish(sys, ok, &e, s);
	if (ok && atomic_load(&g_run.shut) != k) {
		note("%s: FAILED: %" PRIu64 " of %" PRIu64 " actors stopped by cadre_stop_ref",
		     g_bench, (uint64_t)atomic_load(&g_run.shut), k);
		ok = false;
	}
	free(refs);
	return ok;
}

int
idle_child(const struct options *o)
{
	struct sample s;

	memset(&s, 0, sizeof s);
	g_bench = "idle";
	watchdog_line_set(NULL, NULL, 0);
	bool good = idle_inproc(o, &s);
	printf("idle %d %.9f %.9f %.3f %" PRIu64 " %" PRIu64 "\n", good ? 1 : 0, s.secs, s.cpu_secs,
	       s.bytes_per_actor, s.handled, s.dead);
	fflush(stdout);
	return good ? 0 : 1;
}

/* Starts this program again with --idle-child and the idle settings, its
 * stdout into *fd. Returns 0, -1 if there is no pipe, else posix_spawn's
 * error. */
static int
idle_spawn(const struct options *o, pid_t *pid, int *fd)
{
	char workers[24], actors[24], ms[24], timeout[24];
	char arg0[] = "cadre-bench", child[] = "--idle-child", wopt[] = "--workers",
	     aopt[] = "--idle-actors", mopt[] = "--idle-ms", topt[] = "--timeout";
	char *argv[] = {arg0, child, wopt, workers, aopt, actors, mopt, ms, topt, timeout, NULL};
	posix_spawn_file_actions_t fa;
	int fds[2];

	snprintf(workers, sizeof workers, "%u", o->workers);
	snprintf(actors, sizeof actors, "%" PRIu64, o->sz.idle_actors);
	snprintf(ms, sizeof ms, "%" PRIu64, o->sz.idle_ms);
	snprintf(timeout, sizeof timeout, "%" PRIu64, o->timeout_s);
	if (pipe(fds) != 0) {
		note("%s: pipe: %s", g_bench, strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	int rc = posix_spawn(pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0)
		close(fds[0]);
	else
		*fd = fds[0];
	return rc;
}

/* Reads the child's output from fd into buf (NUL-terminated) until it
 * closes it, buf is full, or the deadline passes (then false); closes fd. */
static bool
idle_read(int fd, double deadline, char *buf, size_t size)
{
	size_t len = 0;
	bool in_time = true;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double left = deadline - bench_now();
		if (left <= 0) {
			in_time = false;
			break;
		}
		int n = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t got = read(fd, buf + len, size - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len == size - 1)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return in_time;
}

/* One idle measurement in a fresh child process (see the top). */
bool
wl_idle(const struct options *o, struct sample *s)
{
	pid_t pid;
	int fd = -1;

	s->msgs = 0;
	s->spawns = o->sz.idle_actors;
	int rc = idle_spawn(o, &pid, &fd);
	if (rc < 0)
		return false;
	if (rc > 0) {
		note("%s: cannot re-execute /proc/self/exe (%s): measuring in this process",
		     g_bench, strerror(rc));
		return idle_inproc(o, s);
	}
	char buf[512];
	double deadline =
	        bench_now() + (double)o->timeout_s * 2 + (double)o->sz.idle_ms / 1000 + 60;
	bool timed_out = !idle_read(fd, deadline, buf, sizeof buf);
	if (timed_out) {
		note("%s: FAILED: the measuring process %ld hung; killing it", g_bench, (long)pid);
		kill(pid, SIGKILL);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int ok = 0;
	if (sscanf(buf, "idle %d %lf %lf %lf %" SCNu64 " %" SCNu64, &ok, &s->secs, &s->cpu_secs,
	           &s->bytes_per_actor, &s->handled, &s->dead) != 6) {
		note("%s: FAILED: no result from the measuring process (status %d)", g_bench,
		     status);
		return false;
	}
	return ok && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
