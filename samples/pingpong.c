/* Ping-pong: two actors, each answering the other, a fixed number of round
 * trips. Shows spawning with an init argument, replying with cadre_respond, and
 * actors stopping themselves. `pingpong TRACE.json` also records the
 * scheduling trace and writes it there (cadre/trace.h): open it in
 * Perfetto's UI. */
#include <stdio.h>

#include <cadre.h>

enum { PING = 1, PONG = 2 };

struct pong {
	cadre_actor base;
	long served;
};

static int
pong_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct pong *p = (struct pong *)self;
	if (msg->type != PING)
		return cadre_fail(self, 1, "not a ping");
	p->served++;
	/* Reply to whoever asked (msg->sender). A reply never fails the
	 * replier: if the asker is gone, it is counted as a dead letter. */
	return cadre_respond(self, msg, PONG, msg->data, msg->size);
}

static void
pong_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	printf("pong: served %ld pings\n", ((struct pong *)self)->served);
}

static const cadre_behaviour pong = {
        .size = sizeof(struct pong), .receive = pong_receive, .stop = pong_stop, .name = "pong"};

struct ping {
	cadre_actor base;
	cadre_ref peer;
	long left;
};

struct ping_args {
	cadre_ref peer;
	long rounds;
};

static int
ping_start(cadre_actor *self, void *arg)
{
	struct ping *p = (struct ping *)self;
	const struct ping_args *a = arg;
	p->peer = a->peer;
	p->left = a->rounds;
	long round = p->left;
	return cadre_send(cadre_actor_system(self), p->peer, PING, &round, sizeof round);
}

static int
ping_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct ping *p = (struct ping *)self;
	cadre_system *sys = cadre_actor_system(self);
	if (msg->type != PONG || *(const long *)msg->data != p->left)
		return cadre_fail(self, 2, "wrong answer"); /* fails the actor */
	if (--p->left == 0) {
		cadre_stop_ref(sys, p->peer);
		return cadre_stop(self);
	}
	long round = p->left;
	return cadre_send(sys, p->peer, PING, &round, sizeof round);
}

static void
ping_stop(cadre_actor *self, const cadre_exit *why)
{
	char reason[96];
	cadre_exit_format(why, reason, sizeof reason);
	printf("ping: done, %ld rounds left, reason %s\n", ((struct ping *)self)->left, reason);
}

static const cadre_behaviour ping = {.size = sizeof(struct ping),
                                     .start = ping_start,
                                     .receive = ping_receive,
                                     .stop = ping_stop,
                                     .name = "ping"};

int
main(int argc, char **argv)
{
	cadre_system *sys;
	struct ping_args args = {.rounds = 100000};
	cadre_ref ping_ref;
	/* With a file name: each worker's ring keeps its last 65536 events. */
	cadre_config cfg = {.trace_events = argc > 1 ? 65536 : 0};
	if (cadre_system_new(&sys, &cfg) != 0 ||
	    cadre_spawn(sys, &pong, NULL, NULL, &args.peer) != 0 ||
	    cadre_spawn(sys, &ping, NULL, &args, &ping_ref) != 0)
		return 1;
	cadre_system_await_stopped(sys, CADRE_FOREVER); /* args lives until here */
	if (argc > 1 && cadre_trace_write(sys, argv[1]) != 0)
		fprintf(stderr, "pingpong: cannot write %s\n", argv[1]);
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	printf("pingpong: %llu messages handled, %llu dead letters\n",
	       (unsigned long long)st.handled, (unsigned long long)st.dead_letters);
	cadre_system_free(sys);
	return st.handled == 2 * 100000 ? 0 : 1;
}
