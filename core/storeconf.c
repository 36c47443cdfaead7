/*
 * storeconf.c - cross-key checks for the store, route and handoff keys
 *
 * A method needs its endpoint and credentials; an endpoint is https, or
 * plain http only on the loopback (local tests, a relay on the host):
 * tokens never travel unencrypted across a network.
 */
#include "build-config.h"

#include "storeconf.h"

#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const srp_method_names[] = {"helpdesk", "zendesk", "gorgias", "webhook",
                                        "rt",       "none",    NULL};

const char *sr_method_name(sr_handoff_method m)
{
    if ((unsigned)m > SR_METHOD_NONE)
        return "helpdesk";
    return srp_method_names[m];
}

const srp_custom *srp_custom_find(const char *path)
{
    static const srp_custom none = {NULL, NULL, NULL};

    if (strcmp(path, "route.rules") == 0)
        return &srp_rules_custom;
    if (strcmp(path, "views") == 0)
        return &srp_views_custom;
    return &none;
}

/* url_ok - https://host..., or http:// to a loopback host */
static int url_ok(const char *url)
{
    static const char *const loop[] = {"127.0.0.1", "localhost", "[::1]", NULL};

    if (strncasecmp(url, "https://", 8) == 0)
        return url[8] != '\0' && url[8] != '/';
    if (strncasecmp(url, "http://", 7) != 0)
        return 0;
    for (int i = 0; loop[i]; i++) {
        size_t n = strlen(loop[i]);
        const char *p = url + 7 + n;
        if (strncasecmp(url + 7, loop[i], n) != 0)
            continue;
        /* only a port may follow: "localhost:80@evil.example" is a user
         * name in front of another host */
        if (*p == ':')
            p += 1 + strspn(p + 1, "0123456789");
        if (*p == '/' || *p == '?' || *p == '#' || *p == '\0')
            return 1;
    }
    return 0;
}

/* userinfo - does the URL name a user (and password) before its host,
 * "https://bob:hunter2@helpdesk.example"?  libcurl would log in with them
 * and every line that quotes the URL would show them */
static int userinfo(const char *url)
{
    const char *a = strstr(url, "://");

    if (a == NULL)
        return 0;
    a += 3;
    size_t n = strcspn(a, "/?#");
    return memchr(a, '@', n) != NULL;
}

static int need(const char *file, const char *key, const char *val, int is_url, sr_error *err)
{
    char w[160];

    snprintf(w, sizeof(w), "%s: %s", file, key);
    if (val == NULL || *val == '\0')
        return srp_error(err, SR_ECONFIG, 0, w, "required by the chosen handoff.method");
    if (is_url && userinfo(val))
        return srp_error(err, SR_ECONFIG, 0, w,
                         "must not hold a user name or password (the credential goes in its "
                         "secret file)");
    if (is_url && !url_ok(val))
        return srp_error(err, SR_ECONFIG, 0, w,
                         "must be an https:// URL (http:// only to 127.0.0.1/localhost)");
    for (const char *c = val; *c; c++)
        if ((unsigned char)*c <= 0x20 && is_url)
            return srp_error(err, SR_ECONFIG, 0, w, "must not contain spaces or controls");
    return SR_OK;
}

static int need_secret(const char *file, const char *key, const sr_secret *s, sr_error *err)
{
    char w[160];

    snprintf(w, sizeof(w), "%s: %s", file, key);
    if (s == NULL)
        return srp_error(err, SR_ECONFIG, 0, w, "required by the chosen handoff.method");
    return SR_OK;
}

/* srp_storeconf_validate - what one key alone cannot check */
int srp_storeconf_validate(sr_config *cfg, const char *file, sr_error *err)
{
    int rc = SR_OK;
    char w[160];

    for (const char *c = cfg->conv_default_country; *c; c++)
        if (*c < '0' || *c > '9') {
            snprintf(w, sizeof(w), "%s: conversation.default_country", file);
            return srp_error(err, SR_ECONFIG, 0, w, "must be digits (a calling code: 49)");
        }
    for (size_t i = 0; i < cfg->none_links.n; i++)
        if (userinfo(cfg->none_links.v[i])) {
            snprintf(w, sizeof(w), "%s: handoff.none.links", file);
            return srp_error(err, SR_ECONFIG, 0, w,
                             "a link must not hold a user name or password (customers see it)");
        } else if (!url_ok(cfg->none_links.v[i]) &&
                   strncmp(cfg->none_links.v[i], "https://", 8) != 0) {
            snprintf(w, sizeof(w), "%s: handoff.none.links", file);
            return srp_error(err, SR_ECONFIG, 0, w, "\"%.80s\" is not an https:// link",
                             cfg->none_links.v[i]);
        }
    switch (cfg->handoff_method) {
    case SR_METHOD_ZENDESK:
        if ((rc = need(file, "handoff.zendesk.url", cfg->zd_url, 1, err)) != SR_OK ||
            (rc = need(file, "handoff.zendesk.email", cfg->zd_email, 0, err)) != SR_OK)
            return rc;
        return need_secret(file, "handoff.zendesk.token_file", cfg->zd_token, err);
    case SR_METHOD_GORGIAS:
        if ((rc = need(file, "handoff.gorgias.url", cfg->gg_url, 1, err)) != SR_OK ||
            (rc = need(file, "handoff.gorgias.username", cfg->gg_username, 0, err)) != SR_OK)
            return rc;
        return need_secret(file, "handoff.gorgias.api_key_file", cfg->gg_key, err);
    case SR_METHOD_WEBHOOK:
        if ((rc = need(file, "handoff.webhook.url", cfg->wh_url, 1, err)) != SR_OK)
            return rc;
        return need_secret(file, "handoff.webhook.secret_file", cfg->wh_secret, err);
    case SR_METHOD_RT:
        if ((rc = need(file, "handoff.rt.url", cfg->rt_url, 1, err)) != SR_OK)
            return rc;
        return need_secret(file, "handoff.rt.token_file", cfg->rt_token, err);
    default:
        return SR_OK;
    }
}
