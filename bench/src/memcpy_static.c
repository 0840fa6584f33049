/* Memory copy between two static arrays (.bss of a static binary): the 8 MiB buffers sit exactly
 * 8 MiB apart, a power of two, which once made socemu's soft TLB evict one buffer's entry with
 * every access to the other (see bench/README.md). Same rounds and checksum as memcpy.c. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
enum { N = 8 << 20 };
static unsigned char a[N], b[N];
int main(void) {
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a[i] = (unsigned char)(x >> 32);
    }
    for (int rep = 0; rep < 20; rep++) {
        memcpy(b, a, N);
        b[(size_t)rep * 419431 % N] ^= (unsigned char)(rep + 1);
        memcpy(a, b, N);
    }
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < N; i += 8) {
        uint64_t w;
        memcpy(&w, a + i, 8);
        h = (h ^ w) * 1099511628211ull;
        h ^= h >> 29;
    }
    printf("sum=%016llx\n", (unsigned long long)h);
    return 0;
}
