/* --exec: commands typed into the guest's shell on the console UART, the way labgrid's
 * ShellDriver does it. The session waits for a prompt (logging in first when a login prompt shows:
 * --login USER[:PASSWORD], root by default), types each command wrapped in markers and an exit
 * status echo, copies the command's output to stdout and records its status; the run ends when
 * the last command is done. Typing happens only after the shell prompt has appeared and the
 * console has paused, so nothing typed is lost to a shell that has not started yet. */
#ifndef SOCEMU_CLI_EXEC_SESSION_H
#define SOCEMU_CLI_EXEC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "soc/chardev.h"

typedef struct exec_session exec_session;

typedef struct exec_result {
    const char *command;
    bool done;
    int status;                /* the command's exit status (valid when done) */
    char *output;              /* what it printed (valid when done) */
    uint64_t start_ns, end_ns; /* guest time typed and finished */
} exec_result;

/* login: "USER[:PASSWORD]" or NULL (root, no password); prompt: a POSIX extended regex tested
 * against the console's last, unfinished line (NULL: "[#$] $"). NULL with a reason in err. */
exec_session *exec_session_new(const char *const *commands, unsigned n, const char *login,
                               const char *prompt, FILE *out, char *err, size_t errlen);
void exec_session_free(exec_session *s);
/* The console UART's chardev: the session types into its receive side. */
void exec_session_attach(exec_session *s, chardev *console);
/* Console output (the guest's bytes, as they arrive). */
void exec_session_feed(exec_session *s, const uint8_t *data, size_t len, uint64_t guest_ns);
/* From the run loop: checks a paused partial line for a prompt, types what is pending. */
void exec_session_poll(exec_session *s, uint64_t guest_ns);
/* Every command has run. */
bool exec_session_done(const exec_session *s);
unsigned exec_session_count(const exec_session *s);
const exec_result *exec_session_result(const exec_session *s, unsigned i);
/* The first command that exited non-zero, or -1. */
int exec_session_first_failure(const exec_session *s);
/* What the session is waiting for now ("a shell prompt", "the end of 'ls'"). */
const char *exec_session_waiting_for(const exec_session *s);

#endif
