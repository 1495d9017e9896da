/* A blocking-I/O actor beside CPU-bound actors.
 *
 * The "logger" is spawned with CADRE_SPAWN_BLOCKING: it runs on the blocking
 * pool, so it may call fsync() and sleep (a slow disk) without stalling the
 * per-core workers. Meanwhile two CPU-bound "crunchers" keep their workers
 * busy computing, and report to the logger. The output shows the crunchers
 * finishing long before the logger has caught up. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cadre.h>

enum { LINE = 1, WORK = 2 };

static struct timespec t0;

static long
ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
}

/* ---- the logger: blocking I/O -------------------------------------------------- */
struct logger {
	cadre_actor base;
	FILE *f;
	int lines;
};

static int
logger_start(cadre_actor *self, void *arg)
{
	struct logger *l = (struct logger *)self;
	(void)arg;
	l->f = tmpfile();
	return l->f == NULL ? -1 : 0;
}

static int
logger_receive(cadre_actor *self, const cadre_msg *m)
{
	struct logger *l = (struct logger *)self;
	fprintf(l->f, "%.*s\n", (int)m->size, (const char *)m->data);
	fflush(l->f);
	fsync(fileno(l->f));                                   /* blocks */
	nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL); /* a slow disk */
	if (++l->lines % 5 == 0)
		printf("[%5ld ms] logger: %d lines written\n", ms(), l->lines);
	return 0;
}

static void
logger_stop(cadre_actor *self, const cadre_exit *why)
{
	struct logger *l = (struct logger *)self;
	(void)why;
	printf("[%5ld ms] logger: done, %d lines\n", ms(), l->lines);
	fclose(l->f);
}

static const cadre_behaviour logger = {.size = sizeof(struct logger),
                                       .start = logger_start,
                                       .receive = logger_receive,
                                       .stop = logger_stop,
                                       .name = "logger"};

/* ---- the crunchers: CPU-bound ------------------------------------------------- */
struct cruncher {
	cadre_actor base;
	cadre_ref log;
	int id, rounds;
	unsigned long long acc;
};

struct cruncher_arg {
	cadre_ref log;
	int id;
};

static int
cruncher_start(cadre_actor *self, void *arg)
{
	struct cruncher *c = (struct cruncher *)self;
	const struct cruncher_arg *a = arg;
	c->log = a->log;
	c->id = a->id;
	return cadre_send(cadre_actor_system(self), cadre_self(self), WORK, NULL, 0);
}

static int
cruncher_receive(cadre_actor *self, const cadre_msg *m)
{
	struct cruncher *c = (struct cruncher *)self;
	cadre_system *sys = cadre_actor_system(self);
	(void)m;
	for (unsigned long long i = 0; i < 3000000; i++) /* a slice of work */
		c->acc = c->acc * 6364136223846793005ull + i;
	char line[64];
	int n = snprintf(line, sizeof line, "cruncher %d round %d: %llx", c->id, c->rounds,
	                 c->acc & 0xffff);
	cadre_send(sys, c->log, LINE, line, (size_t)n);
	if (++c->rounds == 10) {
		printf("[%5ld ms] cruncher %d: done\n", ms(), c->id);
		return cadre_stop(self);
	}
	return cadre_send(sys, cadre_self(self), WORK, NULL, 0);
}

static const cadre_behaviour cruncher = {.size = sizeof(struct cruncher),
                                         .start = cruncher_start,
                                         .receive = cruncher_receive,
                                         .name = "cruncher"};

int
main(void)
{
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cadre_system *sys;
	cadre_config cfg = {.workers = 2, .blocking_threads = 1};
	cadre_spawn_opts blocking = {.flags = CADRE_SPAWN_BLOCKING};
	struct cruncher_arg args[2];
	cadre_ref log, c;
	if (cadre_system_new(&sys, &cfg) != 0 ||
	    cadre_spawn(sys, &logger, &blocking, NULL, &log) != 0)
		return 1;
	for (int i = 0; i < 2; i++) {
		args[i] = (struct cruncher_arg){log, i + 1};
		if (cadre_spawn(sys, &cruncher, NULL, &args[i], &c) != 0)
			return 1;
	}
	/* the crunchers stop themselves; the logger lives on, idle once it has
	 * written everything: quiescent then */
	if (cadre_system_await_quiescent(sys, 10000) != 0)
		return 1;
	cadre_system_free(sys); /* stops the logger */
	return 0;
}
