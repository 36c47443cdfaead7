/*
 * noop_milter - the baseline for bench_milter: a libmilter filter that
 * asks Postfix for what sentiroute-milter asks for (connect, envelope,
 * headers and end of headers without replies (SMFIP_NR_HDR, SMFIP_NR_EOH),
 * body, end of message; may add
 * and change headers and add recipients) and does nothing with it.
 *
 *   noop_milter SOCKET        e.g. inet:7001@127.0.0.1
 *
 * Its listening socket gets TCP_NODELAY as sentiroute-milter's does
 * (plugins/milter/nodelay.h), so the two differ in the work done only.
 * Runs in the foreground until SIGTERM/SIGINT (libmilter's own handling).
 */
#include "build-config.h"

#include <libmilter/mfapi.h>

#include "nodelay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void)ctx, (void)host, (void)addr;
    return SMFIS_CONTINUE;
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
    (void)ctx, (void)argv;
    return SMFIS_CONTINUE;
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
    (void)ctx, (void)argv;
    return SMFIS_CONTINUE;
}

static int nr_hdr;   /* the MTA sends headers without waiting for replies */
static int nr_eoh;   /* and the end of headers */

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT;
    (void)ctx, (void)f2, (void)f3;
    *pf0 = f0 & need;
    *pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP | SMFIP_NR_HDR | SMFIP_NR_EOH);
    *pf2 = *pf3 = 0;
    nr_hdr = (f1 & SMFIP_NR_HDR) != 0;
    nr_eoh = (f1 & SMFIP_NR_EOH) != 0;
    return SMFIS_CONTINUE;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    (void)ctx, (void)name, (void)value;
    return nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_data(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat on_eoh(SMFICTX *ctx)
{
    (void)ctx;
    return nr_eoh ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void)ctx, (void)chunk, (void)len;
    return SMFIS_CONTINUE;
}

static sfsistat on_eom(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_ACCEPT;
}

static sfsistat on_abort(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static struct smfiDesc filter = {
    .xxfi_name = "noop_milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT,
    .xxfi_connect = on_connect,
    .xxfi_envfrom = on_envfrom,
    .xxfi_envrcpt = on_envrcpt,
    .xxfi_data = on_data,
    .xxfi_header = on_header,
    .xxfi_eoh = on_eoh,
    .xxfi_body = on_body,
    .xxfi_eom = on_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
    .xxfi_negotiate = on_negotiate,
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: noop_milter SOCKET (e.g. inet:7001@127.0.0.1)\n");
        return 2;
    }
    if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(filter) != MI_SUCCESS ||
        smfi_opensocket(1) != MI_SUCCESS) {
        fprintf(stderr, "noop_milter: cannot listen on %s\n", argv[1]);
        return 1;
    }
    srm_listen_nodelay();   /* the same socket as sentiroute-milter's */
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
