/*
 * test_jsonw - the store's record writer gives jansson's bytes
 *
 * Every record written with srp_jw_* must read back with jansson and be
 * the same text json_dumpb(JSON_COMPACT | JSON_REAL_PRECISION(9)) gives
 * for the same object: fixed cases for escapes and reals, then random
 * strings (control characters, quotes, multi-byte UTF-8) and numbers.
 */
#include "build-config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* same - the writer's object equals jansson's dump of ref */
static void same(srp_jw *w, json_t *ref)
{
    char want[65536];
    size_t n = json_dumpb(ref, want, sizeof(want), JSON_COMPACT | JSON_REAL_PRECISION(9));
    json_t *back;
    json_error_t e;

    assert_int_equal(srp_jw_finish(w), 0);
    assert_true(n > 0 && n < sizeof(want));
    if (w->len != n || memcmp(w->buf, want, n) != 0)
        fail_msg("writer: %.*s\njansson: %.*s", (int)w->len, w->buf, (int)n, want);
    back = json_loadb(w->buf, w->len, 0, &e);
    if (back == NULL)
        fail_msg("jansson cannot read it back: %s", e.text);
    {   /* (reals at 9 digits do not equal ref itself: compare the readings) */
        json_t *wj = json_loadb(want, n, 0, &e);
        assert_non_null(wj);
        assert_true(json_equal(back, wj));
        json_decref(wj);
    }
    json_decref(back);
    srp_jw_free(w);
    json_decref(ref);
}

static void test_fixed(void **state)
{
    static const char *const strs[] = {
        "", "plain", "quote \" and backslash \\", "tab\tnl\ncr\rbs\bff\f",
        "\x01\x1f\x7f end", "/slash/", "Zürich – “quoted” 😡 ok", "\xef\xbf\xbd literal U+FFFD",
        "日本語のテキスト", "a\"\\\"b",
    };
    static const double reals[] = {0.0, 1.1f, -2.5, 10.0, 1e20, 1e-5, 123456789.0, 0.1,
                                   -0.0, 5.0f, 9.87654321e-300};
    (void)state;
    for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
        srp_jw w;
        srp_jw_begin(&w);
        srp_jw_str(&w, "s", strs[i]);
        srp_jw_int(&w, "n", (int64_t)i - 5);
        same(&w, json_pack("{ss sI}", "s", strs[i], "n", (json_int_t)i - 5));
    }
    for (size_t i = 0; i < sizeof(reals) / sizeof(*reals); i++) {
        srp_jw w;
        srp_jw_begin(&w);
        srp_jw_real(&w, "r", reals[i]);
        same(&w, json_pack("{sf}", "r", reals[i]));
    }
    {
        srp_jw w;   /* an empty object, and big integers */
        srp_jw_begin(&w);
        same(&w, json_object());
        srp_jw_begin(&w);
        srp_jw_int(&w, "max", INT64_MAX);
        srp_jw_int(&w, "min", INT64_MIN);
        same(&w, json_pack("{sI sI}", "max", (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN));
    }
}

/* rnd_utf8 - n random characters: ASCII (controls too), 2-, 3- and 4-byte
 * sequences */
static void rnd_utf8(unsigned *seed, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned r = (unsigned)rand_r(seed);
        unsigned cp;
        switch (r % 5) {
        case 0: cp = 1 + r / 5 % 0x7f; break;
        case 1: cp = 0x20 + r / 5 % 0x5f; break;
        case 2: cp = 0x80 + r / 5 % 0x780; break;
        case 3: cp = 0x800 + r / 5 % 0xf000; if (cp >= 0xd800 && cp < 0xe000) cp = 'x'; break;
        default: cp = 0x10000 + r / 5 % 0x100000; break;
        }
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xc0 | cp >> 6);
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xe0 | cp >> 12);
            out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            out[o++] = (char)(0xf0 | cp >> 18);
            out[o++] = (char)(0x80 | (cp >> 12 & 0x3f));
            out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    out[o] = '\0';
}

static void test_random_records(void **state)
{
    unsigned seed = 20261125;
    static char a[4 * 3000 + 1], b[4 * 40 + 1];
    (void)state;
    for (int i = 0; i < 2000; i++) {
        srp_jw w;
        double r = ((double)rand_r(&seed) - RAND_MAX / 2.0) / (1 + rand_r(&seed) % 1000);
        float f = (float)(rand_r(&seed) % 101) / 10.0f;
        int64_t k = (int64_t)rand_r(&seed) * (rand_r(&seed) % 2 ? 1 : -1000003);
        rnd_utf8(&seed, a, (size_t)(rand_r(&seed) % 3000));
        rnd_utf8(&seed, b, (size_t)(rand_r(&seed) % 40));
        srp_jw_begin(&w);
        srp_jw_int(&w, "k", k);
        srp_jw_str(&w, "text", a);
        srp_jw_real(&w, "score", (double)f);
        srp_jw_real(&w, "r", r);
        srp_jw_str(&w, "b", b);
        same(&w, json_pack("{sI ss sf sf ss}", "k", (json_int_t)k, "text", a, "score", (double)f,
                           "r", r, "b", b));
    }
}

/* what jansson refuses, the writer refuses: broken UTF-8, NaN, infinity */
static void test_refuses(void **state)
{
    static const char *const bad[] = {"\xff", "ab\xc3", "\xc0\xaf", "\xed\xa0\x80 surrogate",
                                       "\xf4\x90\x80\x80 > U+10FFFF", "x\x80y"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        srp_jw w;
        assert_null(json_string(bad[i]));
        srp_jw_begin(&w);
        srp_jw_str(&w, "s", bad[i]);
        assert_int_equal(srp_jw_finish(&w), -1);
        assert_int_equal(w.bad, 1);
        srp_jw_free(&w);
    }
    for (int i = 0; i < 2; i++) {
        srp_jw w;
        srp_jw_begin(&w);
        srp_jw_real(&w, "r", i ? NAN : INFINITY);
        assert_int_equal(srp_jw_finish(&w), -1);
        srp_jw_free(&w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_random_records),
        cmocka_unit_test(test_refuses),
    };
    return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
