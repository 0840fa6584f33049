/* config.txt and cmdline.txt parsing, as the Raspberry Pi firmware reads them. */
#include "loader/rpi_config.h"
#include "loader/loader.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INCLUDE_DEPTH 8

unsigned rpi_revision_board_type(uint32_t revision) {
    if (!(revision & (1u << 23))) return 0x01; /* old-style codes: all are Pi 1 models */
    return (revision >> 4) & 0xff;
}

static void list_free(rpi_string_list *l) {
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static int list_push(rpi_string_list *l, const char *s) {
    char **items = realloc(l->items, (l->count + 1) * sizeof *items);
    if (!items) return -1;
    l->items = items;
    if (!(items[l->count] = strdup(s))) return -1;
    l->count++;
    return 0;
}

void rpi_config_init(rpi_config *c) {
    memset(c, 0, sizeof *c);
    c->arm_64bit = -1;
    c->gpu_mem = c->gpu_mem_256 = c->gpu_mem_512 = c->gpu_mem_1024 = -1;
    c->total_mem = -1;
    c->framebuffer_width = c->framebuffer_height = c->framebuffer_depth = -1;
}

void rpi_config_free(rpi_config *c) {
    free(c->kernel);
    free(c->device_tree);
    free(c->os_prefix);
    free(c->cmdline);
    list_free(&c->initramfs);
    list_free(&c->dtoverlays);
    list_free(&c->dtparams);
    list_free(&c->dt_directives);
    free(c->overlay_prefix);
    list_free(&c->warnings);
    rpi_config_init(c);
}

/* Which conditional filters are in force. Each kind is unset (-1), false (0) or true (1); a
 * line applies when no kind is false. */
typedef struct filter_state {
    int model, serial, board_type, gpio, display, none;
} filter_state;

static bool filters_pass(const filter_state *f) {
    return f->model != 0 && f->serial != 0 && f->board_type != 0 && f->gpio != 0 &&
           f->display != 0 && f->none != 0;
}

static void filters_reset(filter_state *f) {
    f->model = f->serial = f->board_type = f->gpio = f->display = f->none = -1;
}

typedef struct parse_ctx {
    rpi_config *c;
    const rpi_board_id *board;
    rpi_config_read_fn read;
    void *read_ctx;
    filter_state filters;
    int depth;
    char *err;
    size_t errlen;
} parse_ctx;

static int warn(parse_ctx *p, const char *file, int line, const char *fmt, ...) {
    char msg[LOADER_MSG_MAX];
    int n = snprintf(msg, sizeof msg, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    return list_push(&p->c->warnings, msg);
}

static int fail(parse_ctx *p, const char *file, int line, const char *fmt, ...) {
    int n = snprintf(p->err, p->errlen, "%s:%d: ", file, line);
    if (n < 0 || (size_t)n >= p->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static bool parse_u64(const char *s, uint64_t *out) {
    if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s)) return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return false;
    *out = v;
    return true;
}

/* Model filters ([pi3], [pi3+] ...) against the revision's board type. */
static int model_filter_matches(const char *name, unsigned type, bool *known) {
    static const struct {
        const char *name;
        unsigned types[8];
    } models[] = {
        {"pi1", {0x00, 0x01, 0x02, 0x03, 0x06}},
        {"pi2", {0x04}},
        {"pi3", {0x08, 0x0a, 0x0d, 0x0e, 0x10}},
        {"pi3+", {0x0d, 0x0e}},
        {"pi4", {0x11, 0x13, 0x14, 0x15}},
        {"pi400", {0x13}},
        {"cm4", {0x14}},
        {"cm4s", {0x15}},
        {"pi0", {0x09, 0x0c, 0x12}},
        {"pi0w", {0x0c}},
        {"pi02", {0x12}},
        {"pi5", {0x17}},
        {"pi500", {0x19}},
        {"cm5", {0x18}},
    };
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        if (strcmp(models[i].name, name)) continue;
        *known = true;
        for (size_t j = 0; j < 8 && (j == 0 || models[i].types[j]); j++)
            if (models[i].types[j] == type) return 1;
        return 0;
    }
    *known = false;
    return 0;
}

static int apply_section(parse_ctx *p, const char *file, int line, const char *name) {
    filter_state *f = &p->filters;
    unsigned type = rpi_revision_board_type(p->board ? p->board->revision : 0);
    uint64_t v;
    bool known;
    if (!strcmp(name, "all")) {
        filters_reset(f);
        return 0;
    }
    if (!strcmp(name, "none")) {
        f->none = 0;
        return 0;
    }
    int m = model_filter_matches(name, type, &known);
    if (known) {
        f->model = m;
        return 0;
    }
    if (!strncmp(name, "0x", 2) || !strncmp(name, "0X", 2)) {
        if (!parse_u64(name, &v)) return fail(p, file, line, "bad serial filter '[%s]'", name);
        f->serial = p->board && (v & 0xffffffffu) == (p->board->serial & 0xffffffffu);
        return 0;
    }
    if (!strncmp(name, "board-type=", 11)) {
        if (!parse_u64(name + 11, &v))
            return fail(p, file, line, "bad board-type filter '[%s]'", name);
        f->board_type = v == type;
        return 0;
    }
    if (!strncmp(name, "gpio", 4)) {
        /* Emulated pins read their reset pulls: GPIO 0-8 high, 9-27 low (BCM2835 datasheet). */
        char *eq = strchr(name, '=');
        uint64_t pin, level;
        char pin_text[16];
        size_t n = eq ? (size_t)(eq - name - 4) : 0;
        if (!eq || n == 0 || n >= sizeof pin_text)
            return fail(p, file, line, "bad gpio filter '[%s]'", name);
        memcpy(pin_text, name + 4, n);
        pin_text[n] = 0;
        if (!parse_u64(pin_text, &pin) || !parse_u64(eq + 1, &level) || level > 1)
            return fail(p, file, line, "bad gpio filter '[%s]'", name);
        f->gpio = (pin <= 8) == (level == 1);
        return 0;
    }
    if (!strncmp(name, "HDMI:", 5)) return 0; /* selects an output, filters nothing */
    if (!strncmp(name, "EDID=", 5) || !strcmp(name, "tryboot")) {
        f->display = 0; /* no monitor, no tryboot */
        return 0;
    }
    /* The firmware skips what it does not know; so do we, loudly. */
    f->display = 0;
    return warn(p, file, line, "unknown filter '[%s]': the lines after it are skipped", name);
}

static int set_string(char **dst, const char *value) {
    char *s = strdup(value);
    if (!s) return -1;
    free(*dst);
    *dst = s;
    return 0;
}

/* Splits "a,b , c" into the list (replacing it). */
static int set_file_list(rpi_string_list *l, const char *value) {
    list_free(l);
    const char *s = value;
    while (*s) {
        while (*s == ',' || isspace((unsigned char)*s))
            s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > s && isspace((unsigned char)t[-1]))
            t--;
        char *item = strndup(s, (size_t)(t - s));
        if (!item || list_push(l, item)) {
            free(item);
            return -1;
        }
        free(item);
        s = e;
    }
    return 0;
}

static int parse_lines(parse_ctx *p, const char *file, const char *text, size_t len);

static int do_include(parse_ctx *p, const char *file, int line, const char *name) {
    if (!p->read) return fail(p, file, line, "include '%s': includes are not available", name);
    if (p->depth >= MAX_INCLUDE_DEPTH)
        return fail(p, file, line, "include '%s': nested too deeply (an include loop?)", name);
    char *text = NULL;
    size_t len = 0;
    char why[LOADER_MSG_MAX] = "";
    int rc = p->read(p->read_ctx, name, &text, &len, why, sizeof why);
    if (rc == 1) return fail(p, file, line, "include '%s': not on the boot partition", name);
    if (rc) return fail(p, file, line, "include '%s': %s", name, why);
    p->depth++;
    rc = parse_lines(p, name, text, len);
    p->depth--;
    free(text);
    return rc;
}

/* `initramfs FILE[,FILE] [ADDR|followkernel]` */
static int do_initramfs(parse_ctx *p, const char *file, int line, char *args) {
    rpi_config *c = p->c;
    char *files = strtok(args, " \t");
    char *where = strtok(NULL, " \t");
    if (!files) return fail(p, file, line, "initramfs needs a file name");
    if (strtok(NULL, " \t")) return fail(p, file, line, "initramfs: too many arguments");
    if (set_file_list(&c->initramfs, files)) return fail(p, file, line, "out of memory");
    if (!c->initramfs.count) return fail(p, file, line, "initramfs needs a file name");
    c->initramfs_address_set = false;
    c->initramfs_address = 0;
    if (where && strcmp(where, "followkernel")) {
        uint64_t addr;
        if (!parse_u64(where, &addr))
            return fail(p, file, line, "initramfs: '%s' is neither an address nor followkernel",
                        where);
        c->initramfs_address_set = addr != 0; /* 0 means after the kernel */
        c->initramfs_address = addr;
    }
    return 0;
}

/* Keys the firmware knows that do not change how socemu loads the OS. */
static bool is_quiet_key(const char *key) {
    static const char *const exact[] = {
        "disable_overscan",
        "max_framebuffers",
        "display_auto_detect",
        "camera_auto_detect",
        "auto_initramfs",
        "arm_boost",
        "force_turbo",
        "boot_delay",
        "boot_delay_ms",
        "disable_splash",
        "start_x",
        "avoid_warnings",
        "dtdebug",
        "disable_fw_kms_setup",
        "sdtv_mode",
        "sdtv_aspect",
        "display_rotate",
        "display_hdmi_rotate",
        "lcd_rotate",
        "audio_pwm_mode",
        "enable_gic",
        "uart_2ndstage",
        "bootcode_delay",
        "max_usb_current",
        "dispmanx_offline",
        "initial_turbo",
        "gpio",
        "enable_jtag_gpio",
        "temp_limit",
        "temp_soft_limit",
        "framebuffer_ignore_alpha",
        "framebuffer_align",
        "test_mode",
        "config_hdmi_boost",
        "ignore_lcd",
        "disable_touchscreen",
        "device_tree_end",
        "arm_control",
        "start_debug",
        "force_eeprom_read",
        "program_usb_boot_mode",
        "otg_mode",
        "dtoverlay_dir",
    };
    static const char *const prefixes[] = {"hdmi_",     "overscan_", "over_voltage", "sdram_",
                                           "dpi_",      "arm_freq",  "core_freq",    "gpu_freq",
                                           "h264_freq", "isp_freq",  "v3d_freq",     "hevc_freq",
                                           "sdtv_",     "cec_",      "enable_tvout"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (!strcmp(key, exact[i])) return true;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(key, prefixes[i], strlen(prefixes[i]))) return true;
    return false;
}

/* All digits, but more than 64 bits hold (strtoull's ERANGE). */
static bool too_large(const char *s) {
    if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s)) return false;
    errno = 0;
    char *end;
    (void)strtoull(s, &end, 0);
    return errno == ERANGE && !*end;
}

static int number_key(parse_ctx *p, const char *file, int line, const char *key, const char *value,
                      uint64_t max, uint64_t *out) {
    if (!parse_u64(value, out) && !too_large(value))
        return fail(p, file, line, "%s: '%s' is not a number", key, value);
    if (too_large(value))
        return fail(p, file, line, "%s: %s is too large (at most %llu)", key, value,
                    (unsigned long long)max);
    if (*out > max)
        return fail(p, file, line, "%s: %s is out of range (at most %llu)", key, value,
                    (unsigned long long)max);
    return 0;
}

static int do_key(parse_ctx *p, const char *file, int line, const char *key, const char *value) {
    rpi_config *c = p->c;
    uint64_t v;
    static const struct {
        const char *key;
        size_t offset;
        uint64_t max;
    } ints[] = {
        {"gpu_mem", offsetof(rpi_config, gpu_mem), 1024},
        {"gpu_mem_256", offsetof(rpi_config, gpu_mem_256), 256},
        {"gpu_mem_512", offsetof(rpi_config, gpu_mem_512), 512},
        {"gpu_mem_1024", offsetof(rpi_config, gpu_mem_1024), 1024},
        {"total_mem", offsetof(rpi_config, total_mem), 16384},
        {"framebuffer_width", offsetof(rpi_config, framebuffer_width), 8192},
        {"framebuffer_height", offsetof(rpi_config, framebuffer_height), 8192},
        {"framebuffer_depth", offsetof(rpi_config, framebuffer_depth), 32},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (strcmp(key, ints[i].key)) continue;
        if (number_key(p, file, line, key, value, ints[i].max, &v)) return -1;
        *(int *)((char *)c + ints[i].offset) = (int)v;
        return 0;
    }
    int rc = 0;
    if (!strcmp(key, "arm_64bit") || !strcmp(key, "enable_uart") ||
        !strcmp(key, "upstream_kernel")) {
        if (number_key(p, file, line, key, value, UINT32_MAX, &v)) return -1;
        if (!strcmp(key, "arm_64bit"))
            c->arm_64bit = v != 0;
        else if (!strcmp(key, "enable_uart"))
            c->enable_uart = v != 0;
        else
            c->upstream_kernel = v != 0;
    } else if (!strcmp(key, "kernel_address")) {
        if (number_key(p, file, line, key, value, UINT32_MAX, &v)) return -1;
        c->kernel_address = v;
        c->kernel_address_set = true;
    } else if (!strcmp(key, "device_tree_address")) {
        if (number_key(p, file, line, key, value, UINT32_MAX, &v)) return -1;
        c->device_tree_address = v;
        c->device_tree_address_set = v != 0; /* 0 means "firmware chooses" */
    } else if (!strcmp(key, "ramfsaddr")) {
        if (number_key(p, file, line, key, value, UINT32_MAX, &v)) return -1;
        c->initramfs_address = v;
        c->initramfs_address_set = v != 0;
    } else if (!strcmp(key, "kernel")) {
        if (!*value) return fail(p, file, line, "kernel: empty file name");
        rc = set_string(&c->kernel, value);
    } else if (!strcmp(key, "ramfsfile")) {
        rc = set_file_list(&c->initramfs, value);
    } else if (!strcmp(key, "device_tree")) {
        rc = set_string(&c->device_tree, value);
    } else if (!strcmp(key, "os_prefix")) {
        rc = set_string(&c->os_prefix, value);
    } else if (!strcmp(key, "cmdline")) {
        if (!*value) return fail(p, file, line, "cmdline: empty file name");
        rc = set_string(&c->cmdline, value);
    } else if (!strcmp(key, "dtoverlay") || !strcmp(key, "dtparam")) {
        char line[1024];
        snprintf(line, sizeof line, "%s=%s", key, value);
        rc = list_push(&c->dt_directives, line);
        if (!rc && *value)
            rc = list_push(!strcmp(key, "dtoverlay") ? &c->dtoverlays : &c->dtparams, value);
    } else if (!strcmp(key, "overlay_prefix")) {
        rc = set_string(&c->overlay_prefix, value);
    } else if (!strcmp(key, "armstub") || !strcmp(key, "kernel_old") ||
               !strcmp(key, "disable_commandline_tags") || !strcmp(key, "arm_peri_high") ||
               !strcmp(key, "start_file") || !strcmp(key, "fixup_file")) {
        rc = warn(p, file, line, "'%s' is not supported by socemu and is ignored", key);
    } else if (!is_quiet_key(key)) {
        rc = warn(p, file, line, "unknown key '%s' ignored", key);
    }
    if (rc) return fail(p, file, line, "out of memory");
    return 0;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static int parse_line(parse_ctx *p, const char *file, int line, char *s) {
    s = trim(s);
    if (!*s || *s == '#') return 0;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close) return fail(p, file, line, "unterminated section '%s'", s);
        *close = 0;
        /* Text after ']' is a comment. */
        return apply_section(p, file, line, trim(s + 1));
    }
    if (!filters_pass(&p->filters)) return 0;
    char *eq = strchr(s, '=');
    char *space = s + strcspn(s, " \t");
    if (!eq || space < eq) {
        /* Commands: `include FILE`, `initramfs FILES [ADDR]`. */
        char separator = *space;
        char *rest = separator ? trim(space + 1) : space;
        *space = 0;
        if (!strcmp(s, "include")) {
            if (!*rest) return fail(p, file, line, "include needs a file name");
            return do_include(p, file, line, rest);
        }
        if (!strcmp(s, "initramfs")) return do_initramfs(p, file, line, rest);
        *space = separator;
        if (!eq) return warn(p, file, line, "ignoring line '%s': no '='", s) ? -1 : 0;
        /* "key = value": blanks around '=' are trimmed below. */
    }
    *eq = 0;
    return do_key(p, file, line, trim(s), trim(eq + 1));
}

static int parse_lines(parse_ctx *p, const char *file, const char *text, size_t len) {
    size_t pos = 0;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) pos = 3; /* UTF-8 byte order mark */
    int line = 0;
    while (pos < len) {
        line++;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t n = end - pos;
        char *copy = malloc(n + 1);
        if (!copy) return fail(p, file, line, "out of memory");
        memcpy(copy, text + pos, n);
        copy[n] = 0;
        /* A NUL inside a line ends it (binary junk must not confuse the parser). */
        int rc = parse_line(p, file, line, copy);
        free(copy);
        if (rc) return -1;
        pos = end + 1;
    }
    return 0;
}

int rpi_config_parse(rpi_config *c, const char *name, const char *text, size_t len,
                     const rpi_board_id *board, rpi_config_read_fn read, void *read_ctx, char *err,
                     size_t errlen) {
    parse_ctx p = {
        .c = c, .board = board, .read = read, .read_ctx = read_ctx, .err = err, .errlen = errlen};
    filters_reset(&p.filters);
    return parse_lines(&p, name, text, len);
}

char *rpi_cmdline_from_text(const char *text, size_t len) {
    size_t n = 0;
    while (n < len && text[n] != '\n' && text[n] != '\r' && text[n] != 0)
        n++;
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    size_t start = 0;
    if (n >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) start = 3;
    return strndup(text + start, n - start);
}
