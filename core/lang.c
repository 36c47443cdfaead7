/*
 * lang.c - language identification from lexicon evidence and letters
 */
#include "build-config.h"

#include "lang.h"

#include "ctx.h"
#include "internal.h"

/* the weights of srp_lang_word_evidence: w / n, as floats */
#define EVW(w) {0.0f, (w) / 1.0f, (w) / 2.0f, (w) / 3.0f, (w) / 4.0f, (w) / 5.0f, (w) / 6.0f}
const float srp_lang_evidence_w[2][2][SRP_NLANG + 1] = {
    {EVW(0.3f), EVW(1.0f)},   /* as a stem: other words, function words */
    {EVW(0.5f), EVW(1.0f)},   /* whole */
};
#undef EVW

/* srp_lang_decide - leader with a margin, or -1 */
int srp_lang_decide(const float ev[SRP_NLANG], const float hint[SRP_NLANG],
                    const unsigned cov[SRP_NLANG], unsigned words, unsigned mask, int *best,
                    float *confidence)
{
    float top = 0.0f, second = 0.0f;
    int b = -1;

    for (int l = 1; l < SRP_NLANG; l++) {
        float s;
        if (!(mask & (1u << l)))
            continue;
        s = ev[l] + SRP_LANG_HINT_WEIGHT * hint[l];
        if (s > top) {
            second = top;
            top = s;
            b = l;
        } else if (s > second) {
            second = s;
        }
    }
    if (best)
        *best = b;
    if (confidence)
        *confidence = top > 0.0f ? (top - second) / (top + 1.0f) : 0.0f;
    if (b < 0 || top < 1.5f || top < 1.5f * second + 0.5f)
        return -1;
    /* coverage: in a text of five or more words, the language must know
     * a fair share of them */
    if (words >= 5 && (float)cov[b] < SRP_LANG_MIN_COVERAGE * (float)words)
        return -1;
    return b;
}

/* srp_score_lang - in score.c: run the scorer for its language verdict */
int srp_score_lang(const sr_ctx *ctx, const char *buf, size_t len, float *confidence);

/* sr_lang_detect - the language of a text, or "und" */
const char *sr_lang_detect(const sr_ctx *ctx, const char *buf, size_t len, float *confidence)
{
    int slot;

    if (ctx == NULL || (buf == NULL && len > 0)) {
        if (confidence)
            *confidence = 0.0f;
        return "und";
    }
    slot = srp_score_lang(ctx, buf ? buf : "", len, confidence);
    return slot > 0 ? srp_lang_code(slot) : "und";
}
