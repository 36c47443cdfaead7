/*
 * sentiroute.h - public interface of libsentiroute
 *
 * libsentiroute scores customer messages for sentiment (0.0-10.0, a label,
 * flags, the language and the cues that moved the score) and, in later
 * modules, routes them and hands conversations to humans.  Adapters (the
 * milter, the XMPP bridge, the SMS shim) include this header and nothing else
 * of the core.
 *
 * Conventions
 *  - Functions returning int return SR_OK (0) or a negative SR_E* code.
 *    Constructors return a pointer or NULL.  Both take an sr_error *, which
 *    may be NULL and is filled only on failure.
 *  - Getters return borrowed data; the doc says until when it stays valid.
 *    Functions whose result the caller frees say so.
 *  - Bytes come as (const char *buf, size_t len); NUL bytes are allowed.
 *    Text is validated as UTF-8 once, inside the library: invalid sequences
 *    are replaced with U+FFFD and never passed on.
 *  - Thread safety is stated per function.  Scoring takes a const sr_ctx *
 *    and keeps no hidden state: any number of threads may score at once.
 *
 * Overview of use
 *
 *     sr_error err;
 *     sr_config *cfg = sr_config_load("/etc/sentiroute/sentiroute.conf", &err);
 *     sr_ctx *ctx = cfg ? sr_ctx_new(cfg, &err) : NULL;
 *     sr_config_unref(cfg);              // the context keeps its own reference
 *     sr_sentiment s;
 *     if (ctx && sr_score_text(ctx, text, len, NULL, &s, &err) == SR_OK)
 *         printf("%.1f %s\n", s.score, sr_label_name(s.label));
 *     sr_ctx_free(ctx);
 */
#ifndef SENTIROUTE_H
#define SENTIROUTE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SR_VERSION_MAJOR 0
#define SR_VERSION_MINOR 1
#define SR_VERSION_PATCH 0
#define SR_VERSION_STRING "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define SR_PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define SR_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define SR_PRINTFLIKE(f, a)
#define SR_WARN_UNUSED
#endif

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

/* Return codes.  0 is success; failures are negative. */
enum {
    SR_OK = 0,
    SR_EINVAL = -1,     /* invalid argument or input */
    SR_ENOMEM = -2,     /* out of memory */
    SR_ECONFIG = -3,    /* configuration error; where = "file:line: key" */
    SR_EIO = -4,        /* operating-system error; sys = errno */
    SR_ETEMP = -5,      /* temporary failure: retry later */
    SR_ENOTFOUND = -6,  /* no such object */
    SR_EEXIST = -7,     /* object exists already */
    SR_ESTORE = -8,     /* store (LMDB) error; sys = MDB_* code */
    SR_EHTTP = -9,      /* remote HTTP error; sys = HTTP status */
    SR_EUNSUPP = -10,   /* not supported by this build or backend */
    SR_ELIMIT = -11,    /* a configured limit was hit */
    SR_EFORMAT = -12    /* malformed data (lexicon file, JSON, ...) */
};

/*
 * Error details, on the caller's stack.  Filled only when a function fails.
 *  code  the SR_E* code also returned
 *  sys   errno, an MDB_* code or an HTTP status, when one applies, else 0
 *  where what the error is about: "sentiroute.conf:42: scoring.max_cues"
 *  msg   a sentence for humans; never contains a secret
 */
typedef struct sr_error {
    int code;
    int sys;
    char where[160];
    char msg[256];
} sr_error;

/* sr_strerror - constant text for an SR_E* code.  Thread-safe. */
const char *sr_strerror(int code);

/* sr_version - the library's version string ("0.1.0").  Thread-safe. */
const char *sr_version(void);

/* ------------------------------------------------------------------------
 * Configuration
 *
 * One libconfig file serves the library and every adapter.  Unknown keys,
 * wrong types and out-of-range values are errors naming file, line and key.
 * A loaded sr_config is immutable and reference-counted, so a daemon can
 * load a new one, validate it, and swap it in while old requests finish
 * with the old one.
 * ------------------------------------------------------------------------ */

typedef struct sr_config sr_config;

/*
 * sr_config_load - parse and validate the file at path.
 * Returns a new config with one reference, or NULL with err filled
 * (SR_ECONFIG for syntax and schema errors, SR_EIO when unreadable).
 * Thread-safe.
 */
sr_config *sr_config_load(const char *path, sr_error *err) SR_WARN_UNUSED;

/* sr_config_new_default - the built-in defaults, as if from an empty file. */
sr_config *sr_config_new_default(sr_error *err) SR_WARN_UNUSED;

/* sr_config_ref - take another reference; returns cfg.  Thread-safe. */
sr_config *sr_config_ref(sr_config *cfg);

/* sr_config_unref - drop a reference; frees at zero.  NULL is fine. */
void sr_config_unref(sr_config *cfg);

/* sr_config_path - the file this config came from ("" for defaults);
 * valid while the config is referenced. */
const char *sr_config_path(const sr_config *cfg);

/*
 * Typed getters by key path ("scoring.max_text_bytes").  Return SR_OK, or
 * SR_ENOTFOUND for an unknown key, SR_EINVAL for a key of another type.
 * get_string's result is borrowed, valid while the config is referenced;
 * secrets cannot be read this way.  Thread-safe.
 */
int sr_config_get_int(const sr_config *cfg, const char *key, long long *out);
int sr_config_get_float(const sr_config *cfg, const char *key, double *out);
int sr_config_get_bool(const sr_config *cfg, const char *key, int *out);
int sr_config_get_string(const sr_config *cfg, const char *key, const char **out);
/* sr_config_get_list - a list of strings ("milter.recipients"): *v gets
 * the borrowed array of *n strings, valid while cfg is referenced. */
int sr_config_get_list(const sr_config *cfg, const char *key, const char *const **v, size_t *n);

/*
 * sr_config_dump - write the effective configuration (defaults filled in)
 * as libconfig text to the file descriptor fd.  Secrets print as
 * "<redacted>".  Returns SR_OK or SR_EIO.
 */
int sr_config_dump(const sr_config *cfg, int fd, sr_error *err);

/* ------------------------------------------------------------------------
 * Context and logging
 * ------------------------------------------------------------------------ */

typedef struct sr_ctx sr_ctx;

/* Log levels: the syslog priorities. */
enum sr_log_level {
    SR_LOG_ERR = 3,
    SR_LOG_WARNING = 4,
    SR_LOG_NOTICE = 5,
    SR_LOG_INFO = 6,
    SR_LOG_DEBUG = 7
};

/*
 * A log sink receives one finished, escaped line (no newline) per event.
 * It may be called from any thread that uses the context.
 */
typedef void (*sr_log_fn)(void *userdata, int level, const char *line);

/*
 * sr_ctx_new - a library context for cfg: loads the lexicons and prepares
 * the scorer.  Takes its own reference on cfg.  The default log sink is
 * stderr or syslog as cfg says.  Returns NULL with err filled on failure.
 */
sr_ctx *sr_ctx_new(sr_config *cfg, sr_error *err) SR_WARN_UNUSED;

/*
 * sr_ctx_free - drop the caller's reference to the context; NULL is fine.
 * A context is reference-counted: sr_ctx_new gives one reference, and a
 * store that uses the context (sr_store_open, sr_store_set_ctx) holds its
 * own, so the context lives on until the store lets go of it.  The caller
 * must not use ctx after dropping its reference.  Thread-safe.
 */
void sr_ctx_free(sr_ctx *ctx);

/* sr_ctx_ref - take another reference (dropped with sr_ctx_free); returns
 * ctx.  Thread-safe. */
sr_ctx *sr_ctx_ref(sr_ctx *ctx);

/* sr_ctx_config - the context's config (borrowed, valid until free). */
const sr_config *sr_ctx_config(const sr_ctx *ctx);

/* sr_ctx_set_log - replace the log sink (NULL restores the default) and
 * the threshold.  Not thread-safe: call before sharing ctx. */
void sr_ctx_set_log(sr_ctx *ctx, sr_log_fn fn, void *userdata, int max_level);

/*
 * sr_log - format and emit one log line if level passes the threshold.
 * Control characters and invalid UTF-8 are escaped, the line is capped.
 * Thread-safe.
 */
void sr_log(const sr_ctx *ctx, int level, const char *fmt, ...) SR_PRINTFLIKE(3, 4);

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------ */

typedef enum sr_channel {
    SR_CHANNEL_UNKNOWN = 0,
    SR_CHANNEL_EMAIL = 1,
    SR_CHANNEL_CHAT = 2,
    SR_CHANNEL_SMS = 3
} sr_channel;

/* sr_channel_name - "email", "chat", "sms" or "unknown". */
const char *sr_channel_name(sr_channel ch);

/* sr_channel_parse - the channel for a name, or SR_CHANNEL_UNKNOWN. */
sr_channel sr_channel_parse(const char *name);

/*
 * An inbound message as an adapter hands it to the core.  It owns copies
 * of everything set on it.  Not thread-safe: one thread builds and uses a
 * message at a time.
 */
typedef struct sr_message sr_message;

/* sr_message_new - an empty message on channel ch; NULL on ENOMEM. */
sr_message *sr_message_new(sr_channel ch, sr_error *err) SR_WARN_UNUSED;

/* sr_message_free - NULL is fine. */
void sr_message_free(sr_message *msg);

/*
 * sr_message_set_text - copy buf[0..len) as the message text.  Invalid
 * UTF-8 is replaced with U+FFFD; NUL bytes become spaces.  The copy is
 * capped at max_bytes (0 means no cap here; the scorer applies its own
 * configured cap), cutting at a character boundary.
 * Returns SR_OK, SR_ENOMEM.
 */
int sr_message_set_text(sr_message *msg, const char *buf, size_t len, size_t max_bytes,
                        sr_error *err);

/*
 * sr_message_set_repaired - the adapter replaced bytes before it set the
 * text (a lone UTF-16 surrogate, bytes invalid in the declared charset):
 * the sentiment carries SR_FLAG_REPAIRED as for invalid UTF-8.  Call after
 * sr_message_set_text, which sets the mark for what it repairs itself.
 */
void sr_message_set_repaired(sr_message *msg);

/* Setters for the identity fields.  Each copies its argument (NULL clears
 * it).  Control characters are stripped.  Return SR_OK or SR_ENOMEM. */
int sr_message_set_conversation(sr_message *msg, const char *key, sr_error *err);
int sr_message_set_sender(sr_message *msg, const char *sender, sr_error *err);
int sr_message_set_lang_hint(sr_message *msg, const char *lang, sr_error *err);
void sr_message_set_authenticated(sr_message *msg, int authenticated);
/* Seconds since the epoch, UTC; 0 means "now" at the time of scoring. */
void sr_message_set_timestamp(sr_message *msg, int64_t unix_seconds);

/* Getters: borrowed, valid until the message is changed or freed.
 * String getters return "" when the field is unset; text may hold NULs
 * only as replaced spaces, so it is also NUL-terminated. */
sr_channel sr_message_channel(const sr_message *msg);
const char *sr_message_text(const sr_message *msg, size_t *len);
const char *sr_message_conversation(const sr_message *msg);
const char *sr_message_sender(const sr_message *msg);
const char *sr_message_lang_hint(const sr_message *msg);
int sr_message_authenticated(const sr_message *msg);
int64_t sr_message_timestamp(const sr_message *msg);
/* Non-zero when set_text replaced invalid UTF-8 or hit its cap. */
int sr_message_text_repaired(const sr_message *msg);
int sr_message_text_truncated(const sr_message *msg);

/* ------------------------------------------------------------------------
 * Sentiment
 * ------------------------------------------------------------------------ */

/* Exactly one label per message (rules in DESIGN.md, thresholds in the
 * config's scoring.labels group). */
typedef enum sr_label {
    SR_LABEL_NEUTRAL = 0,
    SR_LABEL_NEGATIVE = 1,
    SR_LABEL_POSITIVE = 2,
    SR_LABEL_URGENT = 3,
    SR_LABEL_PROMOTER = 4
} sr_label;

#define SR_LABEL_COUNT 5

/* sr_label_name - "neutral", "negative", "positive", "urgent", "promoter". */
const char *sr_label_name(sr_label label);

/* sr_label_parse - the label for a name; returns -1 when unknown. */
int sr_label_parse(const char *name);

/* Flags: any number may be set. */
#define SR_FLAG_THREATENING 0x0001u     /* legal action, chargeback, bad review, leaving */
#define SR_FLAG_OFFENSIVE 0x0002u       /* insults, profanity */
#define SR_FLAG_URGENT_CUE 0x0004u      /* ASAP, before it ships, third time I write */
#define SR_FLAG_HUMAN_REQUESTED 0x0008u /* asks for a person */
#define SR_FLAG_ADVOCACY 0x0010u        /* recommend, tell my friends, best ever */
#define SR_FLAG_TRUNCATED 0x0100u       /* only the first scoring.max_text_bytes were read */
#define SR_FLAG_REPAIRED 0x0200u        /* invalid UTF-8 was replaced */
#define SR_FLAG_ALL 0x031Fu

/* sr_flag_name - the name of one flag bit ("threatening", ...), or NULL. */
const char *sr_flag_name(unsigned flag);

/* sr_flag_parse - the bit for a flag name, or 0 when unknown. */
unsigned sr_flag_parse(const char *name);

/*
 * sr_flags_format - write the names of the set flags, comma-separated,
 * into buf (always NUL-terminated when size > 0).  Returns the length the
 * full text needs, like snprintf.
 */
size_t sr_flags_format(unsigned flags, char *buf, size_t size);

/* What kind of evidence a cue is. */
typedef enum sr_cue_kind {
    SR_CUE_WORD = 0,      /* a lexicon word or phrase */
    SR_CUE_EMOJI = 1,     /* an emoji or emoticon */
    SR_CUE_PUNCT = 2,     /* "!!!" or "???" emphasis */
    SR_CUE_URGENCY = 3,   /* an urgency phrase */
    SR_CUE_THREAT = 4,    /* a threat phrase */
    SR_CUE_ADVOCACY = 5,  /* an advocacy phrase */
    SR_CUE_HUMAN = 6,     /* a request for a person */
    SR_CUE_OFFENSIVE = 7  /* an insult or profanity */
} sr_cue_kind;

/* sr_cue_kind_name - "word", "emoji", "punct", "urgency", ... */
const char *sr_cue_kind_name(sr_cue_kind kind);

/* Modifiers that acted on a cue (bit set in sr_cue.mods). */
#define SR_MOD_NEGATED 0x01u  /* a negator in scope flipped it */
#define SR_MOD_BOOSTED 0x02u  /* an intensifier raised it */
#define SR_MOD_DAMPENED 0x04u /* a dampener lowered it */
#define SR_MOD_CAPS 0x08u     /* written in ALLCAPS */
#define SR_MOD_CONTRAST 0x10u /* weighted by a contrast ("but") or a concession ("although") */
#define SR_MOD_IRONY 0x20u    /* praise read as irony (after a complaint, or #sarcasm) */

/*
 * sr_cue_mods_format - the names of a cue's modifiers ("negated,caps"),
 * comma-separated, into buf (always NUL-terminated when size > 0).
 * Returns the length the full text needs, like snprintf.
 */
size_t sr_cue_mods_format(unsigned mods, char *buf, size_t size);

#define SR_CUE_MAX 16
#define SR_CUE_TEXT_MAX 48

/* One piece of evidence: the text as written (capped, UTF-8, NUL-terminated),
 * its signed contribution to the raw valence sum, and what acted on it. */
typedef struct sr_cue {
    char text[SR_CUE_TEXT_MAX];
    float weight;
    uint8_t kind;   /* sr_cue_kind */
    uint8_t mods;   /* SR_MOD_* */
} sr_cue;

/*
 * The result of scoring one text.  A plain struct the caller owns (on the
 * stack is fine): scoring allocates nothing.
 *  score     0.0 (very negative) .. 10.0 (very positive), 5.0 neutral,
 *            rounded to one decimal
 *  label     one sr_label
 *  flags     SR_FLAG_* bits
 *  lang      ISO 639-1 code of the detected language, or "und"
 *  valence   the raw signed valence sum the score was mapped from
 *  cues      the strongest cues, by absolute weight, at most SR_CUE_MAX
 *            (ncues of them; entries past ncues are left as they were)
 *  bytes     how many bytes of the text were read (after the cap)
 *  tokens    how many tokens were seen
 */
typedef struct sr_sentiment {
    float score;
    sr_label label;
    unsigned flags;
    char lang[4];
    float lang_confidence;
    float valence;
    unsigned ncues;
    sr_cue cues[SR_CUE_MAX];
    size_t bytes;
    unsigned tokens;
} sr_sentiment;

/*
 * sr_score_text - score buf[0..len).  lang_hint ("de", or NULL) is used
 * when the text alone does not make the language clear.  Any byte sequence
 * is accepted: invalid UTF-8 is treated as replaced, the text is read up to
 * the configured cap (scoring.max_text_bytes).  Fills *out.
 * Returns SR_OK, or SR_EINVAL for NULL arguments.
 * Thread-safe; allocates nothing.
 */
int sr_score_text(const sr_ctx *ctx, const char *buf, size_t len, const char *lang_hint,
                  sr_sentiment *out, sr_error *err);

/* sr_score - score a message's text with its language hint.  As above. */
int sr_score(const sr_ctx *ctx, const sr_message *msg, sr_sentiment *out, sr_error *err);

/*
 * sr_sentiment_format_json - one JSON object for s (score, label, flags,
 * lang, cues ...) into buf, always NUL-terminated when size > 0.  Returns
 * the length the full text needs, like snprintf; a result >= size means it
 * was cut.  Thread-safe; allocates nothing.
 */
size_t sr_sentiment_format_json(const sr_sentiment *s, char *buf, size_t size);

/*
 * sr_lang_detect - the language of buf[0..len) as an ISO 639-1 code among
 * the configured languages, or "und" when unsure.  *confidence (may be
 * NULL) gets 0..1.  Returns a constant string.  Thread-safe.
 */
const char *sr_lang_detect(const sr_ctx *ctx, const char *buf, size_t len, float *confidence);

/* ------------------------------------------------------------------------
 * Message identity for threading (issue 4)
 *
 * Email threads by Message-ID / In-Reply-To / References, chat by the
 * visitor's JID (the sender), SMS by the sender's number (E.164).  Each
 * setter copies (NULL clears), strips control characters and returns
 * SR_OK or SR_ENOMEM.  Getters return "" when unset; borrowed until the
 * message is changed or freed.
 * ------------------------------------------------------------------------ */

int sr_message_set_message_id(sr_message *msg, const char *id, sr_error *err);
int sr_message_set_in_reply_to(sr_message *msg, const char *id, sr_error *err);
/* References: the header's value, message ids separated by white space. */
int sr_message_set_references(sr_message *msg, const char *refs, sr_error *err);
int sr_message_set_subject(sr_message *msg, const char *subject, sr_error *err);
/* The requester's display name ("Jane Doe"). */
int sr_message_set_sender_name(sr_message *msg, const char *name, sr_error *err);
/* The customer's email address when the sender is a JID or a number and
 * the visitor gave one (chat handoff asks for it). */
int sr_message_set_email(sr_message *msg, const char *email, sr_error *err);
/* sr_message_request_handoff - the adapter asks for a human with this
 * message (the visitor said yes, the bot signalled it): sr_ingest then
 * enqueues the handoff in the same transaction as the message.  reason is
 * copied and recorded with the event; NULL withdraws the request. */
int sr_message_request_handoff(sr_message *msg, const char *reason, sr_error *err);
/* sr_message_handoff_request - the reason given, "" when none. */
const char *sr_message_handoff_request(const sr_message *msg);
const char *sr_message_message_id(const sr_message *msg);
const char *sr_message_in_reply_to(const sr_message *msg);
const char *sr_message_references(const sr_message *msg);
const char *sr_message_subject(const sr_message *msg);
const char *sr_message_sender_name(const sr_message *msg);
const char *sr_message_email(const sr_message *msg);

/*
 * sr_e164_normalize - a phone number in E.164 ("+4915112345678") from what
 * an SMS gateway passes ("0049 151 1234-5678", "+49 (151) ...", "015112..."
 * with default_country "49").  Returns SR_OK, or SR_EINVAL when the result
 * would not be 8..15 digits.  out needs 17 bytes.  Thread-safe.
 */
int sr_e164_normalize(const char *in, const char *default_country, char out[17]);

/* ------------------------------------------------------------------------
 * Secrets
 *
 * API tokens and signing secrets are read from files named in the config
 * (token_file = "/etc/sentiroute/zendesk.token") into an opaque sr_secret.
 * There is no getter that returns the text: only the HTTP drivers use it,
 * logs and dumps show "<redacted>".
 * ------------------------------------------------------------------------ */

typedef struct sr_secret sr_secret;

/* ------------------------------------------------------------------------
 * Store: tickets, transcripts, profiles, events, outbox (LMDB)
 *
 * One LMDB environment (a directory) holds named databases: tickets,
 * messages (the transcripts), the conversation index, profiles, events and
 * the outbox.  Several processes may open it at once (the milter, the XMPP
 * bridge and the SMS shim on one host, sentiroutectl for reports): LMDB
 * serializes writers across processes; inside a process the store
 * serializes them itself and groups concurrent writes into one
 * transaction (group commit), so one fsync acknowledges a whole batch.
 *
 * Thread safety: an sr_store may be shared by any number of threads; every
 * sr_store_* / sr_ingest / sr_ticket_* / sr_outbox_* function is
 * thread-safe, sr_store_close excepted.  Open the store after fork(),
 * never before.  Each call works with one context from start to end (the
 * one current when it started), even while sr_store_set_ctx swaps it.
 * ------------------------------------------------------------------------ */

typedef struct sr_store sr_store;

#define SR_STORE_RDONLY 0x1u   /* reporting: never writes, never blocks writers */
#define SR_STORE_NOSYNC 0x2u   /* no fsync per commit (tests, backfills) */

/*
 * sr_store_open - open (creating if needed, unless RDONLY) the store at
 * path, or at the config's store.path when path is NULL.  The store takes
 * a reference to ctx (sr_ctx_ref) for scoring, routing, the outbox, the
 * handoff drivers and logs; the caller may drop its own at any time.
 * Checks the schema version and clears reader slots left by dead
 * processes.  Returns NULL with err filled: SR_ESTORE (sys = MDB_* code),
 * SR_EIO, SR_EFORMAT for a store written by a newer version.
 */
sr_store *sr_store_open(const sr_ctx *ctx, const char *path, unsigned flags,
                        sr_error *err) SR_WARN_UNUSED;

/*
 * sr_store_instance_name - the instance name a store opened with cfg puts
 * in its external ids ("sr-INSTANCE-t42"): store.instance, else the host
 * name, else "localhost"; at most 64 bytes, every byte outside
 * [A-Za-z0-9.-] turned into '_' (ids stay URL- and header-safe).  Adapters
 * that take ids back from a helpdesk compare with this.  size >= 1.
 */
void sr_store_instance_name(const sr_config *cfg, char *out, size_t size);

/*
 * sr_store_set_ctx - use ctx from now on: a daemon's reload.  Every call
 * that starts afterwards scores, threads, routes (route.*), enqueues
 * (handoff.*, conversation.*) and delivers (the outbox worker, from its
 * next batch on) with the new context and its config; calls in flight
 * finish with the context they started with, which stays alive (the
 * store holds a reference to each) until the last of them returns.  Never
 * blocks on them.  The store takes a reference to ctx and drops its
 * reference to the old context; the caller keeps and frees its own:
 *
 *     sr_ctx *nctx = sr_ctx_new(newcfg, &err);     // built and checked
 *     if (nctx && sr_store_set_ctx(st, nctx, &err) == SR_OK) {
 *         sr_ctx_free(oldctx);                    // the caller's reference
 *         oldctx = nctx;
 *     }
 *
 * Settings of the environment itself (store.path, map_size_mb, sync,
 * instance, max_readers, batch_max) stay as opened: a change is logged as
 * a warning and takes effect when the store is opened again.
 * Returns SR_OK, or SR_EINVAL for a NULL argument.  Thread-safe.
 */
int sr_store_set_ctx(sr_store *st, const sr_ctx *ctx, sr_error *err);

/* sr_store_close - close; NULL is fine.  No other thread may use st. */
void sr_store_close(sr_store *st);

/* sr_store_schema_version - the schema the store was written with. */
int sr_store_schema_version(const sr_store *st);

/* sr_store_path - the store's directory (borrowed). */
const char *sr_store_path(const sr_store *st);

typedef enum sr_ticket_status {
    SR_STATUS_NEW = 0,
    SR_STATUS_OPEN = 1,
    SR_STATUS_PENDING = 2,
    SR_STATUS_CLOSED = 3
} sr_ticket_status;

/* sr_status_name / sr_status_parse - "new", "open", "pending", "closed". */
const char *sr_status_name(sr_ticket_status st);
int sr_status_parse(const char *name);   /* -1 when unknown */

typedef enum sr_priority {
    SR_PRIORITY_LOW = 0,
    SR_PRIORITY_NORMAL = 1,
    SR_PRIORITY_HIGH = 2,
    SR_PRIORITY_URGENT = 3
} sr_priority;

const char *sr_priority_name(sr_priority p);
int sr_priority_parse(const char *name);   /* -1 when unknown */

typedef enum sr_handoff_method {
    SR_METHOD_HELPDESK = 0,
    SR_METHOD_ZENDESK = 1,
    SR_METHOD_GORGIAS = 2,
    SR_METHOD_WEBHOOK = 3,
    SR_METHOD_RT = 4,
    SR_METHOD_NONE = 5
} sr_handoff_method;

const char *sr_method_name(sr_handoff_method m);

/* A ticket as stored.  Plain data the caller owns. */
typedef struct sr_ticket {
    uint64_t id;
    sr_channel channel;
    sr_ticket_status status;
    char requester[256];       /* email address, E.164 number or JID */
    char requester_name[128];
    char email[256];           /* the customer's email, when known */
    char profile_id[64];       /* from the profile, when one matched */
    char subject[256];
    char queue[64];
    sr_priority priority;
    char tags[512];            /* comma-separated */
    char assignee[128];
    char assignee_group[64];
    /* sentiment of the latest customer message */
    float score;
    sr_label label;
    unsigned flags;
    char lang[4];
    float prev_score;          /* the score before the latest one (-1: none) */
    int turned_worse;          /* the latest message made it sharply worse */
    double order_value;        /* profile's recent order value (0: unknown) */
    int vip;
    int64_t created, updated;  /* UTC seconds */
    uint32_t nmessages;
    int handed_off;            /* a handoff was enqueued / done */
    char method[16];           /* handoff method used */
    char remote_id[64];        /* the ticket's id at the helpdesk, once known */
} sr_ticket;

/* SR_DIR_NOTE: written by sentiroute for the agents (a reply that was not
 * delivered), never sent to the customer */
typedef enum sr_direction { SR_DIR_IN = 0, SR_DIR_OUT = 1, SR_DIR_NOTE = 2 } sr_direction;

/* One message of a transcript.  text is allocated: sr_transcript_free. */
typedef struct sr_stored_message {
    uint32_t seq;
    sr_direction direction;
    char author[256];
    int64_t at;                /* UTC seconds */
    char *text;
    float score;               /* the message's own sentiment (inbound only) */
    sr_label label;
    unsigned flags;
    char lang[4];
    char message_id[256];      /* email: its Message-ID without <> ("" none);
                                * an agent reply: the one it was sent with */
    char references[1024];     /* email: its References ("<a> <b>"), trimmed to
                                * the first and the latest ids that fit */
} sr_stored_message;

/* ------------------------------------------------------------------------
 * Ingest: the one entry point for every inbound message
 * ------------------------------------------------------------------------ */

typedef struct sr_ingest_result {
    uint64_t ticket_id;
    uint32_t msg_seq;          /* the message's place in the transcript */
    sr_sentiment sentiment;    /* of this message */
    char queue[64];
    sr_priority priority;
    char tags[512];            /* comma-separated, after routing */
    char assignee_group[64];
    char rule[64];             /* the first rule that matched ("" none) */
    char add_recipient[256];   /* rule action for the milter ("" none) */
    int created;               /* a new ticket was opened */
    int reopened;              /* a closed ticket was reopened (re-scored) */
    int turned_worse;          /* the conversation turned sharply worse */
    int handoff;               /* a handoff job was enqueued (or method none) */
    uint64_t job_id;           /* that job, 0 when none */
    char none_message[1536];   /* method none: the configured text and links to
                                * show the customer, else "" */
    int handoff_wanted;        /* the route or the customer asks for a human
                                * (set with or without SR_INGEST_ASK_FIRST) */
    int duplicate;             /* email: this sender's message with this
                                * Message-ID was stored already (a redelivery):
                                * nothing written, msg_seq is the stored copy */
} sr_ingest_result;

/*
 * sr_ingest - score msg, thread it onto its ticket (opening or reopening
 * one), look up the sender's profile, route it, append it to the
 * transcript, record events and, when the route or the customer asks for
 * a human, enqueue the handoff job: all in one write transaction, which is
 * committed (fsync'ed unless store.sync is off) before sr_ingest returns.
 * So SR_OK means "stored": the adapter may acknowledge the message.
 * Concurrent callers are grouped into one commit.
 * Returns SR_OK, SR_EINVAL (no sender), SR_ESTORE (sys = MDB_* code;
 * MDB_MAP_FULL: raise store.map_size_mb), SR_ENOMEM.  Thread-safe.
 */
int sr_ingest(sr_store *st, const sr_message *msg, sr_ingest_result *out, sr_error *err);

/*
 * sr_ingest_opts - sr_ingest with options:
 *  SR_INGEST_ASK_FIRST  do not hand off because of the route: store and
 *      route the message as usual, but only report in out->handoff_wanted
 *      that the route or the customer asks for a human; the adapter asks
 *      the customer and hands off on a yes (sr_handoff_request(), or
 *      sr_message_request_handoff() on the answer, which is still done).
 *      Follow-ups to a ticket already handed off are still enqueued.
 * Otherwise as sr_ingest.  Thread-safe.
 */
#define SR_INGEST_ASK_FIRST 0x1u
int sr_ingest_opts(sr_store *st, const sr_message *msg, unsigned opts, sr_ingest_result *out,
                   sr_error *err);

/*
 * sr_handoff_request - enqueue a handoff for a ticket (the adapter asks:
 * the visitor said yes, the bot signalled it).  reason is free text for
 * the event and the helpdesk.  A ticket already handed off is left alone
 * (SR_OK, *job_id 0).  job_id may be NULL.  Thread-safe.
 */
int sr_handoff_request(sr_store *st, uint64_t ticket_id, const char *reason, uint64_t *job_id,
                       sr_error *err);

/* ------------------------------------------------------------------------
 * Tickets
 * ------------------------------------------------------------------------ */

typedef enum sr_sort {
    SR_SORT_TIME = 0,          /* updated, newest first */
    SR_SORT_SCORE = 1,         /* score, lowest (angriest) first */
    SR_SORT_ORDER_VALUE = 2,   /* order value, highest first */
    SR_SORT_ID = 3,
    SR_SORT_PRIORITY = 4       /* priority, highest first */
} sr_sort;

/* Which tickets to list.  Zero means "any" for each field. */
typedef struct sr_ticket_filter {
    unsigned labels;           /* bits 1u << sr_label */
    unsigned statuses;         /* bits 1u << sr_ticket_status */
    unsigned channels;         /* bits 1u << sr_channel */
    const char *queue;         /* NULL: any */
    const char *lang;
    const char *tag;
    int vip;                   /* 1: VIPs only */
    sr_sort sort;
    int reverse;               /* reverse the sort's natural order */
    size_t limit;              /* 0: all */
} sr_ticket_filter;

/* sr_ticket_get - one ticket.  SR_ENOTFOUND when there is none. */
int sr_ticket_get(sr_store *st, uint64_t id, sr_ticket *out, sr_error *err);

/* sr_ticket_query - the tickets f selects, sorted, as a new array the
 * caller frees with free().  Thread-safe (a read transaction). */
int sr_ticket_query(sr_store *st, const sr_ticket_filter *f, sr_ticket **out, size_t *n,
                    sr_error *err);

/* sr_ticket_transcript - the ticket's messages in order, as a new array
 * freed with sr_transcript_free. */
int sr_ticket_transcript(sr_store *st, uint64_t id, sr_stored_message **out, size_t *n,
                         sr_error *err);
void sr_transcript_free(sr_stored_message *msgs, size_t n);

/* sr_ticket_transcript_foreach - call fn for each of the ticket's messages
 * in order (m and its text valid only during the call); fn returns
 * non-zero to stop.  Reads a few messages at a time (at most 32 or about
 * 1 MiB of text), each chunk in its own short read transaction, so memory
 * stays bounded however long the transcript and no snapshot is held while
 * fn runs; a message added meanwhile may be included.  SR_OK also for a
 * ticket without messages; on an error fn has seen the messages before it.
 * Thread-safe as sr_ticket_transcript. */
int sr_ticket_transcript_foreach(sr_store *st, uint64_t id,
                                 int (*fn)(void *ud, const sr_stored_message *m), void *ud,
                                 sr_error *err);

/* sr_ticket_close - status closed, ticket_closed event (with sentiment). */
int sr_ticket_close(sr_store *st, uint64_t id, sr_error *err);

/* sr_ticket_reopen - status open again; the ticket is re-scored from its
 * latest customer message. */
int sr_ticket_reopen(sr_store *st, uint64_t id, sr_error *err);

/*
 * sr_ticket_split - move messages from_seq.. of ticket id to a new ticket
 * (*new_id); both are re-scored and the conversation index follows the
 * moved messages.  SR_EINVAL when nothing would remain or move.
 */
int sr_ticket_split(sr_store *st, uint64_t id, uint32_t from_seq, uint64_t *new_id,
                    sr_error *err);

/*
 * sr_ticket_reply - an agent's reply: appended as an outbound message and
 * enqueued as a "deliver" job for the ticket's channel, which that
 * channel's adapter claims and sends.  The ticket becomes pending.
 */
int sr_ticket_reply(sr_store *st, uint64_t id, const char *author, const char *text,
                    size_t len, uint64_t *job_id, sr_error *err);

/*
 * sr_ticket_reply_once - sr_ticket_reply for a reply that may be delivered
 * to us more than once (a helpdesk's webhook retries): keys are ids of its
 * source (e.g. "zendesk-inv:" + X-Zendesk-Webhook-Invocation-Id; NULL or
 * "" entries are skipped).  When one of them came with a reply stored
 * before, nothing is stored: SR_EEXIST, *job_id that reply's job.
 * Otherwise the keys are stored with the reply in its transaction, so they
 * outlive a restart; keys older than SR_REPLY_KEY_KEEP seconds are dropped
 * as new replies come.
 */
#define SR_REPLY_KEY_KEEP 86400
int sr_ticket_reply_once(sr_store *st, uint64_t id, const char *author, const char *text,
                         size_t len, const char *const *keys, size_t nkeys, uint64_t *job_id,
                         sr_error *err);

/* sr_ticket_assign - set assignee (NULL clears). */
int sr_ticket_assign(sr_store *st, uint64_t id, const char *assignee, sr_error *err);

/*
 * sr_store_rescore - re-score every stored inbound message with the
 * context's scorer and recompute each ticket's sentiment (after a model
 * or lexicon change; also gives imported history a sentiment).  *count
 * gets the number of tickets.  Works in batches.
 */
int sr_store_rescore(sr_store *st, size_t *count, sr_error *err);

/* ------------------------------------------------------------------------
 * Profiles
 * ------------------------------------------------------------------------ */

typedef struct sr_profile {
    char key[256];             /* email (lower case), E.164 number or JID */
    char name[128];
    char profile_id[64];
    double order_value;        /* recent order value */
    int vip;
    char email[256];
} sr_profile;

/* sr_profile_put - store (replace) a profile under each of its keys. */
int sr_profile_put(sr_store *st, const sr_profile *p, sr_error *err);

/* sr_profile_get - look up by email, number or JID. */
int sr_profile_get(sr_store *st, const char *key, sr_profile *out, sr_error *err);

/*
 * sr_profile_import - read profiles from a CSV file (header row with
 * columns email, phone, jid, name, profile_id, order_value, vip; any
 * order, unknown columns ignored) or a JSON array of objects with the same
 * names.  format: "csv", "json" or NULL (by extension).  All in one
 * transaction: a bad row rejects the file with its line number.
 */
int sr_profile_import(sr_store *st, const char *path, const char *format, size_t *count,
                      sr_error *err);

/* ------------------------------------------------------------------------
 * Events (for reports)
 * ------------------------------------------------------------------------ */

typedef enum sr_event_type {
    SR_EVENT_TICKET_CREATED = 0,
    SR_EVENT_TICKET_CLOSED = 1,
    SR_EVENT_HANDED_OFF = 2,
    SR_EVENT_RESOLVED_WITHOUT_HANDOFF = 3,
    SR_EVENT_TICKET_REOPENED = 4,
    SR_EVENT_TURNED_WORSE = 5
} sr_event_type;

const char *sr_event_name(sr_event_type t);

typedef struct sr_event {
    uint64_t id;
    sr_event_type type;
    uint64_t ticket_id;
    int64_t at;
    sr_channel channel;
    float score;               /* the ticket's sentiment at that moment */
    sr_label label;
    char detail[64];           /* method, reason */
} sr_event;

/* sr_event_foreach - call fn for each event at or after since, in order;
 * fn returns non-zero to stop. */
int sr_event_foreach(sr_store *st, int64_t since, int (*fn)(void *ud, const sr_event *ev),
                     void *ud, sr_error *err);

/* ------------------------------------------------------------------------
 * Outbox: durable jobs, delivered at least once, deduplicated remotely
 *
 * A job is written in the same transaction as the message it belongs to.
 * Workers (in any process sharing the store) claim a due job with a lease,
 * so two never deliver it at once; a crashed worker's lease runs out and
 * the job is claimed again.  Each job has an idempotency key
 * (sr-INSTANCE-JOBID) that the drivers pass on or look up, so a retry never
 * creates a second ticket.  Failed jobs stay, visible and retryable.
 * ------------------------------------------------------------------------ */

typedef enum sr_job_state {
    SR_JOB_PENDING = 0,
    SR_JOB_DONE = 1,
    SR_JOB_FAILED = 2
} sr_job_state;

const char *sr_job_state_name(sr_job_state s);

/* Job kinds: "handoff" (create the ticket at the method), "comment" (a
 * follow-up message to a handed-off ticket), "deliver" (an agent reply for
 * a channel adapter: target is "email", "chat" or "sms"). */
typedef struct sr_job {
    uint64_t id;
    char kind[16];
    char target[16];           /* method name, or the channel for deliver */
    uint64_t ticket_id;
    uint32_t msg_seq;
    sr_job_state state;
    int attempts;
    int64_t created, next_attempt_at, lease_until, done_at;
    char claimed_by[64];
    char last_error[256];
    char idem_key[96];
    char remote_id[64];
    char to[256];              /* deliver: the recipient (email, number, JID) */
    char *text;                /* deliver: the text; freed by sr_job_clear */
} sr_job;

/* sr_job_clear - free what a job holds (text); the struct stays. */
void sr_job_clear(sr_job *job);

/* sr_outbox_list - jobs in the states of state_mask (bits 1u << state; 0:
 * all), oldest first, as an array freed with sr_outbox_list_free. */
int sr_outbox_list(sr_store *st, unsigned state_mask, sr_job **out, size_t *n, sr_error *err);
void sr_outbox_list_free(sr_job *jobs, size_t n);

/*
 * sr_outbox_claim - take the oldest due pending job whose target is target
 * (NULL: any target an HTTP/built-in driver serves), with a lease of
 * lease_s seconds for worker.  Fills *job (sr_job_clear it).  Returns
 * SR_OK, or SR_ENOTFOUND when nothing is due.
 */
int sr_outbox_claim(sr_store *st, const char *target, const char *worker, int lease_s,
                    sr_job *job, sr_error *err);

/* sr_outbox_complete - mark done (remote_id may be NULL).  SR_EEXIST when
 * the lease was lost to another worker (the job is left alone). */
int sr_outbox_complete(sr_store *st, uint64_t job_id, const char *worker, const char *remote_id,
                       sr_error *err);

/*
 * sr_outbox_fail - record a failed attempt.  permanent parks the job as
 * failed; otherwise it is retried after retry_after seconds when > 0
 * (a server's Retry-After), else after an exponential backoff with jitter.
 * After handoff.max_attempts attempts it is parked as failed.
 * A "deliver" job (an agent's reply) parked as failed is told on its
 * ticket in the same transaction: a note in the transcript (SR_DIR_NOTE,
 * author "sentiroute": "Reply #SEQ was not delivered (outbox job ID):
 * why"), the tag "undelivered" (dropped when a later reply of the ticket
 * is delivered), status open again if it was pending, and for a ticket at
 * zendesk, rt or webhook the note as a "comment" job (an internal note or
 * comment there; gorgias would post it as the customer's message: not
 * sent).  A warning names the ticket and the job, never the text.
 */
int sr_outbox_fail(sr_store *st, uint64_t job_id, const char *worker, int permanent,
                   int retry_after, const char *why, sr_error *err);

/*
 * sr_outbox_undelivered - a "deliver" job recorded done that turned out
 * not to have arrived (a bounce after the confirmation): parked as failed
 * with why (NULL: "not delivered") and told on its ticket as by
 * sr_outbox_fail.  SR_EEXIST when it is failed already (nothing more is
 * noted), SR_EINVAL for another kind of job or one not done, SR_ENOTFOUND.
 * Thread-safe.
 */
int sr_outbox_undelivered(sr_store *st, uint64_t job_id, const char *why, sr_error *err);

/*
 * sr_outbox_undelivered_later - as sr_outbox_undelivered, for a temporary
 * failure (an XMPP error of type "wait": retry after waiting): the done
 * reply is pending again with why as its last error, due after
 * retry_after seconds when > 0, else after the backoff of a failed
 * attempt; one that has had handoff.max_attempts attempts is parked as
 * failed and noted as by sr_outbox_undelivered.  *state (NULL ok) gets
 * SR_JOB_PENDING or SR_JOB_FAILED.  Return codes as sr_outbox_undelivered.
 * Thread-safe.
 */
int sr_outbox_undelivered_later(sr_store *st, uint64_t job_id, int retry_after, const char *why,
                                sr_job_state *state, sr_error *err);

/* sr_outbox_get - one job by id into *job (sr_job_clear it).  SR_ENOTFOUND
 * when there is none.  Thread-safe (a read transaction). */
int sr_outbox_get(sr_store *st, uint64_t job_id, sr_job *job, sr_error *err);

/* sr_outbox_retry - make a failed (or pending) job due now, attempts reset;
 * SR_EEXIST while a worker holds its lease (it is being sent). */
int sr_outbox_retry(sr_store *st, uint64_t job_id, sr_error *err);

/* sr_outbox_drop - delete a job (an admin's decision; logged).  SR_EEXIST,
 * naming the worker, while a worker holds its lease (it is being sent and
 * may still arrive), unless force (then logged as a warning). */
int sr_outbox_drop(sr_store *st, uint64_t job_id, int force, sr_error *err);

/*
 * sr_outbox_run - deliver due handoff and comment jobs with the configured
 * driver: one pass over the jobs due when it starts (or max jobs when
 * max > 0), each tried at most once; a job that fails waits for its
 * backoff and a later run.  *delivered and
 * *failed (may be NULL) count outcomes.  Blocking; thread-safe.
 * sr_outbox_run_jobs(st, SR_OUTBOX_HANDOFF, ...).
 */
int sr_outbox_run(sr_store *st, const char *worker, size_t max, size_t *delivered,
                  size_t *failed, sr_error *err);

/* What a run or a worker delivers (bits for sr_outbox_run_jobs). */
#define SR_OUTBOX_HANDOFF 0x1u  /* handoff and comment jobs: the handoff.method driver */
#define SR_OUTBOX_EMAIL 0x2u    /* deliver jobs of the email channel: agent replies sent
                                 * by SMTP through reply.email.relay (while the relay
                                 * or the From address is unset they wait) */

/*
 * sr_outbox_run_jobs - as sr_outbox_run, for the kinds of jobs in what.
 * Each batch of jobs is delivered with the context current when the batch
 * starts (sr_store_set_ctx).  Blocking; thread-safe.
 */
int sr_outbox_run_jobs(sr_store *st, unsigned what, const char *worker, size_t max,
                       size_t *delivered, size_t *failed, sr_error *err);

/* sr_outbox_waiting - *n gets the number of pending jobs (due or not)
 * that sr_outbox_run_jobs(what) would deliver.  Thread-safe. */
int sr_outbox_waiting(sr_store *st, unsigned what, size_t *n, sr_error *err);

/* An outbox worker thread for daemons. */
typedef struct sr_outbox_worker sr_outbox_worker;

/* sr_outbox_worker_start - a thread that runs sr_outbox_run every
 * poll_ms milliseconds (and at once after sr_outbox_worker_kick). */
sr_outbox_worker *sr_outbox_worker_start(sr_store *st, const char *worker, int poll_ms,
                                         sr_error *err) SR_WARN_UNUSED;
/* sr_outbox_worker_start_jobs - the same for the jobs in what (SR_OUTBOX_*):
 * the milter's worker also sends email replies. */
sr_outbox_worker *sr_outbox_worker_start_jobs(sr_store *st, unsigned what, const char *worker,
                                              int poll_ms, sr_error *err) SR_WARN_UNUSED;
void sr_outbox_worker_kick(sr_outbox_worker *w);
/* sr_outbox_worker_stop - finish the current job, join, free.  NULL ok. */
void sr_outbox_worker_stop(sr_outbox_worker *w);

/* ------------------------------------------------------------------------
 * Routing
 *
 * Rules (config route.rules) are evaluated in order; each matching rule
 * applies its actions and stops evaluation unless it says stop = false.
 * ------------------------------------------------------------------------ */

typedef struct sr_route_result {
    char queue[64];
    sr_priority priority;
    char tags[512];            /* comma-separated */
    char assignee_group[64];
    int handoff;               /* a rule asked for a human */
    char add_recipient[256];
    char rule[64];             /* the first matching rule's name, "" none */
} sr_route_result;

/*
 * sr_route_eval - route one scored message: profile (NULL: none) supplies
 * order value and VIP, turned_worse the conversation state.  Fills *out.
 * Returns SR_OK or SR_EINVAL.  Thread-safe; allocates nothing.
 */
int sr_route_eval(const sr_ctx *ctx, const sr_message *msg, const sr_sentiment *s,
                  const sr_profile *profile, int turned_worse, sr_route_result *out,
                  sr_error *err);

/*
 * sr_route_addr_ok - 1 when addr is a recipient a rule may add (add_recipient):
 * local@domain of printable ASCII, at most 254 bytes, without blanks,
 * brackets, quotes, backslashes, commas, semicolons or colons; what an
 * adapter may hand its MTA as is (the configuration refuses anything else).
 */
int sr_route_addr_ok(const char *addr);

/* ------------------------------------------------------------------------
 * Saved views (config "views")
 * ------------------------------------------------------------------------ */

/* sr_config_view - the filter of the saved view name (strings borrowed
 * from cfg).  SR_ENOTFOUND when there is none. */
int sr_config_view(const sr_config *cfg, const char *name, sr_ticket_filter *out);

/* sr_config_view_name - the i-th view's name, or NULL past the end. */
const char *sr_config_view_name(const sr_config *cfg, size_t i);

/* ------------------------------------------------------------------------
 * Webhook signatures (for adapters that receive signed callbacks)
 * ------------------------------------------------------------------------ */

#define SR_HMAC_SHA256_LEN 32

/* sr_hmac_sha256 - HMAC-SHA256 (RFC 2104) under key of m1 followed by m2
 * (m2 may be NULL) into out.  Zendesk signs timestamp + body this way.
 * Thread-safe; allocates nothing. */
void sr_hmac_sha256(const void *key, size_t keylen, const void *m1, size_t len1, const void *m2,
                    size_t len2, unsigned char out[SR_HMAC_SHA256_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* SENTIROUTE_H */
