/* socemu-user: one static aarch64 Linux program on the core, with the kernel emulated on the host.
 * The shared state of the runner: guest memory (memory.c), signal state (signals.c), the CPU. */
#ifndef USER_USER_H
#define USER_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cpu/cpu.h>

#define GUEST_PAGE      4096ull
#define GUEST_PAGE_MASK (~(GUEST_PAGE - 1))

/* Protection bits, as in mmap(2) (same values on arm64 and the host). */
enum { PROT_R = 1, PROT_W = 2, PROT_X = 4 };

/* The guest's address space layout (48-bit VAs, 4 KiB pages, like Linux on the Pi). */
#define STACK_TOP     0x0000fffffff00000ull
#define STACK_SIZE    (8ull << 20)
#define SIGTRAMP_VA   0x0000fffffff80000ull /* rt_sigreturn trampoline, a one-page "vdso" */
#define MMAP_TOP      0x0000ffffe0000000ull
#define MMAP_BOTTOM   0x0000100000000000ull
#define PIE_LOAD_BASE 0x0000aaaaaaaa0000ull
/* Kernel side, in the TTBR1 half: the vector page and the trap page whose stores reach us. */
#define KERNEL_VEC_VA  0xffffffffffff0000ull
#define KERNEL_TRAP_VA 0xfffffffffffe0000ull
#define TRAP_PA        0x000000f000000000ull

typedef struct user_vma {
    uint64_t start, end; /* page aligned, end exclusive */
    unsigned prot;
} user_vma;

typedef struct guest_memory {
    uint8_t *phys; /* host reservation backing guest physical addresses [0, phys_size) */
    uint64_t phys_size, phys_top;
    uint64_t *free_pages; /* physical pages given back by munmap, reused before phys_top grows */
    size_t n_free, cap_free;
    uint64_t ttbr0, ttbr1; /* translation table roots (physical) */
    user_vma *vmas;        /* sorted by start, disjoint */
    size_t n_vmas, cap_vmas;
    bool tlb_stale; /* a valid descriptor changed: flush the core's TLB before running again */
    cpu_cluster *cluster;
} guest_memory;

/* Kernel sigaction for one signal, arm64 layout (asm-generic with SA_RESTORER). */
typedef struct user_sigaction {
    uint64_t handler, flags, restorer, mask;
} user_sigaction;

typedef struct user_siginfo {
    int signo, code;
    uint64_t addr; /* faults: si_addr */
    int pid, uid;  /* kill/tgkill */
    uint64_t esr;  /* faults: the syndrome, for the esr_context record */
    bool is_fault;
} user_siginfo;

/* A guest thread. Threads are interleaved on the one core (threads.c): the running thread's
 * registers live in the core, the others' in their context below. */
/* FUTEX, SLEEP: waits whose result is written to x0 at wake-up. FD, CHILD: a read/write of a
 * descriptor that is not ready, a wait4 with no child to report; the thread sits before its svc
 * and runs the call again when the descriptor or a child may be ready. */
typedef enum {
    THREAD_RUNNABLE,
    THREAD_FUTEX,
    THREAD_SLEEP,
    THREAD_FD,
    THREAD_CHILD,
    THREAD_EXITED
} thread_state;

typedef struct user_thread {
    int tid;
    thread_state state;
    /* EL0 context while off the core */
    uint64_t x[31], vlo[32], vhi[32], sp, pc, spsr, fpsr, fpcr, tpidr, tpidrro;
    /* signals directed at this thread, its mask and alternate stack */
    uint64_t blocked, pending;
    user_siginfo pending_info[65];
    uint64_t saved_mask; /* rt_sigsuspend: the mask to restore once a handler frame holds it */
    bool has_saved_mask;
    uint64_t altstack_sp, altstack_size;
    uint64_t clear_child_tid; /* set_tid_address / CLONE_CHILD_CLEARTID */
    uint64_t robust_list, robust_len;
    /* while blocked: the futex word and bitset, wait order, CLOCK_MONOTONIC deadline */
    uint64_t wait_addr, wait_seq, deadline_ns, sleep_rem;
    uint32_t wait_bitset;
    int wait_fd, wait_events;               /* THREAD_FD: poll(2) events */
    int wait_idtype, wait_id, wait_options; /* THREAD_CHILD: as waitid(2) */
} user_thread;

typedef struct user_process {
    arm_cpu *cpu;
    cpu_cluster *cluster;
    guest_memory mem;
    const char *exe_path; /* absolute, for /proc/self/exe */
    const char *model;    /* core model, for the cores of forked children and execve */
    uint64_t brk_start, brk_cur;
    uint64_t rng_state;
    /* signals (index = signal number, 1..64): actions, and the process-directed pending set */
    user_sigaction actions[65];
    uint64_t pending;
    user_siginfo pending_info[65];
    /* threads: cur runs on the core */
    user_thread *cur;
    user_thread **threads;
    size_t n_threads, cap_threads;
    int next_tid;
    uint64_t wait_seq;
    bool resched;  /* the running thread yields at the end of this exception */
    int killed_by; /* the signal that ended the process, 0 if it exited */
    /* trap from the vector page: which entry stored to the trap page */
    bool trap_pending;
    unsigned trap_vector;
    bool debug; /* SOCEMU_USER_DEBUG set: every exception on stderr */
    bool exited;
    int exit_status;
    uint8_t warned_syscalls[512 / 8];
} user_process;

/* memory.c */
bool mem_init(guest_memory *m);
void mem_free(guest_memory *m);
uint64_t phys_alloc_page(guest_memory *m);
uint8_t *phys_host(guest_memory *m, uint64_t pa);
void mem_map_kernel_page(guest_memory *m, uint64_t va, uint64_t pa, bool device, bool executable);
user_vma *vma_find(guest_memory *m, uint64_t va);
bool vma_range_free(guest_memory *m, uint64_t start, uint64_t end);
/* Adds [start, end) with prot, replacing whatever was there (pages of replaced areas are kept
 * when keep_pages, as ELF segments sharing a page must). */
bool vma_map(guest_memory *m, uint64_t start, uint64_t end, unsigned prot, bool keep_pages);
void vma_unmap(guest_memory *m, uint64_t start, uint64_t end);
bool vma_protect(guest_memory *m, uint64_t start, uint64_t end, unsigned prot);
void mem_discard_pages(guest_memory *m, uint64_t start, uint64_t end);
bool mem_move_pages(guest_memory *m, uint64_t from, uint64_t to, uint64_t len);
uint64_t mem_find_hole(guest_memory *m, uint64_t len, uint64_t hint);
/* A translation fault at va: maps a zero page if a VMA allows the access. */
bool mem_demand_page(guest_memory *m, uint64_t va, unsigned access);
/* Host copies, checking the VMA permissions as the kernel's uaccess does (force: loader). */
bool guest_read(guest_memory *m, void *dst, uint64_t va, uint64_t len);
bool guest_write(guest_memory *m, uint64_t va, const void *src, uint64_t len, bool force);
/* Copies a NUL-terminated string of at most max bytes (incl. NUL); false on fault or overflow. */
bool guest_read_string(guest_memory *m, char *dst, uint64_t va, size_t max);
bool guest_read_u64(guest_memory *m, uint64_t va, uint64_t *v);
bool guest_write_u64(guest_memory *m, uint64_t va, uint64_t v);

/* elf_load.c */
/* 0 if path is a static aarch64 executable elf_load would take; else an errno value (ENOENT,
 * EACCES, ENOEXEC...) with one line naming path and the reason in err. */
int elf_check(const char *path, char *err, size_t errlen);
bool elf_load(user_process *p, const char *path, int argc, char **argv, char **envp,
              uint64_t *entry, uint64_t *sp, char *err, size_t errlen);

/* syscalls.c */
void syscall_dispatch(user_process *p);
/* A handler's return value that leaves x0 alone (the thread blocked, exited or was replaced). */
#define SYSCALL_NO_RESULT INT64_MIN

/* threads.c */
bool threads_init(user_process *p);
void threads_free(user_process *p);
user_thread *thread_find(user_process *p, int tid);
/* Picks the thread to run next (rotate: the running one goes behind the others), waking
 * futex/sleep waiters whose time came or that have a signal; sleeps on the host while nobody
 * can run. */
void threads_schedule(user_process *p, bool rotate);
/* Host signals forwarded to the guest (guest handlers installed): raised as process signals. */
void host_signals_poll(user_process *p);
bool host_signals_waiting(void);
void host_signal_sync(user_process *p, int signo);
void host_signals_import(user_process *p);
int64_t sys_futex(user_process *p, const uint64_t *a);
int64_t sys_clone(user_process *p, const uint64_t *a);
int64_t sys_clone3(user_process *p, const uint64_t *a);
int64_t sys_exit_thread(user_process *p, const uint64_t *a);
int64_t sys_exit_group(user_process *p, const uint64_t *a);
int64_t sys_set_tid_address(user_process *p, const uint64_t *a);
int64_t sys_set_robust_list(user_process *p, const uint64_t *a);
int64_t sys_get_robust_list(user_process *p, const uint64_t *a);
int64_t sys_sched_yield(user_process *p, const uint64_t *a);
int64_t sys_ppoll(user_process *p, const uint64_t *a);
int64_t sys_rt_sigsuspend(user_process *p, const uint64_t *a);
int64_t sys_nanosleep(user_process *p, const uint64_t *a);
int64_t sys_clock_nanosleep(user_process *p, const uint64_t *a);
int64_t sys_gettid(user_process *p, const uint64_t *a);
int64_t sys_getpid(user_process *p, const uint64_t *a);
int64_t sys_kill(user_process *p, const uint64_t *a);
int64_t sys_tkill(user_process *p, const uint64_t *a);
int64_t sys_tgkill(user_process *p, const uint64_t *a);
int64_t sys_execve(user_process *p, const uint64_t *a);
int64_t sys_wait4(user_process *p, const uint64_t *a);
/* With several threads: true when the call on fd would block (then the thread waits for it,
 * *r is what the handler returns); false when it can go ahead. */
bool thread_blocks_on_fd(user_process *p, int fd, int events, int64_t *r);
int64_t sys_waitid(user_process *p, const uint64_t *a);

/* signals.c */
/* A process-directed signal (kill): taken by whichever thread does not block it. */
void signal_raise(user_process *p, const user_siginfo *info);
/* A thread-directed signal (tgkill). */
void signal_raise_thread(user_process *p, user_thread *t, const user_siginfo *info);
/* Signals t could take now (pending for it or for the process, not blocked). */
uint64_t signal_deliverable(const user_process *p, const user_thread *t);
/* A synchronous fault: delivered now even if blocked or ignored (then it kills). */
void signal_force(user_process *p, const user_siginfo *info);
void signal_deliver_pending(user_process *p);
int64_t sys_rt_sigaction(user_process *p, const uint64_t *a);
int64_t sys_rt_sigprocmask(user_process *p, const uint64_t *a);
int64_t sys_rt_sigreturn(user_process *p, const uint64_t *a);
int64_t sys_sigaltstack(user_process *p, const uint64_t *a);
int64_t sys_rt_sigpending(user_process *p, const uint64_t *a);
void process_exit(user_process *p, int status);

/* exceptions.c */
bool cpu_create(user_process *p, const char *model, char *err, size_t errlen);
bool cpu_setup(user_process *p, uint64_t entry, uint64_t sp, char *err, size_t errlen);
/* The system registers of a fresh core (the vector page already mapped). */
bool core_configure(user_process *p, char *err, size_t errlen);
/* A forked child's own core (the parent's JIT code buffer may be shared memory). */
bool core_recreate(user_process *p, char *err, size_t errlen);
/* The thread's EL0 context, to or from the core (parked at EL1 in the vector page). */
void thread_save(user_process *p, user_thread *t);
void thread_load(user_process *p, user_thread *t);
/* Brings a core that stopped at EL0 into the vector page (an IRQ), to switch threads or deliver
 * a signal there; returns with trap_pending set. */
void enter_kernel(user_process *p);
void handle_exception(user_process *p);
/* The EL0 state while the core waits at EL1 in the vector page; user_resume goes back to it. */
uint64_t user_pc(user_process *p);
void user_set_pc(user_process *p, uint64_t pc);
uint64_t user_sp(user_process *p);
void user_set_sp(user_process *p, uint64_t sp);
uint64_t user_nzcv(user_process *p);
void user_set_nzcv(user_process *p, uint64_t nzcv);
void user_resume(user_process *p);
uint64_t random_u64(user_process *p);

#endif
