/* --junit FILE: the run as JUnit XML, in the shape GitLab's and Jenkins' JUnit readers take:
 * <testsuites><testsuite> with tests/failures/errors/skipped/time, one <testcase> per case with
 * <failure message=... type=...> (the reason; the last console lines or the command's output as
 * its text), <system-out> with the console. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "run_results.h"

/* XML 1.0 text: markup characters as entities; control bytes (other than tab and newline) and
 * bytes that are not UTF-8 cannot appear at all, so they are written as "\xNN". */
static void xml_put(FILE *f, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = u[i];
        size_t seq = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
        if (c == '&')
            fputs("&amp;", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c == '\t' || c == '\n' || (c >= 0x20 && c < 0x7f))
            fputc(c, f);
        else if (c >= 0x80 && seq && i + seq <= n) {
            bool ok = true;
            for (size_t k = 1; k < seq; k++)
                if ((u[i + k] & 0xc0) != 0x80) ok = false;
            if (ok) {
                fwrite(s + i, 1, seq, f);
                i += seq - 1;
            } else {
                fprintf(f, "\\x%02x", c);
            }
        } else {
            fprintf(f, "\\x%02x", c);
        }
    }
}

static void xml_str(FILE *f, const char *s) {
    xml_put(f, s ? s : "", s ? strlen(s) : 0);
}

int junit_write(const run_results *rr, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    unsigned failures = run_results_count(rr, CASE_FAILED);
    unsigned errors = run_results_count(rr, CASE_ERROR);
    unsigned skipped = run_results_count(rr, CASE_SKIPPED);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<testsuites name=\"socemu\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
            "skipped=\"%u\" time=\"%.3f\">\n",
            rr->n_cases, failures, errors, skipped, rr->host_seconds);
    fputs("  <testsuite name=\"socemu.", f);
    xml_str(f, rr->board);
    fprintf(f,
            "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\" "
            "timestamp=\"%s\" hostname=\"socemu\">\n",
            rr->n_cases, failures, errors, skipped, rr->host_seconds, rr->timestamp);
    fputs("    <properties>\n", f);
    fprintf(f, "      <property name=\"exit_code\" value=\"%d\"/>\n", rr->exit_code);
    fprintf(f, "      <property name=\"outcome\" value=\"%s\"/>\n", rr->outcome);
    fputs("      <property name=\"summary\" value=\"", f);
    xml_str(f, rr->summary);
    fputs("\"/>\n", f);
    fprintf(f, "      <property name=\"guest_seconds\" value=\"%.3f\"/>\n", rr->guest_seconds);
    fprintf(f, "      <property name=\"instructions\" value=\"%llu\"/>\n",
            (unsigned long long)rr->instructions);
    fputs("    </properties>\n", f);
    for (unsigned i = 0; i < rr->n_cases; i++) {
        const result_case *c = &rr->cases[i];
        fputs("    <testcase classname=\"socemu.", f);
        xml_str(f, rr->board);
        fprintf(f, ".%s\" name=\"", c->kind);
        xml_str(f, c->name);
        fprintf(f, "\" time=\"%.3f\"", c->seconds);
        if (c->result == CASE_PASSED && !*c->output) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n", f);
        if (c->result == CASE_SKIPPED) {
            fputs("      <skipped message=\"", f);
            xml_str(f, c->message);
            fputs("\"/>\n", f);
        } else if (c->result == CASE_FAILED || c->result == CASE_ERROR) {
            const char *tag = c->result == CASE_FAILED ? "failure" : "error";
            fprintf(f, "      <%s message=\"", tag);
            xml_str(f, c->message);
            fprintf(f, "\" type=\"%s\">", rr->outcome);
            xml_str(f, c->output);
            fprintf(f, "</%s>\n", tag);
        }
        if (c->result == CASE_PASSED || !strcmp(c->kind, "exec")) {
            fputs("      <system-out>", f);
            xml_str(f, c->output);
            fputs("</system-out>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("    <system-out>", f);
    if (rr->console_dropped)
        fprintf(f, "[... the first %llu bytes of the console are not kept ...]\n",
                (unsigned long long)rr->console_dropped);
    xml_put(f, rr->console, rr->console_len);
    fputs("</system-out>\n  </testsuite>\n</testsuites>\n", f);
    bool ok = !ferror(f);
    if (fclose(f) != 0) ok = false;
    if (!ok) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
