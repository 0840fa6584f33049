/* Signals: handlers for SIGSEGV (unmapped and read-only), SIGBUS (misaligned exclusive), SIGILL
 * (UDF), SIGTRAP (BRK) that siglongjmp back; raise/kill with masks, pending delivery on unblock,
 * SA_RESETHAND, SA_NODEFER, the alternate stack, and registers surviving a handler. */
#include <asm/sigcontext.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int last_sig, last_code;
static volatile uintptr_t last_addr;
static volatile int on_alt;
static char altstack[65536];

static void jump_back(int sig, siginfo_t *si, void *uc_) {
    ucontext_t *uc = uc_;
    last_sig = sig;
    last_code = si->si_code;
    last_addr = (uintptr_t)si->si_addr;
    on_alt = (char *)&sig >= altstack && (char *)&sig < altstack + sizeof altstack;
    /* the saved pc is where the fault happened */
    if (sig == SIGILL || sig == SIGTRAP) last_addr = last_addr == uc->uc_mcontext.pc ? 1 : 0;
    siglongjmp(env, 1);
}

static void catch (int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = jump_back;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

static volatile int counted;
static void count(int sig) {
    counted += sig;
}

/* Returns normally after editing the saved context: rt_sigreturn must restore what it finds. */
static volatile uint64_t seen_x0, seen_v0;
static volatile int seen_fpsimd;
static void skip_brk(int sig, siginfo_t *si, void *uc_) {
    ucontext_t *uc = uc_;
    struct fpsimd_context *fp = (struct fpsimd_context *)uc->uc_mcontext.__reserved;
    seen_x0 = uc->uc_mcontext.regs[0];
    seen_fpsimd = fp->head.magic == FPSIMD_MAGIC && fp->head.size == sizeof *fp;
    seen_v0 = (uint64_t)fp->vregs[0];
    uc->uc_mcontext.regs[1] = 77;
    fp->vregs[1] = 0x4242;
    uc->uc_mcontext.pc += 4;
}

static void try(const char *what, void (*fn)(void *), void *arg, uintptr_t expect_addr) {
    last_sig = 0;
    if (!sigsetjmp(env, 1)) {
        fn(arg);
        printf("%s: no signal\n", what);
    } else {
        /* SIGILL's si_code: Linux says ILL_ILLOPC, qemu-user ILL_ILLOPN; not compared */
        printf("%s: signal %d code %d addr %s alt %d\n", what, last_sig,
               last_sig == SIGILL ? 0 : last_code, last_addr == expect_addr ? "ok" : "wrong",
               on_alt);
    }
}

static void load(void *p) {
    (void)*(volatile int *)p;
}
static void store(void *p) {
    *(volatile int *)p = 1;
}
static void udf(void *p) {
    __asm__ volatile("udf #0");
}
static void brk_insn(void *p) {
    __asm__ volatile("brk #7");
}
static void misaligned_exclusive(void *p) {
    uint64_t v;
    __asm__ volatile("ldxr %0, [%1]" : "=r"(v) : "r"(p) : "memory");
}

int main(void) {
    catch (SIGSEGV, 0);
    catch (SIGILL, 0);
    catch (SIGTRAP, 0);
    catch (SIGBUS, 0);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static uint64_t aligned[4];
    try("null load", load, (void *)16, 16);
    try("unmapped store", store, (void *)0x1000, 0x1000);
    try("read-only store", store, ro + 8, (uintptr_t)(ro + 8));
    try("prot-none load", load, none, (uintptr_t)none);
    try("udf", udf, NULL, 1);
    try("brk", brk_insn, NULL, 1);
    try("misaligned ldxr", misaligned_exclusive, (char *)aligned + 4, (uintptr_t)aligned + 4);

    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    printf("sigaltstack: %d\n", sigaltstack(&ss, NULL));
    catch (SIGSEGV, SA_ONSTACK);
    try("on altstack", load, (void *)8, 8);

    signal(SIGUSR1, count);
    raise(SIGUSR1);
    printf("raise: counted %d\n", counted);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    kill(getpid(), SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("blocked: counted %d pending %d\n", counted, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: counted %d\n", counted);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &sa);
    printf("resethand: counted %d handler reset %d\n", counted, sa.sa_handler == SIG_DFL);
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored: counted %d\n", counted);

    struct sigaction edit;
    memset(&edit, 0, sizeof edit);
    edit.sa_sigaction = skip_brk;
    edit.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &edit, NULL);
    uint64_t x1, v1;
    __asm__ volatile("mov x0, #0x5a5a\n fmov d0, x0\n mov x1, #1\n brk #1\n mov %0, x1\n"
                     "fmov %1, d1"
                     : "=r"(x1), "=r"(v1)
                     :
                     : "x0", "x1", "v0", "v1");
    printf("edited context: x0 %llx v0 %llx fpsimd %d -> x1 %llu v1 %llx\n",
           (unsigned long long)seen_x0, (unsigned long long)seen_v0, seen_fpsimd,
           (unsigned long long)x1, (unsigned long long)v1);

    /* callee-saved and FP registers survive a handler */
    double d = 1.25;
    register uint64_t keep __asm__("x19") = 0x1234567890abcdefull;
    __asm__ volatile("" : "+r"(keep));
    raise(SIGUSR1);
    __asm__ volatile("" : "+r"(keep));
    printf("after handler: x19 %llx d %g counted %d\n", (unsigned long long)keep, d * 2, counted);
    return 0;
}
