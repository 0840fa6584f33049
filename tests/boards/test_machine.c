/* Machines assembled from boards: the rpi3 map, --memory/--smp, serial assignment, interrupt
 * wiring through an OR gate to CPU pins, and the three boot paths' memory and register state.
 * One end-to-end run: a hand-assembled ELF prints through the mini UART and idles. */
#include <libfdt.h>
#include <unistd.h>

#include "boards/descriptor.h"
#include "boards/machine.h"
#include "check.h"
#include "test_intc.h"

typedef struct capture {
    chardev chr;
    char out[256];
    size_t n;
} capture;

static void capture_write(chardev *c, const uint8_t *data, size_t len) {
    capture *cap = (capture *)c;
    for (size_t i = 0; i < len && cap->n + 1 < sizeof cap->out; i++)
        cap->out[cap->n++] = data[i];
    cap->out[cap->n] = '\0';
}

static uint64_t read32(machine *m, uint64_t addr) {
    uint64_t v = 0;
    bus_read(machine_bus(m), addr, 4, &v);
    return v;
}

static const char *write_temp(const char *name, const void *data, size_t len) {
    static char paths[8][256];
    static unsigned next;
    char *path = paths[next++ % 8];
    snprintf(path, 256, "/tmp/socemu-boards-test-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) abort();
    fclose(f);
    return path;
}

static void test_rpi3_map(void) {
    capture console = {.chr = {.name = "console", .write = capture_write}};
    capture first = {.chr = {.name = "first", .write = capture_write}};
    machine_options o = {.board = "rpi3", .console_chr = &console.chr};
    o.serial[0] = &first.chr;
    char err[300] = "";
    machine *m = machine_create(&o, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    const bus_region *r = bus_find(machine_bus(m), 0x1000);
    CHECK(r && r->kind == REGION_RAM && r->base == 0 && r->size == 0x3f000000);
    r = bus_find(machine_bus(m), 0x3f201018);
    CHECK(r && r->kind == REGION_MMIO && strcmp(r->name, "uart0") == 0);
    r = bus_find(machine_bus(m), 0x3f215040);
    CHECK(r && r->kind == REGION_MMIO && strcmp(r->name, "aux") == 0);
    r = bus_find(machine_bus(m), 0x3f205000);
    CHECK(r && r->kind == REGION_UNIMP && strcmp(r->name, "i2c0") == 0);
    CHECK(bus_find(machine_bus(m), 0x50000000) == NULL);
    CHECK(machine_device_ctx(m, "aux") != NULL);
    CHECK(machine_device_ctx(m, "i2c0") == NULL); /* a tag, not a device */
    CHECK_EQ_U64(cpu_cluster_size(machine_cpus(m)), 4);
    const char *names[8];
    CHECK_EQ_U64(machine_serial_names(m, names, 8), 2);
    CHECK(strcmp(names[0], "uart0") == 0 && strcmp(names[1], "aux") == 0);
    /* --serial 0 went to the PL011; the console (mini UART, enabled as firmware leaves it) to
     * console_chr. */
    bus_write(machine_bus(m), 0x3f201000, 4, 'p');
    bus_write(machine_bus(m), 0x3f215040, 1, 'm');
    CHECK(strcmp(first.out, "p") == 0);
    CHECK(strcmp(console.out, "m") == 0);
    CHECK_EQ_U64(read32(m, 0x3f215054) & 0x60, 0x60);
    machine_free(m);

    o = (machine_options){.board = "rpi3", .memory_bytes = 256u << 20, .smp = 2};
    m = machine_create(&o, err, sizeof err);
    CHECK(m != NULL);
    if (!m) fprintf(stderr, "%s\n", err);
    if (m) {
        r = bus_find(machine_bus(m), 0);
        CHECK(r && r->size == 256u << 20);
        CHECK(bus_find(machine_bus(m), 256u << 20) == NULL);
        CHECK_EQ_U64(cpu_cluster_size(machine_cpus(m)), 2);
        machine_free(m);
    }
    o = (machine_options){.board = "rpi3", .memory_bytes = 1ull << 30};
    CHECK(machine_create(&o, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "memory size 1024M too large: board 'rpi3' has room for at most 1008M");
    o = (machine_options){.board = "rpi3", .smp = 9};
    CHECK(machine_create(&o, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "9 cores requested");
}

static void test_wiring(void) {
    machine_options o = {.board = BOARDS_TEST_DIR "/good/wired.board",
                         .extra_device_types = test_types,
                         .n_extra_device_types = 1};
    char err[300] = "";
    machine *m = machine_create(&o, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    bus *b = machine_bus(m);
    CHECK(bus_find(b, 0)->kind == REGION_ROM);
    CHECK(bus_find(b, 0x4000000)->kind == REGION_UNIMP);
    uint64_t v;
    CHECK(bus_read(b, 0x5000000, 4, &v) != BUS_OK); /* unmapped = abort */
    CHECK(!machine_cpu_pin_level(m, 0, false));
    /* PL011 TX interrupt -> intc input 3 -> intc "irq" -> cpu0 IRQ pin. */
    bus_write(b, 0x3000038, 4, 0x20); /* IMSC.TXIM */
    bus_write(b, 0x3000000, 4, 'x');  /* sets RIS.TX */
    CHECK_EQ_U64(read32(m, 0x2000000), 1u << 3);
    CHECK(machine_cpu_pin_level(m, 0, false));
    CHECK(!machine_cpu_pin_level(m, 1, true));
    /* The mini UART shares input 3: the input stays high until both sources drop. */
    bus_write(b, 0x3001044, 1, 0x02); /* IER.THRI: TX empty pending */
    bus_write(b, 0x3000044, 4, 0x20); /* PL011 ICR */
    CHECK(machine_cpu_pin_level(m, 0, false));
    bus_write(b, 0x3001044, 1, 0x00);
    CHECK(!machine_cpu_pin_level(m, 0, false));
    CHECK_EQ_U64(read32(m, 0x2000000), 0);
    machine_free(m);
}

/* A minimal arm64 Image: the 64-byte header (booting.rst) and some text. */
static void make_image(uint8_t *img, size_t len, uint64_t image_size) {
    memset(img, 0, len);
    img[0] = 0x1f, img[1] = 0x20, img[2] = 0x03, img[3] = 0xd5; /* nop (code0) */
    uint64_t text_offset = 0, flags = 0xA;
    memcpy(img + 8, &text_offset, 8);
    memcpy(img + 16, &image_size, 8);
    memcpy(img + 24, &flags, 8);
    memcpy(img + 0x38, "ARM\x64", 4);
    for (size_t i = 64; i < len; i++)
        img[i] = (uint8_t)i;
}

static void test_linux_image_boot(void) {
    static uint8_t img[8192];
    make_image(img, sizeof img, 0x300000);
    uint8_t dtb[4096];
    CHECK(fdt_create_empty_tree(dtb, sizeof dtb) == 0);
    fdt_setprop_u32(dtb, 0, "#address-cells", 2);
    fdt_setprop_u32(dtb, 0, "#size-cells", 1);
    /* the board refuses a device tree for another machine */
    fdt_setprop(dtb, 0, "compatible", "raspberrypi,3-model-b\0brcm,bcm2837", 35);
    fdt_add_subnode(dtb, 0, "chosen");
    fdt_pack(dtb);
    const char initrd[] = "070701 initramfs";
    machine_options o = {
        .board = "rpi3",
        .kernel = write_temp("Image", img, sizeof img),
        .dtb = write_temp("test.dtb", dtb, fdt_totalsize(dtb)),
        .initrd = write_temp("initrd", initrd, sizeof initrd),
        .append = "console=ttyS1,115200",
    };
    char err[300] = "";
    machine *m = machine_create(&o, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    bus *b = machine_bus(m);
    uint8_t back[sizeof img];
    CHECK(bus_read_block(b, 0x200000, back, sizeof back, err, sizeof err) == 0);
    CHECK(memcmp(back, img, sizeof img) == 0);
    /* The armstub at 0x64 (armstub8's secondary code) with the slot base 0xd8, and clear release
     * slots. */
    CHECK_EQ_U64(read32(m, 0x64), 0xD53800A6);
    CHECK_EQ_U64(read32(m, 0x6c), 0xD2801B05);
    CHECK_EQ_U64(read32(m, 0x94), 0xD61F0080);
    for (uint64_t a = 0xd8; a < 0xf8; a += 4)
        CHECK_EQ_U64(read32(m, a), 0);
    cpu_cluster *c = machine_cpus(m);
    uint64_t dtb_addr = cpu_get_xreg(cpu_cluster_core(c, 0), 0);
    CHECK_EQ_U64(cpu_get_pc(cpu_cluster_core(c, 0)), 0x200000);
    CHECK(dtb_addr >= 0x500000 && dtb_addr % 8 == 0);
    for (unsigned i = 1; i < 4; i++)
        CHECK_EQ_U64(cpu_get_pc(cpu_cluster_core(c, i)), 0x64);
    /* The DTB as the kernel will see it. */
    static uint8_t guest_dtb[1 << 16];
    CHECK(bus_read_block(b, dtb_addr, guest_dtb, sizeof guest_dtb, err, sizeof err) == 0);
    CHECK(fdt_check_header(guest_dtb) == 0);
    int chosen = fdt_path_offset(guest_dtb, "/chosen");
    const char *args = fdt_getprop(guest_dtb, chosen, "bootargs", NULL);
    CHECK(args && strcmp(args, "console=ttyS1,115200") == 0);
    int len = 0;
    const fdt32_t *start = fdt_getprop(guest_dtb, chosen, "linux,initrd-start", &len);
    uint64_t initrd_start = 0;
    if (start && len == 8)
        initrd_start = ((uint64_t)fdt32_to_cpu(start[0]) << 32) | fdt32_to_cpu(start[1]);
    else if (start && len == 4)
        initrd_start = fdt32_to_cpu(start[0]);
    CHECK_EQ_U64(initrd_start, 0x500000); /* page-aligned after 0x200000 + image_size */
    char got[sizeof initrd];
    CHECK(bus_read_block(b, 0x500000, got, sizeof got, err, sizeof err) == 0);
    CHECK(memcmp(got, initrd, sizeof initrd) == 0);
    machine_free(m);

    o.dtb = NULL;
    o.initrd = NULL;
    o.append = NULL;
    CHECK(machine_create(&o, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "needs its device tree (--dtb)");
}

/* An ELF64 AArch64 executable with one PT_LOAD segment at 0x80000. */
static size_t make_elf(uint8_t *out, const uint32_t *code, size_t n_words) {
    const uint64_t load = 0x80000;
    memset(out, 0, 0x78 + n_words * 4);
    memcpy(out,
           "\x7f"
           "ELF",
           4);
    out[4] = 2, out[5] = 1, out[6] = 1; /* 64-bit, little-endian, version 1 */
    uint16_t half;
    uint32_t word;
    uint64_t dword;
#define PUT(off, var, val) (var = (val), memcpy(out + (off), &var, sizeof var))
    PUT(16, half, 2);   /* ET_EXEC */
    PUT(18, half, 183); /* EM_AARCH64 */
    PUT(20, word, 1);
    PUT(24, dword, load); /* entry */
    PUT(32, dword, 64);   /* phoff */
    PUT(52, half, 64);    /* ehsize */
    PUT(54, half, 56);    /* phentsize */
    PUT(56, half, 1);     /* phnum */
    PUT(58, half, 64);    /* shentsize */
    PUT(64, word, 1);     /* PT_LOAD */
    PUT(68, word, 5);     /* R+X */
    PUT(72, dword, 0x78); /* offset */
    PUT(80, dword, load); /* vaddr */
    PUT(88, dword, load); /* paddr */
    PUT(96, dword, n_words * 4);
    PUT(104, dword, n_words * 4);
    PUT(112, dword, 4);
#undef PUT
    memcpy(out + 0x78, code, n_words * 4);
    return 0x78 + n_words * 4;
}

static void test_elf_boot_and_run(void) {
    /* Core 0 prints "T\n" on the mini UART, every core then waits in WFI (see docs/boards.md for
     * the listing, checked with aarch64-linux-gnu-as/objdump). */
    static const uint32_t code[] = {0xd53800a0, 0x92401c00, 0xb50000e0, 0xd2a7e421,
                                    0xf28a0801, 0x52800a82, 0x39000022, 0x52800142,
                                    0x39000022, 0xd503207f, 0x17ffffff};
    uint8_t elf[512];
    size_t len = make_elf(elf, code, sizeof code / sizeof code[0]);
    capture console = {.chr = {.name = "console", .write = capture_write}};
    machine_options o = {
        .board = "rpi3", .kernel = write_temp("t.elf", elf, len), .console_chr = &console.chr};
    char err[300] = "";
    machine *m = machine_create(&o, err, sizeof err);
    CHECK(m != NULL);
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    cpu_cluster *c = machine_cpus(m);
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ_U64(cpu_get_pc(cpu_cluster_core(c, i)), 0x80000);
        CHECK_EQ_U64(cpu_get_xreg(cpu_cluster_core(c, i), 0), 0);
    }
    CHECK_EQ_U64(read32(m, 0x80000), code[0]);
    machine_run_result r = machine_run(m, NULL, NULL);
    CHECK_EQ_U64(r, MACHINE_RUN_HUNG); /* every core in WFI, nothing scheduled */
    CHECK(strcmp(console.out, "T\n") == 0);
    CHECK(machine_instructions(m) >= 9);
    machine_free(m);

    o.dtb = "/nonexistent.dtb";
    CHECK(machine_create(&o, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "are for Linux Images, not ELF programs");
}

int main(void) {
    test_rpi3_map();
    test_wiring();
    test_linux_image_boot();
    test_elf_boot_and_run();
    return check_report("boards_machine");
}
