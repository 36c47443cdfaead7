/*
 * store_testutil.h - helpers for the store, route and outbox unit tests
 */
#ifndef SR_STORE_TESTUTIL_H
#define SR_STORE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sentiroute.h"
#include "config.h"

/* st_ctx - a context on config text (NULL: defaults), store not synced */
static inline sr_ctx *st_ctx(const char *text)
{
    sr_error err;
    char buf[8192];
    sr_config *cfg;
    sr_ctx *ctx;

    /* tests that set their own store group keep sync off themselves */
    snprintf(buf, sizeof(buf), "%s%s",
             text && strstr(text, "store = {") ? "" : "store = { sync = false; instance = \"unit\"; };\n",
             text ? text : "");
    cfg = srp_config_load_string(buf, "test.conf", &err);
    if (cfg == NULL)
        fail_msg("config: %s: %s", err.where, err.msg);
    ctx = sr_ctx_new(cfg, &err);
    sr_config_unref(cfg);
    if (ctx == NULL)
        fail_msg("ctx: %s: %s", err.where, err.msg);
    sr_ctx_set_log(ctx, NULL, NULL, SR_LOG_ERR);
    return ctx;
}

/* st_tmpdir - a fresh directory under TMPDIR (caller rm -rf's it) */
static inline char *st_tmpdir(void)
{
    char tmpl[256];
    const char *base = getenv("TMPDIR");

    snprintf(tmpl, sizeof(tmpl), "%s/srunit.XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(tmpl) == NULL)
        fail_msg("mkdtemp failed");
    return strdup(tmpl);
}

static inline void st_rmdir(char *dir)
{
    char cmd[512];

    if (dir == NULL)
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# could not remove %s\n", dir);
    free(dir);
}

/* st_msg - a message on channel from sender with text */
static inline sr_message *st_msg(sr_channel ch, const char *from, const char *text)
{
    sr_error err;
    sr_message *m = sr_message_new(ch, &err);

    if (m == NULL || sr_message_set_text(m, text, strlen(text), 0, &err) != SR_OK ||
        sr_message_set_sender(m, from, &err) != SR_OK)
        fail_msg("message: %s", err.msg);
    return m;
}

/* st_fx - a store in its own directory, on its own context */
typedef struct st_fx {
    char *dir;
    sr_ctx *ctx;
    sr_store *st;
} st_fx;

/* st_fx_new_in - open a store in dir (st_tmpdir's; st_fx_free removes it)
 * on a context of config text */
static inline st_fx *st_fx_new_in(char *dir, const char *conf)
{
    st_fx *f = calloc(1, sizeof(*f));
    sr_error err;

    if (f == NULL)
        fail_msg("out of memory");
    f->dir = dir;
    f->ctx = st_ctx(conf);
    f->st = sr_store_open(f->ctx, f->dir, 0, &err);
    if (f->st == NULL)
        fail_msg("open: %s: %s", err.where, err.msg);
    return f;
}

/* st_fx_new - the same in a fresh directory */
static inline st_fx *st_fx_new(const char *conf)
{
    return st_fx_new_in(st_tmpdir(), conf);
}

static inline void st_fx_free(st_fx *f)
{
    sr_store_close(f->st);
    sr_ctx_free(f->ctx);
    st_rmdir(f->dir);
    free(f);
}

/* st_ingest - ingest and fail the test on error */
static inline sr_ingest_result st_ingest(sr_store *st, sr_message *m)
{
    sr_ingest_result r;
    sr_error err;

    if (sr_ingest(st, m, &r, &err) != SR_OK)
        fail_msg("ingest: %s: %s", err.where, err.msg);
    sr_message_free(m);
    return r;
}

#endif
