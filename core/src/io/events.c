/* Cadre: the events of signals and files, as CADRE_MSG_IO messages.
 *
 * An event travels in one block, the engine's struct cadre__iomsg (so
 * cadre_io_event_read reads it as any I/O event), with a file read's bytes
 * after it. The block is handed over with cadre__send_move_io (nothing is
 * copied); the message's destructor frees it once the message is handled
 * or dead. */
#include <string.h>

#include "cadre__ioaux.h"

struct cadre__iomsg *
cadre__ioaux_msg_new(struct cadre_system *sys, size_t extra)
{
	struct cadre__iomsg *m = cadre__alloc(sizeof *m + extra);
	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof *m);
	m->io = sys->io;
	m->what = CADRE__IOM_PLAIN;
	m->ev.fd = -1;
	return m;
}

void
cadre__ioaux_msg_free(struct cadre__iomsg *m, size_t extra)
{
	if (m != NULL)
		cadre__free(m, sizeof *m + extra);
}

/* The message's size is the block's: the destructor frees what was made. */
static void
msg_dtor(void *data, size_t size)
{
	cadre__free(data, size);
}

void
cadre__ioaux_deliver(struct cadre_system *sys, cadre_ref to, struct cadre__iomsg *m, size_t extra)
{
	/* force: admitted beyond a bounded mailbox's capacity, so never
	 * CADRE_EFULL. CADRE_ENOACTOR / CADRE_ECLOSED: a counted dead letter,
	 * the destructor ran. */
	int rc = cadre__send_move_io(sys, to, CADRE_MSG_IO, m, sizeof *m + extra, msg_dtor, true);
	if (rc == CADRE_ENOMEM || rc == CADRE_EFULL)
		cadre__ioaux_msg_free(m, extra); /* out of memory: the event is lost */
}
