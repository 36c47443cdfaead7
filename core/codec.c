/*
 * codec.c - base64, hex and constant-time comparison (codec.h)
 */
#include "build-config.h"

#include "codec.h"

#include <stdint.h>
#include <string.h>

/* srp_base64_encode - RFC 4648 base64 with padding */
void srp_base64_encode(const void *buf, size_t len, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = buf;
    size_t o = 0, i;

    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

/* srp_base64_decode - lenient about padding, strict about the alphabet */
int srp_base64_decode(const char *in, size_t len, void *out, size_t size, size_t *outlen)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char *p = out;
    unsigned acc = 0;
    size_t o = 0;
    int bits = 0;

    *outlen = 0;
    for (size_t i = 0; i < len && in[i] != '='; i++) {
        const char *c = in[i] ? strchr(tab, in[i]) : NULL;
        if (c == NULL)
            return 0;
        acc = acc << 6 | (unsigned)(c - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= size)
                return 0;
            p[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    *outlen = o;
    return 1;
}

/* srp_hex - lower-case hex */
void srp_hex(const unsigned char *buf, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * len] = '\0';
}

/* srp_ct_equal - constant-time comparison (only the lengths leak) */
int srp_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *x = a, *y = b;
    unsigned char d = alen != blen;
    size_t n = alen < blen ? alen : blen;

    for (size_t i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}
