/*
 * texts.c - what the bridge says to visitors, in en, de, fr, es and pl
 *
 * The built-in texts below can be replaced per language in the config:
 *   xmpp.texts.ask_connect = ["de: Möchten Sie mit jemandem sprechen?"];
 * Placeholders: {agent} (the agent's name), {ticket} (our ticket number),
 * {hours} (xmpp.hours.open), {email} (the visitor's address).  They are
 * substituted by srx_text_fill, never by printf, so a text from the
 * config cannot smuggle in a format string.
 */
#include "build-config.h"

#include "srx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const srx_langs[SRX_NLANGS] = {"en", "de", "fr", "es", "pl"};

static const char *const names[SRX_T_COUNT] = {
    "welcome",  "ask_connect", "ask_again", "declined",   "ask_email", "bad_email",
    "connecting", "no_agent",  "closed",    "zendesk",    "gorgias",   "handed_off",
    "none",     "agent_left",  "slow_down", "busy"};

/* builtin[text][language] */
static const char *const builtin[SRX_T_COUNT][SRX_NLANGS] = {
    [SRX_T_WELCOME] = {
        "Thank you for your message, we have it. Write \"agent\" at any time to talk to a person.",
        "Danke für Ihre Nachricht, wir haben sie erhalten. Schreiben Sie jederzeit "
        "„Mitarbeiter“, um mit einem Menschen zu sprechen.",
        "Merci pour votre message, nous l'avons bien reçu. Écrivez « conseiller » à tout "
        "moment pour parler à une personne.",
        "Gracias por su mensaje, lo hemos recibido. Escriba «agente» en cualquier momento "
        "para hablar con una persona.",
        "Dziękujemy za wiadomość, otrzymaliśmy ją. Napisz „konsultant” w dowolnej chwili, "
        "aby porozmawiać z człowiekiem."},
    [SRX_T_ASK_CONNECT] = {
        "Would you like me to connect you with one of our agents? Please answer yes or no.",
        "Soll ich Sie mit einem unserer Mitarbeiter verbinden? Bitte antworten Sie mit ja "
        "oder nein.",
        "Voulez-vous que je vous mette en relation avec l'un de nos conseillers ? Répondez "
        "par oui ou par non, s'il vous plaît.",
        "¿Quiere que le ponga en contacto con uno de nuestros agentes? Por favor, responda "
        "sí o no.",
        "Czy połączyć Cię z jednym z naszych konsultantów? Odpowiedz tak lub nie."},
    [SRX_T_ASK_AGAIN] = {
        "Sorry, I did not understand. Shall I connect you with an agent? Please answer yes "
        "or no.",
        "Entschuldigung, das habe ich nicht verstanden. Soll ich Sie mit einem Mitarbeiter "
        "verbinden? Bitte antworten Sie mit ja oder nein.",
        "Désolé, je n'ai pas compris. Voulez-vous parler à un conseiller ? Répondez par oui "
        "ou par non, s'il vous plaît.",
        "Perdone, no le he entendido. ¿Quiere que le ponga en contacto con un agente? Por "
        "favor, responda sí o no.",
        "Przepraszam, nie zrozumiałem. Czy połączyć Cię z konsultantem? Odpowiedz tak lub "
        "nie."},
    [SRX_T_DECLINED] = {
        "All right. Just write if there is anything else I can do for you.",
        "In Ordnung. Schreiben Sie einfach, wenn ich sonst noch etwas für Sie tun kann.",
        "Très bien. Écrivez-moi si je peux faire autre chose pour vous.",
        "De acuerdo. Escríbame si puedo ayudarle en algo más.",
        "W porządku. Napisz, jeśli mogę jeszcze w czymś pomóc."},
    [SRX_T_ASK_EMAIL] = {
        "Before I connect you: at which email address can we reach you?",
        "Bevor ich Sie verbinde: Unter welcher E-Mail-Adresse erreichen wir Sie?",
        "Avant de vous mettre en relation : à quelle adresse e-mail pouvons-nous vous "
        "joindre ?",
        "Antes de ponerle en contacto: ¿en qué dirección de correo electrónico podemos "
        "localizarle?",
        "Zanim Cię połączę: pod jakim adresem e-mail możemy się z Tobą skontaktować?"},
    [SRX_T_BAD_EMAIL] = {
        "That does not look like an email address. Please type it again (like "
        "name@example.com), or write no to cancel.",
        "Das sieht nicht nach einer E-Mail-Adresse aus. Bitte geben Sie sie noch einmal ein "
        "(z. B. name@example.com) oder schreiben Sie nein zum Abbrechen.",
        "Cela ne ressemble pas à une adresse e-mail. Merci de la saisir à nouveau (par "
        "exemple nom@example.com) ou d'écrire non pour annuler.",
        "Eso no parece una dirección de correo electrónico. Escríbala de nuevo (por ejemplo "
        "nombre@example.com) o escriba no para cancelar.",
        "To nie wygląda na adres e-mail. Wpisz go ponownie (np. imie@example.com) albo "
        "napisz nie, aby anulować."},
    [SRX_T_CONNECTING] = {
        "Connecting you with {agent}. One moment, please.",
        "Ich verbinde Sie mit {agent}. Einen Moment bitte.",
        "Je vous mets en relation avec {agent}. Un instant, s'il vous plaît.",
        "Le pongo en contacto con {agent}. Un momento, por favor.",
        "Łączę Cię z konsultantem: {agent}. Chwileczkę."},
    [SRX_T_NO_AGENT] = {
        "All our agents are busy at the moment. We have your request (ticket {ticket}) and "
        "will get back to you as soon as possible.",
        "Alle Mitarbeiter sind gerade beschäftigt. Wir haben Ihr Anliegen (Ticket {ticket}) "
        "und melden uns so bald wie möglich.",
        "Tous nos conseillers sont occupés pour le moment. Nous avons bien votre demande "
        "(ticket {ticket}) et vous répondrons dès que possible.",
        "Todos nuestros agentes están ocupados en este momento. Tenemos su solicitud "
        "(ticket {ticket}) y le responderemos lo antes posible.",
        "Wszyscy konsultanci są teraz zajęci. Mamy Twoje zgłoszenie (nr {ticket}) i "
        "odpowiemy najszybciej, jak to możliwe."},
    [SRX_T_CLOSED] = {
        "We are closed right now (opening hours: {hours}). We have your request (ticket "
        "{ticket}) and will get back to you when we are open.",
        "Wir sind gerade nicht erreichbar (Öffnungszeiten: {hours}). Wir haben Ihr Anliegen "
        "(Ticket {ticket}) und melden uns, sobald wir wieder da sind.",
        "Nous sommes fermés pour le moment (horaires : {hours}). Nous avons bien votre "
        "demande (ticket {ticket}) et vous répondrons dès notre réouverture.",
        "Ahora mismo estamos cerrados (horario: {hours}). Tenemos su solicitud (ticket "
        "{ticket}) y le responderemos cuando abramos.",
        "Jesteśmy teraz nieczynni (godziny pracy: {hours}). Mamy Twoje zgłoszenie (nr "
        "{ticket}) i odpowiemy, gdy będziemy otwarci."},
    [SRX_T_ZENDESK] = {
        "Thank you! A member of our team will answer you here in this chat (ticket "
        "{ticket}).",
        "Vielen Dank! Ein Mitarbeiter antwortet Ihnen hier im Chat (Ticket {ticket}).",
        "Merci ! Un membre de notre équipe vous répondra ici, dans ce chat (ticket "
        "{ticket}).",
        "¡Gracias! Un miembro de nuestro equipo le responderá aquí, en este chat (ticket "
        "{ticket}).",
        "Dziękujemy! Ktoś z naszego zespołu odpowie Ci tutaj, na czacie (zgłoszenie nr "
        "{ticket})."},
    [SRX_T_GORGIAS] = {
        "Thank you! Our team will continue this conversation by email at {email}.",
        "Vielen Dank! Unser Team setzt das Gespräch per E-Mail an {email} fort.",
        "Merci ! Notre équipe poursuivra cette conversation par e-mail à l'adresse {email}.",
        "¡Gracias! Nuestro equipo continuará esta conversación por correo electrónico en "
        "{email}.",
        "Dziękujemy! Nasz zespół będzie kontynuować tę rozmowę e-mailem pod adresem "
        "{email}."},
    [SRX_T_HANDED_OFF] = {
        "Thank you! Your request has been passed on to our team (ticket {ticket}).",
        "Vielen Dank! Ihr Anliegen wurde an unser Team weitergegeben (Ticket {ticket}).",
        "Merci ! Votre demande a été transmise à notre équipe (ticket {ticket}).",
        "¡Gracias! Su solicitud se ha pasado a nuestro equipo (ticket {ticket}).",
        "Dziękujemy! Twoje zgłoszenie zostało przekazane naszemu zespołowi (nr {ticket})."},
    [SRX_T_NONE] = {
        "Thank you! These pages answer most questions:",
        "Vielen Dank! Diese Seiten beantworten die meisten Fragen:",
        "Merci ! Ces pages répondent à la plupart des questions :",
        "¡Gracias! Estas páginas responden a la mayoría de las preguntas:",
        "Dziękujemy! Na większość pytań odpowiadają te strony:"},
    [SRX_T_AGENT_LEFT] = {
        "The agent has left the chat. Just write if you need anything else.",
        "Der Mitarbeiter hat den Chat verlassen. Schreiben Sie einfach, wenn Sie noch etwas "
        "brauchen.",
        "Le conseiller a quitté le chat. Écrivez-nous si vous avez besoin d'autre chose.",
        "El agente ha salido del chat. Escríbanos si necesita algo más.",
        "Konsultant opuścił czat. Napisz, jeśli potrzebujesz czegoś jeszcze."},
    [SRX_T_SLOW_DOWN] = {
        "You are sending messages very quickly. Please wait a moment.",
        "Sie senden sehr schnell Nachrichten. Bitte warten Sie einen Moment.",
        "Vous envoyez des messages très rapidement. Merci de patienter un instant.",
        "Está enviando mensajes muy rápido. Por favor, espere un momento.",
        "Wysyłasz wiadomości bardzo szybko. Poczekaj chwilę."},
    [SRX_T_BUSY] = {
        "We are very busy right now. Please try again in a few minutes.",
        "Wir sind gerade sehr ausgelastet. Bitte versuchen Sie es in ein paar Minuten noch "
        "einmal.",
        "Nous sommes très sollicités en ce moment. Merci de réessayer dans quelques minutes.",
        "Ahora mismo tenemos mucho trabajo. Por favor, inténtelo de nuevo en unos minutos.",
        "Mamy teraz bardzo dużo pracy. Spróbuj ponownie za kilka minut."},
};

int srx_lang_index(const char *lang)
{
    for (int i = 0; lang && i < SRX_NLANGS; i++)
        if (strcmp(lang, srx_langs[i]) == 0)
            return i;
    return -1;
}

const char *srx_text_name(srx_text_id id)
{
    return id < SRX_T_COUNT ? names[id] : "?";
}

void srx_texts_clear(srx_texts *t)
{
    for (int i = 0; i < SRX_T_COUNT; i++)
        for (int l = 0; l < SRX_NLANGS; l++) {
            free(t->v[i][l]);
            t->v[i][l] = NULL;
        }
}

/* srx_texts_load - "LANG: text" overrides from xmpp.texts.NAME */
int srx_texts_load(srx_texts *t, const sr_config *cfg, const char *deflang, sr_error *err)
{
    memset(t, 0, sizeof(*t));
    t->deflang = srx_lang_index(deflang);
    if (t->deflang < 0) {
        if (err) {
            err->code = SR_ECONFIG;
            err->sys = 0;
            snprintf(err->where, sizeof(err->where), "%s: xmpp.default_language",
                     sr_config_path(cfg));
            snprintf(err->msg, sizeof(err->msg), "unknown language \"%.8s\" (en, de, fr, es, pl)",
                     deflang);
        }
        return SR_ECONFIG;
    }
    for (int i = 0; i < SRX_T_COUNT; i++) {
        char key[64];
        const char *const *v;
        size_t n;
        snprintf(key, sizeof(key), "xmpp.texts.%s", names[i]);
        if (sr_config_get_list(cfg, key, &v, &n) != SR_OK)
            continue;
        for (size_t k = 0; k < n; k++) {
            const char *colon = strchr(v[k], ':');
            char lang[8] = "";
            int li;
            if (colon != NULL && colon - v[k] < (long)sizeof(lang))
                memcpy(lang, v[k], (size_t)(colon - v[k])), lang[colon - v[k]] = '\0';
            li = srx_lang_index(lang);
            if (li < 0 || colon[1] == '\0') {
                if (err) {
                    err->code = SR_ECONFIG;
                    err->sys = 0;
                    snprintf(err->where, sizeof(err->where), "%s: %s[%zu]", sr_config_path(cfg),
                             key, k);
                    snprintf(err->msg, sizeof(err->msg),
                             "wants \"LANG: text\" with LANG one of en, de, fr, es, pl");
                }
                srx_texts_clear(t);
                return SR_ECONFIG;
            }
            colon++;
            while (*colon == ' ')
                colon++;
            free(t->v[i][li]);
            if ((t->v[i][li] = strdup(colon)) == NULL) {
                srx_texts_clear(t);
                if (err) {
                    err->code = SR_ENOMEM;
                    snprintf(err->msg, sizeof(err->msg), "out of memory");
                }
                return SR_ENOMEM;
            }
        }
    }
    return SR_OK;
}

/* srx_text - an override, else the built-in text, in lang or the default */
const char *srx_text(const srx_texts *t, srx_text_id id, const char *lang)
{
    int li = srx_lang_index(lang);

    if (id >= SRX_T_COUNT)
        return "";
    if (li < 0)
        li = t && t->deflang >= 0 ? t->deflang : 0;
    if (t && t->v[id][li])
        return t->v[id][li];
    return builtin[id][li];
}

/* srx_text_fill - substitute {agent} {ticket} {hours} {email} */
size_t srx_text_fill(const char *tmpl, const srx_vars *vars, char *out, size_t size)
{
    static const char *const keys[] = {"{agent}", "{ticket}", "{hours}", "{email}"};
    size_t o = 0;

    if (size == 0)
        return 0;
    while (*tmpl) {
        const char *val = NULL;
        size_t klen = 0;
        if (*tmpl == '{' && vars != NULL) {
            const char *vals[] = {vars->agent, vars->ticket, vars->hours, vars->email};
            for (int k = 0; k < 4; k++)
                if (strncmp(tmpl, keys[k], strlen(keys[k])) == 0) {
                    val = vals[k] ? vals[k] : "";
                    klen = strlen(keys[k]);
                }
        }
        if (val != NULL) {
            for (; *val && o + 1 < size; val++)
                out[o++] = *val;
            tmpl += klen;
        } else {
            if (o + 1 < size)
                out[o++] = *tmpl;
            tmpl++;
        }
    }
    if (o + 1 >= size) {
        /* cut: never end inside a UTF-8 sequence */
        size_t p = o;
        while (p > 0 && ((unsigned char)out[p - 1] & 0xC0) == 0x80)
            p--;
        if (p > 0) {
            unsigned char lead = (unsigned char)out[p - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (p - 1 + need > o)
                o = p - 1;
        }
    }
    out[o] = '\0';
    return o;
}
