/*
 * config.h - the parsed configuration (internal)
 *
 * Every key is declared once in the table in config.c: path, type,
 * default, range, offset into struct sr_config, and a doc string.  The
 * parser walks the file, finds each setting in the table and rejects what
 * is not there.  A loaded config is immutable; reloads build a new one.
 */
#ifndef SR_CONFIG_H
#define SR_CONFIG_H

#include "sentiroute.h"

#include <stdatomic.h>
#include <stddef.h>

struct srp_rules;
struct srp_views;

typedef struct srp_strlist {
    char **v;
    size_t n;
} srp_strlist;

enum { SRP_SINK_STDERR = 0, SRP_SINK_SYSLOG = 1 };
enum { SRP_BACKEND_LEXICON = 0 };

struct sr_config {
    atomic_int refs;
    char *path;

    /* log */
    int log_level;
    int log_sink;
    char *log_ident;
    int log_facility;

    /* scoring */
    int backend;
    char *lexicon;
    srp_strlist languages;
    char *fallback_language;
    long long max_text_bytes;
    int max_cues;
    double alpha;
    double negative_knee;
    double hits_norm;
    double words_norm;
    double urgent_below, urgent_floor;
    double promoter_min, promoter_floor;
    double negative_below, positive_above;

    /* store, conversation, route, handoff (issue 4; see storeconf.c) */
    char *store_path;
    long long store_map_mb;
    int store_sync;
    int store_batch_max;
    char *store_instance;
    int store_max_readers;

    double conv_worse_drop;
    int conv_reopen_days;
    char *conv_default_country;
    int conv_transcript_max;
    long long conv_max_message_bytes;
    int conv_handoff_on_request;

    char *route_default_queue;
    int route_default_priority;
    struct srp_rules *rules;
    struct srp_views *views;

    int handoff_method;
    int http_timeout;
    int http_connect_timeout;
    int outbox_max_attempts;
    double outbox_backoff_base;
    int outbox_backoff_max;
    int outbox_lease;
    char *http_ca_file;
    char *none_message;
    srp_strlist none_links;
    char *zd_url, *zd_email;
    sr_secret *zd_token;
    long long zd_field_score, zd_field_label, zd_field_profile;
    char *gg_url, *gg_username, *gg_support_email;
    sr_secret *gg_key;
    char *wh_url;
    sr_secret *wh_secret;
    char *rt_url, *rt_queue, *rt_id_field, *rt_seq_field;
    sr_secret *rt_token;

    /* agent replies by email (reply.email, drv_smtp.c) */
    char *re_relay;
    int re_starttls;
    char *re_username;
    sr_secret *re_password;
    char *re_from;
    char *re_from_name;
    char *re_return_path;
    srp_strlist re_bcc;
    int re_auto_submitted;

    /* milter (sentiroute-milter, plugins/milter) */
    char *milter_socket;
    char *milter_user;
    srp_strlist milter_recipients;
    srp_strlist milter_domains;
    int milter_on_error;
    int milter_automatic;
    long long milter_max_scan_bytes;
    int milter_max_parts;
    int milter_max_depth;
    int milter_strip_quotes;
    int milter_tickets;
    int milter_timeout;

    /* sms: sentiroute-sms, the SMS shim (issue 7; plugins/sms) */
    char *sms_listen;
    int sms_max_connections;
    long long sms_max_request_bytes;
    long long sms_max_text_bytes;
    int sms_request_timeout;
    char *sms_allow_ip;
    char *sms_secret_file;
    int sms_reply;
    int sms_ack_every;
    char *sms_default_language;
    char *sms_ack[5];           /* en de fr es pl */
    char *sms_handoff_text[5];
    char *sms_handoff_keywords;
    int sms_keyword_max_words;
    double sms_handoff_below;
    int sms_deliver;
    char *sms_sendsms_url;
    char *sms_sendsms_username;
    char *sms_sendsms_password_file;
    char *sms_sendsms_from;
    char *sms_sendsms_smsc;
    int sms_deliver_poll_ms;
    int sms_deliver_timeout;
    int sms_outbox_worker;
    char *sms_smstools_outgoing;
    long long sms_dedupe_window;
    long long sms_dedupe_max;
    char *sms_twilio_token_file;
    char *sms_twilio_url;
    char *sms_zendesk_secret_file;
    char *sms_gorgias_token_file;
    int sms_webhook_max_age;
    char *sms_user;

    /* sentiroute-xmpp (plugins/xmpp) */
    int xmpp_mode;
    char *xmpp_server;
    int xmpp_port;
    char *xmpp_domain;
    char *xmpp_jid;
    char *xmpp_secret_file;
    int xmpp_tls;
    char *xmpp_user;
    char *xmpp_address;
    srp_strlist xmpp_auth_domains;
    char *xmpp_default_language;
    int xmpp_max_visitors;
    int xmpp_idle_timeout;
    int xmpp_max_body;
    double xmpp_rate;
    int xmpp_burst;
    double xmpp_reconnect_min;
    double xmpp_reconnect_max;
    double xmpp_ping_timeout;
    double xmpp_ping_interval;
    int xmpp_ask_first_line;
    char *xmpp_bot_jid;
    char *xmpp_bot_marker;
    srp_strlist xmpp_agents;
    int xmpp_agent_max_chats;
    char *xmpp_tz;
    srp_strlist xmpp_hours_open;
    srp_strlist xmpp_hours_closed;
    srp_strlist xmpp_text_welcome;
    srp_strlist xmpp_text_ask_connect;
    srp_strlist xmpp_text_ask_again;
    srp_strlist xmpp_text_declined;
    srp_strlist xmpp_text_ask_email;
    srp_strlist xmpp_text_bad_email;
    srp_strlist xmpp_text_connecting;
    srp_strlist xmpp_text_no_agent;
    srp_strlist xmpp_text_closed;
    srp_strlist xmpp_text_zendesk;
    srp_strlist xmpp_text_gorgias;
    srp_strlist xmpp_text_handed_off;
    srp_strlist xmpp_text_none;
    srp_strlist xmpp_text_agent_left;
    srp_strlist xmpp_text_slow_down;
    srp_strlist xmpp_text_busy;
    char *xmpp_wh_listen;
    char *xmpp_wh_path;
    char *xmpp_wh_signing_file;
    char *xmpp_wh_token_file;
    int xmpp_wh_max_body;
    int xmpp_wh_max_skew;
};

typedef enum srp_ctype {
    SRP_CT_BOOL,
    SRP_CT_INT,
    SRP_CT_INT64,
    SRP_CT_FLOAT,
    SRP_CT_STRING,
    SRP_CT_ENUM,
    SRP_CT_STRLIST,
    SRP_CT_SECRET,   /* a file name; the file's contents are held as sr_secret */
    SRP_CT_CUSTOM    /* a group or list parsed by srp_custom hooks */
} srp_ctype;

/* Hooks for SRP_CT_CUSTOM keys (lists of groups: route rules, views),
 * found by key path with srp_custom_find() (storeconf.c).
 * setting is a const config_setting_t *; path is the key path; parse
 * replaces *field, free releases it, dump writes it as libconfig text. */
typedef struct srp_custom {
    int (*parse)(void *field, const void *setting, const char *path, const char *file,
                 sr_error *err);
    void (*free)(void *field);
    int (*dump)(const void *field, int fd, int indent);
} srp_custom;

typedef struct srp_confdef {
    const char *path;
    srp_ctype type;
    size_t offset;
    const char *def;            /* default, as written in the file */
    double min, max;            /* numbers: range; strings: max length */
    const char *const *names;   /* ENUM: names, index = value; NULL-terminated */
    const char *doc;
} srp_confdef;

/* srp_config_table - the key table and its length (for docs and tests). */
const srp_confdef *srp_config_table(size_t *n);

/* srp_conf_error - an SR_ECONFIG error naming "file:line: path" of the
 * libconfig setting (a const config_setting_t *); returns SR_ECONFIG. */
int srp_conf_error(sr_error *err, const void *setting, const char *path, const char *file,
                   const char *fmt, ...) SR_PRINTFLIKE(5, 6);

/* srp_conf_write - write text to fd; 0 or -1 */
int srp_conf_write(int fd, const char *text);

/* srp_strlist_free - free the strings and the vector */
void srp_strlist_free(srp_strlist *l);

/* srp_config_load_string - parse configuration text (tests, -e). */
sr_config *srp_config_load_string(const char *text, const char *name, sr_error *err);

#endif
