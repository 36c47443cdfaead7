/*
 * fuzz_http - libFuzzer target for what the handoff drivers read from a
 * helpdesk's answer: header lines (Retry-After in both forms, Location),
 * the status and body as one outcome (srp_http_classify), the new
 * ticket's id (srp_remote_id, as Zendesk, Gorgias, RT and webhooks give
 * it), and the lookup pages (Gorgias cursor pages, RT's seq custom field,
 * Zendesk comment pages, Zendesk's 422 for a closed ticket).
 *
 * Input: byte 0 and 1 pick the status (0, or 100..599), the rest is the
 * body; the same bytes, split at line ends, are fed as header lines.
 */
#include "build-config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handoff.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* printable - a log-bound text: NUL-terminated inside size, no control bytes */
static void printable(const char *s, size_t size)
{
    const char *end = memchr(s, '\0', size);

    if (end == NULL)
        abort();
    for (; s < end; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            abort();
}

/* id_ok - an id we keep: "" (none) or letters, digits and -._:~ */
static void id_ok(const char *id, size_t size)
{
    printable(id, size);
    for (; *id; id++)
        if (strchr("-._:~", *id) == NULL && !((*id >= '0' && *id <= '9') ||
                                              (*id >= 'a' && *id <= 'z') ||
                                              (*id >= 'A' && *id <= 'Z')))
            abort();
}

static void outcome_ok(const srp_delivery *d)
{
    if (d->outcome != SRP_DELIVERED && d->outcome != SRP_RETRY && d->outcome != SRP_PERMANENT)
        abort();
    if (d->retry_after < 0 || d->retry_after > 86400)
        abort();
    printable(d->why, sizeof(d->why));
    id_ok(d->remote_id, sizeof(d->remote_id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const objs[] = {NULL, "ticket"};
    const int64_t now = 1796000000;   /* 2026-11-30 */
    srp_http_resp r;
    srp_delivery d;
    const char *next;
    char *buf, id[64];
    json_t *j;
    long status;
    int more;

    buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';

    /* header lines, as libcurl hands them over (CR LF kept) */
    memset(&r, 0, sizeof(r));
    r.retry_after = -1;
    for (size_t o = 0; o < size;) {
        const char *nl = memchr(buf + o, '\n', size - o);
        size_t n = nl ? (size_t)(nl - (buf + o)) + 1 : size - o;
        srp_http_header(&r, buf + o, n, now);
        if (r.retry_after < -1 || r.retry_after > 86400)
            abort();
        o += n;
    }
    if (memchr(r.location, '\0', sizeof(r.location)) == NULL ||
        memchr(r.idem_lookup, '\0', sizeof(r.idem_lookup)) == NULL)
        abort();
    {
        int ra = srp_retry_after_parse(buf, now);
        if (ra < -1 || ra > 86400)
            abort();
    }

    /* the answer: status and body */
    status = size >= 2 ? (long)((data[0] << 8 | data[1]) % 601) : 0;
    if (status > 0 && status < 100)
        status += 100;
    r.status = status;
    r.body = buf;
    r.len = size;
    for (int k = 0; k < 4; k++) {
        memset(&d, 0, sizeof(d));
        srp_http_classify(&r, "fuzz", &d);
        outcome_ok(&d);
        if (d.outcome == SRP_DELIVERED) {
            srp_remote_id(&r, objs[k & 1], k >> 1, "fuzz: 2xx without id", &d);
            outcome_ok(&d);
            if (d.outcome == SRP_DELIVERED && d.remote_id[0] == '\0')
                abort();
        }
    }
    r.status = 422;
    (void)srp_zendesk_closed(&r);

    /* lookup pages */
    j = json_loadb(buf, size, 0, NULL);
    if (j != NULL) {
        memset(id, 0, sizeof(id));
        memset(&d, 0, sizeof(d));
        switch (srp_gorgias_page(j, "external_id", "sr-fuzz-t1", id, sizeof(id), &next, &d)) {
        case 1:   /* a positive number */
            id_ok(id, sizeof(id));
            if (id[0] < '1' || id[0] > '9')
                abort();
            break;
        case 0:
            break;
        case -1:
            if (d.outcome != SRP_RETRY)
                abort();
            outcome_ok(&d);
            break;
        default:
            abort();
        }
        (void)srp_rt_seq(j, "SentirouteSeq");
        if (srp_rt_search_has(j, "") != 0)   /* "" is no id: never listed */
            abort();
        (void)srp_rt_search_has(j, "20");
        (void)srp_zendesk_seen(j, "sentiroute-ref: sr-fuzz-j1", &more);
        if (srp_json_id(json_object_get(json_array_get(json_object_get(j, "items"), 0), "id"), 1,
                        id, sizeof(id)))
            id_ok(id, sizeof(id));
        json_decref(j);
    }
    free(buf);
    return 0;
}
