/*
 * tickets.c - the store behind the milter (issue 4's API)
 *
 * Placeholder until the store lands: no store in this build, so the
 * milter scores and writes headers but opens no tickets.
 */
#include "build-config.h"

#include "srm.h"

#include <stdio.h>

int srm_tickets_open(const srm_conf *c, sr_error *err)
{
    (void)c;
    (void)err;
    return 0;
}

int srm_tickets_available(void)
{
    return 0;
}

int srm_ticket_append(const srm_conf *c, const sr_message *msg, const srm_mail *mail,
                      srm_ticket *out, sr_error *err)
{
    (void)c;
    (void)msg;
    (void)mail;
    (void)out;
    if (err) {
        err->code = SR_EUNSUPP;
        err->sys = 0;
        snprintf(err->where, sizeof(err->where), "tickets");
        snprintf(err->msg, sizeof(err->msg), "this build has no store");
    }
    return SR_EUNSUPP;
}

void srm_tickets_close(void)
{
}
