/*
 * srs_parse.c - parsers for what the SMS gateways and helpdesks send
 *
 * Everything here reads untrusted bytes: lengths are explicit, nothing is
 * assumed NUL-free, every copy is bounded.  tests/sms/test_sms_parse.c
 * covers each function; tests/fuzz/fuzz_sms.c throws bytes at them.
 */
#include "build-config.h"

#include "srs.h"

#include "codec.h"
#include "hmac.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

/* srs_fail - fill err (when given) and return code */
int srs_fail(sr_error *err, int code, const char *where, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        memset(err, 0, sizeof(*err));
        err->code = code;
        snprintf(err->where, sizeof(err->where), "%s", where);
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* copy_field - bounded copy of a NUL-terminated value into a fixed field */
static void copy_field(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* --- forms ------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* srs_url_decode - %XX and '+' of a form value */
size_t srs_url_decode(const char *in, size_t len, int plus_space, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (in[i] == '%' && i + 2 < len && (hi = hexval((unsigned char)in[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)in[i + 2])) >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (in[i] == '+' && plus_space) {
            out[o++] = ' ';
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
    return o;
}

void srs_form_free(srs_form *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].key);
        free(f->v[i].val);
    }
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

/* dup_decoded - a decoded, NUL-terminated copy of s[0..len) */
static char *dup_decoded(const char *s, size_t len, size_t *outlen)
{
    char *p = malloc(len + 1);

    if (p)
        *outlen = srs_url_decode(s, len, 1, p);
    return p;
}

/* srs_form_parse - decoded fields of a query string or form body */
int srs_form_parse(const char *buf, size_t len, size_t max_fields, srs_form *out,
                   sr_error *err)
{
    size_t i = 0;

    out->v = NULL;
    out->n = 0;
    while (buf && i < len) {
        size_t end = i, eq;
        srs_kv *kv;

        while (end < len && buf[end] != '&')
            end++;
        if (end == i) {   /* "a=1&&b=2": an empty field */
            i = end + 1;
            continue;
        }
        if (out->n >= max_fields)
            return srs_fail(err, SR_ELIMIT, "form", "more than %zu fields", max_fields);
        kv = realloc(out->v, (out->n + 1) * sizeof(*kv));
        if (kv == NULL)
            return srs_fail(err, SR_ENOMEM, "form", "out of memory");
        out->v = kv;
        kv = &out->v[out->n];
        for (eq = i; eq < end && buf[eq] != '='; eq++)
            ;
        kv->key = dup_decoded(buf + i, eq - i, &kv->klen);
        kv->val = eq < end ? dup_decoded(buf + eq + 1, end - eq - 1, &kv->vlen)
                           : dup_decoded("", 0, &kv->vlen);
        if (kv->key == NULL || kv->val == NULL) {
            free(kv->key);
            free(kv->val);
            return srs_fail(err, SR_ENOMEM, "form", "out of memory");
        }
        out->n++;
        i = end + 1;
    }
    return SR_OK;
}

const srs_kv *srs_form_get(const srs_form *f, const char *key)
{
    size_t klen = strlen(key);

    for (size_t i = 0; f && i < f->n; i++)
        if (f->v[i].klen == klen && memcmp(f->v[i].key, key, klen) == 0)
            return &f->v[i];
    return NULL;
}

/* form_str - a field's value when it is a plain string (no NUL), else NULL */
static const char *form_str(const srs_form *f, const char *key)
{
    const srs_kv *kv = srs_form_get(f, key);

    if (kv == NULL || strlen(kv->val) != kv->vlen)
        return NULL;
    return kv->val;
}

/* --- inbound ------------------------------------------------------------ */

void srs_inbound_clear(srs_inbound *in)
{
    if (in == NULL)
        return;
    free(in->text);
    memset(in, 0, sizeof(*in));
}

/* plain_ok - a short identifier without control characters */
static int plain_ok(const char *s, size_t max)
{
    size_t n = 0;

    for (; *s; s++, n++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || n >= max)
            return 0;
    return 1;
}

/* ct_charset - the charset parameter of a Content-Type header */
static void ct_charset(const char *ct, char *out, size_t size)
{
    const char *p;
    size_t n = 0;

    out[0] = '\0';
    if (ct == NULL)
        return;
    for (p = ct; *p; p++) {
        if (strncasecmp(p, "charset=", 8) == 0 && (p == ct || p[-1] == ';' || p[-1] == ' ')) {
            p += 8;
            if (*p == '"')
                p++;
            while (*p && *p != '"' && *p != ';' && *p != ' ' && n + 1 < size)
                out[n++] = *p++;
            out[n] = '\0';
            return;
        }
    }
}

/* parse_ts - decimal UNIX seconds, or 0 */
static int64_t parse_ts(const char *s)
{
    char *end;
    long long v;

    if (s == NULL || !isdigit((unsigned char)*s))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < 0 || v > 253402300799LL)
        return 0;
    return (int64_t)v;
}

/* set_text - convert the text of in (srs_ingest_sms caps it) */
static int set_text(srs_inbound *in, const char *buf, size_t len, const char *charset,
                    int coding, sr_error *err)
{
    const char *repaired = NULL;
    int rc = srs_to_utf8(buf, len, charset, coding, &in->text, &in->len, &repaired, err);

    if (rc != SR_OK)
        return rc;
    if (repaired)
        snprintf(in->repaired, sizeof(in->repaired), "%s (charset %.40s, coding %d) replaced "
                 "with U+FFFD", repaired, charset && *charset ? charset : "none", coding);
    return SR_OK;
}

/* srs_kannel_parse - one SMS from Kannel's sms-service */
int srs_kannel_parse(int is_post, const srs_form *q, srs_header_fn hdr, void *hud,
                     const char *body, size_t blen, srs_inbound *out, sr_error *err)
{
    const char *from, *to, *coding_s, *charset, *smsc, *id, *ts;
    char ctcs[48];
    const srs_kv *text;
    int coding = -1;

    memset(out, 0, sizeof(*out));
#define QH(field, header) \
    (form_str(q, field) ? form_str(q, field) : (is_post && hdr ? hdr(hud, header) : NULL))
    from = QH("from", "X-Kannel-From");
    to = QH("to", "X-Kannel-To");
    coding_s = QH("coding", "X-Kannel-Coding");
    smsc = QH("smsc", "X-Kannel-SMSC");
#undef QH
    id = form_str(q, "id");
    ts = form_str(q, "ts");
    charset = form_str(q, "charset");
    if (from == NULL || *from == '\0')
        return srs_fail(err, SR_EFORMAT, "from", "no sender: put from=%%p in the get-url "
                                             "(or send-sender = true for post-url)");
    if (!plain_ok(from, 63))
        return srs_fail(err, SR_EFORMAT, "from", "malformed sender");
    if (to && !plain_ok(to, 63))
        return srs_fail(err, SR_EFORMAT, "to", "malformed receiver");
    if (id && !plain_ok(id, 127))
        return srs_fail(err, SR_EFORMAT, "id", "malformed message id");
    if (smsc && !plain_ok(smsc, 63))
        return srs_fail(err, SR_EFORMAT, "smsc", "malformed smsc id");
    if (charset && !plain_ok(charset, 40))
        return srs_fail(err, SR_EFORMAT, "charset", "malformed charset");
    if (coding_s && *coding_s) {
        if (coding_s[1] != '\0' || coding_s[0] < '0' || coding_s[0] > '2')
            return srs_fail(err, SR_EFORMAT, "coding", "coding must be 0, 1 or 2");
        coding = coding_s[0] - '0';
    }
    if (ts && *ts && parse_ts(ts) == 0 && strcmp(ts, "0") != 0)
        return srs_fail(err, SR_EFORMAT, "ts", "ts must be UNIX seconds");
    copy_field(out->from, sizeof(out->from), from);
    copy_field(out->to, sizeof(out->to), to);
    copy_field(out->id, sizeof(out->id), id);
    copy_field(out->smsc, sizeof(out->smsc), smsc);
    out->ts = parse_ts(ts);
    if (is_post) {
        if (charset == NULL && hdr) {
            ct_charset(hdr(hud, "Content-Type"), ctcs, sizeof(ctcs));
            charset = ctcs;
        }
        return set_text(out, body ? body : "", body ? blen : 0, charset, coding, err);
    }
    text = srs_form_get(q, "text");
    if (text == NULL)
        return srs_fail(err, SR_EFORMAT, "text", "no text: put text=%%b in the get-url");
    return set_text(out, text->val, text->vlen, charset, coding, err);
}

/* --- Twilio-style webhooks ------------------------------------------------ */

static int kv_cmp(const void *a, const void *b)
{
    const srs_kv *x = *(const srs_kv *const *)a, *y = *(const srs_kv *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);

    if (c == 0 && x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    if (c != 0)
        return c;
    n = x->vlen < y->vlen ? x->vlen : y->vlen;
    c = memcmp(x->val, y->val, n);
    if (c == 0 && x->vlen != y->vlen)
        return x->vlen < y->vlen ? -1 : 1;
    return c;
}

/* srs_twilio_signature - base64(HMAC-SHA1(token, url + sorted name+value)) */
void srs_twilio_signature(const char *token, size_t tlen, const char *url, const srs_form *params,
                          char out[29])
{
    unsigned char mac[SRP_SHA1_LEN];
    const srs_kv **sorted = NULL;
    size_t n = params ? params->n : 0;
    srp_hmac_sha1_ctx h;

    if (n > 0 && (sorted = malloc(n * sizeof(*sorted))) == NULL) {
        memset(out, 0, 29);   /* out of memory: a signature that never matches */
        return;
    }
    /* the message is streamed, not concatenated */
    srp_hmac_sha1_init(&h, token, tlen);
    srp_hmac_sha1_update(&h, url, strlen(url));
    for (size_t i = 0; i < n; i++)
        sorted[i] = &params->v[i];
    if (n > 0)
        qsort(sorted, n, sizeof(*sorted), kv_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && kv_cmp(&sorted[i - 1], &sorted[i]) == 0)
            continue;   /* the same name and value twice counts once */
        srp_hmac_sha1_update(&h, sorted[i]->key, sorted[i]->klen);
        srp_hmac_sha1_update(&h, sorted[i]->val, sorted[i]->vlen);
    }
    free(sorted);
    srp_hmac_sha1_final(&h, mac);
    srp_base64_encode(mac, sizeof(mac), out);
}

int srs_twilio_verify(const char *token, size_t tlen, const char *url, const srs_form *params,
                      const char *sig)
{
    char want[29];

    if (token == NULL || sig == NULL || url == NULL)
        return 0;
    srs_twilio_signature(token, tlen, url, params, want);
    return want[0] != '\0' && srp_ct_equal(want, strlen(want), sig, strlen(sig));
}

int srs_twilio_parse(const srs_form *p, srs_inbound *out, sr_error *err)
{
    const char *from = form_str(p, "From"), *to = form_str(p, "To"),
               *sid = form_str(p, "MessageSid");
    const srs_kv *body = srs_form_get(p, "Body");

    memset(out, 0, sizeof(*out));
    if (sid == NULL)
        sid = form_str(p, "SmsSid");
    if (from == NULL || *from == '\0' || !plain_ok(from, 63))
        return srs_fail(err, SR_EFORMAT, "From", "no or malformed From");
    if (to && !plain_ok(to, 63))
        return srs_fail(err, SR_EFORMAT, "To", "malformed To");
    if (sid && !plain_ok(sid, 127))
        return srs_fail(err, SR_EFORMAT, "MessageSid", "malformed MessageSid");
    if (body == NULL)
        return srs_fail(err, SR_EFORMAT, "Body", "no Body");
    copy_field(out->from, sizeof(out->from), from);
    copy_field(out->to, sizeof(out->to), to);
    copy_field(out->id, sizeof(out->id), sid);
    return set_text(out, body->val, body->vlen, "UTF-8", -1, err);
}

/* xml_escape_len - bytes text needs XML-escaped; writes when out != NULL */
static size_t xml_escape(const char *text, char *out)
{
    size_t o = 0;

    for (const char *p = text; *p; p++) {
        const char *rep = NULL;
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default:
            /* XML 1.0 forbids most control characters outright */
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
                rep = " ";
        }
        if (rep) {
            size_t n = strlen(rep);
            if (out)
                memcpy(out + o, rep, n);
            o += n;
        } else {
            if (out)
                out[o] = *p;
            o++;
        }
    }
    return o;
}

char *srs_twiml(const char *text)
{
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    size_t n;
    char *out;

    if (text == NULL || *text == '\0')
        return strdup("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>\n");
    n = sizeof(head) - 1 + strlen("<Response><Message></Message></Response>\n") +
        xml_escape(text, NULL) + 1;
    out = malloc(n);
    if (out == NULL)
        return NULL;
    size_t o = (size_t)sprintf(out, "%s<Response><Message>", head);
    o += xml_escape(text, out + o);
    strcpy(out + o, "</Message></Response>\n");
    return out;
}

/* --- smstools3 ------------------------------------------------------------ */

int srs_smstools_parse(const char *buf, size_t len, srs_inbound *out, sr_error *err)
{
    size_t i = 0, hdr_lines = 0;
    const char *charset = NULL;
    char alpha[16] = "";
    int have_from = 0;

    memset(out, 0, sizeof(*out));
    for (;;) {
        size_t end = i, vlen, klen;
        const char *colon, *v;
        if (i >= len)
            return srs_fail(err, SR_EFORMAT, "smstools", "no blank line after the headers");
        while (end < len && buf[end] != '\n')
            end++;
        if (end == len)
            return srs_fail(err, SR_EFORMAT, "smstools", "no blank line after the headers");
        klen = end - i;
        if (klen > 0 && buf[end - 1] == '\r')
            klen--;
        if (klen == 0) {   /* the blank line: the text follows */
            i = end + 1;
            break;
        }
        if (++hdr_lines > 64)
            return srs_fail(err, SR_EFORMAT, "smstools", "too many header lines");
        colon = memchr(buf + i, ':', klen);
        if (colon == NULL)
            return srs_fail(err, SR_EFORMAT, "smstools", "header line %zu has no colon",
                        hdr_lines);
        v = colon + 1;
        while (v < buf + i + klen && *v == ' ')
            v++;
        vlen = (size_t)(buf + i + klen - v);
        klen = (size_t)(colon - (buf + i));
        if (memchr(v, '\0', vlen) != NULL)
            return srs_fail(err, SR_EFORMAT, "smstools", "NUL byte in a header");
#define IS(name) (klen == strlen(name) && memcmp(buf + i, name, klen) == 0)
        if (IS("From")) {
            char num[64];
            size_t k = 0;
            int digits = 1;
            if (vlen == 0 || vlen > 40)
                return srs_fail(err, SR_EFORMAT, "From", "malformed From");
            for (size_t j = 0; j < vlen; j++) {
                if ((unsigned char)v[j] < 0x20 || v[j] == 0x7f)
                    return srs_fail(err, SR_EFORMAT, "From", "malformed From");
                if (!isdigit((unsigned char)v[j]) && !(j == 0 && v[j] == '+'))
                    digits = 0;   /* an alphanumeric sender: kept as it is */
            }
            if (digits && v[0] != '+' && v[0] != '0')
                num[k++] = '+';
            memcpy(num + k, v, vlen);
            num[k + vlen] = '\0';
            copy_field(out->from, sizeof(out->from), num);
            have_from = 1;
        } else if (IS("Alphabet")) {
            snprintf(alpha, sizeof(alpha), "%.*s", (int)(vlen < 15 ? vlen : 15), v);
        } else if (IS("Sent")) {
            /* the SMSC time stamp's digits; smsd drops its zone (pdu.c:
             * "Time zone is not used"), so it is the network's local
             * time: read in ours (the modem is in the same country) */
            struct tm tm;
            char tmp[32], *end2;
            time_t t;
            memset(&tm, 0, sizeof(tm));
            snprintf(tmp, sizeof(tmp), "%.*s", (int)(vlen < 31 ? vlen : 31), v);
            end2 = strptime(tmp, "%y-%m-%d %H:%M:%S", &tm);
            tm.tm_isdst = -1;
            if (end2 != NULL && *end2 == '\0' && (t = mktime(&tm)) != (time_t)-1)
                out->ts = (int64_t)t;
        } else if (IS("Modem") || IS("Subject")) {
            if (out->smsc[0] == '\0' || IS("Modem"))
                snprintf(out->smsc, sizeof(out->smsc), "%.*s", (int)(vlen < 63 ? vlen : 63), v);
        }
#undef IS
        i = end + 1;
    }
    if (!have_from)
        return srs_fail(err, SR_EFORMAT, "From", "no From header");
    if (!plain_ok(out->smsc, 63))
        out->smsc[0] = '\0';
    /* smsd looks at the first three letters only */
    if (strncasecmp(alpha, "UCS", 3) == 0 || strncasecmp(alpha, "Uni", 3) == 0)
        charset = "UTF-16BE";
    else if (strncasecmp(alpha, "UTF", 3) == 0)
        charset = "UTF-8";
    else if (strncasecmp(alpha, "bin", 3) == 0)
        return srs_fail(err, SR_EUNSUPP, "Alphabet", "binary message, not text");
    else if (alpha[0] != '\0')
        charset = "ISO-8859-15";   /* ISO, Latin, Ansi, GSM (smsd stores GSM as ISO) */
    else
        charset = NULL;            /* decided below */
    if (charset == NULL) {
        int32_t cp;
        const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)buf + i;
        utf8proc_ssize_t left = (utf8proc_ssize_t)(len - i), k;
        charset = "UTF-8";
        while (left > 0) {
            k = utf8proc_iterate(p, left, &cp);
            if (k < 0) {
                charset = "ISO-8859-15";
                break;
            }
            p += k;
            left -= k;
        }
    }
    return set_text(out, buf + i, len - i, charset, -1, err);
}

int srs_smstools_write(const char *dir, const char *to, const char *text, size_t len,
                       sr_error *err)
{
    static unsigned seq;
    char tmp[4096], final[4096], head[128];
    struct timespec now;
    unsigned n = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
    int fd, hl;
    const char *num = to[0] == '+' ? to + 1 : to;

    if (!plain_ok(num, 32) || strchr(num, '\n') || *num == '\0')
        return srs_fail(err, SR_EINVAL, "smstools", "bad recipient");
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(final, sizeof(final), "%s/sentiroute-%lld-%ld-%d-%u", dir, (long long)now.tv_sec,
             now.tv_nsec, (int)getpid(), n);
    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, strrchr(final, '/') + 1);
    hl = snprintf(head, sizeof(head), "To: %s\nAlphabet: UTF-8\n\n", num);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return srs_fail(err, SR_EIO, "smstools", "%s: %s", tmp, strerror(errno));
    if (write(fd, head, (size_t)hl) != hl || write(fd, text, len) != (ssize_t)len ||
        fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return srs_fail(err, SR_EIO, "smstools", "%s: %s", tmp, strerror(e));
    }
    close(fd);
    if (rename(tmp, final) != 0) {
        int e = errno;
        unlink(tmp);
        return srs_fail(err, SR_EIO, "smstools", "%s: %s", final, strerror(e));
    }
    return SR_OK;
}

/* --- keywords --------------------------------------------------------------- */

/* fold_word - case-folded UTF-8 of s[0..len) into out; 0 when it does not fit */
static int fold_word(const char *s, size_t len, char *out, size_t size)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)len, k;
    size_t o = 0;

    while (left > 0) {
        int32_t cp;
        utf8proc_uint8_t enc[4];
        k = utf8proc_iterate(p, left, &cp);
        if (k < 0)
            return 0;
        p += k;
        left -= k;
        cp = utf8proc_tolower(cp);
        k = utf8proc_encode_char(cp, enc);
        if (o + (size_t)k + 1 > size)
            return 0;
        memcpy(out + o, enc, (size_t)k);
        o += (size_t)k;
    }
    out[o] = '\0';
    return 1;
}

/* word_char - letters and digits make words; everything else separates */
static int word_cp(int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);

    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
           (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
           c == UTF8PROC_CATEGORY_ND;
}

/* next_word - [*start, *end) of the next word at or after pos; 0 at the end */
static int next_word(const char *s, size_t len, size_t pos, size_t *start, size_t *end)
{
    size_t i = pos;
    int in = 0;

    while (i < len) {
        int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (k < 0) {   /* invalid byte: a separator */
            if (in)
                break;
            i++;
            continue;
        }
        if (word_cp(cp)) {
            if (!in) {
                *start = i;
                in = 1;
            }
        } else if (in) {
            break;
        }
        i += (size_t)k;
    }
    *end = i;
    return in;
}

int srs_keyword_match(const char *text, size_t len, const char *list, int max_words,
                      char *matched, size_t msize)
{
    size_t ws, we, pos;
    int words = 0;
    char first[256];

    if (text == NULL || list == NULL || !next_word(text, len, 0, &ws, &we) ||
        !fold_word(text + ws, we - ws, first, sizeof(first)))
        return 0;
    for (pos = we; words < max_words + 1 && next_word(text, len, pos, &ws, &pos);)
        words++;
    if (words + 1 > (max_words > 0 ? max_words : 1))
        return 0;
    for (const char *p = list; *p;) {
        size_t n;
        char kw[256];
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == ';')
            p++;
        n = strcspn(p, ", \t;");
        if (n > 0 && fold_word(p, n, kw, sizeof(kw)) && strcmp(kw, first) == 0) {
            snprintf(matched, msize, "%.*s", (int)n, p);
            return 1;
        }
        p += n;
    }
    return 0;
}

/* --- allow-lists --------------------------------------------------------------- */

int srs_allow_parse(const char *list, srs_allow *out, sr_error *err)
{
    memset(out, 0, sizeof(*out));
    for (const char *p = list ? list : ""; *p;) {
        char item[64], *slash;
        size_t n;
        srs_net *net;
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        n = strcspn(p, ", \t");
        if (n == 0)
            break;
        if (n >= sizeof(item) || out->n >= SRS_ALLOW_MAX)
            return srs_fail(err, SR_EINVAL, "sms.allow_ip", "entry too long or too many entries");
        memcpy(item, p, n);
        item[n] = '\0';
        p += n;
        net = &out->nets[out->n];
        slash = strchr(item, '/');
        if (slash)
            *slash = '\0';
        if (inet_pton(AF_INET, item, net->addr) == 1) {
            net->family = AF_INET;
            net->bits = 32;
        } else if (inet_pton(AF_INET6, item, net->addr) == 1) {
            net->family = AF_INET6;
            net->bits = 128;
        } else {
            return srs_fail(err, SR_EINVAL, "sms.allow_ip", "not an IP address: %s", item);
        }
        if (slash) {
            char *end;
            long b = strtol(slash + 1, &end, 10);
            if (*end || end == slash + 1 || b < 0 || b > net->bits)
                return srs_fail(err, SR_EINVAL, "sms.allow_ip", "bad prefix length in %s/%s", item,
                            slash + 1);
            net->bits = (int)b;
        }
        out->n++;
    }
    return SR_OK;
}

static int prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;

    if (memcmp(a, b, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

int srs_allow_match(const srs_allow *a, const struct sockaddr *sa)
{
    unsigned char v4[4], v6[16];
    int have4 = 0, have6 = 0;

    if (a->n == 0)
        return 1;
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET) {
        memcpy(v4, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        have4 = 1;
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        memcpy(v6, x, 16);
        have6 = 1;
        if (IN6_IS_ADDR_V4MAPPED(x)) {
            memcpy(v4, v6 + 12, 4);
            have4 = 1;
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        const srs_net *n = &a->nets[i];
        if (n->family == AF_INET && have4 && prefix_eq(n->addr, v4, n->bits))
            return 1;
        if (n->family == AF_INET6 && have6 && prefix_eq(n->addr, v6, n->bits))
            return 1;
    }
    return 0;
}

/* --- helpdesk webhooks ------------------------------------------------------- */

void srs_agent_reply_clear(srs_agent_reply *r)
{
    if (r == NULL)
        return;
    free(r->text);
    memset(r, 0, sizeof(*r));
}

/* iso8601 - "2021-03-25T05:09:27Z" (or with .fff / +00:00) to UNIX seconds */
static int iso8601(const char *s, int64_t *out)
{
    struct tm tm;
    const char *p;
    int off = 0;

    memset(&tm, 0, sizeof(tm));
    if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
        return 0;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
               isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
               isdigit((unsigned char)p[5])) {
        off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
        if (*p == '-')
            off = -off;
        p += 6;
    } else {
        return 0;
    }
    if (*p)
        return 0;
    *out = (int64_t)timegm(&tm) - off;
    return 1;
}

int srs_zendesk_verify(const char *secret, size_t slen, const char *timestamp,
                       const char *body, size_t blen, const char *sig, int64_t now,
                       int max_age)
{
    unsigned char mac[SRP_SHA256_LEN];
    char want[48];
    int64_t at;

    if (secret == NULL || timestamp == NULL || sig == NULL || !iso8601(timestamp, &at))
        return 0;
    if (max_age > 0 && (at < now - max_age || at > now + max_age))
        return 0;
    srp_hmac_sha256(secret, slen, timestamp, strlen(timestamp), body, blen, mac);
    srp_base64_encode(mac, sizeof(mac), want);
    return srp_ct_equal(want, strlen(want), sig, strlen(sig));
}

int srs_ext_id_ticket(const char *ext, const char *instance, uint64_t *ticket)
{
    const char *t;
    char *end;
    unsigned long long v;

    if (ext == NULL || strncmp(ext, "sr-", 3) != 0 || (t = strrchr(ext, '-')) == NULL ||
        t[1] != 't' || !isdigit((unsigned char)t[2]))
        return SR_EINVAL;
    if (instance && ((size_t)(t - ext - 3) != strlen(instance) ||
                     strncmp(ext + 3, instance, strlen(instance)) != 0))
        return SR_EINVAL;
    errno = 0;
    v = strtoull(t + 2, &end, 10);
    if (errno || *end || v == 0)
        return SR_EINVAL;
    *ticket = (uint64_t)v;
    return SR_OK;
}

/* jstr - a string member, or a number as text, else NULL (into buf) */
static const char *jstr(json_t *o, const char *key, char *buf, size_t size)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

/* jbool - a boolean member (true/false, "true"/"false", 1/0), else def */
static int jbool(json_t *o, const char *key, int def)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_string(v))
        return strcasecmp(json_string_value(v), "false") != 0 &&
               strcmp(json_string_value(v), "0") != 0 && json_string_value(v)[0] != '\0';
    return def;
}

/* load_json - parse a webhook body (an object) */
static json_t *load_json(const char *body, size_t len, sr_error *err)
{
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);

    if (j == NULL) {
        srs_fail(err, SR_EFORMAT, "json", "line %d: %s", je.line, je.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        srs_fail(err, SR_EFORMAT, "json", "not a JSON object");
        return NULL;
    }
    return j;
}

/* set_reply_text - copy and check the agent's text */
static int set_reply_text(srs_agent_reply *r, const char *text, sr_error *err)
{
    size_t n = text ? strlen(text) : 0;

    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    while (n > 0 && isspace((unsigned char)*text)) {
        text++;
        n--;
    }
    if (n == 0)
        return srs_fail(err, SR_EFORMAT, "text", "empty reply text");
    r->text = strndup(text, n);
    if (r->text == NULL)
        return srs_fail(err, SR_ENOMEM, "text", "out of memory");
    r->len = n;
    return SR_OK;
}

int srs_zendesk_parse(const char *body, size_t len, srs_agent_reply *out, sr_error *err)
{
    json_t *j, *t, *c;
    const char *ext, *text, *tid, *cid, *author;
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    int rc;

    memset(out, 0, sizeof(*out));
    if ((j = load_json(body, len, err)) == NULL)
        return SR_EFORMAT;
    t = json_object_get(j, "ticket");
    c = json_object_get(j, "comment");
    ext = jstr(j, "external_id", b1, sizeof(b1));
    if (ext == NULL)
        ext = jstr(t, "external_id", b1, sizeof(b1));
    tid = jstr(j, "ticket_id", b2, sizeof(b2));
    if (tid == NULL)
        tid = jstr(t, "id", b2, sizeof(b2));
    text = json_is_object(c) ? jstr(c, "body", b3, sizeof(b3)) : jstr(j, "comment", b3, sizeof(b3));
    cid = json_is_object(c) ? jstr(c, "id", b4, sizeof(b4)) : jstr(j, "comment_id", b4, sizeof(b4));
    author = json_is_object(c) ? jstr(c, "author", b5, sizeof(b5)) : jstr(j, "author", b5, sizeof(b5));
    out->relay = json_is_object(c) ? jbool(c, "public", 1) : jbool(j, "public", 1);
    rc = SR_OK;
    if (ext == NULL || !plain_ok(ext, sizeof(out->ext_id) - 1))
        rc = srs_fail(err, SR_EFORMAT, "external_id", "no or malformed external_id");
    else if (srs_ext_id_ticket(ext, NULL, &out->ticket) != SR_OK)
        rc = srs_fail(err, SR_EFORMAT, "external_id", "external_id is not one of ours");
    if (rc == SR_OK) {
        copy_field(out->ext_id, sizeof(out->ext_id), ext);
        if (author && plain_ok(author, sizeof(out->author) - 1))
            copy_field(out->author, sizeof(out->author), author);
        snprintf(out->event_id, sizeof(out->event_id), "zendesk:%.60s:%.60s",
                 tid ? tid : ext, cid ? cid : "");
        if (cid == NULL)
            out->event_id[0] = '\0';   /* no comment id: rely on the invocation id */
        rc = set_reply_text(out, text, err);
    }
    json_decref(j);
    return rc;
}

int srs_gorgias_parse(const char *body, size_t len, srs_agent_reply *out, sr_error *err)
{
    json_t *j, *t, *m, *snd;
    const char *ext, *text, *tid, *mid, *author, *channel;
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    int rc = SR_OK, from_agent, pub;

    memset(out, 0, sizeof(*out));
    if ((j = load_json(body, len, err)) == NULL)
        return SR_EFORMAT;
    t = json_object_get(j, "ticket");
    m = json_object_get(j, "message");
    if (!json_is_object(m))
        m = j;   /* flat template */
    ext = jstr(j, "external_id", b1, sizeof(b1));
    if (ext == NULL)
        ext = jstr(t, "external_id", b1, sizeof(b1));
    tid = jstr(j, "ticket_id", b2, sizeof(b2));
    if (tid == NULL)
        tid = jstr(t, "id", b2, sizeof(b2));
    mid = jstr(m, m == j ? "message_id" : "id", b3, sizeof(b3));
    text = jstr(m, "body_text", b4, sizeof(b4));
    channel = jstr(m, "channel", b5, sizeof(b5));
    snd = json_object_get(m, "sender");
    author = json_is_object(snd) ? jstr(snd, "name", b6, sizeof(b6)) : jstr(m, "author", b6, sizeof(b6));
    from_agent = jbool(m, "from_agent", 0);
    pub = jbool(m, "public", 1);
    out->relay = from_agent && pub && !(channel && strcmp(channel, "internal-note") == 0);
    if (ext == NULL || !plain_ok(ext, sizeof(out->ext_id) - 1))
        rc = srs_fail(err, SR_EFORMAT, "external_id", "no or malformed external_id");
    else if (srs_ext_id_ticket(ext, NULL, &out->ticket) != SR_OK)
        rc = srs_fail(err, SR_EFORMAT, "external_id", "external_id is not one of ours");
    if (rc == SR_OK) {
        copy_field(out->ext_id, sizeof(out->ext_id), ext);
        if (author && plain_ok(author, sizeof(out->author) - 1))
            copy_field(out->author, sizeof(out->author), author);
        if (mid)
            snprintf(out->event_id, sizeof(out->event_id), "gorgias:%.60s:%.60s",
                     tid ? tid : ext, mid);
        if (out->relay)
            rc = set_reply_text(out, text, err);
    }
    json_decref(j);
    return rc;
}

/* --- sendsms -------------------------------------------------------------------- */

int srs_sendsms_classify(long status)
{
    if (status >= 200 && status < 300)
        return SRS_SEND_OK;
    if (status == 0 || status == 408 || status == 429 || status >= 500)
        return SRS_SEND_RETRY;
    return SRS_SEND_FAIL;
}

int srs_sendsms_coding(const char *text, size_t len)
{
    return srs_gsm7_ok(text, len) ? 0 : 2;
}
