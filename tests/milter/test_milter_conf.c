/*
 * test_milter_conf - the milter's config snapshot, recipient matching and
 * the header values it writes
 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "srm.h"
#include "config.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return tu_mkdtemp(dir, sizeof(dir), "srmconf");
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmrf(dir);
}

static const char *write_conf(const char *text)
{
    static char path[128];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/m.conf", dir);
    fp = fopen(path, "w");
    if (fp == NULL)
        fail_msg("cannot write %s", path);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void test_support_recipients_match(void **state)
{
    sr_error err;
    srm_conf *c;
    static const struct {
        const char *addr;
        int want;
    } cases[] = {
        {"<help@example.com>", 1},    {"<HELP@Example.COM>", 1},  {"<help+vip@example.com>", 1},
        {"help@example.com", 1},      {"<sales@example.com>", 0}, {"<anyone@support.test>", 1},
        {"<x@sub.support.test>", 0},  {"<>", 0},                   {"<help@example.com.evil>", 0},
        {"<helpx@example.com>", 0},
    };
    (void)state;

    c = srm_conf_load(write_conf("milter = { recipients = [\"Help@Example.com\"];"
                                 " domains = [\"Support.TEST\"]; };\n"),
                      NULL, NULL, &err);
    if (c == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        if (srm_is_support(c, cases[i].addr) != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].addr, !cases[i].want, cases[i].want);
    assert_int_equal(c->on_error, SRM_ON_ERROR_ACCEPT);
    assert_int_equal(c->max_scan, 1048576);
    srm_conf_unref(c);
}

static void test_bad_milter_config_is_rejected(void **state)
{
    static const struct {
        const char *text;
        const char *where;
    } cases[] = {
        {"milter = { socket = \"tcp:25\"; };", "milter.socket"},
        {"milter = { socket = \"inet:99999@127.0.0.1\"; };", "milter.socket"},
        {"milter = { socket = \"unix:relative\"; };", "milter.socket"},
        {"milter = { recipients = [\"no-at-sign\"]; };", "milter.recipients[0]"},
        {"milter = { on_error = \"reject\"; };", "milter.on_error"},
        {"milter = { max_scan_bytes = 10; };", "milter.max_scan_bytes"},
        {"milter = { colour = 1; };", "milter.colour"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        sr_error err;
        srm_conf *c = srm_conf_load(write_conf(cases[i].text), NULL, NULL, &err);
        if (c != NULL) {
            srm_conf_unref(c);
            fail_msg("'%s' loaded", cases[i].text);
        }
        assert_int_equal(err.code, SR_ECONFIG);
        if (strstr(err.where, cases[i].where) == NULL)
            fail_msg("'%s': got where '%s', want '%s'", cases[i].text, err.where, cases[i].where);
    }
}

static void test_socket_specs(void **state)
{
    (void)state;
    assert_true(srm_socket_valid("inet:8895@127.0.0.1"));
    assert_true(srm_socket_valid("inet:8895"));
    assert_true(srm_socket_valid("inet6:8895@[::1]"));
    assert_true(srm_socket_valid("unix:/run/sentiroute/milter.sock"));
    assert_false(srm_socket_valid("inet:@127.0.0.1"));
    assert_false(srm_socket_valid("inet:0@127.0.0.1"));
    assert_false(srm_socket_valid("inet:25@"));
    assert_false(srm_socket_valid("local:x"));
}

static void test_sentiment_header_value(void **state)
{
    sr_sentiment s;
    char buf[256];
    (void)state;

    memset(&s, 0, sizeof(s));
    s.score = 2.14f;
    s.label = SR_LABEL_URGENT;
    s.flags = SR_FLAG_THREATENING | SR_FLAG_URGENT_CUE;
    memcpy(s.lang, "de", 3);
    assert_string_equal(srm_format_sentiment(&s, buf, sizeof(buf)),
                        "score=2.1; label=urgent; lang=de; flags=threatening,urgent_cue");
    s.flags = 0;
    s.score = 7.0f;
    s.label = SR_LABEL_POSITIVE;
    memcpy(s.lang, "und", 4);
    assert_string_equal(srm_format_sentiment(&s, buf, sizeof(buf)),
                        "score=7.0; label=positive; lang=und; flags=none");
}

/* whatever the struct holds, the value is one line of printable ASCII */
static void test_sentiment_header_value_is_safe(void **state)
{
    sr_sentiment s;
    char buf[256];
    (void)state;

    memset(&s, 0xff, sizeof(s));
    s.lang[0] = '\r';
    s.lang[1] = '\n';
    s.score = -3.0f;
    s.label = (sr_label)99;
    srm_format_sentiment(&s, buf, sizeof(buf));
    for (const char *p = buf; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            fail_msg("byte 0x%02x in '%s'", (unsigned char)*p, buf);
    assert_non_null(strstr(buf, "lang=und"));
    assert_non_null(strstr(buf, "score=0.0"));
    /* X-Sentiment-Score shows the same bounded score */
    assert_true(srm_header_score(-3.0f) == 0.0f);
    assert_true(srm_header_score(NAN) == 0.0f);
    assert_true(srm_header_score(12.5f) == 10.0f);
    assert_true(srm_header_score(7.25f) == 7.25f);
}

static void test_tokens_and_addresses(void **state)
{
    char t[16], a[64];
    (void)state;

    assert_string_equal(srm_token(t, sizeof(t), "senior"), "senior");
    assert_string_equal(srm_token(t, sizeof(t), "se\r\nX-Evil: 1"), "se__X-Evil__1");
    assert_string_equal(srm_token(t, sizeof(t), ""), "none");
    assert_string_equal(srm_token(t, sizeof(t), "a-very-long-queue-name"), "a-very-long-que");
    assert_string_equal(srm_token(t, sizeof(t), "\xc3\xa4"), "__");
    assert_true(srm_safe_addr("senior@support.test"));
    assert_false(srm_safe_addr("senior@support.test\r\nX: y"));
    assert_false(srm_safe_addr("<senior@support.test>"));
    assert_false(srm_safe_addr("a b@c"));
    assert_false(srm_safe_addr("nobody"));
    assert_int_equal(srm_addr_normalize(" <Jane+Tag@Example.TEST> ", a, sizeof(a)), 0);
    assert_string_equal(a, "jane@example.test");
    assert_int_equal(srm_addr_normalize("<>", a, sizeof(a)), -1);
    assert_true(srm_is_sentiment_header("x-sentiment-score"));
    assert_true(srm_is_sentiment_header("X-Sentimental"));
    assert_false(srm_is_sentiment_header("X-Spam"));
}

/* append_raw - one raw mail through the milter's own path: extraction,
 * then the ticket append; the ticket id */
static unsigned long long append_raw(const srm_conf *c, const char *raw)
{
    srm_mail mail;
    srm_ticket t;
    sr_error err;
    sr_message *msg = sr_message_new(SR_CHANNEL_EMAIL, &err);

    assert_non_null(msg);
    assert_int_equal(srm_extract(raw, strlen(raw), &c->lim, &mail), 0);
    assert_int_equal(sr_message_set_text(msg, mail.text, mail.len, 0, &err), SR_OK);
    assert_int_equal(sr_message_set_sender(msg, mail.from_addr, &err), SR_OK);
    if (srm_ticket_append(c, msg, &mail, &t, &err) != SR_OK)
        fail_msg("append: %s: %s", err.where, err.msg);
    sr_message_free(msg);
    srm_mail_clear(&mail);
    return t.id;
}

/* unknown_ids - n Message-IDs the store never saw, space-separated */
static char *unknown_ids(int from, int n)
{
    char *v = calloc((size_t)n, 80);
    size_t o = 0;

    assert_non_null(v);
    for (int i = 0; i < n; i++)
        o += (size_t)sprintf(v + o, "%s<unknown-%d-of-a-long-thread.abcdefghij@mail.example.test>",
                             i ? " " : "", from + i);
    return v;
}

/* a reply in a deep thread (or a hostile one with thousands of ids) names
 * its conversation in a long References header: the ticket is found by
 * the thread's root (the first id) and by the newest (the last), with
 * neither In-Reply-To nor the ids between known */
static void test_long_references_find_the_ticket(void **state)
{
    char conf[512], raw[32768], *ids;
    unsigned long long a, a2, b, b2;
    sr_error err;
    srm_conf *c;
    (void)state;

    snprintf(conf, sizeof(conf),
             "store = { path = \"%s/store\"; sync = false; };\n"
             "milter = { recipients = [\"help@support.test\"]; };\n", dir);
    c = srm_conf_load(write_conf(conf), NULL, NULL, &err);
    if (c == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    if (srm_tickets_open(c, &err) != 0)
        fail_msg("store: %s: %s", err.where, err.msg);

    a = append_raw(c, "From: Jane <jane@example.test>\r\nSubject: Parcel\r\n"
                      "Message-ID: <root-a@example.test>\r\n\r\nWhere is my parcel?\r\n");
    ids = unknown_ids(1, 120);
    snprintf(raw, sizeof(raw),
             "From: Jane <jane@example.test>\r\nSubject: Re: Parcel\r\n"
             "Message-ID: <reply-a@example.test>\r\nReferences: <root-a@example.test> %s\r\n"
             "\r\nStill nothing.\r\n", ids);
    free(ids);
    a2 = append_raw(c, raw);

    b = append_raw(c, "From: Jane <jane@example.test>\r\nSubject: Parcel 2\r\n"
                      "Message-ID: <root-b@example.test>\r\n\r\nWhere is my other parcel?\r\n");
    ids = unknown_ids(500, 120);
    snprintf(raw, sizeof(raw),
             "From: Jane <jane@example.test>\r\nSubject: Re: Parcel 2\r\n"
             "Message-ID: <reply-b@example.test>\r\nReferences: %s <root-b@example.test>\r\n"
             "\r\nStill nothing.\r\n", ids);
    free(ids);
    b2 = append_raw(c, raw);

    srm_tickets_close();
    srm_conf_unref(c);
    assert_int_not_equal(a, b);
    if (a2 != a)
        fail_msg("root known: ticket %llu, want %llu", a2, a);
    if (b2 != b)
        fail_msg("newest known: ticket %llu, want %llu", b2, b);
}

/* msg-id fields with a comment (RFC 5322 allows CFWS around msg-id; Gnus
 * writes In-Reply-To: <id> (Jane's message of "...")) or more than one id:
 * the ids are what thread, not the comment */
static void test_msgid_fields_with_comments_thread(void **state)
{
    char conf[512];
    unsigned long long a, a2, b, b2;
    sr_error err;
    srm_conf *c;
    (void)state;

    snprintf(conf, sizeof(conf),
             "store = { path = \"%s/store\"; sync = false; };\n"
             "milter = { recipients = [\"help@support.test\"]; };\n", dir);
    c = srm_conf_load(write_conf(conf), NULL, NULL, &err);
    if (c == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    if (srm_tickets_open(c, &err) != 0)
        fail_msg("store: %s: %s", err.where, err.msg);
    a = append_raw(c, "From: Jane <jane@example.test>\r\nSubject: Parcel\r\n"
                      "Message-ID: <c1@example.test> (added by mx.example.test)\r\n"
                      "\r\nWhere is my parcel?\r\n");
    a2 = append_raw(c, "From: Jane <jane@example.test>\r\nSubject: Re: Parcel\r\n"
                       "Message-ID: <c2@example.test>\r\nIn-Reply-To: <c1@example.test>\r\n"
                       "\r\nStill nothing.\r\n");
    b = append_raw(c, "From: Jane <jane@example.test>\r\nSubject: Parcel 2\r\n"
                      "Message-ID: <d1@example.test>\r\n\r\nWhere is my other parcel?\r\n");
    b2 = append_raw(c, "From: Jane <jane@example.test>\r\nSubject: Re: Parcel 2\r\n"
                       "Message-ID: <d2@example.test>\r\n"
                       "In-Reply-To: <d1@example.test> (Support's message of \"Mon, 7 Dec "
                       "2026 10:00:00 +0000\")\r\n\r\nStill nothing.\r\n");
    srm_tickets_close();
    srm_conf_unref(c);
    assert_int_not_equal(a, b);
    if (a2 != a)
        fail_msg("Message-ID with a comment: reply in ticket %llu, want %llu", a2, a);
    if (b2 != b)
        fail_msg("In-Reply-To with a comment: reply in ticket %llu, want %llu", b2, b);
}

/* every milter.* key is documented in the man page (and, by test_config,
 * in config/sentiroute.conf) */
/* automatic mail: the sign each header gives, untrusted values included */
static void test_automatic_mail_signs(void **state)
{
    static const struct {
        const char *name, *value;
        unsigned want;
    } cases[] = {
        {"Auto-Submitted", "auto-replied", SRM_AUTO_SUBMITTED},
        {"AUTO-SUBMITTED", "Auto-Generated (vacation)", SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", "auto-replied; owner-email=\"a@b.test\"", SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", "no", 0},
        {"Auto-Submitted", " (a (nested) comment)\r\n\tNo ; x=y", 0},
        {"Auto-Submitted", "no(comment)", 0},
        {"Auto-Submitted", "nope", SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", "", SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", NULL, SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", "(no", SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", "(\\) no", SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", "no (\\", 0},   /* a quoted pair cut at the end */
        {"Auto-Submitted", "(\\", SRM_AUTO_SUBMITTED},
        {"Auto-Submitted", "\"no\"", SRM_AUTO_SUBMITTED},
        {"Precedence", "bulk", SRM_AUTO_PRECEDENCE},
        {"precedence", " JUNK", SRM_AUTO_PRECEDENCE},
        {"Precedence", "list (majordomo)", SRM_AUTO_PRECEDENCE},
        {"Precedence", "auto_reply", SRM_AUTO_PRECEDENCE},
        {"Precedence", "first-class", 0},
        {"Precedence", "bulkmail", 0},
        {"Precedence", "(bulk)", 0},
        {"Precedence", "", 0},
        {"X-Autoreply", "yes", SRM_AUTO_AUTOREPLY},
        {"x-autorespond", "", SRM_AUTO_AUTOREPLY},
        {"X-Autogenerated", "Reply", SRM_AUTO_AUTOREPLY},
        {"X-Autoreplied", "yes", 0},
        {"Content-Type", "multipart/report; report-type=delivery-status", SRM_AUTO_REPORT},
        {"content-type", " Multipart / Report (dsn); boundary=x", SRM_AUTO_REPORT},
        {"Content-Type", "multipart/reports", 0},
        {"Content-Type", "multipart/mixed; report-type=delivery-status", 0},
        {"Content-Type", "text/plain", 0},
        {"Content-Type", "multipart", 0},
        {"Subject", "Auto-Submitted: auto-replied", 0},
        {"X-Auto-Response-Suppress", "All", 0},
        {NULL, "bulk", 0},
    };
    static char huge[100001];
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        unsigned got = srm_auto_header(cases[i].name, cases[i].value);
        if (got != cases[i].want)
            fail_msg("%s: \"%s\": got %u, want %u", cases[i].name ? cases[i].name : "(null)",
                     cases[i].value ? cases[i].value : "(null)", got, cases[i].want);
    }
    /* 100 KB values: an open comment, nesting, blanks, any byte */
    memset(huge, '(', sizeof(huge) - 1);
    assert_int_equal(srm_auto_header("Auto-Submitted", huge), SRM_AUTO_SUBMITTED);
    assert_int_equal(srm_auto_header("Precedence", huge), 0);
    assert_int_equal(srm_auto_header("Content-Type", huge), 0);
    memset(huge, ' ', sizeof(huge) - 1);
    memcpy(huge + sizeof(huge) - 3, "no", 2);
    /* "no" past the 64 KiB examined: the value is not read as "no" */
    assert_int_equal(srm_auto_header("Auto-Submitted", huge), SRM_AUTO_SUBMITTED);
    memcpy(huge + 100, "no", 2);
    assert_int_equal(srm_auto_header("Auto-Submitted", huge), 0);
    for (size_t i = 0; i < sizeof(huge) - 1; i++)
        huge[i] = (char)(1 + i % 255);
    assert_int_equal(srm_auto_header("Auto-Submitted", huge), SRM_AUTO_SUBMITTED);
    assert_int_equal(srm_auto_header("Precedence", huge), 0);
    assert_int_equal(srm_auto_header("Content-Type", huge), 0);

    assert_int_equal(srm_auto_null_sender("<>"), SRM_AUTO_NULL_SENDER);
    assert_int_equal(srm_auto_null_sender("< >"), SRM_AUTO_NULL_SENDER);
    assert_int_equal(srm_auto_null_sender("<a@b.test>"), 0);
    assert_int_equal(srm_auto_null_sender(NULL), 0);
    assert_null(srm_auto_reason(0));
    assert_string_equal(srm_auto_reason(SRM_AUTO_REPORT | SRM_AUTO_SUBMITTED), "auto-submitted");
    assert_string_equal(srm_auto_reason(SRM_AUTO_NULL_SENDER | SRM_AUTO_REPORT), "null-sender");
    assert_string_equal(srm_auto_reason(SRM_AUTO_AUTOREPLY), "autoreply");
    assert_string_equal(srm_auto_reason(SRM_AUTO_PRECEDENCE), "precedence");
    assert_string_equal(srm_auto_reason(SRM_AUTO_REPORT), "report");
}

/* milter.automatic: "skip" by default, "score" read, anything else refused */
static void test_automatic_setting(void **state)
{
    sr_error err;
    srm_conf *c;
    (void)state;

    c = srm_conf_load(write_conf("milter = { recipients = [\"help@example.com\"]; };\n"), NULL,
                      NULL, &err);
    assert_non_null(c);
    assert_int_equal(c->automatic, SRM_AUTOMATIC_SKIP);
    srm_conf_unref(c);
    c = srm_conf_load(write_conf("milter = { automatic = \"score\"; };\n"), NULL, NULL, &err);
    assert_non_null(c);
    assert_int_equal(c->automatic, SRM_AUTOMATIC_SCORE);
    srm_conf_unref(c);
    c = srm_conf_load(write_conf("milter = { automatic = \"ignore\"; };\n"), NULL, NULL, &err);
    assert_null(c);
    assert_int_equal(err.code, SR_ECONFIG);
    if (strstr(err.where, "milter.automatic") == NULL)
        fail_msg("where: got \"%s\", want milter.automatic", err.where);
}

static void test_every_milter_key_is_in_the_man_page(void **state)
{
    const char *top = getenv("top_srcdir");
    static char text[1 << 17];
    char path[512];
    size_t n, len;
    const srp_confdef *t = srp_config_table(&n);
    FILE *fp;
    int seen = 0;
    (void)state;

    snprintf(path, sizeof(path), "%s/plugins/milter/sentiroute-milter.8", top ? top : ".");
    fp = fopen(path, "r");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    len = fread(text, 1, sizeof(text) - 1, fp);
    text[len] = '\0';
    fclose(fp);
    for (size_t i = 0; i < n; i++) {
        char a[96], b[96];
        if (strncmp(t[i].path, "milter.", 7) != 0)
            continue;
        seen++;
        snprintf(a, sizeof(a), "%s =", t[i].path + 7);
        snprintf(b, sizeof(b), "%s\\fR =", t[i].path + 7);
        if (strstr(text, a) == NULL && strstr(text, b) == NULL)
            fail_msg("key %s is not documented in sentiroute-milter.8", t[i].path);
    }
    assert_true(seen >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_support_recipients_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_milter_config_is_rejected, setup, teardown),
        cmocka_unit_test(test_socket_specs),
        cmocka_unit_test(test_sentiment_header_value),
        cmocka_unit_test(test_sentiment_header_value_is_safe),
        cmocka_unit_test(test_tokens_and_addresses),
        cmocka_unit_test_setup_teardown(test_long_references_find_the_ticket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msgid_fields_with_comments_thread, setup, teardown),
        cmocka_unit_test(test_every_milter_key_is_in_the_man_page),
        cmocka_unit_test(test_automatic_mail_signs),
        cmocka_unit_test_setup_teardown(test_automatic_setting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
