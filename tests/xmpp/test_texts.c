/*
 * test_texts - the visitor texts (built in for five languages, replaced
 * from the config) and the checks of the xmpp configuration section
 */
#include "build-config.h"

#include "srxtest.h"

static void test_every_text_in_every_language(void **state)
{
    (void)state;
    for (int id = 0; id < SRX_T_COUNT; id++) {
        for (int l = 0; l < SRX_NLANGS; l++) {
            const char *t = srx_text(NULL, (srx_text_id)id, srx_langs[l]);
            if (t == NULL || strlen(t) < 10)
                fail_msg("text %s in %s is missing", srx_text_name((srx_text_id)id), srx_langs[l]);
            /* a translation is not the English text */
            if (l > 0 && strcmp(t, srx_text(NULL, (srx_text_id)id, "en")) == 0)
                fail_msg("text %s in %s is the English one", srx_text_name((srx_text_id)id),
                         srx_langs[l]);
        }
    }
    assert_string_equal(srx_text(NULL, SRX_T_ASK_CONNECT, "xx"),
                        srx_text(NULL, SRX_T_ASK_CONNECT, "en"));
    assert_non_null(strstr(srx_text(NULL, SRX_T_ASK_CONNECT, "de"), "Mitarbeiter"));
    assert_non_null(strstr(srx_text(NULL, SRX_T_ASK_CONNECT, "pl"), "konsultant"));
}

static void test_placeholders(void **state)
{
    (void)state;
    srx_vars v = {"Anna", "42", "mon-fri 09:00-17:00", "jo@example.org"};
    char out[256];

    srx_text_fill("{agent}/{ticket}/{hours}/{email}/{nope}/{", &v, out, sizeof(out));
    assert_string_equal(out, "Anna/42/mon-fri 09:00-17:00/jo@example.org/{nope}/{");
    /* a format string in a text stays text */
    srx_text_fill("100%s %n {agent}", &v, out, sizeof(out));
    assert_string_equal(out, "100%s %n Anna");
    /* cut at a character boundary */
    srx_text_fill("Łódź {agent}", &v, out, 3);
    assert_string_equal(out, "Ł");
    srx_text_fill("ab", NULL, out, 2);
    assert_string_equal(out, "a");
}

static const char base[] = "xmpp = { domain = \"support.example.com\"; "
                           "secret_file = \"/etc/sentiroute/xmpp.secret\";\n";

static void test_overrides_from_the_config(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof(text),
             "%s default_language = \"de\";\n texts = { ask_connect = [\"de: Wollen Sie {agent}?\", "
             "\"pl: Chcesz?\"]; };\n agents = [\"anna@example.com Anna\"];\n };\n",
             base);
    sr_config *cfg = srxt_config(text);
    sr_error err;
    srx_conf *c = srx_conf_new(cfg, &err);

    if (c == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    assert_string_equal(srx_text(&c->texts, SRX_T_ASK_CONNECT, "de"), "Wollen Sie {agent}?");
    assert_string_equal(srx_text(&c->texts, SRX_T_ASK_CONNECT, "pl"), "Chcesz?");
    assert_non_null(strstr(srx_text(&c->texts, SRX_T_ASK_CONNECT, "fr"), "conseillers"));
    /* an unknown language falls back to the default language, German here */
    assert_string_equal(srx_text(&c->texts, SRX_T_ASK_CONNECT, "und"), "Wollen Sie {agent}?");
    assert_string_equal(c->self, "help@support.example.com");
    assert_int_equal(c->port, 5347);
    assert_true(c->component);
    assert_string_equal(c->agents->v[0].name, "Anna");
    srx_conf_free(c);
    sr_config_unref(cfg);
}

static void test_config_mistakes_are_named(void **state)
{
    (void)state;
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"texts = { busy = [\"xx: hm\"]; };", "xmpp.texts.busy[0]"},
        {"texts = { busy = [\"no colon\"]; };", "xmpp.texts.busy[0]"},
        {"agents = [\"alice\"];", "xmpp.agents"},
        {"hours = { open = [\"mon-fri 9-5\"]; };", "xmpp.hours"},
        {"hours = { timezone = \"Mars/Base\"; };", "xmpp.hours.timezone"},
        {"default_language = \"it\";", "xmpp.default_language"},
        {"bot = { jid = \"not a jid\"; };", "xmpp.bot.jid"},
        {"webhook = { listen = \"127.0.0.1\"; };", "xmpp.webhook.listen"},
        {"webhook = { listen = \"127.0.0.1:8089\"; };", "signing_secret_file"},
        {"reconnect_min = 30.0; reconnect_max = 10;", "xmpp.reconnect_min"},
        {"mode = \"client\";", "xmpp.jid"},
        {"agents = [\"help@support.example.com\"];", "own address"},
    };
    char text[2048], err[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "%s %s };\n", base, cases[i].body);
        srxt_conf_error(text, err, sizeof(err));
        if (strstr(err, cases[i].want) == NULL)
            fail_msg("%s: got \"%s\", want an error naming %s", cases[i].body, err,
                     cases[i].want);
    }
    srxt_conf_error("xmpp = { domain = \"x.org\"; };", err, sizeof(err));
    assert_non_null(strstr(err, "xmpp.secret_file"));
    /* the core's table checks types and ranges, with the line */
    srxt_conf_error("xmpp = {\n rate = \"fast\"; };", err, sizeof(err));
    assert_non_null(strstr(err, ":2: xmpp.rate"));
    srxt_conf_error("xmpp = { colour = 1; };", err, sizeof(err));
    assert_non_null(strstr(err, "unknown key"));
}

static void test_secret_files(void **state)
{
    (void)state;
    char path[] = "/tmp/srxtest-secret.XXXXXX", buf[64];
    int fd = mkstemp(path);
    sr_error err;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "t0p-s3cret \n", 12), 12);
    close(fd);
    chmod(path, 0600);
    assert_int_equal(srx_secret_read(path, buf, sizeof(buf), &err), SR_OK);
    assert_string_equal(buf, "t0p-s3cret");
    chmod(path, 0644);
    assert_int_equal(srx_secret_read(path, buf, sizeof(buf), &err), SR_ECONFIG);
    assert_non_null(strstr(err.msg, "readable by others"));
    assert_null(strstr(err.msg, "t0p"));   /* the secret never is in a message */
    unlink(path);
    assert_int_equal(srx_secret_read(path, buf, sizeof(buf), &err), SR_ECONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_text_in_every_language),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_overrides_from_the_config),
        cmocka_unit_test(test_config_mistakes_are_named),
        cmocka_unit_test(test_secret_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
