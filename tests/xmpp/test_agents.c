/*
 * test_agents - the agents of xmpp.agents, their presence per resource,
 * and who gets the next chat of a queue
 */
#include "build-config.h"

#include "srxtest.h"

static srx_agents *three(void)
{
    static const char *const v[] = {"alice@example.com Alice Smith: general, senior",
                                    "BOB@Example.com: general", "carol@example.com"};
    char err[200];
    srx_agents *a = srx_agents_parse(v, 3, err, sizeof(err));

    if (a == NULL)
        fail_msg("parse: %s", err);
    return a;
}

static void test_entries_parse(void **state)
{
    (void)state;
    srx_agents *a = three();

    assert_int_equal(a->n, 3);
    assert_string_equal(a->v[0].jid, "alice@example.com");
    assert_string_equal(a->v[0].name, "Alice Smith");
    assert_int_equal(a->v[0].nqueues, 2);
    assert_string_equal(a->v[0].queues[1], "senior");
    assert_string_equal(a->v[1].jid, "bob@example.com");
    assert_string_equal(a->v[1].name, "Bob");
    assert_int_equal(a->v[2].nqueues, 0);   /* every queue */
    assert_non_null(srx_agents_find(a, "Alice@Example.com/laptop"));
    assert_null(srx_agents_find(a, "mallory@example.com"));
    srx_agents_free(a);
}

static void test_bad_entries_are_errors(void **state)
{
    (void)state;
    static const char *const bad[][2] = {{"alice", ""}, {"@example.com", ""},
                                         {"alice@example.com/res", ""},
                                         {"alice@example.com", "ALICE@example.com: x"}};
    char err[200];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = bad[i][1][0] ? 2 : 1;
        srx_agents *a = srx_agents_parse(bad[i], n, err, sizeof(err));
        if (a != NULL)
            fail_msg("\"%s\" was accepted", bad[i][n - 1]);
    }
    assert_non_null(strstr(err, "twice"));
}

static void test_presence_per_resource(void **state)
{
    (void)state;
    srx_agents *a = three();
    srx_agent *alice = &a->v[0];

    assert_int_equal(srx_agent_avail(alice), SRX_AV_OFF);
    assert_true(srx_agents_presence(a, "alice@example.com/phone", NULL, "away"));
    assert_int_equal(srx_agent_avail(alice), SRX_AV_BUSY);
    srx_agents_presence(a, "alice@example.com/laptop", NULL, NULL);
    assert_int_equal(srx_agent_avail(alice), SRX_AV_ON);
    srx_agents_presence(a, "alice@example.com/laptop", NULL, "dnd");
    assert_int_equal(srx_agent_avail(alice), SRX_AV_BUSY);   /* the phone is still away */
    srx_agents_presence(a, "alice@example.com/phone", "unavailable", NULL);
    assert_int_equal(srx_agent_avail(alice), SRX_AV_OFF);
    srx_agents_presence(a, "alice@example.com/laptop", NULL, "chat");
    srx_agents_presence(a, "alice@example.com", "unavailable", NULL);   /* all of them */
    assert_int_equal(srx_agent_avail(alice), SRX_AV_OFF);
    assert_false(srx_agents_presence(a, "mallory@example.com/x", NULL, NULL));
    srx_agents_presence(a, "alice@example.com/x", "subscribe", NULL);   /* no news */
    assert_int_equal(srx_agent_avail(alice), SRX_AV_OFF);
    for (int i = 0; i < 20; i++) {   /* many resources stay bounded */
        char jid[64];
        snprintf(jid, sizeof(jid), "alice@example.com/r%d", i);
        srx_agents_presence(a, jid, NULL, NULL);
    }
    assert_true(alice->nres <= SRX_AGENT_RES_MAX);
    srx_agents_free(a);
}

/* RFC 7622 allows resources of 1023 bytes: an agent whose client uses a
 * long one goes offline when it does, and two long ones are two */
static void test_long_resources(void **state)
{
    (void)state;
    srx_agents *a = three();
    srx_agent *alice = &a->v[0];
    char one[1100], two[1100];
    int n = snprintf(one, sizeof(one), "alice@example.com/");

    memset(one + n, 'r', 1023);
    one[n + 1023] = '\0';
    memcpy(two, one, sizeof(one));
    two[n + 1022] = 's';   /* the same but for the last byte */
    srx_agents_presence(a, one, NULL, NULL);
    assert_int_equal(srx_agent_avail(alice), SRX_AV_ON);
    srx_agents_presence(a, two, NULL, "away");
    assert_int_equal(alice->nres, 2);
    assert_int_equal(srx_agent_avail(alice), SRX_AV_ON);
    srx_agents_presence(a, one, "unavailable", NULL);   /* that client logs off */
    assert_int_equal(srx_agent_avail(alice), SRX_AV_BUSY);
    srx_agents_presence(a, two, "unavailable", NULL);
    assert_int_equal(srx_agent_avail(alice), SRX_AV_OFF);
    assert_int_equal(alice->nres, 0);
    srx_agents_free(a);
}

static void test_pick_the_least_loaded_available(void **state)
{
    (void)state;
    srx_agents *a = three();
    srx_agent *g;

    assert_null(srx_agents_pick(a, "general", 2));   /* nobody online */
    srx_agents_presence(a, "alice@example.com/w", NULL, NULL);
    srx_agents_presence(a, "bob@example.com/w", NULL, NULL);
    srx_agents_presence(a, "carol@example.com/w", NULL, "away");
    assert_string_equal(srx_agents_pick(a, "senior", 2)->jid, "alice@example.com");
    g = srx_agents_pick(a, "general", 2);
    assert_string_equal(g->jid, "bob@example.com");   /* alice has one already */
    g = srx_agents_pick(a, "general", 2);
    assert_string_equal(g->jid, "alice@example.com"); /* tie: least recently assigned */
    g = srx_agents_pick(a, "general", 2);
    assert_string_equal(g->jid, "bob@example.com");
    g = srx_agents_pick(a, "general", 2);
    assert_string_equal(g->jid, "carol@example.com"); /* the busy one, when nobody else can */
    /* alice is full: senior goes to carol, who serves every queue */
    assert_string_equal(srx_agents_pick(a, "senior", 2)->jid, "carol@example.com");
    assert_null(srx_agents_pick(a, "billing", 2));     /* everyone is full */
    srx_agents_free(a);
}

static void test_reload_keeps_presence(void **state)
{
    (void)state;
    srx_agents *a = three(), *b = three();

    srx_agents_presence(a, "bob@example.com/w", NULL, NULL);
    a->v[1].chats = 2;
    srx_agents_carry(b, a);
    assert_int_equal(srx_agent_avail(&b->v[1]), SRX_AV_ON);
    assert_int_equal(b->v[1].chats, 2);
    srx_agents_free(a);
    srx_agents_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_parse),
        cmocka_unit_test(test_bad_entries_are_errors),
        cmocka_unit_test(test_presence_per_resource),
        cmocka_unit_test(test_long_resources),
        cmocka_unit_test(test_pick_the_least_loaded_available),
        cmocka_unit_test(test_reload_keeps_presence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
