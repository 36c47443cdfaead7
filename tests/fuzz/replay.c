/*
 * replay - run a fuzz target over its corpus without libFuzzer (make check)
 *
 * Reads every file in $top_srcdir/tests/fuzz/corpus/<target>/ (or the
 * directories given as arguments) and feeds it to LLVMFuzzerTestOneInput.
 * Prints TAP, one test per file; an empty or missing corpus is a failure.
 */
#include "build-config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path, unsigned n)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;
    size_t len;

    if (fp == NULL || fstat(fileno(fp), &st) != 0) {
        printf("not ok %u - %s: cannot read\n", n, path);
        if (fp)
            fclose(fp);
        return 1;
    }
    buf = malloc((size_t)st.st_size + 1);
    len = buf ? fread(buf, 1, (size_t)st.st_size, fp) : 0;
    fclose(fp);
    if (buf == NULL) {
        printf("not ok %u - %s: out of memory\n", n, path);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, len); /* a crash or abort fails the run */
    free(buf);
    printf("ok %u - %s\n", n, path);
    return 0;
}

int main(int argc, char **argv)
{
    char def[1024];
    const char *top = getenv("top_srcdir");
    char **files = NULL;
    size_t nfiles = 0;
    int failed = 0;

    if (argc < 2) {
        snprintf(def, sizeof(def), "%s/tests/fuzz/corpus/%s", top ? top : ".", FUZZ_TARGET);
        argv[0] = def;
        argc = 1;
    } else {
        argv++;
        argc--;
    }
    for (int i = 0; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        struct dirent *de;
        if (d == NULL) {
            printf("1..1\nnot ok 1 - corpus %s missing\n", argv[i]);
            return 1;
        }
        while ((de = readdir(d)) != NULL) {
            char path[2048];
            if (de->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            files = realloc(files, (nfiles + 1) * sizeof(*files));
            files[nfiles++] = strdup(path);
        }
        closedir(d);
    }
    if (nfiles == 0) {
        printf("1..1\nnot ok 1 - empty corpus\n");
        return 1;
    }
    qsort(files, nfiles, sizeof(*files), cmp);
    printf("1..%zu\n", nfiles);
    for (size_t i = 0; i < nfiles; i++) {
        failed += run_file(files[i], (unsigned)i + 1);
        free(files[i]);
    }
    free(files);
    return failed ? 1 : 0;
}
