/*
 * bench_score - scoring throughput of libsentiroute on corpora, one thread
 *
 *   bench_score [--min-seconds S] FILE.tsv...
 *
 * For each file (gold <TAB> text per line): repeated whole passes until S
 * seconds (default 2), prints one JSON line with the median pass as
 * documents/s and MB/s.  Then an "email" pass: the same texts glued into
 * ~4 KiB documents (email-sized), MB/s.  Counts heap allocations made
 * while scoring (malloc is wrapped): the scorer promises none.  Prints the
 * process's max RSS at the end.
 */
#include "build-config.h"

#include <sentiroute.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__wrap_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static volatile long allocs;
static int counting;

void *__wrap_malloc(size_t n)
{
    if (counting)
        allocs++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
    if (counting)
        allocs++;
    return __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
    if (counting)
        allocs++;
    return __real_realloc(p, n);
}

typedef struct doc {
    const char *text;
    size_t len;
} doc;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* run - median pass time over docs */
static double run(const sr_ctx *ctx, const doc *docs, size_t n, double min_seconds, long *nallocs,
                  int *npasses)
{
    double passes[200];
    int np = 0;
    double t0 = now();
    sr_sentiment s;
    float sink = 0;

    for (size_t i = 0; i < n && i < 200; i++) /* warm up */
        sr_score_text(ctx, docs[i].text, docs[i].len, NULL, &s, NULL);
    allocs = 0;
    counting = 1;
    do {
        double p0 = now();
        for (size_t i = 0; i < n; i++) {
            sr_score_text(ctx, docs[i].text, docs[i].len, NULL, &s, NULL);
            sink += s.score;
        }
        passes[np++] = now() - p0;
    } while (now() - t0 < min_seconds && np < 200);
    counting = 0;
    *nallocs = allocs;
    *npasses = np;
    qsort(passes, (size_t)np, sizeof(double), cmpd);
    if (sink < 0)
        puts("");
    return passes[np / 2];
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        fclose(fp);
        free(buf);
        return NULL;
    }
    fclose(fp);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    double min_seconds = 2.0;
    sr_error err;
    sr_config *cfg = sr_config_new_default(&err);
    sr_ctx *ctx = cfg ? sr_ctx_new(cfg, &err) : NULL;
    struct rusage ru;
    int i = 1;

    if (ctx == NULL) {
        fprintf(stderr, "bench_score: %s\n", err.msg);
        return 1;
    }
    sr_config_unref(cfg);
    if (argc > 2 && strcmp(argv[1], "--min-seconds") == 0) {
        min_seconds = atof(argv[2]);
        i = 3;
    }
    for (; i < argc; i++) {
        size_t len, n = 0, cap = 1024, bytes = 0;
        char *buf = slurp(argv[i], &len);
        doc *docs = malloc(cap * sizeof(*docs));
        long na;
        int np;

        if (buf == NULL || docs == NULL) {
            fprintf(stderr, "bench_score: cannot read %s\n", argv[i]);
            return 1;
        }
        for (char *line = buf; line < buf + len;) {
            char *nl = memchr(line, '\n', (size_t)(buf + len - line));
            char *end = nl ? nl : buf + len;
            char *tab = memchr(line, '\t', (size_t)(end - line));
            if (tab != NULL) {
                if (n == cap)
                    docs = realloc(docs, (cap *= 2) * sizeof(*docs));
                docs[n].text = tab + 1;
                docs[n].len = (size_t)(end - tab - 1);
                bytes += docs[n].len;
                n++;
            }
            line = end + 1;
        }
        double t = run(ctx, docs, n, min_seconds, &na, &np);
        printf("{\"engine\":\"sentiroute\",\"file\":\"%s\",\"documents\":%zu,\"passes\":%d,"
               "\"docs_per_sec\":%.0f,\"mb_per_sec\":%.1f,\"allocations\":%ld}\n",
               argv[i], n, np, (double)n / t, (double)bytes / 1e6 / t, na);

        /* email-sized documents: consecutive texts glued to ~4 KiB */
        size_t ne = 0;
        doc *emails = malloc((bytes / 4096 + n + 1) * sizeof(*emails));
        char *joined = malloc(bytes + n + 1);
        size_t o = 0, start = 0;
        for (size_t k = 0; k < n; k++) {
            memcpy(joined + o, docs[k].text, docs[k].len);
            o += docs[k].len;
            joined[o++] = '\n';
            if (o - start >= 4096 || k + 1 == n) {
                emails[ne].text = joined + start;
                emails[ne].len = o - start;
                ne++;
                start = o;
            }
        }
        t = run(ctx, emails, ne, min_seconds, &na, &np);
        printf("{\"engine\":\"sentiroute\",\"file\":\"%s\",\"shape\":\"email-4k\",\"documents\":%zu,"
               "\"passes\":%d,\"docs_per_sec\":%.0f,\"mb_per_sec\":%.1f,\"allocations\":%ld}\n",
               argv[i], ne, np, (double)ne / t, (double)o / 1e6 / t, na);
        free(emails);
        free(joined);
        free(docs);
        free(buf);
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"engine\":\"sentiroute\",\"max_rss_kib\":%ld}\n", ru.ru_maxrss);
    sr_ctx_free(ctx);
    return 0;
}
