/* ELF loading with libelf: PT_LOAD segments at their physical addresses. */
#include "loader/loader.h"

#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool loader_is_elf(const uint8_t *data, size_t len) {
    return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

static const char *machine_name(unsigned machine) {
    switch (machine) {
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "32-bit ARM";
    case EM_X86_64: return "x86-64";
    case EM_386: return "x86";
    case EM_RISCV: return "RISC-V";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_MIPS: return "MIPS";
    case EM_S390: return "s390";
    case EM_SPARCV9: return "SPARC64";
    default: return NULL;
    }
}

static int fail_machine(const char *path, unsigned machine, loader_arch arch, char *err,
                        size_t errlen) {
    const char *want = arch == LOADER_ARCH_AARCH64 ? "AArch64" : "32-bit ARM";
    const char *have = machine_name(machine);
    if (have)
        snprintf(err, errlen, "%s: ELF for %s, expected %s", path, have, want);
    else
        snprintf(err, errlen, "%s: ELF for machine %u, expected %s", path, machine, want);
    return -1;
}

/* Zero-fills [addr, addr + len) through the bus in bounded chunks. */
static int place_zeros(bus *b, const char *path, uint64_t addr, uint64_t len, char *err,
                       size_t errlen) {
    static const uint8_t zeros[65536];
    while (len) {
        size_t n = len > sizeof zeros ? sizeof zeros : (size_t)len;
        if (loader_place(b, path, addr, zeros, n, err, errlen)) return -1;
        addr += n;
        len -= n;
    }
    return 0;
}

/* Checks the identification bytes before libelf sees the data, so the message is specific. */
static int check_ident(const char *path, const uint8_t *data, size_t len, loader_arch arch,
                       char *err, size_t errlen) {
    if (!loader_is_elf(data, len)) {
        snprintf(err, errlen, "%s: not an ELF file", path);
        return -1;
    }
    if (len < EI_NIDENT) {
        snprintf(err, errlen, "%s: truncated ELF header", path);
        return -1;
    }
    unsigned cls = data[EI_CLASS], enc = data[EI_DATA];
    if (cls != ELFCLASS32 && cls != ELFCLASS64) {
        snprintf(err, errlen, "%s: corrupt ELF header (class %u)", path, cls);
        return -1;
    }
    if (enc != ELFDATA2LSB && enc != ELFDATA2MSB) {
        snprintf(err, errlen, "%s: corrupt ELF header (data encoding %u)", path, enc);
        return -1;
    }
    size_t ehdr_size = cls == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (len < ehdr_size) {
        snprintf(err, errlen, "%s: truncated ELF header", path);
        return -1;
    }
    /* e_machine sits at offset 18 in both classes; read it in the file's byte order so a
     * wrong-architecture file is named before class or endianness complaints. */
    unsigned machine = enc == ELFDATA2LSB ? (unsigned)(data[18] | data[19] << 8)
                                          : (unsigned)(data[18] << 8 | data[19]);
    unsigned want_machine = arch == LOADER_ARCH_AARCH64 ? EM_AARCH64 : EM_ARM;
    if (machine != want_machine) return fail_machine(path, machine, arch, err, errlen);
    unsigned want_class = arch == LOADER_ARCH_AARCH64 ? ELFCLASS64 : ELFCLASS32;
    if (cls != want_class) {
        snprintf(err, errlen, "%s: %s ELF for %s, expected %s", path,
                 cls == ELFCLASS64 ? "64-bit" : "32-bit", machine_name(machine),
                 want_class == ELFCLASS64 ? "ELFCLASS64" : "ELFCLASS32");
        return -1;
    }
    if (enc != ELFDATA2LSB) {
        snprintf(err, errlen, "%s: big-endian ELF, expected little-endian", path);
        return -1;
    }
    return 0;
}

int loader_load_elf(bus *b, const char *path, const uint8_t *data, size_t len, loader_arch arch,
                    loaded_elf *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (check_ident(path, data, len, arch, err, errlen)) return -1;
    if (elf_version(EV_CURRENT) == EV_NONE) {
        snprintf(err, errlen, "%s: libelf is unusable: %s", path, elf_errmsg(-1));
        return -1;
    }
    /* libelf may convert in place: give it a private copy, never the caller's buffer. */
    char *copy = malloc(len);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    memcpy(copy, data, len);
    Elf *elf = elf_memory(copy, len);
    int rc = -1;
    GElf_Ehdr ehdr;
    size_t phnum = 0;
    if (!elf || !gelf_getehdr(elf, &ehdr)) {
        snprintf(err, errlen, "%s: truncated ELF header", path);
        goto done;
    }
    if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
        snprintf(err, errlen, "%s: ELF file is not an executable (e_type %u)", path,
                 (unsigned)ehdr.e_type);
        goto done;
    }
    /* e_phnum is checked against the file before libelf reads the table: libelf reports a
     * short table inconsistently. PN_XNUM (extended numbering) defers to libelf. */
    phnum = ehdr.e_phnum;
    if (phnum == PN_XNUM && elf_getphdrnum(elf, &phnum) != 0) {
        snprintf(err, errlen, "%s: corrupt ELF program header count", path);
        goto done;
    }
    if (phnum && (ehdr.e_phoff > len || ehdr.e_phentsize == 0 ||
                  phnum > (len - ehdr.e_phoff) / ehdr.e_phentsize)) {
        snprintf(err, errlen, "%s: truncated ELF (program headers extend past end of file)", path);
        goto done;
    }
    /* First pass: validate everything, so a bad file never half-loads. */
    unsigned loadable = 0;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph)) {
            snprintf(err, errlen, "%s: corrupt ELF program header %zu", path, i);
            goto done;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset) {
            snprintf(err, errlen, "%s: truncated ELF (segment %zu extends past end of file)", path,
                     i);
            goto done;
        }
        if (ph.p_filesz > ph.p_memsz) {
            snprintf(err, errlen, "%s: corrupt ELF (segment %zu has file size above memory size)",
                     path, i);
            goto done;
        }
        if (!loader_range_is_memory(b, ph.p_paddr, ph.p_memsz)) {
            snprintf(err, errlen, "%s: segment at 0x%" PRIx64 " is outside guest RAM", path,
                     (uint64_t)ph.p_paddr);
            goto done;
        }
        loadable++;
    }
    if (!loadable) {
        snprintf(err, errlen, "%s: no loadable segments", path);
        goto done;
    }
    out->low = UINT64_MAX;
    out->entry = ehdr.e_entry;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        gelf_getphdr(elf, (int)i, &ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        if (loader_place(b, path, ph.p_paddr, data + ph.p_offset, ph.p_filesz, err, errlen) ||
            place_zeros(b, path, ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz, err, errlen))
            goto done;
        if (ph.p_paddr < out->low) out->low = ph.p_paddr;
        if (ph.p_paddr + ph.p_memsz > out->high) out->high = ph.p_paddr + ph.p_memsz;
        /* The CPU starts with the MMU off: an entry given as a virtual address inside this
         * segment is translated to where the segment really is. */
        if (ph.p_vaddr != ph.p_paddr && ehdr.e_entry >= ph.p_vaddr &&
            ehdr.e_entry - ph.p_vaddr < ph.p_memsz)
            out->entry = ph.p_paddr + (ehdr.e_entry - ph.p_vaddr);
    }
    rc = 0;
done:
    if (elf) elf_end(elf);
    free(copy);
    return rc;
}
