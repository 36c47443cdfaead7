/*
 * bench_outbox - outbox delivery throughput against a local HTTP target
 *
 * Starts a libmicrohttpd receiver on 127.0.0.1 (a free port) that answers
 * every POST with 200 {"id": ...} and counts distinct idempotency keys,
 * fills a durable store (store.sync = true) with N handoff jobs for the
 * webhook method (signed JSON POSTs), then times sr_outbox_run draining
 * them with W worker threads (each its own worker name: leases keep them
 * apart; claims and completions are fsync'ed, in batches).  Prints the
 * median of RUNS runs per worker count.  Run by `make bench`.
 *
 * usage: bench_outbox [JOBS] [RUNS] [HANDOFF-SETTINGS]
 *
 * HANDOFF-SETTINGS go inside the handoff group, e.g. "timeout = 1;
 * connect_timeout = 1;" for batches of ten jobs per lease (the default
 * timeouts leave one job per batch).
 */
#include "build-config.h"

#include <sentiroute.h>

#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

typedef struct target {
    atomic_int requests;
    pthread_mutex_t mu;
    char **keys;
    size_t nkeys, cap;
} target;

typedef struct conn {
    size_t body;
} conn;

static int seen_key(target *t, const char *key)
{
    int dup = 0;

    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->nkeys && !dup; i++)
        dup = strcmp(t->keys[i], key) == 0;
    if (!dup) {
        if (t->nkeys == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 1024;
            t->keys = realloc(t->keys, t->cap * sizeof(char *));
        }
        t->keys[t->nkeys++] = strdup(key);
    }
    pthread_mutex_unlock(&t->mu);
    return dup;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    target *t = cls;
    static const char body[] = "{\"id\":\"bench\"}";
    struct MHD_Response *r;
    const char *key;
    enum MHD_Result ret;

    (void)url;
    (void)version;
    (void)data;
    if (*state == NULL) {   /* headers first; the body follows in calls */
        *state = calloc(1, sizeof(conn));
        return MHD_YES;
    }
    if (*size > 0) {
        ((conn *)*state)->body += *size;
        *size = 0;
        return MHD_YES;
    }
    key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sentiroute-Idempotency-Key");
    if (strcmp(method, "POST") != 0 || key == NULL ||
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sentiroute-Signature") == NULL)
        return MHD_NO;
    atomic_fetch_add(&t->requests, 1);
    seen_key(t, key);
    r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    free(*state);
    *state = NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct wjob {
    sr_store *st;
    char name[32];
} wjob;

static void *run_worker(void *arg)
{
    wjob *w = arg;
    sr_error err;

    if (sr_outbox_run(w->st, w->name, 0, NULL, NULL, &err) != SR_OK)
        fprintf(stderr, "bench: %s\n", err.msg);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* one_run - jobs/s for W workers over N fresh jobs; -1 on error */
static const char *extra = "";

static double one_run(int port, int jobs, int workers, target *t)
{
    char dir[] = "/tmp/srbenchob.XXXXXX", conf[1024], sec[300], cmd[300];
    sr_error err;
    sr_config *cfg;
    sr_ctx *ctx;
    sr_store *st;
    pthread_t th[16];
    wjob w[16];
    double t0, t1;
    int fd;

    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(sec, sizeof(sec), "%s/secret", dir);
    fd = open(sec, O_WRONLY | O_CREAT, 0600);
    if (fd < 0 || write(fd, "bench-secret\n", 13) != 13)
        return -1;
    close(fd);
    snprintf(conf, sizeof(conf), "%s/sentiroute.conf", dir);
    FILE *fp = fopen(conf, "w");
    fprintf(fp, "log = { level = \"warning\"; };\n"
                "store = { instance = \"bench\"; sync = true; };\n"
                "handoff = { method = \"webhook\"; %s webhook = { url = \"http://127.0.0.1:%d/hook\";"
                " secret_file = \"%s\"; }; };\n"
                "route = { rules = ( { name = \"all\"; handoff = true; } ); };\n",
            extra, port, sec);
    fclose(fp);
    cfg = sr_config_load(conf, &err);
    ctx = cfg ? sr_ctx_new(cfg, &err) : NULL;
    sr_config_unref(cfg);
    st = ctx ? sr_store_open(ctx, dir, 0, &err) : NULL;
    if (st == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    for (int i = 0; i < jobs; i++) {
        char from[64];
        sr_ingest_result r;
        sr_message *m = sr_message_new(SR_CHANNEL_EMAIL, &err);
        snprintf(from, sizeof(from), "c%d@example.com", i);
        sr_message_set_text(m, "my order is late, please help", 29, 0, &err);
        sr_message_set_sender(m, from, &err);
        if (sr_ingest(st, m, &r, &err) != SR_OK)
            fprintf(stderr, "bench: %s\n", err.msg);
        sr_message_free(m);
    }
    atomic_store(&t->requests, 0);
    t->nkeys = 0;
    t0 = now();
    for (int i = 0; i < workers; i++) {
        w[i].st = st;
        snprintf(w[i].name, sizeof(w[i].name), "bench-w%d", i);
        pthread_create(&th[i], NULL, run_worker, &w[i]);
    }
    for (int i = 0; i < workers; i++)
        pthread_join(th[i], NULL);
    t1 = now();
    if ((int)t->nkeys != jobs || atomic_load(&t->requests) != jobs)
        fprintf(stderr, "bench: target saw %d requests, %zu distinct jobs, want %d\n",
                atomic_load(&t->requests), t->nkeys, jobs);
    sr_store_close(st);
    sr_ctx_free(ctx);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: cannot remove %s\n", dir);
    return jobs / (t1 - t0);
}

int main(int argc, char **argv)
{
    int jobs = argc > 1 ? atoi(argv[1]) : 2000, runs = argc > 2 ? atoi(argv[2]) : 3;
    static const int wcounts[] = {1, 2, 4};
    struct sockaddr_in sa;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    target t;

    if (argc > 3)
        extra = argv[3];
    memset(&t, 0, sizeof(t));
    pthread_mutex_init(&t.mu, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
                         on_request, &t, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
                         2u, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "bench: cannot start the HTTP target\n");
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("bench_outbox: %d webhook handoff jobs per run to a local libmicrohttpd target "
           "(127.0.0.1:%u), signed POSTs, fsync'ed claims and completions; median of %d runs%s%s\n",
           jobs, info->port, runs, *extra ? "; handoff: " : "", extra);
    printf("%8s %14s %14s %14s\n", "workers", "median jobs/s", "min jobs/s", "max jobs/s");
    for (size_t k = 0; k < sizeof(wcounts) / sizeof(wcounts[0]); k++) {
        double r[16];
        int n = runs > 16 ? 16 : runs;
        for (int i = 0; i < n; i++)
            r[i] = one_run(info->port, jobs, wcounts[k], &t);
        qsort(r, (size_t)n, sizeof(r[0]), cmp);
        printf("%8d %14.0f %14.0f %14.0f\n", wcounts[k], r[n / 2], r[0], r[n - 1]);
        fflush(stdout);
    }
    MHD_stop_daemon(d);
    for (size_t i = 0; i < t.nkeys; i++)
        free(t.keys[i]);
    free(t.keys);
    return 0;
}
