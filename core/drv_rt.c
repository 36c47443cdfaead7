/*
 * drv_rt.c - Request Tracker REST2 (reference/rt.md)
 *
 * handoff: POST /REST/2.0/ticket with "Authorization: token TOKEN",
 * Queue, Subject, Requestor, the transcript as Content, and our external
 * id in the custom field handoff.rt.id_field.  RT has no idempotency key:
 * every retry first searches for that field (TicketSQL) before creating.
 * RT leaves out a field the token's user cannot see or may not set
 * (SeeCustomField, SetInitialCustomField or ModifyCustomField) and its
 * 201 does not say so: that search would then be blind, so a create is
 * followed by it once, and a ticket it does not find is kept and told to
 * the admin (srp_delivery.warn).  Nothing can save a lost answer then:
 * the retry's search finds nothing and creates a second ticket, which
 * its warning says.
 * comment: POST /REST/2.0/ticket/ID/comment, which also sets the custom
 * field handoff.rt.seq_field to the message's number in the same request;
 * a retry first reads the ticket and skips messages already recorded.
 * RT posts the comment first and then sets the field: a token whose user
 * may not (ModifyCustomField) gets 201 with "Permission Denied" among the
 * results.  The comment is there, so the job is done; the admin is told
 * once per ticket (srp_delivery.warn), since without the field a retry
 * after a lost answer cannot see that a comment arrived.
 */
#include "build-config.h"

#include "handoff.h"

#include "internal.h"
#include "storeconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int rt_priority(const char *p)
{
    return strcmp(p, "urgent") == 0 ? 100 : strcmp(p, "high") == 0 ? 75
                                         : strcmp(p, "low") == 0    ? 10
                                                                    : 50;
}

/* search - the tickets whose id field holds our external id (TicketSQL):
 * SR_OK with the answer in *out, else SR_EHTTP with d filled */
static int search(const srp_payload *p, const char *hdr, srp_delivery *d, json_t **out)
{
    char url[1400], sql[600], q[1200];

    snprintf(sql, sizeof(sql), "'CF.{%.128s}' = '%.200s'", p->cfg->rt_id_field, p->ext_id);
    srp_url_escape(sql, q, sizeof(q));
    srp_url(url, sizeof(url), p->cfg->rt_url, "/REST/2.0/tickets?query=%s", q);
    return srp_http_get_json(p, url, hdr, "rt search", "items", d, out);
}

/* lookup - search by our id field: 1 found (id set), 0 none, -1 error
 * (d filled) */
static int lookup(const srp_payload *p, const char *hdr, char *id, size_t size, srp_delivery *d)
{
    json_t *j;
    int found;

    if (search(p, hdr, d, &j) != SR_OK)
        return -1;
    found = srp_found_id(json_array_get(json_object_get(j, "items"), 0), 1, id, size,
                         "rt search", d);
    json_decref(j);
    return found;
}

/* srp_rt_search_has - see handoff.h */
int srp_rt_search_has(const json_t *answer, const char *id)
{
    const json_t *it;
    size_t i;
    char got[64];

    json_array_foreach(json_object_get(answer, "items"), i, it) {
        if (srp_json_id(json_object_get(it, "id"), 1, got, sizeof(got)) &&
            strcmp(got, id) == 0)
            return 1;
    }
    return 0;
}

/*
 * check_id_field - after a create, run the search a retry would run.  RT
 * creates the ticket without a custom field the token's user cannot see
 * or may not set, and its 201 says nothing about it; that search then
 * cannot find the ticket, and a retry after a lost answer creates a
 * second one.  The ticket stays as created (d is only given a warning):
 * a search that finds it, or one that cannot tell (no answer, 5xx, a page
 * that is no search answer), changes nothing; one that answers without it,
 * or is refused (4xx), is told to the admin.
 */
static void check_id_field(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    srp_delivery s = {0};
    json_t *j;
    char why[200] = "";

    if (search(p, hdr, &s, &j) == SR_OK) {
        int seen = srp_rt_search_has(j, d->remote_id);
        json_decref(j);
        if (seen)
            return;
    } else if (s.outcome == SRP_PERMANENT) {
        snprintf(why, sizeof(why), " (RT refused the search: %.150s)", s.why);
    } else {
        sr_log(p->ctx, SR_LOG_NOTICE,
               "T%llu: rt: ticket %.20s created; the search for its custom field %.128s could not"
               " be checked: %.200s",
               (unsigned long long)p->ticket_id, d->remote_id, p->cfg->rt_id_field, s.why);
        return;
    }
    snprintf(d->warn, sizeof(d->warn),
             "rt: ticket %.20s created, but a search for its custom field %.128s does not find it"
             "%s: the token's user needs SeeCustomField and SetInitialCustomField (or "
             "ModifyCustomField) on it, else a retry after a lost answer creates a second ticket",
             d->remote_id, p->cfg->rt_id_field, why[0] ? why : " (RT left the field out)");
    if (p->attempts > 1) {
        size_t n = strlen(d->warn);
        snprintf(d->warn + n, sizeof(d->warn) - n,
                 "; this was attempt %d, whose search found no ticket: RT may now hold a second"
                 " ticket of this conversation", p->attempts);
    }
}

static void create(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200], sum[300], *tr, *content;
    srp_http_resp r;
    json_t *t;
    const char *email = srp_snap_str(p, "email");

    if (p->attempts > 1 &&
        srp_lookup_done(lookup(p, hdr, d->remote_id, sizeof(d->remote_id), d), NULL, d))
        return;
    tr = srp_transcript_text(p);
    srp_summary(p, sum, sizeof(sum));
    content = tr ? srp_strdup_printf("%s\nrequester: %s\n\n%s", sum,
                                     srp_snap_str(p, "requester"), tr)
                 : NULL;
    free(tr);
    if (content == NULL) {
        d->outcome = SRP_RETRY;
        return;
    }
    t = json_pack("{ss ss ss ss sI s{ss ss}}", "Queue", p->cfg->rt_queue, "Subject",
                  srp_snap_str(p, "subject"), "Content", content, "ContentType", "text/plain",
                  "Priority", (json_int_t)rt_priority(srp_snap_str(p, "priority")),
                  "CustomFields", p->cfg->rt_id_field, p->ext_id, p->cfg->rt_seq_field, "");
    free(content);
    if (t && *email)
        json_object_set_new(t, "Requestor", json_string(email));
    if (t) {
        char seq[16];
        snprintf(seq, sizeof(seq), "%u", p->seq);
        json_object_set_new(json_object_get(t, "CustomFields"), p->cfg->rt_seq_field,
                            json_string(seq));
    }
    srp_url(url, sizeof(url), p->cfg->rt_url, "/REST/2.0/ticket");
    srp_send_json(p, "POST", url, hdr, NULL, t, &r);
    json_decref(t);
    srp_http_classify(&r, "rt create", d);
    if (d->outcome == SRP_DELIVERED)
        srp_remote_id(&r, NULL, 1, "rt create: 201 without id", d);
    srp_http_resp_free(&r);
    if (d->outcome == SRP_DELIVERED)
        check_id_field(p, hdr, d);
}

/* srp_rt_seq - see handoff.h */
long srp_rt_seq(const json_t *ticket, const char *field)
{
    const json_t *cf;
    size_t i;
    long have = -1;

    /* RT 5: "CustomFields": [{"name": "...", "values": ["..."]}, ...] */
    json_array_foreach(json_object_get(ticket, "CustomFields"), i, cf) {
        const char *name = json_string_value(json_object_get(cf, "name"));
        const char *v = json_string_value(json_array_get(json_object_get(cf, "values"), 0));
        if (name && v && strcmp(name, field) == 0) {
            /* digits only and within a long: an agent's edit or garbage
             * is "unknown" (-1), never a number atol would make up (or
             * overflow on) */
            size_t n = strspn(v, "0123456789");
            have = n > 0 && n <= 18 && v[n] == '\0' ? strtol(v, NULL, 10) : -1;
        }
    }
    return have;
}

/* seq_done - the ticket's seq field says this message got there: 1/0/-1 */
static int seq_done(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200];
    json_t *j;
    long have;

    srp_url(url, sizeof(url), p->cfg->rt_url, "/REST/2.0/ticket/%s", p->remote_id);
    if (srp_http_get_json(p, url, hdr, "rt ticket", "CustomFields", d, &j) != SR_OK)
        return -1;
    have = srp_rt_seq(j, p->cfg->rt_seq_field);
    json_decref(j);
    return have >= (long)p->seq;
}

/* field_refused - RT's answer to a comment (a list of result messages)
 * says an update was refused: "Permission Denied", any case */
static int field_refused(const srp_http_resp *r)
{
    static const char denied[] = "permission denied";
    json_t *j = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
    const json_t *m;
    size_t i;
    int found = 0;

    json_array_foreach(j, i, m) {
        const char *s = json_string_value(m);
        for (; s && *s && !found; s++)
            found = strncasecmp(s, denied, sizeof(denied) - 1) == 0;
    }
    json_decref(j);
    return found;
}

static void comment(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200], seq[16], sum[300], *tr, *content;
    srp_http_resp r;
    json_t *c;

    if (p->attempts > 1 && srp_lookup_done(seq_done(p, hdr, d), p->remote_id, d))
        return;
    tr = srp_transcript_text(p);
    srp_summary(p, sum, sizeof(sum));
    content = tr ? srp_strdup_printf("%s\n\n%s", tr, sum) : NULL;
    free(tr);
    if (content == NULL) {
        d->outcome = SRP_RETRY;
        return;
    }
    snprintf(seq, sizeof(seq), "%u", p->seq);
    c = json_pack("{ss ss s{ss}}", "Content", content, "ContentType", "text/plain",
                  "CustomFields", p->cfg->rt_seq_field, seq);
    free(content);
    srp_url(url, sizeof(url), p->cfg->rt_url, "/REST/2.0/ticket/%s/comment", p->remote_id);
    srp_send_json(p, "POST", url, hdr, NULL, c, &r);
    json_decref(c);
    srp_http_classify(&r, "rt comment", d);
    if (d->outcome == SRP_DELIVERED) {
        srp_strlcpy(d->remote_id, p->remote_id, sizeof(d->remote_id));
        if (field_refused(&r))
            snprintf(d->warn, sizeof(d->warn),
                     "rt: comment posted to ticket %.20s, but RT refused to set its custom field "
                     "%.128s (Permission Denied): the token's user needs ModifyCustomField and "
                     "SeeCustomField on it, else a retry after a lost answer cannot see the "
                     "comment and posts it again", p->remote_id, p->cfg->rt_seq_field);
    }
    srp_http_resp_free(&r);
}

void srp_drv_rt(const srp_payload *p, srp_delivery *d)
{
    char hdr[4300];
    size_t tlen;
    const char *tok;

    if (p->cfg->rt_token == NULL || !*p->cfg->rt_url) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "rt is not configured (handoff.rt)");
        return;
    }
    tok = srp_secret_data(p->cfg->rt_token, &tlen);
    snprintf(hdr, sizeof(hdr), "Authorization: token %.*s", (int)tlen, tok);
    if (strcmp(p->kind, "comment") == 0)
        comment(p, hdr, d);
    else
        create(p, hdr, d);
    memset(hdr, 0, sizeof(hdr));
}
