/*
 * dir_source.c: batches from a directory of *.json / *.ndjson files (with opts.arrow:
 * *.arrows / *.arrow Arrow IPC files, arrow_source.c), in name order
 * (byte order, locale-independent). Each file is read by a JSON source (a .json file is
 * one batch, an .ndjson file one batch per line); batch numbers run on across files.
 *
 * Watching (inotify): after the files present at the start, the source waits for files
 * closed after writing or moved into the directory, and reads them in name order per
 * wake-up. A processed-files record (one name per line, appended when a file's last
 * batch is done) lets a restarted process skip what it already did; it is used with
 * watch or when a record path is given. Hidden files (".name") are never batches.
 *
 * Nothing is lost silently: when the kernel's event queue overflows (IN_Q_OVERFLOW: more
 * files at once than it holds) the directory is listed again, with a warning; a file that
 * is gone before it is opened is skipped with a warning; a watched directory that is
 * deleted or moved away ends the source with MLODA_ERR_IO. The record must be a regular
 * file (or not exist yet), so that /dev/full or a FIFO cannot spin or block.
 */
#include "io/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

typedef struct dir_source {
    io_source base;
    char *path; /* owned */
    const io_schema *schema;
    io_source_options opts;
    char **queue; /* owned names waiting, sorted */
    int64_t n_queue;
    int64_t cap_queue;
    int64_t next_file;
    io_source *cur;  /* owned: the file being read */
    char *cur_name;  /* owned */
    int64_t n_batches;
    mloda_strmap known;  /* names processed (from the record) or queued */
    char *record_path;   /* owned; NULL = no record */
    char *finished;      /* owned: a file whose batches were all returned */
    int inotify_fd;
} dir_source;

static bool has_suffix(const char *name, const char *suffix)
{
    const size_t ln = strlen(name), ls = strlen(suffix);
    return ln > ls && strcmp(name + ln - ls, suffix) == 0;
}

static bool is_batch_name(const dir_source *s, const char *name)
{
    if (s->opts.arrow) /* Arrow IPC streams (--batches-format arrow) */
        return name[0] != '.' && (has_suffix(name, ".arrows") || has_suffix(name, ".arrow"));
    return name[0] != '.' && (has_suffix(name, ".json") || has_suffix(name, ".ndjson"));
}

/* "skipping DIR/NAME: why", or "DIR: why" without a name. */
static void warn(const dir_source *s, const char *name, const char *why)
{
    if (s->opts.warn == NULL)
        return;
    char msg[600];
    if (name != NULL)
        (void)snprintf(msg, sizeof msg, "skipping %s/%s: %s", s->path, name, why);
    else
        (void)snprintf(msg, sizeof msg, "%s: %s", s->path, why);
    s->opts.warn(s->opts.warn_ctx, msg);
}

static void warn_skipped(const dir_source *s, const char *name)
{
    warn(s, name, s->opts.arrow ? "not an .arrows or .arrow file" : "not a .json or .ndjson file");
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* known: 1 = processed or queued; 0 = gone before it was read (may come back) */
static mloda_status enqueue(dir_source *s, const char *name, mloda_error *err)
{
    int64_t seen = 0;
    if (mloda_strmap_get(&s->known, name, &seen) && seen != 0)
        return MLODA_OK;
    if (s->n_queue == s->cap_queue) {
        const int64_t cap = s->cap_queue == 0 ? 16 : s->cap_queue * 2;
        char **q = mloda_realloc(s->queue, (size_t)cap * sizeof *q);
        if (q == NULL)
            return MLODA_NOMEM(err, "a file list");
        s->queue = q;
        s->cap_queue = cap;
    }
    char *copy = mloda_strdup(name);
    if (copy == NULL)
        return MLODA_NOMEM(err, "a file name");
    s->queue[s->n_queue++] = copy;
    return mloda_strmap_put(&s->known, name, 1, err);
}

/* Sorts the names not yet taken from the queue (qsort's array must not be NULL, even
 * for zero names: an empty directory has no queue yet). */
static void sort_pending(dir_source *s)
{
    if (s->n_queue - s->next_file > 1)
        qsort(s->queue + s->next_file, (size_t)(s->n_queue - s->next_file), sizeof *s->queue,
              compare_names);
}

static bool is_regular(const dir_source *s, const char *name)
{
    char full[4096];
    struct stat st;
    (void)snprintf(full, sizeof full, "%s/%s", s->path, name);
    return stat(full, &st) == 0 && S_ISREG(st.st_mode);
}

/* A name seen in the directory: queued when it is a batch file, noted otherwise. */
static mloda_status consider(dir_source *s, const char *name, mloda_error *err)
{
    if (name[0] == '.' || !is_regular(s, name))
        return MLODA_OK;
    if (!is_batch_name(s, name)) {
        warn_skipped(s, name);
        return MLODA_OK;
    }
    return enqueue(s, name, err);
}

static mloda_status scan(dir_source *s, mloda_error *err)
{
    DIR *d = opendir(s->path);
    if (d == NULL) {
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, s->path, "cannot list directory %s: %s",
                               s->path, mloda_io_errno_text(errno, why, sizeof why));
    }
    mloda_status st = MLODA_OK;
    for (struct dirent *e = readdir(d); e != NULL && st == MLODA_OK; e = readdir(d))
        st = consider(s, e->d_name, err);
    (void)closedir(d);
    sort_pending(s);
    return st;
}

static mloda_status record_error(const dir_source *s, const char *what, int errnum,
                                mloda_error *err)
{
    char why[128];
    return mloda_error_set(err, MLODA_ERR_IO, s->record_path,
                           "cannot %s the processed-files record %s: %s", what, s->record_path,
                           mloda_io_errno_text(errnum, why, sizeof why));
}

/* Loads the names already processed by an earlier run. The record must be a regular file
 * (/dev/full would read zeros for ever, a FIFO would block). */
static mloda_status load_record(dir_source *s, mloda_error *err)
{
    const int fd = open(s->record_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? MLODA_OK : record_error(s, "read", errno, err); /* none yet */
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        (void)close(fd);
        return mloda_error_set(err, MLODA_ERR_IO, s->record_path,
                               "the processed-files record %s is not a regular file",
                               s->record_path);
    }
    FILE *f = fdopen(fd, "r");
    if (f == NULL) {
        const int e = errno;
        (void)close(fd);
        return record_error(s, "read", e, err);
    }
    char line[4096];
    mloda_status st = MLODA_OK;
    while (st == MLODA_OK && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0')
            st = mloda_strmap_put(&s->known, line, 1, err);
    }
    (void)fclose(f);
    return st;
}

/* Appends a finished file to the record (one write, so lines never interleave). */
static mloda_status record_finished(dir_source *s, mloda_error *err)
{
    if (s->finished == NULL)
        return MLODA_OK;
    mloda_status st = MLODA_OK;
    if (s->record_path != NULL) {
        const int fd =
            open(s->record_path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
        char line[4096];
        const int n = snprintf(line, sizeof line, "%s\n", s->finished);
        if (fd < 0 || n < 0 || write(fd, line, (size_t)n) != (ssize_t)n)
            st = record_error(s, "write", errno, err);
        if (fd >= 0)
            (void)close(fd);
    }
    mloda_free(s->finished);
    s->finished = NULL;
    return st;
}

/* Opens the next queued file; a file gone since it was listed is skipped with a warning
 * (s->cur stays NULL). */
static mloda_status open_next_file(dir_source *s, mloda_error *err)
{
    const char *name = s->queue[s->next_file++];
    char full[4096];
    (void)snprintf(full, sizeof full, "%s/%s", s->path, name);
    /* O_NONBLOCK: a FIFO renamed in since the listing cannot block the open */
    int fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        warn(s, name, "it was removed before it could be read");
        return mloda_strmap_put(&s->known, name, 0, err); /* a new file of that name counts */
    }
    struct stat sb;
    if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
                    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)) {
        (void)close(fd);
        fd = -1;
        errno = EINVAL;
    }
    if (fd < 0) {
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, full, "cannot open %s: %s", full,
                               errno == EINVAL ? "not a regular file any more"
                                               : mloda_io_errno_text(errno, why, sizeof why));
    }
    mloda_status st =
        s->opts.arrow
            ? mloda_io_arrow_source_open(fd, true, full, s->schema, &s->opts, &s->cur, err)
            : mloda_io_json_source_open(fd, true, full, has_suffix(name, ".json"), s->schema,
                                        &s->opts, &s->cur, err);
    if (st != MLODA_OK) {
        (void)close(fd);
        return st;
    }
    s->cur_name = mloda_strdup(name);
    return s->cur_name != NULL ? MLODA_OK : MLODA_NOMEM(err, "a file name");
}

/* Reads inotify events into the queue; *timed_out when nothing came in time. */
static mloda_status wait_for_files(dir_source *s, bool *timed_out, mloda_error *err)
{
    _Alignas(struct inotify_event) char events[4096];
    struct pollfd pfd = {s->inotify_fd, POLLIN, 0};
    const int timeout_ms =
        s->opts.watch_timeout > 0 ? (int)(s->opts.watch_timeout * 1000.0) : -1;
    *timed_out = false;
    const int ready = poll(&pfd, 1, timeout_ms);
    if (ready == 0) {
        *timed_out = true;
        return MLODA_OK;
    }
    const ssize_t got = ready < 0 ? -1 : read(s->inotify_fd, events, sizeof events);
    if (got < 0) {
        if (errno == EINTR && s->opts.stop != NULL && s->opts.stop(s->opts.stop_ctx))
            return mloda_error_set(err, MLODA_ERR_CANCELLED, s->path,
                                   "watching %s was interrupted", s->path);
        if (errno == EINTR || errno == EAGAIN)
            return MLODA_OK;
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, s->path, "cannot watch %s: %s", s->path,
                               mloda_io_errno_text(errno, why, sizeof why));
    }
    bool rescan = false;
    for (ssize_t at = 0; at + (ssize_t)sizeof(struct inotify_event) <= got;) {
        const struct inotify_event *ev = (const struct inotify_event *)(void *)(events + at);
        if ((ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) != 0)
            return mloda_error_set(err, MLODA_ERR_IO, s->path,
                                   "the watched directory %s was deleted or moved away",
                                   s->path);
        if ((ev->mask & IN_Q_OVERFLOW) != 0)
            rescan = true;
        else if (ev->len > 0 && ev->name[0] != '\0')
            MLODA_TRY(consider(s, ev->name, err));
        at += (ssize_t)sizeof(struct inotify_event) + (ssize_t)ev->len;
    }
    if (rescan) { /* events were dropped: the directory itself says what is there */
        warn(s, NULL, "more files arrived at once than the watch could queue; the directory "
                      "was listed again so that none is missed");
        return scan(s, err);
    }
    sort_pending(s);
    return MLODA_OK;
}

static mloda_status dir_next(io_source *base, mloda_api_data **out, io_batch_info *info,
                             mloda_error *err)
{
    dir_source *s = (dir_source *)base;
    *out = NULL;
    MLODA_TRY(record_finished(s, err));
    for (;;) {
        if (s->cur != NULL) {
            const mloda_status st = s->cur->next(s->cur, out, info, err);
            if (st != MLODA_OK || *out != NULL) {
                info->index = s->n_batches++;
                return st;
            }
            mloda_io_source_free(s->cur);
            s->cur = NULL;
            s->finished = s->cur_name;
            s->cur_name = NULL;
            MLODA_TRY(record_finished(s, err));
            continue;
        }
        if (s->next_file < s->n_queue) {
            MLODA_TRY(open_next_file(s, err));
            continue;
        }
        if (!s->opts.watch)
            return MLODA_OK;
        bool timed_out = false;
        MLODA_TRY(wait_for_files(s, &timed_out, err));
        if (timed_out)
            return MLODA_OK;
    }
}

static mloda_status dir_commit(io_source *base, mloda_error *err)
{
    dir_source *s = (dir_source *)base;
    MLODA_TRY(record_finished(s, err));
    bool done = false;
    if (s->cur != NULL && !s->opts.arrow) /* an Arrow file is recorded at its end */
        MLODA_TRY(mloda_io_json_source_at_end(s->cur, &done, err));
    if (!done)
        return MLODA_OK;
    mloda_io_source_free(s->cur);
    s->cur = NULL;
    s->finished = s->cur_name;
    s->cur_name = NULL;
    return record_finished(s, err);
}

static void dir_free(io_source *base)
{
    dir_source *s = (dir_source *)base;
    mloda_io_source_free(s->cur);
    for (int64_t i = 0; i < s->n_queue; i++)
        mloda_free(s->queue[i]);
    mloda_free(s->queue);
    mloda_free(s->cur_name);
    mloda_free(s->finished);
    mloda_free(s->record_path);
    mloda_free(s->path);
    mloda_strmap_reset(&s->known);
    if (s->inotify_fd >= 0)
        (void)close(s->inotify_fd);
    mloda_free(s);
}

static mloda_status start_watch(dir_source *s, mloda_error *err)
{
    s->inotify_fd = inotify_init1(IN_CLOEXEC);
    if (s->inotify_fd < 0 ||
        inotify_add_watch(s->inotify_fd, s->path,
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                              IN_ONLYDIR) < 0) {
        char why[128];
        return mloda_error_set(err, MLODA_ERR_IO, s->path, "cannot watch %s: %s", s->path,
                               mloda_io_errno_text(errno, why, sizeof why));
    }
    return MLODA_OK;
}

static mloda_status setup(dir_source *s, mloda_error *err)
{
    if (s->opts.record != NULL || s->opts.watch) {
        char def[4096];
        (void)snprintf(def, sizeof def, "%s/.mloda-processed", s->path);
        s->record_path = mloda_strdup(s->opts.record != NULL ? s->opts.record : def);
        if (s->record_path == NULL)
            return MLODA_NOMEM(err, "a path");
        MLODA_TRY(load_record(s, err));
    }
    if (s->opts.watch) /* before the scan, so no file slips between the two */
        MLODA_TRY(start_watch(s, err));
    return scan(s, err);
}

mloda_status mloda_io_dir_source_open(const char *path, const io_schema *schema,
                                const io_source_options *opts, io_source **out,
                                mloda_error *err)
{
    *out = NULL;
    dir_source *s = mloda_calloc(1, sizeof *s);
    if (s == NULL)
        return MLODA_NOMEM(err, "a batch source");
    s->base.next = dir_next;
    s->base.free = dir_free;
    s->base.commit = dir_commit;
    s->schema = schema;
    s->opts = *opts;
    s->inotify_fd = -1;
    s->path = mloda_strdup(path);
    mloda_status st = s->path != NULL ? setup(s, err) : MLODA_NOMEM(err, "a path");
    if (st != MLODA_OK) {
        dir_free(&s->base);
        return st;
    }
    *out = &s->base;
    return MLODA_OK;
}
