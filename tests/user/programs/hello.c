/* write(2), stdio through writev/fstat, argv, and the exit status. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    static const char msg[] = "hello, world\n";
    write(1, msg, sizeof msg - 1);
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    fflush(stdout);
    return 42;
}
