/* An endpoint's listener (cadre__observe.h): the observe socket and the
 * metrics each start one before cadre_system_new returns. Its start runs
 * on a worker (an actor's listen needs an actor), so the starting thread
 * waits for its result on a futex. */
#include <string.h>

#include <cadre/io.h>

#include "cadre__observe.h"

static int
listener_start(cadre_actor *self, void *arg)
{
	struct cadre__endpoint *ep = arg;
	cadre_tcp_opts opts = {.conn_beh = ep->conn_beh, .read_high_water = 4096};
	cadre_io h;
	int rc = cadre_tcp_listen(self, ep->addr, &opts, &h);
	ep->rc = rc;
	/* Release: rc before done; pairs with the acquire load in
	 * cadre__endpoint_start, which then wakes. */
	cadre__store_rel_u32(&ep->done, 1);
	cadre__futex_wake(&ep->done, 1);
	if (rc != 0)
		(void)cadre_stop(self);
	return 0;
}

static int
listener_receive(cadre_actor *self, const cadre_msg *msg)
{
	(void)self, (void)msg; /* the connections' events go to their actors */
	return 0;
}

int
cadre__endpoint_start(struct cadre_system *sys, struct cadre__endpoint **slot, const char *addr,
                      const cadre_behaviour *conn_beh, const char *name)
{
	size_t len = strlen(addr);
	if (len == 0 || len >= sizeof(*slot)->addr)
		return CADRE_EINVAL;
	struct cadre__endpoint *ep = cadre__alloc_zero(sizeof *ep);
	if (ep == NULL)
		return CADRE_ENOMEM;
	memcpy(ep->addr, addr, len + 1);
	ep->conn_beh = conn_beh;
	ep->listener = (cadre_behaviour){.size = sizeof(cadre_actor),
	                                 .start = listener_start,
	                                 .receive = listener_receive,
	                                 .name = name};
	*slot = ep; /* freed with the system, whatever the listen's result */
	cadre_ref ref;
	int rc = cadre_spawn(sys, &ep->listener, NULL, ep, &ref);
	if (rc != 0)
		return rc;
	/* Acquire: pairs with the listener's release store. */
	while (cadre__load_acq_u32(&ep->done) == 0)
		cadre__futex_wait(&ep->done, 0, 0);
	return ep->rc;
}

void
cadre__endpoint_free(struct cadre__endpoint **slot)
{
	if (*slot != NULL)
		cadre__free(*slot, sizeof **slot);
	*slot = NULL;
}
