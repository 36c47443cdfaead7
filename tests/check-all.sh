#!/bin/bash
# check-all.sh - the whole test suite: `make check` in this (configured)
# tree, then the unit tests and fuzz replays again in a fresh copy built with
# AddressSanitizer + UndefinedBehaviorSanitizer.  Ends with the line
# "N passed, N failed" and exits non-zero on any failure.
#   usage: tests/check-all.sh   (from the top of a configured build tree)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

count() {  # count DIR -> "passed failed" from automake .trs files
    local p f
    p=$(find "$1" -name '*.trs' -exec grep -h '^:test-result: PASS' {} + 2>/dev/null | wc -l)
    f=$(find "$1" -name '*.trs' -exec grep -h -E '^:test-result: (FAIL|ERROR|XPASS)' {} + 2>/dev/null | wc -l)
    echo "$p $f"
}

# show_failures DIR - the logs of the tests that failed (the tail of each),
# so that a CI transcript says why without the build tree
show_failures() {
    find "$1" -name '*.trs' -exec grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' {} + 2>/dev/null |
    while read -r trs; do
        echo "---- ${trs%.trs}.log (last 60 lines)"
        tail -n 60 "${trs%.trs}.log" 2>/dev/null
    done
}

status=0
echo "== make check"
make -j"$jobs" check || status=1
read -r p1 f1 <<< "$(count "$top")"
[ "$f1" -gt 0 ] && show_failures "$top"
echo "make check: $p1 passed, $f1 failed"

echo "== unit tests under ASan+UBSan (fresh copy of the sources)"
asan=$(mktemp -d /tmp/sentiroute-asan.XXXXXX)
trap 'rm -rf "$asan"' EXIT
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$top" ls-files -co --exclude-standard -z | (cd "$top" && xargs -0 cp --parents -t "$asan")
else
    cp -a "$top"/. "$asan"/ && make -C "$asan" distclean >/dev/null 2>&1
fi
p2=0 f2=0
if (cd "$asan" && ./autogen.sh >/dev/null 2>&1 &&
    ./configure -q --enable-werror --enable-sanitizer >/dev/null 2>&1 &&
    make -j"$jobs" >/dev/null 2>&1); then
    san_tests=$(cd "$asan" && make -s print-sanitizer-tests)
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        make -C "$asan" -j"$jobs" check TESTS="$san_tests" || status=1
    read -r p2 f2 <<< "$(count "$asan")"
    [ "$f2" -gt 0 ] && show_failures "$asan"
else
    echo "sanitizer build failed"
    tail -50 "$asan/config.log" 2>/dev/null
    f2=1
    status=1
fi
echo "sanitizers: $p2 passed, $f2 failed"

passed=$((p1 + p2))
failed=$((f1 + f2))
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
