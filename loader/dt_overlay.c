/* config.txt dtoverlay/dtparam, the way the Raspberry Pi firmware applies them: label fix-ups
 * resolved against the base DT first, then the parameters (which may change what a fragment
 * targets or switch fragments on and off), then libfdt merges what is left. */
#include "loader/dt_overlay.h"
#include "loader/loader.h"

#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/dtb.h"

#define OVERLAY_MAX_SIZE (1u << 20)
#define OVERLAY_ROOM     (64u << 10) /* parameters may grow an overlay's properties */
#define VALUE_MAX        256         /* a parameter value, as the firmware limits it */
#define BYTES_MAX        32          /* a byte-string parameter */
#define PATH_MAX_LEN     512
#define WARNED           1 /* a helper already said what went wrong (libfdt errors are < 0) */

/* A cell in the overlay's __overrides__ that a fix-up pointed at a base DT node: an override with
 * that phandle targets the base, not the overlay. */
typedef struct base_ref {
    char *prop;
    int offset;
} base_ref;

typedef struct overlay_scope {
    char name[128];
    const char *directive; /* the dtoverlay line, for messages about the merge */
    uint8_t *fdt;          /* NULL: the base DT is in scope */
    bool failed;           /* the named overlay did not load: its parameters are dropped */
    base_ref *refs;
    size_t n_refs;
} overlay_scope;

typedef struct ov_ctx {
    const char *label;
    const dt_overlay_env *env;
    uint8_t *base; /* DTB_MAX_SIZE bytes of room */
    overlay_scope scope;
    const char *directive; /* for messages */
} ov_ctx;

static void warn(ov_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(ov_ctx *c, const char *fmt, ...) {
    char msg[LOADER_MSG_MAX];
    int n = snprintf(msg, sizeof msg, "%s: %s: ", c->label, c->directive);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    if (c->env->warn) c->env->warn(c->env->warn_ctx, msg);
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- values ---- */

/* The firmware's integer reading of a parameter value: a C number or a boolean word. */
static bool value_to_int(const char *v, uint64_t *out) {
    static const struct {
        const char *word;
        uint64_t value;
    } words[] = {{"y", 1}, {"yes", 1}, {"on", 1},  {"true", 1},  {"down", 1},
                 {"n", 0}, {"no", 0},  {"off", 0}, {"false", 0}, {"up", 2}};
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    if (*v && !*end && !errno) {
        *out = n;
        return true;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (!strcmp(v, words[i].word)) {
            *out = words[i].value;
            return true;
        }
    }
    return false;
}

/* "status" takes okay/disabled; boolean words are translated. */
static const char *status_value(const char *v) {
    static const char *const on[] = {"y", "yes", "on", "true", "enable", "1"};
    static const char *const off[] = {"n", "no", "off", "false", "0"};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        if (!strcmp(v, on[i])) return "okay";
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        if (!strcmp(v, off[i])) return "disabled";
    return v;
}

static int hex_nibble(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* C-style escapes in string values (\n, \t, \\, \', \", \xHH, octal). */
static bool unescape(const char *in, char *out, size_t outlen) {
    size_t n = 0;
    while (*in && n + 1 < outlen) {
        int ch = (unsigned char)*in++;
        if (ch == '\\') {
            ch = (unsigned char)*in++;
            if (ch >= '0' && ch <= '7') {
                ch -= '0';
                for (int i = 0; i < 2 && *in >= '0' && *in <= '7'; i++)
                    ch = ch * 8 + (*in++ - '0');
                if (ch > 255) return false;
            } else if (ch == 'x') {
                int hi = hex_nibble(in[0]), lo = hi < 0 ? -1 : hex_nibble(in[1]);
                if (lo < 0) return false;
                ch = hi << 4 | lo;
                in += 2;
            } else {
                static const char from[] = "abfnrtv\\'\"", to[] = "\a\b\f\n\r\t\v\\'\"";
                const char *p = ch ? strchr(from, ch) : NULL;
                if (!p) return false;
                ch = (unsigned char)to[p - from];
            }
        }
        out[n++] = (char)ch;
    }
    out[n] = 0;
    return !*in;
}

/* ---- node renames that keep the overlay's bookkeeping consistent ---- */

/* Paths in __symbols__ under old (the node or below) now start with new. */
static void rename_symbol_paths(uint8_t *fdt, const char *old_path, const char *new_path) {
    int sym = fdt_path_offset(fdt, "/__symbols__");
    if (sym < 0) return;
    size_t old_len = strlen(old_path);
    for (int prop = fdt_first_property_offset(fdt, sym); prop >= 0;
         prop = fdt_next_property_offset(fdt, prop)) {
        const char *name;
        int len;
        const char *val = fdt_getprop_by_offset(fdt, prop, &name, &len);
        if (!val || (size_t)len <= old_len || strncmp(val, old_path, old_len) ||
            (val[old_len] != '/' && val[old_len] != 0))
            continue;
        char updated[PATH_MAX_LEN];
        int n = snprintf(updated, sizeof updated, "%s%s", new_path, val + old_len);
        if (n < 0 || (size_t)n >= sizeof updated) continue;
        char prop_name[128];
        snprintf(prop_name, sizeof prop_name, "%s", name);
        /* The property keeps its offset; later ones may move, so continue from it. */
        fdt_setprop_string(fdt, sym, prop_name, updated);
    }
}

/* Renames a node; the overlay's __local_fixups__ mirror node and __symbols__ paths follow, so
 * libfdt still finds what they describe. Returns 0 or a libfdt error. */
static int rename_node(uint8_t *fdt, int node, const char *new_name) {
    char old_path[PATH_MAX_LEN], new_path[PATH_MAX_LEN];
    int rc = fdt_get_path(fdt, node, old_path, sizeof old_path);
    if (rc) return rc;
    const char *slash = strrchr(old_path, '/');
    if (!strcmp(slash + 1, new_name)) return 0;
    snprintf(new_path, sizeof new_path, "%.*s/%s", (int)(slash - old_path), old_path, new_name);
    if ((rc = fdt_set_name(fdt, node, new_name))) return rc;
    char mirror[PATH_MAX_LEN + 32];
    snprintf(mirror, sizeof mirror, "/__local_fixups__%s", old_path);
    int m = fdt_path_offset(fdt, mirror);
    if (m >= 0 && (rc = fdt_set_name(fdt, m, new_name))) return rc;
    rename_symbol_paths(fdt, old_path, new_path);
    return 0;
}

/* ---- one override target ---- */

typedef enum { KIND_STRING, KIND_INT, KIND_BOOL, KIND_BOOL_INV, KIND_BYTES } target_kind;

typedef struct override_target {
    target_kind kind;
    char prop[128];
    int offset, size; /* KIND_INT */
} override_target;

static int set_string(ov_ctx *c, uint8_t *fdt, int node, const char *prop, const char *value) {
    char text[VALUE_MAX];
    if (!unescape(value, text, sizeof text)) {
        warn(c, "bad escape in '%s'", value);
        return WARNED;
    }
    if (!strcmp(prop, "name")) return rename_node(fdt, node, text);
    int len;
    const char *old = fdt_getprop(fdt, node, prop, &len);
    if (!strcmp(prop, "bootargs") && old && len > 0 && old[0]) {
        /* bootargs grows: the old terminator becomes the separating space */
        char joined[4096];
        int n = snprintf(joined, sizeof joined, "%.*s %s", len - 1, old, text);
        if (n < 0 || (size_t)n >= sizeof joined) return -FDT_ERR_NOSPACE;
        return fdt_setprop_string(fdt, node, prop, joined);
    }
    return fdt_setprop_string(fdt, node, prop, text);
}

static int set_integer(ov_ctx *c, uint8_t *fdt, int node, const override_target *t, uint64_t v) {
    int len;
    const uint8_t *old = fdt_getprop(fdt, node, t->prop, &len);
    if (!old) len = 0;
    size_t need = (size_t)t->offset + (size_t)t->size;
    bool is_reg = !strcmp(t->prop, "reg");
    if (t->offset < 0 || need > OVERLAY_ROOM) {
        warn(c, "offset %d of '%s' is out of range", t->offset, t->prop);
        return WARNED;
    }
    if (is_reg && (size_t)len < need) {
        warn(c, "'reg' is too short for offset %d (reg is not created or grown)", t->offset);
        return WARNED;
    }
    /* Missing or short properties are created or zero-extended. */
    size_t out_len = (size_t)len > need ? (size_t)len : need;
    uint8_t *buf = calloc(1, out_len);
    if (!buf) return -FDT_ERR_NOSPACE;
    if (len > 0) memcpy(buf, old, (size_t)len);
    for (int i = 0; i < t->size; i++) /* big-endian, as DT cells are */
        buf[t->offset + i] = (uint8_t)(v >> (8 * (t->size - 1 - i)));
    int rc = fdt_setprop(fdt, node, t->prop, buf, (int)out_len);
    free(buf);
    if (rc || !is_reg || t->offset) return rc;
    /* reg at 0 is the unit address: the node name follows */
    const char *name = fdt_get_name(fdt, node, NULL);
    const char *at = name ? strchr(name, '@') : NULL;
    if (!at) return 0;
    char renamed[160];
    snprintf(renamed, sizeof renamed, "%.*s@%x", (int)(at - name), name, (uint32_t)v);
    return rename_node(fdt, node, renamed);
}

static int set_bytes(ov_ctx *c, uint8_t *fdt, int node, const char *prop, const char *value) {
    uint8_t bytes[BYTES_MAX];
    int n = 0;
    for (const char *p = value; *p;) {
        if (*p == ':' || *p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        int hi = hex_nibble(p[0]), lo = hi < 0 ? -1 : hex_nibble(p[1]);
        if (lo < 0 || n == BYTES_MAX) {
            warn(c, "'%s' is not a byte string (hex bytes, at most %d)", value, BYTES_MAX);
            return WARNED;
        }
        bytes[n++] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    return fdt_setprop(fdt, node, prop, bytes, n);
}

/* Applies value to one target; returns 0, -1 (warned) or a libfdt error. */
static int apply_target(ov_ctx *c, uint8_t *fdt, int node, const override_target *t,
                        const char *value) {
    uint64_t v = 0;
    if (t->kind == KIND_STRING) {
        if (!strcmp(t->prop, "status")) value = status_value(value);
        return set_string(c, fdt, node, t->prop, value);
    }
    if (t->kind == KIND_BYTES) return set_bytes(c, fdt, node, t->prop, value);
    if (!value_to_int(value, &v)) {
        warn(c, "'%s' is not a number or boolean for '%s'", value, t->prop);
        return WARNED;
    }
    if (t->kind == KIND_INT) return set_integer(c, fdt, node, t, v);
    if ((v != 0) != (t->kind == KIND_BOOL_INV)) return fdt_setprop(fdt, node, t->prop, NULL, 0);
    int rc = fdt_delprop(fdt, node, t->prop);
    return rc == -FDT_ERR_NOTFOUND ? 0 : rc;
}

/* <0>,"+1-2=3!4": fragments switched between __overlay__ (applied) and __dormant__. */
static int apply_fragment_ops(ov_ctx *c, uint8_t *fdt, const char *ops, const char *value) {
    uint64_t v = 0;
    bool have_value = value_to_int(value, &v);
    for (const char *p = ops; *p;) {
        char op = *p++;
        char *end;
        unsigned long frag = strtoul(p, &end, 10);
        if (!strchr("+-=!", op) || end == p) {
            warn(c, "bad fragment operation '%s'", ops);
            return WARNED;
        }
        p = end;
        if ((op == '=' || op == '!') && !have_value) {
            warn(c, "'%s' is not a boolean", value);
            return WARNED;
        }
        bool on = op == '+' || (op == '=' && v) || (op == '!' && !v);
        char path[40];
        snprintf(path, sizeof path, "/fragment@%lu", frag);
        int f = fdt_path_offset(fdt, path);
        if (f < 0) {
            snprintf(path, sizeof path, "/fragment-%lu", frag);
            f = fdt_path_offset(fdt, path);
        }
        if (f < 0) {
            warn(c, "fragment %lu not found", frag);
            return WARNED;
        }
        int body = fdt_subnode_offset(fdt, f, on ? "__dormant__" : "__overlay__");
        if (body >= 0) { /* same length names: offsets elsewhere stay valid */
            int rc = rename_node(fdt, body, on ? "__overlay__" : "__dormant__");
            if (rc) return rc;
        }
    }
    return 0;
}

/* ---- parsing an __overrides__ property ---- */

/* The value stream of one property: strings and, after a "...=" string, 4-byte cells. */
typedef struct stream {
    const uint8_t *data;
    size_t len, pos;
} stream;

static bool at_string_end(const stream *s, size_t i) {
    return i < s->len && s->data[i] == 0;
}

/* A lookup-table value starting at s->pos: 'quoted', up to , or }, or a cell after a string that
 * ended at the '='. Copies it to out (if not NULL) and advances. */
static bool read_immediate(stream *s, char *out, size_t outlen) {
    const char *p = (const char *)s->data;
    if (at_string_end(s, s->pos) && s->pos + 5 <= s->len) {
        uint32_t cell = be32(s->data + s->pos + 1);
        if (out) snprintf(out, outlen, "%u", cell);
        s->pos += 5;
        return true;
    }
    size_t start = s->pos, end;
    if (s->pos < s->len && p[s->pos] == '\'') {
        start++;
        for (end = start; end < s->len && p[end] != '\'' && p[end]; end++)
            ;
        if (end >= s->len || p[end] != '\'') return false;
        s->pos = end + 1;
    } else {
        for (end = start; end < s->len && p[end] != ',' && p[end] != '}' && p[end]; end++)
            ;
        s->pos = end;
    }
    if (end - start >= outlen) return false;
    if (out) {
        memcpy(out, p + start, end - start);
        out[end - start] = 0;
    }
    if (s->pos < s->len && p[s->pos] == ',') s->pos++;
    return true;
}

/* {key=value,key,=default,...}: the value the key maps to, in out. An empty entry lets an
 * unmatched key through unchanged. Leaves s after the table's string. */
static int lookup(ov_ctx *c, stream *s, const char *key, char *out, size_t outlen) {
    const char *p = (const char *)s->data;
    int found = 0; /* 1 key matched, 2 default, 3 passthrough allowed */
    char result[VALUE_MAX] = "";
    while (s->pos < s->len && p[s->pos] && p[s->pos] != '}') {
        size_t k = s->pos;
        while (k < s->len && p[k] && !strchr("=,}", p[k]))
            k++;
        size_t key_len = k - s->pos;
        char sep = k < s->len ? p[k] : 0;
        bool match =
            key_len && found != 1 && strlen(key) == key_len && !strncmp(p + s->pos, key, key_len);
        bool is_default = !key_len && sep == '=' && !found;
        s->pos = k;
        if (sep == '=') {
            s->pos++;
            if (!read_immediate(s, match || is_default ? result : NULL, sizeof result)) {
                warn(c, "malformed lookup table");
                return -1;
            }
            if (match) found = 1;
            if (is_default) found = 2;
        } else {
            if (match) {
                snprintf(result, sizeof result, "%s", key);
                found = 1;
            } else if (!key_len && !found) {
                found = 3;
            }
            if (sep == ',') s->pos++;
        }
    }
    if (s->pos >= s->len || p[s->pos] != '}' || !at_string_end(s, s->pos + 1)) {
        warn(c, "malformed lookup table (characters after '}'?)");
        return -1;
    }
    s->pos += 2;
    if (!found) {
        warn(c, "'%s' is not one of the parameter's values", key);
        return -1;
    }
    snprintf(out, outlen, "%s", found == 3 ? key : result);
    return 0;
}

static bool is_base_ref(const overlay_scope *sc, const char *param, size_t offset) {
    for (size_t i = 0; i < sc->n_refs; i++)
        if (sc->refs[i].offset == (int)offset && !strcmp(sc->refs[i].prop, param)) return true;
    return false;
}

/* Applies parameter name=value through fdt's __overrides__ (fdt is the overlay in scope or the
 * base). Returns 1 when fdt has no such parameter, 0 otherwise (problems warned). */
static int apply_param(ov_ctx *c, uint8_t *fdt, bool is_overlay, const char *name,
                       const char *value) {
    int ovr = fdt_path_offset(fdt, "/__overrides__");
    int len;
    const void *prop = ovr >= 0 ? fdt_getprop(fdt, ovr, name, &len) : NULL;
    if (!prop) return 1;
    uint8_t *copy = malloc((size_t)len + 1); /* the tree moves as it is edited */
    if (!copy) {
        warn(c, "out of memory");
        return 0;
    }
    memcpy(copy, prop, (size_t)len);
    stream s = {copy, (size_t)len, 0};
    while (s.pos < s.len) {
        size_t entry = s.pos;
        if (s.len - s.pos < 6 || !memchr(s.data + s.pos + 4, 0, s.len - s.pos - 4)) {
            warn(c, "parameter '%s': malformed __overrides__ entry", name);
            break;
        }
        uint32_t phandle = be32(s.data + s.pos);
        const char *spec = (const char *)s.data + s.pos + 4;
        s.pos += 4 + strlen(spec) + 1;
        char v[VALUE_MAX];
        snprintf(v, sizeof v, "%s", value);
        if (phandle == 0) {
            if (!is_overlay) {
                warn(c, "parameter '%s': fragment operations in the base DT", name);
                break;
            }
            int rc = apply_fragment_ops(c, fdt, spec, v);
            if (rc < 0) warn(c, "parameter '%s': %s", name, fdt_strerror(rc));
            if (rc) break;
            continue;
        }
        override_target t = {.kind = KIND_STRING};
        size_t target_len = strcspn(spec, "={");
        size_t name_len = strcspn(spec, ".;:#?![{=");
        snprintf(t.prop, sizeof t.prop, "%.*s", (int)name_len, spec);
        if (name_len < target_len) {
            char sep = spec[name_len];
            const char *sizes = ".;:#";
            if (sep == '?')
                t.kind = KIND_BOOL;
            else if (sep == '!')
                t.kind = KIND_BOOL_INV;
            else if (sep == '[')
                t.kind = KIND_BYTES;
            else {
                t.kind = KIND_INT;
                t.size = 1 << (strchr(sizes, sep) - sizes);
                t.offset = atoi(spec + name_len + 1);
            }
        }
        if (spec[target_len] == '=') {
            const char *literal = spec + target_len + 1;
            bool cell = !*literal && t.kind != KIND_STRING && t.kind != KIND_BYTES;
            if (cell && s.pos + 4 > s.len) {
                warn(c, "parameter '%s': truncated cell value", name);
                break;
            }
            if (cell) {
                snprintf(v, sizeof v, "%u", be32(s.data + s.pos));
                s.pos += 4;
            } else {
                snprintf(v, sizeof v, "%s", literal);
            }
        } else if (spec[target_len] == '{') {
            s.pos = (size_t)(spec - (const char *)s.data) + target_len + 1;
            if (lookup(c, &s, value, v, sizeof v)) break;
        }
        /* A label the overlay takes from the base DT targets the base. */
        uint8_t *tree = is_overlay && is_base_ref(&c->scope, name, entry) ? c->base : fdt;
        int node = fdt_node_offset_by_phandle(tree, phandle);
        if (node < 0) {
            warn(c, "parameter '%s': no node with phandle %u", name, phandle);
            break;
        }
        int rc = apply_target(c, tree, node, &t, v);
        if (rc == WARNED) break;
        if (rc < 0) {
            warn(c, "parameter '%s': cannot set '%s' (%s)", name, t.prop, fdt_strerror(rc));
            break;
        }
    }
    free(copy);
    return 0;
}

/* ---- loading an overlay ---- */

/* The base node a label names: __symbols__, else /aliases (the firmware's fallback). */
static int base_label_node(ov_ctx *c, const char *label) {
    const char *dirs[] = {"/__symbols__", "/aliases"};
    for (size_t i = 0; i < 2; i++) {
        int d = fdt_path_offset(c->base, dirs[i]);
        const char *path = d >= 0 ? fdt_getprop(c->base, d, label, NULL) : NULL;
        int node = path ? fdt_path_offset(c->base, path) : -1;
        if (node >= 0) return node;
    }
    return -1;
}

static int remember_base_ref(overlay_scope *sc, const char *prop, int offset) {
    base_ref *refs = realloc(sc->refs, (sc->n_refs + 1) * sizeof *refs);
    if (!refs) return -1;
    sc->refs = refs;
    if (!(refs[sc->n_refs].prop = strdup(prop))) return -1;
    refs[sc->n_refs++].offset = offset;
    return 0;
}

/* Writes the base DT's phandles into the overlay where __fixups__ says, then drops __fixups__
 * (libfdt would otherwise redo them after the parameters changed the cells). */
static int resolve_fixups(ov_ctx *c, uint8_t *ov) {
    int fix = fdt_path_offset(ov, "/__fixups__");
    if (fix < 0) return 0;
    int prop;
    fdt_for_each_property_offset(prop, ov, fix) {
        const char *label;
        int len;
        const char *locs = fdt_getprop_by_offset(ov, prop, &label, &len);
        int node = locs ? base_label_node(c, label) : -1;
        if (node < 0) {
            warn(c, "label '%s' is not in the base DT's __symbols__ or aliases: not applied",
                 label);
            return -1;
        }
        uint32_t ph = fdt_get_phandle(c->base, node);
        if (!ph) { /* a node nothing referred to yet gets a phandle */
            if (fdt_find_max_phandle(c->base, &ph) ||
                fdt_setprop_u32(c->base, node, "phandle", ++ph)) {
                warn(c, "cannot give the base DT's '%s' a phandle: not applied", label);
                return -1;
            }
        }
        fdt32_t cell = cpu_to_fdt32(ph);
        for (int at = 0; at < len; at += (int)strlen(locs + at) + 1) {
            char loc[PATH_MAX_LEN];
            snprintf(loc, sizeof loc, "%s", locs + at);
            char *colon2 = strrchr(loc, ':');
            char *colon1 = colon2 ? memchr(loc, ':', (size_t)(colon2 - loc)) : NULL;
            if (!colon1) {
                warn(c, "malformed __fixups__ entry '%s'", loc);
                return -1;
            }
            *colon1 = *colon2 = 0;
            int offset = atoi(colon2 + 1);
            int target = fdt_path_offset(ov, loc);
            if (target < 0 ||
                fdt_setprop_inplace_namelen_partial(ov, target, colon1 + 1, (int)strlen(colon1 + 1),
                                                    (uint32_t)offset, &cell, 4)) {
                warn(c, "__fixups__ entry '%s:%s' points nowhere", loc, colon1 + 1);
                return -1;
            }
            if (!strcmp(loc, "/__overrides__") &&
                remember_base_ref(&c->scope, colon1 + 1, offset)) {
                warn(c, "out of memory");
                return -1;
            }
        }
    }
    return fdt_del_node(ov, fix) ? -1 : 0;
}

/* Labels stay private to an overlay unless __exports__ names them. */
static void keep_exported_symbols(uint8_t *ov) {
    int sym = fdt_path_offset(ov, "/__symbols__");
    if (sym < 0) return;
    if (fdt_path_offset(ov, "/__exports__") < 0) {
        fdt_del_node(ov, sym);
        return;
    }
    for (bool deleted = true; deleted;) {
        deleted = false;
        int exp = fdt_path_offset(ov, "/__exports__"), prop;
        sym = fdt_path_offset(ov, "/__symbols__");
        fdt_for_each_property_offset(prop, ov, sym) {
            const char *name;
            fdt_getprop_by_offset(ov, prop, &name, NULL);
            if (!name || fdt_getprop(ov, exp, name, NULL)) continue;
            char copy[128];
            snprintf(copy, sizeof copy, "%s", name);
            deleted = fdt_delprop(ov, sym, copy) == 0;
            break;
        }
    }
}

static void scope_free(overlay_scope *sc) {
    free(sc->fdt);
    for (size_t i = 0; i < sc->n_refs; i++)
        free(sc->refs[i].prop);
    free(sc->refs);
    memset(sc, 0, sizeof *sc);
}

/* Whether every __local_fixups__ offset (under fix, for the overlay node tree) leaves room for
 * the phandle cell in its property. libfdt 1.6.1 reads the cell before checking (a read past
 * the blob, found by fuzz_dt_overlay); a fixup naming a node or property that is not there is
 * left to libfdt, which refuses it cleanly. */
static bool local_fixups_in_bounds(const uint8_t *ov, int tree, int fix, int depth) {
    if (depth > 64) return false;
    int prop;
    fdt_for_each_property_offset(prop, ov, fix) {
        const char *name;
        int fix_len, tree_len;
        const fdt32_t *cells = fdt_getprop_by_offset(ov, prop, &name, &fix_len);
        if (!cells || !name || fix_len % 4) return false;
        if (!fdt_getprop(ov, tree, name, &tree_len)) continue;
        for (int i = 0; i < fix_len / 4; i++)
            if (tree_len < 4 || fdt32_ld(&cells[i]) > (uint32_t)tree_len - 4) return false;
    }
    int child;
    fdt_for_each_subnode(child, ov, fix) {
        const char *child_name = fdt_get_name(ov, child, NULL);
        int tree_child = child_name ? fdt_subnode_offset(ov, tree, child_name) : -1;
        if (tree_child >= 0 && !local_fixups_in_bounds(ov, tree_child, child, depth + 1))
            return false;
    }
    return true;
}

/* Merges the overlay in scope into the base; on failure the base is left as it was. */
static void end_scope(ov_ctx *c) {
    int local_fixups = c->scope.fdt ? fdt_path_offset(c->scope.fdt, "/__local_fixups__") : -1;
    if (local_fixups >= 0 && !local_fixups_in_bounds(c->scope.fdt, 0, local_fixups, 0)) {
        c->directive = c->scope.directive;
        warn(c, "overlay '%s' not applied: a __local_fixups__ offset lies outside its property",
             c->scope.name);
    } else if (c->scope.fdt) {
        c->directive = c->scope.directive;
        size_t size = fdt_totalsize(c->base);
        uint8_t *backup = malloc(size);
        if (!backup) {
            warn(c, "out of memory: overlay '%s' not applied", c->scope.name);
        } else {
            memcpy(backup, c->base, size);
            int rc = fdt_overlay_apply(c->base, c->scope.fdt);
            if (rc) {
                fdt_open_into(backup, c->base, DTB_MAX_SIZE);
                warn(c, "overlay '%s' not applied: %s%s", c->scope.name, fdt_strerror(rc),
                     rc == -FDT_ERR_NOTFOUND  ? " (a fragment's target is not in the base DT)"
                     : rc == -FDT_ERR_NOSPACE ? " (the DTB would be too large)"
                                              : "");
            }
            free(backup);
        }
    }
    scope_free(&c->scope);
}

static void apply_params(ov_ctx *c, char *list, bool fall_back_to_base);

static void load_overlay(ov_ctx *c, char *spec) {
    char *params = strchr(spec, ',');
    if (params) *params++ = 0;
    snprintf(c->scope.name, sizeof c->scope.name, "%s", spec);
    c->scope.directive = c->directive;
    c->scope.failed = true;
    char file[300], why[400] = "";
    snprintf(file, sizeof file, "%s%s.dtbo", c->env->overlay_dir ? c->env->overlay_dir : "", spec);
    uint8_t *raw = NULL;
    size_t len = 0;
    int rc = c->env->read(c->env->read_ctx, file, &raw, &len, why, sizeof why);
    if (rc == 1) {
        warn(c, "%s not found: overlay not applied", file);
        return;
    }
    if (rc) {
        warn(c, "%s: overlay not applied", why);
        return;
    }
    if (len > OVERLAY_MAX_SIZE || dtb_check(file, raw, len, why, sizeof why)) {
        if (len > OVERLAY_MAX_SIZE) snprintf(why, sizeof why, "%s: larger than 1 MiB", file);
        warn(c, "%s: overlay not applied", why);
        free(raw);
        return;
    }
    size_t cap = len + OVERLAY_ROOM;
    c->scope.fdt = malloc(cap);
    if (!c->scope.fdt || fdt_open_into(raw, c->scope.fdt, (int)cap)) {
        warn(c, "%s: cannot open the overlay: not applied", file);
        free(raw);
        free(c->scope.fdt);
        c->scope.fdt = NULL;
        return;
    }
    free(raw);
    if (resolve_fixups(c, c->scope.fdt)) {
        free(c->scope.fdt);
        c->scope.fdt = NULL;
        return;
    }
    keep_exported_symbols(c->scope.fdt);
    c->scope.failed = false;
    if (params) apply_params(c, params, false);
}

/* "a=1,b,c=x": each parameter to the overlay in scope, then (dtparam lines) the base. */
static void apply_params(ov_ctx *c, char *list, bool fall_back_to_base) {
    for (char *item = list, *next; item; item = next) {
        next = strchr(item, ',');
        if (next) *next++ = 0;
        if (!*item) continue;
        char *eq = strchr(item, '=');
        const char *value = "true";
        if (eq) {
            *eq = 0;
            value = eq + 1;
        }
        if (c->scope.failed) {
            warn(c, "parameter '%s' ignored: overlay '%s' was not loaded", item, c->scope.name);
            continue;
        }
        int rc = 1;
        if (c->scope.fdt) rc = apply_param(c, c->scope.fdt, true, item, value);
        if (rc == 1 && (fall_back_to_base || !c->scope.fdt))
            rc = apply_param(c, c->base, false, item, value);
        if (rc == 1) {
            if (c->scope.fdt)
                warn(c, "unknown parameter '%s' (not in overlay '%s'%s)", item, c->scope.name,
                     fall_back_to_base ? " or the base DT" : "");
            else
                warn(c, "unknown parameter '%s' (the base DT has no such __overrides__)", item);
        }
    }
}

int dt_overlay_apply_config(const char *label, uint8_t **blob, size_t *len,
                            const char *const *directives, size_t n_directives,
                            const dt_overlay_env *env, char *err, size_t errlen) {
    if (!n_directives) return 0;
    ov_ctx c = {.label = label, .env = env};
    c.base = malloc(DTB_MAX_SIZE);
    if (!c.base || fdt_open_into(*blob, c.base, DTB_MAX_SIZE)) {
        free(c.base);
        snprintf(err, errlen, "%s: out of memory applying overlays", label);
        return -1;
    }
    for (size_t i = 0; i < n_directives; i++) {
        char *d = strdup(directives[i]);
        if (!d) continue;
        if (!strncmp(d, "dtoverlay=", 10)) end_scope(&c);
        c.directive = directives[i];
        if (!strncmp(d, "dtoverlay=", 10)) {
            if (d[10]) load_overlay(&c, d + 10);
        } else if (!strncmp(d, "dtparam=", 8)) {
            apply_params(&c, d + 8, true);
        } else {
            warn(&c, "not a dtoverlay or dtparam line");
        }
        free(d);
    }
    end_scope(&c);
    fdt_pack(c.base);
    size_t size = fdt_totalsize(c.base);
    uint8_t *packed = realloc(c.base, size);
    if (!packed) packed = c.base;
    free(*blob);
    *blob = packed;
    *len = size;
    return 0;
}
