/*
 * testutil.h - shared helpers for the cmocka unit tests
 */
#ifndef SR_TESTUTIL_H
#define SR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sentiroute.h"

/* tu_mkdtemp - a fresh directory /tmp/PREFIX.XXXXXX into dir; 0 or -1 */
static inline int tu_mkdtemp(char *dir, size_t size, const char *prefix)
{
    snprintf(dir, size, "/tmp/%s.XXXXXX", prefix);
    return mkdtemp(dir) ? 0 : -1;
}

/* tu_rmrf - remove a directory made by tu_mkdtemp; 0 or -1 */
static inline int tu_rmrf(const char *dir)
{
    char cmd[160];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* a context on the built-in defaults, or on config text when given */
static inline sr_ctx *tu_ctx(void)
{
    sr_error err;
    sr_config *cfg = sr_config_new_default(&err);
    sr_ctx *ctx;

    if (cfg == NULL)
        fail_msg("defaults: %s", err.msg);
    ctx = sr_ctx_new(cfg, &err);
    sr_config_unref(cfg);
    if (ctx == NULL)
        fail_msg("ctx: %s: %s", err.where, err.msg);
    return ctx;
}

static inline sr_sentiment tu_score(const sr_ctx *ctx, const char *text)
{
    sr_sentiment s;
    sr_error err;

    if (sr_score_text(ctx, text, strlen(text), NULL, &s, &err) != SR_OK)
        fail_msg("score: %s", err.msg);
    return s;
}

/* tu_has_cue - 1 when a cue's text equals text (case-sensitive) */
static inline int tu_has_cue(const sr_sentiment *s, const char *text)
{
    for (unsigned i = 0; i < s->ncues; i++)
        if (strcmp(s->cues[i].text, text) == 0)
            return 1;
    return 0;
}

#endif
