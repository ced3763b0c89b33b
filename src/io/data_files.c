/*
 * data_files.c: opening the files a request names (data_access) under the data-root rule
 * (see io.h, mloda_io_open_data_file), and the input caps' defaults.
 *
 * Under a root a path is checked twice: lexically first (the joined, normalised path must
 * lie in the root, so a request cannot even learn whether a file outside exists), then
 * after realpath (a symbolic link or ".." inside the root must not lead out). The open
 * itself uses O_NOFOLLOW on the real path, and the opened file's own path
 * (/proc/self/fd/N, when /proc is there) is checked once more, so that swapping a
 * directory for a link between the check and the open does not help either.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

int64_t mloda_io_cap(int64_t value, int64_t def)
{
    return value > 0 ? value : value == 0 ? def : INT64_MAX;
}

/* "a/./b//../c" -> "a/c" in place: lexical only, no file system access. An absolute path
 * stays absolute (".." above "/" stays at "/"); a relative one keeps the ".." that lead
 * above its start. */
static void normalise(char *path)
{
    const bool absolute = path[0] == '/';
    const size_t start = absolute ? 1 : 0; /* path[0..start) is "/" for an absolute path */
    size_t out = start;                    /* path[0..out) is the result so far */
    size_t fixed = start;                  /* result bytes ".." cannot remove */
    size_t i = 0;
    while (path[i] != '\0') {
        while (path[i] == '/')
            i++;
        if (path[i] == '\0')
            break;
        size_t end = i;
        while (path[end] != '\0' && path[end] != '/')
            end++;
        const size_t n = end - i;
        const bool dot = n == 1 && path[i] == '.';
        const bool dotdot = n == 2 && path[i] == '.' && path[i + 1] == '.';
        if (dotdot && out > fixed) { /* drop the last component and its separator */
            while (out > fixed && path[out - 1] != '/')
                out--;
            if (out > fixed)
                out--;
        } else if (!dot && !(dotdot && absolute)) { /* writes never pass the reading */
            if (out > start)
                path[out++] = '/';
            memmove(path + out, path + i, n);
            out += n;
            if (dotdot)
                fixed = out;
        }
        i = end;
    }
    if (out == 0)
        path[out++] = '.';
    path[out] = '\0';
}

/* true when path is root or lies under it (both absolute and normalised). */
static bool inside(const char *root, const char *path)
{
    const size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return path[0] == '/';
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* root made absolute and normalised (not resolved): the spelling a request may use. */
static char *absolute_root(const char *root)
{
    char cwd[PATH_MAX];
    const bool rel = root[0] != '/';
    if (rel && getcwd(cwd, sizeof cwd) == NULL)
        return NULL;
    const size_t n = (rel ? strlen(cwd) + 1 : 0) + strlen(root) + 1;
    char *s = mloda_malloc(n);
    if (s == NULL)
        return NULL;
    (void)snprintf(s, n, "%s%s%s", rel ? cwd : "", rel ? "/" : "", root);
    normalise(s);
    return s;
}

static mloda_status io_error(const char *path, const char *what, int errnum, mloda_error *err)
{
    char why[128];
    return mloda_error_set(err, MLODA_ERR_IO, path, "cannot open %s %s: %s", what, path,
                           mloda_io_errno_text(errnum, why, sizeof why));
}

static mloda_status outside(const char *path, const char *what, const char *how,
                            mloda_error *err)
{
    return mloda_error_set(err, MLODA_ERR_IO, path,
                           "%s %s is outside the data root%s; only files under it can be "
                           "read",
                           what, path, how);
}

/* Under a root: *out_real is the real path of `path` (relative to root), checked to lie in
 * the root both as written and as resolved. */
static mloda_status resolve_under(const char *root, const char *path, const char *what,
                                  char **out_real, mloda_error *err)
{
    *out_real = NULL;
    char *abs_root = absolute_root(root);
    char *real_root = realpath(root, NULL);
    char *joined = NULL;
    mloda_status st = MLODA_OK;
    if (real_root == NULL) {
        char why[128];
        st = mloda_error_set(err, MLODA_ERR_IO, NULL, "the data root cannot be used: %s",
                             mloda_io_errno_text(errno, why, sizeof why));
    } else if (abs_root == NULL) {
        st = MLODA_NOMEM(err, "a path");
    }
    if (st == MLODA_OK) {
        const size_t n = strlen(abs_root) + strlen(path) + 2;
        joined = mloda_malloc(n);
        if (joined == NULL)
            st = MLODA_NOMEM(err, "a path");
        else
            (void)snprintf(joined, n, "%s%s%s", path[0] == '/' ? "" : abs_root,
                           path[0] == '/' ? "" : "/", path);
    }
    if (st == MLODA_OK) {
        normalise(joined);
        if (!inside(abs_root, joined) && !inside(real_root, joined))
            st = outside(path, what, "", err);
    }
    if (st == MLODA_OK) {
        *out_real = realpath(joined, NULL);
        if (*out_real == NULL)
            st = io_error(path, what, errno, err);
        else if (!inside(real_root, *out_real))
            st = outside(path, what, " (through a symbolic link)", err);
    }
    if (st != MLODA_OK) {
        free(*out_real); /* realpath's memory comes from malloc */
        *out_real = NULL;
    }
    mloda_free(abs_root);
    mloda_free(joined);
    free(real_root);
    return st;
}

/* The opened file really is where the check found it (no link swapped in since). */
static bool opened_inside(const char *root, int fd)
{
    char link[64], target[PATH_MAX];
    (void)snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return true; /* no /proc: the O_NOFOLLOW open is the last line */
    target[n] = '\0';
    char *real_root = realpath(root, NULL);
    const bool ok = real_root == NULL || inside(real_root, target);
    free(real_root);
    return ok;
}

static mloda_status not_regular(const char *path, const char *what, mode_t mode,
                                mloda_error *err)
{
    const char *kind = S_ISDIR(mode)    ? "a directory"
                       : S_ISFIFO(mode) ? "a FIFO"
                       : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
                       : S_ISSOCK(mode) ? "a socket"
                                        : "not a regular file";
    return mloda_error_set(err, MLODA_ERR_IO, path,
                           "cannot read %s %s: it is %s; only regular files are read", what,
                           path, kind);
}

mloda_status mloda_io_open_data_file(const char *root, const char *path, const char *what,
                                     int *out_fd, mloda_error *err)
{
    *out_fd = -1;
    char *real = NULL;
    if (root != NULL)
        MLODA_TRY(resolve_under(root, path, what, &real, err));
    const int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (root != NULL ? O_NOFOLLOW : 0);
    const int fd = open(real != NULL ? real : path, flags);
    const int open_errno = errno;
    free(real);
    if (fd < 0)
        return io_error(path, what, open_errno, err);
    struct stat sb;
    mloda_status st = MLODA_OK;
    if (fstat(fd, &sb) != 0)
        st = io_error(path, what, errno, err);
    else if (!S_ISREG(sb.st_mode))
        st = not_regular(path, what, sb.st_mode, err);
    else if (root != NULL && !opened_inside(root, fd))
        st = outside(path, what, " (it moved while being opened)", err);
    else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
        st = io_error(path, what, errno, err);
    if (st != MLODA_OK) {
        (void)close(fd);
        return st;
    }
    *out_fd = fd;
    return MLODA_OK;
}

mloda_status mloda_io_data_path(const char *root, const char *path, const char *what,
                                bool is_dir, char **out_path, mloda_error *err)
{
    *out_path = NULL;
    char *real = NULL;
    if (root != NULL)
        MLODA_TRY(resolve_under(root, path, what, &real, err));
    struct stat sb;
    mloda_status st = MLODA_OK;
    if (stat(real != NULL ? real : path, &sb) != 0)
        st = io_error(path, what, errno, err);
    else if (is_dir && !S_ISDIR(sb.st_mode))
        st = mloda_error_set(err, MLODA_ERR_IO, path, "cannot list %s %s: not a directory",
                             what, path);
    else if (!is_dir && !S_ISREG(sb.st_mode))
        st = not_regular(path, what, sb.st_mode, err);
    if (st == MLODA_OK) {
        *out_path = mloda_strdup(real != NULL ? real : path);
        if (*out_path == NULL)
            st = MLODA_NOMEM(err, "a path");
    }
    free(real);
    return st;
}
