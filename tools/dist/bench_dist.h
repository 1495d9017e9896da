/* cadre-bench-dist's shared declarations (cadre_bench_dist.c: options,
 * nodes, the server, the client; dist_tests.c: the two tests). */
#ifndef CADRE_BENCH_DIST_H
#define CADRE_BENCH_DIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cadre.h>

#define PROG "cadre-bench-dist"

enum {
	T_PING = 1, /* client -> echo: size bytes, the sequence number first */
	T_PONG,     /* echo -> client: the same bytes */
	T_DATA,     /* sender -> sink */
	T_SYNC,     /* sender -> sink: u64, the sender's count so far */
	T_ACK,      /* sink -> sender: the sync's u64 */
	T_COUNT,    /* -> sink: answer with the counts, then reset them */
	T_COUNT_R,  /* sink ->: struct counts */
	T_QUIT,     /* -> sink: end the server */
	T_GO,       /* a sender to itself: the next slice */
	T_RETRY,    /* a sender's timer, after CADRE_EFULL */
};

struct counts {
	uint64_t msgs, bytes;
};

enum role { ROLE_SPAWN, ROLE_SERVER, ROLE_CLIENT, ROLE_LOCAL };

struct opts {
	enum role role;
	const char *endpoint, *peer, *name, *peer_name;
	bool curve, stop_server, ping, thru, local;
	uint32_t sizes[8];
	unsigned nsizes, workers, senders;
	double secs, warmup, life;
	uint64_t window, ack_every, slice;
};

/* One test at one size, printing its JSON line; false if its check failed. */
bool dist_pingpong(const struct opts *o, cadre_system *sys, cadre_ref echo, uint32_t size);
bool dist_throughput(const struct opts *o, cadre_system *sys, cadre_ref sink, uint32_t size);

#endif /* CADRE_BENCH_DIST_H */
