/*
 * test_http - what the handoff drivers read from a helpdesk's answer: the
 * new ticket's id, lookups, Retry-After, header lines.  The answer is
 * outside input: an id that is no id must never become a remote id (it
 * goes into URLs, log lines and the store).
 */
#include "build-config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "handoff.h"
#include "internal.h"

/* --- a canned helpdesk on 127.0.0.1: answer i to request i (the last
 * again after that), Connection: close; records the request lines --- */

typedef struct canned {
    int fd, port, n;
    const char *const *answers;   /* "STATUS\nBODY" */
    char lines[8][200];
    pthread_t th;
} canned;

static void *canned_main(void *arg)
{
    canned *c = arg;

    for (;;) {
        char req[65536], out[70000];
        size_t got = 0;
        const char *a, *body, *hdr_end;
        int s = accept(c->fd, NULL, NULL);
        long clen = 0;

        if (s < 0)
            break;
        /* the head, then Content-Length bytes of body */
        while (got < sizeof(req) - 1) {
            ssize_t k = read(s, req + got, sizeof(req) - 1 - got);
            if (k <= 0)
                break;
            got += (size_t)k;
            req[got] = '\0';
            if ((hdr_end = strstr(req, "\r\n\r\n")) != NULL) {
                const char *cl = strstr(req, "Content-Length: ");
                clen = cl && cl < hdr_end ? atol(cl + 16) : 0;
                if (got >= (size_t)(hdr_end + 4 - req) + (size_t)clen)
                    break;
            }
        }
        req[got] = '\0';
        if (c->n < 8)
            snprintf(c->lines[c->n], sizeof(c->lines[0]), "%.*s", (int)strcspn(req, "\r"), req);
        a = c->answers[0];
        for (int i = 0; i <= c->n && c->answers[i]; i++)
            a = c->answers[i];
        c->n++;
        body = strchr(a, '\n') + 1;
        {
            /* "STATUS[ Header: value]\nBODY"; BODY "@BIG": 2 MiB */
            const char *xh = a + strspn(a, "0123456789");
            size_t blen = strcmp(body, "@BIG") == 0 ? (size_t)2 << 20 : strlen(body);
            int xl = (int)(body - 1 - xh);
            while (xl > 0 && *xh == ' ') {
                xh++;
                xl--;
            }
            snprintf(out, sizeof(out),
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "%.*s%sConnection: close\r\n\r\n",
                     atoi(a), blen, xl, xh, xl > 0 ? "\r\n" : "");
            /* MSG_NOSIGNAL: the client may hang up on a body it finds too long */
            if (send(s, out, strlen(out), MSG_NOSIGNAL) > 0) {
                if (blen == strlen(body)) {
                    (void)send(s, body, blen, MSG_NOSIGNAL);
                } else {
                    memset(out, 'x', sizeof(out));
                    for (size_t sent = 0; sent < blen; sent += sizeof(out))
                        if (send(s, out, SR_MIN(sizeof(out), blen - sent), MSG_NOSIGNAL) < 0)
                            break;
                }
            }
        }
        close(s);
    }
    return NULL;
}

static void canned_start(canned *c, const char *const *answers)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    memset(c, 0, sizeof(*c));
    c->answers = answers;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(c->fd, 8) != 0 || getsockname(c->fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("listener");
    c->port = ntohs(a.sin_port);
    if (pthread_create(&c->th, NULL, canned_main, c) != 0)
        fail_msg("thread");
}

static void canned_stop(canned *c)
{
    shutdown(c->fd, SHUT_RDWR);   /* wakes accept() */
    pthread_join(c->th, NULL);
    close(c->fd);
}

/* secret_file - one secret file for the drivers' configs, removed at exit */
static char secret_dir[] = "/tmp/test_http.XXXXXX", secret_path[64];

static void secret_rm(void)
{
    unlink(secret_path);
    rmdir(secret_dir);
}

static const char *secret_file(void)
{
    int fd;

    if (secret_path[0])
        return secret_path;
    if (mkdtemp(secret_dir) == NULL)
        fail_msg("mkdtemp");
    snprintf(secret_path, sizeof(secret_path), "%s/secret", secret_dir);
    fd = open(secret_path, O_WRONLY | O_CREAT, 0600);
    if (fd < 0 || write(fd, "s3cret\n", 7) != 7)
        fail_msg("secret file");
    close(fd);
    atexit(secret_rm);
    return secret_path;
}

static sr_config *drv_cfg(const char *fmt, ...) SR_PRINTFLIKE(1, 2);

/* drv_cfg - a config with the handoff section formatted from fmt */
static sr_config *drv_cfg(const char *fmt, ...)
{
    char sect[1024], text[2048];
    sr_config *cfg;
    sr_error err;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sect, sizeof(sect), fmt, ap);
    va_end(ap);
    snprintf(text, sizeof(text), "handoff = { timeout = 5; connect_timeout = 2; %s };", sect);
    cfg = srp_config_load_string(text, "test.conf", &err);
    if (cfg == NULL)
        fail_msg("config: %s: %s", err.where, err.msg);
    return cfg;
}

/* run_drv_at - attempt number attempts at a handoff */
static void run_drv_at(srp_driver_fn fn, sr_config *cfg, int attempts, srp_delivery *d)
{
    json_t *snap = json_pack("{ss ss ss ss}", "subject", "help", "email", "jane@example.com",
                             "requester", "jane@example.com", "priority", "high");
    srp_payload p = {.cfg = cfg, .kind = "handoff", .idem_key = "sr-test-j1",
                     .ext_id = "sr-test-t1", .snap = snap, .attempts = attempts,
                     .first_attempt = (int64_t)time(NULL) - 86400, .ticket_id = 1, .seq = 1};

    memset(d, 0, sizeof(*d));
    fn(&p, d);
    json_decref(snap);
}

/* run_drv - a second attempt at a handoff (so the driver looks first) */
static void run_drv(srp_driver_fn fn, sr_config *cfg, srp_delivery *d)
{
    run_drv_at(fn, cfg, 2, d);
}

/* id_of - srp_json_id over the JSON text v ("" when no id) */
static int id_of(const char *v, int strings, char *out, size_t size)
{
    json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
    int rc;

    if (j == NULL)
        fail_msg("bad JSON in the test: %s", v);
    out[0] = '\0';
    rc = srp_json_id(j, strings, out, size);
    json_decref(j);
    return rc;
}

static void test_ids_helpdesks_give_are_read(void **state)
{
    static const struct {
        const char *json;
        int strings;
        const char *want;
    } ok[] = {
        {"20", 0, "20"},
        {"9007199254740993", 0, "9007199254740993"},
        {"\"20\"", 1, "20"},
        {"\"TCK-2024_07.x:1\"", 1, "TCK-2024_07.x:1"},
    };
    char id[64];

    (void)state;
    for (size_t i = 0; i < SR_ARRAY_LEN(ok); i++) {
        if (id_of(ok[i].json, ok[i].strings, id, sizeof(id)) != 1 || strcmp(id, ok[i].want) != 0)
            fail_msg("id %s: got '%s', want '%s'", ok[i].json, id, ok[i].want);
    }
}

static void test_id_that_is_no_id_is_refused(void **state)
{
    static const struct {
        const char *json;
        int strings;
    } bad[] = {
        {"\"20\"", 0},                                   /* Zendesk/Gorgias: numbers only */
        {"0", 0},
        {"-5", 0},
        {"null", 1},
        {"20.5", 1},
        {"[20]", 1},
        {"\"\"", 1},
        {"\"7\\r\\nT1: job 9 handoff delivered\"", 1},   /* a forged log line */
        {"\"20/../../admin\"", 1},                      /* goes into URL paths */
        {"\"..\"", 1},
        {"\"20?x=1\"", 1},
        {"\"20 21\"", 1},
        {"\"\\u00e9t\\u00e9\"", 1},
        {"\"1234567890123456789012345678901234567890123456789012345678901234567890\"", 1},
    };
    char id[64];
    int failed = 0;

    (void)state;
    for (size_t i = 0; i < SR_ARRAY_LEN(bad); i++) {
        if (id_of(bad[i].json, bad[i].strings, id, sizeof(id)) != 0) {
            print_message("id %s (strings %d): got 1 and '%s', want 0\n", bad[i].json,
                          bad[i].strings, id);
            failed++;
        }
    }
    if (failed)
        fail_msg("%d of %zu ids that are no ids were taken", failed, SR_ARRAY_LEN(bad));
}

static void test_created_answer_with_unusable_id_is_a_retry(void **state)
{
    srp_http_resp r = {.status = 201};
    srp_delivery d = {.outcome = SRP_DELIVERED};

    (void)state;
    r.body = "{\"type\": \"ticket\", \"id\": \"20\\nT5: job 1 handoff delivered\"}";
    r.len = strlen(r.body);
    srp_remote_id(&r, NULL, 1, "rt create: 201 without id", &d);
    if (d.outcome != SRP_RETRY)
        fail_msg("got outcome %d remote_id '%s', want a retry", d.outcome, d.remote_id);
}

/* a lookup that finds our ticket but no usable id in the answer must
 * neither make a second ticket nor record a made-up id: a retry */
static void test_rt_lookup_match_without_id_makes_no_second_ticket(void **state)
{
    static const char *const answers[] = {
        "200\n{\"items\": [{\"type\": \"ticket\", \"id\": \"20 x\"}], \"count\": 1}",
        "201\n{\"type\": \"ticket\", \"id\": \"21\"}", NULL};
    canned c;
    srp_delivery d;
    sr_config *cfg;

    (void)state;
    canned_start(&c, answers);
    cfg = drv_cfg("rt = { url = \"http://127.0.0.1:%d\"; token_file = \"%s\"; queue = \"General\"; };",
                  c.port, secret_file());
    run_drv(srp_drv_rt, cfg, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (c.n != 1 || d.outcome != SRP_RETRY)
        fail_msg("got %d request(s) (last '%s'), outcome %d, remote '%s'; want the search only"
                 " and a retry", c.n, c.lines[c.n > 0 ? c.n - 1 : 0], d.outcome, d.remote_id);
}

static void test_zendesk_lookup_match_without_id_makes_no_second_ticket(void **state)
{
    static const char *const answers[] = {
        "200\n{\"tickets\": [{\"id\": \"35436\", \"external_id\": \"sr-test-t1\"}]}",
        "201\n{\"ticket\": {\"id\": 35437}}", NULL};
    canned c;
    srp_delivery d;
    sr_config *cfg;

    (void)state;
    canned_start(&c, answers);
    cfg = drv_cfg("zendesk = { url = \"http://127.0.0.1:%d\"; email = \"a@example.com\";"
                  " token_file = \"%s\"; };", c.port, secret_file());
    run_drv(srp_drv_zendesk, cfg, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (c.n != 1 || d.outcome != SRP_RETRY)
        fail_msg("got %d request(s) (last '%s'), outcome %d, remote '%s'; want the lookup only"
                 " and a retry", c.n, c.lines[c.n > 0 ? c.n - 1 : 0], d.outcome, d.remote_id);
}

static void test_gorgias_lookup_match_without_id_is_no_ticket_0(void **state)
{
    static const char *const answers[] = {
        "200\n{\"data\": [{\"id\": null, \"external_id\": \"sr-test-t1\"}],"
        " \"meta\": {\"next_cursor\": null}}",
        "201\n{\"id\": 12346}", NULL};
    canned c;
    srp_delivery d;
    sr_config *cfg;

    (void)state;
    canned_start(&c, answers);
    cfg = drv_cfg("gorgias = { url = \"http://127.0.0.1:%d\"; username = \"a@example.com\";"
                  " api_key_file = \"%s\"; };", c.port, secret_file());
    run_drv(srp_drv_gorgias, cfg, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (c.n != 1 || d.outcome != SRP_RETRY)
        fail_msg("got %d request(s) (last '%s'), outcome %d, remote '%s'; want the lookup only"
                 " and a retry", c.n, c.lines[c.n > 0 ? c.n - 1 : 0], d.outcome, d.remote_id);
}

/* an error page that echoes the request (a proxy, a debug page) must not
 * carry our credentials into the outbox's reason and the log */
static void test_error_body_echoing_credentials_is_redacted(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "<h1>401</h1><pre>GET /api/v2 HTTP/1.1\r\nAuthorization: Bearer s3cr3tT0ken\r\n</pre>",
        "{\"error\":\"bad request\",\"headers\":{\"authorization\":\"Basic czNjcjN0VDBrZW4=\"}}",
        "invalid api_key=s3cr3tT0ken for account",
        "Forbidden: token s3cr3tT0ken revoked",
        "{\"password\": \"s3cr3tT0ken\"}",
    };
    for (size_t k = 0; k < sizeof(bodies) / sizeof(*bodies); k++) {
        srp_http_resp r;
        srp_delivery d;
        memset(&r, 0, sizeof(r));
        memset(&d, 0, sizeof(d));
        r.status = 401;
        r.body = (char *)bodies[k];
        r.len = strlen(bodies[k]);
        r.retry_after = -1;
        srp_http_classify(&r, "zendesk create", &d);
        if (strstr(d.why, "s3cr3t") != NULL || strstr(d.why, "czNjcjN0") != NULL)
            fail_msg("credential in the reason: %s", d.why);
        assert_int_equal(d.outcome, SRP_PERMANENT);
        assert_non_null(strstr(d.why, "HTTP 401"));
    }
    /* an ordinary error body stays whole */
    srp_http_resp r;
    srp_delivery d;
    memset(&r, 0, sizeof(r));
    memset(&d, 0, sizeof(d));
    r.status = 422;
    r.body = (char *)"{\"error\":\"RecordInvalid\",\"description\":\"Record validation errors\"}";
    r.len = strlen(r.body);
    srp_http_classify(&r, "zendesk create", &d);
    assert_non_null(strstr(d.why, "Record validation errors"));
}

/* RT's seq custom field: digits only count; garbage, a sign, a number
 * past a long are unknown (-1), not what atol made of them */
static void test_rt_seq_field_is_read_strictly(void **state)
{
    static const struct {
        const char *value;
        long want;
    } cases[] = {{"12", 12}, {"0", 0}, {"12abc", -1}, {" 12", -1}, {"-3", -1}, {"", -1},
                 {"99999999999999999999999", -1}, {"123456789012345678", 123456789012345678L}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        json_t *t = json_pack("{s:[{s:s,s:[s]}]}", "CustomFields", "name", "sr-seq", "values",
                              cases[i].value);
        long got = srp_rt_seq(t, "sr-seq");
        json_decref(t);
        if (got != cases[i].want)
            fail_msg("seq '%s': got %ld, want %ld", cases[i].value, got, cases[i].want);
    }
}

/* run_rt_comment - attempt number attempts at RT comment seq 3 on ticket 20 */
static void run_rt_comment(sr_config *cfg, int attempts, srp_delivery *d)
{
    json_t *snap = json_pack("{ss ss ss ss}", "subject", "help", "email", "jane@example.com",
                             "requester", "jane@example.com", "priority", "high");
    sr_stored_message m = {.seq = 3, .direction = SR_DIR_IN, .at = 1700000000,
                           .text = "Still nothing. Refund me."};
    srp_payload p = {.cfg = cfg, .kind = "comment", .idem_key = "sr-test-j2",
                     .ext_id = "sr-test-t1", .snap = snap, .remote_id = "20",
                     .attempts = attempts, .first_attempt = (int64_t)time(NULL),
                     .ticket_id = 1, .seq = 3, .msgs = &m, .nmsgs = 1};

    memset(d, 0, sizeof(*d));
    srp_drv_rt(&p, d);
    json_decref(snap);
}

/* a token whose user may comment but not set the seq field: RT posts the
 * comment, then refuses the field and says so in its 201 answer (RT 5
 * REST2 Message.pm: the results of the field updates follow "Comments
 * added").  The comment is there: done, posted once, and a warning for the
 * admin that names the field and the right (never the token); a 403 is RT
 * refusing the comment itself (CommentOnTicket): not posted, permanent */
static void test_rt_comment_with_refused_seq_field_posts_once(void **state)
{
    static const char *const refused[] = {
        "201\n[\"Comments added\", \"Permission Denied\"]", NULL};
    static const char *const plain[] = {"201\n[\"Comments added\"]", NULL};
    static const char *const forbidden[] = {
        "403\n{\"message\": \"Permission Denied\"}", NULL};
    canned c;
    srp_delivery d;
    sr_config *cfg;

    (void)state;
    canned_start(&c, refused);
    cfg = drv_cfg("rt = { url = \"http://127.0.0.1:%d\"; token_file = \"%s\"; queue = \"General\"; };",
                  c.port, secret_file());
    run_rt_comment(cfg, 1, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (c.n != 1 || strncmp(c.lines[0], "POST /REST/2.0/ticket/20/comment ", 33) != 0 ||
        d.outcome != SRP_DELIVERED || strcmp(d.remote_id, "20") != 0)
        fail_msg("got %d request(s) (first '%s'), outcome %d, remote '%s'; want one comment,"
                 " delivered to 20", c.n, c.lines[0], d.outcome, d.remote_id);
    if (strstr(d.warn, "SentirouteSeq") == NULL || strstr(d.warn, "ModifyCustomField") == NULL ||
        strstr(d.warn, "ticket 20") == NULL || strstr(d.warn, "s3cret") != NULL)
        fail_msg("warning: got '%s', want the ticket, the field and the right", d.warn);

    canned_start(&c, plain);
    cfg = drv_cfg("rt = { url = \"http://127.0.0.1:%d\"; token_file = \"%s\"; queue = \"General\"; };",
                  c.port, secret_file());
    run_rt_comment(cfg, 1, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (c.n != 1 || d.outcome != SRP_DELIVERED || d.warn[0] != '\0')
        fail_msg("field set: got %d request(s), outcome %d, warning '%s'; want done, no warning",
                 c.n, d.outcome, d.warn);

    canned_start(&c, forbidden);
    cfg = drv_cfg("rt = { url = \"http://127.0.0.1:%d\"; token_file = \"%s\"; queue = \"General\"; };",
                  c.port, secret_file());
    run_rt_comment(cfg, 1, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (c.n != 1 || d.outcome != SRP_PERMANENT || strstr(d.why, "HTTP 403") == NULL)
        fail_msg("403: got %d request(s), outcome %d, why '%s'; want a permanent failure",
                 c.n, d.outcome, d.why);
}

/* RT creates a ticket without a custom field the token's user cannot see
 * or may not set, and its 201 says nothing (REST2 Record/Writable.pm).
 * After a create the driver runs the search a retry would run: the
 * ticket is kept whatever it says (delivered, remote 21, two requests);
 * an answer without it or a refused search (4xx) is a warning naming the
 * field and the rights, never the token; one that cannot tell is none */
static void test_rt_create_checks_the_id_field_is_searchable(void **state)
{
    static const struct {
        const char *search, *want;   /* want: in the warning; NULL: no warning */
    } cases[] = {
        {"200\n{\"items\": [], \"count\": 0}", "(RT left the field out)"},
        {"200\n{\"items\": [{\"type\": \"ticket\", \"id\": \"20\"}], \"count\": 1}",
         "(RT left the field out)"},
        {"400\n{\"message\": \"Invalid custom field\"}", "RT refused the search"},
        {"200\n{\"items\": [{\"type\": \"ticket\", \"id\": \"21\"}], \"count\": 1}", NULL},
        {"503\n{\"message\": \"busy\"}", NULL},
        {"200\n<html>maintenance</html>", NULL},
    };
    canned c;
    srp_delivery d;
    sr_config *cfg;

    (void)state;
    for (size_t i = 0; i < SR_ARRAY_LEN(cases); i++) {
        const char *answers[] = {"201\n{\"type\": \"ticket\", \"id\": \"21\"}", cases[i].search,
                                 NULL};
        canned_start(&c, answers);
        cfg = drv_cfg("rt = { url = \"http://127.0.0.1:%d\"; token_file = \"%s\";"
                      " queue = \"General\"; };", c.port, secret_file());
        run_drv_at(srp_drv_rt, cfg, 1, &d);
        canned_stop(&c);
        sr_config_unref(cfg);
        if (c.n != 2 || strncmp(c.lines[0], "POST /REST/2.0/ticket ", 22) != 0 ||
            strncmp(c.lines[1], "GET /REST/2.0/tickets?query=%27CF.%7BSentirouteId%7D%27", 55) != 0)
            fail_msg("case %zu: got %d request(s) ('%s', '%s'), want the create and the search", i,
                     c.n, c.lines[0], c.n > 1 ? c.lines[1] : "");
        if (d.outcome != SRP_DELIVERED || strcmp(d.remote_id, "21") != 0)
            fail_msg("case %zu: got outcome %d remote '%s', want delivered to 21", i, d.outcome,
                     d.remote_id);
        if (cases[i].want == NULL ? d.warn[0] != '\0'
                                  : strstr(d.warn, cases[i].want) == NULL ||
                                        strstr(d.warn, "ticket 21 created") == NULL ||
                                        strstr(d.warn, "SentirouteId") == NULL ||
                                        strstr(d.warn, "SetInitialCustomField") == NULL ||
                                        strstr(d.warn, "s3cret") != NULL)
            fail_msg("case %zu: warning '%s', want %s%s", i, d.warn,
                     cases[i].want ? "the ticket, the field, the rights and " : "none",
                     cases[i].want ? cases[i].want : "");
    }
}

/* an answer over the cap (1 MiB) still has a status: a 401 is a
 * permanent failure and a 429 a retry at its Retry-After, not a "no
 * response" retry with backoff */
static void test_oversized_answer_keeps_its_status(void **state)
{
    static const char *const a401[] = {"401\n@BIG", NULL};
    static const char *const a429[] = {"429 Retry-After: 120\n@BIG", NULL};
    canned c;
    srp_delivery d;
    sr_config *cfg;

    (void)state;
    canned_start(&c, a401);
    cfg = drv_cfg("rt = { url = \"http://127.0.0.1:%d\"; token_file = \"%s\"; queue = \"General\"; };",
                  c.port, secret_file());
    run_drv_at(srp_drv_rt, cfg, 1, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (d.outcome != SRP_PERMANENT || strstr(d.why, "HTTP 401") == NULL)
        fail_msg("401 with 2 MiB: got outcome %d why '%s', want permanent, HTTP 401", d.outcome,
                 d.why);
    canned_start(&c, a429);
    cfg = drv_cfg("rt = { url = \"http://127.0.0.1:%d\"; token_file = \"%s\"; queue = \"General\"; };",
                  c.port, secret_file());
    run_drv_at(srp_drv_rt, cfg, 1, &d);
    canned_stop(&c);
    sr_config_unref(cfg);
    if (d.outcome != SRP_RETRY || d.retry_after != 120 || strstr(d.why, "HTTP 429") == NULL)
        fail_msg("429 with 2 MiB: got outcome %d retry_after %d why '%s', want retry at 120 s,"
                 " HTTP 429", d.outcome, d.retry_after, d.why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_helpdesks_give_are_read),
        cmocka_unit_test(test_id_that_is_no_id_is_refused),
        cmocka_unit_test(test_created_answer_with_unusable_id_is_a_retry),
        cmocka_unit_test(test_rt_lookup_match_without_id_makes_no_second_ticket),
        cmocka_unit_test(test_zendesk_lookup_match_without_id_makes_no_second_ticket),
        cmocka_unit_test(test_gorgias_lookup_match_without_id_is_no_ticket_0),
        cmocka_unit_test(test_oversized_answer_keeps_its_status),
        cmocka_unit_test(test_error_body_echoing_credentials_is_redacted),
        cmocka_unit_test(test_rt_seq_field_is_read_strictly),
        cmocka_unit_test(test_rt_comment_with_refused_seq_field_posts_once),
        cmocka_unit_test(test_rt_create_checks_the_id_field_is_searchable),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
