/*
 * srxtest.h - shared helpers for the sentiroute-xmpp unit tests (cmocka)
 */
#ifndef SRXTEST_H
#define SRXTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srx.h"

/* srxt_config - a configuration from text (written to a temporary file,
 * since sr_config_load reads files); fails the test on error */
static inline sr_config *srxt_config(const char *text)
{
    char path[] = "/tmp/srxtest-conf.XXXXXX";
    int fd = mkstemp(path);
    sr_config *cfg;
    sr_error err;
    FILE *fp;

    if (fd < 0)
        fail_msg("mkstemp");
    fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    cfg = sr_config_load(path, &err);
    unlink(path);
    if (cfg == NULL)
        fail_msg("config: %s: %s", err.where, err.msg);
    return cfg;
}

/* srxt_config_error - the error text a configuration gives, or "" */
static inline void srxt_conf_error(const char *text, char *out, size_t size)
{
    char path[] = "/tmp/srxtest-conf.XXXXXX";
    int fd = mkstemp(path);
    sr_config *cfg;
    srx_conf *c = NULL;
    sr_error err;
    FILE *fp;

    fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    out[0] = '\0';
    cfg = sr_config_load(path, &err);
    if (cfg != NULL) {
        c = srx_conf_new(cfg, &err);
        sr_config_unref(cfg);
    }
    unlink(path);
    if (c == NULL)
        snprintf(out, size, "%s: %s", err.where, err.msg);
    srx_conf_free(c);
}

#endif
