/* abort(): SIGABRT through tgkill, exit status 134; buffered output is not flushed. */
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    printf("flushed\n");
    fflush(stdout);
    printf("lost");
    abort();
}
