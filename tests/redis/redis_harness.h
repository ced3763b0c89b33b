/*
 * redis_harness.h: what the Redis tests and bench/bench_redis.c share: a real redis-server
 * (Debian's, from PATH) on a free loopback port with its data in a temporary directory,
 * started and stopped by the program, and the real `mloda` executable of this build run as
 * child processes. Every child gets PR_SET_PDEATHSIG, and an atexit handler (also run on
 * SIGINT/SIGTERM/SIGHUP) kills what is left and removes the temporary directories, so that a
 * failing or killed test leaves no server behind.
 */
#ifndef MLODA_TEST_REDIS_HARNESS_H
#define MLODA_TEST_REDIS_HARNESS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double rh_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rh_sleep(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---------------------------------------------------------------- cleanup */

enum { RH_MAX_PIDS = 64, RH_MAX_DIRS = 8 };
static pid_t rh_pids[RH_MAX_PIDS];
static char rh_dirs[RH_MAX_DIRS][PATH_MAX];

static void rh_cleanup(void)
{
    for (int i = 0; i < RH_MAX_PIDS; i++)
        if (rh_pids[i] > 0) {
            kill(rh_pids[i], SIGKILL);
            (void)waitpid(rh_pids[i], NULL, 0);
            rh_pids[i] = 0;
        }
    for (int i = 0; i < RH_MAX_DIRS; i++)
        if (rh_dirs[i][0] != '\0') {
            char cmd[PATH_MAX + 16];
            (void)snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", PATH_MAX - 1, rh_dirs[i]);
            (void)!system(cmd);
            rh_dirs[i][0] = '\0';
        }
}

static void rh_on_signal(int sig)
{
    rh_cleanup();
    _exit(128 + sig);
}

static void rh_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    atexit(rh_cleanup);
    signal(SIGINT, rh_on_signal);
    signal(SIGTERM, rh_on_signal);
    signal(SIGHUP, rh_on_signal);
    signal(SIGPIPE, SIG_IGN);
}

static void rh_forget_pid(pid_t pid)
{
    for (int i = 0; i < RH_MAX_PIDS; i++)
        if (rh_pids[i] == pid)
            rh_pids[i] = 0;
}

/* A new temporary directory, removed at exit. */
static const char *rh_tmpdir(const char *tag)
{
    rh_init();
    for (int i = 0; i < RH_MAX_DIRS; i++)
        if (rh_dirs[i][0] == '\0') {
            (void)snprintf(rh_dirs[i], PATH_MAX, "/tmp/mloda_%s.XXXXXX", tag);
            if (mkdtemp(rh_dirs[i]) == NULL) {
                rh_dirs[i][0] = '\0';
                return NULL;
            }
            return rh_dirs[i];
        }
    return NULL;
}

static void rh_path(char *out, const char *dir, const char *name)
{
    const size_t n = strlen(dir), m = strlen(name);
    if (n + m + 2 > PATH_MAX) {
        out[0] = '\0';
        return;
    }
    memcpy(out, dir, n);
    out[n] = '/';
    memcpy(out + n + 1, name, m + 1);
}

/* The build directory: this program is BUILD/tests/x or BUILD/bench/x. */
static const char *rh_build_dir(void)
{
    static char dir[PATH_MAX];
    if (dir[0] != '\0')
        return dir;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n <= 0)
        return ".";
    dir[n] = '\0';
    for (int k = 0; k < 2; k++) {
        char *slash = strrchr(dir, '/');
        if (slash != NULL)
            *slash = '\0';
    }
    return dir;
}

/* The mloda executable: $MLODA_BIN, else BUILD/mloda. */
static const char *rh_mloda(void)
{
    static char exe[PATH_MAX];
    const char *env = getenv("MLODA_BIN");
    if (env != NULL && env[0] != '\0')
        return env;
    (void)snprintf(exe, sizeof exe, "%.*s/mloda", PATH_MAX - 8, rh_build_dir());
    return exe;
}

/* ---------------------------------------------------------------- child processes */

/* Runs argv (argv[0] looked up in PATH) with stdin from /dev/null and stdout, stderr to the
 * files named (NULL: /dev/null; the same path twice: both into one file). */
static pid_t rh_spawn(const char *const *argv, const char *out_path, const char *err_path)
{
    rh_init();
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        if (getppid() != parent)
            _exit(127);
        const int null_fd = open("/dev/null", O_RDWR);
        const int out = out_path != NULL ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null_fd;
        int errfd = out;
        if (err_path == NULL)
            errfd = null_fd;
        else if (out_path == NULL || strcmp(err_path, out_path) != 0)
            errfd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(null_fd, 0);
        dup2(out, 1);
        dup2(errfd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; pid > 0 && i < RH_MAX_PIDS; i++)
        if (rh_pids[i] == 0) {
            rh_pids[i] = pid;
            break;
        }
    return pid;
}

/* Waits up to timeout seconds: the exit code, 128 + a signal that ended it, or -1 when it
 * had to be killed (it is killed then). */
static int rh_wait(pid_t pid, double timeout)
{
    const double until = rh_now() + timeout;
    int status = 0;
    pid_t r = 0;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 && rh_now() < until)
        rh_sleep(0.01);
    if (r != pid) {
        kill(pid, SIGKILL);
        (void)waitpid(pid, NULL, 0);
        rh_forget_pid(pid);
        return -1;
    }
    rh_forget_pid(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The whole of a file (malloc'd, NUL-terminated; "" when missing). */
static char *rh_read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return strdup("");
    fseek(fp, 0, SEEK_END);
    const long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)(n > 0 ? n : 0) + 1);
    const size_t got = buf != NULL && n > 0 ? fread(buf, 1, (size_t)n, fp) : 0;
    if (buf != NULL)
        buf[got] = '\0';
    fclose(fp);
    return buf;
}

/* ---------------------------------------------------------------- the server */

typedef struct rh_server {
    pid_t pid;
    int port;
    char dir[PATH_MAX];   /* its working directory: data files and log */
    char password[64];    /* requirepass; empty: none */
    bool persist;         /* appendonly yes, appendfsync always */
} rh_server;

/* A port nothing listens on now (the kernel's pick). */
static int rh_free_port(void)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static redisContext *rh_connect(const rh_server *s)
{
    const struct timeval tv = {5, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
    if (c == NULL || c->err != 0) {
        if (c != NULL)
            redisFree(c);
        return NULL;
    }
    if (s->password[0] != '\0') {
        redisReply *r = redisCommand(c, "AUTH %s", s->password);
        const bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;
        if (r != NULL)
            freeReplyObject(r);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

/* Starts redis-server on s->port (0: a free one) in s->dir; waits until it answers PING
 * (and has loaded its data). false when it does not start (its log is printed). */
static bool rh_server_start(rh_server *s)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        const int port = s->port > 0 ? s->port : rh_free_port();
        char port_text[16], log[PATH_MAX];
        (void)snprintf(port_text, sizeof port_text, "%d", port);
        rh_path(log, s->dir, "redis.log");
        const char *argv[32] = {"redis-server", "--port", port_text, "--bind", "127.0.0.1",
                                "--dir", s->dir, "--save", "", "--daemonize", "no",
                                "--logfile", log, "--appendonly", s->persist ? "yes" : "no",
                                "--appendfsync", "always", "--protected-mode", "no"};
        int n = 19;
        if (s->password[0] != '\0') {
            argv[n++] = "--requirepass";
            argv[n++] = s->password;
        }
        argv[n] = NULL;
        s->pid = rh_spawn(argv, NULL, NULL);
        s->port = port;
        const double until = rh_now() + 20;
        while (rh_now() < until) {
            redisContext *c = rh_connect(s);
            redisReply *r = c != NULL ? redisCommand(c, "PING") : NULL;
            const bool up = r != NULL && r->type == REDIS_REPLY_STATUS;
            if (r != NULL)
                freeReplyObject(r);
            if (c != NULL)
                redisFree(c);
            if (up)
                return true;
            int status = 0;
            if (waitpid(s->pid, &status, WNOHANG) == s->pid) { /* the port was taken? */
                rh_forget_pid(s->pid);
                s->pid = 0;
                break;
            }
            rh_sleep(0.02);
        }
        if (s->pid > 0) {
            (void)rh_wait(s->pid, 0);
            s->pid = 0;
        }
        char *text = rh_read_file(log);
        fprintf(stderr, "  redis-server did not start on port %d:\n%s\n", port, text);
        free(text);
        if (attempt > 0 || s->port == 0)
            s->port = 0;
    }
    return false;
}

/* Stops the server with sig (SIGTERM: it saves and exits; SIGKILL: at once). */
static void rh_server_stop(rh_server *s, int sig)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, sig);
    if (rh_wait(s->pid, 20) < 0)
        fprintf(stderr, "  redis-server had to be killed\n");
    s->pid = 0;
}

/* "redis://127.0.0.1:PORT/KEY" (with the password when the server has one). */
static void rh_url(char *out, size_t cap, const rh_server *s, const char *key)
{
    if (s->password[0] != '\0')
        (void)snprintf(out, cap, "redis://:%s@127.0.0.1:%d/%s", s->password, s->port, key);
    else
        (void)snprintf(out, cap, "redis://127.0.0.1:%d/%s", s->port, key);
}

static long long rh_int_command(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    const long long v = r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r != NULL)
        freeReplyObject(r);
    return v;
}

#endif /* MLODA_TEST_REDIS_HARNESS_H */
