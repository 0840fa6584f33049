/* The system interface: uname, getrandom, ids, clocks, files (openat/read/lseek/fstat/close on a
 * scratch file), /proc/self/exe, auxv (AT_HWCAP of the Pi 3 A53, AT_PAGESZ), MRS emulation. */
#define _GNU_SOURCE /* gettid */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct utsname u;
    printf("uname: %d sysname %s machine %s\n", uname(&u), u.sysname, u.machine);
    unsigned char buf[64];
    memset(buf, 0, sizeof buf);
    ssize_t n = getrandom(buf, sizeof buf, 0);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += buf[i] != 0;
    printf("getrandom: %zd bytes, mostly nonzero %d\n", n, nonzero > 32);
    printf("pid==tid %d ppid>0 %d uid==euid %d\n", getpid() == gettid(), getppid() > 0,
           getuid() == geteuid());
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (volatile int i = 0; i < 100000; i++)
        ;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic: %d\n",
           b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    printf("realtime after 2020: %d\n", time(NULL) > 1577836800);

    const char *path = argc > 1 ? argv[1] : "scratch.txt";
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    printf("open: %d\n", fd >= 0);
    printf("write: %zd\n", write(fd, "0123456789abcdef", 16));
    printf("lseek: %lld\n", (long long)lseek(fd, 4, SEEK_SET));
    char rd[8] = {0};
    printf("read: %zd '%.6s'\n", read(fd, rd, 6), rd);
    struct stat st;
    printf("fstat: %d size %lld reg %d\n", fstat(fd, &st), (long long)st.st_size,
           S_ISREG(st.st_mode));
    char *map = mmap(NULL, 16, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("file mmap: '%.16s'\n", map == MAP_FAILED ? "failed" : map);
    map[0] = 'X'; /* private: the file keeps its byte */
    munmap(map, 16);
    printf("close: %d\n", close(fd));
    printf("stat: %d size %lld\n", stat(path, &st), (long long)st.st_size);
    FILE *f = fopen(path, "r");
    char line[32] = {0};
    printf("fgets: %s\n", fgets(line, sizeof line, f) ? line : "(null)");
    fclose(f);
    unlink(path);
    errno = 0;
    printf("open missing: %d errno %d\n", open("/nonexistent/x", O_RDONLY), errno);

    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = 0;
    const char *base = strrchr(exe, '/');
    printf("exe: %s\n", base ? base + 1 : exe);
    unsigned long hw = getauxval(AT_HWCAP);
    /* (AES/PMULL/SHA are not compared: qemu's cortex-a53 has them, the Pi 3's does not) */
    printf("hwcap fp %d asimd %d crc32 %d cpuid %d atomics %d\n", !!(hw & 1), !!(hw & 2),
           !!(hw & (1 << 7)), !!(hw & (1 << 11)), !!(hw & (1 << 8)));
    printf("pagesz %lu sysconf %ld\n", getauxval(AT_PAGESZ), sysconf(_SC_PAGESIZE));
    uint64_t midr;
    __asm__ volatile("mrs %0, midr_el1" : "=r"(midr));
    printf("midr implementer %llx part %llx\n", (unsigned long long)(midr >> 24),
           (unsigned long long)((midr >> 4) & 0xfff));
    uint64_t ctr, dczid;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
    printf("dczid %llx\n", (unsigned long long)dczid);
    return 0;
}
