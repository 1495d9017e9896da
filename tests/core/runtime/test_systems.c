/* Several systems in one process: four systems of two workers each run a
 * ping-pong at the same time; each one's counters are exact and count only
 * its own work; a ref of one system is refused by the others; shutting one
 * down, while the others are busy, leaves the others working. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

#define NSYS 4

/* ---- helpers ------------------------------------------------------------- */

/* The per-worker counters add up to the system's, apart from what non-worker
 * threads did (counted in the system only). Exact when quiet. */
static void
check_worker_sums(cadre_system *sys, const cadre_stats *all)
{
	unsigned n = cadre_system_workers(sys);
	CHECK_EQ(n, 2);
	uint64_t handled = 0, sent = 0, spawned = 0;
	for (unsigned i = 0; i < n; i++) {
		cadre_stats w;
		CHECK_EQ(cadre_system_stats(sys, (int)i, &w), 0);
		handled += w.handled;
		sent += w.sent;
		spawned += w.spawned;
		CHECK_EQ(w.actors_alive, 0);
	}
	CHECK_EQ(handled, all->handled); /* only workers run receive */
	CHECK(sent <= all->sent);
	CHECK(spawned <= all->spawned);
}

/* ---- dead letters, per system ---------------------------------------------- */

struct dl_count {
	long enoactor;
	long eclosed;
	long other;
};

static void
dl_hook(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)to;
	(void)m;
	struct dl_count *c = ctx;
	long *p = why == CADRE_ENOACTOR ? &c->enoactor
	                                : (why == CADRE_ECLOSED ? &c->eclosed : &c->other);
	__atomic_add_fetch(p, 1, __ATOMIC_RELEASE);
}

/* ---- ping-pong ------------------------------------------------------------- */

enum { PING = 1, PONG = 2, M_DATA = 3, M_STOP = 4, M_FOREIGN = 5 };

struct result {
	long rounds;       /* asked */
	long pongs;        /* PONGs seen by ping, in order */
	long pings;        /* PINGs served by pong */
	long errors;       /* wrong type, order, sender, system */
	long ping_exit;    /* exit kind + 1, once stopped */
	long pong_exit;    /* exit kind + 1, once stopped */
	cadre_system *sys; /* the system they must run in */
};

struct pong {
	cadre_actor base;
	struct result *res;
	cadre_ref ping; /* the only expected sender */
};

struct ping {
	cadre_actor base;
	struct result *res;
	cadre_ref peer;
	long left;
};

static int
pong_start(cadre_actor *self, void *arg)
{
	struct pong *p = (struct pong *)self;
	p->res = arg;
	p->ping = CADRE_REF_NONE;
	if (cadre_actor_system(self) != p->res->sys)
		__atomic_add_fetch(&p->res->errors, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
pong_receive(cadre_actor *self, const cadre_msg *m)
{
	struct pong *p = (struct pong *)self;
	if (m->type != PING || m->size != sizeof(long)) {
		__atomic_add_fetch(&p->res->errors, 1, __ATOMIC_RELAXED);
		return -1;
	}
	if (cadre_ref_is_none(p->ping))
		p->ping = m->sender;
	else if (!cadre_ref_is_equal(p->ping, m->sender))
		__atomic_add_fetch(&p->res->errors, 1, __ATOMIC_RELAXED);
	p->res->pings++; /* owner only; read by main after the stop */
	return cadre_send(cadre_actor_system(self), m->sender, PONG, m->data, m->size);
}

static void
pong_stop(cadre_actor *self, const cadre_exit *why)
{
	struct pong *p = (struct pong *)self;
	__atomic_store_n(&p->res->pong_exit, (long)why->kind + 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour pong_beh = {.size = sizeof(struct pong),
                                         .start = pong_start,
                                         .receive = pong_receive,
                                         .stop = pong_stop,
                                         .name = "pong"};

/* The ping spawns its pong and serves the first PING from its start. */
static int
ping_start(cadre_actor *self, void *arg)
{
	struct ping *p = (struct ping *)self;
	p->res = arg;
	p->left = p->res->rounds;
	cadre_system *sys = cadre_actor_system(self);
	if (sys != p->res->sys)
		__atomic_add_fetch(&p->res->errors, 1, __ATOMIC_RELAXED);
	int rc = cadre_spawn(sys, &pong_beh, NULL, p->res, &p->peer);
	if (rc != 0)
		return rc;
	long round = p->left;
	return cadre_send(sys, p->peer, PING, &round, sizeof round);
}

static int
ping_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ping *p = (struct ping *)self;
	cadre_system *sys = cadre_actor_system(self);
	if (m->type != PONG || m->size != sizeof(long) || *(const long *)m->data != p->left ||
	    !cadre_ref_is_equal(m->sender, p->peer)) {
		__atomic_add_fetch(&p->res->errors, 1, __ATOMIC_RELAXED);
		return -1;
	}
	p->res->pongs++;
	if (--p->left == 0) {
		int rc = cadre_stop_ref(sys, p->peer);
		if (rc != 0)
			return rc;
		return cadre_stop(self);
	}
	long round = p->left;
	return cadre_send(sys, p->peer, PING, &round, sizeof round);
}

static void
ping_stop(cadre_actor *self, const cadre_exit *why)
{
	struct ping *p = (struct ping *)self;
	__atomic_store_n(&p->res->ping_exit, (long)why->kind + 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour ping_beh = {.size = sizeof(struct ping),
                                         .start = ping_start,
                                         .receive = ping_receive,
                                         .stop = ping_stop,
                                         .name = "ping"};

static void
start_pingpong(cadre_system *sys, struct result *res, long rounds)
{
	memset(res, 0, sizeof *res);
	res->rounds = rounds;
	res->sys = sys;
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &ping_beh, NULL, res, &r), 0);
}

static void
check_pingpong(const struct result *res)
{
	CHECK_EQ(ld(&res->errors), 0);
	CHECK_EQ(res->pongs, res->rounds);
	CHECK_EQ(res->pings, res->rounds);
	CHECK_EQ(ld(&res->ping_exit), CADRE_EXIT_NORMAL + 1);
	CHECK_EQ(ld(&res->pong_exit), CADRE_EXIT_SHUTDOWN + 1);
}

/* ---- a sink ----------------------------------------------------------------- */

struct tally {
	long data;
	long foreign; /* must stay 0 */
	long stopped;
};

struct sink {
	cadre_actor base;
	struct tally *t;
};

static int
sink_start(cadre_actor *self, void *arg)
{
	((struct sink *)self)->t = arg;
	return 0;
}

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	struct tally *t = ((struct sink *)self)->t;
	if (m->type == M_STOP)
		return cadre_stop(self);
	__atomic_add_fetch(m->type == M_DATA ? &t->data : &t->foreign, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
sink_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	__atomic_add_fetch(&((struct sink *)self)->t->stopped, 1, __ATOMIC_RELEASE);
}

static const cadre_behaviour sink_beh = {.size = sizeof(struct sink),
                                         .start = sink_start,
                                         .receive = sink_receive,
                                         .stop = sink_stop,
                                         .name = "sink"};

/* ---- the test -------------------------------------------------------------- */

static void
four_systems(void)
{
	const long rounds = test_size("CADRE_SYSTEMS_ROUNDS", 50000);
	cadre_system *sys[NSYS];
	struct dl_count dl[NSYS];
	struct result res[NSYS];
	memset(dl, 0, sizeof dl);
	for (int i = 0; i < NSYS; i++) {
		cadre_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.workers = 2;
		cfg.dead_letter = dl_hook;
		cfg.dead_letter_ctx = &dl[i];
		CHECK_EQ(cadre_system_new(&sys[i], &cfg), 0);
		CHECK_EQ(cadre_system_workers(sys[i]), 2);
	}

	/* 1. Four ping-pongs at once. */
	for (int i = 0; i < NSYS; i++)
		start_pingpong(sys[i], &res[i], rounds);
	for (int i = 0; i < NSYS; i++) {
		cadre_stats st = await_quiet(sys[i]);
		check_pingpong(&res[i]);
		/* Exactly its own work: the PINGs and the PONGs, nothing dead. */
		CHECK_EQ(st.sent, 2 * (uint64_t)rounds);
		CHECK_EQ(st.handled, 2 * (uint64_t)rounds);
		CHECK_EQ(st.dead_letters, 0);
		CHECK_EQ(st.spawned, 2);
		CHECK_EQ(st.stopped, 2);
		check_worker_sums(sys[i], &st);
		CHECK_EQ(ld(&dl[i].enoactor) + ld(&dl[i].eclosed) + ld(&dl[i].other), 0);
	}

	/* 2. Refs of one system are refused by the others, even though every
	 * system's sink has the same slot and generation. */
	struct tally t[NSYS];
	cadre_ref sink[NSYS];
	memset(t, 0, sizeof t);
	for (int i = 0; i < NSYS; i++)
		CHECK_EQ(cadre_spawn(sys[i], &sink_beh, NULL, &t[i], &sink[i]), 0);
	for (int i = 0; i < NSYS; i++) {
		CHECK_EQ(sink[i].index, sink[0].index);
		CHECK_EQ(sink[i].gen, sink[0].gen);
		for (int j = 0; j < i; j++)
			CHECK(sink[i].sys != sink[j].sys);
	}
	for (int i = 0; i < NSYS; i++)
		for (int j = 0; j < NSYS; j++) {
			if (i == j)
				continue;
			CHECK_EQ(cadre_send(sys[j], sink[i], M_FOREIGN, &i, sizeof i),
			         CADRE_ENOACTOR);
			CHECK_EQ(cadre_stop_ref(sys[j], sink[i]), CADRE_ENOACTOR);
		}
	for (int i = 0; i < NSYS; i++) {
		/* each system saw NSYS - 1 foreign sends, as dead letters */
		CHECK_EQ(ld(&dl[i].enoactor), NSYS - 1);
		cadre_stats st = stats_of(sys[i]);
		CHECK_EQ(st.sent, 2 * (uint64_t)rounds + NSYS - 1);
		CHECK_EQ(st.dead_letters, NSYS - 1);
		CHECK_EQ(st.handled, 2 * (uint64_t)rounds);
	}

	/* 3. Shut system 0 down while the others run a second ping-pong. */
	for (int i = 1; i < NSYS; i++)
		start_pingpong(sys[i], &res[i], rounds);
	CHECK_EQ(cadre_system_shutdown(sys[0], CADRE_FOREVER), 0);
	CHECK_EQ(ld(&t[0].stopped), 1); /* its sink was stopped by the shutdown */
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys[0], &sink_beh, NULL, &t[0], &r), CADRE_ECLOSED);
	CHECK_EQ(cadre_send(sys[0], sink[0], M_DATA, NULL, 0), CADRE_ECLOSED);
	CHECK_EQ(cadre_stop_ref(sys[0], sink[0]), CADRE_ECLOSED);
	CHECK_EQ(ld(&dl[0].eclosed), 1);
	/* The others still take sends and spawns, after the shutdown. */
	struct tally late[NSYS];
	cadre_ref late_ref[NSYS];
	memset(late, 0, sizeof late);
	for (int i = 1; i < NSYS; i++) {
		CHECK_EQ(cadre_send(sys[i], sink[i], M_DATA, &i, sizeof i), 0);
		CHECK_EQ(cadre_send(sys[i], sink[i], M_STOP, NULL, 0), 0);
		CHECK_EQ(cadre_spawn(sys[i], &sink_beh, NULL, &late[i], &late_ref[i]), 0);
		CHECK_EQ(cadre_send(sys[i], late_ref[i], M_DATA, &i, sizeof i), 0);
		CHECK_EQ(cadre_send(sys[i], late_ref[i], M_DATA, &i, sizeof i), 0);
		CHECK_EQ(cadre_send(sys[i], late_ref[i], M_STOP, NULL, 0), 0);
	}
	for (int i = 1; i < NSYS; i++) {
		cadre_stats st = await_quiet(sys[i]);
		check_pingpong(&res[i]);
		CHECK_EQ(ld(&t[i].data), 1);
		CHECK_EQ(ld(&t[i].foreign), 0);
		CHECK_EQ(ld(&t[i].stopped), 1);
		CHECK_EQ(ld(&late[i].data), 2);
		CHECK_EQ(ld(&late[i].stopped), 1);
		/* two ping-pongs, the foreign dead letters, 2 + 3 sink messages */
		CHECK_EQ(st.sent, 4 * (uint64_t)rounds + NSYS - 1 + 5);
		CHECK_EQ(st.handled, 4 * (uint64_t)rounds + 5);
		CHECK_EQ(st.dead_letters, NSYS - 1);
		CHECK_EQ(st.spawned, 2 + 1 + 2 + 1);
		CHECK_EQ(st.stopped, st.spawned);
		check_worker_sums(sys[i], &st);
		CHECK_EQ(ld(&dl[i].enoactor), NSYS - 1);
		CHECK_EQ(ld(&dl[i].eclosed) + ld(&dl[i].other), 0);
	}
	/* System 0's counters: frozen at the shutdown, plus the refused send. */
	cadre_stats s0 = stats_of(sys[0]);
	CHECK_EQ(s0.sent, 2 * (uint64_t)rounds + NSYS - 1 + 1);
	CHECK_EQ(s0.handled, 2 * (uint64_t)rounds);
	CHECK_EQ(s0.dead_letters, NSYS - 1 + 1);
	CHECK_EQ(s0.spawned, 3);
	CHECK_EQ(s0.stopped, 3);
	CHECK_EQ(ld(&t[0].data) + ld(&t[0].foreign), 0);

	for (int i = 0; i < NSYS; i++)
		cadre_system_free(sys[i]);
}

int
main(void)
{
	TEST_CASE(four_systems);
	fprintf(stderr, "test_systems: ok\n");
	return 0;
}
