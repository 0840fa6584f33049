/* Loads a static aarch64 ELF (ET_EXEC, or ET_DYN for static-pie) and builds the initial stack
 * the Linux ABI promises: argc, argv, envp, auxv, then the strings and AT_RANDOM bytes. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user.h"

/* What Linux reports on a Cortex-A53 without the crypto extension (as on the Pi 3). */
#define HWCAP_FP      (1u << 0)
#define HWCAP_ASIMD   (1u << 1)
#define HWCAP_EVTSTRM (1u << 2)
#define HWCAP_CRC32   (1u << 7)
#define HWCAP_CPUID   (1u << 11)
#define A53_HWCAP     (HWCAP_FP | HWCAP_ASIMD | HWCAP_EVTSTRM | HWCAP_CRC32 | HWCAP_CPUID)

static uint64_t align_up(uint64_t v) {
    return (v + GUEST_PAGE - 1) & GUEST_PAGE_MASK;
}

static unsigned segment_prot(uint32_t flags) {
    return (flags & PF_R ? PROT_R : 0) | (flags & PF_W ? PROT_W : 0) | (flags & PF_X ? PROT_X : 0);
}

/* The whole file, or NULL with errno set (EISDIR for a directory, as execve says). */
static char *read_file(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    int e = fstat(fd, &st) < 0    ? errno
            : S_ISDIR(st.st_mode) ? EISDIR
            : S_ISREG(st.st_mode) ? 0
                                  : EACCES;
    if (e) {
        close(fd);
        errno = e;
        return NULL;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size : 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    for (;;) {
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    *size = len;
    return buf;
}

static const char *machine_name(unsigned m) {
    switch (m) {
    case EM_386: return "i386";
    case EM_ARM: return "32-bit ARM";
    case EM_X86_64: return "x86-64";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390";
    case EM_MIPS: return "MIPS";
    default: return NULL;
    }
}

/* Checks that image is a static aarch64 executable we can load: 0, or ENOEXEC with the reason
 * (one line, naming path) in err. */
static int elf_validate(const char *path, const char *image, size_t size, char *err,
                        size_t errlen) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
    if (size < SELFMAG || memcmp(image, ELFMAG, SELFMAG) != 0) {
        if (size >= 2 && image[0] == '#' && image[1] == '!')
            snprintf(err, errlen,
                     "%s: a script, not an ELF executable (only static aarch64 ELF programs run)",
                     path);
        else
            snprintf(err, errlen, "%s: not an ELF executable (%s)", path,
                     size ? "no ELF magic" : "empty file");
        return ENOEXEC;
    }
    if (size < sizeof *eh) {
        snprintf(err, errlen, "%s: truncated ELF file (%zu bytes, shorter than its header)", path,
                 size);
        return ENOEXEC;
    }
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_AARCH64) {
        const char *m = machine_name(eh->e_machine);
        char mbuf[32];
        if (!m) snprintf(mbuf, sizeof mbuf, "machine %u", eh->e_machine), m = mbuf;
        snprintf(err, errlen, "%s: ELF for %s (%s-bit, %s-endian), not aarch64", path, m,
                 eh->e_ident[EI_CLASS] == ELFCLASS64 ? "64" : "32",
                 eh->e_ident[EI_DATA] == ELFDATA2LSB ? "little" : "big");
        return ENOEXEC;
    }
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        snprintf(err, errlen, "%s: ELF of type %u, not an executable", path, eh->e_type);
        return ENOEXEC;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum ||
        eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size) {
        snprintf(err, errlen,
                 "%s: truncated or corrupt ELF file (program headers outside its %zu bytes)", path,
                 size);
        return ENOEXEC;
    }
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(image + eh->e_phoff);
    bool loadable = false;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP) {
            snprintf(err, errlen,
                     "%s: dynamically linked; only static programs run (link with -static)", path);
            return ENOEXEC;
        }
        if (ph[i].p_type != PT_LOAD) continue;
        loadable = true;
        if (ph[i].p_offset + ph[i].p_filesz > size || ph[i].p_filesz > ph[i].p_memsz) {
            snprintf(err, errlen, "%s: truncated ELF file (segment %u lies outside its %zu bytes)",
                     path, i, size);
            return ENOEXEC;
        }
    }
    if (!loadable) {
        snprintf(err, errlen, "%s: ELF file with no loadable segment", path);
        return ENOEXEC;
    }
    return 0;
}

int elf_check(const char *path, char *err, size_t errlen) {
    size_t size;
    char *image = read_file(path, &size);
    if (!image) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return e;
    }
    int r = elf_validate(path, image, size, err, errlen);
    free(image);
    return r;
}

/* Maps one PT_LOAD; a page shared with the previous segment gets the union of both rights. */
static bool map_segment(user_process *p, const Elf64_Phdr *ph, uint64_t bias, const char *image) {
    uint64_t va = bias + ph->p_vaddr;
    uint64_t start = va & GUEST_PAGE_MASK, end = align_up(va + ph->p_memsz);
    unsigned prot = segment_prot(ph->p_flags);
    user_vma *shared = vma_find(&p->mem, start);
    if (shared) {
        unsigned both = prot | shared->prot;
        if (!vma_map(&p->mem, start, start + GUEST_PAGE, both, true)) return false;
        start += GUEST_PAGE;
    }
    if (start < end && !vma_map(&p->mem, start, end, prot, true)) return false;
    return guest_write(&p->mem, va, image + ph->p_offset, ph->p_filesz, true);
}

typedef struct stack_builder {
    uint64_t sp;
    guest_memory *mem;
    bool ok;
} stack_builder;

static uint64_t push_bytes(stack_builder *s, const void *data, size_t len) {
    s->sp -= len;
    s->ok = s->ok && guest_write(s->mem, s->sp, data, len, true);
    return s->sp;
}

static uint64_t push_string(stack_builder *s, const char *str) {
    return push_bytes(s, str, strlen(str) + 1);
}

bool elf_load(user_process *p, const char *path, int argc, char **argv, char **envp,
              uint64_t *entry, uint64_t *sp_out, char *err, size_t errlen) {
    size_t size;
    char *image = read_file(path, &size);
    if (!image) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)image;
    bool ok = false;
    if (elf_validate(path, image, size, err, errlen) != 0) goto out;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(image + eh->e_phoff);
    uint64_t min_va = UINT64_MAX, max_va = 0, phdr_va = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_PHDR) phdr_va = ph[i].p_vaddr;
        if (ph[i].p_type != PT_LOAD) continue;
        if (ph[i].p_vaddr < min_va) min_va = ph[i].p_vaddr;
        if (ph[i].p_vaddr + ph[i].p_memsz > max_va) max_va = ph[i].p_vaddr + ph[i].p_memsz;
        if (!phdr_va && eh->e_phoff >= ph[i].p_offset &&
            eh->e_phoff < ph[i].p_offset + ph[i].p_filesz)
            phdr_va = ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset);
    }
    uint64_t bias = eh->e_type == ET_DYN ? PIE_LOAD_BASE - (min_va & GUEST_PAGE_MASK) : 0;
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && !map_segment(p, &ph[i], bias, image)) {
            snprintf(err, errlen, "%s: cannot map segment %u", path, i);
            goto out;
        }
    p->brk_start = p->brk_cur = align_up(bias + max_va);

    /* The stack, and the return trampoline signal handlers come back through. */
    static const uint32_t sigtramp[] = {
        0xd2801168, /* mov x8, #139 (rt_sigreturn) */
        0xd4000001, /* svc #0 */
    };
    if (!vma_map(&p->mem, STACK_TOP - STACK_SIZE, STACK_TOP, PROT_R | PROT_W, false) ||
        !vma_map(&p->mem, SIGTRAMP_VA, SIGTRAMP_VA + GUEST_PAGE, PROT_R | PROT_X, false) ||
        !guest_write(&p->mem, SIGTRAMP_VA, sigtramp, sizeof sigtramp, true)) {
        snprintf(err, errlen, "cannot map the stack");
        goto out;
    }
    stack_builder s = {STACK_TOP - 16, &p->mem, true};
    uint64_t execfn = push_string(&s, path);
    int envc = 0;
    while (envp[envc])
        envc++;
    uint64_t *env_va = calloc(envc + 1, 8), *arg_va = calloc(argc + 1, 8);
    if (!env_va || !arg_va) {
        free(env_va);
        free(arg_va);
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int i = envc; i-- > 0;)
        env_va[i] = push_string(&s, envp[i]);
    for (int i = argc; i-- > 0;)
        arg_va[i] = push_string(&s, argv[i]);
    uint64_t platform = push_string(&s, "aarch64");
    uint8_t random_bytes[16];
    for (unsigned i = 0; i < 16; i += 8) {
        uint64_t r = random_u64(p);
        memcpy(random_bytes + i, &r, 8);
    }
    uint64_t at_random = push_bytes(&s, random_bytes, 16);

    const uint64_t auxv[][2] = {
        {AT_HWCAP, A53_HWCAP},
        {AT_PAGESZ, GUEST_PAGE},
        {AT_CLKTCK, 100},
        {AT_PHDR, bias + phdr_va},
        {AT_PHENT, sizeof(Elf64_Phdr)},
        {AT_PHNUM, eh->e_phnum},
        {AT_BASE, 0},
        {AT_FLAGS, 0},
        {AT_ENTRY, bias + eh->e_entry},
        {AT_UID, getuid()},
        {AT_EUID, geteuid()},
        {AT_GID, getgid()},
        {AT_EGID, getegid()},
        {AT_SECURE, 0},
        {AT_RANDOM, at_random},
        {AT_HWCAP2, 0},
        {AT_EXECFN, execfn},
        {AT_PLATFORM, platform},
        {AT_NULL, 0},
    };
    size_t words = 1 + (argc + 1) + (envc + 1) + 2 * (sizeof auxv / sizeof auxv[0]);
    s.sp = (s.sp - words * 8) & ~15ull;
    uint64_t w = s.sp;
    s.ok = s.ok && guest_write(&p->mem, w, &(uint64_t){(uint64_t)argc}, 8, true);
    s.ok = s.ok && guest_write(&p->mem, w + 8, arg_va, (argc + 1) * 8ull, true);
    w += 8 + (argc + 1) * 8ull;
    s.ok = s.ok && guest_write(&p->mem, w, env_va, (envc + 1) * 8ull, true);
    w += (envc + 1) * 8ull;
    s.ok = s.ok && guest_write(&p->mem, w, auxv, sizeof auxv, true);
    free(env_va);
    free(arg_va);
    if (!s.ok) {
        snprintf(err, errlen, "arguments and environment do not fit the stack");
        goto out;
    }
    *entry = bias + eh->e_entry;
    *sp_out = s.sp;
    ok = true;
out:
    free(image);
    return ok;
}
