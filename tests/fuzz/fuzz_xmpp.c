/*
 * fuzz_xmpp - libFuzzer target for what the chat bridge reads from the
 * outside: visitor lines (cleaning, yes/no, "agent", email addresses, the
 * whole conversation engine, line by line), the Zendesk webhook body, and
 * the config entries with a syntax of their own (hours, agents, texts).
 * Cleaned text must come out as valid UTF-8 without the characters XML
 * forbids, within its cap.
 */
#include "build-config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int f_ingest(void *ud, const srx_line *l, sr_ingest_result *r, sr_error *err)
{
    (void)ud;
    (void)err;
    memset(r, 0, sizeof(*r));
    r->ticket_id = 1 + (l->len % 3);
    r->sentiment.score = 5.0f;
    memcpy(r->sentiment.lang, l->len % 2 ? "de" : "en", 3);
    r->sentiment.tokens = (unsigned)l->len;
    if (l->text[0] == 'h')
        r->sentiment.flags = SR_FLAG_HUMAN_REQUESTED;
    r->handoff_wanted = l->text[0] == 'r';
    return SR_OK;
}

static int f_ok(void *ud, uint64_t t, const char *reason, sr_error *err)
{
    (void)ud, (void)t, (void)reason, (void)err;
    return SR_OK;
}

static int f_ticket(void *ud, uint64_t t, sr_ticket *out, sr_error *err)
{
    (void)ud, (void)err;
    memset(out, 0, sizeof(*out));
    out->id = t;
    return SR_OK;
}

static int f_transcript(void *ud, uint64_t t, sr_stored_message **m, size_t *n, sr_error *err)
{
    (void)ud, (void)t, (void)err;
    *m = NULL;
    *n = 0;
    return SR_OK;
}

static int f_reply(void *ud, uint64_t t, const char *a, const char *text, sr_error *err)
{
    (void)ud, (void)t, (void)a, (void)text, (void)err;
    return SR_OK;
}

static int f_close(void *ud, uint64_t t, sr_error *err)
{
    (void)ud, (void)t, (void)err;
    return SR_OK;
}

static void f_send(void *ud, const char *from, const char *to, const char *body, const char *th)
{
    (void)ud, (void)from, (void)to, (void)th;
    if (strlen(body) > 16384)
        abort();
}

static int f_assign(void *ud, uint64_t t, const char *a, sr_error *err)
{
    (void)ud, (void)t, (void)a, (void)err;
    return SR_OK;
}

/* f_chatstate - a relayed chat state names one we know, to someone */
static void f_chatstate(void *ud, const char *from, const char *to, srx_chatstate cs)
{
    (void)ud;
    if (srx_chatstate_name(cs) == NULL || cs == SRX_CS_GONE || !*from || !*to)
        abort();
}

static const srx_ops ops = {f_ingest, f_ok,     f_ticket, f_transcript, f_reply,
                            f_close,  f_assign, f_send,   NULL,         f_chatstate};

/* check_clean - valid UTF-8, no C0 but TAB/LF/CR, within the cap */
static void check_clean(const char *s, size_t len, size_t cap)
{
    if (cap && len > cap)
        abort();
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            abort();
        if ((c >= 0x80 && c < 0xC2) || c > 0xF4 || i + k > len)
            abort();
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)s[i + j] & 0xC0) != 0x80)
                abort();
        i += k;
    }
}

static srx_conf *conf(void)
{
    static srx_conf *c;

    if (c == NULL) {
        char path[] = "/tmp/fuzzxmpp.XXXXXX";
        int fd = mkstemp(path);
        static const char text[] =
            "xmpp = { domain = \"s.example\"; secret_file = \"/x\"; max_body_bytes = 300;"
            " agents = [\"a@example.com A\"]; max_visitors = 4; burst = 1000; rate = 1000.0; };\n";
        sr_config *cfg;
        sr_error err;
        if (fd < 0 || write(fd, text, sizeof(text) - 1) < 0)
            abort();
        close(fd);
        cfg = sr_config_load(path, &err);
        unlink(path);
        c = cfg ? srx_conf_new(cfg, &err) : NULL;
        sr_config_unref(cfg);
        if (c == NULL)
            abort();
        srx_agents_presence(c->agents, "a@example.com/r", NULL, NULL);
    }
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *copy, email[320], err[256], out[512];
    const char *line;
    srx_wh_reply r;
    srx_engine *e;
    size_t n;
    double now = 1000;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';   /* what libstrophe hands us is a C string */

    copy = strdup(s);
    n = srx_text_clean(copy, 100);
    check_clean(copy, n, 100);
    free(copy);
    (void)srx_yesno(s);
    (void)srx_wants_person(s);
    if (srx_email_find(s, email, sizeof(email)) && !srx_email_valid(email))
        abort();
    if (srx_wh_parse(s, size, "x", &r, err, sizeof(err)) == SR_OK) {
        check_clean(r.comment, strlen(r.comment), 0);
        free(r.comment);
    }
    srx_hours_free(srx_hours_parse((const char *const *)&s, 1, NULL, 0, err, sizeof(err)));
    srx_agents_free(srx_agents_parse((const char *const *)&s, 1, err, sizeof(err)));
    n = srx_text_fill(s, &(srx_vars){"A", "1", "h", "e@x.org"}, out, sizeof(out));
    if (n >= sizeof(out) || strlen(out) != n)
        abort();

    /* the engine, one visitor line per input line, from three visitors;
     * an agent line for every line starting with '#'; "~NAME" a chat
     * state from the visitor and the agent */
    e = srx_engine_new(conf(), &ops, NULL);
    line = s;
    for (int i = 0; *line && i < 64; i++) {
        const char *nl = strchr(line, '\n');
        size_t k = nl ? (size_t)(nl - line) : strlen(line);
        char *l = strndup(line, k), from[32];
        snprintf(from, sizeof(from), "v%d@anon.example/r", i % 3);
        if (l[0] == '#') {
            srx_engine_agent(e, "a@example.com/r", "t1@s.example", l, now);
        } else if (l[0] == '~') {
            srx_chatstate cs = srx_chatstate_parse(l + 1);
            srx_engine_visitor_chatstate(e, from, cs, now);
            srx_engine_agent_chatstate(e, "a@example.com/r", "t1@s.example", cs, now);
        } else
            srx_engine_visitor(e, from, "help@s.example", l, i % 2 ? "de" : NULL, now);
        free(l);
        now += 0.5;
        line += k + (nl != NULL);
    }
    srx_engine_tick(e, now + 100000);
    srx_engine_free(e);
    free(s);
    return 0;
}
