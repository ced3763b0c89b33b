/*
 * signals.c: what the command does on SIGINT, SIGTERM and SIGHUP while it writes results
 * (README, "Limits and safety"): the first signal only sets a flag, so the batch being
 * computed is finished and written whole, a directory source records it, and the command
 * exits with 128 + the signal's number (130, 143, 129). A second signal ends the process
 * at once. Handlers are installed without SA_RESTART: a read that waits for input (stdin,
 * a pipe, a watched directory) returns EINTR and the source asks cli_stop_requested;
 * output is written with write(2) in a loop that resumes after EINTR, so a line is never
 * cut.
 *
 * A signal the command was started with ignored (nohup, a background job of a script) stays
 * ignored.
 *
 * The flag is the one mutable global of the command: a signal handler can reach nothing
 * else (STYLE.md §7 keeps globals out of the library, which has none).
 */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    if (caught_signal != 0)
        _exit(128 + sig); /* the second signal: at once (async-signal-safe) */
    caught_signal = sig;
}

void cli_signals_install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    (void)sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: waits for input return EINTR */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        (void)sigaction(sigs[i], &sa, NULL);
    }
}

int cli_signal_caught(void)
{
    return caught_signal;
}

bool cli_stop_requested(void *ctx)
{
    (void)ctx;
    return caught_signal != 0;
}

int cli_signal_exit_code(void)
{
    return caught_signal != 0 ? 128 + caught_signal : CLI_EXIT_OK;
}

bool cli_writev_all(int fd, struct iovec *iov, int64_t n)
{
    enum { MAX_PIECES = 1024 }; /* Linux's IOV_MAX */
    for (;;) {
        while (n > 0 && iov->iov_len == 0) { /* nothing to write for empty pieces */
            iov++;
            n--;
        }
        if (n == 0)
            return true;
        const ssize_t w = writev(fd, iov, n < MAX_PIECES ? (int)n : MAX_PIECES);
        if (w < 0 && errno == EINTR)
            continue; /* a signal: what was begun is finished first */
        if (w <= 0)
            return false;
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) { /* the pieces written whole */
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) { /* and the one written in part */
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
}

bool cli_write_all(int fd, const char *data, size_t len)
{
    struct iovec one = {(void *)(uintptr_t)data, len};
    return cli_writev_all(fd, &one, 1);
}
