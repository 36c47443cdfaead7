/*
 * extract.c - GMime parse, part selection, decoding to UTF-8
 *
 * See extract.h for the pipeline.  GMime objects (stream, parser, options,
 * message) are made per call, so concurrent calls share nothing but
 * GMime's internally locked charset caches.  Every size is capped before
 * it is allocated: a decoded part is cut at max_text, the walk stops at
 * max_parts and max_depth.
 */
#include "build-config.h"

#include "extract.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdatomic.h>
#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* srm_extract_init - see extract.h */
void srm_extract_init(void)
{
    g_mime_init();
    xmlInitParser();
}

void srm_extract_shutdown(void)
{
    g_mime_shutdown();
    xmlCleanupParser();
}

void srm_mail_clear(srm_mail *m)
{
    if (m == NULL)
        return;
    free(m->text);
    free(m->subject);
    free(m->message_id);
    free(m->in_reply_to);
    free(m->references);
    free(m->from_addr);
    free(m->from_name);
    memset(m, 0, sizeof(*m));
}

/* utf8_valid - strict UTF-8 check (no overlongs, no surrogates) */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) {
            /* ASCII eight bytes at a time */
            uint64_t w;
            i++;
            while (i + 8 <= n && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0))
                i += 8;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* cut_utf8 - largest length <= max that does not split a character */
static size_t cut_utf8(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* clean_line - a malloc'd copy of a header value on one line: control
 * characters become spaces, runs of white space one space, trimmed */
static char *clean_line(const char *s, size_t max)
{
    size_t n, o = 0;
    char *r;
    int sp = 0;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    if (n > max)
        n = cut_utf8(s, n, max);
    r = malloc(n + 1);
    if (r == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || c == ' ') {
            sp = o > 0;
            continue;
        }
        if (sp)
            r[o++] = ' ';
        sp = 0;
        r[o++] = (char)c;
    }
    r[o] = '\0';
    if (!utf8_valid((const unsigned char *)r, o)) {
        /* an undeclared 8-bit header: keep the ASCII only */
        size_t k = 0;
        for (size_t i = 0; i < o; i++)
            if ((unsigned char)r[i] < 0x80)
                r[k++] = r[i];
        r[k] = '\0';
    }
    return r;
}

static int is_utf8_name(const char *cs)
{
    return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
           strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

/* has_c1 - bytes 0x80-0x9F: Windows-125x text labelled ISO-8859-x */
static int has_c1(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 && (unsigned char)s[i] <= 0x9F)
            return 1;
    return 0;
}

/* to_utf8 - convert n bytes in charset cs (NULL: undeclared) to a
 * malloc'd UTF-8 string without NULs; *olen its length */
static char *to_utf8(GMimeParserOptions *opts, const char *s, size_t n, const char *cs,
                     size_t *olen, unsigned *notes)
{
    char *r = NULL, *g;
    gsize rd = 0, wr = 0;

    if (n == 0 || s == NULL) {   /* an empty part (GByteArray data may be NULL) */
        *olen = 0;
        return calloc(1, 1);
    }
    if ((cs == NULL || is_utf8_name(cs)) && utf8_valid((const unsigned char *)s, n)) {
        r = malloc(n + 1);
        if (r == NULL)
            return NULL;
        memcpy(r, s, n);
        r[n] = '\0';
        *olen = n;
        goto nuls;
    }
    if (cs != NULL && !is_utf8_name(cs)) {
        const char *from = cs;
        if ((strcasecmp(cs, "iso-8859-1") == 0 || strcasecmp(cs, "latin1") == 0) && has_c1(s, n))
            from = "windows-1252";
        else if (strcasecmp(cs, "iso-8859-2") == 0 && has_c1(s, n))
            from = "windows-1250";
        from = g_mime_charset_iconv_name(from);
        g = g_convert(s, (gssize)n, "UTF-8", from, &rd, &wr, NULL);
        if (g == NULL && rd > 0 && rd < n && n - rd < 4)   /* cut inside a character */
            g = g_convert(s, (gssize)rd, "UTF-8", from, &rd, &wr, NULL);
        if (g != NULL && utf8_valid((const unsigned char *)g, wr)) {
            r = malloc(wr + 1);
            if (r != NULL) {
                memcpy(r, g, wr);
                r[wr] = '\0';
                *olen = wr;
            }
            g_free(g);
            if (r == NULL)
                return NULL;
            goto nuls;
        }
        g_free(g);
    }
    /* unknown charset, wrong label or invalid bytes: GMime's guess among the
     * fallback charsets (utf-8, windows-1252, iso-8859-1), never failing */
    *notes |= SRM_NOTE_CHARSET;
    {
        char *tmp = malloc(n + 1);
        if (tmp == NULL)
            return NULL;
        for (size_t i = 0; i < n; i++)
            tmp[i] = s[i] ? s[i] : ' ';
        tmp[n] = '\0';
        g = g_mime_utils_decode_8bit(opts, tmp, n);
        free(tmp);
    }
    if (g == NULL)
        return NULL;
    *olen = strlen(g);
    r = malloc(*olen + 1);
    if (r != NULL)
        memcpy(r, g, *olen + 1);
    g_free(g);
    if (r == NULL)
        return NULL;
    if (!utf8_valid((const unsigned char *)r, *olen)) {
        for (size_t i = 0; i < *olen; i++)
            if ((unsigned char)r[i] >= 0x80)
                r[i] = '?';
    }
nuls:
    for (char *z = memchr(r, '\0', *olen); z != NULL; z = memchr(z, '\0', (size_t)(r + *olen - z)))
        *z = ' ';
    return r;
}

/* content_text - decoded content (n bytes) of a text part as UTF-8: at
 * most max bytes of it converted, the result cut at max */
static char *content_text(GMimeParserOptions *opts, const char *data, size_t n, const char *cs,
                          size_t max, size_t *olen, unsigned *notes)
{
    char *r;

    if (n > max) {
        n = max;
        *notes |= SRM_NOTE_TRUNCATED;
    }
    r = to_utf8(opts, data, n, cs, olen, notes);
    if (r != NULL && *olen > max) {
        *olen = cut_utf8(r, *olen, max);
        r[*olen] = '\0';
        *notes |= SRM_NOTE_TRUNCATED;
    }
    return r;
}

/* part_text - a text part decoded (transfer encoding, charset), capped */
static char *part_text(GMimeParserOptions *opts, GMimePart *part, size_t max, size_t *olen,
                       unsigned *notes)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    GMimeStream *mem;
    GByteArray *ba;
    char *r;

    *olen = 0;
    if (w == NULL)
        return calloc(1, 1);
    mem = g_mime_stream_mem_new();
    if (mem == NULL)
        return NULL;
    g_mime_data_wrapper_write_to_stream(w, mem);
    ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    r = content_text(opts, (const char *)ba->data, ba->len,
                     g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset"),
                     max, olen, notes);
    g_object_unref(mem);
    return r;
}

/* the best text part found so far under a node */
typedef struct pick {
    GMimePart *plain;
    GMimePart *html;
} pick;

typedef struct walk {
    const srm_limits *lim;
    size_t parts;
    unsigned notes;
} walk;

static int is_attachment(GMimeObject *o)
{
    const char *d = g_mime_object_get_disposition(o);
    return d != NULL && strcasecmp(d, "attachment") == 0;
}

/* select_part - the customer's text under o (RFC 2046 order: in
 * multipart/alternative the last plain part wins, HTML only when there is
 * no plain; elsewhere the first part with text) */
static pick select_part(walk *w, GMimeObject *o, size_t depth)
{
    pick r = {NULL, NULL};
    GMimeContentType *ct;

    if (++w->parts > w->lim->max_parts) {
        w->notes |= SRM_NOTE_PARTS;
        return r;
    }
    ct = g_mime_object_get_content_type(o);
    if (GMIME_IS_MULTIPART(o)) {
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        int alt = ct != NULL && g_mime_content_type_is_type(ct, "multipart", "alternative");
        int n = g_mime_multipart_get_count(mp);
        if (depth >= w->lim->max_depth) {
            w->notes |= SRM_NOTE_DEPTH;
            return r;
        }
        for (int i = 0; i < n && w->parts <= w->lim->max_parts; i++) {
            pick c = select_part(w, g_mime_multipart_get_part(mp, i), depth + 1);
            if (alt) {
                if (c.plain)
                    r.plain = c.plain;
                if (c.html)
                    r.html = c.html;
            } else if (c.plain || c.html) {
                return c;
            }
        }
        return r;
    }
    if (GMIME_IS_MESSAGE_PART(o))   /* a forwarded message: not the customer's words */
        return r;
    if (!GMIME_IS_PART(o) || is_attachment(o) || ct == NULL)
        return r;
    if (g_mime_content_type_is_type(ct, "text", "plain"))
        r.plain = GMIME_PART(o);
    else if (g_mime_content_type_is_type(ct, "text", "html"))
        r.html = GMIME_PART(o);
    return r;
}

/* refs_line - References on one line in at most max bytes: the first id
 * (the thread's root) and as many of the newest as fit, the ids between
 * dropped (as RFC 5322 3.6.4 lets a writer do).  The first bytes alone
 * lost the newest ids, the ones a reply is most likely threaded by, and
 * the store keeps the last 1024 bytes of what it gets, which lost the
 * root. */
static char *refs_line(const char *v, size_t max)
{
    char *r = v ? clean_line(v, strlen(v)) : NULL;
    size_t n, first;
    const char *tail;

    if (r == NULL || (n = strlen(r)) <= max)
        return r;
    /* clean_line left single spaces between the ids */
    first = strcspn(r, " ");
    if (first + 2 > max)
        first = 0;   /* a root that does not fit: the newest only */
    tail = r + n - (max - (first ? first + 1 : 0));
    if (tail[-1] != ' ')
        tail = strchr(tail, ' ') ? strchr(tail, ' ') + 1 : r + n;
    if (first) {
        r[first] = ' ';
        memmove(r + first + 1, tail, strlen(tail) + 1);
        if (r[first + 1] == '\0')
            r[first] = '\0';
    } else {
        memmove(r, tail, strlen(tail) + 1);
    }
    return r;
}

static void on_warning(gint64 offset, GMimeParserWarning errcode, const gchar *item, gpointer ud)
{
    (void)offset;
    (void)errcode;
    (void)item;
    *(unsigned *)ud |= SRM_NOTE_MALFORMED;
}

/* header_dup - a header's value, unfolded, or NULL */
static char *header_dup(GMimeObject *o, const char *name)
{
    const char *v = g_mime_object_get_header(o, name);
    return v ? clean_line(v, 4096) : NULL;
}

/* is_addr - local@domain, both parts there: not an unqualified name
 * ("root"), not an encoded word where the address belongs */
static int is_addr(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;

    return at != NULL && at != addr && at[1] != '\0';
}

/* from_first - the first mailbox of a From list with an address (none:
 * the milter takes the envelope sender) */
static int from_first(InternetAddressList *from, srm_mail *out)
{
    if (from == NULL)
        return 0;
    for (int i = 0; i < internet_address_list_length(from); i++) {
        InternetAddress *a = internet_address_list_get_address(from, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a) &&
            is_addr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)))) {
            const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
            const char *name = internet_address_get_name(a);
            out->from_addr = clean_line(addr ? addr : "", 320);
            out->from_name = clean_line(name ? name : "", 256);
            if (out->from_addr == NULL || out->from_name == NULL)
                return -1;
            for (char *p = out->from_addr; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            break;
        }
    }
    return 0;
}

/* fill_identity - subject, ids and sender from the parsed message.  The
 * From list is parsed from the header's raw value with the same options,
 * as the single-part path does (simple_message): GMimeMessage's own list
 * read a mailbox out of "Jane <jane@example.test>(To: ..." with its
 * comment left open, where the address parser finds none (fuzz_mime) */
static int fill_identity(GMimeParserOptions *opts, GMimeMessage *m, srm_mail *out)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
    GMimeHeader *fh = hl ? g_mime_header_list_get_header(hl, "From") : NULL;
    const char *raw = fh ? g_mime_header_get_raw_value(fh) : NULL;
    InternetAddressList *from = raw ? internet_address_list_parse(opts, raw) : NULL;
    const char *subj = g_mime_message_get_subject(m);
    int rc;

    out->subject = clean_line(subj ? subj : "", 998);
    out->message_id = header_dup(GMIME_OBJECT(m), "Message-ID");
    out->in_reply_to = header_dup(GMIME_OBJECT(m), "In-Reply-To");
    {
        const char *v = g_mime_object_get_header(GMIME_OBJECT(m), "References");
        out->references = v ? refs_line(v, SRM_REFS_MAX) : NULL;
    }
    if (out->subject == NULL) {
        if (from != NULL)
            g_object_unref(from);
        return -1;
    }
    rc = from_first(from, out);
    if (from != NULL)
        g_object_unref(from);
    return rc;
}

/* raw_body - the bytes after the header block (for unparsable input) */
static const char *raw_body(const char *raw, size_t len, size_t *blen)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (raw[i] == '\n' && raw[i + 1] == '\n') {
            *blen = len - i - 2;
            return raw + i + 2;
        }
        if (raw[i] == '\n' && raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n') {
            *blen = len - i - 3;
            return raw + i + 3;
        }
    }
    *blen = 0;
    return raw + len;
}

/* reply_subject - "Re: ...", "AW: ...", "Odp: ...", "Fwd: ...", "RE[2]:":
 * the thread's subject, carried over, not words of this message */
static int reply_subject(const char *s)
{
    static const char *const pfx[] = {"re",  "aw", "sv",  "vs",  "odp", "rv", "r",  "antw", "ref",
                                      "fwd", "fw", "wg",  "tr",  "enc", "rif", "pd"};

    while (*s == ' ' || *s == '\t')
        s++;
    for (size_t i = 0; i < sizeof(pfx) / sizeof(*pfx); i++) {
        size_t n = strlen(pfx[i]);
        const char *q = s + n;

        if (strncasecmp(s, pfx[i], n) != 0)
            continue;
        if (*q == '[' || *q == '(') {   /* "Re[2]:", "RE(3):" */
            const char *d = q + 1;
            while (*d >= '0' && *d <= '9')
                d++;
            if (d == q + 1 || (*d != ']' && *d != ')'))
                continue;
            q = d + 1;
        }
        while (*q == ' ')   /* "RE :" */
            q++;
        if (*q == ':')
            return 1;
    }
    return 0;
}

/* assemble - out->text = subject "\n\n" body; a reply's or a forward's
 * subject ("Re: Third time I write") is the thread's, so with a body it
 * is left out of what is scored (the ticket keeps it as the subject) */
static int assemble(srm_mail *out, const char *body, size_t blen)
{
    size_t sl = out->subject && !(blen > 0 && reply_subject(out->subject)) ? strlen(out->subject) : 0;
    char *t = malloc(sl + 2 + blen + 1);

    if (t == NULL)
        return -1;
    memcpy(t, sl > 0 ? out->subject : "", sl);
    if (sl > 0 && blen > 0) {
        memcpy(t + sl, "\n\n", 2);
        sl += 2;
    }
    memcpy(t + sl, body, blen);
    t[sl + blen] = '\0';
    out->text = t;
    out->len = sl + blen;
    out->body_len = blen;
    return 0;
}

/*
 * The common case without GMime's object tree.  A message with one text
 * part and nothing unusual in its header block - what support mail mostly
 * is - costs GMime's parser about 240k instructions, most of them making
 * and freeing GObjects (message, part, header lists, streams, wrappers).
 * simple_message() takes such a message apart itself and hands every
 * piece to the GMime function the parser would use on it: every header
 * value unfolded and RFC 2047-decoded (g_mime_utils_header_unfold and
 * _header_decode_text; the parser decodes each header it reads), the raw
 * From by internet_address_list_parse, the raw Content-Type by
 * g_mime_content_type_parse, the transfer encoding by
 * g_mime_content_encoding_from_string and decoded with
 * g_mime_encoding_flush (what GMimeFilterBasic runs), with the same
 * parser options, so the same warnings reach on_warning.  Anything else -
 * multipart, another header, a header twice, 8-bit or control bytes in
 * the header block, an empty body - goes to GMime's parser.  The two
 * paths must give the same srm_mail: tests/milter/test_extract.c and the
 * fuzz target compare them (srm_extract_set_fast).
 */
enum { H_FROM, H_SUBJECT, H_MSGID, H_IRT, H_REFS, H_MIMEVER, H_CTYPE, H_CTE, H_COUNT };

static const char *const simple_names[H_COUNT] = {
    "From", "Subject", "Message-ID", "In-Reply-To", "References", "MIME-Version",
    "Content-Type", "Content-Transfer-Encoding",
};

typedef struct simple {
    const char *val[H_COUNT];   /* after the colon, folded lines and line end included */
    size_t vlen[H_COUNT];
    const char *body;
    size_t blen;
} simple;

static atomic_int fast_on = 1;
static atomic_ulong fast_taken;

void srm_extract_set_fast(int on)
{
    atomic_store(&fast_on, on != 0);
}

unsigned long srm_extract_fast_count(void)
{
    return atomic_load(&fast_taken);
}

/* scan_simple - 1 when raw is a simple message (see above): fills s */
static int scan_simple(const char *raw, size_t len, simple *s)
{
    size_t i = 0;

    memset(s, 0, sizeof(*s));
    for (;;) {
        size_t start = i;
        int h = -1;

        if (i >= len)
            return 0;   /* no blank line: GMime warns */
        if (raw[i] == '\n' || raw[i] == '\r') {
            /* the blank line ending the header block */
            if (raw[i] == '\r' && (i + 1 >= len || raw[i + 1] != '\n'))
                return 0;
            i += raw[i] == '\r' ? 2 : 1;
            break;
        }
        while (i < len && raw[i] != ':' && (unsigned char)raw[i] > ' ' && (unsigned char)raw[i] < 0x7f)
            i++;
        if (i >= len || raw[i] != ':' || i == start)
            return 0;
        for (int k = 0; k < H_COUNT; k++)
            if (strlen(simple_names[k]) == i - start &&
                strncasecmp(raw + start, simple_names[k], i - start) == 0) {
                h = k;
                break;
            }
        if (h < 0 || s->val[h] != NULL)
            return 0;   /* another header, or one twice */
        s->val[h] = raw + ++i;
        for (;;) {
            unsigned char c;
            if (i >= len)
                return 0;
            c = (unsigned char)raw[i];
            if (c == '\r') {
                if (i + 1 >= len || raw[i + 1] != '\n')
                    return 0;   /* a bare CR */
                i++;
                continue;
            }
            if (c == '\n') {
                size_t j = ++i;
                if (i >= len || (raw[i] != ' ' && raw[i] != '\t'))
                    break;
                /* a folded line: it must have more than white space */
                while (j < len && (raw[j] == ' ' || raw[j] == '\t'))
                    j++;
                if (j >= len || raw[j] == '\r' || raw[j] == '\n')
                    return 0;
                continue;
            }
            if ((c < 0x20 && c != '\t') || c >= 0x7f)
                return 0;   /* 8-bit or control bytes: GMime's own handling */
            i++;
        }
        s->vlen[h] = (size_t)(raw + i - s->val[h]);
    }
    s->body = raw + i;
    s->blen = len - i;
    return s->blen > 0;
}

/* raw_dup - a header's raw value as a string (NULL: absent) */
static char *raw_dup(const simple *s, int h)
{
    return s->val[h] ? g_strndup(s->val[h], s->vlen[h]) : NULL;
}

/* decode_all - g_mime_header_get_value of every header present: unfolded
 * and RFC 2047-decoded (GMime's parser decodes each header it reads, and
 * warns then about a bad encoded word in any of them) */
static void decode_all(GMimeParserOptions *opts, const simple *s, char *dec[H_COUNT])
{
    for (int h = 0; h < H_COUNT; h++) {
        char *raw, *unfolded;
        dec[h] = NULL;
        if (s->val[h] == NULL)
            continue;
        raw = raw_dup(s, h);
        unfolded = g_mime_utils_header_unfold(raw);
        dec[h] = g_mime_utils_header_decode_text(opts, unfolded);
        g_free(unfolded);
        g_free(raw);
    }
}

/* clean_or_null - clean_line of a decoded value, NULL when absent */
static char *clean_or_null(const char *v, size_t max, int *oom)
{
    char *r;

    if (v == NULL)
        return NULL;
    if ((r = clean_line(v, max)) == NULL)
        *oom = 1;
    return r;
}

/* simple_message - 1 when raw was simple: the identity in out, the decoded
 * part in *data and *n (g_free it), its charset (g_free) and kind in *cs and
 * *html; 0 when not (GMime's parser then); -1 out of memory */
static int simple_message(GMimeParserOptions *opts, const char *raw, size_t len,
                          const srm_limits *lim, srm_mail *out, char **data, size_t *n,
                          char **cs, int *html)
{
    simple s;
    char *dec[H_COUNT];
    GMimeContentEncoding enc = GMIME_CONTENT_ENCODING_DEFAULT;
    int oom = 0, rc = 0;

    *data = NULL;
    *cs = NULL;
    *html = 0;
    if (!atomic_load(&fast_on) || lim->max_parts < 1 || !scan_simple(raw, len, &s))
        return 0;
    decode_all(opts, &s, dec);
    if (s.val[H_CTYPE] != NULL) {
        char *v = raw_dup(&s, H_CTYPE);
        GMimeContentType *ct;
        const char *p;
        /* an encoded word has no place in Content-Type: GMime's parser
         * notes it as malformed (an invalid parameter), which the public
         * g_mime_content_type_parse never reports; that message goes the
         * long way, so that both ways note the same */
        if (v == NULL || strstr(v, "=?") != NULL) {
            g_free(v);
            goto done;
        }
        ct = g_mime_content_type_parse(opts, v);
        g_free(v);
        if (ct == NULL)
            goto done;
        if (g_mime_content_type_is_type(ct, "text", "html"))
            *html = 1;
        else if (!g_mime_content_type_is_type(ct, "text", "plain")) {
            g_object_unref(ct);
            goto done;
        }
        if ((p = g_mime_content_type_get_parameter(ct, "charset")) != NULL)
            *cs = g_strdup(p);
        g_object_unref(ct);
    }
    if (dec[H_CTE] != NULL) {
        char *v = g_strstrip(g_strdup(dec[H_CTE]));
        enc = g_mime_content_encoding_from_string(v);
        g_free(v);
        if (enc == GMIME_CONTENT_ENCODING_UUENCODE) {
            g_free(*cs);
            *cs = NULL;
            goto done;
        }
    }
    atomic_fetch_add_explicit(&fast_taken, 1, memory_order_relaxed);
    rc = -1;
    /* the message: Subject, ids (the last Subject would win; there is one) */
    out->subject = clean_line(dec[H_SUBJECT] ? dec[H_SUBJECT] : "", 998);
    out->message_id = clean_or_null(dec[H_MSGID], 4096, &oom);
    out->in_reply_to = clean_or_null(dec[H_IRT], 4096, &oom);
    if (dec[H_REFS] != NULL && (out->references = refs_line(dec[H_REFS], SRM_REFS_MAX)) == NULL)
        oom = 1;
    if (out->subject == NULL || oom)
        goto done;
    if (s.val[H_FROM] != NULL) {
        /* GMimeMessage parses the raw value (encoded words in the phrase
         * are decoded by the address parser) */
        char *v = raw_dup(&s, H_FROM);
        InternetAddressList *from = internet_address_list_parse(opts, v);
        int frc = from_first(from, out);
        g_free(v);
        if (from != NULL)
            g_object_unref(from);
        if (frc != 0)
            goto done;
    }
    out->parts = 1;
    /* the content as GMimeDataWrapper writes it */
    if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
        GMimeEncoding st;
        g_mime_encoding_init_decode(&st, enc);
        *data = g_malloc(g_mime_encoding_outlen(&st, s.blen) + 1);
        *n = g_mime_encoding_flush(&st, s.body, s.blen, *data);
    } else {
        *data = g_malloc(s.blen + 1);
        memcpy(*data, s.body, s.blen);
        *n = s.blen;
    }
    rc = 1;
done:
    for (int h = 0; h < H_COUNT; h++)
        g_free(dec[h]);
    return rc;
}

/* srm_extract - see extract.h */
int srm_extract(const char *raw, size_t len, const srm_limits *lim, srm_mail *out)
{
    static const char *fallback[] = {"utf-8", "windows-1252", "iso-8859-1", NULL};
    GMimeParserOptions *opts;
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *m;
    GByteArray *borrowed;
    char *body = NULL;
    size_t blen = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    opts = g_mime_parser_options_new();
    g_mime_parser_options_set_fallback_charsets(opts, fallback);
    g_mime_parser_options_set_warning_callback(opts, on_warning, &out->notes);
    if (len > G_MAXUINT)
        len = G_MAXUINT;
    {
        char *data, *cs;
        size_t n = 0;
        int html;
        rc = simple_message(opts, raw, len, lim, out, &data, &n, &cs, &html);
        if (rc != 0) {
            if (rc > 0 && html) {
                size_t hlen;
                char *h = content_text(opts, data, n, cs, lim->max_text, &hlen, &out->notes);
                body = h ? srm_html_to_text(h, hlen, lim->max_text, lim->strip_quotes, &blen,
                                            &out->notes)
                         : NULL;
                free(h);
                out->notes |= SRM_NOTE_HTML;
            } else if (rc > 0) {
                body = content_text(opts, data, n, cs, lim->max_text, &blen, &out->notes);
            }
            g_free(data);
            g_free(cs);
            rc = -1;
            if (body == NULL)
                goto simple_out;
            if (lim->strip_quotes && blen > 0)
                blen = srm_strip_quotes(body, blen, &out->notes);
            if (assemble(out, body, blen) == 0)
                rc = 0;
            goto simple_out;
        }
        rc = -1;
    }
    /* GMime reads the caller's buffer in place (no copy): the array only
     * borrows it and gives it back below, after the last reference to the
     * stream (parts keep substreams of it) is gone */
    borrowed = g_byte_array_new_take((guint8 *)raw, len);
    stream = g_mime_stream_mem_new_with_byte_array(borrowed);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
    parser = g_mime_parser_new_with_stream(stream);
    m = g_mime_parser_construct_message(parser, opts);
    if (m == NULL) {
        /* not even a header block: whatever follows the first blank line */
        const char *b = raw_body(raw, len, &blen);
        out->notes |= SRM_NOTE_UNPARSED;
        out->subject = calloc(1, 1);
        /* capped like a parsed part: at most max_text bytes converted and
         * the UTF-8 cut again at max_text (the fallback charsets make up to
         * three bytes of one), each cut noted */
        body = content_text(opts, b, blen, NULL, lim->max_text, &blen, &out->notes);
        if (out->subject == NULL || body == NULL)
            goto out;
    } else {
        walk w = {lim, 0, 0};
        pick p;
        GMimeObject *top = g_mime_message_get_mime_part(m);

        if (fill_identity(opts, m, out) != 0)
            goto out;
        p = top ? select_part(&w, top, 0) : (pick){NULL, NULL};
        out->notes |= w.notes;
        out->parts = (unsigned)w.parts;
        if (p.plain != NULL) {
            body = part_text(opts, p.plain, lim->max_text, &blen, &out->notes);
        } else if (p.html != NULL) {
            size_t hlen;
            char *html = part_text(opts, p.html, lim->max_text, &hlen, &out->notes);
            if (html == NULL)
                goto out;
            body = srm_html_to_text(html, hlen, lim->max_text, lim->strip_quotes, &blen,
                                    &out->notes);
            free(html);
            out->notes |= SRM_NOTE_HTML;
        } else {
            body = calloc(1, 1);
            blen = 0;
            out->notes |= SRM_NOTE_NOTEXT;
        }
        if (body == NULL)
            goto out;
    }
    if (lim->strip_quotes && blen > 0)
        blen = srm_strip_quotes(body, blen, &out->notes);
    if (assemble(out, body, blen) != 0)
        goto out;
    rc = 0;
out:
    free(body);
    body = NULL;
    if (m != NULL)
        g_object_unref(m);
    g_object_unref(parser);
    g_object_unref(stream);
    (void)g_byte_array_steal(borrowed, NULL);   /* the caller's buffer: not freed */
    g_byte_array_unref(borrowed);
simple_out:
    free(body);
    g_mime_parser_options_free(opts);
    if (rc != 0) {
        unsigned notes = out->notes;
        srm_mail_clear(out);
        out->notes = notes;
    }
    return rc;
}
