/*
 * test_whcheck - the Zendesk webhook's checks: signature (base64
 * HMAC-SHA256 over timestamp + body), timestamp window, shared token,
 * and the body we expect from the trigger
 */
#include "build-config.h"

#include "srxtest.h"

#include "codec.h"

#include <time.h>

static const char SECRET[] = "dGhpcyBpcyBhIHNlY3JldA";
static const char TS[] = "2021-03-25T05:09:27Z";
static const char BODY[] = "{\"a\":1}";
/* python3: base64(hmac.new(SECRET, TS + BODY, sha256).digest()) */
static const char SIG[] = "9gBBZ7eU2odkNo9AOY1Ar9zOm9Q2f1TQG4ghWKyvrYA=";

static void test_signature(void **state)
{
    (void)state;
    size_t sl = strlen(SECRET);

    assert_true(srx_wh_signature_ok(SECRET, sl, TS, BODY, strlen(BODY), SIG));
    assert_false(srx_wh_signature_ok(SECRET, sl, TS, "{\"a\":2}", 7, SIG));          /* body */
    assert_false(srx_wh_signature_ok(SECRET, sl, "2021-03-25T05:09:28Z", BODY, 7, SIG)); /* ts */
    assert_false(srx_wh_signature_ok("other", 5, TS, BODY, strlen(BODY), SIG));      /* key */
    assert_false(srx_wh_signature_ok(SECRET, sl, TS, BODY, strlen(BODY), SIG + 1));
    assert_false(srx_wh_signature_ok(SECRET, sl, TS, BODY, strlen(BODY), ""));
    assert_false(srx_wh_signature_ok(SECRET, sl, TS, BODY, strlen(BODY), NULL));
    assert_false(srx_wh_signature_ok(SECRET, sl, NULL, BODY, strlen(BODY), SIG));
    assert_false(srx_wh_signature_ok("", 0, TS, BODY, strlen(BODY), SIG));
}

static void test_base64_and_hmac_vectors(void **state)
{
    (void)state;
    unsigned char mac[SR_HMAC_SHA256_LEN];
    char out[64];
    static const unsigned char want[] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};

    /* RFC 4231 test case 2, through the public sr_hmac_sha256 */
    sr_hmac_sha256("Jefe", 4, "what do ya want ", 16, "for nothing?", 12, mac);
    assert_memory_equal(mac, want, sizeof(want));
    srp_base64_encode("", 0, out);
    assert_string_equal(out, "");
    srp_base64_encode("f", 1, out);
    assert_string_equal(out, "Zg==");
    srp_base64_encode("fo", 2, out);
    assert_string_equal(out, "Zm8=");
    srp_base64_encode("foobar", 6, out);
    assert_string_equal(out, "Zm9vYmFy");
}

static void test_timestamp_window(void **state)
{
    (void)state;
    time_t t = 1616648967;   /* 2021-03-25T05:09:27Z */

    assert_true(srx_wh_timestamp_ok(TS, t, 300));
    assert_true(srx_wh_timestamp_ok(TS, t + 300, 300));
    assert_false(srx_wh_timestamp_ok(TS, t + 301, 300));   /* a replay, later */
    assert_false(srx_wh_timestamp_ok(TS, t - 301, 300));
    assert_true(srx_wh_timestamp_ok(TS, t + 99999, 0));    /* 0: not checked */
    assert_true(srx_wh_timestamp_ok("2021-03-25T05:09:27.123Z", t, 300));
    assert_true(srx_wh_timestamp_ok("2021-03-25T05:09:27+00:00", t, 300));
    assert_false(srx_wh_timestamp_ok("2021-03-25 05:09:27", t, 300));
    assert_false(srx_wh_timestamp_ok("2021-03-25T05:09:27+02:00", t, 300));
    assert_false(srx_wh_timestamp_ok("yesterday", t, 300));
    assert_false(srx_wh_timestamp_ok(NULL, t, 0));
}

static void test_token(void **state)
{
    (void)state;
    assert_true(srx_wh_token_ok("s3cret", 6, "s3cret"));
    assert_false(srx_wh_token_ok("s3cret", 6, "s3cre"));
    assert_false(srx_wh_token_ok("s3cret", 6, "s3cret!"));
    assert_false(srx_wh_token_ok("s3cret", 6, NULL));
    assert_false(srx_wh_token_ok("", 0, ""));
}

static void test_body(void **state)
{
    (void)state;
    srx_wh_reply r;
    char err[160];
    static const char ok[] = "{\"external_id\":\"sr-host.example-t42\",\"ticket_id\":\"1234\","
                             "\"comment\":\"Hi <b>there</b> \\u0001!\",\"author\":\"Jane\"}";

    assert_int_equal(srx_wh_parse(ok, strlen(ok), "host.example", &r, err, sizeof(err)), SR_OK);
    assert_int_equal(r.ticket, 42);
    assert_string_equal(r.remote_id, "1234");
    assert_string_equal(r.author, "Jane");
    assert_string_equal(r.comment, "Hi <b>there</b>  !");
    assert_true(r.public_);
    free(r.comment);

    static const char note[] = "{\"external_id\":\"sr-x-t7\",\"ticket_id\":9,\"comment\":\"x\","
                               "\"public\":false}";
    assert_int_equal(srx_wh_parse(note, strlen(note), "x", &r, err, sizeof(err)), SR_OK);
    assert_string_equal(r.remote_id, "9");
    assert_false(r.public_);
    free(r.comment);

    static const char *const bad[] = {
        "", "[]", "{", "{\"external_id\":\"12\",\"comment\":\"x\"}",
        "{\"external_id\":\"sr-x-t\",\"comment\":\"x\"}",
        "{\"external_id\":\"sr-x-t99999999999999999999999\",\"comment\":\"x\"}",
        "{\"external_id\":\"sr-x-t1\"}", "{\"external_id\":\"sr-x-t1\",\"comment\":\"\"}",
        "{\"external_id\":\"sr-x-t1\",\"comment\":\" \\u0002 \"}",
        "{\"external_id\":\"sr-x-t1\",\"external_id\":\"sr-x-t2\",\"comment\":\"x\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (srx_wh_parse(bad[i], strlen(bad[i]), "x", &r, err, sizeof(err)) == SR_OK) {
            free(r.comment);
            fail_msg("accepted: %s", bad[i]);
        }
}

/* another host sharing the Zendesk account: its external ids are not ours */
static void test_other_instances(void **state)
{
    (void)state;
    srx_wh_reply r;
    char err[160];
    static const struct {
        const char *ext, *instance;
        int rc;
        uint64_t ticket;
    } cases[] = {
        {"sr-host-a-t42", "host-a", SR_OK, 42},
        {"sr-host-b-t42", "host-a", SR_ENOTFOUND, 0},
        {"sr-a-t42", "host-a", SR_ENOTFOUND, 0},
        {"sr-host-a.evil-t42", "host-a", SR_ENOTFOUND, 0},
        {"sr-host-t42", "host-a", SR_ENOTFOUND, 0},
        {"sr--t42", "host-a", SR_ENOTFOUND, 0},
        {"sr-t42", "host-a", SR_EFORMAT, 0},
        {"sr-host-b-t", "host-a", SR_EFORMAT, 0},
        {"sr-host-b-tx", "host-a", SR_EFORMAT, 0},
        {"sr-host-b-t42", NULL, SR_OK, 42},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[256];
        int rc;
        snprintf(body, sizeof(body), "{\"external_id\":\"%s\",\"comment\":\"hi\"}",
                 cases[i].ext);
        err[0] = '\0';
        rc = srx_wh_parse(body, strlen(body), cases[i].instance, &r, err, sizeof(err));
        if (rc == SR_OK)
            free(r.comment);
        if (rc != cases[i].rc || (rc == SR_OK && r.ticket != cases[i].ticket))
            fail_msg("%s (instance %s): %d %s", cases[i].ext,
                     cases[i].instance ? cases[i].instance : "any", rc, err);
        if (rc == SR_ENOTFOUND && strstr(err, "ignored") == NULL)
            fail_msg("%s: %s", cases[i].ext, err);
    }
    /* what goes to the log stays one printable line */
    static const char ctl[] = "{\"external_id\":\"sr-a\\nb-t1\",\"comment\":\"hi\"}";
    assert_int_equal(srx_wh_parse(ctl, strlen(ctl), "x", &r, err, sizeof(err)), SR_ENOTFOUND);
    assert_null(strchr(err, '\n'));
}

/* the instance as core/store.c picks it */
static void test_instance(void **state)
{
    (void)state;
    char out[80], host[65];
    sr_config *cfg;

    cfg = srxt_config("store = { instance = \"a b/c-d.e\"; };\n");
    srx_wh_instance(cfg, out, sizeof(out));
    assert_string_equal(out, "a_b_c-d.e");
    sr_config_unref(cfg);
    cfg = srxt_config("store = { sync = false; };\n");
    srx_wh_instance(cfg, out, sizeof(out));
    memset(host, 0, sizeof(host));
    if (gethostname(host, sizeof(host) - 1) != 0)
        strcpy(host, "localhost");
    for (char *c = host; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.'))
            *c = '_';
    assert_string_equal(out, host);
    sr_config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_base64_and_hmac_vectors),
        cmocka_unit_test(test_timestamp_window),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_other_instances),
        cmocka_unit_test(test_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
