# core/store.mk - tickets, routing, store, outbox and handoff drivers
# (issue 4), a second convenience library linked into libsentiroute

noinst_LTLIBRARIES += core/libsrstore.la
core_libsrstore_la_SOURCES = \
	core/storeconf.c core/storeconf.h \
	core/secret.c \
	core/codec.c core/codec.h \
	core/hmac.c core/hmac.h \
	core/route.c core/route.h \
	core/store.c core/store.h \
	core/jsonw.c core/jsonw.h \
	core/conversation.c \
	core/profile.c \
	core/outbox.c \
	core/handoff.c core/handoff.h \
	core/http.c \
	core/drv_zendesk.c \
	core/drv_gorgias.c \
	core/drv_webhook.c \
	core/drv_rt.c \
	core/drv_smtp.c
core_libsrstore_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(JANSSON_CFLAGS) \
	$(LMDB_CFLAGS) $(CURL_CFLAGS) $(UTF8PROC_CFLAGS)
core_libsrstore_la_LIBADD = $(JANSSON_LIBS) $(LMDB_LIBS) $(CURL_LIBS) $(LIBCONFIG_LIBS)

core_libsrcore_la_LIBADD += core/libsrstore.la
