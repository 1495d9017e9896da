/* TEMPORARY (io-aux, until io-core's engine is merged): a stand-in for the
 * I/O thread's hook (cadre__io_hook_fd), so that signals and io_uring
 * completions can be tested before the engine lands. One process-wide
 * thread polls the hooked fds. Removed at the merge. */
#include <poll.h>
#include <string.h>

#include "cadre__ioaux.h"

#define MAXH 16

struct hook {
	struct cadre_system *sys;
	int fd;
	void (*fn)(struct cadre_system *sys);
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static struct hook hooks[MAXH];
static int running = -1; /* fd whose callback runs (lock) */
static bool started;

static void *
shim_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[MAXH];
		struct hook h[MAXH];
		nfds_t n = 0;
		pthread_mutex_lock(&lock);
		for (int i = 0; i < MAXH; i++)
			if (hooks[i].fn != NULL) {
				h[n] = hooks[i];
				p[n++] = (struct pollfd){.fd = hooks[i].fd, .events = POLLIN};
			}
		pthread_mutex_unlock(&lock);
		if (poll(p, n, 20) <= 0)
			continue;
		for (nfds_t i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			pthread_mutex_lock(&lock);
			bool live = false;
			for (int k = 0; k < MAXH; k++)
				live |= hooks[k].fn != NULL && hooks[k].fd == h[i].fd &&
				        hooks[k].sys == h[i].sys;
			if (live)
				running = h[i].fd;
			pthread_mutex_unlock(&lock);
			if (!live)
				continue;
			h[i].fn(h[i].sys);
			pthread_mutex_lock(&lock);
			running = -1;
			pthread_cond_broadcast(&idle);
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

int
cadre__io_hook_fd(struct cadre_system *sys, int fd, void (*fn)(struct cadre_system *sys))
{
	int rc = CADRE_ENOMEM;
	pthread_mutex_lock(&lock);
	if (!started) {
		pthread_t t;
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (pthread_create(&t, NULL, shim_main, NULL) == 0) {
			pthread_detach(t);
			started = true;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	for (int i = 0; i < MAXH && started; i++)
		if (hooks[i].fn == NULL) {
			hooks[i] = (struct hook){sys, fd, fn};
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&lock);
	return started ? rc : CADRE_ESYS;
}

void
cadre__io_unhook_fd(struct cadre_system *sys, int fd)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAXH; i++)
		if (hooks[i].fn != NULL && hooks[i].fd == fd && hooks[i].sys == sys)
			memset(&hooks[i], 0, sizeof hooks[i]);
	while (running == fd)
		pthread_cond_wait(&idle, &lock);
	pthread_mutex_unlock(&lock);
}

int
cadre_io_event_read(const cadre_msg *msg, cadre_io_event *out)
{
	if (msg == NULL || out == NULL || msg->type != CADRE_MSG_IO || msg->data == NULL ||
	    msg->size < sizeof(cadre_io_event))
		return CADRE_EINVAL;
	*out = *(const cadre_io_event *)msg->data;
	return 0;
}
