/*
 * bridge.c - the engine's operations on the store (through the public API
 * only: sr_ingest_opts, sr_handoff_request, sr_ticket_*, sr_outbox_*) and
 * the delivery of "deliver" jobs addressed to the chat
 *
 * Agent and bot answers are written with sr_ticket_reply: the transcript
 * gets them and the outbox holds them until the server has confirmed them
 * (srx_bridge_pump: a ping after each batch), so
 * an answer written while the server was away goes out after the
 * reconnect.  The same path carries `sentiroutectl ticket reply` and the
 * Zendesk webhook's relays.
 */
#include "build-config.h"

#include "bridge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PUMP_MAX 256   /* jobs per pump: the loop must get back to the socket */
/* bytes of an answer per chat message: a longer one goes in parts.  Far
 * below what servers take in one stanza (Prosody: 512 KiB from a
 * component, 256 KiB from a client), even escaped (& is 5 bytes): a bigger
 * stanza ends the stream, again at every resend, and takes every answer
 * relayed with it along */
#define RELAY_PART_MAX 16384
/* a reply bounced with a temporary error ("wait") goes again on the
 * outbox's schedule for temporary failures (retry_after 0: the backoff of
 * its attempts, up to handoff.backoff_max), and fails for good after
 * handoff.max_attempts like any delivery: a recipient whose server says
 * "wait" for ever does not keep it for ever, nor get it every minute */
#define WAIT_RETRY 0

double srx_now_wall(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double srx_now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void srx_log(srx_bridge *b, int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (b->ctx != NULL)
        sr_log(b->ctx, level, "xmpp: %s", line);   /* sr_log escapes and caps */
    else
        fprintf(stderr, "sentiroute-xmpp: %s\n", line);
}

/* --- the engine's operations --------------------------------------------- */

static int op_ingest(void *ud, const srx_line *line, sr_ingest_result *res, sr_error *err)
{
    srx_bridge *b = ud;
    sr_message *m = sr_message_new(SR_CHANNEL_CHAT, err);
    int rc;

    if (m == NULL)
        return err ? err->code : SR_ENOMEM;
    rc = sr_message_set_text(m, line->text, line->len, (size_t)b->conf->max_body, err);
    if (rc == SR_OK)
        rc = sr_message_set_sender(m, line->from, err);
    if (rc == SR_OK && line->lang_hint && *line->lang_hint)
        rc = sr_message_set_lang_hint(m, line->lang_hint, err);
    if (rc == SR_OK && line->email)
        rc = sr_message_set_email(m, line->email, err);
    sr_message_set_authenticated(m, line->authenticated);
    if (rc == SR_OK)
        rc = sr_ingest_opts(b->store, m, SR_INGEST_ASK_FIRST, res, err);
    sr_message_free(m);
    return rc;
}

static int op_handoff(void *ud, uint64_t ticket, const char *reason, sr_error *err)
{
    srx_bridge *b = ud;
    uint64_t job = 0;
    int rc = sr_handoff_request(b->store, ticket, reason, &job, err);

    if (rc == SR_OK && job != 0 && b->worker != NULL)
        sr_outbox_worker_kick(b->worker);   /* the HTTP drivers: go */
    return rc;
}

static int op_ticket(void *ud, uint64_t ticket, sr_ticket *out, sr_error *err)
{
    srx_bridge *b = ud;

    return sr_ticket_get(b->store, ticket, out, err);
}

static int op_transcript(void *ud, uint64_t ticket, sr_stored_message **m, size_t *n,
                         sr_error *err)
{
    srx_bridge *b = ud;

    return sr_ticket_transcript(b->store, ticket, m, n, err);
}

static int op_reply(void *ud, uint64_t ticket, const char *author, const char *text,
                    sr_error *err)
{
    srx_bridge *b = ud;

    return sr_ticket_reply(b->store, ticket, author, text, strlen(text), NULL, err);
}

static int op_close(void *ud, uint64_t ticket, sr_error *err)
{
    srx_bridge *b = ud;

    return sr_ticket_close(b->store, ticket, err);
}

static int op_assign(void *ud, uint64_t ticket, const char *agent, sr_error *err)
{
    srx_bridge *b = ud;

    return sr_ticket_assign(b->store, ticket, agent, err);
}

static void op_send(void *ud, const char *from, const char *to, const char *body,
                    const char *thread)
{
    (void)srx_xmpp_send(ud, from, to, body, thread, NULL);   /* prompts: not worth a retry */
}

static void op_log(void *ud, int level, const char *line)
{
    srx_log(ud, level, "%s", line);
}

static void op_chatstate(void *ud, const char *from, const char *to, srx_chatstate cs)
{
    srx_xmpp_chatstate(ud, from, to, cs);
}

const srx_ops srx_bridge_ops = {op_ingest, op_handoff, op_ticket, op_transcript, op_reply,
                                op_close,  op_assign,  op_send,   op_log,        op_chatstate};

/* --- deliveries to the chat ----------------------------------------------- */

/*
 * XEP-0114 has no stream management: a stanza libstrophe has queued is
 * lost when the link drops before the server read it.  So a relayed job
 * is done only when the server answers a ping sent after it (it handles a
 * stream in order); until then it stays leased to us, and a lost link
 * hands it back to the outbox: sent again after the reconnect, at least
 * once.
 */

/* how long the jobs of a lost link go one at a time at most (a job an
 * admin dropped or parked is never confirmed) */
#define SUSPECT_TTL 600.0

/* suspect_add - job was in flight with others when the link was lost */
static void suspect_add(srx_bridge *b, uint64_t job)
{
    for (size_t i = 0; i < b->nsuspects; i++)
        if (b->suspects[i] == job)
            return;
    if (b->nsuspects == b->suspects_cap) {
        size_t cap = b->suspects_cap ? b->suspects_cap * 2 : 64;
        uint64_t *v = realloc(b->suspects, cap * sizeof(*v));
        if (v == NULL)
            return;   /* then it goes in a batch again: no worse than before */
        b->suspects = v;
        b->suspects_cap = cap;
    }
    b->suspects[b->nsuspects++] = job;
    b->suspects_until = srx_now_mono() + SUSPECT_TTL;
}

/* suspect_del - job confirmed or parked */
static void suspect_del(srx_bridge *b, uint64_t job)
{
    for (size_t i = 0; i < b->nsuspects; i++)
        if (b->suspects[i] == job) {
            b->suspects[i] = b->suspects[--b->nsuspects];
            return;
        }
}

/* careful - whether replies go one at a time now */
static int careful(srx_bridge *b)
{
    if (b->nsuspects > 0 && srx_now_mono() >= b->suspects_until)
        b->nsuspects = 0;
    return b->nsuspects > 0;
}

void srx_bridge_forget(srx_bridge *b)
{
    free(b->suspects);
    b->suspects = NULL;
    b->nsuspects = b->suspects_cap = 0;
}

/* unacked_add - job sent to to; confirmed by the next ping's answer */
static void unacked_add(srx_bridge *b, uint64_t job, const char *to)
{
    size_t i;

    for (i = 0; i < b->nunacked && b->unacked[i].job != job; i++)
        ;
    if (i == b->nunacked) {
        if (b->nunacked == b->unacked_cap) {
            size_t cap = b->unacked_cap ? b->unacked_cap * 2 : 64;
            struct srx_unacked *v = realloc(b->unacked, cap * sizeof(*v));
            if (v == NULL) {
                /* no room to remember it: leased, it comes again when the
                 * lease runs out */
                srx_log(b, SR_LOG_WARNING, "outbox: job %llu sent, out of memory to confirm it",
                        (unsigned long long)job);
                srx_bridge_sent_other(b);   /* in flight, unknown to link_lost */
                return;
            }
            b->unacked = v;
            b->unacked_cap = cap;
        }
        b->nunacked++;
    }
    b->unacked[i].job = job;   /* a job sent again (lease expired) waits for the new ping */
    srx_jid_bare(to, b->unacked[i].to, sizeof(b->unacked[i].to));
    b->unacked[i].ping = b->ping_seq + 1;
    b->unacked[i].deadline = 0;   /* until that ping is sent */
}

/* pinged - ping seq went out: the jobs it covers must be confirmed within
 * xmpp.ping_timeout (well before their outbox lease runs out), or the link
 * is dead */
static void pinged(srx_bridge *b, unsigned long seq)
{
    double due = srx_now_mono() + b->conf->ping_timeout;

    for (size_t i = 0; i < b->nunacked; i++)
        if (b->unacked[i].ping == seq && b->unacked[i].deadline == 0)
            b->unacked[i].deadline = due;
}

/* unpinged - a job sent whose ping could not be sent: it would wait for
 * the next batch's, which does not come while replies go one at a time */
static int unpinged(const srx_bridge *b)
{
    for (size_t i = 0; i < b->nunacked; i++)
        if (b->unacked[i].deadline == 0)
            return 1;
    return 0;
}

unsigned long srx_bridge_overdue(const srx_bridge *b, double now)
{
    for (size_t i = 0; i < b->nunacked; i++)
        if (b->unacked[i].deadline > 0 && now >= b->unacked[i].deadline)
            return b->unacked[i].ping;
    return 0;
}

void srx_bridge_sent_other(srx_bridge *b)
{
    b->other_ping = b->ping_seq + 1;   /* the next ping covers it */
}

void srx_bridge_confirmed(srx_bridge *b, unsigned long seq)
{
    size_t i, keep = 0;
    sr_error err;

    if (b->other_ping != 0 && b->other_ping <= seq)
        b->other_ping = 0;

    for (i = 0; i < b->nunacked; i++) {
        struct srx_unacked u = b->unacked[i];
        if (u.ping > seq) {
            b->unacked[keep++] = u;
            continue;
        }
        if (sr_outbox_complete(b->store, u.job, b->worker_name, NULL, &err) != SR_OK)
            srx_log(b, SR_LOG_WARNING, "outbox: job %llu sent but not marked done: %s",
                    (unsigned long long)u.job, err.msg);
        suspect_del(b, u.job);
    }
    b->nunacked = keep;
}

/* late_bounce - an error for a relayed reply that no longer waits for its
 * confirmation: confirmed (the server answered the ping after it before
 * the visitor's side bounced it), or a part of one already failed.  A
 * reply confirmed did not arrive after all: failed, and its ticket says
 * so (sr_outbox_undelivered); for a temporary error (wait) it goes again
 * later instead (sr_outbox_undelivered_later).  1 when it was such a
 * reply, from bare, its recipient, and is failed now */
static int late_bounce(srx_bridge *b, uint64_t job, const char *bare, const char *why, int wait)
{
    char to[SRX_JID_BARE_MAX + 1];
    sr_job j;
    sr_job_state state = SR_JOB_FAILED;
    sr_error err;
    int rc, ours;

    memset(&j, 0, sizeof(j));
    if (sr_outbox_get(b->store, job, &j, &err) != SR_OK) {
        srx_log(b, SR_LOG_DEBUG, "outbox: job %llu: an error from %s for a job we do not have: "
                "ignored", (unsigned long long)job, bare);
        return 0;
    }
    srx_jid_bare(j.to, to, sizeof(to));
    ours = strcmp(j.kind, "deliver") == 0 && strcmp(j.target, "chat") == 0;
    sr_job_clear(&j);
    if (!ours || strcmp(to, bare) != 0) {
        srx_log(b, SR_LOG_INFO, "outbox: job %llu: an error for it from %s, not from its "
                "recipient: ignored", (unsigned long long)job, bare);
        return 0;
    }
    rc = wait ? sr_outbox_undelivered_later(b->store, job, WAIT_RETRY, why, &state, &err)
              : sr_outbox_undelivered(b->store, job, why, &err);
    if (rc == SR_EEXIST || rc == SR_EINVAL) {
        /* failed already (another part bounced), or sent again meanwhile */
        srx_log(b, SR_LOG_DEBUG, "outbox: job %llu: a late error from %s: %s", (unsigned long long)job,
                bare, err.msg);
        return rc == SR_EEXIST;
    }
    if (rc != SR_OK) {
        srx_log(b, SR_LOG_WARNING, "outbox: job %llu: cannot record that it bounced: %s",
                (unsigned long long)job, err.msg);
        return 0;
    }
    if (state != SR_JOB_FAILED) {
        srx_log(b, SR_LOG_WARNING, "outbox: job %llu bounced after it was confirmed, again "
                "later: %s; from %s", (unsigned long long)job, why, bare);
        return 0;
    }
    srx_log(b, SR_LOG_WARNING, "outbox: job %llu bounced after it was confirmed, now failed: %s; "
            "from %s", (unsigned long long)job, why, bare);
    return 1;
}

int srx_bridge_bounced(srx_bridge *b, uint64_t job, const char *from, const char *etype,
                       const char *cond, const char *text)
{
    char bare[SRX_JID_BARE_MAX + 1], why[320], said[128] = "";
    size_t i;
    int gone, wait;
    sr_error err;

    srx_jid_bare(from, bare, sizeof(bare));
    /* the conditions a server answers for an account or session that is
     * no more (RFC 6120 8.5: a message to an unknown or offline JID) */
    wait = etype != NULL && strcmp(etype, "wait") == 0;
    /* ... unless the error is temporary (RFC 6120 8.3.2, "wait": retry
     * after waiting): the reply goes again, the visitor stays */
    gone = !wait && (strcmp(cond, "service-unavailable") == 0 ||
                     strcmp(cond, "item-not-found") == 0 ||
                     strcmp(cond, "recipient-unavailable") == 0 || strcmp(cond, "gone") == 0);
    if (text != NULL) {
        size_t n = srx_strlcpy(said, text, sizeof(said));
        if (n >= sizeof(said)) {
            /* cut: not inside a character */
            n = sizeof(said) - 1;
            while (n > 0 && ((unsigned char)said[n - 1] & 0xC0) == 0x80)
                n--;
            if (n > 0 && (unsigned char)said[n - 1] >= 0xC0)
                n--;
            said[n] = '\0';
        }
        srx_text_clean(said, 0);
        for (char *p = said; *p; p++)
            if (*p == '\r' || *p == '\n' || *p == '\t')
                *p = ' ';
    }
    /* the reason goes onto the ticket and to the helpdesk: the condition
     * and the server's words, not the visitor's address (the requester
     * shows who it is; the log lines name it) */
    snprintf(why, sizeof(why), "not delivered%s (%.8s error %.40s%s%s)",
             gone ? ": the visitor is gone" : "", etype ? etype : "an", cond, *said ? ": " : "",
             said);
    for (i = 0; i < b->nunacked && b->unacked[i].job != job; i++)
        ;
    if (i == b->nunacked)
        return late_bounce(b, job, bare, why, wait) && gone;
    if (strcmp(bare, b->unacked[i].to) != 0) {
        srx_log(b, SR_LOG_INFO, "outbox: job %llu: an error for it from %s, not from its "
                "recipient %s: ignored", (unsigned long long)job, bare, b->unacked[i].to);
        return 0;
    }
    b->unacked[i] = b->unacked[--b->nunacked];
    suspect_del(b, job);
    if (sr_outbox_fail(b->store, job, b->worker_name, !wait, WAIT_RETRY, why, &err) != SR_OK) {
        srx_log(b, SR_LOG_WARNING, "outbox: job %llu: cannot record that it failed: %s",
                (unsigned long long)job, err.msg);
    } else if (wait) {
        /* its attempts may be used up: then it is failed, as any other */
        sr_job j;
        memset(&j, 0, sizeof(j));
        if (sr_outbox_get(b->store, job, &j, &err) == SR_OK && j.state == SR_JOB_FAILED)
            srx_log(b, SR_LOG_WARNING, "outbox: job %llu bounced, failed for good after %d "
                    "attempts: %s; from %s", (unsigned long long)job, j.attempts, why, bare);
        else
            srx_log(b, SR_LOG_WARNING, "outbox: job %llu bounced, again later: %s; from %s",
                    (unsigned long long)job, why, bare);
        sr_job_clear(&j);
    } else {
        srx_log(b, SR_LOG_WARNING, "outbox: job %llu parked as failed: %s; from %s",
                (unsigned long long)job, why, bare);
    }
    return gone;
}

void srx_bridge_link_lost(srx_bridge *b, const char *refused)
{
    sr_error err;
    char why[256];

    if (b->nunacked == 1 && refused != NULL && b->other_ping != 0) {
        /* the stream error may be about a presence, prompt or chat state
         * sent since the last answered ping (the presences at connect go
         * before the first reply): the reply goes again, alone, and is
         * parked only if it ends the stream by itself */
        srx_log(b, SR_LOG_NOTICE, "outbox: job %llu was in flight with other stanzas when the "
                "server ended the stream (stream error %s): sent again alone",
                (unsigned long long)b->unacked[0].job, refused);
        suspect_add(b, b->unacked[0].job);
    } else if (b->nunacked == 1 && refused != NULL) {
        /* alone in flight, and the server ended the stream for something
         * we sent: this one, which would end it again at every resend */
        uint64_t job = b->unacked[0].job;
        snprintf(why, sizeof(why), "the XMPP server ended the stream when it was sent alone "
                 "(stream error %s)", refused);
        if (sr_outbox_fail(b->store, job, b->worker_name, 1, 0, why, &err) != SR_OK)
            srx_log(b, SR_LOG_WARNING, "outbox: job %llu: cannot park it: %s",
                    (unsigned long long)job, err.msg);
        else
            srx_log(b, SR_LOG_ERR, "outbox: job %llu parked as failed: %s",
                    (unsigned long long)job, why);
        suspect_del(b, job);
        b->nunacked = 0;
    }
    for (size_t i = 0; i < b->nunacked; i++) {
        uint64_t job = b->unacked[i].job;
        /* due again in a second or two (the attempt counts: a reply whose
         * link never holds is parked as failed after handoff.max_attempts) */
        if (sr_outbox_fail(b->store, job, b->worker_name, 0, 1,
                           "the XMPP link dropped before the server confirmed it", &err) != SR_OK)
            srx_log(b, SR_LOG_WARNING, "outbox: job %llu: cannot hand it back: %s",
                    (unsigned long long)job, err.msg);
        if (b->nunacked > 1)
            suspect_add(b, job);
    }
    if (b->nunacked > 0)
        srx_log(b, SR_LOG_NOTICE, "outbox: %zu relayed message(s) not confirmed before the link "
                "dropped: sending again after the reconnect%s", b->nunacked,
                b->nunacked > 1 ? ", one at a time" : "");
    b->nunacked = 0;
    b->ping_seq = 0;
    b->other_ping = 0;
}

/* part_len - the bytes of the next part of s (n bytes left): all of it
 * when it fits, else at most max, ending at a character boundary, after a
 * line break or else a space in the last quarter when there is one */
static size_t part_len(const char *s, size_t n, size_t max)
{
    size_t cut = max, i;

    if (n <= max)
        return n;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;   /* s[cut] starts a character */
    if (cut == 0)
        return max;
    for (i = cut; i > cut - cut / 4; i--)
        if (s[i - 1] == '\n')
            return i;
    for (i = cut; i > cut - cut / 4; i--)
        if (s[i - 1] == ' ')
            return i;
    return cut;
}

/* relay - one outbox job's text to the chat, under an id that is the same
 * at every attempt; in parts of at most RELAY_PART_MAX bytes.  -1 when it
 * (or a part of it) could not be sent (out of memory, a local libstrophe
 * error): all of it goes again */
static int relay(srx_bridge *b, const char *from, const char *to, const char *text,
                 uint64_t job)
{
    size_t n = strlen(text), off = 0, len;
    unsigned parts = 0;
    char id[128], *part;

    if (n <= RELAY_PART_MAX) {
        /* the same id each time the job goes: a copy sent again after a
         * lost link can be recognised by the client */
        snprintf(id, sizeof(id), "sr-%s-j%llu", b->instance, (unsigned long long)job);
        return srx_xmpp_send(b, from, to, text, NULL, id);
    }
    if ((part = malloc(RELAY_PART_MAX + 1)) == NULL)
        return -1;
    while (off < n) {
        len = part_len(text + off, n - off, RELAY_PART_MAX);
        memcpy(part, text + off, len);
        part[len] = '\0';
        off += len;
        if (strspn(part, " \t\r\n") == len)
            continue;
        snprintf(id, sizeof(id), "sr-%s-j%llu-%u", b->instance, (unsigned long long)job,
                 ++parts);
        if (srx_xmpp_send(b, from, to, part, NULL, id) != 0) {
            free(part);
            return -1;
        }
    }
    free(part);
    srx_log(b, SR_LOG_INFO, "outbox: job %llu (%zu bytes) relayed in %u messages",
            (unsigned long long)job, n, parts);
    return 0;
}

void srx_bridge_pump(srx_bridge *b)
{
    sr_error err;
    int sent = 0;
    unsigned long seq;
    int one = careful(b);   /* after a lost batch: one reply at a time, each confirmed */

    /* alone means alone: a presence, prompt or chat state not confirmed
     * yet (the presences sent at connect) is confirmed first, so that a
     * stream error after the reply is about the reply */
    if (one && b->other_ping != 0 && b->nunacked == 0) {
        if (b->other_ping > b->ping_seq && b->connected && !b->link_dead)
            (void)srx_xmpp_ping(b);   /* its answer pumps again (on_iq) */
        return;
    }
    for (int i = 0; i < PUMP_MAX && b->connected && !b->link_dead; i++) {
        sr_job job;
        const char *to, *from;
        int rc;

        if (one && (sent || b->nunacked > 0))
            break;
        memset(&job, 0, sizeof(job));
        rc = sr_outbox_claim(b->store, "chat", b->worker_name, 60, &job, &err);
        if (rc == SR_ENOTFOUND)
            break;
        if (rc != SR_OK) {
            srx_log(b, SR_LOG_ERR, "outbox: cannot claim: %s", err.msg);
            break;
        }
        if (job.to[0] == '\0' || job.text == NULL || job.text[0] == '\0') {
            sr_outbox_fail(b->store, job.id, b->worker_name, 1, 0, "no recipient or text",
                           NULL);
        } else {
            srx_engine_route(b->engine, job.to, srx_now_wall(), &to, &from);
            if (relay(b, from, to, job.text, job.id) != 0) {
                /* not sent: never done by the next ping's answer */
                srx_log(b, SR_LOG_WARNING, "outbox: job %llu not sent (out of memory or a "
                        "libstrophe error): again shortly", (unsigned long long)job.id);
                srx_bridge_sent_other(b);   /* some of its parts may have gone */
                sr_outbox_fail(b->store, job.id, b->worker_name, 0, 1,
                               "not sent: out of memory or a libstrophe error", NULL);
            } else {
                unacked_add(b, job.id, job.to);
                sent = 1;
            }
        }
        sr_job_clear(&job);
    }
    /* the batch is done when the server answers this (no answer before the
     * link drops: srx_bridge_link_lost; a ping that cannot be sent now:
     * the next batch's covers these too) */
    if ((sent || unpinged(b)) && b->connected && !b->link_dead && (seq = srx_xmpp_ping(b)) != 0)
        pinged(b, seq);
}

/* srx_bridge_relay - a Zendesk agent's comment into the chat */
int srx_bridge_relay(srx_bridge *b, const srx_wh_reply *r, const char *inv, char *why,
                     size_t whysize)
{
    sr_ticket t;
    sr_error err;
    char author[160], key[200];
    const char *keys[1] = {key};
    uint64_t job = 0;
    int rc;

    if (sr_ticket_get(b->store, r->ticket, &t, &err) != SR_OK) {
        snprintf(why, whysize, "no ticket %llu", (unsigned long long)r->ticket);
        return 404;
    }
    if (t.channel != SR_CHANNEL_CHAT) {
        snprintf(why, whysize, "ticket %llu is not a chat", (unsigned long long)r->ticket);
        return 404;
    }
    if (strcmp(t.method, "zendesk") != 0) {
        snprintf(why, whysize, "ticket %llu was not handed to zendesk",
                 (unsigned long long)r->ticket);
        return 409;
    }
    if (r->remote_id[0] && t.remote_id[0] && strcmp(r->remote_id, t.remote_id) != 0) {
        snprintf(why, whysize, "zendesk ticket %s is not ours (%s)", r->remote_id, t.remote_id);
        return 409;
    }
    snprintf(author, sizeof(author), "zendesk:%s", r->author[0] ? r->author : "agent");
    /* the invocation id is stored with the reply: Zendesk's retry of a
     * delivery whose answer it missed is dropped, even after a restart */
    snprintf(key, sizeof(key), "zendesk-inv:%.180s", inv && *inv ? inv : "");
    rc = sr_ticket_reply_once(b->store, r->ticket, author, r->comment, strlen(r->comment),
                              keys, inv && *inv ? 1 : 0, &job, &err);
    if (rc == SR_EEXIST) {
        snprintf(why, whysize, "duplicate invocation, relayed before (job %llu)",
                 (unsigned long long)job);
        return 200;
    }
    if (rc != SR_OK) {
        snprintf(why, whysize, "not stored: %s", err.msg);
        return 500;
    }
    srx_log(b, SR_LOG_INFO, "T%llu: zendesk reply relayed to %s", (unsigned long long)r->ticket,
            t.requester);
    srx_bridge_pump(b);
    return 200;
}
