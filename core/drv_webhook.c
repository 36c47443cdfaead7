/*
 * drv_webhook.c - a signed JSON POST to any URL
 *
 * Headers:
 *   Content-Type: application/json
 *   X-Sentiroute-Event: handoff | comment
 *   X-Sentiroute-Idempotency-Key: sr-INSTANCE-jJOB (same on every retry)
 *   X-Sentiroute-Timestamp: UNIX seconds at sending
 *   X-Sentiroute-Signature: sha256=HEX(HMAC-SHA256(secret, TIMESTAMP "." BODY))
 * The receiver recomputes the HMAC over the raw body, compares in constant
 * time, rejects timestamps older than a few minutes (replay) and dedupes on
 * the idempotency key: a retry after a lost response carries the same key.
 * A 2xx answer completes the job; its JSON "id", when present, is kept as
 * the remote ticket id.
 */
#include "build-config.h"

#include "codec.h"
#include "handoff.h"

#include "hmac.h"
#include "internal.h"
#include "storeconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* list_json - "a,b,c" (the snapshot's tags and flags) as a JSON array */
static json_t *list_json(const char *list)
{
    json_t *a = json_array();

    while (a && *list) {
        size_t k = strcspn(list, ",");
        json_array_append_new(a, json_stringn(list, k));
        list += k + (list[k] == ',');
    }
    return a;
}

static json_t *body_json(const srp_payload *p)
{
    json_t *tr = json_array();

    for (size_t i = 0; tr && i < p->nmsgs; i++) {
        const sr_stored_message *m = &p->msgs[i];
        char at[32];
        json_t *e;
        srp_iso8601(m->at, at);
        e = json_pack("{sI ss ss ss ss}", "seq", (json_int_t)m->seq, "at", at, "direction",
                      m->direction == SR_DIR_IN     ? "in"
                      : m->direction == SR_DIR_NOTE ? "note"
                                                    : "out",
                      "author", m->author, "text",
                      m->text);
        if (e && m->direction == SR_DIR_IN) {
            json_object_set_new(e, "score", json_real((double)m->score));
            json_object_set_new(e, "label", json_string(sr_label_name(m->label)));
        }
        json_array_append_new(tr, e);
    }
    return json_pack(
        "{ss ss s{ss sI ss ss ss ss ss ss ss so ss sf ss so ss sf sb ss ss} so}", "event",
        p->kind, "idempotency_key", p->idem_key, "ticket", "external_id", p->ext_id,
        "local_id", (json_int_t)p->ticket_id, "remote_id", p->remote_id ? p->remote_id : "",
        "subject", srp_snap_str(p, "subject"), "channel", srp_snap_str(p, "channel"),
        "requester", srp_snap_str(p, "requester"), "name", srp_snap_str(p, "name"), "email",
        srp_snap_str(p, "email"), "profile_id", srp_snap_str(p, "profile_id"), "tags",
        list_json(srp_snap_str(p, "tags")), "queue", srp_snap_str(p, "queue"), "score",
        srp_snap_num(p, "score"), "label", srp_snap_str(p, "label"), "flags",
        list_json(srp_snap_str(p, "flags")), "lang", srp_snap_str(p, "lang"), "order_value",
        srp_snap_num(p, "order_value"), "vip", json_is_true(json_object_get(p->snap, "vip")),
        "priority", srp_snap_str(p, "priority"), "assignee_group", srp_snap_str(p, "group"),
        "transcript", tr);
}

void srp_drv_webhook(const srp_payload *p, srp_delivery *d)
{
    char ts[32], hts[64], hsig[96], hidem[160], hev[64], hex[2 * SRP_SHA256_LEN + 1];
    unsigned char mac[SRP_SHA256_LEN];
    const char *hdrs[5] = {hts, hsig, hidem, hev, NULL};
    const char *key;
    size_t klen;
    srp_http_resp r;
    json_t *body, *resp;
    char *text;

    if (p->cfg->wh_secret == NULL || !*p->cfg->wh_url) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "webhook is not configured (handoff.webhook)");
        return;
    }
    body = body_json(p);
    text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(body);
    if (text == NULL) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "webhook: cannot encode body");
        return;
    }
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    key = srp_secret_data(p->cfg->wh_secret, &klen);
    /* HMAC(secret, timestamp "." body) */
    {
        size_t tl = strlen(ts);
        char *msg = malloc(tl + 1);
        if (msg == NULL) {
            free(text);
            d->outcome = SRP_RETRY;
            return;
        }
        memcpy(msg, ts, tl);
        msg[tl] = '.';
        srp_hmac_sha256(key, klen, msg, tl + 1, text, strlen(text), mac);
        free(msg);
    }
    srp_hex(mac, sizeof(mac), hex);
    snprintf(hts, sizeof(hts), "X-Sentiroute-Timestamp: %s", ts);
    snprintf(hsig, sizeof(hsig), "X-Sentiroute-Signature: sha256=%s", hex);
    snprintf(hidem, sizeof(hidem), "X-Sentiroute-Idempotency-Key: %s", p->idem_key);
    snprintf(hev, sizeof(hev), "X-Sentiroute-Event: %s", p->kind);
    srp_send_text(p, "POST", p->cfg->wh_url, NULL, hdrs, text, &r);
    free(text);
    srp_http_classify(&r, "webhook", d);
    if (d->outcome == SRP_DELIVERED) {
        resp = json_loads(r.body, 0, NULL);
        if (!srp_json_id(json_object_get(resp, "id"), 1, d->remote_id, sizeof(d->remote_id)))
            srp_strlcpy(d->remote_id, p->ext_id, sizeof(d->remote_id));
        json_decref(resp);
    }
    srp_http_resp_free(&r);
}
