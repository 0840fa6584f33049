/* Directories and pipes: readdir (getdents64), pipe2, statx, all passed through to the host. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
int main(void) {
    int n = 0, found = 0;
    DIR *d = opendir("/");
    struct dirent *e;
    while ((e = readdir(d))) {
        n++;
        found |= !strcmp(e->d_name, "usr");
    }
    closedir(d);
    int fds[2];
    printf("readdir found usr %d many %d\n", found, n > 5);
    printf("pipe %d\n", pipe(fds));
    write(fds[1], "pipe!", 5);
    char b[8] = {0};
    read(fds[0], b, 5);
    struct statx sx;
    printf("%s statx %d\n", b, statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &sx));
    printf("dir %d\n", S_ISDIR(sx.stx_mode));
    return 0;
}
