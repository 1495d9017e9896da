/* Cadre internal: the one atomics header every Cadre source goes through.
 *
 * Design notes.
 * Every atomic access in Cadre is one of the inline functions below; each
 * names its memory ordering in its name (_rlx, _acq, _rel, _acqrel, _sc).
 *
 * Normal builds use Concurrency Kit's ck_pr (hand-written inline assembly on
 * x86-64) plus the ck_pr fences that give the named ordering. On x86-64 (TSO)
 * every locked RMW is a full barrier and the fences used around loads,
 * stores and RMWs compile to nothing; only ck_pr_fence_memory emits an
 * mfence, and Cadre uses it only in cadre__fence_sc(), where a release
 * store must be ordered before a later load. (An mfence after each RMW, an
 * earlier version, made push 2-3x slower for nothing.) On
 * weaker machines the same fences become real barriers, so the names stay
 * true there too.
 *
 * ThreadSanitizer cannot see ck_pr's inline assembly (measured
 * with Debian's CK 0.7.1): it would see neither the accesses nor the ordering. Instead of
 * annotating every hand-off with __tsan_acquire/__tsan_release, the TSan
 * build maps the same functions to the compiler's C11-model __atomic builtins
 * with exactly the ordering in the name. TSan then checks the orderings
 * themselves: if a hand-off were written _rlx where it needs _rel/_acq, TSan
 * reports the payload race (tests/mailbox/tsan_seeded_race.c proves it does).
 * Annotations could only say "trust me" at the points we remembered to mark.
 *
 * Cross-thread words are plain (non-_Atomic) fields; only these functions may
 * touch them once the object is shared.
 */
#ifndef CADRE__ATOMIC_H
#define CADRE__ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__SANITIZE_THREAD__)
#define CADRE__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CADRE__TSAN 1
#endif
#endif

#define CADRE__A_INLINE static inline __attribute__((always_inline))

#if defined(CADRE__TSAN)

/* ---- TSan build: C11 memory model through the __atomic builtins ---- */

CADRE__A_INLINE void *
cadre__load_rlx_ptr(void *const *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
CADRE__A_INLINE void *
cadre__load_acq_ptr(void *const *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
CADRE__A_INLINE void *
cadre__load_sc_ptr(void *const *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE void
cadre__store_rlx_ptr(void **p, void *v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}
CADRE__A_INLINE void
cadre__store_rel_ptr(void **p, void *v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}
CADRE__A_INLINE void *
cadre__xchg_sc_ptr(void **p, void *v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE bool
cadre__cas_sc_ptr(void **p, void *expect, void *set)
{
	return __atomic_compare_exchange_n(p, &expect, set, false, __ATOMIC_SEQ_CST,
	                                   __ATOMIC_SEQ_CST);
}
/* Clears bit 0 of *p; returns whether it was set. */
CADRE__A_INLINE bool
cadre__btr0_sc_ptr(void **p)
{
	uintptr_t old = __atomic_fetch_and((uintptr_t *)p, ~(uintptr_t)1, __ATOMIC_SEQ_CST);
	return (old & 1) != 0;
}

CADRE__A_INLINE uint32_t
cadre__load_rlx_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
CADRE__A_INLINE uint32_t
cadre__load_acq_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
CADRE__A_INLINE void
cadre__store_rel_u32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}
CADRE__A_INLINE void
cadre__store_rlx_u32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}
CADRE__A_INLINE bool
cadre__cas_acqrel_u32(uint32_t *p, uint32_t expect, uint32_t set)
{
	return __atomic_compare_exchange_n(p, &expect, set, false, __ATOMIC_ACQ_REL,
	                                   __ATOMIC_ACQUIRE);
}
CADRE__A_INLINE uint32_t
cadre__faa_acqrel_u32(uint32_t *p, uint32_t d)
{
	return __atomic_fetch_add(p, d, __ATOMIC_ACQ_REL);
}
CADRE__A_INLINE uint32_t
cadre__faa_sc_u32(uint32_t *p, uint32_t d)
{
	return __atomic_fetch_add(p, d, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint32_t
cadre__xchg_sc_u32(uint32_t *p, uint32_t v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

CADRE__A_INLINE uint32_t
cadre__fetch_or_acqrel_u32(uint32_t *p, uint32_t bits)
{
	return __atomic_fetch_or(p, bits, __ATOMIC_ACQ_REL);
}
CADRE__A_INLINE uint32_t
cadre__fetch_and_acqrel_u32(uint32_t *p, uint32_t bits)
{
	return __atomic_fetch_and(p, bits, __ATOMIC_ACQ_REL);
}
CADRE__A_INLINE uint64_t
cadre__xchg_sc_u64(uint64_t *p, uint64_t v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint64_t
cadre__load_rlx_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
CADRE__A_INLINE uint64_t
cadre__load_acq_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
CADRE__A_INLINE void
cadre__store_rlx_u64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}
CADRE__A_INLINE void
cadre__store_rel_u64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}
CADRE__A_INLINE uint64_t
cadre__faa_rlx_u64(uint64_t *p, uint64_t d)
{
	return __atomic_fetch_add(p, d, __ATOMIC_RELAXED);
}
CADRE__A_INLINE uint64_t
cadre__faa_acqrel_u64(uint64_t *p, uint64_t d)
{
	return __atomic_fetch_add(p, d, __ATOMIC_ACQ_REL);
}
CADRE__A_INLINE bool
cadre__cas_acqrel_u64(uint64_t *p, uint64_t expect, uint64_t set)
{
	return __atomic_compare_exchange_n(p, &expect, set, false, __ATOMIC_ACQ_REL,
	                                   __ATOMIC_ACQUIRE);
}
CADRE__A_INLINE uint64_t
cadre__load_sc_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint64_t
cadre__faa_sc_u64(uint64_t *p, uint64_t d)
{
	return __atomic_fetch_add(p, d, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE bool
cadre__cas_sc_u64(uint64_t *p, uint64_t expect, uint64_t set)
{
	return __atomic_compare_exchange_n(p, &expect, set, false, __ATOMIC_SEQ_CST,
	                                   __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint64_t
cadre__fetch_or_sc_u64(uint64_t *p, uint64_t bits)
{
	return __atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint64_t
cadre__fetch_and_sc_u64(uint64_t *p, uint64_t bits)
{
	return __atomic_fetch_and(p, bits, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint32_t
cadre__fetch_or_sc_u32(uint32_t *p, uint32_t bits)
{
	return __atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint32_t
cadre__fetch_and_sc_u32(uint32_t *p, uint32_t bits)
{
	return __atomic_fetch_and(p, bits, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE uint32_t
cadre__load_sc_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}
CADRE__A_INLINE void
cadre__fence_sc(void)
{
#if defined(__clang__)
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#else
	/* gcc's TSan refuses fences (-Wtsan); a seq_cst RMW on a dummy word
	 * is a full fence it understands. */
	static uint32_t fence_word;
	__atomic_fetch_add(&fence_word, 0, __ATOMIC_SEQ_CST);
#endif
}
CADRE__A_INLINE void
cadre__spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

#else /* !CADRE__TSAN */

/* ---- Normal build: Concurrency Kit's ck_pr ---- */

#include <ck_pr.h>

/* Sequential consistency for a CK read-modify-write: CK's RMWs promise no
 * ordering by themselves (on x86-64 they are locked instructions, full
 * barriers, and these fences compile to nothing; on RMO machines they are
 * real barriers). */
CADRE__A_INLINE void
cadre__ck_rmw_pre(void)
{
	ck_pr_fence_load_atomic();
	ck_pr_fence_store_atomic();
	ck_pr_fence_atomic();
}
CADRE__A_INLINE void
cadre__ck_rmw_post(void)
{
	ck_pr_fence_atomic_load();
	ck_pr_fence_atomic_store();
	ck_pr_fence_atomic();
}

CADRE__A_INLINE void *
cadre__load_rlx_ptr(void *const *p)
{
	return ck_pr_load_ptr(p);
}
CADRE__A_INLINE void *
cadre__load_acq_ptr(void *const *p)
{
	void *v = ck_pr_load_ptr(p);
	ck_pr_fence_acquire(); /* later loads/stores stay after this load */
	return v;
}
/* Cadre's seq_cst writes are all read-modify-writes, so a seq_cst load
 * needs no store->load fence: the standard mapping (x86: seq_cst load =
 * plain load, seq_cst store = locked RMW). Only the RMW->load order must be
 * kept on RMO machines. A release store followed by a seq_cst load is not
 * ordered, in C11 either: use cadre__fence_sc() between them. */
CADRE__A_INLINE void *
cadre__load_sc_ptr(void *const *p)
{
	ck_pr_fence_atomic_load();
	void *v = ck_pr_load_ptr(p);
	ck_pr_fence_acquire();
	return v;
}
CADRE__A_INLINE void
cadre__store_rlx_ptr(void **p, void *v)
{
	ck_pr_store_ptr(p, v);
}
CADRE__A_INLINE void
cadre__store_rel_ptr(void **p, void *v)
{
	ck_pr_fence_release(); /* earlier loads/stores stay before this store */
	ck_pr_store_ptr(p, v);
}
CADRE__A_INLINE void *
cadre__xchg_sc_ptr(void **p, void *v)
{
	cadre__ck_rmw_pre(); /* CK RMWs promise no ordering: fence both sides */
	void *old = ck_pr_fas_ptr(p, v);
	cadre__ck_rmw_post();
	return old;
}
CADRE__A_INLINE bool
cadre__cas_sc_ptr(void **p, void *expect, void *set)
{
	cadre__ck_rmw_pre();
	bool ok = ck_pr_cas_ptr(p, expect, set);
	cadre__ck_rmw_post();
	return ok;
}
CADRE__A_INLINE bool
cadre__btr0_sc_ptr(void **p)
{
	cadre__ck_rmw_pre();
	bool was = ck_pr_btr_ptr(p, 0);
	cadre__ck_rmw_post();
	return was;
}

CADRE__A_INLINE uint32_t
cadre__load_rlx_u32(const uint32_t *p)
{
	return ck_pr_load_32(p);
}
CADRE__A_INLINE uint32_t
cadre__load_acq_u32(const uint32_t *p)
{
	uint32_t v = ck_pr_load_32(p);
	ck_pr_fence_acquire();
	return v;
}
CADRE__A_INLINE void
cadre__store_rel_u32(uint32_t *p, uint32_t v)
{
	ck_pr_fence_release();
	ck_pr_store_32(p, v);
}
CADRE__A_INLINE void
cadre__store_rlx_u32(uint32_t *p, uint32_t v)
{
	ck_pr_store_32(p, v);
}
CADRE__A_INLINE bool
cadre__cas_acqrel_u32(uint32_t *p, uint32_t expect, uint32_t set)
{
	ck_pr_fence_release();
	bool ok = ck_pr_cas_32(p, expect, set);
	ck_pr_fence_acquire();
	return ok;
}
CADRE__A_INLINE uint32_t
cadre__faa_acqrel_u32(uint32_t *p, uint32_t d)
{
	ck_pr_fence_release();
	uint32_t old = ck_pr_faa_32(p, d);
	ck_pr_fence_acquire();
	return old;
}
CADRE__A_INLINE uint32_t
cadre__faa_sc_u32(uint32_t *p, uint32_t d)
{
	cadre__ck_rmw_pre();
	uint32_t old = ck_pr_faa_32(p, d);
	cadre__ck_rmw_post();
	return old;
}
CADRE__A_INLINE uint32_t
cadre__xchg_sc_u32(uint32_t *p, uint32_t v)
{
	cadre__ck_rmw_pre();
	uint32_t old = ck_pr_fas_32(p, v);
	cadre__ck_rmw_post();
	return old;
}

CADRE__A_INLINE uint32_t
cadre__fetch_or_acqrel_u32(uint32_t *p, uint32_t bits)
{
	uint32_t old = ck_pr_load_32(p);
	while (!cadre__cas_acqrel_u32(p, old, old | bits))
		old = ck_pr_load_32(p);
	return old;
}
CADRE__A_INLINE uint32_t
cadre__fetch_and_acqrel_u32(uint32_t *p, uint32_t bits)
{
	uint32_t old = ck_pr_load_32(p);
	while (!cadre__cas_acqrel_u32(p, old, old & bits))
		old = ck_pr_load_32(p);
	return old;
}
CADRE__A_INLINE uint64_t
cadre__xchg_sc_u64(uint64_t *p, uint64_t v)
{
	cadre__ck_rmw_pre();
	uint64_t old = ck_pr_fas_64(p, v);
	cadre__ck_rmw_post();
	return old;
}
CADRE__A_INLINE uint64_t
cadre__load_rlx_u64(const uint64_t *p)
{
	return ck_pr_load_64(p);
}
CADRE__A_INLINE uint64_t
cadre__load_acq_u64(const uint64_t *p)
{
	uint64_t v = ck_pr_load_64(p);
	ck_pr_fence_acquire();
	return v;
}
CADRE__A_INLINE void
cadre__store_rlx_u64(uint64_t *p, uint64_t v)
{
	ck_pr_store_64(p, v);
}
CADRE__A_INLINE void
cadre__store_rel_u64(uint64_t *p, uint64_t v)
{
	ck_pr_fence_release();
	ck_pr_store_64(p, v);
}
CADRE__A_INLINE uint64_t
cadre__faa_rlx_u64(uint64_t *p, uint64_t d)
{
	return ck_pr_faa_64(p, d);
}
CADRE__A_INLINE uint64_t
cadre__faa_acqrel_u64(uint64_t *p, uint64_t d)
{
	ck_pr_fence_release();
	uint64_t old = ck_pr_faa_64(p, d);
	ck_pr_fence_acquire();
	return old;
}
CADRE__A_INLINE bool
cadre__cas_acqrel_u64(uint64_t *p, uint64_t expect, uint64_t set)
{
	ck_pr_fence_release();
	bool ok = ck_pr_cas_64(p, expect, set);
	ck_pr_fence_acquire();
	return ok;
}
CADRE__A_INLINE uint64_t
cadre__load_sc_u64(const uint64_t *p)
{
	ck_pr_fence_atomic_load(); /* see cadre__load_sc_ptr */
	uint64_t v = ck_pr_load_64(p);
	ck_pr_fence_acquire();
	return v;
}
CADRE__A_INLINE uint64_t
cadre__faa_sc_u64(uint64_t *p, uint64_t d)
{
	cadre__ck_rmw_pre();
	uint64_t old = ck_pr_faa_64(p, d);
	cadre__ck_rmw_post();
	return old;
}
CADRE__A_INLINE bool
cadre__cas_sc_u64(uint64_t *p, uint64_t expect, uint64_t set)
{
	cadre__ck_rmw_pre();
	bool ok = ck_pr_cas_64(p, expect, set);
	cadre__ck_rmw_post();
	return ok;
}
CADRE__A_INLINE uint64_t
cadre__fetch_or_sc_u64(uint64_t *p, uint64_t bits)
{
	uint64_t old = ck_pr_load_64(p);
	while (!cadre__cas_sc_u64(p, old, old | bits))
		old = ck_pr_load_64(p);
	return old;
}
CADRE__A_INLINE uint64_t
cadre__fetch_and_sc_u64(uint64_t *p, uint64_t bits)
{
	uint64_t old = ck_pr_load_64(p);
	while (!cadre__cas_sc_u64(p, old, old & bits))
		old = ck_pr_load_64(p);
	return old;
}
CADRE__A_INLINE uint32_t
cadre__fetch_or_sc_u32(uint32_t *p, uint32_t bits)
{
	uint32_t old = ck_pr_load_32(p);
	for (;;) {
		cadre__ck_rmw_pre();
		bool ok = ck_pr_cas_32(p, old, old | bits);
		cadre__ck_rmw_post();
		if (ok)
			return old;
		old = ck_pr_load_32(p);
	}
}
CADRE__A_INLINE uint32_t
cadre__fetch_and_sc_u32(uint32_t *p, uint32_t bits)
{
	uint32_t old = ck_pr_load_32(p);
	for (;;) {
		cadre__ck_rmw_pre();
		bool ok = ck_pr_cas_32(p, old, old & bits);
		cadre__ck_rmw_post();
		if (ok)
			return old;
		old = ck_pr_load_32(p);
	}
}
CADRE__A_INLINE uint32_t
cadre__load_sc_u32(const uint32_t *p)
{
	ck_pr_fence_atomic_load(); /* see cadre__load_sc_ptr */
	uint32_t v = ck_pr_load_32(p);
	ck_pr_fence_acquire();
	return v;
}
CADRE__A_INLINE void
cadre__fence_sc(void)
{
	ck_pr_fence_memory();
}
CADRE__A_INLINE void
cadre__spin_pause(void)
{
	ck_pr_stall();
}

#endif /* CADRE__TSAN */

/* The next head of a tag-protected stack (tag << 32 | top id + 1): the tag
 * bumped, so a CAS from an older head fails even if its top came back. */
static inline uint64_t
cadre__retag(uint64_t head, uint32_t top1)
{
	return ((head >> 32) + 1) << 32 | top1;
}

#endif /* CADRE__ATOMIC_H */
