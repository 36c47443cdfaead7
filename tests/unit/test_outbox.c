/*
 * test_outbox - jobs enqueued with their message, leases, completion by the
 * lease holder only, backoff and Retry-After, parking failed jobs, retry
 * and drop, per-ticket order, the none and helpdesk methods
 */
#include "build-config.h"

#include "store_testutil.h"

#include "internal.h"
#include "store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

/* fx_zendesk - a zendesk config for url; extra goes inside handoff */
static st_fx *fx_zendesk(const char *url, const char *extra)
{
    char *dir = st_tmpdir();
    char conf[2048], tok[300];
    int fd;

    snprintf(tok, sizeof(tok), "%s/token", dir);
    fd = open(tok, O_WRONLY | O_CREAT, 0600);
    if (fd < 0 || write(fd, "tok\n", 4) != 4)
        fail_msg("token file");
    close(fd);
    snprintf(conf, sizeof(conf),
             "handoff = { method = \"zendesk\"; %s\n"
             "  zendesk = { url = \"%s\"; email = \"a@example.com\";"
             " token_file = \"%s\"; }; };\n"
             "route = { rules = ( { label = [\"urgent\", \"negative\"]; handoff = true; } ); };",
             extra, url, tok);
    return st_fx_new_in(dir, conf);
}

/* a zendesk config: nothing listens there, the tests drive the API directly */
static st_fx *fx_new(const char *extra)
{
    char h[512];

    snprintf(h, sizeof(h), "max_attempts = 3; backoff_base = 4.0; %s", extra ? extra : "");
    return fx_zendesk("http://127.0.0.1:9", h);
}

static const char *angry = "This is terrible, I am furious, worst service ever";

static void test_handoff_job_committed_with_message(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_ingest_result r = st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry));
    sr_ingest_result calm;
    sr_job *v;
    size_t n;
    sr_ticket t;

    (void)state;
    assert_true(r.handoff);
    assert_true(r.job_id > 0);
    calm = st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "b@example.com", "hello, a question"));
    assert_false(calm.handoff);
    assert_int_equal(calm.job_id, 0);
    assert_int_equal(sr_outbox_list(f->st, 1u << SR_JOB_PENDING, &v, &n, NULL), SR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, r.job_id);
    assert_string_equal(v[0].kind, "handoff");
    assert_string_equal(v[0].target, "zendesk");
    assert_int_equal(strncmp(v[0].idem_key, "sr-unit-j", 9), 0);
    sr_outbox_list_free(v, n);
    sr_ticket_get(f->st, r.ticket_id, &t, NULL);
    assert_true(t.handed_off);
    assert_string_equal(t.method, "zendesk");
    /* a second handoff request for the same ticket does nothing */
    uint64_t job = 99;
    assert_int_equal(sr_handoff_request(f->st, r.ticket_id, "again", &job, NULL), SR_OK);
    assert_int_equal(job, 0);
    st_fx_free(f);
}

static void test_adapter_request_hands_off_with_the_message(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_message *m = st_msg(SR_CHANNEL_CHAT, "v@anon/1", "yes please");
    sr_ingest_result r;
    sr_job *v;
    size_t n;

    (void)state;
    assert_int_equal(sr_message_request_handoff(m, "visitor said yes", NULL), SR_OK);
    assert_string_equal(sr_message_handoff_request(m), "visitor said yes");
    r = st_ingest(f->st, m);
    assert_true(r.handoff);
    assert_true(r.job_id > 0);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].ticket_id, r.ticket_id);
    sr_outbox_list_free(v, n);
    st_fx_free(f);
}

static void test_lease_excludes_second_worker(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_ingest_result r = st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry));
    sr_job a, b;
    sr_error err;
    sr_ticket t;

    (void)state;
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(a.id, r.job_id);
    assert_int_equal(a.attempts, 1);
    assert_string_equal(a.claimed_by, "A");
    assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_ENOTFOUND);
    assert_int_equal(sr_outbox_complete(f->st, a.id, "B", "1", &err), SR_EEXIST);
    assert_int_equal(sr_outbox_complete(f->st, a.id, "A", "4711", &err), SR_OK);
    assert_int_equal(sr_outbox_complete(f->st, a.id, "A", "4711", &err), SR_EEXIST);
    sr_ticket_get(f->st, r.ticket_id, &t, NULL);
    assert_string_equal(t.remote_id, "4711");
    sr_job_clear(&a);
    st_fx_free(f);
}

static void test_expired_lease_is_claimed_again(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_job a, b;
    sr_error err;

    (void)state;
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry));
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 1, &a, &err), SR_OK);
    sleep(2);   /* worker A "crashed" */
    assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_OK);
    assert_int_equal(b.id, a.id);
    assert_int_equal(b.attempts, 2);
    /* A comes back late: its lease is gone */
    assert_int_equal(sr_outbox_complete(f->st, a.id, "A", "1", &err), SR_EEXIST);
    assert_int_equal(sr_outbox_complete(f->st, b.id, "B", "2", &err), SR_OK);
    sr_job_clear(&a);
    sr_job_clear(&b);
    st_fx_free(f);
}

static void test_retry_after_and_backoff_schedule(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_job a, *v;
    size_t n;
    sr_error err;
    int64_t now = (int64_t)time(NULL);

    (void)state;
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry));
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(sr_outbox_fail(f->st, a.id, "A", 0, 30, "HTTP 429", &err), SR_OK);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(v[0].state, SR_JOB_PENDING);
    assert_true(v[0].next_attempt_at >= now + 30 && v[0].next_attempt_at <= now + 33);
    assert_string_equal(v[0].last_error, "HTTP 429");
    sr_outbox_list_free(v, n);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_ENOTFOUND);
    /* without Retry-After: base 4 s, equal jitter -> 2..4 s, then 4..8 s */
    sr_outbox_retry(f->st, a.id, NULL);
    for (int att = 1; att <= 2; att++) {
        sr_job c;
        now = (int64_t)time(NULL);
        assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &c, &err), SR_OK);
        assert_int_equal(sr_outbox_fail(f->st, c.id, "A", 0, 0, "HTTP 503", &err), SR_OK);
        sr_outbox_list(f->st, 0, &v, &n, NULL);
        int64_t d = v[0].next_attempt_at - now;
        if (d < 2 * att - 1 || d > 4 * att + 1)
            fail_msg("attempt %d: delay %lld, want %d..%d", att, (long long)d, 2 * att, 4 * att);
        sr_outbox_list_free(v, n);
        sr_outbox_retry(f->st, c.id, NULL);   /* due now again, attempts reset */
        sr_job_clear(&c);
        if (att == 1) {
            /* make the next claim attempt 2: fail once more without reset */
            assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &c, &err), SR_OK);
            sr_outbox_fail(f->st, c.id, "A", 0, 1, "x", NULL);
            sleep(2);
            sr_job_clear(&c);
        }
    }
    sr_job_clear(&a);
    st_fx_free(f);
}

static void test_failed_jobs_parked_retry_and_drop(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_job a, *v;
    size_t n;
    sr_error err;

    (void)state;
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry));
    /* max_attempts = 3: the third failure parks it.  Retry-After 1 makes
     * the job due again 2 s later (whole seconds, rounded up): poll for it
     * for at most 6 s, since a loaded machine may sleep longer than asked */
    for (int i = 0; i < 3; i++) {
        int rc = SR_ENOTFOUND;
        for (int t = 0; t < 60 && rc == SR_ENOTFOUND; t++) {
            rc = sr_outbox_claim(f->st, NULL, "A", 60, &a, &err);
            if (rc == SR_ENOTFOUND)
                usleep(100 * 1000);
        }
        assert_int_equal(rc, SR_OK);
        assert_int_equal(a.attempts, i + 1);
        assert_int_equal(sr_outbox_fail(f->st, a.id, "A", 0, 1, "HTTP 500", &err), SR_OK);
        if (i < 2) { /* not due again at once */
            sr_job b;
            assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_ENOTFOUND);
        }
        sr_job_clear(&a);
    }
    sr_outbox_list(f->st, 1u << SR_JOB_FAILED, &v, &n, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].attempts, 3);
    sr_outbox_list_free(v, n);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_ENOTFOUND);
    assert_int_equal(sr_outbox_retry(f->st, a.id, &err), SR_OK);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(sr_outbox_fail(f->st, a.id, "A", 1, 0, "HTTP 401", &err), SR_OK);
    sr_outbox_list(f->st, 1u << SR_JOB_FAILED, &v, &n, NULL);
    assert_int_equal(n, 1);   /* permanent: parked at once */
    sr_outbox_list_free(v, n);
    assert_int_equal(sr_outbox_drop(f->st, a.id, 0, &err), SR_OK);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(n, 0);
    assert_int_equal(sr_outbox_drop(f->st, a.id, 0, &err), SR_ENOTFOUND);
    sr_job_clear(&a);
    st_fx_free(f);
}

static void test_ticket_jobs_delivered_in_order(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_message *m;
    sr_job a, b;
    sr_error err;

    (void)state;
    m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry);
    sr_message_set_message_id(m, "<t1@x>", NULL);
    st_ingest(f->st, m);
    m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", "and another thing");
    sr_message_set_in_reply_to(m, "<t1@x>", NULL);
    st_ingest(f->st, m);
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "z@example.com", angry));
    /* the comment waits for its ticket's handoff; another ticket's job goes first */
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_string_equal(a.kind, "handoff");
    assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_OK);
    assert_string_equal(b.kind, "handoff");
    assert_int_not_equal(a.ticket_id, b.ticket_id);
    sr_job_clear(&b);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_ENOTFOUND);
    assert_int_equal(sr_outbox_complete(f->st, a.id, "A", "77", &err), SR_OK);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_OK);
    assert_string_equal(b.kind, "comment");
    assert_int_equal(b.msg_seq, 2);
    sr_job_clear(&a);
    sr_job_clear(&b);
    st_fx_free(f);
}

/* "outbox drop --force" drops a job a worker holds (pending, leased);
 * the worker's outcome then finds no job */
static void test_drop_force_takes_a_leased_job(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_job a;
    sr_job *v;
    size_t n;
    sr_error err;

    (void)state;
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry));
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(sr_outbox_drop(f->st, a.id, 0, &err), SR_EEXIST);
    assert_int_equal(sr_outbox_drop(f->st, a.id, 1, &err), SR_OK);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(n, 0);
    sr_outbox_list_free(v, n);
    assert_int_not_equal(sr_outbox_complete(f->st, a.id, "A", "4711", &err), SR_OK);
    sr_job_clear(&a);
    st_fx_free(f);
}

/* "outbox retry" of a job a worker is sending right now (pending, leased):
 * it is refused, naming the worker, instead of clearing the lease, which
 * let a second worker claim and send the job again while the first was
 * still at it (a doubled ticket) and threw the first one's outcome away */
static void test_retry_leaves_a_leased_job_alone(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_job a, b;
    sr_error err;

    (void)state;
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry));
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(sr_outbox_retry(f->st, a.id, &err), SR_EEXIST);
    if (strstr(err.msg, "A") == NULL)
        fail_msg("retry refused with \"%s\"", err.msg);
    /* nor dropped: that would not stop the send; --force drops it */
    assert_int_equal(sr_outbox_drop(f->st, a.id, 0, &err), SR_EEXIST);
    if (strstr(err.msg, "being sent by A") == NULL || strstr(err.msg, "--force") == NULL)
        fail_msg("drop refused with \"%s\"", err.msg);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_ENOTFOUND);
    assert_int_equal(sr_outbox_complete(f->st, a.id, "A", "4711", &err), SR_OK);
    sr_job_clear(&a);
    /* a pending job in its backoff, leased to no one, is made due now */
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "b@example.com", angry));
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(sr_outbox_fail(f->st, a.id, "A", 0, 600, "HTTP 503", &err), SR_OK);
    assert_int_equal(sr_outbox_retry(f->st, a.id, &err), SR_OK);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "B", 60, &b, &err), SR_OK);
    assert_int_equal(b.id, a.id);
    sr_job_clear(&a);
    sr_job_clear(&b);
    st_fx_free(f);
}

static sr_job *job_of(sr_job *v, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id)
            return &v[i];
    fail_msg("no job %llu", (unsigned long long)id);
    return NULL;
}

/* a comment of a ticket whose handoff is parked (bad credentials) cannot
 * go anywhere: it is parked with the handoff, naming it, instead of using
 * up its attempts behind it; "outbox retry" of the handoff requeues it */
static void test_comments_follow_a_parked_handoff(void **state)
{
    st_fx *f = fx_zendesk("http://127.0.0.1:9", "max_attempts = 1;");
    sr_message *m;
    sr_ingest_result r1, r2, r3;
    sr_job a, *v, *c;
    size_t n, ok = 0, bad = 0;
    sr_error err;

    (void)state;
    m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry);
    sr_message_set_message_id(m, "<p1@x>", NULL);
    r1 = st_ingest(f->st, m);
    m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", "and another thing");
    sr_message_set_message_id(m, "<p2@x>", NULL);
    sr_message_set_in_reply_to(m, "<p1@x>", NULL);
    r2 = st_ingest(f->st, m);
    assert_int_not_equal(r2.job_id, 0);
    /* the handoff is refused (401): parked */
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(a.id, r1.job_id);
    assert_int_equal(sr_outbox_fail(f->st, a.id, "A", 1, 0, "HTTP 401", &err), SR_OK);
    sr_job_clear(&a);
    /* the comment is parked with it, saying why */
    sr_outbox_run(f->st, "w", 0, &ok, &bad, NULL);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    c = job_of(v, n, r2.job_id);
    assert_int_equal(c->state, SR_JOB_FAILED);
    if (strstr(c->last_error, "handoff") == NULL || strstr(c->last_error, "retry") == NULL)
        fail_msg("comment parked with \"%s\"", c->last_error);
    sr_outbox_list_free(v, n);
    /* a message arriving while the handoff is parked joins them */
    m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", "hello? anyone?");
    sr_message_set_in_reply_to(m, "<p2@x>", NULL);
    r3 = st_ingest(f->st, m);
    assert_int_equal(r3.ticket_id, r1.ticket_id);
    sr_outbox_run(f->st, "w", 0, &ok, &bad, NULL);
    /* the admin fixes the credentials and retries the handoff: its
     * comments are requeued with it, to go after it, in order */
    assert_int_equal(sr_outbox_retry(f->st, r1.job_id, &err), SR_OK);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(job_of(v, n, r1.job_id)->state, SR_JOB_PENDING);
    assert_int_equal(job_of(v, n, r2.job_id)->state, SR_JOB_PENDING);
    assert_int_equal(job_of(v, n, r3.job_id)->state, SR_JOB_PENDING);
    sr_outbox_list_free(v, n);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(a.id, r1.job_id);
    assert_int_equal(sr_outbox_complete(f->st, a.id, "A", "77", &err), SR_OK);
    sr_job_clear(&a);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(a.id, r2.job_id);
    assert_int_equal(a.attempts, 1);
    sr_job_clear(&a);
    st_fx_free(f);
}

/* fill_done - n finished handoff jobs of other tickets (a busy outbox) */
static int fill_done(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    size_t n = *(size_t *)arg;

    for (size_t i = 0; i < n; i++) {
        json_t *snap = json_pack("{ss ss}", "subject", "my order is late, please help",
                                 "requester", "someone@example.com");
        srp_jobspec spec = {"handoff", "zendesk", 900000 + i, 1, NULL, NULL, snap};
        unsigned char k[8];
        MDB_val key = {8, k};
        uint64_t id;
        int rc = srp_outbox_add(st, txn, &spec, 1, &id, err);
        json_decref(snap);
        if (rc != SR_OK)
            return rc;
        srp_u64_key(k, id);
        mdb_del(txn, st->pending, &key, NULL);
    }
    return SR_OK;
}

/* unindex - the store as the code before the handoff index left it */
static int unindex(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    unsigned char kb[11] = {'h', 'o', ':'};
    MDB_val k = {sizeof(kb), kb};

    (void)err;
    srp_u64_key(kb + 3, *(uint64_t *)arg);
    mdb_del(txn, st->meta, &k, NULL);
    return SR_OK;
}

/* reindex - the key the handoff index keeps for r's handoff */
static int reindex(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    const sr_ingest_result *r = arg;
    unsigned char kb[11] = {'h', 'o', ':'}, vb[8];
    MDB_val k = {sizeof(kb), kb}, v = {sizeof(vb), vb};

    (void)err;
    srp_u64_key(kb + 3, r->ticket_id);
    srp_u64_key(vb, r->job_id);
    return mdb_put(txn, st->meta, &k, &v, 0) == 0 ? SR_OK : SR_ESTORE;
}

static st_fx *write_fx;
static void store_write(srp_wfn fn, void *arg)
{
    srp_pin pin;
    sr_error err;
    int rc = srp_store_write(srp_store_pin(write_fx->st, &pin), fn, arg, &err);

    srp_store_unpin(&pin);
    if (rc != SR_OK)
        fail_msg("write: %s", err.msg);
}

static double mono_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* a comment of a ticket whose handoff is parked finds that handoff through
 * an index, not by reading every job queued since (that took ~0.8 s of the
 * worker per comment with 100000 jobs between them); a store written
 * before the index still finds the same job by reading */
static void test_comment_finds_its_handoff_by_index(void **state)
{
    st_fx *f = fx_zendesk("http://127.0.0.1:9", "max_attempts = 1;");
    sr_message *m;
    sr_ingest_result r1;
    sr_job a, *v, *c;
    size_t n, ok, bad, fill = 40000;
    sr_error err;
    char want[64];
    double best[2] = {1e9, 1e9};

    (void)state;
    write_fx = f;
    m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", angry);
    sr_message_set_message_id(m, "<ix@x>", NULL);
    r1 = st_ingest(f->st, m);
    assert_int_equal(sr_outbox_claim(f->st, NULL, "A", 60, &a, &err), SR_OK);
    assert_int_equal(sr_outbox_fail(f->st, a.id, "A", 1, 0, "HTTP 401", &err), SR_OK);
    sr_job_clear(&a);
    store_write(fill_done, &fill);
    snprintf(want, sizeof(want), "handoff (job %llu, failed)", (unsigned long long)r1.job_id);
    for (int old = 0; old < 2; old++) {
        if (old)
            store_write(unindex, &r1.ticket_id);
        for (int i = 0; i < 3; i++) {
            sr_ingest_result rc;
            double t0;
            m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", "and another thing");
            sr_message_set_in_reply_to(m, "<ix@x>", NULL);
            rc = st_ingest(f->st, m);
            assert_int_equal(rc.ticket_id, r1.ticket_id);
            t0 = mono_s();
            sr_outbox_run(f->st, "w", 0, &ok, &bad, NULL);
            t0 = mono_s() - t0;
            best[old] = t0 < best[old] ? t0 : best[old];
            sr_outbox_list(f->st, 1u << SR_JOB_FAILED, &v, &n, NULL);
            c = job_of(v, n, rc.job_id);
            if (c == NULL || strstr(c->last_error, want) == NULL)
                fail_msg("comment parked with \"%s\", want \"%s\"", c ? c->last_error : "",
                         want);
            sr_outbox_list_free(v, n);
        }
    }
    if (best[0] * 5 > best[1])
        fail_msg("comment parked in %.4f s with the index, %.4f s reading %zu jobs", best[0],
                 best[1], fill);
    /* a dropped handoff: its comments are parked saying so, both ways */
    assert_int_equal(sr_outbox_drop(f->st, r1.job_id, 0, &err), SR_OK);
    for (int old = 0; old < 2; old++) {
        sr_ingest_result rc;
        if (!old)
            store_write(reindex, &r1);
        else
            store_write(unindex, &r1.ticket_id);
        m = st_msg(SR_CHANNEL_EMAIL, "a@example.com", "still there?");
        sr_message_set_in_reply_to(m, "<ix@x>", NULL);
        rc = st_ingest(f->st, m);
        sr_outbox_run(f->st, "w", 0, &ok, &bad, NULL);
        sr_outbox_list(f->st, 1u << SR_JOB_FAILED, &v, &n, NULL);
        c = job_of(v, n, rc.job_id);
        if (c == NULL || strstr(c->last_error, "was dropped") == NULL)
            fail_msg("comment parked with \"%s\"", c ? c->last_error : "");
        sr_outbox_list_free(v, n);
    }
    st_fx_free(f);
}

/* more tickets waiting than the claim remembers at once: the order of a
 * ticket's jobs still holds (a comment never overtakes its leased or
 * backed-off predecessor) */
static void test_order_holds_with_many_tickets_waiting(void **state)
{
    st_fx *f = fx_new("lease = 600;");
    sr_message *m;
    sr_job j;
    sr_error err;
    char from[64];
    size_t claimed = 0;

    (void)state;
    for (int i = 0; i < 520; i++) {
        snprintf(from, sizeof(from), "c%d@example.com", i);
        st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, from, angry));
    }
    m = st_msg(SR_CHANNEL_EMAIL, "last@example.com", angry);
    sr_message_set_message_id(m, "<many@x>", NULL);
    st_ingest(f->st, m);
    m = st_msg(SR_CHANNEL_EMAIL, "last@example.com", "and another thing");
    sr_message_set_in_reply_to(m, "<many@x>", NULL);
    st_ingest(f->st, m);
    /* every handoff leased (delivery under way); the comment must wait */
    while (sr_outbox_claim(f->st, NULL, "A", 600, &j, &err) == SR_OK) {
        if (strcmp(j.kind, "handoff") != 0)
            fail_msg("job %llu (%s, ticket %llu) claimed after %zu handoffs",
                     (unsigned long long)j.id, j.kind, (unsigned long long)j.ticket_id, claimed);
        sr_job_clear(&j);
        claimed++;
    }
    assert_int_equal(claimed, 521);
    st_fx_free(f);
}

static void test_method_none_answers_with_links(void **state)
{
    sr_ctx *ctx = st_ctx("handoff = { method = \"none\"; none = { message = \"See our help:\";"
                         " links = [\"https://help.example.com/returns\"]; }; };");
    char *dir = st_tmpdir();
    sr_error err;
    sr_store *st = sr_store_open(ctx, dir, 0, &err);
    sr_ingest_result r;
    sr_job *v;
    size_t n;
    int ev[8] = {0};

    (void)state;
    r = st_ingest(st, st_msg(SR_CHANNEL_CHAT, "v@x/1", "I want to talk to a human agent"));
    assert_true(r.handoff);
    assert_int_equal(r.job_id, 0);
    assert_string_equal(r.none_message, "See our help:\nhttps://help.example.com/returns");
    sr_outbox_list(st, 0, &v, &n, NULL);
    assert_int_equal(n, 0);
    sr_outbox_list_free(v, n);
    sr_store_close(st);
    sr_ctx_free(ctx);
    st_rmdir(dir);
    (void)ev;
}

static void test_method_helpdesk_is_local(void **state)
{
    sr_ctx *ctx = st_ctx("route = { rules = ( { label = \"urgent\"; queue = \"senior\";"
                         " handoff = true; } ); };");
    char *dir = st_tmpdir();
    sr_error err;
    sr_store *st = sr_store_open(ctx, dir, 0, &err);
    sr_ingest_result r;
    sr_ticket t;
    size_t ok = 9, bad = 9;

    (void)state;
    r = st_ingest(st, st_msg(SR_CHANNEL_EMAIL, "a@example.com",
                             "Third time I write: refund me ASAP or I call my lawyer!"));
    assert_true(r.handoff);
    assert_int_equal(r.job_id, 0);
    sr_ticket_get(st, r.ticket_id, &t, NULL);
    assert_true(t.handed_off);
    assert_string_equal(t.method, "helpdesk");
    assert_string_equal(t.queue, "senior");
    assert_int_equal(sr_outbox_run(st, "w", 0, &ok, &bad, &err), SR_OK);
    assert_int_equal(ok + bad, 0);
    sr_store_close(st);
    sr_ctx_free(ctx);
    st_rmdir(dir);
}

/* a helpdesk that hangs up on the first connection at once and on the
 * second after 2.5 s: the first job fails fast, the second slowly */
typedef struct hangup {
    int fd;
    pthread_t th;
} hangup;

static void *hangup_main(void *arg)
{
    hangup *h = arg;

    for (int i = 0; i < 2; i++) {
        int c = accept(h->fd, NULL, NULL);
        if (c < 0)
            break;
        if (i == 1)
            usleep(2500 * 1000);
        close(c);
    }
    return NULL;
}

static int hangup_start(hangup *h)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    h->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(h->fd, 4) != 0 ||
        getsockname(h->fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("listener");
    if (pthread_create(&h->th, NULL, hangup_main, h) != 0)
        fail_msg("thread");
    return ntohs(a.sin_port);
}

/* one run is one pass over the jobs due when it began: a job that failed
 * is not tried again in the same run, even when a slow delivery after it
 * outlasts its backoff ("outbox run --once" makes one attempt) */
static void test_a_run_tries_each_job_once(void **state)
{
    char url[64];
    hangup h;
    sr_job *v;
    size_t n, ok = 9, bad = 9;
    sr_error err;

    (void)state;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", hangup_start(&h));
    st_fx *f = fx_zendesk(url, "max_attempts = 5; backoff_base = 0.2; backoff_max = 1;"
                               " timeout = 10; connect_timeout = 2;");
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "first@example.com", angry));
    st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "second@example.com", angry));
    assert_int_equal(sr_outbox_run(f->st, "w", 0, &ok, &bad, &err), SR_OK);
    assert_int_equal(ok, 0);
    assert_int_equal(bad, 0);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].state, SR_JOB_PENDING);
        if (v[i].attempts != 1)
            fail_msg("job %llu: %d attempts in one run, want 1", (unsigned long long)v[i].id,
                     v[i].attempts);
    }
    sr_outbox_list_free(v, n);
    pthread_join(h.th, NULL);
    close(h.fd);
    st_fx_free(f);
}

/* leased - a server that, at its first connection, counts the jobs leased
 * to worker "w" and the lease they got, then hangs up */
typedef struct leased {
    int fd;
    pthread_t th;
    st_fx *f;
    size_t n;
    int64_t lease;
} leased;

static void *leased_main(void *arg)
{
    leased *l = arg;
    int c = accept(l->fd, NULL, NULL);
    sr_job *v;
    size_t n;

    if (c < 0)
        return NULL;
    if (sr_outbox_list(l->f->st, 1u << SR_JOB_PENDING, &v, &n, NULL) == SR_OK) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(v[i].claimed_by, "w") == 0 && v[i].lease_until > time(NULL)) {
                l->n++;
                l->lease = v[i].lease_until - (int64_t)time(NULL);
            }
        sr_outbox_list_free(v, n);
    }
    close(c);
    close(l->fd);
    return NULL;
}

/* a worker leases no more jobs than it can finish inside the lease even
 * when each makes the most requests a job can make (a Zendesk comment: up
 * to five) and every one of them runs into the timeouts; a job still being
 * sent when its lease ends is claimed and sent again by another worker */
static void test_batch_fits_the_lease_in_the_worst_case(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    char url[64];
    leased l = {0};
    size_t ok, bad;
    /* the defaults: handoff.timeout 20, handoff.connect_timeout 5 */
    const int64_t worst = 5 * (20 + 5);

    (void)state;
    l.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (l.fd < 0 || bind(l.fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l.fd, 4) != 0 ||
        getsockname(l.fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("listener");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
    l.f = fx_zendesk(url, "");
    for (int i = 0; i < 4; i++) {
        char who[64];
        snprintf(who, sizeof(who), "c%d@example.com", i);
        st_ingest(l.f->st, st_msg(SR_CHANNEL_EMAIL, who, angry));
    }
    if (pthread_create(&l.th, NULL, leased_main, &l) != 0)
        fail_msg("thread");
    sr_outbox_run(l.f->st, "w", 0, &ok, &bad, NULL);
    pthread_join(l.th, NULL);
    assert_true(l.n >= 1);
    if ((int64_t)l.n * worst > l.lease + 1)
        fail_msg("%zu jobs leased for %lld s: %lld s of requests in the worst case", l.n,
                 (long long)l.lease, (long long)((int64_t)l.n * worst));
    st_fx_free(l.f);
}

/* slowdesk - a Zendesk that creates each ticket it is sent (201) and
 * notes, for each POST, the job (by its Idempotency-Key) and how much of
 * that job's lease was left when it came; after the first one it moves the
 * store's clock on by `bump` s: the first job took that long */
typedef struct slowdesk {
    int fd;
    pthread_t th;
    st_fx *f;
    int bump;
    size_t n;
    uint64_t job[4];
    int64_t left[4];
} slowdesk;

static void *slowdesk_main(void *arg)
{
    slowdesk *s = arg;

    while (s->n < sizeof(s->job) / sizeof(s->job[0])) {
        char req[16384], resp[256], body[64];
        size_t got = 0;
        const char *end = NULL, *cl, *key;
        int c = accept(s->fd, NULL, NULL);
        sr_job *v;
        size_t nv;
        if (c < 0)
            break;
        /* the headers, then Content-Length bytes of body */
        while (got < sizeof(req) - 1) {
            ssize_t r = read(c, req + got, sizeof(req) - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = '\0';
            if ((end = strstr(req, "\r\n\r\n")) != NULL) {
                cl = strcasestr(req, "Content-Length:");
                if (cl == NULL || got >= (size_t)(end + 4 - req) + strtoul(cl + 15, NULL, 10))
                    break;
            }
        }
        key = strcasestr(req, "Idempotency-Key: sr-unit-j");
        s->job[s->n] = key ? strtoull(key + 26, NULL, 10) : 0;
        s->left[s->n] = -9999;
        if (sr_outbox_list(s->f->st, 1u << SR_JOB_PENDING, &v, &nv, NULL) == SR_OK) {
            for (size_t i = 0; i < nv; i++)
                if (v[i].id == s->job[s->n] && strcmp(v[i].claimed_by, "w") == 0)
                    s->left[s->n] = v[i].lease_until - srp_now();
            sr_outbox_list_free(v, nv);
        }
        if (s->n++ == 0)
            atomic_fetch_add(&srp_clock_skew, s->bump);
        snprintf(body, sizeof(body), "{\"ticket\":{\"id\":%zu}}", 100 + s->n);
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 strlen(body), body);
        if (write(c, resp, strlen(resp)) < 0)
            fail_msg("write");
        close(c);
    }
    return NULL;
}

/* a worker that spent long on the first job of its batch (a slow helpdesk,
 * a stalled disk, a stopped process) does not start the next one with less
 * lease left than a job may need: that job's lease could run out while it
 * is sent, and another worker would claim and send it again.  It is left
 * for a fresh lease, without counting an attempt */
static void test_each_job_starts_with_its_lease(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    char url[64];
    slowdesk s = {0};
    sr_job *v;
    size_t n, ok = 0, bad = 0;
    /* a job's budget: SRP_JOB_MAX_REQUESTS (6) requests of timeout +
     * connect_timeout (1 + 1 s); lease 80 s: two jobs to a batch (each
     * budgeted 6 x 3 s in 40 s) */
    const int64_t budget = SRP_JOB_MAX_REQUESTS * (1 + 1);

    (void)state;
    s.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s.fd < 0 || bind(s.fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s.fd, 4) != 0 || getsockname(s.fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("listener");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
    s.f = fx_zendesk(url, "timeout = 1; connect_timeout = 1; lease = 80;");
    s.bump = 72;   /* 8 s of the lease left after the first job */
    st_ingest(s.f->st, st_msg(SR_CHANNEL_EMAIL, "first@example.com", angry));
    st_ingest(s.f->st, st_msg(SR_CHANNEL_EMAIL, "second@example.com", angry));
    if (pthread_create(&s.th, NULL, slowdesk_main, &s) != 0)
        fail_msg("thread");
    sr_outbox_run(s.f->st, "w", 0, &ok, &bad, NULL);
    shutdown(s.fd, SHUT_RDWR);
    pthread_join(s.th, NULL);
    close(s.fd);
    atomic_store(&srp_clock_skew, 0);
    assert_int_equal(ok, 2);
    assert_int_equal(s.n, 2);
    for (size_t i = 0; i < s.n; i++)
        if (s.left[i] < budget)
            fail_msg("job %llu sent with %lld s of its lease left, a job may need %lld s",
                     (unsigned long long)s.job[i], (long long)s.left[i], (long long)budget);
    /* the job left for the next lease made no attempt there */
    sr_outbox_list(s.f->st, 0, &v, &n, NULL);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].state, SR_JOB_DONE);
        assert_int_equal(v[i].attempts, 1);
    }
    sr_outbox_list_free(v, n);
    st_fx_free(s.f);
}

/* slowfail - a helpdesk that holds each connection for 1 s, then hangs up */
typedef struct slowfail {
    int fd;
    pthread_t th;
    atomic_int n;
} slowfail;

static void *slowfail_main(void *arg)
{
    slowfail *s = arg;

    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        atomic_fetch_add(&s->n, 1);
        usleep(1000 * 1000);
        close(c);
    }
    return NULL;
}

/* stopping the worker thread (a daemon's shutdown) waits for the job being
 * sent, not for every job that was due when its pass began: with a
 * backlog and a slow helpdesk that took hours, past any service manager's
 * stop timeout */
static void test_worker_stops_between_jobs(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    char url[64];
    slowfail s = {.fd = -1};
    sr_outbox_worker *w;
    sr_error err;
    double t0;
    st_fx *f;

    (void)state;
    s.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s.fd < 0 || bind(s.fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s.fd, 16) != 0 || getsockname(s.fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("listener");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
    f = fx_zendesk(url, "timeout = 5; connect_timeout = 1; backoff_base = 60;");
    for (int i = 0; i < 6; i++) {
        char who[64];
        snprintf(who, sizeof(who), "c%d@example.com", i);
        st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, who, angry));
    }
    if (pthread_create(&s.th, NULL, slowfail_main, &s) != 0)
        fail_msg("thread");
    w = sr_outbox_worker_start(f->st, "thread", 50, &err);
    assert_non_null(w);
    while (atomic_load(&s.n) == 0)
        usleep(10 * 1000);
    t0 = mono_s();
    sr_outbox_worker_stop(w);
    t0 = mono_s() - t0;
    shutdown(s.fd, SHUT_RDWR);
    pthread_join(s.th, NULL);
    close(s.fd);
    if (t0 > 2.5 || atomic_load(&s.n) > 2)
        fail_msg("the worker stopped after %.1f s and %d of the 6 jobs", t0, atomic_load(&s.n));
    st_fx_free(f);
}

/* hookdesk - a webhook receiver that answers each signed POST 200 and
 * counts, per job (X-Sentiroute-Idempotency-Key sr-unit-jN), the requests
 * it processed; with kill_at > 0 it SIGKILLs `victim` when that
 * connection (1-based) comes, before reading it: the worker dies mid-batch
 * while the request of that job was never processed */
typedef struct hookdesk {
    int fd;
    pthread_t th;
    pid_t victim;
    int kill_at, conns;
    int count[16];
} hookdesk;

static void *hookdesk_main(void *arg)
{
    hookdesk *h = arg;

    for (;;) {
        char req[16384], resp[256];
        size_t got = 0;
        const char *end, *cl, *key;
        int c = accept(h->fd, NULL, NULL);
        if (c < 0)
            break;
        if (++h->conns == h->kill_at) {
            kill(h->victim, SIGKILL);
            waitpid(h->victim, NULL, 0);
            close(c);
            break;
        }
        while (got < sizeof(req) - 1) {
            ssize_t r = read(c, req + got, sizeof(req) - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = '\0';
            if ((end = strstr(req, "\r\n\r\n")) != NULL) {
                cl = strcasestr(req, "Content-Length:");
                if (cl == NULL || got >= (size_t)(end + 4 - req) + strtoul(cl + 15, NULL, 10))
                    break;
            }
        }
        req[got] = '\0';
        key = strcasestr(req, "X-Sentiroute-Idempotency-Key: sr-unit-j");
        if (key != NULL) {
            unsigned long id = strtoul(key + 39, NULL, 10);
            if (id < sizeof(h->count) / sizeof(h->count[0]))
                h->count[id]++;
        }
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: 11\r\nConnection: close\r\n\r\n{\"id\":\"r\"}\n");
        if (write(c, resp, strlen(resp)) < 0)
            break;
        close(c);
    }
    return NULL;
}

/* a worker killed (SIGKILL) in the middle of a batch: the jobs of the
 * batch it had delivered are recorded as done, so the worker that takes
 * the batch over when the lease ends sends only the rest; a webhook
 * receiver (like SMTP, no lookup before a resend) gets each job once */
static void test_worker_killed_mid_batch_resends_nothing(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    char conf[1024], sec[300];
    char *dir = st_tmpdir();
    hookdesk h = {0};
    sr_job *v;
    size_t n, ok = 0, bad = 0;
    sr_error err;
    st_fx *f;
    int fd;

    (void)state;
    h.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (h.fd < 0 || bind(h.fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(h.fd, 8) != 0 || getsockname(h.fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("listener");
    snprintf(sec, sizeof(sec), "%s/secret", dir);
    fd = open(sec, O_WRONLY | O_CREAT, 0600);
    if (fd < 0 || write(fd, "s3cret\n", 7) != 7)
        fail_msg("secret file");
    close(fd);
    /* a lease of 300 s with 5 x (1 + 1 + 1) s per job: batches of 10 */
    snprintf(conf, sizeof(conf),
             "handoff = { method = \"webhook\"; timeout = 1; connect_timeout = 1; lease = 300;\n"
             "  webhook = { url = \"http://127.0.0.1:%d/hook\"; secret_file = \"%s\"; }; };\n"
             "route = { rules = ( { label = [\"urgent\", \"negative\"]; handoff = true; } ); };",
             ntohs(a.sin_port), sec);
    f = st_fx_new_in(dir, conf);
    for (int i = 0; i < 5; i++) {
        char who[64];
        snprintf(who, sizeof(who), "k%d@example.com", i);
        st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, who, angry));
    }
    sr_store_close(f->st);   /* the worker process opens its own */
    h.kill_at = 4;           /* three jobs of the batch delivered, then SIGKILL */
    h.victim = fork();
    if (h.victim < 0)
        fail_msg("fork");
    if (h.victim == 0) {
        sr_ctx *ctx = st_ctx(conf);
        sr_store *st = sr_store_open(ctx, dir, 0, &err);
        close(h.fd);
        if (st != NULL)
            sr_outbox_run(st, "w1", 0, NULL, NULL, &err);
        _exit(3);
    }
    hookdesk_main(&h);
    if (h.conns != h.kill_at) {
        waitpid(h.victim, NULL, 0);
        fail_msg("the worker made %d connections and ended by itself", h.conns);
    }
    /* the next worker, once the dead one's lease ran out */
    f->st = sr_store_open(f->ctx, dir, 0, &err);
    assert_non_null(f->st);
    atomic_fetch_add(&srp_clock_skew, 301);
    h.kill_at = 0;
    if (pthread_create(&h.th, NULL, hookdesk_main, &h) != 0)
        fail_msg("thread");
    assert_int_equal(sr_outbox_run(f->st, "w2", 0, &ok, &bad, &err), SR_OK);
    shutdown(h.fd, SHUT_RDWR);
    pthread_join(h.th, NULL);
    close(h.fd);
    atomic_store(&srp_clock_skew, 0);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].state, SR_JOB_DONE);
        if (h.count[v[i].id] != 1)
            fail_msg("job %llu reached the receiver %d times, want once",
                     (unsigned long long)v[i].id, h.count[v[i].id]);
    }
    sr_outbox_list_free(v, n);
    st_fx_free(f);
}

static void test_worker_thread_starts_and_stops(void **state)
{
    st_fx *f = fx_new(NULL);
    sr_error err;
    sr_outbox_worker *w = sr_outbox_worker_start(f->st, "thread", 50, &err);

    (void)state;
    assert_non_null(w);
    sr_outbox_worker_kick(w);
    usleep(100000);
    sr_outbox_worker_stop(w);
    sr_outbox_worker_stop(NULL);
    st_fx_free(f);
}

/* last_msg - the ticket's latest transcript entry (text copied into buf) */
static sr_stored_message last_msg(sr_store *st, uint64_t ticket, char *buf, size_t size,
                                  size_t *count)
{
    sr_stored_message *m, last;
    size_t n;
    sr_error err;

    if (sr_ticket_transcript(st, ticket, &m, &n, &err) != SR_OK || n == 0)
        fail_msg("transcript: %s", err.msg);
    last = m[n - 1];
    snprintf(buf, size, "%s", m[n - 1].text);
    last.text = buf;
    sr_transcript_free(m, n);
    *count = n;
    return last;
}

/* claim_chat - the chat adapter's claim of its next reply */
static sr_job claim_chat(sr_store *st)
{
    sr_job j;
    sr_error err;

    if (sr_outbox_claim(st, "chat", "bridge", 60, &j, &err) != SR_OK)
        fail_msg("claim: %s", err.msg);
    return j;
}

static void test_failed_reply_is_noted_on_the_ticket(void **state)
{
    st_fx *f = st_fx_new(NULL);   /* the built-in helpdesk */
    sr_ingest_result r = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "v@anon.test/web",
                                                 "where is my parcel"));
    sr_stored_message m;
    sr_ticket t;
    sr_job j, got;
    char text[600], want[200];
    size_t n, n2;
    uint64_t job;
    sr_error err;

    (void)state;
    assert_int_equal(sr_ticket_reply(f->st, r.ticket_id, "anna", "It left today", 13, &job, &err),
                     SR_OK);
    j = claim_chat(f->st);
    assert_int_equal(j.id, job);
    /* the adapter reads a job back by id */
    assert_int_equal(sr_outbox_get(f->st, job, &got, &err), SR_OK);
    assert_string_equal(got.kind, "deliver");
    assert_string_equal(got.to, j.to);
    assert_string_equal(got.text, "It left today");
    sr_job_clear(&got);
    assert_int_equal(sr_outbox_fail(f->st, j.id, "bridge", 1, 0,
                                    "not delivered: the visitor is gone: v@anon.test (cancel "
                                    "error service-unavailable)", &err), SR_OK);
    sr_job_clear(&j);
    /* the agent sees it on the ticket: a note, open again, tagged */
    m = last_msg(f->st, r.ticket_id, text, sizeof(text), &n);
    assert_int_equal(m.direction, SR_DIR_NOTE);
    assert_string_equal(m.author, "sentiroute");
    snprintf(want, sizeof(want), "Reply #2 was not delivered (outbox job %llu): the visitor is "
             "gone: v@anon.test (cancel error service-unavailable)", (unsigned long long)job);
    assert_string_equal(text, want);
    assert_int_equal(sr_ticket_get(f->st, r.ticket_id, &t, &err), SR_OK);
    assert_int_equal(t.status, SR_STATUS_OPEN);
    assert_string_equal(t.tags, "undelivered");
    assert_int_equal(t.nmessages, n);

    /* a later reply that arrives drops the tag; the note stays */
    assert_int_equal(sr_ticket_reply(f->st, r.ticket_id, "anna", "Sorry: it left", 14, &job,
                                     &err), SR_OK);
    j = claim_chat(f->st);
    assert_int_equal(sr_outbox_complete(f->st, j.id, "bridge", NULL, &err), SR_OK);
    sr_job_clear(&j);
    assert_int_equal(sr_ticket_get(f->st, r.ticket_id, &t, &err), SR_OK);
    assert_string_equal(t.tags, "");
    assert_int_equal(t.status, SR_STATUS_PENDING);

    /* that one bounces after it was done: failed, and noted the same way */
    assert_int_equal(sr_outbox_undelivered(f->st, job, "not delivered: v@anon.test (cancel error "
                                           "item-not-found)", &err), SR_OK);
    assert_int_equal(sr_outbox_get(f->st, job, &got, &err), SR_OK);
    assert_int_equal(got.state, SR_JOB_FAILED);
    assert_non_null(strstr(got.last_error, "item-not-found"));
    sr_job_clear(&got);
    m = last_msg(f->st, r.ticket_id, text, sizeof(text), &n);
    assert_int_equal(m.direction, SR_DIR_NOTE);
    snprintf(want, sizeof(want), "Reply #4 was not delivered (outbox job %llu): v@anon.test "
             "(cancel error item-not-found)", (unsigned long long)job);
    assert_string_equal(text, want);
    assert_int_equal(sr_ticket_get(f->st, r.ticket_id, &t, &err), SR_OK);
    assert_int_equal(t.status, SR_STATUS_OPEN);
    assert_string_equal(t.tags, "undelivered");
    /* a second bounce (another part of it) adds nothing */
    assert_int_equal(sr_outbox_undelivered(f->st, job, "again", &err), SR_EEXIST);
    last_msg(f->st, r.ticket_id, text, sizeof(text), &n2);
    assert_int_equal(n2, n);
    /* nor one for a reply not sent yet, or for what is not a reply */
    assert_int_equal(sr_ticket_reply(f->st, r.ticket_id, "anna", "Hello?", 6, &job, &err), SR_OK);
    assert_int_equal(sr_outbox_undelivered(f->st, job, "x", &err), SR_EINVAL);
    assert_int_equal(sr_outbox_undelivered(f->st, 9999, "x", &err), SR_ENOTFOUND);
    st_fx_free(f);
}

/* a reply that bounces after it was done with a temporary error (XMPP
 * "wait": retry after waiting) goes again later, not failed for good;
 * only once its attempts are used up is it parked and noted.  It used to
 * be failed and noted at the first one (sr_outbox_undelivered only) */
static void test_late_temporary_bounce_sends_the_reply_again(void **state)
{
    st_fx *f = st_fx_new("handoff = { max_attempts = 2; };");
    sr_ingest_result r = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "v@anon.test/web",
                                                 "where is my parcel"));
    sr_stored_message m;
    sr_job j, got;
    sr_job_state js = SR_JOB_DONE;
    char text[600];
    size_t n, n2;
    uint64_t job;
    sr_error err;
    int64_t before;

    (void)state;
    assert_int_equal(sr_ticket_reply(f->st, r.ticket_id, "anna", "It left today", 13, &job, &err),
                     SR_OK);
    j = claim_chat(f->st);
    assert_int_equal(sr_outbox_complete(f->st, j.id, "bridge", NULL, &err), SR_OK);
    sr_job_clear(&j);
    last_msg(f->st, r.ticket_id, text, sizeof(text), &n);
    before = (int64_t)time(NULL);
    assert_int_equal(sr_outbox_undelivered_later(f->st, job, 60, "not delivered (wait error "
                                                 "resource-constraint)", &js, &err), SR_OK);
    assert_int_equal(js, SR_JOB_PENDING);
    assert_int_equal(sr_outbox_get(f->st, job, &got, &err), SR_OK);
    if (got.state != SR_JOB_PENDING)
        fail_msg("state: got %s, want pending", sr_job_state_name(got.state));
    assert_true(got.next_attempt_at >= before + 60);
    assert_non_null(strstr(got.last_error, "resource-constraint"));
    assert_int_equal(got.claimed_by[0], '\0');
    sr_job_clear(&got);
    /* nothing on the ticket: it has not failed */
    m = last_msg(f->st, r.ticket_id, text, sizeof(text), &n2);
    assert_int_equal(n2, n);
    assert_int_not_equal(m.direction, SR_DIR_NOTE);
    /* not due before its time; a bounce of another part meanwhile is no
     * second requeue */
    assert_int_equal(sr_outbox_claim(f->st, "chat", "bridge", 60, &j, &err), SR_ENOTFOUND);
    assert_int_equal(sr_outbox_undelivered_later(f->st, job, 60, "again", &js, &err), SR_EINVAL);
    /* once due (here by an admin's retry) it goes again, the same text */
    assert_int_equal(sr_outbox_retry(f->st, job, &err), SR_OK);
    j = claim_chat(f->st);
    assert_int_equal(j.id, job);
    assert_string_equal(j.text, "It left today");
    sr_job_clear(&j);
    st_fx_free(f);

    /* with its attempts used up (max_attempts 1: the first send was it),
     * parked as failed and noted as a permanent bounce is */
    f = st_fx_new("handoff = { max_attempts = 1; };");
    r = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "v@anon.test/web", "where is my parcel"));
    assert_int_equal(sr_ticket_reply(f->st, r.ticket_id, "anna", "It left today", 13, &job, &err),
                     SR_OK);
    j = claim_chat(f->st);
    assert_int_equal(sr_outbox_complete(f->st, j.id, "bridge", NULL, &err), SR_OK);
    sr_job_clear(&j);
    assert_int_equal(sr_outbox_undelivered_later(f->st, job, 60, "not delivered (wait error "
                                                 "resource-constraint)", &js, &err), SR_OK);
    assert_int_equal(js, SR_JOB_FAILED);
    assert_int_equal(sr_outbox_get(f->st, job, &got, &err), SR_OK);
    assert_int_equal(got.state, SR_JOB_FAILED);
    sr_job_clear(&got);
    m = last_msg(f->st, r.ticket_id, text, sizeof(text), &n);
    assert_int_equal(m.direction, SR_DIR_NOTE);
    assert_non_null(strstr(text, "resource-constraint"));
    st_fx_free(f);
}

/* a reply that bounces after it was done with a temporary error is
 * requeued as a failed attempt is: the same fields (state, attempts, last
 * error, lease, claim, next attempt) and no done time left on a job that
 * is pending again.  The two copies of the requeue (finish_write and
 * sr_outbox_undelivered_later) agreed on all of them except the done time,
 * which the bounce kept (duplicates finding D6) */
static void test_bounce_after_done_requeues_as_a_failed_attempt(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result r1 = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "v1@anon.test/web",
                                                  "where is my parcel"));
    sr_ingest_result r2 = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "v2@anon.test/web",
                                                  "where is my refund"));
    sr_job j, failed, bounced;
    sr_job_state js = SR_JOB_DONE;
    uint64_t job1, job2;
    int64_t now;
    sr_error err;

    (void)state;
    assert_int_equal(sr_ticket_reply(f->st, r1.ticket_id, "anna", "It left", 7, &job1, &err),
                     SR_OK);
    assert_int_equal(sr_ticket_reply(f->st, r2.ticket_id, "anna", "It is paid", 10, &job2,
                                     &err), SR_OK);
    now = (int64_t)time(NULL);
    /* reply 1: its attempt fails (a "wait" error before it was confirmed) */
    j = claim_chat(f->st);
    assert_int_equal(j.id, job1);
    assert_int_equal(sr_outbox_fail(f->st, j.id, "bridge", 0, 60, "wait 1", &err), SR_OK);
    sr_job_clear(&j);
    /* reply 2: done, then the same error comes late */
    j = claim_chat(f->st);
    assert_int_equal(j.id, job2);
    assert_int_equal(sr_outbox_complete(f->st, j.id, "bridge", NULL, &err), SR_OK);
    sr_job_clear(&j);
    assert_int_equal(sr_outbox_undelivered_later(f->st, job2, 60, "wait 2", &js, &err), SR_OK);
    assert_int_equal(js, SR_JOB_PENDING);

    assert_int_equal(sr_outbox_get(f->st, job1, &failed, &err), SR_OK);
    assert_int_equal(sr_outbox_get(f->st, job2, &bounced, &err), SR_OK);
    if (failed.state != SR_JOB_PENDING || bounced.state != SR_JOB_PENDING)
        fail_msg("state: got %s and %s, want pending", sr_job_state_name(failed.state),
                 sr_job_state_name(bounced.state));
    if (failed.attempts != 1 || bounced.attempts != 1)
        fail_msg("attempts: got %d and %d, want 1 (the next claim counts the next)",
                 failed.attempts, bounced.attempts);
    assert_string_equal(failed.last_error, "wait 1");
    assert_string_equal(bounced.last_error, "wait 2");
    assert_string_equal(failed.claimed_by, "");
    assert_string_equal(bounced.claimed_by, "");
    assert_int_equal(failed.lease_until, 0);
    assert_int_equal(bounced.lease_until, 0);
    if (failed.next_attempt_at < now + 60 || failed.next_attempt_at > now + 63 ||
        bounced.next_attempt_at < now + 60 || bounced.next_attempt_at > now + 63)
        fail_msg("next attempt: got now+%lld and now+%lld, want now+61 (+2)",
                 (long long)(failed.next_attempt_at - now),
                 (long long)(bounced.next_attempt_at - now));
    if (failed.done_at != 0 || bounced.done_at != 0)
        fail_msg("done_at of a pending job: got %lld (failed attempt) and %lld (bounced), "
                 "want 0", (long long)failed.done_at, (long long)bounced.done_at);
    sr_job_clear(&failed);
    sr_job_clear(&bounced);
    st_fx_free(f);
}

static void test_failed_reply_noted_at_the_helpdesk(void **state)
{
    st_fx *f = fx_new(NULL);   /* zendesk: its comments are internal notes */
    sr_ingest_result r = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "v@anon.test/web", angry));
    sr_stored_message m;
    sr_job j, *v;
    char text[600];
    size_t n, nj, comments = 0;
    uint64_t job;
    sr_error err;

    (void)state;
    assert_true(r.handoff);
    assert_int_equal(sr_ticket_reply(f->st, r.ticket_id, "zendesk:anna", "We are on it", 12, &job,
                                     &err), SR_OK);
    j = claim_chat(f->st);
    assert_int_equal(sr_outbox_fail(f->st, j.id, "bridge", 1, 0, "not delivered: gone", &err),
                     SR_OK);
    sr_job_clear(&j);
    m = last_msg(f->st, r.ticket_id, text, sizeof(text), &n);
    assert_int_equal(m.direction, SR_DIR_NOTE);
    assert_int_equal(sr_outbox_list(f->st, 1u << SR_JOB_PENDING, &v, &nj, &err), SR_OK);
    for (size_t i = 0; i < nj; i++)
        if (strcmp(v[i].kind, "comment") == 0) {
            comments++;
            assert_string_equal(v[i].target, "zendesk");
            assert_int_equal(v[i].msg_seq, m.seq);   /* the note goes there */
        }
    sr_outbox_list_free(v, nj);
    assert_int_equal(comments, 1);
    st_fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handoff_job_committed_with_message),
        cmocka_unit_test(test_adapter_request_hands_off_with_the_message),
        cmocka_unit_test(test_lease_excludes_second_worker),
        cmocka_unit_test(test_expired_lease_is_claimed_again),
        cmocka_unit_test(test_retry_after_and_backoff_schedule),
        cmocka_unit_test(test_failed_jobs_parked_retry_and_drop),
        cmocka_unit_test(test_failed_reply_is_noted_on_the_ticket),
        cmocka_unit_test(test_late_temporary_bounce_sends_the_reply_again),
        cmocka_unit_test(test_bounce_after_done_requeues_as_a_failed_attempt),
        cmocka_unit_test(test_failed_reply_noted_at_the_helpdesk),
        cmocka_unit_test(test_retry_leaves_a_leased_job_alone),
        cmocka_unit_test(test_drop_force_takes_a_leased_job),
        cmocka_unit_test(test_ticket_jobs_delivered_in_order),
        cmocka_unit_test(test_order_holds_with_many_tickets_waiting),
        cmocka_unit_test(test_comments_follow_a_parked_handoff),
        cmocka_unit_test(test_comment_finds_its_handoff_by_index),
        cmocka_unit_test(test_method_none_answers_with_links),
        cmocka_unit_test(test_method_helpdesk_is_local),
        cmocka_unit_test(test_a_run_tries_each_job_once),
        cmocka_unit_test(test_batch_fits_the_lease_in_the_worst_case),
        cmocka_unit_test(test_each_job_starts_with_its_lease),
        cmocka_unit_test(test_worker_thread_starts_and_stops),
        cmocka_unit_test(test_worker_stops_between_jobs),
        cmocka_unit_test(test_worker_killed_mid_batch_resends_nothing),
    };
    return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}
