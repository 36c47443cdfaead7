# tools/ctl.mk - sentiroutectl's store commands (issue 4)
tools_sentiroutectl_SOURCES += tools/ctl_store.c tools/ctl_report.c
