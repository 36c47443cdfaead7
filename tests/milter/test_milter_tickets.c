/*
 * test_milter_tickets - the milter's store (tickets.c) against its own
 * shutdown: srm_tickets_close() while an end of message is inside
 * srm_ticket_append() in another libmilter thread.  sr_ingest is wrapped
 * (-Wl,--wrap=sr_ingest) so the append can be held inside the store.
 */
#include "build-config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "srm.h"

static char dir[64];

/* --- the held sr_ingest ---------------------------------------------------- */

int __real_sr_ingest(sr_store *st, const sr_message *msg, sr_ingest_result *out, sr_error *err);
int __wrap_sr_ingest(sr_store *st, const sr_message *msg, sr_ingest_result *out, sr_error *err);

static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int hold;           /* the next sr_ingest waits for release */
static int inside;         /* an sr_ingest is held */
static int released;
static int close_done;     /* srm_tickets_close() has returned */
static int close_was_early; /* ... while an sr_ingest was inside */

/* wait_for - until *flag, at most 5 s; the flag's value */
static int wait_for(int *flag)
{
    struct timespec until;
    int v;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&lk);
    while (!*flag && pthread_cond_timedwait(&cv, &lk, &until) == 0)
        ;
    v = *flag;
    pthread_mutex_unlock(&lk);
    return v;
}

static void set(int *flag)
{
    pthread_mutex_lock(&lk);
    *flag = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&lk);
}

int __wrap_sr_ingest(sr_store *st, const sr_message *msg, sr_ingest_result *out, sr_error *err)
{
    int early;

    pthread_mutex_lock(&lk);
    if (!hold) {
        pthread_mutex_unlock(&lk);
        return __real_sr_ingest(st, msg, out, err);
    }
    hold = 0;
    pthread_mutex_unlock(&lk);
    set(&inside);
    wait_for(&released);
    pthread_mutex_lock(&lk);
    early = close_done;
    close_was_early = early;
    pthread_mutex_unlock(&lk);
    if (early) {
        /* the store is freed: going on would be a use after free */
        snprintf(err->where, sizeof(err->where), "test");
        snprintf(err->msg, sizeof(err->msg), "the store was closed under the append");
        return err->code = SR_ESTORE;
    }
    return __real_sr_ingest(st, msg, out, err);
}

/* --- helpers --------------------------------------------------------------- */

static srm_conf *open_store(void)
{
    char path[128], conf[512];
    sr_error err;
    srm_conf *c;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/m.conf", dir);
    snprintf(conf, sizeof(conf),
             "store = { path = \"%s/store\"; sync = false; };\n"
             "milter = { recipients = [\"help@support.test\"]; };\n", dir);
    fp = fopen(path, "w");
    if (fp == NULL)
        fail_msg("cannot write %s", path);
    fputs(conf, fp);
    fclose(fp);
    c = srm_conf_load(path, NULL, NULL, &err);
    if (c == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    if (srm_tickets_open(c, &err) != 0)
        fail_msg("store: %s: %s", err.where, err.msg);
    return c;
}

typedef struct append_job {
    const srm_conf *c;
    int rc;
    srm_ticket t;
    sr_error err;
} append_job;

/* append - one mail from jane, as an end of message would */
static int append(const srm_conf *c, srm_ticket *t, sr_error *err)
{
    srm_mail mail;
    sr_message *msg = sr_message_new(SR_CHANNEL_EMAIL, err);
    int rc;

    memset(&mail, 0, sizeof(mail));
    mail.message_id = "<held@example.test>";
    mail.subject = "Parcel";
    mail.from_addr = "jane@example.test";
    if (msg == NULL)
        return SR_ENOMEM;
    rc = sr_message_set_text(msg, "Where is my parcel?", 19, 0, err);
    if (rc == SR_OK)
        rc = sr_message_set_sender(msg, "jane@example.test", err);
    if (rc == SR_OK)
        rc = srm_ticket_append(c, msg, &mail, t, err);
    sr_message_free(msg);
    return rc;
}

static void *append_thread(void *arg)
{
    append_job *j = arg;

    j->rc = append(j->c, &j->t, &j->err);
    return NULL;
}

static void *close_thread(void *arg)
{
    (void)arg;
    srm_tickets_close();
    set(&close_done);
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    hold = inside = released = close_done = close_was_early = 0;
    return tu_mkdtemp(dir, sizeof(dir), "srmtickets");
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmrf(dir);
}

/* --- tests ----------------------------------------------------------------- */

/* a stop (the drain gave up after 15 s, libmilter's threads still run)
 * closes the store while an end of message is inside sr_ingest: the close
 * waits for it, so the message is stored and acknowledged; an append that
 * comes after the close fails with a reason (the milter's on_error then),
 * never touches a freed store */
static void test_close_waits_for_an_append_in_progress(void **state)
{
    srm_conf *c = open_store();
    append_job j = {.c = c};
    pthread_t a, b;
    srm_ticket t;
    sr_error err;
    int rc, early_close;
    (void)state;

    hold = 1;
    assert_int_equal(pthread_create(&a, NULL, append_thread, &j), 0);
    if (!wait_for(&inside))
        fail_msg("the append never reached sr_ingest");
    assert_int_equal(pthread_create(&b, NULL, close_thread, NULL), 0);
    /* a close that does not wait returns at once; give it 300 ms */
    for (int i = 0; i < 30; i++) {
        pthread_mutex_lock(&lk);
        early_close = close_done;
        pthread_mutex_unlock(&lk);
        if (early_close)
            break;
        usleep(10 * 1000);
    }
    set(&released);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    if (close_was_early)
        fail_msg("srm_tickets_close returned while an append was inside the store");
    if (j.rc != SR_OK)
        fail_msg("the held append: got %d (%s), want SR_OK", j.rc, j.err.msg);
    assert_true(j.t.stored);

    /* after the close: a clear error, not a crash and not "no ticket" */
    assert_true(srm_tickets_available());
    memset(&err, 0, sizeof(err));
    rc = append(c, &t, &err);
    if (rc == SR_OK)
        fail_msg("an append after the close succeeded");
    assert_int_equal(rc, err.code);
    if (strstr(err.msg, "closed") == NULL)
        fail_msg("after the close: got \"%s\", want the store named closed", err.msg);
    srm_conf_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_close_waits_for_an_append_in_progress, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
