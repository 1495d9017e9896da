/* Cadre: the message pool.
 *
 * Design notes.
 *
 * Why. A small message is one allocation on the sender's thread and one
 * free on the receiver's. A run that sends a slice of a thousand messages
 * and a receiver that frees them later overflow jemalloc's thread cache
 * (about 200 blocks per size class by default): every few hundred messages
 * it flushes to, or refills from, its arena under the bin's lock. Measured
 * on fjthrput with one worker: malloc and free took 22% of the time, and a
 * larger jemalloc thread cache alone (MALLOC_CONF tcache_nslots_small_max
 * 2000) made counting 1.4x and fjthrput 1.25x faster (docs/performance.md).
 * A library cannot set the process's malloc options, so Cadre keeps its
 * own cache of message blocks.
 *
 * What. Each worker thread keeps, per size class (64 and 128 bytes: a
 * header and up to 8 or 72 bytes of inline payload), a LIFO list of free
 * blocks, up to CADRE__POOL_KEEP of them. A message allocated on a worker
 * thread takes a block from that thread's list, or mallocs one of the
 * class's size; a message freed on a worker thread goes to that thread's
 * list, or to free() when the list is full. Threads that are not workers
 * (external senders, the timer thread, a thread shutting a system down)
 * malloc and free as before. Every block is a plain malloc block of its
 * class's size, so any thread may free() any of them, and a block may
 * move between workers, and between systems: the lists are per thread,
 * touched only by their own thread, with no atomics. A worker frees its
 * lists when it exits.
 *
 * What it costs. Memory: at most CADRE__POOL_KEEP blocks per class per
 * worker (768 KiB per worker) stay cached after a burst. A producer on one
 * worker feeding a consumer on another does not gain: the consumer's list
 * fills and the rest goes back to jemalloc as before. Returning blocks
 * between workers in batches (a per-system depot) was measured and not
 * kept (docs/architecture.md, "The message pool").
 *
 * Sanitizers: in AddressSanitizer builds a cached block is poisoned, so a
 * use after free of a message is still reported.
 */
#include <string.h>

#include "cadre__msg.h"

/* The calling thread's pool, or NULL (not a worker thread). */
static __attribute__((tls_model("initial-exec"))) _Thread_local struct cadre__pool *tls_pool;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CADRE__ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CADRE__ASAN 1
#endif
#if defined(CADRE__ASAN)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static const uint32_t class_bytes[CADRE__POOL_CLASSES] = {64, 128};

_Static_assert(sizeof(struct cadre__msg) + 8 <= 64, "a u64 payload fits the small class");

/* A cached block: its first word links the list. */
struct block {
	struct block *next;
};

static int
class_of(size_t bytes)
{
	return bytes <= 64 ? 0 : bytes <= 128 ? 1 : -1;
}

struct cadre__msg *
cadre__msg_alloc(size_t bytes)
{
	struct cadre__pool *pool = tls_pool;
	int c = pool != NULL ? class_of(bytes) : -1;
	struct cadre__msg *m;
	if (c < 0) {
		m = cadre__alloc(bytes);
		if (m != NULL) {
			m->pool = CADRE__POOL_NONE;
			m->alloc = (uint32_t)bytes;
		}
		return m;
	}
	struct cadre__pool *p = &pool[c];
	struct block *b = p->free;
	if (b == NULL) {
		if ((m = cadre__alloc(class_bytes[c])) == NULL)
			return NULL;
	} else if (cadre__alloc_fails()) {
		return NULL; /* an injected failure counts pooled blocks too */
	} else {
		UNPOISON(b, class_bytes[c]);
		p->free = b->next;
		p->n--;
		m = (struct cadre__msg *)(void *)b;
	}
	m->pool = (uint8_t)c;
	m->alloc = class_bytes[c];
	return m;
}

void
cadre__msg_release(struct cadre__msg *m)
{
	struct cadre__pool *pool = tls_pool;
	unsigned c = m->pool;
	if (pool == NULL || c == CADRE__POOL_NONE || pool[c].n >= CADRE__POOL_KEEP) {
		cadre__free(m, m->alloc);
		return;
	}
	struct cadre__pool *p = &pool[c];
	struct block *b = (struct block *)(void *)m;
	b->next = p->free;
	POISON(b, class_bytes[c]);
	p->free = b;
	p->n++;
}

void
cadre__pool_attach(struct cadre__pool *pool)
{
	tls_pool = pool;
}

void
cadre__pool_fini(struct cadre__pool *pool)
{
	tls_pool = NULL;
	for (unsigned c = 0; c < CADRE__POOL_CLASSES; c++) {
		struct block *b = pool[c].free;
		while (b != NULL) {
			UNPOISON(b, class_bytes[c]);
			struct block *next = b->next;
			cadre__free(b, class_bytes[c]);
			b = next;
		}
		pool[c].free = NULL;
		pool[c].n = 0;
	}
}
