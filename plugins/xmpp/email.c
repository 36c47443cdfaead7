/*
 * email.c - find and check the email address an anonymous visitor gives
 *
 * Deliberately stricter than RFC 5322 and looser than nothing: a dot-atom
 * local part (no quoted strings, no leading, trailing or double dots), a
 * domain of at least two LDH labels (no leading or trailing hyphen, at
 * most 63 bytes each) whose last label is alphabetic (two or more
 * letters) or punycode (xn--), 254 bytes in all.  No IP literals, no
 * comments: what helpdesks accept as a requester address.
 */
#include "build-config.h"

#include "srx.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int atext(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static int local_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.')
                return 0;
        } else if (c >= 0x80 || !atext(c)) {
            return 0;
        }
    }
    return 1;
}

static int domain_ok(const char *s, size_t n)
{
    size_t labels = 0, i = 0, last = 0, lastlen = 0;

    if (n == 0 || n > 253)
        return 0;
    while (i <= n) {
        size_t start = i;
        while (i < n && s[i] != '.')
            i++;
        size_t len = i - start;
        if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-')
            return 0;
        for (size_t k = start; k < i; k++)
            if (!(isalnum((unsigned char)s[k]) || s[k] == '-') || (unsigned char)s[k] >= 0x80)
                return 0;
        labels++;
        last = start;
        lastlen = len;
        i++;
    }
    if (labels < 2)
        return 0;
    if (lastlen >= 4 && strncasecmp(s + last, "xn--", 4) == 0)
        return 1;
    if (lastlen < 2)
        return 0;
    for (size_t k = last; k < last + lastlen; k++)
        if (!isalpha((unsigned char)s[k]))
            return 0;
    return 1;
}

/* srx_email_valid - s is exactly one address */
int srx_email_valid(const char *s)
{
    const char *at = strrchr(s, '@');
    size_t n = strlen(s);

    if (at == NULL || n > 254 || strchr(s, '@') != at)
        return 0;
    return local_ok(s, (size_t)(at - s)) && domain_ok(at + 1, n - (size_t)(at - s) - 1);
}

/* srx_email_find - the single address in a line */
int srx_email_find(const char *text, char *out, size_t size)
{
    char cand[300] = "";
    int found = 0;
    const char *p = text;

    if (text == NULL)
        return 0;
    while (*p) {
        size_t n;
        char word[300];
        while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == ';'))
            p++;
        n = strcspn(p, " \t\r\n,;");
        if (n == 0)
            break;
        if (memchr(p, '@', n) != NULL) {
            size_t a = 0, b = n;
            /* "<jo@x.org>", "(jo@x.org)", "jo@x.org." , "mailto:jo@x.org" */
            while (a < b && strchr("<([\"'", p[a]))
                a++;
            while (b > a && strchr(">)]\"'.!?:", p[b - 1]))
                b--;
            if (b - a > 7 && strncasecmp(p + a, "mailto:", 7) == 0)
                a += 7;
            if (b - a >= sizeof(word))
                return 0;
            memcpy(word, p + a, b - a);
            word[b - a] = '\0';
            if (!srx_email_valid(word))
                return 0;   /* something with an @ that is no address: ask again */
            if (found && strcasecmp(word, cand) != 0)
                return 0;   /* two different addresses: which one? */
            memcpy(cand, word, b - a + 1);
            found = 1;
        }
        p += n;
    }
    if (!found || strlen(cand) >= size)
        return 0;
    /* the domain is case-insensitive; the local part is kept as written */
    for (char *d = strchr(cand, '@'); *d; d++)
        *d = (char)tolower((unsigned char)*d);
    srx_strlcpy(out, cand, size);
    return 1;
}
