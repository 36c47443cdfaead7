/*
 * text.c - UTF-8 repair, folding and the streaming tokenizer
 *
 * The tokenizer splits on white space into chunks, then splits each chunk
 * into words, emoji, emoticons and punctuation.  It keeps what carries
 * sentiment: ALLCAPS, "!!!", "???", emoticons like ":-(" and "<3", emoji,
 * elongated words ("sooo"), hashtags.  URLs and @mentions are skipped.
 * Everything is bounded by the input: one pass, no allocation.
 */
#include "build-config.h"

#include "text.h"

#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static const char *const lang_codes[SRP_NLANG] = {"xx", "en", "de", "fr", "es", "pl"};

/* srp_lang_code - code for a language slot */
const char *srp_lang_code(int slot)
{
    if (slot < 0 || slot >= SRP_NLANG)
        return "und";
    return lang_codes[slot];
}

/* srp_lang_slot - slot for a code, or -1 */
int srp_lang_slot(const char *code)
{
    if (code == NULL)
        return -1;
    for (int i = 1; i < SRP_NLANG; i++)
        if (strcmp(code, lang_codes[i]) == 0)
            return i;
    return -1;
}

/* srp_utf8_decode - one code point; 0xFFFD and one byte on error */
uint32_t srp_utf8_decode(const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *s = *pp;
    size_t n = (size_t)(end - s);
    uint32_t c = s[0];

    if (c < 0x80) {
        *pp = s + 1;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        if (n >= 2 && (s[1] & 0xc0) == 0x80) {
            *pp = s + 2;
            return ((c & 0x1f) << 6) | (s[1] & 0x3f);
        }
    } else if (c >= 0xe0 && c <= 0xef) {
        if (n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
            !(c == 0xe0 && s[1] < 0xa0) && !(c == 0xed && s[1] >= 0xa0)) {
            *pp = s + 3;
            return ((c & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
        }
    } else if (c >= 0xf0 && c <= 0xf4) {
        if (n >= 4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 &&
            !(c == 0xf0 && s[1] < 0x90) && !(c == 0xf4 && s[1] >= 0x90)) {
            *pp = s + 4;
            return ((c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
                   ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
        }
    }
    *pp = s + 1;
    return 0xfffd;
}

/* srp_utf8_encode - cp as UTF-8 */
size_t srp_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* srp_utf8_valid - whole buffer valid? */
int srp_utf8_valid(const char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf, *end = p + len;

    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        const unsigned char *q = p;
        if (srp_utf8_decode(&q, end) == 0xfffd && !(q - p == 3 && p[0] == 0xef && p[1] == 0xbf &&
                                                    p[2] == 0xbd))
            return 0;
        p = q;
    }
    return 1;
}

/* srp_cut_utf8 - largest prefix length ending on a character boundary */
size_t srp_cut_utf8(const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t n = len;
    size_t back = 0;

    /* step back over continuation bytes, at most 3 */
    while (n > 0 && back < 3 && (s[n - 1] & 0xc0) == 0x80) {
        n--;
        back++;
    }
    if (n == 0)
        return len;
    /* s[n-1] is a lead byte or ASCII: does its sequence fit? */
    unsigned char c = s[n - 1];
    size_t need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (need == back + 1)
        return len;
    return back == 0 && need == 1 ? len : n - 1;
}

/* srp_utf8_repair - valid, NUL-free, capped copy */
int srp_utf8_repair(const char *in, size_t len, size_t cap, char **out, size_t *outlen,
                    int *repaired, int *truncated)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len;
    size_t room = len > SIZE_MAX / 3 - 1 ? SIZE_MAX / 3 - 1 : len;
    size_t o = 0;
    int rep = 0, trunc = 0;
    char *buf;

    if (cap > 0 && room > cap)
        room = cap;
    /* every invalid byte can grow to 3; allocate for the worst case of the
     * bytes we may read, but never more than cap + 4 */
    size_t alloc = cap > 0 ? cap + 4 : room * 3 + 4;
    if (cap == 0 && len > (SIZE_MAX - 4) / 3)
        return SR_ENOMEM;
    buf = malloc(alloc);
    if (buf == NULL)
        return SR_ENOMEM;
    while (p < end) {
        const unsigned char *q = p;

        /* a run of ASCII without NUL is copied as it is */
        if ((unsigned)(*p - 1) < 0x7fu) {
            size_t k;
            while (q < end && (unsigned)(*q - 1) < 0x7fu)
                q++;
            k = (size_t)(q - p);
            if (cap > 0 && o + k > cap) {
                memcpy(buf + o, p, cap - o);
                o = cap;
                trunc = 1;
                break;
            }
            memcpy(buf + o, p, k);
            o += k;
            p = q;
            continue;
        }
        uint32_t cp = srp_utf8_decode(&q, end);
        char tmp[4];
        size_t k;

        if (cp == 0xfffd && !(q - p == 3)) {
            rep = 1;
            k = srp_utf8_encode(0xfffd, tmp);
        } else if (cp == 0) {
            tmp[0] = ' ';
            k = 1;
        } else {
            k = (size_t)(q - p);
            memcpy(tmp, p, k);
        }
        if (cap > 0 && o + k > cap) {
            trunc = 1;
            break;
        }
        memcpy(buf + o, tmp, k);
        o += k;
        p = q;
    }
    buf[o] = '\0';
    *out = buf;
    if (outlen)
        *outlen = o;
    if (repaired)
        *repaired = rep;
    if (truncated)
        *truncated = trunc;
    return SR_OK;
}

/* srp_is_emoji - emoji base code points (pictographs, dingbats, symbols) */
int srp_is_emoji(uint32_t cp)
{
    if (cp < 0x2300)
        return 0;
    if (cp >= 0x1f300 && cp <= 0x1f5ff)
        return 1;
    if (cp >= 0x1f600 && cp <= 0x1f64f)
        return 1;
    if (cp >= 0x1f680 && cp <= 0x1f6ff)
        return 1;
    if (cp >= 0x1f900 && cp <= 0x1faff)
        return 1;
    if (cp >= 0x2600 && cp <= 0x27bf)
        return 1;
    if (cp >= 0x2b00 && cp <= 0x2bff)
        return 1;
    if (cp >= 0x1f000 && cp <= 0x1f2ff)
        return 1;
    return cp >= 0x2300 && cp <= 0x23ff;
}

/* emoji_modifier - code points that decorate the emoji before them */
static int emoji_modifier(uint32_t cp)
{
    return cp == 0xfe0f || cp == 0xfe0e || (cp >= 0x1f3fb && cp <= 0x1f3ff) || cp == 0x20e3 ||
           (cp >= 0xe0020 && cp <= 0xe007f);
}

/* unicode_space - white space beyond ASCII */
static int unicode_space(uint32_t cp)
{
    return cp == 0x00a0 || cp == 0x0085 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
           cp == 0xfeff;
}

/* ASCII classes, one table load per byte on the hot path */
enum { C_SPACE = 1, C_DIGIT = 2, C_LOWER = 4, C_UPPER = 8 };
#define R10(x) x, x, x, x, x, x, x, x, x, x
#define R26(x) R10(x), R10(x), x, x, x, x, x, x
static const unsigned char cclass[256] = {
    C_SPACE, 0, 0, 0, 0, 0, 0, 0, 0, C_SPACE, C_SPACE, C_SPACE, C_SPACE, C_SPACE, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                     /* 0x10 */
    C_SPACE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                               /* 0x20 */
    R10(C_DIGIT), 0, 0, 0, 0, 0, 0,                                                     /* 0x30 */
    0, R26(C_UPPER), 0, 0, 0, 0, 0,                                                     /* 0x40 */
    0, R26(C_LOWER), 0, 0, 0, 0, 0,                                                     /* 0x60 */
};

static inline int ascii_space(unsigned char c)
{
    return cclass[c] & C_SPACE;
}

static inline int ascii_alnum(unsigned char c)
{
    return cclass[c] & (C_DIGIT | C_LOWER | C_UPPER);
}

static inline int ascii_alpha(unsigned char c)
{
    return cclass[c] & (C_LOWER | C_UPPER);
}

static inline int ascii_digit(unsigned char c)
{
    return cclass[c] & C_DIGIT;
}

/* lang_hint - evidence for a language from one lower-case letter; returns
 * the languages hinted (bit per slot) */
static unsigned lang_hint(float *hint, uint32_t cp)
{
    switch (cp) {
    case 0xe4: case 0xf6: case 0xfc: case 0xdf:       /* ä ö ü ß */
        hint[SRP_LANG_DE] += 1.0f;
        return 1u << SRP_LANG_DE;
    case 0x105: case 0x107: case 0x119: case 0x142:   /* ą ć ę ł */
    case 0x144: case 0x15b: case 0x17a: case 0x17c:   /* ń ś ź ż */
        hint[SRP_LANG_PL] += 1.0f;
        return 1u << SRP_LANG_PL;
    case 0xf3:                                        /* ó */
        hint[SRP_LANG_PL] += 0.5f;
        hint[SRP_LANG_ES] += 0.5f;
        return 1u << SRP_LANG_PL | 1u << SRP_LANG_ES;
    case 0xf1: case 0xe1: case 0xed: case 0xfa:       /* ñ á í ú */
        hint[SRP_LANG_ES] += 1.0f;
        return 1u << SRP_LANG_ES;
    case 0xe9:                                        /* é */
        hint[SRP_LANG_FR] += 0.6f;
        hint[SRP_LANG_ES] += 0.4f;
        return 1u << SRP_LANG_FR | 1u << SRP_LANG_ES;
    case 0xe8: case 0xea: case 0xeb: case 0xe0: case 0xe2: case 0xe7:
    case 0xee: case 0xef: case 0xf4: case 0xfb: case 0xf9: case 0x153: case 0xff:
        hint[SRP_LANG_FR] += 1.0f;
        return 1u << SRP_LANG_FR;
    default:
        return 0;
    }
}

/* Code points of two UTF-8 bytes with a lead of 0xc2..0xc9 (U+0080 to
 * U+027F: Latin-1, Latin Extended-A and -B, the letters of de, fr, es, pl)
 * from a table: their class, as utf8proc's category would say, and their
 * lower case, as utf8proc_tolower would.  Built once, on first use. */
enum { LT_STOP = 0, LT_LETTER = 1, LT_MARK = 2, LT_SLOW = 3 };
#define LT_UPPER 0x10u /* tolower changes it */
#define LT_LOWER 0x20u /* tolower keeps it and toupper changes it */
#define LT_FIRST 0x80u
#define LT_END 0x280u
typedef struct latin_cp {
    uint16_t low;
    uint8_t cls;  /* LT_STOP / LT_LETTER / LT_MARK / LT_SLOW (a letter whose
                   * lower case is not two bytes: the general path's), |
                   * LT_UPPER / LT_LOWER */
    uint8_t pad;
} latin_cp;
static latin_cp latin[LT_END - LT_FIRST];
static pthread_once_t latin_once = PTHREAD_ONCE_INIT;
static atomic_int latin_ready;   /* set (release) once latin[] is built: the
                                  * tokenizer's start skips pthread_once */

static void latin_init(void)
{
    for (uint32_t cp = LT_FIRST; cp < LT_END; cp++) {
        latin_cp *l = &latin[cp - LT_FIRST];
        int cat = utf8proc_get_property((utf8proc_int32_t)cp)->category;
        uint32_t low = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);

        if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
            cat == UTF8PROC_CATEGORY_ME)
            l->cls = LT_MARK;
        else if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                 cat == UTF8PROC_CATEGORY_ND)
            l->cls = LT_LETTER;
        else
            l->cls = LT_STOP;
        /* U+023A and U+023E lower-case to U+2C65 and U+2C66 (three
         * bytes): the fast path writes two-byte letters only */
        if (l->cls == LT_LETTER && low >= 0x800)
            l->cls = LT_SLOW;
        l->low = (uint16_t)low;
        if (low != cp)
            l->cls |= LT_UPPER;
        else if ((uint32_t)utf8proc_toupper((utf8proc_int32_t)cp) != cp)
            l->cls |= LT_LOWER;
    }
    atomic_store_explicit(&latin_ready, 1, memory_order_release);
}

/* latin_at - the table entry for the character at p (two bytes readable
 * before end), or NULL when it is not one of those code points */
static inline const latin_cp *latin_at(const unsigned char *p, const unsigned char *end)
{
    if (p[0] < 0xc2 || p[0] > 0xc9 || end - p < 2 || (p[1] & 0xc0) != 0x80)
        return NULL;
    return &latin[((uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)) - LT_FIRST];
}

/* srp_fold - NFC + lower case into key; -1 when too long */
int srp_fold(const char *buf, size_t len, char *key)
{
    const unsigned char *p = (const unsigned char *)buf, *end = p + len;
    utf8proc_int32_t cps[SRP_KEY_MAX];
    utf8proc_ssize_t n;
    size_t o = 0;
    int ascii = 1;

    for (size_t i = 0; i < len; i++)
        if (p[i] >= 0x80) {
            ascii = 0;
            break;
        }
    if (ascii) {
        if (len >= SRP_KEY_MAX)
            return -1;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = p[i];
            key[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        key[len] = '\0';
        return (int)len;
    }
    if (len >= SRP_KEY_MAX * 2)
        return -1;
    /* decompose, then recompose: NFC without allocating */
    n = utf8proc_decompose((const utf8proc_uint8_t *)buf, (utf8proc_ssize_t)len, cps,
                           SRP_KEY_MAX, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0 || n > SRP_KEY_MAX) {
        /* invalid UTF-8 or too long: fold code point by code point */
        while (p < end) {
            uint32_t cp = srp_utf8_decode(&p, end);
            char tmp[4];
            size_t k;

            if (cp == 0xfffd)
                continue;
            k = srp_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), tmp);
            if (o + k >= SRP_KEY_MAX)
                return -1;
            memcpy(key + o, tmp, k);
            o += k;
        }
        key[o] = '\0';
        return (int)o;
    }
    n = utf8proc_normalize_utf32(cps, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return -1;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        char tmp[4];
        size_t k = srp_utf8_encode((uint32_t)utf8proc_tolower(cps[i]), tmp);

        if (o + k >= SRP_KEY_MAX)
            return -1;
        memcpy(key + o, tmp, k);
        o += k;
    }
    key[o] = '\0';
    return (int)o;
}

/* srp_tok_init - start tokenizing buf */
void srp_tok_init(srp_tokenizer *t, const char *buf, size_t len, srp_emoticon_fn is_emoticon,
                  const void *userdata)
{
    const unsigned char *p = (const unsigned char *)buf;

    /* field by field: a memset of the whole is a slower string store */
    t->base = t->p = t->chunk_end = p;
    t->end = p + len;
    t->is_emoticon = is_emoticon;
    t->userdata = userdata;
    t->newlines = t->repaired = t->upper = t->lower = 0;
    for (int i = 0; i < SRP_NLANG; i++)
        t->hint[i] = 0.0f;
    t->in_chunk = t->chunk_start = 0;
    t->emo_first = t->emo_pair = NULL;
    t->general_only = 0;
    t->prefetch_base = NULL;
    t->prefetch_mask = 0;
    if (!atomic_load_explicit(&latin_ready, memory_order_acquire))
        pthread_once(&latin_once, latin_init);
}

/* in_chunk_at - the tokenizer goes on at p inside the chunk that runs to
 * end (the text's end): the next token is no chunk's first */
static inline void in_chunk_at(srp_tokenizer *t, const unsigned char *p,
                               const unsigned char *end)
{
    t->p = p;
    t->chunk_end = end;
    t->in_chunk = 1;
    t->chunk_start = 0;
}

static void tok_reset(srp_token *tok, srp_tok_type type, const unsigned char *start)
{
    tok->type = type;
    tok->flags = 0;
    tok->surface = (const char *)start;
    tok->surface_len = 0;
    tok->key[0] = '\0';
    tok->key_len = 0;
    tok->hash = 0;
    tok->count_excl = 0;
    tok->count_quest = 0;
    tok->hint_mask = 0;
}

/* chunk_find_end - the end of the white-space-delimited chunk at p */
static const unsigned char *chunk_find_end(const unsigned char *p, const unsigned char *end)
{
    while (p < end) {
        unsigned char c = *p;

        if (c < 0x80) {
            if (ascii_space(c))
                return p;
            p++;
            continue;
        }
        const unsigned char *q = p;
        uint32_t cp = srp_utf8_decode(&q, end);
        if (unicode_space(cp))
            return p;
        p = q;
    }
    return p;
}

/* at_space - is there white space at p? */
static int at_space(const unsigned char *p, const unsigned char *end)
{
    if (*p < 0x80)
        return ascii_space(*p);
    if (*p != 0xc2 && *p != 0xe1 && *p != 0xe2 && *p != 0xe3 && *p != 0xef)
        return 0;
    const unsigned char *q = p;
    return unicode_space(srp_utf8_decode(&q, end));
}

/* has_prefix_ci - ASCII case-insensitive prefix test */
static int has_prefix_ci(const unsigned char *p, const unsigned char *end, const char *pre)
{
    size_t n = strlen(pre);

    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c += 32;
        if (c != (unsigned char)pre[i])
            return 0;
    }
    return 1;
}

/* emo_begins - may an emoticon begin at p: its first byte, then its first
 * two (an emoticon has two bytes at least, in its chunk) */
static inline int emo_begins(const srp_tokenizer *t, const unsigned char *p,
                             const unsigned char *end)
{
    unsigned c = *p;
    if (t->emo_first != NULL && !(t->emo_first[c >> 5] >> (c & 31) & 1))
        return 0;
    if (t->emo_pair == NULL)
        return 1;
    if (p + 1 >= end)
        return 0;
    c |= (unsigned)p[1] << 8;
    return t->emo_pair[c >> 5] >> (c & 31) & 1;
}

/* emoticon_len - the length of the white-space-delimited chunk at p when
 * it may be an emoticon (2 to 10 printable ASCII bytes, at most two
 * letters, some punctuation), else 0.  One pass: most chunks are words and
 * fail within a byte or two. */
static size_t emoticon_len(const unsigned char *p, const unsigned char *end)
{
    unsigned letters = 0, punct = 0;
    size_t n = 0;

    while (p + n < end) {
        unsigned char c = p[n];
        if (c < 0x80) {
            if (ascii_space(c))
                break;
            if (c < 0x21 || n == 10)   /* a control character, or too long */
                return 0;
            if (ascii_alpha(c)) {
                if (++letters > 2)
                    return 0;
            } else if (!(c >= '0' && c <= '9')) {
                punct++;
            }
            n++;
            continue;
        }
        /* non-ASCII: a Unicode space ends the chunk, anything else is no
         * emoticon */
        if (c == 0xc2 || c == 0xe2 || c == 0xe3 || c == 0xef) {
            const unsigned char *q = p + n;
            if (unicode_space(srp_utf8_decode(&q, end)))
                break;
        }
        return 0;
    }
    return n >= 2 && punct >= 1 ? n : 0;
}

/* rating2 - "10/10", "10/5": two digits and a slash, a mark out of a
 * scale, kept whole like an emoticon */
static inline int rating2(const unsigned char *p, const unsigned char *end)
{
    return p + 2 < end && ascii_digit(p[0]) && ascii_digit(p[1]) && p[2] == '/';
}

/* emoticon_shape - the length of the chunk at p when it has the shape of
 * an emoticon, else 0: two letters or digits in a row are a word, but for
 * "xD" and "XD" and a mark "10/10" (a fast reject), then emoticon_len */
static size_t emoticon_shape(const unsigned char *p, const unsigned char *end)
{
    if (p + 1 < end && ascii_alnum(p[0]) && ascii_alnum(p[1]) &&
        !((p[0] | 0x20) == 'x' && (p[1] == 'D' || p[1] == 'd' || p[1] == 'P')) &&
        !rating2(p, end))
        return 0;
    return emoticon_len(p, end);
}

/* try_emoticon - ":-(", "<3", ":D" as one token when the lexicon knows it;
 * the rest of the chunk from t->p must be the emoticon; attached: t->p
 * follows other text of its chunk ("gut:)") */
static int try_emoticon(srp_tokenizer *t, srp_token *tok, int attached)
{
    size_t n;

    if (t->is_emoticon == NULL)
        return 0;
    /* "(ab Montag):", "(inkl. MwSt.):", "(+88%)": a bracket that closes, or
     * a percent sign, right after other text is punctuation, not the faces
     * "):" and "%)" */
    if (attached && (t->p[0] == ')' || t->p[0] == ']' || t->p[0] == '}' || t->p[0] == '%'))
        return 0;
    n = emoticon_shape(t->p, t->end);
    if (n == 0)
        return 0;
    /* "8)" alone is the eighth item of a list, "(8" the start of "(8 Uhr)",
     * more often than faces */
    if (n == 2 && ((ascii_digit(t->p[0]) && (t->p[1] == ')' || t->p[1] == ']')) ||
                   ((t->p[0] == '(' || t->p[0] == '[') && ascii_digit(t->p[1]))))
        return 0;
    if (!t->is_emoticon(t->userdata, (const char *)t->p, n)) {
        /* "Solid 8/10.", "5/5!!", "so happy :)." - the chunk ends in
         * sentence marks that are no part of the emoticon; they stay
         * punctuation */
        size_t k = n;
        while (k > 2 && strchr(".,!?;:", t->p[k - 1]) != NULL)
            k--;
        if (k == n || !t->is_emoticon(t->userdata, (const char *)t->p, k))
            return 0;
        n = k;
    }
    tok_reset(tok, SRP_TOK_EMOTICON, t->p);
    tok->surface_len = n;
    memcpy(tok->key, t->p, n);
    tok->key[n] = '\0';
    tok->key_len = (unsigned)n;
    tok->hash = srp_hash(tok->key, n);
    t->p += n;
    return 1;
}

/* emoji_token - the emoji at start (its code point ends at q) as one
 * token, with the skin tones, variation selectors and ZWJ sequences after
 * it in its chunk */
static void emoji_token(srp_tokenizer *t, srp_token *tok, const unsigned char *start,
                        const unsigned char *q)
{
    size_t k = (size_t)(q - start);

    tok_reset(tok, SRP_TOK_EMOJI, start);
    memcpy(tok->key, start, k);
    tok->key[k] = '\0';
    tok->key_len = (unsigned)k;
    tok->hash = srp_hash(tok->key, k);
    t->p = q;
    while (t->p < t->chunk_end) {
        const unsigned char *r = t->p;
        uint32_t m = srp_utf8_decode(&r, t->chunk_end);
        if (emoji_modifier(m)) {
            t->p = r;
        } else if (m == 0x200d && r < t->chunk_end) {
            srp_utf8_decode(&r, t->chunk_end);
            t->p = r;
        } else {
            break;
        }
    }
    tok->surface_len = (size_t)(t->p - start);
}

#if defined(__SSE2__)
/* bits16 - the set bits of a 16-bit mask (no POPCNT in baseline x86-64) */
static unsigned bits16(unsigned m)
{
    static const unsigned char pc[256] = {
#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
        B6(0), B6(1), B6(1), B6(2)
#undef B2
#undef B4
#undef B6
    };
    return pc[m & 0xff] + pc[(m >> 8) & 0xff];
}

/* ascii_head - the ASCII letters and digits at p (16 bytes readable), up to
 * 16 of them: written lower-cased to key (16 bytes of room; bytes past the
 * count are garbage the caller overwrites or ignores), upper- and lower-case
 * letters counted; returns how many.  Signed compares leave bytes >= 0x80
 * out of every class. */
static unsigned ascii_head(const unsigned char *p, char *key, unsigned *upper, unsigned *lower)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                     _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
    const __m128i lo = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
                                     _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)));
    const __m128i dg = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                     _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(up, lo), dg));
    unsigned n = (unsigned)__builtin_ctz(~m);   /* m has 16 bits: n <= 16 */
    unsigned keep = (1u << n) - 1;

    _mm_storeu_si128((__m128i *)(void *)key,
                     _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20))));
    *upper = bits16((unsigned)_mm_movemask_epi8(up) & keep);
    *lower = bits16((unsigned)_mm_movemask_epi8(lo) & keep);
    return n;
}

/* ascii_runs - over key[0..n) (n >= 1, 16 bytes readable): whether a
 * character repeats 3+ times in a row, and the length of the last run */
static int ascii_runs(const char *key, unsigned n, unsigned *last)
{
    const __m128i k = _mm_loadu_si128((const __m128i *)(const void *)key);
    /* bit i: key[i] == key[i + 1], for i + 1 < n */
    unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(k, _mm_srli_si128(k, 1))) &
                  ((1u << (n - 1)) - 1);
    unsigned ne = ~eq & ((1u << (n - 1)) - 1);

    *last = ne == 0 ? n : n - 1 - (31 - (unsigned)__builtin_clz(ne));
    return (eq & (eq >> 1)) != 0;
}
#endif

/* run_step - one more character c of a word: 1 when it makes a run of
 * three equal characters (an elongation, "sooo") */
static inline int run_step(uint32_t c, uint32_t *prev, unsigned *run)
{
    if (c == *prev)
        return ++*run == 3;
    *run = 1;
    *prev = c;
    return 0;
}

/* scan_word - a word starting at t->p; French/English elisions split off */
static void scan_word(srp_tokenizer *t, srp_token *tok, int hashtag)
{
    const unsigned char *start = t->p, *p = t->p, *end = t->chunk_end;
    unsigned letters = 0, upper = 0, lower = 0, digits = 0;
    unsigned run = 0;
    uint32_t prev = 0;
    size_t o = 0;
    int need_nfc = 0, too_long = 0, elision = 0;

    tok_reset(tok, SRP_TOK_WORD, start);
#if defined(__SSE2__)
    /* most words are ASCII: their head 16 bytes at a time, the rest (and
     * the byte that ends the word) below, with the same state */
    if (p < end) {
        unsigned n;
        if (end - p >= 16) {
            n = ascii_head(p, tok->key, &upper, &lower);
        } else {   /* near the end: a zero-padded copy (0 is no letter) */
            unsigned char tail[16] = {0};
            memcpy(tail, p, (size_t)(end - p));
            n = ascii_head(tail, tok->key, &upper, &lower);
        }
        if (n > 0) {
            if (ascii_runs(tok->key, n, &run))
                tok->flags |= SRP_TF_ELONGATED;
            prev = (unsigned char)tok->key[n - 1];
            letters = upper + lower;
            o = n;
            p += n;
        }
    }
#endif
    while (p < end) {
        unsigned char c = *p;
        uint32_t cp, low;
        const unsigned char *q = p;
        char tmp[4];
        size_t k;

        unsigned cc = cclass[c];
        if (cc & (C_DIGIT | C_LOWER | C_UPPER)) {
            /* fast path: ASCII letters and digits */
            unsigned char lc = (unsigned char)(c | ((cc & C_UPPER) ? 0x20 : 0));
            digits += (cc & C_DIGIT) != 0;
            letters += (cc & (C_LOWER | C_UPPER)) != 0;
            upper += (cc & C_UPPER) != 0;
            lower += (cc & C_LOWER) != 0;
            if (run_step(lc, &prev, &run))
                tok->flags |= SRP_TF_ELONGATED;
            if (o + 1 < SRP_KEY_MAX)
                tok->key[o++] = (char)lc;
            else
                too_long = 1;
            p++;
            continue;
        }
        if (c < 0x80) {
            if (ascii_alnum(c)) {
                cp = c;
                q = p + 1;
            } else if (c == '\'' && letters > 0 && q + 1 < end && ascii_alpha(q[1])) {
                cp = '\'';
                q = p + 1;
            } else {
                break;
            }
        } else {
            cp = srp_utf8_decode(&q, end);
            if (cp == 0x2019 && letters > 0 && q < end && (ascii_alpha(*q) || *q >= 0x80)) {
                cp = '\'';
            } else {
                const utf8proc_property_t *pr = utf8proc_get_property((utf8proc_int32_t)cp);
                int cat = pr->category;
                if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
                    cat == UTF8PROC_CATEGORY_ME) {
                    if (letters == 0)
                        break;
                    need_nfc = 1;
                } else if (!(cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) &&
                           cat != UTF8PROC_CATEGORY_ND) {
                    break;
                }
            }
        }
        if (cp == '\'') {
            tok->flags |= SRP_TF_APOS;
            /* l'avion, n'est, qu'il, j'ai: the elided article/negator is a
             * token of its own */
            if (letters <= 2 || (o == 2 && memcmp(tok->key, "qu", 2) == 0) ||
                (o == 5 && memcmp(tok->key, "jusqu", 5) == 0) ||
                (o == 6 && (memcmp(tok->key, "lorsqu", 6) == 0 ||
                            memcmp(tok->key, "puisqu", 6) == 0))) {
                p = q;
                if (o + 1 < SRP_KEY_MAX)
                    tok->key[o++] = '\'';
                elision = 1;
                break;
            }
        }
        if (cp >= '0' && cp <= '9')
            digits++;
        else if (cp != '\'')
            letters++;
        if (cp < 0x80) {
            low = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
            if (low != cp)
                upper++;
            else if (cp >= 'a' && cp <= 'z')
                lower++;
        } else {
            low = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
            if (low != cp)
                upper++;
            else if ((uint32_t)utf8proc_toupper((utf8proc_int32_t)cp) != cp)
                lower++;
            tok->hint_mask |= lang_hint(t->hint, low);
        }
        if (run_step(low, &prev, &run))
            tok->flags |= SRP_TF_ELONGATED;
        k = srp_utf8_encode(low, tmp);
        if (o + k < SRP_KEY_MAX) {
            memcpy(tok->key + o, tmp, k);
            o += k;
        } else {
            too_long = 1;
        }
        p = q;
    }
    tok->surface_len = (size_t)(p - start);
    t->p = p;
    t->upper += upper != 0;
    t->lower += lower != 0;
    if (upper >= 2 && lower == 0)
        tok->flags |= SRP_TF_CAPS;
    if (upper > 0)
        tok->flags |= SRP_TF_UPPER;
    if (hashtag)
        tok->flags |= SRP_TF_HASHTAG;
    if (letters == 0 && !elision)
        tok->type = SRP_TOK_NUMBER;
    if (too_long) {
        tok->flags |= SRP_TF_LONG;
        o = 0;
    } else if (need_nfc) {
        int n = srp_fold(tok->surface, tok->surface_len, tok->key);
        if (n < 0) {
            tok->flags |= SRP_TF_LONG;
            o = 0;
        } else {
            o = (size_t)n;
        }
    }
    tok->key[o] = '\0';
    tok->key_len = (unsigned)o;
    tok->hash = srp_hash_key(tok->key, o);
}

#if defined(__SSE2__)
/* prefetch_slot - start fetching the lexicon slot of a word's hash, which
 * the scorer reads next */
static inline void prefetch_slot(const srp_tokenizer *t, uint32_t hash)
{
    if (t->prefetch_base != NULL)
        __builtin_prefetch((const char *)t->prefetch_base + 4 * (hash & t->prefetch_mask));
}

/* load16 - the 16 bytes at p, zeros for those past the end of the text
 * (0 is no letter): no read outside [t->base, end) */
static inline __m128i load16(const srp_tokenizer *t, const unsigned char *p,
                             const unsigned char *end)
{
    if (end - p >= 16)
        return _mm_loadu_si128((const __m128i *)(const void *)p);
    if (end - t->base >= 16) {
        /* the last 16 bytes of the text, moved down so that p comes first */
        unsigned char tail[32];
        _mm_storeu_si128((__m128i *)(void *)tail,
                         _mm_loadu_si128((const __m128i *)(const void *)(end - 16)));
        _mm_storeu_si128((__m128i *)(void *)(tail + 16), _mm_setzero_si128());
        return _mm_loadu_si128((const __m128i *)(const void *)(tail + 16 - (end - p)));
    }
    unsigned char tail[16] = {0};
    memcpy(tail, p, (size_t)(end - p));
    return _mm_loadu_si128((const __m128i *)(const void *)tail);
}

/* ascii_letters - masks of the ASCII letters (*al, as bytes too: *alv)
 * and of the letters and digits in v: letters are (v | 0x20) in 'a'..'z',
 * digits v in '0'..'9', both as one signed compare after a shift of the
 * range to -128 */
static inline unsigned ascii_letters(__m128i v, __m128i *alv, unsigned *am)
{
    const __m128i lc = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i al = _mm_cmplt_epi8(_mm_add_epi8(lc, _mm_set1_epi8((char)(0x80 - 'a'))),
                                      _mm_set1_epi8((char)(0x80 + 26)));
    const __m128i dg = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0'))),
                                      _mm_set1_epi8((char)(0x80 + 10)));
    *alv = al;
    *am = (unsigned)_mm_movemask_epi8(al);
    return *am | (unsigned)_mm_movemask_epi8(dg);
}

/* apostrophe - an apostrophe inside a word (key[0..*o) so far, a letter
 * follows): "l'", "qu'", "jusqu'" end the word with it (elision), else it
 * is part of the word ("don't", "aujourd'hui"); 1 when the key is full */
static inline __attribute__((always_inline)) int apostrophe(srp_token *tok, unsigned *o,
                                                            unsigned *flags, uint32_t *prev,
                                                            unsigned *run, int *elision)
{
    unsigned letters = 0;

    for (unsigned i = 0; i < *o; i++) {
        unsigned char c = (unsigned char)tok->key[i];
        /* letters: ASCII ones, and the first byte of each other one */
        letters += c >= 0xc0 || (c < 0x80 && ascii_alpha(c));
    }
    if (*o + 1 >= SRP_KEY_MAX)
        return 1;
    *flags |= SRP_TF_APOS;
    if (letters <= 2 || (*o == 2 && memcmp(tok->key, "qu", 2) == 0) ||
        (*o == 5 && memcmp(tok->key, "jusqu", 5) == 0) ||
        (*o == 6 && (memcmp(tok->key, "lorsqu", 6) == 0 || memcmp(tok->key, "puisqu", 6) == 0))) {
        tok->key[(*o)++] = '\'';
        *elision = 1;
        return 0;
    }
    if (run_step('\'', prev, run))
        *flags |= SRP_TF_ELONGATED;
    tok->key[(*o)++] = '\'';
    return 0;
}

/* fast_word_more - go on with a word through ASCII letters and digits and
 * the Latin letters of the table, from p (key[0..o) done, with its counts
 * and the run of its last character); 0 for anything the general path
 * must judge (an elision, a combining mark, other scripts, a key too
 * long), with *t untouched: the letter hints are replayed at the end */
static int fast_word_more(srp_tokenizer *t, srp_token *tok, const unsigned char *start,
                          const unsigned char *p, unsigned o, unsigned upper, unsigned lower,
                          unsigned flags, uint32_t prev, unsigned run)
{
    const unsigned char *end = t->end;
    uint16_t hints[SRP_KEY_MAX];
    unsigned nh = 0, letters = upper + lower;
    int elision = 0;

    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            unsigned cc = cclass[c];
            if (!(cc & (C_DIGIT | C_LOWER | C_UPPER))) {
                if (c == '\'' && letters > 0 && p + 1 < end && ascii_alpha(p[1])) {
                    if (apostrophe(tok, &o, &flags, &prev, &run, &elision))
                        return 0;
                    p++;
                    if (elision)
                        break;
                    continue;
                }
                break;
            }
            if (o + 16 <= SRP_KEY_MAX && p + 2 < end && ascii_alnum(p[1]) &&
                ascii_alnum(p[2])) {
                /* a run of three ASCII letters and digits or more ("Ver|
                 * öffentlichung"), 16 bytes at a time: what run_step would
                 * say of each, at once (shorter runs, "don'|t", are cheaper
                 * byte by byte) */
                __m128i v = load16(t, p, end), al;
                unsigned am, m = ascii_letters(v, &al, &am);
                unsigned n = (unsigned)__builtin_ctz(~m);   /* 1..16 */
                unsigned keep = (1u << n) - 1;
                unsigned b5 = (unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 2));
                unsigned nu = bits16(am & ~b5 & keep), nl = bits16(am & b5 & keep);
                if (o + n >= SRP_KEY_MAX)
                    return 0;
                const __m128i k = _mm_or_si128(v, _mm_and_si128(al, _mm_set1_epi8(0x20)));
                _mm_storeu_si128((__m128i *)(void *)(tok->key + o), k);
                /* bit i of eq: key[o + i] == key[o + i + 1], i + 1 < n */
                unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(k, _mm_srli_si128(k, 1))) &
                              (keep >> 1);
                unsigned ne = ~eq & (keep >> 1);
                int cont = (unsigned char)tok->key[o] == prev;   /* the last run goes on */
                if ((eq & (eq >> 1)) || (cont && run + (unsigned)__builtin_ctz(~eq) + 1 >= 3))
                    flags |= SRP_TF_ELONGATED;
                if (ne != 0)
                    run = n - 1 - (31 - (unsigned)__builtin_clz(ne));
                else
                    run = cont ? run + n : n;
                prev = (unsigned char)tok->key[o + n - 1];
                letters += nu + nl;
                upper += nu;
                lower += nl;
                o += n;
                p += n;
                continue;
            }
            unsigned char lc = (unsigned char)(c | ((cc & C_UPPER) ? 0x20 : 0));
            letters += (cc & (C_LOWER | C_UPPER)) != 0;
            upper += (cc & C_UPPER) != 0;
            lower += (cc & C_LOWER) != 0;
            if (run_step(lc, &prev, &run))
                flags |= SRP_TF_ELONGATED;
            if (o + 1 >= SRP_KEY_MAX)
                return 0;
            tok->key[o++] = (char)lc;
            p++;
            continue;
        }
        if (c == 0xe2 && p + 2 < end && p[1] == 0x80 && p[2] == 0x99) {
            /* U+2019 as an apostrophe: before a letter, after one */
            if (letters == 0 || p + 3 >= end || !(ascii_alpha(p[3]) || p[3] >= 0x80))
                break;
            if (apostrophe(tok, &o, &flags, &prev, &run, &elision))
                return 0;
            p += 3;
            if (elision)
                break;
            continue;
        }
        const latin_cp *lc = latin_at(p, end);
        if (lc == NULL)
            return 0;
        unsigned cls = lc->cls & 0x0f;
        if (cls == LT_STOP)
            break;
        if (cls != LT_LETTER)
            return 0;
        uint32_t low = lc->low;
        letters++;
        if (lc->cls & LT_UPPER)
            upper++;
        else if (lc->cls & LT_LOWER)
            lower++;
        hints[nh++] = (uint16_t)low;
        if (run_step(low, &prev, &run))
            flags |= SRP_TF_ELONGATED;
        if (low < 0x80) {
            if (o + 1 >= SRP_KEY_MAX)
                return 0;
            tok->key[o++] = (char)low;
        } else {
            if (o + 2 >= SRP_KEY_MAX)
                return 0;
            tok->key[o++] = (char)(0xc0 | low >> 6);
            tok->key[o++] = (char)(0x80 | (low & 0x3f));
        }
        p += 2;
    }
    tok->hint_mask = 0;
    for (unsigned i = 0; i < nh; i++)
        tok->hint_mask |= lang_hint(t->hint, hints[i]);
    tok->type = letters || elision ? SRP_TOK_WORD : SRP_TOK_NUMBER;
    tok->flags = flags | (upper >= 2 && lower == 0 ? SRP_TF_CAPS : 0) |
                 (upper ? SRP_TF_UPPER : 0);
    tok->surface = (const char *)start;
    tok->surface_len = (size_t)(p - start);
    tok->key[o] = '\0';
    tok->key_len = o;
    tok->hash = srp_hash_key(tok->key, o);
    prefetch_slot(t, tok->hash);
    tok->count_excl = 0;
    tok->count_quest = 0;
    t->upper += upper != 0;
    t->lower += lower != 0;
    in_chunk_at(t, p, end);
    return 1;
}

/* word_end - what the byte after an ASCII word's letters and digits
 * says: WE_MORE, the word may go on (a letter beyond ASCII, an
 * apostrophe); WE_URL, "http:", "www." may be a URL; 0, the word ends */
enum { WE_MORE = 1, WE_URL = 2 };
static const unsigned char word_end[256] = {
    ['\''] = WE_MORE, [':'] = WE_URL, ['.'] = WE_URL,
#define WE8(x) [x] = WE_MORE, [x + 1] = WE_MORE, [x + 2] = WE_MORE, [x + 3] = WE_MORE, \
               [x + 4] = WE_MORE, [x + 5] = WE_MORE, [x + 6] = WE_MORE, [x + 7] = WE_MORE
#define WE64(x) WE8(x), WE8(x + 8), WE8(x + 16), WE8(x + 24), WE8(x + 32), WE8(x + 40), \
                WE8(x + 48), WE8(x + 56)
    WE64(0x80), WE64(0xc0)
#undef WE8
#undef WE64
};

/* keep_bytes + 16 - n: n bytes 0xff, then zeros */
static const unsigned char keep_bytes[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* what fast_word did: made a token, found the end of the text, skipped
 * something (an @handle, a hyphen inside a word: it goes on at t->p), or
 * left the text at t->p to the general path */
enum { FW_GENERAL = 0, FW_TOKEN = 1, FW_END = 2, FW_SKIP = 3 };

/* punct_bang - a run of '!' and '?' at p (a '1' after a '!' counts as
 * one: "!!!1" is shouting; "?1" is not) as a PUNCT token */
static inline __attribute__((always_inline)) int punct_bang(srp_tokenizer *t, srp_token *tok,
                                                            const unsigned char *p)
{
    const unsigned char *start = p, *end = t->end;

    tok_reset(tok, SRP_TOK_PUNCT, start);
    while (p < end && (*p == '!' || *p == '?' || *p == '1')) {
        if (*p == '!')
            tok->count_excl++;
        else if (*p == '?')
            tok->count_quest++;
        else if (tok->count_excl == 0)
            break;
        p++;
    }
    tok->surface_len = (size_t)(p - start);
    in_chunk_at(t, p, end);
    return FW_TOKEN;
}

/* skip_handle - an @mention at p (at a chunk's start) skipped: '@' and
 * the letters, digits and '_' after it */
static inline __attribute__((always_inline)) int skip_handle(srp_tokenizer *t,
                                                             const unsigned char *p)
{
    p++;
    while (p < t->end && (ascii_alnum(*p) || *p == '_'))
        p++;
    in_chunk_at(t, p, t->end);
    return FW_SKIP;
}

/* punct_rest - the general path's last cases for ASCII punctuation at p,
 * when no emoticon was found there: full stops ("3.5" and "z.B" skip
 * theirs), hyphens inside words (skipped), clause marks, and any other
 * mark (skipped) */
static inline __attribute__((always_inline)) int punct_rest(srp_tokenizer *t, srp_token *tok,
                                                            const unsigned char *p, int first)
{
    const unsigned char *start = p, *end = t->end;
    unsigned char c = *p;
    srp_tok_type type;

    if (c == '.') {
        while (p < end && *p == '.')
            p++;
        /* a dot between letters or digits (e.g. 3.5, z.B) is no sentence end */
        if (p - start == 1 && p < end && ascii_alnum(*p) && !first)
            goto skip;
        type = SRP_TOK_BREAK;
        goto mark;
    }
    /* a hyphen inside a word ("e-mail", "rappelez-moi") separates words but
     * ends no clause */
    if (c == '-' && !first && p > t->base && ascii_alnum(p[-1]) && p + 1 < end &&
        (ascii_alnum(p[1]) || p[1] >= 0xc0)) {
        p++;
        goto skip;
    }
    if (c == ',' || c == ';' || c == ':' || c == '-' || c == '(' || c == ')') {
        p++;
        type = SRP_TOK_CLAUSE;
        goto mark;
    }
    p++;
skip:
    in_chunk_at(t, p, end);
    return FW_SKIP;
mark:
    tok_reset(tok, type, start);
    tok->surface_len = (size_t)(p - start);
    in_chunk_at(t, p, end);
    return FW_TOKEN;
}

/* punct_slow - what the general path makes of the ASCII punctuation at p
 * (neither a letter, a digit nor white space; first: at the start of a
 * chunk), in its order: emoticons, @handles at the start of a chunk and
 * #hashtags first.  Returns as fast_punct, which leaves it what may begin
 * an emoticon and '#'. */
static int punct_slow(srp_tokenizer *t, srp_token *tok, const unsigned char *p, int first)
    __attribute__((noinline));
static int punct_slow(srp_tokenizer *t, srp_token *tok, const unsigned char *p, int first)
{
    const unsigned char *end = t->end;
    unsigned char c = *p;

    if (first) {
        /* the general path tries an emoticon first at a chunk's start */
        if (emo_begins(t, p, end)) {
            const unsigned char *old = t->p;
            t->p = p;
            if (try_emoticon(t, tok, 0)) {
                t->chunk_end = end;
                t->in_chunk = 0;
                t->chunk_start = 1;
                return FW_TOKEN;
            }
            t->p = old;
        }
        if (c == '@')
            return skip_handle(t, p);
    }
    if (c == '#' && p + 1 < end && (ascii_alpha(p[1]) || p[1] >= 0x80)) {
        if (p[1] >= 0x80)
            return FW_GENERAL;
        in_chunk_at(t, p + 1, end);
        scan_word(t, tok, 1);   /* one letter at least */
        return FW_TOKEN;
    }
    if (c == '&')
        return FW_GENERAL;
    if (c == '!' || c == '?')
        return punct_bang(t, tok, p);
    /* after other text of its chunk ("gut:)"): t->p is p */
    if (!first && emo_begins(t, p, end) && try_emoticon(t, tok, 1))
        return FW_TOKEN;
    return punct_rest(t, tok, p, first);
}

/* fast_punct - what the general path makes of the ASCII punctuation at p
 * (neither a letter, a digit nor white space; first: at the start of a
 * chunk): "!" and "?" runs, full stops, clause marks, and what it skips
 * (@handles at the start of a chunk, hyphens inside words, stray marks:
 * FW_SKIP); what may begin an emoticon and '#' go to punct_slow.
 * FW_GENERAL, with *t untouched, for HTML entities, a hashtag of other
 * letters, and a chunk that starts after a blank line (first, still t->p:
 * the general path's own chunk start). */
static int fast_punct(srp_tokenizer *t, srp_token *tok, const unsigned char *p, int first)
    __attribute__((noinline));
static int fast_punct(srp_tokenizer *t, srp_token *tok, const unsigned char *p, int first)
{
    const unsigned char *end = t->end;
    unsigned char c = *p;

    if (first && t->in_chunk && p == t->p)
        return FW_GENERAL;
    if (c == '#' || emo_begins(t, p, end))
        return punct_slow(t, tok, p, first);
    /* no emoticon begins here: the general path's order without them */
    if (c == '@' && first)
        return skip_handle(t, p);
    if (c == '&')
        return FW_GENERAL;
    if (c == '!' || c == '?')
        return punct_bang(t, tok, p);
    return punct_rest(t, tok, p, first);
}

/* fast_other - what the general path makes of the character at p beyond
 * ASCII that is no letter of the Latin table (first: at the start of a
 * chunk): emoji, "…", dashes and guillemets, and what it skips
 * (quotation marks, symbols, invalid bytes: FW_SKIP).  FW_GENERAL, with
 * *t untouched, for letters of other scripts, white space beyond ASCII
 * and a chunk that starts after a blank line. */
static int fast_other(srp_tokenizer *t, srp_token *tok, const unsigned char *p, int first)
    __attribute__((noinline));
static int fast_other(srp_tokenizer *t, srp_token *tok, const unsigned char *p, int first)
{
    const unsigned char *end = t->end, *q = p;

    if (first && ((t->in_chunk && p == t->p) || emo_begins(t, p, end)))
        return FW_GENERAL;
    if (at_space(p, end))
        return FW_GENERAL;
    const latin_cp *lc = latin_at(p, end);
    if (lc != NULL && ((lc->cls & 0x0f) == LT_LETTER || (lc->cls & 0x0f) == LT_SLOW))
        return FW_GENERAL;
    uint32_t cp = srp_utf8_decode(&q, end);
    int invalid = cp == 0xfffd && q - p != 3;
    if (!invalid && !srp_is_emoji(cp)) {
        /* a word in another script is the general path's */
        int cat = utf8proc_get_property((utf8proc_int32_t)cp)->category;
        if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
            cat == UTF8PROC_CATEGORY_ND)
            return FW_GENERAL;
    }
    t->chunk_end = end;
    t->in_chunk = 1;
    t->chunk_start = 0;
    if (invalid) {
        t->repaired++;
    } else if (srp_is_emoji(cp)) {
        emoji_token(t, tok, p, q);
        return FW_TOKEN;
    } else if (cp == 0x2026 || cp == 0x2013 || cp == 0x2014 || cp == 0xab || cp == 0xbb) {
        /* … a sentence break; en and em dashes, guillemets clause marks */
        tok_reset(tok, cp == 0x2026 ? SRP_TOK_BREAK : SRP_TOK_CLAUSE, p);
        tok->surface_len = (size_t)(q - p);
        t->p = q;
        return FW_TOKEN;
    } else if (cp == 0xa1 || cp == 0xbf) { /* ¡ ¿ */
        t->hint[SRP_LANG_ES] += 1.0f;
    }
    t->p = q;
    return FW_SKIP;
}

/* long_word - a word of 16 ASCII letters and digits or more at p: what
 * the general path makes of it, wherever it stands (no URL and no
 * emoticon has that shape) */
static int long_word(srp_tokenizer *t, srp_token *tok, const unsigned char *p)
    __attribute__((noinline));
static int long_word(srp_tokenizer *t, srp_token *tok, const unsigned char *p)
{
    in_chunk_at(t, p, t->end);
    scan_word(t, tok, 0);
    return FW_TOKEN;
}

/* fast_word - the common token at once: an ASCII word of at most 15
 * letters and digits, after white space or right after the last token,
 * that ends in ASCII other than an apostrophe; or the end of the text.
 * Other words, punctuation and other characters go to fast_word_more,
 * long_word, fast_punct and fast_other, which make what the general path
 * would.  Returns FW_GENERAL, with *t untouched, for anything else (the
 * general path below decides). */
static inline int fast_word(srp_tokenizer *t, srp_token *tok)
{
    const unsigned char *p = t->p, *end = t->end;
    int first = 0;

    if (p < end && *p == ' ' && p + 1 < end && ascii_alnum(p[1])) {
        /* the usual: one space, then a word */
        p++;
        first = 1;
    } else if (!t->in_chunk || (p < end && ascii_space(*p))) {
        /* at most one newline: two make a sentence break */
        unsigned nl = 0;
        while (p < end && ascii_space(*p))
            nl += *p++ == '\n';
        if (nl >= 2)
            return FW_GENERAL;
        first = 1;
    } else {
        first = t->chunk_start;
    }
    if (p >= end) {
        /* only ASCII white space was left: the general path would skip
         * it, leave the chunk and find the end */
        t->p = p;
        t->in_chunk = 0;
        return FW_END;
    }
    if (!ascii_alnum(*p)) {
        /* a comma or a full stop right after a word, before a space or a
         * newline: the token fast_punct would make, at once */
        if ((*p == ',' || *p == '.') && !first &&
            (p + 1 == end || p[1] == ' ' || p[1] == '\n') && !emo_begins(t, p, end)) {
            tok_reset(tok, *p == ',' ? SRP_TOK_CLAUSE : SRP_TOK_BREAK, p);
            tok->surface_len = 1;
            t->p = p + 1;
            return FW_TOKEN;
        }
        if (*p < 0x80)
            return fast_punct(t, tok, p, first);
        /* a word that begins with a Latin letter ("été", "Überweisung"):
         * no URL and no emoticon begins so */
        const latin_cp *lc = latin_at(p, end);
        if (lc == NULL || (lc->cls & 0x0f) != LT_LETTER)
            return fast_other(t, tok, p, first);
        return fast_word_more(t, tok, p, p, 0, 0, 0, 0, 0, 0);
    }
    const __m128i v = load16(t, p, end);
    __m128i al;
    unsigned am, m = ascii_letters(v, &al, &am);
    unsigned n = (unsigned)__builtin_ctz(~m);
    if (n >= 16)
        return long_word(t, tok, p);
    /* what may be an emoticon is left to try_emoticon: at the start of a
     * chunk, one letter or digit alone, "xD", "XP" or a mark "10/10" (two
     * letters or digits in a row are no emoticon's shape otherwise, see
     * emoticon_shape) */
    if (first && (n < 2 || (*p | 0x20) == 'x' || (n == 2 && rating2(p, end))) &&
        emo_begins(t, p, end) && emoticon_shape(p, end) != 0)
        return FW_GENERAL;
    /* a letter is lower case when its bit 5 is set (moved to the sign bit) */
    unsigned keep = (1u << n) - 1;
    unsigned b5 = (unsigned)_mm_movemask_epi8(_mm_slli_epi16(v, 2));
    unsigned um = am & ~b5 & keep;
    unsigned lm = am & b5 & keep;

    /* the key: letters lower-cased; bit i of eq: key[i] == key[i + 1] */
    const __m128i k = _mm_or_si128(v, _mm_and_si128(al, _mm_set1_epi8(0x20)));
    _mm_storeu_si128((__m128i *)(void *)tok->key, k);
    unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(k, _mm_srli_si128(k, 1))) &
                  (keep >> 1);

    /* what ends the word (key[n]: v's byte there, 0 past the end): the
     * end, or ASCII that is not "'" between a letter and a letter (an
     * elision: "l'avion", "don't") */
    unsigned we = word_end[(unsigned char)tok->key[n]];
    if (we != 0) {
        if (we == WE_MORE) {
            /* it goes on in other letters ("café", "Straße"), or at an
             * apostrophe ("l'avion", "don't") */
            unsigned fl = 0, run = 0;
            uint32_t prev = 0;
            if (n > 0) {
                unsigned ne = ~eq & (keep >> 1);
                run = ne == 0 ? n : n - 1 - (31 - (unsigned)__builtin_clz(ne));
                prev = (unsigned char)tok->key[n - 1];
                fl = (eq & (eq >> 1)) ? SRP_TF_ELONGATED : 0;
            }
            return fast_word_more(t, tok, p, p + n, n, bits16(um), bits16(lm), fl, prev, run);
        }
        /* a URL at the start of a chunk is skipped: "http", "https" and
         * "www" end at ':' or '.' */
        if (first && (n == 3 || n == 4 || n == 5) &&
            (has_prefix_ci(p, end, "http://") || has_prefix_ci(p, end, "https://") ||
             has_prefix_ci(p, end, "www."))) {
            /* (not after a blank line: the general path's chunk start
             * keeps it) */
            if (t->in_chunk && p == t->p)
                return FW_GENERAL;
            t->p = chunk_find_end(p, end);
            t->chunk_end = end;
            t->in_chunk = 0;
            t->chunk_start = 1;
            return FW_SKIP;
        }
    }
    /* the key zero-padded (NUL-terminated): the hash takes it 8 bytes at
     * a time */
    const __m128i kz = _mm_and_si128(
        k, _mm_loadu_si128((const __m128i *)(const void *)(keep_bytes + 16 - n)));
    _mm_storeu_si128((__m128i *)(void *)tok->key, kz);
    uint64_t h = srp_hash_mix(SRP_HASH_SEED ^ n, (uint64_t)_mm_cvtsi128_si64(kz));
    if (n > 8)
        h = srp_hash_mix(h, (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(kz, kz)));
    /* the case masks decide the flags: no letter counts needed */
    tok->type = (um | lm) ? SRP_TOK_WORD : SRP_TOK_NUMBER;
    tok->flags = ((um & (um - 1)) && lm == 0 ? SRP_TF_CAPS : 0) | (um ? SRP_TF_UPPER : 0) |
                 ((eq & (eq >> 1)) ? SRP_TF_ELONGATED : 0);   /* three in a row */
    tok->surface = (const char *)p;
    tok->surface_len = n;
    tok->key_len = n;
    tok->hash = srp_hash_fin(h);
    prefetch_slot(t, tok->hash);
    tok->count_excl = 0;
    tok->count_quest = 0;
    tok->hint_mask = 0;
    t->upper += um != 0;
    t->lower += lm != 0;
    in_chunk_at(t, p + n, end);
    return 1;
}
#endif

static int tok_next_general(srp_tokenizer *t, srp_token *tok) __attribute__((noinline));

/* srp_tok_next - the next token: most are made by the fast path
 * (fast_word); when it or the general path only skipped something (an
 * @handle, a URL, an HTML entity, a hyphen inside a word: FW_SKIP, -1) the
 * fast path tries again there */
int srp_tok_next(srp_tokenizer *t, srp_token *tok)
{
    for (;;) {
#if defined(__SSE2__)
        if (!t->general_only) {
            int f = fast_word(t, tok);
            if (f == FW_SKIP)
                continue;
            if (f != FW_GENERAL)
                return f == FW_TOKEN;
        }
#endif
        int r = tok_next_general(t, tok);
        if (r >= 0)
            return r;
    }
}

/* tok_next_general - the next token, whatever the text; -1 when it only
 * skipped something (the caller comes back) */
static int tok_next_general(srp_tokenizer *t, srp_token *tok)
{
    for (;;) {
        if (!t->in_chunk) {
            unsigned nl = 0;

            while (t->p < t->end) {
                unsigned char c = *t->p;
                if (c < 0x80) {
                    if (!ascii_space(c))
                        break;
                    if (c == '\n')
                        nl++;
                    t->p++;
                    continue;
                }
                const unsigned char *q = t->p;
                uint32_t cp = srp_utf8_decode(&q, t->end);
                if (!unicode_space(cp))
                    break;
                if (cp == 0x2029)
                    nl += 2;
                t->p = q;
            }
            if (t->p >= t->end)
                return 0;
            t->chunk_end = t->end;
            t->in_chunk = 1;
            t->chunk_start = 1;
            if (nl >= 2) {
                tok_reset(tok, SRP_TOK_BREAK, t->p);
                return 1;
            }
            if ((*t->p | 0x20) == 'h' || (*t->p | 0x20) == 'w') {
                if (has_prefix_ci(t->p, t->end, "http://") ||
                    has_prefix_ci(t->p, t->end, "https://") ||
                    has_prefix_ci(t->p, t->end, "www.")) {
                    t->p = chunk_find_end(t->p, t->end);
                    t->in_chunk = 0;
                    continue;
                }
            }
            if (emo_begins(t, t->p, t->end) && try_emoticon(t, tok, 0)) {
                t->in_chunk = 0;
                return 1;
            }
        }
        if (t->p >= t->end || at_space(t->p, t->end)) {
            t->in_chunk = 0;
            continue;
        }

        const unsigned char *start = t->p;
        unsigned char c = *start;
        int first = t->chunk_start;
        t->chunk_start = 0;

        if (c < 0x80) {
            if (ascii_alnum(c)) {
                scan_word(t, tok, 0);
                return 1;
            }
            if (c == '@' && first) {
                /* @mention: skip the handle */
                t->p++;
                while (t->p < t->chunk_end && (ascii_alnum(*t->p) || *t->p == '_'))
                    t->p++;
                return -1;
            }
            if (c == '#' && t->p + 1 < t->chunk_end &&
                (ascii_alpha(t->p[1]) || t->p[1] >= 0x80)) {
                t->p++;
                scan_word(t, tok, 1);
                if (tok->surface_len == 0)
                    continue;
                return 1;
            }
            if (c == '&') {
                /* an HTML entity ("&amp;", "&gt;", "&#39;") is no word */
                const unsigned char *r = t->p + 1;
                while (r < t->end && r - t->p < 10 && (ascii_alnum(*r) || *r == '#'))
                    r++;
                if (r < t->end && *r == ';' && r > t->p + 1) {
                    t->p = r + 1;
                    return -1;
                }
                /* cut off, as at the end of a tweet: "&gt", "&amp" */
                static const char *const names[] = {"gt", "lt", "amp", "quot", "apos", "nbsp"};
                for (size_t i = 0; i < SR_ARRAY_LEN(names); i++) {
                    size_t n = strlen(names[i]);
                    if ((size_t)(r - t->p - 1) == n && memcmp(t->p + 1, names[i], n) == 0) {
                        t->p = r;
                        break;
                    }
                }
                if (t->p == r)
                    return -1;
            }
            if (c == '!' || c == '?') {
                tok_reset(tok, SRP_TOK_PUNCT, start);
                while (t->p < t->chunk_end && (*t->p == '!' || *t->p == '?' || *t->p == '1')) {
                    if (*t->p == '!')
                        tok->count_excl++;
                    else if (*t->p == '?')
                        tok->count_quest++;
                    else if (tok->count_excl == 0)
                        break; /* "!!!1" is shouting; "?1" is not */
                    t->p++;
                }
                tok->surface_len = (size_t)(t->p - start);
                return 1;
            }
            if (!first && emo_begins(t, t->p, t->end) && try_emoticon(t, tok, 1))
                return 1;
            if (c == '.') {
                while (t->p < t->chunk_end && *t->p == '.')
                    t->p++;
                /* a dot between letters or digits (e.g. 3.5, z.B) is no sentence end */
                if (t->p - start == 1 && t->p < t->chunk_end && ascii_alnum(*t->p) && !first)
                    continue;
                tok_reset(tok, SRP_TOK_BREAK, start);
                tok->surface_len = (size_t)(t->p - start);
                return 1;
            }
            /* a hyphen inside a word ("e-mail", "chef-d'oeuvre", "rappelez-moi")
             * separates words but ends no clause */
            if (c == '-' && !first && start > t->base && ascii_alnum(start[-1]) &&
                t->p + 1 < t->end && (ascii_alnum(t->p[1]) || t->p[1] >= 0xc0)) {
                t->p++;
                return -1;
            }
            if (c == ',' || c == ';' || c == ':' || c == '-' || c == '(' || c == ')') {
                t->p++;
                tok_reset(tok, SRP_TOK_CLAUSE, start);
                tok->surface_len = 1;
                return 1;
            }
            t->p++;
            continue;
        }

        const latin_cp *lc = latin_at(t->p, t->chunk_end);
        if (lc != NULL && ((lc->cls & 0x0f) == LT_LETTER || (lc->cls & 0x0f) == LT_SLOW)) {
            scan_word(t, tok, 0);
            if (tok->surface_len > 0)
                return 1;
            t->p = start + 2;
            continue;
        }
        const unsigned char *q = t->p;
        uint32_t cp = srp_utf8_decode(&q, t->chunk_end);
        if (cp == 0xfffd && q - t->p != 3) {
            t->repaired++;
            t->p = q;
            continue;
        }
        if (srp_is_emoji(cp)) {
            emoji_token(t, tok, start, q);
            return 1;
        }
        if (cp == 0x2026) { /* … */
            t->p = q;
            tok_reset(tok, SRP_TOK_BREAK, start);
            tok->surface_len = (size_t)(q - start);
            return 1;
        }
        if (cp == 0x2013 || cp == 0x2014 || cp == 0xab || cp == 0xbb) {
            t->p = q;
            tok_reset(tok, SRP_TOK_CLAUSE, start);
            tok->surface_len = (size_t)(q - start);
            return 1;
        }
        if (cp == 0xa1 || cp == 0xbf) { /* ¡ ¿ */
            t->hint[SRP_LANG_ES] += 1.0f;
            t->p = q;
            continue;
        }
        {
            const utf8proc_property_t *pr = utf8proc_get_property((utf8proc_int32_t)cp);
            int cat = pr->category;
            if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
                cat == UTF8PROC_CATEGORY_ND) {
                scan_word(t, tok, 0);
                if (tok->surface_len > 0)
                    return 1;
                t->p = q;
                continue;
            }
        }
        t->p = q;
    }
}
