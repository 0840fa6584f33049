/* The console matcher: patterns match across partial writes, on unterminated prompts once output
 * pauses, with failure winning over success and the kernel panic banner always a failure. */
#include "check.h"
#include "console_watch.h"

static watch_verdict feed(console_watch *w, const char *s) {
    return console_watch_feed(w, 0, (const uint8_t *)s, strlen(s));
}

static console_watch *make(const char *expect, const char *fail) {
    console_watch *w = console_watch_new();
    char err[256];
    if (expect) CHECK(console_watch_add(w, WATCH_KIND_EXPECT, expect, err, sizeof err) == 0);
    if (fail) CHECK(console_watch_add(w, WATCH_KIND_FAIL, fail, err, sizeof err) == 0);
    return w;
}

static void test_expect_across_partial_writes(void) {
    console_watch *w = make("Welcome to Buildroot", NULL);
    const char *text = "Booting...\r\nWelcome to Build";
    for (const char *p = text; *p; p++)
        CHECK(console_watch_feed(w, 0, (const uint8_t *)p, 1) == WATCH_RUNNING);
    CHECK(feed(w, "ro") == WATCH_RUNNING);
    CHECK(feed(w, "ot\r\n") == WATCH_EXPECT);
    CHECK(strcmp(console_watch_pattern(w), "Welcome to Buildroot") == 0);
    CHECK(strcmp(console_watch_line(w), "Welcome to Buildroot") == 0);
    console_watch_free(w);
}

static void test_prompt_without_newline(void) {
    console_watch *w = make("login: $", NULL);
    CHECK(feed(w, "\r\nbuildroot login") == WATCH_RUNNING);
    CHECK(console_watch_idle(w) == WATCH_RUNNING); /* output still coming */
    CHECK(console_watch_idle(w) == WATCH_RUNNING); /* paused, but no match yet */
    CHECK(feed(w, ": ") == WATCH_RUNNING);
    CHECK(console_watch_idle(w) == WATCH_RUNNING);
    CHECK(console_watch_idle(w) == WATCH_EXPECT);
    CHECK(strcmp(console_watch_line(w), "buildroot login: ") == 0);
    console_watch_free(w);

    w = make("login: $", NULL); /* at the end of the run */
    CHECK(feed(w, "buildroot login: ") == WATCH_RUNNING);
    CHECK(console_watch_flush(w) == WATCH_EXPECT);
    console_watch_free(w);
}

static void test_regex_does_not_span_lines(void) {
    console_watch *w = make("foo.*bar", NULL);
    CHECK(feed(w, "foo\nbar\n") == WATCH_RUNNING);
    CHECK(feed(w, "foo bar\n") == WATCH_EXPECT);
    console_watch_free(w);
}

static void test_fail_wins_on_same_text(void) {
    console_watch *w = make("service", "service .* failed");
    CHECK(feed(w, "service foo failed\n") == WATCH_FAIL);
    CHECK(strcmp(console_watch_pattern(w), "service .* failed") == 0);
    console_watch_free(w);

    /* byte by byte, as a UART writes: the partial "service" must not pass early */
    w = make("service", "service .* failed");
    const char *text = "service foo failed\r\n";
    for (const char *p = text; *p; p++)
        console_watch_feed(w, 0, (const uint8_t *)p, 1);
    CHECK(console_watch_verdict(w) == WATCH_FAIL);
    console_watch_free(w);
}

static void test_first_event_in_stream_decides(void) {
    console_watch *w = make("ready", "error");
    CHECK(feed(w, "ready\nerror\n") == WATCH_EXPECT);
    CHECK(feed(w, "error\n") == WATCH_EXPECT); /* the verdict sticks */
    console_watch_free(w);
}

static void test_panic_always_on(void) {
    console_watch *w = make("login:", NULL);
    CHECK(feed(w, "[    1.2] Kernel panic - not syncing") == WATCH_RUNNING);
    console_watch_idle(w);
    CHECK(console_watch_idle(w) == WATCH_PANIC);
    /* the rest of the line still arrives for the report */
    feed(w, ": VFS: Unable to mount root fs\r\nmore\n");
    CHECK(strcmp(console_watch_line(w),
                 "[    1.2] Kernel panic - not syncing: VFS: Unable to mount root fs") == 0);
    console_watch_free(w);

    w = console_watch_new(); /* no patterns of its own */
    CHECK(feed(w, "Kernel panic - not syncing: Attempted to kill init!\n") == WATCH_PANIC);
    console_watch_free(w);
}

static void test_streams_are_separate(void) {
    console_watch *w = make("abc", NULL);
    CHECK(console_watch_feed(w, 0, (const uint8_t *)"a", 1) == WATCH_RUNNING);
    CHECK(console_watch_feed(w, 1, (const uint8_t *)"bc", 2) == WATCH_RUNNING);
    CHECK(console_watch_feed(w, 0, (const uint8_t *)"bc", 2) == WATCH_RUNNING);
    CHECK(console_watch_flush(w) == WATCH_EXPECT);
    console_watch_free(w);
}

static void test_bad_regex_and_long_lines(void) {
    console_watch *w = console_watch_new();
    char err[256];
    CHECK(console_watch_add(w, WATCH_KIND_EXPECT, "a(", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "--expect: 'a(': ");
    CHECK(console_watch_add(w, WATCH_KIND_FAIL, "[z-a]", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "--fail: '[z-a]': ");
    CHECK(console_watch_add(w, WATCH_KIND_EXPECT, "END$", err, sizeof err) == 0);
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    CHECK(feed(w, big) == WATCH_RUNNING);
    CHECK(console_watch_flush(w) == WATCH_RUNNING);
    CHECK(feed(w, "END") == WATCH_RUNNING);
    CHECK(console_watch_flush(w) == WATCH_EXPECT);
    console_watch_free(w);
}

/* busybox sh prints ESC[6n (a cursor position query) after its prompt, and colour codes are
 * common: patterns see the text without escape sequences. */
static void test_escape_sequences_removed(void) {
    console_watch *w = make("^~ # $", NULL);
    CHECK(feed(w, "\r\n~ # \x1b[6n") == WATCH_RUNNING);
    CHECK(console_watch_flush(w) == WATCH_EXPECT);
    CHECK(strcmp(console_watch_line(w), "~ # ") == 0);
    console_watch_free(w);

    w = make("login: ok$", NULL); /* colours, a title (OSC ... BEL), a charset switch */
    CHECK(feed(w, "\x1b[1;32mlogin\x1b[0m: \x1b]0;title\a\x1b(Bok") == WATCH_RUNNING);
    CHECK(feed(w, "\n") == WATCH_EXPECT);
    CHECK(strcmp(console_watch_line(w), "login: ok") == 0);
    console_watch_free(w);

    w = make("ab", NULL); /* a sequence split across writes */
    CHECK(feed(w, "a\x1b") == WATCH_RUNNING);
    CHECK(feed(w, "[3") == WATCH_RUNNING);
    CHECK(feed(w, "1mb\n") == WATCH_EXPECT);
    console_watch_free(w);
}

int main(void) {
    test_expect_across_partial_writes();
    test_prompt_without_newline();
    test_regex_does_not_span_lines();
    test_fail_wins_on_same_text();
    test_first_event_in_stream_decides();
    test_panic_always_on();
    test_streams_are_separate();
    test_bad_regex_and_long_lines();
    test_escape_sequences_removed();
    return check_report("cli_console_watch");
}
