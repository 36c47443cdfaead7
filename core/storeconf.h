/*
 * storeconf.h - configuration pieces of the store, route and handoff
 * modules that config.c's key table refers to (internal)
 */
#ifndef SR_STORECONF_H
#define SR_STORECONF_H

#include "config.h"

extern const char *const srp_priority_names[];   /* low normal high urgent */
extern const char *const srp_method_names[];     /* helpdesk zendesk ... none */
extern const srp_custom srp_rules_custom;        /* route.rules */
extern const srp_custom srp_views_custom;        /* views */

/* srp_custom_find - the hooks of an SRP_CT_CUSTOM key (never NULL for one) */
const srp_custom *srp_custom_find(const char *path);

/* srp_storeconf_validate - cross-key checks (method needs its url and
 * secret, URLs are https or loopback http) */
int srp_storeconf_validate(sr_config *cfg, const char *file, sr_error *err);

/* srp_smtp_validate - reply.email: addresses, relay URL, no password in
 * clear over a network (drv_smtp.c) */
int srp_smtp_validate(sr_config *cfg, const char *file, sr_error *err);

/* Secrets (secret.c) */
sr_secret *srp_secret_load(const char *path, sr_error *err);
void srp_secret_free(sr_secret *s);
const char *srp_secret_data(const sr_secret *s, size_t *len);
const char *srp_secret_path(const sr_secret *s);

#endif
