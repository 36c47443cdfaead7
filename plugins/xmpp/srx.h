/*
 * srx.h - sentiroute-xmpp, the web-chat bridge: its small units
 *
 * Everything here is free of libstrophe and libmicrohttpd, so the unit
 * tests (tests/xmpp/test_*.c) link it directly: words (yes/no, "agent"),
 * email addresses, JIDs, business hours, agents and their presence, the
 * rate limiter, the localized texts, the configuration and the
 * conversation engine (one state machine per visitor).  The glue is in
 * xmpp.c (libstrophe), webhook.c (libmicrohttpd) and main.c (the daemon).
 */
#ifndef SRX_H
#define SRX_H

#include <sentiroute.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ------------------------------------------------------------------------
 * Words: yes/no answers and one-word requests for a person (en, de, fr,
 * es, pl).  words.c
 * ------------------------------------------------------------------------ */

typedef enum srx_answer { SRX_UNCLEAR = 0, SRX_YES = 1, SRX_NO = 2 } srx_answer;

/* srx_yesno - classify an answer to a yes/no question by its first words
 * ("ja bitte", "non merci", "tak", "👍").  Thread-safe. */
srx_answer srx_yesno(const char *text);

/* srx_wants_person - 1 when a short line is a bare request for a person
 * ("agent", "human please", "Mitarbeiter!", "konsultant").  The scorer's
 * human_requested flag covers whole sentences; this covers the keyword
 * the welcome text tells visitors to write. */
int srx_wants_person(const char *text);

/* ------------------------------------------------------------------------
 * Email addresses.  email.c
 * ------------------------------------------------------------------------ */

/* srx_email_find - the one email address in a line ("it's jo@x.org"),
 * validated (dot-atom local part, LDH domain labels, alphabetic or xn--
 * TLD, lengths), the domain lower-cased, into out.  Returns 1 when found,
 * 0 for none or several.  Thread-safe. */
int srx_email_find(const char *text, char *out, size_t size);

/* srx_email_valid - 1 when s as a whole is a valid address. */
int srx_email_valid(const char *s);

/* ------------------------------------------------------------------------
 * JIDs and text.  jid.c
 * ------------------------------------------------------------------------ */

/* srx_jid_bare - local@domain of a JID, lower-cased (the resource is
 * dropped); "" for NULL.  out needs at most strlen(jid)+1 bytes. */
void srx_jid_bare(const char *jid, char *out, size_t size);

/* srx_jid_domain - the domain of a JID, lower-cased. */
void srx_jid_domain(const char *jid, char *out, size_t size);

/* srx_jid_local - the local part (before '@'), "" when none. */
void srx_jid_local(const char *jid, char *out, size_t size);

/* The longest JID parts RFC 7622 allows (bytes, each): a full JID is at
 * most SRX_JID_FULL_MAX bytes, a bare one SRX_JID_BARE_MAX. */
#define SRX_JID_PART_MAX 1023
#define SRX_JID_BARE_MAX (2 * SRX_JID_PART_MAX + 1)
#define SRX_JID_FULL_MAX (3 * SRX_JID_PART_MAX + 2)

/* srx_jid_check - NULL when jid has the form RFC 7622 allows ([local@]
 * domain[/resource], no part empty or longer than SRX_JID_PART_MAX
 * bytes), else why not.  The server validates what it stamps; this is
 * only the length and form a bridge relies on. */
const char *srx_jid_check(const char *jid);

/* srx_text_clean - make text safe for an XML text node and a chat line,
 * in place: characters XML 1.0 forbids (C0 controls but TAB, LF, CR;
 * U+FFFE, U+FFFF) and invalid UTF-8 bytes become U+FFFD or spaces, the text
 * is cut at a character boundary to max bytes (0: no cap) and trimmed.
 * Returns the new length. */
size_t srx_text_clean(char *text, size_t max);

/* srx_strlcpy - copy with truncation, always NUL-terminated */
size_t srx_strlcpy(char *dst, const char *src, size_t size);

/* ------------------------------------------------------------------------
 * Business hours.  hours.c
 * ------------------------------------------------------------------------ */

typedef struct srx_hours srx_hours;

/* srx_hours_parse - weekly hours ("mon-fri 09:00-17:00", "sat 10:00-14:00",
 * "mon,wed 08:00-12:00 13:00-18:00", "sun 22:00-02:00" runs past midnight)
 * and closed dates ("2025-12-25").  No open entries: always open.  NULL
 * with a message in err on a bad entry. */
srx_hours *srx_hours_parse(const char *const *open, size_t nopen, const char *const *closed,
                           size_t nclosed, char *err, size_t errsize);
void srx_hours_free(srx_hours *h);

/* srx_hours_open - 1 when now falls within the hours, in local time (the
 * process's TZ, which the daemon sets from xmpp.hours.timezone). */
int srx_hours_open(const srx_hours *h, time_t now);

/* srx_hours_describe - the hours for a visitor ("mon-fri 09:00-17:00,
 * sat 10:00-14:00"); "" when always open. */
const char *srx_hours_describe(const srx_hours *h);

/* srx_tz_valid - 1 when a time zone name has a zoneinfo file. */
int srx_tz_valid(const char *tz);

/* ------------------------------------------------------------------------
 * Agents and their presence.  agents.c
 * ------------------------------------------------------------------------ */

#define SRX_AGENT_RES_MAX 8

typedef enum srx_avail { SRX_AV_OFF = 0, SRX_AV_BUSY = 1, SRX_AV_ON = 2 } srx_avail;

typedef struct srx_agent {
    char jid[256];             /* bare JID, lower case */
    char name[128];            /* shown to visitors */
    char **queues;             /* NULL (all queues) or nqueues names */
    size_t nqueues;
    struct {
        char res[SRX_JID_PART_MAX + 1];   /* RFC 7622: up to 1023 bytes */
        srx_avail av;
    } res[SRX_AGENT_RES_MAX];  /* per connected resource */
    size_t nres;
    int chats;                 /* live chats now */
    uint64_t last_assigned;    /* sequence: least recently assigned wins ties */
} srx_agent;

typedef struct srx_agents {
    srx_agent *v;
    size_t n;
    uint64_t seq;
} srx_agents;

/* srx_agents_parse - "JID [Name]: queue, queue" entries (no colon or no
 * queues: every queue).  NULL with a message in err. */
srx_agents *srx_agents_parse(const char *const *v, size_t n, char *err, size_t errsize);
void srx_agents_free(srx_agents *a);

/* srx_agents_find - the agent with this (bare or full) JID, or NULL */
srx_agent *srx_agents_find(srx_agents *a, const char *jid);

/* srx_agents_presence - record a presence stanza's meaning for the
 * resource of full_jid: type NULL/"" (available; show none or "chat" =
 * on, "away" = busy, "xa"/"dnd" = off) or "unavailable".  Returns 1 when
 * the JID is an agent's. */
int srx_agents_presence(srx_agents *a, const char *full_jid, const char *type, const char *show);

/* srx_agent_avail - the best state over the agent's resources */
srx_avail srx_agent_avail(const srx_agent *g);

/* srx_agents_pick - an agent for queue: serves it, has fewer than
 * max_chats chats, available (busy ones only if nobody is available);
 * the least loaded, then the least recently assigned.  NULL when none.
 * Counts the chat (chats++). */
srx_agent *srx_agents_pick(srx_agents *a, const char *queue, int max_chats);

/* srx_agents_carry - keep presence and chat counts of agents that are in
 * both (after a reload). */
void srx_agents_carry(srx_agents *to, const srx_agents *from);

/* ------------------------------------------------------------------------
 * Rate limit: a token bucket per visitor.  words.c
 * ------------------------------------------------------------------------ */

typedef struct srx_bucket {
    double tokens;
    double last;
} srx_bucket;

/* srx_bucket_take - 1 and one token spent when allowed at time now
 * (seconds); rate tokens per second refill up to burst. */
int srx_bucket_take(srx_bucket *b, double rate, double burst, double now);

/* ------------------------------------------------------------------------
 * Reconnect delays: capped exponential backoff.  backoff.c
 * ------------------------------------------------------------------------ */

/* a connection that stayed up this long (seconds) was a good one: the
 * next delay starts at the minimum again */
#define SRX_BACKOFF_STABLE 30.0

typedef struct srx_backoff {
    double next;               /* the next delay */
    double up_since;           /* when the link came up; < 0 while down */
} srx_backoff;

/* srx_backoff_init - down, the first delay min */
void srx_backoff_init(srx_backoff *b, double min);

/* srx_backoff_up - the link came up at now */
void srx_backoff_up(srx_backoff *b, double now);

/* srx_backoff_down - the link went down (or an attempt failed) at now:
 * the delay before the next attempt, min after a link that was up for
 * SRX_BACKOFF_STABLE seconds or more, else doubling up to max */
double srx_backoff_down(srx_backoff *b, double min, double max, double now);

/* ------------------------------------------------------------------------
 * Visitor-facing texts: built-in en, de, fr, es, pl, overridable with
 * xmpp.texts.NAME = ["de: ...", ...].  texts.c
 * ------------------------------------------------------------------------ */

typedef enum srx_text_id {
    SRX_T_WELCOME,
    SRX_T_ASK_CONNECT,
    SRX_T_ASK_AGAIN,
    SRX_T_DECLINED,
    SRX_T_ASK_EMAIL,
    SRX_T_BAD_EMAIL,
    SRX_T_CONNECTING,
    SRX_T_NO_AGENT,
    SRX_T_CLOSED,
    SRX_T_ZENDESK,
    SRX_T_GORGIAS,
    SRX_T_HANDED_OFF,
    SRX_T_NONE,
    SRX_T_AGENT_LEFT,
    SRX_T_SLOW_DOWN,
    SRX_T_BUSY,
    SRX_T_COUNT
} srx_text_id;

#define SRX_NLANGS 5
extern const char *const srx_langs[SRX_NLANGS];   /* en de fr es pl */

/* srx_lang_index - position of a language in srx_langs, or -1 */
int srx_lang_index(const char *lang);

typedef struct srx_texts {
    char *v[SRX_T_COUNT][SRX_NLANGS];   /* overrides; NULL: built in */
    int deflang;
} srx_texts;

/* srx_text_name - "welcome", "ask_connect", ... (the config key) */
const char *srx_text_name(srx_text_id id);

/* srx_texts_load - overrides from xmpp.texts.* of cfg.  SR_OK, or
 * SR_ECONFIG with the offending entry in err. */
int srx_texts_load(srx_texts *t, const sr_config *cfg, const char *deflang, sr_error *err);
void srx_texts_clear(srx_texts *t);

/* srx_text - the text for id in lang (else the default language) */
const char *srx_text(const srx_texts *t, srx_text_id id, const char *lang);

/* Values for the {agent} {ticket} {hours} {email} placeholders. */
typedef struct srx_vars {
    const char *agent, *ticket, *hours, *email;
} srx_vars;

/* srx_text_fill - tmpl with its placeholders replaced into out (cut at
 * size); unknown {names} stay as written.  Returns the length. */
size_t srx_text_fill(const char *tmpl, const srx_vars *vars, char *out, size_t size);

/* ------------------------------------------------------------------------
 * Configuration: the xmpp section, checked as a whole.  conf.c
 * ------------------------------------------------------------------------ */

typedef struct srx_conf {
    sr_config *cfg;            /* a reference */
    int component;             /* 1: XEP-0114 component, 0: client */
    const char *server;
    int port;                  /* resolved: 5347 / 5222 when 0 */
    char domain[256];          /* component: the served domain; client: the account's */
    char self[512];            /* bare JID visitors write to */
    char jid[512];             /* client mode: the account */
    const char *secret_file;
    int tls_disable;
    const char *user;
    const char *const *auth_domains;
    size_t nauth_domains;
    char deflang[4];
    int max_visitors, idle_timeout, max_body, burst, ask_first_line;
    double rate, reconnect_min, reconnect_max;
    double ping_timeout;       /* seconds for the server to answer a ping */
    double ping_interval;      /* seconds between pings on an idle link */
    char bot[512];             /* bare JID or "" */
    const char *bot_marker;
    srx_agents *agents;
    int agent_max_chats;
    const char *tz;
    srx_hours *hours;
    srx_texts texts;
    const char *method;        /* handoff.method */
    const char *const *none_links;
    size_t nnone_links;
    /* webhook listener */
    char wh_host[256];
    int wh_port;               /* 0: off */
    const char *wh_path;
    const char *wh_signing_file, *wh_token_file;
    int wh_max_body, wh_max_skew;
} srx_conf;

/* srx_conf_new - the bridge's view of cfg (takes a reference), every
 * xmpp key checked: agents, hours, time zone, texts, addresses.  NULL
 * with err filled (SR_ECONFIG, where = "file: xmpp.agents[2]"). */
srx_conf *srx_conf_new(sr_config *cfg, sr_error *err);
void srx_conf_free(srx_conf *c);

/* srx_secret_read - a secret from a file that others cannot read (mode
 * not o+r), at most 4 KiB, trailing white space dropped, into buf.
 * SR_OK or SR_ECONFIG with err filled (the secret never is). */
int srx_secret_read(const char *path, char *buf, size_t size, sr_error *err);

/* srx_wipe - clear memory that held a secret */
void srx_wipe(void *p, size_t n);

/* ------------------------------------------------------------------------
 * The conversation engine.  conv.c
 *
 * One session per visitor (bare JID), at most xmpp.max_visitors, ended
 * after xmpp.idle_timeout.  Each visitor line is stored first (ingest,
 * with SR_INGEST_ASK_FIRST), then drives the state machine:
 *
 *   CHAT --trigger--> ASK_CONNECT --yes--> [ASK_EMAIL --valid--] --> handoff
 *                          |no                 |no
 *                          v                   v
 *                        CHAT                CHAT
 *   handoff: helpdesk -> LIVE (agent) or QUEUED (no agent / closed);
 *            zendesk, gorgias, webhook, rt -> EXTERNAL; none -> CHAT
 *
 * Triggers: the human_requested flag or a bare "agent", a routing rule
 * asking for a human, the bot's handoff marker, and (without a bot, with
 * xmpp.ask_on_first_line) the first line.  The engine calls the outside
 * world only through srx_ops, so the unit tests drive it with fakes.
 * Single-threaded.
 * ------------------------------------------------------------------------ */

typedef enum srx_state {
    SRX_CHAT = 0,
    SRX_ASK_CONNECT,
    SRX_ASK_EMAIL,
    SRX_LIVE,
    SRX_QUEUED,
    SRX_EXTERNAL
} srx_state;

const char *srx_state_name(srx_state s);

/* A visitor line as the engine hands it to ops->ingest. */
typedef struct srx_line {
    const char *from;          /* bare JID: the conversation key */
    const char *text;
    size_t len;
    const char *lang_hint;     /* "" or NULL: none */
    const char *email;         /* given in this line (ASK_EMAIL), or NULL */
    int authenticated;
} srx_line;

/* XEP-0085 chat states, as standalone notifications (bodiless messages) */
typedef enum srx_chatstate {
    SRX_CS_NONE = 0,           /* none, or not one we know */
    SRX_CS_ACTIVE,
    SRX_CS_COMPOSING,
    SRX_CS_PAUSED,
    SRX_CS_INACTIVE,
    SRX_CS_GONE
} srx_chatstate;

/* srx_chatstate_name - "active", "composing", ... (the element's name);
 * NULL for SRX_CS_NONE */
const char *srx_chatstate_name(srx_chatstate cs);

/* srx_chatstate_parse - the state an element name stands for, or
 * SRX_CS_NONE */
srx_chatstate srx_chatstate_parse(const char *name);

typedef struct srx_ops {
    /* store a visitor line (sr_ingest_opts with SR_INGEST_ASK_FIRST) */
    int (*ingest)(void *ud, const srx_line *line, sr_ingest_result *res, sr_error *err);
    /* hand the ticket off (sr_handoff_request) */
    int (*handoff)(void *ud, uint64_t ticket, const char *reason, sr_error *err);
    int (*ticket)(void *ud, uint64_t ticket, sr_ticket *out, sr_error *err);
    /* the ticket's messages (sr_ticket_transcript; freed with sr_transcript_free) */
    int (*transcript)(void *ud, uint64_t ticket, sr_stored_message **m, size_t *n,
                      sr_error *err);
    /* an answer to the visitor that belongs in the transcript (an agent's,
     * the bot's): sr_ticket_reply, delivered through the outbox */
    int (*reply)(void *ud, uint64_t ticket, const char *author, const char *text,
                 sr_error *err);
    int (*close)(void *ud, uint64_t ticket, sr_error *err);
    /* the agent who has the live chat (sr_ticket_assign): survives a restart */
    int (*assign)(void *ud, uint64_t ticket, const char *agent, sr_error *err);
    /* send a chat message now (prompts, relays to agents and the bot);
     * thread may be NULL */
    void (*send)(void *ud, const char *from, const char *to, const char *body,
                 const char *thread);
    void (*log)(void *ud, int level, const char *line);
    /* send a standalone chat state now (a bodiless chat message); NULL:
     * chat states are not relayed */
    void (*chatstate)(void *ud, const char *from, const char *to, srx_chatstate cs);
} srx_ops;

typedef struct srx_stats {
    unsigned long conversations;   /* sessions started */
    unsigned long handed_off;      /* handoffs made (any method but none) */
    unsigned long resolved;        /* ended without a handoff (or method none) */
    unsigned long lines, relayed_agent, relayed_bot, rate_limited, busy, errors;
    unsigned long relayed_states;  /* chat states passed on in a live chat */
    unsigned long states_limited;  /* visitor chat states over the rate limit */
} srx_stats;

typedef struct srx_engine srx_engine;

/* srx_engine_new - an engine on conf (borrowed: srx_engine_set_conf
 * replaces it; the caller keeps it alive). */
srx_engine *srx_engine_new(const srx_conf *conf, const srx_ops *ops, void *ud);
void srx_engine_free(srx_engine *e);
void srx_engine_set_conf(srx_engine *e, const srx_conf *conf);

/* srx_engine_visitor - a chat line from a visitor (full JID) to our
 * address to (the reply comes from it).  now: seconds (wall clock). */
void srx_engine_visitor(srx_engine *e, const char *from, const char *to, const char *body,
                        const char *lang, double now);

/* srx_engine_visitor_gone - the visitor left (presence unavailable from
 * the session's resource, or the chat state gone) */
void srx_engine_visitor_gone(srx_engine *e, const char *from, double now);

/* srx_engine_visitor_chatstate - a standalone chat state from a visitor
 * (full JID).  Only in a live chat with an agent (SRX_LIVE), composing
 * and paused go on to that agent, from our per-conversation address;
 * never the same state twice in a row (a relayed line starts afresh),
 * and within xmpp.rate / xmpp.burst on a bucket of their own, so typing
 * never costs a visitor their lines (over it: dropped, nothing said).
 * Nothing is stored or scored, no session is opened.  <gone/> is not
 * handled here but by srx_engine_visitor_gone.  Returns 1 when relayed. */
int srx_engine_visitor_chatstate(srx_engine *e, const char *from, srx_chatstate cs, double now);

/* srx_engine_agent_chatstate - a standalone chat state from a configured
 * agent (full JID) to our address to (the chat as for srx_engine_agent,
 * without "#42").  Active, composing, paused and inactive go on to the
 * visitor of that chat, from the address the visitor wrote to, when the
 * chat is live with this agent; never the same state twice in a row (an
 * answer starts afresh).  Returns 1 when relayed. */
int srx_engine_agent_chatstate(srx_engine *e, const char *from, const char *to,
                               srx_chatstate cs, double now);

/* srx_engine_agent - a line from a configured agent (full JID) to our
 * address to ("t42@DOMAIN" names the ticket; else "#42 ..." or the
 * agent's only live chat).  "/end" ends the chat. */
void srx_engine_agent(srx_engine *e, const char *from, const char *to, const char *body,
                      double now);

/* srx_engine_agent_available - an agent's presence went from off to
 * available (or busy): they hear about the queued chats of their queues */
void srx_engine_agent_available(srx_engine *e, const char *jid);

/* srx_engine_bot - an answer of the bot, to "t42@DOMAIN" or with thread
 * "sr-t42" */
void srx_engine_bot(srx_engine *e, const char *to, const char *thread, const char *body,
                    double now);

/* srx_engine_route - where an outbox "deliver" message for the bare JID
 * to goes: the session's full JID and our address it wrote to (else the
 * bare JID and conf->self).  Marks the session active. */
void srx_engine_route(srx_engine *e, const char *to, double now, const char **to_full,
                      const char **from);

/* srx_engine_tick - end idle sessions */
void srx_engine_tick(srx_engine *e, double now);

/* srx_engine_sessions - how many sessions are open */
size_t srx_engine_sessions(const srx_engine *e);

/* srx_engine_state - a visitor's state and ticket (tests, logs); -1 when
 * there is no session */
int srx_engine_state(const srx_engine *e, const char *visitor, uint64_t *ticket);

const srx_stats *srx_engine_stats(const srx_engine *e);

/* srx_conv_jid - our per-conversation address for ticket (component:
 * "t42@DOMAIN"; client: the account) into out */
void srx_conv_jid(const srx_conf *c, uint64_t ticket, char *out, size_t size);

/* srx_conv_ticket - the ticket a per-conversation address or a thread
 * ("sr-t42") names, 0 when none */
uint64_t srx_conv_ticket(const srx_conf *c, const char *to, const char *thread);

/* ------------------------------------------------------------------------
 * Zendesk webhook checks (no HTTP here).  whcheck.c
 * ------------------------------------------------------------------------ */

/* srx_wh_signature_ok - X-Zendesk-Webhook-Signature is
 * base64(HMAC-SHA256(secret, timestamp + body)); constant-time compare. */
int srx_wh_signature_ok(const char *secret, size_t slen, const char *timestamp,
                        const char *body, size_t blen, const char *signature);

/* srx_wh_timestamp_ok - the ISO 8601 UTC timestamp
 * ("2021-03-25T05:09:27Z") is within max_skew seconds of now (0: any). */
int srx_wh_timestamp_ok(const char *timestamp, time_t now, int max_skew);

/* srx_wh_token_ok - constant-time equality of a presented token */
int srx_wh_token_ok(const char *want, size_t wlen, const char *got);

/* A parsed agent reply: {"external_id": "sr-HOST-t42", "ticket_id": "123",
 * "comment": "...", "author": "...", "public": true}. */
typedef struct srx_wh_reply {
    uint64_t ticket;           /* ours, from external_id */
    char remote_id[64];        /* Zendesk's ticket id, "" when absent */
    char author[128];
    char *comment;             /* malloc'd; free() */
    int public_;               /* 0: an internal note, not relayed */
} srx_wh_reply;

/* srx_wh_instance - the instance name the store puts in external ids
 * ("sr-INSTANCE-t42"), as sr_store_open picks it (core/store.c): the
 * configured store.instance, else the host name, else "localhost"; at
 * most 64 bytes, characters other than A-Z a-z 0-9 - . as '_'. */
void srx_wh_instance(const sr_config *cfg, char *out, size_t size);

/* srx_wh_parse - SR_OK; SR_ENOTFOUND when external_id is a well-formed
 * id of another instance than instance (another host sharing the Zendesk
 * account: not ours to relay; NULL instance: any); else SR_EFORMAT.  A
 * reason in err unless SR_OK. */
int srx_wh_parse(const char *body, size_t len, const char *instance, srx_wh_reply *out,
                 char *err, size_t errsize);

#endif
