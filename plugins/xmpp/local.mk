# plugins/xmpp/ - sentiroute-xmpp, the web-chat bridge (issue 6), its
# tests (tests/xmpp/) and its benchmark (tests/bench/, make bench)

# the units without libstrophe or libmicrohttpd: the unit tests link them
noinst_LTLIBRARIES += plugins/xmpp/libsrx.la
plugins_xmpp_libsrx_la_SOURCES = \
	plugins/xmpp/srx.h \
	plugins/xmpp/words.c plugins/xmpp/email.c plugins/xmpp/jid.c \
	plugins/xmpp/hours.c plugins/xmpp/agents.c plugins/xmpp/texts.c \
	plugins/xmpp/conf.c plugins/xmpp/conv.c plugins/xmpp/whcheck.c
plugins_xmpp_libsrx_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_xmpp_libsrx_la_LIBADD = $(JANSSON_LIBS)

sbin_PROGRAMS += plugins/xmpp/sentiroute-xmpp
plugins_xmpp_sentiroute_xmpp_SOURCES = plugins/xmpp/bridge.h plugins/xmpp/main.c \
	plugins/xmpp/xmpp.c plugins/xmpp/bridge.c plugins/xmpp/webhook.c
plugins_xmpp_sentiroute_xmpp_CFLAGS = $(AM_CFLAGS) $(STROPHE_CFLAGS) $(MHD_CFLAGS)
plugins_xmpp_sentiroute_xmpp_LDADD = plugins/xmpp/libsrx.la core/libsentiroute.la \
	$(STROPHE_LIBS) $(MHD_LIBS)
man_MANS += plugins/xmpp/sentiroute-xmpp.8
EXTRA_DIST += plugins/xmpp/sentiroute-xmpp.8 contrib/prosody contrib/systemd/sentiroute-xmpp.service
