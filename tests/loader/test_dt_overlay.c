/* config.txt dtoverlay/dtparam: every override form on real dtc-compiled overlays
 * (tests/loader/overlays, compiled by CMake), parameter scopes, label resolution through
 * __symbols__, /aliases and __exports__, and the warnings for what cannot be applied. */
#include <libfdt.h>

#include "check.h"
#include "loader/dt_overlay.h"
#include "loader_test_util.h"

static const char *dtb_dir; /* argv[1]: base.dtb, base-nosym.dtb, overlays/NAME.dtbo */
static char warnings[16384];

static int read_file(void *ctx, const char *name, uint8_t **data, size_t *len, char *err,
                     size_t errlen) {
    (void)ctx;
    if (!strcmp(name, "overlays/corrupt.dtbo")) {
        static const char junk[] = "this is not a device tree blob at all";
        *data = malloc(sizeof junk);
        memcpy(*data, junk, sizeof junk);
        *len = sizeof junk;
        return 0;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dtb_dir, name);
    if (access(path, F_OK)) return 1;
    *data = tu_read(path, len);
    if (!*data) snprintf(err, errlen, "%s: cannot read", path);
    return *data ? 0 : -1;
}

static void collect(void *ctx, const char *msg) {
    (void)ctx;
    size_t n = strlen(warnings);
    snprintf(warnings + n, sizeof warnings - n, "%s\n", msg);
}

/* Applies the lines (one string, '\n' separated) to base_name; returns the new blob. */
static uint8_t *apply(const char *base_name, const char *lines, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dtb_dir, base_name);
    uint8_t *blob = tu_read(path, len);
    CHECK(blob != NULL);
    if (!blob) exit(1);
    const char *items[32];
    size_t n = 0;
    char *copy = strdup(lines);
    for (char *line = strtok(copy, "\n"); line && n < 32; line = strtok(NULL, "\n"))
        items[n++] = line;
    warnings[0] = 0;
    dt_overlay_env env = {.overlay_dir = "overlays/", .read = read_file, .warn = collect};
    char err[300];
    CHECK(dt_overlay_apply_config("test.dtb", &blob, len, items, n, &env, err, sizeof err) == 0);
    free(copy);
    CHECK(fdt_check_header(blob) == 0 && fdt_totalsize(blob) == *len);
    return blob;
}

static const void *prop(const uint8_t *fdt, const char *path, const char *name, int *len) {
    int node = fdt_path_offset(fdt, path);
    return node < 0 ? NULL : fdt_getprop(fdt, node, name, len);
}

static bool has(const uint8_t *fdt, const char *path, const char *name) {
    return prop(fdt, path, name, NULL) != NULL;
}

static const char *str(const uint8_t *fdt, const char *path, const char *name) {
    const char *s = prop(fdt, path, name, NULL);
    return s ? s : "(none)";
}

static uint32_t cell(const uint8_t *fdt, const char *path, const char *name, int index) {
    int len;
    const fdt32_t *p = prop(fdt, path, name, &len);
    return p && len >= 4 * (index + 1) ? fdt32_to_cpu(p[index]) : 0xdeadbeef;
}

static bool bytes_are(const uint8_t *fdt, const char *path, const char *name, const void *want,
                      int want_len) {
    int len;
    const void *p = prop(fdt, path, name, &len);
    return p && len == want_len && !memcmp(p, want, (size_t)want_len);
}

static void test_every_form(void) {
    size_t len;
    uint8_t *t = apply("base.dtb",
                       "dtoverlay=forms,string=world,enable=on,byte_1=0x12,u16_1=0x1234,u32_0=7,"
                       "u64_1=0x0102030405060708,newint=5,bool1=on,bool2=yes,mac=b8:27:eb:01:02:03,"
                       "addr=0x51,literal,cell,letter=b,bus=0,swap,only3=off,base_baud=400000\n"
                       "dtparam=audio=on\n"
                       "dtparam=act_led_trigger=heartbeat\n"
                       "dtparam=rename=renamed-node,nosuch=1\n"
                       "dtoverlay=\n"
                       "dtparam=krnbt=on,extra_args=quiet,act_led_activelow=on\n",
                       &len);
    const char *n = "/renamed-node"; /* "name" renamed the overlay's test-node before the merge */
    CHECK(fdt_path_offset(t, "/test-node") < 0);
    CHECK(!strcmp(str(t, n, "string"), "world"));
    CHECK(!strcmp(str(t, n, "status"), "okay"));
    CHECK(bytes_are(t, n, "bytes", "\x67\x12", 2));
    CHECK(bytes_are(t, n, "u16s", "\xab\xcd\x12\x34", 4));
    CHECK(cell(t, n, "u32s", 0) == 7 && cell(t, n, "u32s", 1) == 0x76543210);
    CHECK(cell(t, n, "u64s", 2) == 0x01020304 && cell(t, n, "u64s", 3) == 0x05060708);
    CHECK(cell(t, n, "u64s", 0) == 0xaaaaa5a5);
    CHECK(cell(t, n, "newint", 0) == 0 && cell(t, n, "newint", 1) == 5); /* created, padded */
    CHECK(!has(t, n, "bool1"));                                          /* inverted: on = drop */
    CHECK(has(t, n, "bool2"));
    CHECK(bytes_are(t, n, "mac", "\xb8\x27\xeb\x01\x02\x03", 6));
    CHECK(!strcmp(str(t, n, "lit"), "fixed") && cell(t, n, "litint", 0) == 42);
    CHECK(!strcmp(str(t, n, "letter"), "bravo"));
    CHECK(has(t, n, "audio-from-overlay"));
    /* "cell" holds the base i2c1's phandle, from the overlay's fix-up */
    CHECK(cell(t, n, "cell", 0) == fdt_get_phandle(t, fdt_path_offset(t, "/soc/i2c@7e804000")));
    /* fragment 0 merged into i2c1: the rtc moved to 0x51 (reg renames the node) */
    CHECK(!strcmp(str(t, "/soc/i2c@7e804000", "status"), "okay"));
    CHECK(cell(t, "/soc/i2c@7e804000/rtc@51", "reg", 0) == 0x51);
    CHECK(cell(t, "/soc/i2c@7e804000", "clock-frequency", 0) == 400000); /* a base label */
    /* bus=0 retargeted fragment 4 from audio to uart0 through the lookup table's cells */
    CHECK(has(t, "/soc/serial@7e201000", "fragment4-applied"));
    CHECK(!has(t, "/soc/audio", "fragment4-applied"));
    CHECK(has(t, "/", "fragment2-applied") && !has(t, "/", "fragment3-applied"));
    /* dtparam after the overlay: the overlay's "audio" wins over the base's; what the overlay
     * lacks goes to the base; after "dtoverlay=" the base is in scope */
    CHECK(!strcmp(str(t, "/soc/audio", "status"), "disabled"));
    CHECK(!strcmp(str(t, "/soc/leds/led-act", "linux,default-trigger"), "heartbeat"));
    CHECK(has(t, "/soc/serial@7e201000", "krnbt"));
    CHECK(!strcmp(str(t, "/chosen", "bootargs"), "console=ttyS1 quiet"));
    CHECK(cell(t, "/soc/leds/led-act", "gpios", 2) == 1);
    CHECK_STR_CONTAINS(warnings, "test.dtb: dtparam=rename=renamed-node,nosuch=1: unknown "
                                 "parameter 'nosuch' (not in overlay 'forms' or the base DT)");
    CHECK(!strstr(warnings, "'audio'") && !strstr(warnings, "'string'"));
    /* the overlay's labels stay private */
    CHECK(!has(t, "/__symbols__", "rtc") && !has(t, "/__symbols__", "test"));
    free(t);
}

static void test_base_params(void) {
    size_t len;
    uint8_t *t = apply("base.dtb",
                       "dtparam=mixed=off,audio=on\ndtparam=i2c_arm=yes,i2c_arm_baudrate=0x61a80\n"
                       "dtparam=krnbt=nonsense\n",
                       &len);
    /* one parameter, three targets of three types; "audio" afterwards wins on status */
    CHECK(!strcmp(str(t, "/soc/audio", "status"), "okay"));
    CHECK(cell(t, "/soc/leds/led-act", "gpios", 1) == 0 &&
          !has(t, "/soc/serial@7e201000", "mixed"));
    CHECK(!strcmp(str(t, "/soc/i2c@7e804000", "status"), "okay"));
    CHECK(cell(t, "/soc/i2c@7e804000", "clock-frequency", 0) == 400000);
    CHECK_STR_CONTAINS(warnings, "'nonsense' is not a number or boolean for 'krnbt'");
    CHECK(!has(t, "/soc/serial@7e201000", "krnbt"));
    free(t);
}

static void test_failures_are_warnings(void) {
    size_t len;
    uint8_t *t = apply("base.dtb",
                       "dtoverlay=missing\ndtparam=speed=1\n"
                       "dtoverlay=corrupt\n"
                       "dtoverlay=needs-label\n"
                       "dtoverlay=bad-target\n"
                       "dtoverlay=forms,bus=7,u32_0=many\n"
                       "dtoverlay=by-path,speed=0x200\n",
                       &len);
    CHECK_STR_CONTAINS(warnings, "dtoverlay=missing: overlays/missing.dtbo not found");
    CHECK_STR_CONTAINS(warnings, "parameter 'speed' ignored: overlay 'missing' was not loaded");
    CHECK_STR_CONTAINS(warnings, "overlays/corrupt.dtbo: not a device tree blob");
    CHECK_STR_CONTAINS(warnings, "label 'i2c_arm' is not in the base DT's __symbols__ or aliases");
    CHECK_STR_CONTAINS(warnings, "dtoverlay=bad-target: overlay 'bad-target' not applied");
    CHECK_STR_CONTAINS(
        warnings, "dtoverlay=forms,bus=7,u32_0=many: '7' is not one of the parameter's values");
    CHECK_STR_CONTAINS(warnings, "'many' is not a number or boolean for 'u32s'");
    /* nothing of a refused overlay lands; the others still do */
    CHECK(!has(t, "/", "half-applied"));
    CHECK(!strcmp(str(t, "/soc/i2c@7e804000", "status"), "okay")); /* forms' fragment 0 */
    CHECK(cell(t, "/socemu-test", "speed", 0) == 0x200);
    CHECK(has(t, "/soc/serial@7e201000", "socemu-overlay-applied"));
    free(t);
}

/* A __local_fixups__ offset past its property: refused (libfdt 1.6.1 would read past the blob),
 * the base unchanged, the next overlay still applied. */
static void test_bad_local_fixup(void) {
    size_t len;
    uint8_t *t =
        apply("base.dtb", "dtoverlay=bad-local-fixup\ndtoverlay=by-path,speed=0x300\n", &len);
    CHECK_STR_CONTAINS(warnings, "dtoverlay=bad-local-fixup: overlay 'bad-local-fixup' not "
                                 "applied: a __local_fixups__ offset lies outside its property");
    CHECK(fdt_path_offset(t, "/socemu-bad-fixup") < 0);
    CHECK(cell(t, "/socemu-test", "speed", 0) == 0x300);
    free(t);
}

static void test_without_symbols(void) {
    size_t len;
    uint8_t *t = apply("base-nosym.dtb",
                       "dtoverlay=alias-user\ndtoverlay=by-path,enable=on,label=from-config\n"
                       "dtoverlay=needs-label\n",
                       &len);
    /* i2c1 is only an alias here: the firmware's fallback finds it */
    CHECK(!strcmp(str(t, "/soc/i2c@7e804000", "status"), "okay"));
    CHECK(!strcmp(str(t, "/socemu-test", "status"), "okay"));
    CHECK(!strcmp(str(t, "/socemu-test", "label"), "from-config"));
    CHECK_STR_CONTAINS(warnings, "label 'i2c_arm' is not in the base DT's __symbols__ or aliases");
    free(t);
}

static void test_exports(void) {
    size_t len;
    uint8_t *t =
        apply("base.dtb", "dtoverlay=exporter\ndtoverlay=importer\ndtoverlay=uses-private\n", &len);
    CHECK(has(t, "/exported-node", "imported"));
    CHECK(!has(t, "/private-node", "imported"));
    CHECK(!strcmp(str(t, "/__symbols__", "public"), "/exported-node"));
    CHECK(!has(t, "/__symbols__", "private"));
    CHECK_STR_CONTAINS(warnings, "dtoverlay=uses-private: label 'private' is not in");
    free(t);
}

static void test_nothing_to_do(void) {
    size_t len;
    uint8_t *t = apply("base.dtb", "dtparam=\n", &len);
    CHECK(warnings[0] == 0);
    free(t);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR-WITH-COMPILED-OVERLAYS\n", argv[0]);
        return 2;
    }
    dtb_dir = argv[1];
    test_every_form();
    test_base_params();
    test_failures_are_warnings();
    test_bad_local_fixup();
    test_without_symbols();
    test_exports();
    test_nothing_to_do();
    if (check_failures) fprintf(stderr, "last warnings:\n%s", warnings);
    return check_report("loader_dt_overlay");
}
