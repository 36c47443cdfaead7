/*
 * fuzz_sms - the request and file parsers of sentiroute-sms
 *
 * The first byte picks the parser, the rest is its input: a Kannel query
 * string (GET), a Kannel POST body with a fixed charset, a Twilio form with
 * its signature check, a smstools3 file, a Zendesk or Gorgias webhook body,
 * the charset converter, the keyword matcher and the allow-list parser.
 * Nothing may crash, leak or read out of bounds; outputs are checked for
 * the invariants the daemon relies on (UTF-8 text within the cap).
 */
#include "build-config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *no_header(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "Content-Type") == 0 ? "text/plain; charset=UTF-16BE" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data + 1;
    size_t n = size ? size - 1 : 0;
    srs_form f;
    srs_inbound in;
    srs_agent_reply r;
    sr_error err;
    char *out, kw[64], sig[29];
    size_t olen;
    srs_allow a;

    if (size == 0)
        return 0;
    memset(&in, 0, sizeof(in));
    switch (data[0] % 9) {
    case 0:   /* Kannel GET */
        if (srs_form_parse(p, n, 256, &f, &err) == SR_OK &&
            srs_kannel_parse(0, &f, NULL, NULL, NULL, 0, &in, &err) == SR_OK &&
            (in.text == NULL || in.len > n * 3 + 3 || strlen(in.from) == 0))
            abort();
        srs_form_free(&f);
        break;
    case 1:   /* Kannel POST, query "from=1" */
        if (srs_form_parse("from=%2B4915112345", 18, 8, &f, &err) == SR_OK)
            srs_kannel_parse(1, &f, no_header, NULL, p, n, &in, &err);
        srs_form_free(&f);
        break;
    case 2:   /* Twilio form + signature */
        if (srs_form_parse(p, n, 256, &f, &err) == SR_OK) {
            srs_twilio_signature("token", 5, "https://example.com/twilio", &f, sig);
            if (srs_twilio_parse(&f, &in, &err) == SR_OK) {
                char *x = srs_twiml(in.text);
                free(x);
            }
        }
        srs_form_free(&f);
        break;
    case 3:   /* smstools3 file */
        srs_smstools_parse(p, n, &in, &err);
        break;
    case 4:
        if (srs_zendesk_parse(p, n, &r, &err) == SR_OK && r.relay && r.text == NULL)
            abort();
        srs_agent_reply_clear(&r);
        break;
    case 5:
        if (srs_gorgias_parse(p, n, &r, &err) == SR_OK && r.relay && r.text == NULL)
            abort();
        srs_agent_reply_clear(&r);
        break;
    case 6:   /* charsets: the second byte picks one */
        if (n > 0) {
            static const char *const cs[] = {"UTF-16BE", "UTF-16", "ISO-8859-15", "8-BIT",
                                             "WINDOWS-1252", "UTF-8", "UTF-16LE", ""};
            if (srs_to_utf8(p + 1, n - 1, cs[(unsigned char)p[0] % 8], p[0] & 8 ? 2 : 0, &out,
                            &olen, NULL, &err) == SR_OK) {
                srs_gsm7_ok(out, olen);
                free(out);
            }
        }
        break;
    case 7:
        srs_keyword_match(p, n, "AGENT, HUMAN, CZŁOWIEK, MENSCH", 3, kw, sizeof(kw));
        break;
    default: {
        char *s = strndup(p, n);
        if (s) {
            srs_allow_parse(s, &a, &err);
            free(s);
        }
        break;
    }
    }
    srs_inbound_clear(&in);
    return 0;
}
