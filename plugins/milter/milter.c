/*++
 * NAME
 *	sentiroute-milter 8
 * SUMMARY
 *	sentiment headers and tickets for mail to the support addresses
 * SYNOPSIS
 *	sentiroute-milter [-c config] [-f] [-n] [-S] [-p pidfile] [-u user] [-V]
 * DESCRIPTION
 *	A libmilter filter for Postfix and Sendmail.  For each message with a
 *	support recipient (milter.recipients, milter.domains) it collects the
 *	headers and body (up to milter.max_scan_bytes), extracts the
 *	customer's own words (extract.h), scores them with libsentiroute,
 *	appends the message to its ticket, removes X-Sentiment* headers that
 *	came from outside and adds its own.  Other mail passes untouched.
 *
 *	Process model: a supervisor (this process, which stays as started)
 *	forks the filter, turns SIGHUP into SIGUSR1 for it (libmilter stops on
 *	SIGHUP) and restarts it if it dies.  The filter binds the socket,
 *	drops privileges, opens the store, and runs smfi_main(); a thread
 *	sigwait()s for SIGUSR1 and reloads the configuration: build, check,
 *	swap; a bad file keeps the running one.  SIGTERM stops both cleanly.
 *	-S runs the filter alone, without the supervisor.
 * SEE ALSO
 *	sentiroute-milter(8), extract.h, srm.h, DESIGN.md "Email"
 *--*/
#include "build-config.h"

#include "nodelay.h"
#include "srm.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <glib.h>
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define PROG "sentiroute-milter"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* ------------------------------------------------------------------------
 * Process-wide state: the current config snapshot behind a lock
 * ------------------------------------------------------------------------ */

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static srm_conf *curconf;              /* guarded by conf_lock */
static const char *conf_path;
static int foreground;
static atomic_int active_conns;        /* connections holding a snapshot */
static atomic_int msgs_in_flight;      /* messages between MAIL FROM and their verdict */
static int in_filter;                  /* this process is the filter (has the store) */

/* how long a stop waits for the messages in flight (the supervisor gives
 * the filter this plus libmilter's own stop before SIGKILL; systemd's
 * TimeoutStopSec is 30 s) */
#define DRAIN_SECONDS 15

/* the log sink: stderr in the foreground when the config says stderr,
 * syslog otherwise */
static int use_syslog;

static void log_sink(void *ud, int level, const char *line)
{
    (void)ud;
    if (use_syslog)
        syslog(level, "%s", line);
    else
        fprintf(stderr, PROG "[%ld]: %s\n", (long)getpid(), line);
}

/* conf_current - a new reference to the running snapshot */
static srm_conf *conf_current(void)
{
    srm_conf *c;

    pthread_mutex_lock(&conf_lock);
    c = srm_conf_ref(curconf);
    pthread_mutex_unlock(&conf_lock);
    return c;
}

/* conf_reload - build and check a new snapshot, then swap it in */
static void conf_reload(void)
{
    sr_error err;
    srm_conf *c = srm_conf_load(conf_path, log_sink, NULL, &err), *old;

    if (c == NULL) {
        srm_conf *run = conf_current();
        sr_log(run->ctx, SR_LOG_ERR, "reload failed, keeping the running configuration: %s: %s",
               err.where, err.msg);
        srm_conf_unref(run);
        return;
    }
    pthread_mutex_lock(&conf_lock);
    old = curconf;
    curconf = c;
    pthread_mutex_unlock(&conf_lock);
    /* the store too: routing, handoff and replies follow the new file */
    if (srm_tickets_reload(c, &err) != 0)
        sr_log(c->ctx, SR_LOG_ERR, "reload: the store keeps its settings: %s", err.msg);
    if (strcmp(old->socket, c->socket) != 0)
        sr_log(c->ctx, SR_LOG_WARNING, "milter.socket changed: takes effect on restart");
    if (old->timeout != c->timeout)
        sr_log(c->ctx, SR_LOG_WARNING, "milter.timeout changed: takes effect on restart");
    /* the store is opened once, after the privilege drop */
    if (in_filter && c->tickets && !srm_tickets_available())
        sr_log(c->ctx, SR_LOG_WARNING,
               "milter.tickets is on but the store was not opened at startup: no tickets "
               "until a restart");
    sr_log(c->ctx, SR_LOG_NOTICE, "configuration reloaded from %s (%zu recipients, %zu domains)",
           conf_path, c->nrcpts, c->ndomains);
    srm_conf_unref(old);   /* freed when its last connection closes */
}

/* ------------------------------------------------------------------------
 * Per-connection and per-message contexts
 * ------------------------------------------------------------------------ */

typedef struct spoof {
    char *name;    /* first spelling seen */
    int count;     /* instances, case-insensitive */
} spoof;

struct msgctx {
    int support;            /* a support recipient is among RCPT TO */
    int failed;             /* out of memory while collecting */
    int truncated;          /* more than max_scan bytes arrived */
    char *buf;              /* headers, blank line, body */
    size_t len, cap;
    spoof *spoofs;
    size_t nspoofs, spoofcap;
    GHashTable *spoofix;     /* lower-case name -> index + 1 in spoofs */
    char from[320];         /* envelope sender */
    unsigned autosigns;     /* SRM_AUTO_*: signs of automatic mail seen */
    unsigned nrcpts;
    int counted;            /* in msgs_in_flight */
};

struct connctx {
    srm_conf *conf;         /* counted reference, taken at connect */
    struct msgctx *msg;
    int can_skip;           /* the MTA offered SMFIP_SKIP */
    int nr_hdr;             /* headers get no reply (SMFIP_NR_HDR) */
    int nr_eoh;             /* nor does the end of headers (SMFIP_NR_EOH) */
    char client[64];
};

static void msg_free(struct msgctx *m)
{
    if (m == NULL)
        return;
    if (m->counted)
        atomic_fetch_sub(&msgs_in_flight, 1);
    for (size_t i = 0; i < m->nspoofs; i++)
        free(m->spoofs[i].name);
    free(m->spoofs);
    if (m->spoofix != NULL)
        g_hash_table_destroy(m->spoofix);
    free(m->buf);
    free(m);
}

static struct connctx *conn_get(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

/* msg_done - the message has its verdict: free it (and count it out of
 * the messages a stop waits for) */
static void msg_done(struct connctx *cc)
{
    if (cc != NULL) {
        msg_free(cc->msg);
        cc->msg = NULL;
    }
}

/* msg_get - the message context, made on first use (miltertest and
 * Sendmail may skip steps) */
static struct msgctx *msg_get(struct connctx *cc)
{
    if (cc->msg == NULL)
        cc->msg = calloc(1, sizeof(*cc->msg));
    return cc->msg;
}

/* append - add bytes to the message buffer up to the cap */
static void append(struct connctx *cc, struct msgctx *m, const char *p, size_t n)
{
    size_t max = cc->conf->max_scan;

    if (m->failed)
        return;
    if (m->len + n > max) {
        m->truncated = 1;
        n = max > m->len ? max - m->len : 0;
    }
    if (n == 0)
        return;
    if (m->len + n + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 8192;
        char *b;
        while (cap < m->len + n + 1)
            cap *= 2;
        if (cap > max + 1)
            cap = max + 1;
        b = realloc(m->buf, cap);
        if (b == NULL) {
            m->failed = 1;
            return;
        }
        m->buf = b;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    m->buf[m->len] = '\0';
}

/* note_spoof - count an X-Sentiment* header to remove at EOM.  Names are
 * found by hash: a message may carry hundreds of thousands of distinct
 * forged names ("X-Sentiment-1", "X-Sentiment-2", ...), and a search
 * through the list for each made that quadratic */
static void note_spoof(struct msgctx *m, const char *name)
{
    gchar *key;
    gpointer ix;

    if (m->spoofix == NULL &&
        (m->spoofix = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)) == NULL) {
        m->failed = 1;
        return;
    }
    key = g_ascii_strdown(name, -1);
    ix = g_hash_table_lookup(m->spoofix, key);
    if (ix != NULL) {
        m->spoofs[GPOINTER_TO_SIZE(ix) - 1].count++;
        g_free(key);
        return;
    }
    if (m->nspoofs == m->spoofcap) {
        size_t cap = m->spoofcap ? m->spoofcap * 2 : 8;
        spoof *v = realloc(m->spoofs, cap * sizeof(*v));
        if (v == NULL) {
            g_free(key);
            m->failed = 1;
            return;
        }
        m->spoofs = v;
        m->spoofcap = cap;
    }
    m->spoofs[m->nspoofs].name = strdup(name);
    if (m->spoofs[m->nspoofs].name == NULL) {
        g_free(key);
        m->failed = 1;
        return;
    }
    m->spoofs[m->nspoofs].count = 1;
    m->nspoofs++;
    g_hash_table_insert(m->spoofix, key, GSIZE_TO_POINTER(m->nspoofs));
}

/* remove_spoofs - delete every incoming X-Sentiment* header, highest
 * index first: Postfix renumbers the rest after each deletion */
static int remove_spoofs(SMFICTX *ctx, struct msgctx *m)
{
    int removed = 0;

    for (size_t i = 0; i < m->nspoofs; i++)
        for (int idx = m->spoofs[i].count; idx >= 1; idx--)
            if (smfi_chgheader(ctx, m->spoofs[i].name, idx, NULL) == MI_SUCCESS)
                removed++;
    return removed;
}

/* ------------------------------------------------------------------------
 * Callbacks
 * ------------------------------------------------------------------------ */

/* oom_verdict - no memory for the connection's or the message's context:
 * nothing can be examined, so the failure policy decides as for any
 * internal error (eom's on_error): tempfail (at connect, the whole
 * session) or accept unexamined; cc may be NULL */
static sfsistat oom_verdict(SMFICTX *ctx, struct connctx *cc, const char *where)
{
    srm_conf *c = cc != NULL ? srm_conf_ref(cc->conf) : conf_current();
    const char *qid = smfi_getsymval(ctx, "i");
    sfsistat r = SMFIS_ACCEPT;

    qid = qid ? qid : "NOQUEUE";
    if (c != NULL && c->on_error == SRM_ON_ERROR_TEMPFAIL) {
        sr_log(c->ctx, SR_LOG_ERR, "%s: out of memory at %s; tempfail", qid, where);
        /* a reply text needs memory too; without it the MTA says 4xx itself */
        if (strcmp(where, "connect") != 0)
            smfi_setreply(ctx, "451", "4.3.0", "sentiroute: temporary failure, try again later");
        r = SMFIS_TEMPFAIL;
    } else if (c != NULL) {
        sr_log(c->ctx, SR_LOG_ERR, "%s: out of memory at %s; accepted unexamined", qid, where);
    }
    srm_conf_unref(c);
    return r;
}

static sfsistat mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                               unsigned long f2, unsigned long f3, unsigned long *pf0,
                               unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT;
    /* not SMFIP_NODATA: Postfix still sends the DATA macros, and with no
     * reply to them the next packet waits for a delayed ACK (~40 ms per
     * message; see mlfi_data) */
    const unsigned long skip =
        SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP | SMFIP_NR_HDR | SMFIP_NR_EOH;
    /* the no-reply bits need the connection context to answer NOREPLY */
    const unsigned long noreply = SMFIP_NR_HDR | SMFIP_NR_EOH;
    struct connctx *cc;
    (void)f2;
    (void)f3;

    if ((f0 & need) != need) {
        srm_conf *c = conf_current();
        sr_log(c->ctx, SR_LOG_ERR,
               "the MTA does not offer add/change header and add recipient (actions 0x%lx): "
               "not filtering",
               f0);
        srm_conf_unref(c);
        return SMFIS_REJECT;
    }
    /* the connection context is made here to remember SMFIP_SKIP */
    cc = calloc(1, sizeof(*cc));
    if (cc != NULL) {
        cc->conf = conf_current();
        cc->can_skip = (f1 & SMFIP_SKIP) != 0;
        cc->nr_hdr = (f1 & SMFIP_NR_HDR) != 0;
        cc->nr_eoh = (f1 & SMFIP_NR_EOH) != 0;
        atomic_fetch_add(&active_conns, 1);
        smfi_setpriv(ctx, cc);
    }
    *pf0 = need;
    *pf1 = f1 & skip & (cc != NULL ? ~0ul : ~noreply);
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    struct connctx *cc = conn_get(ctx);
    (void)addr;

    if (cc == NULL) {   /* an MTA without option negotiation, or no memory then */
        cc = calloc(1, sizeof(*cc));
        if (cc == NULL)
            return oom_verdict(ctx, NULL, "connect");   /* nothing to filter with */
        cc->conf = conf_current();
        atomic_fetch_add(&active_conns, 1);
        smfi_setpriv(ctx, cc);
    }
    snprintf(cc->client, sizeof(cc->client), "%s", host ? host : "unknown");
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_envfrom(SMFICTX *ctx, char **argv)
{
    struct connctx *cc = conn_get(ctx);
    struct msgctx *m;

    if (cc == NULL)
        return oom_verdict(ctx, NULL, "MAIL FROM");
    msg_free(cc->msg);   /* a new message on a reused connection */
    cc->msg = NULL;
    /* each message takes the snapshot running at its MAIL FROM: Postfix
     * keeps one milter connection for a whole SMTP session, and a reload
     * must reach the next message of a session that stays open, while
     * the message in flight finishes with the snapshot it began with */
    {
        srm_conf *now = conf_current();
        if (now != NULL && now != cc->conf) {
            srm_conf_unref(cc->conf);
            cc->conf = now;
        } else {
            srm_conf_unref(now);
        }
    }
    m = msg_get(cc);
    if (m == NULL)
        return oom_verdict(ctx, cc, "MAIL FROM");
    m->counted = 1;
    atomic_fetch_add(&msgs_in_flight, 1);
    /* the envelope sender as given, only the brackets and blanks around
     * it removed: the requester when the message has no From.  Nothing
     * inside is dropped: <"john doe"@example.com> is not johndoe@, another
     * customer (eom refuses such a requester); one too long is not cut */
    if (argv && argv[0])
        m->autosigns |= srm_auto_null_sender(argv[0]);
    if (argv && argv[0]) {
        const char *p = argv[0];
        size_t n;
        while (*p == '<' || *p == ' ' || *p == '\t')
            p++;
        n = strlen(p);
        while (n > 0 && (p[n - 1] == '>' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n < sizeof(m->from)) {
            memcpy(m->from, p, n);
            m->from[n] = '\0';
        }
    }
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
    struct connctx *cc = conn_get(ctx);
    struct msgctx *m = cc ? msg_get(cc) : NULL;

    /* no memory for a message that skipped MAIL FROM (miltertest,
     * Sendmail): a support recipient must not pass unexamined */
    if (m == NULL)
        return cc && argv && argv[0] && srm_is_support(cc->conf, argv[0])
                   ? oom_verdict(ctx, cc, "RCPT TO")
                   : SMFIS_CONTINUE;
    m->nrcpts++;
    if (!m->support && argv && argv[0] && srm_is_support(cc->conf, argv[0]))
        m->support = 1;
    return SMFIS_CONTINUE;
}

/* wanted_header - the headers srm_extract reads: identity and threading,
 * and the MIME structure.  The rest (Received, To, DKIM-Signature, ...)
 * stays out of the buffer GMime parses: each header becomes GObjects there
 * (address lists are parsed at once), and none of them changes the text. */
static int wanted_header(const char *name)
{
    static const char *const keep[] = {"From", "Subject", "Message-ID", "In-Reply-To",
                                       "References", "MIME-Version"};

    if (strncasecmp(name, "Content-", 8) == 0)
        return 1;
    for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++)
        if (strcasecmp(name, keep[i]) == 0)
            return 1;
    return 0;
}

/* mlfi_header - headers come without replies when the MTA offers
 * SMFIP_NR_HDR (Postfix does): one round trip less per header, for the
 * MTA and for libmilter's worker pool */
static sfsistat mlfi_header(SMFICTX *ctx, char *name, char *value)
{
    struct connctx *cc = conn_get(ctx);
    struct msgctx *m = cc ? msg_get(cc) : NULL;

    if (m == NULL || !m->support) {
        if (cc && cc->nr_hdr)
            return SMFIS_NOREPLY;
        msg_done(cc);
        return SMFIS_ACCEPT;   /* not for support: untouched */
    }
    if (name == NULL)
        return cc->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
    if (srm_is_sentiment_header(name))
        note_spoof(m, name);
    m->autosigns |= srm_auto_header(name, value);
    if (!wanted_header(name))
        return cc->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
    append(cc, m, name, strlen(name));
    append(cc, m, ": ", 2);
    if (value)
        append(cc, m, value, strlen(value));
    append(cc, m, "\r\n", 2);
    return cc->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* mlfi_data - nothing to do at DATA, but answering it matters: when the
 * filter skips DATA (SMFIP_NODATA) Postfix sends the DATA macros and no
 * command, nothing acknowledges that packet at once, and Nagle holds the
 * first header until the delayed ACK: measured +40 ms per message through
 * Postfix 3.7 (tests/bench/bench_milter.py) */
static sfsistat mlfi_data(SMFICTX *ctx)
{
    struct connctx *cc = conn_get(ctx);
    struct msgctx *m = cc ? msg_get(cc) : NULL;

    /* every recipient is known now: mail for no support address is
     * accepted before a single header is sent */
    if (m == NULL || !m->support) {
        msg_done(cc);
        return SMFIS_ACCEPT;
    }
    return SMFIS_CONTINUE;
}

/* mlfi_eoh - no reply either when the MTA offers SMFIP_NR_EOH (Postfix
 * does): it then sends the body in the same write instead of waiting for
 * one more round trip per message.  Mail for no support address was
 * accepted at DATA already; the body callback accepts what gets here. */
static sfsistat mlfi_eoh(SMFICTX *ctx)
{
    struct connctx *cc = conn_get(ctx);
    struct msgctx *m = cc ? msg_get(cc) : NULL;

    if (m == NULL || !m->support) {
        if (cc && cc->nr_eoh)
            return SMFIS_NOREPLY;
        msg_done(cc);
        return SMFIS_ACCEPT;
    }
    append(cc, m, "\r\n", 2);
    return cc->nr_eoh ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat mlfi_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct connctx *cc = conn_get(ctx);
    struct msgctx *m = cc ? msg_get(cc) : NULL;

    if (m == NULL || !m->support) {
        msg_done(cc);
        return SMFIS_ACCEPT;
    }
    /* automatic mail that will not be scored needs no body */
    if (m->autosigns && cc->conf->automatic == SRM_AUTOMATIC_SKIP)
        return cc->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
    append(cc, m, (const char *)chunk, len);
    /* enough read: ask the MTA to stop sending the body */
    if (m->truncated && cc->can_skip)
        return SMFIS_SKIP;
    return SMFIS_CONTINUE;
}

/* on_error - the failure policy: log why, then accept without our headers
 * (incoming X-Sentiment* still removed) or tempfail */
static sfsistat on_error(SMFICTX *ctx, struct connctx *cc, struct msgctx *m, const char *qid,
                         const char *why)
{
    if (cc->conf->on_error == SRM_ON_ERROR_TEMPFAIL) {
        sr_log(cc->conf->ctx, SR_LOG_ERR, "%s: %s; tempfail", qid, why);
        smfi_setreply(ctx, "451", "4.3.0", "sentiroute: temporary failure, try again later");
        return SMFIS_TEMPFAIL;
    }
    sr_log(cc->conf->ctx, SR_LOG_ERR, "%s: %s; accepted without sentiment headers", qid, why);
    if (m != NULL)
        remove_spoofs(ctx, m);
    return SMFIS_CONTINUE;
}

/* notes_text - the extraction notes for the log line */
static void notes_text(unsigned notes, int truncated, char *buf, size_t size)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {SRM_NOTE_HTML, "html"},         {SRM_NOTE_QUOTE, "quote"},
        {SRM_NOTE_SIGNATURE, "signature"}, {SRM_NOTE_TRUNCATED, "cut"},
        {SRM_NOTE_PARTS, "parts_limit"}, {SRM_NOTE_DEPTH, "depth_limit"},
        {SRM_NOTE_MALFORMED, "malformed"}, {SRM_NOTE_CHARSET, "charset_fallback"},
        {SRM_NOTE_NOTEXT, "no_text"},    {SRM_NOTE_UNPARSED, "unparsed"},
        {SRM_NOTE_ALLQUOTED, "all_quoted"},
    };
    size_t o = 0;

    buf[0] = '\0';
    if (truncated)
        o += (size_t)snprintf(buf, size, "truncated");
    for (size_t i = 0; i < sizeof(names) / sizeof(*names) && o < size; i++)
        if (notes & names[i].bit)
            o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? "," : "", names[i].name);
    if (buf[0] == '\0')
        snprintf(buf, size, "-");
}

/* requester - the address a ticket is keyed and answered by: the From
 * address, else the envelope sender.  One with a blank or a control byte
 * inside (a quoted local part, "john doe"@example.com) is refused with a
 * log line: an answer could not be sent to it (the mail driver refuses
 * such an address).  "" when
 * neither will do: the message is scored without a ticket. */
static const char *requester(const struct connctx *cc, const char *qid, const char *from,
                             const char *envfrom)
{
    const char *cand[2] = {from, envfrom}, *what[2] = {"From address", "envelope sender"};

    for (int i = 0; i < 2; i++) {
        const unsigned char *p = (const unsigned char *)cand[i];
        char shown[81];
        size_t o = 0;
        if (p == NULL || *p == '\0')
            continue;
        while (*p > ' ' && *p != 0x7f)
            p++;
        if (*p == '\0')
            return cand[i];
        for (p = (const unsigned char *)cand[i]; *p && o + 1 < sizeof(shown); p++)
            shown[o++] = *p >= ' ' && *p < 0x7f ? (char)*p : '?';
        shown[o] = '\0';
        sr_log(cc->conf->ctx, SR_LOG_WARNING,
               "%s: %s \"%s\" has a blank or control character: not used as requester", qid,
               what[i], shown);
    }
    return "";
}

/* skip_automatic - automatic mail (an out-of-office reply, a bounce, a
 * list): not scored, so it neither opens nor reopens a ticket, nor is it
 * routed; forged X-Sentiment* headers go as always, and one header says
 * why, a token of our own, nothing from the message */
static sfsistat skip_automatic(SMFICTX *ctx, struct connctx *cc, struct msgctx *m,
                               const char *qid)
{
    const char *why = srm_auto_reason(m->autosigns);
    char val[64];

    remove_spoofs(ctx, m);
    snprintf(val, sizeof(val), "automatic; reason=%s", why);
    if (smfi_addheader(ctx, "X-Sentiment-Skipped", val) != MI_SUCCESS)
        sr_log(cc->conf->ctx, SR_LOG_WARNING, "%s: the MTA refused a header change", qid);
    sr_log(cc->conf->ctx, SR_LOG_INFO, "%s: automatic mail (%s), not scored", qid, why);
    return SMFIS_CONTINUE;
}

static sfsistat eom_message(SMFICTX *ctx)
{
    struct connctx *cc = conn_get(ctx);
    struct msgctx *m = cc ? msg_get(cc) : NULL;
    const char *qid = smfi_getsymval(ctx, "i");
    srm_mail mail;
    sr_message *msg;
    sr_sentiment s;
    srm_ticket t;
    sr_error err;
    char val[256], tok[80], notes[160], tid[32] = "-", why[512];
    int rc;

    if (m == NULL || !m->support)
        return SMFIS_ACCEPT;
    qid = qid ? qid : "NOQUEUE";
    if (m->failed)
        return on_error(ctx, cc, m, qid, "out of memory while reading the message");
    if (m->autosigns && cc->conf->automatic == SRM_AUTOMATIC_SKIP)
        return skip_automatic(ctx, cc, m, qid);
    if (srm_extract(m->buf ? m->buf : "", m->len, &cc->conf->lim, &mail) != 0)
        return on_error(ctx, cc, m, qid, "out of memory while parsing the message");
    msg = sr_message_new(SR_CHANNEL_EMAIL, &err);
    rc = msg ? sr_message_set_text(msg, mail.text, mail.len, 0, &err) : SR_ENOMEM;
    if (rc == SR_OK)
        rc = sr_message_set_sender(msg, requester(cc, qid, mail.from_addr, m->from), &err);
    if (rc != SR_OK) {
        sr_message_free(msg);
        srm_mail_clear(&mail);
        snprintf(why, sizeof(why), "cannot build the message: %s", err.msg);
        return on_error(ctx, cc, m, qid, why);
    }
    memset(&t, 0, sizeof(t));
    if (cc->conf->tickets && srm_tickets_available() && *sr_message_sender(msg) == '\0') {
        sr_log(cc->conf->ctx, SR_LOG_INFO, "%s: no sender address: no ticket", qid);
    } else if (cc->conf->tickets && srm_tickets_available()) {
        rc = srm_ticket_append(cc->conf, msg, &mail, &t, &err);
        if (rc != SR_OK) {
            sr_message_free(msg);
            srm_mail_clear(&mail);
            snprintf(why, sizeof(why), "ticket not stored: %s: %s", err.where, err.msg);
            return on_error(ctx, cc, m, qid, why);
        }
        if (t.stored) {
            s = t.sentiment;   /* the store scored it: the headers match the ticket */
            snprintf(tid, sizeof(tid), "%llu", t.id);
        }
    }
    /* no ticket (none configured, no sender, or not stored): score here */
    if (!t.stored && (rc = sr_score(cc->conf->ctx, msg, &s, &err)) != SR_OK) {
        sr_message_free(msg);
        srm_mail_clear(&mail);
        snprintf(why, sizeof(why), "scoring failed: %s", err.msg);
        return on_error(ctx, cc, m, qid, why);
    }
    if (m->truncated || (mail.notes & SRM_NOTE_TRUNCATED))
        s.flags |= SR_FLAG_TRUNCATED;
    notes_text(mail.notes, m->truncated, notes, sizeof(notes));
    sr_message_free(msg);
    srm_mail_clear(&mail);

    remove_spoofs(ctx, m);
    srm_format_sentiment(&s, val, sizeof(val));
    rc = smfi_addheader(ctx, "X-Sentiment", val);
    snprintf(tok, sizeof(tok), "%.1f", (double)srm_header_score(s.score));
    rc |= smfi_addheader(ctx, "X-Sentiment-Score", tok);
    rc |= smfi_addheader(ctx, "X-Sentiment-Label", srm_token(tok, sizeof(tok), sr_label_name(s.label)));
    if (t.queue[0])
        rc |= smfi_addheader(ctx, "X-Sentiment-Queue", srm_token(tok, sizeof(tok), t.queue));
    if (t.stored)
        rc |= smfi_addheader(ctx, "X-Sentiment-Ticket", tid);
    if (t.add_recipient[0]) {
        if (srm_safe_addr(t.add_recipient))
            rc |= smfi_addrcpt(ctx, t.add_recipient);
        else
            sr_log(cc->conf->ctx, SR_LOG_WARNING, "%s: add_recipient \"%s\" is no plain address",
                   qid, t.add_recipient);
    }
    if (rc != MI_SUCCESS)
        sr_log(cc->conf->ctx, SR_LOG_WARNING, "%s: the MTA refused a header change", qid);
    sr_log(cc->conf->ctx, SR_LOG_INFO, "%s: %s queue=%s ticket=%s%s notes=%s", qid, val,
           t.queue[0] ? srm_token(tok, sizeof(tok), t.queue) : "-", tid,
           t.created     ? " (new)"
           : t.reopened  ? " (reopened)"
           : t.duplicate ? " (stored already)"
                         : "",
           notes);
    return SMFIS_CONTINUE;
}

/* mlfi_eom - the verdict, whichever way it went: the message is done */
static sfsistat mlfi_eom(SMFICTX *ctx)
{
    sfsistat r = eom_message(ctx);

    msg_done(conn_get(ctx));
    return r;
}

static sfsistat mlfi_abort(SMFICTX *ctx)
{
    struct connctx *cc = conn_get(ctx);

    if (cc != NULL) {
        msg_free(cc->msg);
        cc->msg = NULL;
    }
    return SMFIS_CONTINUE;
}

static sfsistat mlfi_close(SMFICTX *ctx)
{
    struct connctx *cc = conn_get(ctx);

    if (cc != NULL) {
        msg_free(cc->msg);
        srm_conf_unref(cc->conf);
        free(cc);
        smfi_setpriv(ctx, NULL);
        atomic_fetch_sub(&active_conns, 1);
    }
    return SMFIS_CONTINUE;
}

static struct smfiDesc filter = {
    .xxfi_name = PROG,
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT,
    .xxfi_connect = mlfi_connect,
    .xxfi_helo = NULL,
    .xxfi_envfrom = mlfi_envfrom,
    .xxfi_envrcpt = mlfi_envrcpt,
    .xxfi_header = mlfi_header,
    .xxfi_eoh = mlfi_eoh,
    .xxfi_body = mlfi_body,
    .xxfi_eom = mlfi_eom,
    .xxfi_abort = mlfi_abort,
    .xxfi_close = mlfi_close,
    .xxfi_unknown = NULL,
    .xxfi_data = mlfi_data,
    .xxfi_negotiate = mlfi_negotiate,
};

/* ------------------------------------------------------------------------
 * The filter process
 * ------------------------------------------------------------------------ */

static pthread_t reloader_tid;
static atomic_int reloader_stop;

/* drain_and_stop - a stop that loses no message: libmilter's own (SIGTERM
 * to the filter) ends its worker pool at once, and a message between MAIL
 * FROM and end of message is never answered (the MTA's default_action
 * then: delivered without headers or ticket).  Wait until no message is
 * in flight, at most DRAIN_SECONDS, then stop libmilter. */
static void drain_and_stop(void)
{
    srm_conf *c = conf_current();
    int n = atomic_load(&msgs_in_flight);

    if (n > 0)
        sr_log(c->ctx, SR_LOG_NOTICE, "stopping: finishing %d message(s) in flight", n);
    for (int i = 0; i < DRAIN_SECONDS * 20 && atomic_load(&msgs_in_flight) > 0; i++)
        usleep(50 * 1000);
    if ((n = atomic_load(&msgs_in_flight)) > 0)
        sr_log(c->ctx, SR_LOG_WARNING, "stopping with %d message(s) unfinished after %d s", n,
               DRAIN_SECONDS);
    srm_conf_unref(c);
    smfi_stop();
}

/* reloader - SIGUSR1 reloads (OpenDKIM dkimf_reloader); SIGUSR2 (from the
 * supervisor on SIGTERM) finishes the messages in flight, then stops */
static void *reloader(void *arg)
{
    sigset_t set;
    int sig;
    (void)arg;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    while (!atomic_load(&reloader_stop)) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (atomic_load(&reloader_stop))
            break;
        if (sig == SIGUSR2)
            drain_and_stop();
        else
            conf_reload();
    }
    return NULL;
}

/* drop_privileges - initgroups, setgid, setuid (OpenDMARC's order), then
 * check that root cannot be regained.  0 or -1 with why. */
static int drop_privileges(const char *user, char *why, size_t size)
{
    struct passwd *pw;

    if (geteuid() != 0)
        return 0;
    if (user == NULL || *user == '\0') {
        snprintf(why, size, "refusing to run as root: set milter.user or -u USER");
        return -1;
    }
    pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(why, size, "unknown user \"%s\"", user);
        return -1;
    }
    if (pw->pw_uid == 0)
        return 0;   /* asked for root explicitly */
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(why, size, "cannot switch to user %s: %s", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        snprintf(why, size, "could regain root after switching to %s", user);
        return -1;
    }
    return 0;
}

/* socket_owner - hand a unix socket to the user the filter runs as, so the
 * MTA (a member of that user's group) can connect after the drop */
static void socket_owner(const srm_conf *c, const char *user)
{
    const char *path = NULL;
    struct passwd *pw;

    if (strncmp(c->socket, "unix:", 5) == 0)
        path = c->socket + 5;
    else if (strncmp(c->socket, "local:", 6) == 0)
        path = c->socket + 6;
    if (path == NULL || geteuid() != 0 || user == NULL || *user == '\0')
        return;
    pw = getpwnam(user);
    if (pw != NULL && chown(path, pw->pw_uid, pw->pw_gid) != 0)
        sr_log(c->ctx, SR_LOG_WARNING, "cannot hand %s to %s: %s", path, user, strerror(errno));
}

/* filter_main - run the filter; returns the exit status */
static int filter_main(const char *user_opt)
{
    srm_conf *c = conf_current();
    sr_error err;
    char why[256];
    sigset_t set;
    int status = 0;

    in_filter = 1;

    /* SIGUSR1 for the reloader only: blocked before any thread starts (the
     * outbox worker, libmilter's), so every thread inherits the mask.  So
     * are the signals libmilter's signal thread sigwait()s for: smfi_main
     * blocks them only in the threads it starts, and a TERM delivered to
     * the reloader or the outbox worker would kill the process at once
     * (exit by signal, no clean stop, connections in flight cut) */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    srm_extract_init();   /* GMime and libxml2, before any thread */
    if (smfi_setconn((char *)c->socket) != MI_SUCCESS || smfi_settimeout(c->timeout) != MI_SUCCESS ||
        smfi_register(filter) != MI_SUCCESS) {
        sr_log(c->ctx, SR_LOG_ERR, "fatal: cannot set up libmilter for %s", c->socket);
        srm_conf_unref(c);
        return EX_SOFTWARE;
    }
    umask(0117);   /* a unix socket: 0660, for the MTA in the user's group */
    if (smfi_opensocket(1) != MI_SUCCESS) {
        sr_log(c->ctx, SR_LOG_ERR, "fatal: cannot listen on %s", c->socket);
        srm_conf_unref(c);
        return EX_UNAVAILABLE;
    }
    umask(007);
    srm_listen_nodelay();   /* no 40 ms Nagle stall per message (nodelay.h) */
    socket_owner(c, user_opt ? user_opt : c->user);
    uid_t was = geteuid();
    if (drop_privileges(user_opt ? user_opt : c->user, why, sizeof(why)) != 0) {
        sr_log(c->ctx, SR_LOG_ERR, "fatal: %s", why);
        srm_conf_unref(c);
        return EX_CONFIG;
    }
    if (was == 0 && geteuid() != 0) {
        /* the file was read as root; a reload reads it as the service
         * user: say now, not at the first reload, when that cannot work
         * (a secret file readable by root alone, a directory it cannot
         * enter) */
        srm_conf *probe = srm_conf_load(conf_path, NULL, NULL, &err);
        if (probe == NULL)
            sr_log(c->ctx, SR_LOG_WARNING,
                   "reloads will fail: as uid %ld: %s: %s (the service user must be able to "
                   "read the configuration and its secret files)",
                   (long)geteuid(), err.where, err.msg);
        else
            srm_conf_unref(probe);
    }
    if (c->tickets && srm_tickets_open(c, &err) != 0) {
        sr_log(c->ctx, SR_LOG_ERR, "fatal: store: %s: %s", err.where, err.msg);
        srm_conf_unref(c);
        return EX_UNAVAILABLE;
    }
    if (pthread_create(&reloader_tid, NULL, reloader, NULL) != 0) {
        sr_log(c->ctx, SR_LOG_ERR, "fatal: cannot start the reload thread");
        srm_conf_unref(c);
        return EX_OSERR;
    }
    sr_log(c->ctx, SR_LOG_NOTICE, "listening on %s as uid %ld (%zu recipients, %zu domains%s)",
           c->socket, (long)getuid(), c->nrcpts, c->ndomains,
           srm_tickets_available() ? ", tickets on" : ", tickets off");
    srm_conf_unref(c);

    if (smfi_main() != MI_SUCCESS)
        status = EX_UNAVAILABLE;

    /* stopped: messages in flight may still finish where libmilter runs a
     * thread per connection (idle connections are not waited for) */
    for (int i = 0; i < 100 && atomic_load(&msgs_in_flight) > 0; i++)
        usleep(50 * 1000);
    atomic_store(&reloader_stop, 1);
    pthread_kill(reloader_tid, SIGUSR1);
    pthread_join(reloader_tid, NULL);
    srm_tickets_close();
    c = conf_current();
    sr_log(c->ctx, SR_LOG_NOTICE, "stopped");
    srm_conf_unref(c);
    return status;
}

/* ------------------------------------------------------------------------
 * The supervisor
 * ------------------------------------------------------------------------ */

static pid_t spawn(const char *user_opt, const sigset_t *oldmask)
{
    pid_t pid = fork();

    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* never outlive the supervisor */
        sigprocmask(SIG_SETMASK, oldmask, NULL);
        if (getppid() == 1)
            _exit(EX_OSERR);
        _exit(filter_main(user_opt));
    }
    return pid;
}

/* supervise - run the filter as a child: HUP becomes USR1 (reload),
 * TERM/INT stop it, a crash restarts it with a growing delay */
static int supervise(const char *user_opt)
{
    sigset_t set, old;
    siginfo_t si;
    pid_t child;
    int stopping = 0, delay = 1, status = 0;
    time_t started;
    srm_conf *c;

    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);
    started = time(NULL);
    child = spawn(user_opt, &old);
    if (child < 0)
        return EX_OSERR;
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&set, &si, &ts);
        int st;
        pid_t w;

        c = conf_current();
        if (sig == SIGHUP || sig == SIGUSR1) {
            sr_log(c->ctx, SR_LOG_NOTICE, "reload requested (signal %d)", sig);
            /* the supervisor re-reads too, so a restarted filter gets it */
            srm_conf_unref(c);
            conf_reload();
            if (child > 0)
                kill(child, SIGUSR1);
            continue;
        }
        if (sig == SIGTERM || sig == SIGINT) {
            stopping = 1;
            /* USR2: the filter finishes its messages in flight, then stops */
            if (child > 0)
                kill(child, SIGUSR2);
        }
        srm_conf_unref(c);
        while (child > 0 && (w = waitpid(child, &st, WNOHANG)) == child) {
            child = -1;
            if (stopping)
                return WIFEXITED(st) ? WEXITSTATUS(st) : 0;
            c = conf_current();
            if (WIFEXITED(st) && (WEXITSTATUS(st) == EX_CONFIG || WEXITSTATUS(st) == EX_UNAVAILABLE ||
                                  WEXITSTATUS(st) == EX_SOFTWARE) &&
                time(NULL) - started < 5) {
                sr_log(c->ctx, SR_LOG_ERR, "filter failed at startup (status %d): giving up",
                       WEXITSTATUS(st));
                srm_conf_unref(c);
                return WEXITSTATUS(st);
            }
            if (WIFSIGNALED(st))
                sr_log(c->ctx, SR_LOG_ERR, "filter killed by signal %d; restarting in %ds",
                       WTERMSIG(st), delay);
            else
                sr_log(c->ctx, SR_LOG_ERR, "filter exited with status %d; restarting in %ds",
                       WEXITSTATUS(st), delay);
            srm_conf_unref(c);
            status = -1;
        }
        if (status == -1 && !stopping) {
            /* wait out the delay, still answering TERM */
            struct timespec d = {delay, 0};
            sig = sigtimedwait(&set, &si, &d);
            if (sig == SIGTERM || sig == SIGINT)
                return 0;
            delay = delay < 30 ? delay * 2 : 30;
            started = time(NULL);
            child = spawn(user_opt, &old);
            status = 0;
            if (child < 0)
                return EX_OSERR;
        }
        if (stopping && child > 0) {
            /* the drain, then libmilter's ~5 s to notice; then force it */
            for (int i = 0; i < (DRAIN_SECONDS + 10) * 10; i++) {
                if (waitpid(child, &st, WNOHANG) == child)
                    return WIFEXITED(st) ? WEXITSTATUS(st) : 0;
                usleep(100 * 1000);
            }
            kill(child, SIGKILL);
            waitpid(child, &st, 0);
            return 0;
        }
    }
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: " PROG " [-c config] [-f] [-n] [-S] [-p pidfile] [-u user] [-V]\n"
            "  -c FILE   configuration (default " SYSCONFDIR "/sentiroute/sentiroute.conf)\n"
            "  -f        stay in the foreground (systemd)\n"
            "  -n        check the configuration and exit\n"
            "  -S        no supervisor: run the filter in this process (SIGHUP stops it)\n"
            "  -p FILE   write the process id to FILE\n"
            "  -u USER   user to run as when started as root\n"
            "  -V        print the version and exit\n");
}

static int daemonize(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        return -1;
    if (chdir("/") != 0)
        return -1;
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    return 0;
}

/* absolute - path made absolute against the current directory (the
 * daemon's chdir("/") would lose a relative one: the reload would read
 * /FILE, the pid file land in /); a malloc'd string, or NULL */
static char *absolute(const char *path)
{
    char cwd[4096];
    size_t n;
    char *r;

    if (path[0] == '/')
        return strdup(path);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    n = strlen(cwd) + 1 + strlen(path) + 1;
    r = malloc(n);
    if (r != NULL)
        snprintf(r, n, "%s/%s", cwd, path);
    return r;
}

static int write_pidfile(const char *path)
{
    FILE *fp = fopen(path, "w");

    if (fp == NULL)
        return -1;
    fprintf(fp, "%ld\n", (long)getpid());
    return fclose(fp);
}

int main(int argc, char **argv)
{
    const char *user = NULL, *pidfile = NULL;
    int check = 0, nosuper = 0, opt, status;
    sr_error err;
    srm_conf *c;
    const char *sink = "stderr";

    conf_path = SYSCONFDIR "/sentiroute/sentiroute.conf";
    while ((opt = getopt(argc, argv, "c:fnSp:u:Vh")) != -1) {
        switch (opt) {
        case 'c': conf_path = optarg; break;
        case 'f': foreground = 1; break;
        case 'n': check = 1; break;
        case 'S': nosuper = 1; break;
        case 'p': pidfile = optarg; break;
        case 'u': user = optarg; break;
        case 'V':
            printf(PROG " %s (libsentiroute %s, %s)\n", PACKAGE_VERSION, sr_version(),
                   srm_tickets_built() ? "+tickets" : "-tickets");
            return 0;
        case 'h': usage(); return 0;
        default: usage(); return EX_USAGE;
        }
    }
    if (optind != argc) {
        usage();
        return EX_USAGE;
    }
    c = srm_conf_load(conf_path, log_sink, NULL, &err);
    if (c == NULL) {
        fprintf(stderr, PROG ": %s: %s\n", err.where, err.msg);
        return err.code == SR_EIO ? EX_NOINPUT : EX_CONFIG;
    }
    if (check) {
        char why[256] = "";
        if (geteuid() == 0 && !(user && *user) && !*c->user)
            snprintf(why, sizeof(why), "milter.user is empty: would refuse to run as root");
        else if ((user && *user ? user : c->user)[0] && getpwnam(user && *user ? user : c->user) == NULL)
            snprintf(why, sizeof(why), "unknown user \"%s\"", user && *user ? user : c->user);
        if (why[0]) {
            fprintf(stderr, PROG ": %s: %s\n", conf_path, why);
            srm_conf_unref(c);
            return EX_CONFIG;
        }
        if (c->nrcpts == 0 && c->ndomains == 0)
            fprintf(stderr, PROG ": warning: no milter.recipients or milter.domains: no mail "
                            "will be scored\n");
        printf(PROG ": configuration %s OK\n", conf_path);
        srm_conf_unref(c);
        return 0;
    }
    (void)sr_config_get_string(c->cfg, "log.sink", &sink);
    use_syslog = !foreground || strcmp(sink, "syslog") == 0;
    if (use_syslog)
        openlog(PROG, LOG_PID | LOG_NDELAY, LOG_MAIL);
    curconf = c;
    if (c->nrcpts == 0 && c->ndomains == 0)
        sr_log(c->ctx, SR_LOG_WARNING, "no milter.recipients or milter.domains: no mail will be scored");
    if (!foreground) {
        char *a = absolute(conf_path), *b = pidfile ? absolute(pidfile) : NULL;
        if (a == NULL || (pidfile && b == NULL)) {
            sr_log(c->ctx, SR_LOG_ERR, "fatal: cannot resolve %s: %s", a ? pidfile : conf_path,
                   strerror(errno));
            return EX_OSERR;
        }
        conf_path = a;    /* kept for the process's life */
        if (b != NULL)
            pidfile = b;
    }
    if (!foreground && daemonize() != 0) {
        sr_log(c->ctx, SR_LOG_ERR, "fatal: cannot go to the background: %s", strerror(errno));
        return EX_OSERR;
    }
    if (pidfile && write_pidfile(pidfile) != 0) {
        sr_log(c->ctx, SR_LOG_ERR, "fatal: cannot write %s: %s", pidfile, strerror(errno));
        return EX_CANTCREAT;
    }
    status = nosuper ? filter_main(user) : supervise(user);
    if (pidfile)
        unlink(pidfile);
    pthread_mutex_lock(&conf_lock);
    c = curconf;
    curconf = NULL;
    pthread_mutex_unlock(&conf_lock);
    srm_conf_unref(c);
    return status;
}
