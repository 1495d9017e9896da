/* Cadre internal: the trace's export (system/trace_json.c), used by
 * trace.c. */
#ifndef CADRE__TRACEFMT_H
#define CADRE__TRACEFMT_H

#include "cadre__system.h"

/* Writes rings[0 .. n) (the workers', then the shared one last) to fd as
 * a Chrome JSON trace, stamps mapped to ns with clock. Async-signal-safe:
 * write(2) only, no allocation. 0, CADRE_EBADF or CADRE_ESYS. */
int cadre__trace_json(struct cadre_system *sys, int fd, const struct cadre__trace_ref *clock,
                      const struct cadre__tring *rings, unsigned n);

#endif /* CADRE__TRACEFMT_H */
