/* Compressed SD card images (soc/host_image_inflate.c): gzip, xz and zstd streams decompressed
 * into a sparse file. The input goes to a memfd (the function reads a file descriptor), the
 * format is the one host_image_sniff recognises, else chosen by the input length. File size is
 * capped (RLIMIT_FSIZE) so a decompression bomb ends in a clean "cannot decompress" error. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "../soc/host_image_inflate.h"
#include "fuzz_util.h"
#include "soc/host_image.h"

#define MAX_OUT (64u << 20)

static int in_fd = -1, out_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = MAX_OUT, .rlim_max = MAX_OUT};
    if (setrlimit(RLIMIT_FSIZE, &rl)) abort();
    in_fd = memfd_create("fuzz-in", 0);
    out_fd = memfd_create("fuzz-out", 0);
    if (in_fd < 0 || out_fd < 0) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    signal(SIGXFSZ, SIG_IGN); /* libFuzzer installs its own handler after LLVMFuzzerInitialize */
    static const char *const formats[] = {"gzip", "xz", "zstd"};
    const char *format = host_image_sniff(data, len);
    if (!format) format = formats[len % 3];
    if (ftruncate(in_fd, 0) || ftruncate(out_fd, 0)) abort();
    if (len && pwrite(in_fd, data, len, 0) != (ssize_t)len) abort();
    uint64_t size = 0;
    char err[512] = "";
    int rc =
        host_image_inflate(in_fd, format, "fuzz.img", out_fd, "/fuzz-tmp", &size, err, sizeof err);
    if (rc == 0) {
        struct stat st;
        if (fstat(out_fd, &st) || (uint64_t)st.st_size != size) abort();
    } else if (!err[0]) {
        abort();
    }
    return 0;
}
