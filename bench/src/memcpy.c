/* Memory copy: an 8 MiB buffer copied back and forth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    size_t n = 8u << 20;
    char *a = malloc(n), *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        a[i] = (char)i;
    for (int rep = 0; rep < 20; rep++) {
        memcpy(b, a, n);
        memcpy(a, b, n);
    }
    unsigned long s = 0;
    for (size_t i = 0; i < n; i += 4096)
        s += (unsigned char)a[i];
    printf("sum=%lu\n", s);
    return 0;
}
