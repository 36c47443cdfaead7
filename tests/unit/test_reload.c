/*
 * test_reload - sr_store_set_ctx: a daemon's reload reaches routing,
 * conversation and handoff settings on a live store; calls in flight keep
 * the context they started with (ASan catches a context freed under them);
 * the caller's references and the store's are independent.
 */
#include "build-config.h"

#include "store_testutil.h"

#include <pthread.h>
#include <stdatomic.h>

/* rules - a config whose one rule sends "refund" mail to queue q */
static sr_ctx *rules(const char *q, const char *method)
{
    char text[1024];

    snprintf(text, sizeof(text),
             "route = { rules = ( { name = \"money\"; keywords = [\"refund\"]; queue = \"%s\"; "
             "handoff = true; } ); };\nhandoff = { method = \"%s\"; };\n",
             q, method);
    return st_ctx(text);
}

static sr_ingest_result refund(sr_store *st, const char *from)
{
    return st_ingest(st, st_msg(SR_CHANNEL_SMS, from, "I want a refund for order 7"));
}

static void test_set_ctx_changes_the_queue_of_the_next_message(void **state)
{
    char *dir = st_tmpdir();
    sr_ctx *a = rules("billing", "helpdesk"), *b = rules("finance", "none");
    sr_error err;
    sr_store *st = sr_store_open(a, dir, 0, &err);
    sr_ingest_result r;

    (void)state;
    assert_non_null(st);
    r = refund(st, "+4915100000001");
    assert_string_equal(r.queue, "billing");
    assert_int_equal(r.none_message[0], '\0');
    assert_int_equal(sr_store_set_ctx(st, b, &err), SR_OK);
    /* both callers' references can go: the store holds its own on b */
    sr_ctx_free(a);
    sr_ctx_free(b);
    r = refund(st, "+4915100000002");
    assert_string_equal(r.queue, "finance");
    /* handoff.method follows too: "none" answers with its message */
    assert_true(r.handoff);
    assert_true(r.none_message[0] != '\0');
    assert_int_equal(sr_store_set_ctx(st, NULL, &err), SR_EINVAL);
    assert_int_equal(sr_store_set_ctx(NULL, b, &err), SR_EINVAL);
    sr_store_close(st);
    st_rmdir(dir);
}

/* sink - collect log lines in a 4 KiB buffer */
static void sink(void *ud, int level, const char *line)
{
    char *log = ud;

    (void)level;
    if (strlen(log) + strlen(line) + 2 < 4096) {
        strcat(log, line);
        strcat(log, "\n");
    }
}

static void test_set_ctx_warns_about_environment_settings(void **state)
{
    char *dir = st_tmpdir(), log[4096] = "";
    sr_ctx *a = st_ctx(NULL);
    sr_ctx *b = st_ctx("store = { sync = false; instance = \"other\"; batch_max = 7; };\n");
    sr_error err;
    sr_store *st = sr_store_open(a, dir, 0, &err);

    (void)state;
    assert_non_null(st);
    sr_ctx_set_log(b, sink, log, SR_LOG_DEBUG);
    assert_int_equal(sr_store_set_ctx(st, b, &err), SR_OK);
    assert_non_null(strstr(log, "store.instance changed"));
    assert_non_null(strstr(log, "store.batch_max changed"));
    /* the environment keeps its instance: external ids do not move */
    st_ingest(st, st_msg(SR_CHANNEL_SMS, "+4915100000003", "hello"));
    sr_store_close(st);
    sr_ctx_free(a);
    sr_ctx_free(b);
    st_rmdir(dir);
}

/* --- swapping under load ------------------------------------------------- */

typedef struct load {
    sr_store *st;
    int id;
    atomic_int *stop;
    int n, bad;
} load;

static void *ingester(void *arg)
{
    load *l = arg;
    char from[32];

    while (!atomic_load(l->stop) || l->n < 20) {
        sr_ingest_result r;
        sr_error err;
        sr_message *m;
        snprintf(from, sizeof(from), "+49151%03d%05d", l->id, l->n % 50);
        m = st_msg(SR_CHANNEL_SMS, from, "I want a refund, this is the third time");
        if (sr_ingest(l->st, m, &r, &err) != SR_OK ||
            (strcmp(r.queue, "q0") != 0 && strcmp(r.queue, "q1") != 0))
            l->bad++;
        sr_message_free(m);
        l->n++;
    }
    return NULL;
}

static void *runner(void *arg)
{
    load *l = arg;

    while (!atomic_load(l->stop)) {
        size_t d = 0, f = 0;
        sr_error err;
        if (sr_outbox_run_jobs(l->st, SR_OUTBOX_HANDOFF | SR_OUTBOX_EMAIL, "w", 0, &d, &f,
                               &err) != SR_OK)
            l->bad++;
        l->n++;
        usleep(1000);
    }
    return NULL;
}

static void test_set_ctx_under_load(void **state)
{
    char *dir = st_tmpdir();
    sr_ctx *cur = rules("q0", "helpdesk");
    sr_error err;
    sr_store *st = sr_store_open(cur, dir, 0, &err);
    atomic_int stop;
    pthread_t th[4];
    load l[4];
    sr_ingest_result r;

    (void)state;
    assert_non_null(st);
    atomic_init(&stop, 0);
    for (int i = 0; i < 4; i++) {
        l[i] = (load){st, i, &stop, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, i == 3 ? runner : ingester, &l[i]), 0);
    }
    /* reload 40 times while three threads ingest and one runs the outbox;
     * each old context is released by us at once, so a call still using
     * it would touch freed memory if the store did not hold it */
    for (int i = 1; i <= 40; i++) {
        sr_ctx *next = rules(i % 2 ? "q1" : "q0", i % 3 ? "helpdesk" : "none");
        assert_int_equal(sr_store_set_ctx(st, next, &err), SR_OK);
        sr_ctx_free(cur);
        cur = next;
        usleep(2000);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(l[i].bad, 0);
        assert_true(l[i].n > 0);
    }
    r = refund(st, "+4915199999999");
    assert_string_equal(r.queue, "q0");   /* the 40th context */
    sr_ctx_free(cur);
    sr_store_close(st);
    st_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_ctx_changes_the_queue_of_the_next_message),
        cmocka_unit_test(test_set_ctx_warns_about_environment_settings),
        cmocka_unit_test(test_set_ctx_under_load),
    };
    return cmocka_run_group_tests_name("reload", tests, NULL, NULL);
}
