# tests/store.mk - store, routing, outbox and handoff tests (issue 4)

STORE_UNIT_TESTS = \
	tests/unit/test_hmac \
	tests/unit/test_jsonw \
	tests/unit/test_route \
	tests/unit/test_store \
	tests/unit/test_store_kill \
	tests/unit/test_outbox \
	tests/unit/test_reload \
	tests/unit/test_reply \
	tests/unit/test_http
check_PROGRAMS += $(STORE_UNIT_TESTS)
TESTS += $(STORE_UNIT_TESTS) \
	tests/handoff/test_cli.py \
	tests/handoff/test_drivers.py \
	tests/handoff/test_crash.py \
	tests/handoff/test_zendesk_followup.py \
	tests/handoff/test_redeliver.py \
	tests/handoff/test_rt_seq_refused.py \
	tests/handoff/test_rt_id_refused.py

STORE_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS) $(LMDB_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(UTF8PROC_CFLAGS)
STORE_TEST_LIBS = core/libsrcore.la $(CMOCKA_LIBS) $(JANSSON_LIBS) $(LMDB_LIBS) -lm

tests_unit_test_hmac_SOURCES = tests/unit/test_hmac.c
tests_unit_test_hmac_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_hmac_LDADD = $(STORE_TEST_LIBS)
tests_unit_test_jsonw_SOURCES = tests/unit/test_jsonw.c
tests_unit_test_jsonw_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_jsonw_LDADD = $(STORE_TEST_LIBS)
tests_unit_test_route_SOURCES = tests/unit/test_route.c tests/unit/store_testutil.h
tests_unit_test_route_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_route_LDADD = $(STORE_TEST_LIBS)
tests_unit_test_store_SOURCES = tests/unit/test_store.c tests/unit/store_testutil.h
tests_unit_test_store_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_LDADD = $(STORE_TEST_LIBS)
# strdup wrapped: a copy that fails on demand (out-of-memory paths);
# mdb_env_sync: held back a moment to see who hears SR_OK before it
tests_unit_test_store_LDFLAGS = -Wl,--wrap=strdup -Wl,--wrap=mdb_env_sync
tests_unit_test_store_kill_SOURCES = tests/unit/test_store_kill.c tests/unit/store_testutil.h
tests_unit_test_store_kill_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_store_kill_LDADD = $(STORE_TEST_LIBS)
tests_unit_test_outbox_SOURCES = tests/unit/test_outbox.c tests/unit/store_testutil.h
tests_unit_test_outbox_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_outbox_LDADD = $(STORE_TEST_LIBS)

tests_unit_test_reload_SOURCES = tests/unit/test_reload.c tests/unit/store_testutil.h
tests_unit_test_reload_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_reload_LDADD = $(STORE_TEST_LIBS) -lpthread
tests_unit_test_reply_SOURCES = tests/unit/test_reply.c tests/unit/store_testutil.h
tests_unit_test_reply_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_reply_LDADD = $(STORE_TEST_LIBS)
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_test_http_LDADD = $(STORE_TEST_LIBS) -lpthread

EXTRA_DIST += doc/handoff.md tests/unit/store_testutil.h tests/handoff/fakehelpdesk.py tests/handoff/srtest.py \
	tests/handoff/test_cli.py tests/handoff/test_drivers.py tests/handoff/test_crash.py \
	tests/handoff/test_zendesk_followup.py tests/handoff/test_redeliver.py \
	tests/handoff/test_rt_seq_refused.py \
	tests/handoff/test_rt_id_refused.py

# the sanitizer pass of check-all runs these too (the Python tests drive the
# sanitizer-built sentiroutectl: HTTP drivers, CLI, crash recovery)
SANITIZER_TESTS += $(STORE_UNIT_TESTS) tests/handoff/test_cli.py \
	tests/handoff/test_drivers.py tests/handoff/test_crash.py tests/handoff/test_zendesk_followup.py \
	tests/handoff/test_redeliver.py tests/handoff/test_rt_seq_refused.py \
	tests/handoff/test_rt_id_refused.py

# Benchmarks: make bench (never part of make check)
EXTRA_PROGRAMS += tests/bench/bench_store tests/bench/bench_outbox
CLEANFILES += tests/bench/bench_store tests/bench/bench_outbox
tests_bench_bench_store_SOURCES = tests/bench/bench_store.c
tests_bench_bench_store_CFLAGS = $(AM_CFLAGS)
tests_bench_bench_store_LDADD = core/libsentiroute.la -lpthread -lm

.PHONY: bench-store
bench: bench-store
tests_bench_bench_outbox_SOURCES = tests/bench/bench_outbox.c
tests_bench_bench_outbox_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
tests_bench_bench_outbox_LDADD = core/libsentiroute.la $(MHD_LIBS) -lpthread -lm
bench-store: tests/bench/bench_store$(EXEEXT) tests/bench/bench_outbox$(EXEEXT)
	$(AM_V_at)tests/bench/bench_store$(EXEEXT)
	$(AM_V_at)tests/bench/bench_outbox$(EXEEXT)

# agent replies by email, end to end (Postfix + milter, aiosmtpd faults);
# the sanitizer pass reruns it (sentiroutectl's SMTP driver under ASan)
TESTS += tests/reply/test_email_reply.sh
SANITIZER_TESTS += tests/reply/test_email_reply.sh
EXTRA_DIST += tests/reply/test_email_reply.sh tests/reply/smtpsink.py tests/reply/check_reply.py
