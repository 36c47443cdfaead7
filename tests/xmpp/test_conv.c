/*
 * test_conv - the conversation engine driven through fake operations:
 * the yes/no prompt, the email prompt, each handoff method, agents
 * (available, busy, out of hours), the bot and its marker, rate limits,
 * the visitor limit, idle expiry, languages and hostile text, chat states
 * in a live chat (and nowhere else) and their floods
 */
#include "build-config.h"

#include "srxtest.h"

#define MAXREC 64

typedef struct sent {
    char from[128], to[3200], body[2048], thread[32];
} sent;

typedef struct state_sent {
    char from[128], to[128];
    srx_chatstate cs;
} state_sent;

typedef struct fake {
    sent out[MAXREC];
    int nout;
    state_sent states[MAXREC];
    int nstates;
    char ingested[MAXREC][512];
    char emails[MAXREC][128];
    int ningest;
    uint64_t handoffs[MAXREC];
    char reasons[MAXREC][64];
    int nhandoff;
    char replies[MAXREC][512];
    char authors[MAXREC][128];
    int nreply;
    uint64_t closed[MAXREC];
    int nclose;
    char visitors[8][128];      /* ticket = index + 1 */
    char email[8][128];
    const char *lang;           /* what the scorer "detects" */
    int handed[8];              /* per ticket: handed off before */
    char assignee[8][128];
    char method[8][16];
    int fail_ingest;
    char log[1024];             /* the last line the engine logged */
    int nlog;
} fake;

static fake F;

typedef struct world {
    sr_config *cfg;
    srx_conf *c;
    srx_engine *e;
} world;

static world W;

static uint64_t ticket_for(const char *bare)
{
    for (int i = 0; i < 8; i++) {
        if (strcmp(F.visitors[i], bare) == 0)
            return (uint64_t)i + 1;
        if (F.visitors[i][0] == '\0') {
            srx_strlcpy(F.visitors[i], bare, sizeof(F.visitors[i]));
            return (uint64_t)i + 1;
        }
    }
    fail_msg("too many visitors");
    return 0;
}

/* ticket_for_seen - the visitor's ticket if there is one already, else 0 */
static uint64_t ticket_for_seen(const char *bare)
{
    for (int i = 0; i < 8; i++)
        if (strcmp(F.visitors[i], bare) == 0)
            return (uint64_t)i + 1;
    return 0;
}

static int f_ingest(void *ud, const srx_line *l, sr_ingest_result *r, sr_error *err)
{
    (void)ud;
    if (F.fail_ingest) {
        snprintf(err->where, sizeof(err->where), "store");
        snprintf(err->msg, sizeof(err->msg), "disk full");
        return SR_ESTORE;
    }
    memset(r, 0, sizeof(*r));
    r->created = ticket_for_seen(l->from) == 0;
    r->ticket_id = ticket_for(l->from);
    srx_strlcpy(F.ingested[F.ningest % MAXREC], l->text, sizeof(F.ingested[0]));
    srx_strlcpy(F.emails[F.ningest % MAXREC], l->email ? l->email : "", sizeof(F.emails[0]));
    F.ningest++;
    if (l->email)
        srx_strlcpy(F.email[r->ticket_id - 1], l->email, sizeof(F.email[0]));
    r->sentiment.score = 2.5f;
    r->sentiment.label = SR_LABEL_NEGATIVE;
    srx_strlcpy(r->sentiment.lang, F.lang ? F.lang : "en", sizeof(r->sentiment.lang));
    r->sentiment.tokens = 5;
    if (strstr(l->text, "[human]"))
        r->sentiment.flags |= SR_FLAG_HUMAN_REQUESTED;
    if (strstr(l->text, "[rule]")) {
        r->handoff_wanted = 1;
        srx_strlcpy(r->rule, "urgent", sizeof(r->rule));
    }
    srx_strlcpy(r->queue, "general", sizeof(r->queue));
    return SR_OK;
}

static int f_handoff(void *ud, uint64_t t, const char *reason, sr_error *err)
{
    (void)ud;
    (void)err;
    F.handoffs[F.nhandoff % MAXREC] = t;
    F.handed[t - 1] = 1;
    srx_strlcpy(F.method[t - 1], W.c ? W.c->method : "helpdesk", sizeof(F.method[0]));
    srx_strlcpy(F.reasons[F.nhandoff % MAXREC], reason, sizeof(F.reasons[0]));
    F.nhandoff++;
    return SR_OK;
}

static int f_ticket(void *ud, uint64_t t, sr_ticket *out, sr_error *err)
{
    (void)ud;
    (void)err;
    memset(out, 0, sizeof(*out));
    out->id = t;
    srx_strlcpy(out->queue, "general", sizeof(out->queue));
    srx_strlcpy(out->email, F.email[t - 1], sizeof(out->email));
    srx_strlcpy(out->lang, "en", sizeof(out->lang));
    out->score = 2.5f;
    out->handed_off = F.handed[t - 1];
    srx_strlcpy(out->assignee, F.assignee[t - 1], sizeof(out->assignee));
    srx_strlcpy(out->method, F.method[t - 1], sizeof(out->method));
    return SR_OK;
}

static int f_assign(void *ud, uint64_t t, const char *agent, sr_error *err)
{
    (void)ud;
    (void)err;
    srx_strlcpy(F.assignee[t - 1], agent, sizeof(F.assignee[0]));
    return SR_OK;
}

static int f_transcript(void *ud, uint64_t t, sr_stored_message **m, size_t *n, sr_error *err)
{
    (void)ud;
    (void)t;
    (void)err;
    *m = calloc(2, sizeof(**m));
    (*m)[0].direction = SR_DIR_IN;
    (*m)[0].text = strdup("my parcel never came");
    (*m)[0].score = 2.0f;
    (*m)[0].at = 1700000000;
    (*m)[1].direction = SR_DIR_OUT;
    srx_strlcpy((*m)[1].author, "bot", sizeof((*m)[1].author));
    (*m)[1].text = strdup("let me check");
    *n = 2;
    return SR_OK;
}

static int f_reply(void *ud, uint64_t t, const char *author, const char *text, sr_error *err)
{
    (void)ud;
    (void)t;
    (void)err;
    srx_strlcpy(F.replies[F.nreply % MAXREC], text, sizeof(F.replies[0]));
    srx_strlcpy(F.authors[F.nreply % MAXREC], author, sizeof(F.authors[0]));
    F.nreply++;
    return SR_OK;
}

static int f_close(void *ud, uint64_t t, sr_error *err)
{
    (void)ud;
    (void)err;
    F.closed[F.nclose++ % MAXREC] = t;
    return SR_OK;
}

static void f_send(void *ud, const char *from, const char *to, const char *body,
                   const char *thread)
{
    sent *s = &F.out[F.nout++ % MAXREC];

    (void)ud;
    srx_strlcpy(s->from, from, sizeof(s->from));
    srx_strlcpy(s->to, to, sizeof(s->to));
    srx_strlcpy(s->body, body, sizeof(s->body));
    srx_strlcpy(s->thread, thread ? thread : "", sizeof(s->thread));
}

static void f_chatstate(void *ud, const char *from, const char *to, srx_chatstate cs)
{
    state_sent *s = &F.states[F.nstates++ % MAXREC];

    (void)ud;
    srx_strlcpy(s->from, from, sizeof(s->from));
    srx_strlcpy(s->to, to, sizeof(s->to));
    s->cs = cs;
}

static void f_log(void *ud, int level, const char *line)
{
    (void)ud;
    (void)level;
    srx_strlcpy(F.log, line, sizeof(F.log));
    F.nlog++;
}

static const srx_ops ops = {f_ingest, f_handoff, f_ticket, f_transcript, f_reply,
                            f_close,  f_assign,  f_send,   f_log,        f_chatstate};


static void up(const char *extra)
{
    char text[4096];
    sr_error err;

    memset(&F, 0, sizeof(F));
    snprintf(text, sizeof(text),
             "xmpp = { domain = \"support.example.com\"; secret_file = \"/x\";\n"
             " authenticated_domains = [\"example.com\"];\n"
             " agents = [\"anna@example.com Anna: general\", \"ben@example.com Ben: senior\"];\n"
             " rate = 1.0; burst = 5; idle_timeout = 600; max_body_bytes = 200;\n %s };\n"
             "handoff = { none = { links = [\"https://help.example.com/faq\"]; }; };\n",
             extra);
    W.cfg = srxt_config(text);
    W.c = srx_conf_new(W.cfg, &err);
    if (W.c == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    W.e = srx_engine_new(W.c, &ops, NULL);
}

/* token - a secret file for the helpdesk drivers' config checks */
static const char *token(void)
{
    static char path[64];

    if (path[0] == '\0') {
        int fd;
        snprintf(path, sizeof(path), "/tmp/srxtest-token.XXXXXX");
        fd = mkstemp(path);
        if (fd < 0 || write(fd, "t0k3n\n", 6) != 6)
            fail_msg("token file");
        close(fd);
    }
    return path;
}

static void up_method(const char *method, const char *extra)
{
    char text[4096];
    sr_error err;

    memset(&F, 0, sizeof(F));
    snprintf(text, sizeof(text),
             "xmpp = { domain = \"support.example.com\"; secret_file = \"/x\";\n"
             " agents = [\"anna@example.com Anna: general\"]; %s };\n"
             "handoff = { method = \"%s\"; none = { links = [\"https://help.example.com/faq\"]; };\n"
             " zendesk = { url = \"http://127.0.0.1:9\"; email = \"a@example.com\"; token_file = \"%s\"; };\n"
             " gorgias = { url = \"http://127.0.0.1:9\"; username = \"a@example.com\"; api_key_file = \"%s\"; };\n"
             "};\n",
             extra, method, token(), token());
    W.cfg = srxt_config(text);
    W.c = srx_conf_new(W.cfg, &err);
    if (W.c == NULL)
        fail_msg("%s: %s", err.where, err.msg);
    W.e = srx_engine_new(W.c, &ops, NULL);
}

static int teardown(void **state)
{
    (void)state;
    srx_engine_free(W.e);
    srx_conf_free(W.c);
    sr_config_unref(W.cfg);
    memset(&W, 0, sizeof(W));
    return 0;
}

static const char *last(void)
{
    return F.nout ? F.out[(F.nout - 1) % MAXREC].body : "";
}

static const sent *last_sent(void)
{
    return &F.out[(F.nout - 1) % MAXREC];
}

#define V "x1@anon.example.net/web"
#define ME "help@support.example.com"
static double T = 1000000.0;

static void say(const char *who, const char *text)
{
    T += 2;
    srx_engine_visitor(W.e, who, ME, text, NULL, T);
}

/* refused - a line from who is not ingested (the count stays at the one
 * line test_long_full_jids_are_kept_whole accepted), opens no session and logs one line
 * that names the limit */
static void refused(const char *who, const char *limit)
{
    F.nlog = 0;
    say(who, "hello");
    assert_int_equal(F.ningest, 1);
    assert_int_equal(srx_engine_sessions(W.e), 0);
    assert_int_equal(F.nlog, 1);
    assert_non_null(strstr(F.log, limit));
}

static void agent_online(const char *jid)
{
    srx_agents_presence(W.c->agents, jid, NULL, NULL);
}

static void expect_last(const char *needle)
{
    if (strstr(last(), needle) == NULL)
        fail_msg("last message \"%s\" does not contain \"%s\"", last(), needle);
}

static void test_first_line_asks_and_no_declines(void **state)
{
    (void)state;
    up("");
    say(V, "hello");
    assert_int_equal(F.ningest, 1);
    expect_last("connect you with one of our agents");
    assert_string_equal(last_sent()->from, ME);
    assert_string_equal(last_sent()->to, V);
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_ASK_CONNECT);
    say(V, "hmm, what?");
    expect_last("Sorry, I did not understand");
    say(V, "no thanks");
    expect_last("All right");
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_CHAT);
    assert_int_equal(F.nhandoff, 0);
    say(V, "my parcel is late");   /* no more prompts without a trigger */
    assert_string_equal(F.ingested[3], "my parcel is late");
    expect_last("All right");
}

static void test_yes_then_email_then_live_agent(void **state)
{
    (void)state;
    uint64_t t;
    up("ask_on_first_line = false;");
    agent_online("anna@example.com/desk");
    say(V, "hello");
    expect_last("Write \"agent\"");   /* the welcome text */
    say(V, "I want a human [human]");
    expect_last("connect you");
    say(V, "yes please");
    expect_last("email address");     /* anonymous: asked for an address */
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_ASK_EMAIL);
    say(V, "what is that for?");
    expect_last("does not look like an email");
    say(V, "it's jo@Example.ORG");
    assert_string_equal(F.emails[4], "jo@example.org");
    assert_int_equal(F.nhandoff, 1);
    assert_string_equal(F.reasons[0], "visitor asked");
    assert_int_equal(srx_engine_state(W.e, V, &t), SRX_LIVE);
    /* the visitor hears who, the agent gets the intro from t1@ */
    assert_non_null(strstr(F.out[F.nout - 2].body, "Connecting you with Anna"));
    assert_string_equal(last_sent()->to, "anna@example.com");
    assert_string_equal(last_sent()->from, "t1@support.example.com");
    expect_last("#1 new chat from x1@anon.example.net");
    expect_last("email jo@example.org");
    expect_last("visitor (2.0 neutral): my parcel never came");
    /* visitor lines reach the agent with their sentiment */
    say(V, "where is it???");
    expect_last("#1 [2.5 negative en] where is it???");
    assert_string_equal(last_sent()->to, "anna@example.com");
    /* the agent's answers go through the store (ops->reply) */
    srx_engine_agent(W.e, "anna@example.com/desk", "t1@support.example.com", "On its way!", T);
    assert_int_equal(F.nreply, 1);
    assert_string_equal(F.replies[0], "On its way!");
    assert_string_equal(F.authors[0], "anna@example.com");
    /* /end: the visitor hears it, the ticket is closed */
    srx_engine_agent(W.e, "anna@example.com/desk", "t1@support.example.com", "/end", T);
    assert_int_equal(F.nclose, 1);
    assert_non_null(strstr(F.out[F.nout - 2].body, "agent has left"));
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_CHAT);
    assert_int_equal(W.c->agents->v[0].chats, 0);
    assert_int_equal(srx_engine_stats(W.e)->handed_off, 1);
}

static void test_logged_in_visitor_is_not_asked_for_email(void **state)
{
    (void)state;
    up("");
    agent_online("anna@example.com/desk");
    say("kim@example.com/phone", "I need to speak to someone [human]");
    say("kim@example.com/phone", "ja");
    assert_int_equal(F.nhandoff, 1);
    assert_int_equal(srx_engine_state(W.e, "kim@example.com", NULL), SRX_LIVE);
}

static void test_rule_trigger_names_the_rule(void **state)
{
    (void)state;
    up("ask_on_first_line = false;");
    say("kim@example.com/phone", "this is the third time!!! [rule]");
    expect_last("connect you");
    say("kim@example.com/phone", "oui");
    assert_int_equal(F.nhandoff, 1);
    assert_string_equal(F.reasons[0], "urgent");
}

static void test_no_agent_then_one_takes_the_queued_chat(void **state)
{
    (void)state;
    up("");
    srx_agents_presence(W.c->agents, "anna@example.com/desk", NULL, "dnd");
    say("kim@example.com/phone", "agent");
    say("kim@example.com/phone", "yes");
    expect_last("All our agents are busy at the moment. We have your request (ticket 1)");
    assert_int_equal(srx_engine_state(W.e, "kim@example.com", NULL), SRX_QUEUED);
    say("kim@example.com/phone", "hello?");
    assert_int_equal(F.ningest, 3);   /* stored all the same */
    /* an agent comes online: told about the queued chat */
    int before = F.nout;
    srx_engine_agent_available(W.e, "ben@example.com");
    assert_int_equal(F.nout, before);  /* ben serves senior only: nothing for him */
    srx_engine_agent_available(W.e, "anna@example.com");
    expect_last("Chats waiting for an agent");
    expect_last("#1 kim@example.com (queue general)");
    assert_string_equal(last_sent()->to, "anna@example.com");
    /* an agent answers with "#1": the chat is theirs */
    srx_engine_agent(W.e, "anna@example.com/desk", ME, "#1 Hi, Anna here", T);
    assert_string_equal(F.replies[0], "Hi, Anna here");
    assert_int_equal(srx_engine_state(W.e, "kim@example.com", NULL), SRX_LIVE);
    say("kim@example.com/phone", "great");
    expect_last("#1 [2.5 negative en] great");
}

static void test_out_of_hours(void **state)
{
    (void)state;
    up("hours = { timezone = \"UTC\"; open = [\"mon-fri 09:00-17:00\"]; };");
    setenv("TZ", "UTC", 1);
    tzset();
    agent_online("anna@example.com/desk");
    T = 1736640000.0;   /* Sunday 2025-01-12 00:00 UTC */
    say("kim@example.com/phone", "agent");
    say("kim@example.com/phone", "yes");
    expect_last("We are closed right now (opening hours: mon-fri 09:00-17:00)");
    expect_last("ticket 1");
    assert_int_equal(srx_engine_state(W.e, "kim@example.com", NULL), SRX_QUEUED);
    assert_int_equal(W.c->agents->v[0].chats, 0);
    T = 1000000.0;
}

static void test_methods_zendesk_gorgias_none(void **state)
{
    (void)state;
    up_method("zendesk", "");
    say(V, "agent");
    say(V, "yes");
    say(V, "jo@example.org");
    expect_last("answer you here in this chat (ticket 1)");
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_EXTERNAL);
    say(V, "thanks");                 /* stored; the store sends it on */
    assert_int_equal(F.ningest, 4);
    teardown(NULL);

    up_method("gorgias", "authenticated_domains = [\"example.com\"];");
    say("kim@example.com/x", "agent");
    say("kim@example.com/x", "yes");
    expect_last("email address");   /* gorgias goes on by mail: asked even when logged in */
    say("kim@example.com/x", "kim@example.com");
    expect_last("by email at kim@example.com");
    teardown(NULL);

    up_method("none", "");
    say(V, "agent");
    say(V, "yes");                    /* no address needed for links */
    expect_last("These pages answer most questions:\nhttps://help.example.com/faq");
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_CHAT);
    assert_int_equal(srx_engine_stats(W.e)->resolved, 1);
    assert_int_equal(srx_engine_stats(W.e)->handed_off, 0);
    srx_engine_tick(W.e, T + 10000);   /* ends; not closed as resolved twice */
    assert_int_equal(F.nclose, 0);
    assert_int_equal(srx_engine_stats(W.e)->resolved, 1);
}

static void test_bot_relay_and_marker(void **state)
{
    (void)state;
    up("bot = { jid = \"bot@example.com\"; };");
    say(V, "hi there");
    assert_string_equal(last_sent()->to, "bot@example.com");
    assert_string_equal(last_sent()->from, "t1@support.example.com");
    assert_string_equal(last_sent()->thread, "sr-t1");
    assert_string_equal(last(), "hi there");
    srx_engine_bot(W.e, "t1@support.example.com", "sr-t1", "Hello! How can I help?", T);
    assert_string_equal(F.replies[0], "Hello! How can I help?");
    assert_string_equal(F.authors[0], "bot");
    srx_engine_bot(W.e, "help@support.example.com", "sr-t1",
                   "I cannot do refunds. [[handoff]]", T);
    assert_string_equal(F.replies[1], "I cannot do refunds.");
    expect_last("connect you");
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_ASK_CONNECT);
    say(V, "yes");                    /* answers to the prompt do not go to the bot */
    expect_last("email address");
    srx_engine_bot(W.e, "t99@support.example.com", NULL, "lost", T);   /* nobody: dropped */
    assert_int_equal(F.nreply, 2);
}

static void test_flood_is_rate_limited(void **state)
{
    (void)state;
    int warned = 0;
    up("bot = { jid = \"bot@example.com\"; };");
    for (int i = 0; i < 50; i++)
        srx_engine_visitor(W.e, V, ME, "spam", NULL, T + i * 0.01);
    assert_int_equal(F.ningest, 5);   /* the burst */
    for (int i = 0; i < F.nout && i < MAXREC; i++)
        warned += strstr(F.out[i].body, "very quickly") != NULL;
    assert_int_equal(warned, 1);      /* told once */
    assert_int_equal(srx_engine_stats(W.e)->rate_limited, 45);
    srx_engine_visitor(W.e, V, ME, "later", NULL, T + 10);
    assert_int_equal(F.ningest, 6);
}

static void test_visitor_limit_and_idle_expiry(void **state)
{
    (void)state;
    up("max_visitors = 1; ask_on_first_line = false;");
    srx_engine_visitor(W.e, "a@anon.example.net/r", ME, "one", NULL, 100);
    srx_engine_visitor(W.e, "b@anon.example.net/r", ME, "two", NULL, 101);
    expect_last("very busy");
    assert_int_equal(F.ningest, 1);
    assert_int_equal(srx_engine_sessions(W.e), 1);
    srx_engine_visitor(W.e, "b@anon.example.net/r", ME, "two", NULL, 800);   /* a expired */
    assert_int_equal(F.ningest, 2);
    assert_int_equal(F.nclose, 1);    /* a: never handed off -> resolved */
    assert_int_equal(F.closed[0], 1);
    assert_int_equal(srx_engine_stats(W.e)->resolved, 1);
}

static void test_gone_tells_the_agent(void **state)
{
    (void)state;
    up("");
    agent_online("anna@example.com/desk");
    say("kim@example.com/phone", "agent");
    say("kim@example.com/phone", "yes");
    assert_int_equal(W.c->agents->v[0].chats, 1);
    srx_engine_visitor_gone(W.e, "kim@example.com/laptop", T);   /* another resource */
    assert_int_equal(srx_engine_sessions(W.e), 1);
    srx_engine_visitor_gone(W.e, "kim@example.com/phone", T);
    assert_int_equal(srx_engine_sessions(W.e), 0);
    expect_last("the visitor left the chat");
    assert_string_equal(last_sent()->to, "anna@example.com");
    assert_int_equal(W.c->agents->v[0].chats, 0);
    assert_int_equal(F.nclose, 0);    /* handed off: stays for the agents */
}

static void test_language_follows_the_visitor(void **state)
{
    (void)state;
    static const struct {
        const char *lang, *ask, *yes, *email;
    } langs[] = {{"de", "Soll ich Sie", "ja", "E-Mail-Adresse"},
                 {"fr", "Voulez-vous", "oui", "adresse e-mail"},
                 {"es", "¿Quiere que", "sí", "correo electrónico"},
                 {"pl", "Czy połączyć", "tak", "adresem e-mail"}};
    for (size_t i = 0; i < 4; i++) {
        char who[64];
        up("");
        F.lang = langs[i].lang;
        snprintf(who, sizeof(who), "v%zu@anon.example.net/r", i);
        say(who, "[human]");
        expect_last(langs[i].ask);
        say(who, langs[i].yes);
        expect_last(langs[i].email);
        teardown(NULL);
    }
}

static void test_hostile_text_is_cleaned_and_capped(void **state)
{
    (void)state;
    char big[1000];
    up("ask_on_first_line = false;");
    say(V, "a\x01<b>&amp;\x1f]]>\xff");
    assert_string_equal(F.ingested[0], "a <b>&amp; ]]>?");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    say(V, big);
    assert_int_equal(strlen(F.ingested[1]), 200);   /* max_body_bytes */
    memset(big, 0x86, sizeof(big) - 1);   /* invalid bytes are capped too */
    say(V, big);
    assert_int_equal(strlen(F.ingested[2]), 200);
    say(V, "\x01\x02 \t");
    assert_int_equal(F.ningest, 3);   /* nothing left: nothing stored */
    F.fail_ingest = 1;
    say(V, "[human]");                /* not stored: no prompt either */
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_CHAT);
    assert_int_equal(srx_engine_stats(W.e)->errors, 1);
}

static void test_agent_addresses(void **state)
{
    (void)state;
    up("");
    assert_int_equal(srx_conv_ticket(W.c, "t42@support.example.com", NULL), 42);
    assert_int_equal(srx_conv_ticket(W.c, "t42@other.example.com", NULL), 0);
    assert_int_equal(srx_conv_ticket(W.c, "t4x@support.example.com", NULL), 0);
    assert_int_equal(srx_conv_ticket(W.c, "help@support.example.com", "sr-t7"), 7);
    assert_int_equal(srx_conv_ticket(W.c, NULL, "sr-t"), 0);
    /* an agent without a live chat gets help, nothing is stored */
    srx_engine_agent(W.e, "anna@example.com/d", ME, "hello?", T);
    expect_last("You have no live chat");
    assert_int_equal(F.nreply, 0);
    /* not an agent: ignored */
    srx_engine_agent(W.e, "mallory@example.com/d", "t1@support.example.com", "hi", T);
    assert_int_equal(F.nreply, 0);
}

static void test_a_new_session_resumes_a_handed_off_chat(void **state)
{
    (void)state;
    up("");
    agent_online("anna@example.com/desk");
    say("kim@example.com/phone", "agent");
    say("kim@example.com/phone", "yes");
    assert_int_equal(srx_engine_state(W.e, "kim@example.com", NULL), SRX_LIVE);
    assert_string_equal(F.assignee[0], "anna@example.com");   /* recorded in the store */
    /* the bridge restarts: a new engine, the store remembers */
    srx_engine_free(W.e);
    W.c->agents->v[0].chats = 0;
    W.e = srx_engine_new(W.c, &ops, NULL);
    say("kim@example.com/phone", "hello again");
    assert_int_equal(srx_engine_state(W.e, "kim@example.com", NULL), SRX_LIVE);
    expect_last("#1 [2.5 negative en] hello again");
    assert_string_equal(last_sent()->to, "anna@example.com");
    assert_int_equal(W.c->agents->v[0].chats, 1);
    assert_int_equal(F.nhandoff, 1);   /* no second handoff, no prompt */
}

/* live_with_anna - V handed off and live with anna, ticket 1 */
static void live_with_anna(void)
{
    up("ask_on_first_line = false;");
    agent_online("anna@example.com/desk");
    say(V, "[human]");
    say(V, "yes");
    say(V, "jo@example.org");
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_LIVE);
}

static void expect_state(int i, const char *from, const char *to, srx_chatstate cs)
{
    const state_sent *s = &F.states[i % MAXREC];

    if (i >= F.nstates)
        fail_msg("chat state %d: got %d relayed, want more", i, F.nstates);
    assert_string_equal(s->from, from);
    assert_string_equal(s->to, to);
    if (s->cs != cs)
        fail_msg("chat state %d: got %s, want %s", i, srx_chatstate_name(s->cs),
                 srx_chatstate_name(cs));
}

static void test_chatstate_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        srx_chatstate cs;
    } cases[] = {{"active", SRX_CS_ACTIVE},     {"composing", SRX_CS_COMPOSING},
                 {"paused", SRX_CS_PAUSED},     {"inactive", SRX_CS_INACTIVE},
                 {"gone", SRX_CS_GONE},         {"typing", SRX_CS_NONE},
                 {"Composing", SRX_CS_NONE},    {"", SRX_CS_NONE},
                 {NULL, SRX_CS_NONE}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        srx_chatstate got = srx_chatstate_parse(cases[i].name);
        if (got != cases[i].cs)
            fail_msg("parse(%s): got %d, want %d", cases[i].name ? cases[i].name : "NULL",
                     (int)got, (int)cases[i].cs);
        if (cases[i].cs != SRX_CS_NONE)
            assert_string_equal(srx_chatstate_name(got), cases[i].name);
    }
    assert_null(srx_chatstate_name(SRX_CS_NONE));
    assert_null(srx_chatstate_name((srx_chatstate)42));
}

static void test_chatstates_relayed_only_in_a_live_chat(void **state)
{
    (void)state;
    const char *A = "anna@example.com/desk", *T1 = "t1@support.example.com";
    int out;

    up("ask_on_first_line = false;");
    agent_online(A);
    /* no session: nothing relayed, none opened */
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(srx_engine_sessions(W.e), 0);
    say(V, "hello");                               /* chat with the bot phase: none */
    out = F.nout;
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, ME, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(F.nout, out);                 /* no help text for a chat state either */
    say(V, "[human]");                             /* awaiting yes/no: none */
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_COMPOSING, T), 0);
    say(V, "yes");                                 /* the email prompt: none */
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_ASK_EMAIL);
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_PAUSED, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_PAUSED, T), 0);
    assert_int_equal(F.nstates, 0);
    say(V, "jo@example.org");
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_LIVE);

    /* live: the agent's states reach the visitor's full JID from our address */
    int lines = F.ningest, replies = F.nreply;
    out = F.nout;
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_COMPOSING, T), 1);
    expect_state(0, ME, V, SRX_CS_COMPOSING);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, ME, SRX_CS_PAUSED, T), 1);  /* only chat */
    expect_state(1, ME, V, SRX_CS_PAUSED);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_PAUSED, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_ACTIVE, T), 1);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_INACTIVE, T), 1);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_GONE, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_NONE, T), 0);
    assert_int_equal(F.nstates, 4);
    /* not their chat, not an agent, another ticket: nothing */
    assert_int_equal(srx_engine_agent_chatstate(W.e, "ben@example.com/x", T1, SRX_CS_COMPOSING, T),
                     0);
    assert_int_equal(
        srx_engine_agent_chatstate(W.e, "mallory@example.com/x", T1, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, "t9@support.example.com",
                                                SRX_CS_COMPOSING, T), 0);

    /* the visitor's composing and paused reach the agent from t1@ */
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 1);
    expect_state(4, T1, "anna@example.com", SRX_CS_COMPOSING);
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_ACTIVE, T), 0);
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_INACTIVE, T), 0);
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_GONE, T), 0);
    assert_int_equal(srx_engine_sessions(W.e), 1);  /* gone is srx_engine_visitor_gone's */
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_PAUSED, T), 1);
    expect_state(5, T1, "anna@example.com", SRX_CS_PAUSED);
    /* none of it stored, scored or said in words */
    assert_int_equal(F.ningest, lines);
    assert_int_equal(F.nreply, replies);
    assert_int_equal(F.nout, out);
    assert_int_equal(srx_engine_stats(W.e)->relayed_states, 6);

    /* a line in between: the same state again is no repeat */
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 1);
    say(V, "where is it?");
    expect_last("#1 [2.5 negative en] where is it?");
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 1);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_COMPOSING, T), 1);
    srx_engine_agent(W.e, A, T1, "On its way!", T);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_COMPOSING, T), 1);
    assert_int_equal(F.nstates, 10);

    /* the chat ends: nothing relayed any more */
    srx_engine_agent(W.e, A, T1, "/end", T);
    assert_int_equal(srx_engine_state(W.e, V, NULL), SRX_CHAT);
    assert_int_equal(srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_PAUSED, T), 0);
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_PAUSED, T), 0);
    srx_engine_visitor_gone(W.e, V, T);
    assert_int_equal(srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T), 0);
    assert_int_equal(F.nstates, 10);
}

static void test_chatstate_flood_is_bounded(void **state)
{
    (void)state;
    const char *A = "anna@example.com/desk", *T1 = "t1@support.example.com";
    int relayed = 0, warned = 0, lines;

    live_with_anna();   /* rate = 1.0; burst = 5 */
    lines = F.ningest;
    /* 10,000 composing: one relayed */
    for (int i = 0; i < 10000; i++)
        relayed += srx_engine_visitor_chatstate(W.e, V, SRX_CS_COMPOSING, T + i * 1e-4);
    assert_int_equal(relayed, 1);
    assert_int_equal(F.nstates, 1);
    /* 10,000 alternating within a second: the bucket (burst 5, 1/s) */
    relayed = 0;
    for (int i = 0; i < 10000; i++)
        relayed += srx_engine_visitor_chatstate(
            W.e, V, i % 2 ? SRX_CS_COMPOSING : SRX_CS_PAUSED, T + 1 + i * 1e-4);
    if (relayed < 4 || relayed > 6)
        fail_msg("alternating flood: got %d relayed, want 4..6", relayed);
    /* once limited, every other one repeats the last relayed state */
    assert_true(srx_engine_stats(W.e)->states_limited > 4900);
    /* the agent's side: repeats are dropped */
    for (int i = 0; i < 10000; i++)
        relayed += srx_engine_agent_chatstate(W.e, A, T1, SRX_CS_COMPOSING, T + 2);
    assert_int_equal(F.nstates, 1 + relayed);
    assert_int_equal(F.nstates, (int)srx_engine_stats(W.e)->relayed_states);
    /* the flood cost the visitor no line and no slow_down text */
    assert_int_equal(F.ningest, lines);
    for (int i = 0; i < F.nout && i < MAXREC; i++)
        warned += strstr(F.out[i].body, "very quickly") != NULL;
    assert_int_equal(warned, 0);
    assert_int_equal(srx_engine_stats(W.e)->rate_limited, 0);
    say(V, "still there?");
    expect_last("#1 [2.5 negative en] still there?");
}

/* jid_of - "local@domain/" and a resource of n bytes (RFC 7622: each part
 * up to 1023 bytes) */
static char *jid_of(const char *bare, size_t n)
{
    size_t b = strlen(bare);
    char *j = malloc(b + 1 + n + 1);

    memcpy(j, bare, b);
    j[b] = '/';
    memset(j + b + 1, 'r', n);
    j[b + 1 + n] = '\0';
    return j;
}

static void test_long_full_jids_are_kept_whole(void **state)
{
    (void)state;
    char *full = jid_of("x2@anon.example.net", 1023);   /* the longest legal resource */
    char *other = jid_of("x2@anon.example.net", 1022);
    char *bad = jid_of("x3@anon.example.net", 1024);    /* one byte too long */
    const char *to, *from;
    char big[300];

    up("");
    say(full, "hello");
    assert_int_equal(F.ningest, 1);
    assert_string_equal(last_sent()->to, full);   /* not cut at 511 bytes */
    srx_engine_route(W.e, "x2@anon.example.net", T, &to, &from);
    assert_string_equal(to, full);
    assert_string_equal(from, ME);
    /* another resource of the same visitor going away ends nothing ... */
    srx_engine_visitor_gone(W.e, other, T);
    assert_int_equal(srx_engine_sessions(W.e), 1);
    /* ... the one that wrote last does */
    srx_engine_visitor_gone(W.e, full, T);
    assert_int_equal(srx_engine_sessions(W.e), 0);

    /* what the JID rules refuse is refused, and said so */
    refused(bad, "1023");
    /* a bare JID longer than the store keeps (255 bytes) too, not silently */
    memset(big, 'b', sizeof(big));
    memcpy(big + 250, "@a.net", 7);
    refused(big, "255");
    free(full);
    free(other);
    free(bad);
}

static void test_jid_check(void **state)
{
    (void)state;
    char *j = jid_of("a@b", SRX_JID_PART_MAX);
    char part[SRX_JID_PART_MAX + 2];

    assert_null(srx_jid_check("a@b"));
    assert_null(srx_jid_check("b"));
    assert_null(srx_jid_check("b/r@x/y"));   /* the resource may hold '@' and '/' */
    assert_null(srx_jid_check(j));
    assert_non_null(srx_jid_check(NULL));
    assert_non_null(srx_jid_check(""));
    assert_non_null(srx_jid_check("@b"));
    assert_non_null(srx_jid_check("a@"));
    assert_non_null(srx_jid_check("a@/r"));
    assert_non_null(srx_jid_check("a@b/"));
    free(j);
    j = malloc(4000);
    memset(part, 'l', SRX_JID_PART_MAX);
    part[SRX_JID_PART_MAX] = '\0';
    snprintf(j, 4000, "%s@b", part);   /* a local part of 1023 bytes */
    assert_null(srx_jid_check(j));
    part[SRX_JID_PART_MAX] = 'l';
    part[SRX_JID_PART_MAX + 1] = '\0';
    snprintf(j, 4000, "%s@b", part);   /* a local part of 1024 bytes */
    assert_non_null(srx_jid_check(j));
    snprintf(j, 4000, "a@%s", part);   /* a domain of 1024 bytes */
    assert_non_null(srx_jid_check(j));
    part[SRX_JID_PART_MAX] = '\0';
    snprintf(j, 4000, "%s@%s/r", part, part);   /* both at the limit */
    assert_null(srx_jid_check(j));
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_first_line_asks_and_no_declines, teardown),
        cmocka_unit_test_teardown(test_yes_then_email_then_live_agent, teardown),
        cmocka_unit_test_teardown(test_logged_in_visitor_is_not_asked_for_email, teardown),
        cmocka_unit_test_teardown(test_rule_trigger_names_the_rule, teardown),
        cmocka_unit_test_teardown(test_no_agent_then_one_takes_the_queued_chat, teardown),
        cmocka_unit_test_teardown(test_out_of_hours, teardown),
        cmocka_unit_test_teardown(test_methods_zendesk_gorgias_none, teardown),
        cmocka_unit_test_teardown(test_bot_relay_and_marker, teardown),
        cmocka_unit_test_teardown(test_flood_is_rate_limited, teardown),
        cmocka_unit_test_teardown(test_visitor_limit_and_idle_expiry, teardown),
        cmocka_unit_test_teardown(test_gone_tells_the_agent, teardown),
        cmocka_unit_test_teardown(test_language_follows_the_visitor, teardown),
        cmocka_unit_test_teardown(test_hostile_text_is_cleaned_and_capped, teardown),
        cmocka_unit_test_teardown(test_agent_addresses, teardown),
        cmocka_unit_test_teardown(test_a_new_session_resumes_a_handed_off_chat, teardown),
        cmocka_unit_test(test_chatstate_names),
        cmocka_unit_test_teardown(test_chatstates_relayed_only_in_a_live_chat, teardown),
        cmocka_unit_test_teardown(test_chatstate_flood_is_bounded, teardown),
        cmocka_unit_test_teardown(test_long_full_jids_are_kept_whole, teardown),
        cmocka_unit_test(test_jid_check),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(token());
    return rc;
}
