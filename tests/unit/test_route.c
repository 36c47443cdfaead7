/*
 * test_route - routing rules and saved views: parsing, errors naming
 * file:line:path, evaluation in order, the sample rules' intent
 */
#include "build-config.h"

#include "store_testutil.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "route.h"

static const char *rules_conf =
    "route = {\n"
    "  default_queue = \"general\";\n"
    "  rules = (\n"
    "    { name = \"angry-big-order\"; label = [\"urgent\", \"negative\"];\n"
    "      order_value_min = 200.0; queue = \"senior\"; priority = \"high\";\n"
    "      tags = [\"big-order\"]; handoff = true; add_recipient = \"senior@example.com\"; },\n"
    "    { name = \"promoter\"; label = \"promoter\"; tags = [\"review-request\"]; },\n"
    "    { name = \"legal\"; keywords = [\"lawyer\", \"small claims court\"]; tags = [\"legal\"];\n"
    "      stop = false; },\n"
    "    { name = \"german-sms\"; channel = \"sms\"; language = [\"de\"]; queue = \"de-sms\"; },\n"
    "    { name = \"vip\"; vip = true; priority = \"urgent\"; assignee_group = \"vip-team\"; }\n"
    "  );\n"
    "};\n";

static sr_route_result eval(const sr_ctx *ctx, sr_channel ch, const char *text, float score,
                            sr_label label, const char *lang, const sr_profile *p)
{
    sr_route_result out;
    sr_sentiment s;
    srp_route_in in;

    memset(&s, 0, sizeof(s));
    s.score = score;
    s.label = label;
    snprintf(s.lang, sizeof(s.lang), "%s", lang);
    in.channel = ch;
    in.text = text;
    in.len = strlen(text);
    in.s = &s;
    in.profile = p;
    in.turned_worse = 0;
    srp_route_eval(sr_ctx_config(ctx), &in, &out);
    return out;
}

static void test_route_urgent_big_order_goes_senior(void **state)
{
    sr_ctx *ctx = st_ctx(rules_conf);
    sr_profile p = {.order_value = 250.0};
    sr_route_result r;

    (void)state;
    r = eval(ctx, SR_CHANNEL_EMAIL, "where is my refund", 2.0f, SR_LABEL_URGENT, "en", &p);
    assert_string_equal(r.queue, "senior");
    assert_int_equal(r.priority, SR_PRIORITY_HIGH);
    assert_string_equal(r.tags, "big-order");
    assert_true(r.handoff);
    assert_string_equal(r.add_recipient, "senior@example.com");
    assert_string_equal(r.rule, "angry-big-order");
    /* same anger, small order: default queue, no handoff */
    p.order_value = 120.0;
    r = eval(ctx, SR_CHANNEL_EMAIL, "where is my refund", 2.0f, SR_LABEL_NEGATIVE, "en", &p);
    assert_string_equal(r.queue, "general");
    assert_false(r.handoff);
    /* no profile at all: order value unknown, the rule does not match */
    r = eval(ctx, SR_CHANNEL_EMAIL, "where is my refund", 2.0f, SR_LABEL_URGENT, "en", NULL);
    assert_string_equal(r.rule, "");
    sr_ctx_free(ctx);
}

static void test_route_promoter_tagged_for_review(void **state)
{
    sr_ctx *ctx = st_ctx(rules_conf);
    sr_route_result r = eval(ctx, SR_CHANNEL_CHAT, "best shop ever", 9.6f, SR_LABEL_PROMOTER,
                             "en", NULL);

    (void)state;
    assert_string_equal(r.tags, "review-request");
    assert_string_equal(r.queue, "general");
    sr_ctx_free(ctx);
}

static void test_route_keyword_phrase_continues(void **state)
{
    sr_ctx *ctx = st_ctx(rules_conf);
    sr_profile vip = {.vip = 1};
    sr_route_result r;

    (void)state;
    /* phrase across case and punctuation; stop=false lets "vip" add its actions */
    r = eval(ctx, SR_CHANNEL_EMAIL, "the court said small claims are fine", 4.5f,
             SR_LABEL_NEUTRAL, "en", &vip);
    assert_string_equal(r.tags, "");
    r = eval(ctx, SR_CHANNEL_EMAIL, "I'll see you in Small Claims Court.", 4.5f,
             SR_LABEL_NEUTRAL, "en", &vip);
    assert_string_equal(r.tags, "legal");
    assert_int_equal(r.priority, SR_PRIORITY_URGENT);
    assert_string_equal(r.assignee_group, "vip-team");
    assert_string_equal(r.rule, "legal");
    sr_ctx_free(ctx);
}

/* a phrase whose first words repeat is found after a partial match: "very
 * very bad" in "very very very bad", "no no no" in "no no no no" */
static void test_route_keyword_phrase_after_partial_match(void **state)
{
    sr_ctx *ctx = st_ctx("route = { rules = (\n"
                         "  { name = \"kw\"; keywords = [\"very very bad\", \"call call me back\"];\n"
                         "    queue = \"kwq\"; } ); };\n");
    sr_route_result r;

    (void)state;
    r = eval(ctx, SR_CHANNEL_CHAT, "this is very very bad", 2.0f, SR_LABEL_NEGATIVE, "en", NULL);
    assert_string_equal(r.queue, "kwq");
    r = eval(ctx, SR_CHANNEL_CHAT, "this is very very very bad", 2.0f, SR_LABEL_NEGATIVE, "en",
             NULL);
    assert_string_equal(r.queue, "kwq");
    r = eval(ctx, SR_CHANNEL_CHAT, "Very, very, VERY bad!", 2.0f, SR_LABEL_NEGATIVE, "en", NULL);
    assert_string_equal(r.queue, "kwq");
    r = eval(ctx, SR_CHANNEL_CHAT, "please call call call me back", 4.0f, SR_LABEL_NEUTRAL, "en",
             NULL);
    assert_string_equal(r.queue, "kwq");
    r = eval(ctx, SR_CHANNEL_CHAT, "very very good, not bad", 6.0f, SR_LABEL_POSITIVE, "en", NULL);
    assert_string_equal(r.queue, "general");
    sr_ctx_free(ctx);
}

static void test_route_channel_and_language(void **state)
{
    sr_ctx *ctx = st_ctx(rules_conf);
    sr_route_result r;

    (void)state;
    r = eval(ctx, SR_CHANNEL_SMS, "Wo bleibt mein Paket", 4.0f, SR_LABEL_NEUTRAL, "de", NULL);
    assert_string_equal(r.queue, "de-sms");
    r = eval(ctx, SR_CHANNEL_EMAIL, "Wo bleibt mein Paket", 4.0f, SR_LABEL_NEUTRAL, "de", NULL);
    assert_string_equal(r.queue, "general");
    r = eval(ctx, SR_CHANNEL_SMS, "where is my parcel", 4.0f, SR_LABEL_NEUTRAL, "en", NULL);
    assert_string_equal(r.queue, "general");
    sr_ctx_free(ctx);
}

static void test_route_human_request_hands_off_by_default(void **state)
{
    sr_ctx *ctx = st_ctx(NULL);
    sr_route_result out;
    sr_sentiment s;
    srp_route_in in = {SR_CHANNEL_CHAT, "agent", 5, &s, NULL, 0};

    (void)state;
    memset(&s, 0, sizeof(s));
    s.score = 5;
    s.flags = SR_FLAG_HUMAN_REQUESTED;
    srp_route_eval(sr_ctx_config(ctx), &in, &out);
    assert_true(out.handoff);
    sr_ctx_free(ctx);
}

/* config_error - load text, expect failure whose where/msg contain want */
static void config_error(const char *text, const char *want_where, const char *want_msg)
{
    sr_error err;
    sr_config *cfg = srp_config_load_string(text, "sentiroute.conf", &err);

    if (cfg != NULL) {
        sr_config_unref(cfg);
        fail_msg("config loaded, want error at %s", want_where);
    }
    if (strstr(err.where, want_where) == NULL || strstr(err.msg, want_msg) == NULL)
        fail_msg("got '%s: %s', want '%s' ... '%s'", err.where, err.msg, want_where, want_msg);
}

static void test_route_errors_name_file_line_and_path(void **state)
{
    (void)state;
    config_error("route = {\n rules = (\n { queue = \"a\"; },\n { name = \"x\";\n"
                 "   queuee = \"b\"; }\n );\n};\n",
                 "sentiroute.conf:5: route.rules.[1].queuee", "unknown key");
    config_error("route = { rules = ( { label = \"angry\"; queue = \"a\"; } ); };",
                 "route.rules.[0].label", "unknown label");
    config_error("route = { rules = ( { label = \"urgent\"; } ); };", "route.rules.[0]",
                 "no action");
    config_error("route = { rules = ( { score_min = 7.0; score_max = 3.0; queue = \"a\"; } ); };",
                 "route.rules.[0]", "score_min");
    config_error("route = { rules = ( { priority = \"soon\"; } ); };", "route.rules.[0].priority",
                 "low, normal, high, urgent");
    config_error("route = { rules = ( { queue = 5; } ); };", "route.rules.[0].queue",
                 "string");
    config_error("route = { rules = ( { queue = \"a b\"; } ); };", "route.rules.[0].queue",
                 "bad queue name");
    config_error("route = { rules = ( { flags = [\"rude\"]; queue = \"a\"; } ); };",
                 "route.rules.[0].flags", "unknown flag");
    /* add_recipient: what the milter would refuse to pass to the MTA (it
     * logged a warning per message and added nobody) fails the check */
    {
        static const char *const bad_rcpt[] = {
            "senior@", "@example.com", "s\xc3\xa9nior@example.com", "senior(x)@example.com",
            "a:b@example.com", "[senior]@example.com", "a\\\\b@example.com",
        };
        for (size_t i = 0; i < sizeof(bad_rcpt) / sizeof(*bad_rcpt); i++) {
            char text[256];
            snprintf(text, sizeof(text),
                     "route = { rules = ( { queue = \"a\"; add_recipient = \"%s\"; } ); };",
                     bad_rcpt[i]);
            config_error(text, "route.rules.[0].add_recipient", "plain address");
        }
        config_error("route = { rules = ( { queue = \"a\"; add_recipient = "
                     "\"s\\r\\nX-Evil: 1@example.com\"; } ); };",
                     "route.rules.[0].add_recipient", "control characters");
    }
    config_error("route = { rules = { queue = \"a\"; }; };", "route.rules", "list");
    config_error("route = { rules = ( { queue = \"a\"; }, 7 ); };", "route.rules.[1]",
                 "must be a group");
    config_error("views = ( { label = \"urgent\"; } );", "views.[0]", "name");
    config_error("views = 3;", "views", "list of view groups");
    config_error("views = ( { name = \"a\"; }, { name = \"a\"; } );", "views.[1]",
                 "duplicate view name");
    config_error("views = ( { name = \"a\"; sort = \"mood\"; } );", "views.[0].sort", "one of");
    config_error("handoff = { method = \"zendesk\"; };", "handoff.zendesk.url", "required");
    config_error("handoff = { method = \"webhook\"; webhook = { url = \"http://example.com/h\";"
                 " }; };", "handoff.webhook.url", "https");
}

static void test_views_saved_filter(void **state)
{
    sr_ctx *ctx = st_ctx("views = ( { name = \"angry\"; label = [\"urgent\", \"negative\"];"
                         " status = [\"new\", \"open\"]; sort = \"order_value\"; limit = 20; } );");
    sr_ticket_filter f;

    (void)state;
    assert_int_equal(sr_config_view(sr_ctx_config(ctx), "angry", &f), SR_OK);
    assert_int_equal(f.labels, (1u << SR_LABEL_URGENT) | (1u << SR_LABEL_NEGATIVE));
    assert_int_equal(f.statuses, (1u << SR_STATUS_NEW) | (1u << SR_STATUS_OPEN));
    assert_int_equal(f.sort, SR_SORT_ORDER_VALUE);
    assert_int_equal(f.limit, 20);
    assert_string_equal(sr_config_view_name(sr_ctx_config(ctx), 0), "angry");
    assert_null(sr_config_view_name(sr_ctx_config(ctx), 1));
    assert_int_equal(sr_config_view(sr_ctx_config(ctx), "calm", &f), SR_ENOTFOUND);
    sr_ctx_free(ctx);
}

/* a view that could never match is refused where it is written: tickets
 * carry lower-case language codes and rule-made queue names and tags, so
 * language "DE", queue "senior team" or a tag with a comma listed nothing */
static void test_views_refuse_values_no_ticket_has(void **state)
{
    static const char *const bad[] = {
        "views = ( { name = \"de\"; language = \"DE\"; } );",
        "views = ( { name = \"x\"; language = \"e\"; } );",
        "views = ( { name = \"q\"; queue = \"senior team\"; } );",
        "views = ( { name = \"t\"; tag = \"big-order,legal\"; } );",
        "views = ( { name = \"l\"; limit = 2.5; } );",
    };
    sr_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sr_config *cfg = srp_config_load_string(bad[i], "sentiroute.conf", &err);
        if (cfg != NULL)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(err.where, "sentiroute.conf:1: views.[0]."));
    }
    for (int i = 0; i < 2; i++) {
        sr_config *cfg = srp_config_load_string(
            i ? "views = ( { name = \"ok\"; language = \"und\"; } );"
              : "views = ( { name = \"ok\"; language = \"de\"; queue = \"de-sms\";"
                " tag = \"big-order\"; limit = 20; } );",
            "sentiroute.conf", &err);
        if (cfg == NULL)
            fail_msg("%s: %s", err.where, err.msg);
        sr_config_unref(cfg);
    }
}

/* http:// is allowed to the loopback only: "http://localhost:80@evil.example/"
 * names the host evil.example (localhost:80 is a user name), and the token
 * would cross the network in clear */
static void test_http_loopback_url_has_no_userinfo(void **state)
{
    static const char *const urls[] = {"http://localhost:80@evil.example/hook",
                                       "http://127.0.0.1:8080@10.0.0.5:80/x",
                                       "http://localhost:@evil.example", "http://[::1]:1@evil.example/"};
    char *dir = st_tmpdir(), path[300], conf[900];
    sr_error err;
    sr_config *cfg;
    int fd;

    (void)state;
    snprintf(path, sizeof(path), "%s/secret", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret", 6), 6);
    close(fd);
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        snprintf(conf, sizeof(conf),
                 "handoff = { method = \"webhook\"; webhook = { url = \"%s\";"
                 " secret_file = \"%s\"; }; };", urls[i], path);
        cfg = srp_config_load_string(conf, "sentiroute.conf", &err);
        if (cfg != NULL)
            fail_msg("accepted %s", urls[i]);
        assert_non_null(strstr(err.where, "handoff.webhook.url"));
    }
    snprintf(conf, sizeof(conf),
             "handoff = { method = \"webhook\"; webhook = { url = \"http://127.0.0.1:8080/hook\";"
             " secret_file = \"%s\"; }; };", path);
    cfg = srp_config_load_string(conf, "sentiroute.conf", &err);
    if (cfg == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    sr_config_unref(cfg);
    /* https:// with a user name and password: libcurl would log in with
     * them and each line quoting the URL would show them; a "none" link
     * would show them to customers */
    static const char *const https_creds[] = {"webhook", "zendesk", "none.links"};
    for (size_t i = 0; i < sizeof(https_creds) / sizeof(https_creds[0]); i++) {
        if (i == 0)
            snprintf(conf, sizeof(conf),
                     "handoff = { method = \"webhook\"; webhook = { url = "
                     "\"https://bob:hunter2@hooks.example/x\"; secret_file = \"%s\"; }; };",
                     path);
        else if (i == 1)
            snprintf(conf, sizeof(conf),
                     "handoff = { method = \"zendesk\"; zendesk = { url = "
                     "\"https://bob:hunter2@acme.zendesk.com\"; email = \"a@acme.test\";"
                     " token_file = \"%s\"; }; };",
                     path);
        else
            snprintf(conf, sizeof(conf), "%s",
                     "handoff = { method = \"none\"; none = { message = \"See the FAQ\";"
                     " links = [\"https://bob:hunter2@help.example/faq\"]; }; };");
        cfg = srp_config_load_string(conf, "sentiroute.conf", &err);
        if (cfg != NULL)
            fail_msg("%s: accepted a URL with credentials", https_creds[i]);
        if (strstr(err.msg, "user name or password") == NULL)
            fail_msg("%s: %s: %s", https_creds[i], err.where, err.msg);
        assert_null(strstr(err.msg, "hunter2"));
        assert_null(strstr(err.where, "hunter2"));
    }
    st_rmdir(dir);
}

static void test_secret_file_redacted_and_checked(void **state)
{
    char *dir = st_tmpdir(), path[300], conf[600], out[300];
    const char *secret = "zz-planted-token-91";
    sr_error err;
    sr_config *cfg;
    int fd;
    FILE *fp;
    char buf[65536];
    size_t n;

    (void)state;
    snprintf(path, sizeof(path), "%s/token", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, secret, strlen(secret)), (ssize_t)strlen(secret));
    close(fd);
    snprintf(conf, sizeof(conf),
             "handoff = { method = \"rt\"; rt = { url = \"https://rt.example.com\";\n"
             " token_file = \"%s\"; }; };", path);
    cfg = srp_config_load_string(conf, "sentiroute.conf", &err);
    assert_null(cfg);   /* world-readable */
    assert_non_null(strstr(err.msg, "readable by others"));
    assert_non_null(strstr(err.where, "handoff.rt.token_file"));
    chmod(path, 0600);
    cfg = srp_config_load_string(conf, "sentiroute.conf", &err);
    if (cfg == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    snprintf(out, sizeof(out), "%s/dump", dir);
    fd = open(out, O_WRONLY | O_CREAT, 0600);
    assert_int_equal(sr_config_dump(cfg, fd, &err), SR_OK);
    close(fd);
    fp = fopen(out, "r");
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_null(strstr(buf, secret));
    assert_non_null(strstr(buf, "<redacted>"));
    assert_int_equal(sr_config_get_string(cfg, "handoff.rt.token_file", &secret), SR_EINVAL);
    sr_config_unref(cfg);
    st_rmdir(dir);
}

static void test_dump_of_rules_loads_again(void **state)
{
    char *dir = st_tmpdir(), out[300], buf[65536];
    sr_ctx *ctx = st_ctx(rules_conf);
    sr_error err;
    sr_config *again;
    FILE *fp;
    size_t n;
    int fd;

    (void)state;
    snprintf(out, sizeof(out), "%s/dump", dir);
    fd = open(out, O_WRONLY | O_CREAT, 0600);
    assert_int_equal(sr_config_dump(sr_ctx_config(ctx), fd, &err), SR_OK);
    close(fd);
    fp = fopen(out, "r");
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    again = srp_config_load_string(buf, "dump", &err);
    if (again == NULL)
        fail_msg("dump does not load: %s: %s\n%s", err.where, err.msg, buf);
    assert_non_null(strstr(buf, "angry-big-order"));
    sr_config_unref(again);
    sr_ctx_free(ctx);
    st_rmdir(dir);
}

/* a rule with many keywords (a list of product names, 12 KiB dumped) and
 * a view dump whole: the dump loads again with every keyword */
static void test_dump_of_long_rule_loads_again(void **state)
{
    char *dir = st_tmpdir(), out[300], *conf = malloc(65536), *buf = malloc(262144);
    size_t n, o = 0;
    sr_error err;
    sr_config *cfg, *again;
    FILE *fp;
    int fd;

    (void)state;
    assert_non_null(conf);
    assert_non_null(buf);
    o += (size_t)sprintf(conf + o, "route = { rules = ( { name = \"products\"; keywords = [");
    for (int i = 0; i < 500; i++)
        o += (size_t)sprintf(conf + o, "%s\"widget model %03d\"", i ? ", " : "", i);
    sprintf(conf + o, "]; queue = \"products\"; },\n"
                      " { name = \"after\"; label = \"urgent\"; priority = \"urgent\"; } ); };\n");
    cfg = srp_config_load_string(conf, "sentiroute.conf", &err);
    if (cfg == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    snprintf(out, sizeof(out), "%s/dump", dir);
    fd = open(out, O_WRONLY | O_CREAT, 0600);
    assert_int_equal(sr_config_dump(cfg, fd, &err), SR_OK);
    close(fd);
    fp = fopen(out, "r");
    n = fread(buf, 1, 262143, fp);
    fclose(fp);
    buf[n] = '\0';
    again = srp_config_load_string(buf, "dump", &err);
    if (again == NULL)
        fail_msg("dump does not load: %s: %s", err.where, err.msg);
    assert_int_equal(again->rules->n, 2);
    assert_int_equal(again->rules->v[0].keywords.n, 500);
    assert_string_equal(again->rules->v[0].keywords.v[499], "widget model 499");
    assert_string_equal(again->rules->v[1].name, "after");
    sr_config_unref(again);
    sr_config_unref(cfg);
    free(conf);
    free(buf);
    st_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_urgent_big_order_goes_senior),
        cmocka_unit_test(test_route_promoter_tagged_for_review),
        cmocka_unit_test(test_route_keyword_phrase_continues),
        cmocka_unit_test(test_route_keyword_phrase_after_partial_match),
        cmocka_unit_test(test_route_channel_and_language),
        cmocka_unit_test(test_route_human_request_hands_off_by_default),
        cmocka_unit_test(test_route_errors_name_file_line_and_path),
        cmocka_unit_test(test_views_saved_filter),
        cmocka_unit_test(test_views_refuse_values_no_ticket_has),
        cmocka_unit_test(test_secret_file_redacted_and_checked),
        cmocka_unit_test(test_http_loopback_url_has_no_userinfo),
        cmocka_unit_test(test_dump_of_rules_loads_again),
        cmocka_unit_test(test_dump_of_long_rule_loads_again),
    };
    return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
