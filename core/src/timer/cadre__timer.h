/* Cadre internal: timers (timer/): one service thread per system owns a
 * hierarchical timing wheel (wheel.c, cadre__wheel.h) and sends each timer's
 * message when it is due (timer.c).
 * Uses: send/ and what is below it. */
#ifndef CADRE__TIMER_H
#define CADRE__TIMER_H

#include "cadre__send.h"

struct cadre__timers;
int cadre__timers_start(struct cadre_system *sys);
void cadre__timers_stop(struct cadre_system *sys);
void cadre__timers_free(struct cadre_system *sys);
/* A timer due within the next tick, or firing (cadre_system_await_quiescent). */
bool cadre__timers_due(struct cadre_system *sys);

#endif /* CADRE__TIMER_H */
