/*
 * http.c - one HTTP request with libcurl for the handoff drivers
 *
 * TLS is always verified (handoff.ca_file may name the CA bundle), only
 * http and https are allowed, redirects are not followed (a helpdesk that
 * redirects a POST is misconfigured), CURLOPT_NOSIGNAL keeps libcurl's
 * resolver from raising signals in daemon threads, and the response body
 * is capped.  Relies on curl_easy_init() initializing libcurl on first
 * use, which is thread-safe in libcurl >= 7.84.
 */
#include "build-config.h"

#include "handoff.h"

#include "codec.h"
#include "internal.h"
#include "storeconf.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    srp_http_resp *r = ud;
    size_t n = size * nmemb;
    char *nb;

    if (r->len + n > r->max_answer) {
        snprintf(r->error, sizeof(r->error), "answer longer than %zu bytes", r->max_answer);
        return 0;   /* abort: no helpdesk answer is this big */
    }
    nb = realloc(r->body, r->len + n + 1);
    if (nb == NULL)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, ptr, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* header_value - copy the value of "Name: value" when name matches */
static int header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
    size_t n = strlen(name), k;

    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return 0;
    line += n + 1;
    len -= n + 1;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
        len--;
    k = SR_MIN(len, size - 1);
    memcpy(out, line, k);
    out[k] = '\0';
    return 1;
}

/* srp_retry_after_parse - delta-seconds or an HTTP-date */
int srp_retry_after_parse(const char *v, int64_t now)
{
    char *end;
    long s;
    time_t t;

    while (*v == ' ')
        v++;
    if (*v == '\0')
        return -1;
    if (isdigit((unsigned char)*v)) {
        s = strtol(v, &end, 10);
        if (*end != '\0' && *end != ' ')
            return -1;
        return s > 86400 ? 86400 : (int)s;
    }
    t = curl_getdate(v, NULL);
    if (t == -1)
        return -1;
    if ((int64_t)t <= now)
        return 0;
    return (int64_t)t - now > 86400 ? 86400 : (int)((int64_t)t - now);
}

/* srp_http_header - what we keep of one response header line */
void srp_http_header(srp_http_resp *r, const char *line, size_t len, int64_t now)
{
    char v[128];

    if (header_value(line, len, "Retry-After", v, sizeof(v)))
        r->retry_after = srp_retry_after_parse(v, now);
    else if (header_value(line, len, "Location", v, sizeof(v)))
        srp_strlcpy(r->location, v, sizeof(r->location));
    else
        header_value(line, len, "x-idempotency-lookup", r->idem_lookup, sizeof(r->idem_lookup));
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    size_t n = size * nmemb;

    srp_http_header(ud, ptr, n, (int64_t)time(NULL));
    return n;
}

void *srp_http_handle(void)
{
    return curl_easy_init();
}

void srp_http_handle_free(void *handle)
{
    if (handle)
        curl_easy_cleanup(handle);
}

/* srp_curl_common - the options every transfer of ours sets */
void srp_curl_common(void *curl, const sr_config *cfg, const char *url, const char *protocols,
                     long protomask)
{
    CURL *c = curl;

    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    (void)protomask;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
#else
    (void)protocols;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, protomask);
#endif
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->http_ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg->http_ca_file);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->http_timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->http_connect_timeout);
}

int srp_http(const sr_config *cfg, void *handle, const srp_http_req *req, srp_http_resp *resp)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    CURL *c;
    CURLcode cc;

    memset(resp, 0, sizeof(resp[0]));
    resp->retry_after = -1;
    resp->max_answer = req->max_answer ? req->max_answer : SRP_HTTP_ANSWER_MAX;
    /* a reused handle keeps its connection cache; reset clears the options */
    if (handle != NULL)
        curl_easy_reset(handle);
    c = handle ? handle : curl_easy_init();
    if (c == NULL) {
        srp_strlcpy(resp->error, "cannot initialize libcurl", sizeof(resp->error));
        return SR_ETEMP;
    }
    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        struct curl_slist *nh = curl_slist_append(hdrs, req->headers[i]);
        if (nh == NULL) {
            curl_slist_free_all(hdrs);
            if (handle == NULL)
                curl_easy_cleanup(c);
            srp_strlcpy(resp->error, "out of memory", sizeof(resp->error));
            return SR_ETEMP;
        }
        hdrs = nh;
    }
    srp_curl_common(c, cfg, req->url, "http,https", (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sentiroute/" SR_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (strcmp(req->method, "GET") != 0) {
        /* Never send a POST/PUT on a kept-alive connection: when such a
         * connection dies before the answer, libcurl silently resends the
         * request on a new one, and a server that had processed the first
         * (the "unknown outcome") would create a second ticket.  A fresh
         * connection makes that failure ours to handle (lookup first). */
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    cc = curl_easy_perform(c);
    /* an answer over the cap came with its head: its status (a 401, a 429
     * and its Retry-After) says more than "no response" would */
    if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && resp->error[0] != '\0'))
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    else if (resp->error[0] == '\0')   /* on_body's reason is the better one */
        snprintf(resp->error, sizeof(resp->error), "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
    /* the error buffer lives on this stack: unhook it from a kept handle */
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    if (handle == NULL)
        curl_easy_cleanup(c);
    if (resp->body == NULL) {
        resp->body = calloc(1, 1);
        resp->len = 0;
    }
    return cc == CURLE_OK && resp->body ? SR_OK : SR_ETEMP;
}

void srp_http_resp_free(srp_http_resp *resp)
{
    free(resp->body);
    resp->body = NULL;
}

/* secret_at - where the first word that may lead to a credential begins
 * in b[0..n) (an error page or a proxy that echoes the request: an
 * "Authorization: Bearer ..." header, "api_key=..."), or n */
static size_t secret_at(const char *b, size_t n)
{
    static const char *const marks[] = {"authoriz", "bearer", "basic ", "token", "passw",
                                        "secret", "api_key", "api-key", "apikey", "cookie",
                                        "credential"};

    for (size_t i = 0; i < n; i++) {
        char c = (char)(b[i] | 0x20);
        if (c != 'a' && c != 'b' && c != 't' && c != 'p' && c != 's' && c != 'c')
            continue;
        for (size_t k = 0; k < sizeof(marks) / sizeof(*marks); k++) {
            size_t m = strlen(marks[k]);
            if (m <= n - i && strncasecmp(b + i, marks[k], m) == 0)
                return i;
        }
    }
    return n;
}

/* srp_http_classify - 2xx done; 408/409/425/429/5xx/no answer retry; rest
 * permanent.  The reason quotes the start of the answer's body, up to a
 * word that may lead to a credential ("[redacted]" then): the reason goes
 * to the log and the outbox. */
void srp_http_classify(const srp_http_resp *r, const char *what, srp_delivery *d)
{
    char snippet[120];
    long s = r->status;

    if (s == 0) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "%.40s: no response: %.180s", what, r->error);
        return;
    }
    {
        const char *b = r->body ? r->body : "";
        size_t n = r->body ? (r->len < 512 ? r->len : 512) : 0;
        size_t cut = secret_at(b, n);
        srp_escape(snippet, sizeof(snippet), b, cut);
        if (cut < n) {
            size_t o = strlen(snippet);
            snprintf(snippet + o, sizeof(snippet) - o, "%s[redacted]", o ? " " : "");
        }
    }
    if (s >= 200 && s < 300) {
        d->outcome = SRP_DELIVERED;
        return;
    }
    if (s == 408 || s == 409 || s == 425 || s == 429 || s >= 500) {
        d->outcome = SRP_RETRY;
        d->retry_after = r->retry_after > 0 ? r->retry_after : 0;
    } else {
        d->outcome = SRP_PERMANENT;
    }
    snprintf(d->why, sizeof(d->why), "%.40s: HTTP %ld%s%.119s", what, s, snippet[0] ? ": " : "",
             snippet);
}

/* srp_url - the helpdesk's base URL as configured, with or without a
 * trailing slash, and an API path */
void srp_url(char *out, size_t size, const char *base, const char *fmt, ...)
{
    size_t n = strlen(base);
    int o;
    va_list ap;

    while (n > 0 && base[n - 1] == '/')
        n--;
    o = snprintf(out, size, "%.*s", (int)n, base);
    if (o < 0 || (size_t)o >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(out + o, size - (size_t)o, fmt, ap);
    va_end(ap);
}

/* srp_basic_auth - HTTP Basic credentials (Zendesk "EMAIL/token:TOKEN",
 * Gorgias "USER:API_KEY") */
void srp_basic_auth(char *out, size_t size, const sr_secret *secret, const char *user_fmt, ...)
{
    size_t slen, n;
    const char *s = srp_secret_data(secret, &slen);
    char cred[4500], b64[6100];
    va_list ap;

    va_start(ap, user_fmt);
    vsnprintf(cred, sizeof(cred), user_fmt, ap);
    va_end(ap);
    n = strlen(cred);
    snprintf(cred + n, sizeof(cred) - n, ":%.*s", (int)slen, s);
    srp_base64_encode(cred, strlen(cred), b64);
    snprintf(out, size, "Authorization: Basic %s", b64);
    memset(cred, 0, sizeof(cred));
    memset(b64, 0, sizeof(b64));
}

void srp_url_escape(const char *in, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in && o + 4 < size; in++) {
        unsigned char c = (unsigned char)*in;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}
