/* Cadre: the allocator seam (see cadre__alloc.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cadre__alloc.h"
#include "cadre__atomic.h"

#if defined(CADRE_WITH_JEMALLOC)
#include <jemalloc/jemalloc.h>

/* The options of Cadre's private jemalloc (read at its first allocation;
 * the MALLOC_CONF environment variable still overrides them). This symbol
 * is local to libcadre like the rest of the copy (the version script, and
 * objcopy for libcadre.a), so the program's own malloc is not affected.
 *
 * lg_extent_max_active_fit:10 (jemalloc's default is 6): a run of pages
 * that was freed and is still mapped (dirty) may be split for a request
 * up to 1024 times smaller, not only 64. Freed large blocks are coalesced
 * at once, so with 6, the memory a finished workload gave back (megabytes
 * in one piece) was never reused for the 4 to 28 KiB slabs that actors
 * and messages live in: each later run faulted fresh pages in, at about
 * 2 us a page here, and cadre_config.prealloc_bytes could not work at all
 * (docs/performance.md, "Cold and warm"). */
const char *malloc_conf = "lg_extent_max_active_fit:10";
#endif

/* Countdown to an injected failure; -1 = disarmed. */
uint64_t cadre__alloc_countdown = UINT64_MAX;

void
cadre__alloc_fail_after(long n)
{
	/* Release: pairs with the relaxed-then-CAS check in cadre__alloc_should_fail; tests
	 * arm it before the threads they test start. */
	cadre__store_rel_u64(&cadre__alloc_countdown, n < 0 ? UINT64_MAX : (uint64_t)n);
}

int
cadre__alloc_should_fail(void)
{
	/* Relaxed: the fast path is one load of a read-mostly word. */
	uint64_t c = cadre__load_rlx_u64(&cadre__alloc_countdown);
	while (__builtin_expect(c != UINT64_MAX, 0)) {
		uint64_t next = c == 0 ? UINT64_MAX : c - 1;
		/* acq_rel CAS: each allocation consumes exactly one count. */
		if (cadre__cas_acqrel_u64(&cadre__alloc_countdown, c, next))
			return c == 0;
		c = cadre__load_rlx_u64(&cadre__alloc_countdown); /* relaxed: the CAS decides */
	}
	return 0;
}

void *
cadre__alloc(size_t size)
{
	if (size == 0 || cadre__alloc_should_fail())
		return NULL;
	/* Plain malloc, which is Cadre's private jemalloc in normal builds
	 * (bound inside libcadre, see cadre__alloc.h): measured here
	 * (callgrind, Debian's jemalloc 5.3.0 built with stats and profiling
	 * support), mallocx(size, 0) runs ~93 instructions against malloc's
	 * ~30, and sdallocx ~46 against free's ~37. */
	return malloc(size);
}

void *
cadre__alloc_zero(size_t size)
{
	if (size == 0 || cadre__alloc_should_fail())
		return NULL;
	return calloc(1, size);
}

void
cadre__free(void *p, size_t size)
{
	if (p == NULL)
		return;
	(void)size; /* kept: the seam's contract allows a sized free */
	free(p);
}

void *
cadre__alloc_aligned(size_t size, size_t align)
{
	if (size == 0 || cadre__alloc_should_fail())
		return NULL;
#if defined(CADRE_WITH_JEMALLOC)
	return mallocx(size, MALLOCX_ALIGN(align) | MALLOCX_ZERO);
#else
	void *p = NULL;
	if (posix_memalign(&p, align, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
#endif
}

void
cadre__free_aligned(void *p, size_t size, size_t align)
{
	if (p == NULL)
		return;
#if defined(CADRE_WITH_JEMALLOC)
	sdallocx(p, size, MALLOCX_ALIGN(align));
#else
	(void)size;
	(void)align;
	free(p);
#endif
}
