/* socemu-user: runs a static aarch64 Linux program on the socemu core, the kernel emulated on
 * the host. Exit status: the program's, or 128+N when signal N killed it (as a shell reports);
 * 2 for usage errors, 127 when the program cannot be loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user.h"

extern char **environ;

enum { EXIT_USAGE = 2, EXIT_LOAD = 127, RUN_SLICE = 50000000 };

static void usage(FILE *out) {
    fprintf(out, "usage: socemu-user [--cpu MODEL] [--seed N] PROGRAM [ARGS...]\n"
                 "Runs a static aarch64 Linux executable on the socemu core.\n"
                 "  --cpu MODEL  core model (default cortex-a53)\n"
                 "  --seed N     seed of getrandom and AT_RANDOM (default 0)\n");
}

static void run(user_process *p) {
    while (!p->exited) {
        cpu_run(p->cpu, RUN_SLICE);
        if (p->trap_pending) {
            p->trap_pending = false;
            handle_exception(p);
            signal_deliver_pending(p);
            user_resume(p);
        } else if (cpu_is_idle(p->cpu)) {
            /* WFE with no event: Linux's event stream would wake it shortly; so do we */
            cpu_set_irq(p->cpu, true);
            cpu_set_irq(p->cpu, false);
        }
    }
}

int main(int argc, char **argv) {
    const char *model = "cortex-a53";
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
    p->debug = getenv("SOCEMU_USER_DEBUG") != NULL;
    char err[256];
    char *exe = realpath(argv[i], NULL);
    p->exe_path = exe ? exe : argv[i];
    uint64_t entry = 0, sp = 0;
    int status = EXIT_LOAD;
    if (!mem_init(&p->mem)) {
        fprintf(stderr, "socemu-user: cannot reserve guest memory\n");
    } else if (!cpu_create(p, model, err, sizeof err)) {
        fprintf(stderr, "socemu-user: %s\n", err);
        status = EXIT_USAGE;
    } else if (!elf_load(p, argv[i], argc - i, argv + i, environ, &entry, &sp, err, sizeof err) ||
               !cpu_setup(p, entry, sp, err, sizeof err)) {
        fprintf(stderr, "socemu-user: %s\n", err);
    } else {
        run(p);
        status = p->exit_status;
    }
    cpu_cluster_free(p->cluster);
    mem_free(&p->mem);
    free(exe);
    return status;
}
