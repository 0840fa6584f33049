/* An unhandled SIGSEGV kills the program: exit status 139 as a shell reports it. */
#include <stdio.h>
int main(void) {
    printf("before\n");
    fflush(stdout);
    volatile int *volatile bad = (volatile int *)8;
    *bad = 1;
    printf("after\n");
    return 0;
}
