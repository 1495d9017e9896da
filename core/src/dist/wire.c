/* Cadre: the wire codec of distribution, version 1 (cadre__wire.h).
 *
 * Design notes.
 * - One reading per frame. A frame is valid only if its length is exactly
 *   what its body says and every field is in range: no trailing bytes, no
 *   padding, no optional fields, no flag bits with no meaning yet, no
 *   string outside its charset. So a frame has one reading, and a frame
 *   that decodes encodes back to the very same bytes (the fuzz target
 *   checks exactly that: tests/fuzz/fuzz_wire.c). Whatever else arrives is
 *   malformed: dropped and counted by the caller, never half-used.
 * - A fixed little-endian header (kind, flags, version) in the same four
 *   bytes in every version, so a node can tell a peer of another version
 *   (and refuse it at HELLO) from garbage. Integers are read and written
 *   byte by byte: no struct casts, no unaligned loads, the same bytes on
 *   any host.
 * - Refs are copied raw (16 bytes): a ref's fourth word is its node's
 *   incarnation, so a ref means the same on every node and needs no
 *   translation; the receiver checks the node word before any lookup.
 * - Strings carry a one-byte length (no NUL): the decoded form points into
 *   the frame, and nothing is allocated or copied.
 * - One description per kind (body()), run in both directions: decoding
 *   reads each field and checks it, encoding checks the same field and
 *   writes it. The encoder and the decoder cannot disagree on the layout,
 *   and the encoder refuses to write what the decoder would refuse.
 */
#include <stdbool.h>
#include <string.h>

#include "cadre__wire.h"

/* The state of one pass over a frame, decoding (in) or encoding (out). */
struct wc {
	const unsigned char *in; /* decoding: the frame */
	unsigned char *out;      /* encoding: the buffer (bytes beyond cap are only counted) */
	size_t pos;              /* bytes read or written so far */
	size_t cap;              /* decoding: the frame's length; encoding: the buffer's room */
	bool enc;
	bool bad; /* a field was short or out of range: the frame is malformed */
};

/* Moves n bytes: decoding, points *p at them; encoding, copies them from *p. */
static void
wc_bytes(struct wc *c, const unsigned char **p, size_t n)
{
	if (c->bad)
		return;
	if (!c->enc) {
		if (c->pos > c->cap || n > c->cap - c->pos) {
			c->bad = true;
			return;
		}
		*p = c->in + c->pos;
	} else if (n > SIZE_MAX - c->pos || (n > 0 && *p == NULL)) {
		c->bad = true;
		return;
	} else if (n > 0 && c->pos <= c->cap && n <= c->cap - c->pos) {
		memcpy(c->out + c->pos, *p, n);
	}
	c->pos += n;
}

/* An unsigned integer of n bytes (1, 2, 4 or 8), little-endian. */
static void
wc_uint(struct wc *c, uint64_t *v, size_t n)
{
	unsigned char b[8];
	const unsigned char *p = b;
	if (c->enc) {
		for (size_t i = 0; i < n; i++)
			b[i] = (unsigned char)(*v >> (8 * i));
	}
	wc_bytes(c, &p, n);
	if (c->enc || c->bad)
		return;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x |= (uint64_t)p[i] << (8 * i);
	*v = x;
}

static void
wc_u8(struct wc *c, uint8_t *v)
{
	uint64_t x = c->enc ? *v : 0;
	wc_uint(c, &x, 1);
	*v = (uint8_t)x;
}

static void
wc_u16(struct wc *c, uint16_t *v)
{
	uint64_t x = c->enc ? *v : 0;
	wc_uint(c, &x, 2);
	*v = (uint16_t)x;
}

static void
wc_u32(struct wc *c, uint32_t *v)
{
	uint64_t x = c->enc ? *v : 0;
	wc_uint(c, &x, 4);
	*v = (uint32_t)x;
}

static void
wc_u64(struct wc *c, uint64_t *v)
{
	wc_uint(c, v, 8);
}

/* A signed 32-bit integer as its two's complement bits (no
 * implementation-defined conversion either way). */
static void
wc_i32(struct wc *c, int32_t *v)
{
	uint32_t x = 0;
	if (c->enc)
		x = *v < 0 ? (uint32_t) - (*v + 1) ^ UINT32_MAX : (uint32_t)*v;
	wc_u32(c, &x);
	*v = x <= INT32_MAX ? (int32_t)x : -(int32_t)(x ^ UINT32_MAX) - 1;
}

/* A byte that must be 0 or 1. */
static void
wc_flag(struct wc *c, uint8_t *v)
{
	wc_u8(c, v);
	if (*v > 1)
		c->bad = true;
}

static void
wc_ref(struct wc *c, cadre_ref *r)
{
	wc_u32(c, &r->sys);
	wc_u32(c, &r->index);
	wc_u32(c, &r->gen);
	wc_u32(c, &r->node);
}

/* The kinds of strings, by what they may hold. */
enum str_kind { S_NAME, S_LOOKUP, S_ENDPOINT, S_DETAIL, S_KEY };

static const char z85[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

static bool
char_ok(enum str_kind k, unsigned char ch)
{
	switch (k) {
	case S_NAME:
		return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
	case S_LOOKUP:
		return ch != '\0';
	case S_ENDPOINT:
	case S_DETAIL:
		return ch >= 0x20 && ch <= 0x7e;
	case S_KEY:
		return ch != '\0' && strchr(z85, ch) != NULL;
	}
	return false;
}

static bool
len_ok(enum str_kind k, size_t len)
{
	switch (k) {
	case S_NAME:
		return len >= 1 && len <= CADRE__WIRE_NAME_MAX;
	case S_LOOKUP:
		return len >= 1 && len <= CADRE__WIRE_LOOKUP_MAX;
	case S_ENDPOINT:
		return len >= 1 && len <= CADRE__WIRE_ENDPOINT_MAX;
	case S_DETAIL:
		return len <= CADRE__WIRE_DETAIL_MAX;
	case S_KEY:
		return len == 0 || len == CADRE__WIRE_KEY_LEN;
	}
	return false;
}

static bool
str_ok(enum str_kind k, const char *p, size_t len)
{
	if (!len_ok(k, len) || (len > 0 && p == NULL))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!char_ok(k, (unsigned char)p[i]))
			return false;
	}
	return true;
}

static void
wc_str(struct wc *c, struct cadre__wire_str *s, enum str_kind k)
{
	uint8_t len = s->len;
	const unsigned char *p = (const unsigned char *)s->p;
	wc_u8(c, &len);
	wc_bytes(c, &p, len);
	if (c->bad)
		return;
	if (!c->enc) {
		s->p = (const char *)p;
		s->len = len;
	}
	if (!str_ok(k, s->p, s->len))
		c->bad = true;
}

static void
wc_reason(struct wc *c, struct cadre__wire_reason *r)
{
	wc_u8(c, &r->kind);
	if (r->kind > CADRE__WIRE_REASON_MAX)
		c->bad = true;
	wc_i32(c, &r->code);
	wc_str(c, &r->detail, S_DETAIL);
}

/* A u32 size, then exactly that many bytes. */
static void
wc_payload(struct wc *c, const void **payload, uint32_t *size)
{
	const unsigned char *p = *payload;
	wc_u32(c, size);
	wc_bytes(c, &p, *size);
	if (!c->enc && !c->bad)
		*payload = p;
}

/* One PEERS entry. */
static void
wc_peer(struct wc *c, struct cadre__wire_str *name, struct cadre__wire_str *endpoint,
        struct cadre__wire_str *key)
{
	wc_str(c, name, S_NAME);
	wc_str(c, endpoint, S_ENDPOINT);
	wc_str(c, key, S_KEY);
}

/* Whether bytes p[0..len) are exactly n valid PEERS entries. */
static bool
peers_ok(const unsigned char *p, size_t len, uint16_t n)
{
	struct wc c = {.in = p, .cap = len};
	struct cadre__wire_str name, endpoint, key;
	if (len > 0 && p == NULL)
		return false;
	for (uint16_t i = 0; i < n && !c.bad; i++)
		wc_peer(&c, &name, &endpoint, &key);
	return !c.bad && c.pos == len;
}

/* u16 n, then n entries: decoding walks them (the frame's end must follow
 * the last one); encoding checks the raw entries it is given and copies them. */
static void
wc_peers(struct wc *c, struct cadre__frame *f)
{
	wc_u16(c, &f->npeers);
	if (c->bad)
		return;
	if (c->enc) {
		if (!peers_ok(f->peers, f->peers_len, f->npeers))
			c->bad = true;
		wc_bytes(c, &f->peers, f->peers_len);
		return;
	}
	size_t start = c->pos;
	struct cadre__wire_str name, endpoint, key;
	for (uint16_t i = 0; i < f->npeers && !c->bad; i++)
		wc_peer(c, &name, &endpoint, &key);
	if (!c->bad) {
		f->peers = c->in + start;
		f->peers_len = c->pos - start;
	}
}

/* The body of f's kind: the one description of each kind's layout. */
static void
body(struct wc *c, struct cadre__frame *f)
{
	switch (f->kind) {
	case CADRE__W_HELLO:
		wc_u32(c, &f->incarnation);
		wc_u32(c, &f->session);
		wc_str(c, &f->name, S_NAME);
		wc_str(c, &f->endpoint, S_ENDPOINT);
		wc_str(c, &f->key, S_KEY);
		if (f->incarnation == 0)
			c->bad = true;
		break;
	case CADRE__W_TICK:
	case CADRE__W_LEAVE:
		break;
	case CADRE__W_SEND:
		wc_ref(c, &f->to);
		wc_ref(c, &f->from);
		wc_u32(c, &f->type);
		wc_payload(c, &f->payload, &f->size);
		break;
	case CADRE__W_LINK:
	case CADRE__W_UNLINK:
	case CADRE__W_STOP:
		wc_ref(c, &f->to);
		wc_ref(c, &f->from);
		break;
	case CADRE__W_EXIT:
		wc_ref(c, &f->to);
		wc_ref(c, &f->from);
		wc_reason(c, &f->reason);
		wc_flag(c, &f->linked);
		break;
	case CADRE__W_MONITOR:
	case CADRE__W_DEMONITOR:
		wc_ref(c, &f->to);
		wc_ref(c, &f->from);
		wc_u64(c, &f->id);
		break;
	case CADRE__W_DOWN:
		wc_ref(c, &f->to);
		wc_ref(c, &f->actor);
		wc_u64(c, &f->id);
		wc_reason(c, &f->reason);
		break;
	case CADRE__W_SPAWN:
		wc_u64(c, &f->id);
		wc_ref(c, &f->from);
		wc_flag(c, &f->linked);
		wc_str(c, &f->name, S_NAME);
		wc_payload(c, &f->payload, &f->size);
		break;
	case CADRE__W_WHEREIS:
		wc_u64(c, &f->id);
		wc_ref(c, &f->from);
		wc_str(c, &f->name, S_LOOKUP);
		break;
	case CADRE__W_REPLY:
		wc_u64(c, &f->id);
		wc_ref(c, &f->to);
		wc_i32(c, &f->status);
		wc_ref(c, &f->actor);
		if (f->status > 0)
			c->bad = true;
		break;
	case CADRE__W_PEERS:
		wc_peers(c, f);
		break;
	default:
		c->bad = true;
	}
}

/* The header, then the body. */
static void
frame(struct wc *c, struct cadre__frame *f)
{
	uint8_t flags = 0;
	uint16_t version = CADRE__WIRE_VERSION;
	wc_u8(c, &f->kind);
	wc_u8(c, &flags);
	wc_u16(c, &version);
	if (c->bad || flags != 0 || version != CADRE__WIRE_VERSION || f->kind < CADRE__W_HELLO ||
	    f->kind > CADRE__W_KIND_MAX) {
		c->bad = true;
		return;
	}
	body(c, f);
}

int
cadre__wire_decode(const void *buf, size_t len, struct cadre__frame *f)
{
	if (buf == NULL || f == NULL)
		return CADRE_EINVAL;
	memset(f, 0, sizeof *f);
	struct wc c = {.in = buf, .cap = len};
	frame(&c, f);
	return c.bad || c.pos != len ? CADRE_EINVAL : 0;
}

int
cadre__wire_peek(const void *buf, size_t len, uint8_t *kind, uint16_t *version)
{
	if (buf == NULL || kind == NULL || version == NULL || len < CADRE__WIRE_HEADER)
		return CADRE_EINVAL;
	struct wc c = {.in = buf, .cap = len};
	uint8_t flags = 0;
	wc_u8(&c, kind);
	wc_u8(&c, &flags);
	wc_u16(&c, version);
	return 0;
}

size_t
cadre__wire_encode(const struct cadre__frame *f, void *buf, size_t cap)
{
	if (f == NULL || (buf == NULL && cap > 0))
		return 0;
	struct cadre__frame copy = *f; /* body() takes a frame it may write when decoding */
	struct wc c = {.out = buf, .cap = cap, .enc = true};
	frame(&c, &copy);
	return c.bad ? 0 : c.pos;
}

int
cadre__wire_peer_next(const unsigned char **p, size_t *left, struct cadre__wire_str *name,
                      struct cadre__wire_str *endpoint, struct cadre__wire_str *key)
{
	if (p == NULL || left == NULL || name == NULL || endpoint == NULL || key == NULL ||
	    (*p == NULL && *left > 0))
		return CADRE_EINVAL;
	if (*left == 0)
		return 0;
	struct wc c = {.in = *p, .cap = *left};
	wc_peer(&c, name, endpoint, key);
	if (c.bad)
		return CADRE_EINVAL;
	*p += c.pos;
	*left -= c.pos;
	return 1;
}

/* Writes n entries from the arrays (the entries' part of a PEERS frame). */
static void
wc_peer_arrays(struct wc *c, size_t n, const char *const *names, const char *const *endpoints,
               const char *const *keys)
{
	for (size_t i = 0; i < n && !c->bad; i++) {
		const char *k = keys != NULL && keys[i] != NULL ? keys[i] : "";
		if (names[i] == NULL || endpoints[i] == NULL) {
			c->bad = true;
			return;
		}
		size_t ln = strlen(names[i]), le = strlen(endpoints[i]), lk = strlen(k);
		if (ln > UINT8_MAX || le > UINT8_MAX || lk > UINT8_MAX) {
			c->bad = true;
			return;
		}
		struct cadre__wire_str name = {names[i], (uint8_t)ln};
		struct cadre__wire_str endpoint = {endpoints[i], (uint8_t)le};
		struct cadre__wire_str key = {k, (uint8_t)lk};
		wc_peer(c, &name, &endpoint, &key);
	}
}

size_t
cadre__wire_peers_encode(void *buf, size_t cap, size_t n, const char *const *names,
                         const char *const *endpoints, const char *const *keys)
{
	if ((buf == NULL && cap > 0) || n > UINT16_MAX ||
	    (n > 0 && (names == NULL || endpoints == NULL)))
		return 0;
	struct wc c = {.out = buf, .cap = cap, .enc = true};
	uint8_t kind = CADRE__W_PEERS, flags = 0;
	uint16_t version = CADRE__WIRE_VERSION, count = (uint16_t)n;
	wc_u8(&c, &kind);
	wc_u8(&c, &flags);
	wc_u16(&c, &version);
	wc_u16(&c, &count);
	wc_peer_arrays(&c, n, names, endpoints, keys);
	return c.bad ? 0 : c.pos;
}

const char *
cadre__wire_kind_name(uint8_t kind)
{
	static const char *const names[] = {
	        "?",       "HELLO",     "TICK", "LEAVE", "SEND",  "LINK",    "UNLINK", "EXIT",
	        "MONITOR", "DEMONITOR", "DOWN", "STOP",  "SPAWN", "WHEREIS", "REPLY",  "PEERS",
	};
	return kind <= CADRE__W_KIND_MAX ? names[kind] : "?";
}
