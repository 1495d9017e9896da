/* Cadre: the events of signals and files, as CADRE_MSG_IO messages.
 *
 * An event travels in one block: the event, then (a file read) its data.
 * The block is handed over with cadre_send_move (nothing is copied); the
 * message's destructor frees it once the message is handled or dead. */
#include <string.h>

#include "cadre__ioaux.h"

#define EXTRA_AT ((sizeof(struct cadre__ioaux_block) + 15u) & ~(size_t)15u)

struct cadre__ioaux_block *
cadre__ioaux_block_new(size_t extra)
{
	size_t bytes = EXTRA_AT + extra;
	struct cadre__ioaux_block *b = cadre__alloc(bytes);
	if (b == NULL)
		return NULL;
	memset(b, 0, sizeof *b);
	b->bytes = bytes;
	return b;
}

void *
cadre__ioaux_extra(struct cadre__ioaux_block *b)
{
	return b == NULL ? NULL : (char *)b + EXTRA_AT;
}

void
cadre__ioaux_block_free(struct cadre__ioaux_block *b)
{
	if (b != NULL)
		cadre__free(b, b->bytes);
}

static void
block_dtor(void *data, size_t size)
{
	(void)size;
	cadre__ioaux_block_free(data);
}

void
cadre__ioaux_deliver(struct cadre_system *sys, cadre_ref to, struct cadre__ioaux_block *b)
{
	int rc = cadre__send_move_reserved(sys, to, CADRE_MSG_IO, b, b->bytes, block_dtor);
	if (rc == CADRE_ENOMEM || rc == CADRE_EFULL || rc == CADRE_EINVAL)
		cadre__ioaux_block_free(b); /* still ours: TODO counted */
}
