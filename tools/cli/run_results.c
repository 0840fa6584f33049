/* Building the test cases of a run (run_results.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "exit_codes.h"
#include "run_results.h"

#define TAIL_LINES 20

static result_case *add_case(run_results *rr, const char *kind, case_result r) {
    if (rr->n_cases >= RESULTS_MAX_CASES) return NULL;
    result_case *c = &rr->cases[rr->n_cases++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->result = r;
    c->output = "";
    return c;
}

static const char *outcome_word(int code) {
    switch (code) {
    case EXIT_PASSED: return "passed";
    case EXIT_GUEST_FAILED: return "guest-failed";
    case EXIT_USAGE: return "usage";
    case EXIT_TIMED_OUT: return "timed-out";
    case EXIT_EMULATOR_FAULT: return "emulator-fault";
    default: return "signal";
    }
}

const char *run_results_case_word(case_result r) {
    static const char *const words[] = {"passed", "failed", "skipped", "error"};
    return words[r];
}

unsigned run_results_count(const run_results *rr, case_result r) {
    unsigned n = 0;
    for (unsigned i = 0; i < rr->n_cases; i++)
        n += rr->cases[i].result == r;
    return n;
}

void run_results_build(run_results *rr, const cli_options *o, const console_watch *watch,
                       const exec_session *exec, const console_log *cl, int exit_code,
                       const char *summary, double host_seconds, double guest_seconds,
                       uint64_t instructions, double start_wall) {
    memset(rr, 0, sizeof *rr);
    rr->board = o->board;
    rr->exit_code = exit_code;
    rr->outcome = outcome_word(exit_code);
    rr->summary = summary;
    rr->host_seconds = host_seconds;
    rr->guest_seconds = guest_seconds;
    rr->instructions = instructions;
    rr->console = console_log_text(cl, &rr->console_len, &rr->console_dropped);
    rr->console_tail = console_log_tail(cl, TAIL_LINES);
    time_t t = (time_t)start_wall;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(rr->timestamp, sizeof rr->timestamp, "%Y-%m-%dT%H:%M:%S", &tm);

    watch_verdict v = watch ? console_watch_verdict(watch) : WATCH_RUNNING;
    const char *pattern = watch ? console_watch_pattern(watch) : NULL;
    const char *line = watch ? console_watch_line(watch) : "";
    bool any_failed = false;
    for (unsigned i = 0; i < o->n_expect; i++) {
        bool matched = v == WATCH_EXPECT && pattern && strcmp(pattern, o->expect[i]) == 0;
        result_case *c = add_case(rr, "expect",
                                  matched             ? CASE_PASSED
                                  : v == WATCH_EXPECT ? CASE_SKIPPED
                                                      : CASE_FAILED);
        if (!c) break;
        snprintf(c->name, sizeof c->name, "--expect '%s'", o->expect[i]);
        if (matched)
            snprintf(c->message, sizeof c->message, "matched: %s", line);
        else if (v == WATCH_EXPECT)
            snprintf(c->message, sizeof c->message, "another --expect matched first");
        else {
            snprintf(c->message, sizeof c->message, "not seen: %s", summary);
            c->output = rr->console_tail;
            any_failed = true;
        }
        c->seconds = host_seconds;
    }
    for (unsigned i = 0; i < o->n_fail; i++) {
        bool matched = v == WATCH_FAIL && pattern && strcmp(pattern, o->fail[i]) == 0;
        result_case *c = add_case(rr, "fail", matched ? CASE_FAILED : CASE_PASSED);
        if (!c) break;
        snprintf(c->name, sizeof c->name, "--fail '%s'", o->fail[i]);
        if (matched) {
            snprintf(c->message, sizeof c->message, "console matched --fail: %s", line);
            c->output = rr->console_tail;
            any_failed = true;
        }
        c->seconds = host_seconds;
    }
    for (unsigned i = 0; i < exec_session_count(exec); i++) {
        const exec_result *e = exec_session_result(exec, i);
        result_case *c = add_case(rr, "exec",
                                  !e->done         ? CASE_FAILED
                                  : e->status == 0 ? CASE_PASSED
                                                   : CASE_FAILED);
        if (!c) break;
        snprintf(c->name, sizeof c->name, "--exec '%s'", e->command);
        if (e->done) {
            c->output = e->output ? e->output : "";
            c->seconds = (double)(e->end_ns - e->start_ns) / 1e9;
            if (e->status) snprintf(c->message, sizeof c->message, "exited %d", e->status);
        } else {
            snprintf(c->message, sizeof c->message, "did not run to the end: %s", summary);
            c->output = rr->console_tail;
        }
        if (c->result != CASE_PASSED) any_failed = true;
    }
    /* the run itself, when no case says what happened */
    if (!rr->n_cases || (exit_code != EXIT_PASSED && !any_failed)) {
        case_result r = exit_code == EXIT_PASSED           ? CASE_PASSED
                        : exit_code == EXIT_EMULATOR_FAULT ? CASE_ERROR
                                                           : CASE_FAILED;
        result_case *c = add_case(rr, "run", r);
        if (c) {
            snprintf(c->name, sizeof c->name, "run");
            snprintf(c->message, sizeof c->message, "%s", summary);
            if (r != CASE_PASSED) c->output = rr->console_tail;
            c->seconds = host_seconds;
        }
    }
}
