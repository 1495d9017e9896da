/* Crash reports and other log events (cadre/log.h).
 *
 * - An actor that fails with no link, monitor or parent: the hook gets one
 *   CADRE_LOG_ACTOR_FAILED with its ref, its behaviour's name, its reason
 *   and unhandled = true; a normal stop gets none.
 * - A linked child or a monitored actor fails: unhandled = false; the parent
 *   that dies of its exit signal is reported as signalled.
 * - With no hook, the default printer writes exactly one line on stderr for
 *   an unhandled failure (fd 2 is redirected to a file here), and nothing
 *   with cadre_config.quiet.
 * - A supervisor's restart and its intensity shutdown give CHILD_RESTARTED
 *   and INTENSITY; its linked children are never unhandled.
 * - More dead letters than cadre_config.dead_letter_rate give one
 *   DEAD_LETTERS event; as many as the rate, none.
 *
 * Before the change none of these events existed, and a failing actor with
 * no supervisor died silently. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

/* ---- the hook: every event, kept ------------------------------------------------------ */
#define MAX_EV 64
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static cadre_log_event evs[MAX_EV];
static long nev;

static void
hook(void *ctx, const cadre_log_event *ev)
{
	CHECK(ctx == &nev);
	CHECK(ev->name != NULL && ev->child_id != NULL);
	pthread_mutex_lock(&ev_lock);
	if (nev < MAX_EV)
		evs[nev] = *ev;
	__atomic_store_n(&nev, nev + 1, __ATOMIC_RELEASE); /* read with ld() */
	pthread_mutex_unlock(&ev_lock);
}

static void
reset_events(void)
{
	pthread_mutex_lock(&ev_lock);
	__atomic_store_n(&nev, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ev_lock);
}

static long
count_kind(cadre_log_kind k)
{
	long n = 0;
	pthread_mutex_lock(&ev_lock);
	for (long i = 0; i < nev && i < MAX_EV; i++)
		n += evs[i].kind == k;
	pthread_mutex_unlock(&ev_lock);
	return n;
}

/* The i-th event of kind k (a copy). */
static cadre_log_event
nth_kind(cadre_log_kind k, long i)
{
	cadre_log_event out;
	memset(&out, 0, sizeof out);
	pthread_mutex_lock(&ev_lock);
	for (long j = 0; j < nev && j < MAX_EV; j++)
		if (evs[j].kind == k && i-- == 0) {
			out = evs[j];
			break;
		}
	pthread_mutex_unlock(&ev_lock);
	return out;
}

static cadre_system *
new_sys(bool with_hook, bool quiet, uint32_t rate)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = 2;
	cfg.no_pinning = true;
	cfg.log = with_hook ? hook : NULL;
	cfg.log_ctx = &nev;
	cfg.quiet = quiet;
	cfg.dead_letter_rate = rate;
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	reset_events();
	return sys;
}

/* ---- actors -------------------------------------------------------------------------- */
enum { M_FAIL = 1, M_STOP };

static int
crasher_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == M_FAIL)
		return cadre_fail(self, 42, "bad input");
	if (m->type == M_STOP)
		return cadre_stop(self);
	return 0;
}

static const cadre_behaviour crasher = {
        .size = sizeof(cadre_actor), .receive = crasher_receive, .name = "crasher"};

static cadre_ref
spawn_crasher(cadre_system *sys)
{
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &crasher, NULL, NULL, &r), 0);
	return r;
}

/* A parent that spawns a crasher linked (and does not trap exits), and a
 * watcher that monitors one; each then tells its crasher to fail. */
static cadre_ref parent_child;

static int
parent_start(cadre_actor *self, void *arg)
{
	(void)arg;
	cadre_spawn_opts o = {.flags = CADRE_SPAWN_LINK};
	cadre_ref c;
	CHECK_EQ(cadre_spawn(cadre_actor_system(self), &crasher, &o, NULL, &c), 0);
	parent_child = c;
	return cadre_send(cadre_actor_system(self), c, M_FAIL, NULL, 0);
}

static const cadre_behaviour parent = {.size = sizeof(cadre_actor),
                                       .start = parent_start,
                                       .receive = noop_receive,
                                       .name = "parent"};

static int
watcher_start(cadre_actor *self, void *arg)
{
	cadre_ref target = *(const cadre_ref *)arg;
	uint64_t mon;
	CHECK_EQ(cadre_monitor(self, target, &mon), 0);
	/* the MONITOR signal is ahead of this message in target's mailbox */
	CHECK_EQ(cadre_send(cadre_actor_system(self), target, M_FAIL, NULL, 0), 0);
	return 0;
}

static int
watcher_receive(cadre_actor *self, const cadre_msg *m)
{
	if (m->type == CADRE_MSG_DOWN)
		return cadre_stop(self);
	return 0;
}

static const cadre_behaviour watcher = {.size = sizeof(cadre_actor),
                                        .start = watcher_start,
                                        .receive = watcher_receive,
                                        .name = "watcher"};

/* ---- cases --------------------------------------------------------------------------- */
static void
unhandled_failure_hook(void)
{
	cadre_system *sys = new_sys(true, false, 0);
	cadre_ref ok = spawn_crasher(sys), bad = spawn_crasher(sys);
	CHECK_EQ(cadre_send(sys, ok, M_STOP, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, bad, M_FAIL, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	CHECK_EQ(ld(&nev), 1); /* the failure only, once */
	cadre_log_event ev = nth_kind(CADRE_LOG_ACTOR_FAILED, 0);
	CHECK(cadre_ref_is_equal(ev.actor, bad));
	CHECK(strcmp(ev.name, "crasher") == 0);
	CHECK_EQ(ev.level, CADRE_LOG_LEVEL_ERROR);
	CHECK(ev.system == sys);
	CHECK_EQ(ev.reason.kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(ev.reason.code, 42);
	CHECK(strcmp(ev.reason.detail, "bad input") == 0);
	CHECK(ev.unhandled);
	CHECK(!ev.signalled);
	cadre_system_free(sys);
}

static void
linked_or_monitored(void)
{
	cadre_system *sys = new_sys(true, false, 0);
	/* linked: the child's failure is heard; the parent dies of it */
	cadre_ref p;
	CHECK_EQ(cadre_spawn(sys, &parent, NULL, NULL, &p), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	CHECK_EQ(count_kind(CADRE_LOG_ACTOR_FAILED), 2);
	for (long i = 0; i < 2; i++) {
		cadre_log_event ev = nth_kind(CADRE_LOG_ACTOR_FAILED, i);
		CHECK_EQ(ev.reason.code, 42);
		if (cadre_ref_is_equal(ev.actor, parent_child)) {
			CHECK(!ev.unhandled && !ev.signalled);
			CHECK(strcmp(ev.name, "crasher") == 0);
		} else {
			CHECK(cadre_ref_is_equal(ev.actor, p));
			CHECK(ev.signalled); /* not its own failure */
			CHECK(strcmp(ev.name, "parent") == 0);
		}
	}
	/* monitored */
	reset_events();
	cadre_ref c = spawn_crasher(sys), w;
	CHECK_EQ(cadre_spawn(sys, &watcher, NULL, &c, &w), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	CHECK_EQ(ld(&nev), 1);
	cadre_log_event ev = nth_kind(CADRE_LOG_ACTOR_FAILED, 0);
	CHECK(cadre_ref_is_equal(ev.actor, c));
	CHECK(!ev.unhandled && !ev.signalled);
	cadre_system_free(sys);
}

/* Runs fn with fd 2 redirected to a temp file; returns what was written. */
static char *
capture_stderr(void (*fn)(bool), bool arg)
{
	char path[] = "/tmp/cadre_crash_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	fflush(stderr);
	int saved = dup(2);
	CHECK(saved >= 0);
	CHECK(dup2(fd, 2) == 2);
	fn(arg);
	fflush(stderr);
	CHECK(dup2(saved, 2) == 2);
	close(saved);
	off_t len = lseek(fd, 0, SEEK_END);
	CHECK(len >= 0);
	char *out = calloc(1, (size_t)len + 1);
	CHECK(out != NULL);
	CHECK_EQ(pread(fd, out, (size_t)len, 0), len);
	close(fd);
	return out;
}

static cadre_ref printed_ref;

static void
fail_one_and_stop_one(bool quiet)
{
	cadre_system *sys = new_sys(false, quiet, 0);
	cadre_ref ok = spawn_crasher(sys);
	printed_ref = spawn_crasher(sys);
	CHECK_EQ(cadre_send(sys, ok, M_STOP, NULL, 0), 0);
	CHECK_EQ(cadre_send(sys, printed_ref, M_FAIL, NULL, 0), 0);
	/* and a linked failure, which is not printed */
	cadre_ref p;
	CHECK_EQ(cadre_spawn(sys, &parent, NULL, NULL, &p), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	cadre_system_free(sys);
}

static void
default_printer(void)
{
	char *out = capture_stderr(fail_one_and_stop_one, false);
	char want[160];
	snprintf(want, sizeof want,
	         "cadre: actor <%u.%u.%u> (crasher) failed: failure(42, \"bad input\")\n",
	         printed_ref.sys, printed_ref.index, printed_ref.gen);
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "stderr was [%s], want [%s]\n", out, want);
		CHECK(0);
	}
	free(out);
	out = capture_stderr(fail_one_and_stop_one, true);
	CHECK_EQ(strlen(out), 0); /* quiet */
	free(out);
}

/* ---- a supervisor ------------------------------------------------------------------- */
static cadre_ref kid_ref;

static int
kid_start(cadre_actor *self, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ev_lock);
	kid_ref = cadre_self(self);
	pthread_mutex_unlock(&ev_lock);
	return 0;
}

static const cadre_behaviour kid = {
        .size = sizeof(cadre_actor), .start = kid_start, .receive = crasher_receive, .name = "kid"};

static cadre_ref
kid_now(void)
{
	pthread_mutex_lock(&ev_lock);
	cadre_ref r = kid_ref;
	pthread_mutex_unlock(&ev_lock);
	return r;
}

static void
supervisor_events(void)
{
	cadre_system *sys = new_sys(true, false, 0);
	static const cadre_child_spec kids[] = {
	        {.id = "k1", .beh = &kid, .restart = CADRE_PERMANENT, .shutdown_ms = 1000}};
	cadre_sup_spec spec = {.strategy = CADRE_ONE_FOR_ONE,
	                       .intensity = 1,
	                       .period_ms = 60000,
	                       .children = kids,
	                       .nchildren = 1};
	cadre_ref sup;
	CHECK_EQ(cadre_supervisor_start(sys, &spec, &sup, NULL, 10000), 0);
	cadre_ref first = kid_now();
	CHECK_EQ(cadre_send(sys, first, M_FAIL, NULL, 0), 0);
	long t0 = now_ms();
	while (count_kind(CADRE_LOG_CHILD_RESTARTED) < 1 && now_ms() - t0 < 30000)
		nap_us(500);
	cadre_log_event ev = nth_kind(CADRE_LOG_CHILD_RESTARTED, 0);
	CHECK_EQ(ev.kind, CADRE_LOG_CHILD_RESTARTED);
	CHECK(cadre_ref_is_equal(ev.actor, first));
	CHECK(cadre_ref_is_equal(ev.supervisor, sup));
	CHECK(strcmp(ev.child_id, "k1") == 0 && strcmp(ev.name, "kid") == 0);
	CHECK_EQ(ev.reason.kind, CADRE_EXIT_FAILURE);
	CHECK_EQ(ev.reason.code, 42);
	CHECK_EQ(ev.count, 1);
	CHECK_EQ(ev.window_ms, 60000);
	/* the restarted child fails too: one restart too many */
	t0 = now_ms();
	while (cadre_ref_is_equal(kid_now(), first) && now_ms() - t0 < 30000)
		nap_us(500);
	cadre_ref second = kid_now();
	CHECK(!cadre_ref_is_equal(second, first));
	CHECK_EQ(cadre_send(sys, second, M_FAIL, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0); /* the supervisor gave up */
	CHECK_EQ(count_kind(CADRE_LOG_CHILD_RESTARTED), 1);
	CHECK_EQ(count_kind(CADRE_LOG_INTENSITY), 1);
	ev = nth_kind(CADRE_LOG_INTENSITY, 0);
	CHECK(cadre_ref_is_equal(ev.actor, second));
	CHECK(cadre_ref_is_equal(ev.supervisor, sup));
	CHECK_EQ(ev.level, CADRE_LOG_LEVEL_ERROR);
	CHECK_EQ(ev.count, 1);
	CHECK_EQ(ev.reason.code, 42);
	/* the children's crash reports: heard by their supervisor */
	CHECK_EQ(count_kind(CADRE_LOG_ACTOR_FAILED), 2);
	for (long i = 0; i < 2; i++)
		CHECK(!nth_kind(CADRE_LOG_ACTOR_FAILED, i).unhandled);
	cadre_system_free(sys);
}

/* ---- the dead-letter rate ----------------------------------------------------------- */
static void
dead_letter_rate(void)
{
	cadre_system *sys = new_sys(true, false, 100);
	cadre_ref gone = spawn_crasher(sys);
	CHECK_EQ(cadre_send(sys, gone, M_STOP, NULL, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 30000), 0);
	CHECK_EQ(stats_of(sys).dead_letters, 0);
	/* as many as the rate: nothing, whatever the windows */
	for (int i = 0; i < 100; i++)
		CHECK_EQ(cadre_send(sys, gone, 7, NULL, 0), CADRE_ENOACTOR);
	CHECK_EQ(stats_of(sys).dead_letters, 100);
	CHECK_EQ(ld(&nev), 0);
	/* past it: one event (from this thread, so at once) */
	long t0 = now_ms();
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(cadre_send(sys, gone, 7, NULL, 0), CADRE_ENOACTOR);
	long took = now_ms() - t0;
	CHECK(count_kind(CADRE_LOG_DEAD_LETTERS) >= 1);
	if (took < 900) /* at most one a second */
		CHECK_EQ(count_kind(CADRE_LOG_DEAD_LETTERS), 1);
	cadre_log_event ev = nth_kind(CADRE_LOG_DEAD_LETTERS, 0);
	CHECK(ev.count > 100);
	CHECK(ev.window_ms <= 1000 + (uint64_t)took);
	CHECK(cadre_ref_is_equal(ev.actor, gone));
	CHECK_EQ(ev.level, CADRE_LOG_LEVEL_WARNING);
	CHECK(strcmp(ev.name, "?") == 0);
	CHECK_EQ(count_kind(CADRE_LOG_ACTOR_FAILED), 0);
	cadre_system_free(sys);
}

/* cadre_system_log: a library's event reaches the hook, NULLs filled in. */
static void
system_log(void)
{
	cadre_system *sys = new_sys(true, false, 0);
	cadre_log_event ev = {.kind = CADRE_LOG_CHILD_RESTARTED};
	CHECK_EQ(cadre_system_log(sys, &ev), 0);
	CHECK_EQ(cadre_system_log(sys, NULL), CADRE_EINVAL);
	ev.kind = (cadre_log_kind)77;
	CHECK_EQ(cadre_system_log(sys, &ev), CADRE_EINVAL);
	CHECK_EQ(ld(&nev), 1);
	cadre_log_event got = nth_kind(CADRE_LOG_CHILD_RESTARTED, 0);
	CHECK(strcmp(got.name, "?") == 0 && strcmp(got.child_id, "") == 0);
	CHECK(got.system == sys);
	cadre_system_free(sys);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, unhandled_failure_hook);
	TEST_CASE_IF(only, linked_or_monitored);
	TEST_CASE_IF(only, default_printer);
	TEST_CASE_IF(only, supervisor_events);
	TEST_CASE_IF(only, dead_letter_rate);
	TEST_CASE_IF(only, system_log);
	return 0;
}
