/* --result-json FILE: the facts of --junit as one JSON object (run_results.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "run_results.h"

int result_json_write(const run_results *rr, const char *path, char *err, size_t errlen) {
    json_buf b = {0};
    json_buf_printf(&b, "{\n  \"socemu_version\": \"%s\",\n  \"board\": ", SOCEMU_VERSION);
    json_buf_string(&b, rr->board);
    json_buf_printf(&b, ",\n  \"exit_code\": %d,\n  \"outcome\": \"%s\",\n  \"summary\": ",
                    rr->exit_code, rr->outcome);
    json_buf_string(&b, rr->summary);
    json_buf_printf(&b,
                    ",\n  \"started\": \"%sZ\",\n  \"host_seconds\": %.3f,\n  \"guest_seconds\": "
                    "%.3f,\n  \"instructions\": %llu,\n  \"tests\": %u,\n  \"failures\": %u,\n "
                    " \"errors\": %u,\n  \"skipped\": %u,\n  \"cases\": [",
                    rr->timestamp, rr->host_seconds, rr->guest_seconds,
                    (unsigned long long)rr->instructions, rr->n_cases,
                    run_results_count(rr, CASE_FAILED), run_results_count(rr, CASE_ERROR),
                    run_results_count(rr, CASE_SKIPPED));
    for (unsigned i = 0; i < rr->n_cases; i++) {
        const result_case *c = &rr->cases[i];
        json_buf_printf(&b, "%s\n    {\"kind\": \"%s\", \"name\": ", i ? "," : "", c->kind);
        json_buf_string(&b, c->name);
        json_buf_printf(&b,
                        ", \"result\": \"%s\", \"message\": ", run_results_case_word(c->result));
        json_buf_string(&b, c->message);
        json_buf_printf(&b, ", \"seconds\": %.3f, \"output\": ", c->seconds);
        json_buf_string(&b, c->output);
        json_buf_add(&b, "}");
    }
    json_buf_printf(&b, "\n  ],\n  \"console_dropped_bytes\": %llu,\n  \"console_tail\": ",
                    (unsigned long long)rr->console_dropped);
    json_buf_string(&b, rr->console_tail);
    json_buf_add(&b, ",\n  \"console\": ");
    json_buf_stringn(&b, rr->console, rr->console_len);
    json_buf_add(&b, "\n}\n");
    if (b.failed) {
        json_buf_free(&b);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    FILE *f = fopen(path, "w");
    bool ok = f && fwrite(b.text, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0) ok = false;
    json_buf_free(&b);
    if (!ok) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
