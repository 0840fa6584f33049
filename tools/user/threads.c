/* Threads and processes. Guest threads are interleaved on the one core, on the one host thread:
 * a thread runs until it blocks (futex, sleep), yields, exits or uses up its quantum of
 * instructions (run in main.c), then the next runnable one runs, round robin. Runs are therefore
 * deterministic given the same inputs, atomics need no host atomics, and every switch goes
 * through an exception return, which clears the exclusive monitor as Linux's context switch does.
 * Processes are host processes: fork is a host fork() of socemu-user (the child gets a copy of
 * the whole emulated state and its own core), execve re-executes socemu-user on the new program,
 * wait4/waitid are the host's on real pids. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "user.h"

enum {
    CLONE_VM_ = 0x100,
    CLONE_SIGHAND_ = 0x800,
    CLONE_VFORK_ = 0x4000,
    CLONE_THREAD_ = 0x10000,
    CLONE_SETTLS_ = 0x80000,
    CLONE_PARENT_SETTID_ = 0x100000,
    CLONE_CHILD_CLEARTID_ = 0x200000,
    CLONE_CHILD_SETTID_ = 0x1000000,
};
enum {
    FUTEX_WAIT_ = 0,
    FUTEX_WAKE_ = 1,
    FUTEX_REQUEUE_ = 3,
    FUTEX_CMP_REQUEUE_ = 4,
    FUTEX_WAIT_BITSET_ = 9,
    FUTEX_WAKE_BITSET_ = 10,
    FUTEX_PRIVATE_ = 128,
    FUTEX_CLOCK_REALTIME_ = 256,
};
#define NO_DEADLINE UINT64_MAX

/* Host signals waiting to be raised in the guest (see "host signals" below). */
static volatile sig_atomic_t host_pending[32];
static volatile sig_atomic_t host_sender[32];
static volatile sig_atomic_t host_any;
static arm_cpu *volatile host_cpu;

static void note_sigchld(int s) {
    (void)s; /* only to end the scheduler's ppoll */
}

static uint64_t now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- the thread list ------------------------------------------------------------------------ */

static user_thread *thread_new(user_process *p, int tid) {
    if (p->n_threads == p->cap_threads) {
        size_t cap = p->cap_threads ? p->cap_threads * 2 : 8;
        user_thread **n = realloc(p->threads, cap * sizeof *n);
        if (!n) return NULL;
        p->threads = n;
        p->cap_threads = cap;
    }
    user_thread *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->tid = tid;
    t->state = THREAD_RUNNABLE;
    t->deadline_ns = NO_DEADLINE;
    p->threads[p->n_threads++] = t;
    return t;
}

static void thread_remove(user_process *p, user_thread *t) {
    for (size_t i = 0; i < p->n_threads; i++)
        if (p->threads[i] == t) {
            memmove(&p->threads[i], &p->threads[i + 1], (p->n_threads - i - 1) * sizeof t);
            p->n_threads--;
            break;
        }
    free(t);
}

bool threads_init(user_process *p) {
    p->next_tid = getpid() + 1;
    p->cur = thread_new(p, getpid()); /* the main thread's id is the process id */
    return p->cur != NULL;
}

void threads_free(user_process *p) {
    for (size_t i = 0; i < p->n_threads; i++)
        free(p->threads[i]);
    free(p->threads);
    p->threads = NULL;
    p->n_threads = p->cap_threads = 0;
    p->cur = NULL;
}

user_thread *thread_find(user_process *p, int tid) {
    for (size_t i = 0; i < p->n_threads; i++)
        if (p->threads[i]->tid == tid && p->threads[i]->state != THREAD_EXITED)
            return p->threads[i];
    return NULL;
}

static void wake(user_thread *t, int64_t result) {
    t->state = THREAD_RUNNABLE;
    t->deadline_ns = NO_DEADLINE;
    t->x[0] = (uint64_t)result;
}

/* A blocked thread gives up on a signal it can take: EINTR, with the time left for nanosleep.
 * A descriptor or child wait sits before its svc: with SA_RESTART on the signal it stays there
 * (the call runs again after the handler), otherwise it returns EINTR. */
static void interrupt(user_process *p, user_thread *t) {
    if (t->state == THREAD_FD || t->state == THREAD_CHILD) {
        uint64_t sigs = signal_deliverable(p, t);
        int signo = __builtin_ctzll(sigs) + 1;
        t->state = THREAD_RUNNABLE;
        if (!(p->actions[signo].flags & SA_RESTART)) {
            t->pc += 4;
            t->x[0] = (uint64_t)(int64_t)-EINTR;
        }
        return;
    }
    if (t->state == THREAD_SLEEP && t->sleep_rem && t->deadline_ns != NO_DEADLINE) {
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        uint64_t left = t->deadline_ns > now ? t->deadline_ns - now : 0;
        uint64_t rem[2] = {left / 1000000000ull, left % 1000000000ull};
        guest_write(&p->mem, t->sleep_rem, rem, sizeof rem, false);
    }
    wake(t, -EINTR);
}

static bool forwardable(int s);

/* A guest handler for a signal another process could send us (glibc's own for SIGCANCEL and
 * SIGSETXID do not count: only the guest's threads send those). */
static bool any_handler(const user_process *p) {
    for (int s = 1; s < 32; s++)
        if (forwardable(s) && p->actions[s].handler > 1) return true;
    return false;
}

static bool waiting(const user_thread *t) {
    return t->state == THREAD_FUTEX || t->state == THREAD_SLEEP || t->state == THREAD_FD ||
           t->state == THREAD_CHILD;
}

static bool fd_ready(int fd, int events) {
    struct pollfd pfd = {.fd = fd, .events = (short)events};
    return poll(&pfd, 1, 0) != 0; /* ready, or an error the call itself will report */
}

static bool child_ready(const user_thread *t) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid((idtype_t)t->wait_idtype, (id_t)t->wait_id, &si,
                   t->wait_options | WNOHANG | WNOWAIT);
    return r < 0 || si.si_pid != 0;
}

/* Sleeps until a deadline, a descriptor a thread waits for, or a host signal. Signals are
 * blocked while we look, so one that comes just before the sleep still ends it; a SIGCHLD the
 * guest leaves at its default (ignored) gets a host handler meanwhile so that a child's end
 * wakes a waiting wait4. */
static void host_sleep(user_process *p, uint64_t earliest) {
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    struct pollfd *fds = calloc(p->n_threads ? p->n_threads : 1, sizeof *fds);
    size_t nfds = 0;
    bool children = false, ready = false;
    for (size_t i = 0; i < p->n_threads && fds; i++) {
        const user_thread *t = p->threads[i];
        if (t->state == THREAD_FD)
            fds[nfds++] = (struct pollfd){t->wait_fd, (short)t->wait_events, 0};
        if (t->state == THREAD_CHILD) children = true;
    }
    struct sigaction chld_old;
    bool chld_hooked = children && p->actions[SIGCHLD].handler == 0;
    if (chld_hooked) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = note_sigchld;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGCHLD, &sa, &chld_old);
    }
    for (size_t i = 0; i < p->n_threads && children; i++)
        if (p->threads[i]->state == THREAD_CHILD && child_ready(p->threads[i])) ready = true;
    if (!host_any && !ready) {
        struct timespec rel, *timeout = NULL;
        if (earliest != NO_DEADLINE) {
            uint64_t t = now_ns(CLOCK_MONOTONIC);
            uint64_t left = earliest > t ? earliest - t : 0;
            rel.tv_sec = (time_t)(left / 1000000000ull);
            rel.tv_nsec = (long)(left % 1000000000ull);
            timeout = &rel;
        }
        ppoll(fds, (nfds_t)nfds, timeout, &old);
    }
    if (chld_hooked) sigaction(SIGCHLD, &chld_old, NULL);
    free(fds);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void threads_schedule(user_process *p, bool rotate) {
    p->resched = false;
    /* a thread that blocked has its context saved already (block_current) */
    bool cur_blocked = waiting(p->cur);
    for (;;) {
        host_signals_poll(p);
        if (p->exited) return;
        /* waiters whose deadline passed or who have a signal to take wake up */
        uint64_t now = 0, earliest = NO_DEADLINE;
        /* process signals no runnable thread can take wake a waiter that can */
        uint64_t takeable = 0;
        for (size_t i = 0; i < p->n_threads; i++)
            if (p->threads[i]->state == THREAD_RUNNABLE) takeable |= ~p->threads[i]->blocked;
        uint64_t orphans = p->pending & ~takeable;
        bool io_waits = false;
        for (size_t i = 0; i < p->n_threads; i++) {
            user_thread *t = p->threads[i];
            if (!waiting(t)) continue;
            if ((t->pending | orphans) & ~t->blocked) {
                orphans &= t->blocked;
                interrupt(p, t);
                continue;
            }
            if (t->state == THREAD_FD || t->state == THREAD_CHILD) {
                io_waits = true;
                if (t->state == THREAD_FD ? fd_ready(t->wait_fd, t->wait_events) : child_ready(t))
                    t->state = THREAD_RUNNABLE; /* its call runs again */
                continue;
            }
            if (t->deadline_ns == NO_DEADLINE) continue;
            if (!now) now = now_ns(CLOCK_MONOTONIC);
            if (now >= t->deadline_ns)
                wake(t, t->state == THREAD_FUTEX ? -ETIMEDOUT : 0);
            else if (t->deadline_ns < earliest)
                earliest = t->deadline_ns;
        }
        /* round robin from the thread after the current one (the current one last if rotating,
         * first otherwise) */
        size_t n = p->n_threads, at = 0;
        for (size_t i = 0; i < n; i++)
            if (p->threads[i] == p->cur) at = i;
        user_thread *next = NULL;
        if (!rotate && p->cur->state == THREAD_RUNNABLE) next = p->cur;
        for (size_t k = 1; !next && k <= n; k++) {
            user_thread *t = p->threads[(at + k) % n];
            if (t->state == THREAD_RUNNABLE) next = t;
        }
        if (next) {
            user_thread *old = p->cur;
            if (next != old || cur_blocked) {
                if (next != old && !cur_blocked && old->state != THREAD_EXITED) thread_save(p, old);
                thread_load(p, next);
                p->cur = next;
            }
            if (old->state == THREAD_EXITED) thread_remove(p, old);
            return;
        }
        /* nobody can run */
        if (earliest == NO_DEADLINE && !io_waits && !any_handler(p)) {
            fprintf(stderr, "socemu-user: deadlock: every thread waits (futex) with no timeout "
                            "and no signal handler to wake one\n");
            process_exit(p, 4);
            return;
        }
        host_sleep(p, earliest);
    }
}

/* --- futex ---------------------------------------------------------------------------------- */

static int64_t futex_wake(user_process *p, uint64_t addr, uint32_t bitset, uint64_t count) {
    int64_t woken = 0;
    while ((uint64_t)woken < count) {
        user_thread *first = NULL; /* the longest waiter first */
        for (size_t i = 0; i < p->n_threads; i++) {
            user_thread *t = p->threads[i];
            if (t->state == THREAD_FUTEX && t->wait_addr == addr && (t->wait_bitset & bitset) &&
                (!first || t->wait_seq < first->wait_seq))
                first = t;
        }
        if (!first) break;
        wake(first, 0);
        woken++;
    }
    return woken;
}

/* Reads a struct timespec and turns it into a CLOCK_MONOTONIC deadline (relative, or absolute on
 * CLOCK_MONOTONIC or CLOCK_REALTIME). */
static int64_t read_deadline(user_process *p, uint64_t va, bool absolute, clockid_t clock,
                             uint64_t *deadline) {
    int64_t ts[2];
    if (!guest_read(&p->mem, ts, va, sizeof ts)) return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000) return -EINVAL;
    uint64_t t = (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
    uint64_t mono = now_ns(CLOCK_MONOTONIC);
    if (!absolute)
        *deadline = mono + t;
    else if (clock == CLOCK_MONOTONIC)
        *deadline = t;
    else {
        uint64_t real = now_ns(clock);
        *deadline = t > real ? mono + (t - real) : mono;
    }
    return 0;
}

static int64_t block_current(user_process *p, thread_state state, uint64_t deadline) {
    user_thread *t = p->cur;
    thread_save(p, t); /* the wake-up edits this context (x0, or the pc for EINTR) */
    t->state = state;
    t->deadline_ns = deadline;
    t->wait_seq = ++p->wait_seq;
    p->resched = true;
    return SYSCALL_NO_RESULT; /* x0 is set when it wakes */
}

int64_t sys_futex(user_process *p, const uint64_t *a) {
    if (p->debug)
        fprintf(stderr, "socemu-user: futex %#llx op %llu val %llu timeout %#llx\n",
                (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
                (unsigned long long)a[3]);
    uint64_t addr = a[0];
    unsigned op = (unsigned)a[1] & ~(unsigned)(FUTEX_PRIVATE_ | FUTEX_CLOCK_REALTIME_);
    uint32_t val = (uint32_t)a[2];
    if (addr & 3) return -EINVAL;
    switch (op) {
    case FUTEX_WAIT_:
    case FUTEX_WAIT_BITSET_: {
        uint32_t bitset = op == FUTEX_WAIT_ ? 0xffffffffu : (uint32_t)a[5];
        if (!bitset) return -EINVAL;
        uint64_t deadline = NO_DEADLINE;
        if (a[3]) {
            clockid_t clock = (a[1] & FUTEX_CLOCK_REALTIME_) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
            int64_t r = read_deadline(p, a[3], op == FUTEX_WAIT_BITSET_, clock, &deadline);
            if (r) return r;
        }
        uint32_t v;
        if (!guest_read(&p->mem, &v, addr, 4)) return -EFAULT;
        if (v != val) return -EAGAIN;
        if (deadline != NO_DEADLINE && now_ns(CLOCK_MONOTONIC) >= deadline) return -ETIMEDOUT;
        p->cur->wait_addr = addr;
        p->cur->wait_bitset = bitset;
        return block_current(p, THREAD_FUTEX, deadline);
    }
    case FUTEX_WAKE_: return futex_wake(p, addr, 0xffffffffu, val);
    case FUTEX_WAKE_BITSET_:
        if (!(uint32_t)a[5]) return -EINVAL;
        return futex_wake(p, addr, (uint32_t)a[5], val);
    case FUTEX_REQUEUE_:
    case FUTEX_CMP_REQUEUE_: {
        if (op == FUTEX_CMP_REQUEUE_) {
            uint32_t v;
            if (!guest_read(&p->mem, &v, addr, 4)) return -EFAULT;
            if (v != (uint32_t)a[5]) return -EAGAIN;
        }
        int64_t woken = futex_wake(p, addr, 0xffffffffu, val);
        uint64_t moved = 0, limit = a[3]; /* val2 travels in the timeout argument */
        for (size_t i = 0; i < p->n_threads && moved < limit; i++) {
            user_thread *t = p->threads[i];
            if (t->state == THREAD_FUTEX && t->wait_addr == addr) {
                t->wait_addr = a[4];
                moved++;
            }
        }
        return woken + (int64_t)moved;
    }
    default: return -ENOSYS; /* PI futexes, WAKE_OP: glibc's normal mutexes and condvars do not */
    }
}

/* --- sleeping ------------------------------------------------------------------------------- */

int64_t sys_nanosleep(user_process *p, const uint64_t *a) {
    uint64_t deadline;
    int64_t r = read_deadline(p, a[0], false, CLOCK_MONOTONIC, &deadline);
    if (r) return r;
    p->cur->sleep_rem = a[1];
    return block_current(p, THREAD_SLEEP, deadline);
}

int64_t sys_clock_nanosleep(user_process *p, const uint64_t *a) {
    clockid_t clock = (clockid_t)a[0];
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
        return -EINVAL;
    uint64_t deadline;
    bool absolute = a[1] & 1; /* TIMER_ABSTIME */
    int64_t r = read_deadline(p, a[2], absolute, clock == CLOCK_BOOTTIME ? CLOCK_MONOTONIC : clock,
                              &deadline);
    if (r) return r;
    p->cur->sleep_rem = absolute ? 0 : a[3];
    return block_current(p, THREAD_SLEEP, deadline);
}

/* Waits for a signal with the given mask; the handler's frame keeps the old mask to restore. */
int64_t sys_rt_sigsuspend(user_process *p, const uint64_t *a) {
    uint64_t mask;
    if (a[1] != 8) return -EINVAL;
    if (!guest_read_u64(&p->mem, a[0], &mask)) return -EFAULT;
    user_thread *t = p->cur;
    t->saved_mask = t->blocked;
    t->has_saved_mask = true;
    t->blocked = mask & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    t->sleep_rem = 0;
    if (signal_deliverable(p, t)) return -EINTR;
    return block_current(p, THREAD_SLEEP, NO_DEADLINE);
}

/* ppoll: descriptors are the host's (a blocking poll stops every thread); with no descriptors
 * and no timeout (glibc's pause) it waits for a signal like rt_sigsuspend. */
int64_t sys_ppoll(user_process *p, const uint64_t *a) {
    if (a[1] > 4096) return -EINVAL;
    if (!a[1] && !a[2]) {
        uint64_t mask = p->cur->blocked;
        if (a[3] && (a[4] != 8 || !guest_read_u64(&p->mem, a[3], &mask))) return -EINVAL;
        user_thread *t = p->cur;
        t->saved_mask = t->blocked;
        t->has_saved_mask = true;
        t->blocked = mask & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
        t->sleep_rem = 0;
        if (signal_deliverable(p, t)) return -EINTR;
        return block_current(p, THREAD_SLEEP, NO_DEADLINE);
    }
    size_t bytes = (size_t)a[1] * 8; /* struct pollfd {int fd; short events, revents;} */
    struct pollfd *fds = malloc(bytes ? bytes : 1);
    if (!fds) return -ENOMEM;
    if (bytes && !guest_read(&p->mem, fds, a[0], bytes)) {
        free(fds);
        return -EFAULT;
    }
    struct timespec ts, *tsp = NULL;
    if (a[2]) {
        int64_t g[2];
        if (!guest_read(&p->mem, g, a[2], sizeof g)) {
            free(fds);
            return -EFAULT;
        }
        ts.tv_sec = (time_t)g[0];
        ts.tv_nsec = (long)g[1];
        tsp = &ts;
    }
    int r = ppoll(fds, (nfds_t)a[1], tsp, NULL);
    int64_t result = r < 0 ? -errno : r;
    if (r >= 0 && bytes && !guest_write(&p->mem, a[0], fds, bytes, false)) result = -EFAULT;
    free(fds);
    return result;
}

int64_t sys_sched_yield(user_process *p, const uint64_t *a) {
    p->resched = true;
    return 0;
}

/* --- identity and thread signals ------------------------------------------------------------ */

int64_t sys_gettid(user_process *p, const uint64_t *a) {
    return p->cur->tid;
}
int64_t sys_getpid(user_process *p, const uint64_t *a) {
    return getpid();
}

int64_t sys_set_tid_address(user_process *p, const uint64_t *a) {
    p->cur->clear_child_tid = a[0];
    return p->cur->tid;
}

int64_t sys_set_robust_list(user_process *p, const uint64_t *a) {
    if (a[1] != 24) return -EINVAL; /* sizeof(struct robust_list_head) */
    p->cur->robust_list = a[0];
    p->cur->robust_len = a[1];
    return 0;
}

int64_t sys_get_robust_list(user_process *p, const uint64_t *a) {
    user_thread *t = a[0] ? thread_find(p, (int)a[0]) : p->cur;
    if (!t) return -ESRCH;
    if (!guest_write_u64(&p->mem, a[1], t->robust_list) ||
        !guest_write_u64(&p->mem, a[2], t->robust_len))
        return -EFAULT;
    return 0;
}

static user_siginfo user_info(int sig, int code) {
    user_siginfo info = {.signo = sig, .code = code, .pid = getpid(), .uid = (int)getuid()};
    return info;
}

int64_t sys_kill(user_process *p, const uint64_t *a) {
    int64_t pid = (int64_t)a[0];
    int sig = (int)a[1];
    if (a[1] > 64) return -EINVAL;
    if (pid == 0 || pid == -1 || pid == getpid()) {
        if (sig) {
            user_siginfo info = user_info(sig, 0 /* SI_USER */);
            signal_raise(p, &info);
        }
        return 0;
    }
    return kill((pid_t)pid, sig) < 0 ? -errno : 0; /* another process: the host's */
}

static int64_t thread_kill(user_process *p, int tid, uint64_t sig) {
    if (sig > 64) return -EINVAL;
    user_thread *t = thread_find(p, tid);
    if (!t) return -ESRCH;
    if (sig) {
        user_siginfo info = user_info((int)sig, -6 /* SI_TKILL */);
        signal_raise_thread(p, t, &info);
    }
    return 0;
}

int64_t sys_tkill(user_process *p, const uint64_t *a) {
    return thread_kill(p, (int)a[0], a[1]);
}

int64_t sys_tgkill(user_process *p, const uint64_t *a) {
    if ((int)a[0] != getpid())
        return syscall(SYS_tgkill, (int)a[0], (int)a[1], (int)a[2]) < 0 ? -errno : 0;
    return thread_kill(p, (int)a[1], a[2]);
}

/* --- exit ----------------------------------------------------------------------------------- */

int64_t sys_exit_group(user_process *p, const uint64_t *a) {
    process_exit(p, (int)a[0]);
    return SYSCALL_NO_RESULT;
}

/* A dying thread's robust mutexes (glibc's robust list): each futex word it still owns gets
 * FUTEX_OWNER_DIED and one waiter is woken, so the next locker sees EOWNERDEAD. */
static void robust_release(user_process *p, user_thread *t) {
    enum { OWNER_DIED = 0x40000000, WAITERS = 0x80000000u, TID_MASK = 0x3fffffff, LIMIT = 2048 };
    uint64_t head = t->robust_list, entry, offset, pending;
    if (!head || !guest_read_u64(&p->mem, head, &entry) ||
        !guest_read_u64(&p->mem, head + 8, &offset) ||
        !guest_read_u64(&p->mem, head + 16, &pending))
        return;
    for (int n = 0; n <= LIMIT; n++) {
        uint64_t e = n < LIMIT ? entry & ~1ull : pending & ~1ull; /* bit 0: a PI mutex */
        if (n < LIMIT && e == head) {
            n = LIMIT - 1; /* the list is done: the pending one is next */
            continue;
        }
        if (!e) {
            if (n < LIMIT) n = LIMIT - 1;
            continue;
        }
        uint32_t word;
        uint64_t addr = e + offset;
        if (guest_read(&p->mem, &word, addr, 4) && (word & TID_MASK) == (uint32_t)t->tid) {
            uint32_t neu = (word & WAITERS) | OWNER_DIED;
            guest_write(&p->mem, addr, &neu, 4, false);
            if (word & WAITERS) futex_wake(p, addr, 0xffffffffu, 1);
        }
        if (n < LIMIT && !guest_read_u64(&p->mem, e, &entry)) n = LIMIT - 1;
    }
}

int64_t sys_exit_thread(user_process *p, const uint64_t *a) {
    size_t live = 0;
    for (size_t i = 0; i < p->n_threads; i++)
        live += p->threads[i]->state != THREAD_EXITED;
    if (live <= 1) return sys_exit_group(p, a); /* the last thread: the process ends */
    user_thread *t = p->cur;
    robust_release(p, t);
    /* CLONE_CHILD_CLEARTID: zero the word and wake one waiter (pthread_join waits on it) */
    if (t->clear_child_tid && guest_write(&p->mem, t->clear_child_tid, &(uint32_t){0}, 4, false))
        futex_wake(p, t->clear_child_tid, 0xffffffffu, 1);
    t->state = THREAD_EXITED;
    p->resched = true;
    return SYSCALL_NO_RESULT;
}

/* --- clone: threads and fork ---------------------------------------------------------------- */

static bool put_tid(user_process *p, uint64_t va, int tid) {
    uint32_t v = (uint32_t)tid;
    return guest_write(&p->mem, va, &v, 4, false);
}

static int64_t clone_thread(user_process *p, uint64_t flags, uint64_t stack, uint64_t parent_tid,
                            uint64_t tls, uint64_t child_tid) {
    if ((flags & (CLONE_VM_ | CLONE_SIGHAND_)) != (CLONE_VM_ | CLONE_SIGHAND_)) return -EINVAL;
    user_thread *parent = p->cur;
    int tid = p->next_tid++;
    user_thread *t = thread_new(p, tid);
    if (!t) return -EAGAIN;
    thread_save(p, t); /* the parent's registers, at the instruction after the svc */
    t->x[0] = 0;
    if (stack) t->sp = stack;
    if (flags & CLONE_SETTLS_) t->tpidr = tls;
    t->blocked = parent->blocked;
    if (flags & CLONE_PARENT_SETTID_) put_tid(p, parent_tid, tid);
    if (flags & CLONE_CHILD_SETTID_) put_tid(p, child_tid, tid);
    if (flags & CLONE_CHILD_CLEARTID_) t->clear_child_tid = child_tid;
    return tid;
}

static int64_t clone_process(user_process *p, uint64_t flags, uint64_t stack, uint64_t parent_tid,
                             uint64_t child_tid) {
    int vfork_pipe[2] = {-1, -1};
    /* vfork: the parent waits until the child execs or exits (the pipe's write end closes on
     * both). The memory is a copy, not shared: what a vfork child writes, its parent never sees. */
    if ((flags & CLONE_VFORK_) && pipe2(vfork_pipe, O_CLOEXEC) < 0) return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        if (vfork_pipe[0] >= 0) close(vfork_pipe[0]), close(vfork_pipe[1]);
        return -e;
    }
    if (pid == 0) {
        /* the child: only the calling thread goes on, with a core of its own */
        if (vfork_pipe[0] >= 0) close(vfork_pipe[0]);
        user_thread *self = p->cur;
        for (size_t i = p->n_threads; i-- > 0;)
            if (p->threads[i] != self) thread_remove(p, p->threads[i]);
        self->tid = getpid();
        p->next_tid = self->tid + 1;
        self->pending = 0;
        p->pending = 0;
        thread_save(p, self);
        char err[256];
        host_cpu = NULL; /* no host signal may poke the old core while it goes */
        if (!core_recreate(p, err, sizeof err)) {
            fprintf(stderr, "socemu-user: forked child: %s\n", err);
            _exit(4);
        }
        host_cpu = p->cpu;
        thread_load(p, self);
        cpu_write_sysreg(p->cpu, "SP_EL0", stack ? stack : self->sp);
        p->mem.tlb_stale = true;
        if (flags & CLONE_CHILD_SETTID_) put_tid(p, child_tid, self->tid);
        if (flags & CLONE_CHILD_CLEARTID_) self->clear_child_tid = child_tid;
        return 0;
    }
    if (flags & CLONE_PARENT_SETTID_) put_tid(p, parent_tid, pid);
    if (vfork_pipe[0] >= 0) {
        close(vfork_pipe[1]);
        char c;
        while (read(vfork_pipe[0], &c, 1) < 0 && errno == EINTR) {
        }
        close(vfork_pipe[0]);
    }
    return pid;
}

static int64_t do_clone(user_process *p, uint64_t flags, uint64_t stack, uint64_t parent_tid,
                        uint64_t tls, uint64_t child_tid) {
    if (flags & CLONE_THREAD_) return clone_thread(p, flags, stack, parent_tid, tls, child_tid);
    if ((flags & CLONE_VM_) && !(flags & CLONE_VFORK_)) {
        fprintf(stderr, "socemu-user: clone of a process sharing memory (CLONE_VM without "
                        "CLONE_THREAD or CLONE_VFORK) is not emulated\n");
        return -EINVAL;
    }
    if ((flags & 0xff) != SIGCHLD && (flags & 0xff) != 0)
        return -EINVAL; /* the host's fork always signals SIGCHLD */
    return clone_process(p, flags, stack, parent_tid, child_tid);
}

/* arm64 clone(flags, stack, parent_tid, tls, child_tid) */
int64_t sys_clone(user_process *p, const uint64_t *a) {
    return do_clone(p, a[0], a[1], a[2], a[3], a[4]);
}

int64_t sys_clone3(user_process *p, const uint64_t *a) {
    uint64_t args[11] = {0}; /* struct clone_args */
    if (a[1] < 64 || a[1] > 4096) return -EINVAL;
    if (!guest_read(&p->mem, args, a[0], a[1] < sizeof args ? a[1] : sizeof args)) return -EFAULT;
    uint64_t flags = args[0], exit_signal = args[4], stack = args[5], stack_size = args[6];
    if (args[1] || (a[1] >= 80 && args[8]) || exit_signal > 64 || (flags & 0xff))
        return -EINVAL; /* pidfd, set_tid, cgroup: not emulated */
    if (!!stack != !!stack_size) return -EINVAL;
    return do_clone(p, flags | exit_signal, stack ? stack + stack_size : 0, args[3], args[7],
                    args[2]);
}

/* --- execve, wait --------------------------------------------------------------------------- */

/* A NULL-terminated array of guest strings, as host strings (freed with free_strings). */
static char **read_strings(user_process *p, uint64_t va, int64_t *err) {
    size_t n = 0, cap = 16;
    char **v = calloc(cap, sizeof *v);
    char *buf = malloc(131072); /* MAX_ARG_STRLEN */
    *err = -ENOMEM;
    if (!v || !buf) goto fail;
    for (;; n++) {
        uint64_t s = 0;
        if (va && !guest_read_u64(&p->mem, va + 8 * n, &s)) {
            *err = -EFAULT;
            goto fail;
        }
        if (!s) break;
        if (n + 2 > cap) {
            char **nv = realloc(v, cap * 2 * sizeof *v);
            if (!nv) goto fail;
            v = nv;
            cap *= 2;
        }
        if (n > 65536) {
            *err = -E2BIG;
            goto fail;
        }
        if (!guest_read_string(&p->mem, buf, s, 131072)) {
            *err = -EFAULT;
            goto fail;
        }
        if (!(v[n] = strdup(buf))) goto fail;
        v[n + 1] = NULL;
    }
    v[n] = NULL;
    free(buf);
    return v;
fail:
    if (v)
        for (size_t i = 0; i < n; i++)
            free(v[i]);
    free(v);
    free(buf);
    return NULL;
}

static void free_strings(char **v) {
    if (!v) return;
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}

static size_t count_strings(char **v) {
    size_t n = 0;
    while (v[n])
        n++;
    return n;
}

/* The signal state execve keeps: ignored signals stay ignored (handled ones revert to the
 * default), the mask stays. Both pass to the new socemu-user as the host's own state. */
static void host_signals_for_exec(user_process *p, bool restore);

int64_t sys_execve(user_process *p, const uint64_t *a) {
    char path[4096];
    if (!guest_read_string(&p->mem, path, a[0], sizeof path)) return -EFAULT;
    int64_t e1 = 0, e2 = 0;
    char **argv = read_strings(p, a[1], &e1), **envp = read_strings(p, a[2], &e2);
    int64_t r = !argv ? e1 : !envp ? e2 : 0;
    char err[512];
    int bad = r ? 0 : elf_check(path, err, sizeof err);
    if (bad) {
        if (p->debug) fprintf(stderr, "socemu-user: execve: %s\n", err);
        r = bad == EISDIR ? -EACCES : -bad;
    }
    if (!r) {
        size_t argc = count_strings(argv);
        char seed[32];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->rng_state);
        const char *fixed[] = {"socemu-user",         "--cpu", p->model, "--seed", seed, "--argv0",
                               argc ? argv[0] : path, "--",    path};
        size_t nfixed = sizeof fixed / sizeof fixed[0];
        char **host_argv = calloc(nfixed + argc + 1, sizeof *host_argv);
        if (!host_argv) {
            r = -ENOMEM;
        } else {
            memcpy(host_argv, fixed, sizeof fixed);
            for (size_t i = 1; i < argc; i++)
                host_argv[nfixed + i - 1] = argv[i];
            fflush(NULL);
            host_signals_for_exec(p, false);
            execve("/proc/self/exe", host_argv, envp);
            r = -errno;
            host_signals_for_exec(p, true);
            free(host_argv);
        }
    }
    free_strings(argv);
    free_strings(envp);
    return r;
}

bool thread_blocks_on_fd(user_process *p, int fd, int events, int64_t *r) {
    if (p->n_threads < 2 || fd_ready(fd, events)) return false;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_NONBLOCK)) return false; /* EAGAIN is the call's own answer */
    user_thread *t = p->cur;
    user_set_pc(p, user_pc(p) - 4); /* back to the svc, to run again when ready */
    t->wait_fd = fd;
    t->wait_events = events;
    *r = block_current(p, THREAD_FD, NO_DEADLINE);
    return true;
}

/* With several threads a wait4 that would block waits in the scheduler (the others run on). */
static bool wait_blocks(user_process *p, int64_t pid, int options, int64_t *r) {
    if (p->n_threads < 2 || (options & WNOHANG)) return false;
    user_thread *t = p->cur;
    t->wait_idtype = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
    t->wait_id = pid > 0 ? (int)pid : pid < -1 ? (int)-pid : 0;
    t->wait_options = WEXITED | (options & WUNTRACED ? WSTOPPED : 0) |
                      (options & (WCONTINUED | __WALL | __WCLONE | __WNOTHREAD));
    if (child_ready(t)) return false;
    user_set_pc(p, user_pc(p) - 4);
    *r = block_current(p, THREAD_CHILD, NO_DEADLINE);
    return true;
}

int64_t sys_wait4(user_process *p, const uint64_t *a) {
    int status = 0;
    struct rusage ru;
    int64_t blocked;
    if (wait_blocks(p, (int64_t)a[0], (int)a[2], &blocked)) return blocked;
    /* the options (WNOHANG, WUNTRACED, WCONTINUED, __WALL...) have one encoding on both */
    pid_t r = wait4((pid_t)(int64_t)a[0], &status, (int)a[2], a[3] ? &ru : NULL);
    if (r < 0) return -errno;
    if (r > 0 && a[1] && !guest_write(&p->mem, a[1], &status, 4, false)) return -EFAULT;
    /* struct rusage: two timevals and 14 longs on every 64-bit Linux */
    if (a[3] && !guest_write(&p->mem, a[3], &ru, sizeof ru, false)) return -EFAULT;
    return r;
}

int64_t sys_waitid(user_process *p, const uint64_t *a) {
    siginfo_t si;
    struct rusage ru;
    if (p->n_threads > 1 && !((int)a[3] & WNOHANG)) {
        user_thread *t = p->cur;
        t->wait_idtype = (int)a[0];
        t->wait_id = (int)a[1];
        t->wait_options = (int)a[3];
        if (!child_ready(t)) {
            user_set_pc(p, user_pc(p) - 4);
            return block_current(p, THREAD_CHILD, NO_DEADLINE);
        }
    }
    memset(&si, 0, sizeof si);
    long r = syscall(SYS_waitid, (int)a[0], (int)a[1], &si, (int)a[3], a[4] ? &ru : NULL);
    if (r < 0) return -errno;
    /* the SIGCHLD siginfo (signo, errno, code, pid, uid, status, utime, stime) is laid out the
     * same on x86-64 and arm64 */
    if (a[2] && !guest_write(&p->mem, a[2], &si, sizeof si, false)) return -EFAULT;
    if (a[4] && !guest_write(&p->mem, a[4], &ru, sizeof ru, false)) return -EFAULT;
    return r;
}

/* --- host signals --------------------------------------------------------------------------- */

/* Signals the host sends to socemu-user (kill from another process, SIGCHLD, SIGPIPE...) reach
 * the guest: a guest handler installs a host handler that notes the signal and stops the core;
 * a guest SIG_IGN or SIG_DFL becomes the host's own, so the host does what Linux would (ignore,
 * terminate, stop) without us. Faults (SEGV, BUS, ILL, FPE, TRAP) are the emulator's own. */

static bool forwardable(int s) {
    return s >= 1 && s < 32 && s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS &&
           s != SIGILL && s != SIGFPE && s != SIGTRAP;
}

static void host_handler(int s, siginfo_t *si, void *uc) {
    host_sender[s] = si ? si->si_pid : 0;
    host_pending[s] = 1;
    host_any = 1;
    if (host_cpu) cpu_request_exit(host_cpu);
}

bool host_signals_waiting(void) {
    return host_any;
}

void host_signals_poll(user_process *p) {
    host_cpu = p->cpu;
    if (!host_any) return;
    host_any = 0;
    for (int s = 1; s < 32; s++)
        if (host_pending[s]) {
            host_pending[s] = 0;
            user_siginfo info = {.signo = s, .pid = host_sender[s], .uid = (int)getuid()};
            signal_raise(p, &info);
        }
}

void host_signal_sync(user_process *p, int s) {
    if (!forwardable(s)) return;
    const user_sigaction *g = &p->actions[s];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);
    if (g->handler == 0) {
        sa.sa_handler = SIG_DFL;
    } else if (g->handler == 1) {
        sa.sa_handler = SIG_IGN;
    } else {
        sa.sa_sigaction = host_handler;
        sa.sa_flags = SA_SIGINFO | (g->flags & SA_RESTART ? SA_RESTART : 0);
    }
    sigaction(s, &sa, NULL);
}

/* At start: signals ignored by whoever started us (nohup, a guest parent's execve) are ignored
 * by the guest; the inherited mask is the main thread's mask, and the host's is cleared. */
void host_signals_import(user_process *p) {
    host_cpu = p->cpu;
    for (int s = 1; s < 32; s++) {
        struct sigaction old;
        if (forwardable(s) && sigaction(s, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            p->actions[s].handler = 1;
    }
    sigset_t mask, none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, &mask) == 0)
        for (int s = 1; s < 32; s++)
            if (s != SIGKILL && s != SIGSTOP && sigismember(&mask, s))
                p->cur->blocked |= 1ull << (s - 1);
}

static void host_signals_for_exec(user_process *p, bool restore) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int s = 1; s < 32; s++) {
        if (!forwardable(s)) continue;
        if (!restore && p->actions[s].handler > 1) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = SIG_DFL;
            sigaction(s, &sa, NULL);
        } else {
            host_signal_sync(p, s);
        }
        if (p->cur->blocked & (1ull << (s - 1))) sigaddset(&mask, s);
    }
    if (restore) sigemptyset(&mask);
    sigprocmask(SIG_SETMASK, &mask, NULL);
}
