/*
 * jsonw.c - a compact JSON object writer for the store's hot records
 * (see jsonw.h)
 */
#include "build-config.h"

#include "jsonw.h"

#include "text.h"

#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* room - make space for n more bytes */
static int room(srp_jw *w, size_t n)
{
    size_t cap;
    char *b;

    if (w->bad)
        return -1;
    if (w->len + n <= w->cap)
        return 0;
    cap = w->cap * 2;
    while (cap < w->len + n)
        cap *= 2;
    b = w->buf == w->small ? malloc(cap) : realloc(w->buf, cap);
    if (b == NULL) {
        w->bad = 2;
        return -1;
    }
    if (w->buf == w->small)
        memcpy(b, w->small, w->len);
    w->buf = b;
    w->cap = cap;
    return 0;
}

static void put(srp_jw *w, const char *s, size_t n)
{
    if (room(w, n) == 0) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

/* key - the comma and "key": */
static void key(srp_jw *w, const char *k)
{
    size_t n = strlen(k);

    if (room(w, n + 4) != 0)
        return;
    if (w->fields++)
        w->buf[w->len++] = ',';
    w->buf[w->len++] = '"';
    memcpy(w->buf + w->len, k, n);
    w->len += n;
    w->buf[w->len++] = '"';
    w->buf[w->len++] = ':';
}

void srp_jw_begin(srp_jw *w)
{
    w->buf = w->small;
    w->cap = sizeof(w->small);
    w->len = 0;
    w->fields = 0;
    w->bad = 0;
    w->buf[w->len++] = '{';
}

void srp_jw_int(srp_jw *w, const char *k, int64_t v)
{
    char t[24], *e = t + sizeof(t), *c = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        *--c = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--c = '-';
    key(w, k);
    put(w, c, (size_t)(e - c));
}

/* srp_jw_real - as jansson's jsonp_dtostr with precision 9: "%.9g", a
 * ".0" when that reads as an integer, no '+' or leading zeros in the
 * exponent */
void srp_jw_real(srp_jw *w, const char *k, double v)
{
    char t[40], *e;
    int n;

    if (!isfinite(v)) {
        if (!w->bad)
            w->bad = 1;
        return;
    }
    n = snprintf(t, sizeof(t), "%.9g", v);
    if (n < 0 || (size_t)n >= sizeof(t) - 3) {
        w->bad = 1;
        return;
    }
    for (char *c = t; *c; c++)   /* a locale's decimal comma */
        if (*c == ',')
            *c = '.';
    if (strchr(t, '.') == NULL && strchr(t, 'e') == NULL) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    if ((e = strchr(t, 'e')) != NULL) {
        char *start = e + 1, *end;
        if (*start == '-')
            start++;
        end = start;
        if (*end == '+')
            end++;
        while (*end == '0' && end[1] != '\0')
            end++;
        if (end != start) {
            memmove(start, end, strlen(end) + 1);
            n = (int)strlen(t);
        }
    }
    key(w, k);
    put(w, t, (size_t)n);
}

/* plain - no escape needed and ASCII: 0x20..0x7F except '"' and '\\' */
static inline int plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void srp_jw_str(srp_jw *w, const char *k, const char *str)
{
    const unsigned char *p = (const unsigned char *)(str ? str : ""), *run;
    size_t n = strlen((const char *)p);
    const unsigned char *end = p + n;

    key(w, k);
    if (n > (SIZE_MAX - 16) / 6) {
        w->bad = 2;
        return;
    }
    /* at most 6 bytes out per byte in ("\u001F"), and the quotes */
    if (room(w, n * 6 + 2) != 0)
        return;
    w->buf[w->len++] = '"';
    while (p < end) {
        run = p;
        while (p < end && plain(*p))
            p++;
        if (p > run) {
            memcpy(w->buf + w->len, run, (size_t)(p - run));
            w->len += (size_t)(p - run);
        }
        if (p >= end)
            break;
        if (*p >= 0x80) {   /* a whole, valid UTF-8 sequence or nothing */
            const unsigned char *q = p;
            uint32_t cp = srp_utf8_decode(&q, end);
            if (cp == 0xfffd && q - p != 3) {
                w->bad = 1;
                return;
            }
            memcpy(w->buf + w->len, p, (size_t)(q - p));
            w->len += (size_t)(q - p);
            p = q;
            continue;
        }
        switch (*p) {
        case '"': memcpy(w->buf + w->len, "\\\"", 2); w->len += 2; break;
        case '\\': memcpy(w->buf + w->len, "\\\\", 2); w->len += 2; break;
        case '\b': memcpy(w->buf + w->len, "\\b", 2); w->len += 2; break;
        case '\f': memcpy(w->buf + w->len, "\\f", 2); w->len += 2; break;
        case '\n': memcpy(w->buf + w->len, "\\n", 2); w->len += 2; break;
        case '\r': memcpy(w->buf + w->len, "\\r", 2); w->len += 2; break;
        case '\t': memcpy(w->buf + w->len, "\\t", 2); w->len += 2; break;
        default:
            w->len += (size_t)snprintf(w->buf + w->len, 7, "\\u%04X", (unsigned)*p);
            break;
        }
        p++;
    }
    w->buf[w->len++] = '"';
}

int srp_jw_finish(srp_jw *w)
{
    put(w, "}", 1);
    return w->bad ? -1 : 0;
}

void srp_jw_free(srp_jw *w)
{
    if (w->buf != w->small)
        free(w->buf);
    w->buf = w->small;
    w->len = 0;
}
