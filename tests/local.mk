# tests/ - unit tests (cmocka, TAP), CLI tests (shell, TAP), fuzz replay

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/tests/unit
UNIT_LDADD = core/libsrcore.la $(CMOCKA_LIBS) -lpthread -lm

UNIT_TESTS = \
	tests/unit/test_text \
	tests/unit/test_lexicon \
	tests/unit/test_lang \
	tests/unit/test_score \
	tests/unit/test_config
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_text_SOURCES = tests/unit/test_text.c tests/unit/testutil.h
tests_unit_test_text_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_text_LDADD = $(UNIT_LDADD)
tests_unit_test_lexicon_SOURCES = tests/unit/test_lexicon.c tests/unit/testutil.h
tests_unit_test_lexicon_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lexicon_LDADD = $(UNIT_LDADD)
tests_unit_test_lang_SOURCES = tests/unit/test_lang.c tests/unit/testutil.h
tests_unit_test_lang_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lang_LDADD = $(UNIT_LDADD)
tests_unit_test_score_SOURCES = tests/unit/test_score.c tests/unit/testutil.h
tests_unit_test_score_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_score_LDADD = $(UNIT_LDADD)
tests_unit_test_config_SOURCES = tests/unit/test_config.c tests/unit/testutil.h
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)

# sentiroutectl and the shared library from the outside
TESTS += tests/cli/test_ctl.sh tests/cli/test_ctl_store.sh tests/cli/test_exports.sh tests/cli/test_eval.sh tests/cli/test_golden.sh tests/cli/test_srlexc.sh
EXTRA_DIST += tests/handwritten tests/tap.sh tests/cli/test_srlexc.sh tests/cli/test_ctl.sh tests/cli/test_ctl_store.sh tests/cli/test_exports.sh tests/cli/test_eval.sh tests/eval-thresholds.txt tests/cli/test_golden.sh tests/golden

# fuzz targets: replayed over their corpus in make check; real libFuzzer
# binaries with ./configure --enable-fuzzing CC=clang
FUZZ_TARGETS = text http
check_PROGRAMS += tests/fuzz/replay_text
TESTS += tests/fuzz/replay_text
tests_fuzz_replay_text_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_text.c
tests_fuzz_replay_text_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"text"'
tests_fuzz_replay_text_LDADD = core/libsrcore.la -lm
EXTRA_DIST += tests/fuzz/corpus

# what the handoff drivers read from a helpdesk's answer (fuzz_http.c)
check_PROGRAMS += tests/fuzz/replay_http
TESTS += tests/fuzz/replay_http
tests_fuzz_replay_http_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_http.c
tests_fuzz_replay_http_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"http"'
tests_fuzz_replay_http_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_replay_http_LDADD = core/libsrcore.la $(JANSSON_LIBS) -lm

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_text
tests_fuzz_fuzz_text_SOURCES = tests/fuzz/fuzz_text.c
tests_fuzz_fuzz_text_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_text_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_text_LDADD = core/libsrcore.la -lm
noinst_PROGRAMS += tests/fuzz/fuzz_http
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c
tests_fuzz_fuzz_http_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_http_LDADD = core/libsrcore.la $(JANSSON_LIBS) -lm
endif

# what the sanitizer pass of check-all runs: unit tests and fuzz replays
SANITIZER_TESTS = $(UNIT_TESTS) tests/fuzz/replay_text tests/fuzz/replay_http
print-sanitizer-tests:
	@echo $(SANITIZER_TESTS)

# the whole suite: make check, then the sanitizer pass; ends "N passed, N failed"
check-all: all
	$(SHELL) $(top_srcdir)/tests/check-all.sh
.PHONY: check-all print-sanitizer-tests
EXTRA_DIST += tests/check-all.sh

# benchmarks: `make bench` (never part of make check)
EXTRA_PROGRAMS = tests/bench/bench_score
tests_bench_bench_score_SOURCES = tests/bench/bench_score.c
tests_bench_bench_score_LDFLAGS = -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
tests_bench_bench_score_LDADD = core/libsrcore.la -lm
CLEANFILES += tests/bench/bench_score
bench: tests/bench/bench_score$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(SHELL) $(top_srcdir)/tests/bench/bench_score.sh
.PHONY: bench
EXTRA_DIST += tests/bench
