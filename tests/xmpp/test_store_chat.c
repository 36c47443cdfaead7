/*
 * test_store_chat - what the chat bridge needs from the store, through
 * the public API: sr_ingest_opts with SR_INGEST_ASK_FIRST (the route's
 * wish for a human is reported, nothing is handed off until the visitor
 * says yes), the email a visitor gives later lands on the ticket, agent
 * replies become "deliver" jobs for the chat, sr_config_get_list
 */
#include "build-config.h"

#include "srxtest.h"

static char dir[256];

static sr_store *open_store(sr_ctx **ctx, const char *conf)
{
    char text[2048];
    sr_error err;
    sr_config *cfg;
    sr_store *st;

    snprintf(dir, sizeof(dir), "/tmp/srxstore.XXXXXX");
    if (mkdtemp(dir) == NULL)
        fail_msg("mkdtemp");
    snprintf(text, sizeof(text), "store = { path = \"%s\"; sync = false; instance = \"u\"; };\n%s",
             dir, conf);
    cfg = srxt_config(text);
    *ctx = sr_ctx_new(cfg, &err);
    sr_config_unref(cfg);
    if (*ctx == NULL)
        fail_msg("ctx: %s", err.msg);
    sr_ctx_set_log(*ctx, NULL, NULL, SR_LOG_ERR);
    st = sr_store_open(*ctx, NULL, 0, &err);
    if (st == NULL)
        fail_msg("store: %s", err.msg);
    return st;
}

static void close_store(sr_ctx *ctx, sr_store *st)
{
    char cmd[300];

    sr_store_close(st);
    sr_ctx_free(ctx);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# cannot remove %s\n", dir);
}

static int ingest(sr_store *st, const char *from, const char *text, const char *email,
                  unsigned opts, sr_ingest_result *r)
{
    sr_error err;
    sr_message *m = sr_message_new(SR_CHANNEL_CHAT, &err);
    int rc;

    sr_message_set_text(m, text, strlen(text), 0, &err);
    sr_message_set_sender(m, from, &err);
    if (email)
        sr_message_set_email(m, email, &err);
    rc = sr_ingest_opts(st, m, opts, r, &err);
    sr_message_free(m);
    if (rc != SR_OK)
        fail_msg("ingest: %s", err.msg);
    return rc;
}

static void test_ask_first_reports_and_waits(void **state)
{
    (void)state;
    sr_ctx *ctx;
    sr_store *st = open_store(&ctx, "");
    sr_ingest_result r;
    sr_ticket t;
    uint64_t job;

    ingest(st, "v1@anon.example.net/web", "I want to talk to a human", NULL, SR_INGEST_ASK_FIRST,
           &r);
    assert_true(r.sentiment.flags & SR_FLAG_HUMAN_REQUESTED);
    assert_true(r.handoff_wanted);
    assert_false(r.handoff);
    assert_int_equal(r.job_id, 0);
    assert_int_equal(sr_ticket_get(st, r.ticket_id, &t, NULL), SR_OK);
    assert_false(t.handed_off);
    /* the visitor said yes */
    assert_int_equal(sr_handoff_request(st, r.ticket_id, "visitor asked", &job, NULL), SR_OK);
    assert_int_equal(sr_ticket_get(st, r.ticket_id, &t, NULL), SR_OK);
    assert_true(t.handed_off);
    assert_string_equal(t.method, "helpdesk");
    /* handed off: no more wishes */
    ingest(st, "v1@anon.example.net/web", "a human, please", NULL, SR_INGEST_ASK_FIRST, &r);
    assert_false(r.handoff_wanted);
    /* without the option, sr_ingest hands off at once, as before */
    ingest(st, "v2@anon.example.net/web", "I want to talk to a human", NULL, 0, &r);
    assert_true(r.handoff_wanted);
    assert_true(r.handoff);
    assert_int_equal(sr_ticket_get(st, r.ticket_id, &t, NULL), SR_OK);
    assert_true(t.handed_off);
    close_store(ctx, st);
}

static void test_later_email_lands_on_the_ticket(void **state)
{
    (void)state;
    sr_ctx *ctx;
    sr_store *st = open_store(&ctx, "");
    sr_ingest_result r;
    sr_ticket t;

    ingest(st, "v1@anon.example.net/web", "hello", NULL, SR_INGEST_ASK_FIRST, &r);
    assert_int_equal(sr_ticket_get(st, r.ticket_id, &t, NULL), SR_OK);
    assert_string_equal(t.email, "");
    ingest(st, "v1@anon.example.net/other", "Jo@Example.org", "Jo@Example.org",
           SR_INGEST_ASK_FIRST, &r);
    assert_int_equal(sr_ticket_get(st, r.ticket_id, &t, NULL), SR_OK);
    assert_string_equal(t.email, "jo@example.org");
    assert_int_equal(t.nmessages, 2);   /* same conversation: the bare JID */
    /* a second address does not replace the first */
    ingest(st, "v1@anon.example.net/web", "x", "other@example.org", SR_INGEST_ASK_FIRST, &r);
    assert_int_equal(sr_ticket_get(st, r.ticket_id, &t, NULL), SR_OK);
    assert_string_equal(t.email, "jo@example.org");
    close_store(ctx, st);
}

static void test_rule_wish_and_agent_reply_job(void **state)
{
    (void)state;
    sr_ctx *ctx;
    sr_store *st = open_store(&ctx, "route = { rules = ( { name = \"angry\"; "
                                    "label = [\"urgent\", \"negative\"]; handoff = true; } ); };\n");
    sr_ingest_result r;
    sr_job job;
    sr_error err;

    ingest(st, "v1@anon.example.net/web", "This is terrible, the worst service ever, I am furious!",
           NULL, SR_INGEST_ASK_FIRST, &r);
    assert_true(r.handoff_wanted);
    assert_string_equal(r.rule, "angry");
    assert_int_equal(sr_ticket_reply(st, r.ticket_id, "anna@example.com", "sorry!", 6, NULL, &err),
                     SR_OK);
    assert_int_equal(sr_outbox_claim(st, "chat", "test", 30, &job, &err), SR_OK);
    assert_string_equal(job.kind, "deliver");
    assert_string_equal(job.to, "v1@anon.example.net");
    assert_string_equal(job.text, "sorry!");
    assert_int_equal(sr_outbox_complete(st, job.id, "test", NULL, &err), SR_OK);
    sr_job_clear(&job);
    assert_int_equal(sr_outbox_claim(st, "chat", "test", 30, &job, &err), SR_ENOTFOUND);
    close_store(ctx, st);
}

static void test_config_lists(void **state)
{
    (void)state;
    sr_config *cfg = srxt_config("xmpp = { agents = [\"a@x.org\", \"b@x.org: q\"]; };\n");
    const char *const *v;
    size_t n;

    assert_int_equal(sr_config_get_list(cfg, "xmpp.agents", &v, &n), SR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[1], "b@x.org: q");
    assert_int_equal(sr_config_get_list(cfg, "xmpp.port", &v, &n), SR_EINVAL);
    assert_int_equal(sr_config_get_list(cfg, "xmpp.nope", &v, &n), SR_ENOTFOUND);
    sr_config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ask_first_reports_and_waits),
        cmocka_unit_test(test_later_email_lands_on_the_ticket),
        cmocka_unit_test(test_rule_wish_and_agent_reply_job),
        cmocka_unit_test(test_config_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
