/*
 * test_io_paths.c: the data-root rule's path handling (src/io/data_files.c): lexical
 * normalisation ("//", ".", ".." at every place), roots given relative, as "/", or through
 * a symbolic link, folders, and the kinds of files that are refused.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "io/io.h"
#include "test.h"
#include "util/alloc.h"

static char base[256];

static void touch(const char *rel)
{
    char p[512];
    (void)snprintf(p, sizeof p, "%s/%s", base, rel);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        (void)fputs("v\n1\n", f);
        (void)fclose(f);
    }
}

static void test_paths_under_a_root(void)
{
    char root[300], link_root[300];
    (void)snprintf(root, sizeof root, "%s/r", base);
    (void)snprintf(link_root, sizeof link_root, "%s/rlink", base);
    CHECK(mkdir(root, 0755) == 0);
    char p[512];
    (void)snprintf(p, sizeof p, "%s/r/s", base);
    CHECK(mkdir(p, 0755) == 0);
    touch("r/a.csv");
    touch("r/s/b.csv");
    touch("outside.csv");
    CHECK(symlink(root, link_root) == 0);
    char abs_a[512], abs_a_via_link[512];
    (void)snprintf(abs_a, sizeof abs_a, "%s/r/a.csv", base);
    (void)snprintf(abs_a_via_link, sizeof abs_a_via_link, "%s/rlink/a.csv", base);
    static const struct {
        const char *path;
        bool ok;
    } cases[] = {
        {"a.csv", true},           {"./a.csv", true},         {".//a.csv", true},
        {"s/../a.csv", true},      {"s/./b.csv", true},       {"s//b.csv", true},
        {"s/../s/../a.csv", true}, {"../r/a.csv", true},      {"..", false},
        {"../outside.csv", false}, {"s/../../outside.csv", false},
        {"../../../../../../../etc/passwd", false},           {"/", false},
        {"///etc//passwd", false}, {"a.csv/..", false}, /* the root itself: a directory */
        {"s/", false},             {".", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TEST_CASE("%s", cases[i].path);
        int fd = -1;
        mloda_error err = MLODA_ERROR_INIT;
        const mloda_status st = mloda_io_open_data_file(root, cases[i].path, "file", &fd, &err);
        CHECK_MSG((st == MLODA_OK) == cases[i].ok, "%s", err.message);
        CHECK((fd >= 0) == cases[i].ok);
        if (fd >= 0)
            (void)close(fd);
    }
    /* absolute paths: inside when spelt as the root is spelt or by the root's real path;
     * spelt through some other link to the root they are refused (the lexical check comes
     * before any look at the file system) */
    const char *abs[] = {abs_a, abs_a_via_link};
    const char *roots[] = {root, link_root};
    for (int r = 0; r < 2; r++)
        for (int a = 0; a < 2; a++) {
            TEST_CASE("root %d, path %d", r, a);
            int fd = -1;
            mloda_error err = MLODA_ERROR_INIT;
            const mloda_status st = mloda_io_open_data_file(roots[r], abs[a], "file", &fd, &err);
            CHECK_EQ_INT(st, r == 0 && a == 1 ? MLODA_ERR_IO : MLODA_OK);
            if (fd >= 0)
                (void)close(fd);
        }
    /* a relative root: from the working directory */
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(base) == 0);
    int fd = -1;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_OK(mloda_io_open_data_file("r", "s/b.csv", "file", &fd, &err), err);
    if (fd >= 0)
        (void)close(fd);
    CHECK_EQ_INT(mloda_io_open_data_file("./r/", "../outside.csv", "file", &fd, &err), MLODA_ERR_IO);
    CHECK(chdir(cwd) == 0);
    /* "/" as the root: everything is inside */
    mloda_error_reset(&err);
    CHECK_OK(mloda_io_open_data_file("/", abs_a, "file", &fd, &err), err);
    if (fd >= 0)
        (void)close(fd);
    /* folders */
    char *dir = NULL;
    CHECK_OK(mloda_io_data_path(root, "s", "folder", true, &dir, &err), err);
    CHECK(dir != NULL && strstr(dir, "/r/s") != NULL);
    mloda_free(dir);
    CHECK_EQ_INT(mloda_io_data_path(root, "a.csv", "folder", true, &dir, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "not a directory");
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_io_data_path(root, "missing", "folder", true, &dir, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "No such file");
    mloda_error_reset(&err);
    CHECK_OK(mloda_io_data_path(NULL, abs_a, "file", false, &dir, &err), err);
    CHECK_STR(dir, abs_a);
    mloda_free(dir);
}

/* A socket is not a regular file either. */
static void test_socket_refused(void)
{
    char path[300];
    (void)snprintf(path, sizeof path, "%s/sock", base);
    const int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    (void)snprintf(addr.sun_path, sizeof addr.sun_path, "%.100s", path);
    CHECK(s >= 0 && bind(s, (struct sockaddr *)&addr, sizeof addr) == 0);
    char *out = NULL;
    mloda_error err = MLODA_ERROR_INIT;
    CHECK_EQ_INT(mloda_io_data_path(NULL, path, "SQLite database", false, &out, &err), MLODA_ERR_IO);
    CHECK_CONTAINS(err.message, "it is a socket");
    int fd = -1;
    mloda_error_reset(&err);
    CHECK_EQ_INT(mloda_io_open_data_file(NULL, path, "file", &fd, &err), MLODA_ERR_IO);
    (void)close(s);
}

/* The caps: 0 is the default, a negative number none. */
static void test_caps(void)
{
    CHECK_EQ_INT(mloda_io_cap(0, 10), 10);
    CHECK_EQ_INT(mloda_io_cap(5, 10), 5);
    CHECK_EQ_INT(mloda_io_cap(-1, 10), INT64_MAX);
}

static void test_nomem(void)
{
    char root[300];
    (void)snprintf(root, sizeof root, "%s/r", base);
    for (long n = 0;; n++) {
        mloda_test_fail_alloc_at(n);
        int fd = -1;
        char *dir = NULL;
        mloda_error err = MLODA_ERROR_INIT;
        mloda_status st = mloda_io_open_data_file(root, "s/../a.csv", "file", &fd, &err);
        if (st == MLODA_OK)
            st = mloda_io_data_path(root, "s", "folder", true, &dir, &err);
        const bool injected = mloda_test_alloc_failed();
        mloda_test_fail_alloc_at(-1);
        TEST_CASE("allocation %ld", n);
        if (fd >= 0)
            (void)close(fd);
        mloda_free(dir);
        if (!injected) {
            CHECK_OK(st, err);
            break;
        }
        CHECK_EQ_INT(st, MLODA_ERR_NOMEM);
    }
}

int main(void)
{
    (void)snprintf(base, sizeof base, "/tmp/mloda_paths_XXXXXX");
    if (mkdtemp(base) == NULL)
        return 1;
    RUN(test_paths_under_a_root);
    RUN(test_socket_refused);
    RUN(test_caps);
    RUN(test_nomem);
    char cmd[400];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        return 1;
    return TEST_SUMMARY();
}
