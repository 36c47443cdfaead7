/*
 * ctx.h - the library context (internal)
 */
#ifndef SR_CTX_H
#define SR_CTX_H

#include "config.h"
#include "lexicon.h"
#include "text.h"

#include <stdatomic.h>

struct sr_ctx {
    atomic_int refs;         /* the creator's, and one per store using it */
    sr_config *cfg;
    srp_lexicon *lex;
    sr_log_fn log_fn;
    void *log_ud;
    int log_level;
    unsigned lang_mask;      /* bit per enabled SRP_LANG_* slot (XX always) */
    int fallback_lang;       /* slot, or -1 for best guess */
};

#endif
