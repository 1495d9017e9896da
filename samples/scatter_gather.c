/* Scatter-gather: one request to many actors, the replies back together,
 * with one timeout. Five replicas hold a value; each answers a read after
 * its own delay, and one never answers. A reader actor asks all five and
 * goes on as soon as a quorum of three has answered (a callback); then the
 * main thread asks all five and waits for every answer, at most 100 ms
 * (a future: it gets the four that came, and CADRE_ETIMEDOUT). */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cadre.h>

enum { READ = 1, VALUE = 2, GO = 3 };
#define REPLICAS 5

/* ---- a replica: answers a read after (its number * 10) ms; number 4 never ---------- */
struct replica {
	cadre_actor base;
	long nr;
};

static int
replica_start(cadre_actor *self, void *arg)
{
	((struct replica *)self)->nr = (long)(intptr_t)arg;
	return 0;
}

static int
replica_receive(cadre_actor *self, const cadre_msg *m)
{
	struct replica *r = (struct replica *)self;
	cadre_system *sys = cadre_actor_system(self);
	if (m->type == VALUE) { /* our timer: answer now */
		cadre_reply_to to;
		memcpy(&to, m->data, sizeof to);
		long v = 1000 + r->nr;
		return cadre_reply(sys, &to, VALUE, &v, sizeof v);
	}
	cadre_request req;
	if (cadre_ask_request(m, &req) != 0 || r->nr == 4)
		return 0; /* replica 4 is down, in effect */
	return cadre_send_after(sys, cadre_self(self), VALUE, &req.reply_to, sizeof req.reply_to,
	                        (uint64_t)r->nr * 10, NULL);
}

static const cadre_behaviour replica = {.size = sizeof(struct replica),
                                        .start = replica_start,
                                        .receive = replica_receive,
                                        .name = "replica"};

/* ---- the reader: a quorum read ---------------------------------------------------- */
struct reader {
	cadre_actor base;
	cadre_asker asker;
	cadre_ref replicas[REPLICAS];
};

static atomic_int reader_done;

static void
on_quorum(cadre_actor *self, void *ctx, const cadre_gather *g)
{
	(void)self, (void)ctx;
	printf("reader: status %s, %u of %u asked replied:", cadre_err_name(g->status), g->nreplies,
	       g->asked);
	for (uint32_t i = 0; i < g->nreplies; i++) {
		long v;
		memcpy(&v, g->replies[i].data, sizeof v);
		printf(" replica %u says %ld;", g->targets[i], v);
	}
	printf("\n");
	atomic_store(&reader_done, 1);
}

static int
reader_receive(cadre_actor *self, const cadre_msg *m)
{
	struct reader *r = (struct reader *)self;
	if (cadre_ask_dispatch(self, &r->asker, m) > 0)
		return 0; /* on_quorum ran, or a late reply was counted */
	if (m->type != GO)
		return 0;
	memcpy(r->replicas, m->data, sizeof r->replicas);
	/* Ask all five; done at the third reply, or after 1 s. */
	return cadre_ask_gather(self, &r->asker, r->replicas, REPLICAS, READ, NULL, 0,
	                        CADRE_GATHER_QUORUM, 3, 1000, on_quorum, NULL, NULL);
}

static void
reader_stop(cadre_actor *self, const cadre_exit *why)
{
	(void)why;
	cadre_asker_fini(self, &((struct reader *)self)->asker);
}

static const cadre_behaviour reader = {.size = sizeof(struct reader),
                                       .receive = reader_receive,
                                       .stop = reader_stop,
                                       .name = "reader"};

int
main(void)
{
	cadre_system *sys;
	if (cadre_system_new(&sys, NULL) != 0)
		return 1;
	cadre_ref reps[REPLICAS], rd;
	for (long i = 0; i < REPLICAS; i++) {
		if (cadre_spawn(sys, &replica, NULL, (void *)(intptr_t)i, &reps[i]) != 0)
			return 1;
	}
	if (cadre_spawn(sys, &reader, NULL, NULL, &rd) != 0)
		return 1;
	cadre_send(sys, rd, GO, reps, sizeof reps);
	for (int i = 0; i < 5000 && !atomic_load(&reader_done); i++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);

	/* The main thread is not a worker: it may wait for every reply. */
	cadre_gather *g = NULL;
	int rc = cadre_ask_gather_wait(sys, reps, REPLICAS, READ, NULL, 0, CADRE_GATHER_ALL, 0, 100,
	                               &g);
	printf("main: %s, %u of %u replied\n", cadre_err_name(rc), g != NULL ? g->nreplies : 0,
	       REPLICAS);
	cadre_gather_free(g);
	cadre_system_free(sys);
	return 0;
}
