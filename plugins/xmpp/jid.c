/*
 * jid.c - JID parts and chat text hygiene
 *
 * JIDs reach us already validated by the server (it stamps "from"); we
 * only split them.  Text from a visitor goes to agents, the bot and the
 * store: it must be valid UTF-8 without the characters XML 1.0 forbids
 * (libstrophe escapes < > & " ' when it serializes, it does not drop
 * control characters), and bounded.
 */
#include "build-config.h"

#include "srx.h"

#include <ctype.h>
#include <string.h>

/* srx_strlcpy - copy with truncation, always NUL-terminated */
size_t srx_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);

    if (size > 0) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* srx_jid_bare - local@domain, lower case */
void srx_jid_bare(const char *jid, char *out, size_t size)
{
    srx_strlcpy(out, jid ? jid : "", size);
    out[strcspn(out, "/")] = '\0';
    lower(out);
}

/* srx_jid_domain - the domain part */
void srx_jid_domain(const char *jid, char *out, size_t size)
{
    const char *at, *slash;

    if (jid == NULL) {
        srx_strlcpy(out, "", size);
        return;
    }
    slash = strchr(jid, '/');
    at = strchr(jid, '@');
    if (at != NULL && (slash == NULL || at < slash))
        jid = at + 1;
    srx_strlcpy(out, jid, size);
    out[strcspn(out, "/")] = '\0';
    lower(out);
}

/* srx_jid_local - the local part, "" when none */
void srx_jid_local(const char *jid, char *out, size_t size)
{
    const char *at = jid ? strchr(jid, '@') : NULL;
    const char *slash = jid ? strchr(jid, '/') : NULL;

    if (at == NULL || (slash != NULL && slash < at)) {
        srx_strlcpy(out, "", size);
        return;
    }
    srx_strlcpy(out, jid, size);
    if ((size_t)(at - jid) < size)
        out[at - jid] = '\0';
    lower(out);
}

/* srx_jid_check - the form and lengths of RFC 7622 section 3: the
 * resource begins at the first '/', the local part ends at the first '@'
 * before it */
const char *srx_jid_check(const char *jid)
{
    size_t bare, at, n;

    if (jid == NULL || *jid == '\0')
        return "empty JID";
    n = strlen(jid);
    bare = strcspn(jid, "/");
    at = strcspn(jid, "@");
    if (at < bare) {
        if (at == 0)
            return "empty local part";
        if (at > SRX_JID_PART_MAX)
            return "local part longer than 1023 bytes";
        at++;
    } else {
        at = 0;
    }
    if (bare == at)
        return "empty domain";
    if (bare - at > SRX_JID_PART_MAX)
        return "domain longer than 1023 bytes";
    if (bare < n && n - bare - 1 == 0)
        return "empty resource";
    if (bare < n && n - bare - 1 > SRX_JID_PART_MAX)
        return "resource longer than 1023 bytes";
    return NULL;
}

/* utf8_len - length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 4, cp = c & 0x07;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* srx_text_clean - XML-safe, valid UTF-8, capped, trimmed; in place */
size_t srx_text_clean(char *text, size_t max)
{
    unsigned char *s = (unsigned char *)text;
    size_t n = strlen(text), r = 0, w = 0, start = 0;

    while (r < n) {
        size_t k = utf8_len(s + r, n - r);
        unsigned char repl = 0;
        if (k == 0) {
            repl = '?';   /* an invalid byte: never passed on */
            k = 1;
        } else if (k == 1 && s[r] < 0x20 && s[r] != '\t' && s[r] != '\n' && s[r] != '\r') {
            repl = ' ';   /* C0 controls are not allowed in XML 1.0 */
        } else if (k == 3 && s[r] == 0xEF && s[r + 1] == 0xBF &&
                   (s[r + 2] == 0xBE || s[r + 2] == 0xBF)) {
            repl = ' ';   /* U+FFFE, U+FFFF */
        }
        if (max > 0 && w + (repl ? 1 : k) > max)
            break;
        if (repl) {
            s[w++] = repl;
        } else {
            memmove(s + w, s + r, k);
            w += k;
        }
        r += k;
    }
    while (w > 0 && (s[w - 1] == ' ' || s[w - 1] == '\t' || s[w - 1] == '\n' || s[w - 1] == '\r'))
        w--;
    while (start < w && (s[start] == ' ' || s[start] == '\t' || s[start] == '\n' || s[start] == '\r'))
        start++;
    memmove(s, s + start, w - start);
    w -= start;
    s[w] = '\0';
    return w;
}
