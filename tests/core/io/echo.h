/* Cadre tests: an echo connection actor (a listener's conn_beh): it writes
 * back every DATA, closes its connection (after what it queued) at the
 * peer's half-close and stops, or stops when the connection is gone. Counters in struct echo_stats (atomics). */
#ifndef CADRE_TEST_ECHO_H
#define CADRE_TEST_ECHO_H

#include "io_helpers.h"

struct echo_stats {
	long accepted, bytes, peer_closed, closed, stopped, write_errors;
	int last_closed_status;
};

struct echo {
	cadre_actor base;
	struct echo_stats *st;
	cadre_io conn;
};

static inline void
bump(long *p)
{
	__atomic_add_fetch(p, 1, __ATOMIC_RELEASE); /* pairs with the test's acquire loads */
}

static inline long
seen(long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static int
echo_start(cadre_actor *self, void *arg)
{
	((struct echo *)self)->st = arg;
	return 0;
}

static void
echo_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	bump(&((struct echo *)self)->st->stopped);
}

static int
echo_receive(cadre_actor *self, const cadre_msg *m)
{
	struct echo *e = (struct echo *)self;
	cadre_io_event ev;
	CHECK_EQ(cadre_io_event_read(m, &ev), 0);
	switch (ev.kind) {
	case CADRE_IO_ACCEPTED:
		e->conn = ev.conn;
		CHECK(strncmp(ev.addr, "127.0.0.1:", 10) == 0 || strncmp(ev.addr, "unix:", 5) == 0);
		bump(&e->st->accepted);
		break;
	case CADRE_IO_DATA: /* (counted first: the peer may check the count once echoed) */
		__atomic_add_fetch(&e->st->bytes, (long)ev.size, __ATOMIC_RELEASE);
		if (cadre_io_write(self, ev.handle, ev.data, ev.size) != 0)
			bump(&e->st->write_errors);
		break;
	case CADRE_IO_PEER_CLOSED: { /* done: what is queued is still sent, then EOF */
		bump(&e->st->peer_closed);
		/* ECLOSED: sent just before the test's shutdown set `closing`,
		 * handled after it (more often with the worker poller, which
		 * delivers an event sooner than the I/O thread's hand-over). */
		int rc = cadre_io_close(self, ev.handle);
		CHECK(rc == 0 || rc == CADRE_ECLOSED);
		return cadre_stop(self);
	}
	case CADRE_IO_CLOSED:
		e->st->last_closed_status = ev.status;
		bump(&e->st->closed);
		return cadre_stop(self);
	default:
		break;
	}
	return 0;
}

static const cadre_behaviour echo_beh = {.size = sizeof(struct echo),
                                         .name = "echo",
                                         .start = echo_start,
                                         .receive = echo_receive,
                                         .stop = echo_stop};

#endif /* CADRE_TEST_ECHO_H */
