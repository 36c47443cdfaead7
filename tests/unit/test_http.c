/*
 * test_http - what the handoff drivers read from a helpdesk's answer: the
 * new ticket's id, lookups, Retry-After, header lines.  The answer is
 * outside input: an id that is no id must never become a remote id (it
 * goes into URLs, log lines and the store).
 */
#include "build-config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "handoff.h"
#include "internal.h"

/* id_of - srp_json_id over the JSON text v ("" when no id) */
static int id_of(const char *v, int strings, char *out, size_t size)
{
    json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
    int rc;

    if (j == NULL)
        fail_msg("bad JSON in the test: %s", v);
    out[0] = '\0';
    rc = srp_json_id(j, strings, out, size);
    json_decref(j);
    return rc;
}

static void test_ids_helpdesks_give_are_read(void **state)
{
    static const struct {
        const char *json;
        int strings;
        const char *want;
    } ok[] = {
        {"20", 0, "20"},
        {"9007199254740993", 0, "9007199254740993"},
        {"\"20\"", 1, "20"},
        {"\"TCK-2024_07.x:1\"", 1, "TCK-2024_07.x:1"},
    };
    char id[64];

    (void)state;
    for (size_t i = 0; i < SR_ARRAY_LEN(ok); i++) {
        if (id_of(ok[i].json, ok[i].strings, id, sizeof(id)) != 1 || strcmp(id, ok[i].want) != 0)
            fail_msg("id %s: got '%s', want '%s'", ok[i].json, id, ok[i].want);
    }
}

static void test_id_that_is_no_id_is_refused(void **state)
{
    static const struct {
        const char *json;
        int strings;
    } bad[] = {
        {"\"20\"", 0},                                   /* Zendesk/Gorgias: numbers only */
        {"0", 0},
        {"-5", 0},
        {"null", 1},
        {"20.5", 1},
        {"[20]", 1},
        {"\"\"", 1},
        {"\"7\\r\\nT1: job 9 handoff delivered\"", 1},   /* a forged log line */
        {"\"20/../../admin\"", 1},                      /* goes into URL paths */
        {"\"..\"", 1},
        {"\"20?x=1\"", 1},
        {"\"20 21\"", 1},
        {"\"\\u00e9t\\u00e9\"", 1},
        {"\"1234567890123456789012345678901234567890123456789012345678901234567890\"", 1},
    };
    char id[64];
    int failed = 0;

    (void)state;
    for (size_t i = 0; i < SR_ARRAY_LEN(bad); i++) {
        if (id_of(bad[i].json, bad[i].strings, id, sizeof(id)) != 0) {
            print_message("id %s (strings %d): got 1 and '%s', want 0\n", bad[i].json,
                          bad[i].strings, id);
            failed++;
        }
    }
    if (failed)
        fail_msg("%d of %zu ids that are no ids were taken", failed, SR_ARRAY_LEN(bad));
}

static void test_created_answer_with_unusable_id_is_a_retry(void **state)
{
    srp_http_resp r = {.status = 201};
    srp_delivery d = {.outcome = SRP_DELIVERED};

    (void)state;
    r.body = "{\"type\": \"ticket\", \"id\": \"20\\nT5: job 1 handoff delivered\"}";
    r.len = strlen(r.body);
    srp_remote_id(&r, NULL, 1, "rt create: 201 without id", &d);
    if (d.outcome != SRP_RETRY)
        fail_msg("got outcome %d remote_id '%s', want a retry", d.outcome, d.remote_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_helpdesks_give_are_read),
        cmocka_unit_test(test_id_that_is_no_id_is_refused),
        cmocka_unit_test(test_created_answer_with_unusable_id_is_a_retry),
    };
    return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
