/*
 * srs.h - internal interfaces of sentiroute-sms, the SMS shim
 *
 * The daemon is split so that everything that reads untrusted bytes is a
 * small unit with its own tests (and a fuzz target), and the
 * libmicrohttpd glue in srs_main.c stays thin:
 *
 *   srs_parse.c    form/query decoding, Kannel requests, Twilio forms and
 *                  signatures, smstools3 files, keywords, IP allow-lists,
 *                  helpdesk webhooks (Zendesk, Gorgias), sendsms requests
 *   srs_charset.c  charset/coding of an inbound SMS to UTF-8; GSM 03.38
 *   srs_dedupe.c   recognising a retried request (Kannel %I, content hash)
 *   srs_settings.c the "sms" section of the configuration, secrets
 *   srs_service.c  one HTTP request in, one answer out (no MHD types)
 *   srs_deliver.c  agent replies out through Kannel's sendsms (libcurl) or
 *                  the smstools3 outgoing directory
 *   srs_main.c     main(): options, privileges, signals, MHD
 *
 * Functions return SR_OK or a negative SR_E* code and fill an sr_error, as
 * in the core.  Nothing here is exported from a library.
 */
#ifndef SRS_H
#define SRS_H

#include <sentiroute.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ------------------------------------------------------------------------
 * Forms (application/x-www-form-urlencoded, query strings)
 * ------------------------------------------------------------------------ */

/* One decoded field; key and val are NUL-terminated copies that may also
 * hold NUL bytes inside (val of a UTF-16 text), hence the lengths. */
typedef struct srs_kv {
    char *key;
    size_t klen;
    char *val;
    size_t vlen;
} srs_kv;

typedef struct srs_form {
    srs_kv *v;
    size_t n;
} srs_form;

/*
 * srs_url_decode - %XX and (when plus_space) '+' -> ' ' of in[0..len) into
 * out, which needs len + 1 bytes; returns the decoded length.  A '%' not
 * followed by two hex digits is kept as it is.
 */
size_t srs_url_decode(const char *in, size_t len, int plus_space, char *out);

/* srs_fail - fill err (when given: code, where, the message) and return code */
int srs_fail(sr_error *err, int code, const char *where, const char *fmt, ...)
    SR_PRINTFLIKE(4, 5);

/*
 * srs_form_parse - split buf[0..len) at '&' into decoded fields (form
 * style: '+' is a space).  More than max_fields fields: SR_ELIMIT.
 * Fills *out (srs_form_free it, also after a failure).
 */
int srs_form_parse(const char *buf, size_t len, size_t max_fields, srs_form *out,
                   sr_error *err);
void srs_form_free(srs_form *f);

/* srs_form_get - the first field named key, or NULL. */
const srs_kv *srs_form_get(const srs_form *f, const char *key);

/* A header lookup: the value of header name (case-insensitive), or NULL. */
typedef const char *(*srs_header_fn)(void *ud, const char *name);

/* ------------------------------------------------------------------------
 * Charsets
 * ------------------------------------------------------------------------ */

/*
 * srs_to_utf8 - the text of an SMS as UTF-8.  charset is what the gateway
 * says (Kannel %C, a Content-Type charset, smstools Alphabet mapped by the
 * caller); coding is Kannel's %c (0 7-bit, 1 8-bit, 2 UCS-2) or -1.
 *   UTF-8, GSM (Kannel passes 7-bit text on as UTF-8), "" -> as it is
 *   UTF-16BE, UCS-2, UTF-16 (BOM honoured), or coding 2 without charset ->
 *       decoded here; a lone surrogate (half an emoji split across the
 *       parts of a concatenated SMS) or a trailing odd byte becomes U+FFFD
 *   8-BIT/BINARY -> UTF-8 when it is valid UTF-8, else ISO-8859-1
 *   anything else -> iconv(3) (ISO-8859-15, WINDOWS-1252 ...)
 * A text is never refused for its bytes: what cannot be decoded becomes
 * U+FFFD and *repaired (may be NULL) gets a constant saying what was
 * repaired, else NULL.  Invalid UTF-8 in a UTF-8 text is left to the
 * core, which repairs it.  *out is malloc'ed (NUL-terminated), the caller
 * frees it.  Returns SR_OK or SR_ENOMEM.
 */
int srs_to_utf8(const char *buf, size_t len, const char *charset, int coding, char **out,
                size_t *outlen, const char **repaired, sr_error *err);

/* srs_gsm7_ok - 1 when every character of the UTF-8 text is in the GSM
 * 03.38 default alphabet or its extension table (so Kannel can send it as
 * 7-bit without losing anything), else 0. */
int srs_gsm7_ok(const char *utf8, size_t len);

/* ------------------------------------------------------------------------
 * Inbound messages from the gateways
 * ------------------------------------------------------------------------ */

typedef struct srs_inbound {
    char from[64];     /* the customer, as the gateway wrote it */
    char to[64];       /* our number or short code */
    char *text;        /* UTF-8, malloc'ed, NUL-terminated */
    size_t len;
    char id[128];      /* gateway message id: Kannel %I, MessageSid ("" none) */
    int64_t ts;        /* sending time, UNIX seconds (0 unknown) */
    char smsc[64];
    char repaired[128];/* what srs_to_utf8 repaired in the text ("" nothing):
                        * srs_ingest_sms logs it with the ticket */
} srs_inbound;

void srs_inbound_clear(srs_inbound *in);

/*
 * srs_kannel_parse - an inbound SMS from Kannel's sms-service.
 *   GET (get-url): from, to, text (%b or %a), coding, charset, ts, smsc, id
 *     from the query string;
 *   POST (post-url): the body is the text, charset from Content-Type,
 *     X-Kannel-From/-To/-Coding/-SMSC/-Time headers, and the same query
 *     fields (which win when both are given).
 * The text is converted to UTF-8 (what cannot be decoded becomes U+FFFD,
 * see srs_to_utf8) and kept whole: srs_ingest_sms cuts a text longer than
 * sms.max_text_bytes, so the stored message carries the truncated flag.
 * The request, and so the text, is bounded by sms.max_request_bytes.  No
 * sender, no text, or malformed fields: SR_EFORMAT, with msg saying what
 * is wrong (it becomes the 400 answer).
 */
int srs_kannel_parse(int is_post, const srs_form *query, srs_header_fn hdr, void *hud,
                     const char *body, size_t blen, srs_inbound *out, sr_error *err);

/*
 * srs_twilio_signature - base64(HMAC-SHA1(token, url + each POST field's
 * name and value, sorted by name then value, duplicates once)) into out
 * (29 bytes), as Twilio-style providers sign webhooks (X-Twilio-Signature).
 * params may be NULL (GET: the URL alone).
 */
void srs_twilio_signature(const char *token, size_t tlen, const char *url, const srs_form *params,
                          char out[29]);

/* srs_twilio_verify - 1 when sig matches (constant-time), else 0. */
int srs_twilio_verify(const char *token, size_t tlen, const char *url, const srs_form *params,
                      const char *sig);

/* srs_twilio_parse - From, To, Body, MessageSid of a Twilio-style form. */
int srs_twilio_parse(const srs_form *params, srs_inbound *out, sr_error *err);

/* srs_twiml - "<Response><Message>text</Message></Response>" with text
 * XML-escaped, or "<Response/>" for NULL/empty; malloc'ed. */
char *srs_twiml(const char *text);

/*
 * srs_smstools_parse - a file smsd (smstools3) wrote for a received SMS:
 * "Key: value" header lines, a blank line, the text.  From (digits,
 * international without '+') is returned with a '+' when it does not
 * start with 0; Alphabet picks the charset (ISO/Latin/Ansi/GSM:
 * ISO-8859-15, UCS/Unicode: UTF-16BE, UTF-8; none: UTF-8 if valid, else
 * ISO-8859-15); binary messages are SR_EUNSUPP.  Sent ("yy-mm-dd
 * hh:mm:ss", the SMSC's local time without its zone) is read as local
 * time into ts.
 */
int srs_smstools_parse(const char *buf, size_t len, srs_inbound *out, sr_error *err);

/*
 * srs_smstools_write - put an SMS for smsd into dir: a file "To: NUMBER",
 * "Alphabet: UTF-8", blank line, text, written under a temporary name and
 * renamed, so smsd never reads half a file.  NUMBER loses its '+'.
 */
int srs_smstools_write(const char *dir, const char *to, const char *text, size_t len,
                       sr_error *err);

/* ------------------------------------------------------------------------
 * Keywords, allow-lists
 * ------------------------------------------------------------------------ */

/*
 * srs_keyword_match - when text is one of the keywords in list (separated
 * by commas or blanks, matched case-insensitively, Unicode-aware), alone
 * or followed by at most max_words - 1 more words, copy the keyword into
 * matched and return 1; else 0.  "AGENT", "agent please" and "Człowiek!"
 * match; "my agent was rude" does not.
 */
int srs_keyword_match(const char *text, size_t len, const char *list, int max_words,
                      char *matched, size_t msize);

#define SRS_ALLOW_MAX 32

typedef struct srs_net {
    int family;                /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int bits;
} srs_net;

typedef struct srs_allow {
    srs_net nets[SRS_ALLOW_MAX];
    size_t n;                  /* 0: any address */
} srs_allow;

/* srs_allow_parse - "127.0.0.1, ::1, 10.0.0.0/8" (commas or blanks).
 * "" allows any address.  A bad entry: SR_EINVAL naming it. */
int srs_allow_parse(const char *list, srs_allow *out, sr_error *err);

/* srs_allow_match - 1 when sa is allowed; IPv4-mapped IPv6 addresses
 * match IPv4 entries. */
int srs_allow_match(const srs_allow *a, const struct sockaddr *sa);

/* ------------------------------------------------------------------------
 * Helpdesk webhooks: agent replies to relay by SMS
 * ------------------------------------------------------------------------ */

typedef struct srs_agent_reply {
    char ext_id[128];          /* our external id: sr-INSTANCE-tTICKET */
    uint64_t ticket;           /* parsed from ext_id */
    char event_id[160];        /* what identifies this reply, for dedupe */
    char author[128];
    char *text;                /* malloc'ed UTF-8 */
    size_t len;
    int relay;                 /* 0: not for the customer (internal note,
                                * the customer's own message) */
} srs_agent_reply;

void srs_agent_reply_clear(srs_agent_reply *r);

/*
 * srs_zendesk_verify - X-Zendesk-Webhook-Signature is
 * base64(HMAC-SHA256(secret, timestamp + body)); 1 when it matches and the
 * ISO 8601 timestamp is within max_age seconds of now, else 0.
 */
int srs_zendesk_verify(const char *secret, size_t slen, const char *timestamp,
                       const char *body, size_t blen, const char *sig, int64_t now,
                       int max_age);

/*
 * srs_zendesk_parse - the JSON a Zendesk trigger posts (the body is ours,
 * see the man page): external_id, comment, and optionally ticket_id,
 * comment_id, author, public.  Also accepts {"ticket": {"external_id"},
 * "comment": {"body", "public", "author"}}.
 */
int srs_zendesk_parse(const char *body, size_t len, srs_agent_reply *out, sr_error *err);

/*
 * srs_gorgias_parse - the JSON a Gorgias HTTP integration posts on
 * ticket-message-created: external_id (or ticket.external_id), message id,
 * body_text, from_agent, public, channel.  relay is set only for public
 * agent messages that are not internal notes.
 */
int srs_gorgias_parse(const char *body, size_t len, srs_agent_reply *out, sr_error *err);

/* srs_ext_id_ticket - the ticket of "sr-INSTANCE-tNNN"; instance must
 * match when not NULL.  SR_EINVAL otherwise. */
int srs_ext_id_ticket(const char *ext, const char *instance, uint64_t *ticket);

/* ------------------------------------------------------------------------
 * sendsms (Kannel's HTTP interface for outbound SMS)
 * ------------------------------------------------------------------------ */

enum { SRS_SEND_OK = 0, SRS_SEND_RETRY = 1, SRS_SEND_FAIL = 2 };

/* srs_sendsms_classify - what a sendsms answer means: 2xx (0: Accepted,
 * 3: Queued) OK; 0 (no answer), 408, 429, 5xx RETRY; other 4xx FAIL. */
int srs_sendsms_classify(long status);

/* srs_sendsms_coding - 0 (7-bit) when the text fits GSM 03.38, else 2
 * (UCS-2): the X-Kannel-Coding to send it with. */
int srs_sendsms_coding(const char *text, size_t len);

/* ------------------------------------------------------------------------
 * Settings: the "sms" section, secrets read from their files
 * ------------------------------------------------------------------------ */

enum { SRS_REPLY_ACK = 0, SRS_REPLY_EMPTY = 1 };
enum { SRS_DELIVER_KANNEL = 0, SRS_DELIVER_SMSTOOLS = 1, SRS_DELIVER_OFF = 2 };

#define SRS_NLANG 5
extern const char *const srs_langs[SRS_NLANG];   /* en de fr es pl */

typedef struct srs_secret {
    char *buf;                 /* NULL: not configured */
    size_t len;
} srs_secret;

typedef struct srs_settings {
    int refs;                  /* atomic: srs_settings_ref / _free */
    char listen[128];
    int max_connections;
    long long max_request_bytes;
    long long max_text_bytes;
    int request_timeout;
    srs_allow allow;
    srs_secret secret;         /* shared secret for /kannel and /health */
    int reply;                 /* SRS_REPLY_* */
    int ack_every;
    const char *default_language;
    const char *ack[SRS_NLANG];
    const char *handoff_text[SRS_NLANG];
    const char *keywords;
    int keyword_max_words;
    double handoff_below;
    const char *default_country;
    const char *instance;      /* store.instance or the host name */
    int deliver;               /* SRS_DELIVER_* */
    const char *sendsms_url;
    const char *sendsms_username;
    srs_secret sendsms_password;
    const char *sendsms_from;
    const char *sendsms_smsc;
    int deliver_poll_ms;
    int deliver_timeout;
    int outbox_worker;
    const char *smstools_outgoing;
    long long dedupe_window;
    long long dedupe_max;
    srs_secret twilio_token;
    const char *twilio_url;
    srs_secret zendesk_secret;
    srs_secret gorgias_token;
    int webhook_max_age;
    const char *user;
    const char *none_message;  /* handoff.none.message */
    int method_none;
    char hostname[65];         /* the instance name (sr_store_instance_name) */
    sr_config *cfg;            /* holds the strings above */
} srs_settings;

/*
 * srs_settings_load - the sms settings of cfg (which it references) with
 * the secrets read from their files; a secret file readable by others, or
 * unreadable, is SR_ECONFIG naming the key.  Free with srs_settings_free.
 */
srs_settings *srs_settings_load(sr_config *cfg, sr_error *err);
/* srs_settings_ref - another reference; srs_settings_free drops one and
 * frees at zero.  Thread-safe. */
srs_settings *srs_settings_ref(srs_settings *s);
void srs_settings_free(srs_settings *s);

/* srs_secret_read - the contents of path (trailing newline removed);
 * refused when others may read it. */
int srs_secret_read(const char *path, const char *key, srs_secret *out, sr_error *err);
void srs_secret_clear(srs_secret *s);

/* srs_text_for - the configured text for lang (or the default language,
 * or English) from one of the SRS_NLANG arrays. */
const char *srs_text_for(const srs_settings *s, const char *const texts[SRS_NLANG],
                         const char *lang);

/* ------------------------------------------------------------------------
 * Dedupe: retried requests answered without a second ticket message
 * ------------------------------------------------------------------------ */

enum { SRS_KIND_EMPTY = 0, SRS_KIND_ACK = 1, SRS_KIND_HANDOFF = 2, SRS_KIND_NONE = 3 };

typedef struct srs_dd_entry {
    uint64_t ticket;
    int kind;                  /* SRS_KIND_*: the answer that was given */
    char lang[4];
} srs_dd_entry;

typedef struct srs_dedupe srs_dedupe;

enum { SRS_DD_NEW = 0, SRS_DD_DONE = 1 };

/* srs_dedupe_new - a set of at most max keys, each kept window seconds. */
srs_dedupe *srs_dedupe_new(size_t max, int64_t window);
void srs_dedupe_free(srs_dedupe *d);

/*
 * srs_dedupe_begin - look the keys up (key2 may be NULL).  SRS_DD_DONE
 * with *out filled when one was finished before.  SRS_DD_NEW: the keys are
 * now "in flight" and the caller must call srs_dedupe_finish or _abort;
 * a second caller with an in-flight key waits until then (a retry that
 * overtakes a slow first attempt).  Thread-safe.
 */
int srs_dedupe_begin(srs_dedupe *d, const char *key1, const char *key2, srs_dd_entry *out,
                     int64_t now);
void srs_dedupe_finish(srs_dedupe *d, const char *key1, const char *key2,
                       const srs_dd_entry *e, int64_t now);
void srs_dedupe_abort(srs_dedupe *d, const char *key1, const char *key2);

/* srs_dedupe_add - remember a finished key (rebuild at start). */
void srs_dedupe_add(srs_dedupe *d, const char *key, const srs_dd_entry *e, int64_t at);

/* srs_dedupe_size - keys held. */
size_t srs_dedupe_size(srs_dedupe *d);

/* srs_dedupe_key_id / _content - the keys of a message: by gateway id
 * (channel-prefixed), and by sender + sending time + text (what a restart
 * can rebuild from the store's transcripts).  out: 65 bytes. */
void srs_dedupe_key_id(const char *gateway, const char *id, char out[65]);
void srs_dedupe_key_content(const char *e164, int64_t ts, const char *text, size_t len,
                            char out[65]);

/* ------------------------------------------------------------------------
 * The service: one request in, one answer out
 * ------------------------------------------------------------------------ */

typedef struct srs_server srs_server;

typedef struct srs_request {
    const char *method;        /* "GET", "POST", ... */
    const char *path;          /* without the query */
    const char *query;         /* raw, still %-encoded; may be NULL */
    size_t qlen;
    const char *body;
    size_t blen;
    int body_too_big;          /* the glue stopped reading: 413 */
    const struct sockaddr *peer;
    srs_header_fn header;
    void *hud;
} srs_request;

typedef struct srs_response {
    int status;
    const char *ctype;         /* constant */
    char *body;                /* malloc'ed */
    size_t blen;
    char xcoding[4];           /* X-Kannel-Coding of a reply ("" none) */
    const char *allow;         /* Allow header of a 405 */
    const char *www_auth;      /* WWW-Authenticate of a 401 */
} srs_response;

void srs_response_clear(srs_response *rs);

/*
 * srs_server_new - the service over ctx and st (which outlive it) with
 * settings s (it takes a reference).  kick (may be NULL) is called after
 * an agent reply was queued, to wake the delivery thread.
 */
srs_server *srs_server_new(sr_ctx *ctx, sr_store *st, srs_settings *s, void (*kick)(void *),
                           void *kick_ud, sr_error *err);
void srs_server_free(srs_server *srv);

/* srs_server_set_kick - set the kick after the delivery thread exists
 * (before requests are served). */
void srs_server_set_kick(srs_server *srv, void (*kick)(void *), void *kick_ud);

/* srs_server_settings - the current settings, referenced: release with
 * srs_server_release.  srs_server_swap installs new ones (SIGHUP). */
srs_settings *srs_server_settings(srs_server *srv);
void srs_server_release(srs_server *srv, srs_settings *s);
void srs_server_swap(srs_server *srv, srs_settings *s);

/* srs_server_rebuild - fill the dedupe set from the store: the SMS
 * messages of the last dedupe_window seconds.  *count gets the number. */
int srs_server_rebuild(srs_server *srv, size_t *count, sr_error *err);

/* srs_handle - answer one request.  Thread-safe. */
void srs_handle(srs_server *srv, const srs_request *rq, srs_response *rs);

/*
 * srs_ingest_sms - store one inbound SMS and decide the answer: E.164,
 * dedupe, sr_ingest, keyword / sentiment handoff.  *kind and lang get the
 * answer to give.  gateway names the id space ("kannel", "twilio").
 * Used by the HTTP endpoints and the smstools event handler.
 */
int srs_ingest_sms(sr_ctx *ctx, sr_store *st, srs_dedupe *dd, const srs_settings *s,
                   const char *gateway, const srs_inbound *in, srs_dd_entry *res, int *dup,
                   sr_error *err);

/* srs_reply_text - the text for an answer kind in lang ("" for none);
 * borrowed from s. */
const char *srs_reply_text(const srs_settings *s, const srs_dd_entry *e);

/* ------------------------------------------------------------------------
 * Delivery of agent replies
 * ------------------------------------------------------------------------ */

typedef struct srs_deliverer srs_deliverer;

/* srs_deliverer_start - a thread that claims "deliver" jobs for the sms
 * channel and sends them (sendsms with retries through the outbox, or an
 * smstools outgoing file). */
srs_deliverer *srs_deliverer_start(sr_ctx *ctx, sr_store *st, srs_server *srv, sr_error *err);
void srs_deliverer_kick(void *deliverer);
void srs_deliverer_stop(srs_deliverer *d);

/* srs_deliver_one - send one job's text now; SRS_SEND_*; why gets the
 * reason of a failure. */
int srs_deliver_one(const srs_settings *s, const sr_job *job, char *why, size_t wsize);

#endif
