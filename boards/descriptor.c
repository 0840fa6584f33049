/* Board files: read with inih into raw sections (keeping file:line for every key), then checked
 * and turned into a board_desc. Syntax: docs/boards.md.
 *
 * inih reports no line numbers to the handler in Debian's build, so lines are fed to it by our
 * own reader, which counts them, strips leading blanks (inih would take an indented line for a
 * continuation of the previous value) and opens sections itself (so an empty section still
 * exists and has a line). */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boards/descriptor.h"
#include "cpu/cpu.h"
#include "peripherals/registry.h"

#define MAX_INCLUDE_DEPTH    8
#define MAX_BOARD_FILE_BYTES (1u << 20)

/* ---- raw sections ------------------------------------------------------------------------- */

typedef struct raw_kv {
    char *key, *value;
    board_loc loc;
    bool used; /* consumed by the checker; a key left unused is unknown */
} raw_kv;

typedef struct raw_section {
    char *name; /* "device.uart0" */
    board_loc loc;
    raw_kv *kvs;
    unsigned n_kvs, cap_kvs;
} raw_section;

typedef struct parser {
    board_desc *desc; /* owns the file names */
    raw_section *sections;
    unsigned n_sections, cap_sections;
    const char *include_stack[MAX_INCLUDE_DEPTH + 1]; /* file names, for loop detection */
    unsigned depth;
    char *err;
    size_t errlen;
    bool failed;
} parser;

/* One file being read: the reader's cursor and the section its keys go to. */
typedef struct source {
    parser *p;
    const char *file; /* as shown in messages, owned by desc->files */
    bool builtin;
    const char *text, *cursor;
    int line;
    raw_section *section; /* NULL before the first section header */
} source;

static void fail_at(parser *p, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_at(parser *p, const char *file, int line, const char *fmt, ...) {
    if (p->failed) return; /* the first error is the one reported */
    p->failed = true;
    int n = line > 0 ? snprintf(p->err, p->errlen, "%s:%d: ", file, line)
                     : snprintf(p->err, p->errlen, "%s: ", file);
    if (n < 0 || (size_t)n >= p->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}
#define fail_loc(p, loc, ...) fail_at((p), (loc).file, (loc).line, __VA_ARGS__)

static void *grow(void *array, unsigned *cap, unsigned need, size_t elem) {
    if (need <= *cap) return array;
    unsigned new_cap = *cap ? *cap * 2 : 8;
    while (new_cap < need)
        new_cap *= 2;
    void *bigger = realloc(array, (size_t)new_cap * elem);
    if (!bigger) abort(); /* out of host memory while reading a small text file */
    memset((char *)bigger + (size_t)*cap * elem, 0, (size_t)(new_cap - *cap) * elem);
    *cap = new_cap;
    return bigger;
}

static char *xstrdup(const char *s) {
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static const char *intern_file(board_desc *d, const char *name) {
    d->files = realloc(d->files, (d->n_files + 1) * sizeof *d->files);
    if (!d->files) abort();
    d->files[d->n_files] = xstrdup(name);
    return d->files[d->n_files++];
}

static raw_section *find_section(parser *p, const char *name) {
    for (unsigned i = 0; i < p->n_sections; i++)
        if (strcmp(p->sections[i].name, name) == 0) return &p->sections[i];
    return NULL;
}

/* "[name]" seen: a new section, or the continuation of one an included file began (a board
 * extends its SoC's sections). The same header twice in one file is a mistake. */
static void open_section(source *s, const char *name) {
    parser *p = s->p;
    raw_section *sec = find_section(p, name);
    if (sec) {
        if (sec->loc.file == s->file) {
            fail_at(p, s->file, s->line, "duplicate section [%s] (first at line %d)", name,
                    sec->loc.line);
            return;
        }
    } else {
        p->sections = grow(p->sections, &p->cap_sections, p->n_sections + 1, sizeof *sec);
        sec = &p->sections[p->n_sections++];
        sec->name = xstrdup(name);
        sec->loc = (board_loc){s->file, s->line};
    }
    s->section = sec;
}

static bool valid_name(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
    return true;
}

/* inih's line source: one line per call, leading blanks removed, section headers noted. */
static char *read_line(char *buf, int size, void *stream) {
    source *s = stream;
    if (s->p->failed || !*s->cursor) return NULL;
    const char *start = s->cursor, *end = strchr(start, '\n');
    if (!end) end = start + strlen(start);
    s->cursor = *end ? end + 1 : end;
    s->line++;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    size_t len = (size_t)(end - start);
    if (len && start[len - 1] == '\r') len--;
    if (len + 2 > (size_t)size) {
        fail_at(s->p, s->file, s->line, "line longer than %d characters", size - 2);
        return NULL;
    }
    memcpy(buf, start, len);
    buf[len] = '\n';
    buf[len + 1] = '\0';
    if (len && buf[0] == '[') {
        const char *close = memchr(buf, ']', len);
        if (!close) {
            fail_at(s->p, s->file, s->line, "section header without ']'");
            return NULL;
        }
        char name[128];
        size_t n = (size_t)(close - buf - 1);
        if (n >= sizeof name) n = sizeof name - 1;
        memcpy(name, buf + 1, n);
        name[n] = '\0';
        open_section(s, name);
        if (s->p->failed) return NULL;
    }
    return buf;
}

static void parse_source(parser *p, const char *file, bool builtin, const char *text);

/* "include = x.board": relative to the including file; for a built-in file (or when no such file
 * exists) a built-in of that name. */
static void do_include(source *s, const char *target) {
    parser *p = s->p;
    if (p->depth >= MAX_INCLUDE_DEPTH) {
        fail_at(p, s->file, s->line, "includes nested deeper than %d", MAX_INCLUDE_DEPTH);
        return;
    }
    char path[4096];
    const char *slash = strrchr(s->file, '/');
    if (target[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", target);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - s->file), s->file, target);
    for (unsigned i = 0; i < p->depth; i++) {
        if (strcmp(p->include_stack[i], path) == 0) {
            fail_at(p, s->file, s->line, "include loop: '%s' includes itself", target);
            return;
        }
    }
    struct stat st;
    if (!s->builtin && stat(path, &st) == 0) {
        FILE *f = fopen(path, "rb");
        char *text = NULL;
        if (f && st.st_size <= MAX_BOARD_FILE_BYTES) {
            text = calloc(1, (size_t)st.st_size + 1);
            if (text && fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
                free(text);
                text = NULL;
            }
        }
        if (f) fclose(f);
        if (!text) {
            fail_at(p, s->file, s->line, "cannot read included file '%s'", path);
            return;
        }
        parse_source(p, intern_file(p->desc, path), false, text);
        free(text);
        return;
    }
    for (unsigned i = 0; i < board_builtin_file_count; i++) {
        if (strcmp(board_builtin_files[i].file_name, target) == 0) {
            snprintf(path, sizeof path, "boards/%s", target);
            for (unsigned j = 0; j < p->depth; j++) {
                if (strcmp(p->include_stack[j], path) == 0) {
                    fail_at(p, s->file, s->line, "include loop: '%s' includes itself", target);
                    return;
                }
            }
            parse_source(p, intern_file(p->desc, path), true, board_builtin_files[i].text);
            return;
        }
    }
    fail_at(p, s->file, s->line, "included file '%s' not found", target);
}

static int on_key(void *user, const char *section, const char *key, const char *value) {
    source *s = user;
    parser *p = s->p;
    if (p->failed) return 0;
    if (!s->section) {
        if (strcmp(key, "include") == 0) {
            do_include(s, value);
            return !p->failed;
        }
        fail_at(p, s->file, s->line, "key '%s' outside any section", key);
        return 0;
    }
    raw_section *sec = s->section;
    for (unsigned i = 0; i < sec->n_kvs; i++) {
        raw_kv *kv = &sec->kvs[i];
        if (strcmp(kv->key, key) != 0) continue;
        if (kv->loc.file == s->file) {
            fail_at(p, s->file, s->line, "duplicate key '%s' in [%s] (first at line %d)", key,
                    sec->name, kv->loc.line);
            return 0;
        }
        free(kv->value); /* a board overriding what its included SoC file says */
        kv->value = xstrdup(value);
        kv->loc = (board_loc){s->file, s->line};
        return 1;
    }
    sec->kvs = grow(sec->kvs, &sec->cap_kvs, sec->n_kvs + 1, sizeof *sec->kvs);
    raw_kv *kv = &sec->kvs[sec->n_kvs++];
    kv->key = xstrdup(key);
    kv->value = xstrdup(value);
    kv->loc = (board_loc){s->file, s->line};
    return 1;
}

static void parse_source(parser *p, const char *file, bool builtin, const char *text) {
    source s = {.p = p, .file = file, .builtin = builtin, .text = text, .cursor = text};
    p->include_stack[p->depth++] = file;
    int bad_line = ini_parse_stream(read_line, &s, on_key, &s);
    p->depth--;
    if (bad_line > 0)
        fail_at(p, file, bad_line, "syntax error (expected 'key = value')");
    else if (bad_line < 0)
        fail_at(p, file, 0, "cannot parse (out of memory)");
}

/* ---- checking ------------------------------------------------------------------------------ */

static raw_kv *take(raw_section *sec, const char *key) {
    for (unsigned i = 0; i < sec->n_kvs; i++) {
        if (strcmp(sec->kvs[i].key, key) == 0) {
            sec->kvs[i].used = true;
            return &sec->kvs[i];
        }
    }
    return NULL;
}

static bool parse_number(parser *p, const raw_kv *kv, const char *text, uint64_t *out) {
    if (dev_parse_u64(text, out)) return true;
    fail_loc(p, kv->loc, "bad number '%s' for '%s'", text, kv->key);
    return false;
}

static bool require_number(parser *p, raw_section *sec, const char *key, uint64_t *out) {
    raw_kv *kv = take(sec, key);
    if (!kv) {
        fail_loc(p, sec->loc, "[%s] needs '%s'", sec->name, key);
        return false;
    }
    return parse_number(p, kv, kv->value, out);
}

/* Copies a trimmed piece of text [b, e) into buf. */
static void trim_copy(char *buf, size_t size, const char *b, const char *e) {
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    size_t n = (size_t)(e - b) < size - 1 ? (size_t)(e - b) : size - 1;
    memcpy(buf, b, n);
    buf[n] = '\0';
}

/* "base, size" or "base" (the type's natural size). */
static bool parse_reg(parser *p, const raw_kv *kv, uint64_t natural, uint64_t *base,
                      uint64_t *size) {
    char a[64], b[64];
    const char *comma = strchr(kv->value, ',');
    trim_copy(a, sizeof a, kv->value, comma ? comma : kv->value + strlen(kv->value));
    if (!parse_number(p, kv, a, base)) return false;
    if (!comma) {
        if (!natural) {
            fail_loc(p, kv->loc, "'%s' needs 'base, size'", kv->key);
            return false;
        }
        *size = natural;
        return true;
    }
    trim_copy(b, sizeof b, comma + 1, kv->value + strlen(kv->value));
    if (!parse_number(p, kv, b, size)) return false;
    if (*size == 0) {
        fail_loc(p, kv->loc, "'%s' has size 0", kv->key);
        return false;
    }
    return true;
}

static void check_board_section(parser *p, board_desc *d, raw_section *sec) {
    raw_kv *kv;
    if ((kv = take(sec, "name"))) d->name = xstrdup(kv->value);
    if ((kv = take(sec, "description"))) d->description = xstrdup(kv->value);
    if ((kv = take(sec, "cpu"))) {
        bool known = false;
        for (const char *const *m = cpu_model_names(); *m; m++)
            known |= strcmp(*m, kv->value) == 0;
        if (!known) fail_loc(p, kv->loc, "unknown CPU model '%s'", kv->value);
        d->cpu_model = xstrdup(kv->value);
    }
    if ((kv = take(sec, "cores"))) {
        uint64_t n;
        if (parse_number(p, kv, kv->value, &n) && (n < 1 || n > 8))
            fail_loc(p, kv->loc, "cores = %s out of range 1..8", kv->value);
        d->cores = (unsigned)n;
        d->cores_loc = kv->loc;
    }
    if ((kv = take(sec, "unmapped"))) {
        if (strcmp(kv->value, "raz") == 0)
            d->unmapped = BUS_UNMAPPED_RAZ_WI;
        else if (strcmp(kv->value, "abort") == 0)
            d->unmapped = BUS_UNMAPPED_ABORT;
        else
            fail_loc(p, kv->loc, "unmapped = '%s': expected 'raz' or 'abort'", kv->value);
    }
    if ((kv = take(sec, "spin-table")) && parse_number(p, kv, kv->value, &d->spin_table))
        d->has_spin_table = true;
    if ((kv = take(sec, "firmware"))) {
        if (strcmp(kv->value, "rpi3") != 0)
            fail_loc(p, kv->loc, "unknown firmware '%s' (known: rpi3)", kv->value);
        d->firmware = xstrdup(kv->value);
    }
    if ((kv = take(sec, "sdram-size"))) parse_number(p, kv, kv->value, &d->sdram_size);
    /* console and serial name devices: checked once all devices are known. */
}

static void check_memory_section(parser *p, board_desc *d, raw_section *sec, const char *name) {
    board_memory *m = &d->memories[d->n_memories++];
    m->name = xstrdup(name);
    m->loc = sec->loc;
    if (!require_number(p, sec, "base", &m->base) || !require_number(p, sec, "size", &m->size))
        return;
    raw_kv *kv;
    if (m->size == 0) fail_loc(p, take(sec, "size")->loc, "memory '%s' has size 0", name);
    m->max_size = m->size;
    if ((kv = take(sec, "max-size")) && parse_number(p, kv, kv->value, &m->max_size) &&
        m->max_size < m->size)
        fail_loc(p, kv->loc, "max-size is smaller than size");
    if ((kv = take(sec, "type"))) {
        if (strcmp(kv->value, "rom") == 0)
            m->rom = true;
        else if (strcmp(kv->value, "ram") != 0)
            fail_loc(p, kv->loc, "memory type '%s': expected 'ram' or 'rom'", kv->value);
    }
}

/* Validates a property value against its declaration and returns canonical text. */
static char *check_prop(parser *p, const raw_kv *kv, const dev_prop *prop) {
    char buf[32];
    switch (prop->kind) {
    case PROP_U64: {
        uint64_t v;
        if (!dev_parse_u64(kv->value, &v)) {
            fail_loc(p, kv->loc, "bad number '%s' for property '%s'", kv->value, kv->key);
            return NULL;
        }
        if ((prop->min || prop->max) && (v < prop->min || v > prop->max)) {
            fail_loc(p, kv->loc, "property '%s' = %s out of range %llu..%llu", kv->key, kv->value,
                     (unsigned long long)prop->min, (unsigned long long)prop->max);
            return NULL;
        }
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
        return xstrdup(buf);
    }
    case PROP_BOOL: {
        bool v;
        if (!dev_parse_bool(kv->value, &v)) {
            fail_loc(p, kv->loc, "property '%s' = '%s' is not a boolean (true/false)", kv->key,
                     kv->value);
            return NULL;
        }
        return xstrdup(v ? "true" : "false");
    }
    case PROP_STR: return xstrdup(kv->value);
    }
    return NULL;
}

static void check_device_section(parser *p, board_desc *d, raw_section *sec, const char *name,
                                 const board_type_list *extra) {
    board_device *dev = &d->devices[d->n_devices++];
    dev->name = xstrdup(name);
    dev->loc = sec->loc;
    raw_kv *type_kv = take(sec, "type");
    if (!type_kv) {
        fail_loc(p, sec->loc, "[%s] needs 'type'", sec->name);
        return;
    }
    if (strcmp(type_kv->value, "unimplemented") == 0) {
        raw_kv *reg = take(sec, "reg");
        dev->n_regs = 1;
        if (!reg) {
            fail_loc(p, sec->loc, "[%s] needs 'reg'", sec->name);
            return;
        }
        parse_reg(p, reg, 0, &dev->reg_base[0], &dev->reg_size[0]);
        dev->reg_loc[0] = reg->loc;
        return;
    }
    const dev_type *t = dev_type_find(type_kv->value);
    for (unsigned i = 0; !t && extra && i < extra->n; i++)
        if (strcmp(extra->types[i]->name, type_kv->value) == 0) t = extra->types[i];
    if (!t) {
        fail_loc(p, type_kv->loc, "unknown device type '%s'", type_kv->value);
        return;
    }
    dev->type = t;
    if (t->n_regions > BOARD_MAX_DEV_REGIONS || t->n_props > DEV_MAX_PROPS) {
        fail_loc(p, type_kv->loc, "device type '%s' has too many regions or properties", t->name);
        return;
    }
    /* Registers: "reg" maps the first (often only) region, "reg.<region>" any of them. */
    dev->n_regs = t->n_regions;
    for (unsigned r = 0; r < t->n_regions; r++) {
        char key[96];
        snprintf(key, sizeof key, "reg.%s", t->regions[r].name);
        raw_kv *kv = take(sec, key), *plain = r == 0 ? take(sec, "reg") : NULL;
        if (kv && plain) {
            fail_loc(p, kv->loc, "both 'reg' and '%s' given", key);
            return;
        }
        if (!kv) kv = plain;
        if (!kv) {
            fail_loc(p, sec->loc, "[%s] needs '%s'", sec->name, r == 0 ? "reg" : key);
            return;
        }
        if (!parse_reg(p, kv, t->regions[r].size, &dev->reg_base[r], &dev->reg_size[r])) return;
        dev->reg_loc[r] = kv->loc;
    }
    /* Properties: every key not reserved must be one of the type's. */
    for (unsigned i = 0; i < t->n_props; i++) {
        raw_kv *kv = take(sec, t->props[i].name);
        if (kv) {
            dev->prop_values[i] = check_prop(p, kv, &t->props[i]);
        } else if (t->props[i].default_value) {
            dev->prop_values[i] = xstrdup(t->props[i].default_value);
        } else {
            fail_loc(p, sec->loc, "[%s] needs property '%s' (%s)", sec->name, t->props[i].name,
                     t->props[i].help ? t->props[i].help : "no default");
        }
        if (p->failed) return;
    }
}

/* "<device>:<line>[+core|+<K>*core]" or "cpu<N>:irq|fiq". */
static bool parse_irq_target(parser *p, board_desc *d, const raw_kv *kv, bool allow_core,
                             board_irq_target *t) {
    char text[128];
    trim_copy(text, sizeof text, kv->value, kv->value + strlen(kv->value));
    char *colon = strchr(text, ':');
    if (!colon) {
        fail_loc(p, kv->loc, "'%s' = '%s': expected <controller>:<input> or cpu<N>:irq|fiq",
                 kv->key, text);
        return false;
    }
    *colon = '\0';
    char *what = colon + 1;
    memset(t, 0, sizeof *t);
    if (strncmp(text, "cpu", 3) == 0 && isdigit((unsigned char)text[3]) &&
        board_desc_find_device(d, text) < 0) {
        uint64_t core;
        if (!dev_parse_u64(text + 3, &core) || core >= d->cores) {
            fail_loc(p, kv->loc, "'%s': no such CPU (the board has %u cores)", text, d->cores);
            return false;
        }
        t->device = -1;
        t->cpu = (unsigned)core;
        if (strcmp(what, "irq") == 0)
            t->pin = BOARD_PIN_IRQ;
        else if (strcmp(what, "fiq") == 0)
            t->pin = BOARD_PIN_FIQ;
        else {
            fail_loc(p, kv->loc, "'%s:%s': a CPU input is 'irq' or 'fiq'", text, what);
            return false;
        }
        return true;
    }
    int idx = board_desc_find_device(d, text);
    if (idx < 0) {
        fail_loc(p, kv->loc, "'%s' wired to unknown interrupt controller '%s'", kv->key, text);
        return false;
    }
    const dev_type *ct = d->devices[idx].type;
    if (!ct || !ct->n_irq_inputs) {
        fail_loc(p, kv->loc, "'%s' is not an interrupt controller (it has no inputs)", text);
        return false;
    }
    char *plus = strchr(what, '+');
    t->core_stride = 0;
    if (plus) {
        *plus = '\0';
        char *term = plus + 1, *star = strchr(term, '*');
        uint64_t k = 1;
        if (star) {
            *star = '\0';
            if (!dev_parse_u64(term, &k)) k = UINT64_MAX;
            term = star + 1;
        }
        if (!allow_core) {
            fail_loc(p, kv->loc, "'%s': per-core inputs ('+core') are only for [cpu] timers",
                     kv->key);
            return false;
        }
        if (strcmp(term, "core") != 0 || k > 1024) {
            fail_loc(p, kv->loc, "'%s': bad per-core input '%s' (expected N+core or N+K*core)",
                     kv->key, kv->value);
            return false;
        }
        t->core_stride = (unsigned)k;
    }
    uint64_t line;
    if (!dev_parse_u64(what, &line)) {
        fail_loc(p, kv->loc, "bad interrupt input number '%s'", what);
        return false;
    }
    uint64_t highest = line + (uint64_t)t->core_stride * (d->cores ? d->cores - 1 : 0);
    if (highest >= ct->n_irq_inputs || ct->n_irq_inputs > DEV_MAX_IRQ_IN) {
        fail_loc(p, kv->loc, "interrupt input %llu out of range: '%s' has inputs 0..%u",
                 (unsigned long long)highest, text, ct->n_irq_inputs - 1);
        return false;
    }
    t->device = idx;
    t->line = (unsigned)line;
    return true;
}

/* irq / irq.<output> keys of a device, after every device is known. */
static void check_device_wiring(parser *p, board_desc *d, raw_section *sec, board_device *dev) {
    const dev_type *t = dev->type;
    for (unsigned i = 0; i < sec->n_kvs && !p->failed; i++) {
        raw_kv *kv = &sec->kvs[i];
        int output;
        if (strcmp(kv->key, "irq") == 0) {
            if (!t || t->n_irq_outputs != 1) {
                fail_loc(p, kv->loc, "'%s' has %u interrupt outputs: use irq.<output>", dev->name,
                         t ? t->n_irq_outputs : 0);
                return;
            }
            output = 0;
        } else if (strncmp(kv->key, "irq.", 4) == 0) {
            output = t ? dev_irq_output_index(t, kv->key + 4) : -1;
            if (output < 0) {
                fail_loc(p, kv->loc, "device type '%s' has no interrupt output '%s'",
                         t ? t->name : "unimplemented", kv->key + 4);
                return;
            }
        } else {
            continue;
        }
        kv->used = true;
        for (unsigned k = 0; k < dev->n_wires; k++) {
            if (dev->wires[k].output == (unsigned)output) {
                fail_loc(p, kv->loc, "interrupt output '%s' of '%s' is already wired (line %d)",
                         t->irq_outputs[output], dev->name, dev->wires[k].loc.line);
                return;
            }
        }
        board_irq_wire w = {.output = (unsigned)output, .loc = kv->loc};
        if (!parse_irq_target(p, d, kv, false, &w.target)) return;
        dev->wires = realloc(dev->wires, (dev->n_wires + 1) * sizeof *dev->wires);
        if (!dev->wires) abort();
        dev->wires[dev->n_wires++] = w;
    }
}

static const char *const timer_names[CPU_TIMER_COUNT] = {
    [CPU_TIMER_PHYS_S] = "timer.phys-s",
    [CPU_TIMER_PHYS_NS] = "timer.phys-ns",
    [CPU_TIMER_HYP] = "timer.hyp",
    [CPU_TIMER_VIRT] = "timer.virt",
};

static void check_cpu_section(parser *p, board_desc *d, raw_section *sec) {
    for (unsigned timer = 0; timer < CPU_TIMER_COUNT && !p->failed; timer++) {
        raw_kv *kv = take(sec, timer_names[timer]);
        if (!kv) continue;
        board_timer_wire w = {.timer = timer, .loc = kv->loc};
        if (!parse_irq_target(p, d, kv, true, &w.target)) return;
        if (w.target.device < 0) {
            fail_loc(p, kv->loc, "a CPU timer is wired to an interrupt controller, not a CPU");
            return;
        }
        d->timer_wires = realloc(d->timer_wires, (d->n_timer_wires + 1) * sizeof w);
        if (!d->timer_wires) abort();
        d->timer_wires[d->n_timer_wires++] = w;
    }
}

static bool is_uart(const board_desc *d, int idx) {
    return idx >= 0 && d->devices[idx].type && d->devices[idx].type->is_uart;
}

static void check_serials(parser *p, board_desc *d, raw_section *board) {
    raw_kv *kv = board ? take(board, "serial") : NULL;
    d->serial = calloc(d->n_devices + 1, sizeof *d->serial);
    if (!d->serial) abort();
    if (!kv) {
        for (unsigned i = 0; i < d->n_devices; i++)
            if (is_uart(d, (int)i)) d->serial[d->n_serial++] = i;
    } else {
        const char *s = kv->value;
        while (*s && !p->failed) {
            const char *comma = strchr(s, ',');
            const char *end = comma ? comma : s + strlen(s);
            char name[64];
            trim_copy(name, sizeof name, s, end);
            int idx = board_desc_find_device(d, name);
            if (!is_uart(d, idx)) fail_loc(p, kv->loc, "serial: '%s' is not a UART device", name);
            for (unsigned i = 0; i < d->n_serial && !p->failed; i++)
                if (d->serial[i] == (unsigned)idx)
                    fail_loc(p, kv->loc, "serial: '%s' listed twice", name);
            if (!p->failed && d->n_serial < d->n_devices) d->serial[d->n_serial++] = (unsigned)idx;
            s = comma ? comma + 1 : end;
        }
    }
    d->console = -1;
    if ((kv = board ? take(board, "console") : NULL)) {
        int idx = board_desc_find_device(d, kv->value);
        if (!is_uart(d, idx)) fail_loc(p, kv->loc, "console: '%s' is not a UART device", kv->value);
        d->console = idx;
    }
}

/* Overlaps are found the way the machine will find them, by the bus, on a throw-away bus of
 * placeholder regions (no memory is allocated). */
static void check_overlaps(parser *p, board_desc *d) {
    bus *b = calloc(1, sizeof *b);
    if (!b) abort();
    bus_init(b, d->unmapped);
    char msg[256];
    for (unsigned i = 0; i < d->n_memories && !p->failed; i++)
        if (bus_add_unimp(b, d->memories[i].name, d->memories[i].base, d->memories[i].size, msg,
                          sizeof msg) < 0)
            fail_loc(p, d->memories[i].loc, "%s", msg);
    for (unsigned i = 0; i < d->n_devices && !p->failed; i++) {
        board_device *dev = &d->devices[i];
        for (unsigned r = 0; r < dev->n_regs && !p->failed; r++)
            if (bus_add_unimp(b, dev->name, dev->reg_base[r], dev->reg_size[r], msg, sizeof msg) <
                0)
                fail_loc(p, dev->reg_loc[r], "%s", msg);
    }
    bus_destroy(b);
    free(b);
}

static void check(parser *p, board_desc *d, const board_type_list *extra) {
    raw_section *board = NULL, *cpu = NULL;
    d->memories = calloc(p->n_sections + 1, sizeof *d->memories);
    d->devices = calloc(p->n_sections + 1, sizeof *d->devices);
    if (!d->memories || !d->devices) abort();
    d->unmapped = BUS_UNMAPPED_RAZ_WI;
    /* Pass 1: sections, names, types, registers, properties. */
    for (unsigned i = 0; i < p->n_sections && !p->failed; i++) {
        raw_section *sec = &p->sections[i];
        const char *dot = strchr(sec->name, '.');
        const char *sub = dot ? dot + 1 : NULL;
        size_t kind_len = dot ? (size_t)(dot - sec->name) : strlen(sec->name);
        bool is_memory = kind_len == 6 && strncmp(sec->name, "memory", 6) == 0;
        bool is_device = kind_len == 6 && strncmp(sec->name, "device", 6) == 0;
        if (strcmp(sec->name, "board") == 0) {
            board = sec;
            check_board_section(p, d, sec);
        } else if (strcmp(sec->name, "cpu") == 0) {
            cpu = sec;
        } else if ((is_memory || is_device) && sub) {
            if (!valid_name(sub)) {
                fail_loc(p, sec->loc, "bad name '%s' (letters, digits, '_' and '-' only)", sub);
            } else if (strncmp(sub, "cpu", 3) == 0 && isdigit((unsigned char)sub[3])) {
                fail_loc(p, sec->loc, "name '%s' is reserved for CPU inputs", sub);
            } else if (board_desc_find_device(d, sub) >= 0) {
                fail_loc(p, sec->loc, "duplicate name '%s'", sub);
            } else {
                for (unsigned m = 0; m < d->n_memories; m++)
                    if (strcmp(d->memories[m].name, sub) == 0)
                        fail_loc(p, sec->loc, "duplicate name '%s'", sub);
            }
            if (!p->failed && is_memory) check_memory_section(p, d, sec, sub);
            if (!p->failed && is_device) check_device_section(p, d, sec, sub, extra);
        } else {
            fail_loc(p, sec->loc,
                     "unknown section [%s] (expected [board], [cpu], [memory.<name>] "
                     "or [device.<name>])",
                     sec->name);
        }
    }
    if (p->failed) return;
    if (!board) {
        fail_at(p, d->path, 0, "no [board] section");
        return;
    }
    if (!d->name)
        fail_loc(p, board->loc, "[board] needs 'name'");
    else if (!d->cpu_model)
        fail_loc(p, board->loc, "[board] needs 'cpu'");
    else if (!d->cores)
        fail_loc(p, board->loc, "[board] needs 'cores'");
    else if (!d->n_memories)
        fail_loc(p, board->loc, "the board has no [memory.<name>] section");
    if (p->failed) return;
    if (!d->description) d->description = xstrdup("");
    /* Pass 2: names that refer to other sections. */
    for (unsigned i = 0, dev = 0; i < p->n_sections && !p->failed; i++) {
        if (strncmp(p->sections[i].name, "device.", 7) != 0) continue;
        check_device_wiring(p, d, &p->sections[i], &d->devices[dev++]);
    }
    if (!p->failed && cpu) check_cpu_section(p, d, cpu);
    if (!p->failed) check_serials(p, d, board);
    /* Anything not consumed is a key nobody knows. */
    for (unsigned i = 0; i < p->n_sections && !p->failed; i++) {
        raw_section *sec = &p->sections[i];
        for (unsigned k = 0; k < sec->n_kvs && !p->failed; k++) {
            if (sec->kvs[k].used) continue;
            if (strncmp(sec->name, "device.", 7) == 0) {
                int idx = board_desc_find_device(d, sec->name + 7);
                const dev_type *t = idx >= 0 ? d->devices[idx].type : NULL;
                if (t)
                    fail_loc(p, sec->kvs[k].loc, "unknown property '%s' for device type '%s'",
                             sec->kvs[k].key, t->name);
                else
                    fail_loc(p, sec->kvs[k].loc, "unknown key '%s' for an unimplemented block",
                             sec->kvs[k].key);
            } else {
                fail_loc(p, sec->kvs[k].loc, "unknown key '%s' in [%s]", sec->kvs[k].key,
                         sec->name);
            }
        }
    }
    if (!p->failed) check_overlaps(p, d);
}

/* ---- public ----------------------------------------------------------------------------- */

int board_desc_find_device(const board_desc *d, const char *name) {
    for (unsigned i = 0; i < d->n_devices; i++)
        if (d->devices[i].name && strcmp(d->devices[i].name, name) == 0) return (int)i;
    return -1;
}

static bool looks_like_path(const char *board) {
    size_t n = strlen(board);
    return strchr(board, '/') || (n > 6 && strcmp(board + n - 6, ".board") == 0);
}

board_desc *board_desc_load(const char *board, const board_type_list *extra, char *err,
                            size_t errlen) {
    board_desc *d = calloc(1, sizeof *d);
    if (!d) abort();
    parser p = {.desc = d, .err = err, .errlen = errlen};
    if (looks_like_path(board)) {
        d->path = xstrdup(board);
        FILE *f = fopen(board, "rb");
        if (!f) {
            fail_at(&p, board, 0, "cannot open board file: %s", strerror(errno));
        } else {
            char *text = calloc(1, MAX_BOARD_FILE_BYTES + 1);
            if (!text) abort();
            size_t n = fread(text, 1, MAX_BOARD_FILE_BYTES + 1, f);
            fclose(f);
            if (n > MAX_BOARD_FILE_BYTES)
                fail_at(&p, board, 0, "board file larger than %u bytes", MAX_BOARD_FILE_BYTES);
            else if (memchr(text, '\0', n))
                fail_at(&p, board, 0, "not a text file");
            else
                parse_source(&p, intern_file(d, board), false, text);
            free(text);
        }
    } else {
        const board_builtin_file *found = NULL;
        for (unsigned i = 0; i < board_builtin_file_count; i++)
            if (board_builtin_files[i].board_name &&
                strcmp(board_builtin_files[i].board_name, board) == 0)
                found = &board_builtin_files[i];
        if (!found) {
            size_t n = (size_t)snprintf(err, errlen, "unknown board '%s' (built-in:", board);
            for (unsigned i = 0; i < board_builtin_file_count && n < errlen; i++)
                if (board_builtin_files[i].board_name)
                    n += (size_t)snprintf(err + n, errlen - n, " %s",
                                          board_builtin_files[i].board_name);
            if (n < errlen) snprintf(err + n, errlen - n, "; or a path to a .board file)");
            board_desc_free(d);
            return NULL;
        }
        char path[256];
        snprintf(path, sizeof path, "boards/%s", found->file_name);
        d->path = xstrdup(path);
        parse_source(&p, intern_file(d, path), true, found->text);
    }
    if (!p.failed) check(&p, d, extra);
    for (unsigned i = 0; i < p.n_sections; i++) {
        for (unsigned k = 0; k < p.sections[i].n_kvs; k++) {
            free(p.sections[i].kvs[k].key);
            free(p.sections[i].kvs[k].value);
        }
        free(p.sections[i].kvs);
        free(p.sections[i].name);
    }
    free(p.sections);
    if (p.failed) {
        board_desc_free(d);
        return NULL;
    }
    return d;
}

void board_desc_free(board_desc *d) {
    if (!d) return;
    for (unsigned i = 0; i < d->n_memories; i++)
        free(d->memories[i].name);
    for (unsigned i = 0; i < d->n_devices; i++) {
        free(d->devices[i].name);
        for (unsigned k = 0; k < DEV_MAX_PROPS; k++)
            free(d->devices[i].prop_values[k]);
        free(d->devices[i].wires);
    }
    for (unsigned i = 0; i < d->n_files; i++)
        free(d->files[i]);
    free(d->files);
    free(d->memories);
    free(d->devices);
    free(d->serial);
    free(d->timer_wires);
    free(d->path);
    free(d->name);
    free(d->description);
    free(d->cpu_model);
    free(d->firmware);
    free(d);
}
