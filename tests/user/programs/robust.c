/* A robust mutex whose owner thread exits while holding it: the next locker gets EOWNERDEAD
 * (the kernel's walk of the robust list at thread exit), makes it consistent and goes on. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t m;

static void *die_holding(void *arg) {
    pthread_mutex_lock(&m);
    return NULL;
}

int main(void) {
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
    int r = pthread_mutex_init(&m, &at);
    printf("init: %s\n", r ? strerror(r) : "ok");
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    r = pthread_mutex_lock(&m);
    printf("lock after the owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    if (r == EOWNERDEAD) pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    r = pthread_mutex_lock(&m);
    printf("lock again: %s\n", r ? strerror(r) : "ok");
    return 0;
}
