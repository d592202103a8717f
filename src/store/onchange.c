/* onchange.c — runs the --on-change hook with posix_spawn (see onchange.h). */
#include "store/onchange.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define KILL_GRACE_MS 1000

static bool secret_var(const char *entry, const tp_config *cfg)
{
    const char *eq = strchr(entry, '=');
    if (!eq)
        return true;
    size_t nlen = (size_t)(eq - entry);
    if (nlen == strlen("TLSPATH_PROXY_PASSWORD") && !strncmp(entry, "TLSPATH_PROXY_PASSWORD", nlen))
        return true;
    /* password_env names are not kept in the model: a variable carrying a configured
     * password's value is the secret, whatever its name */
    for (size_t i = 0; cfg && i < cfg->n_paths; i++)
        if (cfg->paths[i].password && *cfg->paths[i].password && !strcmp(eq + 1, cfg->paths[i].password))
            return true;
    return false;
}

char **tp_hook_env(const tp_config *cfg)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (secret_var(environ[i], cfg))
            continue;
        if (!(env[k] = strdup(environ[i]))) {
            tp_hook_env_free(env);
            return NULL;
        }
        k++;
    }
    return env;
}

void tp_hook_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static pid_t spawn(const char *cmd, int in_fd, int other_fd, char **env, int *spawn_errno)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dflt;
    pid_t pid = -1;
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};

    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    sigemptyset(&none);
    sigemptyset(&dflt);
    /* tlspath ignores SIGPIPE; ignored signals survive exec, and a hook deserves defaults */
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    posix_spawn_file_actions_addclose(&fa, in_fd);
    posix_spawn_file_actions_addclose(&fa, other_fd);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    posix_spawnattr_setpgroup(&at, 0);   /* its own group: a timeout kills what it started */
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dflt);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    *spawn_errno = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return *spawn_errno ? -1 : pid;
}

/* Feeds the input without ever blocking past the deadline: a hook that does not read
 * stdin must not hang tlspath. */
static void feed(int fd, const char *input, size_t len, int64_t deadline)
{
    size_t off = 0;
    while (off < len && mono_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int64_t left = deadline - mono_ms();
        int r = poll(&p, 1, left > 100 ? 100 : (int)(left > 0 ? left : 0));
        if (r < 0 && errno != EINTR)
            return;
        if (r > 0) {
            if (p.revents & (POLLERR | POLLHUP))
                return;
            ssize_t w = write(fd, input + off, len - off);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                return;   /* EPIPE: the hook closed stdin; it may still succeed */
            if (w > 0)
                off += (size_t)w;
        }
    }
}

int tp_hook_run(const char *cmd, const char *input, size_t len, int timeout_ms, const tp_config *cfg,
                char *err, size_t errlen)
{
    int fds[2];
    if (pipe(fds) != 0)
        return fail(err, errlen, "could not be started: pipe: %s", strerror(errno));
    /* close-on-exec: no other child (nor the hook's own children) may hold the write end;
     * and above 2, in case tlspath was started with stdin/stdout/stderr closed */
    for (int i = 0; i < 2; i++) {
        int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        if (fd >= 0) {
            close(fds[i]);
            fds[i] = fd;
        } else {
            fcntl(fds[i], F_SETFD, FD_CLOEXEC);
        }
    }
    char **env = tp_hook_env(cfg);
    if (!env) {
        close(fds[0]);
        close(fds[1]);
        return fail(err, errlen, "could not be started: out of memory");
    }
    int serr = 0;
    pid_t pid = spawn(cmd, fds[0], fds[1], env, &serr);
    tp_hook_env_free(env);
    close(fds[0]);
    if (pid < 0) {
        close(fds[1]);
        return fail(err, errlen, "could not be started: /bin/sh: %s", strerror(serr));
    }
    int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : TP_HOOK_TIMEOUT_MS);
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    feed(fds[1], input, len, deadline);
    close(fds[1]);   /* EOF for the hook */

    int status = 0;
    bool timed_out = false;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return fail(err, errlen, "lost track of the hook: %s", strerror(errno));
        if (!timed_out && mono_ms() >= deadline) {
            timed_out = true;
            kill(-pid, SIGTERM);
            deadline = mono_ms() + KILL_GRACE_MS;
        } else if (timed_out && mono_ms() >= deadline) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        sleep_ms(10);
    }
    if (timed_out) {
        kill(-pid, SIGKILL);   /* whatever it started in its group goes with it */
        int t = timeout_ms > 0 ? timeout_ms : TP_HOOK_TIMEOUT_MS;
        return t % 1000 ? fail(err, errlen, "timed out after %d ms and was killed", t)
                        : fail(err, errlen, "timed out after %d s and was killed", t / 1000);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        return fail(err, errlen, "exited with status %d", WEXITSTATUS(status));
    return fail(err, errlen, "was killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
