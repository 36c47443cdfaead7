/*
 * test_email - the address an anonymous visitor gives before a handoff
 */
#include "build-config.h"

#include "srxtest.h"

static void test_valid_addresses(void **state)
{
    (void)state;
    static const char *const ok[] = {"jo@example.org", "Jo.Doe+chat@mail.example.co.uk",
                                     "a@b.de", "x_y-z@sub.domain.io", "o'brien@example.ie",
                                     "user@xn--mnchen-3ya.de"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!srx_email_valid(ok[i]))
            fail_msg("srx_email_valid(\"%s\"): got 0, want 1", ok[i]);
}

static void test_nonsense_is_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "jo", "@example.org", "jo@", "jo@example",
                                      "jo@@example.org", "jo@example..org", ".jo@example.org",
                                      "jo.@example.org", "j..o@example.org", "jo@-x.org",
                                      "jo@x-.org", "jo@example.c", "jo@example.123",
                                      "jo doe@example.org", "jo@exa mple.org", "jo@[1.2.3.4]",
                                      "jö@example.org", "<script>@x.org", "jo@example.org\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (srx_email_valid(bad[i]))
            fail_msg("srx_email_valid(\"%s\"): got 1, want 0", bad[i]);
    char big[400];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[100] = '@';
    assert_false(srx_email_valid(big));
}

static void test_find_in_a_sentence(void **state)
{
    (void)state;
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"jo@example.org", "jo@example.org"},
        {"my email is jo@Example.ORG.", "jo@example.org"},
        {"<jo@example.org>", "jo@example.org"},
        {"mailto:jo@example.org", "jo@example.org"},
        {"Meine Adresse: Jo.Doe@Example.de, danke", "Jo.Doe@example.de"},
        {"jo@example.org jo@example.org", "jo@example.org"},
        {"jo@example.org or ann@example.org", NULL},   /* which one? */
        {"no idea", NULL},
        {"I am @home", NULL},
        {"foo@bar", NULL},
    };
    char out[320];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int found = srx_email_find(cases[i].line, out, sizeof(out));
        if (cases[i].want == NULL && found)
            fail_msg("srx_email_find(\"%s\"): got \"%s\", want none", cases[i].line, out);
        if (cases[i].want != NULL && (!found || strcmp(out, cases[i].want) != 0))
            fail_msg("srx_email_find(\"%s\"): got \"%s\", want \"%s\"", cases[i].line,
                     found ? out : "(none)", cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_addresses),
        cmocka_unit_test(test_nonsense_is_rejected),
        cmocka_unit_test(test_find_in_a_sentence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
