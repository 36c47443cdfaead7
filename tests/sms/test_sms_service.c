/*
 * test_sms_service - srs_handle over a real store in a temporary
 * directory: what each endpoint stores and answers, without a network.
 */
#include "build-config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "hmac.h"
#include "srs.h"

typedef struct fx {
    char dir[64];
    sr_ctx *ctx;
    sr_store *st;
    srs_server *srv;
    struct sockaddr_in peer;
    int kicks;
} fx;

static fx F;

static void kick(void *ud)
{
    ((fx *)ud)->kicks++;
}

/* start - config (extra keys inside sms { }), context, store, server */
static void start(const char *extra, const char *top)
{
    char path[128], text[2048];
    FILE *fp;
    sr_config *cfg;
    srs_settings *s;
    sr_error err;

    snprintf(path, sizeof(path), "%s/secret", F.dir);
    fp = fopen(path, "w");
    fputs("s3cret\n", fp);
    fclose(fp);
    chmod(path, 0600);
    snprintf(path, sizeof(path), "%s/zd", F.dir);
    fp = fopen(path, "w");
    fputs("zdsecret", fp);
    fclose(fp);
    chmod(path, 0600);
    snprintf(text, sizeof(text),
             "log = { level = \"err\"; };\nstore = { path = \"%s/store\"; sync = false; "
             "instance = \"h1\"; };\n%s\nsms = { secret_file = \"%s/secret\"; "
             "zendesk_secret_file = \"%s/zd\"; %s };\n",
             F.dir, top ? top : "", F.dir, F.dir, extra ? extra : "");
    snprintf(path, sizeof(path), "%s/c.conf", F.dir);
    fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
    cfg = sr_config_load(path, &err);
    if (cfg == NULL)
        fail_msg("config: %s: %s", err.where, err.msg);
    s = srs_settings_load(cfg, &err);
    if (s == NULL)
        fail_msg("settings: %s: %s", err.where, err.msg);
    F.ctx = sr_ctx_new(cfg, &err);
    sr_config_unref(cfg);
    assert_non_null(F.ctx);
    F.st = sr_store_open(F.ctx, NULL, SR_STORE_NOSYNC, &err);
    if (F.st == NULL)
        fail_msg("store: %s", err.msg);
    F.srv = srs_server_new(F.ctx, F.st, s, kick, &F, &err);
    srs_settings_free(s);
    assert_non_null(F.srv);
}

static void stop(void)
{
    srs_server_free(F.srv);
    sr_store_close(F.st);
    sr_ctx_free(F.ctx);
    F.srv = NULL;
    F.st = NULL;
    F.ctx = NULL;
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof(F));
    snprintf(F.dir, sizeof(F.dir), "/tmp/test_sms_service.XXXXXX");
    if (mkdtemp(F.dir) == NULL)
        return -1;
    F.peer.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &F.peer.sin_addr);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    if (F.srv)
        stop();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct hdrs {
    const char *const *kv;
} hdrs;

static const char *hdr(void *ud, const char *name)
{
    const hdrs *h = ud;

    for (const char *const *p = h ? h->kv : NULL; p && *p; p += 2)
        if (strcasecmp(p[0], name) == 0)
            return p[1];
    return NULL;
}

/* call - one request; returns the status, *body (freed by the caller) */
static int call(const char *method, const char *path, const char *query, const char *body,
                const char *const *headers, char **rbody, srs_response *keep)
{
    hdrs h = {headers};
    srs_request rq;
    srs_response rs;
    int status;

    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = path;
    rq.query = query;
    rq.qlen = query ? strlen(query) : 0;
    rq.body = body ? body : "";
    rq.blen = body ? strlen(body) : 0;
    rq.peer = (struct sockaddr *)&F.peer;
    rq.header = hdr;
    rq.hud = &h;
    srs_handle(F.srv, &rq, &rs);
    status = rs.status;
    if (rbody)
        *rbody = strdup(rs.body ? rs.body : "");
    if (keep)
        *keep = rs;
    else
        srs_response_clear(&rs);
    return status;
}

static size_t inbound_count(uint64_t ticket)
{
    sr_stored_message *m;
    size_t n, in = 0;

    if (sr_ticket_transcript(F.st, ticket, &m, &n, NULL) != SR_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        in += m[i].direction == SR_DIR_IN;
    sr_transcript_free(m, n);
    return in;
}

static void test_kannel_stores_and_acknowledges_first_message(void **state)
{
    char *b, q[512];
    sr_ticket t;
    long now = (long)time(NULL);

    (void)state;
    start(NULL, NULL);
    snprintf(q, sizeof(q), "secret=s3cret&from=%%2B4915112345&to=4000&text=Ich+bin+sehr+"
             "ver%%C3%%A4rgert%%2C+die+Lieferung+ist+kaputt&coding=0&charset=UTF-8&id=k1&ts=%ld", now);
    assert_int_equal(call("GET", "/kannel", q, NULL, NULL, &b, NULL), 200);
    if (strncmp(b, "Danke", 5) != 0)
        fail_msg("got \"%s\", want the German acknowledgement", b);
    free(b);
    assert_int_equal(sr_ticket_get(F.st, 1, &t, NULL), SR_OK);
    assert_string_equal(t.requester, "+4915112345");
    assert_int_equal(t.channel, SR_CHANNEL_SMS);
    assert_true(t.score < 4.0f);
    {
        /* each stored message keeps its own sentiment and language: the
         * shim answers short messages ("AGENT") in the conversation's */
        sr_stored_message *m;
        size_t n;
        assert_int_equal(sr_ticket_transcript(F.st, 1, &m, &n, NULL), SR_OK);
        assert_int_equal(n, 1);
        assert_string_equal(m[0].lang, "de");
        assert_true(m[0].score < 4.0f);
        sr_transcript_free(m, n);
    }
    /* a follow-up is stored without an answer (ack_every is off) */
    snprintf(q, sizeof(q), "secret=s3cret&from=004915112345&text=Hallo%%3F&id=k2&ts=%ld", now + 1);
    assert_int_equal(call("GET", "/sms", q, NULL, NULL, &b, NULL), 200);
    assert_string_equal(b, "");
    free(b);
    assert_int_equal(inbound_count(1), 2);
}

static void test_retry_is_answered_without_second_message(void **state)
{
    char *b1, *b2, q[256];
    long now = (long)time(NULL);
    srs_dd_entry e;
    sr_error err;
    srs_inbound in;
    int dup;

    (void)state;
    start(NULL, NULL);
    snprintf(q, sizeof(q), "secret=s3cret&from=%%2B4915112345&text=Where+is+my+parcel&id=r1&ts=%ld",
             now);
    assert_int_equal(call("GET", "/kannel", q, NULL, NULL, &b1, NULL), 200);
    assert_int_equal(call("GET", "/kannel", q, NULL, NULL, &b2, NULL), 200);
    assert_string_equal(b1, b2);
    free(b1);
    free(b2);
    assert_int_equal(inbound_count(1), 1);
    /* after a restart the content key is rebuilt from the store */
    stop();
    start(NULL, NULL);
    size_t n = 0;
    assert_int_equal(srs_server_rebuild(F.srv, &n, &err), SR_OK);
    assert_int_equal(n, 1);
    snprintf(q, sizeof(q), "secret=s3cret&from=%%2B4915112345&text=Where+is+my+parcel&id=r1&ts=%ld",
             now);
    assert_int_equal(call("GET", "/kannel", q, NULL, NULL, &b1, NULL), 200);
    assert_true(strncmp(b1, "Thanks", 6) == 0);
    free(b1);
    assert_int_equal(inbound_count(1), 1);
    /* the smstools path has no dedupe set: srs_ingest_sms with dd NULL stores */
    srs_settings *s = srs_server_settings(F.srv);
    memset(&in, 0, sizeof(in));
    snprintf(in.from, sizeof(in.from), "+4915112345");
    in.text = strdup("another one");
    in.len = strlen(in.text);
    assert_int_equal(srs_ingest_sms(F.ctx, F.st, NULL, s, "smstools", &in, &e, &dup, &err), SR_OK);
    assert_false(dup);
    srs_server_release(F.srv, s);
    srs_inbound_clear(&in);
    assert_int_equal(inbound_count(1), 2);
}

static void test_keyword_hands_off(void **state)
{
    char *b;
    sr_ticket t;

    (void)state;
    start(NULL, NULL);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=My+order+is+late",
                          NULL, NULL, &b, NULL),
                     200);
    free(b);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=agent",
                          NULL, NULL, &b, NULL),
                     200);
    assert_string_equal(b, "A member of our team will text you back shortly.");
    free(b);
    assert_int_equal(sr_ticket_get(F.st, 1, &t, NULL), SR_OK);
    assert_true(t.handed_off);
}

static void test_sentiment_trigger_and_method_none(void **state)
{
    char *b;

    (void)state;
    start("handoff_below = 3.0;", "handoff = { method = \"none\"; none = { message = \"See "
                                  "help.example.com\"; }; };");
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=This+is+awful"
                          "%2C+terrible%2C+the+worst+service+ever%21%21",
                          NULL, NULL, &b, NULL),
                     200);
    assert_string_equal(b, "See help.example.com");
    free(b);
}

static void test_route_rule_hands_off(void **state)
{
    char *b;
    sr_ticket t;

    (void)state;
    start(NULL, "route = { rules = ( { name = \"angry\"; label = [\"urgent\", \"negative\"]; "
                "queue = \"senior\"; handoff = true; } ); };");
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=This+is+the+"
                          "third+time+I+write%2C+terrible+service%2C+I+want+a+refund+now%21",
                          NULL, NULL, &b, NULL),
                     200);
    assert_string_equal(b, "A member of our team will text you back shortly.");
    free(b);
    assert_int_equal(sr_ticket_get(F.st, 1, &t, NULL), SR_OK);
    assert_true(t.handed_off);
    assert_string_equal(t.queue, "senior");
}

static void test_reply_empty_and_ucs2_coding(void **state)
{
    srs_response rs;
    char *b;

    (void)state;
    start("reply = \"empty\";", NULL);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B48600100200&text=Dzie%C5%84+dobry",
                          NULL, NULL, &b, NULL),
                     200);
    assert_string_equal(b, "");
    free(b);
    stop();
    start(NULL, NULL);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B48600100201&text=Jestem+bardzo+"
                          "z%C5%82y%2C+paczka+nie+dotar%C5%82a",
                          NULL, NULL, NULL, &rs),
                     200);
    /* the Polish text is not GSM 7-bit: Kannel is told to send UCS-2 */
    assert_string_equal(rs.xcoding, "2");
    srs_response_clear(&rs);
}

/* the_text - the text of message seq of ticket (malloc'ed), flags in *flags */
static char *the_text(uint64_t ticket, size_t idx, unsigned *flags)
{
    sr_stored_message *m;
    size_t n;
    char *t = NULL;

    if (sr_ticket_transcript(F.st, ticket, &m, &n, NULL) != SR_OK)
        return NULL;
    if (idx < n) {
        t = strdup(m[idx].text ? m[idx].text : "");
        if (flags)
            *flags = m[idx].flags;
    }
    sr_transcript_free(m, n);
    return t;
}

static void test_kannel_lone_surrogate_stored(void **state)
{
    char *b, *t;
    unsigned flags = 0;

    (void)state;
    start(NULL, NULL);
    /* Kannel texts "Could not fetch content" for anything but 200/202:
     * half an emoji must not cost the customer the message */
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=%00H%00i%00+%D8%3D"
                          "&coding=2", NULL, NULL, &b, NULL),
                     200);
    free(b);
    t = the_text(1, 0, &flags);
    assert_non_null(t);
    assert_string_equal(t, "Hi \xef\xbf\xbd");
    assert_true(flags & SR_FLAG_REPAIRED);   /* stored with the mark */
    free(t);
}

static void test_kannel_bytes_invalid_in_charset_stored(void **state)
{
    static const char *const hv[] = {"X-Kannel-From", "+4915112345", "Content-Type",
                                     "text/plain; charset=windows-1252", NULL};
    char *b, *t;

    (void)state;
    start(NULL, NULL);
    /* 0x81 is not a character of windows-1252: 400 and a lost message before */
    assert_int_equal(call("POST", "/kannel", "secret=s3cret", "Caf\xe9 \x81 cold", hv, &b, NULL),
                     200);
    free(b);
    t = the_text(1, 0, NULL);
    assert_non_null(t);
    assert_string_equal(t, "Café \xef\xbf\xbd cold");
    free(t);
    /* a charset nobody knows: read as UTF-8, else Latin-1 */
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=s%FCss"
                          "&charset=X-MADE-UP", NULL, NULL, &b, NULL),
                     200);
    free(b);
    t = the_text(1, 1, NULL);
    assert_non_null(t);
    assert_string_equal(t, "süss");
    free(t);
}

static void test_long_text_cut_and_flagged(void **state)
{
    char q[1024], *b, *t, want[200];
    size_t o;
    unsigned flags = 0;

    (void)state;
    start("max_text_bytes = 160;", NULL);
    /* "a" and 100 two-byte characters: 201 bytes; 413 and a lost message
     * before, now cut at the last character that fits */
    o = (size_t)snprintf(q, sizeof(q), "secret=s3cret&from=%%2B4915112345&text=a");
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(q + o, sizeof(q) - o, "%%C3%%A4");
    if (call("GET", "/kannel", q, NULL, NULL, &b, NULL) != 200)
        fail_msg("not 200: %s", b);
    free(b);
    o = (size_t)snprintf(want, sizeof(want), "a");
    for (int i = 0; i < 79; i++)
        o += (size_t)snprintf(want + o, sizeof(want) - o, "\xc3\xa4");
    t = the_text(1, 0, &flags);
    assert_non_null(t);
    assert_string_equal(t, want);
    assert_true(flags & SR_FLAG_TRUNCATED);
    free(t);
}

/* an agent's reply to a sender that texts under a name fails at once with
 * the reason; a number (with or without +) goes to the gateway */
static void test_reply_to_a_name_fails_with_the_reason(void **state)
{
    sr_job job;
    char why[256];
    srs_settings *s;

    (void)state;
    start("deliver = \"smstools\"; smstools_outgoing = \"/nonexistent/outgoing\";", NULL);
    s = srs_server_settings(F.srv);
    memset(&job, 0, sizeof(job));
    job.text = (char *)"We are on it.";
    snprintf(job.to, sizeof(job.to), "VODAFONE");
    assert_int_equal(srs_deliver_one(s, &job, why, sizeof(why)), SRS_SEND_FAIL);
    assert_non_null(strstr(why, "no phone number"));
    snprintf(job.to, sizeof(job.to), "+49 151");
    assert_int_equal(srs_deliver_one(s, &job, why, sizeof(why)), SRS_SEND_FAIL);
    /* a number passes the check and reaches the (missing) spool */
    snprintf(job.to, sizeof(job.to), "+4915112345");
    srs_deliver_one(s, &job, why, sizeof(why));
    assert_null(strstr(why, "no phone number"));
    srs_settings_free(s);
}

static void test_alphanumeric_sender_stored_without_reply(void **state)
{
    char *b, q[256];
    sr_ticket t;
    long now = (long)time(NULL);

    (void)state;
    start(NULL, NULL);
    /* a bank or an operator texts under a name: 400 and a lost message
     * before; now stored under the name as given, and no automatic reply
     * (the first message of a conversation is otherwise acknowledged) */
    snprintf(q, sizeof(q), "secret=s3cret&from=VODAFONE&to=4000&text=Your+bill+is+ready&id=a1"
             "&ts=%ld", now);
    if (call("GET", "/kannel", q, NULL, NULL, &b, NULL) != 200)
        fail_msg("not 200: %s", b);
    assert_string_equal(b, "");
    free(b);
    assert_int_equal(sr_ticket_get(F.st, 1, &t, NULL), SR_OK);
    assert_string_equal(t.requester, "VODAFONE");
    assert_int_equal(inbound_count(1), 1);
    /* a retry is recognised, still without a reply */
    assert_int_equal(call("GET", "/kannel", q, NULL, NULL, &b, NULL), 200);
    assert_string_equal(b, "");
    free(b);
    assert_int_equal(inbound_count(1), 1);
    /* a keyword from it is stored, but nothing is texted back */
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=Info+Bank&text=AGENT", NULL, NULL,
                          &b, NULL),
                     200);
    assert_string_equal(b, "");
    free(b);
    assert_int_equal(sr_ticket_get(F.st, 2, &t, NULL), SR_OK);
    assert_string_equal(t.requester, "Info Bank");
    /* after a restart the rebuilt dedupe set answers a retry with nothing too */
    stop();
    start(NULL, NULL);
    {
        size_t n = 0;
        sr_error err;
        assert_int_equal(srs_server_rebuild(F.srv, &n, &err), SR_OK);
    }
    assert_int_equal(call("GET", "/kannel", q, NULL, NULL, &b, NULL), 200);
    assert_string_equal(b, "");
    free(b);
    assert_int_equal(inbound_count(1), 1);
}

static void test_auth_limits_and_errors(void **state)
{
    srs_response rs;
    static const char *const auth_ok[] = {"Authorization", "Basic c21zOnMzY3JldA==", NULL};
    static const char *const auth_bad[] = {"Authorization", "Basic c21zOndyb25n", NULL};
    char big[70000];

    (void)state;
    start(NULL, NULL);
    assert_int_equal(call("GET", "/kannel", "from=%2B4915112345&text=x", NULL, NULL, NULL, &rs), 401);
    assert_non_null(rs.www_auth);
    srs_response_clear(&rs);
    assert_int_equal(call("GET", "/kannel", "secret=nope&from=%2B4915112345&text=x", NULL, NULL,
                          NULL, NULL),
                     403);
    assert_int_equal(call("GET", "/kannel", "from=%2B4915112345&text=x", NULL, auth_ok, NULL, NULL),
                     200);
    assert_int_equal(call("GET", "/kannel", "from=%2B4915112345&text=x", NULL, auth_bad, NULL, NULL),
                     403);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&text=x", NULL, NULL, NULL, NULL), 400);
    assert_int_equal(call("PUT", "/kannel", "secret=s3cret", NULL, NULL, NULL, &rs), 405);
    assert_string_equal(rs.allow, "GET, POST");
    srs_response_clear(&rs);
    assert_int_equal(call("GET", "/nowhere", NULL, NULL, NULL, NULL, NULL), 404);
    assert_int_equal(call("POST", "/twilio", NULL, "From=x", NULL, NULL, NULL), 404);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(call("POST", "/kannel", "secret=s3cret&from=%2B4915112345", big, NULL, NULL,
                          NULL),
                     413);
    inet_pton(AF_INET, "10.0.0.1", &F.peer.sin_addr);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=x", NULL, NULL,
                          NULL, NULL),
                     403);
    inet_pton(AF_INET, "127.0.0.1", &F.peer.sin_addr);
    assert_int_equal(call("GET", "/health", NULL, NULL, NULL, NULL, NULL), 200);
}

static void test_zendesk_reply_becomes_deliver_job(void **state)
{
    static const char body[] = "{\"external_id\":\"sr-h1-t1\",\"ticket_id\":5,\"comment_id\":9,"
                               "\"comment\":\"We are on it.\",\"author\":\"Sam\"}";
    char ts[32], sigb64[64], *b;
    const char *hv[] = {"X-Zendesk-Webhook-Signature", sigb64,
                        "X-Zendesk-Webhook-Signature-Timestamp", ts, NULL};
    time_t now = time(NULL);
    sr_job *jobs;
    size_t n;

    (void)state;
    start(NULL, NULL);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=Help", NULL,
                          NULL, NULL, NULL),
                     200);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    /* sign as Zendesk does: base64(HMAC-SHA256(secret, ts + body)) */
    {
        unsigned char mac[32];
        srp_hmac_sha256("zdsecret", 8, ts, strlen(ts), body, strlen(body), mac);
        srp_base64_encode(mac, 32, sigb64);
    }
    assert_int_equal(call("POST", "/zendesk", NULL, body, hv, &b, NULL), 200);
    assert_non_null(strstr(b, "queued"));
    free(b);
    assert_int_equal(F.kicks, 1);
    assert_int_equal(call("POST", "/zendesk", NULL, body, hv, &b, NULL), 200);
    assert_non_null(strstr(b, "duplicate"));
    free(b);
    assert_int_equal(sr_outbox_list(F.st, 0, &jobs, &n, NULL), SR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(jobs[0].kind, "deliver");
    assert_string_equal(jobs[0].target, "sms");
    assert_string_equal(jobs[0].to, "+4915112345");
    assert_string_equal(jobs[0].text, "We are on it.");
    sr_outbox_list_free(jobs, n);
    /* another host's ticket and a bad signature */
    sigb64[0] = sigb64[0] == 'A' ? 'B' : 'A';
    assert_int_equal(call("POST", "/zendesk", NULL, body, hv, NULL, NULL), 403);
}

/* post_zendesk - a signed Zendesk webhook with invocation id inv; *b the answer */
static int post_zendesk(const char *body, const char *inv, char **b)
{
    char ts[32], sigb64[64];
    const char *hv[] = {"X-Zendesk-Webhook-Signature", sigb64,
                        "X-Zendesk-Webhook-Signature-Timestamp", ts,
                        "X-Zendesk-Webhook-Invocation-Id", inv, NULL};
    time_t now = time(NULL);
    unsigned char mac[32];

    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    srp_hmac_sha256("zdsecret", 8, ts, strlen(ts), body, strlen(body), mac);
    srp_base64_encode(mac, 32, sigb64);
    return call("POST", "/zendesk", NULL, body, hv, b, NULL);
}

/* Zendesk retries a webhook whose answer it did not get; the retry may come
 * after the shim restarted (the answer was lost in the restart): it is
 * still a duplicate, the customer gets the agent's reply once.  The same
 * for Gorgias, whose retry carries the same message id */
static void test_webhook_redelivery_after_restart(void **state)
{
    static const char zd[] = "{\"external_id\":\"sr-h1-t1\",\"ticket_id\":5,"
                             "\"comment\":\"We are on it.\",\"author\":\"Sam\"}";
    static const char gg[] = "{\"ticket\":{\"id\":77,\"external_id\":\"sr-h1-t1\"},"
                             "\"message\":{\"id\":555,\"body_text\":\"Shipped today.\","
                             "\"channel\":\"sms\",\"from_agent\":true,\"public\":true,"
                             "\"sender\":{\"name\":\"Gus\"}}}";
    const char *tok[] = {"X-Sentiroute-Token", "ggtoken", NULL};
    char path[160], *b;
    sr_job *jobs;
    size_t n;
    FILE *fp;

    (void)state;
    snprintf(path, sizeof(path), "%s/gg", F.dir);
    fp = fopen(path, "w");
    fputs("ggtoken", fp);
    fclose(fp);
    chmod(path, 0600);
    snprintf(path, sizeof(path), "gorgias_token_file = \"%s/gg\";", F.dir);
    start(path, NULL);
    assert_int_equal(call("GET", "/kannel", "secret=s3cret&from=%2B4915112345&text=Help", NULL,
                          NULL, NULL, NULL),
                     200);
    assert_int_equal(post_zendesk(zd, "inv-77", &b), 200);
    assert_non_null(strstr(b, "queued"));
    free(b);
    assert_int_equal(call("POST", "/gorgias", NULL, gg, tok, &b, NULL), 200);
    assert_non_null(strstr(b, "queued"));
    free(b);
    stop();
    start(path, NULL);
    assert_int_equal(post_zendesk(zd, "inv-77", &b), 200);
    if (strstr(b, "duplicate") == NULL)
        fail_msg("Zendesk's retry after a restart: %s", b);
    free(b);
    assert_int_equal(call("POST", "/gorgias", NULL, gg, tok, &b, NULL), 200);
    if (strstr(b, "duplicate") == NULL)
        fail_msg("Gorgias' retry after a restart: %s", b);
    free(b);
    assert_int_equal(sr_outbox_list(F.st, 0, &jobs, &n, NULL), SR_OK);
    assert_int_equal(n, 2);
    sr_outbox_list_free(jobs, n);
}

static void test_settings_refuse_world_readable_secret(void **state)
{
    char path[128], text[512];
    FILE *fp;
    sr_config *cfg;
    sr_error err;

    (void)state;
    snprintf(path, sizeof(path), "%s/open", F.dir);
    fp = fopen(path, "w");
    fputs("x", fp);
    fclose(fp);
    chmod(path, 0644);
    snprintf(text, sizeof(text), "sms = { twilio_token_file = \"%s\"; };\n", path);
    snprintf(path, sizeof(path), "%s/c2.conf", F.dir);
    fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
    cfg = sr_config_load(path, &err);
    assert_non_null(cfg);
    assert_null(srs_settings_load(cfg, &err));
    assert_int_equal(err.code, SR_ECONFIG);
    assert_non_null(strstr(err.where, "sms.twilio_token_file"));
    assert_non_null(strstr(err.msg, "readable by others"));
    sr_config_unref(cfg);
}

/* the instance in external ids is the store's: "eu west" is "eu_west"
 * there (core/store.c keeps ids URL-safe), and a reply to sr-eu_west-t42
 * is ours, not another host's */
static void test_settings_instance_as_the_store_names_it(void **state)
{
    char path[128];
    FILE *fp;
    sr_config *cfg;
    srs_settings *s;
    sr_error err;
    uint64_t t = 0;

    (void)state;
    snprintf(path, sizeof(path), "%s/c3.conf", F.dir);
    fp = fopen(path, "w");
    fputs("store = { instance = \"eu west\"; };\n", fp);
    fclose(fp);
    cfg = sr_config_load(path, &err);
    assert_non_null(cfg);
    s = srs_settings_load(cfg, &err);
    assert_non_null(s);
    assert_string_equal(s->instance, "eu_west");
    assert_int_equal(srs_ext_id_ticket("sr-eu_west-t42", s->instance, &t), SR_OK);
    assert_int_equal(t, 42);
    assert_int_not_equal(srs_ext_id_ticket("sr-eu west-t42", s->instance, &t), SR_OK);
    assert_int_not_equal(srs_ext_id_ticket("sr-other-t42", s->instance, &t), SR_OK);
    srs_settings_free(s);
    sr_config_unref(cfg);
}

/* twilio_token - the Auth Token file the /twilio tests configure */
static void twilio_token(void)
{
    char path[128];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/tw", F.dir);
    fp = fopen(path, "w");
    fputs("12345\n", fp);
    fclose(fp);
    chmod(path, 0600);
}

static void test_twilio_get_with_configured_url_signs_query(void **state)
{
    static const char q[] = "MessageSid=SM9&From=%2B14155550100&To=%2B14155550199&Body=Hello+there";
    char extra[256], sig[29], url[512], *b;
    const char *hv[] = {"X-Twilio-Signature", sig, "Host", "10.0.0.5:8088", NULL};
    srs_form f;
    sr_error err;

    (void)state;
    twilio_token();
    snprintf(extra, sizeof(extra), "twilio_token_file = \"%s/tw\"; "
             "twilio_url = \"https://sms.example.com/twilio\";", F.dir);
    start(extra, NULL);
    /* GET: Twilio signs the URL as it requested it, query included */
    snprintf(url, sizeof(url), "https://sms.example.com/twilio?%s", q);
    srs_twilio_signature("12345", 5, url, NULL, sig);
    assert_int_equal(call("GET", "/twilio", q, NULL, hv, &b, NULL), 200);
    assert_non_null(strstr(b, "<Response>"));
    free(b);
    assert_int_equal(inbound_count(1), 1);
    /* the URL without its query is not what was signed */
    srs_twilio_signature("12345", 5, "https://sms.example.com/twilio", NULL, sig);
    assert_int_equal(call("GET", "/twilio", q, NULL, hv, NULL, NULL), 403);
    /* POST: the configured URL plus the sorted fields, as before */
    assert_int_equal(srs_form_parse(q, strlen(q), 32, &f, &err), SR_OK);
    srs_twilio_signature("12345", 5, "https://sms.example.com/twilio", &f, sig);
    srs_form_free(&f);
    assert_int_equal(call("POST", "/twilio", NULL, q, hv, NULL, NULL), 200);
    assert_int_equal(inbound_count(1), 1);   /* the same MessageSid: a retry */
}

static void test_twilio_get_long_query_verifies(void **state)
{
    /* a concatenated SMS of 400 umlauts: 2400 bytes of query once encoded */
    char extra[256], sig[29], *q, *url, *b;
    const char *hv[] = {"X-Twilio-Signature", sig, "Host", "sms.example.com", NULL};
    size_t o;

    (void)state;
    twilio_token();
    snprintf(extra, sizeof(extra), "twilio_token_file = \"%s/tw\";", F.dir);
    start(extra, NULL);
    q = malloc(4096);
    url = malloc(4200);
    o = (size_t)sprintf(q, "MessageSid=SM77&From=%%2B14155550100&Body=");
    for (int i = 0; i < 400; i++)
        o += (size_t)sprintf(q + o, "%%C3%%A4");
    sprintf(url, "http://sms.example.com/twilio?%s", q);
    srs_twilio_signature("12345", 5, url, NULL, sig);
    assert_int_equal(call("GET", "/twilio", q, NULL, hv, &b, NULL), 200);
    free(b);
    assert_int_equal(inbound_count(1), 1);
    free(q);
    free(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kannel_stores_and_acknowledges_first_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retry_is_answered_without_second_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keyword_hands_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sentiment_trigger_and_method_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_rule_hands_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_empty_and_ucs2_coding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_limits_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kannel_lone_surrogate_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_text_cut_and_flagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alphanumeric_sender_stored_without_reply, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_kannel_bytes_invalid_in_charset_stored, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reply_to_a_name_fails_with_the_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_zendesk_reply_becomes_deliver_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_redelivery_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_twilio_get_with_configured_url_signs_query, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_twilio_get_long_query_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_instance_as_the_store_names_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_settings_refuse_world_readable_secret, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
