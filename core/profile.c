/*
 * profile.c - customer profiles: lookup, store, import from CSV or JSON
 *
 * A profile is stored once per key it can be found by: "e:<email>",
 * "p:<E.164>", "j:<bare jid>".  Import is one transaction: a bad row
 * rejects the whole file with its line number, nothing half-imported.
 */
#include "build-config.h"

#include "store.h"

#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *profile_json(const sr_profile *p)
{
    return json_pack("{ss ss ss sf sb ss}", "key", p->key, "name", p->name, "pid",
                     p->profile_id, "ov", p->order_value, "vip", p->vip != 0, "email", p->email);
}

/* srp_profile_lookup - 1 and *out when key has a profile */
int srp_profile_lookup(sr_store *st, MDB_txn *txn, const char *key, sr_profile *out)
{
    json_t *j;
    const char *s;

    if (strlen(key) > 500 || srp_get_json(st, txn, st->profiles, key, strlen(key), &j, NULL))
        return 0;
    memset(out, 0, sizeof(*out));
    srp_strlcpy(out->key, key + 2, sizeof(out->key));
    if ((s = json_string_value(json_object_get(j, "name"))))
        srp_strlcpy(out->name, s, sizeof(out->name));
    if ((s = json_string_value(json_object_get(j, "pid"))))
        srp_strlcpy(out->profile_id, s, sizeof(out->profile_id));
    if ((s = json_string_value(json_object_get(j, "email"))))
        srp_strlcpy(out->email, s, sizeof(out->email));
    out->order_value = json_number_value(json_object_get(j, "ov"));
    out->vip = json_is_true(json_object_get(j, "vip"));
    json_decref(j);
    return 1;
}

/* keys_of - the store keys of a profile key: email, number or JID */
static int key_of(const sr_config *cfg, const char *raw, char *out, size_t size)
{
    char e164[17], low[256];

    if (*raw == '\0')
        return SR_EINVAL;
    if (strchr(raw, '@') == NULL) {
        if (sr_e164_normalize(raw, cfg->conv_default_country, e164) != SR_OK)
            return SR_EINVAL;
        snprintf(out, size, "p:%s", e164);
        return SR_OK;
    }
    srp_strlcpy(low, raw, sizeof(low));
    low[strcspn(low, "/")] = '\0';
    for (char *c = low; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    /* a JID has no dots-only local part rule we can rely on: profiles
     * name it by its column, so callers pass the prefix they mean */
    snprintf(out, size, "e:%s", low);
    return SR_OK;
}

typedef struct prow {
    char email[256], phone[64], jid[256];
    sr_profile p;
} prow;

static int put_key(sr_store *st, MDB_txn *txn, const char *key, const sr_profile *p,
                   sr_error *err)
{
    json_t *j = profile_json(p);
    int rc;

    if (j == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, "profile", "out of memory");
    rc = srp_put_json(st, txn, st->profiles, key, strlen(key), j, err);
    json_decref(j);
    return rc;
}

/* row_put - store one profile under each key it has */
static int row_put(sr_store *st, MDB_txn *txn, prow *r, const char *where, sr_error *err)
{
    char key[300];
    int n = 0, rc;

    if (*r->email) {
        if (key_of(st->cfg, r->email, key, sizeof(key)) != SR_OK || key[0] != 'e')
            return srp_error(err, SR_EFORMAT, 0, where, "bad email \"%.80s\"", r->email);
        srp_strlcpy(r->p.email, key + 2, sizeof(r->p.email));
        if ((rc = put_key(st, txn, key, &r->p, err)) != SR_OK)
            return rc;
        n++;
    }
    if (*r->phone) {
        char e164[17];
        if (sr_e164_normalize(r->phone, st->cfg->conv_default_country, e164) != SR_OK)
            return srp_error(err, SR_EFORMAT, 0, where, "bad phone number \"%.40s\"", r->phone);
        snprintf(key, sizeof(key), "p:%s", e164);
        if ((rc = put_key(st, txn, key, &r->p, err)) != SR_OK)
            return rc;
        n++;
    }
    if (*r->jid) {
        char low[256];
        srp_strlcpy(low, r->jid, sizeof(low));
        low[strcspn(low, "/")] = '\0';
        for (char *c = low; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        snprintf(key, sizeof(key), "j:%s", low);
        if ((rc = put_key(st, txn, key, &r->p, err)) != SR_OK)
            return rc;
        n++;
    }
    if (n == 0)
        return srp_error(err, SR_EFORMAT, 0, where, "row has no email, phone or jid");
    return SR_OK;
}

/* set_col - one named value of a row */
static int set_col(prow *r, const char *col, const char *val, const char *where, sr_error *err)
{
    if (strcmp(col, "email") == 0)
        srp_strlcpy(r->email, val, sizeof(r->email));
    else if (strcmp(col, "phone") == 0)
        srp_strlcpy(r->phone, val, sizeof(r->phone));
    else if (strcmp(col, "jid") == 0)
        srp_strlcpy(r->jid, val, sizeof(r->jid));
    else if (strcmp(col, "name") == 0)
        srp_strlcpy(r->p.name, val, sizeof(r->p.name));
    else if (strcmp(col, "profile_id") == 0)
        srp_strlcpy(r->p.profile_id, val, sizeof(r->p.profile_id));
    else if (strcmp(col, "order_value") == 0) {
        char *end;
        if (*val == '\0')
            return SR_OK;
        errno = 0;
        r->p.order_value = strtod(val, &end);
        if (errno || *end || r->p.order_value < 0)
            return srp_error(err, SR_EFORMAT, 0, where, "bad order_value \"%.40s\"", val);
    } else if (strcmp(col, "vip") == 0) {
        r->p.vip = strcmp(val, "1") == 0 || strcasecmp(val, "true") == 0 ||
                   strcasecmp(val, "yes") == 0;
    }
    return SR_OK;
}

/* csv_fields - split one CSV line (RFC 4180 quotes, no embedded newlines) */
static size_t csv_fields(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;

    while (n < max) {
        char *o;
        f[n++] = o = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    break;
                if (*p == '"' && p[1] == '"') {
                    *o++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
            while (*p && *p != ',')
                p++;
        } else {
            while (*p && *p != ',')
                *o++ = *p++;
        }
        if (*p == ',') {
            *o = '\0';
            p++;
            continue;
        }
        *o = '\0';
        break;
    }
    for (size_t i = 0; i < n; i++) {   /* trim */
        char *s = f[i];
        while (*s == ' ')
            s++;
        size_t k = strlen(s);
        while (k && (s[k - 1] == ' ' || s[k - 1] == '\r' || s[k - 1] == '\n'))
            s[--k] = '\0';
        f[i] = s;
    }
    return n;
}

typedef struct import_job {
    const char *path;
    int json;
    size_t count;
} import_job;

static int import_csv(sr_store *st, MDB_txn *txn, import_job *ij, FILE *fp, sr_error *err)
{
    char line[4096], hdr[4096], *cols[32], *vals[32], where[160];
    size_t ncols, lineno = 1;
    int rc;

    if (fgets(hdr, sizeof(hdr), fp) == NULL)
        return srp_error(err, SR_EFORMAT, 0, ij->path, "empty file");
    /* Excel's "CSV UTF-8" starts with a byte order mark */
    if (strncmp(hdr, "\xef\xbb\xbf", 3) == 0)
        memmove(hdr, hdr + 3, strlen(hdr + 3) + 1);
    ncols = csv_fields(hdr, cols, 32);
    for (size_t i = 0; i < ncols; i++)
        for (char *c = cols[i]; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    while (fgets(line, sizeof(line), fp) != NULL) {
        prow r;
        size_t nv;
        lineno++;
        snprintf(where, sizeof(where), "%s:%zu", ij->path, lineno);
        if (strchr(line, '\n') == NULL && !feof(fp))
            return srp_error(err, SR_EFORMAT, 0, where, "line longer than 4 KiB");
        if (line[strspn(line, " \r\n")] == '\0')
            continue;
        memset(&r, 0, sizeof(r));
        nv = csv_fields(line, vals, 32);
        for (size_t i = 0; i < nv && i < ncols; i++)
            if ((rc = set_col(&r, cols[i], vals[i], where, err)) != SR_OK)
                return rc;
        if ((rc = row_put(st, txn, &r, where, err)) != SR_OK)
            return rc;
        ij->count++;
    }
    return SR_OK;
}

static int import_json(sr_store *st, MDB_txn *txn, import_job *ij, FILE *fp, sr_error *err)
{
    json_error_t je;
    json_t *arr = json_loadf(fp, 0, &je), *o;
    char where[160];
    size_t i;
    int rc = SR_OK;

    if (arr == NULL) {
        snprintf(where, sizeof(where), "%s:%d", ij->path, je.line);
        return srp_error(err, SR_EFORMAT, 0, where, "%s", je.text);
    }
    if (!json_is_array(arr)) {
        json_decref(arr);
        return srp_error(err, SR_EFORMAT, 0, ij->path, "must be a JSON array of objects");
    }
    json_array_foreach(arr, i, o) {
        prow r;
        const char *key;
        json_t *v;
        char num[64];
        memset(&r, 0, sizeof(r));
        snprintf(where, sizeof(where), "%s: [%zu]", ij->path, i);
        if (!json_is_object(o)) {
            rc = srp_error(err, SR_EFORMAT, 0, where, "not an object");
            break;
        }
        json_object_foreach(o, key, v) {
            const char *val = json_string_value(v);
            if (json_is_number(v)) {
                snprintf(num, sizeof(num), "%.2f", json_number_value(v));
                val = num;
            } else if (json_is_boolean(v)) {
                val = json_is_true(v) ? "true" : "false";
            }
            if (val && (rc = set_col(&r, key, val, where, err)) != SR_OK)
                break;
        }
        if (rc != SR_OK || (rc = row_put(st, txn, &r, where, err)) != SR_OK)
            break;
        ij->count++;
    }
    json_decref(arr);
    return rc;
}

static int import_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    import_job *ij = arg;
    FILE *fp = fopen(ij->path, "r");
    int rc;

    if (fp == NULL)
        return srp_error(err, SR_EIO, errno, ij->path, "%s", strerror(errno));
    ij->count = 0;
    rc = ij->json ? import_json(st, txn, ij, fp, err) : import_csv(st, txn, ij, fp, err);
    fclose(fp);
    return rc;
}

static int profile_import(sr_store *st, const char *path, const char *format, size_t *count,
                      sr_error *err)
{
    import_job ij = {path, 0, 0};
    size_t n = path ? strlen(path) : 0;
    int rc;

    if (path == NULL)
        return srp_error(err, SR_EINVAL, 0, "profiles", "no file");
    if (format ? strcmp(format, "json") == 0 : n > 5 && strcmp(path + n - 5, ".json") == 0)
        ij.json = 1;
    else if (format && strcmp(format, "csv") != 0)
        return srp_error(err, SR_EINVAL, 0, "profiles", "format must be csv or json");
    rc = srp_store_write(st, import_write, &ij, err);
    if (count)
        *count = rc == SR_OK ? ij.count : 0;
    return rc;
}

typedef struct put_job {
    const sr_profile *p;
} put_job;

static int put_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    prow r;

    memset(&r, 0, sizeof(r));
    r.p = *((put_job *)arg)->p;
    if (r.p.key[0] == '+' || isdigit((unsigned char)r.p.key[0]))
        srp_strlcpy(r.phone, r.p.key, sizeof(r.phone));
    else if (strchr(r.p.key, '@'))
        srp_strlcpy(r.email, r.p.key, sizeof(r.email));
    if (*r.p.email && strcmp(r.p.email, r.p.key) != 0)
        srp_strlcpy(r.email, r.p.email, sizeof(r.email));
    if (*r.email && *r.phone == '\0' && strcmp(r.email, r.p.key) != 0)
        srp_strlcpy(r.jid, r.p.key, sizeof(r.jid));
    return row_put(st, txn, &r, "profile", err);
}

static int profile_put(sr_store *st, const sr_profile *p, sr_error *err)
{
    put_job pj = {p};

    if (p == NULL || p->key[0] == '\0')
        return srp_error(err, SR_EINVAL, 0, "profile", "profile has no key");
    return srp_store_write(st, put_write, &pj, err);
}

static int profile_get(sr_store *st, const char *key, sr_profile *out, sr_error *err)
{
    MDB_txn *txn;
    char k[300], e164[17];
    int rc, found;

    if (key == NULL || *key == '\0')
        return srp_error(err, SR_EINVAL, 0, "profile", "no key");
    if (strchr(key, '@') == NULL && sr_e164_normalize(key, st->cfg->conv_default_country,
                                                      e164) == SR_OK)
        snprintf(k, sizeof(k), "p:%s", e164);
    else
        key_of(st->cfg, key, k, sizeof(k));
    if ((rc = srp_store_read(st, &txn, err)) != SR_OK)
        return rc;
    found = srp_profile_lookup(st, txn, k, out);
    if (!found && k[0] == 'e') {
        k[0] = 'j';
        found = srp_profile_lookup(st, txn, k, out);
    }
    srp_store_read_end(st, txn);
    return found ? SR_OK : srp_error(err, SR_ENOTFOUND, 0, "profile", "no profile for %.200s",
                                     key);
}

/* sr_profile_import - profile_import on a view pinned to the current context */
int sr_profile_import(sr_store *store, const char *path, const char *format, size_t *count,
                      sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? profile_import(st, path, format, count, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_profile_put - profile_put on a view pinned to the current context */
int sr_profile_put(sr_store *store, const sr_profile *p, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? profile_put(st, p, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}

/* sr_profile_get - profile_get on a view pinned to the current context */
int sr_profile_get(sr_store *store, const char *key, sr_profile *out, sr_error *err)
{
    srp_pin pin;
    sr_store *st = srp_store_enter(store, &pin, err);
    int rc = st ? profile_get(st, key, out, err) : SR_EINVAL;

    srp_store_unpin(&pin);
    return rc;
}
