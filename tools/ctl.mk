# tools/ctl.mk - sentiroutectl's store commands (issue 4)
tools_sentiroutectl_SOURCES += tools/ctl_store.c tools/ctl_report.c
# ingest --rfc822 reads raw mail with GMime
tools_sentiroutectl_CFLAGS += $(GMIME_CFLAGS)
tools_sentiroutectl_LDADD += $(GMIME_LIBS)
