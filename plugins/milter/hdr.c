/*
 * hdr.c - header names and values the milter writes
 *
 * RFC 5322 header values must not contain CR or LF (that would start a new
 * header or end the block) and ours are plain ASCII.  Every value is built
 * from fixed sets (label, flag names), numbers, or tokens filtered here.
 */
#include "build-config.h"

#include "srm.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int srm_is_sentiment_header(const char *name)
{
    return name != NULL && strncasecmp(name, "X-Sentiment", 11) == 0;
}

/* srm_token - see srm.h */
char *srm_token(char *dst, size_t size, const char *src)
{
    size_t o = 0;

    if (size == 0)
        return dst;
    for (; src && *src && o + 1 < size; src++) {
        unsigned char c = (unsigned char)*src;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '+' || c == '-';
        dst[o++] = ok ? (char)c : '_';
    }
    dst[o] = '\0';
    if (o == 0)
        snprintf(dst, size, "none");
    return dst;
}

/* lang_token - two or three lower-case letters, else "und" */
static const char *lang_token(const char *lang)
{
    size_t n = strnlen(lang, 4);

    if (n < 2 || n > 3)
        return "und";
    for (size_t i = 0; i < n; i++)
        if (lang[i] < 'a' || lang[i] > 'z')
            return "und";
    return lang;
}

/* srm_header_score - see srm.h */
float srm_header_score(float score)
{
    if (!(score >= 0.0f))   /* NaN too */
        return 0.0f;
    return score > 10.0f ? 10.0f : score;
}

/* srm_format_sentiment - see srm.h */
char *srm_format_sentiment(const sr_sentiment *s, char *dst, size_t size)
{
    char flags[256], lang[4], label[32];
    float score = srm_header_score(s->score);

    memcpy(lang, s->lang, sizeof(lang));
    lang[3] = '\0';
    /* flag names are [a-z_], comma-separated: keep only those bytes */
    {
        char raw[256];
        size_t o = 0;
        sr_flags_format(s->flags & SR_FLAG_ALL, raw, sizeof(raw));
        for (size_t i = 0; raw[i] && o + 1 < sizeof(flags); i++) {
            char c = raw[i];
            if ((c >= 'a' && c <= 'z') || c == '_' || c == ',')
                flags[o++] = c;
        }
        flags[o] = '\0';
        if (o == 0)
            snprintf(flags, sizeof(flags), "none");
    }
    srm_token(label, sizeof(label), sr_label_name(s->label));
    snprintf(dst, size, "score=%.1f; label=%s; lang=%s; flags=%s", (double)score, label,
             lang_token(lang), flags);
    return dst;
}

/* srm_safe_addr - see srm.h: the rule the configuration checked */
int srm_safe_addr(const char *addr)
{
    return sr_route_addr_ok(addr);
}
