# plugins/milter/ - sentiroute-milter (Postfix/Sendmail) and its tests

# the body extraction, header and config helpers: no libmilter, so unit
# tests and the fuzz target link them directly
noinst_LTLIBRARIES += plugins/milter/libsrm.la
plugins_milter_libsrm_la_SOURCES = plugins/milter/nodelay.h \
	plugins/milter/extract.c plugins/milter/extract.h \
	plugins/milter/quote.c plugins/milter/html.c \
	plugins/milter/hdr.c plugins/milter/auto.c plugins/milter/conf.c plugins/milter/tickets.c \
	plugins/milter/srm.h
plugins_milter_libsrm_la_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(LIBXML2_CFLAGS)
plugins_milter_libsrm_la_LIBADD = $(GMIME_LIBS) $(LIBXML2_LIBS)

sbin_PROGRAMS += plugins/milter/sentiroute-milter
plugins_milter_sentiroute_milter_SOURCES = plugins/milter/milter.c
plugins_milter_sentiroute_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS) $(GMIME_CFLAGS)
plugins_milter_sentiroute_milter_LDADD = plugins/milter/libsrm.la core/libsentiroute.la \
	$(MILTER_LIBS) -lpthread
man_MANS += plugins/milter/sentiroute-milter.8
EXTRA_DIST += plugins/milter/sentiroute-milter.8

# unit tests (cmocka, TAP)
SRM_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/tests/unit \
	-I$(top_srcdir)/plugins/milter
SRM_TEST_LDADD = plugins/milter/libsrm.la core/libsrcore.la $(CMOCKA_LIBS) -lpthread -lm
SRM_UNIT_TESTS = tests/milter/test_extract tests/milter/test_milter_conf \
	tests/milter/test_milter_tickets
check_PROGRAMS += $(SRM_UNIT_TESTS)
TESTS += $(SRM_UNIT_TESTS)
tests_milter_test_extract_SOURCES = tests/milter/test_extract.c
tests_milter_test_extract_CFLAGS = $(SRM_TEST_CFLAGS)
tests_milter_test_extract_LDADD = $(SRM_TEST_LDADD)
tests_milter_test_milter_conf_SOURCES = tests/milter/test_milter_conf.c
tests_milter_test_milter_conf_CFLAGS = $(SRM_TEST_CFLAGS)
tests_milter_test_milter_conf_LDADD = $(SRM_TEST_LDADD)
# sr_ingest wrapped: an append held inside the store while it is closed
tests_milter_test_milter_tickets_SOURCES = tests/milter/test_milter_tickets.c
tests_milter_test_milter_tickets_CFLAGS = $(SRM_TEST_CFLAGS)
tests_milter_test_milter_tickets_LDFLAGS = -Wl,--wrap=sr_ingest
tests_milter_test_milter_tickets_LDADD = $(SRM_TEST_LDADD)

# the daemon under miltertest and behind a real Postfix on loopback
SRM_SCRIPT_TESTS = tests/milter/test_daemon.sh tests/milter/test_miltertest.sh \
	tests/milter/test_postfix.sh
TESTS += $(SRM_SCRIPT_TESTS)
EXTRA_DIST += $(SRM_SCRIPT_TESTS) tests/milter/lib.sh tests/milter/lua tests/milter/mail

# fuzz target over the body-extraction path
check_PROGRAMS += tests/fuzz/replay_mime
TESTS += tests/fuzz/replay_mime
tests_fuzz_replay_mime_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_mime.c
tests_fuzz_replay_mime_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"mime"' -I$(top_srcdir)/plugins/milter
tests_fuzz_replay_mime_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_fuzz_replay_mime_LDADD = plugins/milter/libsrm.la core/libsrcore.la -lm
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_mime
tests_fuzz_fuzz_mime_SOURCES = tests/fuzz/fuzz_mime.c
tests_fuzz_fuzz_mime_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/milter
tests_fuzz_fuzz_mime_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_mime_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_mime_LDADD = plugins/milter/libsrm.la core/libsrcore.la -lm
endif

# the sanitizer pass of check-all reruns these too
SANITIZER_TESTS += $(SRM_UNIT_TESTS) tests/fuzz/replay_mime

# the main job (make demo): a private Postfix on loopback with the milter, the sample
# mails through it, their X-Sentiment headers and the ticket queue
demo: all
	$(SHELL) $(top_srcdir)/contrib/postfix/demo.sh $(abs_top_builddir) $(abs_top_srcdir)
.PHONY: demo
EXTRA_DIST += contrib/postfix contrib/systemd contrib/sieve

# make bench: mail/s through a real Postfix with sentiroute-milter, with a
# no-op libmilter milter and with none, in one run, plus added latency
EXTRA_PROGRAMS += tests/bench/noop_milter
tests_bench_noop_milter_SOURCES = tests/bench/noop_milter.c
tests_bench_noop_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS) -I$(top_srcdir)/plugins/milter
tests_bench_noop_milter_LDADD = $(MILTER_LIBS) -lpthread
CLEANFILES += tests/bench/noop_milter
EXTRA_DIST += tests/bench/bench_milter.py tests/bench/noop_milter.c
.PHONY: bench-milter
bench: bench-milter
bench-milter: plugins/milter/sentiroute-milter$(EXEEXT) tests/bench/noop_milter$(EXEEXT) \
		tools/sentiroutectl$(EXEEXT)
	$(AM_V_at)top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		/usr/bin/python3 $(srcdir)/tests/bench/bench_milter.py

# drive_milter: the end-of-message work without Postfix, for callgrind,
# strace and perf comparisons (make tests/bench/drive_milter)
EXTRA_PROGRAMS += tests/bench/drive_milter
tests_bench_drive_milter_SOURCES = tests/bench/drive_milter.c
tests_bench_drive_milter_CFLAGS = $(AM_CFLAGS) $(LMDB_CFLAGS) -I$(top_srcdir)/plugins/milter
tests_bench_drive_milter_LDADD = plugins/milter/libsrm.la core/libsentiroute.la $(LMDB_LIBS) -lpthread
CLEANFILES += tests/bench/drive_milter

# an LD_PRELOAD shim: the milter's own calloc fails while a file exists, as
# out of memory (tests/milter/test_miltertest.sh, on_error at connect and
# MAIL FROM)
check_LTLIBRARIES += tests/milter/libfailalloc.la
tests_milter_libfailalloc_la_SOURCES = tests/milter/failalloc.c
tests_milter_libfailalloc_la_CFLAGS = $(AM_CFLAGS)
tests_milter_libfailalloc_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
