/* Signals: actions, masks, the alternate stack, and delivery with the arm64 rt_sigframe (siginfo,
 * then ucontext whose sigcontext ends in records: fpsimd_context, esr_context, a terminator),
 * laid out as arch/arm64/include/uapi/asm/sigcontext.h and arch/arm64/kernel/signal.c describe.
 * Handlers return through a trampoline page (`mov x8, #139; svc #0`) unless SA_RESTORER. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user.h"

enum { SIG_DFL_ = 0, SIG_IGN_ = 1 };
enum { SIGKILL_ = 9, SIGSEGV_ = 11, SIGSTOP_ = 19 };
enum { SIG_BLOCK_ = 0, SIG_UNBLOCK_ = 1, SIG_SETMASK_ = 2 };
enum { SS_ONSTACK_ = 1, SS_DISABLE_ = 2, MINSIGSTKSZ_ = 5120 };
#define SA_RESTORER_  0x04000000ull
#define SA_ONSTACK_   0x08000000ull
#define SA_NODEFER_   0x40000000ull
#define SA_RESETHAND_ 0x80000000ull
#define UNBLOCKABLE   ((1ull << (SIGKILL_ - 1)) | (1ull << (SIGSTOP_ - 1)))

/* rt_sigframe layout (offsets from the frame's base). */
enum {
    SIGINFO_SIZE = 128,
    UC = SIGINFO_SIZE,    /* struct ucontext */
    UC_STACK = UC + 16,   /* stack_t: ss_sp, ss_flags (int), ss_size */
    UC_SIGMASK = UC + 40, /* 8-byte kernel sigset */
    MC = UC + 176,        /* struct sigcontext, 16-aligned after __unused[120] */
    MC_FAULT_ADDRESS = MC,
    MC_REGS = MC + 8, /* x0..x30 */
    MC_SP = MC + 256,
    MC_PC = MC + 264,
    MC_PSTATE = MC + 272,
    MC_RESERVED = MC + 288, /* 4096 bytes of records */
    FRAME_SIZE = MC_RESERVED + 4096,
    FPSIMD_MAGIC = 0x46508001,
    FPSIMD_SIZE = 528, /* head(8) fpsr fpcr vregs[32] */
    ESR_MAGIC = 0x45535201,
    ESR_SIZE = 16,
};

static uint64_t sig_bit(int signo) {
    return 1ull << (signo - 1);
}

/* Default actions: these are discarded; stop signals too (nothing can continue us); the rest
 * terminate the process. */
static bool default_ignored(int signo) {
    switch (signo) {
    case 17: /* SIGCHLD */
    case 18: /* SIGCONT */
    case 19: /* SIGSTOP */
    case 20: /* SIGTSTP */
    case 21: /* SIGTTIN */
    case 22: /* SIGTTOU */
    case 23: /* SIGURG */
    case 28: /* SIGWINCH */ return true;
    default: return false;
    }
}

void process_exit(user_process *p, int status) {
    p->exited = true;
    p->exit_status = status & 0xff;
}

static void terminate_by(user_process *p, int signo) {
    fprintf(stderr, "socemu-user: killed by signal %d\n", signo);
    process_exit(p, 128 + signo);
    p->killed_by = signo;
}

static bool discarded(const user_process *p, int signo) {
    uint64_t handler = p->actions[signo].handler;
    return signo != SIGKILL_ &&
           (handler == SIG_IGN_ || (handler == SIG_DFL_ && default_ignored(signo)));
}

void signal_raise(user_process *p, const user_siginfo *info) {
    int signo = info->signo;
    if (signo < 1 || signo > 64 || discarded(p, signo)) return;
    p->pending |= sig_bit(signo);
    p->pending_info[signo] = *info;
}

void signal_raise_thread(user_process *p, user_thread *t, const user_siginfo *info) {
    int signo = info->signo;
    if (signo < 1 || signo > 64 || discarded(p, signo)) return;
    t->pending |= sig_bit(signo);
    t->pending_info[signo] = *info;
}

uint64_t signal_deliverable(const user_process *p, const user_thread *t) {
    return (t->pending | p->pending) & ~t->blocked;
}

void signal_force(user_process *p, const user_siginfo *info) {
    user_thread *t = p->cur;
    user_sigaction *act = &p->actions[info->signo];
    /* a fault the program blocks or ignores cannot be survived: the default action applies */
    if ((t->blocked & sig_bit(info->signo)) || act->handler == SIG_IGN_) {
        act->handler = SIG_DFL_;
        t->blocked &= ~sig_bit(info->signo);
    }
    t->pending |= sig_bit(info->signo);
    t->pending_info[info->signo] = *info;
    signal_deliver_pending(p);
}

static void put32(uint8_t *f, size_t off, uint32_t v) {
    memcpy(f + off, &v, 4);
}
static void put64(uint8_t *f, size_t off, uint64_t v) {
    memcpy(f + off, &v, 8);
}
static uint32_t get32(const uint8_t *f, size_t off) {
    uint32_t v;
    memcpy(&v, f + off, 4);
    return v;
}
static uint64_t get64(const uint8_t *f, size_t off) {
    uint64_t v;
    memcpy(&v, f + off, 8);
    return v;
}

static bool on_altstack(const user_process *p, uint64_t sp) {
    const user_thread *t = p->cur;
    return t->altstack_size && sp - t->altstack_sp <= t->altstack_size;
}

static void fill_siginfo(uint8_t *f, const user_siginfo *info) {
    put32(f, 0, (uint32_t)info->signo);
    put32(f, 8, (uint32_t)info->code);
    if (info->is_fault) {
        put64(f, 16, info->addr);
    } else {
        put32(f, 16, (uint32_t)info->pid);
        put32(f, 20, (uint32_t)info->uid);
    }
}

static void save_registers(user_process *p, uint8_t *f) {
    arm_cpu *cpu = p->cpu;
    for (unsigned i = 0; i < 31; i++)
        put64(f, MC_REGS + 8 * i, cpu_get_xreg(cpu, i));
    put64(f, MC_SP, user_sp(p));
    put64(f, MC_PC, user_pc(p));
    uint64_t fpsr = 0, fpcr = 0;
    cpu_read_sysreg(cpu, "FPSR", &fpsr);
    cpu_read_sysreg(cpu, "FPCR", &fpcr);
    put64(f, MC_PSTATE, user_nzcv(p)); /* EL0t: the mode and mask bits are all zero */
    put32(f, MC_RESERVED, FPSIMD_MAGIC);
    put32(f, MC_RESERVED + 4, FPSIMD_SIZE);
    put32(f, MC_RESERVED + 8, (uint32_t)fpsr);
    put32(f, MC_RESERVED + 12, (uint32_t)fpcr);
    for (unsigned i = 0; i < 32; i++) {
        uint64_t lo, hi;
        cpu_get_vreg(cpu, i, &lo, &hi);
        put64(f, MC_RESERVED + 16 + 16 * i, lo);
        put64(f, MC_RESERVED + 24 + 16 * i, hi);
    }
}

/* Builds the frame and points the core at the handler; false if the stack cannot take it. */
static bool setup_frame(user_process *p, int signo, const user_sigaction *act,
                        const user_siginfo *info) {
    arm_cpu *cpu = p->cpu;
    uint64_t sp = user_sp(p);
    bool was_on_alt = on_altstack(p, sp);
    user_thread *t = p->cur;
    if ((act->flags & SA_ONSTACK_) && t->altstack_size && !was_on_alt)
        sp = t->altstack_sp + t->altstack_size;
    uint64_t frame_record = (sp - 16) & ~15ull; /* {x29, x30}: unwinders walk through it */
    uint64_t frame = (frame_record - FRAME_SIZE) & ~15ull;
    uint8_t *f = calloc(1, FRAME_SIZE);
    if (!f) return false;
    fill_siginfo(f, info);
    put64(f, UC_STACK, t->altstack_sp);
    put32(f, UC_STACK + 8, !t->altstack_size ? SS_DISABLE_ : was_on_alt ? SS_ONSTACK_ : 0);
    put64(f, UC_STACK + 16, t->altstack_size);
    put64(f, UC_SIGMASK, t->has_saved_mask ? t->saved_mask : t->blocked);
    if (info->is_fault) put64(f, MC_FAULT_ADDRESS, info->addr);
    save_registers(p, f);
    if (info->is_fault && info->esr) {
        put32(f, MC_RESERVED + FPSIMD_SIZE, ESR_MAGIC);
        put32(f, MC_RESERVED + FPSIMD_SIZE + 4, ESR_SIZE);
        put64(f, MC_RESERVED + FPSIMD_SIZE + 8, info->esr);
    }
    uint64_t record[2] = {cpu_get_xreg(cpu, 29), cpu_get_xreg(cpu, 30)};
    bool ok = guest_write(&p->mem, frame, f, FRAME_SIZE, false) &&
              guest_write(&p->mem, frame_record, record, sizeof record, false);
    free(f);
    if (!ok) return false;
    cpu_set_xreg(cpu, 0, (uint64_t)signo);
    cpu_set_xreg(cpu, 1, frame);
    cpu_set_xreg(cpu, 2, frame + UC);
    cpu_set_xreg(cpu, 29, frame_record);
    cpu_set_xreg(cpu, 30, act->flags & SA_RESTORER_ ? act->restorer : SIGTRAMP_VA);
    user_set_sp(p, frame);
    user_set_pc(p, act->handler);
    return true;
}

void signal_deliver_pending(user_process *p) {
    user_thread *t = p->cur;
    while (!p->exited && signal_deliverable(p, t)) {
        int signo = __builtin_ctzll(signal_deliverable(p, t)) + 1;
        user_siginfo info;
        if (t->pending & sig_bit(signo)) { /* the thread's own before the process's */
            t->pending &= ~sig_bit(signo);
            info = t->pending_info[signo];
        } else {
            p->pending &= ~sig_bit(signo);
            info = p->pending_info[signo];
        }
        user_sigaction *act = &p->actions[signo];
        if (signo == SIGKILL_ || act->handler == SIG_DFL_) {
            if (!default_ignored(signo)) terminate_by(p, signo);
            continue;
        }
        if (act->handler == SIG_IGN_) continue;
        user_sigaction used = *act;
        if (!setup_frame(p, signo, &used, &info)) {
            terminate_by(p, SIGSEGV_); /* as Linux does when the frame cannot be written */
            return;
        }
        t->has_saved_mask = false; /* the frame restores it at sigreturn */
        t->blocked |= used.mask | (used.flags & SA_NODEFER_ ? 0 : sig_bit(signo));
        t->blocked &= ~UNBLOCKABLE;
        if (used.flags & SA_RESETHAND_) act->handler = SIG_DFL_;
    }
    if (t->has_saved_mask && t->state == THREAD_RUNNABLE) { /* woke without a handler frame */
        t->blocked = t->saved_mask;
        t->has_saved_mask = false;
    }
}

int64_t sys_rt_sigreturn(user_process *p, const uint64_t *a) {
    arm_cpu *cpu = p->cpu;
    uint64_t frame = user_sp(p);
    uint8_t *f = malloc(FRAME_SIZE);
    if (!f || (frame & 15) || !guest_read(&p->mem, f, frame, FRAME_SIZE)) {
        free(f);
        user_siginfo info = {.signo = SIGSEGV_, .is_fault = true};
        signal_force(p, &info);
        return (int64_t)cpu_get_xreg(cpu, 0);
    }
    for (unsigned i = 0; i < 31; i++)
        cpu_set_xreg(cpu, i, get64(f, MC_REGS + 8 * i));
    user_set_sp(p, get64(f, MC_SP));
    user_set_pc(p, get64(f, MC_PC));
    user_set_nzcv(p, get64(f, MC_PSTATE));
    for (size_t off = MC_RESERVED; off + 8 <= FRAME_SIZE;) {
        uint32_t magic = get32(f, off), size = get32(f, off + 4);
        if (!magic || size < 8 || off + size > FRAME_SIZE) break;
        if (magic == FPSIMD_MAGIC && size >= FPSIMD_SIZE) {
            cpu_write_sysreg(cpu, "FPSR", get32(f, off + 8));
            cpu_write_sysreg(cpu, "FPCR", get32(f, off + 12));
            for (unsigned i = 0; i < 32; i++)
                cpu_set_vreg(cpu, i, get64(f, off + 16 + 16 * i), get64(f, off + 24 + 16 * i));
        }
        off += size;
    }
    p->cur->blocked = get64(f, UC_SIGMASK) & ~UNBLOCKABLE;
    uint64_t x0 = get64(f, MC_REGS);
    free(f);
    return (int64_t)x0; /* the syscall "result" is the interrupted x0 */
}

int64_t sys_rt_sigaction(user_process *p, const uint64_t *a) {
    int signo = (int)a[0];
    if (signo < 1 || signo > 64 || a[3] != 8) return -EINVAL;
    user_sigaction old = p->actions[signo], neu;
    if (a[1]) {
        if (signo == SIGKILL_ || signo == SIGSTOP_) return -EINVAL;
        if (!guest_read(&p->mem, &neu, a[1], sizeof neu)) return -EFAULT;
    }
    if (a[2] && !guest_write(&p->mem, a[2], &old, sizeof old, false)) return -EFAULT;
    if (a[1]) {
        neu.mask &= ~UNBLOCKABLE;
        p->actions[signo] = neu;
        if (discarded(p, signo)) {
            p->pending &= ~sig_bit(signo);
            for (size_t i = 0; i < p->n_threads; i++)
                p->threads[i]->pending &= ~sig_bit(signo);
        }
        host_signal_sync(p, signo);
    }
    return 0;
}

int64_t sys_rt_sigprocmask(user_process *p, const uint64_t *a) {
    if (a[3] != 8) return -EINVAL;
    user_thread *t = p->cur;
    uint64_t old = t->blocked, set = 0;
    if (a[1] && !guest_read_u64(&p->mem, a[1], &set)) return -EFAULT;
    if (a[2] && !guest_write_u64(&p->mem, a[2], old)) return -EFAULT;
    if (a[1]) {
        switch (a[0]) {
        case SIG_BLOCK_: t->blocked |= set; break;
        case SIG_UNBLOCK_: t->blocked &= ~set; break;
        case SIG_SETMASK_: t->blocked = set; break;
        default: return -EINVAL;
        }
        t->blocked &= ~UNBLOCKABLE;
    }
    return 0;
}

int64_t sys_rt_sigpending(user_process *p, const uint64_t *a) {
    if (a[1] != 8) return -EINVAL;
    const user_thread *t = p->cur;
    return guest_write_u64(&p->mem, a[0], (t->pending | p->pending) & t->blocked) ? 0 : -EFAULT;
}

int64_t sys_sigaltstack(user_process *p, const uint64_t *a) {
    uint64_t sp = user_sp(p);
    if (a[1]) {
        uint8_t old[24] = {0};
        put64(old, 0, p->cur->altstack_sp);
        put32(old, 8, !p->cur->altstack_size ? SS_DISABLE_ : on_altstack(p, sp) ? SS_ONSTACK_ : 0);
        put64(old, 16, p->cur->altstack_size);
        if (!guest_write(&p->mem, a[1], old, sizeof old, false)) return -EFAULT;
    }
    if (a[0]) {
        uint8_t neu[24];
        if (!guest_read(&p->mem, neu, a[0], sizeof neu)) return -EFAULT;
        if (on_altstack(p, sp)) return -EPERM;
        uint32_t flags = get32(neu, 8);
        if (flags & SS_DISABLE_) {
            p->cur->altstack_sp = p->cur->altstack_size = 0;
        } else {
            if (flags & ~(uint32_t)SS_ONSTACK_) return -EINVAL;
            if (get64(neu, 16) < MINSIGSTKSZ_) return -ENOMEM;
            p->cur->altstack_sp = get64(neu, 0);
            p->cur->altstack_size = get64(neu, 16);
        }
    }
    return 0;
}
