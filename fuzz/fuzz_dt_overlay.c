/* config.txt dtoverlay=/dtparam= (loader/dt_overlay.c). The input is up to four parts separated
 * by lines "%%": the base DTB, an overlay blob, the directives (one per line) and a second
 * overlay. An overlay NAME starting with 'x' is missing, with 'y' an I/O error, with 'b' the
 * second overlay (when there is one), anything else the first. */
#include "fuzz_util.h"
#include "loader/dt_overlay.h"
#include "loader/dtb.h"

typedef struct parts {
    fuzz_mem p[4];
    size_t n;
} parts;

static int read_overlay(void *ctx, const char *name, uint8_t **data, size_t *len, char *err,
                        size_t errlen) {
    const parts *f = ctx;
    /* name is overlay_dir + NAME + ".dtbo" */
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (base[0] == 'x' || f->n < 2) return 1;
    if (base[0] == 'y') {
        snprintf(err, errlen, "%s: I/O error", name);
        return -1;
    }
    const fuzz_mem *m = base[0] == 'b' && f->n > 3 ? &f->p[3] : &f->p[1];
    *data = malloc(m->len ? m->len : 1);
    if (!*data) abort();
    memcpy(*data, m->data, m->len);
    *len = m->len;
    return 0;
}

static void warn(void *ctx, const char *message) {
    if (!message || !message[0]) abort();
    (*(unsigned *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    parts f;
    f.n = fuzz_split(data, len, f.p, 4);
    char err[512] = "";
    size_t blob_len = f.p[0].len;
    uint8_t *blob = malloc(blob_len ? blob_len : 1);
    if (!blob) abort();
    memcpy(blob, f.p[0].data, blob_len);
    if (dtb_check("base.dtb", blob, blob_len, err, sizeof err)) {
        free(blob);
        return 0;
    }
    /* Directives: the lines of part 2 (at most 32), NUL-terminated copies. */
    const char *items[32];
    size_t n_items = 0;
    char *text = NULL;
    if (f.n > 2) {
        text = malloc(f.p[2].len + 1);
        if (!text) abort();
        memcpy(text, f.p[2].data, f.p[2].len);
        text[f.p[2].len] = 0;
        for (char *s = text; *s && n_items < 32;) {
            char *e = strchr(s, '\n');
            if (e) *e = 0;
            items[n_items++] = s;
            if (!e) break;
            s = e + 1;
        }
    } else {
        items[n_items++] = "dtoverlay=a";
    }
    unsigned warnings = 0;
    dt_overlay_env env = {.overlay_dir = "overlays/",
                          .read = read_overlay,
                          .read_ctx = &f,
                          .warn = warn,
                          .warn_ctx = &warnings};
    if (dt_overlay_apply_config("base.dtb", &blob, &blob_len, items, n_items, &env, err,
                                sizeof err) == 0) {
        /* Whatever was applied, the result is a DTB the kernel can take. */
        if (dtb_check("merged.dtb", blob, blob_len, err, sizeof err)) {
            fprintf(stderr, "overlays made a bad blob: %s\n", err);
            abort();
        }
    } else if (!err[0]) {
        abort();
    }
    free(text);
    free(blob);
    return 0;
}
