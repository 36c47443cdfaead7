/*
 * lang.h - language identification (internal)
 *
 * Evidence is gathered while the scorer reads the text, so identification
 * costs no second pass: each lexicon word adds to the languages it belongs
 * to (function words most), and letters such as ß, ł, ñ, ç add hints.
 * srp_lang_decide picks a language only when it clearly leads.
 */
#ifndef SR_LANG_H
#define SR_LANG_H

#include "lexicon.h"
#include "text.h"

/* weight of one letter hint against one function word */
#define SRP_LANG_HINT_WEIGHT 0.7f

/* share of words the chosen language must know (texts of 5+ words) */
#define SRP_LANG_MIN_COVERAGE 0.3f

/*
 * srp_lang_word_evidence - add what one word says of its language into
 * ev: each of its records in a language says w / n for it, n being the
 * number of such records (a word shared by languages is split), w = 1
 * for a function word, else 0.5 when the entry matched the whole word
 * (exact) and 0.3 as a stem.
 */
extern const float srp_lang_evidence_w[2][2][SRP_NLANG + 1];   /* [exact][func][n] */
static inline void srp_lang_word_evidence(float ev[SRP_NLANG], const srp_lexicon *lex,
                                          const srp_lex_entry *e, int exact)
{
    const srp_lex_rec *r = srp_lexicon_recs(lex, e);

    for (unsigned i = 0; i < e->nrec; i++)
        if (r[i].lang != SRP_LANG_XX)
            ev[r[i].lang] += srp_lang_evidence_w[exact != 0][(r[i].tags & SRP_T_FUNC) != 0][e->nlang];
}

/*
 * srp_lang_decide - the slot of the clearly leading language among mask,
 * given evidence ev, letter hints, and cov[l] = how many of the text's
 * words the lexicon of language l knows (a text where few words are known
 * is in some other language, however strong the few hits are);
 * or -1 when none leads; *best gets the leading slot even when unclear
 * (-1 if there is no evidence at all); *confidence 0..1.
 */
int srp_lang_decide(const float ev[SRP_NLANG], const float hint[SRP_NLANG],
                    const unsigned cov[SRP_NLANG], unsigned words, unsigned mask, int *best,
                    float *confidence);

#endif
