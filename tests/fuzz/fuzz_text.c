/*
 * fuzz_text - libFuzzer target for the text path: UTF-8 repair, folding,
 * tokenizing, language identification, scoring and the JSON output, on
 * any byte sequence.
 */
#include "build-config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sentiroute.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* emoticons of the tokenizer comparison below, and their byte tables */
static const char *const emos[] = {":-(", ":)", ":D", "<3", ";-)", ":'(", "xD", "):",
                                   "8)", "%)", "(8", "D:", "o.O", NULL};
static uint32_t emo_first[8], emo_pair[2048];

static int fake_emoticon(const void *ud, const char *raw, size_t len)
{
    (void)ud;
    for (int i = 0; emos[i]; i++)
        if (strlen(emos[i]) == len && memcmp(emos[i], raw, len) == 0)
            return 1;
    return 0;
}

static void emo_tables(void)
{
    for (int i = 0; emos[i]; i++) {
        unsigned c = (unsigned char)emos[i][0] | (unsigned)(unsigned char)emos[i][1] << 8;
        emo_first[(unsigned char)emos[i][0] >> 5] |= 1u << ((unsigned char)emos[i][0] & 31);
        emo_pair[c >> 5] |= 1u << (c & 31);
    }
}

static sr_ctx *fuzz_ctx(void)
{
    static sr_ctx *ctx;

    if (ctx == NULL) {
        sr_error err;
        sr_config *cfg = sr_config_new_default(&err);
        if (cfg == NULL)
            abort();
        ctx = sr_ctx_new(cfg, &err);
        sr_config_unref(cfg);
        if (ctx == NULL)
            abort();
    }
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    sr_ctx *ctx = fuzz_ctx();
    sr_sentiment s;
    sr_error err;
    char json[8192], key[SRP_KEY_MAX];
    char *rep;
    size_t replen;
    int repaired, truncated;

    /* repair: output is valid UTF-8, never longer than the cap */
    if (srp_utf8_repair(buf, size, size / 2 + 1, &rep, &replen, &repaired, &truncated) == SR_OK) {
        if (!srp_utf8_valid(rep, replen) || replen > size / 2 + 1 || strlen(rep) != replen)
            abort();
        free(rep);
    }
    /* fold: bounded, valid */
    int k = srp_fold(buf, size < 200 ? size : 200, key);
    if (k >= SRP_KEY_MAX)
        abort();
    /* score: any bytes, every cue printable and terminated, JSON bounded */
    if (sr_score_text(ctx, buf, size, size > 0 && data[0] & 1 ? "de" : NULL, &s, &err) != SR_OK)
        abort();
    if (s.score < 0.0f || s.score > 10.0f || s.ncues > SR_CUE_MAX)
        abort();
    for (unsigned i = 0; i < s.ncues; i++)
        if (memchr(s.cues[i].text, '\0', sizeof(s.cues[i].text)) == NULL ||
            !srp_utf8_valid(s.cues[i].text, strlen(s.cues[i].text)))
            abort();
    if (sr_sentiment_format_json(&s, json, sizeof(json)) >= sizeof(json))
        abort();
    if (!srp_utf8_valid(json, strlen(json)))
        abort();
    /* the fast path for plain words, with the emoticon byte tables or
     * not (data[1]), gives the tokens of the general path without them */
    srp_tokenizer ta, tb;
    srp_token ka, kb;
    if (emo_first[0] == 0 && emo_first[1] == 0)
        emo_tables();
    srp_tok_init(&ta, buf, size, fake_emoticon, NULL);
    srp_tok_init(&tb, buf, size, fake_emoticon, NULL);
    if (size > 1 && (data[1] & 1)) {
        ta.emo_first = emo_first;
        ta.emo_pair = (data[1] & 2) ? emo_pair : NULL;
    }
    tb.general_only = 1;
    for (;;) {
        int ra = srp_tok_next(&ta, &ka), rb = srp_tok_next(&tb, &kb);
        if (ra != rb)
            abort();
        if (!ra)
            break;
        if (ka.type != kb.type || ka.flags != kb.flags || ka.surface != kb.surface ||
            ka.surface_len != kb.surface_len || ka.key_len != kb.key_len ||
            memcmp(ka.key, kb.key, ka.key_len + 1) != 0 || ka.hash != kb.hash ||
            ka.count_excl != kb.count_excl ||
            ka.count_quest != kb.count_quest || ka.hint_mask != kb.hint_mask)
            abort();
    }
    if (ta.upper != tb.upper || ta.lower != tb.lower || memcmp(ta.hint, tb.hint, sizeof(ta.hint)) != 0)
        abort();
    return 0;
}
