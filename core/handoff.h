/*
 * handoff.h - the handoff driver interface and the HTTP helper (internal)
 */
#ifndef SR_HANDOFF_H
#define SR_HANDOFF_H

#include "store.h"

/* What a driver gets: the job, the frozen ticket fields, the transcript. */
typedef struct srp_payload {
    const sr_config *cfg;
    const sr_ctx *ctx;
    const char *kind;          /* "handoff" or "comment" */
    const char *idem_key;      /* per job: sr-INSTANCE-jID */
    const char *ext_id;        /* per ticket: sr-INSTANCE-tID */
    const json_t *snap;        /* snapshot: subject, requester, email, score... */
    const char *remote_id;     /* comment: the helpdesk's ticket id */
    int attempts;              /* this is attempt number N (1 = first), counting
                                * those before an `outbox retry` requeue */
    int64_t first_attempt;     /* when attempt 1 started */
    uint64_t ticket_id;
    uint32_t seq;
    sr_stored_message *msgs;   /* handoff: whole transcript; comment: the new message(s) */
    size_t nmsgs;
    void *http;                /* the worker's CURL handle (keep-alive), or NULL */
    const json_t *job;         /* the job record (deliver: "to", "text", "mail") */
} srp_payload;

enum { SRP_DELIVERED = 0, SRP_RETRY = 1, SRP_PERMANENT = 2 };

typedef struct srp_delivery {
    int outcome;
    int retry_after;           /* seconds from the server, 0: backoff */
    char remote_id[64];
    char why[256];
    int moved;                 /* comment: remote_id is a new ticket the comment had
                                * to open (a follow-up); later comments go there */
    int wait;                  /* SRP_RETRY that was no attempt (waiting for an
                                * earlier job): max_attempts does not count it */
    char warn[600];            /* SRP_DELIVERED, but with something an admin
                                * must fix at the helpdesk (no secrets): the
                                * outbox logs a handoff's, and a comment's
                                * once per ticket */
} srp_delivery;

typedef void (*srp_driver_fn)(const srp_payload *p, srp_delivery *d);

void srp_drv_zendesk(const srp_payload *p, srp_delivery *d);
void srp_drv_gorgias(const srp_payload *p, srp_delivery *d);
void srp_drv_webhook(const srp_payload *p, srp_delivery *d);
void srp_drv_rt(const srp_payload *p, srp_delivery *d);
void srp_drv_helpdesk(const srp_payload *p, srp_delivery *d);
void srp_drv_none(const srp_payload *p, srp_delivery *d);

/* srp_driver_for - the driver of a method name, or NULL */
srp_driver_fn srp_driver_for(const char *method);

/* --- agent replies by email (drv_smtp.c) --- */

/* srp_drv_smtp - deliver an email "deliver" job through reply.email.relay */
void srp_drv_smtp(const srp_payload *p, srp_delivery *d);

/* srp_reply_from - the From address of replies: reply.email.from, else
 * the first milter.recipients entry, else "" (borrowed from cfg) */
const char *srp_reply_from(const sr_config *cfg);

/* srp_smtp_enabled - 1 when email replies can be sent (relay and From) */
int srp_smtp_enabled(const sr_config *cfg);

/*
 * srp_mail_reply_meta - what an email reply is sent with, fixed when the
 * agent replies so that every attempt sends the same message: Message-ID
 * (from the job's key), Date, To, Subject "Re: ...", and In-Reply-To /
 * References answering parent (the customer's latest mail with a
 * Message-ID; NULL: none).  A new object, or NULL on ENOMEM.
 */
json_t *srp_mail_reply_meta(const sr_store *st, uint64_t job, const sr_ticket *t,
                            const sr_stored_message *parent, int64_t at);

/* srp_msgid_clean - a message id as stored: no <>, no blanks, printable
 * ASCII, at most size-1 bytes; "" when it is no usable id.  Returns out. */
char *srp_msgid_clean(const char *in, size_t len, char *out, size_t size);

/* srp_refs_clean - a References value as stored: clean ids, "<a> <b>",
 * trimmed to the first and the latest ids that fit size.  Returns out. */
char *srp_refs_clean(const char *in, char *out, size_t size);

/* --- payload helpers (handoff.c) --- */
const char *srp_snap_str(const srp_payload *p, const char *key);
double srp_snap_num(const srp_payload *p, const char *key);
/* srp_transcript_text - "[2024-05-01 10:00:00 UTC] customer jane@...: text\n"...
 * (malloc'ed) */
char *srp_transcript_text(const srp_payload *p);
/* srp_iso8601 - UTC time as 2024-05-01T10:00:00Z */
void srp_iso8601(int64_t t, char out[32]);
/* srp_summary - "sentiroute: score 2.1 urgent (threatening) queue senior" */
void srp_summary(const srp_payload *p, char *out, size_t size);

/* --- HTTP (http.c) --- */
typedef struct srp_http_req {
    const char *method;        /* GET, POST, PUT */
    const char *url;
    const char *const *headers;   /* "Name: value", NULL-terminated */
    const char *body;
    size_t body_len;
    size_t max_answer;         /* bytes of answer body accepted; 0: SRP_HTTP_ANSWER_MAX */
} srp_http_req;

/* the answer bodies srp_http accepts: 1 MiB, and for the drivers' lookups
 * (a page of 100 comments or messages of a long email thread, each with
 * its text, HTML and plain bodies) 8 MiB; a larger answer is an error */
#define SRP_HTTP_ANSWER_MAX ((size_t)1 << 20)
#define SRP_HTTP_LOOKUP_MAX ((size_t)8 << 20)

typedef struct srp_http_resp {
    long status;               /* 0: no response (network error, timeout) */
    char *body;                /* malloc'ed, NUL-terminated */
    size_t len;
    int retry_after;           /* seconds, from Retry-After (delta or date); -1 none */
    char location[256];
    char idem_lookup[16];      /* x-idempotency-lookup */
    char error[256];           /* curl's error when status == 0 */
    size_t max_answer;         /* from the request */
} srp_http_resp;

/* srp_http - one request with the config's timeouts and TLS verification,
 * on handle (a CURL * from srp_http_handle, reused for keep-alive) or a
 * fresh one when handle is NULL.  Returns SR_OK when a response came (any
 * status), SR_ETEMP otherwise; an answer whose body is over max_answer is
 * SR_ETEMP with its status set, the body cut and error saying so. */
int srp_http(const sr_config *cfg, void *handle, const srp_http_req *req, srp_http_resp *resp);
void *srp_http_handle(void);
void srp_http_handle_free(void *handle);
void srp_http_resp_free(srp_http_resp *resp);

/* srp_curl_common - on a CURL * (curl): the URL, only the given protocols
 * (protocols "http,https" for libcurl >= 7.85, protomask CURLPROTO_* for
 * older ones), no signals (daemon threads), TLS verification with
 * handoff.ca_file, and the handoff timeouts; for the HTTP and SMTP drivers */
void srp_curl_common(void *curl, const sr_config *cfg, const char *url, const char *protocols,
                     long protomask);

/* srp_http_classify - map a response onto a delivery outcome; body text is
 * kept short and free of secrets in why. */
void srp_http_classify(const srp_http_resp *r, const char *what, srp_delivery *d);

/* srp_send_json - serialize body (may be NULL for GET) and send it with
 * the given headers plus Content-Type/Accept: application/json */
int srp_send_json(const srp_payload *p, const char *method, const char *url,
                  const char *auth_header, const char *const *extra, const json_t *body,
                  srp_http_resp *resp);

/* srp_send_text - srp_send_json for a body already serialized (text, or
 * NULL for none) */
int srp_send_text(const srp_payload *p, const char *method, const char *url,
                  const char *auth_header, const char *const *extra, const char *text,
                  srp_http_resp *resp);

/* --- what the HTTP drivers share (handoff.c) --- */

/* srp_http_get_json - GET url with the driver's auth header.  SR_OK with the
 * parsed answer of a 200 in *out, a JSON object whose member is an array
 * (the caller json_decref()s it); otherwise SR_EHTTP with d filled as
 * srp_http_classify does under what, a retry or a permanent failure, never
 * delivered; a 200 that is no such object is a retry */
int srp_http_get_json(const srp_payload *p, const char *url, const char *auth_header,
                      const char *what, const char *member, srp_delivery *d, json_t **out);

/* srp_lookup_done - after a lookup made before sending again (found: 1
 * found, 0 not, -1 failed with d filled): 1 when the job is settled
 * without sending (found: delivered, with remote_id as the remote id when
 * not NULL; failed: d's retry or failure), 0 when the request must go */
int srp_lookup_done(int found, const char *remote_id, srp_delivery *d);

/* srp_mono - seconds on the monotonic clock */
double srp_mono(void);

/* srp_lookup_more - may a paged lookup that started at started (srp_mono)
 * and has read pages pages (none found want) read the next?  1 yes; 0 when
 * it has read SRP_LOOKUP_MAX_PAGES or spent its share of the job's time
 * (SRP_LOOKUP_SLOTS requests), logged under what */
int srp_lookup_more(const srp_payload *p, double started, int pages, const char *what,
                    const char *want);

/* srp_json_id - an id value as text: a positive JSON integer, or with
 * strings also a JSON string of letters, digits and "-._:~" that fits out
 * whole, into out; 1 when v is one, else 0 (out untouched) */
int srp_json_id(const json_t *v, int strings, char *out, size_t size);

/* srp_found_id - the id of m, the item a lookup found (NULL: none found),
 * as srp_json_id reads it: 1 with id, 0 when m is NULL, -1 with d a
 * retry (why names what) when m has no usable id */
int srp_found_id(const json_t *m, int strings, char *id, size_t size, const char *what,
                 srp_delivery *d);

/* srp_remote_id - the id a 2xx answer gives the new ticket: member "id"
 * of the body (of its member obj when obj is not NULL), as srp_json_id
 * reads it, into d->remote_id; without one the job is a retry with why =
 * missing */
void srp_remote_id(const srp_http_resp *r, const char *obj, int strings, const char *missing,
                   srp_delivery *d);

/* srp_strdup_printf - a formatted, malloc'ed string, or NULL on ENOMEM */
char *srp_strdup_printf(const char *fmt, ...) SR_PRINTFLIKE(1, 2);

/* srp_url - base (trailing slashes dropped) followed by the formatted
 * path into out, cut at size-1 bytes (http.c) */
void srp_url(char *out, size_t size, const char *base, const char *fmt, ...)
    SR_PRINTFLIKE(4, 5);

/* srp_basic_auth - "Authorization: Basic base64(USER:SECRET)" into out,
 * the user formatted from user_fmt; the clear credentials are wiped
 * (http.c) */
void srp_basic_auth(char *out, size_t size, const sr_secret *secret, const char *user_fmt, ...)
    SR_PRINTFLIKE(4, 5);

/* srp_tags_json - the ticket's tags plus sentiroute, sr_label_X,
 * sr_channel_X, sr_queue_X: strings, or {"name": tag} objects */
json_t *srp_tags_json(const srp_payload *p, int objects);

/* srp_retry_after_parse - seconds from a Retry-After value (delta or HTTP-date), -1 */
int srp_retry_after_parse(const char *v, int64_t now);

/* srp_http_header - one response header line (len bytes, not
 * NUL-terminated, CR/LF included or not) into r: Retry-After (against
 * now), Location, x-idempotency-lookup (http.c) */
void srp_http_header(srp_http_resp *r, const char *line, size_t len, int64_t now);

/* --- what the drivers read from answers (for the tests and fuzz_http) --- */

/* srp_gorgias_page - one page of a Gorgias list answer: the first element
 * of "data" whose field equals want, as srp_found_id reads it: 1 with its
 * id, 0 none, -1 without a usable id (d a retry); *next is
 * meta.next_cursor (borrowed from page) or NULL (drv_gorgias.c) */
int srp_gorgias_page(const json_t *page, const char *field, const char *want, char *id,
                     size_t size, const char **next, srp_delivery *d);

/* srp_rt_seq - the number in the custom field named field of an RT
 * ticket answer, -1 when it has none (drv_rt.c) */
long srp_rt_seq(const json_t *ticket, const char *field);

/* srp_rt_search_has - does an RT search answer ("items") list the
 * ticket id? 1 yes, 0 no (drv_rt.c) */
int srp_rt_search_has(const json_t *answer, const char *id);

/* srp_zendesk_closed - is r the 422 of an update to a closed ticket? */
int srp_zendesk_closed(const srp_http_resp *r);

/* srp_zendesk_seen - does a page of a Zendesk comments answer hold a
 * comment with marker?  *more: a next page is named (drv_zendesk.c) */
int srp_zendesk_seen(const json_t *page, const char *marker, int *more);

/* srp_url_escape - percent-encode for a query value */
void srp_url_escape(const char *in, char *out, size_t size);

#endif
