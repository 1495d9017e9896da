/* Cadre internal: the name registry (registry/): names to refs, lock-free,
 * records added and never freed while the system lives (registry.c).
 * Uses: system/ and what is below it. */
#ifndef CADRE__REGISTRY_H
#define CADRE__REGISTRY_H

#include "cadre__system.h"

struct cadre__registry;
int cadre__registry_new(struct cadre_system *sys);
void cadre__registry_free(struct cadre_system *sys);
/* Calls fn for every registered name with its ref word (index << 32 |
 * gen), its actor alive or not (cadre/stats.h matches live actors). */
void cadre__registry_each(struct cadre_system *sys,
                          void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx);

#endif /* CADRE__REGISTRY_H */
