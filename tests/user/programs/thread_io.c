/* Threads that block in the kernel while others run: two threads ping-pong a counter through
 * two pipes; a thread waits in waitpid for a child that only ends when the main thread (still
 * running) tells it to through a pipe; a reader blocked on a pipe is interrupted by a signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int ping[2], pong[2];

static void *ponger(void *arg) {
    for (;;) {
        int v;
        if (read(ping[0], &v, sizeof v) != sizeof v || v < 0) break;
        v++;
        write(pong[1], &v, sizeof v);
    }
    return NULL;
}

static pid_t child;
static void *waiter(void *arg) {
    int status = 0;
    pid_t r = waitpid(child, &status, 0);
    return (void *)(long)(r == child && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) {
    got_usr1 = 1;
}
static int never[2];
static volatile int reader_in;
static void *blocked_reader(void *arg) {
    char c;
    struct iovec iov = {&c, 1};
    reader_in = 1;
    ssize_t r = readv(never[0], &iov, 1);
    return (void *)(long)(r < 0 && errno == EINTR && got_usr1);
}

int main(void) {
    pipe(ping);
    pipe(pong);
    pthread_t t;
    pthread_create(&t, NULL, ponger, NULL);
    int v = 0;
    for (int i = 0; i < 100; i++) {
        write(ping[1], &v, sizeof v);
        read(pong[0], &v, sizeof v);
        v++;
    }
    int stop = -1;
    write(ping[1], &stop, sizeof stop);
    pthread_join(t, NULL);
    printf("ping-pong through pipes: %d (expected 200)\n", v);

    int release[2];
    pipe(release);
    child = fork();
    if (child == 0) {
        char c;
        read(release[0], &c, 1);
        _exit(17);
    }
    pthread_t w;
    pthread_create(&w, NULL, waiter, NULL);
    long sum = 0;
    for (int i = 0; i < 1000000; i++) /* the main thread runs on while the waiter waits */
        sum += i % 7;
    write(release[1], "x", 1);
    void *st;
    pthread_join(w, &st);
    printf("waitpid in a thread while main computed %ld: child status %ld\n", sum, (long)st);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART: the read fails with EINTR */
    sigaction(SIGUSR1, &sa, NULL);
    pipe(never);
    pthread_t r;
    pthread_create(&r, NULL, blocked_reader, NULL);
    while (!reader_in)
        sched_yield();
    usleep(20000); /* let it block in readv */
    pthread_kill(r, SIGUSR1);
    void *interrupted;
    pthread_join(r, &interrupted);
    printf("readv on an empty pipe interrupted by a signal: %s\n", interrupted ? "yes" : "no");
    return 0;
}
