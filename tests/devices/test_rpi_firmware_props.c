/* The GPU firmware's property interface behind mailbox channel 8 (notes 3.2-3.4): buffers in guest
 * RAM answered in place, checked byte for byte; malformed buffers get code 0x80000001 and a
 * warning, never a crash. */
#include <stdio.h>

#include "check.h"
#include "device_fixture.h"
#include "peripherals/rpi_firmware.h"
#include "soc/log.h"

enum { MAIL0_RD = 0x00, MAIL0_STA = 0x18, MAIL1_WRT = 0x20, STA_EMPTY = 0x40000000u };
#define BASE     0x3f00b880u
#define RAM_SIZE 0x01000000u
#define ARM_RAM  0x00c00000u
#define BUF      0x8000u
#define OK       0x80000000u
#define ERR      0x80000001u
#define RESP(n)  (0x80000000u | (n))

/* ---- captured warnings ---- */

static FILE *log_file;
static char log_text[16384];

static void log_begin(void) {
    log_file = tmpfile();
    if (!log_file) abort();
    soc_log_set_file(log_file);
}

static const char *log_end(void) {
    fflush(log_file);
    rewind(log_file);
    size_t n = fread(log_text, 1, sizeof log_text - 1, log_file);
    log_text[n] = '\0';
    fclose(log_file);
    soc_log_set_file(NULL);
    return log_text;
}

static unsigned count_lines(const char *text, const char *needle) {
    unsigned n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- helpers ---- */

static fixture *fw_new(const char *revision) {
    const char *props[] = {"arm-ram-size",
                           "0xc00000",
                           "sdram-size",
                           "0x1000000",
                           "serial",
                           "0x00000000a1b2c3d4",
                           "cmdline",
                           "console=ttyS1,115200",
                           "board-revision",
                           revision ? revision : "0xa02082",
                           NULL};
    fixture *f = fixture_new("bcm2835-mailbox", BASE, props);
    char err[200];
    if (bus_add_ram(&f->bus, "ram", 0, RAM_SIZE, NULL, err, sizeof err) < 0) abort();
    return f;
}

static void put(fixture *f, uint64_t addr, const uint32_t *w, size_t n) {
    char err[200];
    CHECK_EQ_U64(bus_write_block(&f->bus, addr, w, 4 * n, err, sizeof err), 0);
}

static void get(fixture *f, uint64_t addr, uint32_t *w, size_t n) {
    char err[200];
    CHECK_EQ_U64(bus_read_block(&f->bus, addr, w, 4 * n, err, sizeof err), 0);
}

/* Sends the buffer at addr through the mailbox and checks the reply word comes back. */
static void call(fixture *f, uint64_t addr) {
    uint32_t word = 0xC0000000u | (uint32_t)addr | 8;
    wr32(f, MAIL1_WRT, word);
    CHECK_EQ_U64(rd32(f, MAIL0_RD), word);
    CHECK_EQ_U64(rd32(f, MAIL0_STA), STA_EMPTY);
}

/* Compares word arrays, naming the first difference. */
static void check_words(const uint32_t *got, const uint32_t *want, size_t n, const char *what) {
    check_count++;
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            check_failures++;
            fprintf(stderr, "%s: word %zu is 0x%08x, want 0x%08x\n", what, i, got[i], want[i]);
            return;
        }
    }
}

#define N(a) (sizeof(a) / sizeof(a)[0])

/* The brief's mix in one buffer: clock rate, an unknown tag, memory, the GPIO expander, domain
 * state, framebuffer geometry + allocate, a clamped clock set, MAC and a truncated command line. */
static void test_mixed_buffer(void) {
    fixture *f = fw_new(NULL);
    // clang-format off
    const uint32_t req[] = {
        0, 0,                                      /* size patched below */
        0x00030002, 8, 4, 4, 0xFFFFFFFF,           /* GET_CLOCK_RATE core */
        0x00099999, 8, 8, 0x11111111, 0x22222222,  /* unknown */
        0x00010005, 8, 0, 0xEEEEEEEE, 0xEEEEEEEE,  /* ARM memory */
        0x00010006, 8, 0, 0xEEEEEEEE, 0xEEEEEEEE,  /* VC memory */
        0x00030043, 20, 4, 130, 7, 7, 7, 7,        /* GPIO config, expander line 2 */
        0x00030030, 8, 8, 22, 0xFFFFFFFF,          /* domain state: new-style probe */
        0x00048003, 8, 8, 640, 480,                /* FB physical size */
        0x00048004, 8, 8, 640, 480,                /* FB virtual size */
        0x00048005, 4, 4, 32,                      /* FB depth */
        0x00040001, 8, 4, 4096, 0,                 /* FB allocate */
        0x00040008, 4, 0, 0,                       /* FB pitch */
        0x00038002, 12, 12, 3, 2000000000u, 0,     /* SET_CLOCK_RATE ARM: clamped */
        0x00030002, 8, 4, 3, 0,                    /* GET_CLOCK_RATE ARM */
        0x00010003, 8, 0, 0x99999999, 0x99999999,  /* MAC: 6 bytes of 8 */
        0x00050001, 8, 0, 0x77777777, 0x77777777,  /* cmdline: truncated */
        0x00060001, 4, 0, 0,                       /* DMA channels */
        0,                                         /* end */
    };
    // clang-format on
    uint32_t buf[N(req)];
    memcpy(buf, req, sizeof buf);
    buf[0] = sizeof buf;
    put(f, BUF, buf, N(buf));
    log_begin();
    call(f, BUF);
    const char *log = log_end();
    CHECK_EQ_U64(count_lines(log, "property tag 0x00099999 not modelled"), 1);

    // clang-format off
    const uint32_t want[] = {
        sizeof buf, OK,
        0x00030002, 8, RESP(8), 4, 250000000,
        0x00099999, 8, 8, 0x11111111, 0x22222222,       /* untouched, bit 31 clear */
        0x00010005, 8, RESP(8), 0, ARM_RAM,
        0x00010006, 8, RESP(8), ARM_RAM, RAM_SIZE - ARM_RAM,
        0x00030043, 20, RESP(20), 0, 1, 0, 0, 0,        /* status 0 (else "Failed to get GPIO") */
        0x00030030, 8, RESP(8), 22, 1,                  /* `on` overwritten */
        0x00048003, 8, RESP(8), 640, 480,
        0x00048004, 8, RESP(8), 640, 480,
        0x00048005, 4, RESP(4), 32,
        0x00040001, 8, RESP(8), 0xC0000000u | ARM_RAM, 640 * 480 * 4,
        0x00040008, 4, RESP(4), 640 * 4,
        0x00038002, 12, RESP(8), 3, 1200000000u, 0,
        0x00030002, 8, RESP(8), 3, 1200000000u,
        0x00010003, 8, RESP(6), 0xB2EB27B8u, 0x9999D4C3u, /* b8:27:eb:b2:c3:d4, pad untouched */
        0x00050001, 8, RESP(21), 0x736e6f63u, 0x3d656c6fu, /* "console=" of 21 bytes */
        0x00060001, 4, RESP(4), 0x7f35,
        0,
    };
    // clang-format on
    _Static_assert(sizeof want == sizeof req, "reply layout");
    uint32_t got[N(want)];
    get(f, BUF, got, N(got));
    check_words(got, want, N(want), "mixed buffer");

    const rpi_fb_state *fb = rpi_firmware_fb(f->state);
    CHECK(fb->allocated);
    CHECK_EQ_U64(fb->base, ARM_RAM);
    CHECK_EQ_U64(fb->bus_base, 0xC0000000u | ARM_RAM);
    CHECK_EQ_U64(fb->pitch, 2560);
    CHECK_EQ_U64(fb->depth, 32);
    CHECK_EQ_U64(fb->phys_width, 640);

    /* The unknown tag is logged once per run, not per call. */
    put(f, BUF, buf, N(buf));
    log_begin();
    call(f, BUF);
    log = log_end();
    CHECK_EQ_U64(count_lines(log, "0x00099999"), 0);
    fixture_free(f);
}

static void test_clocks(void) {
    fixture *f = fw_new(NULL);
    /* GET_CLOCKS into Linux's 16-pair buffer prefilled with garbage: 1-10 then zeros. */
    uint32_t buf[2 + 3 + 32 + 1] = {sizeof buf, 0, 0x00010007, 128, 0};
    for (unsigned i = 5; i < 37; i++)
        buf[i] = 0xFFFFFFFF;
    buf[37] = 0;
    put(f, BUF, buf, N(buf));
    call(f, BUF);
    uint32_t got[N(buf)];
    get(f, BUF, got, N(got));
    CHECK_EQ_U64(got[1], OK);
    CHECK_EQ_U64(got[4], RESP(80));
    for (unsigned id = 1; id <= 16; id++) {
        CHECK_EQ_U64(got[5 + 2 * (id - 1)], 0);                 /* parent */
        CHECK_EQ_U64(got[6 + 2 * (id - 1)], id <= 10 ? id : 0); /* id, zero-padded */
    }
    /* min/max for the exported ids (an error would abort clk-raspberrypi's probe), state. */
    // clang-format off
    const uint32_t req[] = {
        0, 0,
        0x00030007, 8, 4, 3, 0,       /* min ARM */
        0x00030004, 8, 4, 3, 0,       /* max ARM */
        0x00030004, 8, 4, 4, 0,       /* max CORE */
        0x00030002, 8, 4, 2, 0,       /* UART */
        0x00030002, 8, 4, 1, 0,       /* EMMC */
        0x00030001, 8, 4, 5, 0,       /* V3D state: on */
        0x00030001, 8, 4, 13, 7,      /* M2MC: absent on a Pi 3 */
        0x00038001, 8, 8, 5, 0,       /* V3D off */
        0x00030001, 8, 4, 5, 7,       /* reads back off */
        0x00038002, 12, 12, 4, 1, 0,  /* CORE below its minimum: clamped up */
        0,
    };
    // clang-format on
    uint32_t b2[N(req)];
    memcpy(b2, req, sizeof b2);
    b2[0] = sizeof b2;
    put(f, BUF, b2, N(b2));
    call(f, BUF);
    uint32_t g2[N(req)];
    get(f, BUF, g2, N(g2));
    CHECK_EQ_U64(g2[1], OK);
    CHECK_EQ_U64(g2[6], 600000000);
    CHECK_EQ_U64(g2[11], 1200000000);
    CHECK_EQ_U64(g2[16], 400000000);
    CHECK_EQ_U64(g2[21], 48000000);
    CHECK_EQ_U64(g2[26], 250000000);
    CHECK_EQ_U64(g2[31], 1);
    CHECK_EQ_U64(g2[36], 2); /* bit 1: no such clock */
    CHECK_EQ_U64(g2[41], 0);
    CHECK_EQ_U64(g2[46], 0);
    CHECK_EQ_U64(g2[51], 250000000);
    fixture_free(f);

    /* B+: the ARM turbos to 1.4 GHz; revision reported as configured. */
    f = fw_new("0xa020d3");
    const uint32_t r3[] = {36, 0, 0x00030004, 8, 4, 3, 0, 0x00010002, 4, 0, 0, 0};
    uint32_t b3[N(r3)];
    memcpy(b3, r3, sizeof b3);
    b3[0] = sizeof b3;
    put(f, BUF, b3, N(b3));
    call(f, BUF);
    get(f, BUF, b3, N(b3));
    CHECK_EQ_U64(b3[1], OK);
    CHECK_EQ_U64(b3[6], 1400000000);
    CHECK_EQ_U64(b3[10], 0xa020d3);
    fixture_free(f);
}

static void test_power_gpio_misc(void) {
    fixture *f = fw_new(NULL);
    // clang-format off
    const uint32_t req[] = {
        0, 0,
        0x00028001, 8, 8, 3, 3,           /* SET_POWER_STATE USB on+wait */
        0x00028001, 8, 8, 9, 1,           /* no such device */
        0x00038030, 8, 8, 10, 1,          /* SET_DOMAIN_STATE */
        0x00030030, 8, 4, 10, 0xFFFFFFFF, /* GET_DOMAIN_STATE */
        0x00038041, 8, 8, 130, 1,         /* ACT LED on */
        0x00030041, 8, 4, 130, 7,
        0x00030043, 20, 4, 5, 9, 9, 9, 9, /* not an expander line: status 1 */
        0x00048010, 4, 4, 0x3b500000,     /* VCHIQ_INIT: left non-zero */
        0x00030048, 0, 0,                 /* NOTIFY_REBOOT */
        0x00030006, 8, 4, 0, 0,           /* temperature */
        0x0003000a, 8, 4, 0, 0,           /* max temperature */
        0x00030046, 4, 4, 0xFFFF,         /* throttled */
        0x00010004, 8, 0, 0, 0,           /* serial */
        0x00000001, 4, 0, 0,              /* firmware revision */
        0x00030020, 136, 4, 0, 0,         /* EDID block 0 (first 8 bytes of 136 here) */
        0,
    };
    // clang-format on
    /* The EDID value buffer is 136 bytes = 34 words: the 2 given plus 32 zero words, then the
     * end tag (the req's last 0 becomes part of the value buffer). */
    uint32_t buf[N(req) + 32];
    memset(buf, 0, sizeof buf);
    memcpy(buf, req, sizeof req);
    buf[0] = sizeof buf;
    put(f, BUF, buf, N(buf));
    log_begin();
    call(f, BUF);
    const char *log = log_end();
    CHECK_STR_CONTAINS(log, "firmware GPIO 5 is not an expander line");
    CHECK_STR_CONTAINS(log, "VCHIQ_INIT refused");
    uint32_t g[N(buf)];
    get(f, BUF, g, N(g));
    CHECK_EQ_U64(g[1], OK);
    CHECK_EQ_U64(g[4], RESP(8));
    CHECK_EQ_U64(g[6], 1);
    CHECK_EQ_U64(g[11], 2);
    CHECK_EQ_U64(g[16], 1);
    CHECK_EQ_U64(g[21], 1);
    CHECK_EQ_U64(g[25], 0);
    CHECK_EQ_U64(g[26], 1);
    CHECK_EQ_U64(g[30], 0);
    CHECK_EQ_U64(g[31], 1);
    CHECK_EQ_U64(g[35], 1); /* status 1 */
    CHECK_EQ_U64(g[36], 9); /* rest untouched */
    CHECK_EQ_U64(g[42], RESP(4));
    CHECK_EQ_U64(g[43], 0x3b500000); /* non-zero: vchiq fails cleanly */
    CHECK_EQ_U64(g[46], RESP(0));
    CHECK_EQ_U64(g[51], 45000);
    CHECK_EQ_U64(g[56], 85000);
    CHECK_EQ_U64(g[60], 0);
    CHECK_EQ_U64(g[64], 0xa1b2c3d4);
    CHECK_EQ_U64(g[65], 0);
    CHECK_EQ_U64(g[68], RESP(4));
    CHECK_EQ_U64(g[69], 1661860800u);
    CHECK_EQ_U64(g[72], RESP(8));
    CHECK_EQ_U64(g[74], 1); /* EDID status: failure */
    fixture_free(f);
}

static void test_malformed_buffers(void) {
    fixture *f = fw_new(NULL);
    const char *log;
    /* Size not a multiple of 4. */
    const uint32_t odd[] = {30, 0, 0x00000001, 4, 0, 0, 0, 0};
    put(f, BUF, odd, N(odd));
    log_begin();
    call(f, BUF);
    log = log_end();
    CHECK_STR_CONTAINS(log, "bad size 30");
    uint32_t w[8];
    get(f, BUF, w, 8);
    CHECK_EQ_U64(w[1], ERR);
    CHECK_EQ_U64(w[4], 0); /* nothing answered */

    /* Size running beyond the end of RAM. */
    uint64_t tail = RAM_SIZE - 0x20;
    const uint32_t big[] = {0x1000, 0, 0x00000001, 4, 0, 0, 0, 0};
    put(f, tail, big, N(big));
    log_begin();
    call(f, tail);
    log = log_end();
    CHECK_STR_CONTAINS(log, "runs out of RAM");
    get(f, tail, w, 8);
    CHECK_EQ_U64(w[1], ERR);
    CHECK_EQ_U64(w[4], 0);

    /* Absurd size. */
    const uint32_t huge[] = {0xFFFFFFF0, 0, 0};
    put(f, BUF, huge, N(huge));
    log_begin();
    call(f, BUF);
    log_end();
    get(f, BUF, w, 2);
    CHECK_EQ_U64(w[1], ERR);

    /* A tag whose value buffer overruns the buffer: earlier tags are answered, code is error. */
    const uint32_t over[] = {36, 0, 0x00000001, 4, 0, 0, 0x00010002, 64, 0};
    put(f, BUF, over, N(over));
    log_begin();
    call(f, BUF);
    log = log_end();
    CHECK_STR_CONTAINS(log, "overruns");
    uint32_t o[N(over)];
    get(f, BUF, o, N(o));
    CHECK_EQ_U64(o[1], ERR);
    CHECK_EQ_U64(o[4], RESP(4));
    CHECK_EQ_U64(o[5], 1661860800u);

    /* A buffer outside RAM entirely: warned, the reply word still comes back. */
    log_begin();
    wr32(f, MAIL1_WRT, 0xC8000008);
    log = log_end();
    CHECK_STR_CONTAINS(log, "not in RAM");
    CHECK_EQ_U64(rd32(f, MAIL0_RD), 0xC8000008);

    /* The smallest valid buffer (size, code, end tag) and a missing end tag are fine. */
    const uint32_t empty[] = {12, 0, 0, 0xDDDDDDDD};
    put(f, BUF, empty, N(empty));
    call(f, BUF);
    get(f, BUF, w, 4);
    CHECK_EQ_U64(w[1], OK);
    CHECK_EQ_U64(w[3], 0xDDDDDDDD); /* nothing written past the buffer */
    const uint32_t noend[] = {24, 0, 0x00060001, 4, 0, 0, 0xDDDDDDDD};
    put(f, BUF, noend, N(noend));
    call(f, BUF);
    get(f, BUF, w, 7);
    CHECK_EQ_U64(w[1], OK);
    CHECK_EQ_U64(w[4], RESP(4));
    CHECK_EQ_U64(w[5], 0x7f35);
    CHECK_EQ_U64(w[6], 0xDDDDDDDD);
    fixture_free(f);
}

static void test_framebuffer_tags(void) {
    fixture *f = fw_new(NULL);
    const rpi_fb_state *fb = rpi_firmware_fb(f->state);
    CHECK(!fb->allocated);
    CHECK_EQ_U64(fb->depth, 16); /* the firmware default */
    CHECK_EQ_U64(fb->phys_width, 1024);
    // clang-format off
    const uint32_t req[] = {
        0, 0,
        0x00040005, 4, 0, 0,              /* get depth */
        0x00044005, 4, 4, 24,             /* test depth: request stands, no change */
        0x00048005, 4, 4, 12,             /* bad depth: kept */
        0x00048006, 4, 4, 0,              /* pixel order BGR */
        0x00048007, 4, 4, 1,              /* alpha reversed */
        0x00048009, 8, 8, 0, 16,          /* virtual offset */
        0x0004800a, 16, 16, 1, 2, 3, 4,   /* overscan */
        0x00040002, 4, 4, 1,              /* blank */
        0x00048004, 8, 8, 100000, 100000, /* too big: ignored */
        0x00040001, 4, 4, 0,              /* allocate, alignment 0 */
        0x00048001, 0, 0,                 /* release */
        0,
    };
    // clang-format on
    uint32_t buf[N(req)];
    memcpy(buf, req, sizeof buf);
    buf[0] = sizeof buf;
    put(f, BUF, buf, N(buf));
    uint32_t gen = fb->generation;
    call(f, BUF);
    uint32_t g[N(buf)];
    get(f, BUF, g, N(g));
    CHECK_EQ_U64(g[1], OK);
    CHECK_EQ_U64(g[5], 16);
    CHECK_EQ_U64(g[8], RESP(4));
    CHECK_EQ_U64(g[9], 24);
    CHECK_EQ_U64(g[13], 16);
    CHECK_EQ_U64(g[17], 0);
    CHECK_EQ_U64(g[21], 1);
    CHECK_EQ_U64(g[26], 16);
    CHECK_EQ_U64(g[30], 1);
    CHECK_EQ_U64(g[33], 4);
    CHECK_EQ_U64(g[37], 1);
    CHECK_EQ_U64(g[41], 1024);
    CHECK_EQ_U64(g[42], 768);
    CHECK_EQ_U64(g[45], RESP(8)); /* allocate: 4-byte buffer, full length reported */
    CHECK_EQ_U64(g[46], 0xC0000000u | ARM_RAM);
    CHECK_EQ_U64(g[47], 0x00048001); /* the next tag was not overwritten */
    CHECK_EQ_U64(g[49], RESP(0));
    CHECK(!fb->allocated); /* released */
    CHECK(fb->generation != gen);
    CHECK_EQ_U64(fb->pixel_order, 0);
    CHECK_EQ_U64(fb->alpha_mode, 1);
    CHECK_EQ_U64(fb->y_offset, 16);
    CHECK_EQ_U64(fb->overscan[3], 4);
    CHECK(fb->blank);

    /* A framebuffer larger than the carve-out is refused with base and size 0. */
    const uint32_t big[] = {0, 0,  0x00048004, 8, 8, 4096, 4096, 0x00048005, 4,
                            4, 32, 0x00040001, 8, 4, 4096, 0,    0};
    uint32_t b2[N(big)];
    memcpy(b2, big, sizeof b2);
    b2[0] = sizeof b2;
    put(f, BUF, b2, N(b2));
    log_begin();
    call(f, BUF);
    const char *log = log_end();
    CHECK_STR_CONTAINS(log, "does not fit");
    get(f, BUF, b2, N(b2));
    CHECK_EQ_U64(b2[1], OK);
    CHECK_EQ_U64(b2[14], 0);
    CHECK_EQ_U64(b2[15], 0);
    CHECK(!fb->allocated);
    fixture_free(f);
}

int main(void) {
    test_mixed_buffer();
    test_clocks();
    test_power_gpio_misc();
    test_malformed_buffers();
    test_framebuffer_tags();
    return check_report("devices_rpi_firmware_props");
}
