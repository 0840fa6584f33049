/* socemu-user: runs a static aarch64 Linux program on the socemu core, the kernel emulated on
 * the host. Exit status: the program's; killed by signal N, it dies by N too (a shell reports
 * 128+N); 2 for usage errors, 127 when the program cannot be loaded, 4 on a guest deadlock. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "user.h"

extern char **environ;

/* RUN_SLICE: instructions per cpu_run with one thread; QUANTUM: a thread's turn when several
 * are runnable (about a millisecond of guest time). */
enum { EXIT_USAGE = 2, EXIT_LOAD = 127, RUN_SLICE = 50000000, QUANTUM = 1000000 };

static void usage(FILE *out) {
    fprintf(out, "usage: socemu-user [--cpu MODEL] [--seed N] [--argv0 NAME] PROGRAM [ARGS...]\n"
                 "Runs a static aarch64 Linux executable on the socemu core.\n"
                 "  --cpu MODEL    core model (default cortex-a53)\n"
                 "  --seed N       seed of getrandom and AT_RANDOM (default 0)\n"
                 "  --argv0 NAME   the program's argv[0] (default PROGRAM; used by execve)\n");
}

static bool several_threads(const user_process *p) {
    return p->n_threads > 1;
}

static void run(user_process *p) {
    int64_t quantum = QUANTUM;
    while (!p->exited) {
        bool shared = several_threads(p);
        if (!shared || quantum <= 0) quantum = QUANTUM; /* a fresh turn */
        uint64_t ran = cpu_run(p->cpu, shared ? (uint64_t)quantum : RUN_SLICE);
        quantum -= (int64_t)ran; /* syscalls do not renew a thread's turn */
        bool rotate = shared && quantum <= 0;
        if (!p->trap_pending) {
            /* stopped at EL0: out of budget, idle in WFE, or a host signal asked it to stop */
            bool idle = cpu_is_idle(p->cpu);
            rotate = shared && (idle || quantum <= 0);
            if (!rotate && !host_signals_waiting()) {
                if (idle) { /* WFE with no event: Linux's event stream would wake it shortly */
                    cpu_set_irq(p->cpu, true);
                    cpu_set_irq(p->cpu, false);
                }
                continue;
            }
            enter_kernel(p); /* to EL1, where threads switch and signals are delivered */
            if (!p->trap_pending) continue;
        }
        p->trap_pending = false;
        handle_exception(p);
        user_thread *before = p->cur;
        if (!p->exited) threads_schedule(p, rotate || p->resched);
        if (p->exited) break;
        if (p->cur != before || rotate) quantum = QUANTUM;
        signal_deliver_pending(p);
        user_resume(p);
    }
}

/* A process killed by a signal dies by it on the host too, so a guest parent's wait4 (and a
 * shell) sees WIFSIGNALED; without a core dump of the emulator. */
static void die_by_signal(int signo) {
    if (signo >= 32) return; /* real-time signals: the host C library keeps some; exit 128+N */
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(signo, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), signo);
}

int main(int argc, char **argv) {
    const char *model = "cortex-a53", *argv0 = NULL;
    uint64_t seed = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--")) {
            i++;
            break;
        } else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(opt, "--version")) {
            printf("socemu-user %s\n", SOCEMU_VERSION);
            return 0;
        } else if (!strcmp(opt, "--cpu") && i + 1 < argc) {
            model = argv[++i];
        } else if (!strncmp(opt, "--cpu=", 6)) {
            model = opt + 6;
        } else if (!strcmp(opt, "--seed") && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (!strncmp(opt, "--seed=", 7)) {
            seed = strtoull(opt + 7, NULL, 0);
        } else if (!strcmp(opt, "--argv0") && i + 1 < argc) {
            argv0 = argv[++i];
        } else {
            fprintf(stderr, "socemu-user: unknown option '%s'\n", opt);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }

    static user_process proc; /* large (signal state); zero-initialised */
    user_process *p = &proc;
    p->rng_state = seed;
    p->model = model;
    p->debug = getenv("SOCEMU_USER_DEBUG") != NULL;
    char err[512];
    const char *path = argv[i];
    char *exe = realpath(path, NULL);
    p->exe_path = exe ? exe : path;
    if (argv0) argv[i] = (char *)argv0;
    uint64_t entry = 0, sp = 0;
    int status = EXIT_LOAD;
    if (!mem_init(&p->mem) || !threads_init(p)) {
        fprintf(stderr, "socemu-user: cannot reserve guest memory\n");
    } else if (!cpu_create(p, model, err, sizeof err)) {
        fprintf(stderr, "socemu-user: %s\n", err);
        status = EXIT_USAGE;
    } else if (!elf_load(p, path, argc - i, argv + i, environ, &entry, &sp, err, sizeof err) ||
               !cpu_setup(p, entry, sp, err, sizeof err)) {
        fprintf(stderr, "socemu-user: %s\n", err);
    } else {
        host_signals_import(p);
        run(p);
        status = p->exit_status;
    }
    int killed_by = p->killed_by;
    cpu_cluster_free(p->cluster);
    mem_free(&p->mem);
    threads_free(p);
    free(exe);
    if (killed_by) die_by_signal(killed_by);
    return status;
}
