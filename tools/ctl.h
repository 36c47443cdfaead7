/*
 * ctl.h - sentiroutectl commands on the store (issue 4), shared helpers
 */
#ifndef SRCTL_H
#define SRCTL_H

#include <sentiroute.h>

#include <stdio.h>

/* Global options every store command sees. */
typedef struct srctl_opts {
    const char *config_path;   /* -c, or NULL for the built-in defaults */
    const char *store_dir;     /* --store, or NULL for store.path */
} srctl_opts;

typedef int (*srctl_cmd_fn)(const srctl_opts *o, int argc, char **argv);

/* srctl_find - the store command called name, or NULL */
srctl_cmd_fn srctl_find(const char *name);

/* srctl_usage - the store commands' usage lines */
void srctl_usage(FILE *fp);

/* srctl_open - config, context and store; returns 0 or an exit status */
int srctl_open(const srctl_opts *o, unsigned flags, sr_ctx **ctx, sr_store **st);
void srctl_close(sr_ctx *ctx, sr_store *st);

int srctl_usage_error(const char *fmt, ...) SR_PRINTFLIKE(1, 2);

/* report and metrics (ctl_report.c) */
int srctl_report(const srctl_opts *o, int argc, char **argv);
int srctl_metrics(const srctl_opts *o, int argc, char **argv);

#endif
