/*
 * conv.c - the conversation engine: one state machine per visitor
 *
 * The engine never talks to libstrophe or the store itself: srx_ops does
 * (xmpp.c in the daemon, fakes in tests/xmpp/test_conv.c).  Every visitor
 * line is stored before anything else happens to it; prompts and relays
 * to agents and the bot are sent at once; answers that belong in the
 * transcript (agents, the bot) go through ops->reply, i.e. the store and
 * the outbox, and reach the visitor from there.
 */
#include "build-config.h"

#include "srx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ASKS 3          /* unclear answers before we take them as a no */
#define MAX_EMAIL_ASKS 5    /* bad addresses before we give up */
#define INTRO_LINES 20      /* transcript lines an agent sees on taking a chat */
#define INTRO_TEXT 300      /* bytes of each of them */

/* the longest conversation key the store keeps (sr_ticket.requester,
 * core/conversation.c ingest_job.sender): a longer bare JID would be cut
 * there and share a ticket with another visitor */
#define BARE_KEY_MAX 255

typedef struct session {
    char bare[BARE_KEY_MAX + 1];   /* the visitor: conversation key */
    char *full;              /* the resource that wrote last (up to SRX_JID_FULL_MAX) */
    char *ours;              /* our address it wrote to: replies come from it */
    char lang[4];
    char reason[64];         /* what triggered the handoff prompt */
    char agent[256];         /* LIVE: the agent's bare JID */
    char queue[64];          /* QUEUED: the ticket's queue */
    srx_state state;
    uint64_t ticket;
    int asks;
    int authenticated;
    int first;               /* no line handled yet */
    int handed;              /* handed off in this session */
    int resolved;            /* counted as resolved (method none) */
    int warned;              /* slow_down sent for this burst */
    double last;
    srx_bucket bucket;
    srx_bucket states;       /* the visitor's chat states: a bucket of their own */
    srx_chatstate to_visitor, to_agent;   /* the last standalone state relayed */
    struct session *next;
} session;

struct srx_engine {
    const srx_conf *c;
    srx_ops ops;
    void *ud;
    session **tab;
    size_t ntab, count;
    srx_stats stats;
};

static const char *const state_names[] = {"chat", "ask_connect", "ask_email",
                                          "live", "queued",      "external"};

const char *srx_state_name(srx_state s)
{
    return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

static const char *const chatstate_names[] = {NULL,     "active",   "composing",
                                              "paused", "inactive", "gone"};

const char *srx_chatstate_name(srx_chatstate cs)
{
    return (unsigned)cs < sizeof(chatstate_names) / sizeof(chatstate_names[0])
               ? chatstate_names[cs]
               : NULL;
}

srx_chatstate srx_chatstate_parse(const char *name)
{
    for (size_t i = 1; name != NULL && i < sizeof(chatstate_names) / sizeof(chatstate_names[0]);
         i++)
        if (strcmp(name, chatstate_names[i]) == 0)
            return (srx_chatstate)i;
    return SRX_CS_NONE;
}

static void logf_(srx_engine *e, int level, const char *fmt, ...) SR_PRINTFLIKE(3, 4);
static void logf_(srx_engine *e, int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (e->ops.log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    e->ops.log(e->ud, level, line);
}

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

srx_engine *srx_engine_new(const srx_conf *conf, const srx_ops *ops, void *ud)
{
    srx_engine *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return NULL;
    e->c = conf;
    e->ops = *ops;
    e->ud = ud;
    e->ntab = 1024;
    e->tab = calloc(e->ntab, sizeof(*e->tab));
    if (e->tab == NULL) {
        free(e);
        return NULL;
    }
    return e;
}

static void free_session(session *s)
{
    free(s->full);
    free(s->ours);
    free(s);
}

/* set_str - *dst = a copy of src, unless it is that already; -1 when out
 * of memory (*dst unchanged) */
static int set_str(char **dst, const char *src)
{
    char *n;

    if (*dst != NULL && strcmp(*dst, src) == 0)
        return 0;
    if ((n = strdup(src)) == NULL)
        return -1;
    free(*dst);
    *dst = n;
    return 0;
}

void srx_engine_free(srx_engine *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->ntab; i++)
        for (session *s = e->tab[i], *nx; s; s = nx) {
            nx = s->next;
            free_session(s);
        }
    free(e->tab);
    free(e);
}

void srx_engine_set_conf(srx_engine *e, const srx_conf *conf)
{
    e->c = conf;
}

const srx_stats *srx_engine_stats(const srx_engine *e)
{
    return &e->stats;
}

size_t srx_engine_sessions(const srx_engine *e)
{
    return e->count;
}

static session *find(const srx_engine *e, const char *bare)
{
    for (session *s = e->tab[hash(bare) % e->ntab]; s; s = s->next)
        if (strcmp(s->bare, bare) == 0)
            return s;
    return NULL;
}

static session *by_ticket(const srx_engine *e, uint64_t ticket)
{
    if (ticket == 0)
        return NULL;
    for (size_t i = 0; i < e->ntab; i++)
        for (session *s = e->tab[i]; s; s = s->next)
            if (s->ticket == ticket)
                return s;
    return NULL;
}

static void unlink_session(srx_engine *e, session *s)
{
    session **pp = &e->tab[hash(s->bare) % e->ntab];

    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp) {
        *pp = s->next;
        e->count--;
    }
}

int srx_engine_state(const srx_engine *e, const char *visitor, uint64_t *ticket)
{
    char bare[512];
    session *s;

    srx_jid_bare(visitor, bare, sizeof(bare));
    s = find(e, bare);
    if (s == NULL)
        return -1;
    if (ticket)
        *ticket = s->ticket;
    return (int)s->state;
}

/* srx_conv_jid - our address for one conversation */
void srx_conv_jid(const srx_conf *c, uint64_t ticket, char *out, size_t size)
{
    if (c->component)
        snprintf(out, size, "t%llu@%s", (unsigned long long)ticket, c->domain);
    else
        srx_strlcpy(out, c->self, size);
}

static uint64_t digits(const char *p, const char **end)
{
    uint64_t v = 0;
    const char *s = p;

    while (*s >= '0' && *s <= '9' && s - p < 19)
        v = v * 10 + (uint64_t)(*s++ - '0');
    if (end)
        *end = s;
    return s == p ? 0 : v;
}

/* srx_conv_ticket - "t42@DOMAIN" or thread "sr-t42" -> 42 */
uint64_t srx_conv_ticket(const srx_conf *c, const char *to, const char *thread)
{
    const char *end;
    uint64_t t;

    if (c->component && to != NULL) {
        char local[64], dom[256];
        srx_jid_local(to, local, sizeof(local));
        srx_jid_domain(to, dom, sizeof(dom));
        if (local[0] == 't' && strcmp(dom, c->domain) == 0) {
            t = digits(local + 1, &end);
            if (t && *end == '\0')
                return t;
        }
    }
    if (thread != NULL && strncmp(thread, "sr-t", 4) == 0) {
        t = digits(thread + 4, &end);
        if (t && *end == '\0')
            return t;
    }
    return 0;
}

/* --- saying things ---------------------------------------------------- */

static void say(srx_engine *e, const session *s, srx_text_id id, const srx_vars *vars)
{
    char buf[2048];
    const char *lang = s->lang[0] ? s->lang : e->c->deflang;

    srx_text_fill(srx_text(&e->c->texts, id, lang), vars, buf, sizeof(buf));
    e->ops.send(e->ud, s->ours, s->full, buf, NULL);
}

static void say_links(srx_engine *e, const session *s)
{
    char buf[3072];
    const char *lang = s->lang[0] ? s->lang : e->c->deflang;
    size_t o = srx_text_fill(srx_text(&e->c->texts, SRX_T_NONE, lang), NULL, buf, sizeof(buf));

    for (size_t i = 0; i < e->c->nnone_links && o < sizeof(buf); i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\n%s", e->c->none_links[i]);
    e->ops.send(e->ud, s->ours, s->full, buf, NULL);
}

static void to_agent(srx_engine *e, const session *s, const char *agent, const char *text)
{
    char from[600];

    srx_conv_jid(e->c, s->ticket, from, sizeof(from));
    e->ops.send(e->ud, from, agent, text, NULL);
}

static void log_metrics(srx_engine *e)
{
    unsigned long done = e->stats.handed_off + e->stats.resolved;

    logf_(e, SR_LOG_INFO,
          "metrics: conversations=%lu handed_off=%lu resolved_without_handoff=%lu "
          "resolution_rate=%.1f%%",
          e->stats.conversations, e->stats.handed_off, e->stats.resolved,
          done ? 100.0 * (double)e->stats.resolved / (double)done : 0.0);
}

/* --- the agent side ------------------------------------------------------- */

/* agent_intro - what an agent sees when a chat comes in */
static void agent_intro(srx_engine *e, const session *s, const sr_ticket *t, const char *agent)
{
    sr_stored_message *m = NULL;
    size_t n = 0, o = 0, first;
    char buf[8192];
    sr_error err;

    o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                          "#%llu new chat from %s (queue %s, priority %s, score %.1f %s, lang %s%s%s%s%s)."
                          "\nReply here; /end ends the chat.",
                          (unsigned long long)s->ticket, s->bare, t->queue,
                          sr_priority_name(t->priority), (double)t->score, sr_label_name(t->label),
                          t->lang, t->email[0] ? ", email " : "", t->email,
                          t->profile_id[0] ? ", profile " : "", t->profile_id);
    if (e->ops.transcript && e->ops.transcript(e->ud, s->ticket, &m, &n, &err) == SR_OK) {
        first = n > INTRO_LINES ? n - INTRO_LINES : 0;
        for (size_t i = first; i < n && o < sizeof(buf) - 64; i++) {
            char when[32], text[INTRO_TEXT + 1];
            time_t at = (time_t)m[i].at;
            struct tm tm;
            localtime_r(&at, &tm);   /* TZ is xmpp.hours.timezone: the agents' */
            strftime(when, sizeof(when), "%H:%M:%S", &tm);
            srx_strlcpy(text, m[i].text ? m[i].text : "", sizeof(text));
            srx_text_clean(text, INTRO_TEXT);
            if (m[i].direction == SR_DIR_IN)
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\n[%s] visitor (%.1f %s): %s",
                                      when, (double)m[i].score, sr_label_name(m[i].label), text);
            else
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\n[%s] %s: %s", when,
                                      m[i].author, text);
        }
        sr_transcript_free(m, n);
    }
    to_agent(e, s, agent, buf);
}

/* assign - record who has the chat (the store's assignee) */
static void assign(srx_engine *e, const session *s)
{
    sr_error err;

    if (e->ops.assign && e->ops.assign(e->ud, s->ticket, s->agent, &err) != SR_OK)
        logf_(e, SR_LOG_WARNING, "T%llu: cannot record the assignee: %s",
              (unsigned long long)s->ticket, err.msg);
}

/* helpdesk - find an agent for a handed-off ticket, or say why not */
static void helpdesk(srx_engine *e, session *s, const sr_ticket *t, double now)
{
    char tk[32];
    srx_vars v = {NULL, tk, srx_hours_describe(e->c->hours), t->email};
    srx_agent *g;

    snprintf(tk, sizeof(tk), "%llu", (unsigned long long)s->ticket);
    srx_strlcpy(s->queue, t->queue, sizeof(s->queue));
    if (!srx_hours_open(e->c->hours, (time_t)now)) {
        say(e, s, SRX_T_CLOSED, &v);
        s->state = SRX_QUEUED;
        logf_(e, SR_LOG_INFO, "T%s: %s: outside business hours, queued", tk, s->bare);
        return;
    }
    g = srx_agents_pick(e->c->agents, t->queue, e->c->agent_max_chats);
    if (g == NULL) {
        say(e, s, SRX_T_NO_AGENT, &v);
        s->state = SRX_QUEUED;
        logf_(e, SR_LOG_INFO, "T%s: %s: no agent available for queue %s, queued", tk, s->bare,
              t->queue);
        return;
    }
    srx_strlcpy(s->agent, g->jid, sizeof(s->agent));
    s->state = SRX_LIVE;
    s->to_visitor = s->to_agent = SRX_CS_NONE;
    assign(e, s);
    v.agent = g->name;
    say(e, s, SRX_T_CONNECTING, &v);
    agent_intro(e, s, t, g->jid);
    logf_(e, SR_LOG_INFO, "T%s: %s: live with agent %s (queue %s)", tk, s->bare, g->jid,
          t->queue);
}

/* release_agent - the agent's chat with s is over */
static void release_agent(srx_engine *e, session *s)
{
    srx_agent *g = srx_agents_find(e->c->agents, s->agent);

    if (g != NULL && g->chats > 0)
        g->chats--;
    s->agent[0] = '\0';
    s->to_visitor = s->to_agent = SRX_CS_NONE;
}

/* --- the handoff ------------------------------------------------------- */

static void do_handoff(srx_engine *e, session *s, double now)
{
    sr_ticket t;
    sr_error err;
    char tk[32];
    srx_vars v = {NULL, tk, NULL, NULL};
    const char *m = e->c->method;

    snprintf(tk, sizeof(tk), "%llu", (unsigned long long)s->ticket);
    if (e->ops.handoff(e->ud, s->ticket, s->reason[0] ? s->reason : "requested", &err) != SR_OK) {
        e->stats.errors++;
        logf_(e, SR_LOG_ERR, "T%s: %s: handoff failed: %s", tk, s->bare, err.msg);
        s->state = SRX_CHAT;
        return;
    }
    memset(&t, 0, sizeof(t));
    if (e->ops.ticket(e->ud, s->ticket, &t, &err) != SR_OK)
        logf_(e, SR_LOG_WARNING, "T%s: cannot read the ticket back: %s", tk, err.msg);
    v.email = t.email;
    s->asks = 0;
    if (strcmp(m, "none") == 0) {
        say_links(e, s);
        s->state = SRX_CHAT;
        if (!s->resolved)
            e->stats.resolved++;
        s->resolved = 1;
        logf_(e, SR_LOG_INFO, "T%s: %s: method none, help links sent", tk, s->bare);
        log_metrics(e);
        return;
    }
    s->handed = 1;
    e->stats.handed_off++;
    logf_(e, SR_LOG_INFO, "T%s: %s: handed off (%s, reason %s)", tk, s->bare, m, s->reason);
    log_metrics(e);
    if (strcmp(m, "helpdesk") == 0) {
        helpdesk(e, s, &t, now);
        return;
    }
    s->state = SRX_EXTERNAL;
    if (strcmp(m, "zendesk") == 0)
        say(e, s, SRX_T_ZENDESK, &v);
    else if (strcmp(m, "gorgias") == 0)
        say(e, s, SRX_T_GORGIAS, &v);
    else
        say(e, s, SRX_T_HANDED_OFF, &v);
}

/* after_yes - the visitor wants a person: an address first, if needed */
static void after_yes(srx_engine *e, session *s, double now)
{
    sr_ticket t;
    sr_error err;
    int need;

    memset(&t, 0, sizeof(t));
    if (e->ops.ticket(e->ud, s->ticket, &t, &err) != SR_OK)
        logf_(e, SR_LOG_WARNING, "T%llu: cannot read the ticket: %s",
              (unsigned long long)s->ticket, err.msg);
    /* anonymous visitors always; for gorgias the conversation goes on by mail */
    need = t.email[0] == '\0' && (!s->authenticated || strcmp(e->c->method, "gorgias") == 0);
    if (need && strcmp(e->c->method, "none") != 0) {
        s->state = SRX_ASK_EMAIL;
        s->asks = 0;
        say(e, s, SRX_T_ASK_EMAIL, NULL);
        return;
    }
    do_handoff(e, s, now);
}

static void ask_connect(srx_engine *e, session *s, const char *reason)
{
    srx_strlcpy(s->reason, reason, sizeof(s->reason));
    s->state = SRX_ASK_CONNECT;
    s->asks = 0;
    say(e, s, SRX_T_ASK_CONNECT, NULL);
    logf_(e, SR_LOG_INFO, "T%llu: %s: asked whether to connect an agent (%s)",
          (unsigned long long)s->ticket, s->bare, reason);
}

/* --- ending a session ---------------------------------------------------- */

static void end_session(srx_engine *e, session *s, const char *why)
{
    sr_error err;

    if (s->state == SRX_LIVE && s->agent[0]) {
        char note[256];
        snprintf(note, sizeof(note), "#%llu: the visitor left the chat (%s).",
                 (unsigned long long)s->ticket, why);
        to_agent(e, s, s->agent, note);
        release_agent(e, s);
    }
    if (s->ticket && !s->handed && !s->resolved) {
        /* never handed to a person: the bot, the links or the visitor solved it */
        if (e->ops.close(e->ud, s->ticket, &err) != SR_OK)
            logf_(e, SR_LOG_WARNING, "T%llu: cannot close: %s", (unsigned long long)s->ticket,
                  err.msg);
        e->stats.resolved++;
    }
    logf_(e, SR_LOG_INFO, "T%llu: %s: conversation ended (%s) in state %s",
          (unsigned long long)s->ticket, s->bare, why, srx_state_name(s->state));
    log_metrics(e);
    unlink_session(e, s);
    free_session(s);
}

void srx_engine_visitor_gone(srx_engine *e, const char *from, double now)
{
    char bare[512];
    const char *slash = from ? strchr(from, '/') : NULL;
    session *s;

    (void)now;
    srx_jid_bare(from, bare, sizeof(bare));
    s = find(e, bare);
    if (s == NULL)
        return;
    /* another resource of a logged-in visitor going away ends nothing */
    if (slash != NULL && strchr(s->full, '/') != NULL && strcmp(s->full, from) != 0)
        return;
    end_session(e, s, "left");
}

void srx_engine_tick(srx_engine *e, double now)
{
    for (size_t i = 0; i < e->ntab; i++)
        for (session *s = e->tab[i], *nx; s; s = nx) {
            nx = s->next;
            if (now - s->last > e->c->idle_timeout)
                end_session(e, s, "idle");
        }
}

/* --- visitor lines --------------------------------------------------------- */

static session *new_session(srx_engine *e, const char *bare, const char *full,
                            const char *ours, double now)
{
    session *s = calloc(1, sizeof(*s));
    char dom[SRX_JID_BARE_MAX + 1];
    size_t h;

    if (s == NULL)
        return NULL;
    if (set_str(&s->full, full) != 0 || set_str(&s->ours, ours) != 0) {
        free_session(s);
        return NULL;
    }
    srx_strlcpy(s->bare, bare, sizeof(s->bare));
    srx_jid_domain(bare, dom, sizeof(dom));
    for (size_t i = 0; i < e->c->nauth_domains; i++)
        if (strcasecmp(dom, e->c->auth_domains[i]) == 0)
            s->authenticated = 1;
    s->first = 1;
    s->last = now;
    h = hash(bare) % e->ntab;
    s->next = e->tab[h];
    e->tab[h] = s;
    e->count++;
    e->stats.conversations++;
    return s;
}

/* resume - a new session on a ticket handed off before (the bridge was
 * restarted, the visitor came back): carry on where it was */
static void resume(srx_engine *e, session *s)
{
    sr_ticket t;
    sr_error err;
    srx_agent *g;

    memset(&t, 0, sizeof(t));
    if (e->ops.ticket(e->ud, s->ticket, &t, &err) != SR_OK || !t.handed_off)
        return;
    s->handed = 1;
    if (strcmp(t.method, "helpdesk") != 0) {
        s->state = SRX_EXTERNAL;
    } else if (t.assignee[0] && (g = srx_agents_find(e->c->agents, t.assignee)) != NULL) {
        srx_strlcpy(s->agent, g->jid, sizeof(s->agent));
        g->chats++;
        s->state = SRX_LIVE;
    } else {
        s->state = SRX_QUEUED;
    }
    s->first = 0;
    logf_(e, SR_LOG_INFO, "T%llu: %s: resumed in state %s%s%s", (unsigned long long)s->ticket,
          s->bare, srx_state_name(s->state), s->agent[0] ? " with " : "", s->agent);
}

static void relay_to_agent(srx_engine *e, session *s, const sr_ingest_result *r, const char *text)
{
    char buf[8192], flags[160];
    unsigned shown = SR_FLAG_THREATENING | SR_FLAG_OFFENSIVE | SR_FLAG_URGENT_CUE |
                     SR_FLAG_HUMAN_REQUESTED;

    sr_flags_format(r->sentiment.flags & shown, flags, sizeof(flags));
    snprintf(buf, sizeof(buf), "#%llu [%.1f %s %s%s%s] %s", (unsigned long long)s->ticket,
             (double)r->sentiment.score, sr_label_name(r->sentiment.label), r->sentiment.lang,
             flags[0] ? " " : "", flags, text);
    to_agent(e, s, s->agent, buf);
    s->to_agent = SRX_CS_NONE;   /* a line in between: the next state is no repeat */
    e->stats.relayed_agent++;
}

static void relay_to_bot(srx_engine *e, session *s, const char *text)
{
    char from[600], thread[40];

    srx_conv_jid(e->c, s->ticket, from, sizeof(from));
    snprintf(thread, sizeof(thread), "sr-t%llu", (unsigned long long)s->ticket);
    e->ops.send(e->ud, from, e->c->bot, text, thread);
    e->stats.relayed_bot++;
}

void srx_engine_visitor(srx_engine *e, const char *from, const char *to, const char *body,
                        const char *lang, double now)
{
    char bare[SRX_JID_BARE_MAX + 1], ours[SRX_JID_BARE_MAX + 1], email[320];
    const char *why;
    sr_ingest_result r;
    sr_error err;
    srx_line line;
    session *s;
    char *text;
    size_t len;
    int human;
    srx_answer ans;

    if (body == NULL)
        return;
    if (to == NULL || *to == '\0')
        to = e->c->self;
    if ((why = srx_jid_check(from)) != NULL || (why = srx_jid_check(to)) != NULL) {
        logf_(e, SR_LOG_WARNING, "a line from %.200s%s to %.200s%s refused: %s", from,
              strlen(from) > 200 ? "..." : "", to, strlen(to) > 200 ? "..." : "", why);
        return;
    }
    srx_jid_bare(from, bare, sizeof(bare));
    srx_jid_bare(to, ours, sizeof(ours));
    if (strlen(bare) > BARE_KEY_MAX) {
        logf_(e, SR_LOG_WARNING,
              "a line from %.200s... refused: a bare JID of %zu bytes, the store keys "
              "conversations by at most %d",
              bare, strlen(bare), BARE_KEY_MAX);
        return;
    }
    s = find(e, bare);
    if (s == NULL) {
        if (e->count >= (size_t)e->c->max_visitors)
            srx_engine_tick(e, now);
        if (e->count >= (size_t)e->c->max_visitors) {
            char buf[1024];
            e->stats.busy++;
            srx_text_fill(srx_text(&e->c->texts, SRX_T_BUSY, lang), NULL, buf, sizeof(buf));
            e->ops.send(e->ud, to, from, buf, NULL);
            logf_(e, SR_LOG_WARNING, "%s: turned away: xmpp.max_visitors (%d) reached", bare,
                  e->c->max_visitors);
            return;
        }
        s = new_session(e, bare, from, ours, now);
        if (s == NULL) {
            e->stats.errors++;
            return;
        }
        if (lang != NULL && strlen(lang) >= 2 && (lang[2] == '\0' || lang[2] == '-')) {
            char l2[3] = {(char)(lang[0] | 0x20), (char)(lang[1] | 0x20), '\0'};
            if (srx_lang_index(l2) >= 0)
                srx_strlcpy(s->lang, l2, sizeof(s->lang));
        }
    }
    if (set_str(&s->full, from) != 0 || set_str(&s->ours, ours) != 0) {
        e->stats.errors++;   /* out of memory: replies go where they went */
        logf_(e, SR_LOG_ERR, "%s: out of memory", bare);
    }
    if (!srx_bucket_take(&s->bucket, e->c->rate, (double)e->c->burst, now)) {
        e->stats.rate_limited++;
        if (!s->warned)
            say(e, s, SRX_T_SLOW_DOWN, NULL);
        s->warned = 1;
        return;
    }
    s->warned = 0;
    s->last = now;
    text = strdup(body);
    if (text == NULL) {
        e->stats.errors++;
        return;
    }
    len = srx_text_clean(text, (size_t)e->c->max_body);
    if (len == 0) {
        free(text);
        return;
    }
    e->stats.lines++;
    memset(&line, 0, sizeof(line));
    line.from = bare;
    line.text = text;
    line.len = len;
    line.lang_hint = s->lang[0] ? s->lang : NULL;
    line.authenticated = s->authenticated;
    if (s->state == SRX_ASK_EMAIL && srx_email_find(text, email, sizeof(email)))
        line.email = email;
    if (e->ops.ingest(e->ud, &line, &r, &err) != SR_OK) {
        e->stats.errors++;
        logf_(e, SR_LOG_ERR, "%s: line not stored: %s%s%s", bare, err.where,
              err.where[0] ? ": " : "", err.msg);
        free(text);
        return;
    }
    s->ticket = r.ticket_id;
    if (s->first && !r.created && !r.reopened)
        resume(e, s);
    /* the visitor's language, once a line says enough about it */
    if (srx_lang_index(r.sentiment.lang) >= 0 && (r.sentiment.tokens >= 3 || !s->lang[0]))
        srx_strlcpy(s->lang, r.sentiment.lang, sizeof(s->lang));
    human = (r.sentiment.flags & SR_FLAG_HUMAN_REQUESTED) || srx_wants_person(text);

    switch (s->state) {
    case SRX_CHAT:
        if (human)
            ask_connect(e, s, "visitor asked");
        else if (r.handoff_wanted)
            ask_connect(e, s, r.rule[0] ? r.rule : "route");
        else if (e->c->bot[0])
            relay_to_bot(e, s, text);
        else if (s->first && e->c->ask_first_line)
            ask_connect(e, s, "chat");
        else if (s->first)
            say(e, s, SRX_T_WELCOME, NULL);
        break;
    case SRX_ASK_CONNECT:
        ans = srx_yesno(text);
        if (ans == SRX_UNCLEAR && human)
            ans = SRX_YES;
        if (ans == SRX_YES) {
            after_yes(e, s, now);
        } else if (ans == SRX_NO || ++s->asks >= MAX_ASKS) {
            s->state = SRX_CHAT;
            say(e, s, SRX_T_DECLINED, NULL);
            logf_(e, SR_LOG_INFO, "T%llu: %s: declined an agent", (unsigned long long)s->ticket,
                  bare);
        } else {
            say(e, s, SRX_T_ASK_AGAIN, NULL);
        }
        break;
    case SRX_ASK_EMAIL:
        if (line.email != NULL) {
            do_handoff(e, s, now);
        } else if (srx_yesno(text) == SRX_NO || ++s->asks >= MAX_EMAIL_ASKS) {
            s->state = SRX_CHAT;
            say(e, s, SRX_T_DECLINED, NULL);
        } else {
            say(e, s, SRX_T_BAD_EMAIL, NULL);
        }
        break;
    case SRX_LIVE:
        relay_to_agent(e, s, &r, text);
        break;
    case SRX_QUEUED:
        if (human) {   /* ask again: an agent may have come online */
            sr_ticket t;
            memset(&t, 0, sizeof(t));
            if (e->ops.ticket(e->ud, s->ticket, &t, &err) == SR_OK)
                helpdesk(e, s, &t, now);
        }
        break;
    case SRX_EXTERNAL:
        break;   /* stored; the store sends it on to the helpdesk as a comment */
    }
    s->first = 0;
    free(text);
}

/* --- agents ----------------------------------------------------------------- */

static void agent_help(srx_engine *e, const char *agent, const char *why)
{
    char buf[2048];
    size_t o = (size_t)snprintf(buf, sizeof(buf),
                                "%s Write \"#TICKET text\" to answer a chat, \"#TICKET /end\" to "
                                "end it. Your chats:",
                                why);
    int any = 0;

    for (size_t i = 0; i < e->ntab; i++)
        for (session *s = e->tab[i]; s && o < sizeof(buf) - 80; s = s->next)
            if (s->state == SRX_LIVE && strcmp(s->agent, agent) == 0) {
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, " #%llu (%s)",
                                      (unsigned long long)s->ticket, s->bare);
                any = 1;
            }
    if (!any && o < sizeof(buf) - 8)
        snprintf(buf + o, sizeof(buf) - o, " none.");
    e->ops.send(e->ud, e->c->self, agent, buf, NULL);
}

/* only_live - the ticket of the agent's only live chat; 0 when they have
 * none or several (*n says how many) */
static uint64_t only_live(const srx_engine *e, const char *agent, int *n)
{
    uint64_t ticket = 0;

    *n = 0;
    for (size_t i = 0; i < e->ntab; i++)
        for (const session *x = e->tab[i]; x; x = x->next)
            if (x->state == SRX_LIVE && strcmp(x->agent, agent) == 0) {
                ticket = x->ticket;
                (*n)++;
            }
    return *n == 1 ? ticket : 0;
}

void srx_engine_agent(srx_engine *e, const char *from, const char *to, const char *body,
                      double now)
{
    char agent[256], note[256];
    uint64_t ticket = srx_conv_ticket(e->c, to, NULL);
    srx_agent *g;
    session *s = NULL;
    sr_error err;
    char *text, *p;

    srx_jid_bare(from, agent, sizeof(agent));
    g = srx_agents_find(e->c->agents, agent);
    if (g == NULL || body == NULL)
        return;
    text = strdup(body);
    if (text == NULL)
        return;
    if (srx_text_clean(text, (size_t)e->c->max_body) == 0) {
        free(text);
        return;
    }
    p = text;
    if (p[0] == '#') {   /* "#42 text" names the chat */
        const char *end;
        uint64_t t = digits(p + 1, &end);
        if (t) {
            ticket = t;
            p = (char *)end;
            while (*p == ' ' || *p == ':')
                p++;
        }
    }
    if (ticket == 0) {   /* the agent's only live chat */
        int n;
        ticket = only_live(e, agent, &n);
        if (n != 1) {
            agent_help(e, agent, n ? "Which chat?" : "You have no live chat.");
            free(text);
            return;
        }
    }
    s = by_ticket(e, ticket);
    if (*p == '\0' || strcmp(p, "/help") == 0) {
        agent_help(e, agent, "");
        free(text);
        return;
    }
    if (strcmp(p, "/end") == 0 || strcmp(p, "/close") == 0) {
        if (s != NULL && s->state == SRX_LIVE) {
            say(e, s, SRX_T_AGENT_LEFT, NULL);
            release_agent(e, s);
            s->state = SRX_CHAT;
        }
        if (e->ops.close(e->ud, ticket, &err) != SR_OK)
            logf_(e, SR_LOG_WARNING, "T%llu: cannot close: %s", (unsigned long long)ticket, err.msg);
        snprintf(note, sizeof(note), "#%llu ended.", (unsigned long long)ticket);
        e->ops.send(e->ud, e->c->self, agent, note, NULL);
        logf_(e, SR_LOG_INFO, "T%llu: chat ended by agent %s", (unsigned long long)ticket, agent);
        free(text);
        return;
    }
    if (e->ops.reply(e->ud, ticket, agent, p, &err) != SR_OK) {
        snprintf(note, sizeof(note), "#%llu: not delivered: %.200s", (unsigned long long)ticket,
                 err.msg);
        e->ops.send(e->ud, e->c->self, agent, note, NULL);
        free(text);
        return;
    }
    e->stats.relayed_agent++;
    if (s != NULL) {
        s->last = now;
        s->to_visitor = SRX_CS_NONE;   /* an answer in between */
        if (s->state != SRX_LIVE || strcmp(s->agent, agent) != 0) {
            /* an agent answering a queued (or another's) chat takes it */
            if (s->state == SRX_LIVE)
                release_agent(e, s);
            srx_strlcpy(s->agent, agent, sizeof(s->agent));
            g->chats++;
            s->state = SRX_LIVE;
            s->to_visitor = s->to_agent = SRX_CS_NONE;
            s->handed = 1;
            assign(e, s);
            logf_(e, SR_LOG_INFO, "T%llu: %s: agent %s took the chat", (unsigned long long)ticket,
                  s->bare, agent);
        }
    }
    free(text);
}

/* --- chat states (XEP-0085) -------------------------------------------------- */

/* srx_engine_visitor_chatstate - "the visitor is typing", to the agent */
int srx_engine_visitor_chatstate(srx_engine *e, const char *from, srx_chatstate cs, double now)
{
    char bare[512], ours[600];
    session *s;

    if (e->ops.chatstate == NULL || (cs != SRX_CS_COMPOSING && cs != SRX_CS_PAUSED))
        return 0;
    srx_jid_bare(from, bare, sizeof(bare));
    s = find(e, bare);
    if (s == NULL || s->state != SRX_LIVE || s->agent[0] == '\0' || s->to_agent == cs)
        return 0;
    /* after the repeats, which cost nothing: composing, paused, composing... */
    if (!srx_bucket_take(&s->states, e->c->rate, (double)e->c->burst, now)) {
        e->stats.states_limited++;
        return 0;
    }
    s->last = now;
    s->to_agent = cs;
    srx_conv_jid(e->c, s->ticket, ours, sizeof(ours));
    e->ops.chatstate(e->ud, ours, s->agent, cs);
    e->stats.relayed_states++;
    return 1;
}

/* srx_engine_agent_chatstate - "the agent is typing", to the visitor */
int srx_engine_agent_chatstate(srx_engine *e, const char *from, const char *to,
                               srx_chatstate cs, double now)
{
    char agent[256];
    uint64_t ticket = srx_conv_ticket(e->c, to, NULL);
    session *s;
    int n;

    if (e->ops.chatstate == NULL || cs == SRX_CS_NONE || cs == SRX_CS_GONE)
        return 0;
    srx_jid_bare(from, agent, sizeof(agent));
    if (srx_agents_find(e->c->agents, agent) == NULL)
        return 0;
    if (ticket == 0)
        ticket = only_live(e, agent, &n);
    s = by_ticket(e, ticket);
    if (s == NULL || s->state != SRX_LIVE || strcmp(s->agent, agent) != 0 ||
        s->to_visitor == cs)
        return 0;
    s->last = now;
    s->to_visitor = cs;
    e->ops.chatstate(e->ud, s->ours, s->full, cs);
    e->stats.relayed_states++;
    return 1;
}

/* srx_engine_agent_available - an agent came online: tell them about the
 * queued chats of their queues, which they take by answering "#N" */
void srx_engine_agent_available(srx_engine *e, const char *jid)
{
    char buf[2048];
    srx_agent *g = srx_agents_find(e->c->agents, jid);
    size_t o, n = 0;

    if (g == NULL)
        return;
    o = (size_t)snprintf(buf, sizeof(buf), "Chats waiting for an agent (answer \"#TICKET text\" "
                                           "to take one):");
    for (size_t i = 0; i < e->ntab; i++)
        for (session *s = e->tab[i]; s && o < sizeof(buf) - 120; s = s->next) {
            int serves = g->nqueues == 0;
            for (size_t q = 0; q < g->nqueues && !serves; q++)
                serves = strcmp(g->queues[q], s->queue) == 0;
            if (s->state != SRX_QUEUED || !serves)
                continue;
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\n#%llu %s (queue %s)",
                                  (unsigned long long)s->ticket, s->bare, s->queue);
            n++;
        }
    if (n > 0)
        e->ops.send(e->ud, e->c->self, g->jid, buf, NULL);
}

/* --- the bot ---------------------------------------------------------------- */

void srx_engine_bot(srx_engine *e, const char *to, const char *thread, const char *body,
                    double now)
{
    uint64_t ticket = srx_conv_ticket(e->c, to, thread);
    session *s = by_ticket(e, ticket);
    const char *marker = e->c->bot_marker;
    size_t mlen = strlen(marker);
    int wants = 0;
    sr_error err;
    char *text, *m;

    if (s == NULL || body == NULL) {
        logf_(e, SR_LOG_INFO, "bot answer for no open conversation (to %s) dropped", to ? to : "");
        return;
    }
    text = strdup(body);
    if (text == NULL)
        return;
    while (mlen > 0 && (m = strstr(text, marker)) != NULL) {
        memmove(m, m + mlen, strlen(m + mlen) + 1);
        wants = 1;
    }
    s->last = now;
    if (srx_text_clean(text, (size_t)e->c->max_body) > 0 &&
        e->ops.reply(e->ud, ticket, "bot", text, &err) != SR_OK)
        logf_(e, SR_LOG_ERR, "T%llu: bot answer not stored: %s", (unsigned long long)ticket,
              err.msg);
    if (wants && s->state == SRX_CHAT)
        ask_connect(e, s, "bot");
    free(text);
}

/* --- outbox deliveries -------------------------------------------------------- */

void srx_engine_route(srx_engine *e, const char *to, double now, const char **to_full,
                      const char **from)
{
    char bare[512];
    session *s;

    srx_jid_bare(to, bare, sizeof(bare));
    s = find(e, bare);
    if (s == NULL) {
        *to_full = to;
        *from = e->c->self;
        return;
    }
    s->last = now;
    *to_full = s->full;
    *from = s->ours;
}
