/*
 * test_extract - the milter's body extraction: part selection, decoding,
 * HTML rendering, quote and signature stripping, limits
 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "extract.h"

static const srm_limits LIM = {64, 8, 1 << 20, 1};

/* extract - run srm_extract over a C string */
static srm_mail extract(const char *raw)
{
    srm_mail m;

    if (srm_extract(raw, strlen(raw), &LIM, &m) != 0)
        fail_msg("srm_extract failed");
    if (m.text == NULL || strlen(m.text) != m.len)
        fail_msg("text missing or length wrong");
    return m;
}

static void want_has(const srm_mail *m, const char *needle)
{
    if (strstr(m->text, needle) == NULL)
        fail_msg("got text '%s', want it to contain '%s'", m->text, needle);
}

static void want_not(const srm_mail *m, const char *needle)
{
    if (strstr(m->text, needle) != NULL)
        fail_msg("got text '%s', want no '%s'", m->text, needle);
}

static void test_plain_utf8_with_subject(void **state)
{
    (void)state;
    srm_mail m = extract("From: Jane Doe <Jane@Example.TEST>\r\n"
                         "Subject: =?UTF-8?Q?w=C3=BCtend?=\r\n"
                         "Message-ID: <abc@example.test>\r\n"
                         "In-Reply-To: <prev@support.test>\r\n"
                         "References: <first@support.test>\r\n <prev@support.test>\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n"
                         "\r\n"
                         "Ich bin sehr w\xc3\xbctend.\r\n");
    assert_string_equal(m.subject, "w\xc3\xbctend");
    want_has(&m, "w\xc3\xbctend\n\nIch bin sehr w\xc3\xbctend.");
    assert_string_equal(m.from_addr, "jane@example.test");
    assert_string_equal(m.from_name, "Jane Doe");
    assert_string_equal(m.message_id, "<abc@example.test>");
    assert_string_equal(m.in_reply_to, "<prev@support.test>");
    assert_string_equal(m.references, "<first@support.test> <prev@support.test>");
    srm_mail_clear(&m);
}

/* a From whose address is no address (an encoded word where the address
 * belongs, an unqualified local name) gives no sender: the milter then
 * takes the envelope sender, not a requester no reply can reach */
static void test_from_without_address_is_no_sender(void **state)
{
    static const struct {
        const char *from;
        const char *want;   /* NULL: no sender */
    } cases[] = {
        {"=?utf-8?b?am9lcmdAZXhhbXBsZS5kZQ==?=", NULL},
        {"root", NULL},
        {"Cron Daemon <root>", NULL},
        {"@example.test", NULL},
        {"root, Jane <Jane@Example.TEST>", "jane@example.test"},
        {"=?utf-8?q?J=C3=B6rg?= <Joerg@Example.DE>", "joerg@example.de"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        for (int fast = 1; fast >= 0; fast--) {
            char raw[512];
            srm_mail m;
            snprintf(raw, sizeof(raw), "From: %s\r\nSubject: hi\r\n\r\nI am angry!\r\n",
                     cases[i].from);
            srm_extract_set_fast(fast);
            m = extract(raw);
            if (cases[i].want == NULL ? m.from_addr != NULL
                                      : m.from_addr == NULL || strcmp(m.from_addr, cases[i].want))
                fail_msg("From: %s (%s way): got '%s', want '%s'", cases[i].from,
                         fast ? "short" : "GMime", m.from_addr ? m.from_addr : "(none)",
                         cases[i].want ? cases[i].want : "(none)");
            srm_mail_clear(&m);
        }
    }
    srm_extract_set_fast(1);
}

static void test_base64_german(void **state)
{
    (void)state;
    /* "Das ist eine Frechheit, ich schalte meinen Anwalt ein!" in ISO-8859-1
     * with "ä" (0xE4): "Ärger" */
    srm_mail m = extract("Subject: Beschwerde\n"
                         "MIME-Version: 1.0\n"
                         "Content-Type: text/plain; charset=iso-8859-1\n"
                         "Content-Transfer-Encoding: base64\n\n"
                         "xHJnZXI6IERhcyBpc3QgZWluZSBGcmVjaGhlaXQsIGljaCBzY2hhbHRlIG1laW5lbiBBbndhbHQg\n"
                         "ZWluIQ==\n");
    want_has(&m, "\xc3\x84rger: Das ist eine Frechheit, ich schalte meinen Anwalt ein!");
    srm_mail_clear(&m);
}

static void test_quoted_printable_french(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: =?ISO-8859-1?Q?D=E9=E7u?=\n"
                         "Content-Type: text/plain; charset=\"ISO-8859-15\"\n"
                         "Content-Transfer-Encoding: quoted-printable\n\n"
                         "Je suis tr=E8s d=E9=E7u, la commande est arriv=E9e cass=E9e. Co=FBt: 50 =A4=\n"
                         " !\n");
    assert_string_equal(m.subject, "D\xc3\xa9\xc3\xa7u");
    want_has(&m, "Je suis tr\xc3\xa8s d\xc3\xa9\xc3\xa7u, la commande est arriv\xc3\xa9" "e");
    want_has(&m, "50 \xe2\x82\xac !");   /* 0xA4 is the euro sign in -15 */
    srm_mail_clear(&m);
}

static void test_html_only_spanish(void **state)
{
    (void)state;
    srm_mail m = extract(
        "Subject: Pedido\n"
        "Content-Type: text/html; charset=windows-1252\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "<html><head><title>t=EDtulo</title><style>p{color:red}</style></head><body>"
        "<p>Estoy muy <b>decepcionado</b>&nbsp;con el servicio &amp; la atenci=F3n.</p>"
        "<p>=93Nunca=94 m=E1s!<br>Adi=F3s</p><script>alert(1)</script></body></html>\n");
    want_has(&m, "Estoy muy decepcionado con el servicio & la atenci\xc3\xb3n.");
    want_has(&m, "\xe2\x80\x9cNunca\xe2\x80\x9d m\xc3\xa1s!\nAdi\xc3\xb3s");
    want_not(&m, "color");
    want_not(&m, "alert");
    want_not(&m, "t\xc3\xadtulo");
    assert_true(m.notes & SRM_NOTE_HTML);
    srm_mail_clear(&m);
}

static void test_alternative_prefers_plain_polish(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: Zam=?UTF-8?B?w7N3aWVuaWU=?=\n"
                         "MIME-Version: 1.0\n"
                         "Content-Type: multipart/alternative; boundary=\"b1\"\n\n"
                         "--b1\n"
                         "Content-Type: text/plain; charset=iso-8859-2\n"
                         "Content-Transfer-Encoding: quoted-printable\n\n"
                         "Jestem bardzo zadowolony, polecam! Dzi=EAkuj=EA.\n"
                         "--b1\n"
                         "Content-Type: text/html; charset=utf-8\n\n"
                         "<p>HTML VERSION</p>\n"
                         "--b1--\n");
    assert_string_equal(m.subject, "Zam\xc3\xb3wienie");
    want_has(&m, "Jestem bardzo zadowolony, polecam! Dzi\xc4\x99kuj\xc4\x99.");
    want_not(&m, "HTML VERSION");
    assert_false(m.notes & SRM_NOTE_HTML);
    srm_mail_clear(&m);
}

static void test_related_inside_alternative_takes_html(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: x\nContent-Type: multipart/mixed; boundary=m\n\n"
                         "--m\nContent-Type: multipart/alternative; boundary=a\n\n"
                         "--a\nContent-Type: multipart/related; boundary=r\n\n"
                         "--r\nContent-Type: text/html\n\n<div>the html words</div>\n"
                         "--r\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
                         "--r--\n--a--\n"
                         "--m\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
                         "ATTACHED TEXT\n--m--\n");
    want_has(&m, "the html words");
    want_not(&m, "ATTACHED");
    srm_mail_clear(&m);
}

static void test_attachment_and_forward_ignored(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: s\nContent-Type: multipart/mixed; boundary=m\n\n"
                         "--m\nContent-Type: text/plain; name=log.txt\n"
                         "Content-Disposition: attachment; filename=log.txt\n\nLOG LINES\n"
                         "--m\nContent-Type: message/rfc822\n\n"
                         "Subject: old\n\nFORWARDED WORDS\n"
                         "--m\nContent-Type: text/plain\n\nmy own words\n--m--\n");
    want_has(&m, "my own words");
    want_not(&m, "LOG LINES");
    want_not(&m, "FORWARDED");
    srm_mail_clear(&m);
}

static void test_reply_quoted_angry_history_dropped(void **state)
{
    (void)state;
    srm_mail m = extract(
        "Subject: Re: Your order\nContent-Type: text/plain; charset=utf-8\n\n"
        "Thank you so much, that was quick and friendly. Great service!\n\n"
        "Best,\nJane\n"
        "-- \nJane Doe | ACME Corp | +1 555 0100\n\n"
        "On Mon, 3 Mar 2025 at 10:00, Support <help@support.test>\nwrote:\n"
        "> This is the third time I write! Refund me now or I call my lawyer!\n"
        "> Worst service ever.\n");
    want_has(&m, "Great service!");
    want_not(&m, "lawyer");
    want_not(&m, "ACME");
    assert_true(m.notes & SRM_NOTE_QUOTE);
    assert_true(m.notes & SRM_NOTE_SIGNATURE);
    srm_mail_clear(&m);
}

/* a reply's subject is the thread's: with a body it is not scored (the
 * ticket keeps it); a subject of its own is, and so is a reply's subject
 * when there is no body */
static void test_reply_subject_not_scored(void **state)
{
    static const char *const replies[] = {"Re: Third time I write about order 1234",
                                          "RE : Third time I write", "AW: Third time I write",
                                          "Odp: Third time I write", "Re[2]: Third time I write",
                                          "Fwd: Third time I write", "  sv: Third time I write"};
    (void)state;
    for (size_t i = 0; i < sizeof(replies) / sizeof(*replies); i++) {
        char raw[256];
        snprintf(raw, sizeof(raw), "Subject: %s\nContent-Type: text/plain\n\nThanks, all sorted!\n",
                 replies[i]);
        srm_mail m = extract(raw);
        want_has(&m, "all sorted");
        want_not(&m, "Third time");
        assert_non_null(m.subject);
        assert_non_null(strstr(m.subject, "Third time"));
        srm_mail_clear(&m);
    }
    static const char *const own[] = {"Third time I write about order 1234", "Refund: order 1234",
                                      "Reply needed: Third time I write", "Rechnung: Third time"};
    for (size_t i = 0; i < sizeof(own) / sizeof(*own); i++) {
        char raw[256];
        snprintf(raw, sizeof(raw), "Subject: %s\nContent-Type: text/plain\n\nStill nothing.\n", own[i]);
        srm_mail m = extract(raw);
        want_has(&m, own[i]);
        srm_mail_clear(&m);
    }
    srm_mail m = extract("Subject: Re: Third time I write\nContent-Type: text/plain\n\n");
    want_has(&m, "Third time");
    srm_mail_clear(&m);
}

/* table: a body with a localized quote header; the words after it go */
static void test_localized_quote_headers(void **state)
{
    static const char *const cases[] = {
        "Am 03.03.2025 um 10:00 schrieb Support <help@support.test>:\n> alt\nALT",
        "Le lun. 3 mars 2025 à 10:00, Support <help@support.test> a écrit :\n> vieux\nALT",
        "El lun, 3 mar 2025 a las 10:00, Support (<help@support.test>) escribió:\nALT",
        "W dniu 3.03.2025 o 10:00, Support pisze:\nALT",
        "W dniu 03.03.2025 10:00, Support <help@support.test> napisał:\nALT",
        "-----Original Message-----\nFrom: Support\nSent: Monday\nALT",
        "-----Ursprüngliche Nachricht-----\nVon: Support\nALT",
        "________________________________\nFrom: Support <help@support.test>\nSent: Monday, March 3, 2025\nTo: Jane\nSubject: Order\n\nALT",
        "De : Support\nEnvoyé : lundi 3 mars 2025\nÀ : Jane\nObjet : commande\nALT",
        "Od: Support\nWysłano: poniedziałek\nDo: Jane\nTemat: zamówienie\nALT",
        "> ALT quoted only\nnew words stay",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char text[1024];
        unsigned notes = 0;
        size_t n;
        snprintf(text, sizeof(text), "My new words here.\n\n%s\n", cases[i]);
        n = srm_strip_quotes(text, strlen(text), &notes);
        text[n] = '\0';
        if (strstr(text, "ALT") != NULL || strstr(text, "My new words here.") == NULL)
            fail_msg("case %zu: got '%s'", i, text);
        if (!(notes & SRM_NOTE_QUOTE))
            fail_msg("case %zu: quote not noted", i);
    }
}

static void test_signature_and_phone_footer(void **state)
{
    char a[] = "Where is my parcel?\n--\nJohn\nACME\n";
    char b[] = "Where is my parcel?\n\nSent from my iPhone\n";
    char c[] = "Where is my parcel?\n\nEnviado desde mi iPhone\n";
    unsigned notes = 0;
    size_t n;
    (void)state;

    n = srm_strip_quotes(a, strlen(a), &notes);
    a[n] = '\0';
    assert_string_equal(a, "Where is my parcel?");
    n = srm_strip_quotes(b, strlen(b), &notes);
    b[n] = '\0';
    assert_string_equal(b, "Where is my parcel?");
    n = srm_strip_quotes(c, strlen(c), &notes);
    c[n] = '\0';
    assert_string_equal(c, "Where is my parcel?");
    assert_true(notes & SRM_NOTE_SIGNATURE);
}

/* a closing and the short lines under it are a sign-off, in any of the
 * five languages; a closing that opens real text, or the only line, stays */
static void test_sign_off_is_dropped(void **state)
{
    static const char *const cases[][2] = {
        {"The parcel arrived damaged.\n\nBest,\nBob Smith\nACME Corp\n",
         "The parcel arrived damaged."},
        {"Where is it?\nBest regards, John\nSent from my iPhone\n", "Where is it?"},
        {"Das Paket ist kaputt.\n\nMit freundlichen Gr\xc3\xbc\xc3\x9f" "en\nMax Mustermann\n",
         "Das Paket ist kaputt."},
        {"Le colis est en retard.\nCordialement,\nJean\n", "Le colis est en retard."},
        {"El paquete lleg\xc3\xb3 roto.\n\nUn saludo,\nJuan\n", "El paquete lleg\xc3\xb3 roto."},
        {"Paczka nie dotar\xc5\x82" "a.\nPozdrawiam\nJan Kowalski\n", "Paczka nie dotar\xc5\x82" "a."},
        /* not a sign-off: no comma after "Best", too much text under it, alone */
        {"Thanks.\nBest product ever!\n", "Thanks.\nBest product ever!\n"},
        {"Hi.\nCheers,\nline one\nline two\nline three\nline four\nline five\n",
         "Hi.\nCheers,\nline one\nline two\nline three\nline four\nline five\n"},
        {"Cheers!\n", "Cheers!\n"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char buf[256];
        unsigned notes = 0;
        size_t n;

        snprintf(buf, sizeof(buf), "%s", cases[i][0]);
        n = srm_strip_quotes(buf, strlen(buf), &notes);
        buf[n] = '\0';
        if (strcmp(buf, cases[i][1]) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, buf, cases[i][1]);
    }
}

static void test_all_quoted_keeps_text(void **state)
{
    char t[] = "> only a quote\n> nothing else\n";
    unsigned notes = 0;
    size_t n;
    (void)state;

    n = srm_strip_quotes(t, strlen(t), &notes);
    assert_int_equal(n, strlen("> only a quote\n> nothing else\n"));
    assert_true(notes & SRM_NOTE_ALLQUOTED);
}

static void test_plain_text_untouched(void **state)
{
    char t[] = "On time delivery matters to me: please hurry.\nThanks\n";
    unsigned notes = 0;
    size_t n;
    (void)state;

    n = srm_strip_quotes(t, strlen(t), &notes);
    t[n] = '\0';
    assert_string_equal(t, "On time delivery matters to me: please hurry.\nThanks\n");
    assert_int_equal(notes, 0);
}

static void test_html_quote_containers(void **state)
{
    static const char html[] =
        "<div>Thanks, all good now!</div>"
        "<div class=\"gmail_quote\"><div>On Mon wrote:</div><blockquote>I am FURIOUS</blockquote></div>"
        "<blockquote type=\"cite\">ANGRY again</blockquote>"
        "<div id=\"divRplyFwdMsg\">From: Support</div><div>OUTLOOK HISTORY</div>";
    unsigned notes = 0;
    size_t n;
    char *t = srm_html_to_text(html, strlen(html), 4096, 1, &n, &notes);
    (void)state;

    assert_non_null(t);
    assert_string_equal(t, "Thanks, all good now!");
    assert_true(notes & SRM_NOTE_QUOTE);
    free(t);
}

static void test_html_output_capped_on_char_boundary(void **state)
{
    char html[4096];
    unsigned notes = 0;
    size_t n, o = 0;
    char *t;
    (void)state;

    for (int i = 0; i < 500; i++)
        o += (size_t)snprintf(html + o, sizeof(html) - o, "\xc3\xa9");
    t = srm_html_to_text(html, o, 101, 0, &n, &notes);
    assert_non_null(t);
    assert_true(n <= 101);
    assert_int_equal(n % 2, 0);   /* never half an "é" */
    assert_true(notes & SRM_NOTE_TRUNCATED);
    free(t);
}

static void test_bad_charset_falls_back(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: x\nContent-Type: text/plain; charset=x-no-such-charset\n\n"
                         "caf\xe9 cr\xe8me\n");
    want_has(&m, "caf\xc3\xa9 cr\xc3\xa8me");
    assert_true(m.notes & SRM_NOTE_CHARSET);
    srm_mail_clear(&m);
}

static void test_windows1252_labelled_latin1(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n\n"
                         "\x93quoted\x94 \x80 50\n");
    want_has(&m, "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac 50");
    srm_mail_clear(&m);
}

static void test_invalid_utf8_declared_utf8(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: x\nContent-Type: text/plain; charset=utf-8\n\n"
                         "bad \xff\xfe bytes and a NUL\n");
    /* whatever the guess, the result is valid UTF-8 without NULs */
    sr_ctx *ctx = tu_ctx();
    sr_message *msg = sr_message_new(SR_CHANNEL_EMAIL, NULL);
    assert_int_equal(sr_message_set_text(msg, m.text, m.len, 0, NULL), SR_OK);
    assert_false(sr_message_text_repaired(msg));
    sr_message_free(msg);
    sr_ctx_free(ctx);
    srm_mail_clear(&m);
}

/* NULs that only appear after decoding (base64) become spaces */
static void test_nul_in_decoded_part(void **state)
{
    (void)state;
    /* "hello\0world\0\0ok" */
    srm_mail m = extract("Subject: x\nContent-Type: text/plain; charset=utf-8\n"
                         "Content-Transfer-Encoding: base64\n\naGVsbG8Ad29ybGQAAG9r\n");
    want_has(&m, "hello world  ok");
    srm_mail_clear(&m);
}

static void test_no_text_part_scores_subject(void **state)
{
    (void)state;
    srm_mail m = extract("Subject: Furious about my refund\nContent-Type: image/png\n"
                         "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n");
    assert_string_equal(m.text, "Furious about my refund");
    assert_true(m.notes & SRM_NOTE_NOTEXT);
    srm_mail_clear(&m);
}

static void test_garbage_is_bounded(void **state)
{
    static const char *const inputs[] = {
        "", "\n", "\r\n\r\n", "no header at all", ":\n:\n\n", "Content-Type: multipart/mixed\n\nx",
        "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n",
        "Content-Type: text/plain; charset=\"\n\nx",
        "Content-Transfer-Encoding: base64\n\n!!!!====",
        "Content-Type: text/html\n\n<<<<>>>></p></div><![CDATA[",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++) {
        srm_mail m;
        if (srm_extract(inputs[i], strlen(inputs[i]), &LIM, &m) != 0)
            fail_msg("case %zu failed", i);
        assert_non_null(m.text);
        srm_mail_clear(&m);
    }
}

/* a message GMime cannot parse (no header block) with 8-bit text that the
 * fallback decodes to longer UTF-8 (0x92 -> U+2019, three bytes): the text
 * stays within max_text and says it was cut, as for a parsed part */
static void test_unparsed_text_capped(void **state)
{
    const srm_limits lim = {64, 8, 4096, 0};
    size_t n = 6000, o;
    char *raw = malloc(n + 64);
    srm_mail m;
    (void)state;
    o = (size_t)sprintf(raw, "\x01\x02 no header here\n\n");
    memset(raw + o, 0x92, n);
    if (srm_extract(raw, o + n, &lim, &m) != 0)
        fail_msg("srm_extract failed");
    assert_true(m.notes & SRM_NOTE_UNPARSED);
    if (m.body_len > lim.max_text || m.len > lim.max_text)
        fail_msg("text of %zu bytes (body %zu) over max_text %zu", m.len, m.body_len,
                 lim.max_text);
    assert_true(m.notes & SRM_NOTE_TRUNCATED);
    srm_mail_clear(&m);
    free(raw);
}

/* a thousand nested multiparts: the walk stops at max_depth, promptly */
static void test_thousand_nested_parts(void **state)
{
    size_t cap = 1 << 20, o = 0;
    char *raw = malloc(cap);
    srm_mail m;
    clock_t t0 = clock();
    (void)state;

    o += (size_t)snprintf(raw + o, cap - o, "Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n");
    for (int i = 1; i <= 1000; i++)
        o += (size_t)snprintf(raw + o, cap - o, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n",
                              i - 1, i);
    o += (size_t)snprintf(raw + o, cap - o, "--b1000\nContent-Type: text/plain\n\ndeep words\n");
    for (int i = 1000; i >= 0; i--)
        o += (size_t)snprintf(raw + o, cap - o, "--b%d--\n", i);
    assert_int_equal(srm_extract(raw, o, &LIM, &m), 0);
    assert_true(m.notes & SRM_NOTE_DEPTH);
    want_not(&m, "deep words");
    srm_mail_clear(&m);
    if ((double)(clock() - t0) / CLOCKS_PER_SEC > 10.0)
        fail_msg("took %.1f s", (double)(clock() - t0) / CLOCKS_PER_SEC);
    free(raw);
}

/* a thousand sibling parts: only max_parts are examined */
static void test_thousand_sibling_parts(void **state)
{
    size_t cap = 1 << 20, o = 0;
    char *raw = malloc(cap);
    srm_mail m;
    (void)state;

    o += (size_t)snprintf(raw + o, cap - o, "Subject: wide\nContent-Type: multipart/mixed; boundary=b\n\n");
    for (int i = 0; i < 1000; i++)
        o += (size_t)snprintf(raw + o, cap - o, "--b\nContent-Type: image/gif\n\nGIF\n");
    o += (size_t)snprintf(raw + o, cap - o, "--b\nContent-Type: text/plain\n\nlast words\n--b--\n");
    assert_int_equal(srm_extract(raw, o, &LIM, &m), 0);
    assert_true(m.notes & SRM_NOTE_PARTS);
    assert_true(m.parts <= LIM.max_parts + 1);
    srm_mail_clear(&m);
    free(raw);
}

/* a 30 MB attachment next to the text: text found, attachment not decoded
 * into the result, memory bounded by the text cap */
static void test_thirty_megabyte_attachment(void **state)
{
    size_t att = 30u << 20, cap = att + 4096, o = 0;
    char *raw = malloc(cap);
    srm_mail m;
    (void)state;

    assert_non_null(raw);
    o += (size_t)snprintf(raw + o, cap - o,
                          "Subject: big\nContent-Type: multipart/mixed; boundary=b\n\n"
                          "--b\nContent-Type: text/plain\n\nsee attached, I am upset\n"
                          "--b\nContent-Type: application/octet-stream\n"
                          "Content-Transfer-Encoding: base64\n"
                          "Content-Disposition: attachment; filename=big.bin\n\n");
    for (size_t i = 0; i < att / 77; i++) {
        memset(raw + o, 'A', 76);
        raw[o + 76] = '\n';
        o += 77;
    }
    o += (size_t)snprintf(raw + o, cap - o, "--b--\n");
    assert_int_equal(srm_extract(raw, o, &LIM, &m), 0);
    want_has(&m, "see attached, I am upset");
    assert_true(m.len < 100);
    srm_mail_clear(&m);
    free(raw);
}

/* a huge text part is cut at max_text */
static void test_text_cut_at_limit(void **state)
{
    srm_limits lim = LIM;
    size_t n = 100000, o = 0;
    char *raw = malloc(n + 200);
    srm_mail m;
    (void)state;

    o += (size_t)snprintf(raw, 200, "Subject: s\nContent-Type: text/plain; charset=utf-8\n\n");
    for (size_t i = 0; i < n / 2; i++, o += 2)
        memcpy(raw + o, "\xc3\xa4", 2);
    lim.max_text = 1001;
    lim.strip_quotes = 0;
    assert_int_equal(srm_extract(raw, o, &lim, &m), 0);
    assert_true(m.body_len <= 1001);
    assert_int_equal(m.body_len % 2, 0);
    assert_true(m.notes & SRM_NOTE_TRUNCATED);
    srm_mail_clear(&m);
    free(raw);
}

/* --- the short way for simple messages (extract.c simple_message) ----- */

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* both_ways - extract raw with and without the short way; the results
 * must be equal in every field.  Returns 1 when the short way was taken. */
static int both_ways(const char *raw, size_t len, const srm_limits *lim)
{
    srm_mail a, b;
    unsigned long before = srm_extract_fast_count();
    int ra, rb, fast;

    srm_extract_set_fast(1);
    ra = srm_extract(raw, len, lim, &a);
    fast = srm_extract_fast_count() != before;
    srm_extract_set_fast(0);
    rb = srm_extract(raw, len, lim, &b);
    srm_extract_set_fast(1);
    if (ra != rb || !same_str(a.text, b.text) || a.len != b.len || a.body_len != b.body_len ||
        !same_str(a.subject, b.subject) || !same_str(a.message_id, b.message_id) ||
        !same_str(a.in_reply_to, b.in_reply_to) || !same_str(a.references, b.references) ||
        !same_str(a.from_addr, b.from_addr) || !same_str(a.from_name, b.from_name) ||
        a.notes != b.notes || a.parts != b.parts) {
        fprintf(stderr, "--- input (%zu bytes, short way %s):\n%.*s\n--- short: rc %d notes 0x%x "
                "parts %u subject [%s] from [%s|%s] mid [%s] irt [%s] refs [%s]\n[%s]\n--- GMime: "
                "rc %d notes 0x%x parts %u subject [%s] from [%s|%s] mid [%s] irt [%s] refs "
                "[%s]\n[%s]\n",
                len, fast ? "taken" : "not taken", (int)(len > 2000 ? 2000 : len), raw, ra, a.notes, a.parts,
                a.subject ? a.subject : "(null)", a.from_addr ? a.from_addr : "(null)",
                a.from_name ? a.from_name : "(null)", a.message_id ? a.message_id : "(null)",
                a.in_reply_to ? a.in_reply_to : "(null)", a.references ? a.references : "(null)",
                a.text ? a.text : "(null)", rb, b.notes, b.parts, b.subject ? b.subject : "(null)",
                b.from_addr ? b.from_addr : "(null)", b.from_name ? b.from_name : "(null)",
                b.message_id ? b.message_id : "(null)", b.in_reply_to ? b.in_reply_to : "(null)",
                b.references ? b.references : "(null)", b.text ? b.text : "(null)");
        fail_msg("the short way and GMime's parser differ");
    }
    srm_mail_clear(&a);
    srm_mail_clear(&b);
    return fast;
}

static unsigned rnd_state = 12345;

static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) % n;
}

#define PICK(v) (v)[rnd(sizeof(v) / sizeof(*(v)))]

/* an encoded word GMime warns about (GMIME_WARN_INVALID_RFC2047_HEADER_VALUE) */
#define BADWORD "=?UTF-8?Q?Kect: =?UTF-8?Q?Besch=C3=A4digte_Ware?="

/* a random single-part message from pieces real and broken mail has */
static size_t random_mail(char *buf, size_t size)
{
    static const char *const from[] = {
        NULL, "Jane Doe <Jane@Example.TEST>", "jane@example.test",
        "\"Doe, Jane\" <jane@example.test>", "=?UTF-8?Q?J=C3=A4ne?= <j@example.test>",
        "=?UTF-8?B?!!!?= <j@x.test>", "undisclosed-recipients:;", "Team: a@b.test, c@d.test;",
        "<<>>", "", "  Jane  (comment) <jane@example.test>", "jane@example.test (Jane)",
        "Jane Doe\r\n <jane@example.test>", "=?iso-8859-1?q?J=E4ne?= <j@x.test>", "bad address",
        "a@b.test, c@d.test", "\"unterminated <x@y.test>", "Mr. X <x@[127.0.0.1]>", "@@@",
        "=?utf-8?q?Doe=2C_Jane?= <x@y.test>", "=?utf-8?q?a=40b.test?=",
        BADWORD, "=?utf-8?b?PGFAYi50ZXN0Pg==?=",
    };
    static const char *const subj[] = {
        NULL, "order 1001", "=?UTF-8?Q?w=C3=BCtend?=", "=?ISO-8859-1?Q?D=E9=E7u?= and more",
        "long\r\n subject line", "=?UTF-8?B?w7N3aWVuaWU=?=x", "=?bogus?Q?x?=", "=?UTF-8?Q?broken",
        "", "  spaced   out  ", "a\t tab", "Re: =?utf-8?q?a?= =?utf-8?q?b?=", "=?utf-8?q?=FF?=",
        "Zam=?UTF-8?B?w7N3aWVuaWU=?=", BADWORD,
    };
    static const char *const ids[] = {
        NULL, "<abc@example.test>", " <a@b>  ", "<x@y> (comment)", "=?utf-8?q?x?=", "",
        "<first@support.test>\r\n <prev@support.test>", "<a@b> <c@d>\t<e@f>", "no-brackets@x",
        BADWORD,
    };
    static const char *const mimever[] = {NULL, "1.0", "1.0 (generated)", " 1.0", BADWORD};
    static const char *const ctype[] = {
        NULL, "text/plain", "text/plain; charset=utf-8", "text/plain; charset=\"ISO-8859-15\"",
        "text/plain; charset=iso-8859-1", "text/plain; charset=x-unknown",
        "TEXT/PLAIN; CHARSET=UTF-8", "text/plain; format=flowed; charset=windows-1252",
        "text/html; charset=utf-8", "text/html", "text/plain; charset*=utf-8''%E2",
        "text/plain;charset=utf-8 (comment)", "text", "text/", "application/octet-stream",
        "multipart/mixed; boundary=x", "text/plain; charset=utf-8; charset=iso-8859-1",
        "text/plain;\r\n charset=utf-8", "text/plain; charset=\"unterminated", "text/enriched",
        "text/plain; charset=iso-8859-2", "text/plain; charset=us-ascii", ";;;",
        "text/plain; x=\"" BADWORD "\"", "text/plain " BADWORD,
    };
    static const char *const cte[] = {
        NULL, "7bit", "8bit", "binary", "base64", "quoted-printable", "QUOTED-PRINTABLE",
        " base64 ", "x-token", "x-uuencode", "=?utf-8?q?base64?=", "", BADWORD,
    };
    static const char *const plain[] = {
        "I am furious. The parcel never arrived!", "Ich bin sehr w\xc3\xbctend.",
        "caf\xe9 cr\xe8me \x80 \x93quoted\x94", "nul\0byte", "", "line one\nline two\n",
        "Thanks!\n\nOn Mon, 1 Jan 2024, Bob wrote:\n> old text\n", "Body\n-- \nJane\n+1 555",
        "<p>Sehr <b>gut</b>&nbsp;&amp; danke</p><script>x()</script>",
        "\xc3\x28 invalid utf-8", "\xe2\x82\xac euro", "> all quoted\n> lines\n",
    };
    static const char *const b64[] = {
        "SSBhbSBmdXJpb3VzLg==", "w4RyZ2VyIQ==", "SSBhbSBmdXJpb3VzLg", "!!!notbase64***",
        "SSBh\r\nbSBm\r\ndXJp\r\nb3VzLg==", "", "AAAA", "4oKs",
    };
    static const char *const qp[] = {
        "Je suis tr=E8s d=E9=E7u.", "soft=\r\nbreak", "bad =ZZ escape", "trailing =",
        "=C3=BC=C3=A4", "plain text", "=\r\n", "50 =A4 !",
    };
    const char *eol = rnd(2) ? "\r\n" : "\n";
    struct {
        const char *name, *value;
    } h[12];
    size_t nh = 0, o = 0;
    const char *ct = PICK(ctype), *enc = PICK(cte), *body;
    char tmp[512];

#define ADD(n, v)                                                                          \
    do {                                                                                   \
        const char *v_ = (v);                                                              \
        if (v_ != NULL) {                                                                  \
            h[nh].name = (n);                                                              \
            h[nh++].value = v_;                                                            \
        }                                                                                  \
    } while (0)
    ADD(rnd(5) ? "From" : "FROM", PICK(from));
    ADD(rnd(5) ? "Subject" : "subject", PICK(subj));
    ADD(rnd(5) ? "Message-ID" : "Message-Id", PICK(ids));
    ADD("In-Reply-To", PICK(ids));
    ADD("References", PICK(ids));
    ADD("MIME-Version", PICK(mimever));
    ADD("Content-Type", ct);
    ADD(rnd(5) ? "Content-Transfer-Encoding" : "content-transfer-encoding", enc);
    if (rnd(20) == 0 && nh > 0)   /* a header twice */
        ADD(h[rnd((unsigned)nh)].name, "<dup@example.test>");
    if (rnd(30) == 0)             /* a header the short way does not know */
        ADD("Content-Disposition", rnd(2) ? "inline" : "attachment");
    for (size_t i = nh; i > 1; i--) {   /* any order */
        size_t j = rnd((unsigned)i);
        const char *n = h[i - 1].name, *v = h[i - 1].value;
        h[i - 1] = h[j];
        h[j].name = n;
        h[j].value = v;
    }
    for (size_t i = 0; i < nh; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s:%s%s%s", h[i].name, rnd(8) ? " " : "",
                              h[i].value, eol);
    o += (size_t)snprintf(buf + o, size - o, "%s", eol);
    if (enc != NULL && strstr(enc, "base64") != NULL && rnd(4))
        body = PICK(b64);
    else if (enc != NULL && strcasestr(enc, "quoted") != NULL && rnd(4))
        body = PICK(qp);
    else
        body = PICK(plain);
    /* a body with a NUL: write it by length */
    if (strcmp(body, "nul") == 0) {
        memcpy(buf + o, "nul\0byte", 8);
        o += 8;
    } else {
        for (int k = 1 + (int)rnd(3); k > 0 && o + strlen(body) + 2 < size; k--) {
            snprintf(tmp, sizeof(tmp), "%s%s", body, eol);
            memcpy(buf + o, tmp, strlen(tmp));
            o += strlen(tmp);
        }
    }
    buf[o] = '\0';
    return o;
#undef ADD
}

static void test_short_way_same_as_gmime(void **state)
{
    static const srm_limits small = {64, 8, 40, 0};
    char buf[8192];
    int taken = 0, total = 4000;
    (void)state;

    for (int i = 0; i < total; i++) {
        size_t n = random_mail(buf, sizeof(buf));
        taken += both_ways(buf, n, (i & 1) ? &small : &LIM);
    }
    /* the comparison means something only when the short way ran */
    fprintf(stderr, "short way taken %d of %d\n", taken, total);
    if (taken < total / 3)
        fail_msg("the short way was taken %d times of %d", taken, total);
}

static void test_short_way_taken_for_plain_mail(void **state)
{
    const char *mail = "From: Customer 7 <customer7@example.org>\r\n"
                       "Subject: order 1007\r\n"
                       "Message-ID: <bench-1-7@example.org>\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: 8bit\r\n\r\n"
                       "Could you tell me when my order will ship? Thanks.\r\n";
    (void)state;

    assert_int_equal(both_ways(mail, strlen(mail), &LIM), 1);
    /* multipart, a header twice, 8-bit headers: GMime's parser */
    assert_int_equal(both_ways("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n",
                               52, &LIM), 0);
    assert_int_equal(both_ways("Subject: a\nSubject: b\n\nx\n", 24, &LIM), 0);
    assert_int_equal(both_ways("Subject: \xc3\xa4\n\nx\n", 16, &LIM), 0);
    assert_int_equal(both_ways("Subject: a\n\n", 12, &LIM), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_utf8_with_subject),
        cmocka_unit_test(test_base64_german),
        cmocka_unit_test(test_quoted_printable_french),
        cmocka_unit_test(test_html_only_spanish),
        cmocka_unit_test(test_alternative_prefers_plain_polish),
        cmocka_unit_test(test_related_inside_alternative_takes_html),
        cmocka_unit_test(test_attachment_and_forward_ignored),
        cmocka_unit_test(test_reply_quoted_angry_history_dropped),
        cmocka_unit_test(test_reply_subject_not_scored),
        cmocka_unit_test(test_localized_quote_headers),
        cmocka_unit_test(test_signature_and_phone_footer),
        cmocka_unit_test(test_sign_off_is_dropped),
        cmocka_unit_test(test_all_quoted_keeps_text),
        cmocka_unit_test(test_plain_text_untouched),
        cmocka_unit_test(test_html_quote_containers),
        cmocka_unit_test(test_html_output_capped_on_char_boundary),
        cmocka_unit_test(test_bad_charset_falls_back),
        cmocka_unit_test(test_windows1252_labelled_latin1),
        cmocka_unit_test(test_invalid_utf8_declared_utf8),
        cmocka_unit_test(test_nul_in_decoded_part),
        cmocka_unit_test(test_no_text_part_scores_subject),
        cmocka_unit_test(test_garbage_is_bounded),
        cmocka_unit_test(test_unparsed_text_capped),
        cmocka_unit_test(test_thousand_nested_parts),
        cmocka_unit_test(test_thousand_sibling_parts),
        cmocka_unit_test(test_thirty_megabyte_attachment),
        cmocka_unit_test(test_text_cut_at_limit),
        cmocka_unit_test(test_short_way_taken_for_plain_mail),
        cmocka_unit_test(test_short_way_same_as_gmime),
        cmocka_unit_test(test_from_without_address_is_no_sender),
    };
    int rc;

    srm_extract_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    srm_extract_shutdown();
    return rc;
}
