/* Cadre: regular files on the file threads (the portable back end).
 *
 * A few threads of their own (cadre_config.blocking_threads of them, made
 * at the system's first file call), not the blocking pool's actor threads:
 * those run actors, and a hidden actor doing the reads would count in the
 * system's statistics and keep cadre_system_await_stopped waiting. Each
 * thread takes the oldest queued operation, runs pread / pwrite (which may
 * block this thread, never a worker), and sends the completion itself
 * (cadre__fop_done: an outside send, as from any thread). A mutex and a
 * condition variable guard the queue: the operation itself is a system
 * call, so a futex wake per operation is not what costs.
 */
#include <errno.h>
#include <unistd.h>

#include "cadre__files.h"

struct cadre__fpool {
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct cadre__fop *head, *tail; /* FIFO */
	bool stopping;
	unsigned nthreads; /* started */
	unsigned cap;      /* threads' entries */
	pthread_t *threads;
};

static long
run_op(struct cadre__fop *op)
{
	ssize_t n;
	do {
		n = op->write ? pwrite(op->fd, op->buf, op->len, (off_t)op->offset)
		              : pread(op->fd, op->buf, op->len, (off_t)op->offset);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -(long)errno : (long)n;
}

static void *
file_thread(void *arg)
{
	struct cadre__fpool *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct cadre__fop *op = p->head;
		if (op == NULL) {
			if (p->stopping)
				break;
			pthread_cond_wait(&p->more, &p->lock);
			continue;
		}
		p->head = op->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		cadre__fop_done(op, run_op(op));
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
cadre__fpool_new(struct cadre_system *sys, unsigned threads, struct cadre__fpool **out)
{
	(void)sys;
	struct cadre__fpool *p = cadre__alloc_zero(sizeof *p);
	if (p == NULL)
		return CADRE_ENOMEM;
	p->threads = cadre__alloc(threads * sizeof *p->threads);
	if (p->threads == NULL) {
		cadre__free(p, sizeof *p);
		return CADRE_ENOMEM;
	}
	p->cap = threads;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	/* Signals blocked in the file threads: a handler never runs there. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, file_thread, p) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			p->nthreads = i;
			cadre__fpool_free(p);
			return CADRE_ESYS;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	p->nthreads = threads;
	*out = p;
	return 0;
}

void
cadre__fpool_submit(struct cadre__fpool *p, struct cadre__fop *op)
{
	op->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->tail != NULL)
		p->tail->next = op;
	else
		p->head = op;
	p->tail = op;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

void
cadre__fpool_free(struct cadre__fpool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->more);
	pthread_mutex_destroy(&p->lock);
	cadre__free(p->threads, p->cap * sizeof *p->threads);
	cadre__free(p, sizeof *p);
}
