/* Device-side helpers: typed property access, output lookup and once-only "not modelled" notes. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "once_set.h"
#include "soc/device.h"
#include "soc/log.h"

bool dev_parse_u64(const char *text, uint64_t *value) {
    if (!text) return false;
    while (isspace((unsigned char)*text))
        text++;
    if (!isdigit((unsigned char)*text)) return false; /* strtoull would accept '-' and '+' */
    bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    char *end;
    errno = 0;
    /* Base 10 unless 0x: a leading zero must not silently mean octal in a board file. */
    uint64_t v = strtoull(text, &end, hex ? 16 : 10);
    if (errno || end == text || (hex && end == text + 2)) return false;
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default: break;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end) return false;
    if (shift && v > (UINT64_MAX >> shift)) return false;
    *value = v << shift;
    return true;
}

bool dev_parse_bool(const char *text, bool *value) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    if (!text) return false;
    for (unsigned i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *value = true;
            return true;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *value = false;
            return true;
        }
    }
    return false;
}

/* The value text of a property, or NULL (with an error naming the device) if the type lacks it. */
static const char *prop_text(const dev_ctx *ctx, const char *name, dev_prop_kind kind) {
    const dev_type *t = ctx->type;
    for (unsigned i = 0; i < t->n_props && i < DEV_MAX_PROPS; i++) {
        if (strcmp(t->props[i].name, name) != 0) continue;
        if (t->props[i].kind != kind)
            soc_error("%s: property '%s' read as the wrong type", ctx->name, name);
        return ctx->prop_values[i] ? ctx->prop_values[i] : t->props[i].default_value;
    }
    soc_error("%s: device type '%s' has no property '%s'", ctx->name, t->name, name);
    return NULL;
}

uint64_t dev_prop_u64(const dev_ctx *ctx, const char *name) {
    const char *text = prop_text(ctx, name, PROP_U64);
    uint64_t value = 0;
    if (text && !dev_parse_u64(text, &value))
        soc_error("%s: property '%s' = '%s' is not a number", ctx->name, name, text);
    return value;
}

bool dev_prop_bool(const dev_ctx *ctx, const char *name) {
    const char *text = prop_text(ctx, name, PROP_BOOL);
    bool value = false;
    if (text && !dev_parse_bool(text, &value))
        soc_error("%s: property '%s' = '%s' is not a boolean", ctx->name, name, text);
    return value;
}

const char *dev_prop_str(const dev_ctx *ctx, const char *name) {
    const char *text = prop_text(ctx, name, PROP_STR);
    return text ? text : "";
}

int dev_irq_output_index(const dev_type *t, const char *name) {
    for (unsigned i = 0; i < t->n_irq_outputs; i++)
        if (strcmp(t->irq_outputs[i], name) == 0) return (int)i;
    return -1;
}

/* Process-wide: a dev_ctx lives as long as its machine, and the key is its address. */
static once_set *warned_registers;

void dev_warn_unimp(const dev_ctx *ctx, uint64_t offset, bool is_write, uint64_t value) {
    if (once_set_first(&warned_registers, (uint64_t)(uintptr_t)ctx, offset)) {
        if (is_write)
            soc_warn("%s: register 0x%" PRIx64 " (write 0x%" PRIx64 ") not modelled", ctx->name,
                     offset, value);
        else
            soc_warn("%s: register 0x%" PRIx64 " (read) not modelled", ctx->name, offset);
    }
    soc_trace(TRACE_UNIMP, "%s: %s register 0x%" PRIx64 " value 0x%" PRIx64, ctx->name,
              is_write ? "write" : "read", offset, value);
}
