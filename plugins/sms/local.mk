# plugins/sms/local.mk - sentiroute-sms, the SMS shim (issue 7): the daemon,
# its unit tests, the fuzz target, the integration test with real Kannel and
# the benchmark (make bench).

# everything but main(), for the daemon and the tests
noinst_LTLIBRARIES += plugins/sms/libsrs.la
plugins_sms_libsrs_la_SOURCES = \
	plugins/sms/srs.h \
	plugins/sms/srs_parse.c \
	plugins/sms/srs_charset.c \
	plugins/sms/srs_dedupe.c \
	plugins/sms/srs_settings.c \
	plugins/sms/srs_service.c \
	plugins/sms/srs_deliver.c \
	core/codec.c core/codec.h core/hmac.c core/hmac.h
plugins_sms_libsrs_la_CFLAGS = $(AM_CFLAGS) $(UTF8PROC_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS)
plugins_sms_libsrs_la_LIBADD = core/libsentiroute.la $(UTF8PROC_LIBS) $(JANSSON_LIBS) \
	$(CURL_LIBS) -lpthread

sbin_PROGRAMS += plugins/sms/sentiroute-sms
plugins_sms_sentiroute_sms_SOURCES = plugins/sms/srs_main.c
plugins_sms_sentiroute_sms_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(CURL_CFLAGS)
plugins_sms_sentiroute_sms_LDADD = plugins/sms/libsrs.la core/libsentiroute.la $(MHD_LIBS) \
	$(CURL_LIBS) $(JANSSON_LIBS) $(UTF8PROC_LIBS) -lpthread

man_MANS += plugins/sms/sentiroute-sms.8
EXTRA_DIST += plugins/sms/sentiroute-sms.8 contrib/kannel contrib/smstools \
	contrib/systemd/sentiroute-sms.service

# unit tests (cmocka, TAP)
SMS_UNIT_TESTS = tests/sms/test_sms_parse tests/sms/test_sms_service
check_PROGRAMS += $(SMS_UNIT_TESTS)
TESTS += $(SMS_UNIT_TESTS)
SMS_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/plugins/sms
SMS_TEST_LDADD = plugins/sms/libsrs.la core/libsentiroute.la $(CMOCKA_LIBS) -lpthread
tests_sms_test_sms_parse_SOURCES = tests/sms/test_sms_parse.c
tests_sms_test_sms_parse_CFLAGS = $(SMS_TEST_CFLAGS)
tests_sms_test_sms_parse_LDADD = $(SMS_TEST_LDADD)
tests_sms_test_sms_service_SOURCES = tests/sms/test_sms_service.c
tests_sms_test_sms_service_CFLAGS = $(SMS_TEST_CFLAGS)
tests_sms_test_sms_service_LDADD = $(SMS_TEST_LDADD)

# the request and file parsers under the fuzzer: replayed over
# tests/fuzz/corpus/sms in make check, libFuzzer with --enable-fuzzing
check_PROGRAMS += tests/sms/replay_sms
TESTS += tests/sms/replay_sms
tests_sms_replay_sms_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sms.c
tests_sms_replay_sms_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"sms"' -I$(top_srcdir)/plugins/sms
tests_sms_replay_sms_LDADD = plugins/sms/libsrs.la core/libsentiroute.la -lpthread
if FUZZING
noinst_PROGRAMS += tests/sms/fuzz_sms
tests_sms_fuzz_sms_SOURCES = tests/fuzz/fuzz_sms.c
tests_sms_fuzz_sms_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/sms
tests_sms_fuzz_sms_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
tests_sms_fuzz_sms_LDFLAGS = -fsanitize=fuzzer,address,undefined
tests_sms_fuzz_sms_LDADD = plugins/sms/libsrs.la core/libsentiroute.la -lpthread
endif

SANITIZER_TESTS += $(SMS_UNIT_TESTS) tests/sms/replay_sms

# the shim with real Kannel (bearerbox + smsbox + a fake phone on 127.0.0.1)
TESTS += tests/sms/test_kannel.py
EXTRA_DIST += tests/sms/test_kannel.py tests/sms/kannelrig.py tests/sms/kannel.conf.in

# make bench: inbound SMS/s through Kannel, shim vs. a static-reply service
.PHONY: bench-sms
bench: bench-sms
bench-sms: plugins/sms/sentiroute-sms$(EXEEXT) tools/sentiroutectl$(EXEEXT)
	$(AM_V_at)top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		/usr/bin/python3 $(srcdir)/tests/bench/bench_sms.py
EXTRA_DIST += tests/bench/bench_sms.py
