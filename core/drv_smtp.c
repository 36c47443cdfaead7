/*
 * drv_smtp.c - agent replies on the email channel, sent by SMTP
 *
 * sentiroutectl ticket reply (sr_ticket_reply) appends the reply to the
 * transcript and enqueues a "deliver" job with target "email".  At that
 * moment the message's identity is fixed (srp_mail_reply_meta): its
 * Message-ID comes from the job's idempotency key, its Date is the time of
 * the reply, In-Reply-To/References answer the customer's latest mail.  So
 * every attempt sends the same bytes: a retry after an unknown outcome
 * (the relay took the message but the connection broke before its "250")
 * gives at worst a second copy with the same Message-ID, which mail clients
 * and archives fold into one, never a visibly different mail.
 *
 * The worker (sr_outbox_run_jobs with SR_OUTBOX_EMAIL) hands a claimed job
 * to srp_drv_smtp: the message is built (RFC 5322 headers, RFC 2047
 * encoded words for non-ASCII subject and names, text/plain UTF-8 in 7bit,
 * quoted-printable or base64) and sent with libcurl's SMTP to
 * reply.email.relay, on a fresh connection each time.  4xx answers,
 * timeouts and dropped connections are retried with the outbox's backoff;
 * 5xx answers and refused credentials park the job as failed.
 */
#include "build-config.h"

#include "codec.h"
#include "handoff.h"

#include "internal.h"
#include "storeconf.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REFS_MAX 1000   /* bytes of References kept (first id and the latest) */

/* --- addresses and ids --------------------------------------------------- */

/* addr_ok - a plain local@domain: printable ASCII, no blanks, brackets,
 * quotes, commas or other specials that would need quoting in a header */
static int addr_ok(const char *a)
{
    const char *at = strrchr(a, '@');
    size_t n = strlen(a);

    if (n < 3 || n > 254 || at == NULL || at == a || at[1] == '\0')
        return 0;
    for (const char *c = a; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || strchr("<>()[]\\,;:\"", *c))
            return 0;
    return strchr(a, '@') == at;
}

/* id_char - may c appear in a stored message id (id-left "@" id-right)? */
static int id_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\';
}

/* srp_msgid_clean - see handoff.h */
char *srp_msgid_clean(const char *in, size_t len, char *out, size_t size)
{
    size_t o = 0;

    while (len > 0 && (*in == '<' || isspace((unsigned char)*in))) {
        in++;
        len--;
    }
    while (len > 0 && (in[len - 1] == '>' || isspace((unsigned char)in[len - 1])))
        len--;
    out[0] = '\0';
    if (len == 0 || len >= size)
        return out;
    for (size_t i = 0; i < len; i++) {
        if (!id_char((unsigned char)in[i])) {
            out[0] = '\0';
            return out;
        }
        out[o++] = in[i];
    }
    out[o] = '\0';
    return out;
}

/* srp_refs_clean - see handoff.h: keep the first id (the thread's root)
 * and as many of the latest as fit, as RFC 5322 3.6.4 allows */
char *srp_refs_clean(const char *in, char *out, size_t size)
{
    enum { MAXIDS = 64 };
    char ids[MAXIDS][256], id[256];
    size_t n = 0, total = 0;
    const char *p = in;

    out[0] = '\0';
    while (p && *p) {
        size_t k;
        while (*p && (isspace((unsigned char)*p) || *p == ','))
            p++;
        k = strcspn(p, " \t\r\n,");
        if (k == 0)
            break;
        if (*srp_msgid_clean(p, k, id, sizeof(id)) != '\0') {
            if (n == MAXIDS) {   /* keep the root, drop the oldest after it */
                memmove(ids[1], ids[2], sizeof(ids[0]) * (MAXIDS - 2));
                n--;
            }
            memcpy(ids[n++], id, sizeof(id));
        }
        p += k;
    }
    for (size_t i = 0; i < n; i++)
        total += strlen(ids[i]) + 3;
    /* drop ids after the root until the rest fits */
    while (n > 1 && total >= size) {
        total -= strlen(ids[1]) + 3;
        memmove(ids[1], ids[2], sizeof(ids[0]) * (n - 2));
        n--;
    }
    if (n == 0 || total >= size)
        return out;
    for (size_t i = 0, o = 0; i < n; i++)
        o += (size_t)snprintf(out + o, size - o, "%s<%s>", i ? " " : "", ids[i]);
    return out;
}

/* --- configuration -------------------------------------------------------- */

const char *srp_reply_from(const sr_config *cfg)
{
    if (cfg->re_from[0])
        return cfg->re_from;
    return cfg->milter_recipients.n > 0 ? cfg->milter_recipients.v[0] : "";
}

int srp_smtp_enabled(const sr_config *cfg)
{
    return cfg->re_relay[0] != '\0' && addr_ok(srp_reply_from(cfg));
}

/* relay_host - the host of an smtp(s):// URL into out */
static void relay_host(const char *url, char *out, size_t size)
{
    const char *h = strstr(url, "://");
    size_t k;

    h = h ? h + 3 : url;
    if (*h == '[') {
        k = strcspn(h, "]");
        snprintf(out, size, "%.*s", (int)(h[k] ? k + 1 : k), h);
        return;
    }
    k = strcspn(h, ":/");
    snprintf(out, size, "%.*s", (int)k, h);
}

static int loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0 ||
           strcmp(host, "[::1]") == 0;
}

static int bad(sr_error *err, const char *file, const char *key, const char *fmt, ...)
    SR_PRINTFLIKE(4, 5);

/* bad - an SR_ECONFIG error naming file and key */
static int bad(sr_error *err, const char *file, const char *key, const char *fmt, ...)
{
    char w[160], msg[256];
    va_list ap;

    snprintf(w, sizeof(w), "%s: %s", file, key);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return srp_error(err, SR_ECONFIG, 0, w, "%s", msg);
}

/* srp_smtp_validate - what the reply.email keys need together */
int srp_smtp_validate(sr_config *cfg, const char *file, sr_error *err)
{
    char host[300];
    int tls;

    if (cfg->re_relay[0]) {
        /* libcurl would log in with user:password@ from the URL, past the
         * check below that a password never travels in clear; and the
         * errors below quote the URL: say nothing of it */
        const char *auth = strstr(cfg->re_relay, "://");
        auth = auth ? auth + 3 : cfg->re_relay;
        if (memchr(auth, '@', strcspn(auth, "/?#")) != NULL)
            return bad(err, file, "reply.email.relay", "%s",
                       "must not hold credentials (user@ or user:password@):"
                       " use reply.email.username and password_file");
        if (strncasecmp(cfg->re_relay, "smtp://", 7) != 0 &&
            strncasecmp(cfg->re_relay, "smtps://", 8) != 0)
            return bad(err, file, "reply.email.relay",
                       "\"%.80s\" is not smtp://HOST:PORT or smtps://HOST:PORT", cfg->re_relay);
        for (const char *c = cfg->re_relay; *c; c++)
            if ((unsigned char)*c <= 0x20)
                return bad(err, file, "reply.email.relay", "%s", "must not contain blanks");
        relay_host(cfg->re_relay, host, sizeof(host));
        if (host[0] == '\0')
            return bad(err, file, "reply.email.relay", "\"%.80s\" names no host", cfg->re_relay);
    }
    if (cfg->re_from[0] && !addr_ok(cfg->re_from))
        return bad(err, file, "reply.email.from", "\"%.80s\" is not a plain address (user@domain)",
                   cfg->re_from);
    if (cfg->re_return_path[0] && !addr_ok(cfg->re_return_path))
        return bad(err, file, "reply.email.return_path",
                   "\"%.80s\" is not a plain address (user@domain)", cfg->re_return_path);
    for (const char *c = cfg->re_from_name; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return bad(err, file, "reply.email.from_name", "%s", "must not contain control characters");
    for (size_t i = 0; i < cfg->re_bcc.n; i++) {
        const char *b = cfg->re_bcc.v[i], *dom = strrchr(b, '@');
        if (!addr_ok(b))
            return bad(err, file, "reply.email.bcc", "\"%.80s\" is not a plain address", b);
        /* a copy to a support address would come back through the milter
         * as a customer's message */
        for (size_t k = 0; k < cfg->milter_recipients.n; k++)
            if (strcasecmp(cfg->milter_recipients.v[k], b) == 0)
                return bad(err, file, "reply.email.bcc",
                           "\"%.80s\" is a support address (milter.recipients)", b);
        for (size_t k = 0; k < cfg->milter_domains.n; k++) {
            const char *d = cfg->milter_domains.v[k];
            if (strcasecmp(d[0] == '@' ? d + 1 : d, dom + 1) == 0)
                return bad(err, file, "reply.email.bcc",
                           "\"%.80s\" is in a support domain (milter.domains)", b);
        }
    }
    if ((cfg->re_username[0] != '\0') != (cfg->re_password != NULL))
        return bad(err, file, cfg->re_username[0] ? "reply.email.password_file"
                                                  : "reply.email.username",
                   "%s", "SMTP AUTH needs both username and password_file");
    tls = strncasecmp(cfg->re_relay, "smtps://", 8) == 0 || cfg->re_starttls;
    relay_host(cfg->re_relay, host, sizeof(host));
    if (cfg->re_password != NULL && !tls && !loopback(host))
        return bad(err, file, "reply.email.password_file",
                   "%s", "would travel in clear: set reply.email.starttls or use smtps://");
    return SR_OK;
}

/* --- the reply's identity, fixed at enqueue time -------------------------- */

/* has_re - does the subject already start with "Re:"? */
static int has_re(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (strncasecmp(s, "re", 2) != 0)
        return 0;
    s += 2;
    while (*s == ' ')
        s++;
    return *s == ':';
}

json_t *srp_mail_reply_meta(const sr_store *st, uint64_t job, const sr_ticket *t,
                            const sr_stored_message *parent, int64_t at)
{
    const char *from = srp_reply_from(st->cfg), *dom = strrchr(from, '@');
    char mid[300], subj[300], refs[REFS_MAX + 300] = "", irt[260] = "", made[300];

    snprintf(mid, sizeof(mid), "sr-%s-j%llu@%s", st->instance, (unsigned long long)job,
             dom && dom[1] ? dom + 1 : st->instance);
    /* a mail without a subject got one made up from its start (new_ticket):
     * not for the customer's eyes */
    snprintf(made, sizeof(made), "email from %s: ", t->requester);
    if (t->subject[0] == '\0' || strncmp(t->subject, made, strlen(made)) == 0)
        snprintf(subj, sizeof(subj), "Re: (no subject)");
    else if (has_re(t->subject))
        snprintf(subj, sizeof(subj), "%s", t->subject);
    else
        snprintf(subj, sizeof(subj), "Re: %s", t->subject);
    if (parent != NULL && parent->message_id[0]) {
        char chain[sizeof(parent->references) + 300];
        snprintf(irt, sizeof(irt), "%s", parent->message_id);
        snprintf(chain, sizeof(chain), "%s <%s>", parent->references, parent->message_id);
        srp_refs_clean(chain, refs, REFS_MAX);
    }
    return json_pack("{ss ss ss ss ss ss sI}", "mid", mid, "subject", subj, "to", t->requester,
                     "name", t->requester_name, "irt", irt, "refs", refs, "date",
                     (json_int_t)at);
}

/* --- building the message ------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *np;
        while (cap < b->len + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (np == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static int ascii_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* utf8_len - bytes of the character starting at s (1 for a stray byte) */
static size_t utf8_len(const unsigned char *s)
{
    if (*s < 0x80)
        return 1;
    if ((*s & 0xE0) == 0xC0)
        return 2;
    if ((*s & 0xF0) == 0xE0)
        return 3;
    return (*s & 0xF8) == 0xF0 ? 4 : 1;
}

/*
 * encoded_words - text as RFC 2047 "=?UTF-8?B?...?=" words of at most 64
 * characters, split between characters, folded onto continuation lines.
 * Control characters become spaces first.
 */
static void encoded_words(buf *b, const char *text)
{
    size_t n = strlen(text), i = 0;
    int first = 1;

    while (i < n) {
        unsigned char chunk[40];
        char b64[64];
        size_t k = 0;
        while (i < n) {
            size_t cl = utf8_len((const unsigned char *)text + i);
            if (i + cl > n)
                cl = n - i;
            if (k + cl > 39)
                break;
            for (size_t c = 0; c < cl; c++) {
                unsigned char ch = (unsigned char)text[i + c];
                chunk[k++] = ch < 0x20 || ch == 0x7f ? ' ' : ch;
            }
            i += cl;
        }
        srp_base64_encode(chunk, k, b64);
        puts_(b, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
        puts_(b, b64);
        puts_(b, "?=");
        first = 0;
    }
}

/* phrase - a display name: as is when it is plain words, quoted when it
 * has specials, encoded words when it is not ASCII */
static void phrase(buf *b, const char *name)
{
    int plain = 1;

    if (!ascii_printable(name)) {
        encoded_words(b, name);
        return;
    }
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr(" !#$%&'*+-/=?^_`{|}~", *c))
            plain = 0;
    if (plain) {
        puts_(b, name);
        return;
    }
    put(b, "\"", 1);
    for (const char *c = name; *c; c++) {
        if (*c == '"' || *c == '\\')
            put(b, "\\", 1);
        put(b, c, 1);
    }
    put(b, "\"", 1);
}

/* mailbox - "Name <addr>" or "addr" */
static void mailbox(buf *b, const char *name, const char *addr)
{
    if (name && *name) {
        phrase(b, name);
        put(b, " ", 1);
    }
    put(b, "<", 1);
    puts_(b, addr);
    put(b, ">", 1);
}

/* rfc5322_date - "Tue, 01 Jul 2025 10:00:00 +0000", locale-independent */
static void rfc5322_date(int64_t t, char *out, size_t size)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
             tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

/* next_line - the line at *p (without its CR/LF: \r\n, \n or a lone \r);
 * returns 0 at the end */
static int next_line(const char **p, const char *end, const char **line, size_t *len)
{
    const char *s = *p, *e = s;

    if (s >= end)
        return 0;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    *line = s;
    *len = (size_t)(e - s);
    if (e < end && *e == '\r')
        e++;
    if (e < end && *e == '\n' && (e == s || e[-1] != '\n'))
        e++;
    *p = e;
    return 1;
}

/* body_encoding - 7bit for short-lined ASCII, quoted-printable for text
 * that is mostly ASCII (readable in the raw), base64 for the rest */
static const char *body_encoding(const char *text, size_t n)
{
    size_t high = 0, col = 0, longest = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x80 || c == 0)
            high++;
        if (c == '\n' || c == '\r')
            col = 0;
        else if (++col > longest)
            longest = col;
    }
    if (high == 0 && longest <= 998)
        return "7bit";
    return high * 3 < n ? "quoted-printable" : "base64";
}

/* qp_body - quoted-printable (RFC 2045 6.7), lines of at most 76 */
static void qp_body(buf *b, const char *text, size_t n)
{
    const char *p = text, *end = text + n, *line;
    size_t len;

    while (next_line(&p, end, &line, &len)) {
        size_t col = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)line[i];
            char tok[4];
            int last = i + 1 == len;
            if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last))
                snprintf(tok, sizeof(tok), "%c", c);
            else
                snprintf(tok, sizeof(tok), "=%02X", c);
            /* "From " at a line start is mangled by mbox writers */
            if (i == 0 && c == 'F' && len >= 5 && memcmp(line, "From ", 5) == 0)
                snprintf(tok, sizeof(tok), "=46");
            if (col + strlen(tok) > 75) {
                puts_(b, "=\r\n");
                col = 0;
            }
            puts_(b, tok);
            col += strlen(tok);
        }
        puts_(b, "\r\n");
    }
}

static void b64_body(buf *b, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i += 57) {
        char out[80];
        srp_base64_encode(text + i, SR_MIN(57, n - i), out);
        puts_(b, out);
        puts_(b, "\r\n");
    }
}

static void plain_body(buf *b, const char *text, size_t n)
{
    const char *p = text, *end = text + n, *line;
    size_t len;

    while (next_line(&p, end, &line, &len)) {
        put(b, line, len);
        puts_(b, "\r\n");
    }
}

/* header - "Name: value\r\n" */
static void header(buf *b, const char *name, const char *value)
{
    puts_(b, name);
    puts_(b, ": ");
    puts_(b, value);
    puts_(b, "\r\n");
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* build - the whole message for a deliver job */
static int build(const srp_payload *p, const json_t *mail, buf *b, char *why, size_t wsize)
{
    const sr_config *cfg = p->cfg;
    const char *to = jstr(p->job, "to"), *text = jstr(p->job, "text");
    const char *refs = jstr(mail, "refs"), *enc;
    char v[400];
    size_t n = strlen(text);

    if (!addr_ok(to)) {
        snprintf(why, wsize, "the requester \"%.60s\" is not an email address", to);
        return -1;
    }
    rfc5322_date(json_integer_value(json_object_get(mail, "date")), v, sizeof(v));
    header(b, "Date", v);
    puts_(b, "From: ");
    mailbox(b, cfg->re_from_name, srp_reply_from(cfg));
    puts_(b, "\r\nTo: ");
    mailbox(b, jstr(mail, "name"), to);
    puts_(b, "\r\nSubject: ");
    if (ascii_printable(jstr(mail, "subject")))
        puts_(b, jstr(mail, "subject"));
    else
        encoded_words(b, jstr(mail, "subject"));
    puts_(b, "\r\n");
    snprintf(v, sizeof(v), "<%s>", jstr(mail, "mid"));
    header(b, "Message-ID", v);
    if (*jstr(mail, "irt")) {
        snprintf(v, sizeof(v), "<%s>", jstr(mail, "irt"));
        header(b, "In-Reply-To", v);
    }
    if (*refs) {
        /* one id per line: the header stays short however long the thread */
        puts_(b, "References:");
        for (const char *r = refs; *r;) {
            size_t k = strcspn(r, " ");
            puts_(b, r == refs ? " " : "\r\n ");
            put(b, r, k);
            r += k;
            while (*r == ' ')
                r++;
        }
        puts_(b, "\r\n");
    }
    header(b, "MIME-Version", "1.0");
    header(b, "Content-Type", "text/plain; charset=utf-8");
    enc = body_encoding(text, n);
    header(b, "Content-Transfer-Encoding", enc);
    if (cfg->re_auto_submitted != 2) {
        header(b, "Auto-Submitted", cfg->re_auto_submitted == 1 ? "auto-replied" : "auto-generated");
        header(b, "X-Auto-Response-Suppress", "OOF, AutoReply");
    }
    header(b, "X-Sentiroute-Ticket", p->ext_id);
    puts_(b, "\r\n");
    if (strcmp(enc, "base64") == 0)
        b64_body(b, text, n);
    else if (strcmp(enc, "quoted-printable") == 0)
        qp_body(b, text, n);
    else
        plain_body(b, text, n);
    if (b->oom) {
        snprintf(why, wsize, "out of memory");
        return -1;
    }
    return 0;
}

/* --- sending -------------------------------------------------------------- */

typedef struct upload {
    const char *p;
    size_t left;
} upload;

static size_t on_read(char *dst, size_t size, size_t nmemb, void *ud)
{
    upload *u = ud;
    size_t n = SR_MIN(size * nmemb, u->left);

    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* relay_url - the relay; without a path the From domain becomes the EHLO
 * name (libcurl takes it from the path) */
static void relay_url(const sr_config *cfg, char *out, size_t size)
{
    const char *h = strstr(cfg->re_relay, "://"), *dom = strrchr(srp_reply_from(cfg), '@');

    if (h && strchr(h + 3, '/') == NULL && dom && dom[1])
        snprintf(out, size, "%s/%s", cfg->re_relay, dom + 1);
    else
        snprintf(out, size, "%s", cfg->re_relay);
}

/* classify - outcome of a finished SMTP transaction */
static void classify(CURLcode cc, long code, const char *errbuf, srp_delivery *d)
{
    if (cc == CURLE_OK) {
        d->outcome = SRP_DELIVERED;
        return;
    }
    if (code)
        snprintf(d->why, sizeof(d->why), "smtp: %s (reply %ld)",
                 errbuf[0] ? errbuf : curl_easy_strerror(cc), code);
    else
        snprintf(d->why, sizeof(d->why), "smtp: %s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
    if (cc == CURLE_LOGIN_DENIED || cc == CURLE_URL_MALFORMAT ||
        cc == CURLE_UNSUPPORTED_PROTOCOL || (code >= 500 && code < 600))
        d->outcome = SRP_PERMANENT;   /* refused for good: parked, visible */
    else
        d->outcome = SRP_RETRY;       /* 4xx, no answer, TLS or network trouble */
}

/* srp_drv_smtp - send one reply */
void srp_drv_smtp(const srp_payload *p, srp_delivery *d)
{
    const sr_config *cfg = p->cfg;
    const json_t *mail = json_object_get(p->job, "mail");
    const char *from = srp_reply_from(cfg);
    char url[700], env[340], rcpt[340], errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpts = NULL;
    buf b = {0};
    upload u;
    CURL *c;
    CURLcode cc;
    long code = 0;

    if (!srp_smtp_enabled(cfg)) {
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "email replies are off (reply.email.relay, from)");
        return;
    }
    if (!json_is_object(mail)) {
        d->outcome = SRP_PERMANENT;
        snprintf(d->why, sizeof(d->why), "job has no mail headers (queued by an older version)");
        return;
    }
    if (build(p, mail, &b, d->why, sizeof(d->why)) != 0) {
        d->outcome = b.oom ? SRP_RETRY : SRP_PERMANENT;
        free(b.p);
        return;
    }
    snprintf(rcpt, sizeof(rcpt), "<%s>", jstr(p->job, "to"));
    rcpts = curl_slist_append(rcpts, rcpt);
    for (size_t i = 0; rcpts && i < cfg->re_bcc.n; i++) {
        struct curl_slist *nr;
        snprintf(rcpt, sizeof(rcpt), "<%s>", cfg->re_bcc.v[i]);
        nr = curl_slist_append(rcpts, rcpt);
        if (nr == NULL) {
            curl_slist_free_all(rcpts);
            rcpts = NULL;
        }
        rcpts = nr;
    }
    /* a fresh handle: never a connection that may have died under us */
    c = rcpts ? curl_easy_init() : NULL;
    if (c == NULL) {
        curl_slist_free_all(rcpts);
        free(b.p);
        d->outcome = SRP_RETRY;
        snprintf(d->why, sizeof(d->why), "out of memory");
        return;
    }
    relay_url(cfg, url, sizeof(url));
    snprintf(env, sizeof(env), "<%s>", cfg->re_return_path[0] ? cfg->re_return_path : from);
    u.p = b.p;
    u.left = b.len;
    srp_curl_common(c, cfg, url, "smtp,smtps", (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, env);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b.len);
    if (cfg->re_starttls)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (cfg->re_password != NULL) {
        size_t plen;
        const char *pw = srp_secret_data(cfg->re_password, &plen);
        char pass[4100];
        snprintf(pass, sizeof(pass), "%.*s", (int)plen, pw);
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->re_username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass);   /* libcurl keeps a copy */
        memset(pass, 0, sizeof(pass));
    }
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    curl_slist_free_all(rcpts);
    free(b.p);
    classify(cc, code, errbuf, d);
    if (d->outcome == SRP_DELIVERED)
        srp_strlcpy(d->remote_id, jstr(mail, "mid"), sizeof(d->remote_id));
}
