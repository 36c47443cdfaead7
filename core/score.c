/*
 * score.c - the lexicon scorer
 *
 * One pass over the text.  Each token is looked up once in the compiled
 * lexicon; its records (one per language) feed a small state machine per
 * enabled language, so language identification and scoring happen
 * together and the text is never read twice.  Per language the rules are
 * VADER's, extended for customer messages in five languages:
 *
 *  - valence of words, stems, phrases, emoji and emoticons (lexicon);
 *  - intensifiers/dampeners up to three words before (decaying 1, .95, .9);
 *  - negation: a negator up to three words before flips and shrinks the
 *    valence (x -0.74); a clause-final negator (de "nicht") acts backwards;
 *  - contrast: within a sentence, what precedes "but/aber/mais/pero/ale"
 *    counts half, what follows one and a half;
 *  - ALLCAPS words in mixed-case text and "!" / "?" runs add emphasis;
 *  - cue lists set flags: urgency, threat, advocacy, human request, offence.
 *
 * The sum maps to 0..10 as 5 + 5 * v / sqrt(v^2 + alpha).  Every
 * contribution is kept as a cue (text, weight, modifiers) so the result
 * says why.  State lives on the caller's stack: no allocation, no globals,
 * any number of threads.
 */
#include "build-config.h"

#include "ctx.h"
#include "internal.h"
#include "lang.h"
#include "lexicon.h"
#include "text.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#define RING 8                 /* power of two: recent words kept */
#define WINDOW 3               /* negation/booster reach in words */
#define SIG_WORDS 4u           /* a name line after a closing formula */
#define SIG_NAMES 3u           /* a name after it on its line ("Regards, Joy Smith") */
#define N_SCALAR (-0.74f)      /* negation multiplier (VADER) */
#define N_SCALAR_NEG (-0.1f)   /* "not terrible" is no praise: a negated complaint is nearly neutral */
#define CAPS_INCR 0.733f       /* ALLCAPS emphasis (VADER) */
#define EXCL_INCR 0.292f       /* per '!' up to 4 (VADER) */
#define QUEST_INCR 0.18f       /* per '?' when more than one (VADER) */
#define BUT_BEFORE 0.5f
#define BUT_AFTER 1.5f
#define CONCEDE_W 0.5f /* "although the room was small": a concession weighs half */
#define EXPECT_NEG (-1.8f)     /* "didn't arrive", "nie działa" */
#define ABSENCE_VAL (-0.7f)    /* "no answer", "keine Info" */
#define SARCASM_FLIP (-0.7f)   /* "great service #sarcasm" */
#define POLITE_IN_QUESTION 0.1f
#define IRONY_FLIP (-0.5f)     /* "... no luggage. Nice." */
#define INTERJ_REST (-1.0f)    /* "Great, another delay.": the rest of the sentence
                                * must complain at least this much */
#define THANKS_MIN 0.5f        /* politeness this strong is thanks ("please",
                                * 0.2-0.3, is a request) */
#define THANKS_REST (-1.0f)    /* thanks: the rest of its clause at or below this
                                * is what it thanks for: sarcasm */
#define CUE_CRY 0x40u          /* internal cue mark: tears tagged laugh (drop_cries) */
#define CUE_PLAINURG 0x80u     /* internal cue mark: a plain urgency word's
                                * valence (taken back from a report) */
#define RESOLVE_REACH 3u       /* "solved a problem": a problem word this close
                                * after a resolution word is over */
#define LAUGH_REST (-1.0f)     /* laughter: the rest of its sentence at or below
                                * this is a complaint (no praise from the laugh) */
#define CRY_REST 1.0f          /* tears ("😭" tagged laugh): the rest of the sentence
                                * at or above this is praise (no blame from them) */
#define REFUSAL_VAL (-0.3f)    /* "No, thanks.": a polite refusal, not gratitude */
#define URGENT_PLAIN 1.0f      /* urgency words this weak are plain urgency ("asap",
                                * "urgently"): a report that is not the writer's
                                * own loses them */
#define AGAIN_VAL (-0.8f)      /* "delayed again": a repeated failure */
#define AGAIN_REST (-0.5f)     /* the rest of the sentence at or below this is one */
#define AGAIN_INTERJ_REACH 2u  /* "Oh great, yet another ...": a repetition this close
                                * after an opening exclamation of praise is sarcasm */
#define PAIR_REACH 5u          /* "neither good nor bad": the second word this close */
#define EXCESS_VAL (-1.0f)     /* "too small", "demasiado pequeña": too much of a
                                * thing with no valence of its own */
#define BURST_TURN (-1.0f)     /* a complaint after opening praise: at or below this */
#define REPORT_DAMP 0.5f       /* a report ("..., the union said."): what its words weigh */
#define MIXED_DAMP 0.2f        /* a mixed verdict ("mixed feelings", "Licht und
                                * Schatten"): what the text says weighs this much */
#define INCRED_VAL (-0.8f)     /* "Seriously?" after (or before) a complaint */
#define RATING_CLEAR 1.0f      /* a rating this strong ("2/5" -1.2, "4 stars" 1.5) is a
                                * verdict; weaker ones ("3/5" -0.3) are a middling one */
#define WHY_EXASP (-1.0f)     /* "warum wurde mein Vertrag verlängert??": a why-question
                                * closed by "??" or "?!" with no praise */
#define ASK_BLAME 0.15f        /* a problem word in a question for information
                                * ("How do I return a broken item?") weighs this */
#define ADV_CLEAR 2.5f         /* a recommendation this strong ("I would recommend",
                                * "Je recommande", "Polecam"; not a bare "recommend
                                * it", 2.0) is clear ... */
#define ADV_AGAINST (-0.5f)    /* ... in a text with no blame this strong */
#define QUESTION_PRAISE 0.25f   /* praise inside a question counts half */ /* "Where is my parcel? Thanks!" is a question */

typedef struct slot {
    srp_token tok;      /* the tokenizer writes straight into the ring */
    uint32_t seq;
    const srp_lex_entry *e;
    uint32_t epoch[SRP_NLANG];   /* set with contrib[] */
    /* from here on cleared for each new word (SLOT_CLEAR) */
    const srp_lex_rec *rec[SRP_NLANG];   /* [XX] is the language-free record */
    float contrib[SRP_NLANG];
    uint16_t fset[SRP_NLANG];   /* flags this word set, per language */
    uint8_t negated[SRP_NLANG];
    uint8_t cry;                /* languages where contrib[] is tears tagged laugh */
    unsigned polite;            /* languages where contrib[] went to politeness */
    unsigned plainurg;          /* languages where contrib[] is plain urgency */
    unsigned interj;            /* languages where praise tagged interj was counted
                                 * here: bit l a word, bit 8 + l a phrase from here */
} slot;
#define SLOT_CLEAR offsetof(slot, rec)

/* A cue while scoring: its surface stays in the input (or a literal) and
 * becomes text (cue_text) only for the cues reported at the end. */
typedef struct icue {
    const char *src;
    uint32_t len;
    float weight;
    uint8_t kind;   /* sr_cue_kind */
    uint8_t mods;   /* SR_MOD_* */
} icue;

typedef struct lstate {
    double doc;          /* closed sentences */
    double seg_a, seg_b; /* open sentence: before / after the latest contrast */
    double ua, ub, udoc; /* the plain urgency words' part of seg_a, seg_b and
                          * doc: a report takes it back exactly */
    unsigned uhits;      /* hits that were plain urgency words */
    float cry_v;         /* tears' (negative) valence in the open sentence */
    double caps;         /* ALLCAPS emphasis, added if the text is mixed case */
    double polite;       /* thanks/please: weighed at the end (questions) */
    uint32_t epoch;      /* contrast words seen in the open sentence */
    uint32_t clause;     /* seq where the current clause starts */
    int64_t last_neg;    /* seq of the last negator, -1 when none */
    unsigned neg_reach;  /* how many words it reaches */
    int postneg;         /* a backward-acting negator waits for the next token */
    uint32_t postneg_seq;
    unsigned ncry;       /* the hits that were those tears */
    int64_t absence;     /* seq of an absence determiner ("no") waiting for its noun */
    int64_t concede;     /* seq of the word that opened a concessive clause, -1 */
    int64_t concede_end; /* the last seq it reaches */
    int64_t interj;      /* seq of a lone word of praise that opened the
                          * sentence before a comma ("Great, another delay."), -1 */
    float interj_v;      /* its valence */
    float laugh_v;       /* laughter's valence in the open sentence */
    int64_t thanks_seq;  /* seq of the last thanks in the open clause, -1 */
    float thanks_v;      /* its valence (in polite) */
    uint32_t thanks_sent; /* 1 + the first seq of the sentence where the last
                           * thanks (thanks_v) were said and are still thanks, 0 */
    double clause_val;   /* seg_a + seg_b when the clause began */
    double last_sent;    /* what the last closed sentence that said anything added */
    int64_t good_seq;    /* seq of the last praise or expected service ("help") */
    int64_t problem_seq; /* seq of the last problem word (fullneg) counted
                          * against the open sentence, -1 */
    int64_t laugh_seq;   /* seq of the last laughter in it, -1 */
    int64_t resolve_seq; /* seq of the last resolution word ("solved"), -1 */
    int64_t but_seq;     /* seq of the contrast word last applied, -1; what it
                          * changed, for a phrase that takes it back ("yet
                          * another"): */
    double but_a, but_b, but_ua, but_ub, but_cval;
    uint32_t but_clause;
    int64_t but_neg;
    int64_t unresolve_seq; /* seq of the last negated one ("not solved"), -1 */
    int64_t again_seq;   /* seq of a repetition word ("again") in the open sentence, -1 */
    const char *again_src;   /* its surface */
    uint32_t again_len;
    uint32_t again_epoch;
    int64_t why_seq;     /* seq of a why-word opening the open sentence, -1 */
    const char *why_src; /* its surface (the ring may have moved on) */
    uint32_t why_len;
    int64_t ask_seq;     /* seq of a word asking for information ("how do I")
                          * opening it, -1 */
    int64_t negw_seq;    /* seq of the last negated word of valence, -1 */
    float negw_sign;     /* the sign of its own valence */
    float burst_v;       /* praise of the short sentences that open the text */
    int burst;           /* 1 while every closed sentence was one of them */
    float rating_v;      /* the first rating's valence ("3/5", "2 étoiles") */
    int64_t corr_seq;    /* seq of the last correlative negator ("weder"), -1 */
    int64_t incred_seq;  /* first and last seq of an incredulity word or */
    int64_t incred_end;  /* phrase ("seriously", "im Ernst"), -1 */
    const char *incred_src;   /* the last one that was a question of its own */
    uint32_t incred_len;
    float incred;        /* such questions: counted at the end if the text complains */
    uint32_t laugh_epoch;
    int sarcasm;         /* a sarcasm marker was seen */
    int sarcasm_prev;    /* sarcasm before the last marker, at sarcasm_seq
                          * (-1): a longer phrase over it ("nie ma co
                          * narzekać" over "nie ma co") takes it back */
    int64_t sarcasm_seq;
    int request;         /* a word of request was seen ("please", "bitte",
                          * "thanks in advance"): thanks close the request,
                          * as in a question, and weigh as little */
    int req_verb;        /* a request verb was seen ("I would like", "ich
                          * möchte", "quisiera"), at req_verb_seq: the same,
                          * unless thanks or praise follow in its clause ("I
                          * would like to thank you": it asks for nothing) */
    int64_t req_verb_seq;
    uint16_t fcount[16]; /* words that set each flag bit */
    uint16_t adv_sent;   /* of those, advocacy in the open sentence */
    uint16_t adv_wait;   /* advocacy in a question that waits for its answer */
    uint32_t adv_wait_start, adv_wait_end;   /* that question's words */
    float adv_lost;      /* the praise the question took from it (QUESTION_PRAISE) */
    const char *mixed_src; /* the last mixed verdict ("mixed feelings"), NULL */
    uint32_t mixed_len;
    float rating_wait_v; /* the clause ends after it (rating_wait); its valence */
    int64_t mixed_end;   /* the last word of one with a valence of its own
                          * ("nothing special"), waiting for its clause to end */
    const char *mixed_wsrc;
    uint32_t mixed_wlen;
    unsigned fbits;      /* the bits whose count is not 0 */
    unsigned hits;
    unsigned ncues;
    int cue_min;         /* index of the weakest cue when all SR_CUE_MAX are
                          * taken and no weight changed since, else -1 */
    uint8_t rating_cls;  /* the classes of the ratings seen: 1 negative, 2 middling, 4 positive */
    uint8_t rating_prev; /* rating_cls before the latest rating, at rating_seq */
    uint8_t stars[2];    /* star glyphs seen: [1] full (★), [0] empty (☆) */
    int32_t rating_seq;  /* (a phrase that takes the rating in undoes it), -1 */
    int32_t rating_wait; /* seq of a rating "3/5" inside its clause: it counts if */
    /* from here on only the first ncues entries are ever read: a new
     * document resets the fields above (LSTATE_HEAD), not these */
    icue cues[SR_CUE_MAX];
    uint32_t cue_seq[SR_CUE_MAX];
    uint32_t cue_epoch[SR_CUE_MAX];
    uint8_t cue_polite[SR_CUE_MAX];
} lstate;

static const lstate lstate_init = {
    .last_neg = -1, .absence = -1, .concede = -1, .interj = -1, .laugh_seq = -1,
    .thanks_seq = -1, .good_seq = -1, .problem_seq = -1, .resolve_seq = -1, .but_seq = -1,
    .unresolve_seq = -1, .again_seq = -1, .why_seq = -1, .ask_seq = -1, .negw_seq = -1, .corr_seq = -1,
    .incred_seq = -1, .incred_end = -1, .mixed_end = -1, .rating_wait = -1, .rating_seq = -1,
    .req_verb_seq = -1, .sarcasm_seq = -1,
    .neg_reach = WINDOW, .burst = 1,
    .cue_min = -1};
#define LSTATE_HEAD offsetof(lstate, cues)

typedef struct scorer {
    const sr_ctx *ctx;
    const srp_lexicon *lex;
    unsigned mask;
    uint32_t seq;        /* words seen; next word's seq */
    uint32_t sent_start; /* first seq of the open sentence */
    uint32_t clause;     /* first seq of the open clause */
    unsigned excl, quest;
    unsigned qmarks;     /* '?' and '!' of the mark that closes a question, else 0 */
    unsigned tokens;
    unsigned words;             /* words with letters */
    unsigned cov[SRP_NLANG];    /* of those, known to each language */
    unsigned postneg_mask;      /* languages with a backward negator pending */
    unsigned absence_mask;      /* languages with an absence determiner pending */
    unsigned sep_mask;          /* languages where the last word, sep_pos, is a
                                 * particle that may end its clause ("ab") */
    uint32_t sep_pos;
    unsigned advq_mask;         /* languages with a question's advocacy pending */
    unsigned xprev;             /* languages where the last word of the clause
                                 * is an excess word ("too") */
    uint32_t pstarts;           /* bit k: the word k positions back may start a phrase */
    int locked;                 /* the language is decided: mask holds it alone */
    int lower_seen;             /* a word not in capitals was seen */
    unsigned person;            /* languages in which a word of the writer or
                                 * the one addressed was seen ("my", "please") */
    int64_t phrase_start;       /* first and last word covered by the latest */
    int64_t phrase_end;         /* applied phrase, -1 */
    unsigned dirty;             /* languages whose state a word changed since
                                 * the last sentence end: a boundary has work
                                 * there; elsewhere it only moves the clause */
    unsigned inited;            /* languages whose L[] is set up (touch()) */
    const char *close_end;      /* end of a closing formula ("Kind regards,")
                                 * the next word may begin a new line after */
    const char *sig_end;        /* end of the last word of the signature line */
    unsigned sig_left;          /* words of that line still to come: the
                                 * writer's name ("Claire", "Dolores") */
    int sig_names;              /* on the closing's own line: capitalized
                                 * words only */
    const char *text;           /* the text scored (line_start()) */
    int64_t signoff;            /* first seq of a sign-off word at the start of
                                 * its line ("Best,"), -1 */
    int signoff_ok;             /* ... and a new line followed it: undo it */
    int sig;                    /* close_end or sig_left is set: signature()
                                 * looks at each word */
    unsigned reported;          /* languages with a word of attribution ("said",
                                 * "selon"): report_src[l], report_len[l] */
    const char *report_src[SRP_NLANG];
    uint32_t report_len[SRP_NLANG];
    float ev[SRP_NLANG];
    slot ring[RING];
    lstate L[SRP_NLANG];
} scorer;

static float signf(double v)
{
    return v < 0 ? -1.0f : 1.0f;
}

/* touch - language l's state is about to change: set it up on first use
 * in the document (a language no word speaks to costs nothing) and mark
 * it for the next boundary */
static inline lstate *touch(scorer *s, int l)
{
    lstate *L = &s->L[l];

    if (!(s->inited & (1u << l))) {
        memcpy(L, &lstate_init, LSTATE_HEAD);
        L->clause = s->clause;   /* as a boundary would have left it */
        s->inited |= 1u << l;
    }
    s->dirty |= 1u << l;
    return L;
}

/* is_emoticon - tokenizer predicate: a raw lexicon entry? */
static int is_emoticon(const void *ud, const char *raw, size_t len)
{
    const srp_lexicon *lex = ud;
    const srp_lex_entry *e = srp_lexicon_get(lex, srp_hash(raw, len), raw, len);

    return e != NULL && (e->eflags & SRP_E_RAW);
}

/* cue_text - a printable, valid UTF-8 copy of the surface text: control
 * characters and white space runs become one space, invalid sequences are
 * dropped (a phrase's span may hold anything between its words) */
static void cue_text(char *dst, const char *src, size_t len)
{
    const unsigned char *p = (const unsigned char *)src, *end = p + len;
    size_t o = 0;

    while (p < end) {
        if (*p > 0x20 && *p < 0x7f) {
            /* printable ASCII, the common case */
            if (o + 1 >= SR_CUE_TEXT_MAX)
                break;
            dst[o++] = (char)*p++;
            continue;
        }
        const unsigned char *q = p;
        uint32_t cp = srp_utf8_decode(&q, end);
        size_t k = (size_t)(q - p);

        if (cp == 0xfffd && k != 3) {
            p = q;
            continue;
        }
        if (cp < 0x20 || cp == 0x7f || cp == ' ') {
            if (o > 0 && dst[o - 1] != ' ' && o + 1 < SR_CUE_TEXT_MAX)
                dst[o++] = ' ';
            p = q;
            continue;
        }
        if (o + k >= SR_CUE_TEXT_MAX)
            break;
        memcpy(dst + o, p, k);
        o += k;
        p = q;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

/* cue_add - keep the strongest cues; the weakest one makes room */
static void cue_add(lstate *L, const char *surface, size_t len, float w, int kind, unsigned mods,
                    uint32_t seq)
{
    unsigned i = L->ncues;

    if (i == SR_CUE_MAX) {
        /* the first of the weakest; remembered while the cues stay as
         * they are (a long text turns most candidates away) */
        if (L->cue_min < 0) {
            unsigned weakest = 0;
            float min = fabsf(L->cues[0].weight);
#pragma GCC unroll 16
            for (unsigned k = 1; k < SR_CUE_MAX; k++) {
                float a = fabsf(L->cues[k].weight);
                int lt = a < min;   /* no branch: the order is random */
                min = lt ? a : min;
                weakest = lt ? k : weakest;
            }
            L->cue_min = (int)weakest;
        }
        if (fabsf(L->cues[L->cue_min].weight) >= fabsf(w) && kind == SR_CUE_WORD)
            return;
        i = (unsigned)L->cue_min;
    } else {
        L->ncues++;
    }
    L->cue_min = -1;
    L->cues[i].src = surface;
    L->cues[i].len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    L->cues[i].weight = w;
    L->cues[i].kind = (uint8_t)kind;
    L->cues[i].mods = (uint8_t)mods;
    L->cue_seq[i] = seq;
    L->cue_epoch[i] = L->epoch;
    L->cue_polite[i] = 0;
}

/* cue_remove - forget cue i (the last one takes its place) */
static void cue_remove(lstate *L, unsigned i)
{
    L->cue_min = -1;
    L->ncues--;
    L->cues[i] = L->cues[L->ncues];
    L->cue_seq[i] = L->cue_seq[L->ncues];
    L->cue_epoch[i] = L->cue_epoch[L->ncues];
    L->cue_polite[i] = L->cue_polite[L->ncues];
}

/* cue_drop - forget the cues of one word (it became part of a phrase) */
static void cue_drop(lstate *L, uint32_t seq)
{
    L->cue_min = -1;
    for (unsigned i = 0; i < L->ncues;) {
        if (L->cue_seq[i] == seq)
            cue_remove(L, i);
        else
            i++;
    }
}

/* cue_reweight - set the weight of a word's valence cue */
static void cue_reweight(lstate *L, uint32_t seq, float w, unsigned addmods)
{
    L->cue_min = -1;
    for (unsigned i = 0; i < L->ncues; i++)
        if (L->cue_seq[i] == seq && L->cues[i].kind <= SR_CUE_EMOJI) {
            L->cues[i].weight = w;
            L->cues[i].mods |= (uint8_t)addmods;
        }
}

/* rec_for - the record of entry e for language l, or NULL */
static const srp_lex_rec *rec_for(const srp_lexicon *lex, const srp_lex_entry *e, int l)
{
    const srp_lex_rec *r;

    if (e == NULL)
        return NULL;
    r = srp_lexicon_recs(lex, e);
    for (unsigned i = 0; i < e->nrec; i++)
        if (r[i].lang == l)
            return &r[i];
    return NULL;
}

/* resolve - records of a word per language: exact, else the longest stem;
 * returns the languages that have one (bit 0: a language-free record) */
static unsigned resolve(scorer *s, slot *sl, const srp_token *tok)
{
    const srp_lexicon *lex = s->lex;
    unsigned found = 0, missing;

    sl->e = tok->key_len ? srp_lexicon_get_key(lex, tok->hash, tok->key, tok->key_len) : NULL;
    if (sl->e != NULL) {
        const srp_lex_rec *r = srp_lexicon_recs(lex, sl->e);
        /* the records of the languages scored, and the evidence of all
         * (srp_lang_word_evidence, exact, in the same loop) */
        const unsigned nl = sl->e->nlang;
        for (unsigned i = 0; i < sl->e->nrec; i++) {
            const unsigned rl = r[i].lang;
            if (rl != SRP_LANG_XX)
                s->ev[rl] += srp_lang_evidence_w[1][(r[i].tags & SRP_T_FUNC) != 0][nl];
            if (s->mask & (1u << rl)) {
                sl->rec[rl] = &r[i];
                found |= 1u << rl;
            }
        }
    }
    if (tok->type != SRP_TOK_WORD || tok->key_len < 4)
        return found;
    /* stems only for languages that have stems and no exact record */
    missing = s->mask & srp_lexicon_stem_langs(lex) & ~found & ~1u;
    if (missing == 0)
        return found;
    /* lengths of the stems that begin like this word, shorter than it */
    uint32_t lens = srp_lexicon_stem_lengths(lex, tok->key);
    lens &= tok->key_len < 32 ? (1u << tok->key_len) - 1 : ~0u;
    if (lens == 0)
        return found;

    /* probe from the longest candidate, where the Bloom filter says a stem
     * may exist */
    for (uint32_t m = lens; m && missing; m &= ~(1u << (31 - __builtin_clz(m)))) {
        unsigned n = 31 - (unsigned)__builtin_clz(m);
        const srp_lex_entry *pe;
        if (((unsigned char)tok->key[n] & 0xc0) == 0x80)
            continue; /* not a character boundary */
        uint32_t ph = srp_hash_key(tok->key, n);
        if (!srp_lexicon_maybe_key(lex, ph))
            continue;
        pe = srp_lexicon_get_key(lex, ph, tok->key, n);
        if (pe == NULL || !(pe->eflags & SRP_E_HAS_STEM))
            continue;
        const srp_lex_rec *r = srp_lexicon_recs(lex, pe);
        int hit = 0;
        for (unsigned i = 0; i < pe->nrec; i++) {
            if ((r[i].tags & SRP_T_STEM) && (missing & (1u << r[i].lang))) {
                sl->rec[r[i].lang] = &r[i];
                missing &= ~(1u << r[i].lang);
                found |= 1u << r[i].lang;
                hit = 1;
            }
        }
        if (hit)
            srp_lang_word_evidence(s->ev, lex, pe, 0);
    }
    return found;
}

/* resolve_elongated - "goooood" -> "good", "sooo" -> "so" */
static unsigned resolve_elongated(scorer *s, slot *sl)
{
    unsigned found = 0;

    /* runs of three or more letters cut to two ("goooood"), then to one
     * with doubles kept ("terribleeee", "horriiible"), then every run to
     * one ("sooo", "nuuul") */
    for (int pass = 0; pass < 3; pass++) {
        char k[SRP_KEY_MAX];
        unsigned o = 0;
        const srp_lex_entry *e;

        for (unsigned i = 0; i < sl->tok.key_len;) {
            unsigned j = i + 1;
            while (j < sl->tok.key_len && sl->tok.key[j] == sl->tok.key[i])
                j++;
            unsigned run = j - i;
            unsigned keep = pass == 0 ? (run >= 3 ? 2 : run) : pass == 1 ? (run >= 3 ? 1 : run) : 1;
            for (unsigned n = 0; n < keep; n++)
                k[o++] = sl->tok.key[i];
            i = j;
        }
        e = srp_lexicon_get(s->lex, srp_hash(k, o), k, o);
        if (e != NULL) {
            const srp_lex_rec *r = srp_lexicon_recs(s->lex, e);
            sl->e = e;
            for (unsigned i = 0; i < e->nrec; i++)
                if (s->mask & (1u << r[i].lang)) {
                    sl->rec[r[i].lang] = &r[i];
                    found |= 1u << r[i].lang;
                }
            /* the word says which language, as it would unstretched */
            srp_lang_word_evidence(s->ev, s->lex, e, 1);
            return found;
        }
    }
    return found;
}

/* slot_rec - the record that applies to language l: its own, else XX */
static const srp_lex_rec *slot_rec(const slot *sl, int l)
{
    return sl->rec[l] != NULL ? sl->rec[l] : sl->rec[SRP_LANG_XX];
}

static int cue_kind_of(unsigned tags)
{
    if (tags & SRP_T_THREAT)
        return SR_CUE_THREAT;
    if (tags & SRP_T_URGENT)
        return SR_CUE_URGENCY;
    if (tags & SRP_T_HUMAN)
        return SR_CUE_HUMAN;
    if (tags & SRP_T_OFFENSIVE)
        return SR_CUE_OFFENSIVE;
    if (tags & SRP_T_ADVOCACY)
        return SR_CUE_ADVOCACY;
    return -1;
}

static unsigned flags_of(unsigned tags)
{
    unsigned f = 0;

    if (tags & SRP_T_THREAT)
        f |= SR_FLAG_THREATENING;
    if (tags & SRP_T_URGENT)
        f |= SR_FLAG_URGENT_CUE;
    if (tags & SRP_T_HUMAN)
        f |= SR_FLAG_HUMAN_REQUESTED;
    if (tags & SRP_T_OFFENSIVE)
        f |= SR_FLAG_OFFENSIVE;
    if (tags & SRP_T_ADVOCACY)
        f |= SR_FLAG_ADVOCACY;
    return f;
}

static int postneg_flip(scorer *s, int l, uint32_t p);

/* flag_add - count the flags a word sets, so that undoing the word (it
 * became part of a phrase) can take them back */
static void flag_add(lstate *L, slot *sl, int l, unsigned f)
{
    sl->fset[l] |= (uint16_t)f;
    L->fbits |= f;
    if (f & SR_FLAG_ADVOCACY)
        L->adv_sent++;
    for (; f; f &= f - 1)
        L->fcount[__builtin_ctz(f)]++;
}

static void flag_undo(lstate *L, slot *sl, int l)
{
    if ((sl->fset[l] & SR_FLAG_ADVOCACY) && L->adv_sent > 0)
        L->adv_sent--;
    for (unsigned f = sl->fset[l]; f; f &= f - 1) {
        unsigned b = (unsigned)__builtin_ctz(f);
        if (--L->fcount[b] == 0)
            L->fbits &= ~(1u << b);
    }
    sl->fset[l] = 0;
}

static unsigned flags_now(const lstate *L)
{
    return L->fbits;
}

static void undo(scorer *s, int l, slot *sl);

/* neither_nor - a negated word of valence: "neither good nor bad", "ni
 * bon ni mauvais", "weder gut noch schlecht", "ani dobry, ani zły" deny
 * both sides and so say nothing: with a negated word of the other sign
 * shortly before it in the sentence, each under its own negator or both
 * under a correlative one ("weder"), neither counts (returns 1; the
 * earlier word is taken back).  "I can't recommend this bad product" (one
 * plain negator over both) and "not cheap, not good" stay complaints. */
static int neither_nor(scorer *s, int l, float valence, uint32_t pos)
{
    lstate *L = &s->L[l];
    const int64_t prev = L->negw_seq;
    const float prev_sign = L->negw_sign;

    L->negw_seq = pos;
    L->negw_sign = signf(valence);
    if (prev < (int64_t)s->sent_start || pos - (uint32_t)prev > PAIR_REACH ||
        prev_sign == L->negw_sign)
        return 0;
    /* a negator of its own after the first word, or a correlative one
     * reaching both */
    if (L->last_neg <= prev && L->last_neg != L->corr_seq)
        return 0;
    slot *ps = &s->ring[(uint32_t)prev & (RING - 1)];
    /* "not happy, but not as angry as before": a contrast between them
     * weighs one against the other */
    if (ps->seq != (uint32_t)prev || !ps->negated[l] || ps->contrib[l] == 0.0f ||
        (ps->polite & (1u << l)) || ps->epoch[l] != L->epoch)
        return 0;
    undo(s, l, ps);
    L->negw_seq = -1;
    return 1;
}

/* laugh - laughter ("lol", "xD") or tears ("😭") counted at pos: what
 * the end of its sentence weighs (sentence_close, drop_cries); returns
 * the cue marks to add */
static __attribute__((noinline)) unsigned laugh(lstate *L, slot *sl, int l, float v, uint32_t pos,
                                                int tears)
{
    if (v > 0) {
        L->laugh_v += v;
        L->laugh_seq = pos;
        L->laugh_epoch = L->epoch;
    } else if (tears) {
        sl->cry |= 1u << l;
        L->cry_v += v;
        L->ncry++;
        return CUE_CRY;
    }
    return 0;
}

/* one_of - w (n bytes) is one of list (whole, ASCII case folded), or
 * begins with one when prefix */
static int one_of(const char *w, size_t n, const char *const *list, size_t count, int prefix)
{
    for (size_t k = 0; k < count; k++) {
        size_t m = strlen(list[k]);
        if ((prefix ? n >= m : n == m) && strncasecmp(w, list[k], m) == 0)
            return 1;
    }
    return 0;
}

/* star_noun - w opens with the noun of a rating's scale: "stars",
 * "Sterne", "étoiles", "estrellas", "gwiazdki" */
static int star_noun(const char *w, size_t n)
{
    static const char *const nouns[] = {"star", "stern", "\xc3\xa9toile", "\xc3\x89toile", "etoile",
                                        "estrell", "gwiazd"};

    return one_of(w, n, nouns, sizeof(nouns) / sizeof(nouns[0]), 1);
}

/* interj_particle - w is a particle that can stand before an exclamation
 * of praise and leave it one: "Oh great, another delay.", "Ach toll, ...",
 * "Ah génial, ...", "Och super, ..."; so is the exclamative "how" ("Wie
 * toll, dass die App jetzt Geld kostet und falsch liegt", "How lovely, ...",
 * "Jak super, ...", "Que génial, ...") */
static int interj_particle(const char *w, size_t n)
{
    static const char *const parts[] = {"oh", "ohh", "ooh", "ah", "ahh", "aah", "ach", "och",
                                        "wie", "how", "jak", "que"};

    return one_of(w, n, parts, sizeof(parts) / sizeof(parts[0]), 0);
}

/* is_rating - a word or phrase of valence is a rating when it opens with a
 * number and then a slash and a digit ("3/5", "8.5/10": 2) or a space and
 * words ("2 étoiles", "3 von 5 Sternen", "3 étoiles sur 5", "1 star is
 * generous": 1), or when a phrase (phrase) is a number word and a star noun
 * ("fünf Sterne", "deux étoiles": 1).  "8 out of 10 flights" is as often a
 * share, and "3rd time", "3ème fois", "143" and emoticons ("8)", "0:-)")
 * are none */
static int is_rating(const char *w, size_t n, int phrase)
{
    size_t i = 0;

    if (!(w[0] >= '0' && w[0] <= '9')) {
        if (!phrase)
            return 0;
        while (i < n && w[i] != ' ' && w[i] != '-')
            i++;
        return i + 1 < n && memchr(w + i + 1, ' ', n - i - 1) == NULL &&
               star_noun(w + i + 1, n - i - 1);
    }
    while (i < n && w[i] >= '0' && w[i] <= '9')
        i++;
    if (i > 2)
        return 0;
    if (i + 1 < n && (w[i] == '.' || w[i] == ',') && w[i + 1] >= '0' && w[i + 1] <= '9')
        i += 2;
    if (i + 1 < n && w[i] == '/' && w[i + 1] >= '0' && w[i + 1] <= '9')
        return 2;
    return i + 1 < n && (w[i] == ' ' || (phrase && w[i] == '-')) &&
           !(n - i > 4 && memcmp(w + i, " out ", 5) == 0);
}

/* rating_add - a rating of valence v at seq counts as the writer's verdict */
static void rating_add(lstate *L, float v, int64_t seq)
{
    L->rating_prev = L->rating_cls;
    L->rating_seq = (int32_t)seq;   /* seqs stay below 2^31: max_text_bytes is at most 64 MiB */
    if (L->rating_cls == 0)
        L->rating_v = v;
    L->rating_cls |= (uint8_t)(v <= -RATING_CLEAR ? 1u : v >= RATING_CLEAR ? 4u : 2u);
}

/* apply - one record at word position pos for language l */
/* loss_end - the word at seq p, a problem or a loss word, named the end of
 * the other (apply()): undo its blame; 1 when it had some.  Out of line,
 * apply() is the hot path */
static __attribute__((noinline)) int loss_end(scorer *s, int l, int64_t p)
{
    slot *sl = &s->ring[(uint32_t)p & (RING - 1)];

    if (sl->seq != (uint32_t)p || sl->contrib[l] >= 0.0f)
        return 0;
    undo(s, l, sl);
    return 1;
}

static void apply(scorer *s, int l, const srp_lex_rec *r, uint32_t pos, const char *surface,
                  size_t surface_len, unsigned tflags, int emoji)
{
    lstate *L = &s->L[l];
    slot *sl = &s->ring[pos & (RING - 1)];
    unsigned tags = r->tags;
    unsigned mods = 0;
    int kind;

    /* "rebook me NOW", "el dinero YA": urgency only when shouted after
     * words in lower case, not opening the sentence ("JETZT im TV",
     * "APOCALYPSE NOW" are titles); "now" is a plain word */
    if ((tags & SRP_T_URGENT) && r->arg < 0.0f && !(tags & (SRP_T_NEG | SRP_T_BOOST)) &&
        (!(tflags & SRP_TF_CAPS) || pos == s->sent_start || !s->lower_seen))
        return;
    if (tags & SRP_T_NEG) {
        L->last_neg = pos;
        L->neg_reach = r->arg >= 1.0f && !(tags & SRP_T_BOOST) ? (unsigned)r->arg : WINDOW;
        if (tags & SRP_T_POSTNEG) {
            /* "j'aime pas", "mag ich nicht": the word right before flips at
             * once; a word further back flips if the clause ends here */
            L->postneg = 1;
            s->postneg_mask |= 1u << l;
            L->postneg_seq = pos;
            if (pos > 0 && pos - 1 >= L->clause) {
                uint32_t p = pos - 1;
                /* a phrase ending right here carries its value on its first word */
                if (s->phrase_end == (int64_t)p && s->phrase_start >= (int64_t)L->clause)
                    p = (uint32_t)s->phrase_start;
                postneg_flip(s, l, p);
            }
        }
    }
    if ((tags & SRP_T_BUT) && (!(r->tags2 & SRP_T2_LEADBUT) || pos == s->clause)) {
        L->but_seq = pos;
        L->but_a = L->seg_a;
        L->but_b = L->seg_b;
        L->but_ua = L->ua;
        L->but_ub = L->ub;
        L->but_cval = L->clause_val;
        L->but_clause = L->clause;
        L->but_neg = L->last_neg;
        L->seg_a += L->seg_b;
        L->seg_b = 0;
        L->ua += L->ub;
        L->ub = 0;
        L->epoch++;
        L->clause = pos + 1;
        L->clause_val = L->seg_a;
        L->last_neg = -1;
    }
    if (r->tags2 & SRP_T2_CONCEDE) {
        L->concede = pos;
        L->concede_end = r->arg >= 1.0f ? (int64_t)pos + (int64_t)r->arg : INT64_MAX;
    }
    if (tags & SRP_T_ABSENCE) {
        L->absence = pos;
        s->absence_mask |= 1u << l;
    }
    if (tags & SRP_T_SARCASM) {
        L->sarcasm_prev = L->sarcasm;
        L->sarcasm_seq = pos;
        L->sarcasm = 1;
    }
    kind = cue_kind_of(tags);
    /* urgency is urgency, negated or not ("if not immediately...") */
    int negated = !emoji && !(tags & SRP_T_URGENT) && !(r->tags2 & SRP_T2_SENTADV) &&
                  L->last_neg >= 0 &&
                  (int64_t)L->clause <= L->last_neg && L->last_neg < (int64_t)pos &&
                  pos - (uint32_t)L->last_neg <= L->neg_reach;
    /* "nie rozwiązali problemu", "didn't fix my problem": the negator
     * went to the solution; the problem stays a problem */
    if (negated && (r->tags2 & SRP_T2_FULLNEG) && L->unresolve_seq >= (int64_t)L->clause &&
        pos - (uint32_t)L->unresolve_seq <= RESOLVE_REACH)
        negated = 0;
    /* "Please change my address. Many thanks": thanks that close a
     * request are courtesy, weighed as in a question (see the end) */
    if ((tags & SRP_T_POLITE) && !negated) {
        const float rv = (tags & SRP_T_VAL) ? r->valence : 0.0f;
        if (rv <= 0.0f) {
            L->req_verb = 1;   /* "I would like", "thanks in advance" */
            L->req_verb_seq = pos;
        } else if (rv < THANKS_MIN) {
            /* "please", "I would appreciate"; not "thank you kindly" */
            const int64_t prev = s->phrase_end == (int64_t)pos - 1 ? s->phrase_start
                                                                   : (int64_t)pos - 1;
            if (L->thanks_seq < 0 || L->thanks_seq != prev)
                L->request = 1;
        } else if (L->req_verb_seq >= (int64_t)L->clause) {
            L->req_verb = 0;   /* "I would like to thank you" */
            L->req_verb_seq = -1;
        }
    }
    /* "I would not recommend" is no advocacy */
    flag_add(L, sl, l, flags_of(tags) & (negated ? ~SR_FLAG_ADVOCACY : ~0u));
    /* "URGENT", "PILNE": urgency shouted is the writer's own */
    if ((tags & SRP_T_URGENT) && (tflags & SRP_TF_CAPS))
        s->person |= 1u << l;

    if (tags & SRP_T_EXPECT)
        L->good_seq = pos;
    if (!(tags & (SRP_T_VAL | SRP_T_EXPECT))) {
        if (kind >= 0)
            cue_add(L, surface, surface_len, 0.0f, kind, 0, pos);
        return;
    }

    float v = (tags & SRP_T_VAL) ? r->valence : 0.0f;
    if ((r->tags2 & SRP_T2_FULLNEG) && v < 0 && !negated && L->resolve_seq >= (int64_t)L->clause &&
        pos - (uint32_t)L->resolve_seq <= RESOLVE_REACH) {
        /* "me solucionó un problema", "fixed my problem": the problem
         * named by the solution is over (before its capitals count);
         * "Desapareció el problema", "Zniknął problem": so is the blame
         * of the loss word that named its end */
        loss_end(s, l, L->resolve_seq);
        return;
    }
    if (!emoji) {
        if ((tflags & SRP_TF_CAPS) && v != 0.0f) {
            L->caps += signf(v) * CAPS_INCR;
            mods |= SR_MOD_CAPS;
        }
        for (uint32_t d = 1; d <= WINDOW && d <= pos && pos - d >= L->clause && v != 0.0f; d++) {
            const slot *b = &s->ring[(pos - d) & (RING - 1)];
            const srp_lex_rec *br = slot_rec(b, l);
            float sc;
            if (b->seq != pos - d || br == NULL || !(br->tags & SRP_T_BOOST))
                continue;
            sc = br->arg;
            if (v < 0)
                sc = -sc;
            if (b->tok.flags & SRP_TF_CAPS)
                sc += signf(sc) * CAPS_INCR;
            sc *= d == 1 ? 1.0f : d == 2 ? 0.95f : 0.9f;
            v += sc;
            mods |= br->arg > 0 ? SR_MOD_BOOSTED : SR_MOD_DAMPENED;
        }
        if (negated) {
            /* an expected thing that did not happen is a complaint */
            v = (tags & SRP_T_EXPECT)                              ? EXPECT_NEG
                : v < 0 && !(r->tags2 & SRP_T2_FULLNEG) ? v * N_SCALAR_NEG
                                                        : v * N_SCALAR;
            mods |= SR_MOD_NEGATED;
            sl->negated[l] = 1;
            if ((tags & SRP_T_VAL) && !(tags & SRP_T_EXPECT) && r->valence != 0.0f &&
                neither_nor(s, l, r->valence, pos))
                v = 0.0f;
        }
    }
    if (v == 0.0f) {
        /* a neutralized word (e.g. "support" in customer service) */
        if (kind >= 0)
            cue_add(L, surface, surface_len, 0.0f, kind, mods, pos);
        return;
    }
    if ((tags & SRP_T_POLITE) && pos == s->sent_start + 1 && r->valence > 0) {
        /* "No, thanks.", "Nein danke", "No thank you": a sentence that opens
         * with a lone negator and thanks declines; it does not thank */
        const slot *b = &s->ring[(pos - 1) & (RING - 1)];
        const srp_lex_rec *br = slot_rec(b, l);
        if (b->seq == pos - 1 && br != NULL &&
            ((br->tags & SRP_T_NEG) || (br->tags2 & SRP_T2_ANSWERNO))) {
            v = REFUSAL_VAL;
            mods &= ~(unsigned)SR_MOD_NEGATED;
            sl->negated[l] = 0;
        }
    }
    if ((tags & SRP_T_POLITE) && !(mods & SR_MOD_NEGATED)) {
        /* politeness is weighed at the end, when we know if it closes a
         * question; it takes no part in phrases or contrast */
        L->polite += v;
        sl->contrib[l] = v;
        sl->polite |= 1u << l;
        if (v >= THANKS_MIN) {
            L->thanks_seq = pos;
            L->thanks_v = v;
            L->thanks_sent = s->sent_start + 1;
        }
        cue_add(L, surface, surface_len, v, SR_CUE_WORD, mods, pos);
        if (L->ncues > 0 && L->cue_seq[L->ncues - 1] == pos)
            L->cue_polite[L->ncues - 1] = 1;
        return;
    }
    if (L->concede >= (int64_t)L->clause && L->concede < (int64_t)pos &&
        (int64_t)pos <= L->concede_end) {
        v *= CONCEDE_W;
        mods |= SR_MOD_CONTRAST;
    }
    if ((r->tags2 & SRP_T2_FULLNEG) && v < 0)
        L->problem_seq = pos;
    if ((r->tags2 & SRP_T2_RESOLVE) && v < 0 && !negated && L->problem_seq >= (int64_t)s->sent_start &&
        pos - (uint32_t)L->problem_seq < RING) {
        /* a loss word ("disappeared", "verschwunden", "zniknął") after a
         * problem: "El problema desapareció", "Das Problem ist
         * verschwunden" is a problem's end; neither counts ("Mi paquete
         * desapareció" stays a loss) */
        if (loss_end(s, l, L->problem_seq)) {
            L->problem_seq = -1;
            return;
        }
    }
    if ((r->tags2 & SRP_T2_RESOLVE) && !negated)
        L->resolve_seq = pos;   /* a loss word too: "Zniknął problem" */
    if ((r->tags2 & SRP_T2_RESOLVE) && negated)
        L->unresolve_seq = pos;
    if ((r->tags2 & SRP_T2_RESOLVE) && v > 0 && !negated && L->problem_seq >= (int64_t)s->sent_start &&
        pos - (uint32_t)L->problem_seq < RING) {
        /* "the problem with my order was resolved quickly": the problem
         * is over; it counts no more */
        slot *ps = &s->ring[(uint32_t)L->problem_seq & (RING - 1)];
        if (ps->seq == (uint32_t)L->problem_seq && ps->contrib[l] < 0.0f)
            undo(s, l, ps);
        L->problem_seq = -1;
    }
    if (r->tags2 & SRP_T2_LAUGH)
        mods |= laugh(L, sl, l, v, pos, emoji && !negated);
    if (v > 0 && !emoji)   /* applause goes with the thanks (thanks_check) */
        L->good_seq = pos;
    if (v > 0 && L->req_verb_seq >= (int64_t)L->clause && L->req_verb_seq < (int64_t)pos) {
        /* "I would like to thank you", "ich möchte mich herzlich bedanken",
         * "je voudrais vous remercier": it asks for nothing */
        L->req_verb = 0;
        L->req_verb_seq = -1;
    }
    if (v > 0 && (r->tags2 & SRP_T2_INTERJ))
        sl->interj |= 1u << l;
    /* "★★★☆☆": the glyphs are counted; the row is a rating at the end */
    if (emoji && surface_len == 3 && (unsigned char)surface[0] == 0xE2 &&
        (unsigned char)surface[1] == 0x98 &&
        ((unsigned char)surface[2] == 0x85 || (unsigned char)surface[2] == 0x86) &&
        L->stars[surface[2] & 1] < 255)
        L->stars[surface[2] & 1]++;
    const int in_phrase = s->phrase_end > (int64_t)pos;
    if (((surface[0] >= '0' && surface[0] <= '9') || in_phrase) && !negated && (tags & SRP_T_VAL)) {
        /* "3/5" opens or ends its clause ("2/5 - ...", "Note : 3/5.");
         * "my flight on 8/10 to LAX" is a date */
        int rt = is_rating(surface, surface_len, in_phrase);
        if (rt == 1 || (rt == 2 && pos == s->clause))
            rating_add(L, r->valence, pos);
        else if (rt == 2) {
            L->rating_wait = (int32_t)pos;
            L->rating_wait_v = r->valence;
        }
    }
    L->seg_b += v;
    L->hits++;
    sl->contrib[l] = v;
    if ((tags & SRP_T_URGENT) && fabsf(r->valence) <= URGENT_PLAIN) {
        L->ub += v;
        L->uhits++;
        sl->plainurg |= 1u << l;
        mods |= CUE_PLAINURG;
    }
    sl->epoch[l] = L->epoch;
    cue_add(L, surface, surface_len, v, kind >= 0 ? kind : emoji ? SR_CUE_EMOJI : SR_CUE_WORD,
            mods, pos);
}

/* absence - "no answer": the word after an absence determiner carries no
 * valence of its own, so the lack of it is the complaint */
static void absence(scorer *s, int l, const slot *sl, uint32_t pos)
{
    lstate *L = &s->L[l];
    const srp_lex_rec *r;
    const slot *det;

    if (L->absence < 0) {
        s->absence_mask &= ~(1u << l);
        return;
    }
    if ((int64_t)pos != L->absence + 1 || L->absence < (int64_t)L->clause) {
        if ((int64_t)pos > L->absence) {
            L->absence = -1;
            s->absence_mask &= ~(1u << l);
        }
        return;
    }
    L->absence = -1;
    s->absence_mask &= ~(1u << l);
    r = slot_rec(sl, l);
    if (sl->tok.type != SRP_TOK_WORD || sl->tok.key_len < 3 ||
        (r != NULL && (r->tags & (SRP_T_VAL | SRP_T_FUNC | SRP_T_NEG | SRP_T_BOOST))))
        return;
    det = &s->ring[(pos - 1) & (RING - 1)];
    if (det->seq != pos - 1)
        return;
    L->seg_b += ABSENCE_VAL;
    L->hits++;
    s->ring[pos & (RING - 1)].contrib[l] = ABSENCE_VAL;
    s->ring[pos & (RING - 1)].epoch[l] = L->epoch;
    cue_add(L, det->tok.surface, (size_t)(sl->tok.surface + sl->tok.surface_len - det->tok.surface), ABSENCE_VAL,
            SR_CUE_WORD, 0, pos);
}

/* hashtag_part - the valence records of one part of a hashtag */
static int hashtag_part(scorer *s, const slot *sl, uint32_t pos, const srp_lex_entry *e,
                        int *negate)
{
    const srp_lex_rec *recs = srp_lexicon_recs(s->lex, e);
    int any_val = 0;

    srp_lang_word_evidence(s->ev, s->lex, e, 0);
    for (unsigned j = 0; j < e->nrec; j++) {
        const srp_lex_rec *r = &recs[j];
        if (!(s->mask & (1u << r->lang)))
            continue;
        if (r->tags & SRP_T_NEG) {
            *negate = 1;
            continue;
        }
        if (!(r->tags & SRP_T_VAL) || r->valence == 0.0f)
            continue;
        any_val = 1;
        float v = *negate ? r->valence * N_SCALAR : r->valence;
        int ls = r->lang;
        for (int l = ls == SRP_LANG_XX ? 0 : ls; l < SRP_NLANG; l++) {
            lstate *L = &s->L[l];
            if (!(s->mask & (1u << l)))
                continue;
            if (ls == SRP_LANG_XX && l != SRP_LANG_XX && rec_for(s->lex, e, l) != NULL)
                continue;
            touch(s, l);
            L->seg_b += v;
            L->hits++;
            cue_add(L, sl->tok.surface, sl->tok.surface_len, v, SR_CUE_WORD,
                    *negate ? SR_MOD_NEGATED : 0, pos);
            if (ls != SRP_LANG_XX)
                break;
        }
    }
    if (any_val)
        *negate = 0;
    return any_val;
}

/* hashtag - "#NotHappy", "#horriblecustomerservice": lexicon words inside
 * a hashtag nothing else matched.  CamelCase splits where the case says;
 * a lower-case tag is scanned for the longest known words of 4+ letters
 * (and a leading "no"/"not").  ASCII tags only. */
static void hashtag(scorer *s, const slot *sl, uint32_t pos)
{
    const char *k = sl->tok.key, *surf = sl->tok.surface;
    unsigned n = sl->tok.key_len, i = 0;
    int negate = 0, camel = 0;

    if (n != sl->tok.surface_len)
        return;
    for (unsigned j = 1; j < n; j++)
        if (surf[j] >= 'A' && surf[j] <= 'Z' && surf[j - 1] >= 'a' && surf[j - 1] <= 'z')
            camel = 1;
    if (camel) {
        while (i < n) {
            unsigned j = i + 1;
            while (j < n && !(surf[j] >= 'A' && surf[j] <= 'Z' && surf[j - 1] >= 'a' &&
                              surf[j - 1] <= 'z'))
                j++;
            const srp_lex_entry *e = srp_lexicon_get(s->lex, srp_hash(k + i, j - i), k + i, j - i);
            if (e != NULL && e->nrec > 0)
                hashtag_part(s, sl, pos, e, &negate);
            i = j;
        }
        return;
    }
    while (i + 4 <= n) {
        const srp_lex_entry *e = NULL;
        unsigned len = 0;
        /* only the lengths of words that begin with these three bytes */
        const uint32_t wl = srp_lexicon_word_lengths(s->lex, k + i);
        for (len = n - i; len >= 3; len--) {
            if (len == n || (len == 3 && i != 0))
                continue; /* the whole tag was looked up already; 3 letters only first */
            if (!(wl >> (len < 31 ? len : 31) & 1))
                continue;
            e = srp_lexicon_get(s->lex, srp_hash(k + i, len), k + i, len);
            if (e != NULL && e->nrec > 0)
                break;
            e = NULL;
        }
        if (e == NULL && i == 0 && n > 4 &&
            (e = srp_lexicon_get(s->lex, srp_hash(k, 2), k, 2)) != NULL)
            len = 2; /* "nofood": "no" */
        if (e == NULL || e->nrec == 0) {
            i++;
            continue;
        }
        hashtag_part(s, sl, pos, e, &negate);
        i += len;
    }
}

/* undo - take back a word's contribution (it is part of a phrase) */
static void undo(scorer *s, int l, slot *sl)
{
    lstate *L = &s->L[l];
    float c = sl->contrib[l];

    if (c != 0.0f && (sl->polite & (1u << l))) {
        if (L->thanks_seq == (int64_t)sl->seq)
            L->thanks_seq = -1;
        L->polite -= c;
        sl->contrib[l] = 0.0f;
        sl->polite &= ~(1u << l);
    } else if (c != 0.0f) {
        if (sl->epoch[l] == L->epoch)
            L->seg_b -= c;
        else
            L->seg_a -= c;
        if (sl->plainurg & (1u << l)) {
            if (sl->epoch[l] == L->epoch)
                L->ub -= c;
            else
                L->ua -= c;
            if (L->uhits)
                L->uhits--;
            sl->plainurg &= ~(1u << l);
        }
        if (L->laugh_seq == (int64_t)sl->seq) {
            L->laugh_v -= c;
            L->laugh_seq = -1;
        }
        if (sl->cry & (1u << l)) {
            L->cry_v -= c;
            L->ncry--;
            sl->cry &= (uint8_t)~(1u << l);
        }
        sl->contrib[l] = 0.0f;
        if (L->hits)
            L->hits--;
    }
    if (L->good_seq == (int64_t)sl->seq)
        L->good_seq = -1;
    if (L->resolve_seq == (int64_t)sl->seq)
        L->resolve_seq = -1;
    if (L->unresolve_seq == (int64_t)sl->seq)
        L->unresolve_seq = -1;
    if (L->problem_seq == (int64_t)sl->seq)
        L->problem_seq = -1;
    if (L->sarcasm_seq == (int64_t)sl->seq) {
        L->sarcasm = L->sarcasm_prev;
        L->sarcasm_seq = -1;
    }
    if (L->but_seq == (int64_t)sl->seq && L->seg_b == 0.0 && L->ub == 0.0 && L->epoch > 0) {
        /* "yet another": the contrast word was the start of a phrase that
         * is no contrast; nothing has counted since it, so its sentence
         * is as it was */
        L->seg_a = L->but_a;
        L->seg_b = L->but_b;
        L->ua = L->but_ua;
        L->ub = L->but_ub;
        L->clause_val = L->but_cval;
        L->clause = L->but_clause;
        L->last_neg = L->but_neg;
        L->epoch--;
        L->but_seq = -1;
    }
    if (L->rating_seq == (int64_t)sl->seq) {
        /* "3 Sterne" inside "3 Sterne Hotel" */
        L->rating_cls = L->rating_prev;
        L->rating_seq = -1;
    }
    if (L->rating_wait == (int64_t)sl->seq)
        L->rating_wait = -1;
    sl->interj &= ~(0x101u << l);
    cue_drop(L, sl->seq);
    flag_undo(L, sl, l);
}

/* postneg_flip - negate the valence of the word at p, unless it already
 * is; returns 1 when p had a valence.  An expected thing ("funktioniert
 * seit gestern nicht") is a complaint, as when a negator comes first. */
static int postneg_flip(scorer *s, int l, uint32_t p)
{
    lstate *L = &s->L[l];
    slot *sl = &s->ring[p & (RING - 1)];
    const srp_lex_rec *r;
    float c, nc;

    if (sl->seq != p || (sl->polite & (1u << l)))
        return 0;
    c = sl->contrib[l];
    r = slot_rec(sl, l);
    if (c == 0.0f && (r == NULL || !(r->tags & SRP_T_EXPECT)))
        return 0;
    if (r != NULL && (r->tags2 & SRP_T2_SENTADV))
        return 0;   /* "klappt leider nicht": the negator means the verb */
    if (sl->negated[l])
        return 1;
    if (r != NULL && (r->tags & SRP_T_EXPECT)) {
        nc = EXPECT_NEG;
        if (c == 0.0f) {
            /* a word of no valence of its own: it counts from now on, in
             * the clause the negator closes */
            L->hits++;
            sl->epoch[l] = L->epoch;
            cue_add(L, sl->tok.surface, sl->tok.surface_len, 0.0f, SR_CUE_WORD, 0, p);
        }
    } else {
        nc = c * (c < 0 ? N_SCALAR_NEG : N_SCALAR);
    }
    if (sl->epoch[l] == L->epoch)
        L->seg_b += nc - c;
    else
        L->seg_a += nc - c;
    if (sl->plainurg & (1u << l)) {
        if (sl->epoch[l] == L->epoch)
            L->ub += nc - c;
        else
            L->ua += nc - c;
    }
    sl->contrib[l] = nc;
    sl->negated[l] = 1;
    cue_reweight(L, p, nc, SR_MOD_NEGATED);
    return 1;
}

/* postneg_resolve - a clause-final "nicht" flips the valence before it */
static void postneg_resolve(scorer *s, int l, int boundary)
{
    lstate *L = &s->L[l];

    if (!L->postneg)
        return;
    L->postneg = 0;
    s->postneg_mask &= ~(1u << l);
    if (!boundary)
        return;
    for (uint32_t d = 1; d <= WINDOW + 1 && d <= L->postneg_seq; d++) {
        uint32_t p = L->postneg_seq - d;
        if (p < L->clause || s->ring[p & (RING - 1)].seq != p)
            break;
        if (postneg_flip(s, l, p))
            break;
        /* the last word of a phrase: the phrase counts at its first word,
         * which may lie further back ("Die Qualität stimmt hier gar
         * nicht") */
        if ((int64_t)p == s->phrase_end && s->phrase_start < (int64_t)p &&
            s->phrase_start >= (int64_t)L->clause && postneg_flip(s, l, (uint32_t)s->phrase_start))
            break;
    }
}

/* ask_info - a question opened by a word that asks for information ("How
 * do I return a broken item?", "¿Qué pasa si mi paquete llega dañado?",
 * "Jaka jest wasza polityka dotycząca uszkodzonych produktów?") names a
 * problem as its topic: its blame weighs ASK_BLAME.  Not one a why-word
 * opens ("Why is my order broken again?", "How come..."), nor one with a
 * contrast in it. */
static __attribute__((noinline)) void ask_info(scorer *s, int l)
{
    lstate *L = &s->L[l];
    double d = 0.0;

    for (unsigned i = 0; i < L->ncues; i++)
        if (L->cue_seq[i] >= s->sent_start && !L->cue_polite[i] && L->cues[i].weight < 0 &&
            L->cues[i].kind <= SR_CUE_EMOJI && !(L->cues[i].mods & CUE_PLAINURG)) {
            d += L->cues[i].weight * (ASK_BLAME - 1.0f);
            L->cues[i].weight *= ASK_BLAME;
            L->cues[i].mods |= SR_MOD_DAMPENED;
        }
    L->seg_b += d;
}

/* adv_clear - does the text recommend (flags f) with a clear voice and
 * say nothing against it?  An advocacy cue of ADV_CLEAR or more that no
 * negator, dampener, contrast or irony touched, and no cue of blame below
 * ADV_AGAINST or conceded ("Lo recomiendo, aunque el envío tardó"), no
 * threat, no insult */
static __attribute__((noinline)) int adv_clear(const lstate *L, unsigned f)
{
    int clear = 0;

    if (!(f & SR_FLAG_ADVOCACY) || (f & (SR_FLAG_THREATENING | SR_FLAG_OFFENSIVE)))
        return 0;
    for (unsigned i = 0; i < L->ncues; i++) {
        const icue *c = &L->cues[i];
        if (c->weight <= ADV_AGAINST || (c->weight < 0 && (c->mods & SR_MOD_CONTRAST)))
            return 0;
        if (c->kind == SR_CUE_ADVOCACY && c->weight >= ADV_CLEAR &&
            !(c->mods & (SR_MOD_NEGATED | SR_MOD_DAMPENED | SR_MOD_CONTRAST | SR_MOD_IRONY)))
            clear = 1;
    }
    return clear;
}

/* ends_with - the key w[0..n) ends in one of the suffixes */
static int ends_with(const char *w, size_t n, const char *const *list, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        size_t m = strlen(list[k]);
        if (n > m + 2 && memcmp(w + n - m, list[k], m) == 0)
            return 1;
    }
    return 0;
}

/* qualified - a recommendation in buf[0..len) (language l) that the text
 * narrows or turns into advice: "I'd recommend it for beginners only",
 * "... if it's on sale", "..., I guess", "Ich würde es nur Anfängern
 * empfehlen", "Lo recomiendo solo si...", "Polecam tylko na promocji";
 * "I recommend checking the size chart", "Polecam sprawdzić rozmiar",
 * "Recomiendo revisar la talla".  A word inside the recommendation itself
 * narrows nothing: "Kann ich nur weiterempfehlen", "Nur zu empfehlen".
 * The text is read again, only for one the promoter lift would raise
 * (rare: never on the hot path). */
static int qualified(const sr_ctx *ctx, const lstate *L, const char *buf, size_t len, int l)
{
    static const char *const narrow[SRP_NLANG][12] = {
        [SRP_LANG_EN] = {"only", "if", "unless", "guess", "suppose", "provided", "except"},
        [SRP_LANG_DE] = {"nur", "wenn", "falls", "sofern", "solange", "außer", "ausser",
                         "vermutlich"},
        [SRP_LANG_FR] = {"seulement", "uniquement", "si", "sauf", "pourvu", "suppose"},
        [SRP_LANG_ES] = {"solo", "sólo", "solamente", "únicamente", "si", "salvo", "excepto",
                         "supongo", "mientras"},
        [SRP_LANG_PL] = {"tylko", "jeśli", "jesli", "jeżeli", "jezeli", "wyłącznie",
                         "wylacznie", "oprócz", "oprocz", "warunkiem"},
    };
    /* advice: the recommending verb, then a verb of the reader's ("checking") */
    static const char *const ing[] = {"ing"};
    static const char *const inf_pl[] = {"ć"};
    static const char *const inf_es[] = {"ar", "er", "ir"};
    srp_tokenizer t;
    srp_token tok;
    int rec = 0;

    if (l <= SRP_LANG_XX || l >= SRP_NLANG)
        return 0;
    srp_tok_init(&t, buf, len, is_emoticon, ctx->lex);
    while (srp_tok_next(&t, &tok)) {
        const char *w = tok.key;
        size_t n = tok.key_len;
        if (tok.type != SRP_TOK_WORD) {
            rec = 0;
            continue;
        }
        int inside = 0;
        for (unsigned i = 0; i < L->ncues && !inside; i++)
            inside = L->cues[i].kind == SR_CUE_ADVOCACY && tok.surface >= L->cues[i].src &&
                     tok.surface < L->cues[i].src + L->cues[i].len;
        size_t count = 0;
        while (count < 12 && narrow[l][count] != NULL)
            count++;
        if (!inside && one_of(w, n, narrow[l], count, 0))
            return 1;
        if (rec && ((l == SRP_LANG_EN && ends_with(w, n, ing, 1)) ||
                    (l == SRP_LANG_PL && ends_with(w, n, inf_pl, 1)) ||
                    (l == SRP_LANG_ES && ends_with(w, n, inf_es, 3))))
            return 1;
        rec = (l == SRP_LANG_EN && n == 9 && memcmp(w, "recommend", 9) == 0) ||
              (l == SRP_LANG_PL && n == 7 && memcmp(w, "polecam", 7) == 0) ||
              (l == SRP_LANG_ES && n == 10 && memcmp(w, "recomiendo", 10) == 0);
    }
    return 0;
}

/* sarcasm_turn - "great service #sarcasm", "Gracias por otro retraso de 40
 * minutos. Me encanta llegar tarde al curro 🙃": a text that marks its
 * sarcasm means none of its praise; the praise (its cues, which went
 * through scale since) turns (SARCASM_FLIP), whatever the sum of the rest;
 * with no praise among the cues a positive sum turns */
static __attribute__((noinline)) double sarcasm_turn(lstate *L, double v, double scale, int want_cues,
                                                     uint32_t seq)
{
    double praise = 0.0;

    for (unsigned i = 0; i < L->ncues; i++)
        if (L->cues[i].weight > 0.0f && !L->cue_polite[i] && L->cues[i].kind <= SR_CUE_EMOJI)
            praise += L->cues[i].weight;
    const double d = praise > 0.0 ? praise * scale * (SARCASM_FLIP - 1.0)
                     : v > 0      ? v * (SARCASM_FLIP - 1.0)
                                  : 0.0;
    if (d != 0.0 && want_cues)
        cue_add(L, "sarcasm", 7, (float)d, SR_CUE_WORD, 0, seq);
    return v + d;
}

/* promoter_lift - a clear recommendation (adv_clear) that nothing narrows
 * (qualified) lifts the valence v to what maps to promoter_min; out of
 * line, off the hot path */
static __attribute__((noinline)) double promoter_lift(const sr_ctx *ctx, lstate *L, double v,
                                                      int want_cues, uint32_t seq,
                                                      const char *buf, size_t len, int l)
{
    const sr_config *cfg = ctx->cfg;

    if (!adv_clear(L, flags_now(L)) || qualified(ctx, L, buf, len, l))
        return v;
    const double c = (cfg->promoter_min - 5.0) / 5.0;
    const double vmin = c > 0 && c < 0.99 ? c * sqrt(cfg->alpha / (1.0 - c * c)) : 0.0;
    if (v < vmin) {
        if (want_cues)
            cue_add(L, "advocacy", 8, (float)(vmin - v), SR_CUE_WORD, 0, seq);
        v = vmin;
    }
    return v;
}

/* why_loss - the praise in a sentence opened by a why-word counts no
 * more when the rest of it complains */
static void why_loss(scorer *s, int l)
{
    lstate *L = &s->L[l];
    int complains = 0, praises = 0;

    for (unsigned i = 0; i < L->ncues; i++) {
        if (L->cue_seq[i] < s->sent_start || L->cue_polite[i] ||
            L->cue_seq[i] == (uint32_t)L->why_seq)
            continue;
        complains |= L->cues[i].weight < 0.0f;
        praises |= L->cues[i].weight > 0.0f;
    }
    if (!complains || !praises)
        return;
    L->cue_min = -1;
    for (unsigned i = 0; i < L->ncues;) {
        if (L->cue_seq[i] >= s->sent_start && !L->cue_polite[i] && L->cues[i].weight > 0.0f) {
            slot *sl = &s->ring[L->cue_seq[i] & (RING - 1)];
            if (sl->seq == L->cue_seq[i] && sl->contrib[l] > 0.0f) {
                undo(s, l, sl);   /* its flags too ("die beste": no advocacy) */
            } else {
                if (L->cue_epoch[i] < L->epoch)
                    L->seg_a -= L->cues[i].weight;
                else
                    L->seg_b -= L->cues[i].weight;
                if (L->hits)
                    L->hits--;
                cue_drop(L, L->cue_seq[i]);
            }
            i = 0;   /* the cues moved */
        } else {
            i++;
        }
    }
}

/* irony - the praise c counted at word p turns against the writer
 * (IRONY_FLIP): in the open sentence's sum, the word's slot (while the
 * ring holds it) and its cue */
static void irony(scorer *s, int l, uint32_t p, float c)
{
    lstate *L = &s->L[l];
    slot *sl = &s->ring[p & (RING - 1)];

    L->seg_b += c * (IRONY_FLIP - 1.0f);
    if (sl->seq == p)
        sl->contrib[l] = c * IRONY_FLIP;
    cue_reweight(L, p, c * IRONY_FLIP, SR_MOD_IRONY);
}

/* applause - cue i is praise by emoji from seq from on, other than the
 * word at seq ex: the applause of a sentence's exclamation ("Enhorabuena,
 * ... 👏👏") or of a clause's thanks ("Thanks for a week without internet
 * 👏") */
static int applause(const lstate *L, unsigned i, int64_t from, int64_t ex)
{
    return L->cue_seq[i] >= from && L->cue_seq[i] != (uint32_t)ex &&
           L->cues[i].kind == SR_CUE_EMOJI && L->cues[i].weight > 0.0f && !L->cue_polite[i];
}

/* sentence_close - fold the open sentence into the document sum;
 * question: the sentence ended with '?' */
/* adv_drop - the advocacy of the waiting question was a request ("Können
 * Sie mir ein Ladegerät empfehlen?"): its flags go, its cues are words */
static void adv_drop(scorer *s, int l)
{
    lstate *L = &s->L[l];
    const unsigned b = (unsigned)__builtin_ctz(SR_FLAG_ADVOCACY);

    L->fcount[b] -= L->fcount[b] < L->adv_wait ? L->fcount[b] : L->adv_wait;
    if (L->fcount[b] == 0)
        L->fbits &= ~SR_FLAG_ADVOCACY;
    for (unsigned i = 0; i < L->ncues; i++)
        if (L->cues[i].kind == SR_CUE_ADVOCACY && L->cue_seq[i] >= L->adv_wait_start &&
            L->cue_seq[i] < L->adv_wait_end) {
            L->cues[i].kind = SR_CUE_WORD;
            if (L->adv_lost > 0)   /* as the question's other praise */
                L->cues[i].weight *= QUESTION_PRAISE;
        }
    L->adv_wait = 0;
    s->advq_mask &= ~(1u << l);
}

/* adv_question - a sentence closes: a recommendation asked for ("Can you
 * recommend a charger?", "¿Me recomiendan un hotel?") is no advocacy,
 * unless the next sentence answers it: a few words that do not complain
 * ("Would I recommend it? Absolutely!", "Oui, sans hésiter.") or praise */
static void adv_question(scorer *s, int l, int question)
{
    lstate *L = &s->L[l];
    const uint32_t words = s->seq - s->sent_start;

    if (L->adv_wait > 0 && words > 0) {
        const double said = L->seg_a + L->seg_b;
        const slot *first = &s->ring[s->sent_start & (RING - 1)];
        const srp_lex_rec *r = first->seq == s->sent_start ? slot_rec(first, l) : NULL;
        const int no = r != NULL && ((r->tags & SRP_T_NEG) || (r->tags2 & SRP_T2_ANSWERNO));
        /* thanks after the question close the request, they answer
         * nothing ("Can anyone recommend a dentist? Thanks in advance") */
        const int thanks = r != NULL && (r->tags & SRP_T_POLITE);
        if (question || no || thanks || said < 0.0 || (said == 0.0 && words > 4)) {
            adv_drop(s, l);
        } else {
            /* the answer stands by it: the praise counts in full */
            L->seg_b += L->adv_lost;
            L->adv_wait = 0;
            s->advq_mask &= ~(1u << l);
        }
    }
    if (question && L->adv_sent > 0) {
        L->adv_wait = L->adv_sent;
        L->adv_wait_start = s->sent_start;
        L->adv_wait_end = s->seq;
        L->adv_lost = L->epoch == 0 && L->seg_b > 0 ? (float)(L->seg_b * (1.0 - QUESTION_PRAISE)) : 0;
        s->advq_mask |= 1u << l;
    }
    if (words > 0)
        L->adv_sent = 0;
}

/* praise_burst - the open sentence is praise that opens it (a word or a
 * phrase) and then only words of no (or weak) valence and applause, five
 * words at most: "Great job guys 👏👏", "Well done Deutsche Bahn", "Bravo @Renfe 👏";
 * "Staff were great" does not open with its praise */
static int praise_burst(const scorer *s, int l)
{
    const uint32_t n = s->seq - s->sent_start;
    const slot *first = &s->ring[s->sent_start & (RING - 1)];
    uint32_t p = s->sent_start + 1;

    if (n > 5 || first->seq != s->sent_start)
        return 0;
    if (s->phrase_start == (int64_t)s->sent_start)
        p = (uint32_t)s->phrase_end + 1;
    else if (first->contrib[l] <= 0.0f)
        return 0;
    for (; p < s->seq; p++) {
        const slot *w = &s->ring[p & (RING - 1)];
        const int emo = w->tok.type == SRP_TOK_EMOJI || w->tok.type == SRP_TOK_EMOTICON;
        /* a weak word passes: "liebe Bahn", "dear team"; so does more
         * praise tagged interj ("Genial, justo lo que necesitaba") */
        if (w->seq != p || (fabsf(w->contrib[l]) > 0.5f &&
                            !((emo || (w->interj & (1u << l))) && w->contrib[l] > 0.0f)))
            return 0;
    }
    return 1;
}

/* drop_cries - "this album is SO good 😭😭", "qué maravilla de concierto
 * 😭": tears (emoji tagged laugh with a negative valence) in a sentence
 * that praises are the writer overwhelmed, not sad; they take no blame
 * there, nor with thanks ("thank you so much 😭").  Alone, or with a
 * complaint ("I miss my dog 😭"), or after a sentence that complains
 * ("Flight cancelled. Thank you so much 😭"), they keep it; after a
 * sentence that praises they are dropped from one that says nothing else;
 * so they do in a sentence with a contrast (the halves weigh apart). */
static __attribute__((noinline)) void drop_cries(scorer *s, int l)
{
    lstate *L = &s->L[l];
    const double thanks = L->thanks_sent == s->sent_start + 1 ? L->thanks_v : 0.0;

    /* nor after a sentence that praised, in one that does not complain
     * ("What a match!!! No voice left 😭", "Quel concert ! J'en pleure 😭") */
    const double rest = L->seg_b - L->cry_v + thanks;
    if (L->epoch == 0 && L->last_sent >= LAUGH_REST &&
        (rest >= CRY_REST || (L->last_sent >= CRY_REST && rest >= 0.0))) {
        L->seg_b -= L->cry_v;
        L->hits -= L->ncry < L->hits ? L->ncry : L->hits;
        for (unsigned i = 0; i < L->ncues;) {
            if ((L->cues[i].mods & CUE_CRY) && L->cue_seq[i] >= s->sent_start)
                cue_remove(L, i);
            else
                i++;
        }
    }
    L->cry_v = 0.0f;
    L->ncry = 0;
}

static void sentence_close(scorer *s, int l, int question)
{
    lstate *L = &s->L[l];
    const int had_again = L->again_seq >= (int64_t)s->sent_start;

    adv_question(s, l, question);

    /* "lol my bag got lost again", "wstyd za ten mecz xd": laughter in a
     * sentence that complains is bitter; it takes no praise there */
    if (L->laugh_seq >= (int64_t)s->sent_start && L->laugh_v > 0.0f &&
        L->seg_a + L->seg_b - L->laugh_v <= LAUGH_REST) {
        if (L->laugh_epoch < L->epoch)
            L->seg_a -= L->laugh_v;
        else
            L->seg_b -= L->laugh_v;
        if (L->hits)
            L->hits--;
        cue_drop(L, (uint32_t)L->laugh_seq);
    }
    L->laugh_v = 0.0f;
    L->laugh_seq = -1;
    if (L->ncry > 0)
        drop_cries(s, l);

    /* "Seriously?", "Sérieux ?", "¿En serio?", "Serio?", "Im Ernst?": an
     * incredulity word or phrase that is a question of its own is
     * frustration if the text complains (weighed at the end); its own
     * praise counts no more ("sérieux" is "reliable" elsewhere) */
    if (question && L->incred_seq == (int64_t)s->sent_start &&
        L->incred_end == (int64_t)s->seq - 1) {
        slot *sl = &s->ring[s->sent_start & (RING - 1)];
        const slot *last = &s->ring[(s->seq - 1) & (RING - 1)];
        if (sl->seq != s->sent_start || sl->contrib[l] >= 0.0f) {
            /* en "seriously" complains by itself and keeps its valence */
            if (sl->seq == s->sent_start && sl->contrib[l] > 0.0f && !(sl->polite & (1u << l)))
                undo(s, l, sl);
            L->incred += INCRED_VAL;
            L->incred_src = sl->tok.surface;
            L->incred_len = (uint32_t)(last->tok.surface + last->tok.surface_len - sl->tok.surface);
        }
    }
    L->incred_seq = -1;

    /* "warum wurde mein Vertrag ohne meine Zustimmung verlängert??", "pq
     * me habéis cortado la línea??", "czemu zablokowaliście mi konto?!": a
     * why-question closed by "??" or "?!" that praises nothing is
     * exasperation, a complaint of its own; a short one is no question
     * of substance ("Why not?? 😊") */
    if (question && s->qmarks >= 2 && L->why_seq >= (int64_t)s->sent_start && L->epoch == 0 &&
        L->seg_b <= 0.0 && s->seq - s->sent_start >= 3) {
        L->seg_b += WHY_EXASP;
        L->hits++;
        cue_add(L, L->why_src, L->why_len, WHY_EXASP, SR_CUE_WORD, 0, (uint32_t)L->why_seq);
    }

    /* nothing was said in this language since the last close */
    if (L->epoch == 0 && L->seg_b == 0.0 && L->interj < 0)
        return;
    L->cue_min = -1;   /* weights may change below */

    /* "Flight cancelled, no hotel. Awesome." - a one- or two-word burst of
     * praise (or one phrase) after a complaint is irony: it counts against.
     * A lone word or one phrase turns after a mild complaint too ("...
     * Seller stopped replying. Fab."); two words may praise another side
     * of the thing ("Slow service. Delicious food.") and need a clear one */
    const uint32_t sent_len = s->seq - s->sent_start;
    const int one_phrase = s->phrase_start == (int64_t)s->sent_start &&
                           s->phrase_end == (int64_t)s->seq - 1;
    if (L->epoch == 0 && L->seg_b > 0 && s->seq > s->sent_start &&
        ((L->doc < -0.5 && L->last_sent < -0.5 && (sent_len == 1 || one_phrase)) ||
         (L->doc < -1.0 &&
          (sent_len <= 2 || one_phrase ||
           /* or one phrase after one word of no valence: "... Ganz starke
            * Leistung.", "... Vraiment du beau travail." */
           (s->phrase_end == (int64_t)s->seq - 1 && s->phrase_start == (int64_t)s->sent_start + 1 &&
            s->ring[s->sent_start & (RING - 1)].seq == s->sent_start &&
            s->ring[s->sent_start & (RING - 1)].contrib[l] == 0.0f) ||
           /* or a longer burst right after a sentence that complains */
           (L->last_sent < -1.0 && praise_burst(s, l)))))) {
        for (unsigned i = 0; i < L->ncues; i++)
            if (L->cue_seq[i] >= s->sent_start && !L->cue_polite[i] && L->cues[i].weight > 0) {
                L->cues[i].weight *= IRONY_FLIP;
                L->cues[i].mods |= SR_MOD_IRONY;
            }
        L->seg_b *= IRONY_FLIP;
        L->ub *= IRONY_FLIP;
        L->interj = -1;   /* its opening praise is turned already */
    }

    /* "Great, another delay." / "Super, znowu opóźnienie." - a lone word
     * of praise before a comma, and a complaint after it, is sarcasm; so
     * is the applause that goes with it ("Enhorabuena, tercer corte de
     * fibra esta semana 👏👏"): praise emoji of the sentence do not count
     * as its rest, and turn with the word */
    if (L->interj >= (int64_t)s->sent_start && L->epoch == 0) {
        float emo = 0.0f;
        for (unsigned i = 0; i < L->ncues; i++)
            if (applause(L, i, s->sent_start, L->interj))
                emo += L->cues[i].weight;
        /* "Great, another update.", "Super, schon wieder Montag.",
         * "Genial, otra vez obras": a repetition right after the
         * exclamation is what it greets; with no other praise in the
         * sentence the thing need not be a complaint of its own */
        const int again = L->again_seq > L->interj &&
                          L->again_seq <= L->interj + AGAIN_INTERJ_REACH &&
                          L->again_epoch == L->epoch;
        const float rest = L->seg_b - L->interj_v - emo;
        if (rest <= INTERJ_REST || (again && rest <= 0.0f)) {
            L->seg_b += L->interj_v * (IRONY_FLIP - 1.0f);
            cue_reweight(L, (uint32_t)L->interj, L->interj_v * IRONY_FLIP, SR_MOD_IRONY);
            for (unsigned i = 0; emo > 0.0f && i < L->ncues; i++)
                if (applause(L, i, s->sent_start, L->interj))
                    irony(s, l, L->cue_seq[i], L->cues[i].weight);
        }
    }
    L->interj = -1;

    /* "Why did you cancel the best series ever", "Pourquoi avoir supprimé
     * la meilleure fonctionnalité": a sentence that a why-word opens and
     * that complains names a loss; its praise is the thing lost, not the
     * writer's verdict.  "Why is this app so good?" has no complaint. */
    if (L->ask_seq >= (int64_t)s->sent_start && question && L->epoch == 0 &&
        L->why_seq < (int64_t)s->sent_start)
        ask_info(s, l);
    L->ask_seq = -1;
    if (L->why_seq >= (int64_t)s->sent_start)
        why_loss(s, l);
    L->why_seq = -1;

    /* "My flight is delayed again", "Zug fällt schon wieder aus": a
     * repeated failure weighs more; "I'd buy again" is nothing */
    if (L->again_seq >= (int64_t)s->sent_start &&
        (L->again_epoch < L->epoch ? L->seg_a : L->seg_b) <= AGAIN_REST) {
        if (L->again_epoch < L->epoch)
            L->seg_a += AGAIN_VAL;
        else
            L->seg_b += AGAIN_VAL;
        L->hits++;
        cue_add(L, L->again_src, L->again_len, AGAIN_VAL, SR_CUE_WORD, 0,
                (uint32_t)L->again_seq);
        for (unsigned i = 0; i < L->ncues; i++)
            if (L->cue_seq[i] == (uint32_t)L->again_seq)
                L->cue_epoch[i] = L->again_epoch;
    }
    L->again_seq = -1;

    /* a question asserts no praise: "could you do me a huge favor?" */
    if (question && L->epoch == 0 && L->seg_b > 0) {
        for (unsigned i = 0; i < L->ncues; i++)
            if (L->cue_seq[i] >= s->sent_start && !L->cue_polite[i] && L->cues[i].weight > 0 &&
                L->cues[i].kind <= SR_CUE_EMOJI)
                L->cues[i].weight *= QUESTION_PRAISE;
        L->seg_b *= QUESTION_PRAISE;
        L->ub *= QUESTION_PRAISE;
    }

    const double before = L->doc;
    if (L->epoch > 0) {
        L->doc += L->seg_a * BUT_BEFORE + L->seg_b * BUT_AFTER;
        L->udoc += L->ua * BUT_BEFORE + L->ub * BUT_AFTER;
        for (unsigned i = 0; i < L->ncues; i++) {
            /* "Polecam, ale dostawa była wolna": a recommendation a
             * contrast follows is no clear one (adv_clear) */
            if (L->cues[i].kind == SR_CUE_ADVOCACY && L->cue_seq[i] >= s->sent_start &&
                L->cue_epoch[i] < L->epoch)
                L->cues[i].mods |= SR_MOD_CONTRAST;
            if (L->cue_seq[i] < s->sent_start || L->cues[i].kind > SR_CUE_EMOJI ||
                L->cue_polite[i])
                continue;
            L->cues[i].weight *= L->cue_epoch[i] < L->epoch ? BUT_BEFORE : BUT_AFTER;
            L->cues[i].mods |= SR_MOD_CONTRAST;
        }
    } else {
        L->doc += L->seg_b;
        L->udoc += L->ub;
    }
    L->last_sent = L->doc - before;
    L->seg_a = L->seg_b = 0;
    L->ua = L->ub = 0;
    L->epoch = 0;

    /* "Brilliant. Just brilliant. Third cancellation this month.", "Well
     * done. My parcel is lost again.": short bursts of praise that open
     * the text, then a sentence that complains of a repeated failure, are
     * sarcasm: the bursts turn.  "Great hotel. The shower was a bit
     * small." has no repetition; "Great service again!" no complaint. */
    if (L->burst) {
        if (L->last_sent > 0.0 && (sent_len <= 3 || one_phrase) && !question) {
            L->burst_v += (float)L->last_sent;
        } else {
            if (L->last_sent <= BURST_TURN && had_again && L->burst_v > 0.0f) {
                L->doc += L->burst_v * (IRONY_FLIP - 1.0f);
                for (unsigned i = 0; i < L->ncues; i++)
                    if (L->cue_seq[i] < s->sent_start && L->cues[i].weight > 0.0f &&
                        !L->cue_polite[i] && L->cues[i].kind <= SR_CUE_EMOJI) {
                        L->cues[i].weight *= IRONY_FLIP;
                        L->cues[i].mods |= SR_MOD_IRONY;
                    }
            }
            L->burst = 0;
        }
    }
}

/* thanks_mock - the clause of the thanks ends on a complaint (its last
 * word, or a phrase, with only emoji after it) that praise qualifies:
 * right before it, or with one other word and numbers between them, none
 * a short function word, a person's word, a word of valence or a cue
 * ("the lovely 3 hour delay", "tolle Woche ohne Internet"; not "your
 * quick help with my broken laptop", "the great article on poverty", "the
 * amazing crazy night").  Returns the complaint's seq (its first word), 0
 * when there is none. */
static uint32_t thanks_mock(const scorer *s, int l)
{
    const lstate *L = &s->L[l];
    const uint32_t from = (uint32_t)L->thanks_seq + 1;
    uint32_t q = s->seq;

    if (L->thanks_seq < (int64_t)L->clause)
        return 0;
    /* the last word that is no emoji */
    while (q > from) {
        const slot *qs = &s->ring[(q - 1) & (RING - 1)];
        if (qs->seq != q - 1)
            return 0;
        if (qs->tok.type != SRP_TOK_EMOJI && qs->tok.type != SRP_TOK_EMOTICON)
            break;
        q--;
    }
    if (q <= from)
        return 0;
    /* a phrase's valence sits on its first word */
    uint32_t start = q - 1;
    if (s->phrase_end == (int64_t)q - 1 && s->phrase_start >= (int64_t)from)
        start = (uint32_t)s->phrase_start;
    const slot *cs = &s->ring[start & (RING - 1)];
    /* a complaint, not a cue of urgency or threat ("od razu"), nor a
     * service that is bad news only of itself ("the painless refund") */
    if (cs->seq != start || cs->contrib[l] > THANKS_REST || (cs->plainurg & (1u << l)) ||
        (cs->fset[l] & (SR_FLAG_URGENT_CUE | SR_FLAG_THREATENING)))
        return 0;
    if (start == q - 1 && start > from) {
        /* the lack of a thing ("no signal": the valence is the noun's) */
        const slot *ns = &s->ring[(start - 1) & (RING - 1)];
        const srp_lex_rec *nr = slot_rec(ns, l);
        if (ns->seq == start - 1 && nr != NULL && (nr->tags & SRP_T_NEG))
            start--;
    }
    unsigned words = 0;
    for (uint32_t p = start; p > from;) {
        const slot *ps = &s->ring[--p & (RING - 1)];
        if (ps->seq != p || (ps->polite & (1u << l)))
            return 0;
        if (ps->tok.type == SRP_TOK_NUMBER)
            continue;
        if (ps->contrib[l] > 0.0f)
            return start;
        const srp_lex_rec *r = slot_rec(ps, l);
        if (++words > 1 || ps->contrib[l] != 0.0f || ps->tok.type != SRP_TOK_WORD ||
            (ps->e != NULL && (ps->e->person & (1u << l))) ||
            (r != NULL && ((r->tags & (SRP_T_NEG | SRP_T_BOOST | SRP_T_EXPECT | SRP_T_BUT)) ||
                           (r->tags2 & SRP_T2_CONCEDE) ||
                           ((r->tags & SRP_T_FUNC) && ps->tok.key_len <= 3))))
            return 0;
    }
    return 0;
}

/* thanks_check - a clause ends: thanks whose own clause complains is
 * sarcasm ("Thanks for another delay", "Danke für die Verspätung",
 * "Gracias Renfe por otro retraso"); thanks in a clause of their own
 * ("Thank you, my bag is still lost"), or with praise or a service done
 * in it ("for your help with my lost package"), stay thanks */
static void thanks_check(scorer *s, int l)
{
    lstate *L = &s->L[l];

    if (L->thanks_seq < 0)
        return;
    /* laughter in the clause ("lol love how my train is cancelled") is no
     * praise that answers the thanks: the sentence's end drops it anyway */
    double rest = L->seg_a + L->seg_b - L->clause_val;
    if (L->laugh_seq >= (int64_t)L->clause)
        rest -= L->laugh_v;
    /* nor is applause ("Thanks @Acme for a whole week without internet
     * 👏", "Dziękuję za tydzień bez internetu 👏"): praise emoji of the
     * clause go with its thanks and turn with them */
    double clap = 0.0;
    for (unsigned i = 0; i < L->ncues; i++)
        if (applause(L, i, L->clause, L->thanks_seq))
            clap += L->cues[i].weight;
    rest -= clap;
    /* nor are tears ("thank you so much 😭😭" is moved, not sarcastic) */
    for (unsigned i = 0; L->ncry > 0 && i < L->ncues; i++)
        if ((L->cues[i].mods & CUE_CRY) && L->cue_seq[i] >= L->clause)
            rest -= L->cues[i].weight;
    /* "Parcel stuck for 19 days. Thanks, Royal Mail.": thanks that make
     * up a short sentence of their own after a text that complains; not
     * when the writer thanked in earnest before ("Thanks to Priya, she
     * sorted it out after two days of failing logins. Much appreciated.":
     * the closing thanks repeat those; nor after a request or a
     * question, "Arrived broken. Please send a replacement. Thanks",
     * "Toujours pas reçu. Pouvez-vous vérifier ? Merci": courtesy) */
    const int thanked = L->polite - L->thanks_v >= THANKS_MIN;
    /* "Thanks for the lovely 3 hour delay 👏", "Danke für die tolle Woche
     * ohne Internet", "Merci pour ce magnifique retard !": praise that
     * qualifies the complaint thanked for, with no function word between
     * them, is sarcasm: it turns with the thanks */
    const uint32_t mock_end = thanks_mock(s, l);
    const int alone = L->clause == s->sent_start && s->seq - s->sent_start <= 3 &&
                      L->epoch == 0 && L->doc < -1.0 && L->last_sent < 0.0 && rest <= 0.0 &&
                      !thanked && !L->request && !L->req_verb && s->quest == 0;
    if (L->thanks_seq >= (int64_t)L->clause &&
        (mock_end != 0 || (L->good_seq < (int64_t)L->clause && (rest <= THANKS_REST || alone)))) {
        float v = L->thanks_v * IRONY_FLIP;
        for (uint32_t p = (uint32_t)L->thanks_seq + 1; p < mock_end; p++) {
            const slot *ps = &s->ring[p & (RING - 1)];
            if (ps->seq == p && ps->contrib[l] > 0.0f && !(ps->polite & (1u << l)))
                irony(s, l, p, ps->contrib[l]);
        }
        L->polite -= L->thanks_v;
        L->thanks_sent = 0;
        L->seg_b += v;
        cue_reweight(L, (uint32_t)L->thanks_seq, v, SR_MOD_IRONY);
        for (unsigned i = 0; i < L->ncues; i++)
            if (L->cue_seq[i] == (uint32_t)L->thanks_seq)
                L->cue_polite[i] = 0;
        for (unsigned i = 0; clap > 0.0 && i < L->ncues; i++)
            if (applause(L, i, L->clause, L->thanks_seq))
                irony(s, l, L->cue_seq[i], L->cues[i].weight);
    }
    L->thanks_seq = -1;
}

/* sep_rec - the record in language l of a particle joined to a verb
 * ("ab" + "stürzt": key, n bytes, SRP_LEX_KEY_INLINE readable past them),
 * exact or by the longest stem; only forms marked sep count */
static const srp_lex_rec *sep_rec(const srp_lexicon *lex, const char *key, unsigned n, int l)
{
    const unsigned bit = 1u << l;
    const srp_lex_entry *e = srp_lexicon_get_key(lex, srp_hash_key(key, n), key, n);

    if (e != NULL && (e->mark[SRP_MARK_SEP] & bit))
        return rec_for(lex, e, l);
    if (n < 4 || !(srp_lexicon_stem_langs(lex) & bit))
        return NULL;
    uint32_t lens = srp_lexicon_stem_lengths(lex, key) & (n < 32 ? (1u << n) - 1 : ~0u);
    for (uint32_t m = lens; m; m &= ~(1u << (31 - __builtin_clz(m)))) {
        unsigned k = 31 - (unsigned)__builtin_clz(m);
        if (((unsigned char)key[k] & 0xc0) == 0x80)
            continue; /* not a character boundary */
        uint32_t h = srp_hash_key(key, k);
        if (!srp_lexicon_maybe_key(lex, h))
            continue;
        const srp_lex_entry *pe = srp_lexicon_get_key(lex, h, key, k);
        if (pe == NULL || !(pe->eflags & SRP_E_HAS_STEM) || !(pe->mark[SRP_MARK_SEP] & bit))
            continue;
        const srp_lex_rec *r = srp_lexicon_recs(lex, pe);
        for (unsigned i = 0; i < pe->nrec; i++)
            if ((r[i].tags & SRP_T_STEM) && r[i].lang == l)
                return &r[i];
    }
    return NULL;
}

/* sep_resolve - the clause ends on a separable verb's particle: "Die App
 * stürzt ständig ab", "Das Paket kommt einfach nicht an", "Ich rate jedem
 * von diesem Shop ab".  The verb is a word of the clause (the nearest to
 * its start first) whose form joined to the particle is a lexicon entry
 * marked sep ("abstürzt", "ankommt", "abrate"); that entry counts at the
 * particle, with the negators and boosters before it, instead of the
 * verb's own valence.  A phrase that ends on the particle ("stürzt ab")
 * has counted already. */
static __attribute__((noinline)) void sep_resolve(scorer *s, int l)
{
    const uint32_t pos = s->sep_pos;
    const slot *ps = &s->ring[pos & (RING - 1)];
    char key[2 * SRP_KEY_MAX + SRP_LEX_KEY_INLINE];

    s->sep_mask &= ~(1u << l);
    if (ps->seq != pos || ps->contrib[l] != 0.0f || s->phrase_end == (int64_t)pos)
        return;
    /* a language no word has touched has its clause where all have */
    const uint32_t clause = (s->inited & (1u << l)) ? s->L[l].clause : s->clause;
    uint32_t p = pos >= RING - 1 ? pos - (RING - 1) : 0;
    if (p < clause)
        p = clause;
    for (; p < pos; p++) {
        slot *v = &s->ring[p & (RING - 1)];
        if (v->seq != p || v->tok.type != SRP_TOK_WORD || v->tok.key_len == 0 ||
            (s->phrase_end >= (int64_t)p && s->phrase_start <= (int64_t)p))
            continue;
        unsigned n = ps->tok.key_len + v->tok.key_len;
        memcpy(key, ps->tok.key, ps->tok.key_len);
        memcpy(key + ps->tok.key_len, v->tok.key, v->tok.key_len);
        memset(key + n, 0, SRP_LEX_KEY_INLINE);
        const srp_lex_rec *r = sep_rec(s->lex, key, n, l);
        if (r == NULL)
            continue;
        touch(s, l);
        if (v->contrib[l] != 0.0f)
            undo(s, l, v);
        apply(s, l, r, pos, v->tok.surface,
              (size_t)(ps->tok.surface + ps->tok.surface_len - v->tok.surface), v->tok.flags, 0);
        return;
    }
}

/* boundary - a clause (and maybe sentence) ends; question: at a '?' */
static void tail_irony(scorer *s, int l);

static void boundary(scorer *s, int sentence, int question)
{
    /* the sentence's first clause is one word, or one word and a name
     * with no valence of its own ("Brawo PKP,", "Bravo Renfe,"), or one
     * phrase ("Great job,", "Qué maravilla,", "Super robota,") */
    const slot *name = &s->ring[(s->sent_start + 1) & (RING - 1)];
    const int one_word_clause =
        !sentence && (s->seq == s->sent_start + 1 ||
                      (s->seq == s->sent_start + 2 && name->seq == s->sent_start + 1 &&
                       (name->tok.flags & SRP_TF_UPPER) && name->e == NULL));
    const int one_phrase_clause = !sentence && s->seq > s->sent_start + 1 &&
                                  s->phrase_start == (int64_t)s->sent_start &&
                                  s->phrase_end == (int64_t)s->seq - 1;
    /* or a particle and one word ("Oh great,", "Ach toll,", "Ah génial,") */
    const slot *lead = &s->ring[s->sent_start & (RING - 1)];
    const int particle_clause = !sentence && !one_phrase_clause && s->seq == s->sent_start + 2 &&
                                lead->seq == s->sent_start && name->seq == s->sent_start + 1 &&
                                interj_particle(lead->tok.surface, lead->tok.surface_len);

    /* a particle that ends the clause joins its verb (before the lanes:
     * it may touch a language no word has) */
    for (unsigned m = s->sep_mask; m; m &= m - 1)
        sep_resolve(s, __builtin_ctz(m));
    for (unsigned m = s->mask; m; m &= m - 1) {
        int l = __builtin_ctz(m);
        if (!((s->dirty | s->advq_mask) & (1u << l))) {
            /* no word changed this language's state since the last
             * sentence end: every step below reads marks (contrib, fset,
             * thanks_seq, laugh_seq, postneg...) that only a word sets,
             * or finds the sentence closed already; only the clause moves */
            s->L[l].clause = s->seq;
            continue;
        }
        if (s->postneg_mask & (1u << l))
            postneg_resolve(s, l, 1);
        if (s->L[l].rating_wait >= 0) {
            if (s->L[l].rating_wait == (int64_t)s->seq - 1)
                rating_add(&s->L[l], s->L[l].rating_wait_v, -1);
            s->L[l].rating_wait = -1;
        }
        if (s->L[l].mixed_end >= 0) {
            lstate *L = &s->L[l];
            if (L->mixed_end == (int64_t)s->seq - 1) {
                L->mixed_src = L->mixed_wsrc;
                L->mixed_len = L->mixed_wlen;
            }
            L->mixed_end = -1;
        }
        if (one_word_clause || one_phrase_clause || particle_clause) {
            /* the sentence's first clause is one word or phrase: remember
             * an exclamation of praise ("Great,", "Super,", "Great job,",
             * after a particle "Oh great,") */
            const uint32_t p0 = s->sent_start + (particle_clause ? 1u : 0u);
            const slot *sl = &s->ring[p0 & (RING - 1)];
            if (sl->seq == p0 && sl->contrib[l] > 0.0f &&
                (sl->interj & (1u << (one_word_clause || particle_clause ? l : l + 8)))) {
                s->L[l].interj = p0;
                s->L[l].interj_v = sl->contrib[l];
            }
        }
        /* "Urgent:", "Pedido sin llegar, urgente", "Paczka nie doszła,
         * pilne", "urgent help needed": urgency in a clause of three words
         * or fewer is the writer's own exclamation; "the government must
         * urgently act" is a report */
        for (uint32_t p = s->clause; p < s->seq && s->seq - s->clause <= 3; p++)
            if (s->ring[p & (RING - 1)].seq == p &&
                (s->ring[p & (RING - 1)].fset[l] & SR_FLAG_URGENT_CUE))
                s->person |= 1u << l;
        /* "Again, thank you", "Once again, please accept my apologies": a
         * repetition alone before a comma is a discourse marker */
        if ((one_word_clause || one_phrase_clause) && s->L[l].again_seq == (int64_t)s->sent_start)
            s->L[l].again_seq = -1;
        thanks_check(s, l);
        if (sentence && !question)
            tail_irony(s, l);
        s->L[l].clause = s->seq;
        s->L[l].last_neg = -1;
        if (sentence)
            sentence_close(s, l, question);
        s->L[l].clause_val = s->L[l].seg_a + s->L[l].seg_b;
    }
    s->clause = s->seq;
    s->pstarts = 0;
    s->xprev = 0;
    if (sentence) {
        s->sent_start = s->seq;
        s->dirty = 0;
    }
}

/* tail_irony - the sentence ends in a clause of praise alone ("..., great",
 * "..., bravo 👏", "..., echt super...") after a complaint in the same
 * sentence: that praise is sarcasm.  The praise word must be the clause's
 * last word or phrase (only emoji may follow it, and one valence-free
 * word such as "really" come before it; "..., love it", "..., on adore"):
 * "noisy room, great location" is a sincere
 * mixed verdict.  A contrast in the sentence ("late, but fine") keeps it. */
static void tail_irony(scorer *s, int l)
{
    lstate *L = &s->L[l];
    uint32_t n = s->seq - s->clause, praise = UINT32_MAX, words = 0;

    if (n == 0 || n > 3 || s->clause <= s->sent_start || L->epoch != 0 ||
        L->clause_val > INTERJ_REST)
        return;
    for (uint32_t p = s->clause; p < s->seq; p++) {
        const slot *sl = &s->ring[p & (RING - 1)];
        int emo = sl->tok.type == SRP_TOK_EMOJI || sl->tok.type == SRP_TOK_EMOTICON;

        if (sl->seq != p || (sl->polite & (1u << l)))
            return;
        if (emo) {
            if (praise == UINT32_MAX && sl->contrib[l] != 0.0f)
                return;   /* "..., 👍 great": not this pattern */
            continue;
        }
        if (praise != UINT32_MAX || ++words > 2)
            return;   /* a word after the praise ("great location") */
        if (sl->contrib[l] == 0.0f)
            continue;
        /* apply() marks praise tagged interj that it counted here */
        if (sl->contrib[l] < 0.0f || sl->negated[l] || !(sl->interj & (1u << l)))
            return;
        praise = p;
        /* a phrase of praise ("love it", "j'adore", "ich liebe es"): its
         * other words are part of it */
        if (s->phrase_start == (int64_t)p && s->phrase_end < (int64_t)s->seq)
            p = (uint32_t)s->phrase_end;
    }
    if (praise == UINT32_MAX)
        return;
    for (uint32_t p = praise; p < s->seq; p++)
        if (s->ring[p & (RING - 1)].contrib[l] > 0.0f)
            irony(s, l, p, s->ring[p & (RING - 1)].contrib[l]);
}

/* lock_language - once a long text's language is beyond doubt, stop
 * scoring it in the others (a speed-up; the verdict cannot change) */
static void lock_language(scorer *s)
{
    float top = 0.0f, second = 0.0f;
    int b = -1;

    for (int l = 1; l < SRP_NLANG; l++) {
        if (!(s->mask & (1u << l)))
            continue;
        if (s->ev[l] > top) {
            second = top;
            top = s->ev[l];
            b = l;
        } else if (s->ev[l] > second) {
            second = s->ev[l];
        }
    }
    if (b > 0 && top >= 6.0f && top >= 3.0f * second + 2.0f &&
        (float)s->cov[b] >= 0.5f * (float)s->words) {
        s->mask = (1u << b) | 1u;
        s->postneg_mask &= s->mask;
        s->absence_mask &= s->mask;
        s->sep_mask &= s->mask;
        s->locked = 1;
    }
}

/* is_num - the slot holds a number: in digits, or a word tagged num */
static inline int is_num(const slot *sl)
{
    return sl->tok.type == SRP_TOK_NUMBER || (sl->e != NULL && (sl->e->eflags & SRP_E_NUMBER));
}

/* phrase_end - a phrase may end with this word: its entry says so (a
 * number word has the lengths of phrases that end with "00", srlexc), or
 * it is a number in digits and a phrase ends with "00" */
static inline int phrase_end(const scorer *s, const slot *sl)
{
    if (sl->e != NULL && (sl->e->eflags & SRP_E_PHRASE_END))
        return 1;
    return __builtin_expect(sl->tok.type == SRP_TOK_NUMBER, 0) && s->lex->any_elens != 0;
}

/* phrase_match - the longest lexicon phrase ending at the current word;
 * only words marked as phrase starts (s->pstarts) can begin one */
static const srp_lex_entry *phrase_match(scorer *s, uint32_t cur, uint32_t *start)
{
    const srp_lexicon *lex = s->lex;
    /* k words back: a word there may start a phrase, a phrase of k + 1
     * words may end with the current word, and both are in the clause */
    unsigned reach = cur - s->clause < 5 ? cur - s->clause : 5;
    const slot *ls = &s->ring[cur & (RING - 1)];
    unsigned elens = ls->e != NULL ? ls->e->elens : 0;
    if (__builtin_expect(ls->tok.type == SRP_TOK_NUMBER, 0))
        elens |= lex->any_elens;   /* "00 months for 00" */
    unsigned cand = s->pstarts & elens & ((2u << reach) - 2u);
    /* lengths of phrases that begin with "00": a number in digits may
     * begin them (a number word has them in its entry) */
    const unsigned anyp = lex->any_plens;

    for (; cand; cand &= ~(1u << (31 - __builtin_clz(cand)))) {
        uint32_t k = 31 - (uint32_t)__builtin_clz(cand);
        uint32_t p0;
        const char *words[6];
        unsigned lens[6];
        unsigned n = 0;
        uint64_t h;

        p0 = cur - k;
        /* only lengths of phrases that begin with that word, or with "00"
         * when it is a number */
        const slot *fs = &s->ring[p0 & (RING - 1)];
        int lit = fs->e != NULL && (fs->e->plens >> k & 1);
        if (fs->seq != p0 ||
            (!lit && !((anyp >> k & 1) && fs->tok.type == SRP_TOK_NUMBER)))
            continue;
        /* phrases do not overlap: "ne commanderai plus" then "plus jamais"
         * counts once; a longer phrase that contains the last one
         * ("todavía no" -> "todavía no he recibido") replaces it */
        if ((int64_t)p0 <= s->phrase_end && (int64_t)p0 > s->phrase_start)
            continue;
        /* the words as written are a phrase only if one begins and ends
         * with them; a number in it may stand for "00" */
        const int num0 = (anyp >> k & 1) && is_num(fs);
        const srp_lex_entry *fe = num0 ? lex->any_num : fs->e;
        lit = lit && srp_lexicon_maybe_phrase(lex, fs->tok.hash, ls->tok.hash, k + 1);
        if (!lit && !num0 && !(fe->eflags & SRP_E_NUM_PHRASE))
            continue;
        h = SRP_PHRASE_SEED ^ (k + 1);
        for (uint32_t p = p0; p <= cur; p++) {
            const slot *w = &s->ring[p & (RING - 1)];
            if (w->seq != p || w->tok.key_len == 0 ||
                (w->tok.type != SRP_TOK_WORD && w->tok.type != SRP_TOK_NUMBER))
                break;
            words[n] = w->tok.key;
            lens[n++] = w->tok.key_len;
            h = srp_phrase_hash_add(h, w->tok.hash);
        }
        if (n != k + 1)
            continue;
        uint32_t ph = srp_hash_fin(h);
        const srp_lex_entry *e = lit && srp_lexicon_maybe_key(lex, ph)
                                     ? srp_lexicon_get_phrase(lex, ph, words, lens, n)
                                     : NULL;
        if (e != NULL && e->nrec > 0) {
            *start = p0;
            return e;
        }
        /* "seit 3 Wochen", "waiting 10 days", "3 weeks for": in a phrase
         * of the lexicon "00" stands for any number, in digits or a number
         * word tagged num ("seit drei Wochen"; a number written in it, "5
         * stars", matches first) */
        unsigned nums = (unsigned)num0;   /* bit i: word i is a number */
        if (fe->eflags & SRP_E_NUM_PHRASE)
            for (unsigned i = 1; i < n; i++) {
                const slot *w = &s->ring[(p0 + i) & (RING - 1)];
                if (is_num(w))   /* "three weeks" */
                    nums |= 1u << i;
            }
        if (nums) {
            static const char any[8] = "00";   /* read in 8-byte chunks */
            h = SRP_PHRASE_SEED ^ (k + 1);
            for (unsigned i = 0; i < n; i++) {
                if (nums >> i & 1) {
                    words[i] = any;
                    lens[i] = 2;
                }
                h = srp_phrase_hash_add(h, srp_hash_key(words[i], lens[i]));
            }
            ph = srp_hash_fin(h);
            e = srp_lexicon_maybe_key(lex, ph) ? srp_lexicon_get_phrase(lex, ph, words, lens, n)
                                               : NULL;
        }
        if (e != NULL && e->nrec > 0) {
            *start = p0;
            return e;
        }
    }
    return NULL;
}

/* phrase_apply - a phrase replaces the words inside it, per language */
static void phrase_apply(scorer *s, int l, const srp_lex_rec *r, uint32_t p0, uint32_t pos)
{
    const slot *first = &s->ring[p0 & (RING - 1)];
    const slot *last = &s->ring[pos & (RING - 1)];
    lstate *L = &s->L[l];

    for (uint32_t p = p0; p < pos; p++)
        undo(s, l, &s->ring[p & (RING - 1)]);
    s->phrase_end = pos;
    s->phrase_start = p0;
    /* the phrase consumes a negator inside it ("no problem") */
    if (L->last_neg >= (int64_t)p0)
        L->last_neg = -1;
    L->absence = -1;
    s->absence_mask &= ~(1u << l);
    /* a word in capitals stresses the phrase ("Je suis TRÈS déçu") */
    unsigned tflags = first->tok.flags;
    for (uint32_t p = p0 + 1; p <= pos; p++)
        tflags |= s->ring[p & (RING - 1)].tok.flags & SRP_TF_CAPS;
    apply(s, l, r, p0, first->tok.surface,
          (size_t)(last->tok.surface + last->tok.surface_len - first->tok.surface), tflags, 0);
    if (s->ring[p0 & (RING - 1)].interj & (1u << l))
        s->ring[p0 & (RING - 1)].interj |= 1u << (l + 8);   /* "Great job," */
    /* an intensifying phrase ("ein bisschen", "w miarę") acts on what
     * follows it: the next words look back at its last word */
    if (r->tags & SRP_T_BOOST)
        s->ring[pos & (RING - 1)].rec[l] = r;
}

/* marks - the parts a word or phrase (entry e, from p0 to pos) plays in
 * language l beyond its record: a why-word opening the sentence, a
 * repetition, a correlative negator */
static inline uint64_t mark_raw(const srp_lex_entry *e)
{
    uint64_t m = 0;

    /* the marks and their padding are one 8-byte load */
    _Static_assert(offsetof(srp_lex_entry, mark) + 8 <= sizeof(srp_lex_entry), "marks load");
    if (e != NULL)
        memcpy(&m, (const char *)e + offsetof(srp_lex_entry, mark), sizeof(m));
#if SRP_MARK_N < 8
    m &= (1ull << (8 * SRP_MARK_N)) - 1;
#endif
    return m;
}

/* mark_any - the marks marks() reads: conj (read where a particle waits),
 * excess (read at the next word) and sep (word) are not among them */
static inline uint64_t mark_any(uint64_t raw)
{
    return raw & ~(0xffull << (8 * SRP_MARK_CONJ)) & ~(0xffull << (8 * SRP_MARK_EXCESS)) &
           ~(0xffull << (8 * SRP_MARK_SEP));
}

static void marks(scorer *s, int l, const srp_lex_entry *e, uint32_t p0, uint32_t pos)
{
    lstate *L = &s->L[l];
    const unsigned bit = 1u << l;

    if ((e->mark[SRP_MARK_WHY] & bit) && p0 <= s->sent_start + 1) {
        const srp_lex_rec *r = rec_for(s->lex, e, l);
        if (r != NULL && r->arg == SRP_ASK_ARG) {
            /* "How do I...", "¿Cuál es su política...", "Hi, how can I...";
             * not "How do you have...": the question's own first words */
            if (p0 == s->sent_start || p0 == s->clause)
                L->ask_seq = p0;
        } else {
            const slot *a = &s->ring[p0 & (RING - 1)], *b = &s->ring[pos & (RING - 1)];
            L->why_seq = p0;   /* "Why...", "@netflix why...", "Mais pourquoi..." */
            L->why_src = a->tok.surface;
            L->why_len = (uint32_t)(b->tok.surface + b->tok.surface_len - a->tok.surface);
        }
    }
    if (e->mark[SRP_MARK_AGAIN] & bit) {
        const slot *a = &s->ring[p0 & (RING - 1)], *b = &s->ring[pos & (RING - 1)];
        L->again_seq = p0;
        L->again_src = a->tok.surface;
        L->again_len = (uint32_t)(b->tok.surface + b->tok.surface_len - a->tok.surface);
        L->again_epoch = L->epoch;
    }
    if (e->mark[SRP_MARK_CORR] & bit)
        L->corr_seq = pos;
    if (e->mark[SRP_MARK_INCRED] & bit) {
        L->incred_seq = p0;
        L->incred_end = pos;
    }
    if (e->mark[SRP_MARK_MIXED] & bit) {
        /* one with a valence of its own is also a remark on one thing
         * ("nothing special about the breakfast"): the verdict only where
         * it ends its clause ("Nothing special, nothing bad.") */
        const slot *a = &s->ring[p0 & (RING - 1)], *b = &s->ring[pos & (RING - 1)];
        const srp_lex_rec *r = rec_for(s->lex, e, l);
        if (r == NULL)
            r = rec_for(s->lex, e, SRP_LANG_XX);
        L->mixed_end = r != NULL && (r->tags & SRP_T_VAL) ? (int64_t)pos : -1;
        if (L->mixed_end < 0) {
            L->mixed_src = a->tok.surface;
            L->mixed_len = (uint32_t)(b->tok.surface + b->tok.surface_len - a->tok.surface);
        } else {
            L->mixed_wsrc = a->tok.surface;
            L->mixed_wlen = (uint32_t)(b->tok.surface + b->tok.surface_len - a->tok.surface);
        }
    }
}

/* word - process the word (number, emoji, emoticon) the tokenizer wrote
 * into the ring slot of position s->seq */
/* signature - is this word part of the writer's name after a closing
 * formula ("Kind regards,\nClaire Dubois", "Saludos,\nDolores García")?
 * The words of the line after one (up to SIG_WORDS, while the line lasts)
 * are, and on the closing's own line after a comma up to SIG_NAMES
 * capitalized words ("Kind regards, Joy Smith").  Called while s->sig. */
static __attribute__((noinline)) int signature(scorer *s, const srp_token *tok)
{
    if (tok->type != SRP_TOK_WORD)
        return 0;
    const int upper = (tok->flags & (SRP_TF_UPPER | SRP_TF_CAPS)) == SRP_TF_UPPER;
    if (s->close_end != NULL) {
        const char *c = s->close_end;
        s->close_end = NULL;
        s->sig_left = 0;
        if (tok->surface > c) {
            const size_t gap = (size_t)(tok->surface - c);
            if (memchr(c, '\n', gap) != NULL) {
                s->sig_left = SIG_WORDS;
                s->sig_names = 0;
                s->signoff_ok = s->signoff >= 0;
            } else if (s->signoff >= 0) {
                s->signoff = -1;   /* "Best, Amir" on one line: no sign-off */
            } else if (memchr(c, ',', gap) != NULL && upper) {
                s->sig_left = SIG_NAMES;
                s->sig_names = 1;
            }
        }
    } else if (memchr(s->sig_end, '\n', (size_t)(tok->surface - s->sig_end)) != NULL ||
               (s->sig_names && !upper)) {
        s->sig_left = 0;
    }
    if (s->sig_left == 0) {
        s->sig = 0;
        return 0;
    }
    s->sig_left--;
    s->sig_end = tok->surface + tok->surface_len;
    return 1;
}

/* line_start - nothing but blanks between the start of p's line (or of
 * the text) and p */
static int line_start(const scorer *s, const char *p)
{
    while (p > s->text && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r'))
        p--;
    return p == s->text || p[-1] == '\n';
}

/* closing - the word in sl (or the phrase ph from p0) closes a letter:
 * a closing formula ("Kind regards,") wherever it stands; a sign-off word
 * of praise ("Best,", "Love,") only at the start of its line.  The next
 * words may be the writer's name (signature()); a formula with praise of
 * its own ("Un abrazo,\nAna", "Bisous,\nLéa") starting its line loses it
 * when the name follows (signoff_undo()). */
static __attribute__((noinline)) void closing(scorer *s, const slot *sl, const srp_lex_entry *ph,
                                              uint32_t p0)
{
    const int closes = (sl->e->eflags & SRP_E_CLOSING) || (ph != NULL && (ph->eflags & SRP_E_CLOSING));
    const unsigned own = ph != NULL ? ph->eflags : sl->e->eflags;
    const int starts = line_start(s, s->ring[p0 & (RING - 1)].tok.surface);

    if (!closes && !((own & SRP_E_SIGNOFF) && starts))
        return;
    s->close_end = sl->tok.surface + sl->tok.surface_len;
    s->sig = 1;
    if (starts)
        s->signoff = p0;
}

/* signoff_undo - "Best,\nAmir", "Love,\nMum", "Bises,\nAnna": the word of
 * praise at the start of its line (s->signoff) closed the letter, a name
 * follows on the next line: its praise does not count (thanks stay thanks).
 * Only while its sentence is open; a blank line after it closed that. */
static __attribute__((noinline)) void signoff_undo(scorer *s)
{
    const uint32_t p = (uint32_t)s->signoff;
    slot *sl = &s->ring[p & (RING - 1)];

    if (sl->seq == p && s->signoff >= (int64_t)s->sent_start)
        for (unsigned m = s->mask; m; m &= m - 1) {
            const int l = __builtin_ctz(m);
            if (sl->contrib[l] > 0.0f && !(sl->polite & (1u << l)))
                undo(s, l, sl);
        }
    s->signoff = -1;
    s->signoff_ok = 0;
}

/* reported - a word or phrase of attribution in language l (the first
 * one is the cue) */
static void reported(scorer *s, int l, const char *from, const char *to)
{
    if (s->reported & (1u << l))
        return;
    s->reported |= 1u << l;
    s->report_src[l] = from;
    s->report_len[l] = (uint32_t)(to - from);
}

static void word(scorer *s)
{
    uint32_t pos = s->seq++;
    slot *sl = &s->ring[pos & (RING - 1)];
    const srp_token *tok = &sl->tok;
    int emoji = tok->type == SRP_TOK_EMOJI || tok->type == SRP_TOK_EMOTICON;
    unsigned lmask;

    memset((char *)sl + SLOT_CLEAR, 0, sizeof(*sl) - SLOT_CLEAR);
    sl->seq = pos;
    sl->e = NULL;

    if (s->postneg_mask) {
        for (int l = 0; l < SRP_NLANG; l++)
            if (s->postneg_mask & (1u << l))
                postneg_resolve(s, l, 0);
    }
    s->pstarts <<= 1;
    lmask = resolve(s, sl, tok);
    /* "Kind regards,\nClaire Dubois", "Saludos,\nDolores García": the
     * line after a closing formula is the writer's name; its words carry
     * no valence (up to SIG_WORDS, while the line lasts) */
    int muted = 0;
    if (__builtin_expect(s->sig != 0, 0)) {
        muted = signature(s, tok);
        if (s->signoff_ok)
            signoff_undo(s);
    }
    if (s->sep_mask && !emoji) {
        /* a word after the particle: it was a preposition ("aus Berlin"),
         * unless the word joins a new clause ("stürzt ab und ...") */
        unsigned c = sl->e != NULL ? sl->e->mark[SRP_MARK_CONJ] & s->sep_mask : 0;
        for (; c; c &= c - 1)
            sep_resolve(s, __builtin_ctz(c));
        s->sep_mask = 0;
    }
    if (sl->e != NULL)
        s->person |= sl->e->person;
    if (tok->type == SRP_TOK_NUMBER) {
        /* numbers carry no valence, but may begin or end a phrase ("5 stars",
         * "3 weeks for": "00" stands for any number) */
        if ((sl->e != NULL && (sl->e->eflags & SRP_E_PHRASE_START)) || s->lex->any_plens)
            s->pstarts |= 1;
        lmask = 0;
    }
    if (tok->type == SRP_TOK_WORD) {
        if ((tok->flags & SRP_TF_ELONGATED) && sl->e == NULL)
            lmask = resolve_elongated(s, sl);
        s->words++;
        if (!(tok->flags & SRP_TF_CAPS) && tok->key_len >= 2)
            s->lower_seen = 1;
        if ((s->words & 15) == 0 && !s->locked)
            lock_language(s);
        for (unsigned m = (lmask | tok->hint_mask) & ~1u; m; m &= m - 1)
            s->cov[__builtin_ctz(m)]++;
        if (sl->e != NULL && (sl->e->eflags & SRP_E_PHRASE_START))
            s->pstarts |= 1;
    }

    uint32_t p0 = pos;
    const srp_lex_entry *ph = NULL;
    if ((tok->type == SRP_TOK_WORD || tok->type == SRP_TOK_NUMBER) && (s->pstarts & 0x3e) &&
        phrase_end(s, sl))
        ph = phrase_match(s, pos, &p0);
    unsigned phmask = 0;
    if (ph != NULL) {
        const srp_lex_rec *precs = srp_lexicon_recs(s->lex, ph);
        srp_lang_word_evidence(s->ev, s->lex, ph, 1);
        s->person |= ph->person;
        for (unsigned i = 0; i < ph->nrec; i++)
            phmask |= precs[i].lang == SRP_LANG_XX ? s->mask : 1u << precs[i].lang;
        phmask &= s->mask;
    }
    /* "too small", "trop long", "demasiado pequeña", "zbyt ciasny": a word
     * the language does not know, right after an excess word of its
     * clause, is too much of something (names and numbers are not) */
    unsigned xmask = 0;
    if (s->xprev && tok->type == SRP_TOK_WORD &&
        (!(tok->flags & SRP_TF_UPPER) || (tok->flags & SRP_TF_CAPS)))
        xmask = s->xprev & s->mask & ~lmask & ~1u;
    s->xprev = 0;
    /* languages with something to do for this word */
    if (lmask & 1u)
        lmask = s->mask;
    if (xmask) {
        xmask &= ~lmask;   /* a language-free record ("ok") counts as known */
        lmask |= xmask;
    }
    lmask |= phmask | s->absence_mask;
    const uint64_t wraw = mark_raw(sl->e);
    const uint64_t wmark = mark_any(wraw), pmark = phmask ? mark_any(mark_raw(ph)) : 0;
    if (tok->type == SRP_TOK_WORD) {
        s->xprev = (unsigned)(wraw >> (8 * SRP_MARK_EXCESS)) & 0xffu;
        /* a particle ("ab", "aus"), a function word: it may end its
         * clause; the joined forms that carry the mark too ("abstürzt")
         * are words of their own.  No language is touched for it. */
        for (unsigned m = (unsigned)(wraw >> (8 * SRP_MARK_SEP)) & s->mask & 0xffu; m;
             m &= m - 1) {
            const srp_lex_rec *r = slot_rec(sl, __builtin_ctz(m));
            if (r != NULL && (r->tags & SRP_T_FUNC)) {
                s->sep_mask |= m & -m;
                s->sep_pos = pos;
            }
        }
    }
    if (__builtin_expect(muted, 0))
        return;
    if (sl->e != NULL &&
        __builtin_expect(((sl->e->eflags | (ph != NULL ? ph->eflags : 0)) &
                          (SRP_E_CLOSING | SRP_E_SIGNOFF)) != 0, 0))
        closing(s, sl, ph, p0);
    for (unsigned m = lmask; m; m &= m - 1) {
        int l = __builtin_ctz(m);
        const srp_lex_rec *r;
        if (phmask & (1u << l)) {
            r = rec_for(s->lex, ph, l);
            if (r == NULL && l != SRP_LANG_XX)
                r = rec_for(s->lex, ph, SRP_LANG_XX);
            if (r != NULL) {
                touch(s, l);
                phrase_apply(s, l, r, p0, pos);
                if (pmark)
                    marks(s, l, ph, p0, pos);
                if (__builtin_expect(r->arg == SRP_REPORT_ARG, 0) && (r->tags & SRP_T_FUNC))
                    reported(s, l, s->ring[p0 & (RING - 1)].tok.surface,
                             tok->surface + tok->surface_len);
                continue;
            }
        }
        if (s->absence_mask & (1u << l)) {
            touch(s, l);
            absence(s, l, sl, pos);
        }
        r = l == SRP_LANG_XX ? sl->rec[SRP_LANG_XX] : slot_rec(sl, l);
        if (xmask & (1u << l)) {
            static const srp_lex_rec excess = {.tags = SRP_T_VAL, .valence = EXCESS_VAL};
            const slot *prev = &s->ring[(pos - 1) & (RING - 1)];
            r = &excess;
            touch(s, l);
            apply(s, l, r, pos, prev->tok.surface,
                  (size_t)(tok->surface + tok->surface_len - prev->tok.surface), tok->flags, 0);
            continue;
        }
        /* a function word (language evidence only) changes nothing here,
         * but for one of attribution ("said", "selon") */
        if (r != NULL && ((r->tags & ~(unsigned)(SRP_T_FUNC | SRP_T_STEM)) | r->tags2)) {
            touch(s, l);
            apply(s, l, r, pos, tok->surface, tok->surface_len, tok->flags, emoji);
        } else if (r != NULL && __builtin_expect(r->arg == SRP_REPORT_ARG, 0)) {
            reported(s, l, tok->surface, tok->surface + tok->surface_len);
        }
        if (wmark) {
            touch(s, l);
            marks(s, l, sl->e, pos, pos);
        }
    }
    if ((tok->flags & SRP_TF_HASHTAG) && tok->key_len >= 6) {
        /* stems may have matched the tag's first word only: segment unless
         * the whole tag is a lexicon entry */
        if (sl->e == NULL || sl->e->nrec == 0)
            hashtag(s, sl, pos);
    }
}

/* srp_score_run - tokenize and score; fills out, returns the language slot */
static int score_run(const sr_ctx *ctx, const char *buf, size_t len, const char *hint,
                     sr_sentiment *out, int want_cues)
{
    const sr_config *cfg = ctx->cfg;
    scorer s;
    srp_tokenizer t;
    unsigned flags = 0;
    int chosen, best, hint_slot;
    float conf;

    /* only what the scorer reads before writing it is initialized: the
     * cue arrays and ring contents are written before they are read */
    s.ctx = ctx;
    s.lex = ctx->lex;
    s.mask = ctx->lang_mask;
    s.seq = s.sent_start = s.clause = 0;
    s.excl = s.quest = s.qmarks = s.tokens = s.words = 0;
    s.postneg_mask = s.absence_mask = s.sep_mask = s.advq_mask = s.xprev = 0;
    s.dirty = 0;
    s.pstarts = 0;
    s.locked = 0;
    s.lower_seen = 0;
    s.person = 0;
    s.reported = 0;
    s.phrase_start = s.phrase_end = -1;
    s.inited = 0;
    s.close_end = s.sig_end = NULL;
    s.sig_left = 0;
    s.text = buf;
    s.signoff = -1;
    s.signoff_ok = 0;
    s.sig_names = 0;
    s.sig = 0;
    for (int l = 0; l < SRP_NLANG; l++) {
        s.cov[l] = 0;
        s.ev[l] = 0.0f;
    }
    for (int i = 0; i < RING; i++)
        s.ring[i].seq = UINT32_MAX;

    if ((long long)len > cfg->max_text_bytes) {
        len = srp_cut_utf8(buf, (size_t)cfg->max_text_bytes);
        flags |= SR_FLAG_TRUNCATED;
    }
    srp_tok_init(&t, buf, len, is_emoticon, ctx->lex);
    t.emo_first = srp_lexicon_emoticon_starts(ctx->lex);
    t.emo_pair = srp_lexicon_emoticon_pairs(ctx->lex);
    t.prefetch_base = ctx->lex->slots;
    t.prefetch_mask = ctx->lex->mask;
    for (;;) {
        /* the token lands in the ring slot the next word will occupy; a
         * punctuation token there is harmless (that slot is the oldest) */
        srp_token *tok = &s.ring[s.seq & (RING - 1)].tok;
        s.ring[s.seq & (RING - 1)].seq = UINT32_MAX;
        if (!srp_tok_next(&t, tok))
            break;
        s.tokens++;
        switch (tok->type) {
        case SRP_TOK_WORD:
        case SRP_TOK_NUMBER:
        case SRP_TOK_EMOJI:
        case SRP_TOK_EMOTICON:
            word(&s);
            break;
        case SRP_TOK_PUNCT:
            s.excl += tok->count_excl;
            s.quest += tok->count_quest;
            s.qmarks = tok->count_quest > 0 ? tok->count_quest + tok->count_excl : 0;
            boundary(&s, 1, tok->count_quest > 0);
            s.qmarks = 0;
            break;
        case SRP_TOK_CLAUSE:
            boundary(&s, 0, 0);
            break;
        case SRP_TOK_BREAK:
            boundary(&s, 1, 0);
            break;
        }
    }
    boundary(&s, 1, 0);
    if (t.repaired)
        flags |= SR_FLAG_REPAIRED;

    hint_slot = srp_lang_slot(hint);
    if (hint_slot > 0 && !(s.mask & (1u << hint_slot)))
        hint_slot = -1;
    chosen = srp_lang_decide(s.ev, t.hint, s.cov, s.words, s.mask, &best, &conf);

    int use = chosen;
    if (use < 0)
        use = hint_slot > 0 ? hint_slot
              : ctx->fallback_lang > 0 ? ctx->fallback_lang
              : best > 0 ? best
              : SRP_LANG_XX;
    if (out == NULL)
        return chosen;

    lstate *L = touch(&s, use);   /* a language no word spoke to: zero */
    if (s.advq_mask & (1u << use))
        adv_drop(&s, use);   /* the text ends on the question */
    double v = L->doc;
    /* urgency is the writer's: with no word of the writer or of the one
     * addressed ("my", "I", "you", "please"), no urgency shouted or
     * standing alone ("URGENT", "Urgent:") and no @mention to open the
     * text, "the government must urgently act" is news, not a customer in
     * a hurry: no flag, and plain urgency words ("urgently", "sofort",
     * "pilnie") lose their valence; the complaints tagged urgent ("still
     * no answer", "sigue sin llegar") keep theirs */
    const int report = !(s.person & (use == SRP_LANG_XX ? ~0u : 1u << use)) &&
                       !(len > 0 && buf[0] == '@');
    if (report) {
        /* what the plain urgency words added, as it was weighed */
        v -= L->udoc;
        L->hits -= L->uhits < L->hits ? L->uhits : L->hits;
        for (unsigned i = 0; i < L->ncues;) {
            if (L->cues[i].mods & CUE_PLAINURG)
                cue_drop(L, L->cue_seq[i]);
            else
                i++;
        }
    }
    if (L->incred != 0.0f && v < 0.0) {
        v += L->incred;
        L->hits++;
        cue_add(L, L->incred_src, L->incred_len, L->incred, SR_CUE_WORD, 0, s.seq);
    }
    if (L->polite != 0.0) {
        /* a threat is a demand ("Cancel my account, thanks", "Supprimez
         * mon compte, merci"): it asks as a request does */
        const int demand = (flags_now(L) & SR_FLAG_THREATENING) != 0;
        double w = s.quest > 0 || L->request || L->req_verb || demand ? POLITE_IN_QUESTION : 1.0;
        v += L->polite * w;
        for (unsigned i = 0; i < L->ncues && w != 1.0; i++)
            if (L->cue_polite[i])
                L->cues[i].weight *= (float)w;
    }
    double scale = 1.0;   /* what the sums went through since the cues */
    if (cfg->hits_norm > 0 && L->hits > cfg->hits_norm)
        scale /= sqrt((double)L->hits / cfg->hits_norm);
    if (cfg->words_norm > 0 && s.words > cfg->words_norm)
        scale /= sqrt((double)s.words / cfg->words_norm);
    v *= scale;
    if (t.lower > 0)
        v += L->caps;
    /* "Some chapters are brilliant, others drag on. Mixed feelings.",
     * "Insgesamt durchschnittlich.": the writer weighs it up as mixed */
    if (L->mixed_src != NULL && v != 0.0) {
        double mv = v * MIXED_DAMP;
        if (want_cues)
            cue_add(L, L->mixed_src, L->mixed_len, (float)(mv - v), SR_CUE_WORD, 0, s.seq);
        v = mv;
        scale *= MIXED_DAMP;
    }
    /* "Lufthansa pilots will strike on Friday, the union said.", "Selon
     * la préfecture, la route restera fermée.": a text that attributes what
     * it says, with no word of the writer or of the one addressed and no
     * exclamation, reports; its words weigh less */
    if (report && (s.reported & (1u << use)) && s.excl == 0 && v != 0.0) {
        double rv = v * REPORT_DAMP;
        if (want_cues)
            cue_add(L, s.report_src[use], s.report_len[use], (float)(rv - v), SR_CUE_WORD, 0, s.seq);
        v = rv;
        scale *= REPORT_DAMP;
    }
    if (L->sarcasm)
        v = sarcasm_turn(L, v, scale, want_cues, s.seq);
    if (v != 0.0) {
        double amp = (s.excl < 4 ? s.excl : 4) * EXCL_INCR;
        /* "???" stresses a complaint; a question with a kind word in it
         * ("could you please help?") is no stronger praise */
        if (s.quest > 1 && v < 0)
            amp += s.quest <= 3 ? s.quest * QUEST_INCR : 0.96;
        if (amp > 0 && want_cues && L->ncues < SR_CUE_MAX) {
            const char *txt = s.excl && s.quest ? "!?" : s.excl ? "!" : "?";
            cue_add(L, txt, strlen(txt), (float)(signf(v) * amp), SR_CUE_PUNCT, 0, s.seq);
        }
        v += signf(v) * amp;
    }
    /* "I would recommend this shop to anyone.", "Polecam z czystym
     * sumieniem!": the writer's own recommendation, with nothing said
     * against it, is a promoter's verdict (DESIGN.md): it scores at least
     * promoter_min.  Not a weak or qualified one ("I'd recommend it, but
     * the delivery was slow", "recommend it, I guess") */
    if (v > 0 && (L->fbits & SR_FLAG_ADVOCACY) && !L->sarcasm && L->mixed_src == NULL)
        v = promoter_lift(ctx, L, v, want_cues, s.seq, buf, len, use);
    /* positive sums saturate as in VADER; negative ones follow v / (|v| + k):
     * steeper near zero (one complaint word leaves the neutral band) and
     * slower to reach 0 (two strong words are a complaint, not fury) */
    double compound = v < 0 ? v / (-v + cfg->negative_knee) : v / sqrt(v * v + cfg->alpha);
    double score = 5.0 + 5.0 * compound;
    /* "2/5 - A romantic comedy with charming characters and a happy ending.
     * Sadly the jokes fall flat.", "3 étoiles. Bien écrit, un peu
     * prévisible.": a rating is the writer's verdict; the words around it
     * (a plot's murders, a story's happy end) decide only within its class.
     * Ratings of two classes ("food 5/5, service 2/5") decide nothing. */
    if (L->stars[0] + L->stars[1] == 5 || L->stars[0] + L->stars[1] == 10) {
        /* a row of five or ten stars: "★★☆☆☆" is 2/5 */
        double f = (double)L->stars[1] / (L->stars[0] + L->stars[1]);
        float rv = f <= 0.2 ? -2.5f : f <= 0.4 ? -1.2f : f <= 0.6 ? -0.3f : f < 1.0 ? 1.8f : 3.0f;
        rating_add(L, rv, -1);
    }
    double rated = v;   /* the valence the rating leaves */
    if (L->rating_cls == 1u || L->rating_cls == 4u) {
        double rv = L->rating_v;
        double rs = 5.0 + 5.0 * (rv < 0 ? rv / (-rv + cfg->negative_knee)
                                        : rv / sqrt(rv * rv + cfg->alpha));
        if (rv < 0 ? score >= cfg->negative_below : score <= cfg->positive_above) {
            score = rs;
            rated = rv;
        }
    } else if (L->rating_cls == 2u && (score < cfg->negative_below || score > cfg->positive_above)) {
        score = score < cfg->negative_below ? cfg->negative_below : cfg->positive_above;
        /* the valence of that score: the curves above, inverted */
        double c = (score - 5.0) / 5.0;
        rated = c < 0 ? c * cfg->negative_knee / (1.0 + c) : c * sqrt(cfg->alpha / (1.0 - c * c));
    }
    if (rated != v) {
        /* say so: a cue of what the rating changed ("2 étoiles" is a cue
         * of its own, as a word) */
        if (want_cues)
            cue_add(L, "rating", 6, (float)(rated - v), SR_CUE_WORD, 0, s.seq);
        v = rated;
    }
    score = floor(score * 10.0 + 0.5) / 10.0;
    if (score < 0.0)
        score = 0.0;
    if (score > 10.0)
        score = 10.0;

    /* the cues past ncues are never read: only the rest is cleared */
    memset(out, 0, offsetof(sr_sentiment, cues));
    out->score = (float)score;
    out->valence = (float)v;
    out->flags = flags | flags_now(L);
    out->bytes = len;
    out->tokens = s.tokens;
    out->lang_confidence = chosen > 0 ? conf : 0.0f;
    /* two-letter codes and "und" fit out->lang (4 bytes) */
    memcpy(out->lang, chosen > 0      ? srp_lang_code(chosen)
                      : hint_slot > 0 ? srp_lang_code(hint_slot)
                                      : "und",
           3);
    out->lang[3] = '\0';

    if (report)
        out->flags &= ~(unsigned)SR_FLAG_URGENT_CUE;

    /* label (DESIGN.md): urgent and promoter first, then by score */
    unsigned f = out->flags;
    if (score < cfg->urgent_below &&
        ((f & (SR_FLAG_URGENT_CUE | SR_FLAG_THREATENING)) || score <= cfg->urgent_floor))
        out->label = SR_LABEL_URGENT;
    else if (score >= cfg->promoter_min && ((f & SR_FLAG_ADVOCACY) || score >= cfg->promoter_floor))
        out->label = SR_LABEL_PROMOTER;
    else if (score < cfg->negative_below)
        out->label = SR_LABEL_NEGATIVE;
    else if (score > cfg->positive_above)
        out->label = SR_LABEL_POSITIVE;
    else
        out->label = SR_LABEL_NEUTRAL;

    /* the strongest cues first; flag cues (weight 0) rank by kind */
    unsigned n = 0, maxc = (unsigned)cfg->max_cues;
    int used[SR_CUE_MAX] = {0};
    while (want_cues && n < maxc && n < L->ncues) {
        int bi = -1;
        for (unsigned i = 0; i < L->ncues; i++) {
            if (used[i])
                continue;
            float a = fabsf(L->cues[i].weight) + (L->cues[i].kind >= SR_CUE_URGENCY ? 10.0f : 0);
            float b = bi < 0 ? -1.0f
                             : fabsf(L->cues[bi].weight) +
                                   (L->cues[bi].kind >= SR_CUE_URGENCY ? 10.0f : 0);
            if (a > b)
                bi = (int)i;
        }
        used[bi] = 1;
        cue_text(out->cues[n].text, L->cues[bi].src, L->cues[bi].len);
        out->cues[n].kind = L->cues[bi].kind;
        out->cues[n].mods = L->cues[bi].mods & ~(CUE_PLAINURG | CUE_CRY);
        out->cues[n].weight = floorf(L->cues[bi].weight * 1000.0f + 0.5f) / 1000.0f;
        n++;
    }
    out->ncues = n;
    return chosen;
}

/* srp_score_lang - the language verdict alone */
int srp_score_lang(const sr_ctx *ctx, const char *buf, size_t len, float *confidence);
int srp_score_lang(const sr_ctx *ctx, const char *buf, size_t len, float *confidence)
{
    sr_sentiment out;
    int ls = score_run(ctx, buf, len, NULL, &out, 0);

    if (confidence)
        *confidence = out.lang_confidence;
    return ls;
}

/* sr_score_text - score a text */
int sr_score_text(const sr_ctx *ctx, const char *buf, size_t len, const char *lang_hint,
                  sr_sentiment *out, sr_error *err)
{
    if (ctx == NULL || out == NULL || (buf == NULL && len > 0))
        return srp_error(err, SR_EINVAL, 0, "score", "missing context, text or result");
    score_run(ctx, buf ? buf : "", len, lang_hint, out, 1);
    return SR_OK;
}

/* sr_score - score a message */
int sr_score(const sr_ctx *ctx, const sr_message *msg, sr_sentiment *out, sr_error *err)
{
    size_t len;
    const char *text;
    const char *hint;
    int rc;

    if (msg == NULL)
        return srp_error(err, SR_EINVAL, 0, "score", "no message");
    text = sr_message_text(msg, &len);
    hint = sr_message_lang_hint(msg);
    rc = sr_score_text(ctx, text, len, *hint ? hint : NULL, out, err);
    if (rc == SR_OK) {
        if (sr_message_text_repaired(msg))
            out->flags |= SR_FLAG_REPAIRED;
        if (sr_message_text_truncated(msg))
            out->flags |= SR_FLAG_TRUNCATED;
    }
    return rc;
}
