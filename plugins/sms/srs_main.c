/*++
 * NAME
 *	sentiroute-sms 8
 * SUMMARY
 *	SMS shim: Kannel sms-service, Twilio-style webhooks, smstools3
 * SYNOPSIS
 *	sentiroute-sms [-c CONFIG] [-f] [-n] [-p PIDFILE] [-u USER] [-V]
 *	sentiroute-sms [-c CONFIG] --smstools EVENT FILE [ID]
 * DESCRIPTION
 *	An HTTP service (libmicrohttpd) that Kannel's smsbox calls for each
 *	inbound SMS.  See sentiroute-sms.8 for the endpoints, the Kannel
 *	configuration and the signals; this file is the glue between
 *	libmicrohttpd, the signals and srs_service.c.
 *
 *	main(): options; configuration (or exit EX_CONFIG); bind the socket
 *	and read the secrets (privileged); drop to the service user; open the
 *	store; start the delivery thread, the outbox worker and the HTTP
 *	threads; then take HUP (reload the sms settings), TERM and INT (stop
 *	accepting, finish requests in flight, close the store) in sigwait().
 *--*/
#include "build-config.h"

#include "srs.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* per-request state, from the URI log callback to "completed" */
typedef struct conn {
    char *uri;           /* raw request target, query still encoded */
    char *body;
    size_t blen, cap, max;
    int started, too_big;
} conn;

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sentiroute-sms [-c CONFIG] [-f] [-n] [-p PIDFILE] [-u USER] [-V]\n"
            "       sentiroute-sms [-c CONFIG] --smstools EVENT FILE [ID]\n"
            "  -c CONFIG  configuration file (default " SYSCONFDIR "/sentiroute/sentiroute.conf)\n"
            "  -f         stay in the foreground (always; for systemd)\n"
            "  -n         check the configuration and exit\n"
            "  -p FILE    write the process id to FILE\n"
            "  -u USER    run as USER when started as root (default sms.user)\n"
            "  -V         print the version and exit\n"
            "  --smstools EVENT FILE  run as smsd's eventhandler (RECEIVED files are stored)\n");
}

/* --- libmicrohttpd glue ------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    conn *cc = calloc(1, sizeof(*cc));

    (void)cls;
    (void)c;
    if (cc)
        cc->uri = strdup(uri ? uri : "/");
    return cc;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    conn *cc = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (cc) {
        free(cc->uri);
        free(cc->body);
        free(cc);
        *con_cls = NULL;
    }
}

static const char *get_header(void *ud, const char *name)
{
    return MHD_lookup_connection_value(ud, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, const srs_response *rs)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(rs->blen, rs->body ? rs->body : (char *)"",
                                        MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ok;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", rs->ctype ? rs->ctype : "text/plain");
    if (rs->xcoding[0])
        MHD_add_response_header(r, "X-Kannel-Coding", rs->xcoding);
    if (rs->allow)
        MHD_add_response_header(r, "Allow", rs->allow);
    if (rs->www_auth)
        MHD_add_response_header(r, "WWW-Authenticate", rs->www_auth);
    ok = MHD_queue_response(c, (unsigned)(rs->status ? rs->status : 500), r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    srs_server *srv = cls;
    conn *cc = *con_cls;
    srs_request rq;
    srs_response rs;
    const union MHD_ConnectionInfo *ci;
    const char *q;
    enum MHD_Result ok;

    (void)version;
    if (cc == NULL)
        return MHD_NO;
    if (!cc->started) {
        /* headers are in: refuse an announced oversized body before reading it */
        srs_settings *s = srs_server_settings(srv);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        cc->max = (size_t)s->max_request_bytes;
        srs_server_release(srv, s);
        cc->started = 1;
        /* quick ACKs again: the kernel turns them off after a while, and a
         * kept-alive smsbox connection would wait 40 ms for our ACK */
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) {
            int one = 1;
            setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
        }
        if (cl && strtoull(cl, NULL, 10) > cc->max) {
            memset(&rs, 0, sizeof(rs));
            rs.status = 413;
            rs.ctype = "text/plain; charset=utf-8";
            rs.body = strdup("request too large (sms.max_request_bytes)\n");
            rs.blen = rs.body ? strlen(rs.body) : 0;
            ok = send_answer(c, &rs);
            srs_response_clear(&rs);
            return ok;
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!cc->too_big && cc->blen + *upload_size <= cc->max) {
            if (cc->blen + *upload_size + 1 > cc->cap) {
                size_t cap = (cc->blen + *upload_size + 1) * 2;
                char *b = realloc(cc->body, cap < cc->max + 1 ? cap : cc->max + 1);
                if (b == NULL)
                    return MHD_NO;
                cc->body = b;
                cc->cap = cap < cc->max + 1 ? cap : cc->max + 1;
            }
            memcpy(cc->body + cc->blen, upload, *upload_size);
            cc->blen += *upload_size;
            cc->body[cc->blen] = '\0';
        } else {
            cc->too_big = 1;   /* keep reading, answer 413 at the end */
        }
        *upload_size = 0;
        return MHD_YES;
    }
    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = url;
    q = strchr(cc->uri, '?');
    if (q) {
        rq.query = q + 1;
        rq.qlen = strlen(q + 1);
    }
    rq.body = cc->body ? cc->body : "";
    rq.blen = cc->blen;
    rq.body_too_big = cc->too_big;
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    rq.peer = ci ? ci->client_addr : NULL;
    rq.header = get_header;
    rq.hud = c;
    srs_handle(srv, &rq, &rs);
    ok = send_answer(c, &rs);
    srs_response_clear(&rs);
    return ok;
}

/* on_connection - no Nagle, no delayed ACK on our side: smsbox writes its
 * request in small pieces, and 40 ms delayed ACKs would add up per SMS */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    const union MHD_ConnectionInfo *ci;
    int one = 1;

    (void)cls;
    (void)socket_context;
    if (code != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    sr_log(cls, SR_LOG_WARNING, "http: %s", line);
}

/* --- startup ------------------------------------------------------------------ */

/* listen_on - a bound, listening socket for "host:port" / "[v6]:port" */
static int listen_on(const char *spec, char *shown, size_t ssize)
{
    char host[128], port[16];
    const char *colon;
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd, one = 1, rc;

    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        snprintf(host, sizeof(host), "%.*s", (int)(end - spec - 1), spec + 1);
        colon = end + 1;
    } else {
        colon = strrchr(spec, ':');
        if (colon == NULL)
            return -1;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
    }
    snprintf(port, sizeof(port), "%s", colon + 1);
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &ai)) != 0 || ai == NULL)
        return -1;
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 256) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        errno = e;
        return -1;
    }
    freeaddrinfo(ai);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        char h[64], p[16];
        if (getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), p, sizeof(p),
                        NI_NUMERICHOST | NI_NUMERICSERV) == 0)
            snprintf(shown, ssize, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
    }
    return fd;
}

/* drop_privileges - to user (OpenDMARC's order), checked */
static int drop_privileges(const char *user)
{
    struct passwd *pw;

    if (geteuid() != 0)
        return 0;   /* not root: nothing to drop */
    if (user == NULL || *user == '\0') {
        fprintf(stderr, "sentiroute-sms: refusing to run as root: set -u USER or sms.user\n");
        return -1;
    }
    pw = getpwnam(user);
    if (pw == NULL) {
        fprintf(stderr, "sentiroute-sms: no such user: %s\n", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "sentiroute-sms: cannot become %s: %s\n", user, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        fprintf(stderr, "sentiroute-sms: privileges could be regained, stopping\n");
        return -1;
    }
    return 0;
}

/* load_all - config and sms settings, or NULL after printing why */
static srs_settings *load_all(const char *path, sr_config **cfgp)
{
    sr_error err;
    sr_config *cfg = sr_config_load(path, &err);
    srs_settings *s;

    if (cfg == NULL) {
        fprintf(stderr, "sentiroute-sms: %s: %s\n", err.where, err.msg);
        return NULL;
    }
    s = srs_settings_load(cfg, &err);
    if (s == NULL) {
        fprintf(stderr, "sentiroute-sms: %s: %s\n", err.where, err.msg);
        sr_config_unref(cfg);
        return NULL;
    }
    *cfgp = cfg;
    return s;
}

/* smstools - the eventhandler mode: store a RECEIVED file, acknowledge it */
static int smstools(const char *path, srs_settings *s, sr_config *cfg, const char *event,
                    const char *file)
{
    sr_error err;
    sr_ctx *ctx;
    sr_store *st;
    srs_inbound in;
    srs_dd_entry e;
    char *buf;
    FILE *fp;
    size_t len;
    int dup, rc, status = 0;

    (void)path;
    if (strcmp(event, "RECEIVED") != 0)
        return 0;   /* SENT, FAILED, REPORT, CALL: nothing to do */
    fp = fopen(file, "rb");
    if (fp == NULL) {
        fprintf(stderr, "sentiroute-sms: %s: %s\n", file, strerror(errno));
        return EX_NOINPUT;
    }
    buf = malloc((size_t)s->max_request_bytes + 1);
    len = buf ? fread(buf, 1, (size_t)s->max_request_bytes + 1, fp) : 0;
    fclose(fp);
    if (buf == NULL)
        return EX_OSERR;
    if (len > (size_t)s->max_request_bytes) {
        fprintf(stderr, "sentiroute-sms: %s: larger than sms.max_request_bytes\n", file);
        free(buf);
        return EX_DATAERR;
    }
    rc = srs_smstools_parse(buf, len, &in, &err);
    free(buf);
    if (rc != SR_OK) {
        fprintf(stderr, "sentiroute-sms: %s: %s: %s\n", file, err.where, err.msg);
        srs_inbound_clear(&in);
        return rc == SR_EUNSUPP ? 0 : EX_DATAERR;
    }
    ctx = sr_ctx_new(cfg, &err);
    st = ctx ? sr_store_open(ctx, NULL, 0, &err) : NULL;
    if (st == NULL) {
        fprintf(stderr, "sentiroute-sms: %s%s%s\n", err.where, *err.where ? ": " : "", err.msg);
        srs_inbound_clear(&in);
        sr_ctx_free(ctx);
        return EX_TEMPFAIL;
    }
    rc = srs_ingest_sms(ctx, st, NULL, s, "smstools", &in, &e, &dup, &err);
    if (rc != SR_OK) {
        fprintf(stderr, "sentiroute-sms: %s: not stored: %s\n", file, err.msg);
        status = rc == SR_EINVAL ? EX_DATAERR : EX_TEMPFAIL;
    } else {
        const char *text = s->reply == SRS_REPLY_EMPTY ? "" : srs_reply_text(s, &e);
        printf("T%llu stored\n", (unsigned long long)e.ticket);
        if (*text && *s->smstools_outgoing &&
            srs_smstools_write(s->smstools_outgoing, in.from, text, strlen(text), &err) != SR_OK)
            fprintf(stderr, "sentiroute-sms: acknowledgement not queued: %s\n", err.msg);
    }
    srs_inbound_clear(&in);
    sr_store_close(st);
    sr_ctx_free(ctx);
    return status;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {{"smstools", no_argument, NULL, 'S'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *path = SYSCONFDIR "/sentiroute/sentiroute.conf", *pidfile = NULL, *user = NULL;
    int check = 0, smstools_mode = 0, c, fd, sig, status = 0;
    sr_config *cfg = NULL;
    srs_settings *s;
    sr_ctx *ctx;
    sr_store *st;
    srs_server *srv;
    srs_deliverer *dl = NULL;
    sr_outbox_worker *ow = NULL;
    struct MHD_Daemon *mhd;
    sigset_t set;
    sr_error err;
    char shown[96] = "?";
    size_t rebuilt = 0;

    while ((c = getopt_long(argc, argv, "c:fnp:u:Vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'f': break;
        case 'n': check = 1; break;
        case 'p': pidfile = optarg; break;
        case 'u': user = optarg; break;
        case 'V': printf("sentiroute-sms %s\n", sr_version()); return 0;
        case 'S': smstools_mode = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EX_USAGE;
        }
    }
    if ((smstools_mode && (argc - optind < 2 || argc - optind > 3)) ||
        (!smstools_mode && optind != argc)) {
        usage(stderr);
        return EX_USAGE;
    }
    /* signals go to the sigwait() below, never to a thread: block them
     * before any thread exists (curl, the store, MHD) */
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((s = load_all(path, &cfg)) == NULL)
        return EX_CONFIG;
    if (check) {
        printf("%s: OK\n", path);
        srs_settings_free(s);
        sr_config_unref(cfg);
        return 0;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "sentiroute-sms: curl_global_init failed\n");
        return EX_SOFTWARE;
    }
    if (smstools_mode) {
        status = smstools(path, s, cfg, argv[optind], argv[optind + 1]);
        srs_settings_free(s);
        sr_config_unref(cfg);
        curl_global_cleanup();
        return status;
    }

    /* privileged: bind (secrets were read by load_all), then drop */
    fd = listen_on(s->listen, shown, sizeof(shown));
    if (fd < 0) {
        fprintf(stderr, "sentiroute-sms: cannot listen on %s: %s\n", s->listen, strerror(errno));
        return EX_OSERR;
    }
    if (drop_privileges(user ? user : s->user) != 0)
        return EX_NOPERM;

    ctx = sr_ctx_new(cfg, &err);
    st = ctx ? sr_store_open(ctx, NULL, 0, &err) : NULL;
    if (st == NULL) {
        fprintf(stderr, "sentiroute-sms: %s%s%s\n", err.where, *err.where ? ": " : "", err.msg);
        return EX_UNAVAILABLE;
    }
    srv = srs_server_new(ctx, st, s, NULL, NULL, &err);
    srs_settings_free(s);   /* the server holds it now */
    s = NULL;
    if (srv == NULL || srs_server_rebuild(srv, &rebuilt, &err) != SR_OK) {
        fprintf(stderr, "sentiroute-sms: %s\n", err.msg);
        return EX_SOFTWARE;
    }
    if ((dl = srs_deliverer_start(ctx, st, srv, &err)) == NULL) {
        fprintf(stderr, "sentiroute-sms: %s\n", err.msg);
        return EX_OSERR;
    }
    srs_server_set_kick(srv, srs_deliverer_kick, dl);
    s = srs_server_settings(srv);
    if (s->outbox_worker) {
        char wname[96], host[64] = "localhost";
        gethostname(host, sizeof(host) - 1);
        snprintf(wname, sizeof(wname), "sms-outbox-%.60s-%d", host, (int)getpid());
        ow = sr_outbox_worker_start(st, wname, 1000, &err);
        if (ow == NULL)
            sr_log(ctx, SR_LOG_WARNING, "outbox worker not started: %s", err.msg);
    }
    mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                               MHD_USE_ERROR_LOG,
                           0, NULL, NULL, on_request, srv,
                           MHD_OPTION_EXTERNAL_LOGGER, mhd_log, ctx, MHD_OPTION_LISTEN_SOCKET, fd,
                           MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->max_connections,
                           MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->request_timeout,
                           MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
                           MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                           MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
                           MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                           MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
    srs_server_release(srv, s);
    if (mhd == NULL) {
        fprintf(stderr, "sentiroute-sms: cannot start the HTTP service\n");
        return EX_OSERR;
    }
    if (pidfile) {
        FILE *fp = fopen(pidfile, "w");
        if (fp == NULL || fprintf(fp, "%d\n", (int)getpid()) < 0 || fclose(fp) != 0)
            sr_log(ctx, SR_LOG_WARNING, "cannot write %s: %s", pidfile, strerror(errno));
    }
    sr_log(ctx, SR_LOG_NOTICE, "sentiroute-sms %s ready on %s (store %s, %zu recent messages "
           "remembered)", sr_version(), shown, sr_store_path(st), rebuilt);

    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP || sig == SIGUSR1) {
            sr_config *ncfg = NULL;
            srs_settings *ns = load_all(path, &ncfg);
            if (ns == NULL) {
                sr_log(ctx, SR_LOG_ERR, "reload of %s failed, keeping the running settings",
                       path);
                continue;
            }
            srs_server_swap(srv, ns);
            srs_settings_free(ns);   /* the server took its reference */
            sr_config_unref(ncfg);
            sr_log(ctx, SR_LOG_NOTICE, "reloaded the sms settings from %s (listen, store, "
                   "scoring and routing change on restart)", path);
            continue;
        }
        break;   /* TERM, INT */
    }
    sr_log(ctx, SR_LOG_NOTICE, "stopping: finishing requests in flight");
    MHD_stop_daemon(mhd);   /* joins the connection threads */
    srs_deliverer_stop(dl);
    sr_outbox_worker_stop(ow);
    srs_server_free(srv);
    sr_store_close(st);
    sr_log(ctx, SR_LOG_NOTICE, "stopped");
    sr_ctx_free(ctx);
    sr_config_unref(cfg);
    if (pidfile)
        unlink(pidfile);
    curl_global_cleanup();
    return 0;
}
