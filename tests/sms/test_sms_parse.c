/*
 * test_sms_parse - the parsers of sentiroute-sms: SHA-1/HMAC-SHA1 vectors
 * (FIPS 180, RFC 2202), forms, Kannel requests and charsets, GSM 03.38,
 * Twilio signatures and TwiML, smstools3 files, keywords, allow-lists,
 * helpdesk webhooks, sendsms answers and the dedupe set.
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

#include "codec.h"
#include "hmac.h"
#include "srs.h"

#define str_is(got, want)                                                             \
    do {                                                                              \
        const char *g_ = (got), *w_ = (want);                                         \
        if (g_ == NULL || strcmp(g_, w_) != 0)                                        \
            fail_msg("%s:%d: got \"%s\", want \"%s\"", __FILE__, __LINE__,            \
                     g_ ? g_ : "(null)", w_);                                         \
    } while (0)

/* --- SHA-1 and HMAC-SHA1 ------------------------------------------------- */

static void sha1_is(const char *msg, size_t len, const char *want)
{
    srp_sha1 c;
    unsigned char d[SRP_SHA1_LEN];
    char hex[41];

    srp_sha1_init(&c);
    srp_sha1_update(&c, msg, len);
    srp_sha1_final(&c, d);
    srp_hex(d, sizeof(d), hex);
    str_is(hex, want);
}

static void test_sha1_fips_vectors(void **state)
{
    (void)state;
    sha1_is("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sha1_is("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    sha1_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_sha1_million_a_in_uneven_pieces(void **state)
{
    srp_sha1 c;
    unsigned char d[SRP_SHA1_LEN];
    char hex[41], block[1001];

    (void)state;
    memset(block, 'a', sizeof(block));
    srp_sha1_init(&c);
    for (int i = 0; i < 1000; i++)
        srp_sha1_update(&c, block, i % 2 ? 999 : 1001);
    srp_sha1_final(&c, d);
    srp_hex(d, sizeof(d), hex);
    str_is(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_hmac_sha1_rfc2202(void **state)
{
    unsigned char key[80], out[SRP_SHA1_LEN];
    char hex[41];

    (void)state;
    memset(key, 0x0b, 20);
    srp_hmac_sha1(key, 20, "Hi There", 8, NULL, 0, out);
    srp_hex(out, sizeof(out), hex);
    str_is(hex, "b617318655057264e28bc0b6fb378c8ef146be00");
    srp_hmac_sha1("Jefe", 4, "what do ya want ", 16, "for nothing?", 12, out);
    srp_hex(out, sizeof(out), hex);
    str_is(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    memset(key, 0xaa, 80);
    srp_hmac_sha1(key, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 54, NULL, 0,
                  out);
    srp_hex(out, sizeof(out), hex);
    str_is(hex, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

static void test_base64(void **state)
{
    static const struct { const char *in, *out; } cases[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"}};
    char out[32];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        srp_base64_encode(cases[i].in, strlen(cases[i].in), out);
        str_is(out, cases[i].out);
    }
}

/* --- forms ------------------------------------------------------------------ */

static void test_url_decode_keeps_bad_escapes(void **state)
{
    char out[64];
    size_t n;

    (void)state;
    n = srs_url_decode("a%20b+c", 7, 1, out);
    assert_int_equal(n, 5);
    str_is(out, "a b c");
    srs_url_decode("a+b", 3, 0, out);
    str_is(out, "a+b");
    srs_url_decode("%zz%4", 5, 1, out);
    str_is(out, "%zz%4");
    n = srs_url_decode("%00A", 4, 1, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0);
}

static void test_form_fields_and_limit(void **state)
{
    srs_form f;
    sr_error err;
    const char *q = "a=1&b=&c&&d=%41%00B&a=2";

    (void)state;
    assert_int_equal(srs_form_parse(q, strlen(q), 10, &f, &err), SR_OK);
    assert_int_equal(f.n, 5);
    str_is(srs_form_get(&f, "a")->val, "1");
    str_is(srs_form_get(&f, "b")->val, "");
    str_is(srs_form_get(&f, "c")->val, "");
    assert_int_equal(srs_form_get(&f, "d")->vlen, 3);
    assert_null(srs_form_get(&f, "e"));
    srs_form_free(&f);
    assert_int_equal(srs_form_parse(q, strlen(q), 3, &f, &err), SR_ELIMIT);
    srs_form_free(&f);
}

/* --- Kannel requests ---------------------------------------------------------- */

typedef struct hdrs {
    const char *const *kv;   /* name, value, ..., NULL */
} hdrs;

static const char *hdr(void *ud, const char *name)
{
    const hdrs *h = ud;

    for (const char *const *p = h->kv; p && *p; p += 2)
        if (strcasecmp(p[0], name) == 0)
            return p[1];
    return NULL;
}

static int kannel_get(const char *query, srs_inbound *in, sr_error *err)
{
    srs_form q;
    int rc = srs_form_parse(query, strlen(query), 64, &q, err);

    if (rc == SR_OK)
        rc = srs_kannel_parse(0, &q, NULL, NULL, NULL, 0, in, err);
    srs_form_free(&q);
    return rc;
}

static void test_kannel_get_7bit(void **state)
{
    srs_inbound in;
    sr_error err;

    (void)state;
    assert_int_equal(kannel_get("from=%2B4915112345&to=4000&text=Z%C5%82y+w%C3%BCtend+%F0%9F%98%A1"
                                "&coding=0&charset=UTF-8&ts=1795350404&smsc=fake1&id=2e38-dcb8",
                                &in, &err),
                     SR_OK);
    str_is(in.from, "+4915112345");
    str_is(in.to, "4000");
    str_is(in.text, "Zły wütend 😡");
    str_is(in.id, "2e38-dcb8");
    str_is(in.smsc, "fake1");
    assert_int_equal(in.ts, 1795350404);
    srs_inbound_clear(&in);
}

static void test_kannel_get_ucs2_with_surrogates_and_plus(void **state)
{
    srs_inbound in;
    sr_error err;

    (void)state;
    /* what Kannel sends for UCS-2 without mo-recode: %b is UTF-16BE, and
     * "+" is a space byte even inside it (%00+ = U+0020) */
    assert_int_equal(kannel_get("from=%2B4915112345&text=%00Z%01B%00y%00+%D8%3D%DE%21&coding=2"
                                "&charset=UTF-16BE",
                                &in, &err),
                     SR_OK);
    str_is(in.text, "Zły 😡");
    srs_inbound_clear(&in);
    /* coding 2 without a charset is UTF-16BE too */
    assert_int_equal(kannel_get("from=%2B4915112345&text=%00O%00K&coding=2", &in, &err), SR_OK);
    str_is(in.text, "OK");
    srs_inbound_clear(&in);
}

static void test_kannel_rejects_malformed(void **state)
{
    static const struct { const char *q; int rc; const char *where; } cases[] = {
        {"to=4000&text=hi", SR_EFORMAT, "from"},
        {"from=&text=hi", SR_EFORMAT, "from"},
        {"from=%2B49151%0A1&text=hi", SR_EFORMAT, "from"},
        {"from=%2B4915112345", SR_EFORMAT, "text"},
        {"from=%2B4915112345&text=a&coding=3", SR_EFORMAT, "coding"},
        {"from=%2B4915112345&text=a&coding=12", SR_EFORMAT, "coding"},
        {"from=%2B4915112345&text=a&ts=yesterday", SR_EFORMAT, "ts"},
    };
    srs_inbound in;
    sr_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = kannel_get(cases[i].q, &in, &err);
        if (rc != cases[i].rc || strcmp(err.where, cases[i].where) != 0)
            fail_msg("%s: got %d at %s (%s), want %d at %s", cases[i].q, rc, err.where, err.msg,
                     cases[i].rc, cases[i].where);
        srs_inbound_clear(&in);
    }
}

static void test_kannel_ucs2_broken_units_repaired(void **state)
{
    /* an emoji split across the parts of a concatenated SMS leaves half a
     * surrogate pair in each part: the text is kept, the bad unit is U+FFFD */
    static const struct { const char *q; const char *text; } cases[] = {
        {"from=%2B4915112345&text=%D8%3D&coding=2", "\xef\xbf\xbd"},
        {"from=%2B4915112345&text=%D8%3D%00A&coding=2", "\xef\xbf\xbd" "A"},
        {"from=%2B4915112345&text=%00A%DE%21&coding=2&charset=UTF-16BE", "A\xef\xbf\xbd"},
        {"from=%2B4915112345&text=%D8%3D%D8%3D%DE%21&coding=2", "\xef\xbf\xbd\xf0\x9f\x98\xa1"},
        {"from=%2B4915112345&text=%00A%00&coding=2", "A\xef\xbf\xbd"},
    };
    srs_inbound in;
    sr_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = kannel_get(cases[i].q, &in, &err);
        if (rc != SR_OK)
            fail_msg("%s: got %d at %s (%s), want SR_OK", cases[i].q, rc, err.where, err.msg);
        str_is(in.text, cases[i].text);
        assert_int_equal(in.len, strlen(cases[i].text));
        if (in.repaired[0] == '\0')
            fail_msg("%s: the repair is not reported", cases[i].q);
        srs_inbound_clear(&in);
    }
    /* a clean text reports nothing */
    assert_int_equal(kannel_get("from=%2B4915112345&text=%00O%00K&coding=2", &in, &err), SR_OK);
    str_is(in.repaired, "");
    srs_inbound_clear(&in);
}

static void test_kannel_long_text_kept_for_ingest(void **state)
{
    /* the parser keeps a long text whole: srs_ingest_sms cuts it (and the
     * stored message says so), a refusal would lose the message */
    char q[2200];
    size_t o;
    srs_inbound in;
    sr_error err;

    (void)state;
    o = (size_t)snprintf(q, sizeof(q), "from=%%2B4915112345&text=");
    memset(q + o, 'x', 1001);
    q[o + 1001] = '\0';
    assert_int_equal(kannel_get(q, &in, &err), SR_OK);
    assert_int_equal(in.len, 1001);
    srs_inbound_clear(&in);
}

static void test_kannel_post_headers_and_charset(void **state)
{
    static const char *const kv[] = {"X-Kannel-From", "+4915112345", "X-Kannel-To", "4000",
                                     "X-Kannel-Coding", "0", "Content-Type",
                                     "text/plain; charset=\"ISO-8859-1\"", NULL};
    hdrs h = {kv};
    srs_form q;
    srs_inbound in;
    sr_error err;

    (void)state;
    assert_int_equal(srs_form_parse("id=abc", 6, 8, &q, &err), SR_OK);
    assert_int_equal(srs_kannel_parse(1, &q, hdr, &h, "gr\xfc\xdf Gott", 9, &in, &err),
                     SR_OK);
    str_is(in.from, "+4915112345");
    str_is(in.to, "4000");
    str_is(in.id, "abc");
    str_is(in.text, "grüß Gott");
    srs_inbound_clear(&in);
    srs_form_free(&q);
}

/* --- charsets ------------------------------------------------------------------ */

static void test_charsets_to_utf8(void **state)
{
    static const struct { const char *in; size_t len; const char *cs; int coding; const char *out; } cases[] = {
        {"\xa4", 1, "ISO-8859-15", -1, "€"},
        {"\x80", 1, "WINDOWS-1252", -1, "€"},
        {"\xe9t\xe9", 3, "iso-8859-1", -1, "été"},
        {"\xff\xfe" "Z\x00" "B\x01", 6, "UTF-16", -1, "Zł"},
        {"\xfe\xff\x00Z", 4, "UTF-16", -1, "Z"},
        {"Z\x00", 2, "UTF-16LE", -1, "Z"},
        {"caf\xc3\xa9", 5, "8-BIT", 1, "café"},
        {"caf\xe9", 4, "8-BIT", 1, "café"},
        {"plain", 5, "", 0, "plain"},
        {"gsm text", 8, "GSM", 0, "gsm text"},
    };
    sr_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out;
        size_t n;
        if (srs_to_utf8(cases[i].in, cases[i].len, cases[i].cs, cases[i].coding, &out, &n, NULL,
                        &err) != SR_OK)
            fail_msg("case %zu (%s): %s", i, cases[i].cs, err.msg);
        str_is(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
        free(out);
    }
}

static void test_charsets_bad_bytes_repaired(void **state)
{
    /* bytes the declared charset does not have, a character cut off at the
     * end, a charset iconv does not know: decoded, never refused */
    static const struct { const char *in; size_t len; const char *cs; const char *out; } cases[] = {
        {"caf\xe9 \x81!", 7, "WINDOWS-1252", "café \xef\xbf\xbd!"},
        {"\x81\x81", 2, "WINDOWS-1252", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"a\x82", 2, "SHIFT_JIS", "a\xef\xbf\xbd"},
        {"caf\xe9", 4, "NO-SUCH-CHARSET", "café"},
        {"caf\xc3\xa9", 5, "NO-SUCH-CHARSET", "café"},
    };
    sr_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        size_t n = 0;
        const char *rep = NULL;
        int rc = srs_to_utf8(cases[i].in, cases[i].len, cases[i].cs, -1, &out, &n, &rep, &err);
        if (rc != SR_OK)
            fail_msg("case %zu (%s): %d %s", i, cases[i].cs, rc, err.msg);
        str_is(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
        if (rep == NULL)
            fail_msg("case %zu (%s): the repair is not reported", i, cases[i].cs);
        free(out);
    }
}

static void test_gsm7(void **state)
{
    static const struct { const char *t; int ok; } cases[] = {
        {"Hello, world! 100% [ok] {x} ~ ^ | \\ €", 1},
        {"Grüße, Ärger über Öl; señor; à bientôt? ¿Qué?", 0},   /* ß ok, ô is not */
        {"Ärger über Öl, ñ, é, è, ù, ì, ò, Å, ø, Æ, ß, ¡¿§£¥", 1},
        {"Zły", 0},
        {"back`tick", 0},
        {"emoji 😀", 0},
        {"line\nbreak\r", 1},
        {"", 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (srs_gsm7_ok(cases[i].t, strlen(cases[i].t)) != cases[i].ok)
            fail_msg("gsm7(\"%s\"): got %d, want %d", cases[i].t, !cases[i].ok, cases[i].ok);
    assert_int_equal(srs_sendsms_coding("Zły", 4), 2);
    assert_int_equal(srs_sendsms_coding("Danke schön", 12), 0);
}

/* --- Twilio ------------------------------------------------------------------------ */

static void test_twilio_signature_documented_example(void **state)
{
    /* Twilio's documented example: token 12345, URL with a query, 5 params */
    const char *body = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234"
                       "&From=%2B12349013030&To=%2B18005551212";
    const char *url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    srs_form f;
    sr_error err;
    char sig[29];

    (void)state;
    assert_int_equal(srs_form_parse(body, strlen(body), 32, &f, &err), SR_OK);
    srs_twilio_signature("12345", 5, url, &f, sig);
    str_is(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    assert_true(srs_twilio_verify("12345", 5, url, &f, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    assert_false(srs_twilio_verify("12346", 5, url, &f, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    assert_false(srs_twilio_verify("12345", 5, "https://mycompany.com/myapp.php", &f,
                                   "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    assert_false(srs_twilio_verify("12345", 5, url, &f, ""));
    /* GET: the URL alone */
    srs_twilio_signature("12345", 5, url, NULL, sig);
    str_is(sig, "zYQTYrRWXE7LtzbG4PfP7/bkkGo=");
    srs_form_free(&f);
}

static void test_twilio_parse_and_twiml(void **state)
{
    const char *body = "MessageSid=SM1&From=%2B14155550100&To=%2B14155550199&Body=Hi+%3C3+%26+bye";
    srs_form f;
    srs_inbound in;
    sr_error err;
    char *x;

    (void)state;
    assert_int_equal(srs_form_parse(body, strlen(body), 32, &f, &err), SR_OK);
    assert_int_equal(srs_twilio_parse(&f, &in, &err), SR_OK);
    str_is(in.from, "+14155550100");
    str_is(in.id, "SM1");
    str_is(in.text, "Hi <3 & bye");
    x = srs_twiml(in.text);
    assert_non_null(strstr(x, "<Response><Message>Hi &lt;3 &amp; bye</Message></Response>"));
    free(x);
    x = srs_twiml("");
    assert_non_null(strstr(x, "<Response/>"));
    free(x);
    srs_inbound_clear(&in);
    srs_form_free(&f);
    assert_int_equal(srs_form_parse("Body=x", 6, 4, &f, &err), SR_OK);
    assert_int_equal(srs_twilio_parse(&f, &in, &err), SR_EFORMAT);
    srs_inbound_clear(&in);
    srs_form_free(&f);
}

/* --- smstools3 --------------------------------------------------------------------- */

static void test_smstools_files(void **state)
{
    static const char ucs[] = "From: 491721234567\nFrom_TOA: 91 international\n"
                              "Sent: 25-06-01 10:00:00\nModem: GSM1\nAlphabet: UCS2\n\n"
                              "\x00Z\x01\x42\x00y";
    static const char iso[] = "From: 0049172123\r\nAlphabet: ISO\r\n\r\n\xe9t\xe9 \xa4";
    static const char none[] = "From: 48600100200\n\nzażółć";
    srs_inbound in;
    sr_error err;

    (void)state;
    setenv("TZ", "UTC0", 1);   /* Sent: is local time, see below */
    tzset();
    assert_int_equal(srs_smstools_parse(ucs, sizeof(ucs) - 1, &in, &err), SR_OK);
    str_is(in.from, "+491721234567");
    str_is(in.text, "Zły");
    str_is(in.smsc, "GSM1");
    assert_int_equal(in.ts, 1748772000);
    srs_inbound_clear(&in);
    assert_int_equal(srs_smstools_parse(iso, sizeof(iso) - 1, &in, &err), SR_OK);
    str_is(in.from, "0049172123");
    str_is(in.text, "été €");
    srs_inbound_clear(&in);
    assert_int_equal(srs_smstools_parse(none, sizeof(none) - 1, &in, &err), SR_OK);
    str_is(in.text, "zażółć");
    srs_inbound_clear(&in);
    /* an alphanumeric sender (smsd writes the name it decoded) is kept as it is */
    if (srs_smstools_parse("From: Info Bank\n\nhi", 19, &in, &err) != SR_OK)
        fail_msg("alphanumeric From: %s: %s", err.where, err.msg);
    str_is(in.from, "Info Bank");
    str_is(in.text, "hi");
    srs_inbound_clear(&in);
}

static void test_smstools_sent_is_local_time(void **state)
{
    /* smsd writes the SMSC time stamp's digits and drops its zone
     * (smstools3 src/pdu.c: \"Time zone is not used\"): local time, not UTC */
    static const char summer[] = "From: 491721234567\nSent: 25-06-01 10:00:00\n\nhi";
    static const char winter[] = "From: 491721234567\nSent: 25-01-15 10:00:00\n\nhi";
    srs_inbound in;
    sr_error err;

    (void)state;
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
    assert_int_equal(srs_smstools_parse(summer, sizeof(summer) - 1, &in, &err), SR_OK);
    assert_int_equal(in.ts, 1748764800);   /* 2025-06-01 08:00 UTC (CEST) */
    srs_inbound_clear(&in);
    assert_int_equal(srs_smstools_parse(winter, sizeof(winter) - 1, &in, &err), SR_OK);
    assert_int_equal(in.ts, 1736931600);   /* 2025-01-15 09:00 UTC (CET) */
    srs_inbound_clear(&in);
    setenv("TZ", "UTC0", 1);
    tzset();
}

static void test_smstools_rejects(void **state)
{
    static const struct { const char *f; int rc; } cases[] = {
        {"From: 4917\nAlphabet: binary\n\n\x01\x02", SR_EUNSUPP},
        {"From: 4917\nno blank line", SR_EFORMAT},
        {"Alphabet: ISO\n\ntext", SR_EFORMAT},
        {"From: AC\x01ME\n\ntext", SR_EFORMAT},
        {"From 4917\n\ntext", SR_EFORMAT},
        {"", SR_EFORMAT},
    };
    srs_inbound in;
    sr_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = srs_smstools_parse(cases[i].f, strlen(cases[i].f), &in, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: got %d, want %d", i, rc, cases[i].rc);
        srs_inbound_clear(&in);
    }
}

/* --- keywords -------------------------------------------------------------------------- */

static void test_keywords(void **state)
{
    static const char list[] = "AGENT, HUMAN, MENSCH, CZŁOWIEK;CONSEILLER";
    static const struct { const char *t; int hit; const char *kw; } cases[] = {
        {"AGENT", 1, "AGENT"},
        {"agent please", 1, "AGENT"},
        {"  Mensch?", 1, "MENSCH"},
        {"Człowiek!", 1, "CZŁOWIEK"},
        {"CZŁOWIEK proszę teraz", 1, "CZŁOWIEK"},
        {"conseiller", 1, "CONSEILLER"},
        {"my agent was rude", 0, ""},
        {"agent agent agent agent", 0, ""},
        {"agents", 0, ""},
        {"", 0, ""},
        {"!!!", 0, ""},
    };
    char kw[64];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int hit;
        kw[0] = '\0';
        hit = srs_keyword_match(cases[i].t, strlen(cases[i].t), list, 3, kw, sizeof(kw));
        if (hit != cases[i].hit || (hit && strcmp(kw, cases[i].kw) != 0))
            fail_msg("\"%s\": got %d (%s), want %d (%s)", cases[i].t, hit, kw, cases[i].hit,
                     cases[i].kw);
    }
}

/* --- allow-lists -------------------------------------------------------------------------- */

static int allowed(const srs_allow *a, const char *ip)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof(ss));
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        inet_pton(AF_INET6, ip, &s6->sin6_addr);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        inet_pton(AF_INET, ip, &s4->sin_addr);
    }
    return srs_allow_match(a, (struct sockaddr *)&ss);
}

static void test_allow_list(void **state)
{
    srs_allow a;
    sr_error err;

    (void)state;
    assert_int_equal(srs_allow_parse("127.0.0.1, ::1 10.0.0.0/8,fd00::/8", &a, &err), SR_OK);
    assert_true(allowed(&a, "127.0.0.1"));
    assert_true(allowed(&a, "10.200.3.4"));
    assert_true(allowed(&a, "::1"));
    assert_true(allowed(&a, "::ffff:127.0.0.1"));
    assert_true(allowed(&a, "fd12::5"));
    assert_false(allowed(&a, "127.0.0.2"));
    assert_false(allowed(&a, "11.0.0.1"));
    assert_false(allowed(&a, "fe80::1"));
    assert_false(srs_allow_match(&a, NULL));
    assert_int_equal(srs_allow_parse("300.1.1.1", &a, &err), SR_EINVAL);
    assert_int_equal(srs_allow_parse("10.0.0.0/33", &a, &err), SR_EINVAL);
    assert_int_equal(srs_allow_parse("10.0.0.0/", &a, &err), SR_EINVAL);
    assert_int_equal(srs_allow_parse("", &a, &err), SR_OK);
    assert_true(allowed(&a, "192.0.2.1"));
}

/* --- webhooks ---------------------------------------------------------------------------------- */

static void test_zendesk_signature(void **state)
{
    const char *body = "{\"a\":1}", *ts = "2026-01-01T00:00:00Z",
               *sig = "cgC8VgMHnzlpf6je2LZsEcIqaX9gSAiVn2o9Ejduafk=";
    int64_t at = 1767225600;

    (void)state;
    assert_true(srs_zendesk_verify("s3cr3t", 6, ts, body, strlen(body), sig, at + 10, 300));
    assert_false(srs_zendesk_verify("s3cr3t", 6, ts, body, strlen(body), sig, at + 301, 300));
    assert_false(srs_zendesk_verify("s3cr3t", 6, ts, body, strlen(body), sig, at - 301, 300));
    assert_false(srs_zendesk_verify("s3cr3T", 6, ts, body, strlen(body), sig, at, 300));
    assert_false(srs_zendesk_verify("s3cr3t", 6, ts, "{\"a\":2}", 7, sig, at, 300));
    assert_false(srs_zendesk_verify("s3cr3t", 6, "yesterday", body, strlen(body), sig, at, 300));
    assert_false(srs_zendesk_verify("s3cr3t", 6, ts, body, strlen(body), NULL, at, 300));
}

static void test_zendesk_and_gorgias_bodies(void **state)
{
    const char *zflat = "{\"external_id\":\"sr-host1-t42\",\"ticket_id\":9001,\"comment_id\":\"7\","
                        "\"comment\":\"  Refund sent.\\n\",\"author\":\"Sam\"}";
    const char *znest = "{\"ticket\":{\"external_id\":\"sr-host1-t43\",\"id\":5},"
                        "\"comment\":{\"body\":\"note\",\"public\":false,\"id\":8}}";
    const char *gmsg = "{\"ticket\":{\"id\":31,\"external_id\":\"sr-h-t7\"},\"message\":{\"id\":501,"
                       "\"from_agent\":true,\"public\":true,\"channel\":\"sms\","
                       "\"body_text\":\"Merci !\",\"sender\":{\"name\":\"L\\u00e9a\"}}}";
    const char *gcust = "{\"external_id\":\"sr-h-t7\",\"message_id\":\"9\",\"from_agent\":\"false\","
                        "\"body_text\":\"customer\"}";
    srs_agent_reply r;
    sr_error err;
    uint64_t t;

    (void)state;
    assert_int_equal(srs_zendesk_parse(zflat, strlen(zflat), &r, &err), SR_OK);
    assert_int_equal(r.ticket, 42);
    str_is(r.text, "Refund sent.");
    str_is(r.author, "Sam");
    str_is(r.event_id, "zendesk:9001:7");
    assert_true(r.relay);
    srs_agent_reply_clear(&r);
    assert_int_equal(srs_zendesk_parse(znest, strlen(znest), &r, &err), SR_OK);
    assert_int_equal(r.ticket, 43);
    assert_false(r.relay);
    srs_agent_reply_clear(&r);
    assert_int_equal(srs_zendesk_parse("[1]", 3, &r, &err), SR_EFORMAT);
    assert_int_equal(srs_zendesk_parse("{\"comment\":\"x\"}", 15, &r, &err), SR_EFORMAT);
    assert_int_equal(srs_zendesk_parse("{\"external_id\":\"x-t1\",\"comment\":\"x\"}", 36, &r, &err),
                     SR_EFORMAT);
    assert_int_equal(srs_zendesk_parse("{\"external_id\":\"sr-h-t1\",\"comment\":\"  \"}", 40, &r,
                                       &err),
                     SR_EFORMAT);
    assert_int_equal(srs_zendesk_parse("{\"a\":", 5, &r, &err), SR_EFORMAT);
    srs_agent_reply_clear(&r);

    assert_int_equal(srs_gorgias_parse(gmsg, strlen(gmsg), &r, &err), SR_OK);
    assert_int_equal(r.ticket, 7);
    assert_true(r.relay);
    str_is(r.text, "Merci !");
    str_is(r.author, "Léa");
    str_is(r.event_id, "gorgias:31:501");
    srs_agent_reply_clear(&r);
    assert_int_equal(srs_gorgias_parse(gcust, strlen(gcust), &r, &err), SR_OK);
    assert_false(r.relay);
    assert_null(r.text);
    srs_agent_reply_clear(&r);

    assert_int_equal(srs_ext_id_ticket("sr-my-host-t12", "my-host", &t), SR_OK);
    assert_int_equal(t, 12);
    assert_int_equal(srs_ext_id_ticket("sr-my-host-t12", "other", &t), SR_EINVAL);
    assert_int_equal(srs_ext_id_ticket("sr-h-j12", NULL, &t), SR_EINVAL);
    assert_int_equal(srs_ext_id_ticket("sr-h-t12x", NULL, &t), SR_EINVAL);
    assert_int_equal(srs_ext_id_ticket("sr-h-t0", NULL, &t), SR_EINVAL);
}

static void test_sendsms_answers(void **state)
{
    static const struct { long status; int want; } cases[] = {
        {202, SRS_SEND_OK}, {200, SRS_SEND_OK}, {0, SRS_SEND_RETRY}, {503, SRS_SEND_RETRY},
        {500, SRS_SEND_RETRY}, {429, SRS_SEND_RETRY}, {408, SRS_SEND_RETRY},
        {403, SRS_SEND_FAIL}, {400, SRS_SEND_FAIL}, {404, SRS_SEND_FAIL}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (srs_sendsms_classify(cases[i].status) != cases[i].want)
            fail_msg("HTTP %ld: got %d, want %d", cases[i].status,
                     srs_sendsms_classify(cases[i].status), cases[i].want);
}

/* --- dedupe -------------------------------------------------------------------------------------- */

static void test_dedupe_begin_finish_abort(void **state)
{
    srs_dedupe *d = srs_dedupe_new(100, 60);
    srs_dd_entry e = {42, SRS_KIND_ACK, "de"}, got;
    char k1[65], k2[65], k3[65];

    (void)state;
    srs_dedupe_key_id("kannel", "abc", k1);
    srs_dedupe_key_content("+4915112345", 1000, "hi", 2, k2);
    srs_dedupe_key_content("+4915112345", 0, "hi", 2, k3);
    assert_int_equal(strlen(k1), 64);
    str_is(k3, "");   /* no sending time: no content key */
    assert_int_equal(srs_dedupe_begin(d, k1, k2, &got, 100), SRS_DD_NEW);
    srs_dedupe_abort(d, k1, k2);
    assert_int_equal(srs_dedupe_size(d), 0);
    assert_int_equal(srs_dedupe_begin(d, k1, k2, &got, 100), SRS_DD_NEW);
    srs_dedupe_finish(d, k1, k2, &e, 100);
    /* the same id, or the same content under another id: a retry */
    assert_int_equal(srs_dedupe_begin(d, k1, NULL, &got, 110), SRS_DD_DONE);
    assert_int_equal(got.ticket, 42);
    str_is(got.lang, "de");
    srs_dedupe_key_id("kannel", "other", k3);
    assert_int_equal(srs_dedupe_begin(d, k3, k2, &got, 110), SRS_DD_DONE);
    /* the same id of another gateway is another message */
    srs_dedupe_key_id("twilio", "abc", k3);
    assert_int_equal(srs_dedupe_begin(d, k3, NULL, &got, 110), SRS_DD_NEW);
    srs_dedupe_abort(d, k3, NULL);
    /* past the window it is forgotten */
    assert_int_equal(srs_dedupe_begin(d, "x", NULL, &got, 500), SRS_DD_NEW);
    srs_dedupe_abort(d, "x", NULL);
    assert_int_equal(srs_dedupe_begin(d, k1, NULL, &got, 500), SRS_DD_NEW);
    srs_dedupe_abort(d, k1, NULL);
    srs_dedupe_free(d);
}

static void test_dedupe_expired_key_is_new(void **state)
{
    /* a gateway that reuses message ids: the same id after the window is
     * a new message, even when no other key came in meanwhile */
    srs_dedupe *d = srs_dedupe_new(100, 60);
    srs_dd_entry e = {7, SRS_KIND_ACK, "en"}, got;
    char k1[65], k2[65];

    (void)state;
    srs_dedupe_key_id("kannel", "reused-id", k1);
    srs_dedupe_key_content("+4915112345", 1000, "hi", 2, k2);
    assert_int_equal(srs_dedupe_begin(d, k1, NULL, &got, 100), SRS_DD_NEW);
    srs_dedupe_finish(d, k1, NULL, &e, 100);
    assert_int_equal(srs_dedupe_begin(d, k1, NULL, &got, 160), SRS_DD_DONE);   /* inside */
    assert_int_equal(srs_dedupe_begin(d, k1, NULL, &got, 161), SRS_DD_NEW);    /* past it */
    srs_dedupe_finish(d, k1, NULL, &e, 161);
    assert_int_equal(srs_dedupe_size(d), 1);
    /* the same for a key remembered at start (rebuild) */
    srs_dedupe_add(d, k2, &e, 100);
    assert_int_equal(srs_dedupe_begin(d, NULL, k2, &got, 170), SRS_DD_NEW);
    srs_dedupe_abort(d, NULL, k2);
    srs_dedupe_free(d);
}

static void test_dedupe_bounded(void **state)
{
    srs_dedupe *d = srs_dedupe_new(50, 0);
    srs_dd_entry e = {1, SRS_KIND_EMPTY, ""};
    char key[32];

    (void)state;
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        srs_dedupe_add(d, key, &e, i);
    }
    assert_true(srs_dedupe_size(d) <= 51);
    assert_int_equal(srs_dedupe_begin(d, "k999", NULL, &e, 1000), SRS_DD_DONE);
    assert_int_equal(srs_dedupe_begin(d, "k0", NULL, &e, 1000), SRS_DD_NEW);
    srs_dedupe_abort(d, "k0", NULL);
    srs_dedupe_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1_fips_vectors),
        cmocka_unit_test(test_sha1_million_a_in_uneven_pieces),
        cmocka_unit_test(test_hmac_sha1_rfc2202),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_url_decode_keeps_bad_escapes),
        cmocka_unit_test(test_form_fields_and_limit),
        cmocka_unit_test(test_kannel_get_7bit),
        cmocka_unit_test(test_kannel_get_ucs2_with_surrogates_and_plus),
        cmocka_unit_test(test_kannel_rejects_malformed),
        cmocka_unit_test(test_kannel_ucs2_broken_units_repaired),
        cmocka_unit_test(test_kannel_long_text_kept_for_ingest),
        cmocka_unit_test(test_kannel_post_headers_and_charset),
        cmocka_unit_test(test_charsets_to_utf8),
        cmocka_unit_test(test_charsets_bad_bytes_repaired),
        cmocka_unit_test(test_gsm7),
        cmocka_unit_test(test_twilio_signature_documented_example),
        cmocka_unit_test(test_twilio_parse_and_twiml),
        cmocka_unit_test(test_smstools_files),
        cmocka_unit_test(test_smstools_sent_is_local_time),
        cmocka_unit_test(test_smstools_rejects),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_zendesk_signature),
        cmocka_unit_test(test_zendesk_and_gorgias_bodies),
        cmocka_unit_test(test_sendsms_answers),
        cmocka_unit_test(test_dedupe_begin_finish_abort),
        cmocka_unit_test(test_dedupe_expired_key_is_new),
        cmocka_unit_test(test_dedupe_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
