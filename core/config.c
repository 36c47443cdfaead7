/*
 * config.c - load, validate, reference-count and dump the configuration
 *
 * One declarative table (below) lists every key.  Loading fills a fresh
 * sr_config with the defaults, walks the file, and sets each key it finds
 * in the table; a key not in the table, a value of the wrong type or out
 * of range is an error that names file, line and key.  Cross-key checks run
 * last.  Nothing is published until all of it has passed.
 */
#include "build-config.h"

#include "config.h"

#include "internal.h"
#include "storeconf.h"
#include "text.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OFF(f) offsetof(struct sr_config, f)

static const char *const log_levels[] = {"emerg", "alert", "crit",  "err",
                                         "warning", "notice", "info", "debug", NULL};
static const char *const log_sinks[] = {"stderr", "syslog", NULL};
static const char *const log_facilities[] = {"mail",   "daemon", "user",   "local0",
                                             "local1", "local2", "local3", "local4",
                                             "local5", "local6", "local7", NULL};
static const char *const backends[] = {"lexicon", NULL};
static const char *const milter_actions[] = {"accept", "tempfail", NULL};
static const char *const milter_automatic[] = {"skip", "score", NULL};
static const char *const auto_submitted[] = {"auto-generated", "auto-replied", "no", NULL};
static const char *const xmpp_modes[] = {"component", "client", NULL};
static const char *const xmpp_tls[] = {"require", "disable", NULL};

/* The key table.  Keep config/sentiroute.conf in step: a test checks that
 * every key here is documented there. */
static const srp_confdef table[] = {
    {"log.level", SRP_CT_ENUM, OFF(log_level), "info", 0, 0, log_levels,
     "lowest priority logged: err, warning, notice, info or debug"},
    {"log.sink", SRP_CT_ENUM, OFF(log_sink), "stderr", 0, 0, log_sinks,
     "where log lines go: stderr (foreground, systemd) or syslog"},
    {"log.ident", SRP_CT_STRING, OFF(log_ident), "sentiroute", 1, 64, NULL,
     "syslog identity"},
    {"log.facility", SRP_CT_ENUM, OFF(log_facility), "mail", 0, 0, log_facilities,
     "syslog facility"},

    {"scoring.backend", SRP_CT_ENUM, OFF(backend), "lexicon", 0, 0, backends,
     "scorer: lexicon (embedded, no network)"},
    {"scoring.lexicon", SRP_CT_STRING, OFF(lexicon), "", 0, 4096, NULL,
     "compiled lexicon file (srlexc); empty means the one built into the library"},
    {"scoring.languages", SRP_CT_STRLIST, OFF(languages), "en,de,fr,es,pl", 1, 16, NULL,
     "languages to detect and score (subset of en, de, fr, es, pl)"},
    {"scoring.fallback_language", SRP_CT_STRING, OFF(fallback_language), "", 0, 3, NULL,
     "language whose lexicon scores text of unclear language; empty: best guess"},
    {"scoring.max_text_bytes", SRP_CT_INT64, OFF(max_text_bytes), "65536", 64, 67108864, NULL,
     "bytes of a message that are read for scoring; the rest is ignored"},
    {"scoring.max_cues", SRP_CT_INT, OFF(max_cues), "8", 0, SR_CUE_MAX, NULL,
     "cues reported per message (the strongest first)"},
    {"scoring.alpha", SRP_CT_FLOAT, OFF(alpha), "15.0", 1.0, 1000.0, NULL,
     "positive sums v map as 5 + 5 * v / sqrt(v*v + alpha)"},
    {"scoring.negative_knee", SRP_CT_FLOAT, OFF(negative_knee), "2.0", 0.1, 100.0, NULL,
     "negative sums v map as 5 + 5 * v / (|v| + negative_knee): a sum of -knee scores 2.5"},
    {"scoring.hits_norm", SRP_CT_FLOAT, OFF(hits_norm), "0.0", 0.0, 1000.0, NULL,
     "long texts: the valence sum is divided by sqrt(hits / hits_norm) once a text has more "
     "than hits_norm scored words, so length alone does not push a score to the ends (0: off)"},
    {"scoring.words_norm", SRP_CT_FLOAT, OFF(words_norm), "30.0", 0.0, 100000.0, NULL,
     "long texts: the valence sum is divided by sqrt(words / words_norm) once a text has more "
     "than words_norm words, so a long neutral text with a few opinion words stays neutral "
     "(0: off)"},
    {"scoring.labels.urgent_below", SRP_CT_FLOAT, OFF(urgent_below), "5.0", 0, 10, NULL,
     "urgent needs a score below this and an urgency or threat cue"},
    {"scoring.labels.urgent_floor", SRP_CT_FLOAT, OFF(urgent_floor), "1.5", 0, 10, NULL,
     "at or below this score a message is urgent without a cue"},
    {"scoring.labels.promoter_min", SRP_CT_FLOAT, OFF(promoter_min), "8.5", 0, 10, NULL,
     "promoter needs at least this score and an advocacy cue"},
    {"scoring.labels.promoter_floor", SRP_CT_FLOAT, OFF(promoter_floor), "9.5", 0, 10, NULL,
     "at or above this score a message is a promoter without a cue"},
    {"scoring.labels.negative_below", SRP_CT_FLOAT, OFF(negative_below), "4.0", 0, 10, NULL,
     "below this score: negative"},
    {"scoring.labels.positive_above", SRP_CT_FLOAT, OFF(positive_above), "6.0", 0, 10, NULL,
     "above this score: positive (between the two: neutral)"},

    /* store: the LMDB environment (issue 4) */
    {"store.path", SRP_CT_STRING, OFF(store_path), LOCALSTATEDIR "/lib/sentiroute", 1, 4096,
     NULL, "directory of the LMDB store (sentiroutectl --store overrides it)"},
    {"store.map_size_mb", SRP_CT_INT64, OFF(store_map_mb), "1024", 1, 1048576, NULL,
     "largest size the store may grow to, in MiB (MDB_MAP_FULL beyond it)"},
    {"store.sync", SRP_CT_BOOL, OFF(store_sync), "true", 0, 0, NULL,
     "fsync every commit: an acknowledged message survives a power cut (false: a power cut "
     "may lose or corrupt recent commits; a crash of the process loses nothing)"},
    {"store.batch_max", SRP_CT_INT, OFF(store_batch_max), "256", 1, 100000, NULL,
     "most writes grouped into one transaction (group commit)"},
    {"store.instance", SRP_CT_STRING, OFF(store_instance), "", 0, 64, NULL,
     "this host's name in external ids (sr-INSTANCE-TICKET); empty: the host name"},
    {"store.max_readers", SRP_CT_INT, OFF(store_max_readers), "126", 8, 4096, NULL,
     "reader slots shared by all processes using the store"},

    /* conversation: threading and ticket life */
    {"conversation.worse_drop", SRP_CT_FLOAT, OFF(conv_worse_drop), "3.0", 0.1, 10, NULL,
     "a ticket turned sharply worse when its score falls by this much at once"},
    {"conversation.reopen_days", SRP_CT_INT, OFF(conv_reopen_days), "30", 0, 3650, NULL,
     "a message on a ticket closed longer ago than this opens a new ticket"},
    {"conversation.default_country", SRP_CT_STRING, OFF(conv_default_country), "", 0, 3,
     NULL, "country calling code for national SMS numbers (\"49\" turns 0151... into +49151...)"},
    {"conversation.transcript_max", SRP_CT_INT, OFF(conv_transcript_max), "500", 1, 5000,
     NULL, "most messages of a transcript sent with a handoff (the latest ones)"},
    {"conversation.max_message_bytes", SRP_CT_INT64, OFF(conv_max_message_bytes), "262144",
     1024, 67108864, NULL, "bytes of a message kept in the transcript; the rest is cut"},
    {"conversation.handoff_on_request", SRP_CT_BOOL, OFF(conv_handoff_on_request), "true", 0,
     0, NULL, "hand off when a customer asks for a person (human_requested flag)"},

    /* route: rules evaluated in order */
    {"route.default_queue", SRP_CT_STRING, OFF(route_default_queue), "general", 1, 63, NULL,
     "queue of tickets no rule sends elsewhere"},
    {"route.default_priority", SRP_CT_ENUM, OFF(route_default_priority), "normal", 0, 0,
     srp_priority_names, "priority of tickets no rule changes: low, normal, high, urgent"},
    {"route.rules", SRP_CT_CUSTOM, OFF(rules), "", 0, 0, NULL,
     "routing rules, a list of groups (see config/sentiroute.conf)"},
    {"views", SRP_CT_CUSTOM, OFF(views), "", 0, 0, NULL,
     "saved ticket views for sentiroutectl tickets --view NAME"},

    /* handoff and the outbox */
    {"handoff.method", SRP_CT_ENUM, OFF(handoff_method), "helpdesk", 0, 0, srp_method_names,
     "where handed-off tickets go: helpdesk, zendesk, gorgias, webhook, rt or none"},
    {"handoff.timeout", SRP_CT_INT, OFF(http_timeout), "20", 1, 600, NULL,
     "seconds one HTTP request may take"},
    {"handoff.connect_timeout", SRP_CT_INT, OFF(http_connect_timeout), "5", 1, 120, NULL,
     "seconds to connect to a helpdesk"},
    {"handoff.max_attempts", SRP_CT_INT, OFF(outbox_max_attempts), "30", 1, 10000, NULL,
     "failed deliveries before a job is parked as failed (kept; retry with sentiroutectl)"},
    {"handoff.backoff_base", SRP_CT_FLOAT, OFF(outbox_backoff_base), "2.0", 0.01, 3600, NULL,
     "first retry delay in seconds; doubles per attempt, with jitter"},
    {"handoff.backoff_max", SRP_CT_INT, OFF(outbox_backoff_max), "900", 1, 86400, NULL,
     "longest retry delay in seconds"},
    {"handoff.lease", SRP_CT_INT, OFF(outbox_lease), "300", 5, 86400, NULL,
     "seconds a worker holds a claimed job before another may take it (at least 5 x"
     " (timeout + connect_timeout): one job makes up to five requests)"},
    {"handoff.ca_file", SRP_CT_STRING, OFF(http_ca_file), "", 0, 4096, NULL,
     "CA bundle for TLS verification; empty: the system's"},
    {"handoff.none.message", SRP_CT_STRING, OFF(none_message),
     "Thanks for your message. These pages answer most questions:", 0, 1024, NULL,
     "method none: the text shown to the customer instead of a ticket"},
    {"handoff.none.links", SRP_CT_STRLIST, OFF(none_links), "", 0, 32, NULL,
     "method none: help links appended to the message"},
    {"handoff.zendesk.url", SRP_CT_STRING, OFF(zd_url), "", 0, 512, NULL,
     "Zendesk base URL, https://SUBDOMAIN.zendesk.com"},
    {"handoff.zendesk.email", SRP_CT_STRING, OFF(zd_email), "", 0, 320, NULL,
     "agent email the API token belongs to"},
    {"handoff.zendesk.token_file", SRP_CT_SECRET, OFF(zd_token), "", 0, 4096, NULL,
     "file holding the Zendesk API token"},
    {"handoff.zendesk.field_score", SRP_CT_INT64, OFF(zd_field_score), "0", 0, 1e15, NULL,
     "custom field id for the score (0: none)"},
    {"handoff.zendesk.field_label", SRP_CT_INT64, OFF(zd_field_label), "0", 0, 1e15, NULL,
     "custom field id for the label (0: none)"},
    {"handoff.zendesk.field_profile", SRP_CT_INT64, OFF(zd_field_profile), "0", 0, 1e15, NULL,
     "custom field id for the customer's profile id (0: none)"},
    {"handoff.gorgias.url", SRP_CT_STRING, OFF(gg_url), "", 0, 512, NULL,
     "Gorgias base URL, https://DOMAIN.gorgias.com"},
    {"handoff.gorgias.username", SRP_CT_STRING, OFF(gg_username), "", 0, 320, NULL,
     "Gorgias user (email) the API key belongs to"},
    {"handoff.gorgias.api_key_file", SRP_CT_SECRET, OFF(gg_key), "", 0, 4096, NULL,
     "file holding the Gorgias API key"},
    {"handoff.gorgias.support_email", SRP_CT_STRING, OFF(gg_support_email), "", 0, 320, NULL,
     "support address the conversation continues from by email"},
    {"handoff.webhook.url", SRP_CT_STRING, OFF(wh_url), "", 0, 1024, NULL,
     "URL the signed JSON is POSTed to"},
    {"handoff.webhook.secret_file", SRP_CT_SECRET, OFF(wh_secret), "", 0, 4096, NULL,
     "file holding the HMAC-SHA256 signing secret"},
    {"handoff.rt.url", SRP_CT_STRING, OFF(rt_url), "", 0, 512, NULL,
     "RT base URL (without /REST/2.0)"},
    {"handoff.rt.token_file", SRP_CT_SECRET, OFF(rt_token), "", 0, 4096, NULL,
     "file holding the RT auth token"},
    {"handoff.rt.queue", SRP_CT_STRING, OFF(rt_queue), "General", 1, 128, NULL,
     "RT queue for new tickets"},
    {"handoff.rt.id_field", SRP_CT_STRING, OFF(rt_id_field), "SentirouteId", 1, 128, NULL,
     "RT ticket custom field holding our external id (lookup before create)"},
    {"handoff.rt.seq_field", SRP_CT_STRING, OFF(rt_seq_field), "SentirouteSeq", 1, 128, NULL,
     "RT ticket custom field holding the last message delivered (idempotent comments)"},

    /* agent replies on the email channel: sent by SMTP (drv_smtp.c) from the
     * milter's outbox worker and `sentiroutectl outbox run` */
    {"reply.email.relay", SRP_CT_STRING, OFF(re_relay), "smtp://127.0.0.1:25", 0, 512, NULL,
     "SMTP relay for agent replies: smtp://HOST:PORT or smtps://HOST:PORT (\"\": email "
     "replies wait in the outbox)"},
    {"reply.email.starttls", SRP_CT_BOOL, OFF(re_starttls), "false", 0, 0, NULL,
     "require STARTTLS on an smtp:// relay (certificate verified; handoff.ca_file)"},
    {"reply.email.username", SRP_CT_STRING, OFF(re_username), "", 0, 320, NULL,
     "SMTP AUTH user (\"\": no authentication)"},
    {"reply.email.password_file", SRP_CT_SECRET, OFF(re_password), "", 0, 4096, NULL,
     "file holding the SMTP AUTH password (not readable by others)"},
    {"reply.email.from", SRP_CT_STRING, OFF(re_from), "", 0, 320, NULL,
     "From address of replies (\"\": the first of milter.recipients)"},
    {"reply.email.from_name", SRP_CT_STRING, OFF(re_from_name), "", 0, 128, NULL,
     "display name in From (UTF-8, encoded as RFC 2047 needs)"},
    {"reply.email.return_path", SRP_CT_STRING, OFF(re_return_path), "", 0, 320, NULL,
     "envelope sender, where bounces go (\"\": the From address)"},
    {"reply.email.bcc", SRP_CT_STRLIST, OFF(re_bcc), "", 0, 16, NULL,
     "archive copies: extra envelope recipients of every reply (no header; not a support "
     "address, or the milter would score the copy)"},
    {"reply.email.auto_submitted", SRP_CT_ENUM, OFF(re_auto_submitted), "auto-generated", 0, 0,
     auto_submitted,
     "Auto-Submitted header (RFC 3834): auto-generated keeps vacation responders from "
     "answering replies into the ticket; no marks them as written by a person"},

    /* sentiroute-milter (plugins/milter) */
    {"milter.socket", SRP_CT_STRING, OFF(milter_socket), "inet:8895@127.0.0.1", 1, 1024, NULL,
     "where the milter listens: inet:PORT@HOST, inet6:PORT@HOST or unix:PATH"},
    {"milter.user", SRP_CT_STRING, OFF(milter_user), "", 0, 64, NULL,
     "user to switch to when started as root (required then; -u overrides)"},
    {"milter.recipients", SRP_CT_STRLIST, OFF(milter_recipients), "", 0, 1024, NULL,
     "support addresses whose mail is scored (help@example.com; +detail ignored)"},
    {"milter.domains", SRP_CT_STRLIST, OFF(milter_domains), "", 0, 1024, NULL,
     "support domains: mail to any address there is scored"},
    {"milter.on_error", SRP_CT_ENUM, OFF(milter_on_error), "accept", 0, 0, milter_actions,
     "internal error: accept (fail open, no headers) or tempfail (4xx, the sender retries)"},
    {"milter.automatic", SRP_CT_ENUM, OFF(milter_automatic), "skip", 0, 0, milter_automatic,
     "automatic mail (RFC 3834: null sender, Auto-Submitted, Precedence bulk/junk/list, "
     "X-Autoreply, multipart/report): skip (no score, no ticket, no routing; "
     "X-Sentiment-Skipped added) or score (as any other mail)"},
    {"milter.max_scan_bytes", SRP_CT_INT64, OFF(milter_max_scan_bytes), "1048576", 4096,
     67108864, NULL, "bytes of a message (headers and body) collected for scoring"},
    {"milter.max_parts", SRP_CT_INT, OFF(milter_max_parts), "64", 1, 10000, NULL,
     "MIME parts examined per message; the rest are ignored"},
    {"milter.max_depth", SRP_CT_INT, OFF(milter_max_depth), "8", 1, 100, NULL,
     "nesting depth of multiparts examined per message"},
    {"milter.strip_quotes", SRP_CT_BOOL, OFF(milter_strip_quotes), "true", 0, 0, NULL,
     "drop quoted replies and signatures before scoring"},
    {"milter.tickets", SRP_CT_BOOL, OFF(milter_tickets), "true", 0, 0, NULL,
     "append every scored message to its ticket in the store"},
    {"milter.timeout", SRP_CT_INT, OFF(milter_timeout), "300", 10, 7210, NULL,
     "seconds libmilter waits for the MTA before giving up on a connection"},

    /* sms: sentiroute-sms, the SMS shim (issue 7).  Lists are strings
     * (commas or blanks) and secrets are file names the shim reads itself:
     * adapters see the config only through the public getters. */
    {"sms.listen", SRP_CT_STRING, OFF(sms_listen), "127.0.0.1:13080", 3, 127, NULL,
     "address:port the HTTP service listens on (\"[::1]:13080\" for IPv6)"},
    {"sms.max_connections", SRP_CT_INT, OFF(sms_max_connections), "1024", 1, 10000, NULL,
     "concurrent HTTP connections, one thread each (at least smsbox's max-pending-requests)"},
    {"sms.max_request_bytes", SRP_CT_INT64, OFF(sms_max_request_bytes), "65536", 1024, 16777216,
     NULL, "largest request (URL + body) accepted; larger: 413"},
    {"sms.max_text_bytes", SRP_CT_INT64, OFF(sms_max_text_bytes), "16384", 160, 1048576, NULL,
     "largest SMS text (after conversion to UTF-8) kept; a longer one is cut there, stored and flagged truncated"},
    {"sms.request_timeout", SRP_CT_INT, OFF(sms_request_timeout), "15", 1, 600, NULL,
     "seconds a client may take to send its request"},
    {"sms.allow_ip", SRP_CT_STRING, OFF(sms_allow_ip), "127.0.0.1, ::1", 0, 2048, NULL,
     "addresses and networks (CIDR) that may call the shim; empty: any"},
    {"sms.secret_file", SRP_CT_STRING, OFF(sms_secret_file), "", 0, 4096, NULL,
     "file with the shared secret Kannel sends (secret=... in the URL or the password of "
     "http://user:SECRET@host); empty: none asked"},
    {"sms.reply", SRP_CT_ENUM, OFF(sms_reply), "ack", 0, 0,
     (const char *const[]){"ack", "empty", NULL},
     "what the HTTP answer carries: ack (the texts below) or empty (no reply SMS)"},
    {"sms.ack_every", SRP_CT_BOOL, OFF(sms_ack_every), "false", 0, 0, NULL,
     "acknowledge every message, not only the first of a conversation"},
    {"sms.default_language", SRP_CT_STRING, OFF(sms_default_language), "en", 2, 2, NULL,
     "language of the texts when the message's is not en, de, fr, es or pl"},
    {"sms.ack.en", SRP_CT_STRING, OFF(sms_ack[0]),
     "Thanks, we got your message and will answer here. Reply AGENT to reach a person.", 0,
     1024, NULL, "acknowledgement of a new conversation, English (\"\": none)"},
    {"sms.ack.de", SRP_CT_STRING, OFF(sms_ack[1]),
     "Danke, wir haben Ihre Nachricht erhalten und antworten hier. Mit MENSCH erreichen Sie "
     "eine Person.", 0, 1024, NULL, "acknowledgement, German"},
    {"sms.ack.fr", SRP_CT_STRING, OFF(sms_ack[2]),
     "Merci, nous avons bien re\u00e7u votre message et r\u00e9pondrons ici. R\u00e9pondez "
     "CONSEILLER pour parler \u00e0 une personne.", 0, 1024, NULL, "acknowledgement, French"},
    {"sms.ack.es", SRP_CT_STRING, OFF(sms_ack[3]),
     "Gracias, hemos recibido su mensaje y le responderemos aqu\u00ed. Escriba AGENTE para "
     "hablar con una persona.", 0, 1024, NULL, "acknowledgement, Spanish"},
    {"sms.ack.pl", SRP_CT_STRING, OFF(sms_ack[4]),
     "Dzi\u0119kujemy, otrzymali\u015bmy Twoj\u0105 wiadomo\u015b\u0107 i odpowiemy tutaj. "
     "Napisz KONSULTANT, aby porozmawia\u0107 z cz\u0142owiekiem.", 0, 1024, NULL,
     "acknowledgement, Polish"},
    {"sms.handoff_text.en", SRP_CT_STRING, OFF(sms_handoff_text[0]),
     "A member of our team will text you back shortly.", 0, 1024, NULL,
     "answer when the conversation goes to a person, English (\"\": none)"},
    {"sms.handoff_text.de", SRP_CT_STRING, OFF(sms_handoff_text[1]),
     "Ein Mitarbeiter unseres Teams meldet sich in K\u00fcrze per SMS bei Ihnen.", 0, 1024,
     NULL, "handoff answer, German"},
    {"sms.handoff_text.fr", SRP_CT_STRING, OFF(sms_handoff_text[2]),
     "Un membre de notre \u00e9quipe vous r\u00e9pondra tr\u00e8s vite par SMS.", 0, 1024, NULL,
     "handoff answer, French"},
    {"sms.handoff_text.es", SRP_CT_STRING, OFF(sms_handoff_text[3]),
     "Una persona de nuestro equipo le responder\u00e1 en breve por SMS.", 0, 1024, NULL,
     "handoff answer, Spanish"},
    {"sms.handoff_text.pl", SRP_CT_STRING, OFF(sms_handoff_text[4]),
     "Kto\u015b z naszego zespo\u0142u wkr\u00f3tce odpisze Ci SMS-em.", 0, 1024, NULL,
     "handoff answer, Polish"},
    {"sms.handoff_keywords", SRP_CT_STRING, OFF(sms_handoff_keywords),
     "AGENT, HUMAN, PERSON, OPERATOR, MENSCH, MITARBEITER, BERATER, CONSEILLER, HUMAIN, "
     "AGENTE, HUMANO, PERSONA, KONSULTANT, CZLOWIEK, CZ\u0141OWIEK", 0, 2048, NULL,
     "words that hand the conversation to a person (case-insensitive, first word)"},
    {"sms.keyword_max_words", SRP_CT_INT, OFF(sms_keyword_max_words), "3", 1, 50, NULL,
     "a keyword counts when the message has at most this many words"},
    {"sms.handoff_below", SRP_CT_FLOAT, OFF(sms_handoff_below), "0.0", 0, 10, NULL,
     "hand off when a message scores below this (0: off; route.rules can do the same)"},
    {"sms.deliver", SRP_CT_ENUM, OFF(sms_deliver), "kannel", 0, 0,
     (const char *const[]){"kannel", "smstools", "off", NULL},
     "how agent replies go out: kannel (sendsms), smstools (outgoing files) or off"},
    {"sms.sendsms_url", SRP_CT_STRING, OFF(sms_sendsms_url),
     "http://127.0.0.1:13013/cgi-bin/sendsms", 0, 1024, NULL,
     "Kannel's sendsms interface (smsbox sendsms-port, sendsms-url)"},
    {"sms.sendsms_username", SRP_CT_STRING, OFF(sms_sendsms_username), "", 0, 128, NULL,
     "username of Kannel's sendsms-user group"},
    {"sms.sendsms_password_file", SRP_CT_STRING, OFF(sms_sendsms_password_file), "", 0, 4096,
     NULL, "file holding the sendsms-user's password"},
    {"sms.sendsms_from", SRP_CT_STRING, OFF(sms_sendsms_from), "", 0, 64, NULL,
     "sender of agent replies (our number or short code); empty: smsbox global-sender"},
    {"sms.sendsms_smsc", SRP_CT_STRING, OFF(sms_sendsms_smsc), "", 0, 64, NULL,
     "smsc-id to send agent replies through; empty: Kannel's routing"},
    {"sms.deliver_poll_ms", SRP_CT_INT, OFF(sms_deliver_poll_ms), "500", 10, 60000, NULL,
     "how often the outbox is checked for agent replies (milliseconds)"},
    {"sms.deliver_timeout", SRP_CT_INT, OFF(sms_deliver_timeout), "10", 1, 300, NULL,
     "seconds one sendsms request may take"},
    {"sms.outbox_worker", SRP_CT_BOOL, OFF(sms_outbox_worker), "true", 0, 0, NULL,
     "also run the outbox worker that hands tickets to the helpdesk (handoff.method)"},
    {"sms.smstools_outgoing", SRP_CT_STRING, OFF(sms_smstools_outgoing),
     "/var/spool/sms/outgoing", 0, 4096, NULL,
     "smsd's outgoing directory (deliver = smstools, and acknowledgements of --smstools)"},
    {"sms.dedupe_window", SRP_CT_INT64, OFF(sms_dedupe_window), "86400", 60, 2592000, NULL,
     "seconds a message is remembered to recognise a gateway's retry"},
    {"sms.dedupe_max", SRP_CT_INT64, OFF(sms_dedupe_max), "200000", 100, 100000000, NULL,
     "most messages remembered for that"},
    {"sms.twilio_token_file", SRP_CT_STRING, OFF(sms_twilio_token_file), "", 0, 4096, NULL,
     "file with the Auth Token that signs Twilio-style webhooks; empty: /twilio is off"},
    {"sms.twilio_url", SRP_CT_STRING, OFF(sms_twilio_url), "", 0, 1024, NULL,
     "the webhook URL exactly as configured at the provider (it is signed); empty: "
     "http://HOST/twilio from the request"},
    {"sms.zendesk_secret_file", SRP_CT_STRING, OFF(sms_zendesk_secret_file), "", 0, 4096,
     NULL, "file with the Zendesk webhook's signing secret; empty: /zendesk is off"},
    {"sms.gorgias_token_file", SRP_CT_STRING, OFF(sms_gorgias_token_file), "", 0, 4096, NULL,
     "file with the token the Gorgias HTTP integration sends (X-Sentiroute-Token); "
     "empty: /gorgias is off"},
    {"sms.webhook_max_age", SRP_CT_INT, OFF(sms_webhook_max_age), "300", 10, 86400, NULL,
     "seconds a signed webhook's timestamp may be off (replay protection)"},
    {"sms.user", SRP_CT_STRING, OFF(sms_user), "", 0, 64, NULL,
     "user to run as when started as root (-u overrides it)"},

    /* sentiroute-xmpp, the web-chat bridge (plugins/xmpp) */
    {"xmpp.mode", SRP_CT_ENUM, OFF(xmpp_mode), "component", 0, 0, xmpp_modes,
     "component (XEP-0114, serves a domain) or client (logs in as an ordinary account)"},
    {"xmpp.server", SRP_CT_STRING, OFF(xmpp_server), "127.0.0.1", 1, 255, NULL,
     "host of the XMPP server (component mode: its component port is on loopback)"},
    {"xmpp.port", SRP_CT_INT, OFF(xmpp_port), "0", 0, 65535, NULL,
     "server port; 0: 5347 for a component, 5222 for a client"},
    {"xmpp.domain", SRP_CT_STRING, OFF(xmpp_domain), "support.example.com", 0, 255, NULL,
     "component mode: the domain the component serves (Component \"...\" in Prosody)"},
    {"xmpp.jid", SRP_CT_STRING, OFF(xmpp_jid), "", 0, 512, NULL,
     "client mode: the account the bridge logs in as (help@example.com)"},
    {"xmpp.secret_file", SRP_CT_STRING, OFF(xmpp_secret_file), "", 0, 4096, NULL,
     "file holding the component secret (client mode: the account's password); not o+r"},
    {"xmpp.tls", SRP_CT_ENUM, OFF(xmpp_tls), "require", 0, 0, xmpp_tls,
     "client mode: require TLS (verified), or disable it (loopback tests only)"},
    {"xmpp.user", SRP_CT_STRING, OFF(xmpp_user), "", 0, 64, NULL,
     "user to switch to when started as root (required then; -u overrides)"},
    {"xmpp.address", SRP_CT_STRING, OFF(xmpp_address), "help", 1, 255, NULL,
     "component mode: local part visitors write to (help -> help@DOMAIN)"},
    {"xmpp.authenticated_domains", SRP_CT_STRLIST, OFF(xmpp_auth_domains), "", 0, 64, NULL,
     "visitors from these domains are logged-in customers; all others are anonymous and "
     "are asked for an email address before a handoff"},
    {"xmpp.default_language", SRP_CT_STRING, OFF(xmpp_default_language), "en", 2, 3, NULL,
     "language of the texts until the visitor's language is known (en, de, fr, es, pl)"},
    {"xmpp.max_visitors", SRP_CT_INT, OFF(xmpp_max_visitors), "10000", 1, 1000000, NULL,
     "conversations held at once; a new visitor beyond them gets the busy text"},
    {"xmpp.idle_timeout", SRP_CT_INT, OFF(xmpp_idle_timeout), "1800", 5, 604800, NULL,
     "seconds without a line after which a conversation ends (not handed off: resolved)"},
    {"xmpp.max_body_bytes", SRP_CT_INT, OFF(xmpp_max_body), "4096", 64, 1048576, NULL,
     "bytes of a visitor's line that are kept (cut at a character boundary)"},
    {"xmpp.rate", SRP_CT_FLOAT, OFF(xmpp_rate), "1.0", 0.01, 100000, NULL,
     "lines per second a visitor may send on average; more are dropped"},
    {"xmpp.burst", SRP_CT_INT, OFF(xmpp_burst), "10", 1, 100000, NULL,
     "lines a visitor may send at once before xmpp.rate applies"},
    {"xmpp.reconnect_min", SRP_CT_FLOAT, OFF(xmpp_reconnect_min), "0.5", 0.05, 60, NULL,
     "first reconnect delay in seconds after the server went away; doubles per failure"},
    {"xmpp.reconnect_max", SRP_CT_FLOAT, OFF(xmpp_reconnect_max), "60.0", 0.1, 3600, NULL,
     "longest reconnect delay in seconds"},
    {"xmpp.ping_timeout", SRP_CT_FLOAT, OFF(xmpp_ping_timeout), "5.0", 0.5, 50, NULL,
     "seconds the server has to answer the ping after relayed replies; then the link is "
     "dropped as dead and the replies go again after the reconnect"},
    {"xmpp.ping_interval", SRP_CT_FLOAT, OFF(xmpp_ping_interval), "60.0", 1, 3600, NULL,
     "seconds without a ping after which an idle link is pinged (xmpp.ping_timeout applies): "
     "a dead link is found before a visitor's lines are lost on it"},
    {"xmpp.ask_on_first_line", SRP_CT_BOOL, OFF(xmpp_ask_first_line), "true", 0, 0, NULL,
     "without a bot: offer a person at the visitor's first line (else only on a trigger)"},
    {"xmpp.bot.jid", SRP_CT_STRING, OFF(xmpp_bot_jid), "", 0, 512, NULL,
     "upstream bot: visitor lines go to this JID and its answers back; empty: no bot"},
    {"xmpp.bot.handoff_marker", SRP_CT_STRING, OFF(xmpp_bot_marker), "[[handoff]]", 1, 64,
     NULL, "text in a bot answer that asks for a person (removed before relaying)"},
    {"xmpp.agents", SRP_CT_STRLIST, OFF(xmpp_agents), "", 0, 1000, NULL,
     "helpdesk agents: \"JID [Name]: queue, queue\" (no queues: all), online by presence"},
    {"xmpp.agent_max_chats", SRP_CT_INT, OFF(xmpp_agent_max_chats), "3", 1, 100, NULL,
     "live chats one agent takes at once"},
    {"xmpp.hours.timezone", SRP_CT_STRING, OFF(xmpp_tz), "", 0, 64, NULL,
     "time zone of the business hours (Europe/Berlin); empty: the system's"},
    {"xmpp.hours.open", SRP_CT_STRLIST, OFF(xmpp_hours_open), "", 0, 64, NULL,
     "business hours, [\"mon-fri 09:00-17:00\", \"sat 10:00-14:00\"]; empty: always open"},
    {"xmpp.hours.closed", SRP_CT_STRLIST, OFF(xmpp_hours_closed), "", 0, 366, NULL,
     "closed days within the hours, [\"2025-12-25\", ...]"},
    {"xmpp.texts.welcome", SRP_CT_STRLIST, OFF(xmpp_text_welcome), "", 0, 8, NULL,
     "first answer without a bot when ask_on_first_line is off; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.ask_connect", SRP_CT_STRLIST, OFF(xmpp_text_ask_connect), "", 0, 8, NULL,
     "the question whether to connect the visitor to a person; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.ask_again", SRP_CT_STRLIST, OFF(xmpp_text_ask_again), "", 0, 8, NULL,
     "the question again after an answer that was neither yes nor no; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.declined", SRP_CT_STRLIST, OFF(xmpp_text_declined), "", 0, 8, NULL,
     "after a no; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.ask_email", SRP_CT_STRLIST, OFF(xmpp_text_ask_email), "", 0, 8, NULL,
     "asks an anonymous visitor for an email address; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.bad_email", SRP_CT_STRLIST, OFF(xmpp_text_bad_email), "", 0, 8, NULL,
     "after an answer that is no email address; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.connecting", SRP_CT_STRLIST, OFF(xmpp_text_connecting), "", 0, 8, NULL,
     "helpdesk: an agent takes the chat ({agent}); [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.no_agent", SRP_CT_STRLIST, OFF(xmpp_text_no_agent), "", 0, 8, NULL,
     "helpdesk: no agent available within business hours ({ticket}); [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.closed", SRP_CT_STRLIST, OFF(xmpp_text_closed), "", 0, 8, NULL,
     "helpdesk: outside business hours ({hours}, {ticket}); [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.zendesk", SRP_CT_STRLIST, OFF(xmpp_text_zendesk), "", 0, 8, NULL,
     "zendesk: a person will answer in this chat ({ticket}); [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.gorgias", SRP_CT_STRLIST, OFF(xmpp_text_gorgias), "", 0, 8, NULL,
     "gorgias: the conversation goes on by email ({email}); [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.handed_off", SRP_CT_STRLIST, OFF(xmpp_text_handed_off), "", 0, 8, NULL,
     "webhook and rt: the request was passed on ({ticket}); [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.none", SRP_CT_STRLIST, OFF(xmpp_text_none), "", 0, 8, NULL,
     "method none: shown before the handoff.none.links; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.agent_left", SRP_CT_STRLIST, OFF(xmpp_text_agent_left), "", 0, 8, NULL,
     "the agent ended the chat; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.slow_down", SRP_CT_STRLIST, OFF(xmpp_text_slow_down), "", 0, 8, NULL,
     "the visitor writes faster than xmpp.rate allows; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.texts.busy", SRP_CT_STRLIST, OFF(xmpp_text_busy), "", 0, 8, NULL,
     "xmpp.max_visitors conversations are open already; [\"LANG: text\", ...] overrides the built-in en/de/fr/es/pl text"},
    {"xmpp.webhook.listen", SRP_CT_STRING, OFF(xmpp_wh_listen), "", 0, 255, NULL,
     "HOST:PORT of the Zendesk webhook listener (agent replies into the chat); empty: off"},
    {"xmpp.webhook.path", SRP_CT_STRING, OFF(xmpp_wh_path), "/zendesk", 1, 255, NULL,
     "URL path the webhook is POSTed to"},
    {"xmpp.webhook.signing_secret_file", SRP_CT_STRING, OFF(xmpp_wh_signing_file), "", 0,
     4096, NULL, "file holding the Zendesk webhook signing secret (X-Zendesk-Webhook-Signature)"},
    {"xmpp.webhook.token_file", SRP_CT_STRING, OFF(xmpp_wh_token_file), "", 0, 4096, NULL,
     "file holding a shared secret expected as Authorization: Bearer (or X-Sentiroute-Token)"},
    {"xmpp.webhook.max_body", SRP_CT_INT, OFF(xmpp_wh_max_body), "65536", 1024, 16777216, NULL,
     "largest webhook body in bytes (413 beyond)"},
    {"xmpp.webhook.max_skew", SRP_CT_INT, OFF(xmpp_wh_max_skew), "300", 0, 86400, NULL,
     "seconds a signature timestamp may be off (replay window); 0: not checked"},
};

const srp_confdef *srp_config_table(size_t *n)
{
    *n = SR_ARRAY_LEN(table);
    return table;
}

static void strlist_free(srp_strlist *l)
{
    srp_strlist_free(l);
}

void srp_strlist_free(srp_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void config_free(sr_config *cfg)
{
    for (size_t i = 0; i < SR_ARRAY_LEN(table); i++) {
        void *field = (char *)cfg + table[i].offset;
        if (table[i].type == SRP_CT_STRING)
            free(*(char **)field);
        else if (table[i].type == SRP_CT_STRLIST)
            strlist_free(field);
        else if (table[i].type == SRP_CT_SECRET)
            srp_secret_free(*(sr_secret **)field);
        else if (table[i].type == SRP_CT_CUSTOM)
            srp_custom_find(table[i].path)->free(field);
    }
    free(cfg->path);
    free(cfg);
}

sr_config *sr_config_ref(sr_config *cfg)
{
    if (cfg)
        atomic_fetch_add(&cfg->refs, 1);
    return cfg;
}

void sr_config_unref(sr_config *cfg)
{
    if (cfg && atomic_fetch_sub(&cfg->refs, 1) == 1)
        config_free(cfg);
}

const char *sr_config_path(const sr_config *cfg)
{
    return cfg && cfg->path ? cfg->path : "";
}

/* enum_index - position of name in names, or -1 */
static int enum_index(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static int set_string(char **field, const char *val)
{
    char *dup = strdup(val);

    if (dup == NULL)
        return SR_ENOMEM;
    free(*field);
    *field = dup;
    return SR_OK;
}

/* set_default - store a table default (text form) into cfg */
static int set_default(sr_config *cfg, const srp_confdef *d)
{
    void *field = (char *)cfg + d->offset;

    switch (d->type) {
    case SRP_CT_BOOL:
        *(int *)field = strcmp(d->def, "true") == 0;
        return SR_OK;
    case SRP_CT_INT:
        *(int *)field = (int)strtol(d->def, NULL, 10);
        return SR_OK;
    case SRP_CT_INT64:
        *(long long *)field = strtoll(d->def, NULL, 10);
        return SR_OK;
    case SRP_CT_FLOAT:
        *(double *)field = strtod(d->def, NULL);
        return SR_OK;
    case SRP_CT_STRING:
        return set_string(field, d->def);
    case SRP_CT_ENUM:
        *(int *)field = enum_index(d->names, d->def);
        return SR_OK;
    case SRP_CT_STRLIST: {
        srp_strlist *l = field;
        const char *p = d->def;
        strlist_free(l);
        while (*p) {
            size_t n = strcspn(p, ",");
            char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
            if (v == NULL)
                return SR_ENOMEM;
            l->v = v;
            l->v[l->n] = strndup(p, n);
            if (l->v[l->n] == NULL)
                return SR_ENOMEM;
            l->n++;
            p += n;
            if (*p == ',')
                p++;
        }
        return SR_OK;
    }
    case SRP_CT_SECRET:
    case SRP_CT_CUSTOM:
        return SR_OK;   /* NULL / empty until set */
    }
    return SR_EINVAL;
}

static sr_config *config_new(sr_error *err)
{
    sr_config *cfg = calloc(1, sizeof(*cfg));

    if (cfg == NULL) {
        srp_error(err, SR_ENOMEM, ENOMEM, "config", "out of memory");
        return NULL;
    }
    atomic_init(&cfg->refs, 1);
    for (size_t i = 0; i < SR_ARRAY_LEN(table); i++) {
        if (set_default(cfg, &table[i]) != SR_OK) {
            config_free(cfg);
            srp_error(err, SR_ENOMEM, ENOMEM, "config", "out of memory");
            return NULL;
        }
    }
    return cfg;
}

/* where - "file:line: key" for a setting */
static void where(char *buf, size_t size, const config_setting_t *s, const char *path,
                  const char *fallback_file)
{
    const char *file = config_setting_source_file(s);
    unsigned line = config_setting_source_line(s);

    snprintf(buf, size, "%s:%u: %s", file ? file : fallback_file, line, path);
}

static int conf_error(sr_error *err, const config_setting_t *s, const char *path,
                      const char *file, const char *fmt, ...) SR_PRINTFLIKE(5, 6);

/* srp_conf_error - conf_error for other modules' parsers */
int srp_conf_error(sr_error *err, const void *setting, const char *path, const char *file,
                   const char *fmt, ...)
{
    char w[160], msg[256];
    va_list ap;

    where(w, sizeof(w), setting, path, file);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return srp_error(err, SR_ECONFIG, 0, w, "%s", msg);
}

static int conf_error(sr_error *err, const config_setting_t *s, const char *path,
                      const char *file, const char *fmt, ...)
{
    char w[160], msg[256];
    va_list ap;

    where(w, sizeof(w), s, path, file);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return srp_error(err, SR_ECONFIG, 0, w, "%s", msg);
}

static const char *type_name(srp_ctype t)
{
    switch (t) {
    case SRP_CT_BOOL: return "a boolean (true or false)";
    case SRP_CT_INT:
    case SRP_CT_INT64: return "an integer";
    case SRP_CT_FLOAT: return "a number";
    case SRP_CT_STRING: return "a string";
    case SRP_CT_ENUM: return "a string";
    case SRP_CT_STRLIST: return "a list of strings, e.g. [\"a\", \"b\"]";
    case SRP_CT_SECRET: return "a file name (string)";
    case SRP_CT_CUSTOM: return "a list";
    }
    return "?";
}

/* set_value - store one setting after type and range checks */
static int set_value(sr_config *cfg, const srp_confdef *d, const config_setting_t *s,
                     const char *path, const char *file, sr_error *err)
{
    void *field = (char *)cfg + d->offset;
    int t = config_setting_type(s);
    char msg[256];

    switch (d->type) {
    case SRP_CT_BOOL:
        if (t != CONFIG_TYPE_BOOL)
            return conf_error(err, s, path, file, "must be %s", type_name(d->type));
        *(int *)field = config_setting_get_bool(s);
        return SR_OK;
    case SRP_CT_INT:
    case SRP_CT_INT64: {
        long long v;
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return conf_error(err, s, path, file, "must be %s", type_name(d->type));
        v = config_setting_get_int64(s);
        if ((double)v < d->min || (double)v > d->max) {
            snprintf(msg, sizeof(msg), "%lld is out of range [%.0f, %.0f]", v, d->min, d->max);
            return conf_error(err, s, path, file, "%s", msg);
        }
        if (d->type == SRP_CT_INT)
            *(int *)field = (int)v;
        else
            *(long long *)field = v;
        return SR_OK;
    }
    case SRP_CT_FLOAT: {
        double v;
        if (t == CONFIG_TYPE_FLOAT)
            v = config_setting_get_float(s);
        else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            v = (double)config_setting_get_int64(s);
        else
            return conf_error(err, s, path, file, "must be %s", type_name(d->type));
        if (!isfinite(v) || v < d->min || v > d->max) {
            snprintf(msg, sizeof(msg), "%g is out of range [%g, %g]", v, d->min, d->max);
            return conf_error(err, s, path, file, "%s", msg);
        }
        *(double *)field = v;
        return SR_OK;
    }
    case SRP_CT_STRING:
    case SRP_CT_ENUM: {
        const char *v;
        if (t != CONFIG_TYPE_STRING)
            return conf_error(err, s, path, file, "must be %s", type_name(d->type));
        v = config_setting_get_string(s);
        if (d->type == SRP_CT_ENUM) {
            int i = enum_index(d->names, v);
            if (i < 0) {
                size_t o = 0;
                o += (size_t)snprintf(msg, sizeof(msg), "unknown value \"%.40s\"; one of:", v);
                for (int k = 0; d->names[k] && o < sizeof(msg) - 20; k++)
                    o += (size_t)snprintf(msg + o, sizeof(msg) - o, " %s", d->names[k]);
                return conf_error(err, s, path, file, "%s", msg);
            }
            *(int *)field = i;
            return SR_OK;
        }
        if (strlen(v) < (size_t)d->min || strlen(v) > (size_t)d->max) {
            snprintf(msg, sizeof(msg), "length must be %.0f to %.0f characters", d->min, d->max);
            return conf_error(err, s, path, file, "%s", msg);
        }
        if (!srp_utf8_valid(v, strlen(v)))
            return conf_error(err, s, path, file, "%s", "is not valid UTF-8");
        if (set_string(field, v) != SR_OK)
            return srp_error(err, SR_ENOMEM, ENOMEM, path, "out of memory");
        return SR_OK;
    }
    case SRP_CT_STRLIST: {
        srp_strlist nl = {0};
        int n;
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
            return conf_error(err, s, path, file, "must be %s", type_name(d->type));
        n = config_setting_length(s);
        if (n < (int)d->min || n > (int)d->max) {
            snprintf(msg, sizeof(msg), "needs %.0f to %.0f elements", d->min, d->max);
            return conf_error(err, s, path, file, "%s", msg);
        }
        nl.v = calloc((size_t)n + 1, sizeof(char *));
        if (nl.v == NULL)
            return srp_error(err, SR_ENOMEM, ENOMEM, path, "out of memory");
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                strlist_free(&nl);
                return conf_error(err, e, path, file, "must be %s", type_name(d->type));
            }
            nl.v[i] = strdup(config_setting_get_string(e));
            if (nl.v[i] == NULL) {
                strlist_free(&nl);
                return srp_error(err, SR_ENOMEM, ENOMEM, path, "out of memory");
            }
            nl.n++;
        }
        strlist_free(field);
        *(srp_strlist *)field = nl;
        return SR_OK;
    }
    case SRP_CT_SECRET: {
        sr_secret *sec = NULL;
        if (t != CONFIG_TYPE_STRING)
            return conf_error(err, s, path, file, "must be %s", type_name(d->type));
        if (*config_setting_get_string(s) != '\0') {
            sec = srp_secret_load(config_setting_get_string(s), err);
            if (sec == NULL) {
                char w[160];
                where(w, sizeof(w), s, path, file);
                if (err != NULL)
                    srp_strlcpy(err->where, w, sizeof(err->where));
                return err ? err->code : SR_ECONFIG;
            }
        }
        srp_secret_free(*(sr_secret **)field);
        *(sr_secret **)field = sec;
        return SR_OK;
    }
    case SRP_CT_CUSTOM:
        return srp_custom_find(d->path)->parse(field, s, path, file, err);
    }
    return SR_EINVAL;
}

/* group_known - is path a group some key lives under? */
static int group_known(const char *path)
{
    size_t n = strlen(path);

    for (size_t i = 0; i < SR_ARRAY_LEN(table); i++)
        if (strncmp(table[i].path, path, n) == 0 && table[i].path[n] == '.')
            return 1;
    return 0;
}

static const srp_confdef *find_key(const char *path)
{
    for (size_t i = 0; i < SR_ARRAY_LEN(table); i++)
        if (strcmp(table[i].path, path) == 0)
            return &table[i];
    return NULL;
}

/* walk - visit every setting under group g */
static int walk(sr_config *cfg, const config_setting_t *g, const char *prefix, const char *file,
                sr_error *err)
{
    int n = config_setting_length(g);

    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        char path[160];
        const srp_confdef *d;
        int rc;

        if (name == NULL)
            continue;
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", name);
        d = find_key(path);
        if (d != NULL) {
            rc = set_value(cfg, d, s, path, file, err);
            if (rc != SR_OK)
                return rc;
            continue;
        }
        if (config_setting_is_group(s) && group_known(path)) {
            rc = walk(cfg, s, path, file, err);
            if (rc != SR_OK)
                return rc;
            continue;
        }
        return conf_error(err, s, path, file, "%s",
                          config_setting_is_group(s) ? "unknown section" : "unknown key");
    }
    return SR_OK;
}

/* validate - checks that involve several keys */
static int validate(sr_config *cfg, const char *file, sr_error *err)
{
    char w[160];
    int rc;

    snprintf(w, sizeof(w), "%s: scoring.languages", file);
    for (size_t i = 0; i < cfg->languages.n; i++)
        if (srp_lang_slot(cfg->languages.v[i]) < 0)
            return srp_error(err, SR_ECONFIG, 0, w,
                             "unsupported language \"%.16s\" (supported: en, de, fr, es, pl)",
                             cfg->languages.v[i]);
    if (cfg->fallback_language[0] && srp_lang_slot(cfg->fallback_language) < 0) {
        snprintf(w, sizeof(w), "%s: scoring.fallback_language", file);
        return srp_error(err, SR_ECONFIG, 0, w, "unsupported language \"%s\"",
                         cfg->fallback_language);
    }
    snprintf(w, sizeof(w), "%s: scoring.labels", file);
    if (!(cfg->negative_below <= cfg->positive_above))
        return srp_error(err, SR_ECONFIG, 0, w, "negative_below must not exceed positive_above");
    if (!(cfg->urgent_floor <= cfg->urgent_below))
        return srp_error(err, SR_ECONFIG, 0, w, "urgent_floor must not exceed urgent_below");
    if (!(cfg->promoter_min <= cfg->promoter_floor))
        return srp_error(err, SR_ECONFIG, 0, w, "promoter_min must not exceed promoter_floor");
    /* a job still being sent when its lease ends is sent again by another
     * worker: the lease must outlast one job's worst case */
    if (cfg->outbox_lease < SRP_JOB_MAX_REQUESTS * (cfg->http_timeout + cfg->http_connect_timeout)) {
        snprintf(w, sizeof(w), "%s: handoff.lease", file);
        return srp_error(err, SR_ECONFIG, 0, w,
                         "%d s is shorter than one job may take: up to %d requests of"
                         " handoff.timeout + handoff.connect_timeout (%d + %d s); raise"
                         " handoff.lease to at least %d or lower the timeouts",
                         cfg->outbox_lease, SRP_JOB_MAX_REQUESTS, cfg->http_timeout,
                         cfg->http_connect_timeout,
                         SRP_JOB_MAX_REQUESTS * (cfg->http_timeout + cfg->http_connect_timeout));
    }
    rc = srp_storeconf_validate(cfg, file, err);
    return rc != SR_OK ? rc : srp_smtp_validate(cfg, file, err);
}

static sr_config *load(config_t *lc, int ok, const char *name, sr_error *err)
{
    sr_config *cfg;

    if (!ok) {
        char w[160];
        const char *f = config_error_file(lc);
        if (config_error_type(lc) == CONFIG_ERR_FILE_IO) {
            srp_error(err, SR_EIO, errno, name, "cannot read configuration: %s",
                      config_error_text(lc));
        } else {
            snprintf(w, sizeof(w), "%s:%d", f ? f : name, config_error_line(lc));
            srp_error(err, SR_ECONFIG, 0, w, "syntax error: %s", config_error_text(lc));
        }
        return NULL;
    }
    cfg = config_new(err);
    if (cfg == NULL)
        return NULL;
    if (walk(cfg, config_root_setting(lc), "", name, err) != SR_OK ||
        validate(cfg, name, err) != SR_OK) {
        config_free(cfg);
        return NULL;
    }
    cfg->path = strdup(name);
    if (cfg->path == NULL) {
        config_free(cfg);
        srp_error(err, SR_ENOMEM, ENOMEM, "config", "out of memory");
        return NULL;
    }
    return cfg;
}

/* sr_config_load - parse and validate a file */
sr_config *sr_config_load(const char *path, sr_error *err)
{
    config_t lc;
    sr_config *cfg;
    char *dir, *slash;

    if (path == NULL || *path == '\0') {
        srp_error(err, SR_EINVAL, 0, "config", "no configuration file given");
        return NULL;
    }
    if (access(path, R_OK) != 0) {
        srp_error(err, SR_EIO, errno, path, "cannot read configuration: %s", strerror(errno));
        return NULL;
    }
    config_init(&lc);
    /* @include paths are relative to the including file's directory */
    dir = strdup(path);
    if (dir != NULL) {
        slash = strrchr(dir, '/');
        if (slash != NULL) {
            *slash = '\0';
            config_set_include_dir(&lc, *dir ? dir : "/");
        }
    }
    cfg = load(&lc, config_read_file(&lc, path) == CONFIG_TRUE, path, err);
    config_destroy(&lc);
    free(dir);
    return cfg;
}

/* srp_config_load_string - parse text (tests) */
sr_config *srp_config_load_string(const char *text, const char *name, sr_error *err)
{
    config_t lc;
    sr_config *cfg;

    config_init(&lc);
    cfg = load(&lc, config_read_string(&lc, text) == CONFIG_TRUE, name, err);
    config_destroy(&lc);
    return cfg;
}

/* sr_config_new_default - defaults only */
sr_config *sr_config_new_default(sr_error *err)
{
    sr_config *cfg = config_new(err);

    if (cfg != NULL && validate(cfg, "(defaults)", err) != SR_OK) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

static int write_all(int fd, const char *buf, size_t len);

/* srp_conf_write - write a string to fd */
int srp_conf_write(int fd, const char *text)
{
    return write_all(fd, text, strlen(text));
}

/* write_all - write a whole buffer to fd */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* quote - s as a libconfig string literal appended to out (at least
 * 2 * strlen(s) + 3 bytes free) */
static char *quote(char *out, const char *s)
{
    *out++ = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            *out++ = '\\';
        *out++ = *s;
    }
    *out++ = '"';
    *out = '\0';
    return out;
}

/* sr_config_get_* - typed access by key path */
int sr_config_get_int(const sr_config *cfg, const char *key, long long *out)
{
    const srp_confdef *d = find_key(key);
    const void *field;

    if (d == NULL)
        return SR_ENOTFOUND;
    field = (const char *)cfg + d->offset;
    if (d->type == SRP_CT_INT || d->type == SRP_CT_ENUM)
        *out = *(const int *)field;
    else if (d->type == SRP_CT_INT64)
        *out = *(const long long *)field;
    else
        return SR_EINVAL;
    return SR_OK;
}

int sr_config_get_float(const sr_config *cfg, const char *key, double *out)
{
    const srp_confdef *d = find_key(key);

    if (d == NULL)
        return SR_ENOTFOUND;
    if (d->type != SRP_CT_FLOAT)
        return SR_EINVAL;
    *out = *(const double *)((const char *)cfg + d->offset);
    return SR_OK;
}

int sr_config_get_bool(const sr_config *cfg, const char *key, int *out)
{
    const srp_confdef *d = find_key(key);

    if (d == NULL)
        return SR_ENOTFOUND;
    if (d->type != SRP_CT_BOOL)
        return SR_EINVAL;
    *out = *(const int *)((const char *)cfg + d->offset);
    return SR_OK;
}

int sr_config_get_string(const sr_config *cfg, const char *key, const char **out)
{
    const srp_confdef *d = find_key(key);
    const void *field;

    if (d == NULL)
        return SR_ENOTFOUND;
    field = (const char *)cfg + d->offset;
    if (d->type == SRP_CT_STRING)
        *out = *(char *const *)field;
    else if (d->type == SRP_CT_ENUM)
        *out = d->names[*(const int *)field];
    else
        return SR_EINVAL;
    return SR_OK;
}

int sr_config_get_list(const sr_config *cfg, const char *key, const char *const **v, size_t *n)
{
    const srp_confdef *d = find_key(key);
    const srp_strlist *l;

    if (d == NULL)
        return SR_ENOTFOUND;
    if (d->type != SRP_CT_STRLIST)
        return SR_EINVAL;
    l = (const srp_strlist *)((const char *)cfg + d->offset);
    *v = (const char *const *)l->v;
    *n = l->n;
    return SR_OK;
}

/* split_path - the dot-separated parts of a key path */
static size_t split_path(const char *path, const char *parts[8], size_t lens[8])
{
    size_t n = 0;

    while (*path && n < 8) {
        size_t k = strcspn(path, ".");
        parts[n] = path;
        lens[n++] = k;
        path += k;
        if (*path == '.')
            path++;
    }
    return n;
}

/* dump_value - a key's value as libconfig text (allocated; NULL: out of
 * memory): lists and strings whole, however long */
static char *dump_value(const srp_confdef *d, const void *field)
{
    size_t size = 64;
    char *val, *o;

    switch (d->type) {
    case SRP_CT_STRING:
        size += 2 * strlen(*(char *const *)field);
        break;
    case SRP_CT_STRLIST: {
        const srp_strlist *l = field;
        for (size_t k = 0; k < l->n; k++)
            size += 2 * strlen(l->v[k]) + 4;
        break;
    }
    case SRP_CT_SECRET: {
        const sr_secret *sec = *(sr_secret *const *)field;
        size += sec ? 2 * strlen(srp_secret_path(sec)) + 32 : 0;
        break;
    }
    default:
        break;
    }
    if ((val = malloc(size)) == NULL)
        return NULL;
    switch (d->type) {
    case SRP_CT_BOOL:
        snprintf(val, size, "%s", *(const int *)field ? "true" : "false");
        break;
    case SRP_CT_INT:
        snprintf(val, size, "%d", *(const int *)field);
        break;
    case SRP_CT_INT64:
        snprintf(val, size, "%lld", *(const long long *)field);
        break;
    case SRP_CT_FLOAT:
        snprintf(val, size, "%g", *(const double *)field);
        if (strpbrk(val, ".e") == NULL)
            strcat(val, ".0");
        break;
    case SRP_CT_STRING:
        quote(val, *(char *const *)field);
        break;
    case SRP_CT_ENUM:
        quote(val, d->names[*(const int *)field]);
        break;
    case SRP_CT_STRLIST: {
        const srp_strlist *l = field;
        o = val;
        *o++ = '[';
        for (size_t k = 0; k < l->n; k++) {
            if (k) {
                *o++ = ',';
                *o++ = ' ';
            }
            o = quote(o, l->v[k]);
        }
        *o++ = ']';
        *o = '\0';
        break;
    }
    case SRP_CT_SECRET: {
        /* the file name is shown, what it holds never is */
        const sr_secret *sec = *(sr_secret *const *)field;
        o = quote(val, sec ? srp_secret_path(sec) : "");
        if (sec != NULL)
            strcpy(o, ";  # contents: <redacted>");
        break;
    }
    case SRP_CT_CUSTOM:
        val[0] = '\0';
        break;
    }
    return val;
}

/* sr_config_dump - effective values as a libconfig file that loads again */
int sr_config_dump(const sr_config *cfg, int fd, sr_error *err)
{
    char line[8192], *val;
    int rc;
    const char *open[8];
    size_t openlen[8], nopen = 0;

    for (size_t i = 0; i <= SR_ARRAY_LEN(table); i++) {
        const char *parts[8];
        size_t lens[8], np = 0, keep = 0;

        if (i < SR_ARRAY_LEN(table))
            np = split_path(table[i].path, parts, lens);
        /* close groups this key is not in, open the ones it is */
        while (keep < nopen && keep + 1 < np && openlen[keep] == lens[keep] &&
               memcmp(open[keep], parts[keep], lens[keep]) == 0)
            keep++;
        while (nopen > keep) {
            nopen--;
            snprintf(line, sizeof(line), "%*s};\n", (int)(nopen * 2), "");
            if (write_all(fd, line, strlen(line)) != 0)
                return srp_error(err, SR_EIO, errno, "dump", "write failed: %s", strerror(errno));
        }
        if (i == SR_ARRAY_LEN(table))
            break;
        while (nopen + 1 < np) {
            snprintf(line, sizeof(line), "%*s%.*s = {\n", (int)(nopen * 2), "",
                     (int)lens[nopen], parts[nopen]);
            if (write_all(fd, line, strlen(line)) != 0)
                return srp_error(err, SR_EIO, errno, "dump", "write failed: %s", strerror(errno));
            open[nopen] = parts[nopen];
            openlen[nopen] = lens[nopen];
            nopen++;
        }

        const srp_confdef *d = &table[i];
        const void *field = (const char *)cfg + d->offset;

        if (d->type == SRP_CT_CUSTOM) {
            snprintf(line, sizeof(line), "%*s# %s\n%*s%.*s = ", (int)(nopen * 2), "", d->doc,
                     (int)(nopen * 2), "", (int)lens[np - 1], parts[np - 1]);
            if (write_all(fd, line, strlen(line)) != 0 ||
                srp_custom_find(d->path)->dump(field, fd, (int)(nopen * 2)) != 0 ||
                write_all(fd, ";\n", 2) != 0)
                return srp_error(err, SR_EIO, errno, "dump", "write failed: %s", strerror(errno));
            continue;
        }

        val = dump_value(d, field);
        if (val == NULL)
            return srp_error(err, SR_ENOMEM, ENOMEM, "dump", "out of memory");
        snprintf(line, sizeof(line), "%*s%.*s = ", (int)(nopen * 2), "", (int)lens[np - 1],
                 parts[np - 1]);
        rc = write_all(fd, line, strlen(line)) != 0 || write_all(fd, val, strlen(val)) != 0;
        free(val);
        snprintf(line, sizeof(line), ";  # %s\n", d->doc);
        if (rc || write_all(fd, line, strlen(line)) != 0)
            return srp_error(err, SR_EIO, errno, "dump", "write failed: %s", strerror(errno));
    }
    return SR_OK;
}
