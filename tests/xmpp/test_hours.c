/*
 * test_hours - business hours in a time zone, with closed dates
 */
#include "build-config.h"

#include "srxtest.h"

#include <time.h>

/* at - a UTC instant */
static time_t at(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};

    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return timegm(&tm);
}

static srx_hours *parse(const char *const *open, size_t n, const char *const *closed, size_t nc)
{
    char err[200];
    srx_hours *h = srx_hours_parse(open, n, closed, nc, err, sizeof(err));

    if (h == NULL)
        fail_msg("parse: %s", err);
    return h;
}

static void test_weekdays_in_berlin_follow_dst(void **state)
{
    (void)state;
    static const char *const open[] = {"mon-fri 09:00-17:00", "sat 10:00-14:00"};
    srx_hours *h;

    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    h = parse(open, 2, NULL, 0);
    /* Monday 2025-01-06: CET = UTC+1 */
    assert_false(srx_hours_open(h, at(2025, 1, 6, 7, 59)));   /* 08:59 local */
    assert_true(srx_hours_open(h, at(2025, 1, 6, 8, 0)));     /* 09:00 */
    assert_true(srx_hours_open(h, at(2025, 1, 6, 15, 59)));   /* 16:59 */
    assert_false(srx_hours_open(h, at(2025, 1, 6, 16, 0)));   /* 17:00 */
    /* Monday 2025-07-07: CEST = UTC+2 */
    assert_false(srx_hours_open(h, at(2025, 7, 7, 15, 30)));  /* 17:30 local */
    assert_true(srx_hours_open(h, at(2025, 7, 7, 7, 0)));     /* 09:00 local */
    /* Saturday 2025-01-11, Sunday 2025-01-12 */
    assert_true(srx_hours_open(h, at(2025, 1, 11, 9, 0)));    /* sat 10:00 */
    assert_false(srx_hours_open(h, at(2025, 1, 11, 13, 0)));  /* sat 14:00 */
    assert_false(srx_hours_open(h, at(2025, 1, 12, 10, 0)));  /* sunday */
    assert_string_equal(srx_hours_describe(h), "mon-fri 09:00-17:00, sat 10:00-14:00");
    srx_hours_free(h);
}

static void test_same_hours_elsewhere_are_other_instants(void **state)
{
    (void)state;
    static const char *const open[] = {"mon-fri 09:00-17:00"};
    srx_hours *h = parse(open, 1, NULL, 0);

    setenv("TZ", "America/New_York", 1);
    tzset();
    assert_false(srx_hours_open(h, at(2025, 1, 6, 8, 0)));    /* 03:00 in New York */
    assert_true(srx_hours_open(h, at(2025, 1, 6, 14, 0)));    /* 09:00 in New York */
    srx_hours_free(h);
}

static void test_closed_dates_and_midnight(void **state)
{
    (void)state;
    static const char *const open[] = {"daily 00:00-24:00"};
    static const char *const closed[] = {"2025-12-25"};
    static const char *const night[] = {"fri 22:00-02:00"};
    srx_hours *h;

    setenv("TZ", "UTC", 1);
    tzset();
    h = parse(open, 1, closed, 1);
    assert_true(srx_hours_open(h, at(2025, 12, 24, 23, 59)));
    assert_false(srx_hours_open(h, at(2025, 12, 25, 12, 0)));
    assert_true(srx_hours_open(h, at(2025, 12, 26, 0, 0)));
    srx_hours_free(h);
    h = parse(night, 1, NULL, 0);
    assert_true(srx_hours_open(h, at(2025, 1, 10, 23, 0)));   /* friday 23:00 */
    assert_true(srx_hours_open(h, at(2025, 1, 11, 1, 59)));   /* saturday 01:59 */
    assert_false(srx_hours_open(h, at(2025, 1, 11, 2, 0)));
    assert_false(srx_hours_open(h, at(2025, 1, 10, 21, 0)));
    srx_hours_free(h);
    h = parse(NULL, 0, NULL, 0);   /* nothing configured: always open */
    assert_true(srx_hours_open(h, at(2025, 1, 12, 3, 0)));
    assert_string_equal(srx_hours_describe(h), "");
    srx_hours_free(h);
}

static void test_bad_entries_are_named(void **state)
{
    (void)state;
    static const char *const bad[] = {"mon-fri", "someday 09:00-17:00", "mon 9-17",
                                      "mon 25:00-26:00", "mon 09:00-17:60", "mon,xyz 09:00-10:00",
                                      "09:00-17:00"};
    static const char *const bad_date[] = {"2025-13-01"};
    char err[200];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        srx_hours *h = srx_hours_parse(&bad[i], 1, NULL, 0, err, sizeof(err));
        if (h != NULL)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_non_null(strstr(err, bad[i]));
    }
    assert_null(srx_hours_parse(NULL, 0, bad_date, 1, err, sizeof(err)));
    assert_true(srx_tz_valid("Europe/Berlin"));
    assert_true(srx_tz_valid(""));
    assert_false(srx_tz_valid("Mars/Olympus"));
    assert_false(srx_tz_valid("../../etc/passwd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekdays_in_berlin_follow_dst),
        cmocka_unit_test(test_same_hours_elsewhere_are_other_instants),
        cmocka_unit_test(test_closed_dates_and_midnight),
        cmocka_unit_test(test_bad_entries_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
