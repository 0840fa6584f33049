/* cmdline.txt (rpi_cmdline_from_text): the first line, CR/LF and trailing blanks removed. */
#include "fuzz_util.h"
#include "loader/rpi_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    char *line = rpi_cmdline_from_text((const char *)data, len);
    if (!line) abort();
    size_t n = strlen(line);
    if (n > len) abort();
    if (memchr(line, '\n', n) || memchr(line, '\r', n)) abort();
    if (n && (line[n - 1] == ' ' || line[n - 1] == '\t')) abort();
    free(line);
    return 0;
}
