/*
 * message.c - sr_message: an inbound message that owns its strings
 */
#include "build-config.h"

#include "internal.h"
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct sr_message {
    sr_channel channel;
    char *text;
    size_t text_len;
    char *conversation;
    char *sender;
    char *lang_hint;
    int authenticated;
    int repaired;
    int truncated;
    int64_t timestamp;
    char *message_id;
    char *in_reply_to;
    char *references;
    char *subject;
    char *sender_name;
    char *email;
    char *handoff;
};

static const char *const channel_names[] = {"unknown", "email", "chat", "sms"};

const char *sr_channel_name(sr_channel ch)
{
    if ((unsigned)ch >= SR_ARRAY_LEN(channel_names))
        return "unknown";
    return channel_names[ch];
}

sr_channel sr_channel_parse(const char *name)
{
    for (unsigned i = 1; name && i < SR_ARRAY_LEN(channel_names); i++)
        if (strcmp(name, channel_names[i]) == 0)
            return (sr_channel)i;
    return SR_CHANNEL_UNKNOWN;
}

sr_message *sr_message_new(sr_channel ch, sr_error *err)
{
    sr_message *m = calloc(1, sizeof(*m));

    if (m == NULL) {
        srp_error(err, SR_ENOMEM, ENOMEM, "message", "out of memory");
        return NULL;
    }
    m->channel = ch;
    return m;
}

void sr_message_free(sr_message *m)
{
    if (m == NULL)
        return;
    free(m->text);
    free(m->conversation);
    free(m->sender);
    free(m->lang_hint);
    free(m->message_id);
    free(m->in_reply_to);
    free(m->references);
    free(m->subject);
    free(m->sender_name);
    free(m->email);
    free(m->handoff);
    free(m);
}

int sr_message_set_text(sr_message *m, const char *buf, size_t len, size_t max_bytes,
                        sr_error *err)
{
    char *out;
    size_t outlen;
    int rep, trunc;

    if (m == NULL || (buf == NULL && len > 0))
        return srp_error(err, SR_EINVAL, 0, "message", "no message or text");
    if (srp_utf8_repair(buf ? buf : "", len, max_bytes, &out, &outlen, &rep, &trunc) != SR_OK)
        return srp_error(err, SR_ENOMEM, ENOMEM, "message", "out of memory");
    free(m->text);
    m->text = out;
    m->text_len = outlen;
    m->repaired = rep;
    m->truncated = trunc;
    return SR_OK;
}

/* set_field - copy a short identity string without control characters */
static int set_field(char **field, const char *val, sr_error *err)
{
    char *copy = NULL;

    if (val != NULL) {
        size_t n = strlen(val), o = 0;
        char *rep;
        size_t replen;
        if (srp_utf8_repair(val, n > 1024 ? 1024 : n, 0, &rep, &replen, NULL, NULL) != SR_OK)
            return srp_error(err, SR_ENOMEM, ENOMEM, "message", "out of memory");
        copy = rep;
        for (size_t i = 0; i < replen; i++)
            if ((unsigned char)rep[i] >= 0x20 && rep[i] != 0x7f)
                copy[o++] = rep[i];
        copy[o] = '\0';
    }
    free(*field);
    *field = copy;
    return SR_OK;
}

int sr_message_set_conversation(sr_message *m, const char *key, sr_error *err)
{
    return set_field(&m->conversation, key, err);
}

int sr_message_set_sender(sr_message *m, const char *sender, sr_error *err)
{
    return set_field(&m->sender, sender, err);
}

int sr_message_set_lang_hint(sr_message *m, const char *lang, sr_error *err)
{
    return set_field(&m->lang_hint, lang, err);
}

void sr_message_set_authenticated(sr_message *m, int authenticated)
{
    m->authenticated = authenticated != 0;
}

void sr_message_set_timestamp(sr_message *m, int64_t unix_seconds)
{
    m->timestamp = unix_seconds;
}

sr_channel sr_message_channel(const sr_message *m)
{
    return m->channel;
}

const char *sr_message_text(const sr_message *m, size_t *len)
{
    if (len)
        *len = m->text ? m->text_len : 0;
    return m->text ? m->text : "";
}

const char *sr_message_conversation(const sr_message *m)
{
    return m->conversation ? m->conversation : "";
}

const char *sr_message_sender(const sr_message *m)
{
    return m->sender ? m->sender : "";
}

const char *sr_message_lang_hint(const sr_message *m)
{
    return m->lang_hint ? m->lang_hint : "";
}

int sr_message_authenticated(const sr_message *m)
{
    return m->authenticated;
}

int64_t sr_message_timestamp(const sr_message *m)
{
    return m->timestamp;
}

void sr_message_set_repaired(sr_message *m)
{
    if (m != NULL)
        m->repaired = 1;
}

int sr_message_text_repaired(const sr_message *m)
{
    return m->repaired;
}

int sr_message_text_truncated(const sr_message *m)
{
    return m->truncated;
}

/* Threading and requester fields (issue 4) */
int sr_message_set_message_id(sr_message *m, const char *id, sr_error *err)
{
    return set_field(&m->message_id, id, err);
}

int sr_message_set_in_reply_to(sr_message *m, const char *id, sr_error *err)
{
    return set_field(&m->in_reply_to, id, err);
}

/* references may be long (a deep thread): keep the last 1024 bytes' ids */
int sr_message_set_references(sr_message *m, const char *refs, sr_error *err)
{
    size_t n = refs ? strlen(refs) : 0;

    if (n > 1024) {
        refs += n - 1024;
        refs += strcspn(refs, " \t\r\n");
    }
    return set_field(&m->references, refs, err);
}

int sr_message_set_subject(sr_message *m, const char *subject, sr_error *err)
{
    return set_field(&m->subject, subject, err);
}

int sr_message_set_sender_name(sr_message *m, const char *name, sr_error *err)
{
    return set_field(&m->sender_name, name, err);
}

int sr_message_set_email(sr_message *m, const char *email, sr_error *err)
{
    return set_field(&m->email, email, err);
}

int sr_message_request_handoff(sr_message *m, const char *reason, sr_error *err)
{
    return set_field(&m->handoff, reason ? (*reason ? reason : "requested") : NULL, err);
}

const char *sr_message_handoff_request(const sr_message *m)
{
    return m->handoff ? m->handoff : "";
}

#define GETTER(f) \
    const char *sr_message_##f(const sr_message *m) { return m->f ? m->f : ""; }
GETTER(message_id)
GETTER(in_reply_to)
GETTER(references)
GETTER(subject)
GETTER(sender_name)
GETTER(email)
