/* Cadre internal: the allocator seam.
 *
 * Every allocation Cadre makes goes through these functions (actors/ calls
 * the malloc family itself, see cadre__mem.h, with the same result). Normal
 * builds link a private copy of jemalloc into libcadre.so and libcadre.a,
 * its symbols local to Cadre: the malloc / free / mallocx called here are
 * that copy's, while the program around Cadre keeps its own malloc. So no
 * pointer may cross between Cadre and its user to be freed on the other
 * side: Cadre never frees what the user allocated (a moved payload goes
 * back through the user's destructor) and never hands out memory for the
 * user to free(). Sanitizer builds, where jemalloc and the sanitizer's
 * allocator cannot be mixed, use libc's. The hot path calls malloc / free
 * (not mallocx / sdallocx: measured slower here, see alloc.c); aligned
 * blocks use mallocx with MALLOCX_ALIGN. One family per pointer, never
 * mixed.
 *
 * Fault injection for tests: cadre__alloc_fail_after(n) makes the (n+1)-th
 * allocation from now on fail (n = 0: the next one), once; -1 disarms.
 * Process-wide, meant for single-threaded test set-ups.
 */
#ifndef CADRE__ALLOC_H
#define CADRE__ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include <cadre/export.h>

#include "cadre__atomic.h"

/* Exported (but not in any public header) so that tests linked against the
 * shared library can still reach them. */
CADRE_API void *cadre__alloc(size_t size);
CADRE_API void *cadre__alloc_zero(size_t size);
CADRE_API void cadre__free(void *p, size_t size);
/* Zeroed, aligned to `align` (a power of two, >= 16); free with
 * cadre__free_aligned and the same size and align. */
CADRE_API void *cadre__alloc_aligned(size_t size, size_t align);
CADRE_API void cadre__free_aligned(void *p, size_t size, size_t align);
CADRE_API void cadre__alloc_fail_after(long n);

/* For allocators layered on this seam (the core's message pool): true if
 * the next allocation is to fail (and the injected failure is consumed).
 * One relaxed load when no failure is armed. */
extern uint64_t cadre__alloc_countdown __attribute__((visibility("hidden")));
int cadre__alloc_should_fail(void) __attribute__((visibility("hidden")));
static inline int
cadre__alloc_fails(void)
{
	/* Relaxed: as in cadre__alloc_should_fail (alloc.c), which decides. */
	return __builtin_expect(cadre__load_rlx_u64(&cadre__alloc_countdown) != UINT64_MAX, 0) &&
	       cadre__alloc_should_fail();
}

#endif /* CADRE__ALLOC_H */
