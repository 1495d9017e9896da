/* Cadre: distribution's public API (cadre/node.h) and the node table.
 *
 * Design notes.
 *
 * The node table is read-mostly and lives as long as the system: peers are
 * only ever added (by the dist thread), never freed before the system is,
 * so a pointer to one stays valid on any thread. Two views of it:
 *   peers[0 .. npeers): in creation order; a peer is written in full
 *     before npeers counts it (release store; readers load npeers with
 *     acquire). Its name is set once, later, when its first HELLO names it:
 *     written before `named` (release / acquire).
 *   words: node word (incarnation) -> peer, open addressing over
 *     CADRE__DIST_WORDS slots; a slot's peer is stored before its word
 *     (release), readers load the word with acquire. An incarnation that
 *     is replaced (the peer restarted) keeps its slot: the peer's current
 *     incarnation no longer matches, so refs to it are refused (ENODE).
 * The registries (behaviours, serializers, node monitors) change rarely
 * and are read off the message path: one mutex.
 */
#include <string.h>

#include "cadre__node.h"

/* ---- names and keys ----------------------------------------------------------- */
bool
cadre__dist_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > CADRE_NODE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

bool
cadre__dist_key_ok(const struct cadre__dist *d, const char *key, size_t len)
{
	if (len != CADRE_NODE_KEY_LEN)
		return false;
	for (size_t i = 0; i < d->naccept; i++)
		if (memcmp(d->accept[i], key, len) == 0)
			return true;
	return false;
}

/* ---- the node table ------------------------------------------------------------ */
static uint32_t
word_slot(uint32_t word)
{
	return (word * 2654435761u) & (CADRE__DIST_WORDS - 1);
}

struct cadre__dpeer *
cadre__dist_peer_by_word(struct cadre__dist *d, uint32_t word)
{
	if (word == 0)
		return NULL;
	for (uint32_t i = 0, s = word_slot(word); i < CADRE__DIST_WORDS;
	     i++, s = (s + 1) & (CADRE__DIST_WORDS - 1)) {
		/* Acquire: pairs with the release store in cadre__dist_word_add,
		 * after the slot's peer was stored. */
		uint32_t w = cadre__load_acq_u32(&d->words[s]);
		if (w == word)
			return d->word_peer[s];
		if (w == 0)
			return NULL;
	}
	return NULL;
}

int
cadre__dist_word_add(struct cadre__dist *d, uint32_t word, struct cadre__dpeer *p)
{
	for (uint32_t i = 0, s = word_slot(word); i < CADRE__DIST_WORDS;
	     i++, s = (s + 1) & (CADRE__DIST_WORDS - 1)) {
		uint32_t w = d->words[s]; /* the dist thread is the only writer */
		if (w == word) {
			d->word_peer[s] = p; /* the same incarnation: always the same peer */
			return 0;
		}
		if (w == 0) {
			d->word_peer[s] = p;
			/* Release: the peer pointer above before the word; pairs
			 * with the acquire load in cadre__dist_peer_by_word. */
			cadre__store_rel_u32(&d->words[s], word);
			return 0;
		}
	}
	return CADRE_ELIMIT;
}

static uint32_t
npeers(struct cadre__dist *d)
{
	/* Acquire: pairs with the release store in cadre__dist_peer_new. */
	return cadre__load_acq_u32(&d->npeers);
}

static bool
peer_named(struct cadre__dpeer *p)
{
	/* Acquire: pairs with the release store of `named` (peer.c), after
	 * the name was written. */
	return cadre__load_acq_u32(&p->named) != 0;
}

struct cadre__dpeer *
cadre__dist_peer_by_name(struct cadre__dist *d, const char *name, size_t len)
{
	uint32_t n = npeers(d);
	for (uint32_t i = 0; i < n; i++) {
		struct cadre__dpeer *p = d->peers[i];
		if (peer_named(p) && strlen(p->name) == len && memcmp(p->name, name, len) == 0)
			return p;
	}
	return NULL;
}

struct cadre__dpeer *
cadre__dist_peer_by_endpoint(struct cadre__dist *d, const char *ep, size_t len)
{
	uint32_t n = npeers(d);
	for (uint32_t i = 0; i < n; i++) {
		struct cadre__dpeer *p = d->peers[i];
		if (strlen(p->endpoint) == len && memcmp(p->endpoint, ep, len) == 0)
			return p;
	}
	return NULL;
}

struct cadre__dpeer *
cadre__dist_peer_new(struct cadre__dist *d, const char *ep, size_t eplen, const char *key,
                     size_t keylen)
{
	uint32_t n = d->npeers; /* the dist thread is the only writer */
	if (n >= CADRE__DIST_PEERS || eplen >= sizeof d->peers[0]->endpoint ||
	    keylen > CADRE_NODE_KEY_LEN)
		return NULL;
	struct cadre__dpeer *p = cadre__alloc_aligned(sizeof *p, CADRE__CACHELINE);
	if (p == NULL)
		return NULL;
	memset(p, 0, sizeof *p);
	memcpy(p->endpoint, ep, eplen);
	memcpy(p->key, key, keylen);
	cadre__mb_init(&p->q, 0);
	p->index = n;
	p->state = CADRE__P_CONNECTING;
	d->peers[n] = p;
	/* Release: the peer in full before it is counted; pairs with the
	 * acquire load in npeers(). */
	cadre__store_rel_u32(&d->npeers, n + 1);
	return p;
}

/* ---- registries ------------------------------------------------------------------ */
const cadre_behaviour *
cadre__dist_beh(struct cadre__dist *d, const char *name, size_t len)
{
	const cadre_behaviour *beh = NULL;
	pthread_mutex_lock(&d->mu);
	for (uint32_t i = 0; i < d->nbehs && beh == NULL; i++)
		if (strlen(d->behs[i]->name) == len && memcmp(d->behs[i]->name, name, len) == 0)
			beh = d->behs[i]->beh;
	pthread_mutex_unlock(&d->mu);
	return beh;
}

static int
not_node(cadre_system *sys, struct cadre__dist **d)
{
	if (sys == NULL)
		return CADRE_EINVAL;
	*d = cadre__dist_of(sys);
	return *d == NULL ? CADRE_ESTATE : 0;
}

int
cadre_node_behaviour(cadre_system *sys, const char *name, const cadre_behaviour *beh)
{
	struct cadre__dist *d;
	if (sys == NULL || name == NULL || beh == NULL || beh->receive == NULL ||
	    !cadre__dist_name_ok(name, strnlen(name, CADRE_NODE_NAME_MAX + 1)))
		return CADRE_EINVAL;
	int rc = not_node(sys, &d);
	if (rc != 0)
		return rc;
	size_t len = strlen(name);
	if (cadre__dist_beh(d, name, len) != NULL)
		return CADRE_EEXIST;
	struct cadre__dbeh *b = cadre__alloc_zero(sizeof *b);
	if (b == NULL)
		return CADRE_ENOMEM;
	memcpy(b->name, name, len);
	b->beh = beh;
	pthread_mutex_lock(&d->mu);
	rc = 0;
	for (uint32_t i = 0; i < d->nbehs; i++)
		if (strcmp(d->behs[i]->name, name) == 0)
			rc = CADRE_EEXIST; /* a race with another registration */
	if (rc == 0 && !cadre__grow((void **)&d->behs, d->nbehs, &d->capbehs, sizeof *d->behs))
		rc = CADRE_ENOMEM;
	if (rc == 0)
		d->behs[d->nbehs++] = b;
	pthread_mutex_unlock(&d->mu);
	if (rc != 0)
		cadre__free(b, sizeof *b);
	return rc;
}

int
cadre_node_serializer(cadre_system *sys, uint32_t type, cadre_serialize_fn ser, void *ctx)
{
	struct cadre__dist *d;
	if (sys == NULL || ser == NULL || cadre__type_reserved(type))
		return CADRE_EINVAL;
	int rc = not_node(sys, &d);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&d->mu);
	uint32_t i = 0;
	while (i < d->nsers && d->sers[i].type != type)
		i++;
	if (i == d->nsers &&
	    !cadre__grow((void **)&d->sers, d->nsers, &d->capsers, sizeof *d->sers)) {
		rc = CADRE_ENOMEM;
	} else {
		d->sers[i] = (struct cadre__dser){type, ser, ctx};
		if (i == d->nsers)
			d->nsers++;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

bool
cadre__dist_serializer(struct cadre__dist *d, uint32_t type, struct cadre__dser *out)
{
	bool found = false;
	pthread_mutex_lock(&d->mu);
	for (uint32_t i = 0; i < d->nsers && !found; i++)
		if (d->sers[i].type == type) {
			*out = d->sers[i];
			found = true;
		}
	pthread_mutex_unlock(&d->mu);
	return found;
}

int
cadre_node_monitor(cadre_actor *self, bool on)
{
	struct cadre__dist *d;
	cadre_ref me;
	int rc = cadre__dist_self(self, &d, &me);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&d->mu);
	uint32_t i = 0;
	while (i < d->nsubs && !cadre_ref_is_equal(d->subs[i], me))
		i++;
	if (!on && i < d->nsubs)
		d->subs[i] = d->subs[--d->nsubs];
	else if (on && i == d->nsubs) {
		if (cadre__grow((void **)&d->subs, d->nsubs, &d->capsubs, sizeof *d->subs))
			d->subs[d->nsubs++] = me;
		else
			rc = CADRE_ENOMEM;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

void
cadre__dist_event(struct cadre__dist *d, cadre_node_event_kind kind, cadre_node_reason why,
                  uint32_t incarnation, const char *name, size_t len)
{
	cadre_node_event ev = {kind, why, incarnation, {0}};
	if (len > CADRE_NODE_NAME_MAX)
		len = CADRE_NODE_NAME_MAX;
	memcpy(ev.name, name, len);
	/* The sends run without the lock (a dead-letter hook may call back
	 * into this API): on a copy of the list. */
	pthread_mutex_lock(&d->mu);
	uint32_t n = d->nsubs;
	cadre_ref *subs = n != 0 ? cadre__alloc(n * sizeof *subs) : NULL;
	if (subs != NULL)
		memcpy(subs, d->subs, n * sizeof *subs);
	pthread_mutex_unlock(&d->mu);
	for (uint32_t i = 0; subs != NULL && i < n; i++) {
		int rc = cadre__send_copy(d->sys, subs[i], CADRE_MSG_NODE, &ev, sizeof ev, false);
		if (rc != CADRE_ENOACTOR)
			continue;
		pthread_mutex_lock(&d->mu); /* it stopped: off (its ref is never reused) */
		for (uint32_t j = 0; j < d->nsubs; j++)
			if (cadre_ref_is_equal(d->subs[j], subs[i])) {
				d->subs[j] = d->subs[--d->nsubs];
				break;
			}
		pthread_mutex_unlock(&d->mu);
	}
	if (subs != NULL)
		cadre__free(subs, n * sizeof *subs);
}

/* ---- reading what node monitors and requesters receive -------------------------- */
int
cadre_node_event_read(const cadre_msg *m, cadre_node_event *ev)
{
	if (m == NULL || ev == NULL || m->type != CADRE_MSG_NODE || m->size != sizeof *ev ||
	    m->data == NULL)
		return CADRE_EINVAL;
	memcpy(ev, m->data, sizeof *ev);
	return 0;
}

int
cadre_node_reply_read(const cadre_msg *m, cadre_node_reply *r)
{
	if (m == NULL || r == NULL || m->type != CADRE_MSG_NODE_REPLY || m->size != sizeof *r ||
	    m->data == NULL)
		return CADRE_EINVAL;
	memcpy(r, m->data, sizeof *r);
	return 0;
}

/* ---- the node ---------------------------------------------------------------------- */
static bool
printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return len > 0;
}

int
cadre_node_connect(cadre_system *sys, const char *endpoint, const char *server_key)
{
	struct cadre__dist *d;
	if (sys == NULL || endpoint == NULL)
		return CADRE_EINVAL;
	int rc = not_node(sys, &d);
	if (rc != 0)
		return rc;
	if ((server_key != NULL) == d->insecure)
		return CADRE_EINVAL;
	if (server_key != NULL && strnlen(server_key, CADRE_NODE_KEY_LEN + 1) != CADRE_NODE_KEY_LEN)
		return CADRE_EINVAL;
	size_t len = strnlen(endpoint, 256);
	if (len >= 256 || !printable(endpoint, len) ||
	    (strncmp(endpoint, "tcp://", 6) != 0 && strncmp(endpoint, "ipc://", 6) != 0) ||
	    len <= 6)
		return CADRE_EADDR;
	/* Acquire: pairs with shutdown's seq_cst exchange of closing. */
	if (cadre__load_acq_u32(&sys->closing) || cadre__load_sc_u32(&d->stopping))
		return CADRE_ECLOSED;
	struct cadre__dcmd *c = cadre__alloc_zero(sizeof *c);
	if (c == NULL)
		return CADRE_ENOMEM;
	memcpy(c->endpoint, endpoint, len);
	if (server_key != NULL)
		memcpy(c->key, server_key, CADRE_NODE_KEY_LEN);
	pthread_mutex_lock(&d->mu);
	c->next = d->cmds;
	d->cmds = c;
	pthread_mutex_unlock(&d->mu);
	cadre__dist_wake(d);
	return 0;
}

int
cadre_node_self(cadre_system *sys, char *name, size_t size, uint32_t *incarnation)
{
	struct cadre__dist *d;
	if (sys == NULL || name == NULL || incarnation == NULL)
		return CADRE_EINVAL;
	int rc = not_node(sys, &d);
	if (rc != 0)
		return rc;
	size_t len = strlen(d->name);
	if (size <= len)
		return CADRE_EINVAL;
	memcpy(name, d->name, len + 1);
	*incarnation = d->incarnation;
	return 0;
}

int
cadre_node_of(cadre_system *sys, cadre_ref ref, char *name, size_t size)
{
	if (sys == NULL || name == NULL || size == 0)
		return CADRE_EINVAL;
	struct cadre__dist *d = cadre__dist_of(sys);
	uint32_t word = ref.node;
	if (word == 0 || (d != NULL && word == d->incarnation)) {
		name[0] = '\0'; /* one of ours (or a system that is not a node) */
		return 0;
	}
	struct cadre__dpeer *p = d != NULL ? cadre__dist_peer_by_word(d, word) : NULL;
	if (p == NULL || !peer_named(p))
		return CADRE_ENODE;
	size_t len = strlen(p->name);
	if (size <= len)
		return CADRE_EINVAL;
	memcpy(name, p->name, len + 1);
	return 0;
}

int
cadre_node_list(cadre_system *sys, char (*names)[CADRE_NODE_NAME_MAX + 1], size_t max)
{
	struct cadre__dist *d;
	if (sys == NULL || (names == NULL && max > 0))
		return CADRE_EINVAL;
	int rc = not_node(sys, &d);
	if (rc != 0)
		return rc;
	uint32_t n = npeers(d);
	int up = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct cadre__dpeer *p = d->peers[i];
		/* Acquire: pairs with the dist thread's release store of state. */
		if (cadre__load_acq_u32(&p->state) != CADRE__P_UP || !peer_named(p))
			continue;
		if ((size_t)up < max)
			memcpy(names[up], p->name, sizeof names[up]);
		up++;
	}
	return up;
}

int
cadre_node_stats_get(cadre_system *sys, cadre_node_stats *out)
{
	struct cadre__dist *d;
	if (sys == NULL || out == NULL)
		return CADRE_EINVAL;
	int rc = not_node(sys, &d);
	if (rc != 0)
		return rc;
	const uint64_t *src = (const uint64_t *)&d->st;
	uint64_t *dst = (uint64_t *)out;
	for (size_t i = 0; i < sizeof *out / sizeof(uint64_t); i++)
		dst[i] = cadre__load_rlx_u64(&src[i]); /* relaxed: counters */
	return 0;
}
