/*
 * outbox.c - durable jobs: enqueue, claim with a lease, complete, fail,
 * retry, drop; the delivery loop and the worker thread
 *
 * A job is one record in "outbox" plus, while it waits, a key in
 * "pending".  Claiming is a write transaction: it sets lease_until and
 * claimed_by, so a second worker (thread or process) skips the job until
 * the lease runs out; a worker killed mid-delivery leaves a job whose lease
 * expires and which is claimed again.  The attempt counter rises at claim
 * time, so even a job whose delivery crashes the worker is parked as
 * failed after handoff.max_attempts.  Jobs of one ticket are delivered in
 * order: a later job waits while an earlier one is pending.
 */
#include "build-config.h"

#include "handoff.h"

#include "ctx.h"
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *js(const json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "";
}

static long long ji(const json_t *j, const char *k)
{
    return json_integer_value(json_object_get(j, k));
}

static void set_int(json_t *j, const char *k, long long v)
{
    json_object_set_new(j, k, json_integer(v));
}

static void set_str(json_t *j, const char *k, const char *v)
{
    json_object_set_new(j, k, json_string(v ? v : ""));
}

/*
 * The pending index: job id -> a small fixed record, so that claiming scans
 * it without decoding every waiting job (deliver jobs for adapters may wait
 * long): next attempt, lease end, ticket (8 bytes each, big-endian), a
 * deliver flag, the target (NUL-padded).
 */
#define PEND_LEN (8 + 8 + 8 + 1 + 16)

typedef struct pend {
    int64_t next, lease;
    uint64_t ticket;
    int deliver;
    char target[17];
} pend;

static void pend_decode(const MDB_val *v, pend *p)
{
    const unsigned char *b = v->mv_data;

    memset(p, 0, sizeof(*p));
    if (v->mv_size != PEND_LEN)
        return;
    p->next = (int64_t)srp_key_u64(b);
    p->lease = (int64_t)srp_key_u64(b + 8);
    p->ticket = srp_key_u64(b + 16);
    p->deliver = b[24];
    memcpy(p->target, b + 25, 16);
}

/* pending_put - (re)index a waiting job from its record */
static int pending_put(sr_store *st, MDB_txn *txn, const json_t *j, sr_error *err)
{
    unsigned char k[8], b[PEND_LEN] = {0};
    MDB_val key = {8, k}, val = {PEND_LEN, b};
    const char *target = json_string_value(json_object_get(j, "target"));
    const char *kind = json_string_value(json_object_get(j, "kind"));
    int rc;

    srp_u64_key(k, (uint64_t)ji(j, "id"));
    srp_u64_key(b, (uint64_t)ji(j, "next"));
    srp_u64_key(b + 8, (uint64_t)ji(j, "lease"));
    srp_u64_key(b + 16, (uint64_t)ji(j, "tk"));
    b[24] = kind && strcmp(kind, "deliver") == 0;
    if (target)
        memcpy(b + 25, target, SR_MIN(strlen(target), 16));
    rc = mdb_put(txn, st->pending, &key, &val, 0);
    return rc ? srp_mdb_error(err, rc, "outbox") : SR_OK;
}

static void pending_del(sr_store *st, MDB_txn *txn, uint64_t id)
{
    unsigned char k[8];
    MDB_val key = {8, k};

    srp_u64_key(k, id);
    mdb_del(txn, st->pending, &key, NULL);
}

static int job_put(sr_store *st, MDB_txn *txn, json_t *j, sr_error *err)
{
    unsigned char k[8];

    srp_u64_key(k, (uint64_t)ji(j, "id"));
    return srp_put_json(st, txn, st->outbox, k, 8, j, err);
}

static int job_get(sr_store *st, MDB_txn *txn, uint64_t id, json_t **j, sr_error *err)
{
    unsigned char k[8];
    int rc;

    srp_u64_key(k, id);
    rc = srp_get_json(st, txn, st->outbox, k, 8, j, err);
    if (rc == SR_ENOTFOUND)
        return srp_error(err, SR_ENOTFOUND, 0, "outbox", "no job %llu", (unsigned long long)id);
    return rc;
}

/* The handoff index: meta "ho:" + ticket id (8 bytes, big-endian) -> the
 * id of the ticket's latest handoff job, so that a comment whose ticket
 * the helpdesk does not know finds that job without reading the outbox
 * (handoff_of).  Stores written before it have no such keys: handoff_of
 * reads the outbox for them. */
static void handoff_key(unsigned char kb[11], uint64_t ticket)
{
    kb[0] = 'h';
    kb[1] = 'o';
    kb[2] = ':';
    srp_u64_key(kb + 3, ticket);
}

/* srp_outbox_add - a new pending job, due now */
int srp_outbox_add(sr_store *st, MDB_txn *txn, const srp_jobspec *spec, int64_t now,
                   uint64_t *id, sr_error *err)
{
    char idem[96];
    json_t *j;
    int rc = srp_next_id(st, txn, "job", id, err);

    if (rc != SR_OK)
        return rc;
    snprintf(idem, sizeof(idem), "sr-%s-j%llu", st->instance, (unsigned long long)*id);
    j = json_pack("{sI ss ss sI sI sI sI sI sI sI ss ss ss ss ss}", "id", (json_int_t)*id,
                  "kind", spec->kind, "target", spec->target, "tk", (json_int_t)spec->ticket,
                  "seq", (json_int_t)spec->seq, "st", (json_int_t)SR_JOB_PENDING, "att",
                  (json_int_t)0, "cr", (json_int_t)now, "next", (json_int_t)now, "lease",
                  (json_int_t)0, "by", "", "err", "", "idem", idem, "rid", "", "to",
                  spec->to ? spec->to : "");
    if (j == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, "outbox", "out of memory");
    if (spec->text)
        set_str(j, "text", spec->text);
    if (spec->snapshot)
        json_object_set(j, "snap", spec->snapshot);
    rc = job_put(st, txn, j, err);
    if (rc == SR_OK)
        rc = pending_put(st, txn, j, err);
    json_decref(j);
    if (rc == SR_OK && strcmp(spec->kind, "handoff") == 0) {
        unsigned char kb[11], vb[8];
        MDB_val k = {sizeof(kb), kb}, v = {sizeof(vb), vb};
        handoff_key(kb, spec->ticket);
        srp_u64_key(vb, *id);
        if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0)
            rc = srp_mdb_error(err, rc, "outbox");
    }
    return rc;
}

/* srp_outbox_set - add a field to a job written in this transaction */
int srp_outbox_set(sr_store *st, MDB_txn *txn, uint64_t id, const char *key, json_t *val,
                   sr_error *err)
{
    json_t *j;
    int rc = job_get(st, txn, id, &j, err);

    if (rc != SR_OK)
        return rc;
    json_object_set(j, key, val);
    rc = job_put(st, txn, j, err);
    json_decref(j);
    return rc;
}

/* srp_job_json - a job's record, read in its own transaction */
int srp_job_json(sr_store *st, uint64_t id, json_t **out, sr_error *err)
{
    MDB_txn *txn;
    int rc = srp_store_read(st, &txn, err);

    if (rc != SR_OK)
        return rc;
    rc = job_get(st, txn, id, out, err);
    srp_store_read_end(st, txn);
    return rc;
}

static void job_from_json(const json_t *j, sr_job *o)
{
    const char *text = json_string_value(json_object_get(j, "text"));

    memset(o, 0, sizeof(*o));
    o->id = (uint64_t)ji(j, "id");
    srp_strlcpy(o->kind, js(j, "kind"), sizeof(o->kind));
    srp_strlcpy(o->target, js(j, "target"), sizeof(o->target));
    o->ticket_id = (uint64_t)ji(j, "tk");
    o->msg_seq = (uint32_t)ji(j, "seq");
    o->state = (sr_job_state)ji(j, "st");
    o->attempts = (int)ji(j, "att");
    o->created = ji(j, "cr");
    o->next_attempt_at = ji(j, "next");
    o->lease_until = ji(j, "lease");
    o->done_at = ji(j, "done");
    srp_strlcpy(o->claimed_by, js(j, "by"), sizeof(o->claimed_by));
    srp_strlcpy(o->last_error, js(j, "err"), sizeof(o->last_error));
    srp_strlcpy(o->idem_key, js(j, "idem"), sizeof(o->idem_key));
    srp_strlcpy(o->remote_id, js(j, "rid"), sizeof(o->remote_id));
    srp_strlcpy(o->to, js(j, "to"), sizeof(o->to));
    o->text = text ? strdup(text) : NULL;
}

void sr_job_clear(sr_job *job)
{
    if (job) {
        free(job->text);
        job->text = NULL;
    }
}

void sr_outbox_list_free(sr_job *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++)
        sr_job_clear(&jobs[i]);
    free(jobs);
}

int sr_outbox_list(sr_store *st, unsigned state_mask, sr_job **out, size_t *n, sr_error *err)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    sr_job *vec = NULL;
    size_t cnt = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = srp_store_cursor(st, st->outbox, &txn, &cur, err)) != SR_OK)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (j == NULL)
            continue;
        if (!state_mask || (state_mask & (1u << ji(j, "st")))) {
            if (cnt == cap) {
                sr_job *nv = realloc(vec, (cap ? cap * 2 : 32) * sizeof(*vec));
                if (nv == NULL) {
                    json_decref(j);
                    break;
                }
                vec = nv;
                cap = cap ? cap * 2 : 32;
            }
            job_from_json(j, &vec[cnt++]);
        }
        json_decref(j);
    }
    srp_store_cursor_end(st, txn, cur);
    *out = vec;
    *n = cnt;
    return SR_OK;
}

/* --- claim ------------------------------------------------------------ */

#define CLAIM_BATCH 16

typedef struct claim_job {
    const char *target, *worker;
    int lease;
    int64_t now;
    int64_t due_by;                /* only jobs due by then (0: by now) */
    size_t max;                    /* jobs to claim at most */
    size_t n;                      /* out: claimed */
    json_t *jobs[CLAIM_BATCH];     /* out: the claimed records (new refs) */
} claim_job;

/* busy tickets: an open-addressing set of ticket ids (stored +1, 0 = empty)
 * that grows with the pending jobs, so no ticket is ever forgotten */
typedef struct tset {
    uint64_t *v;
    size_t cap, n;
} tset;

static size_t tset_slot(const tset *s, uint64_t t)
{
    size_t i = (size_t)((t * 0x9E3779B97F4A7C15ull) >> 17) & (s->cap - 1);

    while (s->v[i] != 0 && s->v[i] != t + 1)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int seen(const tset *s, uint64_t t)
{
    return s->cap > 0 && s->v[tset_slot(s, t)] == t + 1;
}

/* tset_add - SR_OK, or SR_ENOMEM (the set is unchanged) */
static int tset_add(tset *s, uint64_t t)
{
    if ((s->n + 1) * 2 > s->cap) {
        tset g = {calloc(s->cap ? s->cap * 2 : 256, sizeof(uint64_t)), s->cap ? s->cap * 2 : 256,
                  0};
        if (g.v == NULL)
            return SR_ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i] != 0)
                g.v[tset_slot(&g, s->v[i] - 1)] = s->v[i], g.n++;
        free(s->v);
        *s = g;
    }
    if (s->v[tset_slot(s, t)] == 0) {
        s->v[tset_slot(s, t)] = t + 1;
        s->n++;
    }
    return SR_OK;
}

/* claim_write - lease up to c->max due jobs, at most one per ticket */
static int claim_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    claim_job *c = arg;
    MDB_cursor *cur;
    MDB_val k, v;
    tset busy = {NULL, 0, 0};
    int rc;

    c->n = 0;
    if ((rc = mdb_cursor_open(txn, st->pending, &cur)) != 0)
        return srp_mdb_error(err, rc, "cursor");
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && c->n < c->max;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        json_t *j;
        pend p;
        int mine;
        pend_decode(&v, &p);
        mine = c->target ? strncmp(p.target, c->target, 16) == 0 : !p.deliver;
        if (!mine || seen(&busy, p.ticket))
            continue;
        /* later jobs of this ticket wait for this one; a ticket that cannot
         * be remembered ends the scan rather than let them overtake it */
        if (tset_add(&busy, p.ticket) != SR_OK)
            break;
        if (p.next > c->now || p.lease > c->now || (c->due_by > 0 && p.next > c->due_by))
            continue;
        if (job_get(st, txn, srp_key_u64(k.mv_data), &j, NULL) == SR_OK)
            c->jobs[c->n++] = j;
    }
    mdb_cursor_close(cur);
    free(busy.v);
    if (c->n == 0)
        return srp_error(err, SR_ENOTFOUND, 0, "outbox", "no job due");
    for (size_t i = 0; i < c->n; i++) {
        json_t *j = c->jobs[i];
        set_int(j, "lease", c->now + c->lease);
        set_str(j, "by", c->worker);
        set_int(j, "att", ji(j, "att") + 1);
        if (ji(j, "first") == 0)
            set_int(j, "first", c->now);
        if ((rc = job_put(st, txn, j, err)) != SR_OK ||
            (rc = pending_put(st, txn, j, err)) != SR_OK) {
            for (size_t k2 = 0; k2 < c->n; k2++)
                json_decref(c->jobs[k2]);
            c->n = 0;
            return rc;
        }
    }
    return SR_OK;
}

/* claim_batch - lease up to max jobs (1..CLAIM_BATCH) in one transaction */
static int claim_batch(sr_store *st, const char *target, const char *worker, int lease_s,
                       size_t max, int64_t due_by, claim_job *c, sr_error *err)
{
    c->target = target;
    c->worker = worker;
    c->lease = lease_s > 0 ? lease_s : st->cfg->outbox_lease;
    c->now = srp_now();
    c->due_by = due_by;
    c->max = max < 1 ? 1 : max > CLAIM_BATCH ? CLAIM_BATCH : max;
    c->n = 0;
    return srp_store_write(st, claim_write, c, err);
}

static int claim_json(sr_store *st, const char *target, const char *worker, int lease_s,
                      json_t **job, sr_error *err)
{
    claim_job c;
    int rc = claim_batch(st, target, worker, lease_s, 1, 0, &c, err);

    *job = rc == SR_OK ? c.jobs[0] : NULL;
    return rc;
}

static int outbox_claim(sr_store *st, const char *target, const char *worker, int lease_s,
                    sr_job *job, sr_error *err)
{
    json_t *j;
    int rc = claim_json(st, target, worker ? worker : "worker", lease_s, &j, err);

    if (rc != SR_OK)
        return rc;
    job_from_json(j, job);
    json_decref(j);
    return SR_OK;
}

/* --- finish ------------------------------------------------------------ */

typedef struct finish_job {
    uint64_t id;
    const char *worker, *remote_id, *why;
    int permanent, retry_after, done;
    int wait;             /* no attempt was made: it does not count */
    int release;          /* not started: back to pending, due as it was */
    int moved;            /* the remote ticket changed (srp_delivery.moved) */
    int later;            /* undelivered: a temporary error, sent again */
    const char *warn;     /* done, with the driver's warning (srp_delivery.warn) */
    int64_t now;
    int warned;           /* out: the ticket's first such warning: log it */
    sr_job_state state;   /* out */
    int noted;            /* out: a reply parked as failed, told on its ticket */
    uint64_t note_ticket; /* out: that ticket */
    srp_undelivered note; /* out: how */
} finish_job;

/* log_noted - say (after the commit) that a reply's failure went on its
 * ticket: the ticket and job, never the text or the reason's details */
static void log_noted(sr_store *st, uint64_t ticket, uint64_t job, const srp_undelivered *n)
{
    char also[96] = "";

    if (n->comment_job != 0)
        snprintf(also, sizeof(also), ", and for %s in job %llu", n->method,
                 (unsigned long long)n->comment_job);
    else if (n->method[0])
        snprintf(also, sizeof(also), " only (%s takes no internal notes from us)", n->method);
    sr_log(st->ctx, SR_LOG_WARNING, "T%llu: reply of job %llu not delivered: noted on the "
           "ticket as message %u%s", (unsigned long long)ticket, (unsigned long long)job,
           (unsigned)n->note_seq, also);
}

/* owned - the worker still holds the lease (claimed_by matches) */
static int owned(const json_t *j, const char *worker, sr_error *err)
{
    if (ji(j, "st") != SR_JOB_PENDING || strcmp(js(j, "by"), worker) != 0)
        return srp_error(err, SR_EEXIST, 0, "outbox",
                         "job %lld is no longer leased to %s (lease expired?)", ji(j, "id"),
                         worker);
    return SR_OK;
}

/* backoff - base * 2^(attempts-1), capped, "equal jitter" in [d/2, d] */
static int backoff(const sr_config *cfg, int attempts, uint64_t salt)
{
    double d = cfg->outbox_backoff_base;
    uint64_t x = salt ^ (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();

    for (int i = 1; i < attempts && d < cfg->outbox_backoff_max; i++)
        d *= 2;
    if (d > cfg->outbox_backoff_max)
        d = cfg->outbox_backoff_max;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    d = d / 2 + (d / 2) * (double)(x % 1000) / 1000.0;
    return d < 1 ? 1 : (int)(d + 0.5);
}

/* warn_once - the first delivered comment job of ticket with a driver's
 * warning (meta "dw:" + ticket, big-endian): *first 1 then, else 0.  An
 * admin hears about a helpdesk setting once per ticket, not at every
 * comment (a handoff's warning is logged without it) */
static int warn_once(sr_store *st, MDB_txn *txn, uint64_t ticket, int *first, sr_error *err)
{
    unsigned char kb[11];
    MDB_val k = {sizeof(kb), kb}, v;
    int rc;

    memcpy(kb, "dw:", 3);
    srp_u64_key(kb + 3, ticket);
    *first = 0;
    rc = mdb_get(txn, st->meta, &k, &v);
    if (rc == 0)
        return SR_OK;
    if (rc == MDB_NOTFOUND) {
        v.mv_size = 0;
        v.mv_data = "";
        rc = mdb_put(txn, st->meta, &k, &v, 0);
        *first = rc == 0;
    }
    return rc ? srp_mdb_error(err, rc, "outbox") : SR_OK;
}

/* fail_or_retry - an attempt at job j failed (f->why): parked as failed
 * when f->permanent or when it has had handoff.max_attempts attempts (an
 * agent's reply is told on its ticket: f->noted), else pending again, due
 * after f->retry_after seconds when > 0 (a server's Retry-After is a
 * minimum: +1 covers the part of the current second already gone; times
 * are whole seconds) or after the backoff of its attempts.  Either way it
 * is no longer leased nor done, and f->why is its last error.  A failed
 * delivery (finish_write) and a done reply that bounced after all
 * (undelivered_write: XMPP "wait") both end here; j is written by the
 * caller. */
static int fail_or_retry(sr_store *st, MDB_txn *txn, json_t *j, finish_job *f, sr_error *err)
{
    set_str(j, "err", f->why);
    set_str(j, "by", "");
    set_int(j, "lease", 0);
    json_object_del(j, "done");   /* a reply that bounced was done */
    if (f->permanent || ji(j, "att") >= st->cfg->outbox_max_attempts) {
        set_int(j, "st", SR_JOB_FAILED);
        pending_del(st, txn, f->id);
        f->state = SR_JOB_FAILED;
        /* an agent's reply that will not arrive: the agent must learn it
         * from the ticket, not from the outbox */
        if (strcmp(js(j, "kind"), "deliver") == 0) {
            int rc = srp_ticket_undelivered(st, txn, (uint64_t)ji(j, "tk"),
                                            (uint32_t)ji(j, "seq"), f->id, f->why, f->now,
                                            &f->note, err);
            f->noted = rc == SR_OK;
            f->note_ticket = (uint64_t)ji(j, "tk");
            return rc;
        }
        return SR_OK;
    }
    set_int(j, "st", SR_JOB_PENDING);
    set_int(j, "next", f->now + (f->retry_after > 0
                                     ? SR_MIN(f->retry_after, 86400) + 1
                                     : backoff(st->cfg, (int)ji(j, "att"), f->id)));
    f->state = SR_JOB_PENDING;
    return pending_put(st, txn, j, err);
}

static int finish_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    finish_job *f = arg;
    json_t *j;
    int rc = job_get(st, txn, f->id, &j, err);

    if (rc != SR_OK)
        return rc;
    if ((rc = owned(j, f->worker, err)) != SR_OK) {
        json_decref(j);
        return rc;
    }
    set_int(j, "lease", 0);
    if (f->release) {
        /* the claim's attempt was never made */
        set_str(j, "by", "");
        set_int(j, "att", ji(j, "att") > 0 ? ji(j, "att") - 1 : 0);
        if (ji(j, "att") == 0 && ji(j, "prior") == 0)
            set_int(j, "first", 0);
        f->state = SR_JOB_PENDING;
        rc = pending_put(st, txn, j, err);
    } else if (f->done) {
        set_int(j, "st", SR_JOB_DONE);
        set_int(j, "done", f->now);
        set_str(j, "rid", f->remote_id);
        set_str(j, "err", "");
        pending_del(st, txn, f->id);
        /* the helpdesk's ticket: made by a handoff, or a new one a comment
         * had to open (Zendesk's follow-up to a closed ticket); later
         * comments go there */
        if ((strcmp(js(j, "kind"), "handoff") == 0 || f->moved) && f->remote_id &&
            *f->remote_id) {
            sr_ticket t;
            if (srp_ticket_load(st, txn, (uint64_t)ji(j, "tk"), &t, NULL) == SR_OK &&
                strcmp(t.remote_id, f->remote_id) != 0) {
                srp_strlcpy(t.remote_id, f->remote_id, sizeof(t.remote_id));
                rc = srp_ticket_save(st, txn, &t, err);
            }
        }
        f->state = SR_JOB_DONE;
        if (rc == SR_OK && strcmp(js(j, "kind"), "deliver") == 0)
            rc = srp_ticket_delivered(st, txn, (uint64_t)ji(j, "tk"), err);
        /* a ticket has one handoff: its warning is logged as it comes,
         * and the mark stays for the warning its comments may bring */
        if (rc == SR_OK && f->warn && *f->warn && strcmp(js(j, "kind"), "handoff") == 0)
            f->warned = 1;
        else if (rc == SR_OK && f->warn && *f->warn)
            rc = warn_once(st, txn, (uint64_t)ji(j, "tk"), &f->warned, err);
    } else {
        if (f->wait && ji(j, "att") > 0)
            set_int(j, "att", ji(j, "att") - 1);
        rc = fail_or_retry(st, txn, j, f, err);
    }
    if (rc == SR_OK)
        rc = job_put(st, txn, j, err);
    json_decref(j);
    return rc;
}

/* finish_many_write - record several outcomes in one transaction; each in
 * a nested transaction, so a lost lease leaves the others alone */
typedef struct finish_many {
    finish_job *v;
    size_t n;
    int *rcs;
} finish_many;

static int finish_many_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    finish_many *fm = arg;

    (void)err;
    for (size_t i = 0; i < fm->n; i++) {
        MDB_txn *child;
        sr_error e;
        int rc = mdb_txn_begin(st->env, txn, 0, &child);
        if (rc != 0) {
            fm->rcs[i] = srp_mdb_error(&e, rc, "nested");
            continue;
        }
        fm->rcs[i] = finish_write(st, child, &fm->v[i], &e);
        if (fm->rcs[i] == SR_OK && (rc = mdb_txn_commit(child)) != 0)
            fm->rcs[i] = srp_mdb_error(&e, rc, "nested commit");
        else if (fm->rcs[i] != SR_OK)
            mdb_txn_abort(child);
    }
    return SR_OK;
}

static int outbox_complete(sr_store *st, uint64_t job_id, const char *worker, const char *remote_id,
                       sr_error *err)
{
    finish_job f = {.id = job_id, .worker = worker ? worker : "worker", .remote_id = remote_id,
                    .done = 1, .now = srp_now()};

    return srp_store_write(st, finish_write, &f, err);
}

static int fail_job(sr_store *st, uint64_t job_id, const char *worker, int permanent,
                    int retry_after, const char *why, sr_job_state *state, sr_error *err)
{
    finish_job f = {.id = job_id, .worker = worker ? worker : "worker", .why = why ? why : "",
                    .permanent = permanent, .retry_after = retry_after, .now = srp_now()};
    int rc = srp_store_write(st, finish_write, &f, err);

    if (rc == SR_OK && f.noted)
        log_noted(st, f.note_ticket, job_id, &f.note);
    if (state)
        *state = f.state;
    return rc;
}

static int outbox_fail(sr_store *st, uint64_t job_id, const char *worker, int permanent,
                   int retry_after, const char *why, sr_error *err)
{
    return fail_job(st, job_id, worker, permanent, retry_after, why, NULL, err);
}

/* undelivered_write - a done reply that did not arrive after all */
static int undelivered_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    finish_job *f = arg;
    json_t *j;
    int rc = job_get(st, txn, f->id, &j, err);

    if (rc != SR_OK)
        return rc;
    if (strcmp(js(j, "kind"), "deliver") != 0)
        rc = srp_error(err, SR_EINVAL, 0, "outbox", "job %llu is not a reply (%s)",
                       (unsigned long long)f->id, js(j, "kind"));
    else if (ji(j, "st") == SR_JOB_FAILED)
        rc = srp_error(err, SR_EEXIST, 0, "outbox", "job %llu is failed already",
                       (unsigned long long)f->id);
    else if (ji(j, "st") != SR_JOB_DONE)
        rc = srp_error(err, SR_EINVAL, 0, "outbox", "job %llu is not done yet",
                       (unsigned long long)f->id);
    if (rc == SR_OK) {
        /* a temporary error (XMPP "wait"): pending again, as a failed
         * attempt would be (the next claim counts the attempt), or failed
         * once its attempts are used up; any other: failed for good */
        f->permanent = !f->later;
        rc = fail_or_retry(st, txn, j, f, err);
    }
    if (rc == SR_OK)
        rc = job_put(st, txn, j, err);
    json_decref(j);
    return rc;
}

static int outbox_undelivered(sr_store *st, uint64_t job_id, int later, int retry_after,
                              const char *why, sr_job_state *state, sr_error *err)
{
    finish_job f = {.id = job_id, .why = why && *why ? why : "not delivered",
                    .later = later, .retry_after = retry_after, .now = srp_now()};
    int rc = srp_store_write(st, undelivered_write, &f, err);

    if (rc == SR_OK && f.noted)
        log_noted(st, f.note_ticket, job_id, &f.note);
    if (state)
        *state = f.state;
    return rc;
}

/* outbox_get - one job, read in its own transaction */
static int outbox_get(sr_store *st, uint64_t job_id, sr_job *job, sr_error *err)
{
    json_t *j;
    int rc = srp_job_json(st, job_id, &j, err);

    if (rc != SR_OK)
        return rc;
    job_from_json(j, job);
    rc = job->text == NULL && json_object_get(j, "text") != NULL
             ? srp_error(err, SR_ENOMEM, ENOMEM, "outbox", "out of memory")
             : SR_OK;
    json_decref(j);
    return rc;
}

typedef struct admin_job {
    uint64_t id;
    int drop;             /* 1 drop, 2 drop even while a worker sends it */
    size_t followups;     /* out: parked comments requeued with a handoff */
    char by[80];          /* out: the worker a forced drop took it from */
} admin_job;

/* requeue - a parked (or pending) job pending again, due now */
static int requeue(sr_store *st, MDB_txn *txn, json_t *j, sr_error *err)
{
    int rc;

    /* the attempts before the requeue still happened: one of them may have
     * been processed with its answer lost, so the drivers must look first
     * (srp_payload.attempts counts them, "att" starts again for max_attempts) */
    set_int(j, "prior", ji(j, "prior") + ji(j, "att"));
    set_int(j, "st", SR_JOB_PENDING);
    set_int(j, "att", 0);
    set_int(j, "next", srp_now());
    set_int(j, "lease", 0);
    set_str(j, "by", "");
    rc = job_put(st, txn, j, err);
    return rc == SR_OK ? pending_put(st, txn, j, err) : rc;
}

/* requeue_followups - the parked comments of a ticket whose handoff is
 * requeued: they could not go without it (deliver parks them with it) */
static int requeue_followups(sr_store *st, MDB_txn *txn, uint64_t ticket, uint64_t after,
                             size_t *n, sr_error *err)
{
    MDB_cursor *cur;
    MDB_val k, v;
    unsigned char kb[8];
    json_t *found = json_array();   /* collected first: no writes under the cursor */
    size_t i;
    json_t *j;
    int rc;

    if (found == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, "outbox", "out of memory");
    if ((rc = mdb_cursor_open(txn, st->outbox, &cur)) != 0) {
        json_decref(found);
        return srp_mdb_error(err, rc, "cursor");
    }
    srp_u64_key(kb, after + 1);
    k.mv_size = 8;
    k.mv_data = kb;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (j != NULL && (uint64_t)ji(j, "tk") == ticket && ji(j, "st") == SR_JOB_FAILED &&
            strcmp(js(j, "kind"), "comment") == 0)
            json_array_append(found, j);
        json_decref(j);
    }
    mdb_cursor_close(cur);
    rc = SR_OK;
    json_array_foreach(found, i, j) {
        if ((rc = requeue(st, txn, j, err)) != SR_OK)
            break;
        (*n)++;
    }
    json_decref(found);
    return rc;
}

static int admin_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    admin_job *a = arg;
    unsigned char k[8];
    MDB_val key = {8, k};
    json_t *j;
    int rc = job_get(st, txn, a->id, &j, err);

    if (rc != SR_OK)
        return rc;
    /* a worker is sending it: clearing its lease would let another worker
     * send it again meanwhile, and lose the first one's outcome; dropping
     * it would not stop the send (the job may still arrive) */
    if (ji(j, "st") == SR_JOB_PENDING && *js(j, "by") && ji(j, "lease") > srp_now()) {
        if (a->drop == 2) {
            snprintf(a->by, sizeof(a->by), "%.64s", js(j, "by"));
        } else {
            rc = srp_error(err, SR_EEXIST, 0, "outbox",
                           "job %llu is being sent by %.64s (leased for %lld s more): %s",
                           (unsigned long long)a->id, js(j, "by"),
                           ji(j, "lease") - srp_now(),
                           a->drop ? "dropping it would not stop that send; drop it when the"
                                     " attempt is over, or with --force"
                                   : "retry it if it fails");
            json_decref(j);
            return rc;
        }
    }
    if (a->drop) {
        json_decref(j);
        srp_u64_key(k, a->id);
        pending_del(st, txn, a->id);
        rc = mdb_del(txn, st->outbox, &key, NULL);
        return rc ? srp_mdb_error(err, rc, "drop") : SR_OK;
    }
    if (ji(j, "st") == SR_JOB_DONE) {
        json_decref(j);
        return srp_error(err, SR_EINVAL, 0, "outbox", "job %llu is done",
                         (unsigned long long)a->id);
    }
    rc = requeue(st, txn, j, err);
    /* a handoff's comments were parked with it: they go after it again */
    if (rc == SR_OK && strcmp(js(j, "kind"), "handoff") == 0)
        rc = requeue_followups(st, txn, (uint64_t)ji(j, "tk"), a->id, &a->followups, err);
    json_decref(j);
    return rc;
}

int sr_outbox_retry(sr_store *st, uint64_t job_id, sr_error *err)
{
    admin_job a = {job_id, 0, 0, ""};
    int rc = srp_store_write(st, admin_write, &a, err);

    if (rc == SR_OK && a.followups > 0)
        sr_log(st->ctx, SR_LOG_NOTICE,
               "outbox: job %llu requeued with %zu parked comment(s) of its ticket",
               (unsigned long long)job_id, a.followups);
    return rc;
}

static int outbox_drop(sr_store *st, uint64_t job_id, int force, sr_error *err)
{
    admin_job a = {job_id, force ? 2 : 1, 0, ""};
    int rc = srp_store_write(st, admin_write, &a, err);

    if (rc == SR_OK && *a.by)
        sr_log(st->ctx, SR_LOG_WARNING,
               "outbox: job %llu dropped by an administrator (forced) while %s was sending it:"
               " it may still arrive",
               (unsigned long long)job_id, a.by);
    else if (rc == SR_OK)
        sr_log(st->ctx, SR_LOG_NOTICE, "outbox: job %llu dropped by an administrator",
               (unsigned long long)job_id);
    return rc;
}

/* --- delivery --------------------------------------------------------- */

/* read_messages - the messages a job sends: a comment its own message
 * (seq), a handoff the last max up to seq; read by key, so a job of a
 * long conversation does not read (and parse) the whole transcript.
 * Message numbers with gaps (an old split) fall back to the whole read,
 * which load_payload trims as before. */
static int read_messages(sr_store *st, MDB_txn *txn, uint64_t tid, int comment, uint32_t seq,
                         uint32_t max, srp_payload *p, sr_error *err)
{
    uint32_t from = seq > max ? seq - max + 1 : 0;
    int rc;

    if (comment && seq > 0) {
        p->msgs = calloc(1, sizeof(*p->msgs));
        if (p->msgs == NULL)
            return srp_error(err, SR_ENOMEM, ENOMEM, "outbox", "out of memory");
        rc = srp_msg_load(st, txn, tid, seq, &p->msgs[0], err);
        if (rc == SR_OK && p->msgs[0].seq == seq) {
            p->nmsgs = 1;
            return SR_OK;
        }
        sr_transcript_free(p->msgs, rc == SR_OK);
        p->msgs = NULL;
        if (rc != SR_OK && rc != SR_ENOTFOUND)
            return rc;
        from = 0;
    }
    if (from > 0) {
        rc = srp_transcript_read_from(st, txn, tid, from, seq, &p->msgs, &p->nmsgs, err);
        if (rc != SR_OK || p->nmsgs == max)
            return rc;
        sr_transcript_free(p->msgs, p->nmsgs);
        p->msgs = NULL;
        p->nmsgs = 0;
    }
    return srp_transcript_read(st, txn, tid, seq, &p->msgs, &p->nmsgs, err);
}

/* load_payload - ticket and messages for a claimed job */
static int load_payload(sr_store *st, const json_t *j, srp_payload *p, sr_ticket *t,
                        char *ext, size_t extsize, sr_error *err)
{
    MDB_txn *txn;
    uint32_t seq = (uint32_t)ji(j, "seq");
    int rc = srp_store_read(st, &txn, err);

    if (rc != SR_OK)
        return rc;
    rc = srp_ticket_load(st, txn, (uint64_t)ji(j, "tk"), t, err);
    if (rc == SR_OK)
        rc = read_messages(st, txn, t->id, strcmp(p->kind, "comment") == 0, seq,
                           (uint32_t)st->cfg->conv_transcript_max, p, err);
    srp_store_read_end(st, txn);
    if (rc != SR_OK)
        return rc;
    if (strcmp(p->kind, "comment") == 0) {
        /* only the message(s) after the previous delivered one: the one at seq */
        size_t keep = 0;
        for (size_t i = 0; i < p->nmsgs; i++)
            if (p->msgs[i].seq == seq)
                keep = i + 1;
        if (keep > 0) {
            for (size_t i = 0; i + 1 < keep; i++)
                free(p->msgs[i].text);
            memmove(p->msgs, p->msgs + keep - 1, sizeof(*p->msgs));
            for (size_t i = keep; i < p->nmsgs; i++)
                free(p->msgs[i].text);
            p->nmsgs = 1;
        }
    } else if (p->nmsgs > (size_t)st->cfg->conv_transcript_max) {
        size_t drop = p->nmsgs - (size_t)st->cfg->conv_transcript_max;
        for (size_t i = 0; i < drop; i++)
            free(p->msgs[i].text);
        memmove(p->msgs, p->msgs + drop, (p->nmsgs - drop) * sizeof(*p->msgs));
        p->nmsgs -= drop;
    }
    srp_ext_id(st, t->id, ext, extsize);
    p->ext_id = ext;
    p->remote_id = t->remote_id;
    p->ticket_id = t->id;
    p->seq = seq;
    return SR_OK;
}

/* handoff_of - the handoff job of a ticket before job `before` (the latest
 * one): SR_OK with its id and state.  The handoff index names it; a store
 * without the ticket's key (written before the index) is read backwards
 * from `before`, the handoff being near the comments that wait for it. */
static int handoff_of(sr_store *st, uint64_t ticket, uint64_t before, uint64_t *id,
                      sr_job_state *state)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    unsigned char kb[11];
    int r, rc = srp_store_cursor(st, st->outbox, &txn, &cur, NULL);

    if (rc != SR_OK)
        return rc;
    rc = SR_ENOTFOUND;
    handoff_key(kb, ticket);
    k.mv_size = sizeof(kb);
    k.mv_data = kb;
    if (mdb_get(txn, st->meta, &k, &v) == 0 && v.mv_size == 8 &&
        srp_key_u64(v.mv_data) < before) {
        json_t *j = NULL;
        int got = job_get(st, txn, srp_key_u64(v.mv_data), &j, NULL);
        if (got == SR_OK && (uint64_t)ji(j, "tk") == ticket &&
            strcmp(js(j, "kind"), "handoff") == 0) {
            *id = (uint64_t)ji(j, "id");
            *state = (sr_job_state)ji(j, "st");
            rc = SR_OK;
        }
        json_decref(j);
        /* a ticket is handed off once (sr_ticket.handed_off): a handoff
         * gone from the outbox was dropped, no earlier one is there */
        if (rc == SR_OK || got == SR_ENOTFOUND) {
            srp_store_cursor_end(st, txn, cur);
            return rc;
        }
    }
    srp_u64_key(kb, before);
    k.mv_size = 8;
    k.mv_data = kb;
    r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);   /* the first at or after it */
    r = mdb_cursor_get(cur, &k, &v, r == 0 ? MDB_PREV : MDB_LAST);
    for (; r == 0 && rc == SR_ENOTFOUND; r = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
        json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (j != NULL && (uint64_t)ji(j, "tk") == ticket && strcmp(js(j, "kind"), "handoff") == 0) {
            *id = (uint64_t)ji(j, "id");
            *state = (sr_job_state)ji(j, "st");
            rc = SR_OK;
        }
        json_decref(j);
    }
    srp_store_cursor_end(st, txn, cur);
    return rc;
}

/* no_remote_ticket - a comment whose ticket the helpdesk does not know
 * (yet): it waits, without using attempts, while the handoff is pending,
 * and is parked with a parked handoff ("outbox retry" of the handoff
 * requeues it), instead of burning its attempts behind it */
static void no_remote_ticket(sr_store *st, const json_t *j, srp_delivery *d)
{
    uint64_t hid = 0;
    sr_job_state hst = SR_JOB_DONE;
    int rc = handoff_of(st, (uint64_t)ji(j, "tk"), (uint64_t)ji(j, "id"), &hid, &hst);

    if (rc == SR_OK && hst == SR_JOB_FAILED) {
        d->outcome = SRP_PERMANENT;
        snprintf(d->why, sizeof(d->why),
                 "parked with the ticket's handoff (job %llu, failed): "
                 "sentiroutectl outbox retry %llu sends both",
                 (unsigned long long)hid, (unsigned long long)hid);
    } else if (rc == SR_ENOTFOUND || (rc == SR_OK && hst == SR_JOB_DONE)) {
        d->outcome = SRP_PERMANENT;
        snprintf(d->why, sizeof(d->why),
                 "the helpdesk has no ticket for this comment: its handoff job %s",
                 rc == SR_ENOTFOUND ? "was dropped" : "got no ticket id");
    } else {
        d->outcome = SRP_RETRY;
        d->retry_after = 5;
        d->wait = 1;
        snprintf(d->why, sizeof(d->why), "waiting for the ticket's handoff to complete");
    }
}

/* deliver - run the driver for a claimed job */
static void deliver(sr_store *st, void *http, json_t *j, srp_delivery *d)
{
    srp_payload p = {0};
    sr_ticket t;
    char ext[128];
    sr_error e;
    int channel = strcmp(js(j, "kind"), "deliver") == 0;
    srp_driver_fn drv = channel ? (strcmp(js(j, "target"), "email") == 0 ? srp_drv_smtp : NULL)
                                : srp_driver_for(js(j, "target"));

    memset(d, 0, sizeof(*d));
    p.job = j;
    p.cfg = st->cfg;
    p.ctx = st->ctx;
    p.kind = js(j, "kind");
    p.idem_key = js(j, "idem");
    p.snap = json_object_get(j, "snap");
    p.attempts = (int)(ji(j, "att") + ji(j, "prior"));   /* with those before a requeue */
    p.first_attempt = ji(j, "first");
    p.http = http;
    if (drv == NULL) {
        d->outcome = SRP_PERMANENT;
        snprintf(d->why, sizeof(d->why), "unknown method \"%.20s\"", js(j, "target"));
    } else if (load_payload(st, j, &p, &t, ext, sizeof(ext), &e) != SR_OK) {
        d->outcome = e.code == SR_ENOTFOUND ? SRP_PERMANENT : SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "%s", e.msg);
    } else if (strcmp(p.kind, "comment") == 0 && t.remote_id[0] == '\0') {
        no_remote_ticket(st, j, d);
    } else {
        drv(&p, d);
    }
    sr_transcript_free(p.msgs, p.nmsgs);
}

static void log_outcome(sr_store *st, const json_t *j, const srp_delivery *d,
                        const finish_job *f, int rc)
{
    unsigned long long tk = (unsigned long long)ji(j, "tk"), id = (unsigned long long)ji(j, "id");

    if (rc != SR_OK)
        sr_log(st->ctx, SR_LOG_WARNING, "outbox: job %llu: outcome not recorded (%s)", id,
               sr_strerror(rc));
    else if (d->outcome == SRP_DELIVERED)
        sr_log(st->ctx, SR_LOG_INFO, "T%llu: job %llu %s delivered to %s (remote %s)", tk, id,
               js(j, "kind"), js(j, "target"), d->remote_id[0] ? d->remote_id : "-");
    else
        sr_log(st->ctx, f->state == SR_JOB_FAILED ? SR_LOG_ERR : SR_LOG_WARNING,
               "T%llu: job %llu %s to %s attempt %lld %s: %s", tk, id, js(j, "kind"),
               js(j, "target"), ji(j, "att"),
               f->state == SR_JOB_FAILED ? "failed for good" : "will retry", d->why);
}

/* job_budget - the seconds a job may take: its most requests, each with
 * the longest connect and transfer (config.c refuses a shorter lease) */
static int job_budget(const sr_config *cfg)
{
    return SRP_JOB_MAX_REQUESTS * (cfg->http_timeout + cfg->http_connect_timeout);
}

/* batch_size - how many jobs one worker leases at once: all of them must
 * be delivered well inside the lease even if each makes the most requests
 * a job can make (SRP_JOB_MAX_REQUESTS) and every one times out; a job
 * still being sent when its lease ends is claimed and sent again */
static size_t batch_size(const sr_config *cfg, size_t left)
{
    size_t per = SRP_JOB_MAX_REQUESTS *
                 ((size_t)(cfg->http_timeout + cfg->http_connect_timeout) + 1);
    size_t n = (size_t)cfg->outbox_lease / 2 / per;

    if (n < 1)
        n = 1;
    if (n > CLAIM_BATCH)
        n = CLAIM_BATCH;
    return left && left < n ? left : n;
}

/* run_batch - claim a batch of target's due jobs (NULL: handoff and
 * comment jobs), deliver them and record the outcomes, all with the
 * context current now (a reload takes effect at the next batch).  Each
 * outcome is committed before the next job is sent: a worker killed
 * mid-batch leaves only the job it was sending without one, and the
 * worker that takes the batch over when the lease ends does not send the
 * others again (a webhook or an email cannot be looked up first).  Jobs
 * not started go back to pending in one commit at the end.
 * *claimed gets the number of jobs; SR_ENOTFOUND when none was due. */
static int run_batch(sr_store *store, const char *target, const char *worker, size_t left,
                     int64_t due_by, const atomic_int *stop, void **http, size_t *claimed,
                     size_t *ok, size_t *bad, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_pin(store, &pin);
    claim_job c;
    srp_delivery d;
    finish_job f[CLAIM_BATCH];
    int rcs[CLAIM_BATCH];
    finish_many fm = {f, 0, rcs};
    size_t started = 0, i;
    int rc;

    *claimed = 0;
    if (target != NULL && !srp_smtp_enabled(st->cfg)) {
        srp_store_unpin(&pin);   /* email replies wait until they can be sent */
        return SR_ENOTFOUND;
    }
    rc = claim_batch(st, target, worker, 0, batch_size(st->cfg, left), due_by, &c, err);
    if (rc != SR_OK) {
        srp_store_unpin(&pin);
        return rc;
    }
    if (*http == NULL)
        *http = srp_http_handle();
    for (i = 0; i < c.n; i++) {
        /* a job starts only with its worst case left on the lease: the
         * jobs before it may have taken longer than budgeted (a stalled
         * disk, a stopped process, a clock step), and a job whose lease
         * ends while it is sent is claimed and sent again elsewhere.  The
         * first was just claimed (a lease may be exactly one job's budget) */
        int64_t rest = ji(c.jobs[i], "lease") - srp_now();
        int stopping = stop && atomic_load(stop);
        finish_job one;
        sr_error e;
        int r;
        if (i > 0 && (stopping || rest < job_budget(st->cfg)))
            break;
        started++;
        deliver(st, *http, c.jobs[i], &d);
        one = (finish_job){.id = (uint64_t)ji(c.jobs[i], "id"), .worker = worker,
                           .remote_id = d.remote_id, .why = d.why,
                           .permanent = d.outcome == SRP_PERMANENT,
                           .retry_after = d.retry_after,
                           .done = d.outcome == SRP_DELIVERED, .moved = d.moved,
                           .wait = d.wait, .warn = d.warn, .now = srp_now()};
        r = srp_store_write(st, finish_write, &one, &e);
        log_outcome(st, c.jobs[i], &d, &one, r);
        if (r == SR_OK && one.warned)
            sr_log(st->ctx, SR_LOG_WARNING, "T%lld: job %lld: %s", ji(c.jobs[i], "tk"),
                   ji(c.jobs[i], "id"), d.warn);
        if (r == SR_OK && one.noted)
            log_noted(st, one.note_ticket, one.id, &one.note);
        if (r == SR_OK && d.outcome == SRP_DELIVERED)
            (*ok)++;
        else if (r == SR_OK && one.state == SR_JOB_FAILED)
            (*bad)++;
        /* SR_EEXIST: the lease ran out and another worker has the job;
         * any other failure: no outcome can be recorded, so nothing more
         * is sent (the rest of the batch waits for its lease to end) */
        if (r != SR_OK && r != SR_EEXIST) {
            if (err)
                *err = e;
            rc = r;
            i++;
            break;
        }
    }
    if (rc == SR_OK && i < c.n) {
        int stopping = stop && atomic_load(stop);
        int64_t rest = ji(c.jobs[i], "lease") - srp_now();
        char why[160];
        if (stopping)
            snprintf(why, sizeof(why), "left for the next worker: stopping");
        else
            snprintf(why, sizeof(why),
                     "left for the next lease: %lld s of this one left, a job may need %d s",
                     (long long)rest, job_budget(st->cfg));
        for (size_t k = i; k < c.n; k++) {
            f[fm.n] = (finish_job){.id = (uint64_t)ji(c.jobs[k], "id"), .worker = worker,
                                   .release = 1, .now = srp_now()};
            rcs[fm.n++] = SR_OK;
        }
        rc = srp_store_write(st, finish_many_write, &fm, err);
        for (size_t k = i; k < c.n; k++)
            /* not SR_OK: the lease ran out and another worker has it */
            if (rc == SR_OK && rcs[k - i] == SR_OK)
                sr_log(st->ctx, SR_LOG_NOTICE, "T%lld: job %lld %s", ji(c.jobs[k], "tk"),
                       ji(c.jobs[k], "id"), why);
    }
    for (size_t k = 0; k < c.n; k++)
        json_decref(c.jobs[k]);
    *claimed = started;   /* released jobs are claimed again by the next round */
    srp_store_unpin(&pin);
    return rc;
}

/* run_jobs - sr_outbox_run_jobs that ends early, between jobs, once *stop
 * is set (the worker thread being stopped); stop may be NULL */
static int run_jobs(sr_store *st, unsigned what, const char *worker, size_t max,
                    const atomic_int *stop, size_t *delivered, size_t *failed, sr_error *err)
{
    static const struct {
        unsigned bit;
        const char *target;
    } kinds[] = {{SR_OUTBOX_HANDOFF, NULL}, {SR_OUTBOX_EMAIL, "email"}};
    size_t ok = 0, bad = 0, n = 0;
    int rc = SR_OK;
    char wname[64];
    void *http = NULL;   /* one handle per run: connections are kept alive */
    /* one pass over the jobs due when the run begins: a job that fails
     * here waits for its backoff and the next run, even when the clock
     * ticks past its retry time before this run ends */
    const int64_t due_by = srp_now();

    if (st == NULL)
        return srp_error(err, SR_EINVAL, 0, "outbox", "no store");
    if (worker == NULL || *worker == '\0') {
        snprintf(wname, sizeof(wname), "%.40s:%ld", st->instance, (long)getpid());
        worker = wname;
    }
    while (rc == SR_OK && (max == 0 || n < max) && !(stop && atomic_load(stop))) {
        size_t round = 0;
        for (size_t k = 0; k < SR_ARRAY_LEN(kinds) && (max == 0 || n < max); k++) {
            size_t got = 0;
            sr_error e;
            if (!(what & kinds[k].bit) || (stop && atomic_load(stop)))
                continue;
            rc = run_batch(st, kinds[k].target, worker, max ? max - n : 0, due_by, stop, &http,
                           &got, &ok, &bad, &e);
            if (rc == SR_ENOTFOUND) {
                rc = SR_OK;
                continue;
            }
            if (rc != SR_OK) {
                if (err)
                    *err = e;
                break;
            }
            n += got;
            round += got;
        }
        if (round == 0)
            break;
    }
    srp_http_handle_free(http);
    if (delivered)
        *delivered = ok;
    if (failed)
        *failed = bad;
    return rc;
}

int sr_outbox_run_jobs(sr_store *st, unsigned what, const char *worker, size_t max,
                       size_t *delivered, size_t *failed, sr_error *err)
{
    return run_jobs(st, what, worker, max, NULL, delivered, failed, err);
}

int sr_outbox_run(sr_store *st, const char *worker, size_t max, size_t *delivered,
                  size_t *failed, sr_error *err)
{
    return sr_outbox_run_jobs(st, SR_OUTBOX_HANDOFF, worker, max, delivered, failed, err);
}

/* sr_outbox_waiting - pending jobs that sr_outbox_run_jobs(what) serves */
int sr_outbox_waiting(sr_store *store, unsigned what, size_t *n, sr_error *err)
{
    srp_pin pin;
    sr_store *st;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, email;

    *n = 0;
    if (store == NULL)
        return srp_error(err, SR_EINVAL, 0, "outbox", "no store");
    st = srp_store_pin(store, &pin);
    email = (what & SR_OUTBOX_EMAIL) && srp_smtp_enabled(st->cfg);
    srp_store_unpin(&pin);
    if ((rc = srp_store_cursor(store, store->pending, &txn, &cur, err)) != SR_OK)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        pend p;
        pend_decode(&v, &p);
        if (p.deliver ? email && strcmp(p.target, "email") == 0 : (what & SR_OUTBOX_HANDOFF) != 0)
            (*n)++;
    }
    srp_store_cursor_end(store, txn, cur);
    return SR_OK;
}

/* --- worker thread ---------------------------------------------------- */

struct sr_outbox_worker {
    sr_store *st;
    unsigned what;
    char name[64];
    int poll_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, kicked;
    atomic_int stopping;   /* stop, read by the run between jobs */
};

static void *worker_main(void *arg)
{
    sr_outbox_worker *w = arg;
    int n = 0;

    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec ts;
        w->kicked = 0;
        pthread_mutex_unlock(&w->mu);
        run_jobs(w->st, w->what, w->name, 0, &w->stopping, NULL, NULL, NULL);
        if (++n % 64 == 0) {
            int dead = 0;
            srp_store_reader_check(w->st, &dead);
        }
        pthread_mutex_lock(&w->mu);
        if (w->stop || w->kicked)
            continue;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += w->poll_ms / 1000;
        ts.tv_nsec += (long)(w->poll_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

sr_outbox_worker *sr_outbox_worker_start(sr_store *st, const char *worker, int poll_ms,
                                         sr_error *err)
{
    return sr_outbox_worker_start_jobs(st, SR_OUTBOX_HANDOFF, worker, poll_ms, err);
}

sr_outbox_worker *sr_outbox_worker_start_jobs(sr_store *st, unsigned what, const char *worker,
                                              int poll_ms, sr_error *err)
{
    sr_outbox_worker *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        srp_error(err, SR_ENOMEM, ENOMEM, "outbox", "out of memory");
        return NULL;
    }
    w->st = st;
    w->what = what;
    atomic_init(&w->stopping, 0);
    w->poll_ms = poll_ms > 0 ? poll_ms : 1000;
    if (worker && *worker)
        srp_strlcpy(w->name, worker, sizeof(w->name));
    else
        snprintf(w->name, sizeof(w->name), "%.40s:%ld", st->instance, (long)getpid());
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        srp_error(err, SR_EIO, errno, "outbox", "cannot start the worker thread");
        return NULL;
    }
    return w;
}

void sr_outbox_worker_kick(sr_outbox_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->kicked = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void sr_outbox_worker_stop(sr_outbox_worker *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    atomic_store(&w->stopping, 1);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

/* sr_outbox_claim - outbox_claim on a view pinned to the current context */
int sr_outbox_claim(sr_store *store, const char *target, const char *worker, int lease_s,
                    sr_job *job, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? outbox_claim(st, target, worker, lease_s, job, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_outbox_complete - outbox_complete on a view pinned to the current context */
int sr_outbox_complete(sr_store *store, uint64_t job_id, const char *worker, const char *remote_id,
                       sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? outbox_complete(st, job_id, worker, remote_id, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_outbox_fail - outbox_fail on a view pinned to the current context */
int sr_outbox_fail(sr_store *store, uint64_t job_id, const char *worker, int permanent,
                   int retry_after, const char *why, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? outbox_fail(st, job_id, worker, permanent, retry_after, why, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_outbox_drop - outbox_drop on a view pinned to the current context */
int sr_outbox_drop(sr_store *store, uint64_t job_id, int force, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? outbox_drop(st, job_id, force, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_outbox_undelivered - outbox_undelivered on a view pinned to the current context */
int sr_outbox_undelivered(sr_store *store, uint64_t job_id, const char *why, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? outbox_undelivered(st, job_id, 0, 0, why, NULL, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_outbox_undelivered_later - outbox_undelivered, temporary, on a pinned view */
int sr_outbox_undelivered_later(sr_store *store, uint64_t job_id, int retry_after,
                                const char *why, sr_job_state *state, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? outbox_undelivered(st, job_id, 1, retry_after, why, state, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_outbox_get - outbox_get on a view pinned to the current context */
int sr_outbox_get(sr_store *store, uint64_t job_id, sr_job *job, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? outbox_get(st, job_id, job, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}
