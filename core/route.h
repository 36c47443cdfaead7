/*
 * route.h - routing rules and saved views (internal)
 */
#ifndef SR_ROUTE_H
#define SR_ROUTE_H

#include "config.h"

typedef struct srp_rule {
    char *name;
    /* conditions; zero / -1 means "any" */
    unsigned labels;          /* 1u << sr_label */
    double score_min, score_max;
    unsigned flags_all, flags_any;
    unsigned channels;        /* 1u << sr_channel */
    srp_strlist langs;
    srp_strlist keywords;     /* folded word keys joined by single spaces */
    int vip;                  /* -1 any, 0, 1 */
    int has_profile;          /* -1 any, 0, 1 */
    int turned_worse;         /* -1 any, 0, 1 */
    double order_min, order_max;   /* < 0: unset */
    /* actions; NULL / -1 means "leave" */
    char *queue;
    int priority;
    srp_strlist tags;
    char *assignee_group;
    int handoff;              /* -1 leave, 0 no, 1 yes */
    char *add_recipient;
    int stop;
} srp_rule;

typedef struct srp_rules {
    srp_rule *v;
    size_t n;
} srp_rules;

typedef struct srp_view {
    char *name;
    unsigned labels, statuses, channels;
    char *queue, *lang, *tag;
    int vip;
    int sort, reverse;
    long long limit;
} srp_view;

typedef struct srp_views {
    srp_view *v;
    size_t n;
} srp_views;

/* What routing looks at. */
typedef struct srp_route_in {
    sr_channel channel;
    const char *text;
    size_t len;
    const sr_sentiment *s;
    const sr_profile *profile;    /* NULL: none matched */
    int turned_worse;
} srp_route_in;

/* srp_route_eval - apply cfg's rules in order to in; fills *out (starting
 * from the defaults).  Thread-safe, allocates nothing. */
void srp_route_eval(const sr_config *cfg, const srp_route_in *in, sr_route_result *out);

/* srp_tags_add - add tag to a comma-separated list (no duplicates, capped) */
void srp_tags_add(char *tags, size_t size, const char *tag);

#endif
