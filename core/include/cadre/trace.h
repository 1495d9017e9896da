/**
 * @file
 * Cadre: the scheduling trace. A system records what its threads do into
 * ring buffers, one per worker thread and one shared by every other thread
 * (the timer thread, the I/O thread, the program's own threads): each
 * actor run (its worker, its actor, the messages it handled), each message
 * sent and where it was received, spawns and exits with their reasons,
 * workers parking and waking, steals, timer fires and I/O events.
 *
 * Recording is off unless asked for: at start (cadre_config.trace_events)
 * or while running (cadre_trace_start, cadre_trace_stop). Off, it costs a
 * test of a pointer per event site. The rings wrap: they keep the last
 * events of each thread, which cadre_trace_write writes as a Chrome JSON
 * trace (the "trace event format"), which Perfetto's UI (ui.perfetto.dev)
 * and chrome://tracing open: a track per thread, a slice per actor run,
 * an arrow per message from its send to its receive.
 *
 * With cadre_config.trace_dump_path set, a fatal signal (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT) writes the rings to that path before the
 * program dies: the last events before a crash (Go's flight recorder).
 */
#ifndef CADRE_TRACE_H
#define CADRE_TRACE_H

#include <stdbool.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ring size (events per ring) cadre_trace_start takes for 0. */
#define CADRE_TRACE_DEFAULT_EVENTS 65536u

/** The largest ring size accepted (events per ring). */
#define CADRE_TRACE_MAX_EVENTS (1u << 24)

/**
 * Starts recording: every worker gets a fresh ring of events_per_worker
 * events (rounded up to a power of two), and the other threads share one
 * ring of the same size. What an earlier recording kept is replaced (its
 * memory is kept until the system is freed: a thread may still be writing
 * its last event there).
 *
 * @param sys               the system
 * @param events_per_worker events each ring keeps (32 bytes each); 0 =
 *                          CADRE_TRACE_DEFAULT_EVENTS
 * @threads any thread, including callbacks
 * @blocks  no (allocates the rings)
 * @retval 0 recording
 * @retval CADRE_EINVAL sys NULL, or events_per_worker > CADRE_TRACE_MAX_EVENTS
 * @retval CADRE_EBUSY already recording
 * @retval CADRE_ECLOSED the system is shut down or shutting down
 * @retval CADRE_ENOMEM out of memory
 */
CADRE_API int cadre_trace_start(cadre_system *sys, unsigned events_per_worker);

/**
 * Stops recording. The rings keep what they hold, for cadre_trace_write.
 * A thread in the middle of an event may still finish writing it.
 *
 * @param sys the system
 * @threads any thread, including callbacks
 * @blocks  no
 * @retval 0 stopped
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_ESTATE not recording
 */
CADRE_API int cadre_trace_stop(cadre_system *sys);

/**
 * Whether sys is recording a trace.
 *
 * @param sys the system; NULL: false
 * @threads any thread, including callbacks
 * @blocks  no
 */
CADRE_API bool cadre_is_tracing(const cadre_system *sys);

/**
 * Writes what the rings of the latest recording hold (recording or
 * stopped) to the file at path (created or truncated, mode 0644) as a
 * Chrome JSON trace. While threads record, an event being overwritten
 * as it is read is left out. Behaviour names are read when the trace is
 * written: a behaviour must still be alive then (static const behaviours
 * always are).
 *
 * @param sys  the system (recording or not; also after shutdown, until
 *             cadre_system_free)
 * @param path where to write
 * @threads any thread, including callbacks
 * @blocks  yes: writes the file (a callback stalls its worker meanwhile)
 * @retval 0 written
 * @retval CADRE_EINVAL sys or path NULL
 * @retval CADRE_ESTATE nothing was ever recorded (no cadre_trace_start,
 *         no cadre_config.trace_events)
 * @retval CADRE_ESYS the file could not be opened or written (errno says why)
 */
CADRE_API int cadre_trace_write(cadre_system *sys, const char *path);

/**
 * As cadre_trace_write, to an open file descriptor (not closed). Only
 * async-signal-safe calls: a program may call it from its own signal
 * handler (SIGUSR1, say) to dump the trace on demand.
 *
 * @param sys the system
 * @param fd  a file descriptor open for writing
 * @threads any thread, including callbacks and signal handlers
 * @blocks  yes: writes to fd
 * @retval 0 written
 * @retval CADRE_EINVAL sys NULL
 * @retval CADRE_EBADF fd negative or not open for writing
 * @retval CADRE_ESTATE nothing was ever recorded
 * @retval CADRE_ESYS a write failed (errno says why)
 */
CADRE_API int cadre_trace_write_fd(cadre_system *sys, int fd);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_TRACE_H */
