/*
 * srs_deliver.c - agent replies out by SMS
 *
 * sr_ticket_reply (sentiroutectl ticket reply, the Zendesk and Gorgias
 * webhooks) appends the reply to the ticket and queues a "deliver" job for
 * the sms channel in the same transaction.  This thread claims those jobs
 * (a lease: another shim on the same store never sends the same one) and
 * POSTs each to Kannel's sendsms interface; a refused connection, 503 or
 * timeout is retried with the outbox's backoff, a 4xx parks the job as
 * failed (sentiroutectl outbox list --state failed).  With deliver =
 * smstools the reply becomes a file in smsd's outgoing directory.
 */
#include "build-config.h"

#include "srs.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct srs_deliverer {
    sr_ctx *ctx;
    sr_store *st;
    srs_server *srv;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop, kicked;
    char worker[96];
};

/* sink - keep the first bytes of sendsms's answer for the log */
typedef struct sink {
    char buf[256];
    size_t n;
} sink;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb, take = n < sizeof(s->buf) - 1 - s->n ? n : sizeof(s->buf) - 1 - s->n;

    memcpy(s->buf + s->n, p, take);
    s->n += take;
    s->buf[s->n] = '\0';
    return n;
}

/* printable - control characters of a server's answer become spaces */
static void printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            *s = ' ';
}

/* header - append "name: value" (value checked for CR/LF) */
static struct curl_slist *header(struct curl_slist *l, const char *name, const char *value,
                                 int *bad)
{
    char line[512];
    struct curl_slist *n;

    if (l == NULL && *bad)
        return NULL;
    if (strpbrk(value, "\r\n") != NULL || strlen(value) > 400) {
        *bad = 1;
        return l;
    }
    snprintf(line, sizeof(line), "%s: %s", name, value);
    n = curl_slist_append(l, line);
    if (n == NULL)
        *bad = 1;
    memset(line, 0, sizeof(line));
    return n ? n : l;
}

/* sendsms - POST the text to Kannel; SRS_SEND_* */
static int sendsms(const srs_settings *s, const sr_job *job, char *why, size_t wsize)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    sink body = {"", 0};
    long status = 0;
    size_t len = job->text ? strlen(job->text) : 0;
    char coding[4];
    int bad = 0, r;
    CURLcode cc;

    if (c == NULL) {
        snprintf(why, wsize, "curl_easy_init failed");
        return SRS_SEND_RETRY;
    }
    snprintf(coding, sizeof(coding), "%d", srs_sendsms_coding(job->text ? job->text : "", len));
    /* POST: credentials and addresses in headers, the text as the body;
     * nothing secret ends up in a URL or an access log */
    h = header(h, "Content-Type", "text/plain; charset=UTF-8", &bad);
    h = header(h, "X-Kannel-Username", s->sendsms_username, &bad);
    h = header(h, "X-Kannel-Password", s->sendsms_password.buf ? s->sendsms_password.buf : "",
               &bad);
    h = header(h, "X-Kannel-To", job->to, &bad);
    h = header(h, "X-Kannel-Coding", coding, &bad);
    if (*s->sendsms_from)
        h = header(h, "X-Kannel-From", s->sendsms_from, &bad);
    if (*s->sendsms_smsc)
        h = header(h, "X-Kannel-SMSC", s->sendsms_smsc, &bad);
    h = header(h, "Expect", "", &bad);
    if (bad) {
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        snprintf(why, wsize, "recipient or settings hold a line break");
        return SRS_SEND_FAIL;
    }
    curl_easy_setopt(c, CURLOPT_URL, s->sendsms_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)s->deliver_timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(s->deliver_timeout < 5 ? s->deliver_timeout : 5));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, job->text ? job->text : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    printable(body.buf);
    if (cc != CURLE_OK) {
        snprintf(why, wsize, "sendsms: %s", curl_easy_strerror(cc));
        return SRS_SEND_RETRY;
    }
    r = srs_sendsms_classify(status);
    snprintf(why, wsize, "sendsms: HTTP %ld %.200s", status, body.buf);
    return r;
}

int srs_deliver_one(const srs_settings *s, const sr_job *job, char *why, size_t wsize)
{
    sr_error err;

    why[0] = '\0';
    if (job->text == NULL || *job->text == '\0') {
        snprintf(why, wsize, "empty reply");
        return SRS_SEND_FAIL;
    }
    /* a sender that texts under a name ("VODAFONE") was stored as given
     * (srs_ingest_sms); it can receive nothing: fail the job with the
     * reason, instead of a refusal from the gateway at each attempt */
    {
        const char *d = job->to + (job->to[0] == '+');
        if (*d == '\0' || d[strspn(d, "0123456789")] != '\0') {
            snprintf(why, wsize, "%.64s is no phone number (a sender that texts under a name "
                     "cannot receive a reply)", job->to);
            return SRS_SEND_FAIL;
        }
    }
    if (s->deliver == SRS_DELIVER_SMSTOOLS) {
        if (srs_smstools_write(s->smstools_outgoing, job->to, job->text, strlen(job->text),
                               &err) != SR_OK) {
            snprintf(why, wsize, "%s", err.msg);
            return err.code == SR_EINVAL ? SRS_SEND_FAIL : SRS_SEND_RETRY;
        }
        snprintf(why, wsize, "written to %s", s->smstools_outgoing);
        return SRS_SEND_OK;
    }
    return sendsms(s, job, why, wsize);
}

/* wait_for - sleep up to ms, or until kicked or stopped */
static void wait_for(srs_deliverer *d, int ms)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d->lock);
    while (!d->stop && !d->kicked)
        if (pthread_cond_timedwait(&d->wake, &d->lock, &until) == ETIMEDOUT)
            break;
    d->kicked = 0;
    pthread_mutex_unlock(&d->lock);
}

static int stopping(srs_deliverer *d)
{
    int s;

    pthread_mutex_lock(&d->lock);
    s = d->stop;
    pthread_mutex_unlock(&d->lock);
    return s;
}

static void *run(void *arg)
{
    srs_deliverer *d = arg;

    while (!stopping(d)) {
        srs_settings *s = srs_server_settings(d->srv);
        int poll = s->deliver_poll_ms, lease = s->deliver_timeout * 3 + 30, rc, r;
        sr_job job;
        sr_error err;
        char why[300];

        if (s->deliver == SRS_DELIVER_OFF) {
            srs_server_release(d->srv, s);
            wait_for(d, poll);
            continue;
        }
        memset(&job, 0, sizeof(job));
        rc = sr_outbox_claim(d->st, "sms", d->worker, lease, &job, &err);
        if (rc != SR_OK) {
            if (rc != SR_ENOTFOUND)
                sr_log(d->ctx, SR_LOG_WARNING, "deliver: outbox: %s", err.msg);
            srs_server_release(d->srv, s);
            wait_for(d, poll);
            continue;
        }
        r = srs_deliver_one(s, &job, why, sizeof(why));
        srs_server_release(d->srv, s);
        if (r == SRS_SEND_OK)
            rc = sr_outbox_complete(d->st, job.id, d->worker, NULL, &err);
        else
            rc = sr_outbox_fail(d->st, job.id, d->worker, r == SRS_SEND_FAIL, 0, why, &err);
        sr_log(d->ctx, r == SRS_SEND_OK ? SR_LOG_INFO : SR_LOG_WARNING,
               "T%llu: agent reply (job %llu, attempt %d) to %s %s: %s",
               (unsigned long long)job.ticket_id, (unsigned long long)job.id, job.attempts, job.to,
               r == SRS_SEND_OK ? "sent" : r == SRS_SEND_RETRY ? "will be retried" : "failed",
               why);
        if (rc != SR_OK)
            sr_log(d->ctx, SR_LOG_WARNING, "T%llu: outbox job %llu: %s",
                   (unsigned long long)job.ticket_id, (unsigned long long)job.id, err.msg);
        sr_job_clear(&job);
    }
    return NULL;
}

srs_deliverer *srs_deliverer_start(sr_ctx *ctx, sr_store *st, srs_server *srv, sr_error *err)
{
    srs_deliverer *d = calloc(1, sizeof(*d));
    pthread_condattr_t ca;
    char host[64] = "localhost";

    if (d == NULL)
        goto nomem;
    d->ctx = ctx;
    d->st = st;
    d->srv = srv;
    gethostname(host, sizeof(host) - 1);
    snprintf(d->worker, sizeof(d->worker), "sms-%.60s-%d", host, (int)getpid());
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&d->thread, NULL, run, d) != 0) {
        pthread_mutex_destroy(&d->lock);
        pthread_cond_destroy(&d->wake);
        free(d);
        goto nomem;
    }
    return d;
nomem:
    if (err) {
        memset(err, 0, sizeof(*err));
        err->code = SR_ENOMEM;
        snprintf(err->msg, sizeof(err->msg), "cannot start the delivery thread");
    }
    return NULL;
}

void srs_deliverer_kick(void *arg)
{
    srs_deliverer *d = arg;

    if (d == NULL)
        return;
    pthread_mutex_lock(&d->lock);
    d->kicked = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void srs_deliverer_stop(srs_deliverer *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->lock);
    d->stop = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
    free(d);
}
