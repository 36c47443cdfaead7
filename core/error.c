/*
 * error.c - error codes, their texts, and filling an sr_error
 */
#include "build-config.h"

#include "internal.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

/* sr_strerror - constant text for an SR_E* code */
const char *sr_strerror(int code)
{
    switch (code) {
    case SR_OK: return "success";
    case SR_EINVAL: return "invalid argument";
    case SR_ENOMEM: return "out of memory";
    case SR_ECONFIG: return "configuration error";
    case SR_EIO: return "input/output error";
    case SR_ETEMP: return "temporary failure";
    case SR_ENOTFOUND: return "not found";
    case SR_EEXIST: return "already exists";
    case SR_ESTORE: return "store error";
    case SR_EHTTP: return "HTTP error";
    case SR_EUNSUPP: return "not supported";
    case SR_ELIMIT: return "limit reached";
    case SR_EFORMAT: return "malformed data";
    default: return "unknown error";
    }
}

/* sr_version - the library version */
const char *sr_version(void)
{
    return SR_VERSION_STRING;
}

/* srp_error - fill err and return code */
int srp_error(sr_error *err, int code, int sys, const char *where, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;

        err->code = code;
        err->sys = sys;
        srp_strlcpy(err->where, where ? where : "", sizeof(err->where));
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* srp_strlcpy - bounded copy, always terminated; a cut falls between
 * UTF-8 characters, never inside one (the fields it fills end up in JSON,
 * which refuses a broken character) */
size_t srp_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);

    if (size > 0) {
        size_t c = n < size - 1 ? n : srp_cut_utf8(src, size - 1);
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

/* utf8_seq_len - length of a valid UTF-8 sequence at s, or 0 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];

    if (c >= 0xc2 && c <= 0xdf && n >= 2 && (s[1] & 0xc0) == 0x80)
        return 2;
    if (c >= 0xe0 && c <= 0xef && n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        if (c == 0xe0 && s[1] < 0xa0)
            return 0;
        if (c == 0xed && s[1] >= 0xa0)
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4 && n >= 4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
        (s[3] & 0xc0) == 0x80) {
        if (c == 0xf0 && s[1] < 0x90)
            return 0;
        if (c == 0xf4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

/* srp_escape - make untrusted bytes safe for one log line */
char *srp_escape(char *dst, size_t size, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0, i = 0;

    if (size == 0)
        return dst;
    while (i < len) {
        size_t need, k;

        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
            need = 1;
            k = 1;
        } else if (s[i] >= 0x80 && (k = utf8_seq_len(s + i, len - i)) > 0) {
            need = k;
        } else {
            need = 4;
            k = 1;
        }
        if (o + need + 4 > size) {
            if (o + 4 <= size) {
                memcpy(dst + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (need == 4 && k == 1) {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[s[i] >> 4];
            dst[o++] = hex[s[i] & 15];
        } else {
            memcpy(dst + o, s + i, k);
            o += k;
        }
        i += k;
    }
    dst[o] = '\0';
    return dst;
}
