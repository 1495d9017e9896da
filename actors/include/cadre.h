/**
 * @file
 * Cadre: the public API, one header. It declares everything libcadre
 * exports: the core (systems, actors, messages, links and monitors, timers,
 * log events, the registry, become and the stash, the mailbox, asynchronous
 * I/O), request/response,
 * supervisors and routers.
 *
 * Conventions (docs/api.md, "Conventions", says them in full): `cadre_` is
 * public, `cadre__` internal. A function that can fail returns 0 or a
 * negative CADRE_E* code (cadre/error.h); one that counts returns the count
 * or a negative code. Booleans only answer questions (cadre_is_...). Every
 * timeout is a cadre_timeout in milliseconds, with CADRE_FOREVER and
 * CADRE_NOWAIT. A NULL required argument is CADRE_EINVAL.
 */
#ifndef CADRE_H
#define CADRE_H

#include <cadre/error.h>
#include <cadre/export.h>
#include <cadre/version.h>
#include <cadre/mailbox.h>
#include <cadre/actor.h>
#include <cadre/links.h>
#include <cadre/log.h>
#include <cadre/behave.h>
#include <cadre/registry.h>
#include <cadre/timer.h>
#include <cadre/sim.h>
#include <cadre/io.h>
#include <cadre/stats.h>
#include <cadre/trace.h>
#include <cadre/node.h>
#include <cadre/ask.h>
#include <cadre/supervisor.h>
#include <cadre/router.h>

#endif /* CADRE_H */
