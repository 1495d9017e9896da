/* Cadre tests: a scripted actor for the signal and file tests. The test's
 * main thread sends it commands (type CMD_*, payload struct cmd); it runs
 * the call from its own callback, as the API wants, and records the return
 * code. Every CADRE_MSG_IO event it receives is copied into its log. */
#ifndef CADRE_TEST_IO_AUX_HELPERS_H
#define CADRE_TEST_IO_AUX_HELPERS_H

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include <cadre.h>

#include "check.h"
#include "quiet.h"

enum { CMD_SUB = 1, CMD_UNSUB, CMD_READ, CMD_WRITE, CMD_STOP, CMD_READ_STOP, CMD_READ_MANY };

#define PEER_MAX 8
#define EV_MAX 4096
#define CMD_BYTES 64

struct cmd {
	int arg;         /* signo, or fd */
	uint64_t offset; /* files */
	size_t len;      /* READ: bytes; WRITE: bytes of data; READ_MANY: count */
	char data[CMD_BYTES];
};

struct evcopy {
	cadre_io_event ev;
	char bytes[CMD_BYTES];
};

/* One scripted actor's record (shared with the main thread). */
struct peer {
	pthread_mutex_t mu;
	atomic_int done;  /* commands run */
	atomic_int rc;    /* the last command's return code */
	uint64_t last_id; /* the last file call's id (mu) */
	atomic_long signals[65];
	atomic_long nevents;
	struct evcopy evs[EV_MAX]; /* mu */
	bool stop_probe;           /* in stop(): try the calls, record their codes */
	atomic_int stop_sub_rc, stop_read_rc;
	int stop_fd;
};

struct scripted {
	cadre_actor base;
	struct peer *p;
};

static int
scripted_start(cadre_actor *self, void *arg)
{
	((struct scripted *)self)->p = arg;
	return 0;
}

static void
scripted_event(struct peer *p, const cadre_msg *msg)
{
	cadre_io_event ev;
	CHECK_EQ(cadre_io_event_read(msg, &ev), 0);
	if (ev.kind == CADRE_IO_SIGNAL) {
		CHECK(ev.signo > 0 && ev.signo <= 64);
		atomic_fetch_add(&p->signals[ev.signo], 1);
		return;
	}
	pthread_mutex_lock(&p->mu);
	long n = atomic_load(&p->nevents);
	if (n < EV_MAX) {
		p->evs[n].ev = ev;
		if (ev.data != NULL)
			memcpy(p->evs[n].bytes, ev.data, ev.size < CMD_BYTES ? ev.size : CMD_BYTES);
	}
	atomic_store(&p->nevents, n + 1);
	pthread_mutex_unlock(&p->mu);
}

static int
scripted_receive(cadre_actor *self, const cadre_msg *msg)
{
	struct peer *p = ((struct scripted *)self)->p;
	if (msg->type == CADRE_MSG_IO) {
		scripted_event(p, msg);
		return 0;
	}
	const struct cmd *c = msg->data;
	uint64_t id = 0;
	int rc = 0;
	switch (msg->type) {
	case CMD_SUB:
		rc = cadre_signal_subscribe(self, c->arg);
		break;
	case CMD_UNSUB:
		rc = cadre_signal_unsubscribe(self, c->arg);
		break;
	case CMD_READ:
	case CMD_READ_STOP:
		rc = cadre_file_read(self, c->arg, c->offset, c->len, &id);
		if (msg->type == CMD_READ_STOP)
			cadre_stop(self);
		break;
	case CMD_WRITE:
		rc = cadre_file_write(self, c->arg, c->offset, c->data, c->len, &id);
		break;
	case CMD_READ_MANY: /* c->len reads of 8 bytes, at 4 KiB strides */
		for (size_t i = 0; i < c->len && rc == 0; i++)
			rc = cadre_file_read(self, c->arg, c->offset + i * 4096u, 8, NULL);
		break;
	case CMD_STOP:
		cadre_stop(self);
		break;
	default:
		CHECK(0);
	}
	pthread_mutex_lock(&p->mu);
	p->last_id = id;
	pthread_mutex_unlock(&p->mu);
	atomic_store(&p->rc, rc);
	atomic_fetch_add(&p->done, 1);
	return 0;
}

static void
scripted_stop(cadre_actor *self, const cadre_exit *reason)
{
	(void)reason;
	struct peer *p = ((struct scripted *)self)->p;
	if (!p->stop_probe)
		return;
	atomic_store(&p->stop_sub_rc, cadre_signal_subscribe(self, SIGUSR1));
	atomic_store(&p->stop_read_rc, cadre_file_read(self, p->stop_fd, 0, 8, NULL));
}

static const cadre_behaviour scripted_beh = {.size = sizeof(struct scripted),
                                             .start = scripted_start,
                                             .receive = scripted_receive,
                                             .stop = scripted_stop,
                                             .name = "io-scripted"};

static inline void
peer_init(struct peer *p)
{
	memset(p, 0, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	p->stop_fd = -1;
}

static inline cadre_ref
peer_spawn(cadre_system *sys, struct peer *p)
{
	cadre_ref r;
	CHECK_EQ(cadre_spawn(sys, &scripted_beh, NULL, p, &r), 0);
	return r;
}

/* Sends a command and waits (bounded) until it has run; its return code. */
static inline int
peer_call(cadre_system *sys, cadre_ref to, struct peer *p, int type, const struct cmd *c)
{
	int before = atomic_load(&p->done);
	struct cmd zero;
	memset(&zero, 0, sizeof zero);
	CHECK_EQ(cadre_send(sys, to, (uint32_t)type, c != NULL ? c : &zero, sizeof zero), 0);
	long t0 = now_ms();
	while (atomic_load(&p->done) == before && now_ms() - t0 < 20000)
		nap_us(100);
	CHECK(atomic_load(&p->done) > before);
	return atomic_load(&p->rc);
}

static inline int
peer_sig(cadre_system *sys, cadre_ref to, struct peer *p, int type, int signo)
{
	struct cmd c;
	memset(&c, 0, sizeof c);
	c.arg = signo;
	return peer_call(sys, to, p, type, &c);
}

/* Waits (bounded) until *v reaches want; its value. */
static inline long
wait_count(atomic_long *v, long want)
{
	long t0 = now_ms();
	while (atomic_load(v) < want && now_ms() - t0 < 20000)
		nap_us(200);
	return atomic_load(v);
}

/* The process's open fds (/proc/self/fd). */
static inline int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int n = 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

#endif /* CADRE_TEST_IO_AUX_HELPERS_H */
