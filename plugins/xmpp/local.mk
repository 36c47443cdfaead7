# plugins/xmpp/ - sentiroute-xmpp, the web-chat bridge (issue 6), its
# tests (tests/xmpp/) and its benchmark (tests/bench/, make bench)

# the units without libstrophe or libmicrohttpd: the unit tests link them
noinst_LTLIBRARIES += plugins/xmpp/libsrx.la
plugins_xmpp_libsrx_la_SOURCES = \
	plugins/xmpp/srx.h \
	plugins/xmpp/words.c plugins/xmpp/email.c plugins/xmpp/jid.c \
	plugins/xmpp/hours.c plugins/xmpp/agents.c plugins/xmpp/texts.c \
	plugins/xmpp/conf.c plugins/xmpp/conv.c plugins/xmpp/whcheck.c \
	plugins/xmpp/backoff.c \
	core/codec.c core/codec.h
plugins_xmpp_libsrx_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_xmpp_libsrx_la_LIBADD = $(JANSSON_LIBS)

sbin_PROGRAMS += plugins/xmpp/sentiroute-xmpp
plugins_xmpp_sentiroute_xmpp_SOURCES = plugins/xmpp/bridge.h plugins/xmpp/main.c \
	plugins/xmpp/xmpp.c plugins/xmpp/prime.c plugins/xmpp/bridge.c \
	plugins/xmpp/webhook.c
plugins_xmpp_sentiroute_xmpp_CFLAGS = $(AM_CFLAGS) $(STROPHE_CFLAGS) $(MHD_CFLAGS)
plugins_xmpp_sentiroute_xmpp_LDADD = plugins/xmpp/libsrx.la core/libsentiroute.la \
	$(STROPHE_LIBS) $(MHD_LIBS)
man_MANS += plugins/xmpp/sentiroute-xmpp.8
EXTRA_DIST += plugins/xmpp/sentiroute-xmpp.8 contrib/prosody contrib/systemd/sentiroute-xmpp.service

# unit tests (cmocka, TAP)
SRX_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/plugins/xmpp \
	-I$(top_srcdir)/tests/xmpp
SRX_TEST_LDADD = plugins/xmpp/libsrx.la core/libsrcore.la $(CMOCKA_LIBS) $(JANSSON_LIBS) \
	-lpthread -lm
SRX_UNIT_TESTS = tests/xmpp/test_words tests/xmpp/test_email tests/xmpp/test_hours \
	tests/xmpp/test_agents tests/xmpp/test_texts tests/xmpp/test_conv \
	tests/xmpp/test_whcheck tests/xmpp/test_store_chat tests/xmpp/test_prime
check_PROGRAMS += $(SRX_UNIT_TESTS)
TESTS += $(SRX_UNIT_TESTS)
tests_xmpp_test_words_SOURCES = tests/xmpp/test_words.c tests/xmpp/srxtest.h
tests_xmpp_test_words_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_words_LDADD = $(SRX_TEST_LDADD)
tests_xmpp_test_email_SOURCES = tests/xmpp/test_email.c tests/xmpp/srxtest.h
tests_xmpp_test_email_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_email_LDADD = $(SRX_TEST_LDADD)
tests_xmpp_test_hours_SOURCES = tests/xmpp/test_hours.c tests/xmpp/srxtest.h
tests_xmpp_test_hours_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_hours_LDADD = $(SRX_TEST_LDADD)
tests_xmpp_test_agents_SOURCES = tests/xmpp/test_agents.c tests/xmpp/srxtest.h
tests_xmpp_test_agents_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_agents_LDADD = $(SRX_TEST_LDADD)
tests_xmpp_test_texts_SOURCES = tests/xmpp/test_texts.c tests/xmpp/srxtest.h
tests_xmpp_test_texts_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_texts_LDADD = $(SRX_TEST_LDADD)
tests_xmpp_test_conv_SOURCES = tests/xmpp/test_conv.c tests/xmpp/srxtest.h
tests_xmpp_test_conv_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_conv_LDADD = $(SRX_TEST_LDADD)
tests_xmpp_test_whcheck_SOURCES = tests/xmpp/test_whcheck.c tests/xmpp/srxtest.h
tests_xmpp_test_whcheck_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_whcheck_LDADD = $(SRX_TEST_LDADD)
tests_xmpp_test_store_chat_SOURCES = tests/xmpp/test_store_chat.c tests/xmpp/srxtest.h
tests_xmpp_test_store_chat_CFLAGS = $(SRX_TEST_CFLAGS)
tests_xmpp_test_store_chat_LDADD = $(SRX_TEST_LDADD)
# the libstrophe crash and its workaround: the daemon's own prime.c
tests_xmpp_test_prime_SOURCES = tests/xmpp/test_prime.c plugins/xmpp/prime.c
tests_xmpp_test_prime_CFLAGS = $(SRX_TEST_CFLAGS) $(STROPHE_CFLAGS)
tests_xmpp_test_prime_LDADD = $(CMOCKA_LIBS) $(STROPHE_LIBS)

# the sanitizer pass of check-all reruns them
SANITIZER_TESTS += $(SRX_UNIT_TESTS)

# end to end with a real Prosody (python3-slixmpp clients; run by /usr/bin/python3)
SRX_SCRIPT_TESTS = tests/xmpp/test_prosody.py tests/xmpp/test_stanzas.py tests/xmpp/test_daemon.sh \
	tests/xmpp/test_relay_ack.py tests/xmpp/test_ping_timeout.py tests/xmpp/test_big_reply.py \
	tests/xmpp/test_domain_reload.py tests/xmpp/test_idle_ping.py tests/xmpp/test_bad_stanza.py \
	tests/xmpp/test_send_fail.py tests/xmpp/test_visitor_gone.py tests/xmpp/test_late_bounce.py \
	tests/xmpp/test_parse_error_resend.py tests/xmpp/test_wait_bounce.py \
	tests/xmpp/test_stream_error_blame.py
TESTS += $(SRX_SCRIPT_TESTS)
EXTRA_DIST += $(SRX_SCRIPT_TESTS) tests/xmpp/xmpptest.py tests/xmpp/prosody.cfg.lua.in

# make bench: messages/s and added latency through a real Prosody, against
# a no-op echo component (tests/bench/bench_xmpp.py)
EXTRA_PROGRAMS += tests/bench/echo_component
tests_bench_echo_component_SOURCES = tests/bench/echo_component.c plugins/xmpp/prime.c
tests_bench_echo_component_CFLAGS = $(AM_CFLAGS) $(STROPHE_CFLAGS) -I$(top_srcdir)/plugins/xmpp
tests_bench_echo_component_LDADD = $(STROPHE_LIBS)
CLEANFILES += tests/bench/echo_component
EXTRA_DIST += tests/bench/bench_xmpp.py tests/bench/echo_component.c
.PHONY: bench-xmpp
bench: bench-xmpp
bench-xmpp: tests/bench/echo_component$(EXEEXT) plugins/xmpp/sentiroute-xmpp$(EXEEXT) \
		tools/sentiroutectl$(EXEEXT)
	$(AM_V_at)top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  SENTIROUTECTL='$(abs_top_builddir)/tools/sentiroutectl' \
	  /usr/bin/python3 $(top_srcdir)/tests/bench/bench_xmpp.py

# fuzz target over what the bridge reads from outside: replayed in make check
check_PROGRAMS += tests/fuzz/replay_xmpp
TESTS += tests/fuzz/replay_xmpp
tests_fuzz_replay_xmpp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_xmpp.c
tests_fuzz_replay_xmpp_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"xmpp"' -I$(top_srcdir)/plugins/xmpp
tests_fuzz_replay_xmpp_LDADD = plugins/xmpp/libsrx.la core/libsrcore.la $(JANSSON_LIBS) -lpthread -lm
EXTRA_DIST += tests/fuzz/fuzz_xmpp.c
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_xmpp
tests_fuzz_fuzz_xmpp_SOURCES = tests/fuzz/fuzz_xmpp.c
tests_fuzz_fuzz_xmpp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/xmpp
tests_fuzz_fuzz_xmpp_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_xmpp_LDFLAGS = -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_xmpp_LDADD = plugins/xmpp/libsrx.la core/libsrcore.la $(JANSSON_LIBS) -lpthread -lm
endif
SANITIZER_TESTS += tests/fuzz/replay_xmpp

# an LD_PRELOAD shim: libstrophe fails to serialize a chosen message, as
# out of memory (tests/xmpp/test_send_fail.py)
check_LTLIBRARIES += tests/xmpp/libfailsend.la
tests_xmpp_libfailsend_la_SOURCES = tests/xmpp/failsend.c
tests_xmpp_libfailsend_la_CFLAGS = $(AM_CFLAGS) $(STROPHE_CFLAGS)
tests_xmpp_libfailsend_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_xmpp_libfailsend_la_LIBADD = $(STROPHE_LIBS) -ldl
