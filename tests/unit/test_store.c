/*
 * test_store - the LMDB store through sr_ingest and the ticket API:
 * threading per channel, ticket lifecycle, sentiment following the latest
 * customer message, profiles, queries, group commit, read-only opens,
 * MDB_MAP_FULL
 */
#include "build-config.h"

#include "store_testutil.h"

#include "store.h"

#include <stdatomic.h>
#include <sys/stat.h>

#include <pthread.h>

/* strdup fails for one text while fail_dup names it (-Wl,--wrap=strdup) */
char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);
static const char *fail_dup;

char *__wrap_strdup(const char *s)
{
    if (fail_dup != NULL && s != NULL && strcmp(s, fail_dup) == 0)
        return NULL;
    return __real_strdup(s);
}

/* mdb_env_sync wrapped: while sync_wait_for is set, a flush waits (up
 * to 300 ms) for that flag to be set first, and tells whether it was */
int __real_mdb_env_sync(MDB_env *env, int force);
int __wrap_mdb_env_sync(MDB_env *env, int force);
static atomic_int *_Atomic sync_wait_for;
static atomic_int set_before_sync = -1;

int __wrap_mdb_env_sync(MDB_env *env, int force)
{
    atomic_int *flag = sync_wait_for;

    if (flag != NULL) {
        for (int i = 0; i < 300 && !atomic_load(flag); i++)
            usleep(1000);
        atomic_store(&set_before_sync, atomic_load(flag));
        sync_wait_for = NULL;
    }
    return __real_mdb_env_sync(env, force);
}

static sr_message *email(const char *from, const char *text, const char *mid, const char *irt,
                         const char *refs)
{
    sr_message *m = st_msg(SR_CHANNEL_EMAIL, from, text);
    sr_message_set_message_id(m, mid, NULL);
    sr_message_set_in_reply_to(m, irt, NULL);
    sr_message_set_references(m, refs, NULL);
    return m;
}

static void test_store_schema_and_reopen_readonly(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_store *ro;
    sr_error err;
    sr_ingest_result r;
    sr_message *m;

    (void)state;
    assert_int_equal(sr_store_schema_version(f->st), 1);
    st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "hello"));
    ro = sr_store_open(f->ctx, f->dir, SR_STORE_RDONLY, &err);
    assert_non_null(ro);
    m = st_msg(SR_CHANNEL_SMS, "+4915112345678", "again");
    assert_int_equal(sr_ingest(ro, m, &r, &err), SR_EINVAL);   /* readers never write */
    sr_message_free(m);
    /* the writer keeps writing while the reader is open */
    st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "and again"));
    sr_ticket t;
    assert_int_equal(sr_ticket_get(ro, 1, &t, &err), SR_OK);
    assert_int_equal(t.nmessages, 2);
    sr_store_close(ro);
    st_fx_free(f);
}

/* writer.lock (the flock that serialises writers, core/store.c) is made
 * with the store directory's owner, so that a milter running as its own
 * user can open the file root's sentiroutectl created; and a lock file that
 * cannot be opened at all never keeps a store from opening and writing */
static void test_writer_lock_owner_and_fallback(void **state)
{
    static const char *const names[] = {"writer.lock", "reader.lock"};
    char *dir = st_tmpdir(), path[512], target[512];
    struct stat sb;
    st_fx *f;

    (void)state;
    if (geteuid() == 0)
        assert_int_equal(chown(dir, 65534, 65534), 0);
    f = st_fx_new_in(dir, NULL);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_uid, geteuid() == 0 ? 65534u : geteuid());
    }
    st_fx_free(f);

    for (int i = 0; i < 2; i++) {
        dir = st_tmpdir();
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        snprintf(target, sizeof(target), "%s/no/such/dir", dir);
        assert_int_equal(symlink(target, path), 0);   /* neither made nor opened */
        f = st_fx_new_in(dir, NULL);
        st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "still written"));
        sr_ticket t;
        sr_error err;
        assert_int_equal(sr_ticket_get(f->st, 1, &t, &err), SR_OK);
        assert_int_equal(t.nmessages, 1);
        st_fx_free(f);
    }
}

/* with store.sync the data file keeps written room past LMDB's last page
 * (keep_ahead), the zeros are no part of the database, and without sync
 * nothing is added */
static void test_durable_store_keeps_written_room(void **state)
{
    sr_ctx *ctx = st_ctx("store = { sync = true; instance = \"unit\"; };\n");
    sr_ctx *nctx = st_ctx(NULL);
    char *dir = st_tmpdir(), *ndir = st_tmpdir(), path[300];
    sr_error err;
    sr_store *st = sr_store_open(ctx, dir, 0, &err), *nst = sr_store_open(nctx, ndir, 0, &err);
    struct stat sb;
    sr_ticket t;

    (void)state;
    assert_non_null(st);
    assert_non_null(nst);
    for (int i = 0; i < 20; i++) {
        char from[32];
        snprintf(from, sizeof(from), "c%d@example.org", i);
        st_ingest(st, st_msg(SR_CHANNEL_EMAIL, from, "Where is my parcel? Third time I write."));
        st_ingest(nst, st_msg(SR_CHANNEL_EMAIL, from, "Where is my parcel? Third time I write."));
    }
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size >= 2 * 1024 * 1024);
    assert_true(sb.st_blocks * 512 >= 2 * 1024 * 1024);   /* written, not sparse */
    snprintf(path, sizeof(path), "%s/data.mdb", ndir);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size < 1024 * 1024);
    sr_store_close(st);
    sr_store_close(nst);
    /* reopened: every ticket reads back, and writing goes on */
    st = sr_store_open(ctx, dir, 0, &err);
    assert_non_null(st);
    for (uint64_t id = 1; id <= 20; id++) {
        assert_int_equal(sr_ticket_get(st, id, &t, &err), SR_OK);
        assert_int_equal(t.nmessages, 1);
    }
    assert_int_equal(st_ingest(st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "Thanks!")).ticket_id,
                     21);
    assert_int_equal(st_ingest(st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "Again")).ticket_id,
                     21);
    assert_int_equal(sr_ticket_get(st, 21, &t, &err), SR_OK);
    assert_int_equal(t.nmessages, 2);
    sr_store_close(st);
    sr_ctx_free(ctx);
    sr_ctx_free(nctx);
    st_rmdir(dir);
    st_rmdir(ndir);
}

static void test_store_readonly_missing_store_fails_cleanly(void **state)
{
    sr_ctx *ctx = st_ctx(NULL);
    sr_error err;
    char *dir = st_tmpdir(), path[300];

    (void)state;
    snprintf(path, sizeof(path), "%s/none", dir);
    assert_null(sr_store_open(ctx, path, SR_STORE_RDONLY, &err));
    assert_int_equal(err.code, SR_ENOTFOUND);
    sr_ctx_free(ctx);
    st_rmdir(dir);
}

static void test_email_threads_by_reply_headers(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a, b, c, d;

    (void)state;
    a = st_ingest(f->st, email("Jane Doe <Jane@Example.com>", "Order 17 is late", "<1@x>", NULL, NULL));
    b = st_ingest(f->st, email("jane@example.com", "Any news?", "<2@x>", "<1@x>", NULL));
    /* In-Reply-To unknown, but References names the thread */
    c = st_ingest(f->st, email("jane@example.com", "Hello??", "<3@x>", "<zz@y>", "<1@x> <2@x>"));
    d = st_ingest(f->st, email("jane@example.com", "Another topic", "<4@x>", NULL, NULL));
    assert_true(a.created);
    assert_int_equal(b.ticket_id, a.ticket_id);
    assert_int_equal(c.ticket_id, a.ticket_id);
    assert_int_equal(c.msg_seq, 3);
    assert_int_not_equal(d.ticket_id, a.ticket_id);
    sr_ticket t;
    assert_int_equal(sr_ticket_get(f->st, a.ticket_id, &t, NULL), SR_OK);
    assert_string_equal(t.requester, "jane@example.com");
    assert_string_equal(t.email, "jane@example.com");
    st_fx_free(f);
}

/* an email sender's key is the whole address: a quoted local part keeps
 * its blank.  Cut at it, "john doe"@ and "john smith"@ were both "john:
 * the requester an answer goes to, and the sender a copied Message-ID is
 * checked against (john smith's mail with john doe's id was threaded onto
 * his ticket).  A comment after the address and a display name before it
 * are no part of the key. */
static void test_email_key_keeps_quoted_local_part(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result doe, smith, again, named, plain;
    sr_ticket t;

    (void)state;
    doe = st_ingest(f->st, email("\"john doe\"@example.com", "Order 1 is late", "<q1@x>", NULL,
                                 NULL));
    assert_true(doe.created);
    assert_int_equal(sr_ticket_get(f->st, doe.ticket_id, &t, NULL), SR_OK);
    if (strcmp(t.requester, "\"john doe\"@example.com") != 0)
        fail_msg("requester: got '%s', want '\"john doe\"@example.com'", t.requester);
    /* another customer's mail that copies john doe's Message-ID */
    smith = st_ingest(f->st, email("\"john smith\"@example.com", "Order 2 is late", "<q1@x>",
                                   NULL, NULL));
    if (smith.ticket_id == doe.ticket_id)
        fail_msg("got \"john smith\" on ticket %llu of \"john doe\", want a ticket of its own",
                 (unsigned long long)doe.ticket_id);
    assert_int_equal(sr_ticket_get(f->st, smith.ticket_id, &t, NULL), SR_OK);
    assert_string_equal(t.requester, "\"john smith\"@example.com");
    /* john doe's own mail delivered again, written otherwise: the same key */
    again = st_ingest(f->st, email("\"John Doe\"@Example.com (John)", "Order 1 is late",
                                   "<q1@x>", NULL, NULL));
    named = st_ingest(f->st, email("John \"<JD>\" Doe <\"john doe\"@example.com>",
                                   "Order 1 is late", "<q1@x>", NULL, NULL));
    assert_int_equal(again.ticket_id, doe.ticket_id);
    assert_int_equal(named.ticket_id, doe.ticket_id);
    assert_int_equal(sr_ticket_get(f->st, doe.ticket_id, &t, NULL), SR_OK);
    assert_int_equal(t.nmessages, 1);   /* stored once */
    plain = st_ingest(f->st, email("jane@example.com (Jane)", "Order 3", "<q5@x>", NULL, NULL));
    assert_int_equal(sr_ticket_get(f->st, plain.ticket_id, &t, NULL), SR_OK);
    assert_string_equal(t.requester, "jane@example.com");
    st_fx_free(f);
}

/* a Message-ID already in the index keeps its ticket: a second delivery of
 * the same message (a sender's retry after a lost 250, two transactions
 * for two support addresses) makes no second ticket, and a message that
 * copies another's Message-ID (anyone CC'd on it knows it) cannot point
 * the customer's later replies at a ticket of its own, whose requester an
 * agent's answer to them would then go to */
static void test_known_message_id_keeps_its_ticket(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a, dup, evil, reply, other;

    (void)state;
    a = st_ingest(f->st, email("jane@example.com", "Order 17 is late", "<1@jane>", NULL, NULL));
    dup = st_ingest(f->st, email("jane@example.com", "Order 17 is late", "<1@jane>", NULL, NULL));
    assert_true(a.created);
    assert_false(dup.created);
    assert_int_equal(dup.ticket_id, a.ticket_id);
    /* the copy threads elsewhere by its In-Reply-To: it gets that ticket,
     * the Message-ID stays with Jane's */
    other = st_ingest(f->st, email("mallory@evil.test", "Hello", "<m1@evil>", NULL, NULL));
    evil = st_ingest(f->st, email("mallory@evil.test", "Hi again", "<1@jane>", "<m1@evil>", NULL));
    assert_int_not_equal(other.ticket_id, a.ticket_id);
    reply = st_ingest(f->st, email("jane@example.com", "Any news? Card ends 1234", "<2@jane>",
                                   "<1@jane>", "<1@jane>"));
    assert_int_equal(evil.ticket_id, other.ticket_id);
    assert_int_equal(reply.ticket_id, a.ticket_id);
    st_fx_free(f);
}

/* the same mail delivered again (the sender's retry after a lost 250 or
 * a 4xx, Postfix's redelivery, one transaction per support address) is
 * stored once: its ticket keeps one copy in the transcript and counts it
 * once; the same Message-ID from another sender is a message of its own,
 * in a ticket of its own */
static void test_redelivered_message_is_stored_once(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a, dup, other;
    sr_stored_message *tr;
    sr_ticket t;
    sr_error err;
    size_t n;

    (void)state;
    a = st_ingest(f->st, email("jane@example.com", "Order 17 is late", "<1@jane>", NULL, NULL));
    dup = st_ingest(f->st, email("Jane@Example.com", "Order 17 is late", " <1@jane> ", NULL, NULL));
    assert_int_equal(dup.ticket_id, a.ticket_id);
    assert_false(dup.created);
    assert_int_equal(sr_ticket_transcript(f->st, a.ticket_id, &tr, &n, &err), SR_OK);
    sr_transcript_free(tr, n);
    if (n != 1)
        fail_msg("transcript: got %zu messages, want 1", n);
    assert_int_equal(sr_ticket_get(f->st, a.ticket_id, &t, &err), SR_OK);
    assert_int_equal(t.nmessages, 1);
    assert_true(dup.duplicate);
    assert_false(a.duplicate);
    assert_int_equal(dup.msg_seq, a.msg_seq);
    assert_string_equal(dup.queue, a.queue);
    /* another sender with that Message-ID and no reply headers is no
     * copy and no reply: a ticket of its own, Jane's stays as it was */
    other = st_ingest(f->st, email("mallory@evil.test", "Order 17 is late", "<1@jane>", NULL, NULL));
    assert_false(other.duplicate);
    assert_true(other.created);
    assert_int_not_equal(other.ticket_id, a.ticket_id);
    assert_int_equal(sr_ticket_get(f->st, a.ticket_id, &t, &err), SR_OK);
    assert_int_equal(t.nmessages, 1);
    /* Jane's next reply still finds her ticket */
    other = st_ingest(f->st, email("jane@example.com", "Any news?", "<2@jane>", "<1@jane>", NULL));
    assert_int_equal(other.ticket_id, a.ticket_id);
    st_fx_free(f);
}

/* no memory for a message's text while reading a transcript: an error,
 * not a transcript with a hole (a NULL text the callers would print or
 * send) */
static void test_transcript_out_of_memory_fails_cleanly(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a, b;
    sr_stored_message *tr = NULL;
    sr_error err;
    size_t n = 99;
    int rc;

    (void)state;
    a = st_ingest(f->st, email("jane@example.com", "Order 17 is late", "<1@jane>", NULL, NULL));
    b = st_ingest(f->st, email("jane@example.com", "Still nothing, please call me", "<2@jane>",
                               "<1@jane>", NULL));
    assert_int_equal(a.ticket_id, b.ticket_id);
    fail_dup = "Still nothing, please call me";
    rc = sr_ticket_transcript(f->st, a.ticket_id, &tr, &n, &err);
    fail_dup = NULL;
    if (rc == SR_OK) {
        size_t holes = 0;
        for (size_t i = 0; i < n; i++)
            holes += tr[i].text == NULL;
        sr_transcript_free(tr, n);
        fail_msg("transcript read without memory: SR_OK, %zu messages, %zu without text", n,
                 holes);
    }
    assert_int_equal(rc, SR_ENOMEM);
    assert_null(tr);
    assert_int_equal(n, 0);
    /* with memory again it reads whole */
    assert_int_equal(sr_ticket_transcript(f->st, a.ticket_id, &tr, &n, &err), SR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(tr[1].text, "Still nothing, please call me");
    sr_transcript_free(tr, n);
    st_fx_free(f);
}

static void test_chat_threads_by_bare_jid_sms_by_e164(void **state)
{
    st_fx *f = st_fx_new("conversation = { default_country = \"49\"; };");
    sr_ingest_result a, b, c, d;

    (void)state;
    a = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "visitor@anon.example/tab1", "hi"));
    b = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "Visitor@anon.example/tab2", "still there?"));
    c = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "0151 1234-5678", "hallo"));
    d = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+49 151 12345678", "noch da?"));
    assert_int_equal(a.ticket_id, b.ticket_id);
    assert_int_equal(c.ticket_id, d.ticket_id);
    assert_int_not_equal(a.ticket_id, c.ticket_id);
    sr_ticket t;
    sr_ticket_get(f->st, c.ticket_id, &t, NULL);
    assert_string_equal(t.requester, "+4915112345678");
    st_fx_free(f);
}

/* a sender key longer than the store keeps is refused with a clear error;
 * cut, two chat visitors whose bare JIDs share their first 255 bytes
 * would have shared one conversation */
static void test_overlong_sender_is_refused_not_cut(void **state)
{
    st_fx *f = st_fx_new(NULL);
    char a[400], b[400], ok[300];
    sr_ingest_result r;
    sr_error err;
    sr_message *m;

    (void)state;
    memset(a, 'v', 300);
    snprintf(a + 300, sizeof(a) - 300, "a@anon.example/tab1");
    memset(b, 'v', 300);
    snprintf(b + 300, sizeof(b) - 300, "b@anon.example/tab1");
    m = st_msg(SR_CHANNEL_CHAT, a, "hi");
    assert_int_equal(sr_ingest(f->st, m, &r, &err), SR_EINVAL);
    assert_non_null(strstr(err.msg, "longer than 255 bytes"));
    sr_message_free(m);
    m = st_msg(SR_CHANNEL_CHAT, b, "hi");
    assert_int_equal(sr_ingest(f->st, m, &r, &err), SR_EINVAL);
    sr_message_free(m);
    /* 255 bytes with a long resource still fit: the resource is no key */
    memset(ok, 'v', 240);
    snprintf(ok + 240, sizeof(ok) - 240, "@anon.exampl/%s", "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrr");
    r = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, ok, "hi"));
    assert_true(r.ticket_id > 0);
    st_fx_free(f);
}

static void test_e164_normalizer(void **state)
{
    static const struct {
        const char *in, *cc, *want;
    } ok[] = {{"+49 151 1234 5678", NULL, "+4915112345678"},
              {"0049-151-12345678", NULL, "+4915112345678"},
              {"0151/12345678", "49", "+4915112345678"},
              {"(415) 555-2671", "1", "+14155552671"},
              {"+1 415 555 2671", "", "+14155552671"}};
    static const char *const bad[] = {"", "12345", "VODAFONE", "0151 1234", "+0123456789",
                                      "+1234567890123456", "0151 12345678"};
    char out[17];

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (sr_e164_normalize(ok[i].in, ok[i].cc, out) != SR_OK || strcmp(out, ok[i].want))
            fail_msg("'%s': got '%s', want '%s'", ok[i].in, out, ok[i].want);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sr_e164_normalize(bad[i], NULL, out) == SR_OK)
            fail_msg("'%s': got '%s', want an error", bad[i], out);
}

static void test_sentiment_follows_latest_and_flags_sharp_turn(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a, b, c;
    sr_ticket t;

    (void)state;
    a = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "Thanks, great service, love it!"));
    b = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678",
                                "This is a disaster, worst company ever, I am furious, refund now!"));
    assert_false(a.turned_worse);
    assert_true(b.turned_worse);
    sr_ticket_get(f->st, a.ticket_id, &t, NULL);
    assert_true(t.score < 4.0f);
    assert_true(t.prev_score > 6.0f);
    assert_true(t.turned_worse);
    c = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "ok thank you, much better"));
    assert_false(c.turned_worse);
    sr_ticket_get(f->st, a.ticket_id, &t, NULL);
    assert_true(t.score > 5.0f);
    assert_int_equal(t.nmessages, 3);
    st_fx_free(f);
}

static int count_events(void *ud, const sr_event *ev)
{
    int *n = ud;
    n[ev->type]++;
    return 0;
}

static void test_close_reopen_and_new_after_reopen_days(void **state)
{
    st_fx *f = st_fx_new("conversation = { reopen_days = 2; };");
    sr_ingest_result a, b, c;
    sr_message *m;
    sr_ticket t;
    int ev[8] = {0};
    sr_error err;

    (void)state;
    m = st_msg(SR_CHANNEL_CHAT, "v@x/1", "my parcel is lost");
    sr_message_set_timestamp(m, 1700000000);
    a = st_ingest(f->st, m);
    assert_int_equal(sr_ticket_close(f->st, a.ticket_id, &err), SR_OK);
    sr_ticket_get(f->st, a.ticket_id, &t, NULL);
    assert_int_equal(t.status, SR_STATUS_CLOSED);
    /* a message soon after closing reopens the ticket */
    m = st_msg(SR_CHANNEL_CHAT, "v@x/1", "it is still lost");
    sr_message_set_timestamp(m, t.updated + 3600);
    b = st_ingest(f->st, m);
    assert_int_equal(b.ticket_id, a.ticket_id);
    assert_true(b.reopened);
    sr_ticket_close(f->st, a.ticket_id, NULL);
    sr_ticket_get(f->st, a.ticket_id, &t, NULL);
    /* long after closing: a new conversation */
    m = st_msg(SR_CHANNEL_CHAT, "v@x/1", "new question");
    sr_message_set_timestamp(m, t.updated + 3 * 86400);
    c = st_ingest(f->st, m);
    assert_int_not_equal(c.ticket_id, a.ticket_id);
    assert_true(c.created);
    /* explicit reopen re-scores */
    assert_int_equal(sr_ticket_reopen(f->st, a.ticket_id, &err), SR_OK);
    assert_int_equal(sr_ticket_reopen(f->st, a.ticket_id, &err), SR_EINVAL);
    sr_event_foreach(f->st, 0, count_events, ev, NULL);
    assert_int_equal(ev[SR_EVENT_TICKET_CREATED], 2);
    assert_int_equal(ev[SR_EVENT_TICKET_CLOSED], 2);
    assert_int_equal(ev[SR_EVENT_TICKET_REOPENED], 2);
    assert_int_equal(ev[SR_EVENT_RESOLVED_WITHOUT_HANDOFF], 2);
    st_fx_free(f);
}

static void test_split_moves_messages_and_rescores(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a;
    sr_stored_message *msgs;
    size_t n;
    uint64_t nid;
    sr_ticket t1, t2;
    sr_error err;

    (void)state;
    a = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "love your shop, thank you!"));
    st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "other thing: my invoice is wrong, terrible"));
    st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "awful, still wrong"));
    assert_int_equal(sr_ticket_split(f->st, a.ticket_id, 1, &nid, &err), SR_EINVAL);
    assert_int_equal(sr_ticket_split(f->st, a.ticket_id, 2, &nid, &err), SR_OK);
    sr_ticket_get(f->st, a.ticket_id, &t1, NULL);
    sr_ticket_get(f->st, nid, &t2, NULL);
    assert_int_equal(t1.nmessages, 1);
    assert_int_equal(t2.nmessages, 2);
    assert_true(t1.score > 6.0f);   /* the happy part stays */
    assert_true(t2.score < 4.0f);
    assert_int_equal(sr_ticket_transcript(f->st, nid, &msgs, &n, NULL), SR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(msgs[0].seq, 1);
    assert_non_null(strstr(msgs[1].text, "still wrong"));
    sr_transcript_free(msgs, n);
    /* the conversation goes on in the new ticket */
    a = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "any update?"));
    assert_int_equal(a.ticket_id, nid);
    st_fx_free(f);
}

static void test_profiles_route_and_query_by_order_value(void **state)
{
    st_fx *f = st_fx_new("route = { rules = ( { label = [\"urgent\", \"negative\"];"
                   " order_value_min = 200.0; queue = \"senior\"; priority = \"high\"; } ); };");
    char csv[300];
    FILE *fp;
    size_t n;
    sr_error err;
    sr_ingest_result a, b;
    sr_ticket_filter flt = {0};
    sr_ticket *v;
    sr_profile p;

    (void)state;
    snprintf(csv, sizeof(csv), "%s/p.csv", f->dir);
    fp = fopen(csv, "w");
    fputs("email,phone,name,profile_id,order_value,vip\n"
          "big@example.com,,\"Big, Spender\",C-1,450.50,yes\n"
          "small@example.com,+4917600000001,Small,C-2,20,no\n", fp);
    fclose(fp);
    assert_int_equal(sr_profile_import(f->st, csv, NULL, &n, &err), SR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sr_profile_get(f->st, "+49 176 00000001", &p, &err), SR_OK);
    assert_string_equal(p.profile_id, "C-2");
    a = st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "Big@Example.com", "This is awful, I am angry, terrible service"));
    b = st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, "small@example.com", "This is awful, I am angry, terrible service"));
    assert_string_equal(a.queue, "senior");
    assert_int_equal(a.priority, SR_PRIORITY_HIGH);
    assert_string_equal(b.queue, "general");
    flt.labels = (1u << SR_LABEL_URGENT) | (1u << SR_LABEL_NEGATIVE);
    flt.sort = SR_SORT_ORDER_VALUE;
    assert_int_equal(sr_ticket_query(f->st, &flt, &v, &n, &err), SR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, a.ticket_id);   /* highest order value first */
    assert_string_equal(v[0].profile_id, "C-1");
    assert_string_equal(v[0].requester_name, "Big, Spender");
    assert_true(v[0].vip);
    free(v);
    /* a bad row rejects the whole file, naming its line */
    fp = fopen(csv, "w");
    fputs("email,order_value\nok@example.com,5\nbad@example.com,lots\n", fp);
    fclose(fp);
    assert_int_equal(sr_profile_import(f->st, csv, "csv", &n, &err), SR_EFORMAT);
    assert_non_null(strstr(err.where, "p.csv:3"));
    assert_int_equal(sr_profile_get(f->st, "ok@example.com", &p, &err), SR_ENOTFOUND);
    st_fx_free(f);
}

typedef struct thr {
    sr_store *st;
    int id, n;
    uint64_t tickets[50];
} thr;

static void *writer(void *arg)
{
    thr *t = arg;
    char from[64];

    for (int i = 0; i < t->n; i++) {
        sr_ingest_result r;
        snprintf(from, sizeof(from), "w%d-%d@example.com", t->id, i);
        sr_message *m = st_msg(SR_CHANNEL_EMAIL, from, "where is my order");
        if (sr_ingest(t->st, m, &r, NULL) == SR_OK)
            t->tickets[i] = r.ticket_id;
        sr_message_free(m);
    }
    return NULL;
}

/* run_writers - 8 threads of per ingests each into st; t[] keeps their ids */
static void run_writers(sr_store *st, thr t[8], int per)
{
    pthread_t th[8];

    for (int i = 0; i < 8; i++) {
        t[i] = (thr){st, i, per, {0}};
        pthread_create(&th[i], NULL, writer, &t[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
}

/* every ingest of every writer got a ticket */
static void all_acknowledged(const thr t[8], int per)
{
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < per; k++)
            assert_true(t[i].tickets[k] > 0);
}

static void test_concurrent_writers_group_commit(void **state)
{
    st_fx *f = st_fx_new(NULL);
    thr t[8];
    sr_ticket *v;
    size_t n;

    (void)state;
    run_writers(f->st, t, 50);
    assert_int_equal(sr_ticket_query(f->st, NULL, &v, &n, NULL), SR_OK);
    assert_int_equal(n, 400);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(v[i].nmessages, 1);
    free(v);
    all_acknowledged(t, 50);
    st_fx_free(f);
}

/* with store.sync, committed batches are acknowledged after the flush that
 * makes their meta page durable (the next batch's, or the leader's own):
 * many threads and a lone thread both get every answer, and everything
 * acknowledged is there after a reopen */
static void test_durable_group_commit(void **state)
{
    st_fx *f = st_fx_new("store = { sync = true; instance = \"unit\"; };");
    char *dir = strdup(f->dir);
    thr t[8];
    sr_ticket *v;
    sr_error err;
    size_t n;

    (void)state;
    run_writers(f->st, t, 40);
    /* then one thread alone (no other writer to share a flush with) */
    for (int k = 0; k < 20; k++)
        st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915100000001", "alone"));
    sr_store_close(f->st);
    f->st = sr_store_open(f->ctx, dir, 0, &err);
    assert_non_null(f->st);
    assert_int_equal(sr_ticket_query(f->st, NULL, &v, &n, NULL), SR_OK);
    assert_int_equal(n, 321);
    free(v);
    all_acknowledged(t, 40);
    free(dir);
    st_fx_free(f);
}

/* messages of about 2 KB, a new ticket each (the milter's usual mail):
 * LMDB's split left one per 4 KB page, so every ingest wrote a page more
 * and the store grew twice as fast; appended, two share a page.  A later
 * message of an older ticket still goes in between. */
static void test_new_messages_fill_their_pages(void **state)
{
    st_fx *f = st_fx_new(NULL);
    static char text[1801];
    sr_stored_message *msgs;
    MDB_txn *txn;
    MDB_stat ms;
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(text) - 1; i++)
        text[i] = "Where is my parcel? "[i % 20];
    for (int i = 0; i < 40; i++) {
        char from[32];
        snprintf(from, sizeof(from), "+49151000%05d", i);
        assert_int_equal(st_ingest(f->st, st_msg(SR_CHANNEL_SMS, from, text)).ticket_id,
                         (uint64_t)i + 1);
    }
    assert_int_equal(srp_store_read(f->st, &txn, NULL), SR_OK);
    assert_int_equal(mdb_stat(txn, f->st->msgs, &ms), 0);
    srp_store_read_end(f->st, txn);
    assert_int_equal(ms.ms_entries, 40);
    if (ms.ms_leaf_pages > 22)
        fail_msg("40 messages of 1.8 KB in %zu leaf pages, want at most 22",
                 (size_t)ms.ms_leaf_pages);
    /* the first ticket's second message sorts before the others' */
    assert_int_equal(st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915100000000", "again")).ticket_id,
                     1);
    assert_int_equal(sr_ticket_transcript(f->st, 1, &msgs, &n, NULL), SR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(msgs[0].text, text);
    assert_string_equal(msgs[1].text, "again");
    sr_transcript_free(msgs, n);
    assert_int_equal(sr_ticket_transcript(f->st, 40, &msgs, &n, NULL), SR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(msgs[0].text, text);
    sr_transcript_free(msgs, n);
    st_fx_free(f);
}

/* new_ticket_id - a first mail of sender i: its new ticket's id */
static uint64_t new_ticket_id(st_fx *f, int i)
{
    char from[64];

    snprintf(from, sizeof(from), "c%d@example.org", i);
    return st_ingest(f->st, st_msg(SR_CHANNEL_EMAIL, from, "Where is my parcel?")).ticket_id;
}

/* assert_leaves_full - dbi's leaf pages hold what they could, give or
 * take one page: LMDB's node (8 bytes, the key, the value, 2-byte
 * alignment) and its 2-byte pointer, in a 4 KiB page of a 16-byte header */
static void assert_leaves_full(st_fx *f, MDB_dbi dbi, const char *what)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    MDB_stat ms;
    size_t bytes = 0, room = 4096 - 16, pages = 0, used = 0;

    assert_int_equal(srp_store_cursor(f->st, dbi, &txn, &cur, NULL), SR_OK);
    /* the fewest pages the records fill in their order */
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        size_t node = 2 + ((8 + k.mv_size + v.mv_size + 1) & ~(size_t)1);
        if (used == 0 || used + node > room) {
            pages++;
            used = 0;
        }
        used += node;
        bytes += node;
    }
    assert_int_equal(mdb_stat(txn, dbi, &ms), 0);
    srp_store_cursor_end(f->st, txn, cur);
    if (ms.ms_leaf_pages > pages + 1)
        fail_msg("%s: %zu records (%zu bytes) in %zu leaf pages, they fill %zu", what,
                 (size_t)ms.ms_entries, bytes, (size_t)ms.ms_leaf_pages, pages);
}

/* a new ticket and its events are the last keys of their databases and
 * go in as LMDB's MDB_APPEND puts them: a full page stays full (a plain
 * put's split left room in the page before that no key fills again: 300
 * tickets took 34 leaf pages, 30 appended) */
static void test_new_tickets_and_events_fill_their_pages(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ticket t;

    (void)state;
    for (int i = 1; i <= 300; i++)
        assert_int_equal(new_ticket_id(f, i), (uint64_t)i);
    assert_leaves_full(f, f->st->tickets, "tickets");
    assert_leaves_full(f, f->st->events, "events");
    /* an update of an older ticket (not the last key) still goes in */
    assert_int_equal(sr_ticket_close(f->st, 7, NULL), SR_OK);
    assert_int_equal(sr_ticket_get(f->st, 7, &t, NULL), SR_OK);
    assert_int_equal(t.status, SR_STATUS_CLOSED);
    assert_int_equal(sr_ticket_close(f->st, 300, NULL), SR_OK);
    assert_int_equal(sr_ticket_get(f->st, 300, &t, NULL), SR_OK);
    assert_int_equal(t.status, SR_STATUS_CLOSED);
    st_fx_free(f);
}

/* X writes a key; Y, queued while X's batch runs, only reads it */
typedef struct readback {
    sr_store *st;
    pthread_t y;
    int y_started, y_queued, y_rc, y_saw;
    atomic_int y_done;
} readback;

static int read_x(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    readback *rb = arg;
    MDB_val k = {6, (void *)"test:x"}, v;

    (void)err;
    rb->y_saw = mdb_get(txn, st->meta, &k, &v) == 0;
    return SR_OK;   /* and writes nothing */
}

static void *writer_y(void *arg)
{
    readback *rb = arg;

    rb->y_rc = srp_store_write(rb->st, read_x, rb, NULL);
    atomic_store(&rb->y_done, 1);
    return NULL;
}

/* write_x - X's write: starts Y and returns once Y waits in the queue
 * (bounded: 5 s), so that X's leader runs Y's batch right after X's */
static int write_x(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    readback *rb = arg;
    MDB_val k = {6, (void *)"test:x"}, v = {1, (void *)"1"};
    int rc;

    rb->y_started = pthread_create(&rb->y, NULL, writer_y, rb) == 0;
    for (int i = 0; rb->y_started && i < 5000 && !rb->y_queued; i++) {
        pthread_mutex_lock(&st->sh->mu);
        rb->y_queued = st->sh->head != NULL;
        pthread_mutex_unlock(&st->sh->mu);
        if (!rb->y_queued)
            usleep(1000);
    }
    rc = mdb_put(txn, st->meta, &k, &v, 0);
    return rc != 0 ? srp_mdb_error(err, rc, "put") : SR_OK;
}

/* with store.sync, a write that changes nothing (a redelivered mail found
 * stored, a handoff made already) commits nothing and needs no flush of
 * its own; but what it read may be a batch's whose meta page still waits
 * for its flush, and its caller must not hear SR_OK (Postfix its 250)
 * before that is on disk: a power cut then would lose the ticket it was
 * told is stored */
static void test_durable_noop_write_waits_for_what_it_read(void **state)
{
    st_fx *f = st_fx_new("store = { sync = true; instance = \"unit\"; };");
    srp_pin pin;
    sr_store *v = srp_store_pin(f->st, &pin);
    readback rb;
    sr_error err;

    (void)state;
    memset(&rb, 0, sizeof(rb));
    rb.st = v;
    rb.y_rc = -1;
    atomic_store(&set_before_sync, -1);
    sync_wait_for = &rb.y_done;
    assert_int_equal(srp_store_write(v, write_x, &rb, &err), SR_OK);
    assert_true(rb.y_started);
    pthread_join(rb.y, NULL);
    sync_wait_for = NULL;
    assert_true(rb.y_queued);
    assert_int_equal(rb.y_rc, SR_OK);
    assert_true(rb.y_saw);
    if (atomic_load(&set_before_sync) != 0)
        fail_msg("the read-only write heard SR_OK before the flush of what it read "
                 "(done before the flush: %d, want 0)", atomic_load(&set_before_sync));
    srp_store_unpin(&pin);
    st_fx_free(f);
}

static void test_long_message_is_cut_in_the_transcript(void **state)
{
    st_fx *f = st_fx_new("conversation = { max_message_bytes = 1024; };");
    static char big[5000];
    sr_stored_message *msgs;
    size_t n;
    sr_ingest_result r;

    (void)state;
    for (size_t i = 0; i + 2 < sizeof(big); i += 2)
        memcpy(big + i, "\xc3\xa4", 2);   /* 'ä' x 2499: a cut must not split one */
    r = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", big));
    assert_int_equal(sr_ticket_transcript(f->st, r.ticket_id, &msgs, &n, NULL), SR_OK);
    assert_int_equal(n, 1);
    assert_true(strlen(msgs[0].text) <= 1024 + 13);
    assert_non_null(strstr(msgs[0].text, "\xc3\xa4 [truncated]"));
    sr_transcript_free(msgs, n);
    st_fx_free(f);
}

static void test_map_full_is_a_clear_error(void **state)
{
    st_fx *f = st_fx_new("store = { map_size_mb = 1; sync = false; };");
    static char big[60000];
    sr_error err;
    int rc = SR_OK;

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    for (int i = 0; i < 100 && rc == SR_OK; i++) {
        sr_ingest_result r;
        sr_message *m = st_msg(SR_CHANNEL_SMS, "+4915112345678", big);
        rc = sr_ingest(f->st, m, &r, &err);
        sr_message_free(m);
    }
    assert_int_equal(rc, SR_ESTORE);
    assert_non_null(strstr(err.msg, "map_size_mb"));
    st_fx_free(f);
}

static void test_rescore_and_reply(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a;
    size_t n;
    uint64_t job;
    sr_ticket t;
    sr_job j;
    sr_error err;

    (void)state;
    a = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "I hate this, awful"));
    st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "x@y/z", "lovely, thanks"));
    assert_int_equal(sr_store_rescore(f->st, &n, &err), SR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sr_ticket_reply(f->st, a.ticket_id, "anna", "Sorry! A new one is on its way.",
                                     31, &job, &err), SR_OK);
    sr_ticket_get(f->st, a.ticket_id, &t, NULL);
    assert_int_equal(t.status, SR_STATUS_PENDING);
    assert_int_equal(t.nmessages, 2);
    assert_true(t.score < 4.0f);   /* outbound messages do not move the sentiment */
    /* the SMS adapter claims its deliver job; HTTP workers never see it */
    assert_int_equal(sr_outbox_claim(f->st, NULL, "http", 60, &j, &err), SR_ENOTFOUND);
    assert_int_equal(sr_outbox_claim(f->st, "chat", "xmpp", 60, &j, &err), SR_ENOTFOUND);
    assert_int_equal(sr_outbox_claim(f->st, "sms", "shim", 60, &j, &err), SR_OK);
    assert_string_equal(j.kind, "deliver");
    assert_string_equal(j.to, "+4915112345678");
    assert_string_equal(j.text, "Sorry! A new one is on its way.");
    assert_int_equal(sr_outbox_complete(f->st, j.id, "shim", NULL, &err), SR_OK);
    sr_job_clear(&j);
    st_fx_free(f);
}

/* a helpdesk's webhook delivered twice (its retry after a lost answer, or
 * after we restarted): the reply is stored once, also across a restart of
 * the process, and keys older than SR_REPLY_KEY_KEEP are dropped */
static void test_reply_once_survives_a_restart(void **state)
{
    st_fx *f = st_fx_new(NULL);
    sr_ingest_result a;
    const char *k1[] = {"zendesk-inv:inv-1", NULL};
    const char *k2[] = {"", "zendesk-comment:77"};
    const char *k3[] = {"zendesk-inv:inv-3"};
    uint64_t job = 0, again = 0;
    sr_job *v;
    size_t n;
    sr_ticket t;
    sr_error err;

    (void)state;
    a = st_ingest(f->st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "I hate this, awful"));
    assert_int_equal(sr_ticket_reply_once(f->st, a.ticket_id, "anna", "On its way.", 11, k1, 2,
                                          &job, &err), SR_OK);
    assert_int_equal(sr_ticket_reply_once(f->st, a.ticket_id, "anna", "On its way.", 11, k1, 2,
                                          &again, &err), SR_EEXIST);
    assert_int_equal(again, job);
    /* the process ends; a new one opens the store */
    sr_store_close(f->st);
    f->st = sr_store_open(f->ctx, f->dir, 0, &err);
    assert_non_null(f->st);
    again = 0;
    assert_int_equal(sr_ticket_reply_once(f->st, a.ticket_id, "anna", "On its way.", 11, k1, 2,
                                          &again, &err), SR_EEXIST);
    assert_int_equal(again, job);
    /* another key is another reply; either key of a reply finds it */
    const char *both[] = {"zendesk-inv:inv-2", "zendesk-comment:77"};
    assert_int_equal(sr_ticket_reply_once(f->st, a.ticket_id, "anna", "Tracking: 123", 13, both, 2,
                                          &job, &err), SR_OK);
    assert_int_equal(sr_ticket_reply_once(f->st, a.ticket_id, "anna", "Tracking: 123", 13, k2, 2,
                                          &again, &err), SR_EEXIST);
    assert_int_equal(again, job);
    sr_ticket_get(f->st, a.ticket_id, &t, NULL);
    assert_int_equal(t.nmessages, 3);
    sr_outbox_list(f->st, 0, &v, &n, NULL);
    assert_int_equal(n, 2);
    sr_outbox_list_free(v, n);
    /* a day later the next reply prunes the old keys: they are new again */
    atomic_fetch_add(&srp_clock_skew, SR_REPLY_KEY_KEEP + 10);
    assert_int_equal(sr_ticket_reply_once(f->st, a.ticket_id, "anna", "Later.", 6, k3, 1, &job,
                                          &err), SR_OK);
    assert_int_equal(sr_ticket_reply_once(f->st, a.ticket_id, "anna", "On its way.", 11, k1, 1,
                                          &job, &err), SR_OK);
    atomic_store(&srp_clock_skew, 0);
    st_fx_free(f);
}

/* a limit gives the head of the full list for every sort and direction
 * (the query keeps only twice the limit in memory while it walks) */
static void test_query_limit_is_head_of_full_list(void **state)
{
    static const char *const texts[] = {"great, thanks", "this is awful", "ok", "where is it",
                                        "I love it", "terrible, refund now"};
    st_fx *f = st_fx_new(NULL);
    sr_ticket *all, *v;
    size_t n_all, n;
    char from[64];

    (void)state;
    for (int i = 0; i < 300; i++) {
        snprintf(from, sizeof(from), "q%d@example.com/web", i);
        st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, from, texts[i % 6]));
    }
    for (int sort = 0; sort <= SR_SORT_PRIORITY; sort++)
        for (int rev = 0; rev <= 1; rev++) {
            sr_ticket_filter flt = {.sort = (sr_sort)sort, .reverse = rev};
            assert_int_equal(sr_ticket_query(f->st, &flt, &all, &n_all, NULL), SR_OK);
            assert_int_equal(n_all, 300);
            for (size_t lim = 1; lim <= 256; lim = lim * 3 + 1) {
                flt.limit = lim;
                assert_int_equal(sr_ticket_query(f->st, &flt, &v, &n, NULL), SR_OK);
                assert_int_equal(n, lim);
                for (size_t i = 0; i < n; i++)
                    if (v[i].id != all[i].id)
                        fail_msg("sort %d reverse %d limit %zu: [%zu] is %llu, not %llu", sort,
                                 rev, lim, i, (unsigned long long)v[i].id,
                                 (unsigned long long)all[i].id);
                free(v);
            }
            free(all);
        }
    st_fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_schema_and_reopen_readonly),
        cmocka_unit_test(test_query_limit_is_head_of_full_list),
        cmocka_unit_test(test_writer_lock_owner_and_fallback),
        cmocka_unit_test(test_store_readonly_missing_store_fails_cleanly),
        cmocka_unit_test(test_durable_store_keeps_written_room),
        cmocka_unit_test(test_email_threads_by_reply_headers),
        cmocka_unit_test(test_email_key_keeps_quoted_local_part),
        cmocka_unit_test(test_known_message_id_keeps_its_ticket),
        cmocka_unit_test(test_redelivered_message_is_stored_once),
        cmocka_unit_test(test_transcript_out_of_memory_fails_cleanly),
        cmocka_unit_test(test_chat_threads_by_bare_jid_sms_by_e164),
        cmocka_unit_test(test_e164_normalizer),
        cmocka_unit_test(test_sentiment_follows_latest_and_flags_sharp_turn),
        cmocka_unit_test(test_close_reopen_and_new_after_reopen_days),
        cmocka_unit_test(test_split_moves_messages_and_rescores),
        cmocka_unit_test(test_profiles_route_and_query_by_order_value),
        cmocka_unit_test(test_concurrent_writers_group_commit),
        cmocka_unit_test(test_durable_group_commit),
        cmocka_unit_test(test_overlong_sender_is_refused_not_cut),
        cmocka_unit_test(test_long_message_is_cut_in_the_transcript),
        cmocka_unit_test(test_new_messages_fill_their_pages),
        cmocka_unit_test(test_new_tickets_and_events_fill_their_pages),
        cmocka_unit_test(test_durable_noop_write_waits_for_what_it_read),
        cmocka_unit_test(test_map_full_is_a_clear_error),
        cmocka_unit_test(test_rescore_and_reply),
        cmocka_unit_test(test_reply_once_survives_a_restart),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
