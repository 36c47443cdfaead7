/*
 * test_config - loading, validation and error locations of sentiroute.conf
 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "config.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tmpdir, sizeof(tmpdir), "srconf");
}

static int teardown(void **state)
{
    (void)state;
    return tu_rmrf(tmpdir);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fp = fopen(path, "w");
    if (fp == NULL)
        fail_msg("cannot write %s", path);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* expect_error - loading text fails with code and a location containing want */
static void expect_error(const char *text, int code, const char *want_where, const char *want_msg)
{
    const char *path = write_file("bad.conf", text);
    sr_error err;
    sr_config *cfg = sr_config_load(path, &err);

    if (cfg != NULL) {
        sr_config_unref(cfg);
        fail_msg("'%s' loaded, want error %d", text, code);
    }
    assert_int_equal(err.code, code);
    if (strstr(err.where, want_where) == NULL)
        fail_msg("got where '%s', want it to contain '%s'", err.where, want_where);
    if (want_msg && strstr(err.msg, want_msg) == NULL)
        fail_msg("got msg '%s', want it to contain '%s'", err.msg, want_msg);
}

static void test_defaults_load_and_validate(void **state)
{
    (void)state;
    sr_error err;
    sr_config *cfg = sr_config_new_default(&err);
    long long cap;
    double f;
    const char *s;

    assert_non_null(cfg);
    assert_int_equal(sr_config_get_int(cfg, "scoring.max_text_bytes", &cap), SR_OK);
    assert_int_equal(cap, 65536);
    assert_int_equal(sr_config_get_float(cfg, "scoring.labels.urgent_floor", &f), SR_OK);
    assert_true(f > 1.49 && f < 1.51);
    assert_int_equal(sr_config_get_string(cfg, "log.sink", &s), SR_OK);
    assert_string_equal(s, "stderr");
    assert_int_equal(sr_config_get_int(cfg, "no.such.key", &cap), SR_ENOTFOUND);
    assert_int_equal(sr_config_get_float(cfg, "log.sink", &f), SR_EINVAL);
    sr_config_unref(cfg);
}

static void test_values_from_the_file_override_defaults(void **state)
{
    (void)state;
    const char *path = write_file("ok.conf", "# comment\n"
                                             "log = { level = \"debug\"; };\n"
                                             "scoring = {\n"
                                             "  max_text_bytes = 1024;\n"
                                             "  languages = [\"en\", \"de\"];\n"
                                             "  labels = { negative_below = 3.5; };\n"
                                             "};\n");
    sr_error err;
    sr_config *cfg = sr_config_load(path, &err);
    long long cap;
    double f;

    if (cfg == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(sr_config_get_int(cfg, "scoring.max_text_bytes", &cap), SR_OK);
    assert_int_equal(cap, 1024);
    assert_int_equal(sr_config_get_float(cfg, "scoring.labels.negative_below", &f), SR_OK);
    assert_true(f > 3.49 && f < 3.51);
    assert_string_equal(sr_config_path(cfg), path);
    sr_config_unref(cfg);
}

static void test_unknown_key_names_file_line_and_key(void **state)
{
    (void)state;
    expect_error("scoring = {\n  max_cues = 4;\n  colour = \"red\";\n};\n", SR_ECONFIG,
                 "bad.conf:3: scoring.colour", "unknown key");
    expect_error("\n\nfrobnicate = { x = 1; };\n", SR_ECONFIG, "bad.conf:3: frobnicate",
                 "unknown section");
    expect_error("scoring = { labels = { urgent_bellow = 2.0; }; };\n", SR_ECONFIG,
                 "scoring.labels.urgent_bellow", "unknown key");
}

static void test_wrong_type_and_range_are_errors(void **state)
{
    (void)state;
    expect_error("scoring = { max_cues = \"eight\"; };", SR_ECONFIG, "scoring.max_cues",
                 "integer");
    expect_error("scoring = { max_cues = 99; };", SR_ECONFIG, "scoring.max_cues", "out of range");
    expect_error("scoring = { labels = { urgent_floor = 11.0; }; };", SR_ECONFIG,
                 "scoring.labels.urgent_floor", "out of range");
    expect_error("log = { level = \"loud\"; };", SR_ECONFIG, "log.level", "one of");
    expect_error("scoring = { languages = [\"en\", \"xx\"]; };", SR_ECONFIG, "scoring.languages",
                 "unsupported language");
    expect_error("scoring = { labels = { negative_below = 7.0; positive_above = 6.0; }; };",
                 SR_ECONFIG, "scoring.labels", "negative_below");
    /* a lease must outlast the worst case of one job: a Zendesk comment
     * takes up to SRP_JOB_MAX_REQUESTS requests' time, each up to
     * timeout + connect_timeout */
    expect_error("handoff = { lease = 60; };", SR_ECONFIG, "handoff.lease", "handoff.timeout");
    expect_error("handoff = { lease = 100; timeout = 15; connect_timeout = 10; };", SR_ECONFIG,
                 "handoff.lease", "connect_timeout");
}

static void test_syntax_error_has_a_line(void **state)
{
    (void)state;
    expect_error("log = {\n  level = \"info\";\n  sink = ;\n};\n", SR_ECONFIG,
                 "bad.conf:3", "syntax error");
}

static void test_missing_file_is_an_io_error(void **state)
{
    (void)state;
    sr_error err;
    assert_null(sr_config_load("/nonexistent/sentiroute.conf", &err));
    assert_int_equal(err.code, SR_EIO);
    assert_null(sr_config_load(NULL, &err));
    assert_int_equal(err.code, SR_EINVAL);
}

static void test_include_is_relative_to_the_file(void **state)
{
    (void)state;
    sr_error err;
    sr_config *cfg;
    long long n;

    write_file("local.conf", "scoring = { max_cues = 3; };\n");
    cfg = sr_config_load(write_file("main.conf", "@include \"local.conf\"\n"), &err);
    if (cfg == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(sr_config_get_int(cfg, "scoring.max_cues", &n), SR_OK);
    assert_int_equal(n, 3);
    sr_config_unref(cfg);
    /* an error inside the included file names that file */
    write_file("local.conf", "scoring = {\n max_cues = 300; };\n");
    assert_null(sr_config_load(write_file("main.conf", "@include \"local.conf\"\n"), &err));
    assert_non_null(strstr(err.where, "local.conf:2"));
}

static void test_dump_round_trips(void **state)
{
    (void)state;
    sr_error err;
    sr_config *cfg = sr_config_new_default(&err), *again;
    char path[256];
    FILE *fp;
    long long n;

    snprintf(path, sizeof(path), "%s/dump.conf", tmpdir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(sr_config_dump(cfg, fileno(fp), &err), SR_OK);
    fclose(fp);
    again = sr_config_load(path, &err);
    if (again == NULL)
        fail_msg("dump does not load: %s: %s", err.where, err.msg);
    assert_int_equal(sr_config_get_int(again, "scoring.max_text_bytes", &n), SR_OK);
    assert_int_equal(n, 65536);
    sr_config_unref(again);
    sr_config_unref(cfg);
}

/* configtest --dump of long lists and strings loads again with every
 * element: 200 support addresses, a year of closed days, a 600-byte
 * element, a 1,000-byte text full of quotes */
static void test_dump_round_trips_long_values(void **state)
{
    (void)state;
    sr_error err;
    sr_config *cfg, *again;
    char path[256], *text = malloc(65536);
    const char *const *v, *const *w;
    const char *m1, *m2;
    size_t n, k, o = 0;
    FILE *fp;

    assert_non_null(text);
    o += (size_t)sprintf(text + o, "milter = { recipients = [");
    for (int i = 0; i < 200; i++)
        o += (size_t)sprintf(text + o, "%s\"support-team-%03d@example.com\"", i ? ", " : "", i);
    o += (size_t)sprintf(text + o, ", \"");
    for (int i = 0; i < 600; i++)
        text[o++] = 'x';
    o += (size_t)sprintf(text + o, "@example.com\"]; };\nxmpp = { hours = { closed = [");
    for (int i = 0; i < 366; i++)
        o += (size_t)sprintf(text + o, "%s\"2027-%02d-%02d\"", i ? ", " : "", i / 28 + 1, i % 28 + 1);
    o += (size_t)sprintf(text + o, "]; }; };\nhandoff = { none = { message = \"");
    for (int i = 0; i < 1000; i++)
        o += (size_t)sprintf(text + o, "%s", i % 2 ? "\\\"" : "\\\\");
    sprintf(text + o, "\"; }; };\n");
    cfg = sr_config_load(write_file("long.conf", text), &err);
    if (cfg == NULL)
        fail_msg("long.conf does not load: %s: %s", err.where, err.msg);
    snprintf(path, sizeof(path), "%s/dump-long.conf", tmpdir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(sr_config_dump(cfg, fileno(fp), &err), SR_OK);
    fclose(fp);
    again = sr_config_load(path, &err);
    if (again == NULL)
        fail_msg("dump does not load: %s: %s", err.where, err.msg);
    assert_int_equal(sr_config_get_list(cfg, "milter.recipients", &v, &n), SR_OK);
    assert_int_equal(sr_config_get_list(again, "milter.recipients", &w, &k), SR_OK);
    assert_int_equal(n, 201);
    assert_int_equal(k, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(w[i], v[i]);
    assert_int_equal(sr_config_get_list(again, "xmpp.hours.closed", &w, &k), SR_OK);
    assert_int_equal(k, 366);
    assert_int_equal(sr_config_get_string(cfg, "handoff.none.message", &m1), SR_OK);
    assert_int_equal(sr_config_get_string(again, "handoff.none.message", &m2), SR_OK);
    assert_int_equal(strlen(m1), 1000);
    assert_string_equal(m2, m1);
    sr_config_unref(again);
    sr_config_unref(cfg);
    free(text);
}

/* every key of the table is documented in the sample config */
static void test_every_key_is_in_the_sample_config(void **state)
{
    (void)state;
    const char *top = getenv("top_srcdir");
    char path[512];
    size_t n;
    const srp_confdef *t = srp_config_table(&n);
    FILE *fp;
    static char text[1 << 20];
    size_t len;

    snprintf(path, sizeof(path), "%s/config/sentiroute.conf", top ? top : ".");
    fp = fopen(path, "r");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    len = fread(text, 1, sizeof(text) - 1, fp);
    text[len] = '\0';
    fclose(fp);
    for (size_t i = 0; i < n; i++) {
        const char *leaf = strrchr(t[i].path, '.');
        char needle[128];
        leaf = leaf ? leaf + 1 : t[i].path;
        snprintf(needle, sizeof(needle), "%s =", leaf);
        if (strstr(text, needle) == NULL)
            fail_msg("key %s is not documented in config/sentiroute.conf", t[i].path);
    }
    /* and the sample itself loads */
    sr_error err;
    sr_config *cfg = sr_config_load(path, &err);
    if (cfg == NULL)
        fail_msg("sample config: %s: %s", err.where, err.msg);
    sr_config_unref(cfg);
}

static void test_refcount_keeps_config_alive(void **state)
{
    (void)state;
    sr_error err;
    sr_config *cfg = sr_config_new_default(&err);
    sr_ctx *ctx = sr_ctx_new(cfg, &err);

    sr_config_unref(cfg); /* the context still holds one */
    assert_non_null(sr_ctx_config(ctx));
    sr_ctx_free(ctx);
    sr_config_unref(NULL);
    sr_ctx_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_load_and_validate),
        cmocka_unit_test(test_values_from_the_file_override_defaults),
        cmocka_unit_test(test_unknown_key_names_file_line_and_key),
        cmocka_unit_test(test_wrong_type_and_range_are_errors),
        cmocka_unit_test(test_syntax_error_has_a_line),
        cmocka_unit_test(test_missing_file_is_an_io_error),
        cmocka_unit_test(test_include_is_relative_to_the_file),
        cmocka_unit_test(test_dump_round_trips),
        cmocka_unit_test(test_dump_round_trips_long_values),
        cmocka_unit_test(test_every_key_is_in_the_sample_config),
        cmocka_unit_test(test_refcount_keeps_config_alive),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
