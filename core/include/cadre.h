/* Cadre: the public API, one header.
 *
 * Conventions: `cadre_` is public, `cadre__` internal. Functions that can
 * fail return 0 or a negative CADRE_E* code (cadre/error.h). */
#ifndef CADRE_H
#define CADRE_H

#include <cadre/error.h>
#include <cadre/export.h>
#include <cadre/actor.h>
#include <cadre/behave.h>
#include <cadre/links.h>
#include <cadre/mailbox.h>
#include <cadre/timer.h>
#include <cadre/version.h>

#endif /* CADRE_H */
