/*
 * hmac.c - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104)
 */
#include "build-config.h"

#include "hmac.h"

#include "sentiroute.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* block - compress one 64-byte block into the state */
static void block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, k;

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

/* --- what SHA-256 and SHA-1 share: 64-byte blocks, the same padding and
 * big-endian length (FIPS 180-4, 5.1.1), big-endian output words --- */

typedef void (*block_fn)(uint32_t *h, const unsigned char *p);

static void md_init(srp_md_buf *b)
{
    b->bytes = 0;
    b->nbuf = 0;
}

/* md_update - buffer data, compressing each full block into h */
static void md_update(srp_md_buf *b, uint32_t *h, block_fn compress, const void *data, size_t len)
{
    const unsigned char *p = data;

    b->bytes += len;
    while (len > 0) {
        size_t take = 64 - b->nbuf < len ? 64 - b->nbuf : len;
        memcpy(b->buf + b->nbuf, p, take);
        b->nbuf += take;
        p += take;
        len -= take;
        if (b->nbuf == 64) {
            compress(h, b->buf);
            b->nbuf = 0;
        }
    }
}

/* md_final - pad, then the first `words` words of h into out, big-endian */
static void md_final(srp_md_buf *b, uint32_t *h, int words, block_fn compress,
                     unsigned char *out)
{
    uint64_t bits = b->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t padlen = (b->nbuf < 56 ? 56 : 120) - b->nbuf;

    for (int i = 0; i < 8; i++)
        pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    md_update(b, h, compress, pad, padlen + 8);
    for (int i = 0; i < words; i++) {
        out[4 * i] = (unsigned char)(h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(h[i] >> 8);
        out[4 * i + 3] = (unsigned char)h[i];
    }
}

void srp_sha256_init(srp_sha256 *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof(iv));
    md_init(&c->b);
}

void srp_sha256_update(srp_sha256 *c, const void *data, size_t len)
{
    md_update(&c->b, c->h, block, data, len);
}

void srp_sha256_final(srp_sha256 *c, unsigned char out[SRP_SHA256_LEN])
{
    md_final(&c->b, c->h, 8, block, out);
}

/* srp_hmac_sha256 - RFC 2104 with SHA-256 (block size 64) */
void srp_hmac_sha256(const void *key, size_t keylen, const void *m1, size_t len1,
                     const void *m2, size_t len2, unsigned char out[SRP_SHA256_LEN])
{
    unsigned char k[64] = {0}, pad[64], inner[SRP_SHA256_LEN];
    srp_sha256 c;

    if (keylen > 64) {
        srp_sha256_init(&c);
        srp_sha256_update(&c, key, keylen);
        srp_sha256_final(&c, k);
    } else if (keylen > 0) {
        memcpy(k, key, keylen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    srp_sha256_init(&c);
    srp_sha256_update(&c, pad, 64);
    srp_sha256_update(&c, m1, len1);
    if (m2 != NULL)
        srp_sha256_update(&c, m2, len2);
    srp_sha256_final(&c, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    srp_sha256_init(&c);
    srp_sha256_update(&c, pad, 64);
    srp_sha256_update(&c, inner, sizeof(inner));
    srp_sha256_final(&c, out);
    memset(k, 0, sizeof(k));
    memset(pad, 0, sizeof(pad));
}

/* --- SHA-1 (FIPS 180-4) and HMAC-SHA1, for providers that still sign with
 * it (Twilio's X-Twilio-Signature); checked against FIPS 180 and RFC 2202 --- */

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* sha1_block - compress one 64-byte block into the state */
static void sha1_block(uint32_t h[5], const unsigned char *p)
{
    uint32_t w[80], a, b, c, d, e;

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k, t;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        t = ROL(a, 5) + f + e + k + w[i];
        e = d; d = c; c = ROL(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void srp_sha1_init(srp_sha1 *c)
{
    static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
                                   0xc3d2e1f0};
    memcpy(c->h, iv, sizeof(iv));
    md_init(&c->b);
}

void srp_sha1_update(srp_sha1 *c, const void *data, size_t len)
{
    md_update(&c->b, c->h, sha1_block, data, len);
}

void srp_sha1_final(srp_sha1 *c, unsigned char out[SRP_SHA1_LEN])
{
    md_final(&c->b, c->h, 5, sha1_block, out);
}

/* srp_hmac_sha1_init - RFC 2104 with SHA-1 (block size 64): the inner hash
 * starts over key XOR ipad; the key stays in h until final */
void srp_hmac_sha1_init(srp_hmac_sha1_ctx *h, const void *key, size_t keylen)
{
    unsigned char pad[64];

    memset(h->k, 0, sizeof(h->k));
    if (keylen > 64) {
        srp_sha1_init(&h->c);
        srp_sha1_update(&h->c, key, keylen);
        srp_sha1_final(&h->c, h->k);
    } else if (keylen > 0) {
        memcpy(h->k, key, keylen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = h->k[i] ^ 0x36;
    srp_sha1_init(&h->c);
    srp_sha1_update(&h->c, pad, 64);
    memset(pad, 0, sizeof(pad));
}

void srp_hmac_sha1_update(srp_hmac_sha1_ctx *h, const void *data, size_t len)
{
    srp_sha1_update(&h->c, data, len);
}

/* srp_hmac_sha1_final - the outer hash over key XOR opad and the inner one */
void srp_hmac_sha1_final(srp_hmac_sha1_ctx *h, unsigned char out[SRP_SHA1_LEN])
{
    unsigned char pad[64], inner[SRP_SHA1_LEN];

    srp_sha1_final(&h->c, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = h->k[i] ^ 0x5c;
    srp_sha1_init(&h->c);
    srp_sha1_update(&h->c, pad, 64);
    srp_sha1_update(&h->c, inner, sizeof(inner));
    srp_sha1_final(&h->c, out);
    memset(h->k, 0, sizeof(h->k));
    memset(pad, 0, sizeof(pad));
}

/* srp_hmac_sha1 - HMAC-SHA1(key, m1 || m2) in one call */
void srp_hmac_sha1(const void *key, size_t keylen, const void *m1, size_t len1,
                   const void *m2, size_t len2, unsigned char out[SRP_SHA1_LEN])
{
    srp_hmac_sha1_ctx h;

    srp_hmac_sha1_init(&h, key, keylen);
    srp_hmac_sha1_update(&h, m1, len1);
    if (m2 != NULL)
        srp_hmac_sha1_update(&h, m2, len2);
    srp_hmac_sha1_final(&h, out);
}

/* sr_hmac_sha256 - the public face of srp_hmac_sha256 (adapters verify
 * signed webhooks with it) */
void sr_hmac_sha256(const void *key, size_t keylen, const void *m1, size_t len1, const void *m2,
                    size_t len2, unsigned char out[SR_HMAC_SHA256_LEN])
{
    srp_hmac_sha256(key, keylen, m1, len1, m2, len2, out);
}
