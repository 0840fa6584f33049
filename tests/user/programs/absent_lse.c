/* ARMv8.1 LSE atomics are absent on ARMv8.0: LDADD, CAS, SWP raise SIGILL (caught here, with the
 * faulting pc), and an uncaught one kills with 132. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;
static volatile uintptr_t fault_pc;

static void on_sigill(int sig, siginfo_t *si, void *uc) {
    fault_pc = (uintptr_t)si->si_addr;
    siglongjmp(env, 1);
}

static uint64_t word = 5;

#define TRY(name, insn)                                                                            \
    do {                                                                                           \
        if (!sigsetjmp(env, 1)) {                                                                  \
            __asm__ volatile("mov x1, %0\n mov x0, #1\n" insn                                      \
                             :                                                                     \
                             : "r"(&word)                                                          \
                             : "x0", "x2", "memory");                                              \
            printf("%s executed\n", name);                                                         \
        } else {                                                                                   \
            printf("%s: SIGILL (pc known: %d)\n", name, fault_pc != 0);                            \
        }                                                                                          \
    } while (0)

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    TRY("ldadd", ".inst 0xf8200022"); /* ldadd x0, x2, [x1] */
    TRY("cas", ".inst 0xc8a07c22");   /* cas x0, x2, [x1] */
    TRY("swp", ".inst 0xf8208022");   /* swp x0, x2, [x1] */
    TRY("casp", ".inst 0x48207c22");  /* casp x0, x1, x2, x3, [x1] */
    printf("word still %llu\n", (unsigned long long)word);
    signal(SIGILL, SIG_DFL);
    fflush(stdout);
    __asm__ volatile("mov x1, %0\n mov x0, #1\n .inst 0xf8200022"
                     :
                     : "r"(&word)
                     : "x0", "x2", "memory");
    printf("not reached\n");
    return 0;
}
