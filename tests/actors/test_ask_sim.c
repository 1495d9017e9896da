/* Request timeouts on the virtual clock (cadre/sim.h): an actor's request
 * answered before its timeout gets the reply at exactly the replier's
 * delay; one answered after gets CADRE_ETIMEDOUT at exactly its timeout
 * (and the reply is counted late); one answered at its timeout's very tick
 * ends exactly once. cadre_ask_wait from the driving thread times out at
 * exactly its timeout too. Under several seeds each (cadre_sim_check). */
#include <string.h>

#include <cadre.h>

#include "check.h"

#define SEEDS 16

enum { T_REQ = 1, T_LATE = 2, T_GO = 3 };

/* Replies to each request `delay` ms after it came (a timer carries the
 * reply address back to itself). */
struct replier {
	cadre_actor base;
	cadre_timeout delay;
};

static int
replier_start(cadre_actor *self, void *arg)
{
	((struct replier *)self)->delay = *(const cadre_timeout *)arg;
	return 0;
}

static int
replier_receive(cadre_actor *self, const cadre_msg *m)
{
	struct replier *r = (struct replier *)self;
	cadre_system *sys = cadre_actor_system(self);
	cadre_request rq;
	if (m->type == T_LATE)
		return cadre_reply(sys, (const cadre_reply_to *)m->data, T_REQ, "ok", 2);
	if (cadre_ask_request(m, &rq) != 0)
		return 0;
	return cadre_send_after(sys, cadre_self(self), T_LATE, &rq.reply_to, sizeof rq.reply_to,
	                        r->delay, NULL);
}

static const cadre_behaviour replier_beh = {
        .size = sizeof(struct replier), .start = replier_start, .receive = replier_receive};

/* Asks `to` once with `timeout` when told T_GO; records the outcome. */
struct outcome {
	int status;     /* 0, CADRE_ETIMEDOUT; 1: none yet */
	unsigned ends;  /* outcomes seen (must be 1) */
	uint64_t at;    /* the clock at the outcome */
	uint64_t asked; /* the clock when asked */
	cadre_ask_stats st;
};

struct client {
	cadre_actor base;
	cadre_asker asker;
	struct outcome *o;
	cadre_ref to;
	cadre_timeout timeout;
};

struct client_arg {
	struct outcome *o;
	cadre_ref to;
	cadre_timeout timeout;
};

static int
client_start(cadre_actor *self, void *arg)
{
	struct client *c = (struct client *)self;
	const struct client_arg *ca = arg;
	c->o = ca->o;
	c->to = ca->to;
	c->timeout = ca->timeout;
	return cadre_asker_init(&c->asker);
}

static int
client_receive(cadre_actor *self, const cadre_msg *m)
{
	struct client *c = (struct client *)self;
	cadre_system *sys = cadre_actor_system(self);
	if (m->type == T_GO) {
		c->o->asked = cadre_system_now_ms(sys);
		return cadre_ask(self, &c->asker, c->to, T_REQ, "q", 1, c->timeout, NULL);
	}
	cadre_response r;
	int d = cadre_ask_dispatch(self, &c->asker, m); /* the asker's bookkeeping */
	CHECK(d >= 0);
	if (d == 0 && m->type == CADRE_MSG_REPLY && cadre_reply_read(m, &r) == 0) {
		c->o->status = r.status;
		c->o->ends++;
		c->o->at = cadre_system_now_ms(sys);
	}
	return cadre_asker_stats(&c->asker, &c->o->st);
}

static void
client_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct client *)self)->asker);
}

static const cadre_behaviour client_beh = {.size = sizeof(struct client),
                                           .start = client_start,
                                           .receive = client_receive,
                                           .stop = client_stop};

struct case_ {
	cadre_timeout delay, timeout;
};

static int
ask_run(uint64_t seed, void *ctx)
{
	const struct case_ *k = ctx;
	cadre_system *sys;
	cadre_config cfg = {.seed = seed, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	struct outcome o = {.status = 1};
	cadre_ref rep, cli;
	CHECK_EQ(cadre_spawn(sys, &replier_beh, NULL, (void *)&k->delay, &rep), 0);
	struct client_arg ca = {&o, rep, k->timeout};
	CHECK_EQ(cadre_spawn(sys, &client_beh, NULL, &ca, &cli), 0);
	CHECK(cadre_sim_run(sys, 17) >= 0); /* ask at 17, not at 0 */
	CHECK_EQ(cadre_send(sys, cli, T_GO, NULL, 0), 0);
	CHECK(cadre_sim_run(sys, CADRE_FOREVER) > 0);
	int bad = o.ends != 1 || o.asked != 17;
	if (k->delay < k->timeout)
		bad |= o.status != 0 || o.at != 17 + (uint64_t)k->delay || o.st.replied != 1;
	else if (k->delay > k->timeout)
		bad |= o.status != CADRE_ETIMEDOUT || o.at != 17 + (uint64_t)k->timeout ||
		       o.st.timed_out != 1 || o.st.replies_late != 1;
	else /* the same tick: one outcome, at that tick */
		bad |= (o.status != 0 && o.status != CADRE_ETIMEDOUT) ||
		       o.at != 17 + (uint64_t)k->timeout || o.st.replied + o.st.timed_out != 1;
	if (bad)
		fprintf(stderr,
		        "ends %u asked %llu status %d at %llu replied %llu timed_out %llu late "
		        "%llu\n",
		        o.ends, (unsigned long long)o.asked, o.status, (unsigned long long)o.at,
		        (unsigned long long)o.st.replied, (unsigned long long)o.st.timed_out,
		        (unsigned long long)o.st.replies_late);
	cadre_system_free(sys);
	return bad;
}

static void
reply_before_timeout(void)
{
	struct case_ k = {.delay = 249, .timeout = 250};
	CHECK_EQ(cadre_sim_check(ask_run, &k, 1, SEEDS, NULL), 0);
}

static void
reply_after_timeout(void)
{
	struct case_ k = {.delay = 251, .timeout = 250};
	CHECK_EQ(cadre_sim_check(ask_run, &k, 100, SEEDS, NULL), 0);
	k = (struct case_){.delay = 3600000, .timeout = 60000}; /* an hour, at once */
	CHECK_EQ(cadre_sim_check(ask_run, &k, 200, SEEDS, NULL), 0);
}

static void
reply_on_the_timeouts_tick(void)
{
	struct case_ k = {.delay = 250, .timeout = 250};
	CHECK_EQ(cadre_sim_check(ask_run, &k, 300, SEEDS, NULL), 0);
}

/* cadre_ask_wait from the driving thread: a late reply times out at
 * exactly the timeout; an early one arrives at exactly its delay. */
static int
wait_run(uint64_t seed, void *ctx)
{
	(void)ctx;
	cadre_system *sys;
	cadre_config cfg = {.seed = seed, .quiet = true};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	cadre_timeout d = 300;
	cadre_ref rep;
	CHECK_EQ(cadre_spawn(sys, &replier_beh, NULL, &d, &rep), 0);
	char buf[4];
	int bad = cadre_ask_wait(sys, rep, T_REQ, NULL, 0, 299, buf, sizeof buf, NULL, NULL) !=
	                  CADRE_ETIMEDOUT ||
	          cadre_system_now_ms(sys) != 299;
	size_t n = 0;
	uint64_t t0 = cadre_system_now_ms(sys);
	bad |= cadre_ask_wait(sys, rep, T_REQ, NULL, 0, 301, buf, sizeof buf, &n, NULL) != 0 ||
	       n != 2 || cadre_system_now_ms(sys) != t0 + 300;
	cadre_system_free(sys);
	return bad;
}

static void
ask_wait_exact(void)
{
	CHECK_EQ(cadre_sim_check(wait_run, NULL, 400, SEEDS, NULL), 0);
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	TEST_CASE_IF(only, reply_before_timeout);
	TEST_CASE_IF(only, reply_after_timeout);
	TEST_CASE_IF(only, reply_on_the_timeouts_tick);
	TEST_CASE_IF(only, ask_wait_exact);
	return 0;
}
