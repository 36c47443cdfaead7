/*
 * conf.c - the milter's config snapshot and support-recipient matching
 */
#include "build-config.h"

#include "srm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* srm_socket_valid - see srm.h */
int srm_socket_valid(const char *spec)
{
    const char *p;

    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
        p = strchr(spec, ':') + 1;
        return p[0] == '/' && strlen(p) < 100;   /* sun_path */
    }
    if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0) {
        char *end;
        long port;
        p = strchr(spec, ':') + 1;
        port = strtol(p, &end, 10);
        if (end == p || port < 1 || port > 65535)
            return 0;
        return *end == '\0' || (*end == '@' && end[1] != '\0');
    }
    return 0;
}

/* srm_addr_normalize - see srm.h */
int srm_addr_normalize(const char *in, char *out, size_t size)
{
    size_t o = 0;
    char *at, *plus;

    if (in == NULL || size < 4)
        return -1;
    for (; *in && o + 1 < size; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '<' || c == '>' || isspace(c))
            continue;
        out[o++] = (char)tolower(c);
    }
    if (*in != '\0')
        return -1;
    out[o] = '\0';
    at = strrchr(out, '@');
    if (at == NULL || at == out || at[1] == '\0')
        return -1;
    plus = memchr(out, '+', (size_t)(at - out));
    if (plus != NULL && plus != out)
        memmove(plus, at, strlen(at) + 1);
    return 0;
}

/* srm_is_support - see srm.h */
int srm_is_support(const srm_conf *c, const char *addr)
{
    char a[512];
    const char *dom;

    if (srm_addr_normalize(addr, a, sizeof(a)) != 0)
        return 0;
    for (size_t i = 0; i < c->nrcpts; i++)
        if (strcmp(c->rcpts[i], a) == 0)
            return 1;
    dom = strrchr(a, '@') + 1;
    for (size_t i = 0; i < c->ndomains; i++)
        if (strcmp(c->domains[i], dom) == 0)
            return 1;
    return 0;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* lowered - a lower-case copy */
static char *lowered(const char *s)
{
    char *r = strdup(s);
    if (r != NULL)
        for (char *p = r; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return r;
}

/* get_int - a numeric key; the table guarantees it exists */
static long long get_int(const sr_config *cfg, const char *key)
{
    long long v = 0;
    (void)sr_config_get_int(cfg, key, &v);
    return v;
}

/* build - the snapshot's fields from cfg; 0 or -1 with err */
static int build(srm_conf *c, sr_error *err)
{
    const char *const *v;
    size_t n;
    const char *s;
    int b = 0;

    if (sr_config_get_string(c->cfg, "milter.socket", &c->socket) != SR_OK ||
        sr_config_get_string(c->cfg, "milter.user", &c->user) != SR_OK ||
        sr_config_get_string(c->cfg, "milter.on_error", &s) != SR_OK)
        goto internal;
    c->on_error = strcmp(s, "tempfail") == 0 ? SRM_ON_ERROR_TEMPFAIL : SRM_ON_ERROR_ACCEPT;
    if (sr_config_get_string(c->cfg, "milter.automatic", &s) != SR_OK)
        goto internal;
    c->automatic = strcmp(s, "score") == 0 ? SRM_AUTOMATIC_SCORE : SRM_AUTOMATIC_SKIP;
    if (!srm_socket_valid(c->socket)) {
        if (err) {
            err->code = SR_ECONFIG;
            err->sys = 0;
            snprintf(err->where, sizeof(err->where), "%s: milter.socket",
                     sr_config_path(c->cfg));
            snprintf(err->msg, sizeof(err->msg),
                     "\"%.100s\" is not inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH", c->socket);
        }
        return -1;
    }
    if (sr_config_get_list(c->cfg, "milter.recipients", &v, &n) != SR_OK)
        goto internal;
    c->rcpts = calloc(n + 1, sizeof(char *));
    if (c->rcpts == NULL)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        char a[512];
        if (srm_addr_normalize(v[i], a, sizeof(a)) != 0) {
            if (err) {
                err->code = SR_ECONFIG;
                err->sys = 0;
                snprintf(err->where, sizeof(err->where), "%s: milter.recipients[%zu]",
                         sr_config_path(c->cfg), i);
                snprintf(err->msg, sizeof(err->msg), "\"%.100s\" is not an address (user@domain)",
                         v[i]);
            }
            return -1;
        }
        c->rcpts[c->nrcpts] = strdup(a);
        if (c->rcpts[c->nrcpts] == NULL)
            goto nomem;
        c->nrcpts++;
    }
    if (sr_config_get_list(c->cfg, "milter.domains", &v, &n) != SR_OK)
        goto internal;
    c->domains = calloc(n + 1, sizeof(char *));
    if (c->domains == NULL)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        const char *d = v[i][0] == '@' ? v[i] + 1 : v[i];
        c->domains[c->ndomains] = lowered(d);
        if (c->domains[c->ndomains] == NULL)
            goto nomem;
        c->ndomains++;
    }
    c->max_scan = (size_t)get_int(c->cfg, "milter.max_scan_bytes");
    c->lim.max_parts = (size_t)get_int(c->cfg, "milter.max_parts");
    c->lim.max_depth = (size_t)get_int(c->cfg, "milter.max_depth");
    c->lim.max_text = c->max_scan;
    (void)sr_config_get_bool(c->cfg, "milter.strip_quotes", &b);
    c->lim.strip_quotes = b;
    (void)sr_config_get_bool(c->cfg, "milter.tickets", &c->tickets);
    c->timeout = (int)get_int(c->cfg, "milter.timeout");
    return 0;
nomem:
    if (err) {
        err->code = SR_ENOMEM;
        err->sys = ENOMEM;
        snprintf(err->where, sizeof(err->where), "milter");
        snprintf(err->msg, sizeof(err->msg), "out of memory");
    }
    return -1;
internal:
    if (err) {
        err->code = SR_EINVAL;
        err->sys = 0;
        snprintf(err->where, sizeof(err->where), "milter");
        snprintf(err->msg, sizeof(err->msg), "the library lacks the milter configuration keys");
    }
    return -1;
}

/* srm_conf_load - see srm.h */
srm_conf *srm_conf_load(const char *path, sr_log_fn log_fn, void *log_ud, sr_error *err)
{
    srm_conf *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        if (err) {
            err->code = SR_ENOMEM;
            snprintf(err->where, sizeof(err->where), "milter");
            snprintf(err->msg, sizeof(err->msg), "out of memory");
        }
        return NULL;
    }
    atomic_init(&c->refs, 1);
    c->cfg = sr_config_load(path, err);
    if (c->cfg == NULL || build(c, err) != 0) {
        srm_conf_unref(c);
        return NULL;
    }
    c->ctx = sr_ctx_new(c->cfg, err);
    if (c->ctx == NULL) {
        srm_conf_unref(c);
        return NULL;
    }
    {
        long long level = 6;
        (void)sr_config_get_int(c->cfg, "log.level", &level);
        c->log_level = (int)level;
    }
    c->log_fn = log_fn;
    c->log_ud = log_ud;
    if (log_fn != NULL)
        sr_ctx_set_log(c->ctx, log_fn, log_ud, c->log_level);
    return c;
}

srm_conf *srm_conf_ref(srm_conf *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

void srm_conf_unref(srm_conf *c)
{
    if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    sr_ctx_free(c->ctx);
    sr_config_unref(c->cfg);
    free_list(c->rcpts, c->nrcpts);
    free_list(c->domains, c->ndomains);
    free(c);
}
