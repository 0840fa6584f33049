/* The --exec session (exec_session.h). Console bytes are kept as lines with terminal escape
 * sequences removed; complete lines carry the markers, the unfinished line the prompts. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_session.h"

#define LINE_MAX_BYTES 4096
#define TYPE_MAX       8192

#define DEFAULT_PROMPT  "[#$] $"
#define LOGIN_PROMPT    "login: ?$"
#define PASSWORD_PROMPT "[Pp]assword: ?$"
#define MARK_BEGIN      "SOCEMU-EXEC-BEGIN-"
#define MARK_END        "SOCEMU-EXEC-END-"

typedef enum { WAIT_PROMPT, RUNNING, DONE } exec_state;

struct exec_session {
    exec_result *results;
    unsigned n, next; /* next: the command to type or running */
    char user[256], password[256];
    bool logged_in_typed, password_typed;
    regex_t prompt, login, password_re;
    FILE *out;
    chardev *console;
    exec_state state;
    bool capturing;
    char *capture;
    size_t capture_len, capture_cap;
    /* the console's current line, escapes removed */
    char line[LINE_MAX_BYTES];
    size_t line_len;
    size_t line_len_at_poll; /* for "has not grown since the last poll" */
    int esc;                 /* 0 none, 1 after ESC, 2 in a CSI sequence */
    /* bytes waiting to be typed */
    char typing[TYPE_MAX];
    size_t type_len, type_pos;
    char waiting[300];
};

static void capture_add(exec_session *s, const char *p, size_t n) {
    if (s->capture_len + n + 1 > s->capture_cap) {
        size_t cap = s->capture_cap ? s->capture_cap * 2 : 1024;
        while (cap < s->capture_len + n + 1)
            cap *= 2;
        char *c = realloc(s->capture, cap);
        if (!c) return;
        s->capture = c, s->capture_cap = cap;
    }
    memcpy(s->capture + s->capture_len, p, n);
    s->capture_len += n;
    s->capture[s->capture_len] = '\0';
}

exec_session *exec_session_new(const char *const *commands, unsigned n, const char *login,
                               const char *prompt, FILE *out, char *err, size_t errlen) {
    exec_session *s = calloc(1, sizeof *s);
    if (s) s->results = calloc(n ? n : 1, sizeof *s->results);
    if (!s || !s->results) {
        if (s) free(s);
        snprintf(err, errlen, "--exec: out of memory");
        return NULL;
    }
    s->n = n;
    s->out = out;
    for (unsigned i = 0; i < n; i++)
        s->results[i].command = commands[i];
    snprintf(s->user, sizeof s->user, "%s", login ? login : "root");
    char *colon = strchr(s->user, ':');
    if (colon) {
        *colon = '\0';
        snprintf(s->password, sizeof s->password, "%s", colon + 1);
    }
    if (!s->user[0]) {
        snprintf(err, errlen, "--login: '%s' has no user name", login);
        free(s->results);
        free(s);
        return NULL;
    }
    int rc = regcomp(&s->prompt, prompt ? prompt : DEFAULT_PROMPT, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[200];
        regerror(rc, &s->prompt, why, sizeof why);
        snprintf(err, errlen, "--prompt: '%s': %s", prompt, why);
        free(s->results);
        free(s);
        return NULL;
    }
    regcomp(&s->login, LOGIN_PROMPT, REG_EXTENDED | REG_NOSUB);
    regcomp(&s->password_re, PASSWORD_PROMPT, REG_EXTENDED | REG_NOSUB);
    s->state = n ? WAIT_PROMPT : DONE;
    return s;
}

void exec_session_free(exec_session *s) {
    if (!s) return;
    regfree(&s->prompt);
    regfree(&s->login);
    regfree(&s->password_re);
    for (unsigned i = 0; i < s->n; i++)
        free(s->results[i].output);
    free(s->results);
    free(s->capture);
    free(s);
}

void exec_session_attach(exec_session *s, chardev *console) {
    s->console = console;
}

static void type_text(exec_session *s, const char *text) {
    size_t n = strlen(text);
    if (s->type_len + n > TYPE_MAX) n = TYPE_MAX - s->type_len;
    memcpy(s->typing + s->type_len, text, n);
    s->type_len += n;
}

/* The command, single-quoted for sh -c (each ' becomes '\''). */
static void type_command(exec_session *s, exec_result *r, uint64_t now) {
    char line[TYPE_MAX];
    size_t n = 0;
    n += (size_t)snprintf(line, sizeof line, "echo %.6s\"\"%s%u; sh -c '", MARK_BEGIN,
                          MARK_BEGIN + 6, s->next + 1);
    for (const char *p = r->command; *p && n + 8 < sizeof line; p++) {
        if (*p == '\'') {
            memcpy(line + n, "'\\''", 4);
            n += 4;
        } else {
            line[n++] = *p;
        }
    }
    line[n] = '\0';
    snprintf(line + n, sizeof line - n, "'; echo %.6s\"\"%s%u $?\n", MARK_END, MARK_END + 6,
             s->next + 1);
    type_text(s, line);
    r->start_ns = now;
    s->state = RUNNING;
    s->capturing = false;
    s->capture_len = 0;
}

static void end_command(exec_session *s, int status, uint64_t now) {
    exec_result *r = &s->results[s->next];
    r->done = true;
    r->status = status;
    r->end_ns = now;
    r->output = s->capture ? strdup(s->capture) : strdup("");
    s->capture_len = 0;
    if (s->capture) s->capture[0] = '\0';
    s->capturing = false;
    if (s->out) fflush(s->out);
    s->next++;
    s->state = s->next < s->n ? WAIT_PROMPT : DONE;
}

static void complete_line(exec_session *s, uint64_t now) {
    s->line[s->line_len] = '\0';
    if (s->line_len && s->line[s->line_len - 1] == '\r') s->line[--s->line_len] = '\0';
    if (s->state != RUNNING) return;
    char begin[64], end[64];
    snprintf(begin, sizeof begin, "%s%u", MARK_BEGIN, s->next + 1);
    snprintf(end, sizeof end, "%s%u ", MARK_END, s->next + 1);
    char *e = strstr(s->line, end);
    if (s->capturing && e) {
        int status = atoi(e + strlen(end));
        if (e > s->line) { /* output without a final newline */
            capture_add(s, s->line, (size_t)(e - s->line));
            capture_add(s, "\n", 1);
            if (s->out) {
                fwrite(s->line, 1, (size_t)(e - s->line), s->out);
                fputc('\n', s->out);
            }
        }
        end_command(s, status, now);
    } else if (s->capturing) {
        capture_add(s, s->line, s->line_len);
        capture_add(s, "\n", 1);
        if (s->out) {
            fwrite(s->line, 1, s->line_len, s->out);
            fputc('\n', s->out);
        }
    } else if (strcmp(s->line, begin) == 0) {
        s->capturing = true;
    }
}

void exec_session_feed(exec_session *s, const uint8_t *data, size_t len, uint64_t guest_ns) {
    if (!s) return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = data[i];
        if (s->esc == 1) { /* ESC x, or ESC [ starting a CSI sequence */
            s->esc = c == '[' ? 2 : 0;
            continue;
        }
        if (s->esc == 2) {
            if (c >= 0x40 && c <= 0x7e) s->esc = 0;
            continue;
        }
        if (c == 0x1b) {
            s->esc = 1;
        } else if (c == '\n') {
            complete_line(s, guest_ns);
            s->line_len = 0;
            s->line_len_at_poll = 0;
        } else if (c != 0 && s->line_len + 1 < sizeof s->line) {
            s->line[s->line_len++] = (char)c;
        }
    }
}

static bool partial_matches(exec_session *s, const regex_t *re) {
    s->line[s->line_len] = '\0';
    const char *text = s->line;
    while (*text == '\r')
        text++;
    return *text && regexec(re, text, 0, NULL, 0) == 0;
}

void exec_session_poll(exec_session *s, uint64_t guest_ns) {
    if (!s) return;
    /* type what is pending, as fast as the UART takes it */
    if (s->console && s->console->receive && s->type_pos < s->type_len) {
        size_t left = s->type_len - s->type_pos;
        unsigned room = s->console->can_receive ? s->console->can_receive(s->console->fe_opaque)
                                                : (unsigned)left;
        size_t n = room < left ? room : left;
        if (n)
            s->console->receive(s->console->fe_opaque, (const uint8_t *)s->typing + s->type_pos, n);
        s->type_pos += n;
        if (s->type_pos == s->type_len) s->type_pos = s->type_len = 0;
    }
    bool paused = s->line_len && s->line_len == s->line_len_at_poll;
    s->line_len_at_poll = s->line_len;
    if (s->state != WAIT_PROMPT || !paused || s->type_len) return;
    if (partial_matches(s, &s->prompt)) {
        s->line_len = s->line_len_at_poll = 0; /* the prompt is used */
        type_command(s, &s->results[s->next], guest_ns);
    } else if (partial_matches(s, &s->login)) {
        s->line_len = s->line_len_at_poll = 0;
        type_text(s, s->user);
        type_text(s, "\n");
        s->logged_in_typed = true;
    } else if (partial_matches(s, &s->password_re)) {
        s->line_len = s->line_len_at_poll = 0;
        type_text(s, s->password);
        type_text(s, "\n");
        s->password_typed = true;
    }
}

bool exec_session_done(const exec_session *s) {
    return s && s->state == DONE;
}

unsigned exec_session_count(const exec_session *s) {
    return s ? s->n : 0;
}

const exec_result *exec_session_result(const exec_session *s, unsigned i) {
    return s && i < s->n ? &s->results[i] : NULL;
}

int exec_session_first_failure(const exec_session *s) {
    for (unsigned i = 0; s && i < s->n; i++)
        if (s->results[i].done && s->results[i].status != 0) return (int)i;
    return -1;
}

const char *exec_session_waiting_for(const exec_session *s) {
    exec_session *w = (exec_session *)s;
    if (!s || s->state == DONE) return "nothing";
    if (s->state == RUNNING)
        snprintf(w->waiting, sizeof w->waiting, "the end of --exec '%.200s'",
                 s->results[s->next].command);
    else
        snprintf(w->waiting, sizeof w->waiting, "a shell prompt%s before --exec '%.200s'",
                 s->logged_in_typed ? " after logging in" : " (or a login prompt)",
                 s->results[s->next].command);
    return w->waiting;
}
