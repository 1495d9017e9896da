/* Cadre internal (actors/): memory.
 *
 * actors/ allocates with the C library's malloc family (its blocks are
 * freed with free(), and grown with realloc), which in normal builds is
 * jemalloc's, as cadre__alloc's is. These wrappers add the allocator
 * seam's fault injection (cadre__alloc.h), as the core's message pool
 * does: an injected failure counts actors/' allocations too, so the
 * allocation-failure sweeps of the tests reach every one of them.
 */
#ifndef CADRE__MEM_H
#define CADRE__MEM_H

#include <stdlib.h>

#include "cadre__alloc.h"

static inline void *
cadre__a_malloc(size_t size)
{
	return cadre__alloc_fails() ? NULL : malloc(size);
}

static inline void *
cadre__a_calloc(size_t n, size_t size)
{
	return cadre__alloc_fails() ? NULL : calloc(n, size);
}

/* On failure p is untouched (still the caller's), as with realloc. */
static inline void *
cadre__a_realloc(void *p, size_t size)
{
	return cadre__alloc_fails() ? NULL : realloc(p, size);
}

#endif /* CADRE__MEM_H */
