/*
 * test_words - yes/no answers and bare requests for a person in en, de,
 * fr, es, pl; the per-visitor token bucket
 */
#include "build-config.h"

#include "srxtest.h"

static const struct {
    const char *text;
    srx_answer want;
} answers[] = {
    /* en */
    {"yes", SRX_YES}, {"Yes please", SRX_YES}, {"YES!!!", SRX_YES}, {"yeah sure", SRX_YES},
    {"ok", SRX_YES}, {"Of course", SRX_YES}, {"well, yes", SRX_YES}, {"y", SRX_YES},
    {"no", SRX_NO}, {"No thanks.", SRX_NO}, {"nope", SRX_NO}, {"not now", SRX_NO},
    {"cancel", SRX_NO}, {"maybe", SRX_UNCLEAR}, {"what do you mean?", SRX_UNCLEAR},
    {"I don't know", SRX_UNCLEAR}, {"", SRX_UNCLEAR}, {"!!!", SRX_UNCLEAR},
    /* de */
    {"ja", SRX_YES}, {"Ja, bitte!", SRX_YES}, {"gerne", SRX_YES}, {"Na klar", SRX_YES},
    {"jawohl", SRX_YES}, {"nein", SRX_NO}, {"Nein danke", SRX_NO}, {"nee", SRX_NO},
    {"Nö", SRX_NO}, {"NEIN", SRX_NO},
    /* fr */
    {"oui", SRX_YES}, {"Oui, merci", SRX_YES}, {"d'accord", SRX_YES}, {"ouais", SRX_YES},
    {"bien sûr", SRX_YES}, {"non", SRX_NO}, {"Non merci", SRX_NO}, {"euh, non", SRX_NO},
    /* es */
    {"sí", SRX_YES}, {"Sí, por favor", SRX_YES}, {"SÍ", SRX_YES}, {"si", SRX_YES},
    {"claro", SRX_YES}, {"vale", SRX_YES}, {"Por supuesto", SRX_YES}, {"no, gracias", SRX_NO},
    {"¡No!", SRX_NO}, {"¿sí?", SRX_YES},
    /* pl */
    {"tak", SRX_YES}, {"Tak, proszę", SRX_YES}, {"jasne", SRX_YES}, {"oczywiście", SRX_YES},
    {"OCZYWIŚCIE", SRX_YES}, {"chętnie", SRX_YES}, {"nie", SRX_NO}, {"Nie, dziękuję", SRX_NO},
    /* emoji */
    {"\xF0\x9F\x91\x8D", SRX_YES}, {"\xF0\x9F\x91\x8E", SRX_NO}, {"\xE2\x9C\x85", SRX_YES},
};

static void test_yesno_in_five_languages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        srx_answer got = srx_yesno(answers[i].text);
        if (got != answers[i].want)
            fail_msg("srx_yesno(\"%s\"): got %d, want %d", answers[i].text, got, answers[i].want);
    }
    assert_int_equal(srx_yesno(NULL), SRX_UNCLEAR);
}

static void test_yesno_survives_hostile_text(void **state)
{
    (void)state;
    static const char *const hostile[] = {"\xff\xfe yes", "\xc3", "ja\xe2\x82", "<yes/>",
                                          "yes\x01\x02", "'''---'''", "--", "'a"};
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
        (void)srx_yesno(hostile[i]);
    char big[5000];
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(srx_yesno(big), SRX_UNCLEAR);
}

static void test_bare_requests_for_a_person(void **state)
{
    (void)state;
    static const char *const yes[] = {"agent", "Agent please", "human!", "a real person",
                                      "Mitarbeiter", "Mensch bitte", "conseiller",
                                      "un humain", "agente", "una persona por favor",
                                      "konsultant", "człowiek", "CZŁOWIEK"};
    static const char *const no[] = {"my order is late", "", "the agent was rude to me last "
                                     "week when I called", "hello"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!srx_wants_person(yes[i]))
            fail_msg("srx_wants_person(\"%s\"): got 0, want 1", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (srx_wants_person(no[i]))
            fail_msg("srx_wants_person(\"%s\"): got 1, want 0", no[i]);
}

static void test_bucket_allows_burst_then_rate(void **state)
{
    (void)state;
    srx_bucket b = {0, 0};
    int ok = 0;

    for (int i = 0; i < 20; i++)
        ok += srx_bucket_take(&b, 1.0, 5, 100.0);
    assert_int_equal(ok, 5);                        /* the burst */
    assert_false(srx_bucket_take(&b, 1.0, 5, 100.5));
    assert_true(srx_bucket_take(&b, 1.0, 5, 101.1)); /* one per second after */
    assert_false(srx_bucket_take(&b, 1.0, 5, 101.2));
    assert_false(srx_bucket_take(&b, 1.0, 5, 50.0)); /* a clock going back refills nothing */
    ok = 0;
    for (int i = 0; i < 20; i++)
        ok += srx_bucket_take(&b, 1.0, 5, 1000.0);
    assert_int_equal(ok, 5);                        /* refilled up to the burst, no more */
}

/* a server that accepts and drops at once is tried less and less often;
 * a link that held for a while starts the delays over */
static void test_backoff(void **state)
{
    (void)state;
    srx_backoff b;
    double t = 1000.0, d;
    static const double want[] = {0.5, 1, 2, 4, 8, 16, 32, 60, 60};

    srx_backoff_init(&b, 0.5);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        srx_backoff_up(&b, t);            /* in ... */
        d = srx_backoff_down(&b, 0.5, 60, t + 0.1);   /* ... and out at once */
        if (d != want[i])
            fail_msg("flap %zu: delay %.1f, want %.1f", i, d, want[i]);
        t += d + 0.1;
    }
    srx_backoff_up(&b, t);
    assert_true(srx_backoff_down(&b, 0.5, 60, t + SRX_BACKOFF_STABLE) == 0.5);   /* held */
    /* attempts that fail without ever coming up double too */
    assert_true(srx_backoff_down(&b, 0.5, 60, t + 31) == 1);
    assert_true(srx_backoff_down(&b, 0.5, 60, t + 32) == 2);
    /* up for a while after failures: the next drop waits the least again */
    srx_backoff_up(&b, t + 40);
    assert_true(srx_backoff_down(&b, 0.5, 60, t + 100) == 0.5);
    assert_true(srx_backoff_down(&b, 0.5, 60, t + 101) == 1);
    /* a lower maximum after a reload caps what was reached */
    srx_backoff_init(&b, 0.2);
    for (int i = 0; i < 10; i++)
        (void)srx_backoff_down(&b, 0.2, 60, t);
    assert_true(srx_backoff_down(&b, 0.2, 2, t) == 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yesno_in_five_languages),
        cmocka_unit_test(test_yesno_survives_hostile_text),
        cmocka_unit_test(test_bare_requests_for_a_person),
        cmocka_unit_test(test_bucket_allows_burst_then_rate),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
