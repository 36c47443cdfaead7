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

/* sr_ctx_free - release the context.  NULL is fine.  No other thread may
 * use ctx during or after the call. */
void sr_ctx_free(sr_ctx *ctx);

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
#define SR_MOD_CONTRAST 0x10u /* weighted by a contrast word ("but") */

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

#ifdef __cplusplus
}
#endif

#endif /* SENTIROUTE_H */
