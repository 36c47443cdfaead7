/*
 * bench_store - durable appends per second through sr_ingest
 *
 * Each run opens a fresh store with store.sync = true (every commit is
 * fsync'ed), starts T threads that each ingest N/T messages (scoring,
 * threading, routing, transcript, events: the adapters' path) and times
 * until the last one is acknowledged.  Concurrent callers share commits
 * (group commit), so one fsync acknowledges a batch.  Prints the median of
 * RUNS runs per thread count.  Run by `make bench`, never by make check.
 *
 * usage: bench_store [MESSAGES] [RUNS]
 */
#include "build-config.h"

#include <sentiroute.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
    sr_store *st;
    int id, n, errors;
} job;

static const char *const texts[] = {
    "Where is my order? It is three days late and nobody answers.",
    "Thank you so much, the replacement arrived and works perfectly!",
    "This is the third time I write. Refund me ASAP or I file a chargeback.",
    "Hallo, wann kommt meine Bestellung? Danke.",
    "Bonjour, je voudrais changer mon adresse de livraison.",
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    job *j = arg;
    char from[64];

    for (int i = 0; i < j->n; i++) {
        sr_ingest_result r;
        sr_error err;
        const char *t = texts[i % 5];
        sr_message *m = sr_message_new(i % 3 == 0 ? SR_CHANNEL_EMAIL : i % 3 == 1 ? SR_CHANNEL_SMS
                                                                                 : SR_CHANNEL_CHAT,
                                       &err);
        if (i % 3 == 1)
            snprintf(from, sizeof(from), "+49151%03d%05d", j->id, i % 500);
        else
            snprintf(from, sizeof(from), "c%d-%d@example.com", j->id, i % 500);
        sr_message_set_text(m, t, strlen(t), 0, &err);
        sr_message_set_sender(m, from, &err);
        if (sr_ingest(j->st, m, &r, &err) != SR_OK)
            j->errors++;
        sr_message_free(m);
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* one_run - messages/s for T threads on a fresh durable store */
static double one_run(sr_ctx *ctx, int threads, int total, int *errors)
{
    char dir[] = "/tmp/srbench.XXXXXX", cmd[128];
    pthread_t th[256];
    job jobs[256];
    sr_error err;
    sr_store *st;
    double t0, t1;

    if (mkdtemp(dir) == NULL)
        return 0;
    st = sr_store_open(ctx, dir, 0, &err);
    if (st == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 0;
    }
    t0 = now();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){st, i, total / threads, 0};
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        *errors += jobs[i].errors;
    }
    t1 = now();
    sr_store_close(st);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: cannot remove %s\n", dir);
    return (double)(total / threads * threads) / (t1 - t0);
}

int main(int argc, char **argv)
{
    int total = argc > 1 ? atoi(argv[1]) : 20000, runs = argc > 2 ? atoi(argv[2]) : 5;
    static const int tcounts[] = {1, 8, 32, 64, 128};
    sr_error err;
    sr_config *cfg = sr_config_new_default(&err);
    sr_ctx *ctx = cfg ? sr_ctx_new(cfg, &err) : NULL;

    if (ctx == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    sr_config_unref(cfg);
    sr_ctx_set_log(ctx, NULL, NULL, SR_LOG_ERR);
    printf("bench_store: durable sr_ingest (store.sync = true, fsync per group commit), "
           "%d messages per run, median of %d runs\n", total, runs);
    printf("%8s %14s %14s %14s\n", "threads", "median msg/s", "min msg/s", "max msg/s");
    for (size_t k = 0; k < sizeof(tcounts) / sizeof(tcounts[0]); k++) {
        double r[32];
        int errors = 0, n = runs > 32 ? 32 : runs;
        int msgs = tcounts[k] == 1 ? total / 10 : total;   /* one thread: one fsync each */
        for (int i = 0; i < n; i++)
            r[i] = one_run(ctx, tcounts[k], msgs, &errors);
        qsort(r, (size_t)n, sizeof(r[0]), cmp);
        printf("%8d %14.0f %14.0f %14.0f%s\n", tcounts[k], r[n / 2], r[0], r[n - 1],
               errors ? "  (errors!)" : "");
        fflush(stdout);
    }
    sr_ctx_free(ctx);
    return 0;
}
