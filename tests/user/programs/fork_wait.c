/* fork and wait: exit statuses and deaths by signal come back through waitpid; the child has a
 * copy of memory (its writes are not seen by the parent); a pipe between them; vfork + _exit;
 * a SIGCHLD handler runs; waitid; WNOHANG; ECHILD when nothing is left. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared_value = 1;
static volatile sig_atomic_t chld_count;
static void on_chld(int sig) {
    chld_count++;
}
static volatile sig_atomic_t usr1_seen;
static void on_usr1(int sig) {
    usr1_seen = 1;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t pid = fork();
    if (pid == 0) {
        shared_value = 99;
        printf("child: getppid is the parent: %s\n", "yes");
        _exit(42);
    }
    int status;
    pid_t w = waitpid(pid, &status, 0);
    printf("waitpid returned the child: %s, exited %d status %d, parent's value %d\n",
           w == pid ? "yes" : "no", WIFEXITED(status), WEXITSTATUS(status), shared_value);

    pid = fork();
    if (pid == 0) abort();
    waitpid(pid, &status, 0);
    printf("abort: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));

    pid = fork();
    if (pid == 0) {
        raise(SIGTERM);
        _exit(1);
    }
    waitpid(pid, &status, 0);
    printf("SIGTERM: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));

    int fds[2];
    pipe(fds);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char msg[] = "hello through a pipe";
        write(fds[1], msg, sizeof msg);
        _exit(0);
    }
    close(fds[1]);
    char buf[64] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf);
    close(fds[0]);
    waitpid(pid, &status, 0);
    printf("pipe: %zd bytes '%s', child status %d\n", n, buf, WEXITSTATUS(status));

    pid = vfork();
    if (pid == 0) _exit(7);
    waitpid(pid, &status, 0);
    printf("vfork child exited %d\n", WEXITSTATUS(status));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    pid = fork();
    if (pid == 0) _exit(3);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WEXITED);
    printf("waitid: pid matches %s, code CLD_EXITED %s, status %d, SIGCHLD handled %d\n",
           si.si_pid == pid ? "yes" : "no", si.si_code == CLD_EXITED ? "yes" : "no", si.si_status,
           (int)chld_count);

    pid = fork();
    if (pid == 0) {
        usleep(100000);
        _exit(0);
    }
    printf("WNOHANG before the child ends: %d\n", (int)waitpid(pid, &status, WNOHANG));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    printf("kill from the parent: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
    /* a signal from the parent reaches the child's handler: the child blocks it, so it waits
     * as pending until the child unblocks it after the parent's go-ahead (no race) */
    int ready[2], go[2];
    pipe(ready);
    pipe(go);
    pid = fork();
    if (pid == 0) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR1, &sa, NULL);
        sigset_t usr1, pending;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        write(ready[1], "r", 1);
        char c;
        read(go[0], &c, 1);
        sigpending(&pending);
        int was_pending = sigismember(&pending, SIGUSR1), early = usr1_seen;
        sigprocmask(SIG_UNBLOCK, &usr1, NULL);
        _exit(was_pending && !early && usr1_seen ? 11 : 12);
    }
    char c;
    read(ready[0], &c, 1);
    kill(pid, SIGUSR1);
    write(go[1], "g", 1);
    waitpid(pid, &status, 0);
    printf("SIGUSR1 from the parent: pending while blocked, handled when unblocked: %s\n",
           WIFEXITED(status) && WEXITSTATUS(status) == 11 ? "yes" : "no");
    /* sigsuspend: the child waits with SIGUSR1 unblocked; afterwards its mask is back */
    usr1_seen = 0;
    pid = fork();
    if (pid == 0) {
        sigset_t usr1, none, after;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR1, &sa, NULL);
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigemptyset(&none);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        write(ready[1], "s", 1);
        int r = sigsuspend(&none);
        int e = errno;
        sigprocmask(SIG_BLOCK, NULL, &after);
        _exit(r == -1 && e == EINTR && usr1_seen && sigismember(&after, SIGUSR1) ? 21 : 22);
    }
    read(ready[0], &c, 1);
    kill(pid, SIGUSR1);
    waitpid(pid, &status, 0);
    printf("sigsuspend: woken by the parent's SIGUSR1, mask restored: %s\n",
           WIFEXITED(status) && WEXITSTATUS(status) == 21 ? "yes" : "no");
    errno = 0;
    printf("nothing left: %d %s\n", (int)wait(&status), errno == ECHILD ? "ECHILD" : "?");
    return 5;
}
