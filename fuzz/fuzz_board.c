/* Board descriptors (boards/descriptor.c): the input is up to three files separated by lines
 * "%%", written to a private directory as fuzz.board, a.board and b.inc (so `include = a.board`
 * and `include = b.inc` find them; the built-in files can be included by name too). */
#include "boards/descriptor.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    fuzz_mem parts[3];
    size_t n = fuzz_split(data, len, parts, 3);
    static const char *const names[] = {"fuzz.board", "a.board", "b.inc"};
    char main_path[256] = "";
    for (size_t i = 0; i < 3; i++) {
        const char *path =
            fuzz_write_file(names[i], i < n ? parts[i].data : NULL, i < n ? parts[i].len : 0);
        if (i == 0) snprintf(main_path, sizeof main_path, "%s", path);
    }
    char err[1024] = "";
    board_desc *d = board_desc_load(main_path, NULL, err, sizeof err);
    if (d) {
        for (unsigned i = 0; i < d->n_devices; i++)
            if (board_desc_find_device(d, d->devices[i].name) < 0) abort();
        if (d->console >= (int)d->n_devices) abort();
        board_desc_free(d);
    } else if (!err[0]) {
        abort();
    }
    return 0;
}
