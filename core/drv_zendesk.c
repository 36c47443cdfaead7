/*
 * drv_zendesk.c - Zendesk Support API (reference/zendesk.md)
 *
 * handoff: POST /api/v2/tickets {"ticket": {...}} with Basic auth
 * "EMAIL/token:TOKEN" and Idempotency-Key = the job's key: a retry inside
 * Zendesk's ~2 h window returns the first ticket.  Past that window (or
 * after a 400 IdempotentRequestError) the ticket is looked up by
 * external_id before creating it again; a key Zendesk knows for another
 * body (changed since, e.g. by a reload) with no ticket behind it is
 * logged and the ticket sent under a key of the job and attempt.
 * comment: PUT /api/v2/tickets/ID with an internal note; Zendesk has no
 * idempotency for updates, so each note carries "sentiroute-ref: KEY" and
 * a retry first reads the ticket's comments for that marker, newest first
 * (sort_order=desc, 100 a page, page=N while next_page is not null, as far
 * as srp_lookup_more allows).
 * A ticket closed at Zendesk takes no update (422 "closed prevents ticket
 * update") and cannot be reopened: the comment becomes a follow-up ticket,
 * POST /api/v2/tickets with via_followup_source_id = the closed one, the
 * new message and a link to the old ticket, under the job's
 * Idempotency-Key (the same body on every retry).  Its id is the job's
 * remote id, which the outbox records on the local ticket: later comments
 * go to the follow-up.
 */
#include "build-config.h"

#include "handoff.h"

#include "internal.h"
#include "storeconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDEM_WINDOW 6000   /* seconds we trust Idempotency-Key (Zendesk: ~2 h) */

/* by_external_id - the tickets with our external_id: SR_OK and the
 * answer in *out, or SR_EHTTP with d filled */
static int by_external_id(const srp_payload *p, const char *hdr, srp_delivery *d, json_t **out)
{
    char url[1200], q[300];

    srp_url_escape(p->ext_id, q, sizeof(q));
    srp_url(url, sizeof(url), p->cfg->zd_url, "/api/v2/tickets?external_id=%s", q);
    return srp_http_get_json(p, url, hdr, "zendesk lookup", "tickets", d, out);
}

/* lookup - a ticket with our external_id; 1 and its id when found, 0
 * none, -1 error (d filled) */
static int lookup(const srp_payload *p, const char *hdr, char *id, size_t size, srp_delivery *d)
{
    json_t *j;
    int found;

    if (by_external_id(p, hdr, d, &j) != SR_OK)
        return -1;
    found = srp_found_id(json_array_get(json_object_get(j, "tickets"), 0), 0, id, size,
                         "zendesk lookup", d);
    json_decref(j);
    return found;
}

static json_t *custom_fields(const srp_payload *p)
{
    json_t *cf = json_array();
    const sr_config *c = p->cfg;

    if (c->zd_field_score)
        json_array_append_new(cf, json_pack("{sI sf}", "id", (json_int_t)c->zd_field_score,
                                            "value", srp_snap_num(p, "score")));
    if (c->zd_field_label)
        json_array_append_new(cf, json_pack("{sI ss}", "id", (json_int_t)c->zd_field_label,
                                            "value", srp_snap_str(p, "label")));
    if (c->zd_field_profile && *srp_snap_str(p, "profile_id"))
        json_array_append_new(cf, json_pack("{sI ss}", "id", (json_int_t)c->zd_field_profile,
                                            "value", srp_snap_str(p, "profile_id")));
    return cf;
}

/* ticket_json - a new ticket: subject, the comment (internal note), the
 * requester, priority, tags, custom fields and our external id */
static json_t *ticket_json(const srp_payload *p, const char *body)
{
    const char *email = srp_snap_str(p, "email");
    json_t *ticket = json_pack("{ss s{ss sb} ss so ss}", "subject", srp_snap_str(p, "subject"),
                               "comment", "body", body, "public", 0, "priority",
                               srp_snap_str(p, "priority"), "tags", srp_tags_json(p, 0),
                               "external_id", p->ext_id);

    if (ticket && *email)
        json_object_set_new(ticket, "requester",
                            json_pack("{ss ss}", "name",
                                      *srp_snap_str(p, "name") ? srp_snap_str(p, "name") : email,
                                      "email", email));
    if (ticket && (p->cfg->zd_field_score || p->cfg->zd_field_label || p->cfg->zd_field_profile))
        json_object_set_new(ticket, "custom_fields", custom_fields(p));
    return ticket;
}

/* post_ticket - POST a new ticket (taken) under Idempotency-Key key; the
 * caller frees r */
static void post_ticket(const srp_payload *p, const char *hdr, const char *key, json_t *ticket,
                        srp_http_resp *r)
{
    char url[1200], idem[200];
    const char *extra[2] = {idem, NULL};
    json_t *req = json_pack("{so}", "ticket", ticket);

    snprintf(idem, sizeof(idem), "Idempotency-Key: %.180s", key);
    srp_url(url, sizeof(url), p->cfg->zd_url, "/api/v2/tickets");
    srp_send_json(p, "POST", url, hdr, extra, req, r);
    json_decref(req);
}

/* idem_refused - Zendesk's 400 for a key it knows with another body */
static int idem_refused(const srp_http_resp *r)
{
    return r->status == 400 && r->body && strstr(r->body, "IdempotentRequestError");
}

/* resend - Zendesk knows the job's Idempotency-Key for another body (the
 * body changed since an earlier attempt: a reload of the transcript limit,
 * the custom fields, the URL...) and no ticket has our external_id, so no
 * earlier attempt made one.  Waiting for the key to expire (~2 h) would
 * hold the ticket back for nothing: send it now under a key of this job
 * and attempt.  Were that answer lost too, the next attempt's 400 and its
 * lookup find what it made.  ticket is taken. */
static void resend(const srp_payload *p, const char *hdr, json_t *ticket, const char *what,
                   srp_delivery *d)
{
    char key[200];
    srp_http_resp r;

    snprintf(key, sizeof(key), "%.160s-a%d", p->idem_key, p->attempts);
    sr_log(p->ctx, SR_LOG_WARNING,
           "T%llu: %s: Zendesk refused Idempotency-Key %s (IdempotentRequestError: an earlier"
           " attempt sent another body, e.g. before a configuration reload) and no ticket has"
           " external_id %s: sending again under Idempotency-Key %s",
           (unsigned long long)p->ticket_id, what, p->idem_key, p->ext_id, key);
    post_ticket(p, hdr, key, ticket, &r);
    srp_http_classify(&r, what, d);
    if (d->outcome == SRP_DELIVERED) {
        srp_remote_id(&r, "ticket", 0, "zendesk: 2xx without ticket.id", d);
    } else if (idem_refused(&r)) {
        d->outcome = SRP_PERMANENT;
        snprintf(d->why, sizeof(d->why),
                 "%.20s: Zendesk refused Idempotency-Keys %.40s and its -a%d"
                 " (IdempotentRequestError), no ticket has our external_id: look for the ticket"
                 " at Zendesk, then outbox retry or drop this job",
                 what, p->idem_key, p->attempts);
    }
    srp_http_resp_free(&r);
}

static void create(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char sum[300], *tr, *body;
    srp_http_resp r;
    int looked = p->attempts > 1 && time(NULL) - p->first_attempt > IDEM_WINDOW;

    if (looked && srp_lookup_done(lookup(p, hdr, d->remote_id, sizeof(d->remote_id), d), NULL, d))
        return;
    tr = srp_transcript_text(p);
    srp_summary(p, sum, sizeof(sum));
    body = tr ? srp_strdup_printf("%s\nrequester: %s\nprofile: %s\n\n%s", sum,
                                  srp_snap_str(p, "requester"),
                                  *srp_snap_str(p, "profile_id") ? srp_snap_str(p, "profile_id")
                                                                 : "-",
                                  tr)
              : NULL;
    free(tr);
    if (body == NULL) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "out of memory");
        return;
    }
    post_ticket(p, hdr, p->idem_key, ticket_json(p, body), &r);
    srp_http_classify(&r, "zendesk create", d);
    if (d->outcome == SRP_DELIVERED) {
        srp_remote_id(&r, "ticket", 0, "zendesk create: 2xx without ticket.id", d);
    } else if (idem_refused(&r)) {
        /* the key was used with another body: find what the first one made
         * (unless the lookup before this POST just found nothing) */
        int found = looked ? 0 : lookup(p, hdr, d->remote_id, sizeof(d->remote_id), d);
        if (found > 0)
            d->outcome = SRP_DELIVERED;
        else if (found == 0)
            resend(p, hdr, ticket_json(p, body), "zendesk create", d);
    }
    free(body);
    srp_http_resp_free(&r);
}

/* has_marker - does body hold marker as a whole line end: followed by
 * the end or white space, never by more key ("sentiroute-ref: sr-x-j2" is
 * not in a note that ends "sentiroute-ref: sr-x-j20") */
static int has_marker(const char *body, const char *marker)
{
    size_t n = strlen(marker);

    for (const char *at = strstr(body, marker); at; at = strstr(at + 1, marker))
        if (at[n] == '\0' || isspace((unsigned char)at[n]))
            return 1;
    return 0;
}

/* srp_zendesk_seen - see handoff.h */
int srp_zendesk_seen(const json_t *page, const char *marker, int *more)
{
    const json_t *c;
    size_t i;
    int seen = 0;

    json_array_foreach(json_object_get(page, "comments"), i, c) {
        const char *b = json_string_value(json_object_get(c, "body"));
        if (b && has_marker(b, marker))
            seen = 1;
    }
    *more = json_is_string(json_object_get(page, "next_page"));
    return seen;
}

/* comment_seen - does the ticket already have a note with our marker? */
static int comment_seen(const srp_payload *p, const char *hdr, const char *marker,
                        srp_delivery *d)
{
    char url[1200];
    json_t *j;
    int seen = 0, more = 1;
    double started = srp_mono();

    /* comments come 100 a page, oldest first: newest first, our note is
     * on the first page unless agents wrote a lot since (a job parked and
     * requeued).  The page URL is ours, not next_page's: the credentials
     * go to the configured host only */
    for (int page = 1; !seen && more; page++) {
        if (page > 1 && !srp_lookup_more(p, started, page - 1, "zendesk comments", marker))
            break;
        srp_url(url, sizeof(url), p->cfg->zd_url,
                "/api/v2/tickets/%s/comments?sort_order=desc&page=%d", p->remote_id, page);
        if (srp_http_get_json(p, url, hdr, "zendesk comments", "comments", d, &j) != SR_OK)
            return -1;
        seen = srp_zendesk_seen(j, marker, &more);
        json_decref(j);
    }
    return seen;
}

/* srp_zendesk_closed - is this the 422 of an update to a closed ticket? */
int srp_zendesk_closed(const srp_http_resp *r)
{
    json_t *j, *st;
    size_t i;
    const json_t *e;
    int yes = 0;

    if (r->status != 422 || r->body == NULL)
        return 0;
    j = json_loads(r->body, 0, NULL);
    st = json_object_get(json_object_get(j, "details"), "status");
    json_array_foreach(st, i, e) {
        const char *desc = json_string_value(json_object_get(e, "description"));
        if (desc && strstr(desc, "closed"))
            yes = 1;
    }
    json_decref(j);
    return yes;
}

/* followup_of - does ticket t say it follows up source? (our request's
 * field, or Zendesk's via.source.from.ticket_id) */
static int followup_of(const json_t *t, json_int_t source)
{
    const json_t *v = json_object_get(t, "via_followup_source_id");
    const json_t *from = json_object_get(json_object_get(json_object_get(t, "via"), "source"),
                                         "from");

    if (json_is_integer(v) && json_integer_value(v) == source)
        return 1;
    v = json_object_get(from, "ticket_id");
    return json_is_integer(v) && json_integer_value(v) == source;
}

/* lookup_followup - past the idempotency window: a follow-up of source
 * with our external id, made by an earlier attempt; 1 and its id */
static int lookup_followup(const srp_payload *p, const char *hdr, json_int_t source,
                           srp_delivery *d)
{
    json_t *j, *t;
    size_t i;
    json_int_t best = 0;

    if (by_external_id(p, hdr, d, &j) != SR_OK)
        return -1;
    json_array_foreach(json_object_get(j, "tickets"), i, t) {
        json_int_t id = json_integer_value(json_object_get(t, "id"));
        if (followup_of(t, source) && id > best)
            best = id;
    }
    json_decref(j);
    if (best > 0)
        snprintf(d->remote_id, sizeof(d->remote_id), "%lld", (long long)best);
    return best > 0;
}

/* followup - the ticket is closed at Zendesk: open a follow-up ticket with
 * the new message, linked to the closed one */
static void followup(const srp_payload *p, const char *hdr, const char *text, srp_delivery *d)
{
    char agent[1200], *body;
    json_int_t source = (json_int_t)strtoll(p->remote_id, NULL, 10);
    srp_http_resp r;
    json_t *ticket;

    int looked = p->attempts > 1 && time(NULL) - p->first_attempt > IDEM_WINDOW;

    memset(d, 0, sizeof(*d));
    if (looked && srp_lookup_done(lookup_followup(p, hdr, source, d), NULL, d)) {
        d->moved = d->outcome == SRP_DELIVERED;
        return;
    }
    srp_url(agent, sizeof(agent), p->cfg->zd_url, "/agent/tickets/%s", p->remote_id);
    body = srp_strdup_printf("Follow-up to Zendesk ticket #%s (closed): %s\n\n%s", p->remote_id,
                             agent, text);
    if (body == NULL) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "out of memory");
        return;
    }
    ticket = ticket_json(p, body);
    if (ticket)
        json_object_set_new(ticket, "via_followup_source_id", json_integer(source));
    post_ticket(p, hdr, p->idem_key, ticket, &r);
    srp_http_classify(&r, "zendesk follow-up", d);
    if (d->outcome == SRP_DELIVERED) {
        srp_remote_id(&r, "ticket", 0, "zendesk follow-up: 2xx without ticket.id", d);
        d->moved = d->outcome == SRP_DELIVERED;
        if (d->moved)
            sr_log(p->ctx, SR_LOG_NOTICE,
                   "T%llu: zendesk ticket %s is closed: follow-up ticket %s holds message %u",
                   (unsigned long long)p->ticket_id, p->remote_id, d->remote_id, p->seq);
    } else if (idem_refused(&r)) {
        /* as in create(); at most SRP_JOB_MAX_REQUESTS in all with the
         * comment's lookup and PUT */
        int found = looked ? 0 : lookup_followup(p, hdr, source, d);
        if (found > 0) {
            d->outcome = SRP_DELIVERED;
            d->moved = 1;
        } else if (found == 0) {
            ticket = ticket_json(p, body);
            if (ticket)
                json_object_set_new(ticket, "via_followup_source_id", json_integer(source));
            resend(p, hdr, ticket, "zendesk follow-up", d);
            d->moved = d->outcome == SRP_DELIVERED;
        }
    }
    free(body);
    srp_http_resp_free(&r);
}

static void comment(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200], marker[160], sum[300], *tr, *body;
    srp_http_resp r;
    json_t *req;

    snprintf(marker, sizeof(marker), "sentiroute-ref: %s", p->idem_key);
    if (p->attempts > 1 && srp_lookup_done(comment_seen(p, hdr, marker, d), p->remote_id, d))
        return;
    tr = srp_transcript_text(p);
    srp_summary(p, sum, sizeof(sum));
    body = tr ? srp_strdup_printf("%s\n\n%s\n%s", tr, sum, marker) : NULL;
    free(tr);
    if (body == NULL) {
        d->outcome = SRP_RETRY;
        return;
    }
    req = json_pack("{s{s{ss sb}}}", "ticket", "comment", "body", body, "public", 0);
    srp_url(url, sizeof(url), p->cfg->zd_url, "/api/v2/tickets/%s", p->remote_id);
    srp_send_json(p, "PUT", url, hdr, NULL, req, &r);
    json_decref(req);
    srp_http_classify(&r, "zendesk comment", d);
    if (d->outcome == SRP_DELIVERED)
        srp_strlcpy(d->remote_id, p->remote_id, sizeof(d->remote_id));
    else if (srp_zendesk_closed(&r))
        followup(p, hdr, body, d);
    free(body);
    srp_http_resp_free(&r);
}

void srp_drv_zendesk(const srp_payload *p, srp_delivery *d)
{
    char hdr[6200];

    if (p->cfg->zd_token == NULL || !*p->cfg->zd_url) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "zendesk is not configured (handoff.zendesk)");
        return;
    }
    srp_basic_auth(hdr, sizeof(hdr), p->cfg->zd_token, "%s/token", p->cfg->zd_email);
    if (strcmp(p->kind, "comment") == 0)
        comment(p, hdr, d);
    else
        create(p, hdr, d);
    memset(hdr, 0, sizeof(hdr));
}
