/*
 * hmac.h - SHA-256 and HMAC-SHA256, SHA-1 and HMAC-SHA1 (internal)
 *
 * Small and self-contained so the core needs no libcrypto: only the
 * webhook driver signs, and libssl-dev is not among our build packages.
 * Checked against the FIPS 180-2 and RFC 4231 vectors in test_hmac.
 */
#ifndef SR_HMAC_H
#define SR_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define SRP_SHA256_LEN 32

/* the 64-byte block buffer and length count both hashes share */
typedef struct srp_md_buf {
    uint64_t bytes;
    unsigned char buf[64];
    size_t nbuf;
} srp_md_buf;

typedef struct srp_sha256 {
    uint32_t h[8];
    srp_md_buf b;
} srp_sha256;

void srp_sha256_init(srp_sha256 *c);
void srp_sha256_update(srp_sha256 *c, const void *data, size_t len);
void srp_sha256_final(srp_sha256 *c, unsigned char out[SRP_SHA256_LEN]);

/* srp_hmac_sha256 - HMAC(key, m1 || m2); m2 may be NULL. */
void srp_hmac_sha256(const void *key, size_t keylen, const void *m1, size_t len1,
                     const void *m2, size_t len2, unsigned char out[SRP_SHA256_LEN]);

/* SHA-1 and HMAC-SHA1: only for verifying providers that sign with it
 * (Twilio-style X-Twilio-Signature); never for anything we sign. */
#define SRP_SHA1_LEN 20

typedef struct srp_sha1 {
    uint32_t h[5];
    srp_md_buf b;
} srp_sha1;

void srp_sha1_init(srp_sha1 *c);
void srp_sha1_update(srp_sha1 *c, const void *data, size_t len);
void srp_sha1_final(srp_sha1 *c, unsigned char out[SRP_SHA1_LEN]);

/* srp_hmac_sha1 - HMAC-SHA1(key, m1 || m2); m2 may be NULL. */
void srp_hmac_sha1(const void *key, size_t keylen, const void *m1, size_t len1,
                   const void *m2, size_t len2, unsigned char out[SRP_SHA1_LEN]);

/* HMAC-SHA1 over a message fed in pieces (Twilio signs the URL and each
 * form field): init, update as often as needed, final (which wipes the
 * key from ctx). */
typedef struct srp_hmac_sha1_ctx {
    srp_sha1 c;
    unsigned char k[64];
} srp_hmac_sha1_ctx;

void srp_hmac_sha1_init(srp_hmac_sha1_ctx *h, const void *key, size_t keylen);
void srp_hmac_sha1_update(srp_hmac_sha1_ctx *h, const void *data, size_t len);
void srp_hmac_sha1_final(srp_hmac_sha1_ctx *h, unsigned char out[SRP_SHA1_LEN]);

#endif
