/* Integer ISA on real compiled code: checksums, division corner cases, 128-bit products, bit
 * operations, CRC32 (the A53 has it). */
#include <arm_acle.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t rng = 0x123456789abcdef0ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t sdiv(int64_t a, int64_t b) {
    int64_t r;
    __asm__ volatile("sdiv %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static uint32_t udiv32(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__ volatile("udiv %w0, %w1, %w2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

int main(void) {
    uint64_t sum = 0, x = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t a = next(), b = next() | 1;
        sum += a / b + a % b;
        sum ^= (uint64_t)((int64_t)a / (int64_t)b);
        sum += (a >> (b & 63)) | (a << ((b >> 8) & 63));
        sum += (uint32_t)a * (uint32_t)b;
        unsigned __int128 p = (unsigned __int128)a * b;
        __int128 sp = (__int128)(int64_t)a * (int64_t)b;
        sum += (uint64_t)(p >> 64) ^ (uint64_t)((unsigned __int128)sp >> 64);
        x += (uint64_t)__builtin_clzll(a | 1) + (uint64_t)__builtin_ctzll(b) +
             (uint64_t)__builtin_clrsbll((long long)a);
        x ^= __builtin_bswap64(a) + __builtin_bswap32((uint32_t)b);
        x += a > b ? a - b : b - a;
        x = (x << 7) | (x >> 57);
    }
    printf("sum=%016llx x=%016llx\n", (unsigned long long)sum, (unsigned long long)x);
    printf("sdiv by 0: %lld\n", (long long)sdiv(12345, 0));
    printf("udiv by 0: %u\n", udiv32(12345, 0));
    printf("INT64_MIN / -1: %lld\n", (long long)sdiv(INT64_MIN, -1));
    printf("-7 / 2 = %lld, -7 %% 2 = %lld\n", (long long)sdiv(-7, 2), -7LL % 2);
    uint32_t crc = 0xffffffffu, crcc = 0xffffffffu;
    for (int i = 0; i < 1000; i++) {
        uint64_t v = next();
        crc = __crc32d(crc, v);
        crcc = __crc32cd(crcc, v);
        crc = __crc32b(crc, (uint8_t)v);
        crcc = __crc32ch(crcc, (uint16_t)v);
        crc = __crc32w(crc, (uint32_t)v);
    }
    printf("crc32=%08x crc32c=%08x\n", crc, crcc);
    int64_t m = -1;
    printf("asr=%lld lsr=%llu\n", (long long)(m >> 3), (unsigned long long)((uint64_t)m >> 3));
    return 0;
}
