/* pthreads on socemu-user: a mutex-protected counter shared by 4 threads (the exact total), a
 * condition variable hand-off, pthread_join return values, thread-local storage, per-thread
 * thread ids, a timed wait that times out, a signal sent to one thread (pthread_kill), and
 * barriers. Output is deterministic on any correct kernel. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS  100000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long mine;
static pid_t tids[THREADS];

static void *count(void *arg) {
    long id = (long)arg;
    tids[id] = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        mine++;
    }
    return (void *)(mine * 10 + id);
}

/* lock-free: exclusive load/store loops (no LSE on the A53) preempted at any instruction must
 * still lose no update; a test-and-set spinlock guards a plain counter */
static long atomic_counter, spin_counter;
static int spin;
static void *atomics(void *arg) {
    for (int i = 0; i < ROUNDS; i++) {
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_RELAXED);
        while (__atomic_exchange_n(&spin, 1, __ATOMIC_ACQUIRE))
            ;
        spin_counter++;
        __atomic_store_n(&spin, 0, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* condvar: a producer hands 50 numbers to a consumer one at a time */
static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_full = PTHREAD_COND_INITIALIZER, cv_empty = PTHREAD_COND_INITIALIZER;
static int slot, has_item;

static void *producer(void *arg) {
    for (int i = 1; i <= 50; i++) {
        pthread_mutex_lock(&cv_lock);
        while (has_item)
            pthread_cond_wait(&cv_empty, &cv_lock);
        slot = i;
        has_item = 1;
        pthread_cond_signal(&cv_full);
        pthread_mutex_unlock(&cv_lock);
    }
    return NULL;
}

static void *consumer(void *arg) {
    long sum = 0;
    for (int i = 1; i <= 50; i++) {
        pthread_mutex_lock(&cv_lock);
        while (!has_item)
            pthread_cond_wait(&cv_full, &cv_lock);
        sum += slot * i;
        has_item = 0;
        pthread_cond_signal(&cv_empty);
        pthread_mutex_unlock(&cv_lock);
    }
    return (void *)sum;
}

static volatile sig_atomic_t usr1_tid;
static void on_usr1(int sig) {
    usr1_tid = (sig_atomic_t)syscall(SYS_gettid);
}
static volatile int target_ready, target_done;
static pid_t target_tid;
static void *signal_target(void *arg) {
    target_tid = (pid_t)syscall(SYS_gettid);
    __atomic_store_n(&target_ready, 1, __ATOMIC_SEQ_CST);
    while (!usr1_tid)
        sched_yield();
    __atomic_store_n(&target_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* a signal for a thread blocked in pthread_cond_wait: the handler runs on that thread, and the
 * wait goes on afterwards (the futex wait returns EINTR and glibc waits again) */
static volatile sig_atomic_t usr2_tid;
static void on_usr2(int sig) {
    usr2_tid = (sig_atomic_t)syscall(SYS_gettid);
}
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int go_flag, waiter_in;
static pid_t waiter_tid;
static void *waiter(void *arg) {
    waiter_tid = (pid_t)syscall(SYS_gettid);
    pthread_mutex_lock(&cv_lock);
    waiter_in = 1;
    while (!go_flag)
        pthread_cond_wait(&go, &cv_lock);
    pthread_mutex_unlock(&cv_lock);
    return (void *)(long)(usr2_tid == waiter_tid);
}

/* a busy wait made of syscalls must not keep the other thread off the core */
static volatile int busy_flag;
static void *set_busy_flag(void *arg) {
    busy_flag = 1;
    return NULL;
}

static pthread_barrier_t barrier;
static int arrivals[3];
static void *barrier_worker(void *arg) {
    long id = (long)arg;
    for (int round = 0; round < 3; round++) {
        __atomic_fetch_add(&arrivals[round], 1, __ATOMIC_SEQ_CST);
        pthread_barrier_wait(&barrier);
        if (__atomic_load_n(&arrivals[round], __ATOMIC_SEQ_CST) != 3)
            printf("barrier %d: thread %ld passed early\n", round, id);
    }
    return NULL;
}

int main(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, count, (void *)i) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    long results = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        results += (long)r;
    }
    printf("counter %ld (expected %d), join results %ld, main's tls %ld\n", counter,
           THREADS * ROUNDS, results, mine);
    int distinct = 1;
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < THREADS; j++)
            if ((i != j && tids[i] == tids[j]) || tids[i] == getpid() || tids[i] <= 0) distinct = 0;
    printf("thread ids distinct and not the pid: %s; main's tid is the pid: %s\n",
           distinct ? "yes" : "no", syscall(SYS_gettid) == getpid() ? "yes" : "no");

    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, atomics, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("atomic counter %ld, spinlock counter %ld (expected %d each)\n", atomic_counter,
           spin_counter, THREADS * ROUNDS);

    pthread_t prod, cons;
    pthread_create(&cons, NULL, consumer, NULL);
    pthread_create(&prod, NULL, producer, NULL);
    void *sum;
    pthread_join(prod, NULL);
    pthread_join(cons, &sum);
    printf("condvar hand-off sum %ld (expected 42925)\n", (long)sum);

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 20 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) deadline.tv_sec++, deadline.tv_nsec -= 1000000000;
    pthread_mutex_lock(&cv_lock);
    int r = pthread_cond_timedwait(&cv_full, &cv_lock, &deadline);
    pthread_mutex_unlock(&cv_lock);
    printf("timed wait: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
    pthread_mutex_lock(&lock);
    r = pthread_mutex_timedlock(&lock, &deadline);
    printf("timedlock on a held mutex: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
    pthread_mutex_unlock(&lock);

    signal(SIGUSR1, on_usr1);
    pthread_t tgt;
    pthread_create(&tgt, NULL, signal_target, NULL);
    while (!__atomic_load_n(&target_ready, __ATOMIC_SEQ_CST))
        sched_yield();
    pthread_kill(tgt, SIGUSR1);
    pthread_join(tgt, NULL);
    printf("SIGUSR1 handled by the thread it was sent to: %s\n",
           usr1_tid == target_tid && target_done ? "yes" : "no");

    signal(SIGUSR2, on_usr2);
    pthread_t wt;
    pthread_create(&wt, NULL, waiter, NULL);
    for (;;) { /* until the waiter sits in pthread_cond_wait (it released the mutex) */
        pthread_mutex_lock(&cv_lock);
        int in = waiter_in;
        pthread_mutex_unlock(&cv_lock);
        if (in) break;
        sched_yield();
    }
    pthread_kill(wt, SIGUSR2);
    while (!usr2_tid)
        sched_yield();
    pthread_mutex_lock(&cv_lock);
    go_flag = 1;
    pthread_cond_broadcast(&go);
    pthread_mutex_unlock(&cv_lock);
    void *handled;
    pthread_join(wt, &handled);
    printf("SIGUSR2 ran on the thread blocked in cond_wait, which then went on: %s\n",
           handled ? "yes" : "no");

    pthread_t setter;
    pthread_create(&setter, NULL, set_busy_flag, NULL);
    while (!busy_flag) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
    }
    pthread_join(setter, NULL);
    printf("busy wait on syscalls saw the other thread's store\n");

    pthread_barrier_init(&barrier, NULL, 3);
    pthread_t b[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&b[i], NULL, barrier_worker, (void *)i);
    for (int i = 0; i < 3; i++)
        pthread_join(b[i], NULL);
    printf("barrier rounds %d %d %d\n", arrivals[0], arrivals[1], arrivals[2]);
    return 0;
}
