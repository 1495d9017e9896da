/* Request/response (cadre/ask.h), case by case: futures (cadre_ask_wait)
 * from threads outside the system. Answers, truncated answers, timeouts,
 * EWOULDBLOCK on a worker, replies racing their timeout from several
 * threads, and a future cancelled by the system's shutdown. The services
 * are in tests/support/ask_helpers.h. Run one case with: test_ask_futures
 * <case>. */
#include <pthread.h>

#include "ask_helpers.h"

/* ---- futures -------------------------------------------------------------------------- */
struct waiter_arg {
	cadre_ref to;
	int n, ok, timedout, bad;
	uint32_t seed;
};

static void *
waiter_thread(void *p)
{
	struct waiter_arg *w = p;
	for (int i = 0; i < w->n; i++) {
		w->seed = w->seed * 1103515245u + 12345u;
		struct delay_req d = {5 + (w->seed >> 16) % 11, 0, w->seed};
		uint64_t nonce = 0;
		size_t got = 0;
		uint32_t type = 0;
		int rc = cadre_ask_wait(sys, w->to, T_REQ, &d, sizeof d, 10, &nonce, sizeof nonce,
		                        &got, &type);
		if (rc == 0) {
			w->ok++;
			if (nonce != w->seed || got != sizeof nonce || type != T_REQ + 1)
				w->bad++;
		} else if (rc == CADRE_ETIMEDOUT) {
			w->timedout++;
		} else {
			w->bad++;
		}
	}
	return NULL;
}

struct blocker {
	cadre_actor base;
};

static atomic_int worker_rc = 1;

static int
blocker_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	char buf[8];
	int rc = cadre_ask_wait(cadre_actor_system(self), m->sender, T_REQ, NULL, 0, 10, buf,
	                        sizeof buf, NULL, NULL);
	atomic_store(&worker_rc, rc);
	return 0;
}

static const cadre_behaviour blocker_beh = {.size = sizeof(struct blocker),
                                            .receive = blocker_receive};

static void
futures(void)
{
	sys_up();
	cadre_ref echo = spawn(&echo_beh, NULL);
	char buf[64];
	size_t got = 0;
	uint32_t type = 0;
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, "abc", 3, 5000, buf, sizeof buf, &got, &type), 0);
	CHECK_EQ(got, 3);
	CHECK_EQ(type, 8);
	/* empty request, empty reply; NULL outputs */
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, NULL, 0, 5000, NULL, 0, NULL, NULL), 0);
	/* a reply bigger than the buffer: truncated */
	char big[2000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)i;
	char small[100];
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, big, sizeof big, 5000, small, sizeof small, &got,
	                        NULL),
	         CADRE_ETOOBIG);
	CHECK_EQ(got, sizeof big);
	CHECK(memcmp(small, big, sizeof small) == 0);
	/* a large round trip */
	char back[2000];
	CHECK_EQ(cadre_ask_wait(sys, echo, 7, big, sizeof big, 5000, back, sizeof back, &got, NULL),
	         0);
	CHECK(memcmp(back, big, sizeof big) == 0);
	/* timeout */
	cadre_ref silent = spawn(&silent_beh, NULL);
	uint64_t t0 = now_ns();
	CHECK_EQ(cadre_ask_wait(sys, silent, 7, NULL, 0, 40, NULL, 0, NULL, NULL), CADRE_ETIMEDOUT);
	CHECK(now_ns() - t0 >= 40 * 1000000ull);
	/* EWOULDBLOCK on a worker */
	cadre_ref blk = spawn(&blocker_beh, NULL);
	CHECK_EQ(cadre_send(sys, blk, 1, NULL, 0), 0);
	WAIT_FOR(atomic_load(&worker_rc) != 1);
	CHECK_EQ(atomic_load(&worker_rc), CADRE_EWOULDBLOCK);
	/* races: several threads, replies near the timeout */
	cadre_ref delay = spawn(&delay_beh, NULL);
	atomic_store(&delay_replied, 0);
	cadre_ask_stats g0, g1;
	cadre_ask_global_stats(&g0);
	enum { THREADS = 4 };
	struct waiter_arg wa[THREADS];
	pthread_t th[THREADS];
	int per = (int)test_size("ASK_FUTURES_N", 150);
	for (int i = 0; i < THREADS; i++) {
		wa[i] = (struct waiter_arg){.to = delay, .n = per, .seed = 77u + (uint32_t)i};
		CHECK_EQ(pthread_create(&th[i], NULL, waiter_thread, &wa[i]), 0);
	}
	int ok = 0, to = 0;
	for (int i = 0; i < THREADS; i++) {
		CHECK_EQ(pthread_join(th[i], NULL), 0);
		CHECK_EQ(wa[i].bad, 0);
		CHECK_EQ(wa[i].ok + wa[i].timedout, per);
		ok += wa[i].ok;
		to += wa[i].timedout;
	}
	fprintf(stderr, "   futures: %d replied, %d timed out\n", ok, to);
	WAIT_FOR(atomic_load_explicit(&delay_replied, memory_order_acquire) ==
	         (unsigned long)(THREADS * per));
	sys_down();
	cadre_ask_global_stats(&g1);
	/* each timed-out future's reply was counted late, or dead-lettered
	 * at its proxy, or both (sent to a proxy already gone) */
	uint64_t late = g1.replies_late - g0.replies_late;
	CHECK(late <= (uint64_t)to);
	CHECK(late + atomic_load(&dead_replies) >= (uint64_t)to);
	CHECK(g1.timed_out - g0.timed_out >= (uint64_t)to);
}

static atomic_int shut_rc = 1;

static void *
shut_waiter(void *p)
{
	cadre_ref *silent = p;
	atomic_store(&shut_rc,
	             cadre_ask_wait(sys, *silent, 1, NULL, 0, 60000, NULL, 0, NULL, NULL));
	return NULL;
}

static void
future_on_shutdown(void)
{
	sys_up();
	cadre_ref silent = spawn(&silent_beh, NULL);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, shut_waiter, &silent), 0);
	/* The request is in flight once the silent actor has received it (a
	 * fixed nap raced the waiter on a loaded machine: ECLOSED). */
	cadre_stats st = {0};
	for (int i = 0; i < 20000 && st.handled < 1; i++) {
		nap_ms(1);
		CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	}
	CHECK(st.handled >= 1);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	/* cancelled by the shutdown, not timed out after 60 s (ETIMEDOUT) */
	CHECK_EQ(atomic_load(&shut_rc), CADRE_ECANCELED);
	sys_down();
}

/* ---- main ------------------------------------------------------------------------------ */
int
main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	RUN(futures);
	RUN(future_on_shutdown);
	fprintf(stderr, "test_ask_futures: ok\n");
	return 0;
}
