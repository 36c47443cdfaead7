/*
 * ctx.c - library context: config reference, lexicon, log sink
 */
#include "build-config.h"

#include "ctx.h"

#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const int facilities[] = {LOG_MAIL,   LOG_DAEMON, LOG_USER,   LOG_LOCAL0,
                                 LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4,
                                 LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};

static const char *level_name(int level)
{
    switch (level) {
    case 0: case 1: case 2: return "fatal";
    case SR_LOG_ERR: return "error";
    case SR_LOG_WARNING: return "warning";
    case SR_LOG_NOTICE: return "notice";
    case SR_LOG_INFO: return "info";
    default: return "debug";
    }
}

/* log_stderr - the default sink in the foreground */
static void log_stderr(void *ud, int level, const char *line)
{
    const sr_ctx *ctx = ud;

    fprintf(stderr, "%s[%ld]: %s: %s\n", ctx->cfg->log_ident, (long)getpid(), level_name(level),
            line);
}

static void log_syslog(void *ud, int level, const char *line)
{
    (void)ud;
    syslog(level, "%s", line);
}

/* sr_ctx_new - build a context for cfg */
sr_ctx *sr_ctx_new(sr_config *cfg, sr_error *err)
{
    sr_ctx *ctx;

    if (cfg == NULL) {
        srp_error(err, SR_EINVAL, 0, "ctx", "no configuration");
        return NULL;
    }
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        srp_error(err, SR_ENOMEM, ENOMEM, "ctx", "out of memory");
        return NULL;
    }
    atomic_init(&ctx->refs, 1);
    ctx->cfg = sr_config_ref(cfg);
    ctx->log_level = cfg->log_level;
    sr_ctx_set_log(ctx, NULL, NULL, cfg->log_level);
    ctx->lang_mask = 1u << SRP_LANG_XX;
    for (size_t i = 0; i < cfg->languages.n; i++) {
        int slot = srp_lang_slot(cfg->languages.v[i]);
        if (slot > 0)
            ctx->lang_mask |= 1u << slot;
    }
    ctx->fallback_lang = cfg->fallback_language[0] ? srp_lang_slot(cfg->fallback_language) : -1;
    ctx->lex = srp_lexicon_open(cfg->lexicon, err);
    if (ctx->lex == NULL) {
        sr_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

/* sr_ctx_ref - another reference (a store keeps one while it uses ctx) */
sr_ctx *sr_ctx_ref(sr_ctx *ctx)
{
    if (ctx)
        atomic_fetch_add(&ctx->refs, 1);
    return ctx;
}

/* sr_ctx_free - drop a reference; the last one frees */
void sr_ctx_free(sr_ctx *ctx)
{
    if (ctx == NULL || atomic_fetch_sub(&ctx->refs, 1) != 1)
        return;
    srp_lexicon_close(ctx->lex);
    sr_config_unref(ctx->cfg);
    free(ctx);
}

const sr_config *sr_ctx_config(const sr_ctx *ctx)
{
    return ctx->cfg;
}

/* sr_ctx_set_log - choose the sink */
void sr_ctx_set_log(sr_ctx *ctx, sr_log_fn fn, void *userdata, int max_level)
{
    ctx->log_level = max_level;
    if (fn != NULL) {
        ctx->log_fn = fn;
        ctx->log_ud = userdata;
        return;
    }
    if (ctx->cfg->log_sink == SRP_SINK_SYSLOG) {
        openlog(ctx->cfg->log_ident, LOG_PID | LOG_NDELAY, facilities[ctx->cfg->log_facility]);
        ctx->log_fn = log_syslog;
    } else {
        ctx->log_fn = log_stderr;
    }
    ctx->log_ud = ctx;
}

/* sr_log - format, escape and emit one line */
void sr_log(const sr_ctx *ctx, int level, const char *fmt, ...)
{
    char raw[2048], line[2048];
    va_list ap;
    int n;

    if (ctx == NULL || level > ctx->log_level || ctx->log_fn == NULL)
        return;
    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    srp_escape(line, sizeof(line), raw, SR_MIN((size_t)n, sizeof(raw) - 1));
    ctx->log_fn(ctx->log_ud, level, line);
}
