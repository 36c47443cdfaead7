/*
 * test_score - the lexicon scorer: obvious cases per language, each rule
 * (negation, contrast, intensifiers, caps, emoji, punctuation), labels,
 * cues, limits and thread safety.
 */
#include "build-config.h"

#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testutil.h"
#include "config.h"

typedef struct scase {
    const char *name;
    const char *text;
    const char *label;  /* expected label */
    const char *lang;   /* expected language */
} scase;

/* Obvious messages, one per label and language: the floor of honesty. */
static const scase obvious[] = {
    {"en_positive", "I am very happy with the service, thank you!", "positive", "en"},
    {"en_promoter", "Absolutely amazing support, I will recommend you to all my friends!",
     "promoter", "en"},
    {"en_urgent", "This is the third time I write, still no answer. Refund me ASAP or I file a "
                  "chargeback!", "urgent", "en"},
    {"en_negative", "The package arrived damaged and the support was rude.", "negative", "en"},
    {"en_neutral", "Could you tell me when my order will be shipped?", "neutral", "en"},
    {"de_positive", "Vielen Dank, ich bin sehr zufrieden mit dem Service!", "positive", "de"},
    {"de_promoter", "Hervorragender Service, ich werde euch auf jeden Fall weiterempfehlen!",
     "promoter", "de"},
    {"de_urgent", "Zum dritten Mal: immer noch keine Antwort! Ich schalte jetzt meinen Anwalt ein.",
     "urgent", "de"},
    {"de_negative", "Die Lieferung ist beschädigt angekommen, ich bin enttäuscht.", "negative",
     "de"},
    {"de_neutral", "Wann wird meine Bestellung verschickt?", "neutral", "de"},
    {"fr_positive", "Merci beaucoup, je suis très satisfait du service !", "positive", "fr"},
    {"fr_promoter", "Service excellent, je vous recommande à tous mes amis !", "promoter", "fr"},
    {"fr_urgent", "C'est la troisième fois que j'écris, toujours pas de réponse ! Je vais "
                  "contacter un avocat.", "urgent", "fr"},
    {"fr_negative", "Le colis est arrivé abîmé, je suis déçu.", "negative", "fr"},
    {"fr_neutral", "Pouvez-vous me dire quand ma commande sera expédiée ?", "neutral", "fr"},
    {"es_positive", "Muchas gracias, estoy muy contento con el servicio.", "positive", "es"},
    {"es_promoter", "Servicio excelente, se lo recomiendo a todos mis amigos!", "promoter", "es"},
    {"es_urgent", "Es la tercera vez que escribo y sigo sin respuesta. Voy a hablar con mi "
                  "abogado.", "urgent", "es"},
    {"es_negative", "El paquete llegó dañado, estoy muy decepcionado.", "negative", "es"},
    {"es_neutral", "¿Cuándo van a enviar mi pedido?", "neutral", "es"},
    {"pl_positive", "Dziękuję bardzo, jestem bardzo zadowolony z obsługi.", "positive", "pl"},
    {"pl_promoter", "Świetna obsługa, polecam wszystkim znajomym!", "promoter", "pl"},
    {"pl_urgent", "Piszę już trzeci raz i nadal brak odpowiedzi! Skontaktuję się z prawnikiem.",
     "urgent", "pl"},
    {"pl_negative", "Paczka przyszła uszkodzona, jestem rozczarowany.", "negative", "pl"},
    {"pl_neutral", "Kiedy zostanie wysłane moje zamówienie?", "neutral", "pl"},
};

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

static void test_obvious_messages_get_label_and_language(void **state)
{
    const sr_ctx *ctx = *state;
    int failures = 0;

    for (size_t i = 0; i < sizeof(obvious) / sizeof(obvious[0]); i++) {
        sr_sentiment s = tu_score(ctx, obvious[i].text);
        if (strcmp(sr_label_name(s.label), obvious[i].label) != 0 ||
            strcmp(s.lang, obvious[i].lang) != 0) {
            print_message("%s: got %s/%s (%.1f), want %s/%s\n", obvious[i].name,
                          sr_label_name(s.label), s.lang, (double)s.score, obvious[i].label,
                          obvious[i].lang);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* negation flips a word in every language: "X is good" vs "X is not good" */
static void test_negation_flips_valence_in_each_language(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"The service was good.", "The service was not good."},
        {"Der Service war gut.", "Der Service war nicht gut."},
        {"Le service était bon.", "Le service n'était pas bon."},
        {"El servicio es bueno.", "El servicio no es bueno."},
        {"Obsługa jest dobra.", "Obsługa nie jest dobra."},
    };

    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        sr_sentiment a = tu_score(ctx, pairs[i][0]);
        sr_sentiment b = tu_score(ctx, pairs[i][1]);
        if (!(a.score > 6.0f && b.score < 5.0f))
            fail_msg("'%s' %.1f vs '%s' %.1f: negation did not flip", pairs[i][0],
                     (double)a.score, pairs[i][1], (double)b.score);
        /* the cue says why: a negated word, or a negative idiom phrase */
        int negated = 0;
        for (unsigned k = 0; k < b.ncues; k++)
            negated |= (b.cues[k].mods & SR_MOD_NEGATED) != 0 ||
                       (strchr(b.cues[k].text, ' ') != NULL && b.cues[k].weight < 0);
        assert_true(negated);
    }
}

/* German clause-final "nicht" acts backwards */
static void test_clause_final_nicht_negates_backwards(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment a = tu_score(ctx, "Das Essen war gut.");
    sr_sentiment b = tu_score(ctx, "Das Essen war gut, aber der Service gefiel mir gar nicht.");
    sr_sentiment c = tu_score(ctx, "Ich empfehle es nicht.");
    /* a phrase counts at its first word, which may lie beyond the reach
     * when words stand between it and the negator */
    sr_sentiment d = tu_score(ctx, "Die Qualität stimmt hier gar nicht.");
    sr_sentiment e = tu_score(ctx, "Das Preis-Leistungs-Verhältnis stimmt hier überhaupt nicht.");

    assert_true(a.score > 6.0f);
    assert_true(b.score < 5.0f);
    assert_true(c.score < 5.0f);
    assert_true(d.score < 4.0f);
    assert_true(e.score < 4.0f);
}

/* scores_in - every text scores from lo to hi (scores are tenths) */
static void scores_in(const sr_ctx *ctx, const char *const *texts, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        sr_sentiment s = tu_score(ctx, texts[i]);
        if (s.score < lo || s.score > hi)
            fail_msg("\"%s\": %.1f %s", texts[i], (double)s.score, sr_label_name(s.label));
    }
}

/* cue_named - the first cue of s whose text is text, or NULL */
static const sr_cue *cue_named(const sr_sentiment *s, const char *text)
{
    for (unsigned i = 0; i < s->ncues; i++)
        if (strcmp(s->cues[i].text, text) == 0)
            return &s->cues[i];
    return NULL;
}

/* all_complaints - every text scores below 4 */
static void all_complaints(const sr_ctx *ctx, const char *const *texts, size_t n)
{
    scores_in(ctx, texts, n, 0.0f, 3.95f);
}

#define NTEXTS(a) (sizeof(a) / sizeof((a)[0]))

/* a separable verb split around its clause counts as the joined form
 * ("stürzt ... ab" is "abstürzt"); a particle that is a preposition
 * ("aus Berlin", "ab 10 Uhr") changes nothing */
static void test_split_verb_counts_as_joined_form(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const complaints[] = {
        "Der Lack blättert nach zwei Wochen ab.",
        "Am Griff blättert schon die Farbe ab.",
        "Ich rate jedem von diesem Shop ab.",
        "Der Kundenservice speist mich mit Floskeln ab.",
        "Die Firma hält mich seit Wochen hin.",
        "Der Motor springt morgens nicht an.",
        /* a conjunction opens the next clause with no comma */
        "Die App stürzt beim Start ab und ich kann nichts tun.",
    };
    const char *const neutral[] = {
        "Ich komme aus Berlin und wohne in Hamburg.",
        "Der Zug fährt um 9:15 Uhr von Gleis 4 ab.",
        "Der Stadtrat stimmt am Donnerstag über die neue Parkordnung ab.",
        "Das Paket kam gestern an.",
        "Der Akku hält den ganzen Tag durch.",
    };
    sr_sentiment cue = tu_score(ctx, "Der Lack blättert nach zwei Wochen ab.");
    sr_sentiment praise = tu_score(ctx, "Das Hotel zeichnet sich durch seine Lage aus.");
    sr_sentiment verb = tu_score(ctx, "Die App stürzt beim Start ab und ich kann nichts tun.");

    all_complaints(ctx, complaints, NTEXTS(complaints));
    scores_in(ctx, neutral, NTEXTS(neutral), 4.0f, 6.0f);
    /* the cue names the verb with its particle */
    assert_true(tu_has_cue(&cue, "blättert nach zwei Wochen ab"));
    assert_true(praise.score > 6.0f);
    /* the joined form replaces the verb's own valence ("stürzt") */
    assert_true(tu_has_cue(&verb, "stürzt beim Start ab"));
    assert_false(tu_has_cue(&verb, "stürzt"));
}

/* a recommendation asked for is no advocacy; a question the next
 * sentence answers with a yes or with praise keeps it, in full */
static void test_asked_recommendation_is_no_advocacy(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const asked[] = {
        "Können Sie mir ein gutes Ladegerät empfehlen?",
        "Can you recommend it? I need one for my trip to Spain next week.",
        "Do I recommend this book? No. The ending was awful.",
        "Would I recommend it? Nope.",
        /* thanks after the question answer nothing */
        "Can anyone recommend a plumber in Hull? Thanks in advance",
        "¿Alguien me recomienda un taller en Vigo? Gracias de antemano.",
        "Możecie polecić dobrego mechanika w Lublinie? Z góry dzięki!",
    };
    const char *const answered[] = {
        "Would I recommend it? Absolutely!",
        "Würde ich es weiterempfehlen? Auf jeden Fall!",
        "Est-ce que je le recommande ? Oui, sans hésiter.",
    };

    for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
        sr_sentiment s = tu_score(ctx, asked[i]);
        if (s.flags & SR_FLAG_ADVOCACY)
            fail_msg("\"%s\": advocacy", asked[i]);
        for (unsigned k = 0; k < s.ncues; k++)
            assert_int_not_equal(s.cues[k].kind, SR_CUE_ADVOCACY);
    }
    for (size_t i = 0; i < sizeof(answered) / sizeof(answered[0]); i++) {
        sr_sentiment s = tu_score(ctx, answered[i]);
        if (!(s.flags & SR_FLAG_ADVOCACY) || s.score < 7.0f)
            fail_msg("\"%s\": %.1f, no advocacy", answered[i], (double)s.score);
    }
    /* a statement is advocacy as before */
    sr_sentiment st = tu_score(ctx, "Ich empfehle diesen Shop.");
    assert_true(st.flags & SR_FLAG_ADVOCACY);
}

/* all_urgent_waits - each text is a wait: urgent_cue, and below 4 */
static void all_urgent_waits(const sr_ctx *ctx, const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sr_sentiment s = tu_score(ctx, texts[i]);
        if (!(s.flags & SR_FLAG_URGENT_CUE) || s.score >= 4.0f)
            fail_msg("\"%s\": %.1f, flags %x", texts[i], (double)s.score, s.flags);
    }
}

/* "00" in a lexicon phrase stands for any number: "waiting 3 weeks",
 * "warte seit 10 Tagen"; a number written in a phrase matches as written */
static void test_number_in_a_phrase(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const waits[] = {
        "I have been waiting 3 weeks for my refund.",
        "Ich warte seit 10 Tagen auf mein Geld.",
        "Czekam już 3 tygodnie na zwrot.",
        "Hace 12 días que espero una respuesta.",
    };

    all_urgent_waits(ctx, waits, NTEXTS(waits));
    sr_sentiment w = tu_score(ctx, "I have been waiting 3 weeks for my refund.");
    assert_true(tu_has_cue(&w, "waiting 3 weeks"));
    /* a number alone is no wait, and "5 stars" is read as written */
    sr_sentiment d = tu_score(ctx, "We stayed 5 days and loved it.");
    sr_sentiment n = tu_score(ctx, "Ich nutze das Gerät seit 3 Monaten und bin zufrieden.");
    sr_sentiment st = tu_score(ctx, "I give it 5 stars.");
    assert_false(d.flags & SR_FLAG_URGENT_CUE);
    assert_false(n.flags & SR_FLAG_URGENT_CUE);
    assert_true(tu_has_cue(&st, "5 stars"));

    /* so does a number word tagged num, in every language */
    const char *const words[] = {
        "I have been waiting three weeks for my refund.",
        "Ich warte seit drei Wochen auf mein Geld.",
        "Czekam od trzech tygodni na zwrot.",
        "Llevo tres semanas esperando el reembolso.",
        "J'attends depuis trois semaines ma commande.",
    };
    all_urgent_waits(ctx, words, NTEXTS(words));
    w = tu_score(ctx, words[0]);
    assert_true(tu_has_cue(&w, "waiting three weeks"));
    /* a word that is no number does not stand for one */
    w = tu_score(ctx, "I have been waiting several weeks for my refund.");
    assert_false(tu_has_cue(&w, "waiting several weeks"));
    n = tu_score(ctx, "Ich nutze das Gerät seit drei Monaten und bin zufrieden.");
    assert_false(n.flags & SR_FLAG_URGENT_CUE);
}

/* "too small": an excess word before a word the language has no entry
 * for is a complaint; negated it is not; praise and names stay as they are */
static void test_too_much_of_a_thing(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const complaints[] = {
        "The room was too small.",
        "The shoes are too big.",
        "La habitación era demasiado pequeña.",
        "Das Zimmer war zu klein.",
    };
    const char *const others[] = {
        "Me too.",
        "I was there too yesterday.",
        "Thanks, you too Sarah.",
    };

    all_complaints(ctx, complaints, NTEXTS(complaints));
    scores_in(ctx, others, NTEXTS(others), 4.0f, 10.0f);
    sr_sentiment c = tu_score(ctx, "The room was too small.");
    sr_sentiment n = tu_score(ctx, "The room was not too small.");
    sr_sentiment k = tu_score(ctx, "You are too kind!");
    assert_true(tu_has_cue(&c, "too small"));
    assert_true(n.score >= 4.5f);
    assert_true(k.score > 6.0f);
}

/* a mixed verdict ("Mixed feelings.", "Insgesamt durchschnittlich.")
 * pulls the text to the middle; one with a valence of its own ("nothing
 * special") only where it ends its clause */
static void test_mixed_verdict(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const mixed[] = {
        "Some chapters are brilliant, others drag on forever. Mixed feelings.",
        "Arrived on time and works as described. Nothing special, nothing bad.",
        "Klang ist gut, aber die Bedienung ist umständlich. Insgesamt durchschnittlich.",
        "I have mixed feelings about this book, the start is great but the end is awful.",
    };

    scores_in(ctx, mixed, NTEXTS(mixed), 4.0f, 6.0f);
    sr_sentiment m = tu_score(ctx, mixed[0]);
    sr_sentiment b = tu_score(ctx, "The hotel was amazing, nothing special about the breakfast though.");
    assert_true(tu_has_cue(&m, "Mixed feelings"));
    assert_true(b.score > 6.0f);
}

/* a rating is the writer's verdict: the words around it (a plot's
 * murders, a story's happy end) move the score only within its class
 * ("2/5" negative, "3 étoiles" middling, "★★★★☆" positive); ratings of
 * two classes decide nothing, and a date or a share is no rating */
static void test_rating_decides_the_class(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const low[] = {
        "2/5 - Une comédie romantique avec des personnages charmants et une fin heureuse. "
        "Les gags tombent à plat.",
        "2 étoiles. On suit un chirurgien brillant et admiré, jusqu'à son mariage parfait. Aucun intérêt.",
        "★★☆☆☆ Ein wunderschöner Film über Freundschaft und Liebe, leider viel zu lang.",
        "Deux étoiles. Un couple heureux part en vacances et tout le monde sourit.",
    };
    const char *const middling[] = {
        "3/5. Pendant la guerre, un jeune soldat découvre l'horreur des combats. La mise en scène reste sage.",
        "3 étoiles. Le roman suit une jeune femme qui trouve l'amour. Bien écrit, un peu prévisible.",
        "Restaurant correct. Rien d'exceptionnel, mais rien à redire non plus. 3 étoiles sur 5.",
        "★★★☆☆ Un tueur en série sème la terreur. Efficace mais sans surprise.",
        "Note 3/5: Mord, Totschlag und Chaos in einer Kleinstadt.",
    };
    const char *const high[] = {
        "4 étoiles. Après la mort de son mari, une veuve reprend la ferme et affronte le deuil.",
        "5 von 5 Sternen. Krieg, Hunger und Verrat, erzählt mit großer Wucht.",
        "★★★★★ Un meurtre, une guerre et beaucoup de chagrin.",
        /* a number word and a star noun; not turned as a burst of irony */
        "Der Thriller beginnt mit einem Mord im Hinterhof und lässt mich nicht los. Fünf Sterne.",
    };
    const char *const not_rated[] = {
        "My flight on 8/10 from JFK to LAX was cancelled, worst airline ever.",
        "8 out of 10 flights have been delayed. Huge mistake on my part.",
        "Essen 5/5, Service 1/5. Das Zimmer war laut, dreckig und kalt, nie wieder.",
        "Wir waren im 3 Sterne Hotel am Hafen, das Zimmer war dreckig und laut.",
        "Nous avons dormi dans un cinq étoiles, chambre sale et bruyante.",
    };

    scores_in(ctx, low, NTEXTS(low), 0.0f, 3.95f);
    scores_in(ctx, middling, NTEXTS(middling), 4.0f, 6.0f);
    scores_in(ctx, high, NTEXTS(high), 6.05f, 10.0f);
    all_complaints(ctx, not_rated, NTEXTS(not_rated));

    /* where the rating moved the score, a cue says so, and the valence is
     * the one the score reads: the cues still add up */
    sr_sentiment m = tu_score(ctx, low[1]);
    const sr_cue *c = cue_named(&m, "rating");
    assert_non_null(c);
    assert_true(c->weight < 0);
    assert_true(m.valence < 0);
    m = tu_score(ctx, middling[1]);
    c = cue_named(&m, "rating");
    assert_true(c != NULL && c->weight < 0);
    assert_float_equal(m.score, 6.0f, 0.05f);
    /* a rating that agrees with the words changes nothing, and says nothing */
    m = tu_score(ctx, "4/5. Great food, friendly staff.");
    assert_null(cue_named(&m, "rating"));
}

/* sarcasm: love for a state of things in a clause that complains ("Love
 * how my flight got delayed again"), and a burst of praise that opens the
 * sentence after one that complains ("Train cancelled again. Great job
 * guys 👏👏"); sincere praise after a complaint stays praise */
static void test_love_how_and_praise_bursts(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const sarcastic[] = {
        "Love how my flight got delayed again.",
        "Gotta love it when the app crashes mid payment.",
        "lol love how my train is cancelled again. great job guys 👏👏",
        "Train cancelled again. Great job guys.",
        "Zug fällt aus. Super gemacht, liebe Bahn 👏",
        "Uwielbiam jak pociąg spóźnia się codziennie.",
        /* a burst after a sentence that complains, in a text that leans
         * only a little to the complaint */
        "Bought a lamp listed as excellent. Arrived with a cracked base. The seller has stopped replying. Fab.",
        "Za pięć minut poza strefą naliczyli 40 zł. Super sprawa.",
    };
    const char *const sincere[] = {
        "Love how easy the setup was!",
        "Flight delayed two hours. Staff were great though.",
        "Kocham jak wszystko działa od razu.",
        "Thank you so much for the fast and painless refund!",
        /* a mixed verdict: the praise sentence after a small complaint */
        "The room was a bit small. Great location.",
    };

    all_complaints(ctx, sarcastic, NTEXTS(sarcastic));
    scores_in(ctx, sincere, NTEXTS(sincere), 6.05f, 10.0f);
    /* one turn only: the burst's opening praise is not turned twice */
    sr_sentiment b = tu_score(ctx, "Zug fällt aus. Super gemacht, liebe Bahn 👏");
    assert_true(b.valence > -5.0f);
}

/* a clause-final negator passes over a sentence adverb ("leider",
 * "malheureusement") to the verb, and flips an expected thing a few words
 * back ("funktioniert seit gestern nicht") into a complaint; the adverb
 * keeps its own valence */
static void test_backward_negation_passes_sentence_adverbs(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const complaints[] = {
        "Das gefällt mir leider nicht.",
        "Es funktioniert leider nicht.",
        "Die Zahlung klappt leider nicht.",
        "Der Drucker funktioniert seit gestern nicht.",
        "Das Gerät funktioniert seit zwei Tagen nicht mehr.",
        "Je n'aime malheureusement pas ce produit.",
    };

    all_complaints(ctx, complaints, sizeof(complaints) / sizeof(*complaints));
    for (size_t i = 0; i < sizeof(complaints) / sizeof(*complaints); i++) {
        sr_sentiment s = tu_score(ctx, complaints[i]);
        for (unsigned k = 0; k < s.ncues; k++)
            if ((strcasecmp(s.cues[k].text, "leider") == 0 ||
                 strcmp(s.cues[k].text, "malheureusement") == 0) && s.cues[k].weight >= 0)
                fail_msg("\"%s\": '%s' flipped to %.2f", complaints[i], s.cues[k].text,
                         (double)s.cues[k].weight);
    }
    assert_true(tu_score(ctx, "Es funktioniert.").score > 5.0f);
}

/* an expected event that did not happen is a complaint in each language
 * ("wurde nicht bearbeitet", "personne ne m'a recontacté"); said without
 * the negator it is neutral news, not praise */
static void test_negated_expected_event_is_a_complaint(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const complaints[] = {
        "Meine Erstattung wurde noch nicht bearbeitet.",
        "Das Paket wurde nicht zugestellt.",
        "Nobody answered my email.",
        "Personne ne m'a recontacté.",
        "Mi reembolso no ha sido tramitado.",
        "No se ha tramitado.",   /* "no se" is no "no sé": the negator stays */
        "Zamówienie nie zostało zrealizowane.",
        "Nikt mi nie odpisał.",
    };
    static const char *const news[] = {
        "Mein Paket wurde zugestellt.",
        "Votre commande a été expédiée.",
        "El pedido ha sido entregado.",
        "No sé si llegará mañana.",
    };

    all_complaints(ctx, complaints, sizeof(complaints) / sizeof(*complaints));
    for (size_t i = 0; i < sizeof(news) / sizeof(*news); i++) {
        sr_sentiment s = tu_score(ctx, news[i]);
        if (s.score < 4.0f || s.score > 6.0f)
            fail_msg("\"%s\": %.1f, want neutral", news[i], (double)s.score);
    }
}

/* the clause after "but" counts more, in each language */
static void test_contrast_weights_the_clause_after(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const cases[][2] = {
        {"The product is great but the delivery was terrible.",
         "The delivery was terrible but the product is great."},
        {"Das Produkt ist toll, aber die Lieferung war schrecklich.",
         "Die Lieferung war schrecklich, aber das Produkt ist toll."},
        {"Le produit est génial mais la livraison était horrible.",
         "La livraison était horrible mais le produit est génial."},
        {"El producto es genial pero la entrega fue terrible.",
         "La entrega fue terrible pero el producto es genial."},
        {"Produkt jest świetny, ale dostawa była okropna.",
         "Dostawa była okropna, ale produkt jest świetny."},
        {"Das Essen war toll, doch die Lieferung war schrecklich.",
         "Die Lieferung war schrecklich. Doch das Essen war toll."},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sr_sentiment neg = tu_score(ctx, cases[i][0]);
        sr_sentiment pos = tu_score(ctx, cases[i][1]);
        if (!(neg.score < 5.0f && pos.score > 5.0f))
            fail_msg("contrast: '%s' %.1f (want <5), '%s' %.1f (want >5)", cases[i][0],
                     (double)neg.score, cases[i][1], (double)pos.score);
    }
    /* inside a clause "doch" is a modal particle, no contrast */
    sr_sentiment modal = tu_score(ctx, "Das ist doch super!");
    sr_sentiment plain = tu_score(ctx, "Das ist super!");
    assert_float_equal(modal.score, plain.score, 0.01);
}

/* each pair: the first text positive (or promoter), the second negative
 * (or urgent) */
static void expect_up_down(const sr_ctx *ctx, const char *const (*pairs)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sr_sentiment up = tu_score(ctx, pairs[i][0]);
        sr_sentiment down = tu_score(ctx, pairs[i][1]);
        int pos = up.label == SR_LABEL_POSITIVE || up.label == SR_LABEL_PROMOTER;
        int neg = down.label == SR_LABEL_NEGATIVE || down.label == SR_LABEL_URGENT;
        if (!pos || !neg)
            fail_msg("\"%s\" %s, \"%s\" %s", pairs[i][0], sr_label_name(up.label), pairs[i][1],
                     sr_label_name(down.label));
    }
}

/* a concession weighs half: the main clause carries the verdict, whichever
 * comes first ("although", "obwohl", "même si", "aunque", "chociaż"; the
 * prepositions "despite", "trotz" reach only their noun phrase) */
static void test_concession_weighs_less_than_the_main_clause(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"The stay was great, although the breakfast was terrible.",
         "The breakfast was terrible, although the stay was great."},
        {"Despite the terrible breakfast the stay was great.",
         "Despite the great location the stay was terrible."},
        {"Der Aufenthalt war toll, obwohl das Frühstück schrecklich war.",
         "Das Frühstück war schrecklich, obwohl der Aufenthalt toll war."},
        {"Trotz des schrecklichen Frühstücks war der Aufenthalt toll.",
         "Trotz der tollen Lage war der Aufenthalt schrecklich."},
        {"Le séjour était génial, même si le petit-déjeuner était horrible.",
         "Le petit-déjeuner était horrible, même si le séjour était génial."},
        {"La estancia fue genial, aunque el desayuno fue terrible.",
         "El desayuno fue terrible, aunque la estancia fue genial."},
        {"Pobyt był świetny, chociaż śniadanie było okropne.",
         "Śniadanie było okropne, chociaż pobyt był świetny."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
}

static void test_intensifier_raises_and_dampener_lowers(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment plain = tu_score(ctx, "The service was good.");
    sr_sentiment very = tu_score(ctx, "The service was very good.");
    sr_sentiment bit = tu_score(ctx, "The service was slightly good.");
    sr_sentiment de = tu_score(ctx, "Der Service war gut.");
    sr_sentiment desehr = tu_score(ctx, "Der Service war sehr gut.");

    assert_true(very.score > plain.score);
    assert_true(bit.score < plain.score);
    assert_true(desehr.score > de.score);
}

static void test_allcaps_and_exclamations_add_emphasis(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment plain = tu_score(ctx, "This is terrible service.");
    sr_sentiment caps = tu_score(ctx, "This is TERRIBLE service.");
    sr_sentiment bang = tu_score(ctx, "This is terrible service!!!");
    sr_sentiment shout = tu_score(ctx, "THIS IS TERRIBLE SERVICE");

    assert_true(caps.score < plain.score);
    assert_true(bang.score < plain.score);
    /* all-caps text has no contrast to mark: no caps bonus */
    assert_true(shout.score >= caps.score);
    /* a word in capitals inside a phrase stresses the phrase */
    assert_true(tu_score(ctx, "Je suis TRÈS déçu.").score < tu_score(ctx, "Je suis très déçu.").score);
}

static void test_emoji_and_emoticons_score_in_any_language(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment up = tu_score(ctx, "\xf0\x9f\x98\x8d\xf0\x9f\x91\x8d");   /* 😍👍 */
    sr_sentiment down = tu_score(ctx, "\xf0\x9f\x98\xa1\xf0\x9f\x91\x8e"); /* 😡👎 */
    sr_sentiment smile = tu_score(ctx, ":-)");
    sr_sentiment frown = tu_score(ctx, ":-(");
    sr_sentiment heart = tu_score(ctx, "<3");

    assert_true(up.score > 7.0f);
    assert_true(down.score < 3.0f);
    assert_true(smile.score > 5.0f);
    assert_true(frown.score < 5.0f);
    assert_true(heart.score > 5.0f);
    assert_string_equal(up.lang, "und");
}

/* brackets are no faces: "(inkl. MwSt.):" and list items "8)" score as
 * the words around them; a face standing alone still counts */
static void test_brackets_and_list_items_are_no_faces(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const plain[] = {"Preis (inkl. MwSt.): 20 EUR",
                                        "Neue Fahrpläne (ab Montag): wie gehabt",
                                        "Siehe Punkt 8) und Punkt 9)", "options: 8] or 9]",
                                        "Erträge (+88%) und Mieten", "Termin (8 Uhr) am Montag"};
    sr_sentiment face = tu_score(ctx, "Das Paket ist da ): wirklich");

    for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
        sr_sentiment s = tu_score(ctx, plain[i]);
        if (s.score != 5.0f || s.ncues != 0)
            fail_msg("\"%s\": score %.1f with %u cue(s), first '%s'", plain[i], (double)s.score,
                     s.ncues, s.ncues ? s.cues[0].text : "");
    }
    assert_true(face.score < 4.0f);
    assert_true(tu_has_cue(&face, "):"));
}

/* "Dear ...", "Kind regards", "Have a great weekend" and their
 * translations are formulas: a complaint wrapped in them scores as the
 * complaint alone (within 0.3) */
static void test_salutations_and_closings_carry_no_sentiment(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"The parcel arrived damaged.",
         "Dear team, the parcel arrived damaged. Yours sincerely, Bob"},
        {"The parcel arrived damaged.", "Hello, the parcel arrived damaged. Best regards, Bob"},
        {"The parcel arrived damaged.", "Hi, the parcel arrived damaged. Kind regards, Bob"},
        {"The parcel arrived damaged.", "The parcel arrived damaged. Thanks in advance, Bob"},
        {"The parcel arrived damaged.", "Good morning, the parcel arrived damaged."},
        {"The parcel arrived damaged.", "The parcel arrived damaged. Have a great weekend!"},
        {"Das Paket ist beschädigt angekommen.",
         "Hallo, das Paket ist beschädigt angekommen. Mit freundlichen Grüßen, Max"},
        {"Das Paket ist beschädigt angekommen.",
         "Hallo, das Paket ist beschädigt angekommen. LG Max"},
        {"Paczka przyszła uszkodzona.", "Dzień dobry, paczka przyszła uszkodzona. Pozdrawiam, Jan"},
        {"Le colis est arrivé abîmé.", "Bonjour, le colis est arrivé abîmé. Cordialement, Jean"},
        {"El paquete llegó dañado.", "Hola, el paquete llegó dañado. Saludos, Juan"},
    };

    for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
        sr_sentiment bare = tu_score(ctx, pairs[i][0]);
        sr_sentiment mail = tu_score(ctx, pairs[i][1]);
        if (fabsf(bare.score - mail.score) > 0.3f || bare.label != mail.label || bare.score >= 4.0f)
            fail_msg("\"%s\" %.1f %s vs \"%s\" %.1f %s", pairs[i][0], (double)bare.score,
                     sr_label_name(bare.label), pairs[i][1], (double)mail.score,
                     sr_label_name(mail.label));
    }
}

/* sooner than expected pleases, later than expected disappoints */
static void test_faster_or_slower_than_expected(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"It arrived faster than expected.", "It took longer than expected."},
        {"Die Lieferung kam schneller als erwartet.", "Die Lieferung dauerte länger als erwartet."},
        {"Livré plus rapidement que prévu.", "La livraison a pris plus long que prévu."},
        {"Llegó antes de lo esperado.", "El envío tardó más de lo esperado."},
        {"Przesyłka dotarła szybciej niż się spodziewałem.", "Dostawa trwała dłużej niż zakładano."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
}

/* "without a doubt" only looks negated; "would (not) buy it again" and
 * "a step forward/back" say what they say, in each language; "finally"
 * greets good news and is impatient only in a request */
static void test_without_doubt_buy_again_and_steps(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Without a doubt the best hotel in town.", "I would not buy it again."},
        {"Ohne Zweifel das beste Hotel der Stadt.", "Die Reform ist ein Rückschritt."},
        {"Sans aucun doute le meilleur hôtel.", "Je ne le rachèterais pas."},
        {"Gran partido, merecida victoria.", "No soporto a la gente que habla en el cine."},
        {"Bez wątpienia najlepsza restauracja w mieście.", "Nie kupiłbym ponownie."},
        {"Bez dwóch zdań najlepszy serwis.", "Nie kupię tego ponownie."},
        {"The new law is a step forward for workers.", "The new law is a step backwards."},
        {"La nueva ley es un paso adelante.", "Esta ley es un paso atrás."},
        {"Nowa ustawa to krok naprzód dla pracowników.", "Ta ustawa to krok wstecz."},
        {"Kupiłabym jeszcze raz.", "Bez wątpienia najgorsza obsługa."},
        {"Endlich mal eine gute Nachricht für die Branche.",
         "Der Film ist langatmig, vorhersehbar und völlig belanglos."},
        {"Das kann ich gut leiden.", "Ich kann Leute nicht ausstehen, die im Kino telefonieren."},
        {"Wreszcie dobra wiadomość dla branży.", "Macht doch endlich mal was!"},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
}

/* "could have been better" complains in every language; "could have been
 * worse" does not */
static void test_counterfactual_complaints(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const worse[] = {
        "It should have been better.",   "The food should have been hot.",
        "Das Essen hätte warm sein sollen.", "Ça aurait pu être mieux.",
        "Podría haber sido mejor.",      "La comida debería haber estado caliente.",
        "Powinno było być lepiej.",
    };
    static const char *const relief[] = {"Ça aurait pu être pire.", "Podría haber sido peor."};

    for (size_t i = 0; i < sizeof(worse) / sizeof(*worse); i++) {
        sr_sentiment s = tu_score(ctx, worse[i]);
        if (s.label != SR_LABEL_NEGATIVE)
            fail_msg("\"%s\": %s %.1f, want negative", worse[i], sr_label_name(s.label),
                     (double)s.score);
    }
    for (size_t i = 0; i < sizeof(relief) / sizeof(*relief); i++)
        assert_int_equal(tu_score(ctx, relief[i]).label, SR_LABEL_NEUTRAL);
}

/* no problem, no regret: a negated problem or regret is praise in each
 * language; Polish negative concord and "w ogóle" */
static void test_negated_problems_and_regrets(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Es gab keinerlei Probleme mit der Lieferung.", "Es gab viele Probleme mit der Lieferung."},
        {"Ich bereue den Kauf nicht.", "Ich bereue den Kauf."},
        {"Il n'y a eu aucun problème avec la livraison.", "Je regrette mon achat."},
        {"Je ne regrette pas mon achat.", "La livraison a posé problème."},
        {"No hubo ningún problema con la entrega.", "Hubo un problema con la entrega."},
        {"Nie było żadnego problemu z dostawą.", "Był problem z dostawą."},
        {"Nie żałuję zakupu.", "Nie jestem w ogóle zadowolony z obsługi."},
        {"Nigdy wcześniej nie jadłem tak dobrze.",
         "Nigdy wcześniej nie zostałem tak źle potraktowany."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
}

/* chat and SMS shorthand */
static void test_chat_shorthand(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"ty so much, u guys rock", "xq no me contestais? llevo 3 dias esperando"},
        {"mil gracias, sois lo mas", "Llevo 2 semanas esperando el reembolso."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
}

/* a lone exclamation of praise before a comma and a complaint is sarcasm;
 * before thanks it is praise.  One positive phrase after a complaint too. */
static void test_sarcastic_exclamation(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Great, thanks for the quick help!", "Great, another delay."},
        {"Toll, danke für die schnelle Hilfe!", "Toll, schon wieder Verspätung."},
        {"Génial, merci pour l'aide rapide !", "Génial, encore un retard."},
        {"Genial, gracias por la ayuda tan rápida.", "Genial, otro retraso."},
        {"Super, dziękuję za szybką pomoc!", "Super, znowu opóźnienie."},
        {"This kettle is just what I needed.", "My flight was cancelled. Just what I needed."},
        /* the praise may name whom it addresses */
        {"Brawo PKP, dziękuję za szybką pomoc!", "Brawo PKP, znowu spóźnienie."},
        {"Bravo Renfe, gracias por la ayuda.", "Bravo Renfe, otro retraso."},
        /* or stand after a particle ("Oh great,", "Ach toll,", "Ah génial,") */
        {"Oh great, thanks for the quick help!", "Oh great, another delay."},
        {"Ach toll, danke für die schnelle Hilfe!", "Ach toll, schon wieder Verspätung."},
        {"Ah génial, merci pour l'aide rapide !", "Ah génial, encore un retard."},
        {"Ah genial, gracias por la ayuda tan rápida.", "Ah genial, otro retraso."},
        {"Och super, dziękuję za szybką pomoc!", "Och super, znowu opóźnienie."},
        /* or after the exclamative "how" ("Wie toll,", "How lovely,") */
        {"Wie toll, danke für die schnelle Hilfe!", "Wie toll, schon wieder Verspätung."},
        {"How lovely, thanks for the quick help!", "How lovely, another delay."},
        {"Jak super, dziękuję za szybką pomoc!", "Jak super, znowu opóźnienie."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    sr_sentiment s = tu_score(ctx, "Great, another delay.");
    const sr_cue *c = cue_named(&s, "Great");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
    /* the particle may belong to the praise's cue ("oh great" is an
     * interj phrase of the English list too) */
    s = tu_score(ctx, "Oh great, another delay.");
    c = cue_named(&s, "great");
    if (c == NULL)
        c = cue_named(&s, "Oh great");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
    s = tu_score(ctx, "Ach toll, schon wieder Verspätung.");
    c = cue_named(&s, "toll");
    assert_true(c != NULL && c->weight < 0 && (c->mods & SR_MOD_IRONY));
    /* a particle alone before the comma is no exclamation of praise */
    s = tu_score(ctx, "Oh, great service today, thanks.");
    assert_true(s.score > 6.0f);
}

/* the burst may hold more praise tagged interj after its opening word
 * ("Genial, justo lo que necesitaba" after a complaint); after praise, or
 * with praise not so tagged after it, it stays praise */
static void test_praise_burst_with_interj_phrase(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const sarcastic[] = {
        "The update deleted all my notes. Great, just what I needed.",
        "La actualización me ha borrado todas las notas. Genial, justo lo que necesitaba.",
        "Aktualizacja usunęła mi wszystkie notatki. Super, dokładnie tego potrzebowałem.",
    };
    const char *const sincere[] = {
        "The hotel was lovely. Great, just what I needed.",
        "My old kettle broke last week. Great, just what I needed, works perfectly.",
        "El hotel era precioso. Genial, justo lo que necesitaba.",
    };

    all_complaints(ctx, sarcastic, NTEXTS(sarcastic));
    scores_in(ctx, sincere, NTEXTS(sincere), 6.05f, 10.0f);
    sr_sentiment m = tu_score(ctx, sarcastic[1]);
    const sr_cue *c = cue_named(&m, "justo lo que necesitaba");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
}

/* the applause that goes with a sarcastic exclamation is sarcasm too; with
 * good news after the exclamation it stays praise */
static void test_sarcastic_applause(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Great, my package arrived a day early 👏", "Great job, my package is lost again 👏"},
        {"Enhorabuena, me lo arreglasteis en una hora 👏👏",
         "Enhorabuena @TeleRed, tercer corte de fibra esta semana 👏👏"},
        {"Bravo, livré en avance 👏", "Bravo, encore un retard de 2h 👏👏👏"},
        {"Super, die Lieferung kam schon heute 👍", "Super, schon wieder kein Netz 👍"},
        {"Gratulacje, paczka doszła w jeden dzień 👏", "Gratulacje, trzecia awaria w tym tygodniu 👏"},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    sr_sentiment s = tu_score(ctx, "Great job, my package is lost again 👏");
    const sr_cue *c = cue_named(&s, "👏");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
}

/* praise alone closing a sentence that complains is sarcasm; praise of
 * something named ("great location") is a mixed verdict, and a contrast
 * ("but fine") keeps it sincere */
static void test_sarcastic_praise_at_the_end(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"The update is fast and stable, great.", "The update crashes every five minutes, great."},
        {"Paket kam pünktlich an, echt super.", "Seit gestern kein Netz, echt super."},
        {"Vol à l'heure et équipage charmant, bravo 👏", "Vol retardé de 3h sans aucune info, bravo 👏"},
        {"Pedido entregado a tiempo, genial.", "Pedido perdido otra vez, genial."},
        {"Paczka doszła na czas, super.", "Paczka znowu zaginęła, super."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    sr_sentiment s = tu_score(ctx, "My bag got lost again, just great.");
    const sr_cue *c = cue_named(&s, "great");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
    /* a named good thing after the complaint stays praise */
    s = tu_score(ctx, "The room was dirty and noisy, great location.");
    c = cue_named(&s, "great");
    assert_non_null(c);
    assert_true(c->weight > 0 && !(c->mods & SR_MOD_IRONY));
    s = tu_score(ctx, "Delivery was late, but fine.");
    c = cue_named(&s, "fine");
    assert_true(c == NULL || c->weight > 0);
}

/* a sentence of one phrase of praise after a complaint is irony, with a
 * word of no valence before the phrase too ("Ganz starke Leistung.",
 * "Really great job."); after praise it stays praise */
static void test_sarcastic_phrase_after_a_complaint(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Das Team hat heute alles gegeben. Ganz starke Leistung.",
         "Dritte Nachzahlung in Folge und keiner kann mir erklären, warum. Ganz starke Leistung."},
        {"The crew got us home early. Really great job.",
         "Flight cancelled, no hotel, no refund. Really great job."},
        {"Pünktlich, sauber und freundlich. Echt tolle Arbeit.",
         "Der Zug fiel aus, kein Ersatz, keine Info. Echt tolle Arbeit."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
        sr_sentiment s = tu_score(ctx, pairs[i][1]);
        int turned = 0;
        for (unsigned k = 0; k < s.ncues; k++)
            if (s.cues[k].weight < 0 && (s.cues[k].mods & SR_MOD_IRONY))
                turned = 1;
        if (!turned)
            fail_msg("\"%s\": the praise is not turned", pairs[i][1]);
    }
}

/* "neither good nor bad" denies both sides: neutral, in every language; two
 * denials of the same side, and one plain negator reaching over a word of
 * the other sign, stay complaints */
static void test_neither_nor_is_neutral(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const neutral[] = {
        "The pasta was neither good nor bad.",
        "Das Hotel war weder gut noch schlecht.",
        "Le film n'était ni bon ni mauvais.",
        "La comida no fue ni buena ni mala.",
        "Obsługa ani dobra, ani zła.",
    };
    static const char *const complaints[] = {
        "Ni rapide ni efficace.",
        "Weder freundlich noch hilfsbereit.",
        "I can't recommend this bad product.",
        "Not happy at all, but not as angry as last time.",
    };

    for (size_t i = 0; i < sizeof(neutral) / sizeof(*neutral); i++) {
        sr_sentiment s = tu_score(ctx, neutral[i]);
        if (s.label != SR_LABEL_NEUTRAL)
            fail_msg("\"%s\": %s %.1f", neutral[i], sr_label_name(s.label), (double)s.score);
    }
    all_complaints(ctx, complaints, sizeof(complaints) / sizeof(*complaints));
}

/* a sentence that a why-word opens and that complains names a loss: the
 * praise in it is the thing lost; a why-question of praise alone is no
 * complaint */
static void test_praise_in_a_why_complaint_is_the_loss(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const complaints[] = {
        "why did you cancel the best series ever",
        "Warum habt ihr die beste Funktion entfernt? Jetzt ist die App nutzlos.",
        "Pourquoi avoir supprimé la meilleure option, c'est nul",
        "¿Por qué quitaron la mejor función? Qué pena.",
        "Dlaczego usunęliście najlepszą funkcję? Szkoda.",
    };

    all_complaints(ctx, complaints, sizeof(complaints) / sizeof(*complaints));
    sr_sentiment s = tu_score(ctx, "why did you cancel the best series ever");
    assert_null(cue_named(&s, "best"));
    s = tu_score(ctx, "Why is this app so good?!");
    assert_true(s.label != SR_LABEL_NEGATIVE && s.label != SR_LABEL_URGENT);
    s = tu_score(ctx, "Why is everyone so friendly here? Best hotel ever.");
    assert_true(s.label == SR_LABEL_POSITIVE || s.label == SR_LABEL_PROMOTER);
}

/* a repetition weighs on a complaint in its sentence, is no urgency by
 * itself, and counts nothing without a complaint ("would buy again") or
 * opening a sentence before a comma ("Again, thank you") */
static void test_a_repeated_failure_weighs_more(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const again[][2] = {
        {"My flight is delayed.", "My flight is delayed again."},
        {"Der Zug ist verspätet.", "Der Zug ist schon wieder verspätet."},
        {"Mon colis est en retard.", "Mon colis est encore une fois en retard."},
        {"El pedido llegó tarde.", "El pedido llegó tarde otra vez."},
        {"Paczka się spóźnia.", "Paczka znowu się spóźnia."},
    };
    static const char *const praise[] = {
        "Would definitely buy again, great quality.",
        "Je commanderai à nouveau, très satisfait.",
        "Volvería a comprar otra vez, muy contento.",
        "Znowu zamówiłem, jak zawsze świetna jakość.",
        "Again, thank you so much for your help!",
    };

    for (size_t i = 0; i < sizeof(again) / sizeof(*again); i++) {
        sr_sentiment a = tu_score(ctx, again[i][0]);
        sr_sentiment b = tu_score(ctx, again[i][1]);
        if (!(b.score < a.score) || b.label != SR_LABEL_NEGATIVE ||
            (b.flags & SR_FLAG_URGENT_CUE))
            fail_msg("\"%s\" %.1f, \"%s\" %.1f %s", again[i][0], (double)a.score, again[i][1], (double)b.score,
                     sr_label_name(b.label));
    }
    for (size_t i = 0; i < sizeof(praise) / sizeof(*praise); i++) {
        sr_sentiment s = tu_score(ctx, praise[i]);
        if (s.label != SR_LABEL_POSITIVE && s.label != SR_LABEL_PROMOTER)
            fail_msg("\"%s\": %s %.1f", praise[i], sr_label_name(s.label), (double)s.score);
    }
    sr_sentiment s = tu_score(ctx, "Mein Zug hat schon wieder Verspätung.");
    assert_false(s.flags & SR_FLAG_URGENT_CUE);
    assert_non_null(cue_named(&s, "schon wieder"));
}

/* an incredulity word that is a question of its own weighs on a text that
 * complains; alone, or in a text of praise, it says nothing */
static void test_incredulity_question_after_a_complaint(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Mi pedido nunca llegó.", "Mi pedido nunca llegó. ¿En serio?"},
        {"Paczka nie dotarła.", "Paczka nie dotarła. Serio?"},
        {"Meine Bestellung kam nie an.", "Meine Bestellung kam nie an. Im Ernst?"},
    };

    for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
        sr_sentiment a = tu_score(ctx, pairs[i][0]);
        sr_sentiment b = tu_score(ctx, pairs[i][1]);
        if (!(b.score < a.score))
            fail_msg("\"%s\" %.1f, \"%s\" %.1f", pairs[i][0], (double)a.score, pairs[i][1],
                     (double)b.score);
    }
    sr_sentiment s = tu_score(ctx, "Echt? Cool, danke!");
    assert_true(s.label == SR_LABEL_POSITIVE || s.label == SR_LABEL_PROMOTER);
    s = tu_score(ctx, "Vendeur sérieux, je recommande.");
    assert_true(s.label == SR_LABEL_POSITIVE || s.label == SR_LABEL_PROMOTER);
}

/* "NOW", "JETZT", "YA" shouted after lower-case words are urgency; the
 * plain word, a title in capitals and a sentence-initial promo are not */
static void test_shouted_now_is_urgency(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const shouted[] = {
        "I need someone to rebook me NOW, my connection leaves soon",
        "Ich will mein Geld JETZT zurück",
        "Remboursez-moi MAINTENANT",
        "Devuélvanme el dinero YA",
        "Oddajcie pieniądze TERAZ",
    };
    static const char *const plain[] = {
        "I need someone to rebook me now, my connection leaves soon",
        "It works fine now, thanks",
        "Jetzt funktioniert alles, danke",
        "Ya llegó el pedido, gracias",
        "APOCALYPSE NOW",
        "JETZT im Fernsehen oder direkt hier",
    };

    for (size_t i = 0; i < sizeof(shouted) / sizeof(*shouted); i++) {
        sr_sentiment s = tu_score(ctx, shouted[i]);
        if (!(s.flags & SR_FLAG_URGENT_CUE) || s.label != SR_LABEL_URGENT)
            fail_msg("'%s': label %s, flags %#x; want urgent with urgent_cue", shouted[i],
                     sr_label_name(s.label), s.flags);
    }
    for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
        sr_sentiment s = tu_score(ctx, plain[i]);
        if (s.flags & SR_FLAG_URGENT_CUE)
            fail_msg("'%s': urgent_cue set", plain[i]);
    }
}

/* urgency is the writer's: a report ("the government must urgently act")
 * gets no urgent_cue, and exactly what its plain urgency words added is
 * taken back, however a contrast or a negator weighed them */
static void test_urgency_in_a_report_counts_nothing(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const reports[] = {
        "The government must urgently act on housing.",
        "The government must urgently act but nothing happens",
        "Die Regierung reagiert sofort nicht.",
        "El gobierno debe actuar con urgencia ante la crisis de la vivienda.",
    };
    static const char *const writers[] = {
        "Please act urgently, my account is locked.",
        "Pedido sin llegar, urgente",
        "Sin luz desde ayer, envíen un técnico urgentemente",
    };

    for (size_t i = 0; i < sizeof(reports) / sizeof(*reports); i++) {
        sr_sentiment s = tu_score(ctx, reports[i]);
        if ((s.flags & SR_FLAG_URGENT_CUE) || s.valence != 0.0f || s.ncues != 0)
            fail_msg("'%s': flags %#x, valence %.3f, %u cues; want a plain report", reports[i],
                     s.flags, (double)s.valence, s.ncues);
    }
    for (size_t i = 0; i < sizeof(writers) / sizeof(*writers); i++) {
        sr_sentiment s = tu_score(ctx, writers[i]);
        if (!(s.flags & SR_FLAG_URGENT_CUE) || s.label != SR_LABEL_URGENT)
            fail_msg("'%s': label %s; want urgent", writers[i], sr_label_name(s.label));
    }
}

/* laughter is praise next to praise; in a sentence that complains it is
 * bitter and adds none, whichever comes first */
static void test_laughter_in_a_complaint_is_no_praise(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"lol that was fun", "lol my package got lost again"},
        {"jajaja me encanta", "Mi pedido llegó roto, jajaja no me lo creo"},
        {"hahaha świetny mecz", "wstyd za ten mecz xd"},
        {"mdr trop drôle", "mdr ce gouvernement est une blague"},
        {"hahaha super Spiel", "peinliches Spiel hahaha"},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    /* the laugh is no cue there; the complaint is */
    sr_sentiment s = tu_score(ctx, "lol my package got lost again");
    assert_true(s.ncues >= 1);
    assert_null(cue_named(&s, "lol"));
    /* next to praise it stays */
    s = tu_score(ctx, "lol that was fun");
    const sr_cue *c = cue_named(&s, "lol");
    assert_true(c != NULL && c->weight > 0);
}

/* tears ("😭", "🥺", tagged laugh with a negative valence) next to praise
 * or thanks are the writer overwhelmed: they take no blame there; alone,
 * with a complaint, in a sentence with a contrast or after a sentence that
 * complains they keep it */
static void test_tears_next_to_praise_are_no_blame(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const moved[] = {
        "this album is SO good 😭😭",
        "omg the new season is amazing 😭😭😭",
        "thank you so much 😭",
        "qué maravilla de concierto 😭",
        "ce livre est tellement beau 😭",
        "najlepszy koncert w życiu 😭❤️",
        "Danke euch, ihr seid die Besten 🥺",
        /* after a sentence of praise, in one that says nothing else */
        "Was für ein Abend! Meine Stimme ist weg 😭",
        "Ce concert était magnifique. J'en suis encore toute retournée 😭",
    };
    const char *const sad[] = {
        "😭",
        "I miss my dog so much 😭",
        "they cancelled my flight again 😭",
        "not good 😭",
        "my flight got cancelled. thank you so much 😭",
        "mi pedido no ha llegado 😭",
        "the food was nice but the room was filthy 😭",
        /* after praise, a sentence that complains keeps them */
        "Great start to the day. Then my train got cancelled 😭",
    };

    scores_in(ctx, moved, NTEXTS(moved), 6.05f, 10.0f);
    all_complaints(ctx, sad, NTEXTS(sad));
    /* the tears are no cue where they take no blame; where they keep it
     * they are one, with the weight counted */
    sr_sentiment s = tu_score(ctx, moved[0]);
    assert_null(cue_named(&s, "😭"));
    s = tu_score(ctx, sad[1]);
    const sr_cue *c = cue_named(&s, "😭");
    assert_true(c != NULL && c->weight < 0 && c->kind == SR_CUE_EMOJI && c->mods == 0);
}

/* thanks for a complaint, in its own clause, is sarcasm; thanks beside a
 * complaint in another clause, or for help with one, stay thanks */
static void test_thanks_for_a_complaint_is_sarcasm(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Thanks for the quick help.", "Thanks for another delay."},
        {"Danke für die schnelle Hilfe.", "Danke Deutsche Bahn für die Verspätung."},
        {"Merci pour votre aide rapide.", "Merci la SNCF pour ce retard."},
        {"Gracias por la ayuda tan rápida.", "Gracias Renfe por otro retraso."},
        {"Dzięki za szybką pomoc.", "Dzięki PKP za kolejne opóźnienie."},
        /* thanks alone in a short sentence after a text that complains */
        {"The parcel came a day early. Thanks, Evri.",
         "The parcel has been stuck in the depot for two weeks. Thanks, Evri."},
        {"El paquete llegó un día antes. Gracias, Correos.",
         "Mi paquete lleva dos semanas atascado en la central. Gracias, Correos."},
        {"Paczka przyszła dzień wcześniej. Dzięki, InPost.",
         "Paczka od dwóch tygodni utknęła w sortowni. Dzięki, InPost."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    sr_sentiment s = tu_score(ctx, "Thanks for another delay.");
    const sr_cue *c = cue_named(&s, "Thanks");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
    s = tu_score(ctx, "The parcel has been stuck in the depot for two weeks. Thanks, Evri.");
    c = cue_named(&s, "Thanks");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
    /* not sarcasm: thanks in a clause of its own, or for help */
    static const char *const genuine[] = {
        "Thank you for your patience, the delay is due to weather.",
        "Thanks for your help with my lost package.",
        "The flight was awful but thanks for the voucher.",
        "My bag was lost at Gatwick. It turned up the next day, all sorted. Thanks!",
    };
    for (size_t k = 0; k < sizeof(genuine) / sizeof(*genuine); k++) {
        s = tu_score(ctx, genuine[k]);
        for (unsigned i = 0; i < s.ncues; i++)
            if (strncasecmp(s.cues[i].text, "thank", 5) == 0 && s.cues[i].weight <= 0)
                fail_msg("\"%s\": thanks read as sarcasm", genuine[k]);
    }
}

/* applause in the clause of sarcastic thanks turns with them ("Thanks
 * @Acme for a whole week without internet 👏"); applause beside thanks
 * for a service done stays praise */
static void test_applause_turns_with_sarcastic_thanks(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Thanks @Acme for fixing the internet so fast \xf0\x9f\x91\x8f",
         "Thanks @Acme for a whole week without internet \xf0\x9f\x91\x8f"},
        {"Danke @Telekom für die schnelle Hilfe \xf0\x9f\x91\x8f",
         "Danke @Telekom für eine Woche ohne Internet \xf0\x9f\x91\x8f"},
        {"Merci pour votre aide rapide \xf0\x9f\x91\x8f\xf0\x9f\x91\x8f",
         "Merci pour le retard \xf0\x9f\x91\x8f\xf0\x9f\x91\x8f"},
        {"Dzi\xc4\x99kuj\xc4\x99 @SiecPlus za szybk\xc4\x85 pomoc \xf0\x9f\x91\x8f",
         "Dzi\xc4\x99kuj\xc4\x99 @SiecPlus za tydzie\xc5\x84 bez internetu \xf0\x9f\x91\x8f"},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    sr_sentiment s = tu_score(ctx, pairs[0][1]);
    const sr_cue *c = cue_named(&s, "\xf0\x9f\x91\x8f");
    assert_non_null(c);
    assert_true(c->weight < 0 && (c->mods & SR_MOD_IRONY));
    assert_true(s.label == SR_LABEL_NEGATIVE || s.label == SR_LABEL_URGENT);
    s = tu_score(ctx, pairs[0][0]);
    c = cue_named(&s, "\xf0\x9f\x91\x8f");
    assert_non_null(c);
    assert_true(c->weight > 0);
    assert_true(s.label == SR_LABEL_POSITIVE || s.label == SR_LABEL_PROMOTER);
}

/* an exclamation of praise that greets a repetition is sarcasm, though
 * the thing repeated is no complaint ("Great, another update."); not when
 * the repetition comes later ("Great, see you again next week!") or the
 * sentence praises what comes again ("Great, another win!") */
static void test_interj_greets_repetition(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Great, another win for the team!", "Great, another software update."},
        {"Great, see you again next week!", "Oh great, another email from the bank."},
        {"Super, ich bestelle noch eins.", "Super, schon wieder ein Update."},
        {"G\xc3\xa9nial, encore une victoire !", "G\xc3\xa9nial, encore une mise \xc3\xa0 jour."},
        {"Genial, otro d\xc3\xad" "a perfecto en la playa.", "Genial, otro correo del banco."},
        {"Super, kolejny udany wyjazd!", "\xc5\x9awietnie, znowu remont na stacji."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
        sr_sentiment s = tu_score(ctx, pairs[i][1]);
        assert_true(s.label == SR_LABEL_NEGATIVE || s.label == SR_LABEL_URGENT);
        /* the exclamation is the cue that turned, with the irony mark */
        assert_true(s.ncues >= 2);
        int turned = 0;
        for (unsigned k = 0; k < s.ncues; k++)
            if (s.cues[k].weight < 0 && (s.cues[k].mods & SR_MOD_IRONY))
                turned = 1;
        assert_true(turned);
        s = tu_score(ctx, pairs[i][0]);
        assert_true(s.label == SR_LABEL_POSITIVE || s.label == SR_LABEL_PROMOTER);
    }
}

/* praise that qualifies the complaint thanked for is sarcasm ("Thanks
 * for the lovely 3 hour delay"); thanks for help with a problem, or for
 * praise of a topic, stay thanks */
static void test_thanks_for_praised_complaint(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Thanks for your quick help with my broken laptop",
         "Thanks for the lovely 3 hour delay \xf0\x9f\x91\x8f"},
        {"Thanks for the great article on poverty",
         "Thanks for the wonderful week without internet \xf0\x9f\x91\x8f"},
        {"Vielen Dank f\xc3\xbcr die schnelle Hilfe bei meinem kaputten Handy.",
         "Danke f\xc3\xbcr die tolle Woche ohne Internet \xf0\x9f\x91\x8f"},
        {"Merci pour la r\xc3\xa9ponse rapide \xc3\xa0 ma r\xc3\xa9" "clamation.",
         "Merci pour ce magnifique retard !"},
        {"Gracias por la r\xc3\xa1pida respuesta a mi queja.",
         "Gracias por la maravillosa semana sin internet \xf0\x9f\x91\x8f"},
        {"Dzi\xc4\x99kuj\xc4\x99 za szybk\xc4\x85 odpowied\xc5\xba na moj\xc4\x85 reklamacj\xc4\x99.",
         "Dzi\xc4\x99ki za wspania\xc5\x82y tydzie\xc5\x84 bez internetu \xf0\x9f\x91\x8f"},
    };

    for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
        sr_sentiment s = tu_score(ctx, pairs[i][1]);
        if (s.label != SR_LABEL_NEGATIVE && s.label != SR_LABEL_URGENT)
            fail_msg("\"%s\": %.1f %s", pairs[i][1], (double)s.score, sr_label_name(s.label));
        /* the praise and the thanks turned, with the irony mark */
        unsigned turned = 0;
        for (unsigned k = 0; k < s.ncues; k++)
            if (s.cues[k].weight < 0 && (s.cues[k].mods & SR_MOD_IRONY))
                turned++;
        assert_true(turned >= 2);
        s = tu_score(ctx, pairs[i][0]);
        if (s.label == SR_LABEL_NEGATIVE || s.label == SR_LABEL_URGENT)
            fail_msg("\"%s\": %.1f %s", pairs[i][0], (double)s.score, sr_label_name(s.label));
        for (unsigned k = 0; k < s.ncues; k++)
            assert_false(s.cues[k].mods & SR_MOD_IRONY);
    }
}

/* short bursts of praise that open a text, then a repeated failure, are
 * sarcasm; praise then a plain remark or more praise stays praise */
static void test_praise_burst_before_repeated_failure(void **state)
{
    const sr_ctx *ctx = *state;
    const char *const sarcastic[] = {
        "Well done. My parcel is lost again.",
        "Love it. Stopped working again after a week.",
        "Super. Schon wieder ausgefallen.",
        "Genial. Otra vez sin luz.",
        "\xc5\x9awietnie. Znowu awaria.",
    };
    const char *const sincere[] = {
        "Great service again!",
        "Amazing. Thanks again for everything.",
        "Great hotel. Would stay again.",
    };

    all_complaints(ctx, sarcastic, NTEXTS(sarcastic));
    scores_in(ctx, sincere, NTEXTS(sincere), 6.05f, 10.0f);
    for (size_t i = 0; i < NTEXTS(sarcastic); i++) {
        sr_sentiment s = tu_score(ctx, sarcastic[i]);
        int turned = 0;
        for (unsigned k = 0; k < s.ncues; k++)
            if (s.cues[k].weight < 0 && (s.cues[k].mods & SR_MOD_IRONY))
                turned = 1;
        assert_true(turned);
    }
}

/* a text that attributes what it says ("..., the company said", "nach
 * Angaben der Bahn", "a indiqué la préfecture") and has no word of the
 * writer or the one addressed reports: it scores nearer the middle, with
 * the attribution as a cue; a customer who quotes an agent does not */
static void test_attribution_makes_a_report(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Around 300 jobs will be lost, the company said in a statement.",
         "Around 300 jobs will be lost."},
        {"Die Strecke bleibt nach Angaben der Bahn bis Montag gesperrt.",
         "Die Strecke bleibt bis Montag gesperrt."},
        {"Les inondations ont d\xc3\xa9truit 200 maisons, a indiqu\xc3\xa9 la pr\xc3\xa9" "fecture.",
         "Les inondations ont d\xc3\xa9truit 200 maisons."},
        {"Las inundaciones destruyeron 200 casas, inform\xc3\xb3 la polic\xc3\xad" "a.",
         "Las inundaciones destruyeron 200 casas."},
        {"Pow\xc3\xb3" "d\xc5\xba zniszczy\xc5\x82" "a 200 dom\xc3\xb3w, poinformowa\xc5\x82" "a policja.",
         "Pow\xc3\xb3" "d\xc5\xba zniszczy\xc5\x82" "a 200 dom\xc3\xb3w."},
    };

    for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
        sr_sentiment rep = tu_score(ctx, pairs[i][0]);
        sr_sentiment plain = tu_score(ctx, pairs[i][1]);
        if (!(plain.valence < 0.0f && rep.valence < 0.0f && rep.valence > plain.valence))
            fail_msg("\"%s\": %.2f, without the attribution %.2f", pairs[i][0],
                     (double)rep.valence, (double)plain.valence);
        int cue = 0;
        for (unsigned k = 0; k < rep.ncues; k++)
            if (rep.cues[k].weight > 0.0f)
                cue = 1;
        assert_true(cue);
    }
    /* the writer's own words: no report; nor with an exclamation */
    sr_sentiment a = tu_score(ctx, "My refund was rejected, the agent said on the phone.");
    sr_sentiment b = tu_score(ctx, "My refund was rejected.");
    assert_true(a.valence == b.valence);
    a = tu_score(ctx, "300 jobs will be lost, the company said on Monday!");
    b = tu_score(ctx, "300 jobs will be lost, the company said on Monday.");
    assert_true(a.valence < b.valence);
}

/* "00" may begin a phrase (and end one): "Three weeks for a dermatologist
 * appointment." is a wait complained of, in digits or words; "within 2
 * hours for our boiler" and "3 Monate für 19 Euro" are no wait */
static void test_phrase_begins_with_number(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const waits[] = {
        "Three weeks for a dermatologist appointment.",
        "3 weeks for a dermatologist appointment.",
        "Drei Wochen f\xc3\xbcr einen Termin beim Hautarzt.",
        "Trois semaines pour un rendez-vous chez le dermato.",
        "Tres semanas para una cita con el dermat\xc3\xb3logo.",
        "Trzy tygodnie na wizyt\xc4\x99 u dermatologa.",
    };
    static const char *const none[] = {
        "They sent someone within 2 hours for our boiler.",
        "Drei Monate f\xc3\xbcr 19 Euro.",
        "I need a statement for the last 12 months for a mortgage application.",
    };

    for (size_t i = 0; i < sizeof(waits) / sizeof(*waits); i++) {
        sr_sentiment s = tu_score(ctx, waits[i]);
        assert_true(s.label == SR_LABEL_NEGATIVE);
        assert_int_equal(s.ncues, 1);
        assert_true(s.cues[0].weight < 0);
        /* the cue is the phrase, number and all */
        assert_true(strchr(s.cues[0].text, ' ') != NULL);
    }
    for (size_t i = 0; i < sizeof(none) / sizeof(*none); i++) {
        sr_sentiment s = tu_score(ctx, none[i]);
        assert_int_equal(s.label, SR_LABEL_NEUTRAL);
    }
}

/* the weight of the first cue whose text begins with prefix (any case), or
 * NAN when there is none */
static float cue_weight_prefix(const sr_sentiment *s, const char *prefix)
{
    for (unsigned i = 0; i < s->ncues; i++)
        if (strncasecmp(s->cues[i].text, prefix, strlen(prefix)) == 0)
            return s->cues[i].weight;
    return NAN;
}

/* thanks (and wishes for the day) that close a request are courtesy: the
 * message stays neutral, the thanks weigh as in a question, and after a
 * complaint they are no sarcasm; thanks the request asks for ("I would
 * like to thank you") stay thanks */
static void test_thanks_closing_a_request_are_courtesy(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const req[][2] = {
        {"Hi, I would like to change the delivery address. Thank you very much", "Thank"},
        {"Please update my billing address to 5 Main Street. Many thanks, John", "thanks"},
        {"Hallo, ich möchte die Lieferadresse ändern. Vielen Dank, Gruß", "Vielen"},
        {"Bonjour, je voudrais changer l'adresse de livraison. Merci beaucoup", "Merci"},
        {"Buenos días, quisiera cambiar la dirección de envío. Muchas gracias", "Muchas"},
        {"Dzień dobry, chciałbym zmienić adres dostawy. Dziękuję, pozdrawiam", "Dzięk"},
        {"Hallo, ich möchte meine Bestellung stornieren. Schönen Tag noch!", "Schönen"},
        {"Bonjour, je voudrais annuler ma commande. Bonne journée !", "Bonne"},
    };
    for (size_t k = 0; k < sizeof(req) / sizeof(*req); k++) {
        sr_sentiment s = tu_score(ctx, req[k][0]);
        float w = cue_weight_prefix(&s, req[k][1]);
        if (s.score < 4.0f || s.score > 6.0f || !(w > 0.0f && w < 0.5f))
            fail_msg("\"%s\": score %.1f, \"%s\" weighs %.3f", req[k][0], (double)s.score,
                     req[k][1], (double)w);
    }
    /* the request asks for the thanks: they count in full */
    static const char *const asked[][2] = {
        {"I would like to thank you for your help with my order.", "thank you"},
        {"Je voudrais vous remercier, merci beaucoup pour votre aide.", "merci"},
        {"The parcel arrived today, thank you kindly.", "thank you"},
    };
    for (size_t k = 0; k < sizeof(asked) / sizeof(*asked); k++) {
        sr_sentiment s = tu_score(ctx, asked[k][0]);
        float w = cue_weight_prefix(&s, asked[k][1]);
        if (!(w >= 1.0f) || s.score <= 6.0f)
            fail_msg("\"%s\": score %.1f, \"%s\" weighs %.3f", asked[k][0], (double)s.score,
                     asked[k][1], (double)w);
    }
    /* after a complaint and a request, closing thanks are no sarcasm */
    static const char *const courtesy[][2] = {
        {"My package arrived broken. Please send a replacement. Thanks", "Thanks"},
        {"Mein Paket kam kaputt an. Bitte schicken Sie Ersatz. Danke", "Danke"},
        /* nor after a question (a request too) */
        {"Bonjour, je n'ai toujours pas reçu ma commande. Pouvez-vous vérifier ? Merci", "Merci"},
        {"Hola, todavía no he recibido mi pedido. ¿Pueden revisarlo? Gracias", "Gracias"},
        {"Dzień dobry, nadal nie otrzymałem zamówienia. Czy mogą Państwo sprawdzić? Dziękuję",
         "Dzięk"},
    };
    for (size_t k = 0; k < sizeof(courtesy) / sizeof(*courtesy); k++) {
        sr_sentiment s = tu_score(ctx, courtesy[k][0]);
        float w = cue_weight_prefix(&s, courtesy[k][1]);
        if (!(w > 0.0f) || s.score >= 4.0f)
            fail_msg("\"%s\": score %.1f, \"%s\" weighs %.3f", courtesy[k][0],
                     (double)s.score, courtesy[k][1], (double)w);
    }
}

/* the name on the line after a closing formula (or after it and a comma
 * on its line, capitalized) carries no valence: "Dolores" (pains),
 * "Claire" (clear), "Joy", "Glück"; what follows a closing otherwise
 * counts */
static void test_signature_name_after_closing_has_no_valence(void **state)
{
    const sr_ctx *ctx = *state;
    /* the text, the name after it: the score is the text's alone */
    static const char *const named[][3] = {
        {"Hola, ¿cuándo llega mi pedido?\n\nSaludos,", "\nDolores García", "Dolores"},
        {"Bonjour, où en est ma commande ?\nCordialement,", "\nClaire Dubois", "Claire"},
        {"Hi, where is my order? Kind regards,", " Joy Smith", "Joy"},
        {"Wo bleibt meine Bestellung?\nMit freundlichen Grüßen", "\nAngelika Glück", "Glück"},
        {"Kiedy dotrze moje zamówienie?\nPozdrawiam", "\nBożena Miła", "Miła"},
    };
    for (size_t k = 0; k < sizeof(named) / sizeof(*named); k++) {
        char full[256];
        snprintf(full, sizeof(full), "%s%s", named[k][0], named[k][1]);
        sr_sentiment bare = tu_score(ctx, named[k][0]);
        sr_sentiment s = tu_score(ctx, full);
        float w = cue_weight_prefix(&s, named[k][2]);
        if (!isnan(w) || s.score != bare.score)
            fail_msg("\"%s\": score %.1f (%.1f without the name), \"%s\" weighs %.3f", full,
                     (double)s.score, (double)bare.score, named[k][2], (double)w);
    }
    /* not a name: lower case on the closing's line, or past the name line */
    static const char *const counted[][2] = {
        {"Kind regards, and great job on the fix!", "great"},
        {"Best regards\nJohn\nP.S. the new app is terrible", "terrible"},
        {"Best regards\nand honestly the product is terrible", "terrible"},
    };
    for (size_t k = 0; k < sizeof(counted) / sizeof(*counted); k++) {
        sr_sentiment s = tu_score(ctx, counted[k][0]);
        float w = cue_weight_prefix(&s, counted[k][1]);
        if (isnan(w) || w == 0.0f)
            fail_msg("\"%s\": \"%s\" lost its valence", counted[k][0], counted[k][1]);
    }
}

/* a word of praise that signs the letter off at the start of its line,
 * with the name on the next ("Best,\nAmir", "Love,\nMum", "Un abrazo,\nAna",
 * "Bises,\nAnna"), counts nothing: a complaint signed so stays a complaint,
 * a request stays neutral.  Where it starts no line, or no name line
 * follows, it is praise. */
static void test_signoff_praise_counts_nothing(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const signed_off[][3] = {
        {"Hi,\nmy order is late.", "\nBest,\nAmir", "Best"},
        {"Hi,\nI would like to change my address.", "\nBest,\nAmir", "Best"},
        {"Hi,\ncan you change my address?", "\nLove,\nMum", "Love"},
        {"Hola,\nquisiera cambiar mi dirección.", "\nUn abrazo,\nAna", "Un abrazo"},
        {"Bonjour,\nje voudrais changer mon adresse.", "\nBises,\nAnna", "Bises"},
    };
    for (size_t k = 0; k < sizeof(signed_off) / sizeof(*signed_off); k++) {
        char full[256];
        snprintf(full, sizeof(full), "%s%s", signed_off[k][0], signed_off[k][1]);
        sr_sentiment bare = tu_score(ctx, signed_off[k][0]);
        sr_sentiment s = tu_score(ctx, full);
        float w = cue_weight_prefix(&s, signed_off[k][2]);
        if ((!isnan(w) && w != 0.0f) || s.score != bare.score || s.label != bare.label)
            fail_msg("\"%s\": score %.1f (%.1f without the sign-off), \"%s\" weighs %.3f", full,
                     (double)s.score, (double)bare.score, signed_off[k][2], (double)w);
    }
    static const char *const praise[][2] = {
        {"Best service ever!\nTom", "Best"},
        {"I love\nthis shop", "love"},
    };
    for (size_t k = 0; k < sizeof(praise) / sizeof(*praise); k++) {
        sr_sentiment s = tu_score(ctx, praise[k][0]);
        float w = cue_weight_prefix(&s, praise[k][1]);
        if (isnan(w) || w <= 0.0f)
            fail_msg("\"%s\": \"%s\" lost its praise", praise[k][0], praise[k][1]);
    }
}

/* a problem that was solved, in the same sentence, counts no more; one
 * that is still not solved counts twice (the negated solution too).  Not
 * in German: "Problem" is no fullneg word there ("nicht das Problem" is no
 * praise), so only phrases such as "schnell behoben" outweigh it. */
static void test_a_solved_problem_counts_no_more(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"The problem with my order was resolved quickly.", "The problem is still not solved."},
        {"Le problème a été réglé rapidement.", "Le problème n'est toujours pas réglé."},
        {"El problema se solucionó rápido.", "El problema sigue sin solucionarse."},
        {"Problem został szybko rozwiązany.", "Problem nadal nie jest rozwiązany."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    sr_sentiment s = tu_score(ctx, "The problem with my order was resolved quickly.");
    assert_null(cue_named(&s, "problem"));
    /* the problem may come after its solution ("solved a problem"); a
     * negator spent on the solution leaves the problem a problem */
    static const char *const after[][2] = {
        {"Me solucionó un problema que arrastraba desde hacía años.",
         "No solucionó el problema que arrastraba desde hacía años."},
        {"Rozwiązali problem z fakturą.", "Nie rozwiązali problemu z fakturą."},
        {"Ils ont réglé mon problème.", "Ils n'ont pas réglé mon problème."},
    };
    expect_up_down(ctx, after, sizeof(after) / sizeof(*after));
    s = tu_score(ctx, "Me solucionó un problema que arrastraba desde hacía años.");
    assert_null(cue_named(&s, "problema"));
    /* a problem in capitals after its solution adds nothing either; a
     * solution turned into a complaint by a phrase solves nothing */
    s = tu_score(ctx, "They solved a PROBLEM today");
    assert_true(s.valence > 0.0f);
    assert_null(cue_named(&s, "PROBLEM"));
    s = tu_score(ctx, "solved nothing my problem");
    assert_non_null(cue_named(&s, "problem"));
    s = tu_score(ctx, "Nie rozwiązali problemu.");
    const sr_cue *c = cue_named(&s, "problemu");
    assert_non_null(c);
    assert_true(c->weight < 0);
}

/* editorials judge plans and laws in words of their own */
static void test_editorial_verdicts(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"The reform deserves credit for its ambition.",
         "The government's plan falls short of what is needed."},
        {"Die neue Regelung ist ein begrüßenswerter Schritt.",
         "Die Antwort des Ministers ist ein Verrat an den Wählern."},
        {"La réforme mérite d'être saluée pour son ambition.",
         "Les mesures annoncées restent insuffisantes face à la crise."},
        {"La reforma merece reconocimiento por su ambición.", "El plan del Gobierno se queda corto."},
        {"Reforma zasługuje na uznanie za swoją ambicję.", "Plan rządu jest niewystarczający."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
    /* "verraten" is also "to tell" */
    assert_int_equal(tu_score(ctx, "Können Sie mir verraten, wann der Zug fährt?").label,
                     SR_LABEL_NEUTRAL);
}

/* review verdicts that hold a negator or read as neutral words, in each
 * language */
static void test_review_verdicts(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const pairs[][2] = {
        {"Can't fault it, does exactly what it says.", "Save your money and buy something else."},
        {"Can't recommend them enough!", "Did not live up to the hype."},
        {"Nothing to complain about.", "Can't recommend them at all."},
        {"Nothing less than amazing.", "The agent was less than helpful."},
        {"Support is excellent.", "Support is nonexistent and your app is trash."},
        {"Das Produkt hält was es verspricht.", "Spart euch das Geld und kauft was anderes."},
        {"Great holiday, thanks!", "Thanks a lot for ruining my holiday."},
        {"Toller Urlaub, danke!", "Ihr habt meinen Urlaub ruiniert."},
        {"Jeden Cent wert.", "Das Geld nicht wert."},
        {"Il vaut chaque centime.", "Ne vaut pas son prix."},
        {"Vale cada céntimo.", "No vale lo que cuesta."},
        {"Nie mam nic do zarzucenia.", "Nie jest wart swojej ceny."},
        {"Spełnia swoje zadanie, nic dodać nic ująć.",
         "La notice est incompréhensible et il manquait des pièces."},
        {"Il manquait un peu de rythme mais bon roman.", "Il manquait des pièces."},
    };

    expect_up_down(ctx, pairs, sizeof(pairs) / sizeof(*pairs));
}

/* "No, thanks." declines in every language; "Thanks!" thanks */
static void test_no_thanks_declines(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const refusals[] = {"No, thanks.", "No thank you", "Nein, danke.",
                                           "nein danke", "Non, merci.", "No, gracias.",
                                           "Nie, dziękuję."};

    for (size_t i = 0; i < sizeof(refusals) / sizeof(*refusals); i++) {
        sr_sentiment s = tu_score(ctx, refusals[i]);
        if (s.label != SR_LABEL_NEUTRAL)
            fail_msg("\"%s\": %.1f %s", refusals[i], (double)s.score, sr_label_name(s.label));
    }
    assert_int_equal(tu_score(ctx, "Thanks!").label, SR_LABEL_POSITIVE);
    assert_int_equal(tu_score(ctx, "Vielen Dank!").label, SR_LABEL_POSITIVE);
}

/* chat: sarcasm markers, disbelief, leaving, and a formula */
static void test_chat_sarcasm_and_formulas(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment yeah = tu_score(ctx, "yeah right, \"24h delivery\" lol");
    sr_sentiment wow = tu_score(ctx, "wow. just wow. 3 weeks and nothing");
    sr_sentiment done = tu_score(ctx, "I'm done with you guys");
    sr_sentiment quick = tu_score(ctx, "hi, quick question");

    assert_true(yeah.score < 4.0f);
    assert_true(tu_has_cue(&yeah, "sarcasm"));
    assert_true(wow.label != SR_LABEL_POSITIVE && wow.label != SR_LABEL_PROMOTER);
    assert_true(done.flags & SR_FLAG_THREATENING);
    assert_int_equal(quick.label, SR_LABEL_NEUTRAL);
}

/* log-in trouble and double charges, as customers write them */
static void test_login_and_double_charge_complaints(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const complaints[] = {
        "I can't log in to my account.",
        "Your website keeps logging me out.",
        "Ich kann mich nicht einloggen.",
        "Je n'arrive pas à me connecter.",
        "No me funciona el inicio de sesión.",
        "Pobrano ode mnie opłatę dwa razy.",
        "Zapłaciłem dwa razy za to samo zamówienie.",
    };

    all_complaints(ctx, complaints, sizeof(complaints) / sizeof(*complaints));
}

/* "Kindly ...", "... would be appreciated" and "ich wäre Ihnen dankbar"
 * ask, as "please" does */
static void test_request_formulas_are_no_praise(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment kindly = tu_score(ctx, "Kindly refund my money.");
    sr_sentiment please = tu_score(ctx, "Please refund my money.");
    sr_sentiment wish = tu_score(ctx, "Your reply would be appreciated.");

    static const char *const asks[][2] = {
        {"Ich wäre Ihnen dankbar, wenn Sie mir das Geld erstatten.",
         "Ich bin Ihnen sehr dankbar für die Hilfe!"},
        {"Je vous serais reconnaissant de me rembourser.",
         "Je suis très reconnaissant pour votre aide."},
        {"Będę wdzięczny za zwrot pieniędzy.", "Jestem bardzo wdzięczny za pomoc."},
    };

    /* asking how long something takes is no complaint; asking how long
     * one has to wait is */
    assert_int_equal(tu_score(ctx, "How long is the warranty?").label, SR_LABEL_NEUTRAL);
    assert_int_equal(tu_score(ctx, "How long does shipping usually take?").label,
                     SR_LABEL_NEUTRAL);
    assert_true(tu_score(ctx, "How long do I have to wait?").score < 4.0f);
    assert_true(tu_score(ctx, "How much longer do I have to wait?").score < 4.0f);
    assert_true(kindly.score < 5.0f);
    assert_true(fabsf(kindly.score - please.score) <= 0.3f);
    assert_true(wish.score <= 6.0f);
    /* "I would be grateful if ..." asks; "I am grateful" thanks */
    for (size_t i = 0; i < sizeof(asks) / sizeof(*asks); i++) {
        sr_sentiment ask = tu_score(ctx, asks[i][0]);
        sr_sentiment thanks = tu_score(ctx, asks[i][1]);
        if (ask.label != SR_LABEL_NEUTRAL || thanks.label != SR_LABEL_POSITIVE)
            fail_msg("\"%s\" %s, \"%s\" %s", asks[i][0], sr_label_name(ask.label),
                     asks[i][1], sr_label_name(thanks.label));
    }
}

static void test_cues_explain_the_score(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment s = tu_score(ctx, "I want a refund ASAP, the item is broken and you are rude.");
    float sum = 0;

    assert_true(s.ncues >= 3);
    assert_true(tu_has_cue(&s, "broken"));
    assert_true(tu_has_cue(&s, "rude"));
    assert_true(tu_has_cue(&s, "ASAP"));
    for (unsigned i = 0; i < s.ncues; i++) {
        assert_true(s.cues[i].text[0] != '\0');
        sum += s.cues[i].weight;
        if (i > 0 && s.cues[i].kind <= SR_CUE_PUNCT && s.cues[i - 1].kind <= SR_CUE_PUNCT)
            assert_true(fabsf(s.cues[i - 1].weight) >= fabsf(s.cues[i].weight));
    }
    assert_true(sum < 0);
    assert_true(s.flags & SR_FLAG_URGENT_CUE);
}

static void test_flags_for_threat_human_and_offence(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment t = tu_score(ctx, "I will contact my lawyer and leave a bad review.");
    sr_sentiment h = tu_score(ctx, "Can I talk to a human please?");
    sr_sentiment o = tu_score(ctx, "wtf is this \xf0\x9f\xa4\xac");

    assert_true(t.flags & SR_FLAG_THREATENING);
    assert_int_equal(t.label, SR_LABEL_URGENT);
    assert_true(h.flags & SR_FLAG_HUMAN_REQUESTED);
    assert_true(o.flags & SR_FLAG_OFFENSIVE);
    /* leaving is a threat; changing an order is a request */
    sr_sentiment leave = tu_score(ctx, "I'm cancelling my account, this is ridiculous.");
    sr_sentiment change = tu_score(ctx, "Can I cancel my order and order the blue one instead?");
    assert_true(leave.flags & SR_FLAG_THREATENING);
    assert_int_equal(leave.label, SR_LABEL_URGENT);
    assert_false(change.flags & SR_FLAG_THREATENING);
    assert_int_equal(change.label, SR_LABEL_NEUTRAL);
}

static void test_neutral_text_scores_between_4_and_6(void **state)
{
    const sr_ctx *ctx = *state;
    static const char *const texts[] = {
        "My order number is 12345.",
        "Please send the invoice to the address below.",
        "Meine Kundennummer ist 4711.",
        "Mon numéro de commande est le 12345.",
        "Mi número de pedido es 12345.",
        "Mój numer zamówienia to 12345.",
        "We booked a holiday to Spain.",
        "Der Zug hält nicht in Köln.",
        "",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        sr_sentiment s = tu_score(ctx, texts[i]);
        if (s.score < 4.0f || s.score > 6.0f || s.label != SR_LABEL_NEUTRAL)
            fail_msg("'%s': %.1f %s, want neutral 4-6", texts[i], (double)s.score,
                     sr_label_name(s.label));
    }
}

static void test_score_is_rounded_and_bounded(void **state)
{
    const sr_ctx *ctx = *state;
    const char *texts[] = {"awful awful awful horrible terrible worst hate!!!!!",
                           "love love love best amazing wonderful perfect!!!!!", "meh"};
    for (size_t i = 0; i < 3; i++) {
        sr_sentiment s = tu_score(ctx, texts[i]);
        float tenth = s.score * 10.0f;
        assert_true(s.score >= 0.0f && s.score <= 10.0f);
        assert_true(fabsf(tenth - (float)(int)(tenth + 0.5f)) < 0.01f);
    }
}

static void test_label_thresholds_come_from_config(void **state)
{
    (void)state;
    sr_error err;
    sr_config *cfg = srp_config_load_string("scoring = { labels = { positive_above = 9.9; "
                                            "promoter_min = 9.95; promoter_floor = 9.99; }; };",
                                            "test", &err);
    sr_ctx *ctx;
    sr_sentiment s;

    assert_non_null(cfg);
    ctx = sr_ctx_new(cfg, &err);
    sr_config_unref(cfg);
    assert_non_null(ctx);
    s = tu_score(ctx, "I am very happy with the service, thank you!");
    assert_int_equal(s.label, SR_LABEL_NEUTRAL);
    sr_ctx_free(ctx);
}

static void test_language_hint_is_used_when_unclear(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment s;
    sr_error err;

    assert_int_equal(sr_score_text(ctx, "\xf0\x9f\x91\x8d", 4, "pl", &s, &err), SR_OK);
    assert_string_equal(s.lang, "pl");
    /* a clear text keeps its own language */
    assert_int_equal(sr_score_text(ctx, "Vielen Dank, ich bin sehr zufrieden mit dem Service!",
                                   52, "pl", &s, &err),
                     SR_OK);
    assert_string_equal(s.lang, "de");
}

static void test_long_text_is_capped_and_flagged(void **state)
{
    const sr_ctx *ctx = *state;
    size_t n = 300000;
    char *big = malloc(n + 1);
    sr_sentiment s;
    sr_error err;

    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = "good day "[i % 9];
    big[n] = '\0';
    assert_int_equal(sr_score_text(ctx, big, n, NULL, &s, &err), SR_OK);
    assert_true(s.flags & SR_FLAG_TRUNCATED);
    assert_int_equal(s.bytes, 65536);
    free(big);
}

static void test_invalid_utf8_is_flagged_not_fatal(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment s;
    sr_error err;
    const char bad[] = "great \xff\xfe service \xc3";

    assert_int_equal(sr_score_text(ctx, bad, sizeof(bad) - 1, NULL, &s, &err), SR_OK);
    assert_true(s.flags & SR_FLAG_REPAIRED);
    assert_true(s.score > 5.0f);
    for (unsigned i = 0; i < s.ncues; i++)
        assert_non_null(memchr(s.cues[i].text, '\0', sizeof(s.cues[i].text)));
}

static void test_null_arguments_are_errors(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment s;
    sr_error err;

    assert_int_equal(sr_score_text(NULL, "x", 1, NULL, &s, &err), SR_EINVAL);
    assert_int_equal(err.code, SR_EINVAL);
    assert_int_equal(sr_score_text(ctx, NULL, 5, NULL, &s, NULL), SR_EINVAL);
    assert_int_equal(sr_score_text(ctx, "x", 1, NULL, NULL, NULL), SR_EINVAL);
    assert_int_equal(sr_score_text(ctx, NULL, 0, NULL, &s, NULL), SR_OK);
}

static void test_message_scoring_carries_repair_flags(void **state)
{
    const sr_ctx *ctx = *state;
    sr_error err;
    sr_message *m = sr_message_new(SR_CHANNEL_SMS, &err);
    sr_sentiment s;

    assert_non_null(m);
    assert_int_equal(sr_message_set_text(m, "bad \xff service", 13, 0, &err), SR_OK);
    assert_int_equal(sr_message_set_lang_hint(m, "en", &err), SR_OK);
    assert_int_equal(sr_score(ctx, m, &s, &err), SR_OK);
    assert_true(s.flags & SR_FLAG_REPAIRED);
    assert_true(s.score < 5.0f);
    sr_message_free(m);
}

static void test_json_output_is_complete_and_bounded(void **state)
{
    const sr_ctx *ctx = *state;
    sr_sentiment s = tu_score(ctx, "Thanks \"so\" much\\ \x01 :) great");
    char buf[4096], tiny[16];
    size_t n = sr_sentiment_format_json(&s, buf, sizeof(buf));

    assert_true(n < sizeof(buf));
    assert_int_equal(strlen(buf), n);
    assert_non_null(strstr(buf, "\"label\":\"positive\""));
    assert_non_null(strstr(buf, "\"cues\":["));
    assert_null(strchr(buf, '\x01'));
    assert_int_equal(sr_sentiment_format_json(&s, tiny, sizeof(tiny)), n);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

/* the modifier names the table output shows: snprintf-like and bounded */
static void test_cue_mods_format(void **state)
{
    char buf[64], tiny[8];
    (void)state;

    assert_int_equal(sr_cue_mods_format(0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(sr_cue_mods_format(SR_MOD_NEGATED | SR_MOD_CAPS, buf, sizeof(buf)), 12);
    assert_string_equal(buf, "negated,caps");
    assert_int_equal(sr_cue_mods_format(SR_MOD_IRONY | SR_MOD_CONTRAST, buf, sizeof(buf)), 14);
    assert_string_equal(buf, "contrast,irony");
    /* too small: what fits of whole names, the full length returned */
    assert_int_equal(sr_cue_mods_format(SR_MOD_BOOSTED | SR_MOD_DAMPENED, tiny, sizeof(tiny)), 16);
    assert_string_equal(tiny, "boosted");
}

/* many threads, one context: every thread gets the same answers */
typedef struct worker {
    const sr_ctx *ctx;
    int mismatches;
} worker;

static void *score_worker(void *arg)
{
    worker *w = arg;

    for (int round = 0; round < 200; round++) {
        const scase *c = &obvious[(size_t)round % (sizeof(obvious) / sizeof(obvious[0]))];
        sr_sentiment s = tu_score(w->ctx, c->text);
        if (strcmp(sr_label_name(s.label), c->label) != 0 || strcmp(s.lang, c->lang) != 0)
            w->mismatches++;
    }
    return NULL;
}

static void test_scoring_is_thread_safe(void **state)
{
    const sr_ctx *ctx = *state;
    pthread_t th[4];
    worker w[4];

    for (int i = 0; i < 4; i++) {
        w[i].ctx = ctx;
        w[i].mismatches = 0;
        assert_int_equal(pthread_create(&th[i], NULL, score_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].mismatches, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_obvious_messages_get_label_and_language),
        cmocka_unit_test(test_negation_flips_valence_in_each_language),
        cmocka_unit_test(test_clause_final_nicht_negates_backwards),
        cmocka_unit_test(test_backward_negation_passes_sentence_adverbs),
        cmocka_unit_test(test_negated_expected_event_is_a_complaint),
        cmocka_unit_test(test_contrast_weights_the_clause_after),
        cmocka_unit_test(test_concession_weighs_less_than_the_main_clause),
        cmocka_unit_test(test_intensifier_raises_and_dampener_lowers),
        cmocka_unit_test(test_allcaps_and_exclamations_add_emphasis),
        cmocka_unit_test(test_emoji_and_emoticons_score_in_any_language),
        cmocka_unit_test(test_brackets_and_list_items_are_no_faces),
        cmocka_unit_test(test_salutations_and_closings_carry_no_sentiment),
        cmocka_unit_test(test_request_formulas_are_no_praise),
        cmocka_unit_test(test_login_and_double_charge_complaints),
        cmocka_unit_test(test_no_thanks_declines),
        cmocka_unit_test(test_faster_or_slower_than_expected),
        cmocka_unit_test(test_without_doubt_buy_again_and_steps),
        cmocka_unit_test(test_review_verdicts),
        cmocka_unit_test(test_laughter_in_a_complaint_is_no_praise),
        cmocka_unit_test(test_tears_next_to_praise_are_no_blame),
        cmocka_unit_test(test_thanks_for_a_complaint_is_sarcasm),
        cmocka_unit_test(test_applause_turns_with_sarcastic_thanks),
        cmocka_unit_test(test_interj_greets_repetition),
        cmocka_unit_test(test_thanks_for_praised_complaint),
        cmocka_unit_test(test_praise_burst_before_repeated_failure),
        cmocka_unit_test(test_attribution_makes_a_report),
        cmocka_unit_test(test_phrase_begins_with_number),
        cmocka_unit_test(test_thanks_closing_a_request_are_courtesy),
        cmocka_unit_test(test_signature_name_after_closing_has_no_valence),
        cmocka_unit_test(test_signoff_praise_counts_nothing),
        cmocka_unit_test(test_a_solved_problem_counts_no_more),
        cmocka_unit_test(test_editorial_verdicts),
        cmocka_unit_test(test_chat_shorthand),
        cmocka_unit_test(test_sarcastic_exclamation),
        cmocka_unit_test(test_sarcastic_applause),
        cmocka_unit_test(test_sarcastic_praise_at_the_end),
        cmocka_unit_test(test_sarcastic_phrase_after_a_complaint),
        cmocka_unit_test(test_shouted_now_is_urgency),
        cmocka_unit_test(test_neither_nor_is_neutral),
        cmocka_unit_test(test_split_verb_counts_as_joined_form),
        cmocka_unit_test(test_asked_recommendation_is_no_advocacy),
        cmocka_unit_test(test_number_in_a_phrase),
        cmocka_unit_test(test_too_much_of_a_thing),
        cmocka_unit_test(test_mixed_verdict),
        cmocka_unit_test(test_rating_decides_the_class),
        cmocka_unit_test(test_love_how_and_praise_bursts),
        cmocka_unit_test(test_praise_burst_with_interj_phrase),
        cmocka_unit_test(test_praise_in_a_why_complaint_is_the_loss),
        cmocka_unit_test(test_a_repeated_failure_weighs_more),
        cmocka_unit_test(test_incredulity_question_after_a_complaint),
        cmocka_unit_test(test_urgency_in_a_report_counts_nothing),
        cmocka_unit_test(test_counterfactual_complaints),
        cmocka_unit_test(test_negated_problems_and_regrets),
        cmocka_unit_test(test_chat_sarcasm_and_formulas),
        cmocka_unit_test(test_cues_explain_the_score),
        cmocka_unit_test(test_flags_for_threat_human_and_offence),
        cmocka_unit_test(test_neutral_text_scores_between_4_and_6),
        cmocka_unit_test(test_score_is_rounded_and_bounded),
        cmocka_unit_test(test_label_thresholds_come_from_config),
        cmocka_unit_test(test_language_hint_is_used_when_unclear),
        cmocka_unit_test(test_long_text_is_capped_and_flagged),
        cmocka_unit_test(test_invalid_utf8_is_flagged_not_fatal),
        cmocka_unit_test(test_null_arguments_are_errors),
        cmocka_unit_test(test_message_scoring_carries_repair_flags),
        cmocka_unit_test(test_json_output_is_complete_and_bounded),
        cmocka_unit_test(test_cue_mods_format),
        cmocka_unit_test(test_scoring_is_thread_safe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
