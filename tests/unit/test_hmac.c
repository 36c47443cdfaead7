/*
 * test_hmac - SHA-256 (FIPS 180-2 examples) and HMAC-SHA256 (RFC 4231)
 */
#include "build-config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "hmac.h"

static void unhex(const char *h, unsigned char *out, size_t *len)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (unsigned char)v;
    }
    *len = n;
}

static void sha_is(const char *msg, size_t len, const char *want)
{
    srp_sha256 c;
    unsigned char d[32];
    char hex[65];

    srp_sha256_init(&c);
    srp_sha256_update(&c, msg, len);
    srp_sha256_final(&c, d);
    srp_hex(d, 32, hex);
    if (strcmp(hex, want) != 0)
        fail_msg("sha256(%.20s...): got %s, want %s", msg, hex, want);
}

static void test_sha256_fips_vectors(void **state)
{
    (void)state;
    sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_is("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_million_a_in_pieces(void **state)
{
    srp_sha256 c;
    unsigned char d[32];
    char hex[65], block[1001];

    (void)state;
    memset(block, 'a', sizeof(block));
    srp_sha256_init(&c);
    for (int i = 0; i < 1000; i++)
        srp_sha256_update(&c, block, i % 2 ? 999 : 1001);   /* uneven chunks */
    srp_sha256_final(&c, d);
    srp_hex(d, 32, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_hmac_rfc4231_vectors(void **state)
{
    static const struct {
        const char *key, *data, *mac;
    } v[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        /* test case 6: a key longer than the block size */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unsigned char key[200], data[200], mac[32];
        size_t kl, dl;
        char hex[65];
        unhex(v[i].key, key, &kl);
        unhex(v[i].data, data, &dl);
        /* split the message in two to test the m1 || m2 form */
        srp_hmac_sha256(key, kl, data, dl / 2, data + dl / 2, dl - dl / 2, mac);
        srp_hex(mac, 32, hex);
        if (strcmp(hex, v[i].mac) != 0)
            fail_msg("RFC 4231 case %zu: got %s, want %s", i, hex, v[i].mac);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_fips_vectors),
        cmocka_unit_test(test_sha256_million_a_in_pieces),
        cmocka_unit_test(test_hmac_rfc4231_vectors),
    };
    return cmocka_run_group_tests_name("hmac", tests, NULL, NULL);
}
