/* The wire codec of distribution (core/src/dist/wire.c, version 1).
 *
 * Every kind is written here byte by byte by a builder that knows the
 * layout independently of the codec (docs/distribution.md, "Wire
 * format"); the codec must encode each frame to exactly those bytes and
 * decode them back to the same fields, with edge values (longest strings,
 * empty detail, empty payload, all-ones integers, negative codes). Then
 * each kind of malformed frame is refused with CADRE_EINVAL: every
 * truncation and one extra byte of every kind, bad headers, strings out of
 * their range or charset, out-of-range reason kinds and flag bytes, and
 * PEERS counts that do not match the entries. */
#include <stdint.h>
#include <string.h>

#include <cadre.h>

#include "cadre__wire.h"
#include "check.h"

/* ---- an independent builder of frames ----------------------------------- */

struct bb {
	unsigned char b[4096];
	size_t n;
};

static void
put(struct bb *b, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		b->b[b->n++] = (unsigned char)(v >> (8 * i));
}

static void
put_head(struct bb *b, uint8_t kind)
{
	b->n = 0;
	put(b, kind, 1);
	put(b, 0, 1); /* flags */
	put(b, 1, 2); /* version */
}

static void
put_ref(struct bb *b, cadre_ref r)
{
	put(b, r.sys, 4);
	put(b, r.index, 4);
	put(b, r.gen, 4);
	put(b, r.node, 4);
}

static void
put_str(struct bb *b, const char *s, size_t len)
{
	put(b, len, 1);
	memcpy(b->b + b->n, s, len);
	b->n += len;
}

static struct cadre__wire_str
wstr(const char *s)
{
	return (struct cadre__wire_str){s, (uint8_t)strlen(s)};
}

/* ---- edge values ---------------------------------------------------------- */

static const cadre_ref R_MAX = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
static const cadre_ref R_MIX = {0x01020304u, 0x05060708u, 0x090a0b0cu, 0x0d0e0f10u};
#define NAME63 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
#define KEY40 "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define DETAIL63 " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^"

static char endpoint255[256];
static char lookup255[256];

static void
init_edges(void)
{
	CHECK_EQ(strlen(NAME63), 63);
	CHECK_EQ(strlen(KEY40), 40);
	CHECK_EQ(strlen(DETAIL63), 63);
	memcpy(endpoint255, "tcp://", 6);
	for (int i = 6; i < 255; i++)
		endpoint255[i] = (char)(0x20 + i % 95); /* every printable byte */
	endpoint255[255] = '\0';
	for (int i = 0; i < 255; i++)
		lookup255[i] = (char)(1 + i); /* every byte but NUL */
	lookup255[255] = '\0';
}

/* ---- comparing decoded frames ------------------------------------------------ */

static bool
ref_eq(cadre_ref a, cadre_ref b)
{
	return a.sys == b.sys && a.index == b.index && a.gen == b.gen && a.node == b.node;
}

static bool
str_eq(struct cadre__wire_str a, struct cadre__wire_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Every field, compared (a decoded frame's unused fields are zero, as are
 * those of the frames built here). */
static void
check_same(const struct cadre__frame *a, const struct cadre__frame *b)
{
	CHECK_EQ(a->kind, b->kind);
	CHECK(ref_eq(a->to, b->to));
	CHECK(ref_eq(a->from, b->from));
	CHECK(ref_eq(a->actor, b->actor));
	CHECK_EQ(a->type, b->type);
	CHECK_EQ(a->incarnation, b->incarnation);
	CHECK_EQ(a->session, b->session);
	CHECK(a->id == b->id);
	CHECK_EQ(a->status, b->status);
	CHECK_EQ(a->linked, b->linked);
	CHECK_EQ(a->reason.kind, b->reason.kind);
	CHECK_EQ(a->reason.code, b->reason.code);
	CHECK(str_eq(a->reason.detail, b->reason.detail));
	CHECK(str_eq(a->name, b->name));
	CHECK(str_eq(a->endpoint, b->endpoint));
	CHECK(str_eq(a->key, b->key));
	CHECK_EQ(a->size, b->size);
	CHECK(a->size == 0 || memcmp(a->payload, b->payload, a->size) == 0);
	CHECK_EQ(a->npeers, b->npeers);
	CHECK_EQ(a->peers_len, b->peers_len);
	CHECK(a->peers_len == 0 || memcmp(a->peers, b->peers, a->peers_len) == 0);
}

/* f encodes to exactly want's bytes, and want's bytes decode to f; every
 * shorter prefix and one extra byte are refused; a buffer one byte short
 * is told the length it needs. */
static void
check_frame(const struct cadre__frame *f, const struct bb *want)
{
	static unsigned char out[4096];
	CHECK_EQ(cadre__wire_encode(f, out, sizeof out), want->n);
	CHECK(memcmp(out, want->b, want->n) == 0);
	CHECK_EQ(cadre__wire_encode(f, out, want->n - 1), want->n);
	CHECK_EQ(cadre__wire_encode(f, NULL, 0), want->n);
	struct cadre__frame d;
	CHECK_EQ(cadre__wire_decode(want->b, want->n, &d), 0);
	check_same(&d, f);
	for (size_t n = 0; n < want->n; n++)
		CHECK_EQ(cadre__wire_decode(want->b, n, &d), CADRE_EINVAL);
	struct bb longer = *want;
	longer.b[longer.n++] = 0;
	CHECK_EQ(cadre__wire_decode(longer.b, longer.n, &d), CADRE_EINVAL);
	uint8_t kind;
	uint16_t version;
	CHECK_EQ(cadre__wire_peek(want->b, want->n, &kind, &version), 0);
	CHECK_EQ(kind, f->kind);
	CHECK_EQ(version, 1);
}

/* ---- round trips, kind by kind ------------------------------------------------ */

static void
hello_frames(void)
{
	struct cadre__frame f = {
	        .kind = CADRE__W_HELLO, .incarnation = UINT32_MAX, .session = UINT32_MAX};
	f.name = wstr(NAME63);
	f.endpoint = wstr(endpoint255);
	f.key = wstr(KEY40);
	struct bb b;
	put_head(&b, 1);
	put(&b, UINT32_MAX, 4);
	put(&b, UINT32_MAX, 4);
	put_str(&b, NAME63, 63);
	put_str(&b, endpoint255, 255);
	put_str(&b, KEY40, 40);
	CHECK_EQ(b.n, 4 + 8 + 64 + 256 + 41);
	check_frame(&f, &b);

	/* the shortest HELLO, insecure (no key), and the byte order */
	struct cadre__frame g = {.kind = CADRE__W_HELLO, .incarnation = 0x01020304u};
	g.name = wstr("n");
	g.endpoint = wstr("x");
	put_head(&b, 1);
	put(&b, 0x01020304u, 4);
	put(&b, 0, 4);
	put_str(&b, "n", 1);
	put_str(&b, "x", 1);
	put_str(&b, "", 0);
	CHECK_EQ(b.n, 17);
	CHECK_EQ(b.b[4], 0x04);
	CHECK_EQ(b.b[7], 0x01);
	check_frame(&g, &b);
}

static void
empty_frames(void)
{
	struct bb b;
	struct cadre__frame f = {.kind = CADRE__W_TICK};
	put_head(&b, 2);
	CHECK_EQ(b.n, 4);
	check_frame(&f, &b);
	f.kind = CADRE__W_LEAVE;
	put_head(&b, 3);
	check_frame(&f, &b);
}

static void
send_frames(void)
{
	static unsigned char data[1000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	struct cadre__frame f = {.kind = CADRE__W_SEND,
	                         .to = R_MIX,
	                         .from = R_MAX,
	                         .type = UINT32_MAX,
	                         .payload = data,
	                         .size = sizeof data};
	struct bb b;
	put_head(&b, 4);
	put_ref(&b, R_MIX);
	put_ref(&b, R_MAX);
	put(&b, UINT32_MAX, 4);
	put(&b, sizeof data, 4);
	memcpy(b.b + b.n, data, sizeof data);
	b.n += sizeof data;
	CHECK_EQ(b.n, 4 + 32 + 8 + 1000);
	CHECK_EQ(b.b[4], 0x04); /* to.sys, little-endian */
	CHECK_EQ(b.b[19], 0x0d);
	check_frame(&f, &b);

	/* size 0: no payload bytes, a NULL payload is fine to encode */
	struct cadre__frame g = {.kind = CADRE__W_SEND, .to = R_MIX, .type = 0};
	put_head(&b, 4);
	put_ref(&b, R_MIX);
	put_ref(&b, CADRE_REF_NONE);
	put(&b, 0, 4);
	put(&b, 0, 4);
	CHECK_EQ(b.n, 44);
	check_frame(&g, &b);
}

static void
ref_pair_frames(void)
{
	const uint8_t kinds[] = {CADRE__W_LINK, CADRE__W_UNLINK, CADRE__W_STOP};
	for (size_t i = 0; i < sizeof kinds; i++) {
		struct cadre__frame f = {.kind = kinds[i], .to = R_MAX, .from = R_MIX};
		struct bb b;
		put_head(&b, kinds[i]);
		put_ref(&b, R_MAX);
		put_ref(&b, R_MIX);
		CHECK_EQ(b.n, 36);
		check_frame(&f, &b);
	}
}

static void
exit_frames(void)
{
	for (uint8_t linked = 0; linked <= 1; linked++) {
		struct cadre__frame f = {
		        .kind = CADRE__W_EXIT, .to = R_MIX, .from = R_MAX, .linked = linked};
		f.reason = (struct cadre__wire_reason){6, INT32_MIN, wstr(DETAIL63)};
		struct bb b;
		put_head(&b, 7);
		put_ref(&b, R_MIX);
		put_ref(&b, R_MAX);
		put(&b, 6, 1);
		put(&b, 0x80000000u, 4);
		put_str(&b, DETAIL63, 63);
		put(&b, linked, 1);
		CHECK_EQ(b.n, 4 + 32 + 5 + 64 + 1);
		check_frame(&f, &b);
	}
	/* empty detail, code -1 */
	struct cadre__frame g = {.kind = CADRE__W_EXIT, .to = R_MIX, .from = R_MIX};
	g.reason = (struct cadre__wire_reason){3, -1, {NULL, 0}};
	struct bb b;
	put_head(&b, 7);
	put_ref(&b, R_MIX);
	put_ref(&b, R_MIX);
	put(&b, 3, 1);
	put(&b, 0xffffffffu, 4);
	put_str(&b, "", 0);
	put(&b, 0, 1);
	CHECK_EQ(b.n, 43);
	check_frame(&g, &b);
}

static void
monitor_frames(void)
{
	const uint8_t kinds[] = {CADRE__W_MONITOR, CADRE__W_DEMONITOR};
	for (size_t i = 0; i < sizeof kinds; i++) {
		struct cadre__frame f = {
		        .kind = kinds[i], .to = R_MIX, .from = R_MAX, .id = UINT64_MAX};
		struct bb b;
		put_head(&b, kinds[i]);
		put_ref(&b, R_MIX);
		put_ref(&b, R_MAX);
		put(&b, UINT64_MAX, 8);
		CHECK_EQ(b.n, 44);
		check_frame(&f, &b);
	}
	struct cadre__frame d = {
	        .kind = CADRE__W_DOWN, .to = R_MAX, .actor = R_MIX, .id = 0x0102030405060708ull};
	d.reason = (struct cadre__wire_reason){4, INT32_MAX, wstr("noproc")};
	struct bb b;
	put_head(&b, 10);
	put_ref(&b, R_MAX);
	put_ref(&b, R_MIX);
	put(&b, 0x0102030405060708ull, 8);
	put(&b, 4, 1);
	put(&b, INT32_MAX, 4);
	put_str(&b, "noproc", 6);
	CHECK_EQ(b.n, 4 + 32 + 8 + 5 + 7);
	CHECK_EQ(b.b[36], 0x08);
	check_frame(&d, &b);
}

static void
spawn_frames(void)
{
	static const char arg[] = "spawn argument";
	for (uint8_t link = 0; link <= 1; link++) {
		struct cadre__frame f = {.kind = CADRE__W_SPAWN,
		                         .id = UINT64_MAX,
		                         .from = R_MIX,
		                         .linked = link,
		                         .payload = arg,
		                         .size = sizeof arg};
		f.name = wstr(NAME63);
		struct bb b;
		put_head(&b, 12);
		put(&b, UINT64_MAX, 8);
		put_ref(&b, R_MIX);
		put(&b, link, 1);
		put_str(&b, NAME63, 63);
		put(&b, sizeof arg, 4);
		memcpy(b.b + b.n, arg, sizeof arg);
		b.n += sizeof arg;
		CHECK_EQ(b.n, 4 + 8 + 16 + 1 + 64 + 4 + sizeof arg);
		check_frame(&f, &b);
	}
	struct cadre__frame g = {.kind = CADRE__W_SPAWN, .id = 0, .from = R_MAX};
	g.name = wstr("w");
	struct bb b;
	put_head(&b, 12);
	put(&b, 0, 8);
	put_ref(&b, R_MAX);
	put(&b, 0, 1);
	put_str(&b, "w", 1);
	put(&b, 0, 4);
	CHECK_EQ(b.n, 35);
	check_frame(&g, &b);
}

static void
lookup_frames(void)
{
	struct cadre__frame f = {.kind = CADRE__W_WHEREIS, .id = UINT64_MAX, .from = R_MAX};
	f.name = wstr(lookup255);
	struct bb b;
	put_head(&b, 13);
	put(&b, UINT64_MAX, 8);
	put_ref(&b, R_MAX);
	put_str(&b, lookup255, 255);
	CHECK_EQ(b.n, 4 + 8 + 16 + 256);
	check_frame(&f, &b);

	const int32_t statuses[] = {0, -1, INT32_MIN};
	for (size_t i = 0; i < 3; i++) {
		struct cadre__frame r = {.kind = CADRE__W_REPLY,
		                         .id = 7,
		                         .to = R_MIX,
		                         .status = statuses[i],
		                         .actor = R_MAX};
		put_head(&b, 14);
		put(&b, 7, 8);
		put_ref(&b, R_MIX);
		put(&b, (uint32_t)statuses[i], 4);
		put_ref(&b, R_MAX);
		CHECK_EQ(b.n, 4 + 8 + 16 + 4 + 16);
		check_frame(&r, &b);
	}
}

/* PEERS: the codec's helper, the builder and the iterator agree. */
static void
peers_frames(void)
{
	const char *names[] = {"a", NAME63, "node-3.x_y"};
	const char *endpoints[] = {"tcp://127.0.0.1:7001", endpoint255, "ipc:///tmp/n.sock"};
	const char *keys[] = {KEY40, NULL, ""};
	struct bb b;
	put_head(&b, 15);
	put(&b, 3, 2);
	size_t entries = b.n;
	for (int i = 0; i < 3; i++) {
		put_str(&b, names[i], strlen(names[i]));
		put_str(&b, endpoints[i], strlen(endpoints[i]));
		put_str(&b, keys[i] ? keys[i] : "", keys[i] ? strlen(keys[i]) : 0);
	}
	CHECK_EQ(b.n, 6 + (2 + 21 + 41) + (64 + 256 + 1) + (11 + 18 + 1));
	static unsigned char out[4096];
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 3, names, endpoints, keys), b.n);
	CHECK(memcmp(out, b.b, b.n) == 0);
	CHECK_EQ(cadre__wire_peers_encode(NULL, 0, 3, names, endpoints, keys), b.n);

	struct cadre__frame f = {.kind = CADRE__W_PEERS,
	                         .npeers = 3,
	                         .peers = b.b + entries,
	                         .peers_len = b.n - entries};
	check_frame(&f, &b);

	struct cadre__frame d;
	CHECK_EQ(cadre__wire_decode(b.b, b.n, &d), 0);
	const unsigned char *p = d.peers;
	size_t left = d.peers_len;
	struct cadre__wire_str n, e, k;
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(cadre__wire_peer_next(&p, &left, &n, &e, &k), 1);
		CHECK(str_eq(n, wstr(names[i])));
		CHECK(str_eq(e, wstr(endpoints[i])));
		CHECK(str_eq(k, wstr(keys[i] ? keys[i] : "")));
	}
	CHECK_EQ(cadre__wire_peer_next(&p, &left, &n, &e, &k), 0);
	CHECK_EQ(left, 0);

	/* no entries */
	put_head(&b, 15);
	put(&b, 0, 2);
	struct cadre__frame z = {.kind = CADRE__W_PEERS};
	check_frame(&z, &b);
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 0, NULL, NULL, NULL), 6);
}

/* ---- malformed frames ------------------------------------------------------------ */

static void
refuse(const struct bb *b)
{
	struct cadre__frame d;
	CHECK_EQ(cadre__wire_decode(b->b, b->n, &d), CADRE_EINVAL);
}

/* A valid HELLO with these strings, built by hand (to refuse, or not). */
static void
hello_bytes(struct bb *b, uint32_t incarnation, const char *name, size_t nl, const char *ep,
            size_t el, const char *key, size_t kl)
{
	put_head(b, 1);
	put(b, incarnation, 4);
	put(b, 9, 4);
	put_str(b, name, nl);
	put_str(b, ep, el);
	put_str(b, key, kl);
}

static void
bad_headers(void)
{
	struct bb b;
	put_head(&b, 2);
	struct cadre__frame d;
	CHECK_EQ(cadre__wire_decode(b.b, b.n, &d), 0);
	const struct {
		size_t at;
		unsigned char v;
	} bad[] = {{0, 0}, {0, 16}, {0, 255}, {1, 1}, {1, 0x80}, {2, 0}, {2, 2}, {3, 1}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put_head(&b, 2);
		b.b[bad[i].at] = bad[i].v;
		refuse(&b);
	}
	/* peek still reads another version's header (to refuse it at HELLO) */
	put_head(&b, 1);
	b.b[2] = 2;
	uint8_t kind;
	uint16_t version;
	CHECK_EQ(cadre__wire_peek(b.b, b.n, &kind, &version), 0);
	CHECK_EQ(kind, 1);
	CHECK_EQ(version, 2);
	CHECK_EQ(cadre__wire_peek(b.b, 3, &kind, &version), CADRE_EINVAL);
	CHECK_EQ(cadre__wire_decode(NULL, 4, &d), CADRE_EINVAL);
	CHECK_EQ(cadre__wire_decode(b.b, b.n, NULL), CADRE_EINVAL);
}

static void
bad_strings(void)
{
	struct bb b;
	hello_bytes(&b, 1, "n", 1, "e", 1, KEY40, 40);
	struct cadre__frame d;
	CHECK_EQ(cadre__wire_decode(b.b, b.n, &d), 0);
	hello_bytes(&b, 0, "n", 1, "e", 1, "", 0); /* incarnation 0 */
	refuse(&b);
	hello_bytes(&b, 1, "", 0, "e", 1, "", 0); /* name length 0 */
	refuse(&b);
	hello_bytes(&b, 1, NAME63 "x", 64, "e", 1, "", 0); /* name length 64 */
	refuse(&b);
	const char bad_name_chars[] = {'/', ' ', ':', '\0', '\n', (char)0xc3, '@'};
	for (size_t i = 0; i < sizeof bad_name_chars; i++) {
		char name[3] = {'a', bad_name_chars[i], 'b'};
		hello_bytes(&b, 1, name, 3, "e", 1, "", 0);
		refuse(&b);
	}
	hello_bytes(&b, 1, "n", 1, "", 0, "", 0); /* endpoint length 0 */
	refuse(&b);
	hello_bytes(&b, 1, "n", 1, "tcp://a\tb", 9, "", 0); /* endpoint control char */
	refuse(&b);
	hello_bytes(&b, 1, "n", 1, "e", 1, KEY40, 39); /* key length 39 */
	refuse(&b);
	char key[41];
	memcpy(key, KEY40, 41);
	key[40] = 'x';
	hello_bytes(&b, 1, "n", 1, "e", 1, key, 41); /* key length 41 */
	refuse(&b);
	const char bad_key_chars[] = {',', '~', '"', '\'', ';', '_', '\\', '|', '`', ' ', '\0'};
	for (size_t i = 0; i < sizeof bad_key_chars; i++) {
		key[17] = bad_key_chars[i];
		hello_bytes(&b, 1, "n", 1, "e", 1, key, 40);
		refuse(&b);
	}
	/* the encoder refuses to write them too */
	struct cadre__frame f = {.kind = CADRE__W_HELLO, .incarnation = 1};
	f.name = wstr("n");
	f.endpoint = wstr("e");
	unsigned char out[512];
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 17);
	f.key = (struct cadre__wire_str){KEY40, 39};
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);
	f.key = wstr("");
	f.name = wstr(NAME63 "x");
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);
	f.name = wstr("a/b");
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);
	f.name = wstr("n");
	f.incarnation = 0;
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);
}

/* An EXIT with this reason kind, detail and linked byte. */
static void
exit_bytes(struct bb *b, uint8_t kind, const char *detail, size_t dl, uint8_t linked)
{
	put_head(b, 7);
	put_ref(b, R_MIX);
	put_ref(b, R_MIX);
	put(b, kind, 1);
	put(b, 42, 4);
	put_str(b, detail, dl);
	put(b, linked, 1);
}

static void
bad_fields(void)
{
	struct bb b;
	struct cadre__frame d;
	exit_bytes(&b, 6, "ok", 2, 1);
	CHECK_EQ(cadre__wire_decode(b.b, b.n, &d), 0);
	exit_bytes(&b, 7, "ok", 2, 1); /* reason kind 7 */
	refuse(&b);
	exit_bytes(&b, 255, "ok", 2, 1);
	refuse(&b);
	exit_bytes(&b, 0, "ok", 2, 2); /* linked 2 */
	refuse(&b);
	exit_bytes(&b, 0, "a\x1f", 2, 0); /* detail control char */
	refuse(&b);
	exit_bytes(&b, 0, "a\x7f", 2, 0); /* DEL */
	refuse(&b);
	exit_bytes(&b, 0, DETAIL63 "x", 64, 0); /* detail length 64 */
	refuse(&b);
	struct cadre__frame f = {.kind = CADRE__W_EXIT, .linked = 2};
	unsigned char out[512];
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);
	f.linked = 0;
	f.reason.kind = 7;
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);
	f.reason.kind = 0;
	f.reason.detail = wstr("a\nb");
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);

	/* SPAWN link 2, behaviour with a bad char */
	put_head(&b, 12);
	put(&b, 1, 8);
	put_ref(&b, R_MIX);
	put(&b, 2, 1);
	put_str(&b, "w", 1);
	put(&b, 0, 4);
	refuse(&b);
	b.b[28] = 1;
	CHECK_EQ(cadre__wire_decode(b.b, b.n, &d), 0);
	b.b[30] = '*';
	refuse(&b);

	/* REPLY status 1 */
	put_head(&b, 14);
	put(&b, 7, 8);
	put_ref(&b, R_MIX);
	put(&b, 1, 4);
	put_ref(&b, R_MAX);
	refuse(&b);

	/* WHEREIS name with a NUL, or empty */
	put_head(&b, 13);
	put(&b, 7, 8);
	put_ref(&b, R_MIX);
	put_str(&b, "a\0b", 3);
	refuse(&b);
	b.n -= 4;
	put_str(&b, "", 0);
	refuse(&b);
}

static void
bad_sizes(void)
{
	struct bb b;
	struct cadre__frame d;
	/* SEND: a size over or under the bytes that follow */
	for (uint32_t size = 2; size <= 4; size++) {
		put_head(&b, 4);
		put_ref(&b, R_MIX);
		put_ref(&b, R_MIX);
		put(&b, 5, 4);
		put(&b, size, 4);
		put(&b, 0xabcdef, 3);
		CHECK_EQ(cadre__wire_decode(b.b, b.n, &d), size == 3 ? 0 : CADRE_EINVAL);
	}
	put_head(&b, 4);
	put_ref(&b, R_MIX);
	put_ref(&b, R_MIX);
	put(&b, 5, 4);
	put(&b, UINT32_MAX, 4);
	refuse(&b);
	struct cadre__frame f = {.kind = CADRE__W_SEND, .size = 1}; /* payload NULL */
	unsigned char out[64];
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);

	/* PEERS: a count larger, or smaller, than the entries */
	for (uint16_t n = 1; n <= 3; n++) {
		put_head(&b, 15);
		put(&b, n, 2);
		for (int i = 0; i < 2; i++) {
			put_str(&b, "a", 1);
			put_str(&b, "e", 1);
			put_str(&b, "", 0);
		}
		CHECK_EQ(cadre__wire_decode(b.b, b.n, &d), n == 2 ? 0 : CADRE_EINVAL);
	}
	put_head(&b, 15);
	put(&b, UINT16_MAX, 2);
	refuse(&b);
	/* the encoder checks the raw entries it is given */
	const unsigned char two[] = {1, 'a', 1, 'e', 0, 1, 'b', 1, 'f', 0};
	struct cadre__frame p = {
	        .kind = CADRE__W_PEERS, .npeers = 2, .peers = two, .peers_len = sizeof two};
	CHECK_EQ(cadre__wire_encode(&p, out, sizeof out), 6 + sizeof two);
	p.npeers = 3;
	CHECK_EQ(cadre__wire_encode(&p, out, sizeof out), 0);
	p.npeers = 1;
	CHECK_EQ(cadre__wire_encode(&p, out, sizeof out), 0);
	/* the iterator refuses a bad entry */
	const unsigned char bad[] = {1, '/', 1, 'e', 0};
	const unsigned char *q = bad;
	size_t left = sizeof bad;
	struct cadre__wire_str n, e, k;
	CHECK_EQ(cadre__wire_peer_next(&q, &left, &n, &e, &k), CADRE_EINVAL);
	left = 3; /* cut short */
	q = two;
	CHECK_EQ(cadre__wire_peer_next(&q, &left, &n, &e, &k), CADRE_EINVAL);
}

static void
bad_helpers(void)
{
	const char *names[] = {"a", "b/c"};
	const char *endpoints[] = {"e", "f"};
	unsigned char out[256];
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 1, names, endpoints, NULL), 11);
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 2, names, endpoints, NULL), 0);
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 1, NULL, endpoints, NULL), 0);
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 65536, names, endpoints, NULL), 0);
	const char *no_endpoint[] = {NULL};
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 1, names, no_endpoint, NULL), 0);
	const char *long_key[] = {KEY40 "x"};
	CHECK_EQ(cadre__wire_peers_encode(out, sizeof out, 1, names, endpoints, long_key), 0);
	struct cadre__frame f = {.kind = 0};
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);
	f.kind = 16;
	CHECK_EQ(cadre__wire_encode(&f, out, sizeof out), 0);

	CHECK(strcmp(cadre__wire_kind_name(CADRE__W_HELLO), "HELLO") == 0);
	CHECK(strcmp(cadre__wire_kind_name(CADRE__W_DEMONITOR), "DEMONITOR") == 0);
	CHECK(strcmp(cadre__wire_kind_name(CADRE__W_PEERS), "PEERS") == 0);
	CHECK(strcmp(cadre__wire_kind_name(0), "?") == 0);
	CHECK(strcmp(cadre__wire_kind_name(16), "?") == 0);
	CHECK(strcmp(cadre__wire_kind_name(255), "?") == 0);
}

int
main(void)
{
	init_edges();
	TEST_CASE(hello_frames);
	TEST_CASE(empty_frames);
	TEST_CASE(send_frames);
	TEST_CASE(ref_pair_frames);
	TEST_CASE(exit_frames);
	TEST_CASE(monitor_frames);
	TEST_CASE(spawn_frames);
	TEST_CASE(lookup_frames);
	TEST_CASE(peers_frames);
	TEST_CASE(bad_headers);
	TEST_CASE(bad_strings);
	TEST_CASE(bad_fields);
	TEST_CASE(bad_sizes);
	TEST_CASE(bad_helpers);
	return 0;
}
