#!/bin/bash
# test_exports.sh - the shared library exports sr_* and nothing else
. "$top_srcdir/tests/tap.sh"
LIB=$(ls "$top_builddir"/core/.libs/libsentiroute.so.* 2>/dev/null | head -1)
tap_plan 3
if [ -z "$LIB" ]; then tap_fail "shared library built"; tap_fail "exports"; tap_fail "api"; tap_done; fi
tap_pass "shared library built ($(basename "$LIB"))"
bad=$(nm -D --defined-only "$LIB" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^sr_' | grep -v '^_' )
tap_is "only sr_* symbols are exported" "$bad" ""
missing=""
for f in sr_config_load sr_ctx_new sr_score sr_score_text sr_lang_detect sr_sentiment_format_json sr_strerror; do
  nm -D --defined-only "$LIB" | grep -qw "$f" || missing="$missing $f"
done
tap_is "the documented API is exported" "$missing" ""
tap_done
