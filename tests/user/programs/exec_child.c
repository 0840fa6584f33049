/* Run by exec_parent through execve: prints its arguments and environment, and exits with a
 * status the parent checks. With "in-place PID" it checks that execve kept the process id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("exec_child: argc %d", argc);
    for (int i = 0; i < argc; i++)
        printf(" [%s]", i == 2 && argc > 1 && !strcmp(argv[1], "in-place") ? "PID" : argv[i]);
    const char *e = getenv("EXEC_TEST");
    printf(" EXEC_TEST=%s\n", e ? e : "(unset)");
    if (argc > 2 && !strcmp(argv[1], "in-place")) {
        printf("same pid after execve: %s\n", atoi(argv[2]) == getpid() ? "yes" : "no");
        return 9;
    }
    return 33;
}
