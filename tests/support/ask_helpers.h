/* Cadre tests: what the request/response tests share (test_ask_*.c in
 * tests/actors, cadre/ask.h): one system per case with a dead-letter count
 * (sys_up, sys_down), and the services.
 *
 * Services: `echo` answers every request at once with its payload (reply
 * type = request type + 1); `silent` never answers; `delay` answers each
 * request {delay_ms, nonce} after delay_ms with the nonce, by keeping the
 * reply-to token in a timer message to itself (a deferred reply); `stash`
 * keeps tokens in its state and answers them all on FLUSH. Run one case
 * with: test_ask_<topic> <case>. */
#ifndef CADRE_TEST_ASK_HELPERS_H
#define CADRE_TEST_ASK_HELPERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>
#include <cadre/ask.h>

#include "check.h"
#include "waits.h"

#define WAIT_ROUNDS 20000 /* x 1 ms: bound of every wait */

enum { T_REQ = 100, T_GO = 200, T_FLUSH, T_TICK, T_RESULT };

static cadre_system *sys;
static const char *only;
static atomic_ulong dead_replies, dead_total;

static inline void
on_dead(void *ctx, cadre_ref to, const cadre_msg *m, int why)
{
	(void)ctx, (void)to, (void)why;
	/* Relaxed: counters read after shutdown (joins order them). */
	atomic_fetch_add_explicit(&dead_total, 1, memory_order_relaxed);
	if (m->type == CADRE_MSG_REPLY)
		atomic_fetch_add_explicit(&dead_replies, 1, memory_order_relaxed);
}

static inline void
sys_up(void)
{
	atomic_store(&dead_replies, 0);
	atomic_store(&dead_total, 0);
	cadre_config cfg = {.workers = 2, .dead_letter = on_dead};
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
}

/* Shuts down and checks that every message was handled or dead-lettered. */
static inline void
sys_down(void)
{
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_stats st;
	CHECK_EQ(cadre_system_stats(sys, -1, &st), 0);
	CHECK_EQ(st.sent, st.handled + st.dead_letters);
	CHECK_EQ(st.dead_letters, atomic_load(&dead_total));
	cadre_system_free(sys);
	sys = NULL;
}

static inline cadre_ref
spawn(const cadre_behaviour *b, void *arg)
{
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, b, NULL, arg, &r), 0);
	return r;
}

/* ---- services ------------------------------------------------------------------------- */
static inline int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	CHECK_EQ(cadre_reply(cadre_actor_system(self), &req.reply_to, req.type + 1, req.data,
	                     req.size),
	         0);
	return 0;
}

static const cadre_behaviour echo_beh = {
        .size = sizeof(cadre_actor), .receive = echo_receive, .name = "echo"};

static inline int
silent_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self, (void)m;
	return 0;
}

static const cadre_behaviour silent_beh = {
        .size = sizeof(cadre_actor), .receive = silent_receive, .name = "silent"};

struct delay_req {
	uint32_t delay_ms;
	uint32_t pad;
	uint64_t nonce;
};

struct delay_tick {
	cadre_reply_to to;
	uint64_t nonce;
};

static atomic_ulong delay_replied; /* replies the delay service has sent */

static inline int
delay_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_system *s = cadre_actor_system(self);
	if (m->type == T_TICK) {
		struct delay_tick t;
		memcpy(&t, m->data, sizeof t);
		int rc = cadre_reply(s, &t.to, T_REQ + 1, &t.nonce, sizeof t.nonce);
		CHECK(rc == 0 || rc == CADRE_ENOACTOR);
		/* Release: after the reply is out; pairs with the test's acquire. */
		atomic_fetch_add_explicit(&delay_replied, 1, memory_order_release);
		return 0;
	}
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0)
		return 0;
	struct delay_req d;
	CHECK_EQ(req.size, sizeof d);
	memcpy(&d, req.data, sizeof d);
	struct delay_tick t = {req.reply_to, d.nonce};
	CHECK_EQ(cadre_send_after(s, cadre_self(self), T_TICK, &t, sizeof t, d.delay_ms, NULL), 0);
	return 0;
}

static const cadre_behaviour delay_beh = {
        .size = sizeof(cadre_actor), .receive = delay_receive, .name = "delay"};

/* Keeps up to 64 tokens in its state; FLUSH answers them, newest first. */
struct stash {
	cadre_actor base;
	cadre_reply_to tokens[64];
	uint64_t nonces[64];
	int n;
};

static inline int
stash_receive(cadre_actor *self, const cadre_msg *m)
{
	struct stash *st = (struct stash *)self;
	if (m->type == T_FLUSH) {
		while (st->n > 0) {
			st->n--;
			CHECK_EQ(cadre_reply(cadre_actor_system(self), &st->tokens[st->n],
			                     T_REQ + 1, &st->nonces[st->n],
			                     sizeof st->nonces[st->n]),
			         0);
		}
		return 0;
	}
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0 || st->n == 64)
		return 0;
	st->tokens[st->n] = req.reply_to; /* a value: kept past this message */
	CHECK_EQ(req.size, sizeof(struct delay_req));
	memcpy(&st->nonces[st->n], (const char *)req.data + 8, sizeof st->nonces[0]);
	st->n++;
	return 0;
}

static const cadre_behaviour stash_beh = {
        .size = sizeof(struct stash), .receive = stash_receive, .name = "stash"};

#define RUN(fn) TEST_CASE_IF(only, fn)

#endif /* CADRE_TEST_ASK_HELPERS_H */
