/*
 * srs_charset.c - the text of an inbound SMS as UTF-8; the GSM 03.38 test
 *
 * Kannel passes 7-bit text on as UTF-8 (its internal encoding since 1.4.2:
 * gw/urltrans.c answers %C with "UTF-8" for it), UCS-2 as raw UTF-16BE
 * bytes unless smsbox has mo-recode = true, and 8-bit as it came.
 * smstools3 writes ISO-8859-15, UTF-16BE or UTF-8 by its Alphabet header.
 * UTF-16 is decoded here (surrogate pairs included: phones send emoji as
 * UCS-2 that is really UTF-16); other charsets go through iconv(3).
 */
#include "build-config.h"

#include "srs.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

/* put_cp - append the UTF-8 of cp */
static size_t put_cp(char *out, int32_t cp)
{
    return (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out);
}

#define REPLACEMENT 0xfffd

/*
 * utf16 - decode UTF-16 (big endian unless a BOM says otherwise).  A lone
 * surrogate (the half of an emoji that a concatenated SMS split off into
 * another part) and a trailing odd byte become U+FFFD: the rest of the
 * customer's text is worth more than a refusal.
 */
static int utf16(const unsigned char *b, size_t len, int little, char **out, size_t *outlen,
                 const char **repaired, sr_error *err)
{
    size_t i = 0, o = 0, even = len - len % 2;
    char *p;

    if (len >= 2 && ((b[0] == 0xfe && b[1] == 0xff) || (b[0] == 0xff && b[1] == 0xfe))) {
        little = b[0] == 0xff;
        i = 2;
    }
    /* each 2-byte unit gives at most 3 bytes of UTF-8 (a pair gives 4 for
     * 4, U+FFFD 3 for 2), an odd byte at the end 3 */
    p = malloc(len / 2 * 3 + 3 + 1);
    if (p == NULL)
        return srs_fail(err, SR_ENOMEM, "charset", "out of memory");
    while (i < even) {
        uint32_t u = little ? (uint32_t)b[i] | (uint32_t)b[i + 1] << 8
                            : (uint32_t)b[i] << 8 | b[i + 1];
        i += 2;
        if (u >= 0xd800 && u <= 0xdbff) {
            uint32_t l = 0;
            if (i + 2 <= even)
                l = little ? (uint32_t)b[i] | (uint32_t)b[i + 1] << 8
                           : (uint32_t)b[i] << 8 | b[i + 1];
            if (l >= 0xdc00 && l <= 0xdfff) {
                i += 2;
                u = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
            } else {   /* the next unit is read again on its own */
                u = REPLACEMENT;
                if (repaired)
                    *repaired = "a lone UTF-16 surrogate";
            }
        } else if (u >= 0xdc00 && u <= 0xdfff) {
            u = REPLACEMENT;
            if (repaired)
                *repaired = "a lone UTF-16 surrogate";
        }
        o += put_cp(p + o, (int32_t)u);
    }
    if (even < len) {
        o += put_cp(p + o, REPLACEMENT);
        if (repaired)
            *repaired = "UTF-16 with an odd number of bytes";
    }
    p[o] = '\0';
    *out = p;
    *outlen = o;
    return SR_OK;
}

static int valid_utf8(const char *buf, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)buf;
    utf8proc_ssize_t left = (utf8proc_ssize_t)len;

    while (left > 0) {
        int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        if (k < 0)
            return 0;
        p += k;
        left -= k;
    }
    return 1;
}

/* copy_as_is - a NUL-terminated copy */
static int copy_as_is(const char *buf, size_t len, char **out, size_t *outlen, sr_error *err)
{
    char *p = malloc(len + 1);

    if (p == NULL)
        return srs_fail(err, SR_ENOMEM, "charset", "out of memory");
    memcpy(p, buf, len);
    p[len] = '\0';
    *out = p;
    *outlen = len;
    return SR_OK;
}

/* latin1 - ISO-8859-1 is the first 256 code points: no table needed */
static int latin1(const char *buf, size_t len, char **out, size_t *outlen, sr_error *err)
{
    char *p = malloc(len * 2 + 1);
    size_t o = 0;

    if (p == NULL)
        return srs_fail(err, SR_ENOMEM, "charset", "out of memory");
    for (size_t i = 0; i < len; i++)
        o += put_cp(p + o, (unsigned char)buf[i]);
    p[o] = '\0';
    *out = p;
    *outlen = o;
    return SR_OK;
}

/*
 * with_iconv - any other charset iconv knows.  A byte the charset does not
 * have, or a character cut off at the end, becomes U+FFFD and decoding
 * goes on after it; a charset iconv does not know is read as UTF-8 when
 * the bytes are valid UTF-8, else as ISO-8859-1.  Never refuses the text.
 */
static int with_iconv(const char *buf, size_t len, const char *charset, char **out,
                      size_t *outlen, const char **repaired, sr_error *err)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    size_t cap = len * 4 + 8, inleft = len, outleft;
    char *p, *in = (char *)buf, *o;
    int flushed = 0;

    if (cd == (iconv_t)-1) {
        if (repaired)
            *repaired = "an unknown charset";
        if (valid_utf8(buf, len))
            return copy_as_is(buf, len, out, outlen, err);
        return latin1(buf, len, out, outlen, err);
    }
    p = malloc(cap);
    if (p == NULL) {
        iconv_close(cd);
        return srs_fail(err, SR_ENOMEM, "charset", "out of memory");
    }
    o = p;
    outleft = cap - 1;   /* one byte kept for the NUL */
    while (!flushed) {
        int flushing = inleft == 0;   /* all read: flush the shift state */
        size_t r = flushing ? iconv(cd, NULL, NULL, &o, &outleft)
                            : iconv(cd, &in, &inleft, &o, &outleft);
        int e = errno;
        if (r != (size_t)-1) {
            flushed = flushing;
            continue;
        }
        if (e == E2BIG || outleft < 3) {   /* grow (room for U+FFFD too) */
            size_t used = (size_t)(o - p);
            char *q = cap < ((size_t)1 << 28) ? realloc(p, cap * 2) : NULL;
            if (q == NULL) {
                iconv_close(cd);
                free(p);
                return srs_fail(err, SR_ENOMEM, "charset", "out of memory");
            }
            p = q;
            o = p + used;
            outleft += cap;
            cap *= 2;
            continue;
        }
        /* EILSEQ: a byte the charset does not have; EINVAL: a character
         * cut off at the end */
        if (repaired)
            *repaired = "bytes invalid in the charset";
        memcpy(o, "\xef\xbf\xbd", 3);
        o += 3;
        outleft -= 3;
        iconv(cd, NULL, NULL, NULL, NULL);   /* back to the initial state */
        if (flushing)
            flushed = 1;
        else if (e == EILSEQ) {
            in++;                            /* skip the bad byte, go on */
            inleft--;
        } else {
            inleft = 0;
        }
    }
    iconv_close(cd);
    *o = '\0';
    *out = p;
    *outlen = (size_t)(o - p);
    return SR_OK;
}

int srs_to_utf8(const char *buf, size_t len, const char *charset, int coding, char **out,
                size_t *outlen, const char **repaired, sr_error *err)
{
    const char *cs = charset ? charset : "";

    if (repaired)
        *repaired = NULL;
    *out = NULL;
    *outlen = 0;
    if (*cs == '\0' && coding == 2)
        cs = "UTF-16BE";
    if (*cs == '\0' || strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0 ||
        strcasecmp(cs, "GSM") == 0 || strcasecmp(cs, "US-ASCII") == 0 ||
        strcasecmp(cs, "ASCII") == 0) {
        if (coding == 2 && *cs == '\0')
            return utf16((const unsigned char *)buf, len, 0, out, outlen, repaired, err);
        return copy_as_is(buf, len, out, outlen, err);
    }
    if (strcasecmp(cs, "UTF-16BE") == 0 || strcasecmp(cs, "UCS-2") == 0 ||
        strcasecmp(cs, "UCS2") == 0 || strcasecmp(cs, "UCS-2BE") == 0 ||
        strcasecmp(cs, "UTF-16") == 0 || strcasecmp(cs, "UNICODE") == 0)
        return utf16((const unsigned char *)buf, len, 0, out, outlen, repaired, err);
    if (strcasecmp(cs, "UTF-16LE") == 0 || strcasecmp(cs, "UCS-2LE") == 0)
        return utf16((const unsigned char *)buf, len, 1, out, outlen, repaired, err);
    if (strcasecmp(cs, "8-BIT") == 0 || strcasecmp(cs, "BINARY") == 0) {
        if (valid_utf8(buf, len))
            return copy_as_is(buf, len, out, outlen, err);
        return latin1(buf, len, out, outlen, err);
    }
    if (strcasecmp(cs, "ISO-8859-1") == 0 || strcasecmp(cs, "LATIN1") == 0)
        return latin1(buf, len, out, outlen, err);
    return with_iconv(buf, len, cs, out, outlen, repaired, err);
}

/* GSM 03.38: the default alphabet and the extension table, as code points
 * outside printable ASCII (ASCII is all in, except '`') */
static const int32_t gsm_extra[] = {
    0x00a3, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, 0x00f2, 0x00c7, 0x00d8, 0x00f8, 0x00c5,
    0x00e5, 0x0394, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e,
    0x00c6, 0x00e6, 0x00df, 0x00c9, 0x00a4, 0x00a1, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
    0x00bf, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0, 0x20ac, 0x000c};

int srs_gsm7_ok(const char *utf8, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)utf8;
    utf8proc_ssize_t left = (utf8proc_ssize_t)len;

    while (left > 0) {
        int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        int ok = 0;
        if (k < 0)
            return 0;
        p += k;
        left -= k;
        if ((cp >= 0x20 && cp < 0x7f && cp != '`') || cp == '\n' || cp == '\r')
            continue;
        for (size_t i = 0; i < sizeof(gsm_extra) / sizeof(gsm_extra[0]); i++)
            if (gsm_extra[i] == cp)
                ok = 1;
        if (!ok)
            return 0;
    }
    return 1;
}
