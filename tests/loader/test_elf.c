/* loader_load_elf: good AArch64 and ARM files (hand-made and cross-compiled), virtual entry
 * translation, zero fill, and each refusal with its message. */
#include <elf.h>

#include "check.h"
#include "loader/loader.h"
#include "loader_test_util.h"

#define RAM_BASE 0x0
#define RAM_SIZE (16u << 20)

/* A 64-bit AArch64 ELF: segment 0 code (virtual entry), segment 1 a note, segment 2 data with
 * bss (memsz > filesz). */
static size_t make_elf64(uint8_t *out, uint16_t machine) {
    memset(out, 0, 0x200);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)out;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = machine;
    eh->e_version = EV_CURRENT;
    eh->e_entry = 0xffff800000080010ull;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 3;
    Elf64_Phdr *ph = (Elf64_Phdr *)(out + sizeof *eh);
    ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
                         .p_offset = 0x100,
                         .p_vaddr = 0xffff800000080000ull,
                         .p_paddr = 0x80000,
                         .p_filesz = 0x40,
                         .p_memsz = 0x40,
                         .p_flags = PF_R | PF_X};
    ph[1] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = 0x180, .p_filesz = 0x10};
    ph[2] = (Elf64_Phdr){.p_type = PT_LOAD,
                         .p_offset = 0x140,
                         .p_vaddr = 0x90000,
                         .p_paddr = 0x90000,
                         .p_filesz = 0x20,
                         .p_memsz = 0x1000,
                         .p_flags = PF_R | PF_W};
    for (int i = 0; i < 0x60; i++)
        out[0x100 + i] = (uint8_t)(i + 1);
    return 0x1a0;
}

static size_t make_elf32_arm(uint8_t *out) {
    memset(out, 0, 0x200);
    Elf32_Ehdr *eh = (Elf32_Ehdr *)out;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS32;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_ARM;
    eh->e_version = EV_CURRENT;
    eh->e_entry = 0x8000;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof(Elf32_Phdr);
    eh->e_phnum = 1;
    Elf32_Phdr *ph = (Elf32_Phdr *)(out + sizeof *eh);
    ph[0] = (Elf32_Phdr){.p_type = PT_LOAD,
                         .p_offset = 0x100,
                         .p_vaddr = 0x8000,
                         .p_paddr = 0x8000,
                         .p_filesz = 0x20,
                         .p_memsz = 0x100};
    for (int i = 0; i < 0x20; i++)
        out[0x100 + i] = 0xe0;
    return 0x120;
}

int main(void) {
    tu_setup();
    char err[300];
    bus b;
    tu_bus(&b, RAM_BASE, RAM_SIZE);
    uint8_t elf[0x200];
    loaded_elf le;
    uint8_t buf[0x1000];

    /* Good AArch64 file: placed at p_paddr, bss zeroed, virtual entry translated. */
    size_t n = make_elf64(elf, EM_AARCH64);
    memset(buf, 0xaa, sizeof buf);
    bus_write_block(&b, 0x90000, buf, sizeof buf, err, sizeof err); /* stale data to be zeroed */
    CHECK(loader_is_elf(elf, n));
    CHECK(loader_load_elf(&b, "k.elf", elf, n, LOADER_ARCH_AARCH64, &le, err, sizeof err) == 0);
    CHECK_EQ_U64(le.entry, 0x80010);
    CHECK_EQ_U64(le.low, 0x80000);
    CHECK_EQ_U64(le.high, 0x91000);
    CHECK(bus_read_block(&b, 0x80000, buf, 0x40, err, sizeof err) == 0);
    CHECK(memcmp(buf, elf + 0x100, 0x40) == 0);
    CHECK(bus_read_block(&b, 0x90000, buf, 0x1000, err, sizeof err) == 0);
    CHECK(memcmp(buf, elf + 0x140, 0x20) == 0);
    CHECK(buf[0x20] == 0 && buf[0xfff] == 0);

    /* Truncated: segment 2's bytes are cut off; the header itself cut off. */
    CHECK(loader_load_elf(&b, "k.elf", elf, 0x150, LOADER_ARCH_AARCH64, &le, err, sizeof err) ==
          -1);
    CHECK_STR_CONTAINS(err, "k.elf: truncated ELF (segment 2 extends past end of file)");
    CHECK(loader_load_elf(&b, "k.elf", elf, 40, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "k.elf: truncated ELF header");
    CHECK(loader_load_elf(&b, "k.elf", elf, 0x80, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "k.elf: truncated ELF (program headers extend past end of file)");

    /* Wrong architecture and class. */
    CHECK(loader_load_elf(&b, "k.elf", elf, n, LOADER_ARCH_ARM, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "k.elf: ELF for AArch64, expected 32-bit ARM");
    n = make_elf64(elf, EM_RISCV);
    CHECK(loader_load_elf(&b, "r.elf", elf, n, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "r.elf: ELF for RISC-V, expected AArch64");
    size_t host_len;
    uint8_t *host = tu_read("/bin/true", &host_len);
    CHECK(host != NULL);
    if (host) {
        CHECK(loader_load_elf(&b, "/bin/true", host, host_len, LOADER_ARCH_AARCH64, &le, err,
                              sizeof err) == -1);
        CHECK_STR_CONTAINS(err, "/bin/true: ELF for x86-64, expected AArch64");
        free(host);
    }

    /* Not an ELF; no loadable segments; a segment outside RAM. */
    CHECK(!loader_is_elf((const uint8_t *)"#!/bin/sh\n", 10));
    CHECK(loader_load_elf(&b, "x.sh", (const uint8_t *)"#!/bin/sh\n", 10, LOADER_ARCH_AARCH64, &le,
                          err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "x.sh: not an ELF file");
    n = make_elf64(elf, EM_AARCH64);
    Elf64_Phdr *ph = (Elf64_Phdr *)(elf + sizeof(Elf64_Ehdr));
    ph[0].p_type = PT_NULL;
    ph[2].p_type = PT_NULL;
    CHECK(loader_load_elf(&b, "k.elf", elf, n, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "k.elf: no loadable segments");
    n = make_elf64(elf, EM_AARCH64);
    ph[2].p_paddr = 0x40000000;
    CHECK(loader_load_elf(&b, "k.elf", elf, n, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "k.elf: segment at 0x40000000 is outside guest RAM");
    ph[2].p_paddr = RAM_SIZE - 0x800; /* starts in RAM, its bss runs past the end */
    CHECK(loader_load_elf(&b, "k.elf", elf, n, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "is outside guest RAM");
    ph[2].p_paddr = 0x90000;
    ph[2].p_filesz = 0x2000; /* more file than memory */
    CHECK(loader_load_elf(&b, "k.elf", elf, n, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);

    /* 32-bit ARM. */
    n = make_elf32_arm(elf);
    CHECK(loader_load_elf(&b, "a.elf", elf, n, LOADER_ARCH_ARM, &le, err, sizeof err) == 0);
    CHECK_EQ_U64(le.entry, 0x8000);
    CHECK_EQ_U64(le.high, 0x8100);
    CHECK(loader_load_elf(&b, "a.elf", elf, n, LOADER_ARCH_AARCH64, &le, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "a.elf: ELF for 32-bit ARM, expected AArch64");

    /* A real cross-compiled bare-metal AArch64 program. */
    if (tu_have("aarch64-linux-gnu-gcc")) {
        tu_write_text("start.S", ".global _start\n_start: mov x0, #42\n b .\n.data\n.word "
                                 "0x12345678\n.bss\n.space 8192\n");
        CHECK(tu_sh("aarch64-linux-gnu-gcc -nostdlib -static -Ttext=0x80000 -Wl,--build-id=none "
                    "-o prog.elf start.S && aarch64-linux-gnu-objcopy -O binary -j .text prog.elf "
                    "prog.text") == 0);
        size_t plen, tlen;
        uint8_t *prog = tu_read(tu_path("prog.elf"), &plen);
        uint8_t *text = tu_read(tu_path("prog.text"), &tlen);
        CHECK(prog && text && tlen == 8);
        if (prog && text) {
            CHECK(loader_load_elf(&b, "prog.elf", prog, plen, LOADER_ARCH_AARCH64, &le, err,
                                  sizeof err) == 0);
            CHECK_EQ_U64(le.entry, 0x80000);
            CHECK(bus_read_block(&b, 0x80000, buf, tlen, err, sizeof err) == 0);
            CHECK(memcmp(buf, text, tlen) == 0);
            CHECK(le.high - le.low >= 8192); /* bss included */
            /* Every prefix cut inside a segment is "truncated", never a crash. */
            for (size_t cut = 0; cut < plen; cut += 97) {
                int rc = loader_load_elf(&b, "prog.elf", prog, cut, LOADER_ARCH_AARCH64, &le, err,
                                         sizeof err);
                if (rc == -1) CHECK(strstr(err, "truncated") || strstr(err, "not an ELF"));
            }
        }
        free(prog);
        free(text);
    } else {
        printf("aarch64-linux-gnu-gcc missing: skipping the cross-compiled case\n");
    }
    bus_destroy(&b);
    tu_cleanup();
    return check_report("loader_elf");
}
