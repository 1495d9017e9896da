/* Cadre: the public mailbox API, thin checked wrappers over the inline
 * algorithm in cadre__mailbox.h (read its Design notes). */
#include <stdint.h>

#include "cadre__alloc.h"
#include "cadre__mailbox.h"

static int
node_ok(const cadre_mb_node *n)
{
	/* Bit 0 of a node address carries the idle tag. */
	return n != NULL && ((uintptr_t)n & CADRE__MB_IDLE) == 0;
}

int
cadre_mailbox_new(cadre_mailbox **out, uint32_t capacity)
{
	if (out == NULL)
		return CADRE_EINVAL;
	*out = NULL;
	struct cadre_mailbox *mb = cadre__alloc(sizeof *mb);
	if (mb == NULL)
		return CADRE_ENOMEM;
	cadre__mb_init(mb, capacity);
	*out = mb;
	return 0;
}

void
cadre_mailbox_free(cadre_mailbox *mb)
{
	if (mb != NULL)
		cadre__free(mb, sizeof *mb);
}

int
cadre_mailbox_push(cadre_mailbox *mb, cadre_mb_node *node, cadre_lane lane)
{
	if (mb == NULL || !node_ok(node))
		return CADRE_EINVAL;
	switch (lane) {
	case CADRE_LANE_NORMAL:
		return cadre__mb_push_normal(mb, node);
	case CADRE_LANE_SYSTEM:
		return cadre__mb_push_system(mb, node);
	default:
		return CADRE_EINVAL;
	}
}

int
cadre_mailbox_push_chain(cadre_mailbox *mb, cadre_mb_node *first, cadre_mb_node *last,
                         uint32_t count)
{
	if (mb == NULL || !node_ok(first) || !node_ok(last) || count == 0)
		return CADRE_EINVAL;
	int rc = cadre__mb_admit(mb, count);
	if (rc != 0)
		return rc;
	return cadre__mb_link(mb, first, last);
}

cadre_mb_node *
cadre_mailbox_pop(cadre_mailbox *mb, cadre_lane *lane)
{
	if (mb == NULL)
		return NULL;
	return cadre__mb_pop(mb, lane);
}

int
cadre_mailbox_pop_batch(cadre_mailbox *mb, cadre_mb_node **out, int max)
{
	if (mb == NULL || out == NULL || max < 0)
		return CADRE_EINVAL;
	int n = 0;
	while (n < max) {
		cadre_mb_node *m = cadre__mb_pop(mb, NULL);
		if (m == NULL)
			break;
		out[n++] = m;
	}
	return n;
}

int
cadre_mailbox_mark_idle(cadre_mailbox *mb)
{
	if (mb == NULL)
		return CADRE_EINVAL;
	return cadre__mb_mark_idle(mb);
}

uint32_t
cadre_mailbox_count(const cadre_mailbox *mb)
{
	if (mb == NULL || mb->capacity == 0)
		return 0;
	/* Relaxed: a snapshot for the caller's information. */
	return cadre__load_rlx_u32(&mb->count);
}

uint32_t
cadre_mailbox_capacity(const cadre_mailbox *mb)
{
	return mb == NULL ? 0 : mb->capacity;
}
