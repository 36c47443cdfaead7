/*
 * drv_zendesk.c - Zendesk Support API (reference/zendesk.md)
 *
 * handoff: POST /api/v2/tickets {"ticket": {...}} with Basic auth
 * "EMAIL/token:TOKEN" and Idempotency-Key = the job's key: a retry inside
 * Zendesk's ~2 h window returns the first ticket.  Past that window (or
 * after a 400 IdempotentRequestError) the ticket is looked up by
 * external_id before creating it again.
 * comment: PUT /api/v2/tickets/ID with an internal note; Zendesk has no
 * idempotency for updates, so each note carries "sentiroute-ref: KEY" and
 * a retry first reads the ticket's comments for that marker.
 * A ticket closed at Zendesk takes no update (422 "closed prevents ticket
 * update") and cannot be reopened: the comment becomes a follow-up ticket,
 * POST /api/v2/tickets with via_followup_source_id = the closed one, the
 * new message and a link to the old ticket, under the job's
 * Idempotency-Key (the same body on every retry).  Its id is the job's
 * remote id, which the outbox records on the local ticket: later comments
 * go to the follow-up.
 */
#include "build-config.h"

#include "codec.h"
#include "handoff.h"

#include "internal.h"
#include "storeconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDEM_WINDOW 6000   /* seconds we trust Idempotency-Key (Zendesk: ~2 h) */

static void auth(const srp_payload *p, char *out, size_t size)
{
    size_t tlen;
    const char *tok = srp_secret_data(p->cfg->zd_token, &tlen);
    char cred[4500], b64[6100];

    snprintf(cred, sizeof(cred), "%s/token:%.*s", p->cfg->zd_email, (int)tlen, tok);
    srp_base64_encode(cred, strlen(cred), b64);
    snprintf(out, size, "Authorization: Basic %s", b64);
    memset(cred, 0, sizeof(cred));
    memset(b64, 0, sizeof(b64));
}

static void base(const srp_payload *p, char *out, size_t size, const char *path)
{
    size_t n = strlen(p->cfg->zd_url);

    while (n > 0 && p->cfg->zd_url[n - 1] == '/')
        n--;
    if (snprintf(out, size, "%.*s%s", (int)n, p->cfg->zd_url, path) >= (int)size)
        out[size - 1] = '\0';
}

/* lookup - a ticket with our external_id; 1 and its id when found */
static int lookup(const srp_payload *p, const char *hdr, char *id, size_t size, srp_delivery *d)
{
    char url[1200], q[300], path[400];
    srp_http_resp r;
    json_t *j, *t;
    int found = 0;

    srp_url_escape(p->ext_id, q, sizeof(q));
    snprintf(path, sizeof(path), "/api/v2/tickets?external_id=%s", q);
    base(p, url, sizeof(url), path);
    if (srp_send_json(p, "GET", url, hdr, NULL, NULL, &r) != SR_OK || r.status != 200) {
        srp_http_classify(&r, "zendesk lookup", d);
        if (d->outcome == SRP_DELIVERED)
            d->outcome = SRP_RETRY;
        srp_http_resp_free(&r);
        return -1;
    }
    j = json_loads(r.body, 0, NULL);
    t = json_array_get(json_object_get(j, "tickets"), 0);
    if (json_is_integer(json_object_get(t, "id"))) {
        snprintf(id, size, "%lld", (long long)json_integer_value(json_object_get(t, "id")));
        found = 1;
    }
    json_decref(j);
    srp_http_resp_free(&r);
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

/* created_id - the new ticket's id from a 2xx answer into d->remote_id */
static void created_id(const srp_http_resp *r, const char *what, srp_delivery *d)
{
    json_t *resp = json_loads(r->body ? r->body : "", 0, NULL);
    json_t *id = json_object_get(json_object_get(resp, "ticket"), "id");

    if (json_is_integer(id)) {
        snprintf(d->remote_id, sizeof(d->remote_id), "%lld", (long long)json_integer_value(id));
    } else {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "%s: 2xx without ticket.id", what);
    }
    json_decref(resp);
}

static void create(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200], idem[160], sum[300], *tr, *body;
    const char *extra[2] = {idem, NULL};
    srp_http_resp r;
    json_t *ticket, *req;

    if (p->attempts > 1 && time(NULL) - p->first_attempt > IDEM_WINDOW) {
        int f = lookup(p, hdr, d->remote_id, sizeof(d->remote_id), d);
        if (f != 0) {
            if (f > 0)
                d->outcome = SRP_DELIVERED;
            return;
        }
    }
    tr = srp_transcript_text(p);
    srp_summary(p, sum, sizeof(sum));
    if (tr == NULL || (body = malloc(strlen(tr) + 600)) == NULL) {
        free(tr);
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "out of memory");
        return;
    }
    sprintf(body, "%s\nrequester: %s\nprofile: %s\n\n%s", sum, srp_snap_str(p, "requester"),
            *srp_snap_str(p, "profile_id") ? srp_snap_str(p, "profile_id") : "-", tr);
    ticket = ticket_json(p, body);
    free(tr);
    free(body);
    req = json_pack("{so}", "ticket", ticket);
    snprintf(idem, sizeof(idem), "Idempotency-Key: %s", p->idem_key);
    base(p, url, sizeof(url), "/api/v2/tickets");
    srp_send_json(p, "POST", url, hdr, extra, req, &r);
    json_decref(req);
    srp_http_classify(&r, "zendesk create", d);
    if (d->outcome == SRP_DELIVERED) {
        created_id(&r, "zendesk create", d);
    } else if (r.status == 400 && r.body && strstr(r.body, "IdempotentRequestError")) {
        /* the key was used with another body: find what the first one made */
        if (lookup(p, hdr, d->remote_id, sizeof(d->remote_id), d) > 0)
            d->outcome = SRP_DELIVERED;
    }
    srp_http_resp_free(&r);
}

/* comment_seen - does the ticket already have a note with our marker? */
static int comment_seen(const srp_payload *p, const char *hdr, const char *marker,
                        srp_delivery *d)
{
    char url[1200], path[200];
    srp_http_resp r;
    json_t *j, *c;
    size_t i;
    int seen = 0;

    snprintf(path, sizeof(path), "/api/v2/tickets/%s/comments", p->remote_id);
    base(p, url, sizeof(url), path);
    if (srp_send_json(p, "GET", url, hdr, NULL, NULL, &r) != SR_OK || r.status != 200) {
        srp_http_classify(&r, "zendesk comments", d);
        if (d->outcome == SRP_DELIVERED)
            d->outcome = SRP_RETRY;
        srp_http_resp_free(&r);
        return -1;
    }
    j = json_loads(r.body, 0, NULL);
    json_array_foreach(json_object_get(j, "comments"), i, c) {
        const char *b = json_string_value(json_object_get(c, "body"));
        if (b && strstr(b, marker))
            seen = 1;
    }
    json_decref(j);
    srp_http_resp_free(&r);
    return seen;
}

/* closed - is this the 422 of an update to a closed ticket? */
static int closed(const srp_http_resp *r)
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
    char url[1200], q[300], path[400];
    srp_http_resp r;
    json_t *j, *t;
    size_t i;
    json_int_t best = 0;

    srp_url_escape(p->ext_id, q, sizeof(q));
    snprintf(path, sizeof(path), "/api/v2/tickets?external_id=%s", q);
    base(p, url, sizeof(url), path);
    if (srp_send_json(p, "GET", url, hdr, NULL, NULL, &r) != SR_OK || r.status != 200) {
        srp_http_classify(&r, "zendesk lookup", d);
        if (d->outcome == SRP_DELIVERED)
            d->outcome = SRP_RETRY;
        srp_http_resp_free(&r);
        return -1;
    }
    j = json_loads(r.body, 0, NULL);
    json_array_foreach(json_object_get(j, "tickets"), i, t) {
        json_int_t id = json_integer_value(json_object_get(t, "id"));
        if (followup_of(t, source) && id > best)
            best = id;
    }
    json_decref(j);
    srp_http_resp_free(&r);
    if (best > 0)
        snprintf(d->remote_id, sizeof(d->remote_id), "%lld", (long long)best);
    return best > 0;
}

/* followup - the ticket is closed at Zendesk: open a follow-up ticket with
 * the new message, linked to the closed one */
static void followup(const srp_payload *p, const char *hdr, const char *text, srp_delivery *d)
{
    char url[1200], idem[160], link[1400], *body;
    const char *extra[2] = {idem, NULL};
    json_int_t source = (json_int_t)strtoll(p->remote_id, NULL, 10);
    srp_http_resp r;
    json_t *ticket, *req;
    size_t n;

    memset(d, 0, sizeof(*d));
    if (p->attempts > 1 && time(NULL) - p->first_attempt > IDEM_WINDOW) {
        int f = lookup_followup(p, hdr, source, d);
        if (f != 0) {
            if (f > 0)
                d->outcome = SRP_DELIVERED;
            d->moved = f > 0;
            return;
        }
    }
    n = strlen(p->cfg->zd_url);
    while (n > 0 && p->cfg->zd_url[n - 1] == '/')
        n--;
    snprintf(link, sizeof(link), "Follow-up to Zendesk ticket #%s (closed): %.*s/agent/tickets/%s",
             p->remote_id, (int)n, p->cfg->zd_url, p->remote_id);
    body = malloc(strlen(text) + strlen(link) + 4);
    if (body == NULL) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "out of memory");
        return;
    }
    sprintf(body, "%s\n\n%s", link, text);
    ticket = ticket_json(p, body);
    free(body);
    if (ticket)
        json_object_set_new(ticket, "via_followup_source_id", json_integer(source));
    req = json_pack("{so}", "ticket", ticket);
    snprintf(idem, sizeof(idem), "Idempotency-Key: %s", p->idem_key);
    base(p, url, sizeof(url), "/api/v2/tickets");
    srp_send_json(p, "POST", url, hdr, extra, req, &r);
    json_decref(req);
    srp_http_classify(&r, "zendesk follow-up", d);
    if (d->outcome == SRP_DELIVERED) {
        created_id(&r, "zendesk follow-up", d);
        d->moved = d->outcome == SRP_DELIVERED;
        if (d->moved)
            sr_log(p->ctx, SR_LOG_NOTICE,
                   "T%llu: zendesk ticket %s is closed: follow-up ticket %s holds message %u",
                   (unsigned long long)p->ticket_id, p->remote_id, d->remote_id, p->seq);
    } else if (r.status == 400 && r.body && strstr(r.body, "IdempotentRequestError")) {
        if (lookup_followup(p, hdr, source, d) > 0) {
            d->outcome = SRP_DELIVERED;
            d->moved = 1;
        }
    }
    srp_http_resp_free(&r);
}

static void comment(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200], path[200], marker[160], sum[300], *tr, *body;
    srp_http_resp r;
    json_t *req;

    snprintf(marker, sizeof(marker), "sentiroute-ref: %s", p->idem_key);
    if (p->attempts > 1) {
        int s = comment_seen(p, hdr, marker, d);
        if (s != 0) {
            if (s > 0) {
                d->outcome = SRP_DELIVERED;
                srp_strlcpy(d->remote_id, p->remote_id, sizeof(d->remote_id));
            }
            return;
        }
    }
    tr = srp_transcript_text(p);
    srp_summary(p, sum, sizeof(sum));
    if (tr == NULL || (body = malloc(strlen(tr) + 600)) == NULL) {
        free(tr);
        d->outcome = SRP_RETRY;
        return;
    }
    sprintf(body, "%s\n\n%s\n%s", tr, sum, marker);
    free(tr);
    req = json_pack("{s{s{ss sb}}}", "ticket", "comment", "body", body, "public", 0);
    snprintf(path, sizeof(path), "/api/v2/tickets/%s", p->remote_id);
    base(p, url, sizeof(url), path);
    srp_send_json(p, "PUT", url, hdr, NULL, req, &r);
    json_decref(req);
    srp_http_classify(&r, "zendesk comment", d);
    if (d->outcome == SRP_DELIVERED)
        srp_strlcpy(d->remote_id, p->remote_id, sizeof(d->remote_id));
    else if (closed(&r))
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
    auth(p, hdr, sizeof(hdr));
    if (strcmp(p->kind, "comment") == 0)
        comment(p, hdr, d);
    else
        create(p, hdr, d);
    memset(hdr, 0, sizeof(hdr));
}
