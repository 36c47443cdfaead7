/*
 * srs_dedupe.c - recognise a retried request
 *
 * Kannel retries an sms-service call that failed or timed out with the same
 * message (same %I, same %T); Twilio-style providers retry with the same
 * MessageSid.  Each stored message leaves two keys here: one by gateway id
 * and one by sender + sending time + text.  The second can be rebuilt from
 * the store's transcripts after a restart (srs_server_rebuild), so a retry
 * of a message the previous process stored but never answered is still
 * recognised.  A key whose first request is still running is "in flight":
 * a retry waits for it rather than storing the message a second time.
 *
 * A chained hash table plus a FIFO list for expiry; one mutex.
 */
#include "build-config.h"

#include "srs.h"

#include "codec.h"
#include "hmac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    char key[65];
    srs_dd_entry e;
    int64_t at;
    int inflight;
    struct node *hnext;            /* hash chain */
    struct node *older, *newer;    /* FIFO */
} node;

struct srs_dedupe {
    pthread_mutex_t lock;
    pthread_cond_t done;
    node **buckets;
    size_t nbuckets, n, max;
    int64_t window;
    node *oldest, *newest;
};

static size_t hash(const char *key)
{
    size_t h = 1469598103934665603ull;

    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 1099511628211ull;
    return h;
}

srs_dedupe *srs_dedupe_new(size_t max, int64_t window)
{
    srs_dedupe *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return NULL;
    d->max = max ? max : 1;
    d->window = window;
    d->nbuckets = 1024;
    while (d->nbuckets < d->max && d->nbuckets < (1u << 22))
        d->nbuckets *= 2;
    d->buckets = calloc(d->nbuckets, sizeof(*d->buckets));
    if (d->buckets == NULL) {
        free(d);
        return NULL;
    }
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->done, NULL);
    return d;
}

void srs_dedupe_free(srs_dedupe *d)
{
    node *n, *next;

    if (d == NULL)
        return;
    for (n = d->oldest; n; n = next) {
        next = n->newer;
        free(n);
    }
    free(d->buckets);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->done);
    free(d);
}

static node *find(srs_dedupe *d, const char *key)
{
    node *n = d->buckets[hash(key) & (d->nbuckets - 1)];

    while (n && strcmp(n->key, key) != 0)
        n = n->hnext;
    return n;
}

/* unlink_node - out of its chain and the FIFO, freed */
static void drop(srs_dedupe *d, node *n)
{
    node **pp = &d->buckets[hash(n->key) & (d->nbuckets - 1)];

    while (*pp != n)
        pp = &(*pp)->hnext;
    *pp = n->hnext;
    if (n->older)
        n->older->newer = n->newer;
    else
        d->oldest = n->newer;
    if (n->newer)
        n->newer->older = n->older;
    else
        d->newest = n->older;
    d->n--;
    free(n);
}

/* expire - drop finished keys past the window, and the oldest beyond max */
static void expire(srs_dedupe *d, int64_t now)
{
    node *n = d->oldest, *next;

    for (; n; n = next) {
        next = n->newer;
        if (n->inflight)
            continue;
        if (d->n > d->max || (d->window > 0 && n->at < now - d->window))
            drop(d, n);
        else
            break;
    }
}

static node *insert(srs_dedupe *d, const char *key, int64_t at)
{
    node *n = calloc(1, sizeof(*n));
    size_t b;

    if (n == NULL)
        return NULL;
    snprintf(n->key, sizeof(n->key), "%s", key);
    n->at = at;
    b = hash(key) & (d->nbuckets - 1);
    n->hnext = d->buckets[b];
    d->buckets[b] = n;
    n->older = d->newest;
    if (d->newest)
        d->newest->newer = n;
    else
        d->oldest = n;
    d->newest = n;
    d->n++;
    return n;
}

int srs_dedupe_begin(srs_dedupe *d, const char *key1, const char *key2, srs_dd_entry *out,
                     int64_t now)
{
    const char *keys[2] = {key1, key2};

    pthread_mutex_lock(&d->lock);
    for (;;) {
        int waiting = 0;
        for (int i = 0; i < 2; i++) {
            node *n = keys[i] && *keys[i] ? find(d, keys[i]) : NULL;
            if (n && !n->inflight && d->window > 0 && n->at < now - d->window) {
                drop(d, n);   /* past the window: a gateway reusing its ids */
                n = NULL;
            }
            if (n && !n->inflight) {
                *out = n->e;
                pthread_mutex_unlock(&d->lock);
                return SRS_DD_DONE;
            }
            if (n)
                waiting = 1;
        }
        if (!waiting)
            break;
        pthread_cond_wait(&d->done, &d->lock);
    }
    expire(d, now);
    for (int i = 0; i < 2; i++) {
        node *n;
        if (keys[i] && *keys[i] && (n = insert(d, keys[i], now)) != NULL)
            n->inflight = 1;
    }
    pthread_mutex_unlock(&d->lock);
    return SRS_DD_NEW;
}

void srs_dedupe_finish(srs_dedupe *d, const char *key1, const char *key2,
                       const srs_dd_entry *e, int64_t now)
{
    const char *keys[2] = {key1, key2};

    pthread_mutex_lock(&d->lock);
    for (int i = 0; i < 2; i++) {
        node *n = keys[i] && *keys[i] ? find(d, keys[i]) : NULL;
        if (n) {
            n->e = *e;
            n->at = now;
            n->inflight = 0;
        }
    }
    pthread_cond_broadcast(&d->done);
    pthread_mutex_unlock(&d->lock);
}

void srs_dedupe_abort(srs_dedupe *d, const char *key1, const char *key2)
{
    const char *keys[2] = {key1, key2};

    pthread_mutex_lock(&d->lock);
    for (int i = 0; i < 2; i++) {
        node *n = keys[i] && *keys[i] ? find(d, keys[i]) : NULL;
        if (n && n->inflight)
            drop(d, n);
    }
    pthread_cond_broadcast(&d->done);
    pthread_mutex_unlock(&d->lock);
}

void srs_dedupe_add(srs_dedupe *d, const char *key, const srs_dd_entry *e, int64_t at)
{
    node *n;

    pthread_mutex_lock(&d->lock);
    n = find(d, key);
    if (n == NULL)
        n = insert(d, key, at);
    if (n) {
        n->e = *e;
        n->inflight = 0;
    }
    expire(d, at);
    pthread_mutex_unlock(&d->lock);
}

size_t srs_dedupe_size(srs_dedupe *d)
{
    size_t n;

    pthread_mutex_lock(&d->lock);
    n = d->n;
    pthread_mutex_unlock(&d->lock);
    return n;
}

void srs_dedupe_key_id(const char *gateway, const char *id, char out[65])
{
    srp_sha256 c;
    unsigned char h[SRP_SHA256_LEN];

    out[0] = '\0';
    if (id == NULL || *id == '\0')
        return;
    srp_sha256_init(&c);
    srp_sha256_update(&c, "id\n", 3);
    srp_sha256_update(&c, gateway, strlen(gateway) + 1);
    srp_sha256_update(&c, id, strlen(id));
    srp_sha256_final(&c, h);
    srp_hex(h, sizeof(h), out);
}

void srs_dedupe_key_content(const char *e164, int64_t ts, const char *text, size_t len,
                            char out[65])
{
    srp_sha256 c;
    unsigned char h[SRP_SHA256_LEN];
    char t[32];

    out[0] = '\0';
    if (ts <= 0)
        return;   /* without the sending time two equal texts would merge */
    snprintf(t, sizeof(t), "\n%lld\n", (long long)ts);
    srp_sha256_init(&c);
    srp_sha256_update(&c, "content\n", 8);
    srp_sha256_update(&c, e164, strlen(e164));
    srp_sha256_update(&c, t, strlen(t));
    srp_sha256_update(&c, text, len);
    srp_sha256_final(&c, h);
    srp_hex(h, sizeof(h), out);
}
