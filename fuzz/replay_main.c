/*
 * replay_main.c: runs a fuzz target over files and directories of inputs (the seed
 * corpora and every crash reproducer), so normal builds and CI replay them without
 * libFuzzer. Prints "# replay <target>: N passed, 0 failed" (a crash fails the process).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *b = realloc(buf, cap);
            if (b == NULL)
                break;
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    (void)LLVMFuzzerTestOneInput(buf != NULL ? buf : (const uint8_t *)"", n);
    free(buf);
    return 1;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue;
        if (!S_ISDIR(st.st_mode)) {
            count += run_file(argv[i]);
            continue;
        }
        DIR *d = opendir(argv[i]);
        for (struct dirent *e = d ? readdir(d) : NULL; e != NULL; e = readdir(d)) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            count += run_file(path);
        }
        if (d != NULL)
            closedir(d);
    }
    printf("# replay %s: %d passed, 0 failed\n", argc > 0 ? argv[0] : "?", count);
    return 0;
}
