/*
 * drv_gorgias.c - Gorgias REST API (reference/gorgias.md)
 *
 * handoff: POST /api/tickets with the customer, tags as {"name"} objects,
 * meta (score, label, profile id) and the transcript as the first message
 * (channel api, sent_datetime set so Gorgias stores rather than sends it).
 * Gorgias has no idempotency key: every retry first looks the ticket up by
 * external_id (GET /api/tickets?external_id=...), so a request that was
 * processed before the connection dropped is never repeated.
 * comment: POST /api/tickets/ID/messages with external_id = the job key;
 * a retry first lists the ticket's newest messages for it (GET
 * /api/messages?ticket_id=ID, cursor pages of at most 100, newest first
 * with order_by=created_datetime:desc; the older per-ticket list is oldest
 * first and paged, so a long ticket's recent message is not on its first
 * page).  Lookups follow meta.next_cursor up to SRP_LOOKUP_MAX_PAGES pages
 * within their share of the job's time (srp_lookup_more), then log and
 * take the message as not there.
 */
#include "build-config.h"

#include "handoff.h"

#include "internal.h"
#include "storeconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* srp_gorgias_page - see handoff.h */
int srp_gorgias_page(const json_t *page, const char *field, const char *want, char *id,
                     size_t size, const char **next, srp_delivery *d)
{
    const json_t *e;
    size_t i;
    int found = 0;

    json_array_foreach(json_object_get(page, "data"), i, e) {
        const char *v = json_string_value(json_object_get(e, field));
        if (!found && v && strcmp(v, want) == 0)
            found = srp_found_id(e, 0, id, size, "gorgias lookup", d);
    }
    *next = json_string_value(json_object_get(json_object_get(page, "meta"), "next_cursor"));
    return found;
}

/* get_list - GET url (it has a query) and the pages after it, following
 * meta.next_cursor (Gorgias' cursor pagination: pass it back as cursor=,
 * null on the last page), as far as srp_lookup_more allows; the first
 * element of "data" whose field equals want: 1 found, 0 not, -1 error
 * (d filled; also a match without a usable id) */
static int get_list(const srp_payload *p, const char *hdr, const char *url, const char *field,
                    const char *want, char *id, size_t size, srp_delivery *d)
{
    char page_url[2400], cur[1100];
    const char *next;
    json_t *j;
    int found = 0, page;
    double started = srp_mono();

    srp_strlcpy(page_url, url, sizeof(page_url));
    for (page = 1; !found; page++) {
        if (srp_http_get_json(p, page_url, hdr, "gorgias lookup", "data", d, &j) != SR_OK)
            return -1;
        found = srp_gorgias_page(j, field, want, id, size, &next, d);
        if (found || next == NULL || !*next) {
            json_decref(j);
            break;
        }
        if (strlen(next) * 3 + 5 > sizeof(cur)) {
            sr_log(p->ctx, SR_LOG_WARNING,
                   "T%llu: gorgias lookup: %.20s %.80s not on the %d page(s) read (cursor too"
                   " long): taken as not there",
                   (unsigned long long)p->ticket_id, field, want, page);
            json_decref(j);
            break;
        }
        if (!srp_lookup_more(p, started, page, "gorgias lookup", want)) {
            json_decref(j);
            break;
        }
        srp_url_escape(next, cur, sizeof(cur));
        json_decref(j);
        snprintf(page_url, sizeof(page_url), "%s&cursor=%s", url, cur);
    }
    return found;
}

static const char *gpriority(const char *p)
{
    return strcmp(p, "urgent") == 0 ? "critical" : p;
}

/* customer_email - Gorgias needs an address: the customer's, or a
 * placeholder naming the number/JID (documented in the sample config) */
static void customer_email(const srp_payload *p, char *out, size_t size)
{
    const char *email = srp_snap_str(p, "email");
    size_t o = 0;

    if (*email) {
        srp_strlcpy(out, email, size);
        return;
    }
    for (const char *c = srp_snap_str(p, "requester"); *c && o + 24 < size; c++)
        if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || *c == '.' || *c == '-')
            out[o++] = *c;
    snprintf(out + o, size - o, "@%s.invalid", srp_snap_str(p, "channel"));
}

static void create(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200], q[300], email[300], now[32], sum[300], *tr;
    srp_http_resp r;
    json_t *msg, *ticket;

    if (p->attempts > 1) {
        srp_url_escape(p->ext_id, q, sizeof(q));
        srp_url(url, sizeof(url), p->cfg->gg_url, "/api/tickets?external_id=%s", q);
        if (srp_lookup_done(get_list(p, hdr, url, "external_id", p->ext_id, d->remote_id,
                                     sizeof(d->remote_id), d),
                            NULL, d))
            return;
    }
    customer_email(p, email, sizeof(email));
    srp_iso8601(time(NULL), now);
    tr = srp_transcript_text(p);
    srp_summary(p, sum, sizeof(sum));
    msg = json_pack("{ss ss sb s{ss} ss ss ss ss}", "channel", "api", "via", "api", "from_agent",
                    0, "sender", "email", email, "body_text", tr ? tr : "", "subject",
                    srp_snap_str(p, "subject"), "external_id", p->idem_key, "sent_datetime", now);
    free(tr);
    ticket = json_pack(
        "{ss ss sb s{ss ss} ss ss ss so ss s{sf ss ss ss ss ss ss} s[o]}", "channel", "api",
        "via", "api", "from_agent", 0, "customer", "email", email, "name",
        *srp_snap_str(p, "name") ? srp_snap_str(p, "name") : email, "subject",
        srp_snap_str(p, "subject"), "status", "open", "priority",
        gpriority(srp_snap_str(p, "priority")), "tags", srp_tags_json(p, 1), "external_id",
        p->ext_id, "meta", "sentiroute_score", srp_snap_num(p, "score"), "sentiroute_label",
        srp_snap_str(p, "label"), "sentiroute_flags", srp_snap_str(p, "flags"), "profile_id",
        srp_snap_str(p, "profile_id"), "queue", srp_snap_str(p, "queue"), "source_channel",
        srp_snap_str(p, "channel"), "summary", sum, "messages", msg);
    srp_url(url, sizeof(url), p->cfg->gg_url, "/api/tickets");
    srp_send_json(p, "POST", url, hdr, NULL, ticket, &r);
    json_decref(ticket);
    srp_http_classify(&r, "gorgias create", d);
    if (d->outcome == SRP_DELIVERED)
        srp_remote_id(&r, NULL, 0, "gorgias create: 2xx without id", d);
    srp_http_resp_free(&r);
}

static void comment(const srp_payload *p, const char *hdr, srp_delivery *d)
{
    char url[1200], q[300], id[64], email[300], now[32], *tr;
    srp_http_resp r;
    json_t *msg;

    if (p->attempts > 1) {
        srp_url_escape(p->remote_id, q, sizeof(q));
        srp_url(url, sizeof(url), p->cfg->gg_url,
                "/api/messages?ticket_id=%s&order_by=created_datetime:desc&limit=100", q);
        if (srp_lookup_done(get_list(p, hdr, url, "external_id", p->idem_key, id, sizeof(id), d),
                            p->remote_id, d))
            return;
    }
    srp_url(url, sizeof(url), p->cfg->gg_url, "/api/tickets/%s/messages", p->remote_id);
    customer_email(p, email, sizeof(email));
    srp_iso8601(time(NULL), now);
    tr = srp_transcript_text(p);
    msg = json_pack("{ss ss sb s{ss} ss ss ss}", "channel", "api", "via", "api", "from_agent", 0,
                    "sender", "email", email, "body_text", tr ? tr : "", "external_id",
                    p->idem_key, "sent_datetime", now);
    free(tr);
    srp_send_json(p, "POST", url, hdr, NULL, msg, &r);
    json_decref(msg);
    srp_http_classify(&r, "gorgias message", d);
    if (d->outcome == SRP_DELIVERED)
        srp_strlcpy(d->remote_id, p->remote_id, sizeof(d->remote_id));
    srp_http_resp_free(&r);
}

void srp_drv_gorgias(const srp_payload *p, srp_delivery *d)
{
    char hdr[6200];

    if (p->cfg->gg_key == NULL || !*p->cfg->gg_url) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "gorgias is not configured (handoff.gorgias)");
        return;
    }
    srp_basic_auth(hdr, sizeof(hdr), p->cfg->gg_key, "%s", p->cfg->gg_username);
    if (strcmp(p->kind, "comment") == 0)
        comment(p, hdr, d);
    else
        create(p, hdr, d);
    memset(hdr, 0, sizeof(hdr));
}
