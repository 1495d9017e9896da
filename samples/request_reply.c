/* Request/response with timeouts.
 *
 *   client --(ask: n, timeout 35 ms)--> service --(after (n % 7) * 10 ms)--> reply n*n
 *
 * The service is slow on purpose and never blocks: it keeps each request's
 * reply-to token in a timer message to itself and answers when the timer
 * fires (a deferred reply). Requests that take 40 ms or more time out at
 * the client first; their replies still come, later, and are dropped and
 * counted as late, never handed to the wrong request.
 *
 * The client is an actor that asks with a callback (cadre_ask_cb): its
 * receive passes every message to cadre_ask_dispatch, which runs the
 * callback with the reply or with CADRE_ETIMEDOUT. Then the main thread,
 * which is not a worker, asks twice itself and waits (cadre_ask_wait): once
 * fast enough, once too slow. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>
#include <cadre/ask.h>

enum { SQUARE = 1, ANSWER = 2, GO = 3 };

#define REQUESTS 14
#define TIMEOUT_MS 35

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the service ------------------------------------------------------------------- */
struct later {
	cadre_reply_to to; /* a value: it can travel in a message */
	long n;
};

static int
service_receive(cadre_actor *self, const cadre_msg *m)
{
	cadre_system *sys = cadre_actor_system(self);
	if (m->type == ANSWER) { /* the timer fired: answer now */
		const struct later *l = m->data;
		long sq = l->n * l->n;
		/* 0 also when the client is gone: a reply never fails us */
		return cadre_reply(sys, &l->to, ANSWER, &sq, sizeof sq);
	}
	cadre_request req;
	if (m->type != SQUARE || cadre_ask_request(m, &req) != 0 || req.size != sizeof(long))
		return 0;
	struct later l = {req.reply_to, 0};
	memcpy(&l.n, req.data, sizeof l.n);
	return cadre_send_after(sys, cadre_self(self), ANSWER, &l, sizeof l,
	                        (uint64_t)(l.n % 7) * 10, NULL);
}

static const cadre_behaviour service = {
        .size = sizeof(cadre_actor), .receive = service_receive, .name = "service"};

/* ---- the client --------------------------------------------------------------------- */
struct client {
	cadre_actor base;
	cadre_asker asker;
	uint64_t t0;
	int ended;
	cadre_ref service;
};

static atomic_int client_done;

static void
on_answer(cadre_actor *self, void *ctx, const cadre_response *r)
{
	struct client *c = (struct client *)self;
	long n = (long)(intptr_t)ctx;
	unsigned long ms = (unsigned long)(now_ms() - c->t0);
	if (r->status == 0) {
		long sq;
		memcpy(&sq, r->data, sizeof sq);
		printf("client: %2ld^2 = %3ld    (request %llu, after %3lu ms)\n", n, sq,
		       (unsigned long long)r->id, ms);
	} else {
		printf("client: %2ld^2 timed out (request %llu, after %3lu ms)\n", n,
		       (unsigned long long)r->id, ms);
	}
	c->ended++;
}

static int
client_receive(cadre_actor *self, const cadre_msg *m)
{
	struct client *c = (struct client *)self;
	if (cadre_ask_dispatch(self, &c->asker, m) > 0) {
		cadre_ask_stats st;
		cadre_asker_stats(&c->asker, &st);
		/* done when every request ended and every reply came, late or not */
		if (c->ended == REQUESTS && st.replied + st.replies_late == REQUESTS) {
			printf("client: %llu asked, %llu replied, %llu timed out, %llu late "
			       "replies dropped\n",
			       (unsigned long long)st.asked, (unsigned long long)st.replied,
			       (unsigned long long)st.timed_out,
			       (unsigned long long)st.replies_late);
			atomic_store(&client_done, 1);
		}
		return 0;
	}
	if (m->type != GO)
		return 0;
	memcpy(&c->service, m->data, sizeof c->service);
	c->t0 = now_ms();
	for (long n = 1; n <= REQUESTS; n++) {
		int rc = cadre_ask_cb(self, &c->asker, c->service, SQUARE, &n, sizeof n, TIMEOUT_MS,
		                      on_answer, (void *)(intptr_t)n, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
client_stop(cadre_actor *self, const cadre_exit *why)
{
	struct client *c = (struct client *)self;
	(void)why;
	cadre_asker_fini(self, &c->asker);
}

static const cadre_behaviour client = {.size = sizeof(struct client),
                                       .receive = client_receive,
                                       .stop = client_stop,
                                       .name = "client"};

int
main(void)
{
	cadre_system *sys;
	if (cadre_system_new(&sys, NULL) != 0)
		return 1;
	cadre_ref svc, cli;
	if (cadre_spawn(sys, &service, NULL, NULL, &svc) != 0 ||
	    cadre_spawn(sys, &client, NULL, NULL, &cli) != 0)
		return 1;
	printf("main: %d requests, %d ms timeout, the service takes (n %% 7) * 10 ms\n", REQUESTS,
	       TIMEOUT_MS);
	cadre_send(sys, cli, GO, &svc, sizeof svc);
	for (int i = 0; i < 5000 && !atomic_load(&client_done); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);

	/* The main thread asks too: it may block, it is not a worker. */
	for (long n = 9; n <= 13; n += 4) {
		long sq = 0;
		size_t size = 0;
		uint64_t t0 = now_ms();
		int rc = cadre_ask_wait(sys, svc, SQUARE, &n, sizeof n, TIMEOUT_MS, &sq, sizeof sq,
		                        &size, NULL);
		if (rc == 0)
			printf("main:   %2ld^2 = %3ld    (after %3llu ms)\n", n, sq,
			       (unsigned long long)(now_ms() - t0));
		else
			printf("main:   %2ld^2: %s (after %3llu ms)\n", n, cadre_strerror(rc),
			       (unsigned long long)(now_ms() - t0));
	}
	nanosleep(&(struct timespec){0, 50000000}, NULL); /* let the late reply come */

	cadre_ask_stats g;
	cadre_ask_global_stats(&g);
	printf("main: in all, %llu requests timed out and %llu replies came too late\n",
	       (unsigned long long)g.timed_out, (unsigned long long)g.replies_late);
	cadre_system_shutdown(sys, CADRE_FOREVER);
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	printf("main: messages sent %llu = handled %llu + dead letters %llu\n",
	       (unsigned long long)st.sent, (unsigned long long)st.handled,
	       (unsigned long long)st.dead_letters);
	cadre_system_free(sys);
	return atomic_load(&client_done) && st.sent == st.handled + st.dead_letters ? 0 : 1;
}
