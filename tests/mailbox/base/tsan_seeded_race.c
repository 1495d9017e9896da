/* Proof that the TSan build can fail. A producer fills a payload and
 * publishes its pointer through Cadre's atomics header; a consumer reads the
 * pointer and then the payload.
 *   tsan_seeded_race          publishes with a relaxed store and reads with a
 *                             relaxed load: a real race (no happens-before),
 *                             which TSan must report.
 *   tsan_seeded_race control  the same with release/acquire: no report.
 * ctest expects the report from the first and none from the second. If
 * the TSan build could not see Cadre's atomics (as it cannot see CK's inline
 * assembly), the first run would print nothing and fail. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cadre__atomic.h"
#include "check.h"

struct payload {
	long words[8];
};

static void *slot;
static int use_ordering;

static void *
producer(void *arg)
{
	struct payload *p = arg;
	for (int i = 0; i < 8; i++)
		p->words[i] = 42 + i; /* plain writes: the payload */
	if (use_ordering)
		cadre__store_rel_ptr(&slot, p); /* release: pairs with the acquire in main */
	else
		cadre__store_rlx_ptr(&slot, p); /* seeded bug: relaxed hand-off */
	return NULL;
}

int
main(int argc, char **argv)
{
	use_ordering = argc > 1 && strcmp(argv[1], "control") == 0;
	struct payload *p = calloc(1, sizeof *p);
	CHECK(p != NULL);
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, producer, p), 0);
	struct payload *got;
	for (;;) {
		got = use_ordering ? cadre__load_acq_ptr(&slot) : cadre__load_rlx_ptr(&slot);
		if (got != NULL)
			break;
		cadre__spin_pause();
	}
	long sum = 0;
	for (int i = 0; i < 8; i++)
		sum += got->words[i]; /* plain reads: race unless acquire/release */
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(sum, 8 * 42 + 28);
	free(p);
	fprintf(stderr, "tsan_seeded_race (%s): done\n", use_ordering ? "control" : "seeded");
	return 0;
}
