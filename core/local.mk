# core/ - libsentiroute

# text and errors: also linked by the lexicon compiler
noinst_LTLIBRARIES += core/libsrtext.la
core_libsrtext_la_SOURCES = core/text.c core/text.h core/error.c core/internal.h
core_libsrtext_la_CFLAGS = $(AM_CFLAGS) $(UTF8PROC_CFLAGS)
core_libsrtext_la_LIBADD = $(UTF8PROC_LIBS)

# every core module, for the library and for the unit tests (which reach
# internal srp_ functions)
noinst_LTLIBRARIES += core/libsrcore.la
core_libsrcore_la_SOURCES = \
	core/sentiroute.h core/internal.h \
	core/config.c core/config.h \
	core/ctx.c core/ctx.h \
	core/lang.c core/lang.h \
	core/lexicon.c core/lexicon.h \
	core/lexdata.c \
	core/message.c \
	core/score.c \
	core/sentiment.c
core_libsrcore_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/core \
	-DSR_LEXDATA_PATH='"$(abs_top_builddir)/core/sentiroute.lex"'
core_libsrcore_la_CFLAGS = $(AM_CFLAGS) $(UTF8PROC_CFLAGS) $(LIBCONFIG_CFLAGS)
core_libsrcore_la_LIBADD = core/libsrtext.la $(LIBCONFIG_LIBS) $(UTF8PROC_LIBS) -lm

# the installed library exports sr_* only
lib_LTLIBRARIES += core/libsentiroute.la
core_libsentiroute_la_SOURCES =
nodist_EXTRA_core_libsentiroute_la_SOURCES = core/dummy.c
core_libsentiroute_la_LIBADD = core/libsrcore.la
core_libsentiroute_la_LDFLAGS = -version-info $(SR_LT_VERSION) -export-symbols-regex '^sr_'

include_HEADERS += core/sentiroute.h
pkgconfig_DATA += core/libsentiroute.pc

# The default lexicon: compiled from the lists under lexicon/ at build time
# and embedded into the library (lexdata.c); installed too, for reference.
LEXICON_LISTS = \
	xx:$(srcdir)/lexicon/xx.tsv \
	en:$(srcdir)/lexicon/en-vader.tsv \
	en:$(srcdir)/lexicon/en.tsv \
	de:$(srcdir)/lexicon/de.tsv \
	fr:$(srcdir)/lexicon/fr.tsv \
	fr:$(srcdir)/lexicon/fr-reviews.tsv \
	es:$(srcdir)/lexicon/es.tsv \
	pl:$(srcdir)/lexicon/pl.tsv
LEXICON_FILES = $(foreach l,$(LEXICON_LISTS),$(word 2,$(subst :, ,$(l))))

# lexstamp.h carries the lexicon's checksum: lexdata.c includes it, so the
# usual dependency tracking rebuilds the embedding when the lexicon changes.
core/sentiroute.lex: tools/srlexc$(EXEEXT) $(LEXICON_FILES)
	$(AM_V_GEN)$(MKDIR_P) core && tools/srlexc$(EXEEXT) -o $@ -H core/lexstamp.h $(LEXICON_LISTS)
core/lexstamp.h: core/sentiroute.lex
# BUILT_SOURCES covers `make`, `make check` and `make install`; a single
# target named on the command line (`make tests/fuzz/fuzz_text` in a clean
# tree) needs the header before its first compile too
$(core_libsrcore_la_OBJECTS): core/lexstamp.h

BUILT_SOURCES += core/sentiroute.lex core/lexstamp.h
pkgdata_DATA += core/sentiroute.lex
CLEANFILES += core/sentiroute.lex core/lexstamp.h
