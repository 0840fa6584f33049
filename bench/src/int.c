/* Integer work: table CRC32 over a buffer plus a sieve of Eratosthenes, repeated. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
static uint32_t table[256];
static uint8_t buf[1 << 16], sieve[1 << 20];
int main(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    uint32_t crc = 0, primes = 0;
    for (int rep = 0; rep < 20; rep++) {
        uint32_t c = ~crc;
        for (unsigned i = 0; i < sizeof buf; i++)
            c = table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
        crc = ~c;
        memset(sieve, 1, sizeof sieve);
        primes = 0;
        for (unsigned i = 2; i < sizeof sieve; i++)
            if (sieve[i]) {
                primes++;
                for (unsigned j = 2 * i; j < sizeof sieve; j += i)
                    sieve[j] = 0;
            }
    }
    printf("crc=%08x primes=%u\n", crc, primes);
    return 0;
}
