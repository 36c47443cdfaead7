/*
 * srs_settings.c - the "sms" section of the configuration, secrets
 *
 * The core keeps every key in its declarative table (core/config.c); the
 * shim reads them through the public getters, once per (re)load, into a
 * plain struct that request threads use without locks.  Strings are
 * borrowed from the config, which the struct references.
 */
#include "build-config.h"

#include "srs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const srs_langs[SRS_NLANG] = {"en", "de", "fr", "es", "pl"};

void srs_secret_clear(srs_secret *s)
{
    if (s->buf) {
        memset(s->buf, 0, s->len);   /* best effort: not left in freed memory */
        free(s->buf);
    }
    s->buf = NULL;
    s->len = 0;
}

int srs_secret_read(const char *path, const char *key, srs_secret *out, sr_error *err)
{
    struct stat st;
    char buf[4097];
    ssize_t n;
    int fd;

    out->buf = NULL;
    out->len = 0;
    if (path == NULL || *path == '\0')
        return SR_OK;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return srs_fail(err, SR_ECONFIG, key, "cannot read %s", path);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return srs_fail(err, SR_ECONFIG, key, "%s is not a regular file", path);
    }
    if (st.st_mode & S_IROTH) {
        close(fd);
        return srs_fail(err, SR_ECONFIG, key, "%s is readable by others (chmod o-r)", path);
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return srs_fail(err, SR_ECONFIG, key, "cannot read %s", path);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (n == 0)
        return srs_fail(err, SR_ECONFIG, key, "%s is empty", path);
    if (n == (ssize_t)sizeof(buf) - 1)
        return srs_fail(err, SR_ECONFIG, key, "%s is longer than 4096 bytes", path);
    out->buf = malloc((size_t)n + 1);
    if (out->buf == NULL)
        return srs_fail(err, SR_ENOMEM, key, "out of memory");
    memcpy(out->buf, buf, (size_t)n);
    out->buf[n] = '\0';
    out->len = (size_t)n;
    memset(buf, 0, sizeof(buf));
    return SR_OK;
}

srs_settings *srs_settings_ref(srs_settings *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void srs_settings_free(srs_settings *s)
{
    if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    srs_secret_clear(&s->secret);
    srs_secret_clear(&s->sendsms_password);
    srs_secret_clear(&s->twilio_token);
    srs_secret_clear(&s->zendesk_secret);
    srs_secret_clear(&s->gorgias_token);
    sr_config_unref(s->cfg);
    free(s);
}

/* getters that cannot fail for keys of the table (checked by the tests) */
static const char *gstr(const sr_config *c, const char *key)
{
    const char *v = "";

    if (sr_config_get_string(c, key, &v) != SR_OK || v == NULL)
        return "";
    return v;
}

static long long gint(const sr_config *c, const char *key)
{
    long long v = 0;

    sr_config_get_int(c, key, &v);
    return v;
}

srs_settings *srs_settings_load(sr_config *cfg, sr_error *err)
{
    srs_settings *s = calloc(1, sizeof(*s));
    const char *method;
    char key[64];
    int b = 0, rc;

    if (s == NULL) {
        srs_fail(err, SR_ENOMEM, "sms", "out of memory");
        return NULL;
    }
    s->refs = 1;
    s->cfg = sr_config_ref(cfg);
    snprintf(s->listen, sizeof(s->listen), "%s", gstr(cfg, "sms.listen"));
    s->max_connections = (int)gint(cfg, "sms.max_connections");
    s->max_request_bytes = gint(cfg, "sms.max_request_bytes");
    s->max_text_bytes = gint(cfg, "sms.max_text_bytes");
    s->request_timeout = (int)gint(cfg, "sms.request_timeout");
    s->reply = strcmp(gstr(cfg, "sms.reply"), "empty") == 0 ? SRS_REPLY_EMPTY : SRS_REPLY_ACK;
    sr_config_get_bool(cfg, "sms.ack_every", &b);
    s->ack_every = b;
    s->default_language = gstr(cfg, "sms.default_language");
    for (int i = 0; i < SRS_NLANG; i++) {
        snprintf(key, sizeof(key), "sms.ack.%s", srs_langs[i]);
        s->ack[i] = gstr(cfg, key);
        snprintf(key, sizeof(key), "sms.handoff_text.%s", srs_langs[i]);
        s->handoff_text[i] = gstr(cfg, key);
    }
    s->keywords = gstr(cfg, "sms.handoff_keywords");
    s->keyword_max_words = (int)gint(cfg, "sms.keyword_max_words");
    sr_config_get_float(cfg, "sms.handoff_below", &s->handoff_below);
    s->default_country = gstr(cfg, "conversation.default_country");
    s->deliver = strcmp(gstr(cfg, "sms.deliver"), "smstools") == 0 ? SRS_DELIVER_SMSTOOLS
                 : strcmp(gstr(cfg, "sms.deliver"), "off") == 0    ? SRS_DELIVER_OFF
                                                                   : SRS_DELIVER_KANNEL;
    s->sendsms_url = gstr(cfg, "sms.sendsms_url");
    s->sendsms_username = gstr(cfg, "sms.sendsms_username");
    s->sendsms_from = gstr(cfg, "sms.sendsms_from");
    s->sendsms_smsc = gstr(cfg, "sms.sendsms_smsc");
    s->deliver_poll_ms = (int)gint(cfg, "sms.deliver_poll_ms");
    s->deliver_timeout = (int)gint(cfg, "sms.deliver_timeout");
    b = 1;
    sr_config_get_bool(cfg, "sms.outbox_worker", &b);
    s->outbox_worker = b;
    s->smstools_outgoing = gstr(cfg, "sms.smstools_outgoing");
    s->dedupe_window = gint(cfg, "sms.dedupe_window");
    s->dedupe_max = gint(cfg, "sms.dedupe_max");
    s->twilio_url = gstr(cfg, "sms.twilio_url");
    s->webhook_max_age = (int)gint(cfg, "sms.webhook_max_age");
    s->user = gstr(cfg, "sms.user");
    method = gstr(cfg, "handoff.method");
    s->method_none = strcmp(method, "none") == 0;
    s->none_message = gstr(cfg, "handoff.none.message");
    /* the name the store puts in its external ids ("store.instance" with
     * bytes outside [A-Za-z0-9.-] as '_', else the host name) */
    sr_store_instance_name(cfg, s->hostname, sizeof(s->hostname));
    s->instance = s->hostname;

    rc = srs_allow_parse(gstr(cfg, "sms.allow_ip"), &s->allow, err);
    if (rc == SR_OK && s->deliver == SRS_DELIVER_KANNEL && *s->sendsms_url &&
        strncmp(s->sendsms_url, "http://", 7) != 0 && strncmp(s->sendsms_url, "https://", 8) != 0)
        rc = srs_fail(err, SR_ECONFIG, "sms.sendsms_url", "not an http(s) URL: %s", s->sendsms_url);
    if (rc == SR_OK)
        rc = srs_secret_read(gstr(cfg, "sms.secret_file"), "sms.secret_file", &s->secret, err);
    if (rc == SR_OK)
        rc = srs_secret_read(gstr(cfg, "sms.sendsms_password_file"), "sms.sendsms_password_file",
                             &s->sendsms_password, err);
    if (rc == SR_OK)
        rc = srs_secret_read(gstr(cfg, "sms.twilio_token_file"), "sms.twilio_token_file",
                             &s->twilio_token, err);
    if (rc == SR_OK)
        rc = srs_secret_read(gstr(cfg, "sms.zendesk_secret_file"), "sms.zendesk_secret_file",
                             &s->zendesk_secret, err);
    if (rc == SR_OK)
        rc = srs_secret_read(gstr(cfg, "sms.gorgias_token_file"), "sms.gorgias_token_file",
                             &s->gorgias_token, err);
    if (rc != SR_OK) {
        if (err && err->where[0] && strchr(err->where, ':') == NULL) {
            /* name the file too, as config errors do */
            char w[sizeof(err->where)];
            snprintf(w, sizeof(w), "%.80s: %.70s", sr_config_path(cfg), err->where);
            memcpy(err->where, w, sizeof(w));
        }
        srs_settings_free(s);
        return NULL;
    }
    return s;
}

const char *srs_text_for(const srs_settings *s, const char *const texts[SRS_NLANG],
                         const char *lang)
{
    for (int pass = 0; pass < 3; pass++) {
        const char *want = pass == 0 ? lang : pass == 1 ? s->default_language : "en";
        for (int i = 0; want && i < SRS_NLANG; i++)
            if (strcmp(want, srs_langs[i]) == 0)
                return texts[i];
    }
    return texts[0];
}
