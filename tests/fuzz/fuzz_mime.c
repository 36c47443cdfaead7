/*
 * fuzz_mime - libFuzzer target for the milter's body-extraction path:
 * GMime parse, part selection, charset conversion, HTML rendering, quote
 * and signature stripping, on any byte sequence.  The result must be
 * bounded valid UTF-8 without NULs, and scoring it must work; and the
 * short way for simple messages (srm_extract_set_fast) must give what
 * GMime's parser gives.
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

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* same_mail - the two ways agree on every field */
static int same_mail(const srm_mail *a, const srm_mail *b)
{
    return same(a->text, b->text) && a->len == b->len && a->body_len == b->body_len &&
           same(a->subject, b->subject) && same(a->message_id, b->message_id) &&
           same(a->in_reply_to, b->in_reply_to) && same(a->references, b->references) &&
           same(a->from_addr, b->from_addr) && same(a->from_name, b->from_name) &&
           a->notes == b->notes && a->parts == b->parts;
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
    {
        srm_mail g;
        int rc;
        srm_extract_set_fast(0);
        rc = srm_extract((const char *)data, size, &lim, &g);
        srm_extract_set_fast(1);
        if (rc == 0 && !same_mail(&m, &g))
            abort();
        srm_mail_clear(&g);
    }
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
