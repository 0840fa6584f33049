/* Exclusives: the __atomic builtins compiled to LDXR/STXR loops (-mno-outline-atomics, ARMv8.0),
 * hand-written loops of every size, acquire/release forms, pairs, CLREX. */
#include <stdint.h>
#include <stdio.h>

static uint64_t counter64;
static uint32_t counter32;
static uint16_t counter16;
static uint8_t counter8;
static __int128 pair __attribute__((aligned(16)));

static uint64_t fetch_add_ldxr(uint64_t *p, uint64_t v) {
    uint64_t old, tmp;
    uint32_t fail;
    __asm__ volatile("1: ldaxr %0, [%3]\n"
                     "   add %1, %0, %4\n"
                     "   stlxr %w2, %1, [%3]\n"
                     "   cbnz %w2, 1b\n"
                     : "=&r"(old), "=&r"(tmp), "=&r"(fail)
                     : "r"(p), "r"(v)
                     : "memory");
    return old;
}

static uint32_t store_without_monitor(uint32_t *p) {
    uint32_t fail, tmp;
    __asm__ volatile("ldxr %w1, [%2]\n"
                     "clrex\n"
                     "stxr %w0, %w1, [%2]\n"
                     : "=&r"(fail), "=&r"(tmp)
                     : "r"(p)
                     : "memory");
    return fail;
}

static void swap_pair(__int128 *p, uint64_t lo, uint64_t hi, uint64_t *olo, uint64_t *ohi) {
    uint32_t fail;
    __asm__ volatile("1: ldaxp %0, %1, [%3]\n"
                     "   stlxp %w2, %4, %5, [%3]\n"
                     "   cbnz %w2, 1b\n"
                     : "=&r"(*olo), "=&r"(*ohi), "=&r"(fail)
                     : "r"(p), "r"(lo), "r"(hi)
                     : "memory");
}

int main(void) {
    for (int i = 0; i < 1000; i++) {
        __atomic_fetch_add(&counter64, (uint64_t)i, __ATOMIC_SEQ_CST);
        __atomic_fetch_sub(&counter32, 3u, __ATOMIC_ACQ_REL);
        __atomic_fetch_xor(&counter16, (uint16_t)(i * 7), __ATOMIC_RELAXED);
        __atomic_fetch_or(&counter8, (uint8_t)(1u << (i & 7)), __ATOMIC_RELEASE);
    }
    printf("counters %llu %u %u %u\n", (unsigned long long)counter64, counter32, counter16,
           counter8);
    uint64_t expected = 12345;
    int ok1 = __atomic_compare_exchange_n(&counter64, &expected, 1, 0, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST);
    printf("cas fail: %d expected now %llu\n", ok1, (unsigned long long)expected);
    int ok2 = __atomic_compare_exchange_n(&counter64, &expected, 7, 0, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST);
    printf("cas ok: %d value %llu\n", ok2, (unsigned long long)counter64);
    printf("exchange old %u\n", __atomic_exchange_n(&counter32, 99u, __ATOMIC_SEQ_CST));
    printf("ldaxr/stlxr old %llu new %llu\n", (unsigned long long)fetch_add_ldxr(&counter64, 5),
           (unsigned long long)counter64);
    printf("stxr after clrex fails: %u\n", store_without_monitor(&counter32));
    uint64_t lo, hi;
    swap_pair(&pair, 0x1111, 0x2222, &lo, &hi);
    swap_pair(&pair, 0x3333, 0x4444, &lo, &hi);
    printf("pair old %llx %llx\n", (unsigned long long)lo, (unsigned long long)hi);
    printf("pair now %llx\n", (unsigned long long)(uint64_t)pair);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return 0;
}
