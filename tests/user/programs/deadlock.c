/* Two threads that wait for each other forever (main holds the mutex and joins the thread that
 * wants it). Linux would hang; socemu-user says so and exits 4 (tests/user: user.deadlock). */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *want(void *arg) {
    pthread_mutex_lock(&m);
    return NULL;
}

int main(void) {
    pthread_t t;
    pthread_mutex_lock(&m);
    pthread_create(&t, NULL, want, NULL);
    printf("waiting forever\n");
    fflush(stdout);
    pthread_join(t, NULL);
    return 0;
}
