/* PLACEHOLDER (branch dist only, replaced by the engine): a node cannot
 * start yet. */
#include "cadre__dist.h"
#include "cadre__system.h"

int
cadre__dist_start(struct cadre_system *sys, const cadre_node_config *cfg)
{
	(void)sys;
	(void)cfg;
	return CADRE_ESTATE;
}

void
cadre__dist_stop(struct cadre_system *sys)
{
	(void)sys;
}

void
cadre__dist_free(struct cadre_system *sys)
{
	(void)sys;
}
