/* The Raspberry Pi firmware's device tree overlays and parameters (config.txt `dtoverlay=` and
 * `dtparam=`; facts: raspberrypi/documentation configuration/device-tree.adoc).
 *
 * Directives are processed in config.txt order. `dtoverlay=NAME[,PARAM[=VALUE]...]` loads
 * OVERLAY_DIR/NAME.dtbo, resolves its label references against the base DT (__symbols__, or
 * /aliases when a label is not there, as the firmware does), applies the parameters through the
 * overlay's __overrides__ and merges it with libfdt's fdt_overlay_apply once the overlay's scope
 * ends (the next dtoverlay line, or the end). `dtparam=PARAM[=VALUE][,...]` sets parameters of the
 * overlay in scope, else of the base DT's __overrides__; `dtoverlay=` (no name) ends the scope.
 * A parameter without a value is "true".
 *
 * Override forms: `<&label>,"prop"` string ("status" maps booleans to okay/disabled, "bootargs"
 * appends, "name" renames the node), `"prop.N"` / `;N` / `:N` / `#N` 8/16/32/64-bit integer at byte
 * offset N ("reg" at 0 also renames the unit address), `"prop?"` / `"prop!"` boolean and inverted
 * boolean, `"prop["` byte string, `"...=literal"` and `"...=",<cell>` literal assignments,
 * `"...{key=value,...}"` lookup tables, and `<0>,"+N-N=N!N"` fragment enable/disable.
 *
 * Nothing here is fatal to the boot: a missing or corrupt .dtbo, an unknown parameter, a bad value
 * or a label the base DT does not have becomes a warning naming it, and what can be applied is. */
#ifndef LOADER_DT_OVERLAY_H
#define LOADER_DT_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

/* Reads a file (the caller adds its own prefix, e.g. os_prefix): 0 with a malloc'ed *data, 1 when
 * it does not exist, -1 on an error (err set). */
typedef int (*dt_overlay_read_fn)(void *ctx, const char *name, uint8_t **data, size_t *len,
                                  char *err, size_t errlen);
typedef void (*dt_overlay_warn_fn)(void *ctx, const char *message);

typedef struct dt_overlay_env {
    const char *overlay_dir; /* "overlays/" (config.txt overlay_prefix) */
    dt_overlay_read_fn read;
    void *read_ctx;
    dt_overlay_warn_fn warn;
    void *warn_ctx;
} dt_overlay_env;

/* Applies the directives ("dtoverlay=..." or "dtparam=...", as config.txt has them) to *blob
 * (len bytes, a checked DTB); on success *blob is a new malloc'ed packed blob (the old one freed)
 * and *len updated. Returns -1 (err: "LABEL: ...") only when out of memory. */
int dt_overlay_apply_config(const char *label, uint8_t **blob, size_t *len,
                            const char *const *directives, size_t n_directives,
                            const dt_overlay_env *env, char *err, size_t errlen);

#endif
