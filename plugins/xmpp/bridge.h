/*
 * bridge.h - the daemon's state and its glue: libstrophe (xmpp.c), the
 * store side of the engine's operations (bridge.c), the webhook listener
 * (webhook.c) and main.c
 *
 * One thread runs all of it: a loop on xmpp_run_once() that also serves
 * the webhook listener (MHD in external-select mode), delivers outbox
 * jobs addressed to the chat, ends idle conversations and tests the
 * signal flags.  The store's outbox worker (helpdesk HTTP drivers) is the
 * only other thread; it touches nothing of this struct.
 */
#ifndef SRX_BRIDGE_H
#define SRX_BRIDGE_H

#include "srx.h"

#include <strophe.h>

struct srx_webhook;

typedef struct srx_bridge {
    srx_conf *conf;
    sr_ctx *ctx;
    sr_store *store;
    sr_outbox_worker *worker;
    srx_engine *engine;
    char worker_name[96];
    char instance[65];         /* the store's, in external ids (srx_wh_instance) */

    /* the XMPP connection */
    xmpp_ctx_t *xctx;
    xmpp_conn_t *conn;
    char secret[4100];         /* the component secret / password, wiped on exit */
    int connected;             /* XMPP_CONN_CONNECT seen, no disconnect since */
    int connecting;
    double next_connect;       /* when to try again (monotonic seconds) */
    srx_backoff backoff;       /* the reconnect delays */
    unsigned long connects, disconnects;
    int stopping;
    int parse_error;           /* libstrophe could not parse the stream */
    unsigned long send_errors; /* errors libstrophe logged: xmpp_send's only sign of a drop */

    /* relayed outbox jobs sent on this link but not yet confirmed: XEP-0114
     * has no stream management, so a queued stanza may die with the link.
     * A job is done once the server answers a ping (XEP-0199) sent after
     * it; the jobs of a lost link go back to the outbox (bridge.c).  A ping
     * not answered within conf->ping_timeout means a dead link (a stalled
     * stream, a half-open TCP connection): it is dropped (link_dead) */
    struct srx_unacked {
        uint64_t job;
        unsigned long ping;    /* the first ping whose answer confirms it */
        double deadline;       /* monotonic: its answer is due; 0 before the ping went */
        char to[256];          /* the visitor's bare JID (sr_job.to): only they bounce it */
    } *unacked;
    size_t nunacked, unacked_cap;
    /* the jobs in flight when a link was lost: a stanza the server refuses
     * ends the stream, and would again at every resend, with every reply of
     * its batch.  Until each of them is confirmed or parked, the replies go
     * one at a time, each confirmed before the next (bridge.c); one that
     * ends the stream alone is parked as failed */
    uint64_t *suspects;
    size_t nsuspects, suspects_cap;
    double suspects_until;     /* monotonic: forgotten then (dropped by an admin...) */
    unsigned long ping_seq;    /* pings sent on this link */
    /* the ping whose answer confirms the last stanza sent that is no
     * relayed reply (a presence, a prompt, a chat state, an iq answer), 0
     * when all of them are confirmed: while one is not, a stream error
     * cannot be pinned on the reply in flight (srx_bridge_sent_other) */
    unsigned long other_ping;
    int link_dead;             /* a ping timed out: disconnecting, nothing more is relayed */
    double last_ping;          /* monotonic: the last ping sent (or the connect) */
    unsigned long probe_seq;   /* a ping sent on an idle link, not answered yet */
    double probe_due;          /* by then */

    /* the Zendesk webhook listener */
    struct srx_webhook *wh;

    double next_pump, next_tick;
} srx_bridge;

/* now_wall / now_mono - seconds, with fractions */
double srx_now_wall(void);
double srx_now_mono(void);

/* --- xmpp.c --------------------------------------------------------------- */

/*
 * srx_conn_prime - THE workaround for libstrophe 0.12.2 (Debian 12): a
 * component connection crashes on the first stanza it receives, because
 * the stream-management state that every received stanza, every send and
 * every disconnect dereference is allocated only by xmpp_connect_client().
 * Prime the connection with a client connect that allocates that state and
 * fails in the socket setup before any connect(): a sockopt callback that
 * refuses.  No packet is sent; the connection stays disconnected.  Call it
 * before each xmpp_connect_component() (it is idempotent: the state is
 * allocated once).  Returns the client connect's result (XMPP_EINT
 * expected), for the log.  tests/xmpp/test_prime.c proves both the crash
 * without it and the fix.
 */
int srx_conn_prime(xmpp_conn_t *conn);

/* srx_xmpp_init - libstrophe context and connection for b->conf */
int srx_xmpp_init(srx_bridge *b, sr_error *err);

/* srx_xmpp_step - (re)connect when due; ping a link idle for
 * xmpp.ping_interval; drop a link whose server did not answer a ping
 * within xmpp.ping_timeout; call from the loop */
void srx_xmpp_step(srx_bridge *b);

/* srx_xmpp_send - a chat message (thread and id may be NULL); dropped with
 * a log line when not connected (prompts are not worth queueing; stored
 * answers wait in the outbox instead).  A relayed answer's id is the same
 * each time it is sent, so a client can drop a copy sent again after a
 * reconnect (no stream management on XEP-0114).  0 when the stanza was
 * handed to libstrophe; -1 when it was not (not connected, out of memory,
 * an error libstrophe logged while serializing or queueing it) */
int srx_xmpp_send(srx_bridge *b, const char *from, const char *to, const char *body,
                  const char *thread, const char *id);

/* srx_xmpp_ping - an XEP-0199 ping to the server (the component's
 * domain; a client's server domain) with the id srx_xmpp_ping_id makes of
 * ++b->ping_seq; 0 when it could not be sent, else that number */
unsigned long srx_xmpp_ping(srx_bridge *b);

/* srx_xmpp_ping_id / _seq - the id of ping number seq on link number
 * b->connects, and back (0 when id is not one of this link's pings) */
void srx_xmpp_ping_id(const srx_bridge *b, unsigned long seq, char *out, size_t size);
unsigned long srx_xmpp_ping_seq(const srx_bridge *b, const char *id);

/* srx_xmpp_chatstate - a standalone chat state (XEP-0085), no body;
 * dropped when not connected (a stale "typing" is worth nothing) */
void srx_xmpp_chatstate(srx_bridge *b, const char *from, const char *to, srx_chatstate cs);

/* srx_xmpp_reconnect - drop the connection and connect again at once
 * (after a reload changed the server, domain or secret) */
void srx_xmpp_reconnect(srx_bridge *b);

/* srx_xmpp_shutdown - say goodbye, disconnect, free libstrophe */
void srx_xmpp_shutdown(srx_bridge *b);

/* --- bridge.c ------------------------------------------------------------- */

/* srx_bridge_ops - the engine's operations on the store and XMPP */
extern const srx_ops srx_bridge_ops;

/* srx_bridge_pump - send the outbox's "deliver" jobs for the chat (agent
 * replies, the bot's answers, sentiroutectl ticket reply) while connected,
 * then a ping; the jobs are done when its answer comes
 * (srx_bridge_confirmed) */
void srx_bridge_pump(srx_bridge *b);

/* srx_bridge_confirmed - the server answered ping number seq (a result,
 * or an error: either way it read everything sent before it): the relayed
 * jobs it covers are done */
void srx_bridge_confirmed(srx_bridge *b, unsigned long seq);

/* srx_bridge_overdue - the first ping whose answer is overdue at now (a
 * monotonic time) while relayed jobs wait for it, else 0 */
unsigned long srx_bridge_overdue(const srx_bridge *b, double now);

/* srx_bridge_sent_other - a stanza that is no relayed reply went out (a
 * stream error may be about it) */
void srx_bridge_sent_other(srx_bridge *b);

/* srx_bridge_link_lost - the link dropped: the relayed jobs not confirmed
 * go back to the outbox, due again shortly (sent again after the
 * reconnect: at least once), and go one at a time until each is confirmed.
 * refused: the server ended the stream with an error a stanza can cause
 * (its condition and text), else NULL; a job that was alone in flight,
 * nothing else sent since the last answered ping, is parked as failed
 * with that reason (with other stanzas in flight it goes again, alone) */
void srx_bridge_link_lost(srx_bridge *b, const char *refused);

/* srx_bridge_bounced - the server (or the visitor's) answered relayed job
 * with an error stanza from from (type etype, condition cond, the error's
 * text or NULL): it did not reach the visitor (an anonymous one who left
 * is gone with their account).  Not confirmed: parked as failed with the
 * reason (retried for a "wait" error), logged; the core notes it on the
 * ticket.  The reason (it goes to the ticket and on to the helpdesk) names
 * the condition and the server's text, not the visitor's address; the log
 * line names the address.  A bounce that comes after the job was confirmed
 * (done) fails it the same way (sr_outbox_undelivered), or for a "wait"
 * error makes it pending again (sr_outbox_undelivered_later).  1 when the
 * error says the visitor is gone (their conversation is over; never a
 * "wait" error), else 0 (also for an error that is not from the job's
 * recipient or not for a relayed reply) */
int srx_bridge_bounced(srx_bridge *b, uint64_t job, const char *from, const char *etype,
                       const char *cond, const char *text);

/* srx_bridge_forget - free what the bridge keeps about lost links (at exit) */
void srx_bridge_forget(srx_bridge *b);

/* srx_bridge_relay - a helpdesk agent's reply that arrived by webhook:
 * into the transcript and to the visitor.  inv: Zendesk's invocation id
 * (NULL: none), kept in the store with the reply, so that a repeated
 * invocation is not relayed twice, also after a restart.  Returns an HTTP
 * status (200, also for a repeated invocation; 404 no such chat ticket,
 * 409 not handed off to zendesk, 500). */
int srx_bridge_relay(srx_bridge *b, const srx_wh_reply *r, const char *inv, char *why,
                     size_t whysize);

/* srx_log - a log line of the bridge, the engine or libstrophe, through sr_log
 * (which escapes and caps it); to stderr before the context exists */
void srx_log(srx_bridge *b, int level, const char *fmt, ...) SR_PRINTFLIKE(3, 4);

/* --- webhook.c ---------------------------------------------------------- */

/* srx_webhook_start - listen on the configured address (before the
 * privilege drop: the port may be below 1024).  NULL with err filled. */
struct srx_webhook *srx_webhook_start(srx_bridge *b, sr_error *err);

/* srx_webhook_secrets - (re)read the signing secret and token files */
int srx_webhook_secrets(struct srx_webhook *w, const srx_conf *c, sr_error *err);

/* srx_webhook_run - serve what is ready, never blocking */
void srx_webhook_run(struct srx_webhook *w);

void srx_webhook_stop(struct srx_webhook *w);

#endif
