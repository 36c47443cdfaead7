/*
 * tickets.c - the store behind the milter (issue 4's API)
 *
 * One sr_store per process, opened after the fork and the privilege drop
 * (LMDB must not cross a fork, nor be opened twice in a process), with the
 * outbox worker thread that hands tickets to the helpdesk later: the SMTP
 * transaction only waits for the LMDB commit inside sr_ingest.
 *
 * The store works with the context of the running config snapshot: a
 * reload hands it the new one (sr_store_set_ctx), so route, conversation,
 * handoff and reply.email settings change with the milter's own; messages
 * in flight finish with the context they started with.  The worker also
 * sends agent replies on the email channel (SR_OUTBOX_EMAIL).
 *
 * Closing is synchronised with the appends: an end of message may still
 * run in a libmilter thread when the filter stops (the drain gave up after
 * its 15 s, or one arrives late), so srm_tickets_close() waits for the
 * appends inside the store and every later one fails with a reason, which
 * the milter's on_error turns into 4xx or an accept it logs.
 */
#include "build-config.h"

#include "srm.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sr_store *store;
static sr_outbox_worker *worker;

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t store_idle = PTHREAD_COND_INITIALIZER;
static int store_users;   /* appends and reloads inside the store now */
static int store_opened;  /* opened in this process (closed or not since) */
static int store_closed;  /* srm_tickets_close() has begun */

/* store_enter - the store for one use, or NULL once it is closing (then
 * err says why); store_leave() after each non-NULL */
static sr_store *store_enter(sr_error *err)
{
    sr_store *st;

    pthread_mutex_lock(&store_lock);
    st = store_closed ? NULL : store;
    if (st != NULL)
        store_users++;
    pthread_mutex_unlock(&store_lock);
    if (st == NULL && err != NULL) {
        memset(err, 0, sizeof(*err));
        err->code = store_opened ? SR_ESTORE : SR_EUNSUPP;
        snprintf(err->where, sizeof(err->where), "store");
        snprintf(err->msg, sizeof(err->msg), "%s",
                 store_opened ? "the store is closed: the filter is stopping"
                              : "no store opened");
    }
    return st;
}

static void store_leave(void)
{
    pthread_mutex_lock(&store_lock);
    if (--store_users == 0)
        pthread_cond_broadcast(&store_idle);
    pthread_mutex_unlock(&store_lock);
}

/* srm_tickets_open - see srm.h */
int srm_tickets_open(const srm_conf *c, sr_error *err)
{
    char name[96], host[64] = "localhost";

    /* the store takes its own reference to the snapshot's context (which
     * logs through the milter's sink) */
    store = sr_store_open(c->ctx, NULL, 0, err);
    if (store == NULL)
        return -1;
    gethostname(host, sizeof(host) - 1);
    snprintf(name, sizeof(name), "milter-%s-%ld", host, (long)getpid());
    worker = sr_outbox_worker_start_jobs(store, SR_OUTBOX_HANDOFF | SR_OUTBOX_EMAIL, name, 2000,
                                         err);
    if (worker == NULL) {
        sr_store_close(store);
        store = NULL;
        return -1;
    }
    pthread_mutex_lock(&store_lock);
    store_opened = 1;
    store_closed = 0;
    pthread_mutex_unlock(&store_lock);
    return 0;
}

/* srm_tickets_reload - see srm.h */
int srm_tickets_reload(const srm_conf *c, sr_error *err)
{
    sr_store *st = store_enter(NULL);
    int rc = 0;

    if (st == NULL)
        return 0;
    if (sr_store_set_ctx(st, c->ctx, err) != SR_OK)
        rc = -1;
    else
        sr_outbox_worker_kick(worker);   /* e.g. a relay that is set now */
    store_leave();
    return rc;
}

/* srm_tickets_available - see srm.h: stays 1 after the close, so that a
 * late message fails by on_error instead of passing without its ticket */
int srm_tickets_available(void)
{
    int r;

    pthread_mutex_lock(&store_lock);
    r = store_opened;
    pthread_mutex_unlock(&store_lock);
    return r;
}

int srm_tickets_built(void)
{
    return 1;
}

/* first_msgid - the first "<...>" of a Message-ID or In-Reply-To field:
 * a comment after it (RFC 5322 allows CFWS there; Gnus writes
 * "<id> (Jane's message of ...)") or a second parent would otherwise
 * become part of the id the store threads by.  A field without one
 * passes as it is. */
static const char *first_msgid(const char *v, char *buf, size_t size)
{
    const char *lt = v ? strchr(v, '<') : NULL, *gt = lt ? strchr(lt, '>') : NULL;

    if (gt == NULL || (size_t)(gt - lt) + 2 > size)
        return v;
    memcpy(buf, lt, (size_t)(gt - lt) + 1);
    buf[gt - lt + 1] = '\0';
    return buf;
}

/* srm_ticket_append - see srm.h */
int srm_ticket_append(const srm_conf *c, sr_message *m, const srm_mail *mail,
                      srm_ticket *out, sr_error *err)
{
    sr_ingest_result r;
    sr_store *st;
    char mid[1024], irt[1024];
    int rc;
    (void)c;

    memset(out, 0, sizeof(*out));
    if ((st = store_enter(err)) == NULL)
        return err != NULL ? err->code : SR_ESTORE;
    rc = sr_message_set_message_id(m, first_msgid(mail->message_id, mid, sizeof(mid)), err);
    if (rc == SR_OK)
        rc = sr_message_set_in_reply_to(m, first_msgid(mail->in_reply_to, irt, sizeof(irt)),
                                        err);
    if (rc == SR_OK)
        rc = sr_message_set_references(m, mail->references, err);
    if (rc == SR_OK)
        rc = sr_message_set_subject(m, mail->subject, err);
    if (rc == SR_OK && mail->from_name && *mail->from_name)
        rc = sr_message_set_sender_name(m, mail->from_name, err);
    if (rc == SR_OK && mail->from_addr && *mail->from_addr)
        rc = sr_message_set_email(m, mail->from_addr, err);
    if (rc == SR_OK)
        rc = sr_ingest(st, m, &r, err);
    if (rc != SR_OK) {
        store_leave();
        return rc;
    }
    out->stored = 1;
    out->id = (unsigned long long)r.ticket_id;
    out->created = r.created;
    out->reopened = r.reopened;
    out->duplicate = r.duplicate;
    out->sentiment = r.sentiment;
    snprintf(out->queue, sizeof(out->queue), "%s", r.queue);
    snprintf(out->add_recipient, sizeof(out->add_recipient), "%s", r.add_recipient);
    /* a job to deliver (a handoff to a remote helpdesk, a comment): the
     * worker goes now, not at its next poll; a handoff to the local
     * helpdesk or to none queues nothing, and a kick would only cost it
     * two empty write transactions */
    if (r.job_id != 0 && worker != NULL)
        sr_outbox_worker_kick(worker);
    store_leave();
    return SR_OK;
}

/* srm_tickets_close - see srm.h */
void srm_tickets_close(void)
{
    sr_outbox_worker *w;
    sr_store *st;

    /* no append starts from here on; those inside finish first */
    pthread_mutex_lock(&store_lock);
    store_closed = 1;
    while (store_users > 0)
        pthread_cond_wait(&store_idle, &store_lock);
    w = worker;
    st = store;
    worker = NULL;
    store = NULL;
    pthread_mutex_unlock(&store_lock);
    sr_outbox_worker_stop(w);
    sr_store_close(st);
}
