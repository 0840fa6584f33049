/* Logging: thresholds, trace categories and their parser. */
#include "check.h"
#include "capture_log.h"

int main(void) {
    unsigned mask = 0;
    char err[128] = "";
    CHECK(soc_trace_parse("insn,int,unimp", &mask, err, sizeof err));
    CHECK_EQ_U64(mask, TRACE_INSN | TRACE_INT | TRACE_UNIMP);
    CHECK(soc_trace_parse("exec,mmu", &mask, err, sizeof err));
    CHECK_EQ_U64(mask, TRACE_EXEC | TRACE_MMU);
    CHECK(soc_trace_parse("", &mask, err, sizeof err));
    CHECK_EQ_U64(mask, 0);
    mask = 77;
    CHECK(!soc_trace_parse("int,bogus", &mask, err, sizeof err));
    CHECK_STR_CONTAINS(err, "'bogus'");
    CHECK_EQ_U64(mask, 77);                                /* untouched on error */
    CHECK(!soc_trace_parse("in", &mask, err, sizeof err)); /* no prefix matching */

    capture_start();
    soc_log_threshold = LOG_WARN;
    soc_log(LOG_INFO, "hidden %d", 1);
    soc_warn("shown %d", 2);
    soc_error("bad %s", "thing");
    soc_trace_mask = TRACE_INT;
    soc_trace(TRACE_INT, "irq %d", 3);
    soc_trace(TRACE_MMU, "fault %d", 4);
    CHECK(strstr(capture_text(), "hidden") == NULL);
    CHECK_STR_CONTAINS(capture_text(), "warning: shown 2\n");
    CHECK_STR_CONTAINS(capture_text(), "error: bad thing\n");
    CHECK_STR_CONTAINS(capture_text(), "irq 3\n");
    CHECK(strstr(capture_text(), "fault") == NULL);
    capture_stop();
    CHECK(soc_log_file() == stderr);
    return check_report("unit_log");
}
