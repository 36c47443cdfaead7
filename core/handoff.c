/*
 * handoff.c - the driver table, payload helpers and the two local
 * drivers (helpdesk, none)
 *
 * Every driver gets the same srp_payload (frozen ticket fields, the
 * transcript up to the job's message, the idempotency key) and answers
 * delivered / retry (with Retry-After) / permanent.  Remote requests are
 * built with jansson and sent with srp_http(); the outbox records the
 * outcome.  helpdesk and none have nothing to deliver: their jobs (only
 * made when a ticket switches methods) complete at once.
 */
#include "build-config.h"

#include "handoff.h"

#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

srp_driver_fn srp_driver_for(const char *method)
{
    static const struct {
        const char *name;
        srp_driver_fn fn;
    } drivers[] = {{"helpdesk", srp_drv_helpdesk}, {"zendesk", srp_drv_zendesk},
                   {"gorgias", srp_drv_gorgias},   {"webhook", srp_drv_webhook},
                   {"rt", srp_drv_rt},             {"none", srp_drv_none}};

    for (size_t i = 0; method && i < SR_ARRAY_LEN(drivers); i++)
        if (strcmp(drivers[i].name, method) == 0)
            return drivers[i].fn;
    return NULL;
}

const char *srp_snap_str(const srp_payload *p, const char *key)
{
    const char *s = json_string_value(json_object_get(p->snap, key));
    return s ? s : "";
}

double srp_snap_num(const srp_payload *p, const char *key)
{
    return json_number_value(json_object_get(p->snap, key));
}

void srp_iso8601(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* srp_transcript_text - one block per message, oldest first */
char *srp_transcript_text(const srp_payload *p)
{
    size_t size = 256, o = 0;
    char *out;

    for (size_t i = 0; i < p->nmsgs; i++)
        size += strlen(p->msgs[i].text) + strlen(p->msgs[i].author) + 96;
    out = malloc(size);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < p->nmsgs; i++) {
        const sr_stored_message *m = &p->msgs[i];
        char when[32];
        time_t tt = (time_t)m->at;
        struct tm tm;

        gmtime_r(&tt, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
        o += (size_t)snprintf(out + o, size - o, "%s[%s] %s %s:\n%s\n",
                              i ? "\n" : "", when,
                              m->direction == SR_DIR_IN     ? "customer"
                              : m->direction == SR_DIR_NOTE ? "note"
                                                            : "agent",
                              m->author,
                              m->text);
    }
    return out;
}

void srp_summary(const srp_payload *p, char *out, size_t size)
{
    const char *flags = srp_snap_str(p, "flags");

    snprintf(out, size, "sentiroute: score %.1f, %s%s%s%s, queue %s, priority %s, channel %s",
             srp_snap_num(p, "score"), srp_snap_str(p, "label"), *flags ? " (" : "", flags,
             *flags ? ")" : "", srp_snap_str(p, "queue"), srp_snap_str(p, "priority"),
             srp_snap_str(p, "channel"));
}

/* helpdesk: the ticket lives in our store; nothing to send */
void srp_drv_helpdesk(const srp_payload *p, srp_delivery *d)
{
    d->outcome = SRP_DELIVERED;
    snprintf(d->remote_id, sizeof(d->remote_id), "%llu", (unsigned long long)p->ticket_id);
}

/* none: no ticket anywhere; the adapter showed the configured message */
void srp_drv_none(const srp_payload *p, srp_delivery *d)
{
    (void)p;
    d->outcome = SRP_DELIVERED;
}

/* send_text - one JSON request with the driver's auth header, accepting
 * an answer of up to max_answer bytes (0: SRP_HTTP_ANSWER_MAX) */
static int send_text(const srp_payload *p, const char *method, const char *url,
                     const char *auth_header, const char *const *extra, const char *text,
                     size_t max_answer, srp_http_resp *resp)
{
    const char *hdrs[12];
    size_t n = 0;
    srp_http_req req = {method, url, hdrs, NULL, 0, max_answer};

    hdrs[n++] = "Accept: application/json";
    if (text != NULL) {
        hdrs[n++] = "Content-Type: application/json";
        req.body = text;
        req.body_len = strlen(text);
    }
    if (auth_header)
        hdrs[n++] = auth_header;
    for (size_t i = 0; extra && extra[i] && n < SR_ARRAY_LEN(hdrs) - 1; i++)
        hdrs[n++] = extra[i];
    hdrs[n] = NULL;
    return srp_http(p->cfg, p->http, &req, resp);
}

int srp_send_text(const srp_payload *p, const char *method, const char *url,
                  const char *auth_header, const char *const *extra, const char *text,
                  srp_http_resp *resp)
{
    return send_text(p, method, url, auth_header, extra, text, 0, resp);
}

/* srp_send_json - srp_send_text with the body serialized */
int srp_send_json(const srp_payload *p, const char *method, const char *url,
                  const char *auth_header, const char *const *extra, const json_t *body,
                  srp_http_resp *resp)
{
    char *text = NULL;
    int rc;

    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(6));
        if (text == NULL) {
            memset(resp, 0, sizeof(*resp));
            srp_strlcpy(resp->error, "cannot encode JSON", sizeof(resp->error));
            return SR_ENOMEM;
        }
    }
    rc = srp_send_text(p, method, url, auth_header, extra, text, resp);
    free(text);
    return rc;
}

/* srp_http_get_json - a lookup: only a 200 with the API's answer answers
 * it; anything else (another 2xx, a proxy's HTML page) means try again or
 * give up, never "done" and never "not there" */
int srp_http_get_json(const srp_payload *p, const char *url, const char *auth_header,
                      const char *what, const char *member, srp_delivery *d, json_t **out)
{
    srp_http_resp r;

    *out = NULL;
    if (send_text(p, "GET", url, auth_header, NULL, NULL, SRP_HTTP_LOOKUP_MAX, &r) != SR_OK ||
        r.status != 200) {
        srp_http_classify(&r, what, d);
        if (d->outcome == SRP_DELIVERED) {   /* another 2xx, or a 200 over the cap */
            d->outcome = SRP_RETRY;
            snprintf(d->why, sizeof(d->why), "%.40s: HTTP %ld%s%.180s", what, r.status,
                     r.error[0] ? ": " : "", r.error);
        }
        srp_http_resp_free(&r);
        return SR_EHTTP;
    }
    *out = json_loads(r.body, 0, NULL);
    if (!json_is_array(json_object_get(*out, member))) {
        char snippet[80];
        srp_escape(snippet, sizeof(snippet), r.body, r.len);
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "%.40s: HTTP 200 without \"%.20s\": %s", what, member,
                 snippet);
        json_decref(*out);
        *out = NULL;
        srp_http_resp_free(&r);
        return SR_EHTTP;
    }
    srp_http_resp_free(&r);
    return SR_OK;
}

/* srp_lookup_done - what a lookup before a resend decides */
int srp_lookup_done(int found, const char *remote_id, srp_delivery *d)
{
    if (found > 0) {
        d->outcome = SRP_DELIVERED;
        if (remote_id != NULL)
            srp_strlcpy(d->remote_id, remote_id, sizeof(d->remote_id));
    }
    return found != 0;
}

/* srp_mono - seconds on the monotonic clock */
double srp_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* srp_lookup_more - the bound of a paged lookup.  Its time in the job's
 * budget is SRP_LOOKUP_SLOTS requests: a page is started only inside the
 * first (SRP_LOOKUP_SLOTS - 1) * (timeout + connect_timeout) seconds, and
 * that page may take one more.  A lookup cut here takes the item as not
 * there (the job sends again, as it would without a lookup): logged. */
int srp_lookup_more(const srp_payload *p, double started, int pages, const char *what,
                    const char *want)
{
    double slot = (double)(p->cfg->http_timeout + p->cfg->http_connect_timeout);
    double spent = srp_mono() - started;

    if (pages < SRP_LOOKUP_MAX_PAGES && spent < (SRP_LOOKUP_SLOTS - 1) * slot)
        return 1;
    sr_log(p->ctx, SR_LOG_WARNING,
           "T%llu: %s: %.80s not on the %d page(s) read in %.1f s (%s): taken as not there,"
           " sending again",
           (unsigned long long)p->ticket_id, what, want, pages, spent,
           pages >= SRP_LOOKUP_MAX_PAGES ? "the most pages a lookup reads"
                                         : "the lookup's share of the job's time");
    return 0;
}

/* id_text_ok - may an id given as text be a remote id?  It goes into URL
 * paths (/ticket/ID/comment), log lines and the store: letters, digits
 * and "-._:~" only, at least one letter or digit (not "."/".."), whole */
static int id_text_ok(const char *s, size_t len, size_t size)
{
    int alnum = 0;

    if (len == 0 || len >= size)
        return 0;   /* a cut id would name another ticket */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            alnum = 1;
        else if (strchr("-._:~", c) == NULL || c == '\0')
            return 0;
    }
    return alnum;
}

/* srp_json_id - helpdesks give ids as positive numbers, RT and webhooks
 * also as text; anything else in an answer is no id */
int srp_json_id(const json_t *v, int strings, char *out, size_t size)
{
    if (json_is_integer(v) && json_integer_value(v) > 0)
        snprintf(out, size, "%lld", (long long)json_integer_value(v));
    else if (strings && json_is_string(v) &&
             id_text_ok(json_string_value(v), json_string_length(v), size))
        srp_strlcpy(out, json_string_value(v), size);
    else
        return 0;
    return 1;
}

/* srp_found_id - a lookup's match must name its ticket: one without a
 * usable id is neither "not there" (a second ticket) nor id 0 */
int srp_found_id(const json_t *m, int strings, char *id, size_t size, const char *what,
                 srp_delivery *d)
{
    if (m == NULL)
        return 0;
    if (srp_json_id(json_object_get(m, "id"), strings, id, size))
        return 1;
    d->outcome = SRP_RETRY;
    snprintf(d->why, sizeof(d->why), "%.40s: HTTP 200 with a match for our id but no usable id",
             what);
    return -1;
}

/* srp_remote_id - the created ticket's id from a 2xx answer */
void srp_remote_id(const srp_http_resp *r, const char *obj, int strings, const char *missing,
                   srp_delivery *d)
{
    json_t *resp = json_loads(r->body ? r->body : "", 0, NULL);
    const json_t *o = obj ? json_object_get(resp, obj) : resp;

    if (!srp_json_id(json_object_get(o, "id"), strings, d->remote_id, sizeof(d->remote_id))) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "%s", missing);
    }
    json_decref(resp);
}

/* srp_strdup_printf - sized by a first vsnprintf */
char *srp_strdup_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* srp_tags_json - route tags plus sentiroute's own, as strings */
json_t *srp_tags_json(const srp_payload *p, int objects)
{
    json_t *arr = json_array();
    char tag[96];
    const char *tags = srp_snap_str(p, "tags");

    if (arr == NULL)
        return NULL;
    for (int i = 0; i < 4; i++) {
        static const char *const pre[] = {"sentiroute", "sr_label_", "sr_channel_", "sr_queue_"};
        static const char *const key[] = {NULL, "label", "channel", "queue"};
        snprintf(tag, sizeof(tag), "%s%s", pre[i], key[i] ? srp_snap_str(p, key[i]) : "");
        json_array_append_new(arr, objects ? json_pack("{ss}", "name", tag) : json_string(tag));
    }
    while (*tags) {
        size_t k = strcspn(tags, ",");
        snprintf(tag, sizeof(tag), "%.*s", (int)SR_MIN(k, 90), tags);
        json_array_append_new(arr, objects ? json_pack("{ss}", "name", tag) : json_string(tag));
        tags += k + (tags[k] == ',');
    }
    return arr;
}
