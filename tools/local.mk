# tools/ - the lexicon compiler and sentiroutectl

noinst_PROGRAMS += tools/srlexc
tools_srlexc_SOURCES = tools/srlexc.c
tools_srlexc_CFLAGS = $(AM_CFLAGS) $(UTF8PROC_CFLAGS)
tools_srlexc_LDADD = core/libsrtext.la $(UTF8PROC_LIBS)

bin_PROGRAMS += tools/sentiroutectl
tools_sentiroutectl_SOURCES = tools/sentiroutectl.c tools/ctl.h tools/ctl_eval.c
tools_sentiroutectl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tools_sentiroutectl_LDADD = core/libsentiroute.la $(JANSSON_LIBS) -lm

# score the bundled sample messages on the embedded defaults and print them
# sorted by sentiment, angriest first (`make demo` runs the milter's demo)
score-demo: all
	$(builddir)/tools/sentiroutectl score --files --sort --format table $(srcdir)/config/samples/*.txt
.PHONY: score-demo

# srtok: folded tokens per line, for lexicon work (tools/lexmine.py)
noinst_PROGRAMS += tools/srtok
tools_srtok_SOURCES = tools/srtok.c
tools_srtok_CFLAGS = $(AM_CFLAGS) $(UTF8PROC_CFLAGS)
tools_srtok_LDADD = core/libsrtext.la $(UTF8PROC_LIBS)
dist_man_MANS += tools/sentiroutectl.1
