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
 * srp_lang_evidence_weight - what one record of a word says of its
 * language, n records of the word being in some language: a function
 * word 1, another word 0.5 when matched whole (exact) and 0.3 as a stem,
 * split among the n languages; a language-free record says nothing.
 * srlexc stores these in each record (ev[]).
 */
static inline float srp_lang_evidence_weight(unsigned lang, unsigned tags, unsigned n, int exact)
{
    float w;

    if (lang == SRP_LANG_XX || n == 0)
        return 0.0f;
    if (tags & SRP_T_FUNC)
        w = 1.0f;
    else if (exact)
        w = 0.5f;
    else
        w = 0.3f;
    return w / (float)n;
}

/*
 * srp_lang_word_evidence - add what one word's records say about its
 * language into ev.  exact: the records matched the whole word (stems
 * count less).
 */
void srp_lang_word_evidence(float ev[SRP_NLANG], const srp_lex_rec *recs, unsigned nrec,
                            int exact);

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
