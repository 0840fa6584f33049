/* Host ends of the guest's UARTs: stdio, file:PATH, unix:PATH (QEMU's meaning: connect, or
 * listen with ",server"), null. Each backend is a chardev the machine attaches a UART to; guest
 * input is moved from the host by serial_backends_poll, called from the run loop. */
#ifndef SOCEMU_CLI_SERIAL_BACKENDS_H
#define SOCEMU_CLI_SERIAL_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/chardev.h"

typedef struct serial_backend serial_backend;

/* Sees every byte the guest writes, before the backend does (the console watch). */
typedef void (*serial_observer)(void *opaque, unsigned stream, const uint8_t *data, size_t len);

/* spec: "stdio", "mon:stdio", "file:PATH" (truncated), "pipe:PATH" (PATH.in and PATH.out, or
 * PATH both ways, as QEMU's pipe), "unix:PATH" (connect),
 * "unix:PATH,server[,nowait]" (listen; without nowait the run waits for a client), "null",
 * "none". Returns NULL with "<spec>: <why>" in err. The first stdio backend owns stdin. */
serial_backend *serial_backend_open(const char *spec, char *err, size_t errlen);
void serial_backend_free(serial_backend *b);
chardev *serial_backend_chardev(serial_backend *b);
void serial_backend_set_observer(serial_backend *b, serial_observer fn, void *opaque,
                                 unsigned stream);

/* How many clients the backend has had (stdio, files and connected sockets count 1 from the
 * start; a listening socket counts each accepted client): a monitor greets each new one. */
unsigned serial_backend_connections(const serial_backend *b);
/* Whether output currently goes anywhere (a listening socket between clients: no). */
bool serial_backend_connected(const serial_backend *b);

/* Before the run: waits for clients of waiting unix servers and puts a terminal stdin in raw
 * mode. Returns 0, or -1 with a reason in err (interrupted wait). */
int serial_backends_start(char *err, size_t errlen);
/* Moves host input to the guest UARTs and accepts late clients. Never blocks. */
void serial_backends_poll(void);
/* True (with "cannot write the serial output to PATH: why" in err) once a write to a file or
 * stdout failed (a full disk, /dev/full): the guest's output is incomplete. */
bool serial_backends_write_error(char *err, size_t errlen);
/* True while some backend can still bring host input: stdin (a terminal, or a pipe or socket not
 * yet at end of file), a connected unix socket, or a unix server that may get a client. The
 * scheduler then paces idle time to the wall clock (boards/machine.h live_input). */
bool serial_backends_have_live_input(void);
/* True once Ctrl-A x was typed on a terminal stdin. */
bool serial_quit_requested(void);
/* Puts the terminal back as it was. Async-signal-safe; safe to call more than once. */
void serial_terminal_restore(void);

#endif
