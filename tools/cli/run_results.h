/* What a run came to, as test cases: one per --expect, --fail and --exec (or one for the run
 * when none is given, and one more when the run failed for a reason no case names: a panic, a
 * timeout before any --exec, a reset loop). --junit (junit.c) and --result-json (result_json.c)
 * write the same facts. */
#ifndef SOCEMU_CLI_RUN_RESULTS_H
#define SOCEMU_CLI_RUN_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console_log.h"
#include "console_watch.h"
#include "exec_session.h"
#include "options.h"

typedef enum { CASE_PASSED, CASE_FAILED, CASE_SKIPPED, CASE_ERROR } case_result;

typedef struct result_case {
    const char *kind; /* "expect", "fail", "exec", "run" */
    char name[600];   /* "--expect 'login:'" */
    case_result result;
    char message[2048]; /* why it failed or was skipped */
    const char *output; /* --exec: the command's output; failures: the last console lines */
    double seconds;
} result_case;

#define RESULTS_MAX_CASES (3 * CLI_MAX_PATTERNS + 1)

typedef struct run_results {
    const char *board;
    int exit_code;
    const char *outcome; /* passed, guest-failed, usage, timed-out, emulator-fault, signal */
    const char *summary; /* the summary line, without "socemu: " */
    double host_seconds, guest_seconds;
    uint64_t instructions;
    result_case cases[RESULTS_MAX_CASES];
    unsigned n_cases;
    const char *console; /* as kept by console_log (dropped bytes: console_dropped) */
    size_t console_len;
    uint64_t console_dropped;
    const char *console_tail; /* the last 20 lines */
    char timestamp[32];       /* start of the run, ISO 8601 UTC */
} run_results;

void run_results_build(run_results *rr, const cli_options *o, const console_watch *watch,
                       const exec_session *exec, const console_log *cl, int exit_code,
                       const char *summary, double host_seconds, double guest_seconds,
                       uint64_t instructions, double start_wall);
unsigned run_results_count(const run_results *rr, case_result r);
const char *run_results_case_word(case_result r); /* "passed", "failed"... */

/* Each returns 0, or -1 with "PATH: why" in err. */
int junit_write(const run_results *rr, const char *path, char *err, size_t errlen);
int result_json_write(const run_results *rr, const char *path, char *err, size_t errlen);

#endif
