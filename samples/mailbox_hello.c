/* The mailbox on its own: two threads hand messages over through a Cadre
 * mailbox, and the consumer sleeps when it runs dry.
 *
 * The sender pushes; a push that returns 1 has woken an idle mailbox, so the
 * sender signals the consumer. The consumer drains, then calls
 * cadre_mailbox_mark_idle(), which fails if anything arrived meanwhile. This
 * is the hand-off Cadre's dispatcher uses to schedule actors. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#include <cadre.h>

struct note {
	cadre_mb_node node; /* first member: the mailbox links notes through it */
	int value;
};

static cadre_mailbox *mb;
static sem_t wake;
static long received, sum, wakeups;

static void *
consumer(void *arg)
{
	long expect = *(long *)arg;
	while (received < expect) {
		sem_wait(&wake); /* sleep until a sender reports the mailbox woke */
		wakeups++;
		do {
			cadre_mb_node *n;
			while ((n = cadre_mailbox_pop(mb, NULL)) != NULL) {
				struct note *note = (struct note *)n;
				sum += note->value;
				received++;
				free(note);
			}
		} while (cadre_mailbox_mark_idle(mb) != 0);
	}
	return NULL;
}

int
main(void)
{
	long count = 100000;
	if (cadre_mailbox_new(&mb, 0) != 0 || sem_init(&wake, 0, 0) != 0)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, consumer, &count);
	for (long i = 1; i <= count; i++) {
		struct note *note = malloc(sizeof *note);
		if (note == NULL)
			return 1;
		note->value = (int)i;
		int rc = cadre_mailbox_push(mb, &note->node, CADRE_LANE_NORMAL);
		if (rc < 0) {
			fprintf(stderr, "push: %s\n", cadre_strerror(rc));
			return 1;
		}
		if (rc == 1)
			sem_post(&wake); /* we woke it: we schedule the consumer */
	}
	pthread_join(t, NULL);
	printf("mailbox_hello: %ld notes, sum %ld (expected %ld), consumer woken %ld times\n",
	       received, sum, count * (count + 1) / 2, wakeups);
	cadre_mailbox_free(mb);
	sem_destroy(&wake);
	return sum == count * (count + 1) / 2 ? 0 : 1;
}
