/*
 * test_lang - language identification on ordinary sentences
 */
#include "build-config.h"

#include <string.h>

#include "testutil.h"
#include "config.h"

static int setup(void **state)
{
    *state = tu_ctx();
    return 0;
}

static int teardown(void **state)
{
    sr_ctx_free(*state);
    return 0;
}

static const struct {
    const char *lang;
    const char *text;
} sentences[] = {
    {"en", "Hello, I ordered a jacket two weeks ago and it still has not arrived."},
    {"en", "Can you please check the status of my refund?"},
    {"en", "The app keeps crashing when I try to log in."},
    {"de", "Hallo, ich habe vor zwei Wochen eine Jacke bestellt und sie ist immer noch nicht da."},
    {"de", "Können Sie bitte den Status meiner Rückerstattung prüfen?"},
    {"de", "Die App stürzt jedes Mal ab, wenn ich mich anmelden will."},
    {"fr", "Bonjour, j'ai commandé une veste il y a deux semaines et elle n'est toujours pas arrivée."},
    {"fr", "Pouvez-vous vérifier l'état de mon remboursement, s'il vous plaît ?"},
    {"fr", "L'application plante à chaque fois que je veux me connecter."},
    {"es", "Hola, pedí una chaqueta hace dos semanas y todavía no ha llegado."},
    {"es", "¿Pueden revisar el estado de mi reembolso, por favor?"},
    {"es", "La aplicación se cierra cada vez que intento iniciar sesión."},
    {"pl", "Dzień dobry, zamówiłem kurtkę dwa tygodnie temu i nadal nie dotarła."},
    {"pl", "Czy mogą Państwo sprawdzić status mojego zwrotu?"},
    {"pl", "Aplikacja zawiesza się za każdym razem, gdy próbuję się zalogować."},
};

static void test_five_languages_on_ordinary_sentences(void **state)
{
    const sr_ctx *ctx = *state;
    int wrong = 0;

    for (size_t i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++) {
        float conf;
        const char *got = sr_lang_detect(ctx, sentences[i].text, strlen(sentences[i].text), &conf);
        if (strcmp(got, sentences[i].lang) != 0) {
            print_message("got %s, want %s: %s\n", got, sentences[i].lang, sentences[i].text);
            wrong++;
        } else {
            assert_true(conf > 0.0f && conf <= 1.0f);
        }
    }
    assert_int_equal(wrong, 0);
}

static void test_unsure_is_und(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const texts[] = {
        "", "12345", "\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d", "asdf qwer zxcv",
        "Dit is een zin in het Nederlands die niet ondersteund wordt.",
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80", /* Привет мир */
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        const char *got = sr_lang_detect(ctx, texts[i], strlen(texts[i]), NULL);
        if (strcmp(got, "und") != 0)
            fail_msg("'%s': got %s, want und", texts[i], got);
    }
}

static void test_disabled_language_is_never_reported(void **state)
{
    (void)state;
    sr_error err;
    sr_config *cfg = srp_config_load_string("scoring = { languages = [\"en\", \"fr\"]; };", "t",
                                            &err);
    sr_ctx *ctx = sr_ctx_new(cfg, &err);
    const char *de = "Hallo, ich habe vor zwei Wochen eine Jacke bestellt und sie ist noch nicht da.";

    sr_config_unref(cfg);
    assert_non_null(ctx);
    assert_string_not_equal(sr_lang_detect(ctx, de, strlen(de), NULL), "de");
    sr_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_languages_on_ordinary_sentences),
        cmocka_unit_test(test_unsure_is_und),
        cmocka_unit_test(test_disabled_language_is_never_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
