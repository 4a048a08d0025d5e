/*
 * test_filetime.c - FILETIME (100 ns since 1601) <-> timespec (since 1970).
 */
#include <stdint.h>
#include <time.h>

#include <winfsp/winfsp.h>

#include "check.h"
#include "native/filetime.h"

#define EPOCH 116444736000000000ULL

static UINT64 to_ft(time_t sec, long nsec)
{
    struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
    UINT64 ft = 0;
    FspPosixUnixTimeToFileTime(&ts, &ft);
    CHECK_EQ_INT(ft, fsp_filetime_from_timespec(&ts)); /* API == inline helper */
    return ft;
}

static struct timespec to_ts(UINT64 ft)
{
    struct timespec ts = {.tv_sec = 12345, .tv_nsec = 678};
    FspPosixFileTimeToUnixTime(ft, &ts);
    struct timespec ts2;
    fsp_timespec_from_filetime(ft, &ts2);
    CHECK(ts.tv_sec == ts2.tv_sec && ts.tv_nsec == ts2.tv_nsec);
    return ts;
}

TEST(epoch)
{
    CHECK_EQ_INT(to_ft(0, 0), EPOCH);
    struct timespec ts = to_ts(EPOCH);
    CHECK_EQ_INT(ts.tv_sec, 0);
    CHECK_EQ_INT(ts.tv_nsec, 0);
    /* 1601-01-01 */
    CHECK_EQ_INT(to_ft(-11644473600LL, 0), 0);
    ts = to_ts(0);
    CHECK_EQ_INT(ts.tv_sec, -11644473600LL);
    CHECK_EQ_INT(ts.tv_nsec, 0);
    /* A known date: 2000-01-01T00:00:00Z = 946684800 = FILETIME 125911584000000000 */
    CHECK_EQ_INT(to_ft(946684800, 0), 125911584000000000ULL);
    ts = to_ts(125911584000000000ULL);
    CHECK_EQ_INT(ts.tv_sec, 946684800);
    CHECK_EQ_INT(ts.tv_nsec, 0);
}

TEST(truncation_100ns)
{
    CHECK_EQ_INT(to_ft(0, 99), EPOCH);
    CHECK_EQ_INT(to_ft(0, 100), EPOCH + 1);
    CHECK_EQ_INT(to_ft(0, 199), EPOCH + 1);
    CHECK_EQ_INT(to_ft(1, 999999999), EPOCH + 10000000 + 9999999);
    CHECK_EQ_INT(to_ft(1700000000, 123456789), EPOCH + 17000000000000000ULL + 1234567);
    struct timespec ts = to_ts(EPOCH + 17000000000000000ULL + 1234567);
    CHECK_EQ_INT(ts.tv_sec, 1700000000);
    CHECK_EQ_INT(ts.tv_nsec, 123456700);
}

TEST(before_1970)
{
    /* -1 s + 0.5 s = 0.5 s before the epoch */
    CHECK_EQ_INT(to_ft(-1, 500000000), EPOCH - 5000000);
    struct timespec ts = to_ts(EPOCH - 5000000);
    CHECK_EQ_INT(ts.tv_sec, -1);
    CHECK_EQ_INT(ts.tv_nsec, 500000000);
    /* 100 ns before the epoch */
    ts = to_ts(EPOCH - 1);
    CHECK_EQ_INT(ts.tv_sec, -1);
    CHECK_EQ_INT(ts.tv_nsec, 999999900);
    CHECK_EQ_INT(to_ft(-1, 999999900), EPOCH - 1);
    /* Truncation before 1970 goes towards the earlier moment, consistently. */
    CHECK_EQ_INT(to_ft(-1, 999999999), EPOCH - 1);
    CHECK_EQ_INT(to_ft(-1, 0), EPOCH - 10000000);
    /* 1969-07-20T20:17:40Z = -14182940 */
    CHECK_EQ_INT(to_ft(-14182940, 0), EPOCH - 141829400000000ULL);
    ts = to_ts(EPOCH - 141829400000000ULL);
    CHECK_EQ_INT(ts.tv_sec, -14182940);
    CHECK_EQ_INT(ts.tv_nsec, 0);
}

TEST(clamping)
{
    /* Before 1601 clamps to 0; past the FILETIME range clamps to INT64_MAX. */
    CHECK_EQ_INT(to_ft(-11644473601LL, 0), 0);
    CHECK_EQ_INT(to_ft(-11644473601LL, 999999999), 0);
    CHECK_EQ_INT(to_ft(INT64_MAX, 0), INT64_MAX);
    CHECK_EQ_INT(to_ft(INT64_MIN, 0), 0);
    /* Last whole second that fits */
    time_t last = INT64_MAX / 10000000 - 1 - 11644473600LL;
    CHECK_EQ_INT(to_ft(last, 999999999), (UINT64)(last + 11644473600LL) * 10000000ULL + 9999999);
    CHECK(to_ft(last, 999999999) <= (UINT64)INT64_MAX);
    CHECK_EQ_INT(to_ft(last + 1, 0), INT64_MAX);
    /* Non-normalized nanoseconds are normalized. */
    CHECK_EQ_INT(to_ft(0, 1500000000), EPOCH + 15000000);
    CHECK_EQ_INT(to_ft(1, -500000000), EPOCH + 5000000);
    /* The largest FILETIME still converts */
    struct timespec ts = to_ts(UINT64_MAX);
    CHECK(ts.tv_sec > 0);
    CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
}

TEST(roundtrips)
{
    /* FILETIME -> timespec -> FILETIME is exact for every 100 ns value. */
    static const UINT64 fts[] = {0,
                                 1,
                                 9999999,
                                 10000000,
                                 EPOCH - 1,
                                 EPOCH,
                                 EPOCH + 1,
                                 EPOCH + 9999999,
                                 EPOCH + 10000000,
                                 133000000001234567ULL,
                                 (UINT64)INT64_MAX};
    for (size_t i = 0; i < sizeof fts / sizeof fts[0]; i++) {
        struct timespec ts = to_ts(fts[i]);
        CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000 && ts.tv_nsec % 100 == 0);
        CHECK_EQ_INT(to_ft(ts.tv_sec, ts.tv_nsec), fts[i]);
    }
    /* A sweep around the epoch */
    unsigned bad = 0;
    for (int64_t d = -30000000; d <= 30000000; d += 997) {
        UINT64 ft = EPOCH + (UINT64)d;
        struct timespec ts = to_ts(ft);
        if (to_ft(ts.tv_sec, ts.tv_nsec) != ft || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

TEST(now)
{
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    UINT64 now = fsp_filetime_now();
    clock_gettime(CLOCK_REALTIME, &after);
    CHECK(now >= fsp_filetime_from_timespec(&before));
    CHECK(now <= fsp_filetime_from_timespec(&after));
    CHECK(now > 133000000000000000ULL); /* after 2022 */
}

int main(void)
{
    RUN(epoch);
    RUN(truncation_100ns);
    RUN(before_1970);
    RUN(clamping);
    RUN(roundtrips);
    RUN(now);
    return CHECK_DONE();
}
