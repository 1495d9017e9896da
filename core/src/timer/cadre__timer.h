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
/* The deterministic mode (no service thread; runtime/sim.c drives): one
 * turn of the service at the system's clock (arms taken into the wheel,
 * what is due fired); returns the count of timers fired. timers_next: the
 * next deadline (ns on the system's clock) of an armed timer; false if none. */
unsigned cadre__timers_turn(struct cadre_system *sys);
bool cadre__timers_next(struct cadre_system *sys, uint64_t *ns);

#endif /* CADRE__TIMER_H */
