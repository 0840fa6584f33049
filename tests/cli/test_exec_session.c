/* The --exec session against a scripted console: it logs in at a login prompt (user, then
 * password), types each command only once the prompt has paused, wrapped in markers, copies the
 * output between them, records exit statuses, and ignores markers in the echoed command line. */
#include "check.h"
#include "exec_session.h"

typedef struct uart {
    char typed[8192];
    size_t len;
} uart;

static unsigned can_receive(void *opaque) {
    uart *u = opaque;
    return (unsigned)(sizeof u->typed - 1 - u->len) > 16 ? 16 : 0; /* a 16-byte FIFO */
}

static void receive(void *opaque, const uint8_t *data, size_t len) {
    uart *u = opaque;
    memcpy(u->typed + u->len, data, len);
    u->len += len;
    u->typed[u->len] = '\0';
}

static void say(exec_session *s, const char *text) {
    exec_session_feed(s, (const uint8_t *)text, strlen(text), 0);
}

/* Polls until the typing is done (the run loop's rounds). */
static void rounds(exec_session *s, int n) {
    for (int i = 0; i < n; i++)
        exec_session_poll(s, 0);
}

static void test_login_and_commands(void) {
    const char *cmds[] = {"uname -m", "echo 'it''s'; false"};
    char err[256];
    FILE *out = tmpfile();
    exec_session *s = exec_session_new(cmds, 2, "pi:raspberry", NULL, out, err, sizeof err);
    CHECK(s != NULL);
    uart u = {0};
    chardev chr = {0};
    chardev_set_frontend(&chr, can_receive, receive, &u);
    exec_session_attach(s, &chr);

    say(s, "Debian GNU/Linux 12 raspi ttyS1\r\n\r\nraspi lo");
    rounds(s, 3);
    CHECK(u.len == 0); /* no prompt yet */
    say(s, "gin: ");
    exec_session_poll(s, 0);
    CHECK(u.len == 0); /* it just grew: not paused yet */
    rounds(s, 3);
    CHECK(strcmp(u.typed, "pi\n") == 0);
    say(s, "pi\r\nPassword: ");
    rounds(s, 3);
    CHECK(strcmp(u.typed, "pi\nraspberry\n") == 0);
    u.len = 0;
    say(s, "\r\nLinux raspi 6.1\r\n\x1b[01;32mpi@raspi\x1b[00m:~$ ");
    rounds(s, 20);
    CHECK(strstr(u.typed,
                 "SOCEMU\"\"-EXEC-BEGIN-1; sh -c 'uname -m'; echo SOCEMU\"\"-EXEC-END-1 $?\n") ==
          u.typed + 5);
    CHECK(!exec_session_done(s));
    /* the shell echoes the line (no marker in it), then runs it */
    say(s, "echo SOCEMU\"\"-EXEC-BEGIN-1; sh -c 'uname -m'; echo SOCEMU\"\"-EXEC-END-1 $?\r\n");
    say(s, "SOCEMU-EXEC-BEGIN-1\r\naarch64\r\nSOCEMU-EXEC-END-1 0\r\npi@raspi:~$ ");
    const exec_result *r = exec_session_result(s, 0);
    CHECK(r->done && r->status == 0 && strcmp(r->output, "aarch64\n") == 0);
    u.len = 0;
    rounds(s, 20);
    CHECK(strstr(u.typed, "sh -c 'echo '\\''it'\\'''\\''s'\\''; false'") != NULL);
    say(s, "SOCEMU-EXEC-BEGIN-2\r\nit's\r\nno newlineSOCEMU-EXEC-END-2 1\r\n");
    CHECK(exec_session_done(s));
    r = exec_session_result(s, 1);
    CHECK(r->done && r->status == 1 && strcmp(r->output, "it's\nno newline\n") == 0);
    CHECK(exec_session_first_failure(s) == 1);

    char copied[256] = "";
    rewind(out);
    size_t n = fread(copied, 1, sizeof copied - 1, out);
    copied[n] = '\0';
    CHECK(strcmp(copied, "aarch64\nit's\nno newline\n") == 0);
    fclose(out);
    exec_session_free(s);
}

static void test_bad_arguments(void) {
    const char *cmds[] = {"true"};
    char err[256];
    CHECK(exec_session_new(cmds, 1, NULL, "a(", NULL, err, sizeof err) == NULL);
    CHECK(strncmp(err, "--prompt: 'a(': ", 16) == 0);
    CHECK(exec_session_new(cmds, 1, ":pw", NULL, NULL, err, sizeof err) == NULL);
    CHECK(strcmp(err, "--login: ':pw' has no user name") == 0);
}

static void test_custom_prompt_and_waiting(void) {
    const char *cmds[] = {"true"};
    char err[256];
    exec_session *s = exec_session_new(cmds, 1, NULL, "=> $", NULL, err, sizeof err);
    uart u = {0};
    chardev chr = {0};
    chardev_set_frontend(&chr, can_receive, receive, &u);
    exec_session_attach(s, &chr);
    say(s, "/ # ");
    rounds(s, 3);
    CHECK(u.len == 0); /* not the prompt asked for */
    CHECK(strstr(exec_session_waiting_for(s), "a shell prompt") != NULL);
    say(s, "\r\n=> ");
    rounds(s, 20);
    CHECK(u.len > 0);
    CHECK(strcmp(exec_session_waiting_for(s), "the end of --exec 'true'") == 0);
    exec_session_free(s);
}

int main(void) {
    test_login_and_commands();
    test_bad_arguments();
    test_custom_prompt_and_waiting();
    return check_report("cli_exec_session");
}
