/*
 * lexicon.h - the compiled lexicon: one compact binary, built at make time
 * by srlexc from the TSV lists under lexicon/, embedded in the library and
 * optionally replaced by a file (scoring.lexicon), which is mmap'ed.
 *
 * Layout (host byte order, checked by an endian marker):
 *   header | slots[nslots] | entries[nentries] | recs[nrecs] | bloom | strings
 * A slot maps a key hash to an entry; an entry holds its key and its
 * records, at most one per language slot (SRP_LANG_*).  An entry is one
 * 64-byte cache line with the first 16 bytes of its key and up to two
 * records in it, so that a lookup reads the slot and that line only; the
 * whole key is in the strings, the records of an entry with more than two
 * in recs.  Stems (keys that match any word they begin) are marked per
 * record; stems and phrases are indexed in a Bloom filter so that most
 * words cost no stem probe and most word sequences no phrase probe.
 */
#ifndef SR_LEXICON_H
#define SR_LEXICON_H

#include "sentiroute.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define SRP_LEX_MAGIC "SRLEX\x01\r\n"
#define SRP_LEX_VERSION 11u   /* 11: 20-bit entry index in a slot */
#define SRP_LEX_ENDIAN 0x01020304u

/* record tags */
#define SRP_T_VAL 0x0001u       /* has a valence */
#define SRP_T_NEG 0x0002u       /* negator: flips what follows in its clause */
#define SRP_T_BOOST 0x0004u     /* intensifier (arg > 0) or dampener (arg < 0) */
#define SRP_T_BUT 0x0008u       /* contrast: the clause after counts more */
#define SRP_T_URGENT 0x0010u    /* urgency cue */
#define SRP_T_THREAT 0x0020u    /* threat cue */
#define SRP_T_ADVOCACY 0x0040u  /* advocacy cue */
#define SRP_T_HUMAN 0x0080u     /* asks for a person */
#define SRP_T_OFFENSIVE 0x0100u /* insult, profanity */
#define SRP_T_FUNC 0x0200u      /* function word: language evidence */
#define SRP_T_STEM 0x0400u      /* matches words that begin with the key */
#define SRP_T_POSTNEG 0x0800u   /* negator that also acts backwards at clause end (de "nicht") */
#define SRP_T_EXPECT 0x1000u    /* expected to happen: negated it is a complaint ("didn't arrive") */
#define SRP_T_ABSENCE 0x2000u   /* "no X" / "kein X": the lack of a neutral thing is a complaint */
#define SRP_T_SARCASM 0x4000u   /* #sarcasm, /s: praise in the text is meant the other way */
#define SRP_T_POLITE 0x8000u    /* thanks, please: weak when the message asks a question */
/* an urgency cue whose record has arg < 0 counts only when written in
 * capitals (tag "shout": "rebook me NOW", "devuélvanme el dinero YA") */
#define SRP_SHOUT_ARG (-1.0f)
/* a record of a word marked why (SRP_MARK_WHY) whose arg is this asks for
 * information instead (tag "ask": "how do I", "what is your policy",
 * "wie kann ich", "¿cómo puedo"): a problem word in the question it opens
 * is the topic, not a complaint ("How do I return a broken item?") */
#define SRP_ASK_ARG 2.0f
/* a function word's record whose arg is this attributes what the text
 * says to someone else (tag report: "said", "according to", "teilte
 * mit", "selon", "según", "według"): a text with such a word and no word
 * of the writer or of the one addressed is a report; its valence counts
 * less ("Lufthansa pilots will strike on Friday, the union said.") */
#define SRP_REPORT_ARG 3.0f

/* entry flags */
#define SRP_E_PHRASE_START 0x01u /* some phrase begins with this word */
#define SRP_E_RAW 0x02u          /* key is raw bytes (an emoticon) */
#define SRP_E_HAS_STEM 0x04u     /* some record is a stem */
#define SRP_E_PHRASE_END 0x08u   /* some phrase ends with this word */
#define SRP_E_NUMBER 0x10u       /* a number word ("three", "drei"): "00" in a phrase
                                  * stands for it as for digits */
#define SRP_E_NUM_PHRASE 0x20u   /* some phrase that begins with this word has "00"
                                  * in it: only then is a number looked for */
#define SRP_E_CLOSING 0x40u      /* a closing formula ("kind regards", "Cordialement"):
                                  * the line after it is the writer's name */
#define SRP_E_SIGNOFF 0x80u      /* a word of praise that closes a letter when it
                                  * stands at the start of its line and a name
                                  * follows on the next ("Best,", "Love,",
                                  * "Bises,", "Un abrazo,"): there its praise
                                  * does not count */

typedef struct srp_lex_header {
    char magic[8];
    uint32_t version;
    uint32_t endian;
    uint32_t total_len;
    uint32_t checksum;       /* srp_hash of the bytes after the header */
    uint32_t nslots;         /* a power of two */
    uint32_t nentries;
    uint32_t nrecs;
    uint32_t bloom_bits_log2;
    uint32_t strings_len;
    uint32_t slots_off, entries_off, recs_off, bloom_off, strings_off;
    uint32_t max_phrase_words;
    uint32_t stemf_off;      /* per 3-byte prefix (hashed): lengths of the stems */
    uint32_t stemf_bits_log2;  /* that begin with it, bit n = n bytes (uint32) */
    uint32_t reserved[3];
} srp_lex_header;

/* A slot is four bytes so that the table stays in a core's L2 cache (and
 * text.c's prefetch_slot fetches hash & mask times 4): the entry's index
 * + 1 in the low SRP_LEX_ENTRY_BITS (0 = empty; an empty slot is all
 * zero) and, above them, the same high bits of the key's hash as tag (the
 * low bits chose the slot); hence at most 2^20 - 1 entries.  A 12-bit tag
 * lets one probe in 4,096 past a key of another hash read that entry's
 * line for nothing (16 bits: one in 65,536); linear probing at a load
 * factor of 0.6 passes few keys, so it costs next to nothing: on the four
 * corpora of tools/sentiroutectl eval, 208 such reads in 922,696 lookups
 * (a 16-bit tag: 20). */
#define SRP_LEX_ENTRY_BITS 20
#define SRP_LEX_ENTRY_MASK ((1u << SRP_LEX_ENTRY_BITS) - 1)
#define SRP_LEX_MAX_ENTRIES SRP_LEX_ENTRY_MASK
typedef uint32_t srp_lex_slot;
_Static_assert(sizeof(srp_lex_slot) == 4, "a lexicon slot is four bytes");

/* srp_lex_slot_make - the slot of entry i (0-based) whose key has this
 * lookup hash (srlexc) */
static inline srp_lex_slot srp_lex_slot_make(uint32_t hash, uint32_t i)
{
    return (hash & ~SRP_LEX_ENTRY_MASK) | (i + 1);
}

/* srp_lex_slot_entry - the entry's index + 1 (0: empty) */
static inline uint32_t srp_lex_slot_entry(srp_lex_slot s)
{
    return s & SRP_LEX_ENTRY_MASK;
}

/* srp_lex_slot_tag_is - does the non-empty slot s hold the tag of hash? */
static inline int srp_lex_slot_tag_is(srp_lex_slot s, uint32_t hash)
{
    return (s ^ hash) <= SRP_LEX_ENTRY_MASK;
}

/* second tag byte */
#define SRP_T2_FULLNEG 0x01u   /* a problem word whose negation is praise ("no problem at all") */
#define SRP_T2_SENTADV 0x02u   /* sentence adverb: no negator flips it ("leider nicht") */
#define SRP_T2_ANSWERNO 0x04u  /* the answer "no" that negates nothing ("nein") */
#define SRP_T2_LEADBUT 0x08u   /* a contrast only where it opens a clause (de "doch";
                                * inside one it is a modal particle) */
#define SRP_T2_CONCEDE 0x10u   /* opens a concessive clause, which counts less
                                * ("although", "aunque", "obwohl") */
#define SRP_T2_INTERJ 0x20u    /* praise that opens a sentence as an exclamation
                                * ("Great, another delay."): sarcastic before a complaint */
#define SRP_T2_LAUGH 0x40u     /* laughter ("lol", "jajaja", "xD"): no praise in a
                                * sentence that complains ("lol my bag got lost") */
#define SRP_T2_RESOLVE 0x80u   /* a problem's end ("solved", "gelöst"): a problem word
                                * before it in the sentence counts no more; of
                                * negative valence, a loss ("disappeared"): next
                                * to a problem word neither counts */

/* marks of an entry, per language (srp_lex_entry.mark, srlexc tags of the
 * same names); a lexicon written before they existed holds zeros there */
#define SRP_MARK_WHY 0     /* "why", "warum", "pourquoi": a sentence it opens and
                            * that complains names a loss; its praise is the lost thing */
#define SRP_MARK_AGAIN 1   /* "again", "schon wieder", "otra vez": a repeated
                            * failure weighs more; alone it is nothing */
#define SRP_MARK_CORR 2    /* "neither", "weder": a negator that reaches both
                            * halves of "neither X nor Y" */
#define SRP_MARK_INCRED 3  /* "seriously", "im Ernst", "¿en serio?": as a question of
                            * its own in a text that complains, frustration */
#define SRP_MARK_SEP 4     /* a separable verb's particle ("ab", "aus", "auf") and the
                            * joined forms that may be split around a clause
                            * ("abstürzt": "die App stürzt ständig ab") */
#define SRP_MARK_CONJ 5    /* "und", "oder", "weil": a word that opens a new clause
                            * with no comma; a particle before it ends its clause */
#define SRP_MARK_EXCESS 6  /* "too", "trop", "demasiado", "zbyt": before a word the
                            * language has no entry for ("too small"), a complaint */
#define SRP_MARK_MIXED 7   /* "mixed feelings", "gemischte Gefühle", "sentiments
                            * mitigés": the writer's verdict is mixed; the text's
                            * praise and blame weigh less */
#define SRP_MARK_N 8

typedef struct srp_lex_rec {
    uint8_t lang;
    uint8_t tags2;
    uint16_t tags;
    float valence;
    float arg;
} srp_lex_rec;

#define SRP_LEX_KEY_INLINE 16 /* key bytes kept in the entry */
#define SRP_LEX_REC_INLINE 2  /* records kept in the entry */

typedef struct srp_lex_entry {
    uint32_t key_off;        /* the whole key, in the strings */
    uint16_t key_len;
    uint8_t nrec;
    uint8_t eflags;
    uint8_t plens;           /* bit k: a phrase of k+1 words begins with this word */
    uint8_t elens;           /* bit k: a phrase of k+1 words ends with this word */
    uint8_t nlang;           /* records in a language (not XX): evidence is split so */
    uint8_t person;          /* bit l: a first- or second-person word in language l
                              * ("my", "you", "please", "mi", "proszę") */
    uint32_t rec_first;                    /* nrec > SRP_LEX_REC_INLINE: in recs */
    char key[SRP_LEX_KEY_INLINE];          /* the key's first bytes, zero-padded */
    srp_lex_rec rec[SRP_LEX_REC_INLINE];   /* else here */
    uint8_t mark[8];                       /* bit l: the word plays that part
                                            * in language l (SRP_MARK_*; the
                                            * first SRP_MARK_N are used) */
} srp_lex_entry;
_Static_assert(sizeof(srp_lex_entry) == 64, "a lexicon entry is one cache line");

typedef struct srp_lexicon srp_lexicon;

#define SRP_PENDS_BITS_LOG2 19
#define SRP_WLENS_BITS_LOG2 14

/* srp_phrase_ends_bit - the bit of a phrase of n words whose first and
 * last words have these srp_hash values */
static inline uint32_t srp_phrase_ends_bit(uint32_t first, uint32_t last, unsigned n)
{
    uint64_t h = ((uint64_t)first << 32 | last) * 0x9e3779b97f4a7c15ull;

    h ^= (uint64_t)n * 0xff51afd7ed558ccdull;
    h ^= h >> 31;
    h *= 0xc4ceb9fe1a85ec53ull;
    return (uint32_t)(h >> (64 - SRP_PENDS_BITS_LOG2));
}

/* the lexicon: what the inline lookups below read */
struct srp_lexicon {
    const unsigned char *base;
    size_t len;
    int mapped;                 /* munmap on close */
    const struct srp_lex_header *hdr;
    const srp_lex_slot *slots;
    const srp_lex_entry *entries;
    const srp_lex_rec *recs;
    const uint64_t *bloom;
    const uint32_t *stemf;
    const char *strings;
    uint32_t mask;
    uint32_t bloom_mask;
    uint32_t stemf_bits_log2;
    unsigned stem_langs;
    uint32_t emo_first[8];      /* first bytes of emoticons (raw entries) */
    uint32_t emo_pair[2048];    /* their first two bytes (bit b0 | b1 << 8) */
    size_t nrecs;               /* records of all entries */
    /* the entry of "00" when a phrase begins or ends with a number ("00
     * weeks for", "00 months for 00"): its phrase lengths stand for any
     * number's */
    const srp_lex_entry *any_num;
    unsigned any_plens, any_elens;   /* its phrase lengths, 0 without it */
    /* bit srp_phrase_ends_bit(): some phrase of n words begins with the
     * word of one hash and ends with that of another (computed at load):
     * most candidate word runs are refused before their words are read */
    uint64_t pends[(1u << SRP_PENDS_BITS_LOG2) / 64];
    /* per 3-byte prefix (srp_stemf_index, SRP_WLENS_BITS_LOG2 bits): the
     * lengths of the one-word keys with records that begin with it, bit n
     * = n bytes, bit 31 = 31 or more (computed at load; hashtags are cut
     * into words by probing only those lengths) */
    uint32_t wlens[1u << SRP_WLENS_BITS_LOG2];
};

typedef struct srp_lexicon srp_lexicon;

/*
 * srp_lexicon_open - map and validate a compiled lexicon.  path NULL or ""
 * means the one embedded in the library.  A damaged file is SR_EFORMAT.
 */
srp_lexicon *srp_lexicon_open(const char *path, sr_error *err);

/* srp_lexicon_from_memory - validate buf (not copied; must outlive it). */
srp_lexicon *srp_lexicon_from_memory(const void *buf, size_t len, sr_error *err);

void srp_lexicon_close(srp_lexicon *lex);

/* srp_lex_key_eq - is e's key key[0..len) (len == e->key_len)? */
static inline int srp_lex_key_eq(const srp_lexicon *lex, const srp_lex_entry *e, const char *key,
                                 size_t len)
{
    if (len <= SRP_LEX_KEY_INLINE)
        return memcmp(e->key, key, len) == 0;
    return memcmp(e->key, key, SRP_LEX_KEY_INLINE) == 0 &&
           memcmp(lex->strings + e->key_off + SRP_LEX_KEY_INLINE, key + SRP_LEX_KEY_INLINE,
                  len - SRP_LEX_KEY_INLINE) == 0;
}

/* srp_lex_key_eq_padded - srp_lex_key_eq for a key with at least
 * SRP_LEX_KEY_INLINE readable bytes: the head is compared in one go */
static inline int srp_lex_key_eq_padded(const srp_lexicon *lex, const srp_lex_entry *e,
                                        const char *key, size_t len)
{
#if defined(__SSE2__)
    const __m128i k = _mm_loadu_si128((const __m128i *)(const void *)key);
    const __m128i ek = _mm_loadu_si128((const __m128i *)(const void *)e->key);
    const unsigned want = len >= 16 ? 0xffffu : (1u << len) - 1;

    return ((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(k, ek)) & want) == want &&
           (len <= SRP_LEX_KEY_INLINE ||
            memcmp(lex->strings + e->key_off + SRP_LEX_KEY_INLINE, key + SRP_LEX_KEY_INLINE,
                   len - SRP_LEX_KEY_INLINE) == 0);
#else
    return srp_lex_key_eq(lex, e, key, len);
#endif
}

/* srp_lex_probe - linear probing from the slot of hash; padded: the key
 * may be read in SRP_LEX_KEY_INLINE bytes at once */
static inline const srp_lex_entry *srp_lex_probe(const srp_lexicon *lex, uint32_t hash,
                                                 const char *key, size_t len, int padded)
{
    uint32_t i = hash & lex->mask;

    for (;;) {
        const srp_lex_slot s = lex->slots[i];
        if (s == 0)
            return NULL;
        if (srp_lex_slot_tag_is(s, hash)) {
            const srp_lex_entry *e = &lex->entries[srp_lex_slot_entry(s) - 1];
            if (e->key_len == len && (padded ? srp_lex_key_eq_padded(lex, e, key, len)
                                             : srp_lex_key_eq(lex, e, key, len)))
                return e;
        }
        i = (i + 1) & lex->mask;
    }
}

/* srp_lexicon_get - the entry for key (hash = srp_key_hash(key)), or NULL. */
static inline const srp_lex_entry *srp_lexicon_get(const srp_lexicon *lex, uint32_t hash,
                                                   const char *key, size_t len)
{
    return srp_lex_probe(lex, hash, key, len, 0);
}

/* srp_lexicon_get_key - srp_lexicon_get for a key in a buffer of at least
 * SRP_LEX_KEY_INLINE readable bytes (a token's key) */
static inline const srp_lex_entry *srp_lexicon_get_key(const srp_lexicon *lex, uint32_t hash,
                                                       const char *key, size_t len)
{
    return srp_lex_probe(lex, hash, key, len, 1);
}

/* srp_lexicon_get_phrase - the entry of the phrase words[0..n) (lens[i]
 * bytes each, no spaces) by hash = srp_phrase_hash of their srp_hash;
 * NULL when it is no key.  Keys are looked up by srp_key_hash. */
const srp_lex_entry *srp_lexicon_get_phrase(const srp_lexicon *lex, uint32_t hash,
                                            const char *const *words, const unsigned *lens,
                                            unsigned n);

/* srp_lexicon_recs - the records of an entry (e->nrec of them). */
static inline const srp_lex_rec *srp_lexicon_recs(const srp_lexicon *lex, const srp_lex_entry *e)
{
    return e->nrec <= SRP_LEX_REC_INLINE ? e->rec : lex->recs + e->rec_first;
}

/* srp_lexicon_entry - entry i (0 <= i < entries), else NULL */
const srp_lex_entry *srp_lexicon_entry(const srp_lexicon *lex, size_t i);

/* srp_lexicon_key - an entry's key (not NUL-terminated; e->key_len bytes). */
const char *srp_lexicon_key(const srp_lexicon *lex, const srp_lex_entry *e);

/* srp_lexicon_maybe_key - 0 when no stem and no phrase has this lookup
 * hash (Bloom filter: two bits from one hash). */
static inline int srp_lexicon_maybe_key(const srp_lexicon *lex, uint32_t hash)
{
    uint32_t a = hash & lex->bloom_mask;
    uint32_t b = ((hash >> 16) | (hash << 16)) * 0x9e3779b1u & lex->bloom_mask;

    return (lex->bloom[a >> 6] >> (a & 63) & 1) && (lex->bloom[b >> 6] >> (b & 63) & 1);
}

/* srp_lexicon_maybe_phrase - 0 when no phrase of n words begins with the
 * word of hash first and ends with that of hash last */
static inline int srp_lexicon_maybe_phrase(const srp_lexicon *lex, uint32_t first, uint32_t last,
                                           unsigned n)
{
    uint32_t b = srp_phrase_ends_bit(first, last, n);

    return lex->pends[b >> 6] >> (b & 63) & 1;
}

/* srp_lexicon_word_lengths - bit n set when a one-word key of n bytes
 * (bit 31: of 31 or more) with records may begin with the first three
 * bytes of key (readable); 0: none does */
static inline uint32_t srp_lexicon_word_lengths(const srp_lexicon *lex, const char *key);

/* srp_stemf_index - the filter bit for a 3-byte prefix (srlexc and lookup). */
static inline uint32_t srp_stemf_index(const char *k, uint32_t bits_log2)
{
    uint32_t v = (uint32_t)(unsigned char)k[0] | (uint32_t)(unsigned char)k[1] << 8 |
                 (uint32_t)(unsigned char)k[2] << 16;
    return (v * 0x9e3779b1u) >> (32 - bits_log2);
}

static inline uint32_t srp_lexicon_word_lengths(const srp_lexicon *lex, const char *key)
{
    return lex->wlens[srp_stemf_index(key, SRP_WLENS_BITS_LOG2)];
}

/* srp_lexicon_emoticon_starts - 256 bits: the bytes emoticons begin with */
static inline const uint32_t *srp_lexicon_emoticon_starts(const srp_lexicon *lex)
{
    return lex->emo_first;
}

/* srp_lexicon_emoticon_pairs - 65,536 bits: the first two bytes of
 * emoticons (bit p[0] | p[1] << 8); an emoticon has two bytes at least */
static inline const uint32_t *srp_lexicon_emoticon_pairs(const srp_lexicon *lex)
{
    return lex->emo_pair;
}

/* srp_lexicon_stem_lengths - bit n set when a stem of n bytes may begin
 * with the first three bytes of key (len >= 3); 0: no stem does. */
static inline uint32_t srp_lexicon_stem_lengths(const srp_lexicon *lex, const char *key)
{
    return lex->stemf[srp_stemf_index(key, lex->stemf_bits_log2)];
}

/* srp_lexicon_stem_langs - bit per language slot that has stems. */
static inline unsigned srp_lexicon_stem_langs(const srp_lexicon *lex)
{
    return lex->stem_langs;
}

/* srp_lexicon_counts - entries and records, for diagnostics. */
void srp_lexicon_counts(const srp_lexicon *lex, size_t *entries, size_t *recs, size_t *bytes);

/* the embedded lexicon (lexdata.c) */
extern const unsigned char srp_lexdata[];
extern const unsigned char srp_lexdata_end[];

#endif
