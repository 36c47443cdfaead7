/*
 * codec.h - base64, hex and constant-time comparison (internal)
 *
 * One copy for the core (HTTP Basic auth, MIME bodies, webhook
 * signatures) and for the adapters that check signed webhooks: the SMS
 * shim and the XMPP bridge compile codec.c into their own convenience
 * libraries, since libsentiroute exports only sr_*.
 */
#ifndef SR_CODEC_H
#define SR_CODEC_H

#include <stddef.h>

/* srp_base64_encode - RFC 4648 base64 with padding of buf[0..len) into
 * out (4*ceil(len/3)+1 bytes), NUL-terminated */
void srp_base64_encode(const void *buf, size_t len, char *out);

/* srp_base64_decode - base64 in[0..len) up to the first '=' (padding and
 * what follows are ignored) into out[0..size), its length in *outlen; 1
 * when decoded, 0 on a byte outside the alphabet or when size is short */
int srp_base64_decode(const char *in, size_t len, void *out, size_t size, size_t *outlen);

/* srp_hex - lower-case hex of buf into out (2*len+1 bytes). */
void srp_hex(const unsigned char *buf, size_t len, char *out);

/* srp_ct_equal - 1 when a[0..alen) equals b[0..blen), else 0; the time
 * taken depends on the lengths only, not on where the bytes differ */
int srp_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
