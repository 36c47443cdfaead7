/*
 * webhook.c - the Zendesk webhook endpoint (libmicrohttpd): agent replies
 * to handed-off chats come in here and go out into the chat
 *
 * MHD runs without threads of its own: the bridge's loop calls MHD_run(),
 * which serves what is ready and never blocks, so the handlers run on the
 * loop's thread with the engine and the store.  POST to xmpp.webhook.path
 * only; bodies above xmpp.webhook.max_body get 413 (at once when the
 * Content-Length says so); a request without a valid Zendesk signature
 * (when a signing secret is configured) and/or without the shared token
 * (when a token file is configured) gets 401; a repeated invocation id
 * (Zendesk retries) is acknowledged and not relayed twice: the ids of
 * relayed replies are kept in the store with them (srx_bridge_relay), so
 * a retry that comes after a restart is recognised too.
 */
#include "build-config.h"

#include "bridge.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct srx_webhook {
    srx_bridge *b;
    struct MHD_Daemon *d;
    char signing[4100];
    size_t signing_len;
    char token[4100];
    size_t token_len;
    unsigned long requests, relayed, rejected;
};

typedef struct req {
    int status;                /* decided early (404, 405, 413), else 0 */
    char *body;
    size_t len;
} req;

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct srx_webhook *w = cls;
    char line[512];

    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    srx_log(w->b, SR_LOG_WARNING, "webhook: %s", line);
}

static enum MHD_Result respond(struct MHD_Connection *c, int status, const char *text)
{
    char body[512];
    struct MHD_Response *r;
    enum MHD_Result rc;

    snprintf(body, sizeof(body), "{\"status\":%d,\"message\":\"", status);
    /* our own texts only, but keep the JSON valid whatever they say */
    for (const char *p = text; *p && strlen(body) < sizeof(body) - 8; p++) {
        size_t o = strlen(body);
        if (*p == '"' || *p == '\\')
            body[o++] = '\\';
        body[o++] = (unsigned char)*p < 0x20 ? ' ' : *p;
        body[o] = '\0';
    }
    strcat(body, "\"}\n");
    r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

/* handle - a complete request to the webhook path: check, parse, relay */
static int handle(struct srx_webhook *w, struct MHD_Connection *c, const req *r, char *why,
                  size_t whysize)
{
    const char *sig, *ts, *auth, *tok, *inv;
    srx_wh_reply reply;
    char err[160];
    int status;

    if (w->signing_len > 0) {
        sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Zendesk-Webhook-Signature");
        ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                         "X-Zendesk-Webhook-Signature-Timestamp");
        if (!srx_wh_timestamp_ok(ts, (time_t)srx_now_wall(), w->b->conf->wh_max_skew)) {
            snprintf(why, whysize, "missing or stale signature timestamp");
            return 401;
        }
        if (!srx_wh_signature_ok(w->signing, w->signing_len, ts, r->body, r->len, sig)) {
            snprintf(why, whysize, "bad signature");
            return 401;
        }
    }
    if (w->token_len > 0) {
        auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Sentiroute-Token");
        if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0)
            tok = auth + 7;
        if (!srx_wh_token_ok(w->token, w->token_len, tok)) {
            snprintf(why, whysize, "bad or missing token");
            return 401;
        }
    }
    status = srx_wh_parse(r->body ? r->body : "", r->len, w->b->instance, &reply, err,
                          sizeof(err));
    if (status == SR_ENOTFOUND) {   /* another host's ticket (shared Zendesk) */
        snprintf(why, whysize, "%s", err);
        return 200;
    }
    if (status != SR_OK) {
        snprintf(why, whysize, "%s", err);
        return 400;
    }
    inv = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Zendesk-Webhook-Invocation-Id");
    if (!reply.public_) {
        snprintf(why, whysize, "internal note: not relayed");
        status = 200;
    } else {
        /* why says "duplicate ..." for a repeated invocation */
        why[0] = '\0';
        status = srx_bridge_relay(w->b, &reply, inv, why, whysize);
        if (status == 200 && why[0] == '\0') {
            snprintf(why, whysize, "relayed");
            w->relayed++;
        }
    }
    free(reply.comment);
    return status;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    struct srx_webhook *w = cls;
    const srx_conf *conf = w->b->conf;
    req *r = *con_cls;
    char why[256] = "";
    int status;

    (void)version;
    if (r == NULL) {   /* headers are in, the body is not yet */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        r = calloc(1, sizeof(*r));
        if (r == NULL)
            return MHD_NO;
        *con_cls = r;
        w->requests++;
        if (strcmp(url, conf->wh_path) != 0)
            r->status = 404;
        else if (strcmp(method, "POST") != 0)
            r->status = 405;
        else if (cl != NULL && strtoull(cl, NULL, 10) > (unsigned long long)conf->wh_max_body)
            return respond(c, 413, "body too large");   /* the rest is never read */
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (r->status == 0 && r->len + *upload_size > (size_t)conf->wh_max_body) {
            *upload_size = 0;
            w->rejected++;
            return respond(c, 413, "body too large");
        }
        if (r->status == 0) {
            char *nb = realloc(r->body, r->len + *upload_size + 1);
            if (nb == NULL)
                return MHD_NO;
            r->body = nb;
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
            r->body[r->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    status = r->status;
    if (status == 404)
        snprintf(why, sizeof(why), "no such path");
    else if (status == 405)
        snprintf(why, sizeof(why), "POST only");
    else
        status = handle(w, c, r, why, sizeof(why));
    if (status != 200)
        w->rejected++;
    srx_log(w->b, status == 200 ? SR_LOG_INFO : SR_LOG_WARNING, "webhook: %s %s: %d %s", method,
            url, status, why);
    return respond(c, status, why);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    req *r = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (r != NULL) {
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
}

int srx_webhook_secrets(struct srx_webhook *w, const srx_conf *c, sr_error *err)
{
    char sig[sizeof(w->signing)] = "", tok[sizeof(w->token)] = "";

    if (*c->wh_signing_file && srx_secret_read(c->wh_signing_file, sig, sizeof(sig), err) != SR_OK)
        return SR_ECONFIG;
    if (*c->wh_token_file && srx_secret_read(c->wh_token_file, tok, sizeof(tok), err) != SR_OK) {
        srx_wipe(sig, sizeof(sig));
        return SR_ECONFIG;
    }
    srx_wipe(w->signing, sizeof(w->signing));
    srx_wipe(w->token, sizeof(w->token));
    w->signing_len = srx_strlcpy(w->signing, sig, sizeof(w->signing));
    w->token_len = srx_strlcpy(w->token, tok, sizeof(w->token));
    srx_wipe(sig, sizeof(sig));
    srx_wipe(tok, sizeof(tok));
    return SR_OK;
}

struct srx_webhook *srx_webhook_start(srx_bridge *b, sr_error *err)
{
    const srx_conf *c = b->conf;
    struct srx_webhook *w = calloc(1, sizeof(*w));
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_ERROR_LOG;

    if (w == NULL)
        return NULL;
    w->b = b;
    if (srx_webhook_secrets(w, c, err) != SR_OK) {
        free(w);
        return NULL;
    }
    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (inet_pton(AF_INET, c->wh_host, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)c->wh_port);
        sa = (struct sockaddr *)&sin;
    } else if (inet_pton(AF_INET6, c->wh_host, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons((uint16_t)c->wh_port);
        sa = (struct sockaddr *)&sin6;
        flags |= MHD_USE_IPv6;
    } else {
        if (err) {
            err->code = SR_ECONFIG;
            snprintf(err->where, sizeof(err->where), "xmpp.webhook.listen");
            snprintf(err->msg, sizeof(err->msg), "\"%.60s\" is not an IP address", c->wh_host);
        }
        free(w);
        return NULL;
    }
    w->d = MHD_start_daemon(flags, (uint16_t)c->wh_port, NULL, NULL, on_request, w,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
                            MHD_OPTION_SOCK_ADDR, sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, w,
                            MHD_OPTION_END);
    if (w->d == NULL) {
        if (err) {
            err->code = SR_EIO;
            snprintf(err->where, sizeof(err->where), "xmpp.webhook.listen");
            snprintf(err->msg, sizeof(err->msg), "cannot listen on %.60s:%d", c->wh_host,
                     c->wh_port);
        }
        srx_wipe(w, sizeof(*w));
        free(w);
        return NULL;
    }
    srx_log(b, SR_LOG_NOTICE, "webhook listening on %s:%d%s", c->wh_host, c->wh_port,
            c->wh_path);
    return w;
}

void srx_webhook_run(struct srx_webhook *w)
{
    if (w != NULL && w->d != NULL)
        MHD_run(w->d);
}

void srx_webhook_stop(struct srx_webhook *w)
{
    if (w == NULL)
        return;
    if (w->d)
        MHD_stop_daemon(w->d);
    srx_wipe(w, sizeof(*w));
    free(w);
}
