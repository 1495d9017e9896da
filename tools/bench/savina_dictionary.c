/* cadre-bench: Savina's dictionary, written as plain actors through the public
 * API like every workload here. It verifies its own result exactly and
 * knows how many messages it implies. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_progress.h"

/* Message types (dictionary). */
enum {
	M_DONE = M_FIRST,
	M_WRITE,
	M_READ,
	M_VALUE,
	M_DUMP,
	M_DUMPED,
};

/* ---- dictionary --------------------------------------------------------------------------------
 * Savina's concurrent dictionary: W workers each make M requests to one
 * dictionary actor (an open-addressing hash table), a write with the given
 * percentage, else a read, and wait for each answer. Writes go to the
 * worker's own K keys (so the final contents do not depend on timing);
 * reads go anywhere, and a read of an own key must return the last value
 * this worker wrote. Then the master has the dictionary copy its contents
 * out (M_DUMP), and checks them against main's sequential replay.
 * Messages: 2WM + W + 2. */
#define DICT_KEYS 1024 /* per worker */

struct dict_kv {
	uint64_t key, value; /* value 0: absent */
};

struct dict_dict {
	cadre_actor base;
	struct dict_kv *slot;
	uint64_t mask, count;
};

static uint64_t
dict_find(const struct dict_dict *d, uint64_t key)
{
	uint64_t i = splitmix64(key) & d->mask;

	while (d->slot[i].value != 0 && d->slot[i].key != key)
		i = (i + 1) & d->mask;
	return i;
}

static int
dict_start(cadre_actor *self, void *arg)
{
	struct dict_dict *d = (struct dict_dict *)self;
	uint64_t cap = 16;

	(void)arg;
	while (cap < 2 * g_run.sz.dictionary_w * DICT_KEYS)
		cap *= 2;
	d->mask = cap - 1;
	d->slot = calloc(cap, sizeof *d->slot);
	return d->slot == NULL ? CADRE_ENOMEM : 0;
}

static int
dict_receive(cadre_actor *self, const cadre_msg *m)
{
	struct dict_dict *d = (struct dict_dict *)self;
	cadre_system *sys = cadre_actor_system(self);
	struct dict_kv kv;

	if ((m->type == M_WRITE || m->type == M_READ) && m->size == sizeof kv) {
		memcpy(&kv, m->data, sizeof kv);
		uint64_t i = dict_find(d, kv.key);
		if (m->type == M_WRITE) {
			if (kv.value == 0)
				return BAD("dictionary: write of value 0");
			if (d->slot[i].value == 0)
				d->count++;
			d->slot[i] = kv;
		} else {
			kv.value = d->slot[i].value;
		}
		return cadre_send(sys, m->sender, M_VALUE, &kv, sizeof kv);
	}
	if (m->type != M_DUMP)
		return BAD("dictionary: unexpected message type %" PRIu32, m->type);
	struct dict_kv *out = g_run.data;
	uint64_t k = 0;
	for (uint64_t i = 0; i <= d->mask; i++)
		if (d->slot[i].value != 0)
			out[k++] = d->slot[i];
	int rc = send_u64(sys, m->sender, M_DUMPED, k);
	return rc != 0 ? rc : cadre_stop(self);
}

static void
dict_stop(cadre_actor *self, const cadre_exit *why)
{
	struct dict_dict *d = (struct dict_dict *)self;

	free(d->slot);
	on_stop(self, why);
}

static const cadre_behaviour dict_beh = {.size = sizeof(struct dict_dict),
                                         .start = dict_start,
                                         .receive = dict_receive,
                                         .stop = dict_stop,
                                         .name = "dictionary"};

/* The i-th request of worker w: a write of (key, value), or a read of key. */
static bool
dict_op(uint64_t *rng, uint64_t w, uint64_t i, uint64_t workers, struct dict_kv *kv)
{
	uint64_t r = rng_next(rng);

	if (r % 100 < g_run.sz.dictionary_write) {
		kv->key = w * DICT_KEYS + (r >> 8) % DICT_KEYS;
		kv->value = ((w + 1) << 40) | (i + 1);
		return true;
	}
	kv->key = (r >> 8) % (workers * DICT_KEYS);
	kv->value = 0;
	return false;
}

struct dict_worker {
	cadre_actor base;
	cadre_ref dict, master;
	uint64_t index, i, n, rng;
	uint64_t last[DICT_KEYS]; /* the last value written to each own key */
};

static int
dict_worker_next(struct dict_worker *w)
{
	cadre_system *sys = cadre_actor_system(&w->base);
	struct dict_kv kv;

	if (w->i == w->n) {
		int rc = cadre_send(sys, w->master, M_DONE, NULL, 0);
		return rc != 0 ? rc : cadre_stop(&w->base);
	}
	bool write = dict_op(&w->rng, w->index, w->i, g_run.sz.dictionary_w, &kv);
	if (write)
		w->last[kv.key % DICT_KEYS] = kv.value;
	w->i++;
	return cadre_send(sys, w->dict, write ? M_WRITE : M_READ, &kv, sizeof kv);
}

static int
dict_worker_start(cadre_actor *self, void *arg)
{
	struct dict_worker *w = (struct dict_worker *)self;

	w->index = (uint64_t)(uintptr_t)arg;
	w->n = g_run.sz.dictionary_m;
	w->rng = splitmix64(w->index + 0xd1c7);
	w->master = g_run.first;
	w->dict = g_run.second;
	return dict_worker_next(w);
}

static int
dict_worker_receive(cadre_actor *self, const cadre_msg *m)
{
	struct dict_worker *w = (struct dict_worker *)self;
	struct dict_kv kv;

	if (m->type != M_VALUE || m->size != sizeof kv)
		return BAD("dictionary worker: unexpected message type %" PRIu32, m->type);
	memcpy(&kv, m->data, sizeof kv);
	if (kv.key / DICT_KEYS == w->index && kv.value != w->last[kv.key % DICT_KEYS])
		return BAD("dictionary: worker %" PRIu64 " read %" PRIx64 " at key %" PRIu64
		           ", wrote %" PRIx64,
		           w->index, kv.value, kv.key, w->last[kv.key % DICT_KEYS]);
	return dict_worker_next(w);
}

static const cadre_behaviour dict_worker_beh = {.size = sizeof(struct dict_worker),
                                                .start = dict_worker_start,
                                                .receive = dict_worker_receive,
                                                .stop = on_stop,
                                                .name = "dictionary_worker"};

struct dict_master {
	cadre_actor base;
	cadre_ref dict;
	uint64_t workers, dones;
};

static int
dict_master_start(cadre_actor *self, void *arg)
{
	struct dict_master *ms = (struct dict_master *)self;
	cadre_system *sys = cadre_actor_system(self);

	(void)arg;
	ms->workers = g_run.sz.dictionary_w;
	int rc = cadre_spawn(sys, &dict_beh, NULL, NULL, &ms->dict);
	if (rc != 0)
		return rc;
	g_run.first = cadre_self(self);
	g_run.second = ms->dict;
	for (uint64_t i = 0; i < ms->workers; i++) {
		cadre_ref r;
		rc = cadre_spawn(sys, &dict_worker_beh, NULL, (void *)(uintptr_t)i, &r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
dict_master_receive(cadre_actor *self, const cadre_msg *m)
{
	struct dict_master *ms = (struct dict_master *)self;
	uint64_t n = 0;

	if (m->type == M_DONE)
		return ++ms->dones < ms->workers
		               ? 0
		               : cadre_send(cadre_actor_system(self), ms->dict, M_DUMP, NULL, 0);
	if (m->type != M_DUMPED || !get_u64(m, &n) || ms->dones != ms->workers)
		return BAD("dictionary master: unexpected message type %" PRIu32, m->type);
	const struct dict_kv *got = g_run.data;
	const uint64_t *want = g_run.expect_vals;
	uint64_t keys = ms->workers * DICT_KEYS, present = 0;
	for (uint64_t k = 0; k < keys; k++)
		present += want[k] != 0;
	g_run.result = n;
	if (n != present)
		return BAD("dictionary: %" PRIu64 " entries, expected %" PRIu64, n, present);
	for (uint64_t i = 0; i < n; i++)
		if (got[i].key >= keys || want[got[i].key] != got[i].value)
			return BAD(
			        "dictionary: key %" PRIu64 " holds %" PRIx64 ", expected %" PRIx64,
			        got[i].key, got[i].value, got[i].key < keys ? want[got[i].key] : 0);
	run_done();
	return cadre_stop(self);
}

static const cadre_behaviour dict_master_beh = {.size = sizeof(struct dict_master),
                                                .start = dict_master_start,
                                                .receive = dict_master_receive,
                                                .stop = on_stop,
                                                .name = "dictionary_master"};

/* ---- the workload ---------------------------------------------------------------------------- */

struct dict_ctx {
	struct dict_kv *dump;
	uint64_t *want;
};

static void
dict_prep(void *ctx)
{
	struct dict_ctx *d = ctx;

	g_run.data = d->dump;
	g_run.expect_vals = d->want;
}

bool
wl_dictionary(const struct options *o, struct sample *s)
{
	uint64_t w = o->sz.dictionary_w, m = o->sz.dictionary_m, keys = w * DICT_KEYS;
	struct expect e = {.handled = 2 * w * m + w + 2, .spawned = w + 2};
	struct dict_ctx d = {calloc(keys, sizeof *d.dump), calloc(keys, sizeof *d.want)};
	bool ok = d.dump != NULL && d.want != NULL;

	s->msgs = e.handled;
	s->spawns = w + 2;
	g_run.sz = o->sz; /* dict_op reads the write percentage */
	for (uint64_t k = 0; ok && k < w; k++) {
		uint64_t rng = splitmix64(k + 0xd1c7);
		for (uint64_t i = 0; i < m; i++) {
			struct dict_kv kv;
			if (dict_op(&rng, k, i, w, &kv))
				d.want[kv.key] = kv.value;
		}
	}
	if (!ok)
		note("%s: out of memory", g_bench);
	else
		ok = run_custom(o, &dict_master_beh, dict_prep, NULL, &d, &e, s);
	free(d.dump);
	free(d.want);
	return ok;
}
