/* Cadre internal: the wire codec of distribution (dist/wire.c), version 1.
 * Pure: no ZeroMQ, no allocation, no shared state; safe on any thread.
 * One frame is one ZeroMQ message part (after the ROUTER's identity part).
 * The format is in docs/distribution.md, "Wire format".
 *
 * A frame is a 4-byte header (u8 kind, u8 flags = 0, u16 version = 1),
 * then its kind's body. Integers are little-endian; a ref is 16 bytes (u32
 * sys, index, gen, node word), copied raw; a string is a u8 length and its
 * bytes (no NUL). A frame is valid only if its length is exactly what its
 * body says and every field is in range (see the CADRE__WIRE_* limits and
 * cadre__wire_decode); anything else is malformed.
 *
 * Uses: public headers only (cadre/actor.h for cadre_ref). */
#ifndef CADRE__WIRE_H
#define CADRE__WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>

#define CADRE__WIRE_VERSION 1
#define CADRE__WIRE_HEADER 4         /* bytes of the header */
#define CADRE__WIRE_NAME_MAX 63      /* node and behaviour names: [A-Za-z0-9_.-]{1,63} */
#define CADRE__WIRE_LOOKUP_MAX 255   /* WHEREIS names: any bytes but NUL, 1..255 */
#define CADRE__WIRE_ENDPOINT_MAX 255 /* endpoints: printable ASCII, 1..255 */
#define CADRE__WIRE_DETAIL_MAX 63    /* exit details: printable ASCII, 0..63 */
#define CADRE__WIRE_KEY_LEN 40       /* keys: empty, or 40 Z85 characters */
#define CADRE__WIRE_REASON_MAX 6     /* exit kinds 0..6 (cadre_exit_kind, noconnection) */

enum cadre__wire_kind {
	CADRE__W_HELLO = 1,     /* u32 incarnation (non-zero), u32 session, name, endpoint, key */
	CADRE__W_TICK = 2,      /* (none) */
	CADRE__W_LEAVE = 3,     /* (none) */
	CADRE__W_SEND = 4,      /* ref to, ref from, u32 type, u32 size, size bytes */
	CADRE__W_LINK = 5,      /* ref to, ref from */
	CADRE__W_UNLINK = 6,    /* ref to, ref from */
	CADRE__W_EXIT = 7,      /* ref to, ref from, reason, u8 linked (0/1) */
	CADRE__W_MONITOR = 8,   /* ref to (target), ref from (watcher), u64 monitor */
	CADRE__W_DEMONITOR = 9, /* ref to (target), ref from (watcher), u64 monitor */
	CADRE__W_DOWN = 10,     /* ref to (watcher), ref actor, u64 monitor, reason */
	CADRE__W_STOP = 11,     /* ref to, ref from */
	CADRE__W_SPAWN = 12, /* u64 req, ref from, u8 link (0/1), behaviour name, u32 size, bytes */
	CADRE__W_WHEREIS = 13, /* u64 req, ref from, lookup name */
	CADRE__W_REPLY = 14,   /* u64 req, ref to, i32 status (<= 0), ref actor */
	CADRE__W_PEERS = 15,   /* u16 n, then n x (name, endpoint, key) */
	CADRE__W_KIND_MAX = 15,
};

/* A string of a frame: points into the frame's bytes, not NUL-terminated. */
struct cadre__wire_str {
	const char *p;
	uint8_t len;
};

/* An exit reason: kind is a cadre_exit_kind (0..6); detail printable. */
struct cadre__wire_reason {
	uint8_t kind;
	int32_t code;
	struct cadre__wire_str detail;
};

/* A decoded frame (or one to encode). The fields a kind does not use are
 * zero after decoding, and ignored by encoding. */
struct cadre__frame {
	uint8_t kind; /* enum cadre__wire_kind */
	cadre_ref to, from, actor;
	uint32_t type, incarnation, session;
	uint64_t id; /* MONITOR, DEMONITOR, DOWN: the monitor; SPAWN, WHEREIS, REPLY: req */
	int32_t status;
	uint8_t linked; /* EXIT: linked; SPAWN: link */
	struct cadre__wire_reason reason;
	/* HELLO: all three; SPAWN: name = the behaviour; WHEREIS: name = the lookup */
	struct cadre__wire_str name, endpoint, key;
	const void *payload; /* SEND, SPAWN: size bytes (decoded: into the frame) */
	uint32_t size;
	/* PEERS: npeers entries, peers_len bytes (iterate: cadre__wire_peer_next) */
	uint16_t npeers;
	const unsigned char *peers;
	size_t peers_len;
};

/* Decodes the frame buf[0..len) into *f (whose strings, payload and peers
 * then point into buf). 0, or CADRE_EINVAL: malformed (a length other than
 * exactly the body's, a kind outside 1..15, flags not 0, a version not 1, a
 * string out of its range or charset, a reason kind over 6, a flag byte not
 * 0/1, a HELLO incarnation of 0, a REPLY status over 0, a PEERS count that
 * is not the number of entries); *f is then unspecified. */
int cadre__wire_decode(const void *buf, size_t len, struct cadre__frame *f);

/* Reads only the header of buf[0..len): 0 with *kind and *version set if
 * len >= CADRE__WIRE_HEADER, else CADRE_EINVAL. For refusing a HELLO of
 * another version (reason CADRE_NODE_R_HANDSHAKE) rather than dropping it
 * as malformed: every version keeps the header's first four bytes. */
int cadre__wire_peek(const void *buf, size_t len, uint8_t *kind, uint16_t *version);

/* Writes f's frame (its kind's fields) into buf if it fits in cap bytes;
 * returns the frame's length (even if more than cap: then buf[0..cap) may
 * have been written, and the caller retries with more room), or 0 when f
 * cannot be encoded (a field cadre__wire_decode would refuse; a payload
 * NULL with size > 0). Decoding what it wrote gives back f's fields. */
size_t cadre__wire_encode(const struct cadre__frame *f, void *buf, size_t cap);

/* Takes the next PEERS entry from *p (*left bytes), advancing both: 1 with
 * the entry's strings (pointing into *p's bytes), 0 at the end (*left 0),
 * CADRE_EINVAL if the bytes are not a valid entry. */
int cadre__wire_peer_next(const unsigned char **p, size_t *left, struct cadre__wire_str *name,
                          struct cadre__wire_str *endpoint, struct cadre__wire_str *key);

/* Writes a PEERS frame of n entries (names[i], endpoints[i], keys[i]: C
 * strings; keys NULL or keys[i] NULL or "" for no key) into buf, as
 * cadre__wire_encode does: returns its length (even if more than cap), or
 * 0 if n > 65535, a string is NULL or an entry is not valid. */
size_t cadre__wire_peers_encode(void *buf, size_t cap, size_t n, const char *const *names,
                                const char *const *endpoints, const char *const *keys);

/* The kind's name ("HELLO", ..., "PEERS"), or "?" for another byte. */
const char *cadre__wire_kind_name(uint8_t kind);

#endif /* CADRE__WIRE_H */
