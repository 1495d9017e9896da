/* Messages (msg/cadre__msg.h): the view receive gets, and the free. */
#include "cadre__msg.h"

/* ---- messages -------------------------------------------------------------- */
void
cadre__msg_view(const struct cadre__msg *m, cadre_msg *view)
{
	view->type = m->type;
	view->size = m->size;
	view->data = m->size != 0 ? m->data : NULL;
	view->sender = m->sender;
}

void
cadre__msg_free(struct cadre__msg *m)
{
	if (m->kind == CADRE__MSG_MOVED && m->dtor != NULL)
		m->dtor(m->data, m->size);
	cadre__msg_release(m);
}
