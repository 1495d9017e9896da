/* Cadre: mail bundles (cadre_mail in cadre/links.h): a dead actor's
 * leftover mail, handed to its parent in the EXIT signal. */
#include "cadre__signal.h"

/* ---- mail bundles ------------------------------------------------------------ */
void
cadre__mail_drop(struct cadre_system *sys, struct cadre__worker *w, struct cadre_mail *mail)
{
	if (mail == NULL)
		return;
	cadre_mb_node *n = mail->first;
	for (uint32_t i = 0; i < mail->count; i++) {
		cadre_mb_node *next = n->next;
		cadre__dead_letter(sys, w, mail->from, (struct cadre__msg *)n, CADRE_ENOACTOR);
		n = next;
	}
	cadre__free(mail, sizeof *mail);
}

int
cadre_mail_drop(cadre_system *sys, cadre_mail *mail)
{
	if (sys == NULL || mail == NULL)
		return CADRE_EINVAL;
	if (mail->from.sys != sys->table.id)
		return CADRE_EINVAL; /* another system's messages: its counters, not ours */
	cadre__mail_drop(sys, cadre__my_worker(sys), mail);
	return 0;
}

size_t
cadre_mail_count(const cadre_mail *mail)
{
	return mail == NULL ? 0 : mail->count;
}

cadre_mail *
cadre_mail_claim(cadre_actor *self, const cadre_exit_msg *msg)
{
	if (self == NULL || msg == NULL || cadre__running(self) == NULL)
		return NULL;
	struct cadre__worker *w = cadre__tls_worker;
	if (msg->mail == NULL || w->pending_mail != msg->mail)
		return NULL;
	w->pending_mail = NULL;
	return msg->mail;
}
