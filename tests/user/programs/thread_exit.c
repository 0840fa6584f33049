/* exit versus exit_group: the main thread leaving with pthread_exit does not end the process;
 * a worker's exit(7) ends it with status 7 while another thread is still blocked; the sleeping
 * thread never prints. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleeper(void *arg) {
    sleep(30);
    printf("sleeper woke: wrong\n");
    return NULL;
}

static void *worker(void *arg) {
    usleep(20000);
    printf("worker runs after main's pthread_exit\n");
    fflush(stdout);
    exit(7);
}

int main(void) {
    pthread_t s, w;
    pthread_create(&s, NULL, sleeper, NULL);
    pthread_create(&w, NULL, worker, NULL);
    printf("main leaves\n");
    fflush(stdout);
    pthread_exit(NULL);
}
