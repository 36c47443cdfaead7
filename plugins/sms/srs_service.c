/*
 * srs_service.c - one HTTP request in, one answer out
 *
 * Endpoints (all behind sms.allow_ip and the size limits):
 *   GET|POST /kannel (alias /sms)  Kannel sms-service; shared secret
 *   GET|POST /twilio               Twilio-style form; X-Twilio-Signature
 *   POST /zendesk                  agent replies; X-Zendesk-Webhook-Signature
 *   POST /gorgias                  agent replies; X-Sentiroute-Token
 *   GET /health                    "ok" when the store answers
 *
 * An inbound SMS is stored (sr_ingest: committed before it returns) before
 * the answer is written, so whatever Kannel hears 200 for is in the store;
 * a failure answers 503, which Kannel retries (http-request-retry).  No
 * libmicrohttpd type appears here: srs_main.c translates.
 */
#include "build-config.h"

#include "srs.h"

#include "codec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct srs_server {
    sr_ctx *ctx;
    sr_store *st;
    pthread_mutex_t lock;
    srs_settings *settings;
    srs_dedupe *dd;          /* inbound messages */
    srs_dedupe *hooks;       /* webhook deliveries */
    void (*kick)(void *);
    void *kick_ud;
};

#define MAX_FIELDS 256

void srs_response_clear(srs_response *rs)
{
    free(rs->body);
    memset(rs, 0, sizeof(*rs));
}

srs_server *srs_server_new(sr_ctx *ctx, sr_store *st, srs_settings *s, void (*kick)(void *),
                           void *kick_ud, sr_error *err)
{
    srs_server *srv = calloc(1, sizeof(*srv));

    if (srv == NULL || (srv->dd = srs_dedupe_new((size_t)s->dedupe_max, s->dedupe_window)) ==
                           NULL ||
        (srv->hooks = srs_dedupe_new(100000, s->dedupe_window)) == NULL) {
        if (srv) {
            srs_dedupe_free(srv->dd);
            free(srv);
        }
        if (err) {
            memset(err, 0, sizeof(*err));
            err->code = SR_ENOMEM;
            snprintf(err->msg, sizeof(err->msg), "out of memory");
        }
        return NULL;
    }
    srv->ctx = ctx;
    srv->st = st;
    pthread_mutex_init(&srv->lock, NULL);
    srv->settings = srs_settings_ref(s);
    srv->kick = kick;
    srv->kick_ud = kick_ud;
    return srv;
}

void srs_server_free(srs_server *srv)
{
    if (srv == NULL)
        return;
    srs_server_release(srv, srv->settings);
    srs_dedupe_free(srv->dd);
    srs_dedupe_free(srv->hooks);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}

void srs_server_set_kick(srs_server *srv, void (*kick)(void *), void *kick_ud)
{
    srv->kick = kick;
    srv->kick_ud = kick_ud;
}

srs_settings *srs_server_settings(srs_server *srv)
{
    srs_settings *s;

    pthread_mutex_lock(&srv->lock);
    s = srs_settings_ref(srv->settings);
    pthread_mutex_unlock(&srv->lock);
    return s;
}

void srs_server_release(srs_server *srv, srs_settings *s)
{
    (void)srv;
    srs_settings_free(s);
}

void srs_server_swap(srs_server *srv, srs_settings *s)
{
    srs_settings *old;

    pthread_mutex_lock(&srv->lock);
    old = srv->settings;
    srv->settings = srs_settings_ref(s);
    pthread_mutex_unlock(&srv->lock);
    srs_settings_free(old);
}

/* --- inbound SMS ---------------------------------------------------------- */

const char *srs_reply_text(const srs_settings *s, const srs_dd_entry *e)
{
    switch (e->kind) {
    case SRS_KIND_ACK:
        return srs_text_for(s, s->ack, e->lang);
    case SRS_KIND_HANDOFF:
        return srs_text_for(s, s->handoff_text, e->lang);
    case SRS_KIND_NONE:
        return s->none_message;
    default:
        return "";
    }
}

/* handoff_wanted - the shim's own triggers: a keyword, a low score */
static const char *handoff_wanted(const srs_settings *s, const char *text, size_t len,
                                  double score, char *kw, size_t kwsize)
{
    if (srs_keyword_match(text, len, s->keywords, s->keyword_max_words, kw, kwsize))
        return "keyword";
    if (s->handoff_below > 0 && score >= 0 && score < s->handoff_below)
        return "sentiment";
    return NULL;
}

/* request_handoff - sr_handoff_request, which leaves a handed-off ticket alone */
static int request_handoff(sr_ctx *ctx, sr_store *st, uint64_t ticket, const char *why,
                           const char *kw, sr_error *err)
{
    char reason[160];
    uint64_t job = 0;
    int rc;

    snprintf(reason, sizeof(reason), "sms %s%s%s", why, *kw ? " " : "", kw);
    rc = sr_handoff_request(st, ticket, reason, &job, err);
    if (rc == SR_OK)
        sr_log(ctx, SR_LOG_INFO, "T%llu: handoff requested (%s)%s", (unsigned long long)ticket,
               reason, job ? "" : ", or done before");
    return rc;
}

/* conversation_lang - when a message is too short to tell its language
 * ("AGENT", "ok"), answer in the language the customer wrote before */
static void conversation_lang(sr_store *st, uint64_t ticket, char lang[4])
{
    sr_stored_message *m;
    size_t n;

    if (strcmp(lang, "und") != 0 || sr_ticket_transcript(st, ticket, &m, &n, NULL) != SR_OK)
        return;
    for (size_t i = n; i-- > 0;) {
        if (m[i].direction == SR_DIR_IN && m[i].lang[0] && strcmp(m[i].lang, "und") != 0) {
            snprintf(lang, 4, "%s", m[i].lang);
            break;
        }
    }
    sr_transcript_free(m, n);
}

/* replyable - 1 when sender is a number in E.164 that a reply can reach;
 * an alphanumeric sender ("VODAFONE", "Info Bank") or a short code cannot
 * be answered (and must not get Kannel's error texts either) */
static int replyable(const char *sender)
{
    char e164[17];

    return sr_e164_normalize(sender, "", e164) == SR_OK && strcmp(e164, sender) == 0;
}

int srs_ingest_sms(sr_ctx *ctx, sr_store *st, srs_dedupe *dd, const srs_settings *s,
                   const char *gateway, const srs_inbound *in, srs_dd_entry *res, int *dup,
                   sr_error *err)
{
    char e164[64], kid[65], kcontent[65], kw[64] = "";
    sr_message *msg;
    sr_ingest_result r;
    const char *text, *why;
    size_t tlen;
    int64_t now = (int64_t)time(NULL);
    int rc, hrc = SR_OK, noreply = 0;

    memset(res, 0, sizeof(*res));
    *dup = 0;
    if (sr_e164_normalize(in->from, s->default_country, e164) != SR_OK) {
        /* an alphanumeric sender, a short code, or a national number
         * without conversation.default_country: stored under the sender
         * as the gateway gave it (refusing would lose the message: Kannel
         * texts an error back for anything but 200), never answered */
        if (in->from[0] == '\0') {
            if (err) {
                memset(err, 0, sizeof(*err));
                err->code = SR_EINVAL;
                snprintf(err->where, sizeof(err->where), "from");
                snprintf(err->msg, sizeof(err->msg), "no sender");
            }
            return SR_EINVAL;
        }
        snprintf(e164, sizeof(e164), "%s", in->from);
        noreply = 1;
    }
    msg = sr_message_new(SR_CHANNEL_SMS, err);
    if (msg == NULL)
        return SR_ENOMEM;
    if ((rc = sr_message_set_text(msg, in->text ? in->text : "", in->len,
                                  (size_t)s->max_text_bytes, err)) != SR_OK ||
        (rc = sr_message_set_sender(msg, e164, err)) != SR_OK) {
        sr_message_free(msg);
        return rc;
    }
    if (in->repaired[0])
        sr_message_set_repaired(msg);   /* decoded with U+FFFD: flag it */
    /* the sending time keys the retry: a gateway's retry carries the same */
    if (in->ts > now - 7 * 86400 && in->ts < now + 86400)
        sr_message_set_timestamp(msg, in->ts);
    text = sr_message_text(msg, &tlen);
    srs_dedupe_key_id(gateway, in->id, kid);
    /* the sender as stored (control characters stripped): what a rebuild
     * from the store sees */
    srs_dedupe_key_content(sr_message_sender(msg), sr_message_timestamp(msg), text, tlen,
                           kcontent);

    if (dd && srs_dedupe_begin(dd, kid, kcontent, res, now) == SRS_DD_DONE) {
        /* a retry: stored before; make sure a handoff it asked for happened */
        *dup = 1;
        sr_log(ctx, SR_LOG_NOTICE, "T%llu: %s retry of a stored message from %s, answered again",
               (unsigned long long)res->ticket, gateway, e164);
        if (res->kind == SRS_KIND_HANDOFF)
            hrc = request_handoff(ctx, st, res->ticket, "retry", "", err);
        sr_message_free(msg);
        return hrc;
    }
    rc = sr_ingest(st, msg, &r, err);
    if (rc != SR_OK) {
        if (dd)
            srs_dedupe_abort(dd, kid, kcontent);
        sr_message_free(msg);
        return rc;
    }
    res->ticket = r.ticket_id;
    if (in->repaired[0])
        sr_log(ctx, SR_LOG_NOTICE, "T%llu: %s message from %s stored repaired: %s",
               (unsigned long long)r.ticket_id, gateway, sr_message_sender(msg), in->repaired);
    if (sr_message_text_truncated(msg))
        sr_log(ctx, SR_LOG_NOTICE, "T%llu: %s message from %s stored truncated: text of %zu "
               "bytes cut to %zu (sms.max_text_bytes)", (unsigned long long)r.ticket_id,
               gateway, sr_message_sender(msg), in->len, tlen);
    snprintf(res->lang, sizeof(res->lang), "%s", r.sentiment.lang);
    if (!r.created)
        conversation_lang(st, r.ticket_id, res->lang);
    why = handoff_wanted(s, text, tlen, r.sentiment.score, kw, sizeof(kw));
    if (why && !r.handoff)
        hrc = request_handoff(ctx, st, r.ticket_id, why, kw, err);
    if (noreply) {
        res->kind = SRS_KIND_EMPTY;
        sr_log(ctx, SR_LOG_NOTICE, "T%llu: %s message from \"%s\" stored; the sender is not "
               "a phone number%s, no automatic reply", (unsigned long long)r.ticket_id, gateway,
               sr_message_sender(msg), *s->default_country ? "" : " (national numbers "
               "need conversation.default_country)");
    } else if (r.handoff || why) {
        res->kind = s->method_none ? SRS_KIND_NONE : SRS_KIND_HANDOFF;
    } else if (r.created || r.reopened || s->ack_every) {
        res->kind = SRS_KIND_ACK;
    } else {
        res->kind = SRS_KIND_EMPTY;
    }
    /* stored: a retry must not store it again, even if the handoff failed
     * (the retry asks for it once more) */
    if (dd)
        srs_dedupe_finish(dd, kid, kcontent, res, now);
    sr_message_free(msg);
    return hrc;
}

/* rebuild_ticket - the dedupe keys of one ticket's recent inbound messages */
static size_t rebuild_ticket(srs_server *srv, const srs_settings *s, const sr_ticket *t,
                             int64_t cutoff)
{
    sr_stored_message *m;
    size_t n, added = 0;

    if (sr_ticket_transcript(srv->st, t->id, &m, &n, NULL) != SR_OK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char key[65], kw[64];
        srs_dd_entry e = {t->id, SRS_KIND_EMPTY, ""};
        size_t len;
        if (m[i].direction != SR_DIR_IN || m[i].at < cutoff || m[i].text == NULL)
            continue;
        len = strlen(m[i].text);
        snprintf(e.lang, sizeof(e.lang), "%s", m[i].lang);
        if (!replyable(t->requester))
            e.kind = SRS_KIND_EMPTY;   /* never answered, see srs_ingest_sms */
        else if (handoff_wanted(s, m[i].text, len, m[i].score, kw, sizeof(kw)))
            e.kind = s->method_none ? SRS_KIND_NONE : SRS_KIND_HANDOFF;
        else if (m[i].seq == 1 || s->ack_every)
            e.kind = SRS_KIND_ACK;
        srs_dedupe_key_content(t->requester, m[i].at, m[i].text, len, key);
        if (key[0]) {
            srs_dedupe_add(srv->dd, key, &e, m[i].at);
            added++;
        }
    }
    sr_transcript_free(m, n);
    return added;
}

int srs_server_rebuild(srs_server *srv, size_t *count, sr_error *err)
{
    srs_settings *s = srs_server_settings(srv);
    sr_ticket_filter f;
    sr_ticket *t;
    size_t n, added = 0;
    int64_t cutoff = (int64_t)time(NULL) - s->dedupe_window;
    int rc;

    memset(&f, 0, sizeof(f));
    f.channels = 1u << SR_CHANNEL_SMS;
    f.sort = SR_SORT_TIME;   /* updated, newest first */
    rc = sr_ticket_query(srv->st, &f, &t, &n, err);
    if (rc == SR_OK) {
        for (size_t i = 0; i < n && t[i].updated >= cutoff && added < (size_t)s->dedupe_max; i++)
            added += rebuild_ticket(srv, s, &t[i], cutoff);
        free(t);
    }
    srs_server_release(srv, s);
    *count = added;
    return rc;
}

/* --- answers ----------------------------------------------------------------- */

static void answer(srs_response *rs, int status, const char *ctype, const char *text)
{
    free(rs->body);
    rs->status = status;
    rs->ctype = ctype;
    rs->body = strdup(text ? text : "");
    rs->blen = rs->body ? strlen(rs->body) : 0;
}

/* error_answer - a 4xx/5xx with a one-line reason */
static void error_answer(srs_response *rs, int status, const char *why)
{
    char line[400];

    snprintf(line, sizeof(line), "%s\n", why);
    answer(rs, status, "text/plain; charset=utf-8", line);
}

/* status_for - the HTTP status for a failed ingest or parse */
static int status_for(int code)
{
    switch (code) {
    case SR_EFORMAT:
    case SR_EINVAL:
        return 400;
    case SR_ELIMIT:
        return 413;
    case SR_EUNSUPP:
        return 415;
    default:
        return 503;   /* store trouble: the gateway retries */
    }
}

/* basic_password - the password of "Authorization: Basic ..." into out */
static int basic_password(const char *auth, char *out, size_t size)
{
    char dec[512];
    size_t o;
    const char *colon;

    if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0)
        return 0;
    if (!srp_base64_decode(auth + 6, strlen(auth + 6), dec, sizeof(dec) - 1, &o))
        return 0;
    dec[o] = '\0';
    colon = memchr(dec, ':', o);
    if (colon == NULL)
        return 0;
    snprintf(out, size, "%.*s", (int)(o - (size_t)(colon + 1 - dec)), colon + 1);
    memset(dec, 0, sizeof(dec));
    return 1;
}

/* shared_secret_ok - 1 when no secret is configured or the request has it;
 * else fills rs with 401 (none given) or 403 (wrong) */
static int shared_secret_ok(const srs_settings *s, const srs_request *rq, const srs_form *q,
                            srs_response *rs)
{
    const srs_kv *kv = srs_form_get(q, "secret");
    const char *h = rq->header ? rq->header(rq->hud, "X-Sentiroute-Secret") : NULL;
    char pw[256];
    int ok;

    if (s->secret.buf == NULL)
        return 1;
    if (kv)
        ok = srp_ct_equal(kv->val, kv->vlen, s->secret.buf, s->secret.len);
    else if (h)
        ok = srp_ct_equal(h, strlen(h), s->secret.buf, s->secret.len);
    else if (basic_password(rq->header ? rq->header(rq->hud, "Authorization") : NULL, pw,
                            sizeof(pw)))
        ok = srp_ct_equal(pw, strlen(pw), s->secret.buf, s->secret.len);
    else {
        error_answer(rs, 401, "authentication required");
        rs->www_auth = "Basic realm=\"sentiroute-sms\"";
        return 0;
    }
    memset(pw, 0, sizeof(pw));
    if (!ok)
        error_answer(rs, 403, "wrong secret");
    return ok;
}

/* sms_answer - the reply SMS (or none) as the HTTP answer */
static void sms_answer(const srs_settings *s, const srs_dd_entry *e, int twiml,
                       srs_response *rs)
{
    const char *text = s->reply == SRS_REPLY_EMPTY ? "" : srs_reply_text(s, e);

    if (twiml) {
        free(rs->body);
        rs->status = 200;
        rs->ctype = "text/xml; charset=utf-8";
        rs->body = srs_twiml(text);
        rs->blen = rs->body ? strlen(rs->body) : 0;
        if (rs->body == NULL)
            error_answer(rs, 503, "out of memory");
        return;
    }
    answer(rs, 200, "text/plain; charset=utf-8", text);
    if (*text && srs_sendsms_coding(text, strlen(text)) == 2)
        snprintf(rs->xcoding, sizeof(rs->xcoding), "2");   /* UCS-2, not lossy GSM */
}

/* take_sms - store one inbound SMS and answer it */
static void take_sms(srs_server *srv, const srs_settings *s, const char *gateway,
                     const srs_inbound *in, int twiml, srs_response *rs)
{
    srs_dd_entry e;
    sr_error err;
    int dup, rc = srs_ingest_sms(srv->ctx, srv->st, srv->dd, s, gateway, in, &e, &dup, &err);

    if (rc != SR_OK) {
        sr_log(srv->ctx, rc == SR_EINVAL ? SR_LOG_WARNING : SR_LOG_ERR,
               "%s: message from %.20s not stored: %s%s%s", gateway, in->from, err.where,
               *err.where ? ": " : "", err.msg);
        error_answer(rs, status_for(rc), err.msg);
        return;
    }
    sms_answer(s, &e, twiml, rs);
}

static void kannel(srs_server *srv, const srs_settings *s, const srs_request *rq,
                   srs_response *rs)
{
    srs_form q;
    srs_inbound in;
    sr_error err;
    int rc, post = strcmp(rq->method, "POST") == 0;

    memset(&in, 0, sizeof(in));
    if (!post && strcmp(rq->method, "GET") != 0) {
        error_answer(rs, 405, "GET or POST");
        rs->allow = "GET, POST";
        return;
    }
    rc = srs_form_parse(rq->query, rq->qlen, MAX_FIELDS, &q, &err);
    if (rc != SR_OK) {
        error_answer(rs, status_for(rc == SR_ELIMIT ? SR_EFORMAT : rc), err.msg);
        srs_form_free(&q);
        return;
    }
    if (shared_secret_ok(s, rq, &q, rs)) {
        rc = srs_kannel_parse(post, &q, rq->header, rq->hud, rq->body, rq->blen, &in, &err);
        if (rc != SR_OK) {
            sr_log(srv->ctx, SR_LOG_WARNING, "kannel: bad request: %s: %s", err.where, err.msg);
            error_answer(rs, status_for(rc), err.msg);
        } else {
            take_sms(srv, s, "kannel", &in, 0, rs);
        }
        srs_inbound_clear(&in);
    }
    srs_form_free(&q);
}

/* twilio_url - the URL the provider signed: scheme, host, path and the
 * query as requested.  sms.twilio_url replaces what a proxy in front of us
 * changes (scheme, host, port, path); the query of the request is part of
 * the signed URL (a GET carries every field there), so it is appended
 * unless the configured URL already has its own.  malloc'ed (a GET query
 * is as long as the message), NULL when out of memory. */
static char *twilio_url(const srs_settings *s, const srs_request *rq)
{
    const char *host = rq->header ? rq->header(rq->hud, "Host") : NULL;
    const char *q = rq->query ? rq->query : "";
    int qn = (int)rq->qlen;
    char *out = NULL;

    if (*s->twilio_url) {
        int with_query = rq->qlen > 0 && strchr(s->twilio_url, '?') == NULL;
        if (asprintf(&out, "%s%s%.*s", s->twilio_url, with_query ? "?" : "",
                     with_query ? qn : 0, q) < 0)
            return NULL;
        return out;
    }
    if (asprintf(&out, "http://%s%s%s%.*s", host ? host : "localhost", rq->path,
                 rq->qlen ? "?" : "", qn, q) < 0)
        return NULL;
    return out;
}

static void twilio(srs_server *srv, const srs_settings *s, const srs_request *rq,
                   srs_response *rs)
{
    srs_form f;
    srs_inbound in;
    sr_error err;
    char *url;
    const char *sig = rq->header ? rq->header(rq->hud, "X-Twilio-Signature") : NULL;
    int rc, post = strcmp(rq->method, "POST") == 0;

    if (s->twilio_token.buf == NULL) {
        error_answer(rs, 404, "not configured (sms.twilio_token_file)");
        return;
    }
    if (!post && strcmp(rq->method, "GET") != 0) {
        error_answer(rs, 405, "GET or POST");
        rs->allow = "GET, POST";
        return;
    }
    if (sig == NULL) {
        error_answer(rs, 401, "X-Twilio-Signature missing");
        return;
    }
    rc = post ? srs_form_parse(rq->body, rq->blen, MAX_FIELDS, &f, &err)
              : srs_form_parse(rq->query, rq->qlen, MAX_FIELDS, &f, &err);
    if (rc != SR_OK) {
        srs_form_free(&f);
        error_answer(rs, 400, err.msg);
        return;
    }
    if ((url = twilio_url(s, rq)) == NULL) {
        srs_form_free(&f);
        error_answer(rs, 503, "out of memory");
        return;
    }
    if (!srs_twilio_verify(s->twilio_token.buf, s->twilio_token.len, url, post ? &f : NULL,
                           sig)) {
        /* the path only: a GET query holds the customer's number and text */
        sr_log(srv->ctx, SR_LOG_WARNING, "twilio: bad signature for %.*s", (int)strcspn(url, "?"),
               url);
        free(url);
        error_answer(rs, 403, "bad signature");
        srs_form_free(&f);
        return;
    }
    free(url);
    rc = srs_twilio_parse(&f, &in, &err);
    if (rc != SR_OK)
        error_answer(rs, status_for(rc), err.msg);
    else
        take_sms(srv, s, "twilio", &in, 1, rs);
    srs_inbound_clear(&in);
    srs_form_free(&f);
}

/* --- agent replies from helpdesks ------------------------------------------- */

static void json_answer(srs_response *rs, int status, const char *state, unsigned long long job)
{
    char buf[128];

    if (job)
        snprintf(buf, sizeof(buf), "{\"status\":\"%s\",\"job\":%llu}\n", state, job);
    else
        snprintf(buf, sizeof(buf), "{\"status\":\"%s\"}\n", state);
    answer(rs, status, "application/json", buf);
}

/* relay - queue an agent's reply for the SMS conversation */
static void relay(srs_server *srv, const srs_settings *s, const char *who, const char *inv,
                  srs_agent_reply *r, srs_response *rs)
{
    char k1[65], k2[65];
    sr_ticket t;
    sr_error err;
    srs_dd_entry e = {0, 0, ""};
    uint64_t job = 0;
    int64_t now = (int64_t)time(NULL);
    int rc;

    if (srs_ext_id_ticket(r->ext_id, s->instance, &r->ticket) != SR_OK) {
        sr_log(srv->ctx, SR_LOG_NOTICE, "%s: %s is not a ticket of this host, ignored", who,
               r->ext_id);
        json_answer(rs, 200, "ignored", 0);
        return;
    }
    rc = sr_ticket_get(srv->st, r->ticket, &t, &err);
    if (rc == SR_ENOTFOUND || (rc == SR_OK && t.channel != SR_CHANNEL_SMS)) {
        json_answer(rs, 200, "ignored", 0);   /* another adapter's conversation */
        return;
    }
    if (rc != SR_OK) {
        error_answer(rs, 503, "store unavailable");
        return;
    }
    if (!r->relay) {
        json_answer(rs, 200, "ignored", 0);   /* internal note, customer's own words */
        return;
    }
    srs_dedupe_key_id(who, inv, k1);
    srs_dedupe_key_id(who, r->event_id, k2);
    if (srs_dedupe_begin(srv->hooks, k1, k2, &e, now) == SRS_DD_DONE) {
        json_answer(rs, 200, "duplicate", (unsigned long long)e.ticket);
        return;
    }
    /* the keys go into the store with the reply: a retry that comes after
     * a restart (the in-memory table is empty then) is still recognised */
    {
        const char *keys[2] = {k1, k2};
        rc = sr_ticket_reply_once(srv->st, r->ticket, *r->author ? r->author : who, r->text,
                                  r->len, keys, 2, &job, &err);
    }
    if (rc == SR_EEXIST) {
        e.ticket = job;
        srs_dedupe_finish(srv->hooks, k1, k2, &e, now);
        json_answer(rs, 200, "duplicate", (unsigned long long)job);
        return;
    }
    if (rc != SR_OK) {
        srs_dedupe_abort(srv->hooks, k1, k2);
        sr_log(srv->ctx, SR_LOG_ERR, "T%llu: %s reply not stored: %s",
               (unsigned long long)r->ticket, who, err.msg);
        error_answer(rs, 503, "reply not stored");
        return;
    }
    e.ticket = job;
    srs_dedupe_finish(srv->hooks, k1, k2, &e, now);
    sr_log(srv->ctx, SR_LOG_INFO, "T%llu: %s agent reply queued for SMS, job %llu",
           (unsigned long long)r->ticket, who, (unsigned long long)job);
    if (srv->kick)
        srv->kick(srv->kick_ud);
    json_answer(rs, 200, "queued", (unsigned long long)job);
}

static void zendesk(srs_server *srv, const srs_settings *s, const srs_request *rq,
                    srs_response *rs)
{
    srs_agent_reply r;
    sr_error err;
    const char *sig, *ts, *inv;

    if (s->zendesk_secret.buf == NULL) {
        error_answer(rs, 404, "not configured (sms.zendesk_secret_file)");
        return;
    }
    if (strcmp(rq->method, "POST") != 0) {
        error_answer(rs, 405, "POST");
        rs->allow = "POST";
        return;
    }
    sig = rq->header(rq->hud, "X-Zendesk-Webhook-Signature");
    ts = rq->header(rq->hud, "X-Zendesk-Webhook-Signature-Timestamp");
    inv = rq->header(rq->hud, "X-Zendesk-Webhook-Invocation-Id");
    if (sig == NULL || ts == NULL) {
        error_answer(rs, 401, "X-Zendesk-Webhook-Signature and -Timestamp required");
        return;
    }
    if (!srs_zendesk_verify(s->zendesk_secret.buf, s->zendesk_secret.len, ts, rq->body,
                            rq->blen, sig, (int64_t)time(NULL), s->webhook_max_age)) {
        sr_log(srv->ctx, SR_LOG_WARNING, "zendesk: bad or stale signature");
        error_answer(rs, 403, "bad or stale signature");
        return;
    }
    if (srs_zendesk_parse(rq->body, rq->blen, &r, &err) != SR_OK) {
        error_answer(rs, 400, err.msg);
        return;
    }
    relay(srv, s, "zendesk", inv, &r, rs);
    srs_agent_reply_clear(&r);
}

static void gorgias(srs_server *srv, const srs_settings *s, const srs_request *rq,
                    srs_response *rs)
{
    srs_agent_reply r;
    sr_error err;
    const char *tok;

    if (s->gorgias_token.buf == NULL) {
        error_answer(rs, 404, "not configured (sms.gorgias_token_file)");
        return;
    }
    if (strcmp(rq->method, "POST") != 0) {
        error_answer(rs, 405, "POST");
        rs->allow = "POST";
        return;
    }
    tok = rq->header(rq->hud, "X-Sentiroute-Token");
    if (tok == NULL) {
        error_answer(rs, 401, "X-Sentiroute-Token required");
        return;
    }
    if (!srp_ct_equal(tok, strlen(tok), s->gorgias_token.buf, s->gorgias_token.len)) {
        sr_log(srv->ctx, SR_LOG_WARNING, "gorgias: wrong token");
        error_answer(rs, 403, "wrong token");
        return;
    }
    if (srs_gorgias_parse(rq->body, rq->blen, &r, &err) != SR_OK) {
        error_answer(rs, 400, err.msg);
        return;
    }
    relay(srv, s, "gorgias", NULL, &r, rs);
    srs_agent_reply_clear(&r);
}

/* srs_handle - route one request */
void srs_handle(srs_server *srv, const srs_request *rq, srs_response *rs)
{
    srs_settings *s = srs_server_settings(srv);
    const char *p = rq->path ? rq->path : "";

    memset(rs, 0, sizeof(*rs));
    if (!srs_allow_match(&s->allow, rq->peer)) {
        error_answer(rs, 403, "address not allowed (sms.allow_ip)");
    } else if (rq->body_too_big || (long long)(rq->qlen + rq->blen) > s->max_request_bytes) {
        error_answer(rs, 413, "request too large (sms.max_request_bytes)");
    } else if (strcmp(p, "/kannel") == 0 || strcmp(p, "/sms") == 0) {
        kannel(srv, s, rq, rs);
    } else if (strcmp(p, "/twilio") == 0) {
        twilio(srv, s, rq, rs);
    } else if (strcmp(p, "/zendesk") == 0) {
        zendesk(srv, s, rq, rs);
    } else if (strcmp(p, "/gorgias") == 0) {
        gorgias(srv, s, rq, rs);
    } else if (strcmp(p, "/health") == 0) {
        sr_ticket t;
        int rc = sr_ticket_get(srv->st, 1, &t, NULL);
        if (rc == SR_OK || rc == SR_ENOTFOUND)
            answer(rs, 200, "text/plain; charset=utf-8", "ok\n");
        else
            error_answer(rs, 503, "store unavailable");
    } else {
        error_answer(rs, 404, "no such endpoint (/kannel, /twilio, /zendesk, /gorgias, /health)");
    }
    if (rs->body == NULL && rs->status != 0)
        rs->status = 503;   /* strdup failed */
    srs_server_release(srv, s);
}
