/* The README's first actors, in one program: a counter, a request and its
 * reply, and a worker under a supervisor. Each part is as short as Cadre
 * allows; docs/guide.md compares them with Erlang and Akka. */
#include <stdio.h>

#include <cadre.h>

/* ---- 1. a counter ----------------------------------------------------------------------- */
enum { ADD = 1, GET = 2, CRASH = 3 };

struct counter {
	cadre_actor base;
	long n;
};

static int
counter_receive(cadre_actor *self, const cadre_msg *m)
{
	struct counter *c = (struct counter *)self;
	cadre_request rq;
	if (m->type == ADD)
		c->n += *(const int *)m->data;
	else if (m->type == GET && cadre_ask_request(m, &rq) == 0)
		return cadre_reply(cadre_actor_system(self), &rq.reply_to, GET, &c->n, sizeof c->n);
	return 0;
}

static const cadre_behaviour counter = {
        .size = sizeof(struct counter), .receive = counter_receive, .name = "counter"};

/* ---- 3. a supervised worker ------------------------------------------------------------- */
static int
worker_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	return m->type == CRASH ? 1 : 0; /* non-zero: it fails, and is restarted */
}

static const cadre_behaviour worker = {
        .size = sizeof(cadre_actor), .receive = worker_receive, .name = "worker"};

static const cadre_child_spec kids[] = {{.id = "worker", .beh = &worker}};
static const cadre_sup_spec tree = {.children = kids, .nchildren = 1}; /* OTP's defaults */

static int
run(cadre_system *sys)
{
	/* 1 and 2: count to 1000, then ask for the count */
	cadre_ref c;
	int rc = cadre_spawn(sys, &counter, NULL, NULL, &c);
	for (int i = 0; rc == 0 && i < 1000; i++)
		rc = cadre_send(sys, c, ADD, &(int){1}, sizeof(int));
	long n = 0;
	if (rc == 0)
		rc = cadre_ask_wait(sys, c, GET, NULL, 0, 1000, &n, sizeof n, NULL, NULL);
	if (rc != 0)
		return rc;
	printf("first_actors: the counter says %ld\n", n);

	/* 3: crash the worker; its supervisor starts a new one */
	cadre_ref sup, w0, w1;
	cadre_child_info info;
	size_t nkids;
	rc = cadre_supervisor_start(sys, &tree, &sup, NULL, CADRE_FOREVER);
	if (rc == 0)
		rc = cadre_supervisor_which_children(sys, sup, &info, 1, &nkids, 1000);
	w0 = info.ref;
	if (rc == 0)
		rc = cadre_send(sys, w0, CRASH, NULL, 0);
	if (rc == 0)
		rc = cadre_system_await_quiescent(sys, 1000);
	if (rc == 0)
		rc = cadre_supervisor_which_children(sys, sup, &info, 1, &nkids, 1000);
	w1 = info.ref;
	if (rc == 0 && (cadre_ref_is_equal(w0, w1) || info.state != CADRE_CHILD_RUNNING))
		rc = CADRE_ESTATE; /* not restarted */
	if (rc == 0)
		printf("first_actors: the worker failed and was restarted\n");
	return rc;
}

int
main(void)
{
	cadre_system *sys;
	int rc = cadre_system_new(&sys, NULL);
	if (rc == 0)
		rc = run(sys);
	if (rc != 0)
		fprintf(stderr, "first_actors: %s\n", cadre_strerror(rc));
	cadre_system_free(sys);
	return rc == 0 ? 0 : 1;
}
