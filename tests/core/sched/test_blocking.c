/* The blocking pool's isolation property: actors spawned with
 * CADRE_SPAWN_BLOCKING may block (here: on a semaphore the test releases
 * only at the end) without stalling the per-core workers. Four blocking
 * actors block on a 2-worker system while two per-core actors play 100,000
 * rounds of ping-pong; if blocking actors ran on the workers, both workers
 * would be stuck and the ping-pong could never finish (the bounded wait
 * would fail). Also: blocking actors run on pool threads ("cadre-b*"), they
 * can send to per-core actors, and the counters add up. */
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "cadre__atomic.h"
#include "check.h"

static sem_t release;
static uint32_t blocked_now, pool_thread_ok, pong_done;
static cadre_ref collector;
static uint64_t collected;

static void
deadline(struct timespec *ts, int secs)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += secs;
}

static int
blocker_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)m;
	char name[16] = {0};
	pthread_getname_np(pthread_self(), name, sizeof name);
	if (strncmp(name, "cadre-b", 7) == 0)
		cadre__faa_acqrel_u32(&pool_thread_ok, 1); /* read by main */
	cadre__faa_acqrel_u32(&blocked_now, 1);
	struct timespec ts;
	deadline(&ts, 60);
	CHECK_EQ(sem_timedwait(&release, &ts), 0); /* blocks this pool thread */
	long one = 1;
	CHECK_EQ(cadre_send(cadre_actor_system(self), collector, 1, &one, sizeof one), 0);
	return cadre_stop(self);
}

static const cadre_behaviour blocker = {.size = sizeof(cadre_actor), .receive = blocker_receive};

static int
collector_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	cadre__faa_acqrel_u64(&collected, (uint64_t) * (const long *)m->data);
	return 0;
}

static const cadre_behaviour collect = {.size = sizeof(cadre_actor), .receive = collector_receive};

struct player {
	cadre_actor base;
	cadre_ref peer;
	long left;
};

static int
player_receive(cadre_actor *self, const cadre_msg *m)
{
	struct player *p = (struct player *)self;
	if (m->type == 2) { /* setup: peer and rounds */
		const struct player *cfg = m->data;
		p->peer = cfg->peer;
		p->left = cfg->left;
		if (p->left == 0)
			return 0;
	}
	if (p->left > 0 && --p->left == 0) {
		cadre__store_rel_u32(&pong_done, 1);
		return 0;
	}
	return cadre_send(cadre_actor_system(self), p->peer, 1, NULL, 0);
}

static const cadre_behaviour player = {.size = sizeof(struct player), .receive = player_receive};

static void
isolation(void)
{
	CHECK_EQ(sem_init(&release, 0, 0), 0);
	cadre_config cfg = {.workers = 2, .blocking_threads = 4};
	cadre_system *sys;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_spawn(sys, &collect, NULL, NULL, &collector), 0);
	cadre_spawn_opts bo = {.flags = CADRE_SPAWN_BLOCKING};
	cadre_ref b[4];
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(cadre_spawn(sys, &blocker, &bo, NULL, &b[i]), 0);
		CHECK_EQ(cadre_send(sys, b[i], 1, NULL, 0), 0);
	}
	/* all four are blocked now (bounded wait) */
	for (int i = 0; cadre__load_acq_u32(&blocked_now) < 4; i++) {
		CHECK(i < 20000);
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	CHECK_EQ(cadre__load_acq_u32(&pool_thread_ok), 4);
	/* the per-core workers still run everything else */
	cadre_ref p1, p2;
	CHECK_EQ(cadre_spawn(sys, &player, NULL, NULL, &p1), 0);
	CHECK_EQ(cadre_spawn(sys, &player, NULL, NULL, &p2), 0);
	struct player c2 = {.peer = p1, .left = 0}, c1 = {.peer = p2, .left = 100000};
	CHECK_EQ(cadre_send(sys, p2, 2, &c2, sizeof c2), 0);
	CHECK_EQ(cadre_send(sys, p1, 2, &c1, sizeof c1), 0);
	for (int i = 0; !cadre__load_acq_u32(&pong_done); i++) {
		CHECK(i < 60000); /* 60 s: fails if the workers were blocked */
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	/* the blockers are still blocked: none has reported to the collector */
	CHECK_EQ(cadre__load_acq_u64(&collected), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(sem_post(&release), 0);
	for (int i = 0; cadre__load_acq_u64(&collected) < 4; i++) {
		CHECK(i < 20000);
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.dead_letters, 0);
	CHECK(st.handled >= 100000 + 8);
	cadre_system_free(sys);
	sem_destroy(&release);
}

int
main(void)
{
	TEST_CASE(isolation);
	fprintf(stderr, "test_blocking: ok\n");
	return 0;
}
