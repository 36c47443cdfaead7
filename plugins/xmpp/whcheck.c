/*
 * whcheck.c - checks for the Zendesk webhook: signature, timestamp, body
 *
 * Zendesk signs each webhook request (reference/zendesk.md):
 *   X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, TS + BODY))
 *   X-Zendesk-Webhook-Signature-Timestamp = TS ("2021-03-25T05:09:27Z")
 * The body is ours to define in the trigger; we expect
 *   {"external_id": "{{ticket.external_id}}", "ticket_id": "{{ticket.id}}",
 *    "comment": "{{ticket.latest_public_comment}}",
 *    "author": "{{current_user.name}}"}
 * where external_id is the one our zendesk driver gave the ticket
 * ("sr-INSTANCE-t42"); an id of another instance (another host sharing
 * the Zendesk account) is not ours: acknowledged, never relayed, as the
 * SMS side does.  Comparisons run in constant time.
 */
#include "build-config.h"

#include "srx.h"

#include "codec.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int srx_wh_signature_ok(const char *secret, size_t slen, const char *timestamp,
                        const char *body, size_t blen, const char *signature)
{
    unsigned char mac[SR_HMAC_SHA256_LEN];
    char want[64];

    if (secret == NULL || slen == 0 || timestamp == NULL || signature == NULL)
        return 0;
    sr_hmac_sha256(secret, slen, timestamp, strlen(timestamp), body ? body : "", blen, mac);
    srp_base64_encode(mac, sizeof(mac), want);
    return srp_ct_equal(want, strlen(want), signature, strlen(signature));
}

int srx_wh_token_ok(const char *want, size_t wlen, const char *got)
{
    if (want == NULL || wlen == 0 || got == NULL)
        return 0;
    return srp_ct_equal(want, wlen, got, strlen(got));
}

/* srx_wh_timestamp_ok - "YYYY-MM-DDTHH:MM:SSZ" (fractions allowed) near now */
int srx_wh_timestamp_ok(const char *ts, time_t now, int max_skew)
{
    struct tm tm;
    int y, mo, d, h, mi, s, n = 0;
    time_t t;

    if (ts == NULL)
        return 0;
    if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 19)
        return 0;
    if (ts[19] == '.')
        for (n = 20; ts[n] >= '0' && ts[n] <= '9'; n++)
            ;
    if (!((ts[n] == 'Z' && ts[n + 1] == '\0') || (strcmp(ts + n, "+00:00") == 0)))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return 0;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    t = timegm(&tm);
    if (max_skew <= 0)
        return 1;
    return t >= now - max_skew && t <= now + max_skew;
}

static int bad(char *err, size_t errsize, const char *what)
{
    snprintf(err, errsize, "%s", what);
    return SR_EFORMAT;
}

void srx_wh_instance(const sr_config *cfg, char *out, size_t size)
{
    sr_store_instance_name(cfg, out, size);   /* as the store names its ids */
}

/* ticket_from_ext - our ticket id from "sr-INSTANCE-t42"; 0 when ext is
 * not of that form; *other = 1 when it is, but of another instance */
static uint64_t ticket_from_ext(const char *ext, const char *instance, int *other)
{
    const char *t = strrchr(ext, '-');
    uint64_t v = 0;

    *other = 0;
    if (strncmp(ext, "sr-", 3) != 0 || t == NULL || t < ext + 3 || t[1] != 't' || t[2] == '\0')
        return 0;
    for (const char *d = t + 2; *d; d++) {
        if (*d < '0' || *d > '9' || v > UINT64_MAX / 10 - 10)
            return 0;
        v = v * 10 + (uint64_t)(*d - '0');
    }
    if (v != 0 && instance != NULL &&
        ((size_t)(t - ext - 3) != strlen(instance) || strncmp(ext + 3, instance, strlen(instance)) != 0)) {
        *other = 1;
        return 0;
    }
    return v;
}

int srx_wh_parse(const char *body, size_t len, const char *instance, srx_wh_reply *out,
                 char *err, size_t errsize)
{
    json_error_t je;
    json_t *j, *v;
    const char *comment;
    int other = 0;

    memset(out, 0, sizeof(*out));
    out->public_ = 1;
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        return bad(err, errsize, "body is not a JSON object");
    }
    v = json_object_get(j, "external_id");
    if (!json_is_string(v) ||
        (out->ticket = ticket_from_ext(json_string_value(v), instance, &other)) == 0) {
        if (other) {   /* as the SMS side answers it: acknowledged, not relayed */
            char ext[81];
            srx_strlcpy(ext, json_string_value(v), sizeof(ext));
            for (char *c = ext; *c; c++)   /* it goes to the log */
                if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                    *c = '?';
            snprintf(err, errsize, "ignored: external_id %s is not a ticket of this host (%s)",
                     ext, instance);
            json_decref(j);
            return SR_ENOTFOUND;
        }
        json_decref(j);
        return bad(err, errsize, "external_id is not one of ours (sr-INSTANCE-tNUMBER)");
    }
    v = json_object_get(j, "ticket_id");
    if (json_is_string(v))
        srx_strlcpy(out->remote_id, json_string_value(v), sizeof(out->remote_id));
    else if (json_is_integer(v))
        snprintf(out->remote_id, sizeof(out->remote_id), "%lld", (long long)json_integer_value(v));
    v = json_object_get(j, "author");
    if (json_is_string(v))
        srx_strlcpy(out->author, json_string_value(v), sizeof(out->author));
    v = json_object_get(j, "public");
    if (json_is_boolean(v))
        out->public_ = json_is_true(v);
    else if (json_is_string(v))
        out->public_ = strcmp(json_string_value(v), "false") != 0;
    v = json_object_get(j, "comment");
    comment = json_is_string(v) ? json_string_value(v) : NULL;
    if (comment == NULL || *comment == '\0') {
        json_decref(j);
        return bad(err, errsize, "comment is missing or empty");
    }
    out->comment = strdup(comment);
    json_decref(j);
    if (out->comment == NULL)
        return bad(err, errsize, "out of memory");
    srx_text_clean(out->comment, 0);
    srx_text_clean(out->author, 0);
    if (out->comment[0] == '\0') {
        free(out->comment);
        out->comment = NULL;
        return bad(err, errsize, "comment is empty");
    }
    return SR_OK;
}
