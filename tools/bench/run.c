/* cadre-bench: one run of a workload. Every run creates a fresh system,
 * spawns the workload's first actor with the clock started, waits (main
 * never blocks an actor: the completing actor posts a semaphore), then
 * waits for every actor to stop, shuts the system down and checks its
 * counters. A watchdog ends the program if even that hangs. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_progress.h"

struct run g_run;
const char *g_bench = "";
bool g_stats;
bool g_stress;

/* Deadline of the current run (main thread only). */
static double g_deadline;
static uint64_t g_timeout_s;

void
run_done(void)
{
	sem_post(&g_run.done); /* never blocks */
}

void
run_fail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&g_run.failed, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(g_run.why, sizeof g_run.why, fmt, ap);
		va_end(ap);
	}
	sem_post(&g_run.done); /* do not let main wait for the timeout */
}

void
on_stop(cadre_actor *self, const cadre_exit *why)
{
	if (why->kind == CADRE_EXIT_NORMAL)
		return;
	const cadre_behaviour *b = cadre_actor_behaviour(self);
	const char *name = b != NULL && b->name != NULL ? b->name : "?";

	if (why->kind == CADRE_EXIT_FAILURE && why->code < 0)
		run_fail("actor %s failed: %s (%s)", name, cadre_err_name(why->code),
		         cadre_strerror(why->code));
	else if (why->kind != CADRE_EXIT_FAILURE)
		run_fail("actor %s stopped with reason %d", name, (int)why->kind);
	/* else: a check failed, already recorded */
}

/* The watchdog: ends the program if a run hangs beyond its timeout (in a
 * shutdown, say), with a failed JSON line prepared beforehand. */
static char watchdog_line[512];
static size_t watchdog_len;
static volatile sig_atomic_t watchdog_armed;

static void
watchdog(int sig)
{
	static const char msg[] = "cadre-bench: watchdog: a run hung past its timeout and the "
	                          "system could not be shut down; giving up\n";
	ssize_t rc;

	(void)sig;
	if (!watchdog_armed)
		return;
	rc = write(STDERR_FILENO, msg, sizeof msg - 1);
	if (watchdog_len > 0)
		rc = write(STDOUT_FILENO, watchdog_line, watchdog_len);
	(void)rc;
	_exit(3);
}

static void
watchdog_arm(const struct options *o)
{
	fflush(stdout);
	watchdog_armed = 1;
	alarm((unsigned)(o->timeout_s * 2 + 60));
}

static void
watchdog_disarm(void)
{
	alarm(0);
	watchdog_armed = 0;
}

void
watchdog_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = watchdog;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

void
watchdog_line_set(const char *bench, const char *stat, unsigned workers)
{
	int n = 0;

	if (bench != NULL)
		n = snprintf(
		        watchdog_line, sizeof watchdog_line,
		        "{\"bench\":\"%s\",\"impl\":\"cadre\",\"workers\":%u,\"msgs\":0,"
		        "\"secs\":0,\"mps\":0,\"runs\":0,\"stat\":\"%s\",\"check\":\"fail\"}\n",
		        bench, workers, stat);
	watchdog_len = n > 0 && (size_t)n < sizeof watchdog_line ? (size_t)n : 0;
}

cadre_system *
run_begin(const struct options *o)
{
	cadre_config cfg;
	cadre_system *sys = NULL;

	memset(&g_run, 0, sizeof g_run);
	atomic_init(&g_run.failed, 0);
	atomic_init(&g_run.tally, 0);
	atomic_init(&g_run.shut, 0);
	sem_init(&g_run.done, 0, 0);
	g_run.sz = o->sz;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = o->workers;
	cfg.no_run_next = o->no_run_next;
	cfg.no_backpressure = o->no_backpressure;
	cfg.no_coalesce = o->no_coalesce;
	cfg.no_governor = o->no_governor;
	cfg.actor_stats = o->actor_stats;
	cfg.steal_after_us = o->steal_after_us;
	cfg.prealloc_bytes = (size_t)o->prealloc_mib << 20;
	cfg.trace_events = o->trace_events;
	watchdog_arm(o);
	g_timeout_s = o->timeout_s;
	g_deadline = bench_now() + (double)o->timeout_s;
	int rc = cadre_system_new(&sys, &cfg);
	if (rc != 0) {
		note("%s: cadre_system_new: %s", g_bench, cadre_strerror(rc));
		sem_destroy(&g_run.done);
		watchdog_disarm();
		return NULL;
	}
	return sys;
}

static void
print_stats(const char *what, const cadre_stats *st)
{
	note("%s: %s: sent %" PRIu64 ", handled %" PRIu64 ", dead %" PRIu64 ", spawned %" PRIu64
	     ", stopped %" PRIu64 ", alive %" PRIu64 ", batches %" PRIu64 ", steals %" PRIu64
	     ", parks %" PRIu64 ", wakeups %" PRIu64 ", mutes %" PRIu64,
	     g_bench, what, st->sent, st->handled, st->dead_letters, st->spawned, st->stopped,
	     st->actors_alive, st->batches, st->steals, st->parks, st->wakeups, st->mutes);
}

static long
ms_left(void)
{
	double left = g_deadline - bench_now();

	return left > 1.0 ? (long)(left * 1000) : 1000;
}

/* Waits for the semaphore of the run. Returns true if it was posted in
 * time (by the final actor or by a failure). */
bool
wait_signal(cadre_system *sys, const char *what)
{
	struct timespec dl;
	double secs = (double)ms_left() / 1000.0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)secs;
	dl.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while ((rc = sem_clockwait(&g_run.done, CLOCK_MONOTONIC, &dl)) != 0 && errno == EINTR)
		;
	if (rc == 0)
		return true;
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	run_fail("timed out after %" PRIu64 " s waiting for %s", g_timeout_s, what);
	print_stats("counters at the timeout", &st);
	return false;
}

/* Waits for every actor of a completed workload to stop; false (with a
 * note) if some are still alive at the deadline. */
static bool
await_idle(cadre_system *sys)
{
	cadre_stats st;
	int rc = cadre_system_await_stopped(sys, ms_left());

	if (rc == 0)
		return true;
	cadre_system_stats(sys, -1, &st);
	note("%s: FAILED: the workload is done but actors are still alive: "
	     "cadre_system_await_stopped: %s",
	     g_bench, cadre_strerror(rc));
	print_stats("counters", &st);
	return false;
}

/* The final counters st against what the workload implies (e); st_idle,
 * read right after await_idle succeeded (idle_ok), may only lag. */
static bool
check_counters(const cadre_stats *st, const cadre_stats *st_idle, bool idle_ok,
               const struct expect *e)
{
	bool ok = true;

	if (st->sent != st->handled + st->dead_letters) {
		note("%s: FAILED: sent %" PRIu64 " != handled %" PRIu64 " + dead %" PRIu64, g_bench,
		     st->sent, st->handled, st->dead_letters);
		ok = false;
	}
	if (st->dead_letters != 0) {
		note("%s: FAILED: %" PRIu64 " dead letters, expected none", g_bench,
		     st->dead_letters);
		ok = false;
	}
	if (st->handled != e->handled) {
		note("%s: FAILED: %" PRIu64 " messages handled, expected %" PRIu64, g_bench,
		     st->handled, e->handled);
		ok = false;
	}
	if (st->spawned != e->spawned || st->stopped != st->spawned) {
		note("%s: FAILED: %" PRIu64 " actors spawned and %" PRIu64
		     " stopped, expected %" PRIu64,
		     g_bench, st->spawned, st->stopped, e->spawned);
		ok = false;
	}
	if (idle_ok && (st_idle->handled != st->handled || st_idle->sent != st->sent ||
	                st_idle->dead_letters != st->dead_letters)) {
		/* Not a failure: a worker adds its handled count after the last
		 * stop it ran is counted, so await_idle can return first. */
		note("%s: note: counters read right after cadre_system_await_stopped lagged: "
		     "handled %" PRIu64 " (final %" PRIu64 "), sent %" PRIu64 " (final %" PRIu64
		     ")",
		     g_bench, st_idle->handled, st->handled, st_idle->sent, st->sent);
	}
	return ok;
}

bool
run_finish(cadre_system *sys, bool ok, const struct expect *e, struct sample *s)
{
	cadre_stats st, st_idle;
	bool idle_ok = false;

	if (ok && !atomic_load(&g_run.failed)) {
		idle_ok = await_idle(sys);
		ok = idle_ok;
	}
	cadre_system_stats(sys, -1, &st_idle);
	int rc = cadre_system_shutdown(sys, CADRE_FOREVER);
	if (rc != 0) {
		note("%s: FAILED: cadre_system_shutdown: %s", g_bench, cadre_strerror(rc));
		ok = false;
	}
	/* Final counters: after the shutdown, every worker has been joined. */
	cadre_system_stats(sys, -1, &st);
	cadre_system_free(sys);
	watchdog_disarm();
	if (g_stats)
		print_stats("counters", &st);
	if (atomic_load(&g_run.failed)) {
		note("%s: FAILED: %s", g_bench, g_run.why);
		ok = false;
	}
	s->handled = st.handled;
	s->dead = st.dead_letters;
	ok = check_counters(&st, &st_idle, idle_ok, e) && ok;
	if (!ok)
		print_stats("final counters", &st);
	sem_destroy(&g_run.done);
	return ok;
}

/* Spawns the workload's first actor and waits until the run completes
 * (`what` names what is awaited, for a timeout's note); s->secs is the time
 * from the spawn on, s->minflt the process's minor page faults meanwhile. */
bool
spawn_timed(cadre_system *sys, const cadre_behaviour *beh, const char *what, struct sample *s)
{
	cadre_ref r;
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	double t0 = bench_now();
	int rc = cadre_spawn(sys, beh, NULL, NULL, &r);
	bool ok = rc == 0;

	if (!ok)
		note("%s: FAILED: cadre_spawn: %s", g_bench, cadre_strerror(rc));
	else
		ok = wait_signal(sys, what);
	s->secs = bench_now() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	s->minflt = (uint64_t)(ru1.ru_minflt - ru0.ru_minflt);
	return ok;
}

/* The common shape: spawn the workload's first actor, wait, finish. */
bool
run_simple(const struct options *o, const cadre_behaviour *beh, const struct expect *e,
           struct sample *s)
{
	cadre_system *sys = run_begin(o);

	if (sys == NULL)
		return false;
	bool ok = spawn_timed(sys, beh, "the workload to complete", s);
	return run_finish(sys, ok, e, s);
}

bool
run_custom(const struct options *o, const cadre_behaviour *beh, void (*prep)(void *ctx),
           void (*fix)(struct expect *e, struct sample *s), void *ctx, struct expect *e,
           struct sample *s)
{
	cadre_system *sys = run_begin(o);

	if (sys == NULL)
		return false;
	if (prep != NULL)
		prep(ctx);
	bool ok = spawn_timed(sys, beh, "the workload to complete", s);
	if (ok && !atomic_load(&g_run.failed) && fix != NULL)
		fix(e, s);
	return run_finish(sys, ok, e, s);
}
