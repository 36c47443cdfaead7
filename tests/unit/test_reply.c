/*
 * test_reply - agent replies on the email channel before they are sent:
 * the reply's Message-ID, Date, Subject and threading are fixed in its job
 * (so every attempt sends the same message), the customer's answer to it
 * threads back onto the ticket, References are trimmed as RFC 5322
 * allows, and the reply.email keys are checked together.
 */
#include "build-config.h"

#include "store_testutil.h"

#include "handoff.h"

#include <sys/stat.h>

#define CONF                                                                                   \
    "milter = { recipients = [\"help@support.test\"]; };\n"                                    \
    "reply = { email = { from_name = \"Support\"; }; };\n"

static sr_ingest_result mail(st_fx *f, const char *subject, const char *text, const char *mid,
                             const char *irt, const char *refs)
{
    sr_message *m = st_msg(SR_CHANNEL_EMAIL, "Jane Doe <Jane@Cust.test>", text);

    sr_message_set_subject(m, subject, NULL);
    sr_message_set_sender_name(m, "Jane Doe", NULL);
    sr_message_set_message_id(m, mid, NULL);
    sr_message_set_in_reply_to(m, irt, NULL);
    sr_message_set_references(m, refs, NULL);
    return st_ingest(f->st, m);
}

static json_t *reply(st_fx *f, uint64_t ticket, const char *text)
{
    uint64_t job;
    sr_error err;
    json_t *j;

    assert_int_equal(sr_ticket_reply(f->st, ticket, "agent@support.test", text, strlen(text),
                                     &job, &err),
                     SR_OK);
    assert_int_equal(srp_job_json(f->st, job, &j, &err), SR_OK);
    return j;
}

static const char *mail_field(const json_t *job, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(job, "mail"), key));
    return s ? s : "(missing)";
}

static void test_reply_answers_the_customers_latest_mail(void **state)
{
    st_fx *f = st_fx_new(CONF);
    sr_ingest_result a, b, c;
    sr_stored_message *msgs;
    size_t n;
    sr_error err;
    json_t *job;
    char want[128];

    (void)state;
    a = mail(f, "Order 7 arrived broken", "My order arrived broken.", "<m1@cust.test>", NULL,
             NULL);
    b = mail(f, "Re: Order 7 arrived broken", "Still waiting, please answer.",
             "<m2@cust.test>", "<m1@cust.test>", "<m0@elsewhere.test>\r\n <m1@cust.test>");
    assert_int_equal(b.ticket_id, a.ticket_id);
    job = reply(f, a.ticket_id, "Sorry! A new one is on its way.");
    assert_string_equal(json_string_value(json_object_get(job, "target")), "email");
    assert_string_equal(json_string_value(json_object_get(job, "to")), "jane@cust.test");
    snprintf(want, sizeof(want), "sr-unit-j%lld@support.test",
             (long long)json_integer_value(json_object_get(job, "id")));
    assert_string_equal(mail_field(job, "mid"), want);
    assert_string_equal(mail_field(job, "irt"), "m2@cust.test");
    assert_string_equal(mail_field(job, "refs"),
                        "<m0@elsewhere.test> <m1@cust.test> <m2@cust.test>");
    assert_string_equal(mail_field(job, "subject"), "Re: Order 7 arrived broken");
    assert_string_equal(mail_field(job, "name"), "Jane Doe");
    assert_true(json_integer_value(json_object_get(json_object_get(job, "mail"), "date")) ==
                json_integer_value(json_object_get(job, "cr")));
    json_decref(job);
    /* the transcript keeps every Message-ID, ours included */
    assert_int_equal(sr_ticket_transcript(f->st, a.ticket_id, &msgs, &n, &err), SR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(msgs[0].message_id, "m1@cust.test");
    assert_string_equal(msgs[1].references, "<m0@elsewhere.test> <m1@cust.test>");
    assert_string_equal(msgs[2].message_id, want);
    sr_transcript_free(msgs, n);
    /* a mail client that sets only In-Reply-To still threads back */
    {
        char irt[160];
        snprintf(irt, sizeof(irt), "<%s>", want);
        c = mail(f, "Re: Re: Order 7 arrived broken", "Thanks, that was quick!",
                 "<m3@cust.test>", irt, NULL);
        assert_int_equal(c.ticket_id, a.ticket_id);
    }
    st_fx_free(f);
}

static void test_reply_subject_keeps_one_re(void **state)
{
    st_fx *f = st_fx_new(CONF);
    sr_ingest_result a = mail(f, "RE: invoice", "Where is my invoice?", "<i1@cust.test>", NULL,
                              NULL);
    sr_ingest_result b = mail(f, "", "no subject here", "<i2@cust.test>", NULL, NULL);
    json_t *j;

    (void)state;
    j = reply(f, a.ticket_id, "Attached.");
    assert_string_equal(mail_field(j, "subject"), "RE: invoice");
    json_decref(j);
    j = reply(f, b.ticket_id, "Hello.");
    assert_string_equal(mail_field(j, "subject"), "Re: (no subject)");
    json_decref(j);
    st_fx_free(f);
}

static void test_chat_reply_has_no_mail_headers(void **state)
{
    st_fx *f = st_fx_new(CONF);
    sr_ingest_result a = st_ingest(f->st, st_msg(SR_CHANNEL_CHAT, "v@anon.test/w", "hello"));
    json_t *j = reply(f, a.ticket_id, "Hi!");

    (void)state;
    assert_null(json_object_get(j, "mail"));
    assert_string_equal(json_string_value(json_object_get(j, "target")), "chat");
    json_decref(j);
    st_fx_free(f);
}

static void test_email_replies_wait_without_a_from_address(void **state)
{
    st_fx *f = st_fx_new("reply = { email = { relay = \"smtp://127.0.0.1:1\"; }; };\n");
    st_fx *g = st_fx_new(CONF);
    sr_ingest_result a = mail(f, "x", "hello", "<w1@cust.test>", NULL, NULL);
    sr_ingest_result b = mail(g, "x", "hello", "<w1@cust.test>", NULL, NULL);
    size_t n = 9, d = 9, fl = 9;
    sr_error err;

    (void)state;
    json_decref(reply(f, a.ticket_id, "answer"));
    json_decref(reply(g, b.ticket_id, "answer"));
    /* no from, no milter.recipients: nothing to send with, the job waits */
    assert_int_equal(sr_outbox_waiting(f->st, SR_OUTBOX_EMAIL, &n, &err), SR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sr_outbox_run_jobs(f->st, SR_OUTBOX_EMAIL, "t", 0, &d, &fl, &err), SR_OK);
    assert_int_equal(d + fl, 0);
    assert_int_equal(sr_outbox_waiting(f->st, SR_OUTBOX_HANDOFF, &n, &err), SR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sr_outbox_waiting(g->st, SR_OUTBOX_EMAIL, &n, &err), SR_OK);
    assert_int_equal(n, 1);
    st_fx_free(f);
    st_fx_free(g);
}

static void test_references_keep_root_and_latest(void **state)
{
    char in[8000] = "", out[1000], id[64], want_last[64];
    size_t o = 0;

    (void)state;
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof(id), "<thread-message-%03d@mail.example.test>", i);
        o += (size_t)snprintf(in + o, sizeof(in) - o, "%s%s", i ? "\r\n\t" : "", id);
    }
    srp_refs_clean(in, out, sizeof(out));
    assert_true(strlen(out) < sizeof(out));
    assert_memory_equal(out, "<thread-message-000@mail.example.test> ", 39);
    snprintf(want_last, sizeof(want_last), " <thread-message-099@mail.example.test>");
    assert_string_equal(out + strlen(out) - strlen(want_last), want_last);
    /* garbage in ids is dropped, not passed on to a header */
    srp_refs_clean("<ok@a.test> <bad\"quote@a.test> junk\x01@x <fine@b.test>", out, sizeof(out));
    assert_string_equal(out, "<ok@a.test> <fine@b.test>");
    srp_msgid_clean(" <abc@def.test> ", 16, id, sizeof(id));
    assert_string_equal(id, "abc@def.test");
}

static void conf_fails(const char *text, const char *key)
{
    sr_error err;
    sr_config *cfg = srp_config_load_string(text, "t.conf", &err);

    if (cfg != NULL) {
        sr_config_unref(cfg);
        fail_msg("accepted: %s", text);
    }
    if (strstr(err.where, key) == NULL)
        fail_msg("got where \"%s\" (%s), want %s", err.where, err.msg, key);
}

static void test_reply_keys_are_checked_together(void **state)
{
    char *dir = st_tmpdir(), path[300], text[1024];
    FILE *fp;

    (void)state;
    snprintf(path, sizeof(path), "%s/pw", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("hunter2\n", fp);
    fclose(fp);
    chmod(path, 0600);
    conf_fails("reply = { email = { relay = \"http://127.0.0.1:25\"; }; };", "reply.email.relay");
    conf_fails("reply = { email = { from = \"Support <help@x.test>\"; }; };", "reply.email.from");
    conf_fails("milter = { recipients = [\"help@support.test\"]; };\n"
               "reply = { email = { bcc = [\"Help@Support.test\"]; }; };",
               "reply.email.bcc");
    conf_fails("milter = { domains = [\"support.test\"]; };\n"
               "reply = { email = { bcc = [\"archive@support.test\"]; }; };",
               "reply.email.bcc");
    conf_fails("reply = { email = { username = \"u\"; }; };", "reply.email.password_file");
    snprintf(text, sizeof(text),
             "reply = { email = { relay = \"smtp://mail.example.test:587\"; username = \"u\"; "
             "password_file = \"%s\"; }; };",
             path);
    conf_fails(text, "reply.email.password_file");   /* in clear across a network */
    snprintf(text, sizeof(text),
             "reply = { email = { relay = \"smtp://mail.example.test:587\"; starttls = true; "
             "username = \"u\"; password_file = \"%s\"; bcc = [\"archive@example.test\"]; }; };",
             path);
    {
        sr_error err;
        sr_config *cfg = srp_config_load_string(text, "t.conf", &err);
        if (cfg == NULL)
            fail_msg("refused: %s: %s", err.where, err.msg);
        sr_config_unref(cfg);
    }
    st_rmdir(dir);
}

/* credentials in the relay URL: libcurl would log in with them, in clear
 * on smtp:// to any host (the check on password_file never saw them), the
 * host check read "bob" as the host, and an error quoting the URL would
 * print the password */
static void test_relay_with_credentials_is_refused(void **state)
{
    static const char *const relays[] = {
        "smtp://bob:hunter2@mail.example.test:25",
        "smtp://bob:hunter2@127.0.0.1:25",
        "smtps://bob@mail.example.test",
        "smtp://mail.example.test:25/@x",   /* an @ in the path is no userinfo */
    };

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        char text[300];
        sr_error err;
        sr_config *cfg;
        snprintf(text, sizeof(text), "reply = { email = { relay = \"%s\"; }; };", relays[i]);
        cfg = srp_config_load_string(text, "t.conf", &err);
        if (cfg != NULL) {
            sr_config_unref(cfg);
            fail_msg("accepted relay %s", relays[i]);
        }
        if (strstr(err.where, "reply.email.relay") == NULL || strstr(err.msg, "hunter2") != NULL)
            fail_msg("relay %s: got \"%s: %s\", want reply.email.relay without the password",
                     relays[i], err.where, err.msg);
    }
    {
        char text[300];
        sr_error err;
        sr_config *cfg;
        snprintf(text, sizeof(text), "reply = { email = { relay = \"%s\"; }; };", relays[3]);
        cfg = srp_config_load_string(text, "t.conf", &err);
        if (cfg == NULL)
            fail_msg("refused relay %s: %s: %s", relays[3], err.where, err.msg);
        sr_config_unref(cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_answers_the_customers_latest_mail),
        cmocka_unit_test(test_reply_subject_keeps_one_re),
        cmocka_unit_test(test_chat_reply_has_no_mail_headers),
        cmocka_unit_test(test_email_replies_wait_without_a_from_address),
        cmocka_unit_test(test_references_keep_root_and_latest),
        cmocka_unit_test(test_reply_keys_are_checked_together),
        cmocka_unit_test(test_relay_with_credentials_is_refused),
    };
    return cmocka_run_group_tests_name("reply", tests, NULL, NULL);
}
