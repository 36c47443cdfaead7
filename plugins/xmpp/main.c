/*
 * sentiroute-xmpp - the web-chat bridge: an XMPP component (or client)
 * that scores every visitor line, stores it on the visitor's ticket, and
 * hands conversations to people (see sentiroute-xmpp(8))
 *
 * main() follows the project's daemon skeleton: options; configuration
 * (or exit 78); privileged work (read the secrets, bind the webhook
 * port); drop to the service user; pid file; open the store and start the
 * outbox worker; then one loop on xmpp_run_once() that also serves the
 * webhook, delivers chat jobs, ends idle conversations and acts on the
 * signal flags (HUP reload, TERM/INT stop, USR1 statistics).
 */
#include "build-config.h"

#include "bridge.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop, g_reload, g_stats;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        g_reload = 1;
    else if (sig == SIGUSR1)
        g_stats = 1;
    else
        g_stop = 1;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sentiroute-xmpp [-c CONFIG] [-f] [-n] [-p PIDFILE] [-u USER] [-V]\n"
            "  -c CONFIG   configuration file (default " SYSCONFDIR "/sentiroute/sentiroute.conf)\n"
            "  -f          stay in the foreground (always: run it under systemd)\n"
            "  -n          check the configuration and the secret files, then exit\n"
            "  -p PIDFILE  write the process id there (after dropping privileges)\n"
            "  -u USER     run as USER when started as root (overrides xmpp.user)\n"
            "  -V          print the version and exit\n");
}

static void die_conf(const sr_error *err)
{
    fprintf(stderr, "sentiroute-xmpp: %s%s%s\n", err->where, err->where[0] ? ": " : "", err->msg);
}

/* drop - become user (initgroups, setgid, setuid; then make sure) */
static int drop(const char *user)
{
    struct passwd *pw = getpwnam(user);

    if (pw == NULL) {
        fprintf(stderr, "sentiroute-xmpp: no such user \"%s\"\n", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "sentiroute-xmpp: cannot become %s: %s\n", user, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        fprintf(stderr, "sentiroute-xmpp: could become root again after dropping to %s\n", user);
        return -1;
    }
    return 0;
}

static void set_tz(const char *tz)
{
    /* only ever with no other thread running: the outbox worker is
     * stopped around a reload */
    if (tz && *tz)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    tzset();
}

static int open_core(srx_bridge *b, sr_config *cfg, sr_error *err)
{
    b->ctx = sr_ctx_new(cfg, err);
    if (b->ctx == NULL)
        return err->code;
    b->store = sr_store_open(b->ctx, NULL, 0, err);
    if (b->store == NULL)
        return err->code;
    /* the store keeps the instance it was opened with, over reloads too */
    srx_wh_instance(cfg, b->instance, sizeof(b->instance));
    b->worker = sr_outbox_worker_start(b->store, b->worker_name, 1000, err);
    if (b->worker == NULL)
        return err->code;
    return SR_OK;
}

static void close_core(srx_bridge *b)
{
    sr_outbox_worker_stop(b->worker);
    sr_store_close(b->store);
    sr_ctx_free(b->ctx);
    b->worker = NULL;
    b->store = NULL;
    b->ctx = NULL;
}

static int same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* reload - build and check the new configuration; swap it in only if all
 * of it is good (a bad file leaves the running one alone) */
static void reload(srx_bridge *b, const char *path)
{
    sr_error err;
    sr_config *cfg = sr_config_load(path, &err);
    srx_conf *nc, *old = b->conf;
    char secret[sizeof(b->secret)];
    sr_ctx *nctx;
    int reconnect;

    if (cfg == NULL) {
        srx_log(b, SR_LOG_ERR, "reload: %s: %s; keeping the running configuration", err.where,
                err.msg);
        return;
    }
    nc = srx_conf_new(cfg, &err);
    sr_config_unref(cfg);
    if (nc == NULL) {
        srx_log(b, SR_LOG_ERR, "reload: %s: %s; keeping the running configuration", err.where,
                err.msg);
        return;
    }
    if (srx_secret_read(nc->secret_file, secret, sizeof(secret), &err) != SR_OK ||
        (b->wh != NULL && srx_webhook_secrets(b->wh, nc, &err) != SR_OK)) {
        srx_log(b, SR_LOG_ERR, "reload: %s: %s; keeping the running configuration", err.where,
                err.msg);
        srx_wipe(secret, sizeof(secret));
        srx_conf_free(nc);
        return;
    }
    nctx = sr_ctx_new(nc->cfg, &err);
    if (nctx == NULL) {
        srx_log(b, SR_LOG_ERR, "reload: %s; keeping the running configuration", err.msg);
        srx_wipe(secret, sizeof(secret));
        srx_conf_free(nc);
        return;
    }
    if (sr_store_set_ctx(b->store, nctx, &err) != SR_OK) {
        srx_log(b, SR_LOG_ERR, "reload: %s; keeping the running configuration", err.msg);
        sr_ctx_free(nctx);
        srx_wipe(secret, sizeof(secret));
        srx_conf_free(nc);
        return;
    }
    sr_ctx_free(b->ctx);   /* the store holds what calls in flight still use */
    b->ctx = nctx;
    if (old->wh_port != nc->wh_port || strcmp(old->wh_host, nc->wh_host) != 0)
        srx_log(b, SR_LOG_WARNING, "reload: xmpp.webhook.listen changes at the next restart");
    reconnect = old->component != nc->component || !same(old->server, nc->server) ||
                old->port != nc->port || strcmp(old->domain, nc->domain) != 0 ||
                strcmp(old->jid, nc->jid) != 0 || strcmp(secret, b->secret) != 0 ||
                old->tls_disable != nc->tls_disable;
    if (!same(old->tz, nc->tz)) {
        /* setenv() is not safe while another thread may read the
         * environment (libcurl does): only with the outbox worker stopped */
        sr_outbox_worker_stop(b->worker);
        set_tz(nc->tz);
        b->worker = sr_outbox_worker_start(b->store, b->worker_name, 1000, &err);
        if (b->worker == NULL)
            srx_log(b, SR_LOG_ERR, "reload: no outbox worker: %s", err.msg);
    }
    srx_agents_carry(nc->agents, old->agents);
    b->conf = nc;
    srx_engine_set_conf(b->engine, nc);
    srx_strlcpy(b->secret, secret, sizeof(b->secret));
    srx_wipe(secret, sizeof(secret));
    srx_conf_free(old);
    srx_log(b, SR_LOG_NOTICE, "configuration reloaded from %s%s", path,
            reconnect ? "; reconnecting" : "");
    if (reconnect)
        srx_xmpp_reconnect(b);
}

static void log_stats(srx_bridge *b)
{
    const srx_stats *s = srx_engine_stats(b->engine);

    srx_log(b, SR_LOG_NOTICE,
            "stats: connected=%d connects=%lu disconnects=%lu sessions=%zu conversations=%lu "
            "lines=%lu handed_off=%lu resolved_without_handoff=%lu relayed_agent=%lu "
            "relayed_bot=%lu relayed_states=%lu rate_limited=%lu states_limited=%lu busy=%lu "
            "errors=%lu",
            b->connected, b->connects, b->disconnects, srx_engine_sessions(b->engine),
            s->conversations, s->lines, s->handed_off, s->resolved, s->relayed_agent,
            s->relayed_bot, s->relayed_states, s->rate_limited, s->states_limited, s->busy,
            s->errors);
}

int main(int argc, char **argv)
{
    const char *path = SYSCONFDIR "/sentiroute/sentiroute.conf", *pidfile = NULL, *user = NULL;
    int check = 0, opt, status = 0;
    srx_bridge b;
    sr_config *cfg;
    sr_error err;
    struct sigaction sa;
    char host[64];

    memset(&b, 0, sizeof(b));
    while ((opt = getopt(argc, argv, "c:fnp:u:Vh")) != -1) {
        switch (opt) {
        case 'c': path = optarg; break;
        case 'f': break;   /* the foreground is the only way we run */
        case 'n': check = 1; break;
        case 'p': pidfile = optarg; break;
        case 'u': user = optarg; break;
        case 'V': printf("sentiroute-xmpp %s (libsentiroute %s)\n", SR_VERSION_STRING,
                         sr_version());
                  return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EX_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EX_USAGE;
    }

    /* (2) the configuration */
    cfg = sr_config_load(path, &err);
    if (cfg == NULL) {
        die_conf(&err);
        return err.code == SR_ECONFIG || err.code == SR_EIO ? EX_CONFIG : EX_SOFTWARE;
    }
    b.conf = srx_conf_new(cfg, &err);
    sr_config_unref(cfg);
    if (b.conf == NULL) {
        die_conf(&err);
        return EX_CONFIG;
    }

    /* (3) privileged work: secrets, the webhook port */
    if (srx_secret_read(b.conf->secret_file, b.secret, sizeof(b.secret), &err) != SR_OK) {
        die_conf(&err);
        srx_conf_free(b.conf);
        return EX_CONFIG;
    }
    if (check) {
        char tmp[4100];
        int ok = 1;
        if (*b.conf->wh_signing_file &&
            srx_secret_read(b.conf->wh_signing_file, tmp, sizeof(tmp), &err) != SR_OK)
            die_conf(&err), ok = 0;
        if (*b.conf->wh_token_file &&
            srx_secret_read(b.conf->wh_token_file, tmp, sizeof(tmp), &err) != SR_OK)
            die_conf(&err), ok = 0;
        srx_wipe(tmp, sizeof(tmp));
        srx_wipe(b.secret, sizeof(b.secret));
        if (ok)
            printf("sentiroute-xmpp: configuration %s OK\n", path);
        srx_conf_free(b.conf);
        return ok ? 0 : EX_CONFIG;
    }
    if (b.conf->wh_port > 0) {
        b.wh = srx_webhook_start(&b, &err);
        if (b.wh == NULL) {
            die_conf(&err);
            srx_wipe(b.secret, sizeof(b.secret));
            srx_conf_free(b.conf);
            return err.code == SR_ECONFIG ? EX_CONFIG : EX_OSERR;
        }
    }

    /* (4) drop privileges */
    if (user == NULL && *b.conf->user)
        user = b.conf->user;
    if (geteuid() == 0) {
        if (user == NULL) {
            fprintf(stderr, "sentiroute-xmpp: refusing to run as root: set xmpp.user or -u\n");
            status = EX_USAGE;
            goto out;
        }
        if (drop(user) != 0) {
            status = EX_OSERR;
            goto out;
        }
    }
    if (pidfile != NULL) {
        FILE *fp = fopen(pidfile, "w");
        if (fp == NULL || fprintf(fp, "%ld\n", (long)getpid()) < 0 || fclose(fp) != 0) {
            fprintf(stderr, "sentiroute-xmpp: cannot write %s: %s\n", pidfile, strerror(errno));
            status = EX_CANTCREAT;
            goto out;
        }
    }

    /* (6) signals become flags before any thread starts */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* (5) the store and its outbox worker */
    set_tz(b.conf->tz);
    if (gethostname(host, sizeof(host)) != 0)
        srx_strlcpy(host, "localhost", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    snprintf(b.worker_name, sizeof(b.worker_name), "xmpp-%s-%ld", host, (long)getpid());
    if (open_core(&b, b.conf->cfg, &err) != SR_OK) {
        fprintf(stderr, "sentiroute-xmpp: %s%s%s\n", err.where, err.where[0] ? ": " : "",
                err.msg);
        status = EX_UNAVAILABLE;
        goto out;
    }
    b.engine = srx_engine_new(b.conf, &srx_bridge_ops, &b);
    if (b.engine == NULL || srx_xmpp_init(&b, &err) != SR_OK) {
        srx_log(&b, SR_LOG_ERR, "out of memory");
        status = EX_OSERR;
        goto out;
    }
    srx_log(&b, SR_LOG_NOTICE, "sentiroute-xmpp %s starting: %s %s via %s:%d, handoff %s",
            SR_VERSION_STRING, b.conf->component ? "component" : "client", b.conf->self,
            b.conf->server, b.conf->port, b.conf->method);

    /* (7) the loop */
    while (!g_stop) {
        double now;
        srx_xmpp_step(&b);
        xmpp_run_once(b.xctx, b.wh ? 20 : 50);
        srx_webhook_run(b.wh);
        now = srx_now_mono();
        if (now >= b.next_pump) {
            srx_bridge_pump(&b);
            b.next_pump = now + 0.25;
        }
        if (now >= b.next_tick) {
            srx_engine_tick(b.engine, srx_now_wall());
            b.next_tick = now + 1.0;
        }
        if (g_reload) {
            g_reload = 0;
            reload(&b, path);
        }
        if (g_stats) {
            g_stats = 0;
            log_stats(&b);
        }
    }

    /* (8) stop: sessions stay open in the store; they go on after a restart */
    srx_log(&b, SR_LOG_NOTICE, "stopping");
    log_stats(&b);
out:
    if (b.xctx)
        srx_xmpp_shutdown(&b);
    srx_webhook_stop(b.wh);
    srx_engine_free(b.engine);
    close_core(&b);
    srx_wipe(b.secret, sizeof(b.secret));
    srx_conf_free(b.conf);
    if (pidfile != NULL && status == 0)
        unlink(pidfile);
    return status;
}
