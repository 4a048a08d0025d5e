/*
 * filetime.h - FILETIME <-> struct timespec (internal, inline).
 *
 * FILETIME counts 100 ns intervals since 1601-01-01 UTC; timespec counts
 * seconds and nanoseconds since 1970-01-01 UTC (tv_nsec in [0, 1e9), so a
 * negative tv_sec with tv_nsec > 0 is a moment within the second before).
 * Conversions to FILETIME truncate to 100 ns towards the earlier moment
 * (floor), which is the same as truncation for normalized timespecs; they
 * clamp times before 1601 to 0 and times past the signed 64-bit FILETIME
 * range (year 30828) to INT64_MAX. A non-normalized tv_nsec is normalized
 * first.
 */
#ifndef FSP_NATIVE_FILETIME_H
#define FSP_NATIVE_FILETIME_H

#include <stdint.h>
#include <time.h>

#include <winfsp/wintypes.h>

/* 1601-01-01 to 1970-01-01 in 100 ns units, and in seconds. */
#define FSP_FILETIME_EPOCH_DIFF 116444736000000000ULL
#define FSP_FILETIME_EPOCH_SECS 11644473600LL
#define FSP_FILETIME_PER_SEC    10000000LL
#define FSP_FILETIME_MAX        ((UINT64)INT64_MAX)

static inline UINT64 fsp_filetime_from_timespec(const struct timespec *ts)
{
    int64_t sec = (int64_t)ts->tv_sec;
    int64_t nsec = (int64_t)ts->tv_nsec;
    if (nsec < 0 || nsec >= 1000000000LL) {
        int64_t q = nsec / 1000000000LL, r = nsec % 1000000000LL;
        if (r < 0)
            q--, r += 1000000000LL;
        if ((q > 0 && sec > INT64_MAX - q) || (q < 0 && sec < INT64_MIN - q))
            return q > 0 ? FSP_FILETIME_MAX : 0;
        sec += q;
        nsec = r;
    }
    if (sec < -FSP_FILETIME_EPOCH_SECS)
        return 0;
    /* Seconds since 1601 whose FILETIME (plus < 1 s) still fits in INT64. */
    if (sec > INT64_MAX / FSP_FILETIME_PER_SEC - 1 - FSP_FILETIME_EPOCH_SECS)
        return FSP_FILETIME_MAX;
    return (UINT64)(sec + FSP_FILETIME_EPOCH_SECS) * (UINT64)FSP_FILETIME_PER_SEC +
           (UINT64)(nsec / 100);
}

static inline void fsp_timespec_from_filetime(UINT64 ft, struct timespec *ts)
{
    if (ft >= FSP_FILETIME_EPOCH_DIFF) {
        UINT64 d = ft - FSP_FILETIME_EPOCH_DIFF;
        ts->tv_sec = (time_t)(d / (UINT64)FSP_FILETIME_PER_SEC);
        ts->tv_nsec = (long)(d % (UINT64)FSP_FILETIME_PER_SEC) * 100;
    } else {
        UINT64 d = FSP_FILETIME_EPOCH_DIFF - ft;
        UINT64 sec = d / (UINT64)FSP_FILETIME_PER_SEC, rem = d % (UINT64)FSP_FILETIME_PER_SEC;
        ts->tv_sec = -(time_t)sec;
        ts->tv_nsec = 0;
        if (rem) {
            ts->tv_sec--;
            ts->tv_nsec = (long)(FSP_FILETIME_PER_SEC - (int64_t)rem) * 100;
        }
    }
}

/* The current time as a FILETIME (CLOCK_REALTIME). */
static inline UINT64 fsp_filetime_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return fsp_filetime_from_timespec(&ts);
}

#endif /* FSP_NATIVE_FILETIME_H */
