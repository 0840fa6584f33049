/* execve: a forked child execs another static program and its exit status comes back; a failed
 * execve returns ENOENT/EACCES/ENOEXEC to the caller and the program goes on; posix_spawn (a
 * vfork-style clone3 on a separate stack); finally the
 * process execs itself away (the new program's exit status is the process's).
 * argv[1]: the path of exec_child. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) return 2;
    const char *child = argv[1];
    pid_t pid = fork();
    if (pid == 0) {
        char *args[] = {"exec_child", "from-fork", "two words", NULL};
        char *env[] = {"EXEC_TEST=forked", NULL};
        execve(child, args, env);
        printf("execve failed: %s\n", strerror(errno));
        _exit(126);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("parent: child exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));

    char *none[] = {"none", NULL};
    errno = 0;
    execve("/nonexistent/program", none, environ);
    printf("missing program: %s\n", strerror(errno));
    errno = 0;
    execve("/", none, environ);
    printf("a directory: %s\n", strerror(errno));
    errno = 0;
    execve("/proc/self/status", none, environ); /* not an executable format */
    printf("a text file: %s\n", errno == EACCES || errno == ENOEXEC ? "refused" : strerror(errno));

    /* posix_spawn: glibc's clone3(CLONE_VM | CLONE_VFORK) on a stack of its own, then execve */
    char *spawn_args[] = {"exec_child", "spawned", NULL};
    char *spawn_env[] = {"EXEC_TEST=spawned", NULL};
    int r = posix_spawn(&pid, child, NULL, NULL, spawn_args, spawn_env);
    if (r == 0) waitpid(pid, &status, 0);
    printf("posix_spawn: %d, child status %d\n", r, r == 0 ? WEXITSTATUS(status) : -1);

    printf("pid before exec %s\n", "noted");
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
    char *args[] = {"exec_child", "in-place", pidbuf, NULL};
    setenv("EXEC_TEST", "in-place", 1);
    execv(child, args);
    printf("execv failed: %s\n", strerror(errno));
    return 1;
}
