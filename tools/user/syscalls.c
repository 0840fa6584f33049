/* Linux arm64 system calls, one table from number to handler. Files, descriptors and time pass
 * through to the host (this is a test runner, not a sandbox); memory and signals are ours.
 * Handlers return the value for x0: a result, or -errno (errno numbers are the generic set on
 * both arm64 and the x86-64 host). */
#define _GNU_SOURCE /* dup3, O_DIRECT, utsname.domainname */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "user.h"

typedef int64_t (*syscall_fn)(user_process *p, const uint64_t *a);

#define IO_CHUNK   (1u << 20) /* larger reads/writes return short, which callers handle */
#define USER_LIMIT (1ull << 48)

static int64_t host_result(int64_t r) {
    return r < 0 ? -errno : r;
}

static uint64_t page_align_up(uint64_t v) {
    return (v + GUEST_PAGE - 1) & GUEST_PAGE_MASK;
}

/* --- files and descriptors ------------------------------------------------------------------ */

/* open flags whose values differ between arm64 (asm-generic) and x86-64 */
static const struct {
    int guest, host;
} open_flag_map[] = {
    {040000, O_DIRECTORY},
    {0100000, O_NOFOLLOW},
    {0200000, O_DIRECT},
    {0400000, O_LARGEFILE},
};

static int open_flags_to_host(int guest) {
    int host = guest;
    for (size_t i = 0; i < sizeof open_flag_map / sizeof open_flag_map[0]; i++)
        host &= ~open_flag_map[i].guest;
    for (size_t i = 0; i < sizeof open_flag_map / sizeof open_flag_map[0]; i++)
        if (guest & open_flag_map[i].guest) host |= open_flag_map[i].host;
    return host;
}

static int open_flags_to_guest(int host) {
    int guest = host;
    for (size_t i = 0; i < sizeof open_flag_map / sizeof open_flag_map[0]; i++)
        guest &= ~open_flag_map[i].host;
    for (size_t i = 0; i < sizeof open_flag_map / sizeof open_flag_map[0]; i++)
        if (host & open_flag_map[i].host) guest |= open_flag_map[i].guest;
    return guest;
}

static bool read_path(user_process *p, char *buf, uint64_t va) {
    return guest_read_string(&p->mem, buf, va, 4096);
}

static int64_t do_read(user_process *p, const uint64_t *a) {
    size_t len = a[2] < IO_CHUNK ? a[2] : IO_CHUNK;
    char *buf = malloc(len ? len : 1);
    if (!buf) return -ENOMEM;
    ssize_t n = read((int)a[0], buf, len);
    int64_t r = host_result(n);
    if (n > 0 && !guest_write(&p->mem, a[1], buf, (uint64_t)n, false)) r = -EFAULT;
    free(buf);
    return r;
}

static int64_t do_write(user_process *p, const uint64_t *a) {
    size_t len = a[2] < IO_CHUNK ? a[2] : IO_CHUNK;
    char *buf = malloc(len ? len : 1);
    if (!buf) return -ENOMEM;
    int64_t r =
        guest_read(&p->mem, buf, a[1], len) ? host_result(write((int)a[0], buf, len)) : -EFAULT;
    free(buf);
    return r;
}

/* With several threads, a call that would block waits in the scheduler (threads.c). */
static int64_t sys_read(user_process *p, const uint64_t *a) {
    int64_t blocked;
    return thread_blocks_on_fd(p, (int)a[0], POLLIN, &blocked) ? blocked : do_read(p, a);
}

static int64_t sys_write(user_process *p, const uint64_t *a) {
    int64_t blocked;
    return thread_blocks_on_fd(p, (int)a[0], POLLOUT, &blocked) ? blocked : do_write(p, a);
}

static int64_t sys_pread64(user_process *p, const uint64_t *a) {
    size_t len = a[2] < IO_CHUNK ? a[2] : IO_CHUNK;
    char *buf = malloc(len ? len : 1);
    if (!buf) return -ENOMEM;
    ssize_t n = pread((int)a[0], buf, len, (off_t)a[3]);
    int64_t r = host_result(n);
    if (n > 0 && !guest_write(&p->mem, a[1], buf, (uint64_t)n, false)) r = -EFAULT;
    free(buf);
    return r;
}

/* readv/writev: one vector element at a time, stopping at the first short transfer. */
static int64_t vectored(user_process *p, const uint64_t *a, syscall_fn one) {
    if (a[2] > 1024) return -EINVAL;
    int64_t total = 0;
    for (uint64_t i = 0; i < a[2]; i++) {
        uint64_t iov[2];
        if (!guest_read(&p->mem, iov, a[1] + 16 * i, 16)) return total ? total : -EFAULT;
        if (!iov[1]) continue;
        uint64_t args[3] = {a[0], iov[0], iov[1]};
        int64_t r = one(p, args);
        if (r < 0) return total ? total : r;
        total += r;
        if ((uint64_t)r < iov[1]) break;
    }
    return total;
}
static int64_t sys_readv(user_process *p, const uint64_t *a) {
    int64_t blocked;
    return thread_blocks_on_fd(p, (int)a[0], POLLIN, &blocked) ? blocked : vectored(p, a, do_read);
}
static int64_t sys_writev(user_process *p, const uint64_t *a) {
    int64_t blocked;
    return thread_blocks_on_fd(p, (int)a[0], POLLOUT, &blocked) ? blocked
                                                                : vectored(p, a, do_write);
}

static int64_t sys_openat(user_process *p, const uint64_t *a) {
    char path[4096];
    if (!read_path(p, path, a[1])) return -EFAULT;
    return host_result(openat((int)a[0], path, open_flags_to_host((int)a[2]), (mode_t)a[3]));
}

static int64_t sys_close(user_process *p, const uint64_t *a) {
    return host_result(close((int)a[0]));
}
static int64_t sys_lseek(user_process *p, const uint64_t *a) {
    return host_result(lseek((int)a[0], (off_t)a[1], (int)a[2]));
}
static int64_t sys_dup(user_process *p, const uint64_t *a) {
    return host_result(dup((int)a[0]));
}
static int64_t sys_dup3(user_process *p, const uint64_t *a) {
    return host_result(dup3((int)a[0], (int)a[1], (int)a[2]));
}

static int64_t sys_fcntl(user_process *p, const uint64_t *a) {
    int cmd = (int)a[1];
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_GETFD:
    case F_SETFD: return host_result(fcntl((int)a[0], cmd, (int)a[2]));
    case F_GETFL: {
        int r = fcntl((int)a[0], F_GETFL);
        return r < 0 ? -errno : open_flags_to_guest(r);
    }
    case F_SETFL: return host_result(fcntl((int)a[0], F_SETFL, open_flags_to_host((int)a[2])));
    default: return -EINVAL;
    }
}

/* struct stat of arm64 (asm-generic/stat.h), 128 bytes */
static int64_t put_stat(user_process *p, uint64_t va, const struct stat *st) {
    uint8_t g[128] = {0};
    uint64_t q;
    uint32_t w;
#define PUT64(off, v) (q = (uint64_t)(v), memcpy(g + (off), &q, 8))
#define PUT32(off, v) (w = (uint32_t)(v), memcpy(g + (off), &w, 4))
    PUT64(0, st->st_dev);
    PUT64(8, st->st_ino);
    PUT32(16, st->st_mode);
    PUT32(20, st->st_nlink);
    PUT32(24, st->st_uid);
    PUT32(28, st->st_gid);
    PUT64(32, st->st_rdev);
    PUT64(48, st->st_size);
    PUT32(56, st->st_blksize);
    PUT64(64, st->st_blocks);
    PUT64(72, st->st_atim.tv_sec);
    PUT64(80, st->st_atim.tv_nsec);
    PUT64(88, st->st_mtim.tv_sec);
    PUT64(96, st->st_mtim.tv_nsec);
    PUT64(104, st->st_ctim.tv_sec);
    PUT64(112, st->st_ctim.tv_nsec);
#undef PUT64
#undef PUT32
    return guest_write(&p->mem, va, g, sizeof g, false) ? 0 : -EFAULT;
}

static int64_t sys_fstat(user_process *p, const uint64_t *a) {
    struct stat st;
    if (fstat((int)a[0], &st) < 0) return -errno;
    return put_stat(p, a[1], &st);
}

static int64_t sys_newfstatat(user_process *p, const uint64_t *a) {
    char path[4096];
    struct stat st;
    if (!read_path(p, path, a[1])) return -EFAULT;
    if (fstatat((int)a[0], path, &st, (int)a[3]) < 0) return -errno;
    return put_stat(p, a[2], &st);
}

static int64_t sys_faccessat(user_process *p, const uint64_t *a) {
    char path[4096];
    if (!read_path(p, path, a[1])) return -EFAULT;
    return host_result(faccessat((int)a[0], path, (int)a[2], 0));
}

static int64_t sys_readlinkat(user_process *p, const uint64_t *a) {
    char path[4096], target[4096];
    if (!read_path(p, path, a[1])) return -EFAULT;
    ssize_t n;
    if (!strcmp(path, "/proc/self/exe")) {
        n = (ssize_t)strlen(p->exe_path);
        memcpy(target, p->exe_path, (size_t)n);
    } else {
        n = readlinkat((int)a[0], path, target, sizeof target);
        if (n < 0) return -errno;
    }
    if ((uint64_t)n > a[3]) n = (ssize_t)a[3];
    return guest_write(&p->mem, a[2], target, (uint64_t)n, false) ? n : -EFAULT;
}

static int64_t sys_unlinkat(user_process *p, const uint64_t *a) {
    char path[4096];
    if (!read_path(p, path, a[1])) return -EFAULT;
    return host_result(unlinkat((int)a[0], path, (int)a[2]));
}

static int64_t sys_mkdirat(user_process *p, const uint64_t *a) {
    char path[4096];
    if (!read_path(p, path, a[1])) return -EFAULT;
    return host_result(mkdirat((int)a[0], path, (mode_t)a[2]));
}

static int64_t sys_ftruncate(user_process *p, const uint64_t *a) {
    return host_result(ftruncate((int)a[0], (off_t)a[1]));
}
static int64_t sys_fsync(user_process *p, const uint64_t *a) {
    return host_result(fsync((int)a[0]));
}

/* struct linux_dirent64 and struct statx have one layout on every architecture. */
static int64_t sys_getdents64(user_process *p, const uint64_t *a) {
    size_t len = a[2] < IO_CHUNK ? a[2] : IO_CHUNK;
    char *buf = malloc(len ? len : 1);
    if (!buf) return -ENOMEM;
    long n = syscall(SYS_getdents64, (int)a[0], buf, len);
    int64_t r = host_result(n);
    if (n > 0 && !guest_write(&p->mem, a[1], buf, (uint64_t)n, false)) r = -EFAULT;
    free(buf);
    return r;
}

static int64_t sys_statx(user_process *p, const uint64_t *a) {
    char path[4096];
    uint8_t stx[256];
    if (!read_path(p, path, a[1])) return -EFAULT;
    if (syscall(SYS_statx, (int)a[0], path, (int)a[2], (unsigned)a[3], stx) < 0) return -errno;
    return guest_write(&p->mem, a[4], stx, sizeof stx, false) ? 0 : -EFAULT;
}

static int64_t sys_pipe2(user_process *p, const uint64_t *a) {
    int fds[2];
    if (pipe2(fds, open_flags_to_host((int)a[1])) < 0) return -errno;
    if (guest_write(&p->mem, a[0], fds, sizeof fds, false)) return 0;
    close(fds[0]);
    close(fds[1]);
    return -EFAULT;
}

static int64_t sys_getcwd(user_process *p, const uint64_t *a) {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) return -errno;
    size_t n = strlen(cwd) + 1;
    if (n > a[1]) return -ERANGE;
    return guest_write(&p->mem, a[0], cwd, n, false) ? (int64_t)n : -EFAULT;
}

/* Terminal ioctls pass through (struct termios and winsize are the same on both); the rest of
 * the ioctl space is not something test programs need. */
static int64_t sys_ioctl(user_process *p, const uint64_t *a) {
    enum {
        TCGETS_ = 0x5401,
        TCSETS_ = 0x5402,
        TCSETSW_ = 0x5403,
        TCSETSF_ = 0x5404,
        TIOCGWINSZ_ = 0x5413,
        TERMIOS_SIZE = 36,
        WINSIZE_SIZE = 8
    };
    uint8_t buf[64] = {0};
    switch (a[1]) {
    case TCGETS_:
    case TIOCGWINSZ_: {
        if (ioctl((int)a[0], a[1], buf) < 0) return -errno;
        size_t n = a[1] == TCGETS_ ? TERMIOS_SIZE : WINSIZE_SIZE;
        return guest_write(&p->mem, a[2], buf, n, false) ? 0 : -EFAULT;
    }
    case TCSETS_:
    case TCSETSW_:
    case TCSETSF_:
        if (!guest_read(&p->mem, buf, a[2], TERMIOS_SIZE)) return -EFAULT;
        return host_result(ioctl((int)a[0], a[1], buf));
    default: return -ENOTTY;
    }
}

/* --- memory --------------------------------------------------------------------------------- */

static unsigned prot_bits(uint64_t prot) {
    return (unsigned)prot & (PROT_R | PROT_W | PROT_X);
}

static int64_t sys_brk(user_process *p, const uint64_t *a) {
    uint64_t want = a[0];
    if (want < p->brk_start) return (int64_t)p->brk_cur;
    uint64_t old_end = page_align_up(p->brk_cur), new_end = page_align_up(want);
    if (new_end > old_end) {
        if (!vma_range_free(&p->mem, old_end, new_end) ||
            !vma_map(&p->mem, old_end, new_end, PROT_R | PROT_W, false))
            return (int64_t)p->brk_cur;
    } else if (new_end < old_end) {
        vma_unmap(&p->mem, new_end, old_end);
    }
    p->brk_cur = want;
    return (int64_t)want;
}

static int64_t sys_mmap(user_process *p, const uint64_t *a) {
    enum {
        MAP_SHARED_ = 1,
        MAP_PRIVATE_ = 2,
        MAP_FIXED_ = 0x10,
        MAP_ANON_ = 0x20,
        MAP_FIXED_NOREPLACE_ = 0x100000
    };
    uint64_t addr = a[0], len = page_align_up(a[1]), flags = a[3], off = a[5];
    int fd = (int)a[4];
    if (!a[1] || !len || (off & ~GUEST_PAGE_MASK) || !(flags & (MAP_SHARED_ | MAP_PRIVATE_)))
        return -EINVAL;
    bool anon = flags & MAP_ANON_;
    if (!anon) {
        struct stat st;
        if (fstat(fd, &st) < 0) return -EBADF;
    }
    if (flags & (MAP_FIXED_ | MAP_FIXED_NOREPLACE_)) {
        if ((addr & ~GUEST_PAGE_MASK) || addr + len < addr || addr + len > USER_LIMIT)
            return -EINVAL;
        if ((flags & MAP_FIXED_NOREPLACE_) && !(flags & MAP_FIXED_) &&
            !vma_range_free(&p->mem, addr, addr + len))
            return -EEXIST;
    } else {
        addr = mem_find_hole(&p->mem, len, addr & GUEST_PAGE_MASK);
        if (!addr) return -ENOMEM;
    }
    if (!vma_map(&p->mem, addr, addr + len, prot_bits(a[2]), false)) return -ENOMEM;
    if (!anon) { /* private copy of the file (shared writable mappings are not supported) */
        char *buf = malloc(IO_CHUNK);
        if (!buf) return -ENOMEM;
        for (uint64_t done = 0; done < len;) {
            uint64_t want = len - done < IO_CHUNK ? len - done : IO_CHUNK;
            ssize_t n = pread(fd, buf, want, (off_t)(off + done));
            if (n <= 0) break;
            guest_write(&p->mem, addr + done, buf, (uint64_t)n, true);
            done += (uint64_t)n;
        }
        free(buf);
    }
    return (int64_t)addr;
}

static int64_t sys_munmap(user_process *p, const uint64_t *a) {
    uint64_t len = page_align_up(a[1]);
    if ((a[0] & ~GUEST_PAGE_MASK) || !len || a[0] + len < a[0]) return -EINVAL;
    vma_unmap(&p->mem, a[0], a[0] + len);
    return 0;
}

static int64_t sys_mprotect(user_process *p, const uint64_t *a) {
    uint64_t len = page_align_up(a[1]);
    if (a[0] & ~GUEST_PAGE_MASK) return -EINVAL;
    if (!len) return 0;
    return vma_protect(&p->mem, a[0], a[0] + len, prot_bits(a[2])) ? 0 : -ENOMEM;
}

static int64_t sys_mremap(user_process *p, const uint64_t *a) {
    enum { MREMAP_MAYMOVE_ = 1 };
    uint64_t old = a[0], old_len = page_align_up(a[1]), new_len = page_align_up(a[2]);
    if ((old & ~GUEST_PAGE_MASK) || !new_len || (a[3] & ~(uint64_t)MREMAP_MAYMOVE_)) return -EINVAL;
    user_vma *v = vma_find(&p->mem, old);
    if (!v || v->end < old + old_len) return -EFAULT;
    unsigned prot = v->prot;
    if (new_len <= old_len) {
        vma_unmap(&p->mem, old + new_len, old + old_len);
        return (int64_t)old;
    }
    if (old + new_len <= MMAP_TOP && vma_range_free(&p->mem, old + old_len, old + new_len))
        return vma_map(&p->mem, old + old_len, old + new_len, prot, false) ? (int64_t)old : -ENOMEM;
    if (!(a[3] & MREMAP_MAYMOVE_)) return -ENOMEM;
    uint64_t to = mem_find_hole(&p->mem, new_len, 0);
    if (!to || !mem_move_pages(&p->mem, old, to, old_len) ||
        !vma_map(&p->mem, to + old_len, to + new_len, prot, false))
        return -ENOMEM;
    return (int64_t)to;
}

static int64_t sys_madvise(user_process *p, const uint64_t *a) {
    enum { MADV_DONTNEED_ = 4 };
    if (a[0] & ~GUEST_PAGE_MASK) return -EINVAL;
    if (a[2] == MADV_DONTNEED_) mem_discard_pages(&p->mem, a[0], a[0] + page_align_up(a[1]));
    return 0;
}

/* --- process, time, identity ---------------------------------------------------------------- */

static int64_t sys_getppid(user_process *p, const uint64_t *a) {
    return getppid();
}
static int64_t sys_getuid(user_process *p, const uint64_t *a) {
    return getuid();
}
static int64_t sys_geteuid(user_process *p, const uint64_t *a) {
    return geteuid();
}
static int64_t sys_getgid(user_process *p, const uint64_t *a) {
    return getgid();
}
static int64_t sys_getegid(user_process *p, const uint64_t *a) {
    return getegid();
}
/* Known and deliberately absent (glibc copes): no warning. */
static int64_t sys_enosys(user_process *p, const uint64_t *a) {
    return -ENOSYS;
}

static int64_t sys_uname(user_process *p, const uint64_t *a) {
    struct utsname u;
    if (uname(&u) < 0) return -errno;
    char g[6][65] = {{0}};
    snprintf(g[0], 65, "Linux");
    snprintf(g[1], 65, "%s", u.nodename);
    snprintf(g[2], 65, "%s", u.release);
    snprintf(g[3], 65, "%s", u.version);
    snprintf(g[4], 65, "aarch64");
    snprintf(g[5], 65, "%s", u.domainname);
    return guest_write(&p->mem, a[0], g, sizeof g, false) ? 0 : -EFAULT;
}

static int64_t put_timespec(user_process *p, uint64_t va, const struct timespec *ts) {
    uint64_t g[2] = {(uint64_t)ts->tv_sec, (uint64_t)ts->tv_nsec};
    return guest_write(&p->mem, va, g, sizeof g, false) ? 0 : -EFAULT;
}

static int64_t sys_clock_gettime(user_process *p, const uint64_t *a) {
    struct timespec ts;
    if (clock_gettime((clockid_t)a[0], &ts) < 0) return -errno;
    return put_timespec(p, a[1], &ts);
}

static int64_t sys_clock_getres(user_process *p, const uint64_t *a) {
    struct timespec ts;
    if (clock_getres((clockid_t)a[0], &ts) < 0) return -errno;
    return a[1] ? put_timespec(p, a[1], &ts) : 0;
}

static int64_t sys_gettimeofday(user_process *p, const uint64_t *a) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t tv[2] = {(uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec / 1000};
    if (a[0] && !guest_write(&p->mem, a[0], tv, sizeof tv, false)) return -EFAULT;
    return 0;
}

static int64_t sys_sched_getaffinity(user_process *p, const uint64_t *a) {
    uint64_t mask = 1; /* one core */
    if (a[1] < 8) return -EINVAL;
    return guest_write(&p->mem, a[2], &mask, 8, false) ? 8 : -EFAULT;
}

static int64_t sys_prlimit64(user_process *p, const uint64_t *a) {
    if (a[0] && a[0] != (uint64_t)getpid()) return -ESRCH;
    if (a[3]) {
        struct rlimit rl;
        if (getrlimit((int)a[1], &rl) < 0) return -errno;
        uint64_t g[2] = {rl.rlim_cur, rl.rlim_max};
        if (!guest_write(&p->mem, a[3], g, sizeof g, false)) return -EFAULT;
    }
    return 0; /* new limits are accepted and ignored */
}

static int64_t sys_getrlimit(user_process *p, const uint64_t *a) {
    const uint64_t args[4] = {0, a[0], 0, a[1]};
    return sys_prlimit64(p, args);
}

static int64_t sys_getrandom(user_process *p, const uint64_t *a) {
    uint64_t len = a[1] < IO_CHUNK ? a[1] : IO_CHUNK;
    for (uint64_t done = 0; done < len; done += 8) {
        uint64_t r = random_u64(p);
        uint64_t n = len - done < 8 ? len - done : 8;
        if (!guest_write(&p->mem, a[0] + done, &r, n, false)) return done ? (int64_t)done : -EFAULT;
    }
    return (int64_t)len;
}

/* --- the table ------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    syscall_fn fn;
} syscalls[] = {
    [17] = {"getcwd", sys_getcwd},
    [23] = {"dup", sys_dup},
    [24] = {"dup3", sys_dup3},
    [25] = {"fcntl", sys_fcntl},
    [29] = {"ioctl", sys_ioctl},
    [34] = {"mkdirat", sys_mkdirat},
    [35] = {"unlinkat", sys_unlinkat},
    [46] = {"ftruncate", sys_ftruncate},
    [48] = {"faccessat", sys_faccessat},
    [56] = {"openat", sys_openat},
    [57] = {"close", sys_close},
    [59] = {"pipe2", sys_pipe2},
    [61] = {"getdents64", sys_getdents64},
    [62] = {"lseek", sys_lseek},
    [63] = {"read", sys_read},
    [64] = {"write", sys_write},
    [65] = {"readv", sys_readv},
    [66] = {"writev", sys_writev},
    [67] = {"pread64", sys_pread64},
    [73] = {"ppoll", sys_ppoll},
    [78] = {"readlinkat", sys_readlinkat},
    [79] = {"newfstatat", sys_newfstatat},
    [80] = {"fstat", sys_fstat},
    [82] = {"fsync", sys_fsync},
    [93] = {"exit", sys_exit_thread},
    [94] = {"exit_group", sys_exit_group},
    [95] = {"waitid", sys_waitid},
    [96] = {"set_tid_address", sys_set_tid_address},
    [98] = {"futex", sys_futex},
    [99] = {"set_robust_list", sys_set_robust_list},
    [100] = {"get_robust_list", sys_get_robust_list},
    [101] = {"nanosleep", sys_nanosleep},
    [113] = {"clock_gettime", sys_clock_gettime},
    [114] = {"clock_getres", sys_clock_getres},
    [115] = {"clock_nanosleep", sys_clock_nanosleep},
    [123] = {"sched_getaffinity", sys_sched_getaffinity},
    [124] = {"sched_yield", sys_sched_yield},
    [129] = {"kill", sys_kill},
    [130] = {"tkill", sys_tkill},
    [131] = {"tgkill", sys_tgkill},
    [132] = {"sigaltstack", sys_sigaltstack},
    [133] = {"rt_sigsuspend", sys_rt_sigsuspend},
    [134] = {"rt_sigaction", sys_rt_sigaction},
    [135] = {"rt_sigprocmask", sys_rt_sigprocmask},
    [136] = {"rt_sigpending", sys_rt_sigpending},
    [139] = {"rt_sigreturn", sys_rt_sigreturn},
    [160] = {"uname", sys_uname},
    [163] = {"getrlimit", sys_getrlimit},
    [169] = {"gettimeofday", sys_gettimeofday},
    [172] = {"getpid", sys_getpid},
    [173] = {"getppid", sys_getppid},
    [174] = {"getuid", sys_getuid},
    [175] = {"geteuid", sys_geteuid},
    [176] = {"getgid", sys_getgid},
    [177] = {"getegid", sys_getegid},
    [178] = {"gettid", sys_gettid},
    [214] = {"brk", sys_brk},
    [215] = {"munmap", sys_munmap},
    [216] = {"mremap", sys_mremap},
    [220] = {"clone", sys_clone},
    [221] = {"execve", sys_execve},
    [222] = {"mmap", sys_mmap},
    [226] = {"mprotect", sys_mprotect},
    [233] = {"madvise", sys_madvise},
    [260] = {"wait4", sys_wait4},
    [261] = {"prlimit64", sys_prlimit64},
    [278] = {"getrandom", sys_getrandom},
    [291] = {"statx", sys_statx},
    [293] = {"rseq", sys_enosys},
    [435] = {"clone3", sys_clone3},
};

void syscall_dispatch(user_process *p) {
    arm_cpu *cpu = p->cpu;
    uint64_t nr = cpu_get_xreg(cpu, 8), a[6];
    for (unsigned i = 0; i < 6; i++)
        a[i] = cpu_get_xreg(cpu, i);
    int64_t r;
    if (nr < sizeof syscalls / sizeof syscalls[0] && syscalls[nr].fn) {
        r = syscalls[nr].fn(p, a);
    } else {
        if (nr >= 512 || !(p->warned_syscalls[nr / 8] & (1u << (nr % 8)))) {
            fprintf(stderr, "socemu-user: unimplemented syscall %llu\n", (unsigned long long)nr);
            if (nr < 512) p->warned_syscalls[nr / 8] |= (uint8_t)(1u << (nr % 8));
        }
        r = -ENOSYS;
    }
    /* p->cpu, not cpu: a forked child has a core of its own by now */
    if (!p->exited && r != SYSCALL_NO_RESULT) cpu_set_xreg(p->cpu, 0, (uint64_t)r);
    if (p->debug)
        fprintf(stderr, "socemu-user: syscall %llu = %lld\n", (unsigned long long)nr, (long long)r);
}
