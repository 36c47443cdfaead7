/*
 * fuzz_mime - libFuzzer target for the milter's body-extraction path:
 * GMime parse, part selection, charset conversion, HTML rendering, quote
 * and signature stripping, on any byte sequence.  The result must be
 * bounded valid UTF-8 without NULs, and scoring it must work.
 */
#include "build-config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "sentiroute.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
        srm_extract_init();
    }
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sr_ctx *ctx = fuzz_ctx();
    /* small limits so the fuzzer reaches them; the first byte varies them */
    srm_limits lim = {8, 4, 4096, 1};
    srm_mail m;
    sr_sentiment s;

    if (size > 0) {
        lim.max_parts = 1 + (data[0] & 0x0f);
        lim.max_depth = 1 + ((data[0] >> 4) & 0x07);
        lim.strip_quotes = !(data[0] & 0x80);
    }
    if (srm_extract((const char *)data, size, &lim, &m) != 0)
        return 0;   /* out of memory only */
    if (m.text == NULL || strlen(m.text) != m.len || m.body_len > lim.max_text)
        abort();
    if (!srp_utf8_valid(m.text, m.len))
        abort();
    if (m.subject && !srp_utf8_valid(m.subject, strlen(m.subject)))
        abort();
    for (const char *p = m.subject ? m.subject : ""; *p; p++)
        if (*p == '\r' || *p == '\n')
            abort();
    if (sr_score_text(ctx, m.text, m.len, NULL, &s, NULL) != SR_OK)
        abort();
    srm_mail_clear(&m);
    return 0;
}
