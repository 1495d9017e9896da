/* Your first actor: a counter.
 *
 * The actor is a struct whose first member is a cadre_actor. Its state (n)
 * is touched only by its own callbacks, one message at a time, so it needs
 * no lock even though a million messages arrive from another thread. */
#include <stdio.h>

#include <cadre.h>

enum { MSG_ADD = 1, MSG_DONE = 2 };

struct counter {
	cadre_actor base; /* first member: Cadre's actor header */
	long n;
};

static int
counter_start(cadre_actor *self, void *arg)
{
	(void)arg;
	printf("counter: started\n");
	((struct counter *)self)->n = 0;
	return 0;
}

static int
counter_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct counter *c = (struct counter *)self;
	switch (msg->type) {
	case MSG_ADD:
		c->n += *(const int *)msg->data;
		return 0;
	case MSG_DONE:
		return cadre_stop(self); /* stop after this message */
	default:
		/* an unknown message is a failure: the code is ours (any non-zero
		 * int), the detail shows in the reason */
		return cadre_fail(self, 1, "unknown message");
	}
}

static void
counter_stop(cadre_actor *self, const cadre_exit *why)
{
	char reason[96];
	cadre_exit_format(why, reason, sizeof reason);
	printf("counter: stopped (%s), total %ld\n", reason, ((struct counter *)self)->n);
}

static const cadre_behaviour counter = {
        .size = sizeof(struct counter),
        .start = counter_start,
        .receive = counter_receive,
        .stop = counter_stop,
        .name = "counter",
};

int
main(void)
{
	cadre_system *sys;
	cadre_ref c;
	int rc = cadre_system_new(&sys, NULL);
	if (rc == 0)
		rc = cadre_spawn(sys, &counter, NULL, NULL, &c);
	if (rc != 0) {
		fprintf(stderr, "counter: %s\n", cadre_strerror(rc));
		return 1;
	}
	for (int i = 0; i < 1000000; i++) {
		int one = 1;
		cadre_send(sys, c, MSG_ADD, &one, sizeof one);
	}
	cadre_send(sys, c, MSG_DONE, NULL, 0);
	cadre_system_await_stopped(sys, CADRE_FOREVER); /* until every actor has stopped */

	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	printf("counter: sent %llu, handled %llu, dead letters %llu\n", (unsigned long long)st.sent,
	       (unsigned long long)st.handled, (unsigned long long)st.dead_letters);
	cadre_system_free(sys);
	return st.handled == 1000001 && st.dead_letters == 0 ? 0 : 1;
}
