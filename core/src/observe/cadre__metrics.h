/* Cadre internal: the Prometheus endpoint (observe/metrics.c,
 * cadre_config.metrics_address): the counters as text over HTTP, served
 * by actors through io/. */
#ifndef CADRE__METRICS_H
#define CADRE__METRICS_H

#include "cadre__observe.h"

/* The exposition (text format 0.0.4) of sys's counters, appended to t.
 * 0, or CADRE_ENOMEM (t->oom). */
int cadre__metrics_text(struct cadre_system *sys, struct cadre__text *t);

/* The endpoint: listens at addr (cadre_tcp_listen's "host:port") before
 * cadre_system_new returns (CADRE_EINVAL: empty or over 255 bytes; else
 * cadre_tcp_listen's error: CADRE_EADDR, CADRE_EADDRINUSE, CADRE_ESYS,
 * CADRE_ENOMEM), in sys->metrics. */
int cadre__metrics_start(struct cadre_system *sys, const char *addr);

#endif /* CADRE__METRICS_H */
