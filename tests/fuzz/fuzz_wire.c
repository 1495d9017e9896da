/* libFuzzer target for the wire codec of distribution (core/src/dist/wire.c).
 *
 * For any input, cadre__wire_decode must not crash (ASan and UBSan watch
 * every read). When it accepts the input, the frame must have one reading:
 * encoding the decoded frame gives back the input byte for byte; its
 * strings, payload and peers lie inside the input; a PEERS frame's entries
 * iterate to exactly npeers and are written again identically by
 * cadre__wire_peers_encode. Any difference aborts (a crash to libFuzzer).
 *
 * Built with CADRE_FUZZ=ON and clang (tests/fuzz/CMakeLists.txt); run by
 * .ci/fuzz on a copy of tests/fuzz/corpus/wire/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadre__wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                                         \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz_wire: %s failed (line %d)\n", #cond, __LINE__); \
			abort();                                                              \
		}                                                                             \
	} while (0)

static const uint8_t *lo, *hi; /* the input's bounds */

static void
inside(const void *p, size_t len)
{
	if (len == 0)
		return;
	const uint8_t *b = p;
	REQUIRE(b >= lo && b <= hi && len <= (size_t)(hi - b));
}

/* The entries iterate to exactly f->npeers; with few enough of them, the
 * array helper writes the same frame again from C strings. */
static void
check_peers(const struct cadre__frame *f, const uint8_t *data, size_t size)
{
	static char names[64][64], endpoints[64][256], keys[64][41];
	const char *np[64], *ep[64], *kp[64];
	const unsigned char *p = f->peers;
	size_t left = f->peers_len, n = 0;
	struct cadre__wire_str name, endpoint, key;
	int r;
	inside(f->peers, f->peers_len);
	while ((r = cadre__wire_peer_next(&p, &left, &name, &endpoint, &key)) == 1) {
		inside(name.p, name.len);
		inside(endpoint.p, endpoint.len);
		inside(key.p, key.len);
		if (n < 64) {
			memcpy(names[n], name.p, name.len);
			names[n][name.len] = '\0';
			memcpy(endpoints[n], endpoint.p, endpoint.len);
			endpoints[n][endpoint.len] = '\0';
			memcpy(keys[n], key.p, key.len);
			keys[n][key.len] = '\0';
			np[n] = names[n], ep[n] = endpoints[n], kp[n] = keys[n];
		}
		n++;
	}
	REQUIRE(r == 0 && left == 0 && n == f->npeers);
	if (n > 64)
		return;
	unsigned char *out = malloc(size);
	REQUIRE(out != NULL);
	REQUIRE(cadre__wire_peers_encode(out, size, n, np, ep, kp) == size);
	REQUIRE(memcmp(out, data, size) == 0);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cadre__frame f;
	if (cadre__wire_decode(data, size, &f) != 0)
		return 0;
	lo = data;
	hi = data + size;
	uint8_t kind;
	uint16_t version;
	REQUIRE(cadre__wire_peek(data, size, &kind, &version) == 0);
	REQUIRE(kind == f.kind && version == CADRE__WIRE_VERSION);
	REQUIRE(strcmp(cadre__wire_kind_name(f.kind), "?") != 0);
	inside(f.name.p, f.name.len);
	inside(f.endpoint.p, f.endpoint.len);
	inside(f.key.p, f.key.len);
	inside(f.reason.detail.p, f.reason.detail.len);
	inside(f.payload, f.size);

	/* one reading: the same bytes again, and the exact length asked for */
	unsigned char *out = malloc(size);
	REQUIRE(out != NULL);
	REQUIRE(cadre__wire_encode(&f, NULL, 0) == size);
	REQUIRE(cadre__wire_encode(&f, out, size) == size);
	REQUIRE(memcmp(out, data, size) == 0);
	free(out);
	if (f.kind == CADRE__W_PEERS)
		check_peers(&f, data, size);
	return 0;
}
