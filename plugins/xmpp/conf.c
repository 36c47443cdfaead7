/*
 * conf.c - the bridge's view of the configuration, checked as a whole
 *
 * The core's key table has already checked types and ranges of the xmpp
 * section; here the values that have a syntax of their own are parsed
 * (agents, business hours, the time zone, texts, the webhook address) and
 * the combinations checked, so `sentiroute-xmpp -n` reports every mistake
 * before a start or a reload.  Secrets are read separately
 * (srx_secret_read), by main() before it drops privileges.
 */
#include "build-config.h"

#include "srx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAX 4096

static int fail(sr_error *err, const sr_config *cfg, const char *key, const char *fmt, ...)
    SR_PRINTFLIKE(4, 5);
static int fail(sr_error *err, const sr_config *cfg, const char *key, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = SR_ECONFIG;
        err->sys = 0;
        snprintf(err->where, sizeof(err->where), "%s: %s", sr_config_path(cfg), key);
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return SR_ECONFIG;
}

static const char *str(const sr_config *cfg, const char *key)
{
    const char *v[1] = {NULL};

    if (sr_config_get_string(cfg, key, v) != SR_OK || v[0] == NULL)
        return "";
    return v[0];
}

static int num(const sr_config *cfg, const char *key)
{
    long long v = 0;

    (void)sr_config_get_int(cfg, key, &v);
    return (int)v;
}

static double flt(const sr_config *cfg, const char *key)
{
    double v = 0;

    (void)sr_config_get_float(cfg, key, &v);
    return v;
}

static int boolean(const sr_config *cfg, const char *key)
{
    int v = 0;

    (void)sr_config_get_bool(cfg, key, &v);
    return v;
}

static void list(const sr_config *cfg, const char *key, const char *const **v, size_t *n)
{
    static const char *const none[] = {NULL};

    if (sr_config_get_list(cfg, key, v, n) != SR_OK || *v == NULL) {
        *v = none;
        *n = 0;
    }
}

/* jid_ok - a plausible bare JID: local@domain, no resource, no spaces */
static int jid_ok(const char *j)
{
    const char *at = strchr(j, '@');

    return at != NULL && at != j && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
           strpbrk(j, " \t/<>\"'&") == NULL;
}

static int domain_ok(const char *d)
{
    return *d != '\0' && strpbrk(d, " \t/@<>\"'&") == NULL && d[0] != '.';
}

/* host_port - "127.0.0.1:8089" or "[::1]:8089" */
static int host_port(const char *s, char *host, size_t hsize, int *port)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long p;

    if (colon == NULL || colon == s)
        return -1;
    p = strtol(colon + 1, &end, 10);
    if (*end != '\0' || p < 1 || p > 65535)
        return -1;
    if (s[0] == '[' && colon[-1] == ']') {
        if ((size_t)(colon - s - 2) >= hsize)
            return -1;
        memcpy(host, s + 1, (size_t)(colon - s - 2));
        host[colon - s - 2] = '\0';
    } else {
        if ((size_t)(colon - s) >= hsize)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    *port = (int)p;
    return 0;
}

/* srx_conf_new - parse and check the xmpp section */
srx_conf *srx_conf_new(sr_config *cfg, sr_error *err)
{
    srx_conf *c = calloc(1, sizeof(*c));
    const char *const *v;
    const char *const *v2;
    size_t n, n2;
    char msg[240];
    const char *s;

    if (c == NULL) {
        if (err) {
            err->code = SR_ENOMEM;
            snprintf(err->msg, sizeof(err->msg), "out of memory");
        }
        return NULL;
    }
    c->cfg = sr_config_ref(cfg);
    c->component = strcmp(str(cfg, "xmpp.mode"), "component") == 0;
    c->server = str(cfg, "xmpp.server");
    c->port = num(cfg, "xmpp.port");
    if (c->port == 0)
        c->port = c->component ? 5347 : 5222;
    c->secret_file = str(cfg, "xmpp.secret_file");
    c->tls_disable = strcmp(str(cfg, "xmpp.tls"), "disable") == 0;
    c->user = str(cfg, "xmpp.user");
    list(cfg, "xmpp.authenticated_domains", &c->auth_domains, &c->nauth_domains);
    srx_strlcpy(c->deflang, str(cfg, "xmpp.default_language"), sizeof(c->deflang));
    c->max_visitors = num(cfg, "xmpp.max_visitors");
    c->idle_timeout = num(cfg, "xmpp.idle_timeout");
    c->max_body = num(cfg, "xmpp.max_body_bytes");
    c->rate = flt(cfg, "xmpp.rate");
    c->burst = num(cfg, "xmpp.burst");
    c->reconnect_min = flt(cfg, "xmpp.reconnect_min");
    c->reconnect_max = flt(cfg, "xmpp.reconnect_max");
    c->ping_timeout = flt(cfg, "xmpp.ping_timeout");
    c->ping_interval = flt(cfg, "xmpp.ping_interval");
    c->ask_first_line = boolean(cfg, "xmpp.ask_on_first_line");
    c->bot_marker = str(cfg, "xmpp.bot.handoff_marker");
    c->agent_max_chats = num(cfg, "xmpp.agent_max_chats");
    c->tz = str(cfg, "xmpp.hours.timezone");
    c->method = str(cfg, "handoff.method");
    list(cfg, "handoff.none.links", &c->none_links, &c->nnone_links);
    c->wh_path = str(cfg, "xmpp.webhook.path");
    c->wh_signing_file = str(cfg, "xmpp.webhook.signing_secret_file");
    c->wh_token_file = str(cfg, "xmpp.webhook.token_file");
    c->wh_max_body = num(cfg, "xmpp.webhook.max_body");
    c->wh_max_skew = num(cfg, "xmpp.webhook.max_skew");

    if (*c->secret_file == '\0') {
        fail(err, cfg, "xmpp.secret_file", "is required (the component secret or the "
                                           "account's password)");
        goto bad;
    }
    if (c->component) {
        s = str(cfg, "xmpp.domain");
        if (!domain_ok(s)) {
            fail(err, cfg, "xmpp.domain", "\"%.60s\" is not a domain", s);
            goto bad;
        }
        srx_jid_bare(s, c->domain, sizeof(c->domain));
        snprintf(c->self, sizeof(c->self), "%s@%s", str(cfg, "xmpp.address"), c->domain);
        srx_jid_bare(c->self, c->self, sizeof(c->self));
        if (!jid_ok(c->self)) {
            fail(err, cfg, "xmpp.address", "\"%.60s\" is not a local part", str(cfg, "xmpp.address"));
            goto bad;
        }
    } else {
        s = str(cfg, "xmpp.jid");
        if (!jid_ok(s)) {
            fail(err, cfg, "xmpp.jid", "client mode needs the account, user@domain (got \"%.60s\")",
                 s);
            goto bad;
        }
        srx_jid_bare(s, c->jid, sizeof(c->jid));
        srx_strlcpy(c->self, c->jid, sizeof(c->self));
        srx_jid_domain(c->jid, c->domain, sizeof(c->domain));
    }
    s = str(cfg, "xmpp.bot.jid");
    if (*s) {
        if (!jid_ok(s)) {
            fail(err, cfg, "xmpp.bot.jid", "\"%.60s\" is not a bare JID (user@domain)", s);
            goto bad;
        }
        srx_jid_bare(s, c->bot, sizeof(c->bot));
    }
    list(cfg, "xmpp.agents", &v, &n);
    c->agents = srx_agents_parse(v, n, msg, sizeof(msg));
    if (c->agents == NULL) {
        fail(err, cfg, "xmpp.agents", "%s", msg);
        goto bad;
    }
    for (size_t i = 0; i < c->agents->n; i++)
        if (strcmp(c->agents->v[i].jid, c->self) == 0 ||
            (*c->bot && strcmp(c->agents->v[i].jid, c->bot) == 0)) {
            fail(err, cfg, "xmpp.agents", "%s is the bridge's or the bot's own address",
                 c->agents->v[i].jid);
            goto bad;
        }
    if (!srx_tz_valid(c->tz)) {
        fail(err, cfg, "xmpp.hours.timezone", "unknown time zone \"%.60s\" (no zoneinfo file)",
             c->tz);
        goto bad;
    }
    list(cfg, "xmpp.hours.open", &v, &n);
    list(cfg, "xmpp.hours.closed", &v2, &n2);
    c->hours = srx_hours_parse(v, n, v2, n2, msg, sizeof(msg));
    if (c->hours == NULL) {
        fail(err, cfg, "xmpp.hours", "%s", msg);
        goto bad;
    }
    if (srx_texts_load(&c->texts, cfg, c->deflang, err) != SR_OK)
        goto bad;
    if (c->reconnect_min > c->reconnect_max) {
        fail(err, cfg, "xmpp.reconnect_min", "must not exceed xmpp.reconnect_max");
        goto bad;
    }
    s = str(cfg, "xmpp.webhook.listen");
    if (*s) {
        if (host_port(s, c->wh_host, sizeof(c->wh_host), &c->wh_port) != 0) {
            fail(err, cfg, "xmpp.webhook.listen", "wants HOST:PORT (127.0.0.1:8089), got \"%.60s\"",
                 s);
            goto bad;
        }
        if (!*c->wh_signing_file && !*c->wh_token_file) {
            fail(err, cfg, "xmpp.webhook.listen",
                 "needs xmpp.webhook.signing_secret_file or xmpp.webhook.token_file: the "
                 "endpoint is never open to anyone");
            goto bad;
        }
        if (c->wh_path[0] != '/') {
            fail(err, cfg, "xmpp.webhook.path", "must start with /");
            goto bad;
        }
    }
    return c;
bad:
    srx_conf_free(c);
    return NULL;
}

void srx_conf_free(srx_conf *c)
{
    if (c == NULL)
        return;
    srx_agents_free(c->agents);
    srx_hours_free(c->hours);
    srx_texts_clear(&c->texts);
    sr_config_unref(c->cfg);
    free(c);
}

void srx_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

/* srx_secret_read - a secret file, like the core's token files */
int srx_secret_read(const char *path, char *buf, size_t size, sr_error *err)
{
    char tmp[SECRET_MAX + 1];
    struct stat sb;
    size_t len = 0;
    ssize_t r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

#define SECRET_FAIL(...)                                                                      \
    do {                                                                                      \
        if (err) {                                                                            \
            err->code = SR_ECONFIG;                                                           \
            err->sys = errno;                                                                 \
            snprintf(err->where, sizeof(err->where), "%s", path);                             \
            snprintf(err->msg, sizeof(err->msg), __VA_ARGS__);                                \
        }                                                                                     \
    } while (0)

    if (fd < 0) {
        SECRET_FAIL("cannot read secret file: %s", strerror(errno));
        return SR_ECONFIG;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        SECRET_FAIL("secret file is not a regular file");
        return SR_ECONFIG;
    }
    if (sb.st_mode & S_IROTH) {
        close(fd);
        SECRET_FAIL("secret file is readable by others; chmod o-r (0600 or 0640)");
        return SR_ECONFIG;
    }
    while (len < sizeof(tmp) && (r = read(fd, tmp + len, sizeof(tmp) - len)) > 0)
        len += (size_t)r;
    close(fd);
    while (len > 0 && (tmp[len - 1] == '\n' || tmp[len - 1] == '\r' || tmp[len - 1] == ' ' ||
                       tmp[len - 1] == '\t'))
        len--;
    if (len == 0 || len > SECRET_MAX || len >= size || memchr(tmp, '\0', len) != NULL) {
        srx_wipe(tmp, sizeof(tmp));
        SECRET_FAIL("secret file is empty, larger than 4 KiB or holds a NUL byte");
        return SR_ECONFIG;
    }
    memcpy(buf, tmp, len);
    buf[len] = '\0';
    srx_wipe(tmp, sizeof(tmp));
    return SR_OK;
#undef SECRET_FAIL
}
