/*
 * conversation.c - sr_ingest and the ticket operations
 *
 * sr_ingest() scores the message outside any lock (scoring is stateless),
 * then, in one write transaction: finds the conversation (email by
 * Message-ID/In-Reply-To/References, chat by the visitor's bare JID, SMS
 * by the E.164 number, or an explicit conversation key), opens, reopens or
 * updates the ticket, routes it with the sender's profile, appends the
 * message to the transcript, records events and enqueues outbox jobs.
 * The commit (grouped with concurrent callers) is the acknowledgement.
 */
#include "build-config.h"

#include "store.h"

#include "ctx.h"
#include "handoff.h"
#include "hmac.h"
#include "internal.h"
#include "route.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sr_e164_normalize - +CC... from what gateways pass */
int sr_e164_normalize(const char *in, const char *default_country, char out[17])
{
    char digits[32];
    size_t n = 0;
    const char *p = in;
    int intl = 0;

    if (in == NULL)
        return SR_EINVAL;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '+') {
        intl = 1;
        p++;
    } else if (p[0] == '0' && p[1] == '0') {
        intl = 1;
        p += 2;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n + 1 >= sizeof(digits))
                return SR_EINVAL;
            digits[n++] = *p;
        } else if (!strchr(" -./()", *p)) {
            return SR_EINVAL;   /* letters: an alphanumeric sender id */
        }
    }
    digits[n] = '\0';
    char full[64];
    if (!intl) {
        if (default_country == NULL || *default_country == '\0' || n == 0 ||
            strlen(default_country) > 4)
            return SR_EINVAL;
        /* national format: drop the trunk prefix 0 */
        snprintf(full, sizeof(full), "+%s%s", default_country,
                 digits[0] == '0' ? digits + 1 : digits);
    } else {
        if (n == 0 || digits[0] == '0')
            return SR_EINVAL;
        snprintf(full, sizeof(full), "+%s", digits);
    }
    n = strlen(full) - 1;
    if (n < 8 || n > 15)
        return SR_EINVAL;
    memcpy(out, full, n + 2);
    return SR_OK;
}

/* lower - ASCII lower case in place */
static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* email_len - the bytes of the address at the start of s: up to the
 * first blank, '>' or line break outside double quotes, so a quoted local
 * part keeps its blanks ("john doe"@example.com) and a trailing comment,
 * "jane@example.com (Jane)", is left out */
static size_t email_len(const char *s)
{
    size_t i;
    int quoted = 0;

    for (i = 0; s[i] != '\0' && s[i] != '\r' && s[i] != '\n'; i++) {
        if (quoted && s[i] == '\\' && s[i + 1] != '\0' && s[i + 1] != '\r' &&
            s[i + 1] != '\n')
            i++;   /* a quoted pair: "a\"b"@x */
        else if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
            break;
    }
    return i;
}

/* angle_addr - the address inside the first '<' outside double quotes
 * that a '>' closes ("Jane \"<Boss>\" Doe <jane@example.com>"), else NULL */
static const char *angle_addr(const char *s)
{
    int quoted = 0;

    for (; *s; s++) {
        if (quoted && *s == '\\' && s[1] != '\0')
            s++;
        else if (*s == '"')
            quoted = !quoted;
        else if (!quoted && *s == '<')
            return strchr(s, '>') != NULL ? s + 1 : NULL;
    }
    return NULL;
}

/* sender_key - the normalized sender for a channel: an email address whole
 * (a quoted local part with its blanks: "john doe"@ and "john smith"@ are
 * two customers), a bare JID, an E.164 number */
static int sender_key(const sr_config *cfg, sr_channel ch, const char *raw, char *out,
                      size_t size)
{
    char e164[17];
    const char *lt = ch == SR_CHANNEL_EMAIL ? angle_addr(raw) : strchr(raw, '<');
    size_t n;

    /* "Jane Doe <jane@example.com>": the address between the brackets */
    if (lt != NULL && ch != SR_CHANNEL_EMAIL)
        lt = strchr(lt, '>') != NULL ? lt + 1 : NULL;
    if (lt != NULL)
        raw = lt;
    while (*raw == ' ' || *raw == '\t')
        raw++;
    n = ch == SR_CHANNEL_SMS ? strlen(raw)
        : ch == SR_CHANNEL_CHAT ? strcspn(raw, "> \t\r\n/")
                                : email_len(raw);
    /* a key that does not fit is refused, not cut: two senders that share
     * the first 255 bytes would share a conversation */
    if (n >= size)
        return SR_ELIMIT;
    if (ch == SR_CHANNEL_SMS) {
        srp_strlcpy(out, raw, size);
        if (sr_e164_normalize(raw, cfg->conv_default_country, e164) == SR_OK)
            srp_strlcpy(out, e164, size);
        return *out ? SR_OK : SR_EINVAL;
    }
    memcpy(out, raw, n);   /* a chat key ends at the resource: the bare JID */
    out[n] = '\0';
    lower(out);
    return *out ? SR_OK : SR_EINVAL;
}

/* --- the conversation index --------------------------------------------- */

static int conv_get(sr_store *st, MDB_txn *txn, const char *key, uint64_t *ticket)
{
    MDB_val k = {strlen(key), (void *)key}, v;

    if (k.mv_size == 0 || k.mv_size > 500 || mdb_get(txn, st->conv, &k, &v) != 0 ||
        v.mv_size != 8)
        return 0;
    *ticket = srp_key_u64(v.mv_data);
    return 1;
}

static int conv_put(sr_store *st, MDB_txn *txn, const char *key, uint64_t ticket,
                    sr_error *err)
{
    unsigned char b[8];
    MDB_val k = {strlen(key), (void *)key}, v = {8, b};
    int rc;

    if (k.mv_size <= 2 || k.mv_size > 500)   /* LMDB keys are at most 511 bytes */
        return SR_OK;
    srp_u64_key(b, ticket);
    rc = mdb_put(txn, st->conv, &k, &v, 0);
    return rc ? srp_mdb_error(err, rc, "conversation index") : SR_OK;
}

/* conv_put_first - conv_put unless the key is there already: the first
 * ticket to claim a Message-ID keeps it */
static int conv_put_first(sr_store *st, MDB_txn *txn, const char *key, uint64_t ticket,
                          sr_error *err)
{
    unsigned char b[8];
    MDB_val k = {strlen(key), (void *)key}, v = {8, b};
    int rc;

    if (k.mv_size <= 2 || k.mv_size > 500)
        return SR_OK;
    srp_u64_key(b, ticket);
    rc = mdb_put(txn, st->conv, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return SR_OK;
    return rc ? srp_mdb_error(err, rc, "conversation index") : SR_OK;
}

/* msgid_key - "e:" + a Message-ID without <> and blanks */
static void msgid_key(const char *id, size_t len, char *out, size_t size)
{
    while (len > 0 && (*id == '<' || *id == ' ' || *id == '\t')) {
        id++;
        len--;
    }
    while (len > 0 && (id[len - 1] == '>' || id[len - 1] == ' '))
        len--;
    snprintf(out, size, "e:%.*s", (int)SR_MIN(len, 400), id);
}

/* find_thread - the ticket a message belongs to, 0 when none */
static uint64_t find_thread(sr_store *st, MDB_txn *txn, const sr_message *msg,
                            const char *sender)
{
    const char *conv = sr_message_conversation(msg);
    sr_channel ch = sr_message_channel(msg);
    char key[512];
    uint64_t t = 0;

    if (*conv) {
        snprintf(key, sizeof(key), "x:%s:%.400s", sr_channel_name(ch), conv);
        return conv_get(st, txn, key, &t) ? t : 0;
    }
    if (ch == SR_CHANNEL_EMAIL) {
        const char *irt = sr_message_in_reply_to(msg), *refs = sr_message_references(msg);
        const char *mid = sr_message_message_id(msg);
        const char *p, *end;
        if (*irt) {
            msgid_key(irt, strlen(irt), key, sizeof(key));
            if (conv_get(st, txn, key, &t))
                return t;
        }
        /* References: the newest (last) first */
        end = refs + strlen(refs);
        while (end > refs) {
            while (end > refs && isspace((unsigned char)end[-1]))
                end--;
            p = end;
            while (p > refs && !isspace((unsigned char)p[-1]))
                p--;
            if (end > p) {
                msgid_key(p, (size_t)(end - p), key, sizeof(key));
                if (conv_get(st, txn, key, &t))
                    return t;
            }
            end = p;
        }
        /* its own Message-ID known: a second delivery of a stored message
         * (a sender's retry, one transaction per support address), when
         * that ticket holds this sender's message with that id; another
         * sender's mail that copies the id is no reply to anything and
         * must not land in that customer's ticket */
        if (*mid) {
            char clean[256];
            msgid_key(mid, strlen(mid), key, sizeof(key));
            if (!conv_get(st, txn, key, &t))
                return 0;
            srp_msgid_clean(mid, strlen(mid), clean, sizeof(clean));
            return srp_msg_find_in(st, txn, t, clean, sender) != 0 ? t : 0;
        }
        return 0;
    }
    snprintf(key, sizeof(key), "%c:%.400s", ch == SR_CHANNEL_SMS ? 's' : 'c', sender);
    return conv_get(st, txn, key, &t) ? t : 0;
}

/* index_thread - point the message's thread keys at ticket */
static int index_thread(sr_store *st, MDB_txn *txn, const sr_message *msg, const char *sender,
                        uint64_t ticket, sr_error *err)
{
    const char *conv = sr_message_conversation(msg), *mid = sr_message_message_id(msg);
    sr_channel ch = sr_message_channel(msg);
    char key[512];
    int rc = SR_OK;

    if (*conv) {
        snprintf(key, sizeof(key), "x:%s:%.400s", sr_channel_name(ch), conv);
        rc = conv_put(st, txn, key, ticket, err);
    }
    if (rc == SR_OK && ch == SR_CHANNEL_EMAIL && *mid) {
        /* never re-pointed: a message that copies another's Message-ID
         * would take that customer's replies into its own ticket */
        msgid_key(mid, strlen(mid), key, sizeof(key));
        rc = conv_put_first(st, txn, key, ticket, err);
    }
    if (rc == SR_OK && (ch == SR_CHANNEL_SMS || ch == SR_CHANNEL_CHAT)) {
        snprintf(key, sizeof(key), "%c:%.400s", ch == SR_CHANNEL_SMS ? 's' : 'c', sender);
        rc = conv_put(st, txn, key, ticket, err);
    }
    return rc;
}

/* --- profiles ----------------------------------------------------------- */

/* profile_for - the sender's profile (or the given email's); 1 when found */
static int profile_for(sr_store *st, MDB_txn *txn, sr_channel ch, const char *sender,
                       const char *email, sr_profile *p)
{
    char key[300], em[256];

    snprintf(key, sizeof(key), "%c:%.280s",
             ch == SR_CHANNEL_SMS ? 'p' : ch == SR_CHANNEL_CHAT ? 'j' : 'e', sender);
    if (srp_profile_lookup(st, txn, key, p))
        return 1;
    if (*email) {
        srp_strlcpy(em, email, sizeof(em));
        lower(em);
        snprintf(key, sizeof(key), "e:%.280s", em);
        return srp_profile_lookup(st, txn, key, p);
    }
    return 0;
}

/* --- handoff inside a write ------------------------------------------- */

static json_t *snapshot(const sr_store *st, const sr_ticket *t, const char *reason)
{
    char ext[128], flags[160];

    srp_ext_id(st, t->id, ext, sizeof(ext));
    sr_flags_format(t->flags, flags, sizeof(flags));
    return json_pack("{ss ss ss ss ss ss ss ss ss ss ss sf ss ss ss sf sb ss}", "ext_id", ext,
                     "subject", t->subject, "requester", t->requester, "name",
                     t->requester_name, "email", t->email, "profile_id", t->profile_id,
                     "channel", sr_channel_name(t->channel), "priority",
                     sr_priority_name(t->priority), "queue", t->queue, "tags", t->tags,
                     "group", t->assignee_group, "score", (double)t->score, "label",
                     sr_label_name(t->label), "flags", flags, "lang", t->lang, "order_value",
                     t->order_value, "vip", t->vip != 0, "reason", reason ? reason : "");
}

static void none_text(const sr_config *cfg, char *out, size_t size)
{
    size_t o = srp_strlcpy(out, cfg->none_message, size);

    for (size_t i = 0; i < cfg->none_links.n && o < size; i++)
        o += (size_t)snprintf(out + o, size - o, "\n%s", cfg->none_links.v[i]);
}

/* do_handoff - hand ticket t to the configured method (t is saved by the caller) */
static int do_handoff(sr_store *st, MDB_txn *txn, sr_ticket *t, const char *reason,
                      int64_t now, uint64_t *job, char *none_msg, size_t none_size,
                      sr_error *err)
{
    int method = st->cfg->handoff_method;
    srp_jobspec spec = {0};
    int rc;

    *job = 0;
    if (t->handed_off)
        return SR_OK;
    if (method == SR_METHOD_NONE) {
        if (none_msg)
            none_text(st->cfg, none_msg, none_size);
        return srp_event_add(st, txn, SR_EVENT_RESOLVED_WITHOUT_HANDOFF, t, reason, now, err);
    }
    t->handed_off = 1;
    srp_strlcpy(t->method, sr_method_name((sr_handoff_method)method), sizeof(t->method));
    if (method != SR_METHOD_HELPDESK) {
        spec.kind = "handoff";
        spec.target = t->method;
        spec.ticket = t->id;
        spec.seq = t->nmessages;
        spec.snapshot = snapshot(st, t, reason);
        if (spec.snapshot == NULL)
            return srp_error(err, SR_ENOMEM, ENOMEM, "handoff", "out of memory");
        rc = srp_outbox_add(st, txn, &spec, now, job, err);
        json_decref(spec.snapshot);
        if (rc != SR_OK)
            return rc;
    }
    return srp_event_add(st, txn, SR_EVENT_HANDED_OFF, t, t->method, now, err);
}

/* comment_job - a follow-up for a ticket already at an external helpdesk */
static int comment_job(sr_store *st, MDB_txn *txn, const sr_ticket *t, int64_t now,
                       uint64_t *job, sr_error *err)
{
    srp_jobspec spec = {"comment", t->method, t->id, t->nmessages, NULL, NULL, NULL};
    int rc;

    spec.snapshot = snapshot(st, t, "");
    if (spec.snapshot == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, "handoff", "out of memory");
    rc = srp_outbox_add(st, txn, &spec, now, job, err);
    json_decref(spec.snapshot);
    return rc;
}

static int external(const char *method)
{
    return *method && strcmp(method, "helpdesk") != 0 && strcmp(method, "none") != 0;
}

/* --- replies that did not arrive ----------------------------------------- */

/* the tag of a ticket whose latest reply did not reach the customer */
#define UNDELIVERED_TAG "undelivered"

/* tags_del - remove tag from a comma-separated list; 1 when it was there */
static int tags_del(char *tags, const char *tag)
{
    size_t n = strlen(tag);
    char *p = tags;

    while (*p) {
        size_t k = strcspn(p, ",");
        if (k == n && memcmp(p, tag, n) == 0) {
            char *next = p[k] == ',' ? p + k + 1 : p + k;
            if (*next == '\0' && p > tags)
                p--;   /* the last one: its comma goes too */
            memmove(p, next, strlen(next) + 1);
            return 1;
        }
        p += k;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* notes_go_out - the method's comment is an internal note or an event for
 * the receiver (zendesk: public false, rt: a comment, webhook), so the
 * agents at the helpdesk may get our notes; gorgias posts a comment as the
 * customer's message: never a note */
static int notes_go_out(const char *method)
{
    return strcmp(method, "zendesk") == 0 || strcmp(method, "rt") == 0 ||
           strcmp(method, "webhook") == 0;
}

/*
 * srp_ticket_undelivered - reply reply_seq of ticket (outbox job job) did
 * not reach the customer (why): a note in the transcript, the ticket open
 * again if it waited for the customer, tagged "undelivered", and for a
 * helpdesk whose comments are internal the note as a comment job.  In the
 * caller's write transaction.
 */
int srp_ticket_undelivered(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t reply_seq,
                           uint64_t job, const char *why, int64_t now, srp_undelivered *out,
                           sr_error *err)
{
    static const char prefix[] = "not delivered: ";
    sr_ticket t;
    sr_stored_message sm;
    char text[512];
    int rc = srp_ticket_load(st, txn, ticket, &t, err);

    memset(out, 0, sizeof(*out));
    if (rc != SR_OK)
        return rc;
    if (why == NULL || *why == '\0')
        why = "no reason given";
    else if (strncmp(why, prefix, sizeof(prefix) - 1) == 0)
        why += sizeof(prefix) - 1;   /* the note says it already */
    snprintf(text, sizeof(text), "Reply #%u was not delivered (outbox job %llu): %s",
             (unsigned)reply_seq, (unsigned long long)job, why);
    memset(&sm, 0, sizeof(sm));
    sm.seq = ++t.nmessages;
    sm.direction = SR_DIR_NOTE;
    srp_strlcpy(sm.author, "sentiroute", sizeof(sm.author));
    sm.at = now;
    sm.text = text;
    sm.score = -1;
    if ((rc = srp_msg_save(st, txn, t.id, &sm, err)) != SR_OK)
        return rc;
    out->note_seq = sm.seq;
    /* pending means "waiting for the customer", who never got it */
    if (t.status == SR_STATUS_PENDING)
        t.status = SR_STATUS_OPEN;
    srp_tags_add(t.tags, sizeof(t.tags), UNDELIVERED_TAG);
    t.updated = now;
    if (t.handed_off && external(t.method)) {
        srp_strlcpy(out->method, t.method, sizeof(out->method));
        if (notes_go_out(t.method) &&
            (rc = comment_job(st, txn, &t, now, &out->comment_job, err)) != SR_OK)
            return rc;
    }
    return srp_ticket_save(st, txn, &t, err);
}

/* srp_ticket_delivered - a reply of ticket reached the customer: the
 * "undelivered" tag of an earlier one goes.  In the caller's transaction. */
int srp_ticket_delivered(sr_store *st, MDB_txn *txn, uint64_t ticket, sr_error *err)
{
    sr_ticket t;

    if (srp_ticket_load(st, txn, ticket, &t, NULL) != SR_OK ||
        !tags_del(t.tags, UNDELIVERED_TAG))
        return SR_OK;   /* a ticket gone (split, removed) needs nothing */
    return srp_ticket_save(st, txn, &t, err);
}

/* --- ingest ------------------------------------------------------------ */

typedef struct ingest_job {
    unsigned opts;             /* SR_INGEST_* */
    const sr_message *msg;
    const sr_sentiment *s;
    int64_t at;
    char sender[256];
    sr_ingest_result *out;
} ingest_job;

/* new_ticket - fill a fresh ticket for the message */
static int new_ticket(sr_store *st, MDB_txn *txn, ingest_job *j, sr_ticket *t, sr_error *err)
{
    const sr_message *m = j->msg;
    int rc;

    memset(t, 0, sizeof(*t));
    rc = srp_next_id(st, txn, "ticket", &t->id, err);
    if (rc != SR_OK)
        return rc;
    t->channel = sr_message_channel(m);
    t->status = SR_STATUS_NEW;
    srp_strlcpy(t->requester, j->sender, sizeof(t->requester));
    srp_strlcpy(t->requester_name, sr_message_sender_name(m), sizeof(t->requester_name));
    if (t->channel == SR_CHANNEL_EMAIL)
        srp_strlcpy(t->email, j->sender, sizeof(t->email));
    else
        srp_strlcpy(t->email, sr_message_email(m), sizeof(t->email));
    lower(t->email);
    srp_strlcpy(t->subject, sr_message_subject(m), sizeof(t->subject));
    if (!*t->subject) {
        /* chat and SMS have none: the start of the first message */
        size_t len;
        const char *text = sr_message_text(m, &len);
        size_t k = srp_cut_utf8(text, SR_MIN(len, 72));
        if (snprintf(t->subject, sizeof(t->subject), "%s from %.100s: %.*s",
                     sr_channel_name(t->channel), j->sender, (int)k, text) < 0)
            t->subject[0] = '\0';
        for (char *c = t->subject; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
    }
    t->created = j->at;
    t->prev_score = -1;
    return SR_OK;
}

/* worse - did this score make the conversation sharply worse? */
static int worse(const sr_config *cfg, const sr_ticket *t, const sr_sentiment *s)
{
    if (t->prev_score < 0)
        return 0;
    if (t->prev_score - s->score >= cfg->conv_worse_drop)
        return 1;
    return s->label == SR_LABEL_URGENT && t->label != SR_LABEL_URGENT;
}

/* stored_copy - the seq of this very message in ticket tid when the
 * sender's mail with its Message-ID is there already (a redelivery: the
 * sender's retry after a lost 250 or a 4xx, one SMTP transaction per
 * support address), else 0.  The transcript is read only when the id is
 * in the index, so other mail pays one lookup. */
static uint32_t stored_copy(sr_store *st, MDB_txn *txn, const sr_message *m, const char *sender,
                            uint64_t tid)
{
    const char *mid = sr_message_message_id(m);
    char key[512], clean[256];
    uint64_t t;

    if (sr_message_channel(m) != SR_CHANNEL_EMAIL || *mid == '\0')
        return 0;
    msgid_key(mid, strlen(mid), key, sizeof(key));
    if (!conv_get(st, txn, key, &t))
        return 0;
    srp_msgid_clean(mid, strlen(mid), clean, sizeof(clean));
    return srp_msg_find_in(st, txn, tid, clean, sender);
}

/* route_result - what ingest reports of the ticket and its route, for a
 * new message (seq) or one stored already */
static void route_result(sr_ingest_result *out, const sr_ticket *t, const sr_route_result *rr,
                         const sr_sentiment *s, uint32_t seq)
{
    out->ticket_id = t->id;
    out->msg_seq = seq;
    out->sentiment = *s;
    srp_strlcpy(out->queue, t->queue, sizeof(out->queue));
    out->priority = t->priority;
    srp_strlcpy(out->tags, t->tags, sizeof(out->tags));
    srp_strlcpy(out->assignee_group, t->assignee_group, sizeof(out->assignee_group));
    srp_strlcpy(out->rule, rr->rule, sizeof(out->rule));
    srp_strlcpy(out->add_recipient, rr->add_recipient, sizeof(out->add_recipient));
}

static int ingest_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    ingest_job *j = arg;
    const sr_config *cfg = st->cfg;
    const sr_message *m = j->msg;
    sr_ingest_result *out = j->out;
    sr_ticket t;
    sr_profile prof;
    sr_route_result rr;
    srp_route_in rin;
    sr_stored_message sm;
    uint64_t tid = find_thread(st, txn, m, j->sender), job = 0;
    uint32_t dup;
    int have_prof, created = 0, reopened = 0, rc;
    int had_inbound;

    if (tid && srp_ticket_load(st, txn, tid, &t, NULL) == SR_OK) {
        if (t.status == SR_STATUS_CLOSED &&
            j->at - t.updated > (int64_t)cfg->conv_reopen_days * 86400) {
            tid = 0;   /* closed long ago: a new conversation */
        } else if (t.status == SR_STATUS_CLOSED) {
            reopened = 1;
        }
    } else {
        tid = 0;
    }
    if (tid == 0) {
        rc = new_ticket(st, txn, j, &t, err);
        if (rc != SR_OK)
            return rc;
        created = 1;
    }
    if (!created && !*t.email && *sr_message_email(m)) {
        /* the chat bridge asked an anonymous visitor for an address */
        srp_strlcpy(t.email, sr_message_email(m), sizeof(t.email));
        lower(t.email);
    }
    had_inbound = t.prev_score >= 0 || (!created && t.nmessages > 0);
    if (!had_inbound)
        t.prev_score = -1;
    else
        t.prev_score = t.score;
    have_prof = profile_for(st, txn, t.channel, t.requester, t.email, &prof);
    if (have_prof) {
        t.order_value = prof.order_value;
        t.vip = prof.vip;
        srp_strlcpy(t.profile_id, prof.profile_id, sizeof(t.profile_id));
        if (!*t.requester_name)
            srp_strlcpy(t.requester_name, prof.name, sizeof(t.requester_name));
        if (!*t.email && *prof.email)
            srp_strlcpy(t.email, prof.email, sizeof(t.email));
    }
    t.turned_worse = worse(cfg, &t, j->s);
    rin.channel = t.channel;
    rin.text = sr_message_text(m, &rin.len);
    rin.s = j->s;
    rin.profile = have_prof ? &prof : NULL;
    rin.turned_worse = t.turned_worse;
    srp_route_eval(cfg, &rin, &rr);

    /* the ticket follows its latest customer message */
    t.score = j->s->score;
    t.label = j->s->label;
    t.flags = j->s->flags;
    srp_strlcpy(t.lang, j->s->lang, sizeof(t.lang));
    if (created || rr.rule[0]) {
        srp_strlcpy(t.queue, rr.queue, sizeof(t.queue));
        if (created || rr.priority > t.priority)
            t.priority = rr.priority;
        if (rr.assignee_group[0])
            srp_strlcpy(t.assignee_group, rr.assignee_group, sizeof(t.assignee_group));
    }
    for (const char *p = rr.tags; *p;) {
        char tag[64];
        size_t k = strcspn(p, ",");
        snprintf(tag, sizeof(tag), "%.*s", (int)SR_MIN(k, 63), p);
        srp_tags_add(t.tags, sizeof(t.tags), tag);
        p += k + (p[k] == ',');
    }
    if (t.status == SR_STATUS_CLOSED || t.status == SR_STATUS_PENDING)
        t.status = SR_STATUS_OPEN;
    if (!created && (dup = stored_copy(st, txn, m, j->sender, t.id)) != 0) {
        /* stored already: the ticket, its transcript and the outbox stay
         * as they are; the copy still gets the ticket's headers and its
         * route (add_recipient) */
        route_result(out, &t, &rr, j->s, dup);
        out->duplicate = 1;
        return SR_OK;
    }
    t.updated = j->at;
    t.nmessages++;

    memset(&sm, 0, sizeof(sm));
    sm.seq = t.nmessages;
    sm.direction = SR_DIR_IN;
    srp_strlcpy(sm.author, j->sender, sizeof(sm.author));
    sm.at = j->at;
    if (t.channel == SR_CHANNEL_EMAIL) {
        /* what an agent's reply answers (In-Reply-To, References) */
        const char *mid = sr_message_message_id(m);
        srp_msgid_clean(mid, strlen(mid), sm.message_id, sizeof(sm.message_id));
        srp_refs_clean(sr_message_references(m), sm.references, sizeof(sm.references));
    }
    sm.score = j->s->score;
    sm.label = j->s->label;
    sm.flags = j->s->flags;
    srp_strlcpy(sm.lang, j->s->lang, sizeof(sm.lang));
    {
        /* keep at most conversation.max_message_bytes, cut at a character */
        size_t len, cap = (size_t)cfg->conv_max_message_bytes;
        const char *text = sr_message_text(m, &len);
        if (len > cap) {
            size_t k = srp_cut_utf8(text, cap);
            sm.text = malloc(k + 16);
            if (sm.text == NULL)
                return srp_error(err, SR_ENOMEM, ENOMEM, "ingest", "out of memory");
            memcpy(sm.text, text, k);
            memcpy(sm.text + k, " [truncated]", 13);
        } else {
            sm.text = (char *)text;
        }
        rc = srp_msg_save(st, txn, t.id, &sm, err);
        if (sm.text != text)
            free(sm.text);
        if (rc != SR_OK)
            return rc;
    }
    if ((rc = index_thread(st, txn, m, j->sender, t.id, err)) != SR_OK)
        return rc;
    if (created && (rc = srp_event_add(st, txn, SR_EVENT_TICKET_CREATED, &t, "", j->at, err)))
        return rc;
    if (reopened && (rc = srp_event_add(st, txn, SR_EVENT_TICKET_REOPENED, &t, "", j->at, err)))
        return rc;
    if (t.turned_worse &&
        (rc = srp_event_add(st, txn, SR_EVENT_TURNED_WORSE, &t, "", j->at, err)) != SR_OK)
        return rc;
    out->none_message[0] = '\0';
    if (t.handed_off && external(t.method)) {
        rc = comment_job(st, txn, &t, j->at, &job, err);
    } else if (rr.handoff || *sr_message_handoff_request(m)) {
        /* the adapter's own request (the visitor said yes) or a rule's */
        const char *why = *sr_message_handoff_request(m) ? sr_message_handoff_request(m)
                          : rr.rule[0]                    ? rr.rule
                                                          : "requested";
        /* SR_INGEST_ASK_FIRST: a rule's wish is only reported (the chat
         * bridge asks the visitor first); the adapter's request is done */
        out->handoff_wanted = rr.handoff && !t.handed_off;
        if (!(j->opts & SR_INGEST_ASK_FIRST) || *sr_message_handoff_request(m)) {
            rc = do_handoff(st, txn, &t, why, j->at, &job, out->none_message,
                            sizeof(out->none_message), err);
            out->handoff = 1;
        }
    }
    if (rc != SR_OK || (rc = srp_ticket_save(st, txn, &t, err)) != SR_OK)
        return rc;

    route_result(out, &t, &rr, j->s, sm.seq);
    out->created = created;
    out->reopened = reopened;
    out->turned_worse = t.turned_worse;
    out->job_id = job;
    return SR_OK;
}

static int ingest_opts(sr_store *st, const sr_message *msg, unsigned opts,
                       sr_ingest_result *out, sr_error *err);

/* ingest - score, thread, route, store, enqueue: one durable commit */
static int ingest(sr_store *st, const sr_message *msg, sr_ingest_result *out, sr_error *err)
{
    return ingest_opts(st, msg, 0, out, err);
}

/* ingest_opts - ingest; SR_INGEST_ASK_FIRST leaves the handoff to the adapter */
static int ingest_opts(sr_store *st, const sr_message *msg, unsigned opts,
                       sr_ingest_result *out, sr_error *err)
{
    ingest_job j;
    sr_sentiment s;
    int rc;

    if (st == NULL || msg == NULL || out == NULL)
        return srp_error(err, SR_EINVAL, 0, "ingest", "missing argument");
    memset(out, 0, sizeof(*out));
    memset(&j, 0, sizeof(j));
    if (sr_message_channel(msg) == SR_CHANNEL_UNKNOWN)
        return srp_error(err, SR_EINVAL, 0, "ingest", "message has no channel");
    rc = sender_key(st->cfg, sr_message_channel(msg), sr_message_sender(msg), j.sender,
                    sizeof(j.sender));
    if (rc == SR_ELIMIT)
        return srp_error(err, SR_EINVAL, 0, "ingest", "sender address longer than %zu bytes",
                         sizeof(j.sender) - 1);
    if (rc != SR_OK)
        return srp_error(err, SR_EINVAL, 0, "ingest", "message has no sender");
    rc = sr_score(st->ctx, msg, &s, err);
    if (rc != SR_OK)
        return rc;
    j.opts = opts;
    j.msg = msg;
    j.s = &s;
    j.at = sr_message_timestamp(msg) ? sr_message_timestamp(msg) : srp_now();
    j.out = out;
    rc = srp_store_write(st, ingest_write, &j, err);
    if (rc == SR_OK)
        sr_log(st->ctx, SR_LOG_INFO,
               "T%llu: %s score=%.1f label=%s lang=%s queue=%s priority=%s%s%s%s",
               (unsigned long long)out->ticket_id,
               out->created ? "new" : out->duplicate ? "duplicate (stored already)" : "update",
               (double)s.score, sr_label_name(s.label), s.lang, out->queue,
               sr_priority_name(out->priority), out->handoff ? " handoff" : "",
               out->turned_worse ? " turned_worse" : "", out->reopened ? " reopened" : "");
    return rc;
}

/* --- handoff request --------------------------------------------------- */

typedef struct hreq {
    uint64_t ticket;
    const char *reason;
    uint64_t job;
} hreq;

static int handoff_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    hreq *h = arg;
    sr_ticket t;
    char none[1536];
    int rc = srp_ticket_load(st, txn, h->ticket, &t, err);

    if (rc != SR_OK)
        return rc;
    if (t.handed_off)
        return SR_OK;
    rc = do_handoff(st, txn, &t, h->reason, srp_now(), &h->job, none, sizeof(none), err);
    return rc == SR_OK ? srp_ticket_save(st, txn, &t, err) : rc;
}

static int handoff_request(sr_store *st, uint64_t ticket_id, const char *reason, uint64_t *job_id,
                       sr_error *err)
{
    hreq h = {ticket_id, reason ? reason : "requested", 0};
    int rc = srp_store_write(st, handoff_write, &h, err);

    if (job_id)
        *job_id = h.job;
    return rc;
}

/* --- reading tickets --------------------------------------------------- */

int sr_ticket_get(sr_store *st, uint64_t id, sr_ticket *out, sr_error *err)
{
    MDB_txn *txn;
    int rc = srp_store_read(st, &txn, err);

    if (rc != SR_OK)
        return rc;
    rc = srp_ticket_load(st, txn, id, out, err);
    srp_store_read_end(st, txn);
    return rc;
}

int sr_ticket_transcript(sr_store *st, uint64_t id, sr_stored_message **out, size_t *n,
                         sr_error *err)
{
    MDB_txn *txn;
    int rc = srp_store_read(st, &txn, err);

    if (rc != SR_OK)
        return rc;
    rc = srp_transcript_read(st, txn, id, 0, out, n, err);
    srp_store_read_end(st, txn);
    return rc;
}

static int filter_ok(const sr_ticket_filter *f, const sr_ticket *t)
{
    if (f->labels && !(f->labels & (1u << t->label)))
        return 0;
    if (f->statuses && !(f->statuses & (1u << t->status)))
        return 0;
    if (f->channels && !(f->channels & (1u << t->channel)))
        return 0;
    if (f->queue && *f->queue && strcmp(f->queue, t->queue) != 0)
        return 0;
    if (f->lang && *f->lang && strcmp(f->lang, t->lang) != 0)
        return 0;
    if (f->vip && !t->vip)
        return 0;
    if (f->tag && *f->tag) {
        char tags[520];
        snprintf(tags, sizeof(tags), ",%s,", t->tags);
        char want[80];
        snprintf(want, sizeof(want), ",%.70s,", f->tag);
        if (strstr(tags, want) == NULL)
            return 0;
    }
    return 1;
}

static int cmp3(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

static int by_time(const void *a, const void *b)
{
    const sr_ticket *x = a, *y = b;
    int c = cmp3((double)y->updated, (double)x->updated);
    return c ? c : cmp3((double)y->id, (double)x->id);
}

static int by_score(const void *a, const void *b)
{
    const sr_ticket *x = a, *y = b;
    int c = cmp3(x->score, y->score);
    return c ? c : by_time(a, b);
}

static int by_order(const void *a, const void *b)
{
    const sr_ticket *x = a, *y = b;
    int c = cmp3(y->order_value, x->order_value);
    return c ? c : by_score(a, b);
}

static int by_id(const void *a, const void *b)
{
    const sr_ticket *x = a, *y = b;
    return cmp3((double)x->id, (double)y->id);
}

static int by_priority(const void *a, const void *b)
{
    const sr_ticket *x = a, *y = b;
    int c = cmp3(y->priority, x->priority);
    return c ? c : by_score(a, b);
}

int sr_ticket_query(sr_store *st, const sr_ticket_filter *f, sr_ticket **out, size_t *n,
                    sr_error *err)
{
    static int (*const cmps[])(const void *, const void *) = {by_time, by_score, by_order,
                                                              by_id, by_priority};
    sr_ticket_filter none = {0};
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    sr_ticket *vec = NULL;
    size_t cnt = 0, cap = 0, keep;
    int rc;

    *out = NULL;
    *n = 0;
    if (f == NULL)
        f = &none;
    keep = f->limit && f->limit < SIZE_MAX / 4 / sizeof(*vec) ? SR_MAX(f->limit, 32) : 0;
    if ((unsigned)f->sort >= SR_ARRAY_LEN(cmps))
        return srp_error(err, SR_EINVAL, 0, "tickets", "unknown sort");
    if ((rc = srp_store_cursor(st, st->tickets, &txn, &cur, err)) != SR_OK)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (j == NULL)
            continue;
        if (cnt == cap) {
            sr_ticket *nv = realloc(vec, (cap ? cap * 2 : 64) * sizeof(*vec));
            if (nv == NULL) {
                json_decref(j);
                free(vec);
                srp_store_cursor_end(st, txn, cur);
                return srp_error(err, SR_ENOMEM, ENOMEM, "tickets", "out of memory");
            }
            vec = nv;
            cap = cap ? cap * 2 : 64;
        }
        srp_ticket_from_json(j, &vec[cnt]);
        json_decref(j);
        if (filter_ok(f, &vec[cnt]))
            cnt++;
        if (keep && cnt >= 2 * keep) {
            /* with a limit, memory holds twice the limit, not the store:
             * sort what is held and keep the tickets that can still make
             * the list (the sorts are total orders: the same result) */
            qsort(vec, cnt, sizeof(*vec), cmps[f->sort]);
            if (f->reverse)
                memmove(vec, vec + cnt - keep, keep * sizeof(*vec));
            cnt = keep;
        }
    }
    srp_store_cursor_end(st, txn, cur);
    qsort(vec, cnt, sizeof(*vec), cmps[f->sort]);
    if (f->reverse)
        for (size_t i = 0; i < cnt / 2; i++) {
            sr_ticket tmp = vec[i];
            vec[i] = vec[cnt - 1 - i];
            vec[cnt - 1 - i] = tmp;
        }
    if (f->limit && cnt > f->limit)
        cnt = f->limit;
    *out = vec;
    *n = cnt;
    return SR_OK;
}

/* --- ticket operations --------------------------------------------------- */

typedef struct op {
    uint64_t id;
    uint32_t from_seq;
    uint64_t new_id;
    const char *author, *text;
    size_t len;
    uint64_t job;
    const char *const *keys;   /* reply: its sources' ids (sr_ticket_reply_once) */
    size_t nkeys;
} op;

static int close_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    op *o = arg;
    sr_ticket t;
    int rc = srp_ticket_load(st, txn, o->id, &t, err);

    if (rc != SR_OK)
        return rc;
    if (t.status == SR_STATUS_CLOSED)
        return SR_OK;
    t.status = SR_STATUS_CLOSED;
    t.updated = srp_now();
    if ((rc = srp_event_add(st, txn, SR_EVENT_TICKET_CLOSED, &t, "", t.updated, err)) != SR_OK)
        return rc;
    if (!t.handed_off &&
        (rc = srp_event_add(st, txn, SR_EVENT_RESOLVED_WITHOUT_HANDOFF, &t, "closed", t.updated,
                            err)) != SR_OK)
        return rc;
    return srp_ticket_save(st, txn, &t, err);
}

int sr_ticket_close(sr_store *st, uint64_t id, sr_error *err)
{
    op o = {.id = id};
    return srp_store_write(st, close_write, &o, err);
}

/* rescore_ticket - re-score the inbound messages; the ticket follows the
 * latest (prev_score the one before) */
static int rescore_ticket(sr_store *st, MDB_txn *txn, sr_ticket *t, sr_error *err)
{
    sr_stored_message *msgs;
    size_t n;
    float prev = -1;
    int rc = srp_transcript_read(st, txn, t->id, 0, &msgs, &n, err), any = 0;

    if (rc != SR_OK)
        return rc;
    t->nmessages = n ? msgs[n - 1].seq : 0;
    for (size_t i = 0; i < n && rc == SR_OK; i++) {
        sr_sentiment s;
        if (msgs[i].direction != SR_DIR_IN)
            continue;
        rc = sr_score_text(st->ctx, msgs[i].text, strlen(msgs[i].text), NULL, &s, err);
        if (rc != SR_OK)
            break;
        msgs[i].score = s.score;
        msgs[i].label = s.label;
        msgs[i].flags = s.flags;
        srp_strlcpy(msgs[i].lang, s.lang, sizeof(msgs[i].lang));
        rc = srp_msg_save(st, txn, t->id, &msgs[i], err);
        if (any)
            prev = t->score;
        t->score = s.score;
        t->label = s.label;
        t->flags = s.flags;
        srp_strlcpy(t->lang, s.lang, sizeof(t->lang));
        any = 1;
    }
    t->prev_score = prev;
    sr_transcript_free(msgs, n);
    return rc;
}

static int reopen_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    op *o = arg;
    sr_ticket t;
    int rc = srp_ticket_load(st, txn, o->id, &t, err);

    if (rc != SR_OK)
        return rc;
    if (t.status != SR_STATUS_CLOSED)
        return srp_error(err, SR_EINVAL, 0, "ticket", "ticket %llu is not closed",
                         (unsigned long long)o->id);
    t.status = SR_STATUS_OPEN;
    t.updated = srp_now();
    if ((rc = rescore_ticket(st, txn, &t, err)) != SR_OK ||
        (rc = srp_event_add(st, txn, SR_EVENT_TICKET_REOPENED, &t, "", t.updated, err)) != SR_OK)
        return rc;
    return srp_ticket_save(st, txn, &t, err);
}

static int ticket_reopen(sr_store *st, uint64_t id, sr_error *err)
{
    op o = {.id = id};
    return srp_store_write(st, reopen_write, &o, err);
}

/* move_messages - seq from.. of src become 1.. of dst; email ids follow */
static int move_messages(sr_store *st, MDB_txn *txn, uint64_t src, uint32_t from, uint32_t last,
                         uint64_t dst, sr_error *err)
{
    for (uint32_t seq = from, ns = 1; seq <= last; seq++) {
        unsigned char k[12];
        MDB_val key = {12, k};
        json_t *j;
        int rc;

        srp_msg_key(k, src, seq);
        rc = srp_get_json(st, txn, st->msgs, k, 12, &j, NULL);
        if (rc == SR_ENOTFOUND)
            continue;
        if (rc != SR_OK)
            return srp_error(err, rc, 0, "split", "cannot read message %u", seq);
        json_object_set_new(j, "seq", json_integer(ns));
        if (mdb_del(txn, st->msgs, &key, NULL) != 0) {
            json_decref(j);
            return srp_error(err, SR_ESTORE, 0, "split", "cannot move message %u", seq);
        }
        srp_msg_key(k, dst, ns++);
        rc = srp_put_json(st, txn, st->msgs, k, 12, j, err);
        json_decref(j);
        if (rc != SR_OK)
            return rc;
    }
    return SR_OK;
}

static int split_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    op *o = arg;
    sr_ticket t, nt;
    char key[512];
    int rc = srp_ticket_load(st, txn, o->id, &t, err);

    if (rc != SR_OK)
        return rc;
    if (o->from_seq < 2 || o->from_seq > t.nmessages)
        return srp_error(err, SR_EINVAL, 0, "split",
                         "split point must be 2..%u (messages stay before it)", t.nmessages);
    nt = t;
    nt.remote_id[0] = '\0';
    nt.handed_off = 0;
    nt.method[0] = '\0';
    nt.status = SR_STATUS_OPEN;
    nt.created = nt.updated = srp_now();
    if ((rc = srp_next_id(st, txn, "ticket", &nt.id, err)) != SR_OK ||
        (rc = move_messages(st, txn, t.id, o->from_seq, t.nmessages, nt.id, err)) != SR_OK)
        return rc;
    /* the sender's ongoing conversation continues on the new ticket */
    if (t.channel == SR_CHANNEL_SMS || t.channel == SR_CHANNEL_CHAT) {
        snprintf(key, sizeof(key), "%c:%.400s", t.channel == SR_CHANNEL_SMS ? 's' : 'c',
                 t.requester);
        if ((rc = conv_put(st, txn, key, nt.id, err)) != SR_OK)
            return rc;
    }
    if ((rc = rescore_ticket(st, txn, &t, err)) != SR_OK ||
        (rc = rescore_ticket(st, txn, &nt, err)) != SR_OK)
        return rc;
    t.updated = nt.updated;
    if ((rc = srp_ticket_save(st, txn, &t, err)) != SR_OK ||
        (rc = srp_ticket_save(st, txn, &nt, err)) != SR_OK)
        return rc;
    o->new_id = nt.id;
    return srp_event_add(st, txn, SR_EVENT_TICKET_CREATED, &nt, "split", nt.created, err);
}

static int ticket_split(sr_store *st, uint64_t id, uint32_t from_seq, uint64_t *new_id,
                    sr_error *err)
{
    op o = {.id = id, .from_seq = from_seq};
    int rc = srp_store_write(st, split_write, &o, err);

    if (rc == SR_OK && new_id)
        *new_id = o.new_id;
    return rc;
}

/* mail_reply - fix an email reply's Message-ID, Date, Subject and threading
 * in its job (every attempt sends the same message), note its Message-ID
 * on the transcript and index it: the customer's answer threads back */
static int mail_reply(sr_store *st, MDB_txn *txn, const sr_ticket *t, uint64_t job, int64_t at,
                      sr_stored_message *sm, sr_error *err)
{
    sr_stored_message *msgs, *parent = NULL;
    size_t n;
    json_t *meta;
    char key[512];
    int rc = srp_transcript_read(st, txn, t->id, 0, &msgs, &n, err);

    if (rc != SR_OK)
        return rc;
    for (size_t i = n; i-- > 0 && parent == NULL;)
        if (msgs[i].direction == SR_DIR_IN && msgs[i].message_id[0])
            parent = &msgs[i];
    meta = srp_mail_reply_meta(st, job, t, parent, at);
    sr_transcript_free(msgs, n);
    if (meta == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, "reply", "out of memory");
    srp_strlcpy(sm->message_id, json_string_value(json_object_get(meta, "mid")),
                sizeof(sm->message_id));
    rc = srp_outbox_set(st, txn, job, "mail", meta, err);
    json_decref(meta);
    if (rc != SR_OK)
        return rc;
    msgid_key(sm->message_id, strlen(sm->message_id), key, sizeof(key));
    return conv_put(st, txn, key, t->id, err);
}

/*
 * Reply keys (sr_ticket_reply_once): meta "rk:" + SHA-256(key) -> the time
 * and the reply's job (8 + 8 bytes, big-endian), and "rt:" + time +
 * SHA-256(key) -> nothing, the order in which they expire.  Each reply
 * drops at most REPLY_KEY_PRUNE keys older than SR_REPLY_KEY_KEEP.
 */
#define REPLY_KEY_PRUNE 64

static void reply_key(unsigned char kb[3 + SRP_SHA256_LEN], const char *key)
{
    srp_sha256 c;

    kb[0] = 'r';
    kb[1] = 'k';
    kb[2] = ':';
    srp_sha256_init(&c);
    srp_sha256_update(&c, key, strlen(key));
    srp_sha256_final(&c, kb + 3);
}

/* reply_seen - 1 and the earlier reply's job when one of o's keys is known */
static int reply_seen(sr_store *st, MDB_txn *txn, const op *o, uint64_t *job)
{
    for (size_t i = 0; i < o->nkeys; i++) {
        unsigned char kb[3 + SRP_SHA256_LEN];
        MDB_val k = {sizeof(kb), kb}, v;
        if (o->keys[i] == NULL || *o->keys[i] == '\0')
            continue;
        reply_key(kb, o->keys[i]);
        if (mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == 16) {
            *job = srp_key_u64((const unsigned char *)v.mv_data + 8);
            return 1;
        }
    }
    return 0;
}

/* reply_keys_put - remember o's keys for its job; prune expired ones */
static int reply_keys_put(sr_store *st, MDB_txn *txn, const op *o, int64_t now, sr_error *err)
{
    unsigned char tb[3 + 8 + SRP_SHA256_LEN];
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, n = 0;

    for (size_t i = 0; i < o->nkeys; i++) {
        unsigned char kb[3 + SRP_SHA256_LEN], vb[16];
        MDB_val rk = {sizeof(kb), kb}, rv = {sizeof(vb), vb}, tk = {sizeof(tb), tb}, tv = {0, ""};
        if (o->keys[i] == NULL || *o->keys[i] == '\0')
            continue;
        reply_key(kb, o->keys[i]);
        srp_u64_key(vb, (uint64_t)now);
        srp_u64_key(vb + 8, o->job);
        memcpy(tb, "rt:", 3);
        srp_u64_key(tb + 3, (uint64_t)now);
        memcpy(tb + 11, kb + 3, SRP_SHA256_LEN);
        if ((rc = mdb_put(txn, st->meta, &rk, &rv, 0)) != 0 ||
            (rc = mdb_put(txn, st->meta, &tk, &tv, 0)) != 0)
            return srp_mdb_error(err, rc, "reply");
    }
    if ((rc = mdb_cursor_open(txn, st->meta, &cur)) != 0)
        return srp_mdb_error(err, rc, "cursor");
    memcpy(tb, "rt:", 3);
    memset(tb + 3, 0, sizeof(tb) - 3);
    k.mv_size = sizeof(tb);
    k.mv_data = tb;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < REPLY_KEY_PRUNE;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
        const unsigned char *kd = k.mv_data;
        unsigned char kb[3 + SRP_SHA256_LEN];
        MDB_val rk = {sizeof(kb), kb};
        if (k.mv_size != sizeof(tb) || memcmp(kd, "rt:", 3) != 0 ||
            (int64_t)srp_key_u64(kd + 3) >= now - SR_REPLY_KEY_KEEP)
            break;
        memcpy(kb, "rk:", 3);
        memcpy(kb + 3, kd + 11, SRP_SHA256_LEN);
        if (((rc = mdb_del(txn, st->meta, &rk, NULL)) != 0 && rc != MDB_NOTFOUND) ||
            (rc = mdb_cursor_del(cur, 0)) != 0) {
            mdb_cursor_close(cur);
            return srp_mdb_error(err, rc, "reply");
        }
    }
    mdb_cursor_close(cur);
    return SR_OK;
}

static int reply_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    op *o = arg;
    sr_ticket t;
    sr_stored_message sm;
    srp_jobspec spec = {0};
    int rc = srp_ticket_load(st, txn, o->id, &t, err);

    if (rc != SR_OK)
        return rc;
    if (reply_seen(st, txn, o, &o->job))
        return srp_error(err, SR_EEXIST, 0, "reply", "this reply was stored before (job %llu)",
                         (unsigned long long)o->job);
    memset(&sm, 0, sizeof(sm));
    sm.seq = ++t.nmessages;
    sm.direction = SR_DIR_OUT;
    srp_strlcpy(sm.author, o->author, sizeof(sm.author));
    sm.at = srp_now();
    sm.text = (char *)o->text;
    sm.score = -1;
    spec.kind = "deliver";
    spec.target = sr_channel_name(t.channel);
    spec.ticket = t.id;
    spec.seq = sm.seq;
    spec.to = t.requester;
    spec.text = o->text;
    if ((rc = srp_outbox_add(st, txn, &spec, sm.at, &o->job, err)) != SR_OK)
        return rc;
    if (t.channel == SR_CHANNEL_EMAIL &&
        (rc = mail_reply(st, txn, &t, o->job, sm.at, &sm, err)) != SR_OK)
        return rc;
    if ((rc = srp_msg_save(st, txn, t.id, &sm, err)) != SR_OK)
        return rc;
    if (o->nkeys > 0 && (rc = reply_keys_put(st, txn, o, sm.at, err)) != SR_OK)
        return rc;
    t.status = SR_STATUS_PENDING;
    t.updated = sm.at;
    return srp_ticket_save(st, txn, &t, err);
}

static int ticket_reply(sr_store *st, uint64_t id, const char *author, const char *text,
                    size_t len, const char *const *keys, size_t nkeys, uint64_t *job_id,
                    sr_error *err)
{
    char *copy;
    size_t clen;
    op o = {.id = id, .author = author && *author ? author : "agent", .keys = keys,
            .nkeys = keys ? nkeys : 0};
    int rc;

    if (text == NULL || len == 0)
        return srp_error(err, SR_EINVAL, 0, "reply", "empty reply");
    if (srp_utf8_repair(text, len, 0, &copy, &clen, NULL, NULL) != SR_OK)
        return srp_error(err, SR_ENOMEM, ENOMEM, "reply", "out of memory");
    for (size_t i = 0; i < clen; i++)
        if (copy[i] == '\0')
            copy[i] = ' ';
    o.text = copy;
    rc = srp_store_write(st, reply_write, &o, err);
    free(copy);
    if ((rc == SR_OK || rc == SR_EEXIST) && job_id)
        *job_id = o.job;
    return rc;
}

static int assign_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    op *o = arg;
    sr_ticket t;
    int rc = srp_ticket_load(st, txn, o->id, &t, err);

    if (rc != SR_OK)
        return rc;
    srp_strlcpy(t.assignee, o->author ? o->author : "", sizeof(t.assignee));
    if (t.status == SR_STATUS_NEW)
        t.status = SR_STATUS_OPEN;
    t.updated = srp_now();
    return srp_ticket_save(st, txn, &t, err);
}

int sr_ticket_assign(sr_store *st, uint64_t id, const char *assignee, sr_error *err)
{
    op o = {.id = id, .author = assignee};
    return srp_store_write(st, assign_write, &o, err);
}

/* --- rescore ------------------------------------------------------------ */

typedef struct rescore_state {
    uint64_t next;     /* first ticket id of this batch */
    size_t done;
    int more;
} rescore_state;

static int rescore_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    rescore_state *r = arg;
    MDB_cursor *cur;
    unsigned char kb[8];
    MDB_val k = {8, kb}, v;
    uint64_t ids[200];
    size_t n = 0;
    int rc;

    srp_u64_key(kb, r->next);
    if ((rc = mdb_cursor_open(txn, st->tickets, &cur)) != 0)
        return srp_mdb_error(err, rc, "cursor");
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < SR_ARRAY_LEN(ids);
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        ids[n++] = srp_key_u64(k.mv_data);
    mdb_cursor_close(cur);
    r->more = n == SR_ARRAY_LEN(ids);
    for (size_t i = 0; i < n; i++) {
        sr_ticket t;
        if ((rc = srp_ticket_load(st, txn, ids[i], &t, err)) != SR_OK ||
            (rc = rescore_ticket(st, txn, &t, err)) != SR_OK ||
            (rc = srp_ticket_save(st, txn, &t, err)) != SR_OK)
            return rc;
        r->next = ids[i] + 1;
    }
    r->done += n;
    return SR_OK;
}

static int store_rescore(sr_store *st, size_t *count, sr_error *err)
{
    rescore_state r = {1, 0, 1};
    int rc = SR_OK;

    while (r.more && rc == SR_OK)
        rc = srp_store_write(st, rescore_write, &r, err);
    if (count)
        *count = r.done;
    return rc;
}

/* sr_ingest - ingest on a view pinned to the current context */
int sr_ingest(sr_store *store, const sr_message *msg, sr_ingest_result *out, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? ingest(st, msg, out, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_ingest_opts - ingest_opts on a view pinned to the current context */
int sr_ingest_opts(sr_store *store, const sr_message *msg, unsigned opts, sr_ingest_result *out,
                   sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? ingest_opts(st, msg, opts, out, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_handoff_request - handoff_request on a view pinned to the current context */
int sr_handoff_request(sr_store *store, uint64_t ticket_id, const char *reason, uint64_t *job_id,
                       sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? handoff_request(st, ticket_id, reason, job_id, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_ticket_reopen - ticket_reopen on a view pinned to the current context */
int sr_ticket_reopen(sr_store *store, uint64_t id, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? ticket_reopen(st, id, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_ticket_split - ticket_split on a view pinned to the current context */
int sr_ticket_split(sr_store *store, uint64_t id, uint32_t from_seq, uint64_t *new_id,
                    sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? ticket_split(st, id, from_seq, new_id, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_ticket_reply - ticket_reply on a view pinned to the current context */
int sr_ticket_reply(sr_store *store, uint64_t id, const char *author, const char *text,
                    size_t len, uint64_t *job_id, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? ticket_reply(st, id, author, text, len, NULL, 0, job_id, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_ticket_reply_once - ticket_reply with keys, on a pinned view */
int sr_ticket_reply_once(sr_store *store, uint64_t id, const char *author, const char *text,
                         size_t len, const char *const *keys, size_t nkeys, uint64_t *job_id,
                         sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? ticket_reply(st, id, author, text, len, keys, nkeys, job_id, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_store_rescore - store_rescore on a view pinned to the current context */
int sr_store_rescore(sr_store *store, size_t *count, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? store_rescore(st, count, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}
