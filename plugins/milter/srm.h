/*
 * srm.h - sentiroute-milter internals: config snapshot, header helpers,
 * ticket hook
 *
 * Nothing here includes libmilter, so the unit tests link these files
 * without an MTA.
 */
#ifndef SRM_H
#define SRM_H

#include "sentiroute.h"

#include "extract.h"

#include <stdatomic.h>
#include <stddef.h>

/* ------------------------------------------------------------------------
 * Config snapshot (conf.c)
 *
 * What the callbacks need, built from one sr_config and immutable after:
 * the context for scoring and logs, the support recipients normalized,
 * the limits.  Reference-counted: each connection holds one reference
 * (OpenDKIM's conf_refcnt), renewed at each message's MAIL FROM; a reload
 * swaps the current pointer, and the old snapshot goes when the last
 * message that began with it is done and its connection moves on.
 * ------------------------------------------------------------------------ */

enum { SRM_ON_ERROR_ACCEPT = 0, SRM_ON_ERROR_TEMPFAIL = 1 };

typedef struct srm_conf {
    atomic_int refs;
    sr_config *cfg;
    sr_ctx *ctx;
    const char *socket;      /* borrowed from cfg */
    const char *user;
    char **rcpts;            /* normalized: lower case, no +detail */
    size_t nrcpts;
    char **domains;          /* lower case */
    size_t ndomains;
    srm_limits lim;
    size_t max_scan;
    int on_error;
    int tickets;
    int timeout;
    sr_log_fn log_fn;        /* the sink given to srm_conf_load (or NULL) */
    void *log_ud;
    int log_level;
} srm_conf;

/*
 * srm_conf_load - load and check path: the library's checks, then the
 * milter's (socket syntax).  log_fn/log_ud (may be NULL) replace the
 * context's log sink.  Returns a snapshot with one reference, or NULL
 * with err filled.
 */
srm_conf *srm_conf_load(const char *path, sr_log_fn log_fn, void *log_ud, sr_error *err);
srm_conf *srm_conf_ref(srm_conf *c);
void srm_conf_unref(srm_conf *c);

/* srm_socket_valid - "inet:PORT@HOST", "inet6:PORT@HOST", "unix:PATH",
 * "local:PATH"; 1 when valid. */
int srm_socket_valid(const char *spec);

/*
 * srm_addr_normalize - an envelope or header address as compared: angle
 * brackets and white space removed, lower case, "+detail" of the local
 * part dropped.  Writes at most size bytes; returns 0, or -1 when it is
 * no address (empty, no '@', too long).
 */
int srm_addr_normalize(const char *in, char *out, size_t size);

/* srm_is_support - is addr (as received) a support recipient of c? */
int srm_is_support(const srm_conf *c, const char *addr);

/* ------------------------------------------------------------------------
 * Header values (hdr.c): nothing from a message reaches a header raw
 * ------------------------------------------------------------------------ */

/* srm_is_sentiment_header - name starts with "X-Sentiment" (any case). */
int srm_is_sentiment_header(const char *name);

/*
 * srm_token - a token for a header value (a queue name from config):
 * [A-Za-z0-9._+-] kept, anything else '_', at most size-1 bytes, "none"
 * when empty.  Returns dst.
 */
char *srm_token(char *dst, size_t size, const char *src);

/* srm_header_score - the score as the headers show it: 0 to 10, NaN as 0 */
float srm_header_score(float score);

/*
 * srm_format_sentiment - the X-Sentiment value:
 * "score=2.1; label=urgent; lang=de; flags=threatening,urgent_cue"
 * (flags=none when there are none).  Printable ASCII only, whatever s
 * holds.  Returns dst.
 */
char *srm_format_sentiment(const sr_sentiment *s, char *dst, size_t size);

/* srm_safe_addr - 1 when addr may be passed to smfi_addrcpt: local@domain
 * of printable ASCII without spaces, brackets, quotes or commas. */
int srm_safe_addr(const char *addr);

/* ------------------------------------------------------------------------
 * Tickets (tickets.c): the store behind the core's API
 * ------------------------------------------------------------------------ */

/* What an append gave back. */
typedef struct srm_ticket {
    int stored;              /* appended to a ticket */
    unsigned long long id;   /* the ticket */
    int created, reopened;
    int duplicate;           /* this mail was stored already (a redelivery) */
    char queue[64];          /* routing result, "" none */
    char add_recipient[256]; /* rule action, "" none */
    sr_sentiment sentiment;  /* as the store scored it (when stored) */
} srm_ticket;

/*
 * srm_tickets_open - open the store of c's config and start the outbox
 * worker (handoffs and email replies); once per process, after the fork
 * and the privilege drop.  Returns 0, or -1 with err filled.
 */
int srm_tickets_open(const srm_conf *c, sr_error *err);
/* srm_tickets_available - 1 when this process opened the store, also
 * after srm_tickets_close() (appends then fail: the filter is stopping). */
int srm_tickets_available(void);
/* srm_tickets_built - 1 when this build has the store (sentiroute-milter -V
 * then says "+tickets"). */
int srm_tickets_built(void);

/*
 * srm_ticket_append - append msg to its conversation (threading, profile,
 * routing, outbox in one LMDB transaction).  Sets the threading fields of
 * msg from mail first.  Returns SR_OK (out filled),
 * or an SR_E* code with err filled.  Thread-safe.
 */
int srm_ticket_append(const srm_conf *c, sr_message *msg, const srm_mail *mail,
                      srm_ticket *out, sr_error *err);

/*
 * srm_tickets_reload - hand c's context to the store (sr_store_set_ctx):
 * routing, conversation, handoff and reply settings follow the reload
 * from the next message and the next outbox batch on.  0, or -1 with err.
 */
int srm_tickets_reload(const srm_conf *c, sr_error *err);

/* srm_tickets_close - stop the worker, close the store: waits for the
 * appends in progress (other threads); later ones return SR_ESTORE with
 * err saying so.  Thread-safe. */
void srm_tickets_close(void);

#endif
