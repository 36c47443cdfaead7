/*
 * text.h - UTF-8 validation and repair, normalization and case folding,
 * and the streaming tokenizer the scorer and the language detector read.
 *
 * The tokenizer works on any byte sequence: invalid UTF-8 is decoded as
 * U+FFFD (a separator) and never reaches a token key.  It allocates
 * nothing; tokens point into the caller's buffer (surface) and carry a
 * folded copy of their text (key).
 */
#ifndef SR_TEXT_H
#define SR_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Language slots shared by text, lexicon, lang and score.  XX is the
 * language-independent slot (emoji, emoticons, loanwords). */
enum {
    SRP_LANG_XX = 0,
    SRP_LANG_EN = 1,
    SRP_LANG_DE = 2,
    SRP_LANG_FR = 3,
    SRP_LANG_ES = 4,
    SRP_LANG_PL = 5,
    SRP_NLANG = 6
};

/* srp_lang_code - "xx", "en", ... for a slot; srp_lang_slot - the slot for
 * a code, or -1. */
const char *srp_lang_code(int slot);
int srp_lang_slot(const char *code);

#define SRP_KEY_MAX 64 /* bytes of a folded key, NUL included */

typedef enum srp_tok_type {
    SRP_TOK_WORD = 1,     /* letters/digits, folded into key */
    SRP_TOK_NUMBER,       /* digits only */
    SRP_TOK_EMOJI,        /* one emoji, key = its base code point */
    SRP_TOK_EMOTICON,     /* ":-(", "<3", ":D": key = raw bytes */
    SRP_TOK_PUNCT,        /* a run of ! and ?: count_excl, count_quest */
    SRP_TOK_CLAUSE,       /* , ; : dash - a clause boundary */
    SRP_TOK_BREAK         /* . or a blank line - a sentence boundary */
} srp_tok_type;

/* token flags */
#define SRP_TF_CAPS 0x01u      /* >= 2 letters, all upper case */
#define SRP_TF_UPPER 0x02u     /* at least one upper-case letter */
#define SRP_TF_HASHTAG 0x04u   /* came from #word */
#define SRP_TF_ELONGATED 0x08u /* a letter repeated 3+ times ("sooo") */
#define SRP_TF_LONG 0x10u      /* longer than a key holds: key is empty */
#define SRP_TF_APOS 0x20u      /* word contains an apostrophe */

typedef struct srp_token {
    srp_tok_type type;
    unsigned flags;
    const char *surface;    /* points into the input */
    size_t surface_len;
    char key[SRP_KEY_MAX];  /* folded (NFC, lower case); NUL-terminated */
    unsigned key_len;
    uint32_t hash;          /* srp_hash(key) */
    unsigned count_excl;    /* '!' in a PUNCT run */
    unsigned count_quest;   /* '?' in a PUNCT run */
    unsigned hint_mask;     /* languages whose letters (ß, ł, ñ, ç...) the word has */
} srp_token;

/* Predicate: is raw[0..len) an emoticon?  Lets the tokenizer keep ":D"
 * whole without knowing the lexicon. */
typedef int (*srp_emoticon_fn)(const void *userdata, const char *raw, size_t len);

/* srp_tok_init sets each field by name: a new field needs its line there */
typedef struct srp_tokenizer {
    const unsigned char *base, *p, *end;
    const unsigned char *chunk_end;   /* end of the current whitespace chunk */
    srp_emoticon_fn is_emoticon;
    const void *userdata;
    unsigned newlines;                /* newlines in the last run of space */
    unsigned repaired;                /* invalid sequences seen */
    unsigned upper, lower;            /* words with an upper-/lower-case letter, so far */
    float hint[SRP_NLANG];            /* language hints from letters */
    int in_chunk;
    int chunk_start;                  /* next piece starts the chunk */
    const uint32_t *emo_first;        /* 256 bits: bytes an emoticon may begin
                                       * with (NULL: any); set after init */
    const uint32_t *emo_pair;         /* 65,536 bits: their first two bytes
                                       * (b0 | b1 << 8; NULL: any) */
    int general_only;                 /* tests: never the fast path for
                                       * plain ASCII words (same tokens) */
    const void *prefetch_base;        /* a table of 4-byte slots to fetch */
    uint32_t prefetch_mask;           /* ahead at hash & mask (NULL: none) */
} srp_tokenizer;

/* srp_tok_init - tokenize buf[0..len); is_emoticon may be NULL. */
void srp_tok_init(srp_tokenizer *t, const char *buf, size_t len, srp_emoticon_fn is_emoticon,
                  const void *userdata);

/* srp_tok_next - the next token into *tok; 1 when one was produced, 0 at
 * the end of the text. */
int srp_tok_next(srp_tokenizer *t, srp_token *tok);

/*
 * srp_hash - the key hash of the lexicon: eight bytes at a time (the last
 * chunk zero-padded), each mixed in by a multiply, then a finalizer.
 * srp_hash_key gives the same value for a buffer that may be read in
 * whole eight-byte chunks past len (a token key: SRP_KEY_MAX bytes).
 */
#define SRP_HASH_SEED 0x9e3779b97f4a7c15ull
#define SRP_HASH_MUL 0xff51afd7ed558ccdull
static inline uint64_t srp_hash_mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * SRP_HASH_MUL;
    return h ^ (h >> 32);
}
static inline uint32_t srp_hash_fin(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return (uint32_t)h;
}
/* srp_le64 - eight bytes as a little-endian number (one load on x86) */
static inline uint64_t srp_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}
static inline uint32_t srp_hash(const void *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf;
    uint64_t h = SRP_HASH_SEED ^ len;

    for (; len >= 8; p += 8, len -= 8)
        h = srp_hash_mix(h, srp_le64(p));
    if (len > 0) {
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++)
            v |= (uint64_t)p[i] << (8 * i);
        h = srp_hash_mix(h, v);
    }
    return srp_hash_fin(h);
}
static inline uint32_t srp_hash_key(const char *key, size_t len)
{
    const unsigned char *p = (const unsigned char *)key;
    uint64_t h = SRP_HASH_SEED ^ len;
    size_t i = 0;

    for (; i + 8 <= len; i += 8)
        h = srp_hash_mix(h, srp_le64(p + i));
    if (i < len)
        h = srp_hash_mix(h, srp_le64(p + i) & (~0ull >> (8 * (8 - (len - i)))));
    return srp_hash_fin(h);
}

/*
 * srp_phrase_hash - the lookup hash of a phrase, from the hashes of its
 * words in order (so that the scorer never builds the phrase's text);
 * srp_key_hash - the lookup hash of any lexicon key: srp_hash of a word,
 * srp_phrase_hash of the words of a phrase (joined by single spaces).
 */
#define SRP_PHRASE_SEED 0x2545f4914f6cdd1dull
static inline uint64_t srp_phrase_hash_add(uint64_t h, uint32_t word_hash)
{
    return srp_hash_mix(h, word_hash);
}
static inline uint32_t srp_phrase_hash(const uint32_t *word_hashes, unsigned n)
{
    uint64_t h = SRP_PHRASE_SEED ^ n;

    for (unsigned i = 0; i < n; i++)
        h = srp_phrase_hash_add(h, word_hashes[i]);
    return srp_hash_fin(h);
}
static inline uint32_t srp_key_hash(const char *key, size_t len)
{
    uint32_t wh[16];
    unsigned n = 0;
    size_t a = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && key[i] != ' ')
            continue;
        if (n == 0 && i == len)
            return srp_hash(key, len);   /* one word */
        if (n == 16)
            return 0;                    /* no phrase is that long */
        wh[n++] = srp_hash(key + a, i - a);
        a = i + 1;
    }
    return srp_phrase_hash(wh, n);
}

/*
 * srp_utf8_decode - decode one code point at *pp (advancing it); invalid or
 * truncated sequences give 0xFFFD and advance one byte.
 */
uint32_t srp_utf8_decode(const unsigned char **pp, const unsigned char *end);

/* srp_utf8_encode - write cp as UTF-8 into out (4 bytes room); returns length. */
size_t srp_utf8_encode(uint32_t cp, char *out);

/*
 * srp_utf8_repair - a NUL-terminated copy of in[0..len) in valid UTF-8:
 * invalid sequences become U+FFFD, NUL bytes become spaces.  At most cap
 * bytes of output (0: no cap), cut at a character boundary.  *out is
 * malloc'ed (caller frees).  Returns SR_OK or SR_ENOMEM; *repaired and
 * *truncated (may be NULL) say what happened.
 */
int srp_utf8_repair(const char *in, size_t len, size_t cap, char **out, size_t *outlen,
                    int *repaired, int *truncated);

/* srp_utf8_valid - 1 when buf[0..len) is valid UTF-8. */
int srp_utf8_valid(const char *buf, size_t len);

/*
 * srp_fold - normalize (NFC) and lower-case a UTF-8 string into key
 * (SRP_KEY_MAX bytes).  Returns the key length, or -1 when it does not fit.
 * This is the one folding function: the lexicon compiler uses it too.
 */
int srp_fold(const char *buf, size_t len, char *key);

/* srp_cut_utf8 - the largest n <= len that ends on a character boundary. */
size_t srp_cut_utf8(const char *buf, size_t len);

/* srp_is_emoji - 1 when cp is an emoji base code point. */
int srp_is_emoji(uint32_t cp);

#endif
