/* A periodic ticker: an actor that gets a message every 100 ms from an
 * interval timer, and a one-shot timer that tells it to stop after 1 s.
 * Timers are messages: nothing blocks, and the ticker's state is touched
 * only by its own callbacks. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include <cadre.h>

enum { TICK = 1, STOP = 2 };

struct ticker {
	cadre_actor base;
	cadre_timer interval;
	int ticks;
	struct timespec t0;
};

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
ticker_start(cadre_actor *self, void *arg)
{
	struct ticker *t = (struct ticker *)self;
	cadre_system *sys = cadre_actor_system(self);
	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	int rc = cadre_send_interval(sys, cadre_self(self), TICK, NULL, 0, 100, &t->interval);
	if (rc == 0)
		rc = cadre_send_after(sys, cadre_self(self), STOP, NULL, 0, 1000, NULL);
	return rc;
}

static int
ticker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct ticker *t = (struct ticker *)self;
	if (m->type == TICK) {
		printf("tick %2d at %4ld ms\n", ++t->ticks, ms_since(&t->t0));
		return 0;
	}
	/* STOP: cancel the interval; 0 means no tick will come after this. */
	int rc = cadre_timer_cancel(cadre_actor_system(self), t->interval);
	printf("stop at %ld ms after %d ticks (cancel: %s)\n", ms_since(&t->t0), t->ticks,
	       cadre_err_name(rc));
	return cadre_stop(self);
}

static const cadre_behaviour ticker = {.size = sizeof(struct ticker),
                                       .start = ticker_start,
                                       .receive = ticker_receive,
                                       .name = "ticker"};

int
main(void)
{
	cadre_system *sys;
	cadre_ref t;
	if (cadre_system_new(&sys, NULL) != 0 || cadre_spawn(sys, &ticker, NULL, NULL, &t) != 0)
		return 1;
	int rc = cadre_system_await_stopped(sys, 10000);
	cadre_system_free(sys);
	return rc == 0 ? 0 : 1;
}
