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
    double alpha_negative;
    double hits_norm;
    double words_norm;
    double urgent_below, urgent_floor;
    double promoter_min, promoter_floor;
    double negative_below, positive_above;

    /* milter (sentiroute-milter, plugins/milter) */
    char *milter_socket;
    char *milter_user;
    srp_strlist milter_recipients;
    srp_strlist milter_domains;
    int milter_on_error;
    long long milter_max_scan_bytes;
    int milter_max_parts;
    int milter_max_depth;
    int milter_strip_quotes;
    int milter_tickets;
    int milter_timeout;
};

typedef enum srp_ctype {
    SRP_CT_BOOL,
    SRP_CT_INT,
    SRP_CT_INT64,
    SRP_CT_FLOAT,
    SRP_CT_STRING,
    SRP_CT_ENUM,
    SRP_CT_STRLIST
} srp_ctype;

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

/* srp_config_load_string - parse configuration text (tests, -e). */
sr_config *srp_config_load_string(const char *text, const char *name, sr_error *err);

#endif
