/* Cadre tests: POSIX signals as messages (cadre_signal_subscribe). Each
 * arrival reaches every subscriber exactly once; an unsubscribe, the
 * subscriber's stop and the system's shutdown end subscriptions, and the
 * last one to end gives the signal its old action back; bad numbers and
 * calls during shutdown get error codes. */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "io_aux_helpers.h"

static struct peer peers[PEER_MAX];
static atomic_long prev_hits; /* the test's own handler, the "old action" */

static void
prev_handler(int signo)
{
	(void)signo;
	atomic_fetch_add(&prev_hits, 1);
}

/* Installs the test's handler for signo: the action Cadre must restore. */
static void
install_prev(int signo)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = prev_handler;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(signo, &sa, NULL), 0);
}

static bool
is_prev(int signo)
{
	struct sigaction sa;
	CHECK_EQ(sigaction(signo, NULL, &sa), 0);
	return sa.sa_handler == prev_handler;
}

static cadre_system *
new_sys(void)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = 2;
	cfg.no_pinning = true;
	cadre_system *sys = NULL;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	return sys;
}

/* Waits for n arrivals of signo at p, then a little more: none extra. */
static void
expect_exactly(struct peer *p, int signo, long n)
{
	CHECK_EQ(wait_count(&p->signals[signo], n), n);
	nap_us(50000);
	CHECK_EQ(atomic_load(&p->signals[signo]), n);
}

/* raise() and kill(getpid()): once to each of three subscribers; a
 * subscriber of another signal gets nothing. */
static void
once_per_subscriber(void)
{
	install_prev(SIGUSR1);
	install_prev(SIGUSR2);
	int fds0 = open_fds();
	cadre_system *sys = new_sys();
	cadre_ref r[4];
	for (int i = 0; i < 4; i++) {
		peer_init(&peers[i]);
		r[i] = peer_spawn(sys, &peers[i]);
	}
	for (int i = 0; i < 3; i++)
		CHECK_EQ(peer_sig(sys, r[i], &peers[i], CMD_SUB, SIGUSR1), 0);
	CHECK_EQ(peer_sig(sys, r[0], &peers[0], CMD_SUB, SIGUSR1), 0); /* twice: one */
	CHECK_EQ(peer_sig(sys, r[3], &peers[3], CMD_SUB, SIGUSR2), 0);
	CHECK(!is_prev(SIGUSR1));
	CHECK_EQ(raise(SIGUSR1), 0);
	for (int i = 0; i < 3; i++)
		expect_exactly(&peers[i], SIGUSR1, 1);
	CHECK_EQ(kill(getpid(), SIGUSR1), 0);
	for (int i = 0; i < 3; i++)
		expect_exactly(&peers[i], SIGUSR1, 2);
	CHECK_EQ(atomic_load(&peers[3].signals[SIGUSR1]), 0);
	CHECK_EQ(kill(getpid(), SIGUSR2), 0);
	expect_exactly(&peers[3], SIGUSR2, 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(atomic_load(&peers[i].signals[SIGUSR2]), 0);
	CHECK_EQ(atomic_load(&prev_hits), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	CHECK(is_prev(SIGUSR1) && is_prev(SIGUSR2));
	CHECK_EQ(open_fds(), fds0); /* the eventfd is closed */
}

/* Unsubscribed actors get nothing more; the last one out restores. */
static void
unsubscribe(void)
{
	install_prev(SIGHUP);
	atomic_store(&prev_hits, 0);
	cadre_system *sys = new_sys();
	cadre_ref r[2];
	for (int i = 0; i < 2; i++) {
		peer_init(&peers[i]);
		r[i] = peer_spawn(sys, &peers[i]);
		CHECK_EQ(peer_sig(sys, r[i], &peers[i], CMD_SUB, SIGHUP), 0);
	}
	CHECK_EQ(peer_sig(sys, r[0], &peers[0], CMD_UNSUB, SIGHUP), 0);
	CHECK_EQ(peer_sig(sys, r[0], &peers[0], CMD_UNSUB, SIGHUP), CADRE_ENOENT);
	CHECK_EQ(peer_sig(sys, r[0], &peers[0], CMD_UNSUB, SIGUSR2), CADRE_ENOENT);
	CHECK(!is_prev(SIGHUP));
	CHECK_EQ(raise(SIGHUP), 0);
	expect_exactly(&peers[1], SIGHUP, 1);
	CHECK_EQ(atomic_load(&peers[0].signals[SIGHUP]), 0);
	CHECK_EQ(peer_sig(sys, r[1], &peers[1], CMD_UNSUB, SIGHUP), 0);
	CHECK(is_prev(SIGHUP));
	CHECK_EQ(raise(SIGHUP), 0); /* the old handler runs, before raise returns */
	CHECK_EQ(atomic_load(&prev_hits), 1);
	nap_us(50000);
	CHECK_EQ(atomic_load(&peers[1].signals[SIGHUP]), 1);
	/* Subscribed again: Cadre's handler again. */
	CHECK_EQ(peer_sig(sys, r[1], &peers[1], CMD_SUB, SIGHUP), 0);
	CHECK(!is_prev(SIGHUP));
	CHECK_EQ(raise(SIGHUP), 0);
	expect_exactly(&peers[1], SIGHUP, 2);
	CHECK_EQ(atomic_load(&prev_hits), 1);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	CHECK(is_prev(SIGHUP));
}

/* A subscriber that stops is unsubscribed: the old action is back while
 * the system runs on. */
static void
owner_stop(void)
{
	install_prev(SIGUSR1);
	cadre_system *sys = new_sys();
	peer_init(&peers[0]);
	cadre_ref r = peer_spawn(sys, &peers[0]);
	CHECK_EQ(peer_sig(sys, r, &peers[0], CMD_SUB, SIGUSR1), 0);
	CHECK_EQ(peer_sig(sys, r, &peers[0], CMD_SUB, SIGTERM), 0);
	CHECK(!is_prev(SIGUSR1));
	CHECK_EQ(peer_sig(sys, r, &peers[0], CMD_STOP, 0), 0);
	CHECK_EQ(cadre_system_await_stopped(sys, 20000), 0);
	CHECK(is_prev(SIGUSR1));
	struct sigaction sa;
	CHECK_EQ(sigaction(SIGTERM, NULL, &sa), 0);
	CHECK(sa.sa_handler == SIG_DFL);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
}

/* Signals that cannot be caught or that are faults: CADRE_EINVAL, and no
 * disposition changes. */
static void
bad_signo(void)
{
	cadre_system *sys = new_sys();
	peer_init(&peers[0]);
	cadre_ref r = peer_spawn(sys, &peers[0]);
	int bad[] = {0, -1, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, 32, 33, 65, 1000};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(peer_sig(sys, r, &peers[0], CMD_SUB, bad[i]), CADRE_EINVAL);
		CHECK_EQ(peer_sig(sys, r, &peers[0], CMD_UNSUB, bad[i]), CADRE_EINVAL);
	}
	CHECK_EQ(cadre_signal_subscribe(NULL, SIGUSR1), CADRE_EINVAL);
	CHECK_EQ(cadre_signal_unsubscribe(NULL, SIGUSR1), CADRE_EINVAL);
	/* A real-time signal is fine. */
	CHECK_EQ(peer_sig(sys, r, &peers[0], CMD_SUB, SIGRTMIN + 1), 0);
	CHECK_EQ(raise(SIGRTMIN + 1), 0);
	expect_exactly(&peers[0], SIGRTMIN + 1, 1);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	struct sigaction sa;
	CHECK_EQ(sigaction(SIGRTMIN + 1, NULL, &sa), 0);
	CHECK(sa.sa_handler == SIG_DFL);
}

/* Shutdown with subscriptions: the old action comes back; a call from a
 * stop callback during shutdown gets CADRE_ECLOSED. Two systems share a
 * signal: both get it, and the action comes back only after both. */
static void
after_shutdown(void)
{
	install_prev(SIGUSR2);
	atomic_store(&prev_hits, 0);
	cadre_system *a = new_sys(), *b = new_sys();
	peer_init(&peers[0]);
	peer_init(&peers[1]);
	cadre_ref ra = peer_spawn(a, &peers[0]), rb = peer_spawn(b, &peers[1]);
	CHECK_EQ(peer_sig(a, ra, &peers[0], CMD_SUB, SIGUSR2), 0);
	CHECK_EQ(peer_sig(b, rb, &peers[1], CMD_SUB, SIGUSR2), 0);
	CHECK_EQ(raise(SIGUSR2), 0);
	expect_exactly(&peers[0], SIGUSR2, 1);
	expect_exactly(&peers[1], SIGUSR2, 1);
	peers[0].stop_probe = true;
	CHECK_EQ(cadre_system_shutdown(a, CADRE_FOREVER), 0);
	CHECK_EQ(atomic_load(&peers[0].stop_sub_rc), CADRE_ECLOSED);
	CHECK(!is_prev(SIGUSR2)); /* b still listens */
	CHECK_EQ(raise(SIGUSR2), 0);
	expect_exactly(&peers[1], SIGUSR2, 2);
	CHECK_EQ(atomic_load(&peers[0].signals[SIGUSR2]), 1);
	CHECK_EQ(cadre_system_shutdown(b, CADRE_FOREVER), 0);
	CHECK(is_prev(SIGUSR2));
	CHECK_EQ(raise(SIGUSR2), 0);
	CHECK_EQ(atomic_load(&prev_hits), 1);
	cadre_system_free(a);
	cadre_system_free(b);
}

/* The usual ones: SIGINT, SIGTERM, SIGHUP from kill(), each once; their
 * default actions (which end the process) are back after the shutdown. */
static void
common_signals(void)
{
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	for (int k = 0; k < 4; k++)
		signal(sigs[k], SIG_DFL);
	cadre_system *sys = new_sys();
	peer_init(&peers[0]);
	cadre_ref r = peer_spawn(sys, &peers[0]);
	for (int k = 0; k < 4; k++)
		CHECK_EQ(peer_sig(sys, r, &peers[0], CMD_SUB, sigs[k]), 0);
	for (int k = 0; k < 4; k++) {
		CHECK_EQ(kill(getpid(), sigs[k]), 0);
		expect_exactly(&peers[0], sigs[k], 1);
	}
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	for (int k = 0; k < 4; k++) {
		struct sigaction sa;
		CHECK_EQ(sigaction(sigs[k], NULL, &sa), 0);
		CHECK(sa.sa_handler == SIG_DFL);
	}
}

static atomic_int churn_stop;

static void *
churn_killer(void *arg)
{
	(void)arg;
	while (!atomic_load(&churn_stop)) {
		kill(getpid(), SIGUSR1);
		nap_us(50);
	}
	return NULL;
}

/* Signals keep arriving while systems subscribe, unsubscribe and shut down
 * (slots opened and closed under the handler): nothing breaks, and the old
 * action is back at the end. */
static void
churn(void)
{
	install_prev(SIGUSR1);
	pthread_t t;
	atomic_store(&churn_stop, 0);
	CHECK_EQ(pthread_create(&t, NULL, churn_killer, NULL), 0);
	long rounds = test_size("CADRE_SIG_CHURN", 40);
	for (long i = 0; i < rounds; i++) {
		cadre_system *sys = new_sys();
		cadre_ref r[2];
		for (int k = 0; k < 2; k++) {
			peer_init(&peers[k]);
			r[k] = peer_spawn(sys, &peers[k]);
			CHECK_EQ(peer_sig(sys, r[k], &peers[k], CMD_SUB, SIGUSR1), 0);
		}
		CHECK(wait_count(&peers[0].signals[SIGUSR1], 1) >= 1); /* they do arrive */
		if (i % 2 == 0)
			CHECK_EQ(peer_sig(sys, r[1], &peers[1], CMD_UNSUB, SIGUSR1), 0);
		/* The shutdown joins the system's threads with SIGUSR1 blocked on
		 * this thread only (the workers still take it): under
		 * ThreadSanitizer (GCC 12's libtsan) a signal handled inside
		 * pthread_join's free of the joined thread's TLS deadlocks the
		 * sanitizer's own runtime (its handler waits for a slot lock
		 * that the interrupted free holds). */
		sigset_t usr1, old;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		CHECK_EQ(pthread_sigmask(SIG_BLOCK, &usr1, &old), 0);
		CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
		cadre_system_free(sys);
		CHECK_EQ(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	}
	atomic_store(&churn_stop, 1);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK(is_prev(SIGUSR1));
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, once_per_subscriber);
	TEST_CASE_IF(only, unsubscribe);
	TEST_CASE_IF(only, owner_stop);
	TEST_CASE_IF(only, bad_signo);
	TEST_CASE_IF(only, after_shutdown);
	TEST_CASE_IF(only, common_signals);
	TEST_CASE_IF(only, churn);
	return 0;
}
