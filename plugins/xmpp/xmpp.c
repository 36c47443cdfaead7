/*
 * xmpp.c - the libstrophe side of the bridge: connect (as an XEP-0114
 * component, or as a client), reconnect with capped exponential backoff
 * (backoff.c: reset only by a link that held SRX_BACKOFF_STABLE seconds),
 * and turn stanzas into engine events
 *
 * Who wrote: the configured bot, a configured agent, or else a visitor.
 * type="error" stanzas are never answered (no reply loops), one that
 * bounces a relayed reply fails its outbox job (bridge.c); groupchat and
 * headline messages and unknown stanzas are ignored; of the bodiless
 * messages, a visitor's <gone/> ends the conversation and the other chat
 * states (XEP-0085) go to the engine, which relays them within a live
 * chat only; iq get/set we do not serve gets a
 * service-unavailable error, as RFC 6120 asks.  Every text we send goes
 * through xmpp_stanza_set_text (libstrophe escapes it when serializing)
 * after srx_text_clean (no characters XML forbids).
 */
#include "build-config.h"

#include "bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_CHATSTATES "http://jabber.org/protocol/chatstates"
#define NS_PING "urn:xmpp:ping"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define NS_VERSION "jabber:iq:version"

/* --- sending ------------------------------------------------------------ */

static xmpp_stanza_t *child(xmpp_ctx_t *x, xmpp_stanza_t *parent, const char *name,
                            const char *ns)
{
    xmpp_stanza_t *c = xmpp_stanza_new(x);

    if (c == NULL)
        return NULL;
    xmpp_stanza_set_name(c, name);
    if (ns)
        xmpp_stanza_set_ns(c, ns);
    xmpp_stanza_add_child(parent, c);
    xmpp_stanza_release(c);   /* the parent holds it */
    return c;
}

static int add_text_child(xmpp_ctx_t *x, xmpp_stanza_t *parent, const char *name,
                          const char *text)
{
    xmpp_stanza_t *c = child(x, parent, name, NULL), *t;
    int rc;

    if (c == NULL || (t = xmpp_stanza_new(x)) == NULL)
        return -1;
    rc = xmpp_stanza_set_text(t, text) == XMPP_EOK && xmpp_stanza_add_child(c, t) == XMPP_EOK
             ? 0 : -1;
    xmpp_stanza_release(t);
    return rc;
}

/* component_from - the from a component stanza may carry: from itself when
 * it is at our domain, else the same local part at our domain.  A
 * conversation that began before a reload changed xmpp.domain still
 * answers from its old address, and a server closes the stream of a
 * component that sends from outside its domain (RFC 6120 invalid-from,
 * Prosody does): again at every resend of a relayed answer. */
static const char *component_from(const srx_bridge *b, const char *from, char *buf, size_t size)
{
    char dom[SRX_JID_BARE_MAX + 1], local[SRX_JID_PART_MAX + 1];

    if (from == NULL)
        return b->conf->domain;
    srx_jid_domain(from, dom, sizeof(dom));
    if (strcmp(dom, b->conf->domain) == 0)
        return from;
    srx_jid_local(from, local, sizeof(local));
    if (*local)
        snprintf(buf, size, "%s@%s", local, b->conf->domain);
    else
        snprintf(buf, size, "%s", b->conf->domain);
    return buf;
}

/* srx_xmpp_send - one chat message; -1 when it was not handed to the
 * connection */
int srx_xmpp_send(srx_bridge *b, const char *from, const char *to, const char *body,
                  const char *thread, const char *id)
{
    xmpp_stanza_t *m;
    char *text, fb[SRX_JID_BARE_MAX + 1];
    unsigned long errors = b->send_errors;
    int rc = -1;

    if (!b->connected) {
        srx_log(b, SR_LOG_WARNING, "not connected: message to %s dropped", to);
        return -1;
    }
    text = strdup(body);
    if (text == NULL)
        return -1;
    srx_text_clean(text, 0);
    m = xmpp_message_new(b->xctx, "chat", to, id);
    if (m != NULL) {
        /* XEP-0114: every stanza a component sends names its from; a
         * client's from is stamped by its server */
        if ((!b->conf->component ||
             xmpp_stanza_set_from(m, component_from(b, from, fb, sizeof(fb))) == XMPP_EOK) &&
            xmpp_message_set_body(m, text) == XMPP_EOK &&
            (thread == NULL || add_text_child(b->xctx, m, "thread", thread) == 0)) {
            /* xmpp_send returns nothing: a stanza it cannot serialize or
             * queue (out of memory) is dropped with an error in its log
             * (xlog counts them) */
            xmpp_send(b->conn, m);
            if (id == NULL)
                srx_bridge_sent_other(b);   /* a prompt: relayed replies carry an id */
            if (b->send_errors == errors)
                rc = 0;
        }
        xmpp_stanza_release(m);
    }
    free(text);
    return rc;
}

/* ping_target - where the pings go: a component's own domain (always
 * routable by its server, which hands the ping back to us), a client's
 * server */
static void ping_target(const srx_bridge *b, char *out, size_t size)
{
    if (b->conf->component)
        srx_jid_domain(b->conf->domain, out, size);
    else
        srx_jid_domain(b->conf->jid, out, size);
}

void srx_xmpp_ping_id(const srx_bridge *b, unsigned long seq, char *out, size_t size)
{
    snprintf(out, size, "srx-ping-%lu-%lu", b->connects, seq);
}

unsigned long srx_xmpp_ping_seq(const srx_bridge *b, const char *id)
{
    char want[64];
    const char *p;
    char *end;
    unsigned long seq;
    int n;

    n = snprintf(want, sizeof(want), "srx-ping-%lu-", b->connects);
    if (id == NULL || n < 0 || (size_t)n >= sizeof(want) || strncmp(id, want, (size_t)n) != 0)
        return 0;
    p = id + n;
    if (*p < '1' || *p > '9')
        return 0;
    seq = strtoul(p, &end, 10);
    if (*end != '\0' || seq > b->ping_seq)
        return 0;
    return seq;
}

unsigned long srx_xmpp_ping(srx_bridge *b)
{
    xmpp_stanza_t *iq;
    char id[64], to[SRX_JID_BARE_MAX + 1];
    unsigned long seq = b->ping_seq + 1;

    if (!b->connected)
        return 0;
    srx_xmpp_ping_id(b, seq, id, sizeof(id));
    ping_target(b, to, sizeof(to));
    iq = xmpp_iq_new(b->xctx, "get", id);
    if (iq == NULL)
        return 0;
    xmpp_stanza_set_to(iq, to);
    if (b->conf->component)
        xmpp_stanza_set_from(iq, b->conf->domain);
    if (child(b->xctx, iq, "ping", NS_PING) == NULL) {
        xmpp_stanza_release(iq);
        return 0;
    }
    xmpp_send(b->conn, iq);
    xmpp_stanza_release(iq);
    b->ping_seq = seq;
    b->last_ping = srx_now_mono();
    return seq;
}

/* our_ping - the server's answer to one of our pings (a result, or an
 * error: either way it read all we sent before it), or for a component
 * the ping itself, handed back by the server; 0 when st is not that */
static unsigned long our_ping(const srx_bridge *b, xmpp_stanza_t *st, const char *type)
{
    const char *from = xmpp_stanza_get_from(st);
    char target[SRX_JID_BARE_MAX + 1], fb[SRX_JID_FULL_MAX + 1];
    unsigned long seq = srx_xmpp_ping_seq(b, xmpp_stanza_get_id(st));

    if (seq == 0 || type == NULL)
        return 0;
    ping_target(b, target, sizeof(target));
    if (from != NULL) {
        srx_jid_bare(from, fb, sizeof(fb));
        if (strcmp(fb, target) != 0)
            return 0;   /* only the server answers for itself */
    }
    if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0)
        return seq;
    if (strcmp(type, "get") == 0 && b->conf->component && from != NULL)
        return seq;
    return 0;
}

/* srx_xmpp_chatstate - a standalone chat state: a bodiless chat message */
void srx_xmpp_chatstate(srx_bridge *b, const char *from, const char *to, srx_chatstate cs)
{
    const char *name = srx_chatstate_name(cs);
    xmpp_stanza_t *m;
    char fb[SRX_JID_BARE_MAX + 1];

    if (name == NULL)
        return;
    if (!b->connected) {
        srx_log(b, SR_LOG_DEBUG, "not connected: chat state to %s dropped", to);
        return;
    }
    m = xmpp_message_new(b->xctx, "chat", to, NULL);
    if (m == NULL)
        return;
    if (b->conf->component)
        xmpp_stanza_set_from(m, component_from(b, from, fb, sizeof(fb)));
    if (child(b->xctx, m, name, NS_CHATSTATES) != NULL) {
        xmpp_send(b->conn, m);
        srx_bridge_sent_other(b);
    }
    xmpp_stanza_release(m);
}

static void send_presence(srx_bridge *b, const char *from, const char *to, const char *type)
{
    xmpp_stanza_t *p = xmpp_presence_new(b->xctx);

    if (p == NULL)
        return;
    if (b->conf->component && from)
        xmpp_stanza_set_from(p, from);
    if (to)
        xmpp_stanza_set_to(p, to);
    if (type)
        xmpp_stanza_set_type(p, type);
    xmpp_send(b->conn, p);
    srx_bridge_sent_other(b);
    xmpp_stanza_release(p);
}

/*
 * hello - after connecting: ask for the agents' presence.  A subscribe is
 * enough: an agent who has approved it already gets an automatic
 * "subscribed" from their server, which then sends us their current
 * presence (Prosody's mod_presence); one who has not approved it gets the
 * request at the next login.  No probe: a probe from a contact without a
 * subscription makes Prosody answer "unsubscribed" on the agent's behalf,
 * which cancels the pending request.
 */
static void hello(srx_bridge *b)
{
    const srx_conf *c = b->conf;

    if (!c->component)
        send_presence(b, NULL, NULL, NULL);   /* a client: initial presence */
    for (size_t i = 0; i < c->agents->n; i++) {
        const char *a = c->agents->v[i].jid;
        c->agents->v[i].nres = 0;   /* what we knew is stale: ask again */
        send_presence(b, c->self, a, "subscribe");
        if (c->component)
            send_presence(b, c->self, a, NULL);   /* the agents see us online */
    }
}

/* --- receiving ---------------------------------------------------------- */

static int is_mine(const srx_conf *c, const char *to)
{
    char x[512];

    if (to == NULL)
        return 0;
    if (c->component) {
        srx_jid_domain(to, x, sizeof(x));
        return strcmp(x, c->domain) == 0;
    }
    srx_jid_bare(to, x, sizeof(x));
    return strcmp(x, c->self) == 0;
}

/* chatstate_of - the first XEP-0085 state a message carries */
static srx_chatstate chatstate_of(xmpp_stanza_t *st)
{
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(st); c; c = xmpp_stanza_get_next(c)) {
        const char *ns = xmpp_stanza_is_tag(c) ? xmpp_stanza_get_ns(c) : NULL;
        if (ns != NULL && strcmp(ns, NS_CHATSTATES) == 0)
            return srx_chatstate_parse(xmpp_stanza_get_name(c));
    }
    return SRX_CS_NONE;
}

/* bounced - an error stanza answering a relayed reply (its id names the
 * job: sr-INSTANCE-jJOB, or -jJOB-PART): to the bridge */
static void bounced(srx_bridge *b, xmpp_stanza_t *st)
{
    const char *id = xmpp_stanza_get_id(st), *from = xmpp_stanza_get_from(st);
    const char *cond = "undefined-condition", *etype = NULL;
    xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error"), *t;
    char want[128], *text = NULL;
    unsigned long long job;
    char *end;
    int n = snprintf(want, sizeof(want), "sr-%s-j", b->instance);

    if (id == NULL || from == NULL || n < 0 || (size_t)n >= sizeof(want) ||
        strncmp(id, want, (size_t)n) != 0 || id[n] < '1' || id[n] > '9')
        return;
    job = strtoull(id + n, &end, 10);
    if (*end != '\0' && *end != '-')
        return;
    if (e != NULL) {
        etype = xmpp_stanza_get_type(e);
        for (xmpp_stanza_t *c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c))
            if (xmpp_stanza_is_tag(c) && xmpp_stanza_get_name(c) &&
                strcmp(xmpp_stanza_get_name(c), "text") != 0) {
                cond = xmpp_stanza_get_name(c);
                break;
            }
        /* the server's words, if any: a reason for the agent (capped and
         * cleaned by the bridge) */
        if ((t = xmpp_stanza_get_child_by_name(e, "text")) != NULL)
            text = xmpp_stanza_get_text(t);
    }
    /* an anonymous visitor who closed the page is gone with their account,
     * often without a word to us: their conversation is over (a live
     * agent is told) */
    if (srx_bridge_bounced(b, (uint64_t)job, from, etype, cond, text))
        srx_engine_visitor_gone(b->engine, from, srx_now_wall());
    if (text != NULL)
        xmpp_free(b->xctx, text);
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    srx_bridge *b = ud;
    const char *type = xmpp_stanza_get_type(st);
    const char *from = xmpp_stanza_get_from(st);
    const char *to = xmpp_stanza_get_to(st);
    const char *lang = xmpp_stanza_get_attribute(st, "xml:lang");
    xmpp_stanza_t *th;
    char bare[512], *body, *thread = NULL;
    double now = srx_now_wall();
    int answers = 0;   /* an agent or the bot wrote: their answer waits in the outbox */
    int chat = type != NULL && strcmp(type, "chat") == 0;   /* where chat states belong */
    srx_chatstate cs;

    (void)conn;
    if (type && strcmp(type, "error") == 0) {
        if (is_mine(b->conf, to))
            bounced(b, st);   /* never answered; a relayed reply that did not arrive */
        return 1;
    }
    if (type && (strcmp(type, "groupchat") == 0 || strcmp(type, "headline") == 0))
        return 1;   /* no rooms, no broadcasts */
    if (from == NULL || !is_mine(b->conf, to))
        return 1;
    srx_jid_bare(from, bare, sizeof(bare));
    if (strcmp(bare, b->conf->self) == 0)
        return 1;   /* our own echo (client mode carbons) */
    body = xmpp_message_get_body(st);
    th = xmpp_stanza_get_child_by_name(st, "thread");
    if (th != NULL)
        thread = xmpp_stanza_get_text(th);
    if (b->conf->bot[0] && strcmp(bare, b->conf->bot) == 0) {
        if (body)
            srx_engine_bot(b->engine, to, thread, body, now);
        answers = 1;
    } else if (srx_agents_find(b->conf->agents, bare) != NULL) {
        if (body) {
            srx_engine_agent(b->engine, from, to, body, now);
            answers = 1;
        } else if (chat && (cs = chatstate_of(st)) != SRX_CS_NONE) {
            srx_engine_agent_chatstate(b->engine, from, to, cs, now);
        }
    } else if (body != NULL) {
        srx_engine_visitor(b->engine, from, to, body, lang, now);
    } else if ((cs = chatstate_of(st)) == SRX_CS_GONE) {
        srx_engine_visitor_gone(b->engine, from, now);
    } else if (chat && cs != SRX_CS_NONE) {
        srx_engine_visitor_chatstate(b->engine, from, cs, now);
    }
    if (body)
        xmpp_free(b->xctx, body);
    if (thread)
        xmpp_free(b->xctx, thread);
    if (answers)
        srx_bridge_pump(b);   /* stored answers go out at once */
    return 1;
}

static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    srx_bridge *b = ud;
    const srx_conf *c = b->conf;
    const char *type = xmpp_stanza_get_type(st);
    const char *from = xmpp_stanza_get_from(st);
    const char *to = xmpp_stanza_get_to(st);
    xmpp_stanza_t *sh;
    char bare[512], *show = NULL, me[512];
    int agent, bot;

    (void)conn;
    if (from == NULL || (type && strcmp(type, "error") == 0))
        return 1;
    srx_jid_bare(from, bare, sizeof(bare));
    srx_jid_bare(to ? to : c->self, me, sizeof(me));
    if (strcmp(bare, c->self) == 0)
        return 1;
    agent = srx_agents_find(c->agents, bare) != NULL;
    bot = c->bot[0] && strcmp(bare, c->bot) == 0;
    if (type && strcmp(type, "subscribe") == 0) {
        /* agents, the bot, and (component) visitors may see us online */
        if (agent || bot || c->component) {
            send_presence(b, me, bare, "subscribed");
            send_presence(b, me, bare, NULL);
        }
        return 1;
    }
    if (type && strcmp(type, "probe") == 0) {
        if (c->component)
            send_presence(b, me, bare, NULL);
        return 1;
    }
    if (agent) {
        if (type == NULL || strcmp(type, "unavailable") == 0) {
            srx_agent *g = srx_agents_find(c->agents, bare);
            srx_avail before = srx_agent_avail(g);
            sh = xmpp_stanza_get_child_by_name(st, "show");
            if (sh != NULL)
                show = xmpp_stanza_get_text(sh);
            srx_agents_presence(c->agents, from, type, show);
            if (before == SRX_AV_OFF && srx_agent_avail(g) != SRX_AV_OFF)
                srx_engine_agent_available(b->engine, bare);
            srx_log(b, SR_LOG_INFO, "agent %s: %s", from,
                    type ? "unavailable" : show ? show : "available");
            if (show)
                xmpp_free(b->xctx, show);
        }
        return 1;
    }
    if (!bot && type && strcmp(type, "unavailable") == 0)
        srx_engine_visitor_gone(b->engine, from, srx_now_wall());
    return 1;
}

static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    srx_bridge *b = ud;
    const char *type = xmpp_stanza_get_type(st);
    const char *to = xmpp_stanza_get_to(st);
    xmpp_stanza_t *q = xmpp_stanza_get_children(st), *r = NULL, *c;
    const char *ns = NULL;
    unsigned long seq;

    (void)conn;
    if ((seq = our_ping(b, st, type)) != 0) {
        if (b->probe_seq != 0 && seq >= b->probe_seq)
            b->probe_seq = 0;   /* the idle link is alive */
        srx_bridge_confirmed(b, seq);   /* the relayed messages before it arrived */
        if (b->nsuspects > 0)
            srx_bridge_pump(b);   /* one at a time after a lost link: the next one */
        return 1;
    }
    if (type == NULL || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
        return 1;   /* result, error: nothing to answer */
    if (xmpp_stanza_get_from(st) == NULL)
        return 1;
    while (q != NULL && !xmpp_stanza_is_tag(q))
        q = xmpp_stanza_get_next(q);
    if (q != NULL)
        ns = xmpp_stanza_get_ns(q);
    if (strcmp(type, "get") == 0 && ns && strcmp(ns, NS_PING) == 0) {
        r = xmpp_stanza_reply(st);
    } else if (strcmp(type, "get") == 0 && ns && strcmp(ns, NS_DISCO_INFO) == 0) {
        r = xmpp_stanza_reply(st);
        if (r && (c = child(b->xctx, r, "query", NS_DISCO_INFO)) != NULL) {
            xmpp_stanza_t *id = child(b->xctx, c, "identity", NULL), *f;
            if (id) {
                xmpp_stanza_set_attribute(id, "category", "client");
                xmpp_stanza_set_attribute(id, "type", "bot");
                xmpp_stanza_set_attribute(id, "name", "sentiroute");
            }
            if ((f = child(b->xctx, c, "feature", NULL)) != NULL)
                xmpp_stanza_set_attribute(f, "var", NS_DISCO_INFO);
            if ((f = child(b->xctx, c, "feature", NULL)) != NULL)
                xmpp_stanza_set_attribute(f, "var", NS_PING);
            if ((f = child(b->xctx, c, "feature", NULL)) != NULL)
                xmpp_stanza_set_attribute(f, "var", NS_CHATSTATES);
        }
    } else if (strcmp(type, "get") == 0 && ns && strcmp(ns, NS_VERSION) == 0) {
        r = xmpp_stanza_reply(st);
        if (r && (c = child(b->xctx, r, "query", NS_VERSION)) != NULL) {
            add_text_child(b->xctx, c, "name", "sentiroute-xmpp");
            add_text_child(b->xctx, c, "version", sr_version());
        }
    } else {
        r = xmpp_stanza_reply_error(st, "cancel", "service-unavailable", NULL);
    }
    if (r == NULL)
        return 1;
    if (strcmp(xmpp_stanza_get_type(r) ? xmpp_stanza_get_type(r) : "", "error") != 0)
        xmpp_stanza_set_type(r, "result");
    if (b->conf->component && to)
        xmpp_stanza_set_from(r, to);
    xmpp_send(b->conn, r);
    srx_bridge_sent_other(b);
    xmpp_stanza_release(r);
    return 1;
}

/* --- connecting ------------------------------------------------------------- */

/* refused - the condition (and text) of a stream error that something we
 * sent can cause (XML, addressing, size or policy), else NULL: not the
 * server's shutdown, a conflict, a timeout or the like */
static const char *refused(const xmpp_stream_error_t *se, char *buf, size_t size)
{
    const char *cond = "undefined-condition";

    if (se == NULL)
        return NULL;
    switch (se->type) {
    case XMPP_SE_CONFLICT:
    case XMPP_SE_CONN_TIMEOUT:
    case XMPP_SE_HOST_GONE:
    case XMPP_SE_HOST_UNKNOWN:
    case XMPP_SE_INTERNAL_SERVER_ERROR:
    case XMPP_SE_NOT_AUTHORIZED:
    case XMPP_SE_REMOTE_CONN_FAILED:
    case XMPP_SE_RESOURCE_CONSTRAINT:
    case XMPP_SE_SEE_OTHER_HOST:
    case XMPP_SE_SYSTEM_SHUTDOWN:
    case XMPP_SE_UNSUPPORTED_VERSION:
        return NULL;
    default:
        break;
    }
    for (xmpp_stanza_t *c = se->stanza ? xmpp_stanza_get_children(se->stanza) : NULL; c;
         c = xmpp_stanza_get_next(c))
        if (xmpp_stanza_is_tag(c) && xmpp_stanza_get_name(c) &&
            strcmp(xmpp_stanza_get_name(c), "text") != 0) {
            cond = xmpp_stanza_get_name(c);
            break;
        }
    snprintf(buf, size, "%.64s%s%.120s", cond, se->text ? ": " : "", se->text ? se->text : "");
    return buf;
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
                    xmpp_stream_error_t *se, void *ud)
{
    srx_bridge *b = ud;
    char why[200];

    if (ev == XMPP_CONN_CONNECT) {
        b->connected = 1;
        b->connecting = 0;
        b->link_dead = 0;
        b->probe_seq = 0;
        b->last_ping = srx_now_mono();
        b->connects++;
        /* the delays start over only once the link held a while: a server
         * that accepts and drops at once is not hammered */
        srx_backoff_up(&b->backoff, srx_now_mono());
        xmpp_handler_delete(conn, on_message);
        xmpp_handler_delete(conn, on_presence);
        xmpp_handler_delete(conn, on_iq);
        xmpp_handler_add(conn, on_message, NULL, "message", NULL, b);
        xmpp_handler_add(conn, on_presence, NULL, "presence", NULL, b);
        xmpp_handler_add(conn, on_iq, NULL, "iq", NULL, b);
        srx_log(b, SR_LOG_NOTICE, "connected to %s:%d as %s (%s)", b->conf->server, b->conf->port,
                b->conf->component ? b->conf->domain : b->conf->jid,
                b->conf->component ? "component" : "client");
        hello(b);
        srx_bridge_pump(b);
        return;
    }
    if (ev == XMPP_CONN_RAW_CONNECT)
        return;
    /* DISCONNECT or FAIL: try again later, waiting longer each time */
    if (b->connected)
        b->disconnects++;
    /* relayed messages not confirmed: again after the reconnect; one the
     * server ended the stream for is parked */
    srx_bridge_link_lost(b, refused(se, why, sizeof(why)));
    b->connected = 0;
    b->connecting = 0;
    b->link_dead = 0;
    b->probe_seq = 0;
    if (!b->stopping) {
        double now = srx_now_mono();
        double delay = srx_backoff_down(&b->backoff, b->conf->reconnect_min,
                                        b->conf->reconnect_max, now);
        b->next_connect = now + delay;
        srx_log(b, SR_LOG_WARNING, "disconnected from %s:%d (%s%s%s); retrying in %.1fs",
                b->conf->server, b->conf->port, error ? strerror(error) : "closed",
                se ? ", stream error " : "",
                se && se->text ? se->text : se ? "(no text)" : "", delay);
    }
}

static void xlog(void *ud, xmpp_log_level_t level, const char *area, const char *msg)
{
    srx_bridge *b = ud;

    /* libstrophe 0.12 answers XML it cannot parse with an <invalid-xml/>
     * stream error but keeps the connection, whose parser is dead from
     * then on; this debug line is the only sign.  The loop drops the
     * connection and connects again. */
    if (area && msg && strcmp(area, "xmpp") == 0 && strncmp(msg, "parse error", 11) == 0)
        b->parse_error = 1;
    /* xmpp_send's only sign of a stanza it dropped ("Failed to
     * stanza_to_text", "DROPPED: ...", out of memory) */
    if (level == XMPP_LEVEL_ERROR)
        b->send_errors++;
    /* "DROPPED: " is followed by the whole stanza, a visitor's words
     * included: not for the log */
    if (msg && strncmp(msg, "DROPPED: ", 9) == 0)
        msg = "DROPPED: a stanza (out of memory)";
    /* libstrophe's debug level prints every stanza, SASL included: never */
    if (level == XMPP_LEVEL_DEBUG)
        return;
    srx_log(b, level == XMPP_LEVEL_ERROR ? SR_LOG_ERR
               : level == XMPP_LEVEL_WARN ? SR_LOG_WARNING
                                          : SR_LOG_DEBUG,
            "libstrophe %s: %s", area, msg);
}

static xmpp_log_t xlogger;

int srx_xmpp_init(srx_bridge *b, sr_error *err)
{
    xmpp_initialize();
    xlogger.handler = xlog;
    xlogger.userdata = b;
    b->xctx = xmpp_ctx_new(NULL, &xlogger);
    b->conn = b->xctx ? xmpp_conn_new(b->xctx) : NULL;
    if (b->conn == NULL) {
        if (err) {
            err->code = SR_ENOMEM;
            snprintf(err->msg, sizeof(err->msg), "cannot create the libstrophe connection");
        }
        return SR_ENOMEM;
    }
    srx_backoff_init(&b->backoff, b->conf->reconnect_min);
    b->next_connect = 0;
    return SR_OK;
}

static void connect_now(srx_bridge *b)
{
    const srx_conf *c = b->conf;
    double delay;
    int rc;

    if (c->component) {
        xmpp_conn_set_jid(b->conn, c->domain);
        xmpp_conn_set_pass(b->conn, b->secret);
        rc = srx_conn_prime(b->conn);
        if (rc != XMPP_EINT)
            srx_log(b, SR_LOG_DEBUG, "priming the component connection returned %d", rc);
        rc = xmpp_connect_component(b->conn, c->server, (unsigned short)c->port, on_conn, b);
    } else {
        xmpp_conn_set_jid(b->conn, c->jid);
        xmpp_conn_set_pass(b->conn, b->secret);
        xmpp_conn_set_flags(b->conn, c->tls_disable ? XMPP_CONN_FLAG_DISABLE_TLS
                                                    : XMPP_CONN_FLAG_MANDATORY_TLS);
        xmpp_conn_set_sockopt_callback(b->conn, xmpp_sockopt_cb_keepalive);
        rc = xmpp_connect_client(b->conn, c->server, (unsigned short)c->port, on_conn, b);
    }
    if (rc == XMPP_EOK) {
        b->connecting = 1;
        return;
    }
    delay = srx_backoff_down(&b->backoff, c->reconnect_min, c->reconnect_max, srx_now_mono());
    srx_log(b, SR_LOG_WARNING, "cannot connect to %s:%d (libstrophe %d); retrying in %.1fs",
            c->server, c->port, rc, delay);
    b->next_connect = srx_now_mono() + delay;
}

void srx_xmpp_step(srx_bridge *b)
{
    unsigned long seq;
    double now = srx_now_mono();

    /* an idle link is pinged too: without traffic a dead one (a firewall
     * that forgot the connection, a half-open TCP link) would go unnoticed
     * while the server's stanzas for us, the visitors' lines, are lost */
    if (b->connected && !b->link_dead && !b->stopping) {
        if (b->probe_seq != 0 && now >= b->probe_due) {
            b->link_dead = 1;
            srx_log(b, SR_LOG_WARNING, "the server did not answer ping %lu within %.1fs: the "
                    "link is dead; reconnecting", b->probe_seq, b->conf->ping_timeout);
            xmpp_disconnect(b->conn);
            return;
        }
        if (b->probe_seq == 0 && now - b->last_ping >= b->conf->ping_interval &&
            (seq = srx_xmpp_ping(b)) != 0) {
            b->probe_seq = seq;
            b->probe_due = now + b->conf->ping_timeout;
        }
    }

    /* XEP-0114 has no acks of its own: a server that reads nothing more
     * (a stalled stream, a half-open TCP connection) would keep relayed
     * replies in flight until their outbox lease ran out, and then get
     * them again on the same dead link.  A ping not answered in time ends
     * the link: the replies go again, once, after the reconnect. */
    if (b->connected && !b->link_dead && !b->stopping &&
        (seq = srx_bridge_overdue(b, now)) != 0) {
        b->link_dead = 1;
        srx_log(b, SR_LOG_WARNING, "the server did not answer ping %lu within %.1fs: the link is "
                "dead; reconnecting (%zu relayed message(s) to send again)", seq,
                b->conf->ping_timeout, b->nunacked);
        xmpp_disconnect(b->conn);
        return;
    }
    if (b->parse_error) {
        b->parse_error = 0;
        if (b->connected || b->connecting) {
            srx_log(b, SR_LOG_WARNING, "the server sent XML that cannot be parsed: reconnecting");
            xmpp_disconnect(b->conn);
        }
        return;
    }
    if (b->stopping || b->connected || b->connecting)
        return;
    if (srx_now_mono() < b->next_connect)
        return;
    connect_now(b);
}

void srx_xmpp_reconnect(srx_bridge *b)
{
    if (b->connected || b->connecting)
        xmpp_disconnect(b->conn);
    srx_backoff_init(&b->backoff, b->conf->reconnect_min);
    b->next_connect = 0;
}

void srx_xmpp_shutdown(srx_bridge *b)
{
    double until;

    b->stopping = 1;
    if (b->conn != NULL && (b->connected || b->connecting)) {
        if (b->connected && !b->conf->component)
            send_presence(b, NULL, NULL, "unavailable");
        xmpp_disconnect(b->conn);
        /* let libstrophe flush and close the stream, briefly */
        until = srx_now_mono() + 1.0;
        while ((b->connected || b->connecting) && srx_now_mono() < until)
            xmpp_run_once(b->xctx, 50);
    }
    srx_bridge_link_lost(b, NULL);   /* what is not confirmed goes after the restart */
    srx_bridge_forget(b);
    free(b->unacked);
    b->unacked = NULL;
    b->unacked_cap = 0;
    if (b->conn)
        xmpp_conn_release(b->conn);
    if (b->xctx)
        xmpp_ctx_free(b->xctx);
    b->conn = NULL;
    b->xctx = NULL;
    xmpp_shutdown();
    srx_wipe(b->secret, sizeof(b->secret));
}
