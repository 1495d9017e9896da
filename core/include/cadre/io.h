/**
 * @file
 * Cadre: asynchronous I/O as messages. An actor watches any file
 * descriptor, or opens TCP, Unix-domain and UDP sockets; everything that
 * happens to them reaches it as messages of the one type CADRE_MSG_IO,
 * read with cadre_io_event_read. No call here blocks a worker.
 *
 * Handles. Every call that opens something gives a cadre_io handle, a value
 * (index, generation) like a timer's: a handle that was closed is refused
 * with CADRE_ENOENT, even if its index is in use again. Each handle is owned
 * by one actor, the one that opened it (or the one it was handed to, or
 * the one spawned for an accepted connection). Only the owner may use it
 * (another actor gets CADRE_ENOENT), and when the owner stops, for any
 * reason, Cadre closes its handles; messages still queued for it are dead
 * letters, as always. cadre_system_shutdown closes every handle.
 *
 * Addresses are strings: "1.2.3.4:80", "[::1]:80", "host:80" (a name is
 * resolved on the system's blocking pool, never on a worker: connect only;
 * elsewhere "localhost" (127.0.0.1) and "*" (any address) are the only
 * names),
 * "unix:/path" (stream) and "unixgram:/path" (datagram; "unixgram:" alone:
 * an unnamed socket, for sending). Port 0 picks a free port
 * (cadre_io_local_addr tells which).
 *
 * Backpressure. A stream's reading stops while the bytes delivered to its
 * owner and not yet handled reach read_high_water, or while the owner is
 * overloaded (its bounded mailbox full, or it mutes its senders); it
 * resumes as they are handled, and TCP flow control slows the peer
 * meanwhile. An I/O event is never refused by a full bounded mailbox: it
 * is admitted beyond the capacity (as a timer's message), by at most one
 * event per handle before reading stops. Writes never block: what the
 * kernel does not take at once is queued, up to write_queue_max; beyond it
 * cadre_io_write writes nothing and returns CADRE_EFULL, and a
 * CADRE_IO_WRITABLE event follows once the queue has drained below half.
 *
 * Polling. The environment variable CADRE_IO_POLLER, read when a system is
 * made, says who waits for I/O: unset or "worker" (the default), the
 * system's idle workers, in epoll_wait instead of on their futexes; "thread",
 * one I/O thread per system. "The I/O thread" below means whichever polls.
 */
#ifndef CADRE_IO_H
#define CADRE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cadre/actor.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A handle: a value, copied freely; stale once closed (CADRE_ENOENT). */
typedef struct cadre_io {
	uint32_t index; /**< the slot (0: never a handle) */
	uint32_t gen;   /**< the slot's generation when the handle was made */
} cadre_io;

/** The message type of every I/O event (a reserved type: only Cadre sends it). */
#define CADRE_MSG_IO 0xFFFF0400u

/** Readiness bits of cadre_io_watch and of a READY event's events. */
#define CADRE_IO_IN 0x1u  /**< readable (or a peer hang-up: a read will say) */
#define CADRE_IO_OUT 0x2u /**< writable */
#define CADRE_IO_ERR 0x4u /**< an error or hang-up condition on the fd */

/** What an I/O event says. */
typedef enum cadre_io_kind {
	CADRE_IO_READY = 1,       /**< watch: the fd is ready (ev.events, ev.fd) */
	CADRE_IO_DATA = 2,        /**< stream bytes (ev.data, ev.size) */
	CADRE_IO_DATAGRAM = 3,    /**< one datagram (ev.data, ev.size, ev.addr: its source) */
	CADRE_IO_ACCEPTED = 4,    /**< listener: a new connection ev.conn, owned by the receiver */
	CADRE_IO_CONNECTED = 5,   /**< a connect finished: ev.status 0, or why it failed (the
	                             handle is then gone: no CLOSED follows) */
	CADRE_IO_PEER_CLOSED = 6, /**< the peer half-closed (EOF); the handle is still writable */
	CADRE_IO_CLOSED = 7,      /**< the handle is gone, closed by Cadre: ev.status says why
	                             (cadre_io_close and cadre_io_unwatch send none) */
	CADRE_IO_WRITABLE = 8,    /**< after a CADRE_EFULL write: the queue drained (resume) */
	CADRE_IO_SIGNAL = 9,      /**< signal ev.signo arrived */
	CADRE_IO_FILE = 10,       /**< a file operation finished: ev.id, ev.status, ev.data */
} cadre_io_kind;

/** An I/O event, as cadre_io_event_read fills it. */
typedef struct cadre_io_event {
	cadre_io_kind kind; /**< what happened */
	cadre_io handle;    /**< the handle it is about */
	cadre_io conn;      /**< ACCEPTED: the new connection */
	int status;         /**< 0, or a negative CADRE_E* code */
	int os_error;       /**< the errno behind status, 0 if none */
	uint32_t events;    /**< READY: CADRE_IO_IN | CADRE_IO_OUT | CADRE_IO_ERR */
	int fd;             /**< READY: the watched fd */
	int signo;          /**< SIGNAL: the signal */
	uint64_t id;        /**< FILE: the operation's id */
	const void *data;   /**< DATA, DATAGRAM, FILE: the bytes, valid during receive only */
	size_t size;        /**< ... their count */
	char addr[108];     /**< DATAGRAM: the source; ACCEPTED: the peer ("1.2.3.4:80",
	                       "[::1]:80", "unix:/p"; "" if unknown) */
} cadre_io_event;

/**
 * Reads an I/O event from a message of type CADRE_MSG_IO.
 *
 * @param msg the message, as receive got it
 * @param out receives the event; its data points into the message, valid
 *            until receive returns
 * @threads a receive callback (any thread holding the message)
 * @blocks  no
 * @payload out->data is the message's: copy what you keep
 * @retval 0 read
 * @retval CADRE_EINVAL msg or out NULL, or msg is not an I/O event
 */
CADRE_API int cadre_io_event_read(const cadre_msg *msg, cadre_io_event *out);

/**
 * Watches any file descriptor: one CADRE_IO_READY event each time fd is
 * ready for one of `events` (CADRE_IO_IN, CADRE_IO_OUT), to self. After an
 * event, the watch is re-armed once that message has been handled (or
 * dead-lettered): an fd that stays ready gives one message per receive, not
 * a flood. The fd stays the caller's: Cadre never reads, writes or closes
 * it; cadre_io_unwatch it before closing it. A watched fd found closed when
 * the watch is re-armed ends the watch with CADRE_IO_CLOSED, status
 * CADRE_EBADF. The owner's stop ends its watches (the fds stay open).
 *
 * @param self   the calling actor
 * @param fd     an open file descriptor that epoll can watch (a socket,
 *               pipe, eventfd, terminal; not a regular file)
 * @param events CADRE_IO_IN and/or CADRE_IO_OUT
 * @param out    receives the handle
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 watching
 * @retval CADRE_EINVAL self or out NULL, events empty or with unknown bits,
 *         fd negative, or an fd epoll cannot watch (a regular file)
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_EBADF fd is not an open file descriptor
 * @retval CADRE_EEXIST fd is watched (or used by a socket) in this system already
 * @retval CADRE_ENOMEM out of memory, or the handle table is full
 * @retval CADRE_ESYS the I/O thread or its epoll could not be started
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_io_watch(cadre_actor *self, int fd, uint32_t events, cadre_io *out);

/**
 * Ends a watch. A READY event already sent may still arrive. The fd is not
 * closed.
 *
 * @param self the owner
 * @param h    the watch
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 ended
 * @retval CADRE_EINVAL self NULL, or h is not a watch
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ENOENT h is stale (closed) or not self's
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_io_unwatch(cadre_actor *self, cadre_io h);

/** Options of a TCP or Unix-domain stream socket (zero: the defaults). */
typedef struct cadre_tcp_opts {
	int backlog; /**< listen: the accept queue's length; 0: 1024 */
	/** listen: spawn one actor of this behaviour per accepted connection,
	 * which owns it and gets CADRE_IO_ACCEPTED (its start gets conn_arg);
	 * NULL: the ACCEPTED events go to the listener's owner, which owns the
	 * connections */
	const cadre_behaviour *conn_beh;
	void *conn_arg;           /**< listen: the start argument of conn_beh's actors */
	uint32_t read_high_water; /**< bytes delivered and not yet handled before
	                               reading pauses; 0: 64 KiB */
	uint32_t write_queue_max; /**< bytes queued before CADRE_EFULL; 0: 1 MiB */
	bool no_delay;            /**< TCP_NODELAY (accepted connections inherit it) */
} cadre_tcp_opts;

/**
 * Listens on a stream address ("host:port", "[v6]:port", "unix:/path").
 *
 * Each accepted connection is a new handle, announced by CADRE_IO_ACCEPTED
 * (ev.conn; ev.addr the peer) to an actor spawned from opts->conn_beh, or
 * to self. A Unix socket's path is unlinked when the listener closes.
 *
 * @param self the owner
 * @param addr where to listen (port 0: a free port)
 * @param opts options, may be NULL; the connections inherit them
 * @param out  receives the listener's handle
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 listening
 * @retval CADRE_EINVAL self, addr or out NULL, or a negative backlog
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_EADDR the address does not parse (or names a host)
 * @retval CADRE_EADDRINUSE the address is in use
 * @retval CADRE_ENOMEM out of memory, or the handle table is full
 * @retval CADRE_ESYS a socket call failed otherwise, or the I/O thread could not start
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_tcp_listen(cadre_actor *self, const char *addr, const cadre_tcp_opts *opts,
                               cadre_io *out);

/**
 * Connects to a stream address, asynchronously: CADRE_IO_CONNECTED follows,
 * with ev.status 0 (connected) or why not (then the handle is gone). A host
 * name is resolved on the system's blocking pool, never on a worker. Writes
 * made before CONNECTED are queued.
 *
 * @param self the owner
 * @param addr where to connect
 * @param opts options, may be NULL (backlog and conn_beh are ignored)
 * @param out  receives the connection's handle
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 connecting
 * @retval CADRE_EINVAL self, addr or out NULL
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_EADDR the address does not parse
 * @retval CADRE_ENOMEM out of memory, or the handle table is full
 * @retval CADRE_ESYS a socket call failed, or the I/O thread could not start
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_tcp_connect(cadre_actor *self, const char *addr, const cadre_tcp_opts *opts,
                                cadre_io *out);

/**
 * Writes size bytes to a stream, without blocking: what the kernel does not
 * take at once is queued and sent by the I/O thread, in order. The queue
 * takes a write when it is empty, or when the write fits under
 * write_queue_max; otherwise nothing is written, CADRE_EFULL is returned,
 * and a CADRE_IO_WRITABLE event follows once the queue has drained below
 * half of it.
 *
 * @param self the owner
 * @param h    a connected (or connecting) stream
 * @param data the bytes
 * @param size their count (0: nothing to do)
 * @threads self's callbacks
 * @blocks  no
 * @payload copied (or written) before the call returns
 * @retval 0 written or queued
 * @retval CADRE_EINVAL self NULL, data NULL with size > 0, or h is not a stream
 * @retval CADRE_ESTATE self is not running on this thread, the system is
 *         deterministic (cadre/sim.h), or h was shut
 *         down for writing
 * @retval CADRE_ENOENT h is stale (closed) or not self's
 * @retval CADRE_EFULL the write queue is full: nothing was written
 * @retval CADRE_ECONNRESET the peer reset the connection (CLOSED follows)
 * @retval CADRE_ENOMEM out of memory: the connection is closed (CLOSED follows)
 * @retval CADRE_ESYS the send failed otherwise (the I/O thread ends the
 *         stream: CLOSED follows)
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_io_write(cadre_actor *self, cadre_io h, const void *data, size_t size);

/**
 * Half-closes a stream: once its write queue has drained, the peer reads
 * end of file. The handle stays readable.
 *
 * @param self the owner
 * @param h    a stream
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 done, or will be once the queue has drained
 * @retval CADRE_EINVAL self NULL, or h is not a stream
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ENOENT h is stale (closed) or not self's
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_io_shutdown_write(cadre_actor *self, cadre_io h);

/**
 * Closes any handle (a watch: as cadre_io_unwatch). No event follows; the
 * handle is stale at once. A connected stream's queued bytes are still
 * sent, then the socket closes (what the peer sends meanwhile is
 * discarded; a peer that never reads keeps it until the system shuts
 * down); a connect not finished yet is abandoned, with what was queued.
 * Events already sent may still arrive.
 *
 * @param self the owner
 * @param h    the handle
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 closed
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ENOENT h is stale (closed) or not self's
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_io_close(cadre_actor *self, cadre_io h);

/**
 * Gives a handle to another actor of the same system, which owns it from
 * now on (events not yet sent go to it; those already sent reach self).
 *
 * @param self      the owner
 * @param h         the handle
 * @param new_owner the actor that takes it
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 handed over
 * @retval CADRE_EINVAL self NULL
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ENOENT h is stale (closed) or not self's
 * @retval CADRE_ENOACTOR new_owner is stale, stopping, or of another system
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_io_handoff(cadre_actor *self, cadre_io h, cadre_ref new_owner);

/**
 * The local address of a socket handle, as a string ("127.0.0.1:41234",
 * "[::1]:80", "unix:/p"): the port a listen on port 0 got.
 *
 * @param sys  the system
 * @param h    a socket's handle (any owner)
 * @param buf  receives the string, NUL-terminated
 * @param size buf's size (108 bytes hold any address)
 * @threads any thread
 * @blocks  no
 * @retval 0 written
 * @retval CADRE_EINVAL sys or buf NULL, size too small, or h is a watch
 * @retval CADRE_ENOENT h is stale (closed), or not a socket yet (resolving)
 * @retval CADRE_ECLOSED the system is shut down
 */
CADRE_API int cadre_io_local_addr(cadre_system *sys, cadre_io h, char *buf, size_t size);

/**
 * Opens a datagram socket bound to addr ("host:port", "[v6]:port",
 * "unixgram:/path", or "unixgram:" for an unnamed one). Every datagram
 * received reaches self as CADRE_IO_DATAGRAM, with its source in ev.addr.
 * Reading pauses while read_high_water's default (64 KiB) of delivered
 * datagrams are not yet handled (the kernel then drops what does not fit,
 * as UDP does). A bound Unix path is unlinked when the handle closes.
 *
 * @param self the owner
 * @param addr where to bind (port 0: a free port)
 * @param out  receives the handle
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 open
 * @retval CADRE_EINVAL self, addr or out NULL
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_EADDR the address does not parse (or names a host)
 * @retval CADRE_EADDRINUSE the address is in use
 * @retval CADRE_ENOMEM out of memory, or the handle table is full
 * @retval CADRE_ESYS a socket call failed otherwise, or the I/O thread could not start
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_udp_open(cadre_actor *self, const char *addr, cadre_io *out);

/**
 * Sends one datagram to `to` (a numeric "host:port" or "[v6]:port", or
 * "unixgram:/path"), without blocking.
 *
 * @param self the owner
 * @param h    a datagram socket
 * @param to   the destination
 * @param data the bytes
 * @param size their count
 * @threads self's callbacks
 * @blocks  no
 * @payload copied before the call returns
 * @retval 0 sent (handed to the kernel: UDP may still lose it)
 * @retval CADRE_EINVAL self or to NULL, data NULL with size > 0, or h is
 *         not a datagram socket
 * @retval CADRE_ESTATE self is not running on this thread, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ENOENT h is stale (closed) or not self's
 * @retval CADRE_EADDR `to` does not parse, or is of another family than h
 * @retval CADRE_EFULL the socket's send buffer is full: not sent (retry later)
 * @retval CADRE_ETOOBIG the datagram is too big for the socket
 * @retval CADRE_ECONNREFUSED the destination refused an earlier datagram
 * @retval CADRE_ESYS sendto failed otherwise
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_udp_send(cadre_actor *self, cadre_io h, const char *to, const void *data,
                             size_t size);
/**
 * Subscribes self to a POSIX signal: from now on, each arrival of signo in
 * the process reaches self as a CADRE_IO_SIGNAL event (ev.signo), once per
 * subscriber (two arrivals close together may be folded into one by the
 * kernel, as POSIX allows). The first subscription to signo in the process
 * installs Cadre's handler (which does only async-signal-safe work: it
 * counts the arrival and writes an eventfd that the I/O thread reads); the
 * last one to end, by cadre_signal_unsubscribe, the subscriber's stop or
 * its system's shutdown, restores the action that was there before.
 * Subscribing twice is one subscription. Signals that cannot be caught or
 * that report a fault of the thread itself (SIGKILL, SIGSTOP, SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) and the C library's own
 * real-time signals (32, 33) are refused.
 *
 * @param self  the calling actor
 * @param signo the signal (SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGRTMIN+n, ...)
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 subscribed (or already)
 * @retval CADRE_EINVAL self NULL, or signo not a signal that may be subscribed to
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_EBUSY 64 systems in the process have signal subscriptions already
 * @retval CADRE_ESYS the eventfd or the I/O thread could not be made
 * @retval CADRE_ESTATE not called from one of self's callbacks, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_signal_subscribe(cadre_actor *self, int signo);

/**
 * Ends self's subscription to signo. An event already sent may still
 * arrive. When it was the last subscription to signo in the process, the
 * action replaced at the first subscription is restored.
 *
 * @param self  the calling actor
 * @param signo the signal
 * @threads self's callbacks
 * @blocks  no
 * @retval 0 unsubscribed
 * @retval CADRE_EINVAL self NULL, or signo not a signal that may be subscribed to
 * @retval CADRE_ENOENT self is not subscribed to signo
 * @retval CADRE_ESTATE not called from one of self's callbacks, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_signal_unsubscribe(cadre_actor *self, int signo);

/**
 * Reads up to len bytes of a regular file at offset, without blocking a
 * worker: the read runs elsewhere (io_uring where the kernel allows it,
 * else threads of the system's own; docs/architecture.md, "I/O") and its
 * result reaches self as one CADRE_IO_FILE event: ev.id (the id stored in
 * *id), ev.fd, ev.status (0, or why it failed, with ev.os_error), and the
 * bytes read in ev.data / ev.size (fewer than len at the end of the file,
 * 0 at or past it). If self has stopped by then, the event is a dead
 * letter, counted as any. The fd stays the caller's: close it only after
 * the event.
 *
 * @param self   the calling actor
 * @param fd     an open regular file (or block device), readable
 * @param offset where to read, in bytes from the file's start
 * @param len    at most this many bytes (up to cadre_config.max_message_size)
 * @param id     receives the operation's id (unique in the system); may be NULL
 * @threads self's callbacks
 * @blocks  no
 * @payload the bytes arrive in the event, valid during that receive only
 * @retval 0 started: one CADRE_IO_FILE event follows
 * @retval CADRE_EINVAL self NULL, fd not a regular file or block device (a
 *         pipe, socket or terminal: watch it with cadre_io_watch), or offset
 *         beyond INT64_MAX
 * @retval CADRE_EBADF fd is not an open file descriptor
 * @retval CADRE_ETOOBIG len exceeds the system's largest message
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ESYS the file threads could not be started
 * @retval CADRE_ESTATE not called from one of self's callbacks, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_file_read(cadre_actor *self, int fd, uint64_t offset, size_t len, uint64_t *id);

/**
 * Writes len bytes to a regular file at offset, without blocking a worker
 * (as cadre_file_read). Its result reaches self as one CADRE_IO_FILE
 * event: ev.id, ev.fd, ev.status (0 or why it failed, with ev.os_error)
 * and ev.size, the bytes written (ev.data is NULL).
 *
 * @param self   the calling actor
 * @param fd     an open regular file (or block device), writable
 * @param offset where to write, in bytes from the file's start (ignored
 *               by the kernel for a file opened with O_APPEND)
 * @param data   the bytes
 * @param len    their count (at most INT32_MAX)
 * @param id     receives the operation's id (unique in the system); may be NULL
 * @threads self's callbacks
 * @blocks  no
 * @payload copied before the call returns; data may be reused at once
 * @retval 0 started: one CADRE_IO_FILE event follows
 * @retval CADRE_EINVAL self NULL, data NULL with len > 0, fd not a regular
 *         file or block device, or offset beyond INT64_MAX
 * @retval CADRE_EBADF fd is not an open file descriptor
 * @retval CADRE_ETOOBIG len exceeds INT32_MAX
 * @retval CADRE_ENOMEM out of memory
 * @retval CADRE_ESYS the file threads could not be started
 * @retval CADRE_ESTATE not called from one of self's callbacks, or the system is deterministic (cadre/sim.h)
 * @retval CADRE_ECLOSED the system is shutting down
 */
CADRE_API int cadre_file_write(cadre_actor *self, int fd, uint64_t offset, const void *data,
                               size_t len, uint64_t *id);

#ifdef __cplusplus
}
#endif

#endif /* CADRE_IO_H */
