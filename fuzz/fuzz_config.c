/* config.txt (loader/rpi_config.c) with `include`: the input is several files separated by lines
 * "%%": the first is config.txt; `include NAME` reads part (NAME[0] % parts), or "not on the
 * boot partition" when NAME starts with 'x'. */
#include "fuzz_util.h"
#include "loader/rpi_config.h"

#define MAX_PARTS 4

typedef struct files {
    fuzz_mem parts[MAX_PARTS];
    size_t n;
} files;

static int read_include(void *ctx, const char *name, char **text, size_t *len, char *err,
                        size_t errlen) {
    const files *f = ctx;
    if (name[0] == 'x') return 1;
    if (name[0] == 'y') {
        snprintf(err, errlen, "I/O error");
        return -1;
    }
    const fuzz_mem *p = &f->parts[(unsigned char)name[0] % f->n];
    /* As the firmware's reader gives it: exactly the file's bytes, no terminating NUL. */
    *text = malloc(p->len ? p->len : 1);
    if (!*text) abort();
    memcpy(*text, p->data, p->len);
    *len = p->len;
    return 0;
}

static void check_list(const rpi_string_list *l) {
    for (size_t i = 0; i < l->count; i++)
        if (!l->items[i]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    files f;
    f.n = fuzz_split(data, len, f.parts, MAX_PARTS);
    /* An exact-size copy (no NUL), so ASan sees any read past the end. */
    char *text = malloc(f.parts[0].len ? f.parts[0].len : 1);
    if (!text) abort();
    memcpy(text, f.parts[0].data, f.parts[0].len);
    static const rpi_board_id boards[] = {{.revision = 0xa02082, .serial = 0xc0ffee42},
                                          {.revision = 0xa020d3, .serial = 0x1234}};
    for (size_t b = 0; b < 2; b++) {
        rpi_config c;
        rpi_config_init(&c);
        char err[512] = "";
        int rc = rpi_config_parse(&c, "config.txt", text, f.parts[0].len, &boards[b], read_include,
                                  &f, err, sizeof err);
        if (rc && !err[0]) abort();
        check_list(&c.initramfs);
        check_list(&c.dt_directives);
        check_list(&c.warnings);
        rpi_config_free(&c);
    }
    free(text);
    return 0;
}
