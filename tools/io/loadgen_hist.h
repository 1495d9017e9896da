/* cadre-loadgen's latency histogram: log buckets in the manner of
 * HdrHistogram. Values below 64 ns have a bucket each; above, each power
 * of two is split into 32 buckets, so a bucket is at most 1/32 (about 3%)
 * of its value wide. 1,920 counters cover every uint64_t. One histogram
 * per thread, merged at the end: no atomics. */
#ifndef CADRE_LOADGEN_HIST_H
#define CADRE_LOADGEN_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5u
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64u - HIST_SUB_BITS) * HIST_SUB + HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

static inline uint32_t
hist_index(uint64_t v)
{
	if (v < 2 * HIST_SUB)
		return (uint32_t)v;
	uint32_t shift = (uint32_t)(63 - __builtin_clzll(v)) - HIST_SUB_BITS;
	return shift * HIST_SUB + (uint32_t)(v >> shift);
}

/* The middle of bucket i. */
static inline uint64_t
hist_value(uint32_t i)
{
	if (i < 2 * HIST_SUB)
		return i;
	uint32_t shift = i / HIST_SUB - 1;
	uint64_t top = i - shift * HIST_SUB;
	return (top << shift) + ((uint64_t)1 << shift) / 2;
}

static inline void
hist_add(struct hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

static inline void
hist_merge(struct hist *into, const struct hist *h)
{
	for (uint32_t i = 0; i < HIST_BUCKETS; i++)
		into->b[i] += h->b[i];
	into->count += h->count;
	if (h->max > into->max)
		into->max = h->max;
}

/* The value at quantile q (0 < q <= 1); 0 when empty. */
static inline uint64_t
hist_quantile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank) {
			uint64_t v = hist_value(i);
			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

#endif /* CADRE_LOADGEN_HIST_H */
