/* TEMPORARY STUB (io-aux, not committed): io-core's header replaces it. */
#ifndef CADRE_IO_H
#define CADRE_IO_H
#include <stddef.h>
#include <stdint.h>
#include <cadre/actor.h>
typedef struct cadre_io { uint32_t index; uint32_t gen; } cadre_io;
#define CADRE_MSG_IO 0xFFFF0400u
typedef enum cadre_io_kind { CADRE_IO_READY = 1, CADRE_IO_SIGNAL = 9, CADRE_IO_FILE = 10 } cadre_io_kind;
typedef struct cadre_io_event {
	cadre_io_kind kind; cadre_io handle; cadre_io conn; int status; int os_error; uint32_t events;
	int fd; int signo; uint64_t id; const void *data; size_t size; char addr[108];
} cadre_io_event;
#define CADRE_IO_IN 1u
#define CADRE_IO_OUT 2u
#define CADRE_IO_ERR 4u
#define CADRE_EBADF (-17)
CADRE_API int cadre_io_event_read(const cadre_msg *msg, cadre_io_event *out);
CADRE_API int cadre_io_watch(cadre_actor *self, int fd, uint32_t events, cadre_io *out);
CADRE_API int cadre_io_unwatch(cadre_actor *self, cadre_io h);
CADRE_API int cadre_signal_subscribe(cadre_actor *self, int signo);
CADRE_API int cadre_signal_unsubscribe(cadre_actor *self, int signo);
CADRE_API int cadre_file_read(cadre_actor *self, int fd, uint64_t offset, size_t len, uint64_t *id);
CADRE_API int cadre_file_write(cadre_actor *self, int fd, uint64_t offset, const void *data, size_t len, uint64_t *id);
#endif
