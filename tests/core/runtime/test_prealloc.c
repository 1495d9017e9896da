/* cadre_config.prealloc_bytes: each worker prefaults that much memory
 * before cadre_system_new returns, so the system's first actors find it
 * mapped. An actor on the only worker spawns children worth about 10 MiB
 * and counts the process's minor page faults meanwhile: with 32 MiB
 * prealloc'ed, fewer than a quarter of the pages fault (without it, every
 * page does: the process is fresh). The count is only asserted with
 * Cadre's jemalloc (sanitizer builds use the libc allocator, which gives
 * large blocks back to the kernel at once); the rest runs everywhere. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <cadre.h>

#include "check.h"
#define WAIT_ROUNDS 30000 /* 30 s */
#include "waits.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NO_JEMALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NO_JEMALLOC 1
#endif

#define KIDS 8192
#define KID_SIZE 1024 /* with Cadre's 96-byte header: 1,280-byte blocks */
#define PREALLOC ((size_t)32 << 20)

struct kid {
	cadre_actor base;
	char pad[KID_SIZE - sizeof(cadre_actor)];
};

static _Atomic long faults = -1;
static _Atomic int spawned;

static int
kid_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self;
	(void)m;
	return 0;
}

static const cadre_behaviour kid_beh = {
        .size = sizeof(struct kid), .receive = kid_receive, .name = "kid"};

static long
minflt(void)
{
	struct rusage ru;
	CHECK_EQ(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_minflt;
}

static int
parent_start(cadre_actor *self, void *arg)
{
	(void)arg;
	cadre_system *sys = cadre_actor_system(self);
	long f0 = minflt();
	int n = 0;
	cadre_ref r;
	for (int i = 0; i < KIDS; i++)
		n += cadre_spawn(sys, &kid_beh, NULL, NULL, &r) == 0;
	atomic_store(&faults, minflt() - f0);
	atomic_store(&spawned, n);
	return 0;
}

static const cadre_behaviour parent_beh = {.size = sizeof(cadre_actor),
                                           .start = parent_start,
                                           .receive = kid_receive,
                                           .name = "parent"};

int
main(void)
{
	cadre_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.workers = 1;
	cfg.prealloc_bytes = PREALLOC;
	cadre_system *sys = NULL;
	cadre_ref parent;
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_spawn(sys, &parent_beh, NULL, NULL, &parent), 0);
	WAIT_FOR(atomic_load(&faults) >= 0);
	CHECK_EQ(atomic_load(&spawned), KIDS);
	long pages = (long)KIDS * 1280 / 4096;
	fprintf(stderr, "test_prealloc: %d spawns (%ld pages) faulted %ld pages\n", KIDS, pages,
	        atomic_load(&faults));
#if !defined(NO_JEMALLOC)
	CHECK(atomic_load(&faults) < pages / 4);
#endif
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);

	/* A zero field: no prefault. */
	memset(&cfg, 0, sizeof cfg);
	CHECK_EQ(cadre_system_new(&sys, &cfg), 0);
	CHECK_EQ(cadre_system_shutdown(sys, CADRE_FOREVER), 0);
	cadre_system_free(sys);
	puts("test_prealloc: ok");
	return 0;
}
