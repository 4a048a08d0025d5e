/*
 * stats.c - per-opcode request counts and handler time, for profiling.
 *
 * Every worker (a /dev/fuse worker or an io_uring queue thread) counts the
 * requests it dispatches and the time their handlers ran, in counters only it
 * writes: the hot path takes no lock and shares no cache line. A dump sums the
 * workers' counters with relaxed loads (a dump taken while requests run may
 * be off by the requests in flight, which is fine for a profile). The time is
 * the handler's on the worker: for a deferred request, up to fsp_req_defer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/internal.h"

uint64_t fsp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* FSP_PROFILE=1 in the environment: profile every session of the process.
 * Read once (-1: not yet); a racing first read just reads it twice. */
static int env_profile = -1;

static bool profile_from_env(void)
{
    int v = __atomic_load_n(&env_profile, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *e = getenv("FSP_PROFILE");
        v = e && *e && strcmp(e, "0") != 0;
        __atomic_store_n(&env_profile, v, __ATOMIC_RELAXED);
    }
    return v;
}

bool fsp_profiling(const struct fsp_session *se)
{
    return atomic_load_explicit(&se->profile, memory_order_relaxed) || fsp_debug(se) ||
           profile_from_env();
}

void fsp_session_set_profiling(struct fsp_session *se, bool on)
{
    atomic_store(&se->profile, on);
}

void fsp_stats_note(struct fsp_op_stats *st, uint32_t opcode, uint64_t ns)
{
    if (opcode >= FSP_FUSE_OPCODE_MAX)
        opcode = 0; /* unknown opcodes: slot 0, shown as "other" */
    /* Only this worker writes its counters; atomics keep concurrent dumps
     * well defined without costing a locked instruction. */
    __atomic_store_n(&st->count[opcode], st->count[opcode] + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&st->ns[opcode], st->ns[opcode] + ns, __ATOMIC_RELAXED);
}

void fsp_stats_sum(struct fsp_op_stats *sum, const struct fsp_op_stats *st)
{
    for (unsigned i = 0; i < FSP_FUSE_OPCODE_MAX; i++) {
        sum->count[i] += __atomic_load_n(&st->count[i], __ATOMIC_RELAXED);
        sum->ns[i] += __atomic_load_n(&st->ns[i], __ATOMIC_RELAXED);
    }
}

void fsp_session_dump_stats(struct fsp_session *se)
{
    struct fsp_op_stats sum, ring;
    memset(&sum, 0, sizeof(sum));
    memset(&ring, 0, sizeof(ring));
    if (se->workers)
        for (unsigned i = 0; i < se->nworkers; i++)
            fsp_stats_sum(&sum, &se->workers[i].stats);
    fsp_uring_sum_stats(se, &ring);

    uint64_t total = 0, total_ring = 0;
    for (unsigned i = 0; i < FSP_FUSE_OPCODE_MAX; i++) {
        total += sum.count[i] + ring.count[i];
        total_ring += ring.count[i];
    }
    fsp_log("fsp: stats: %llu requests (%llu over /dev/fuse, %llu over io_uring)",
            (unsigned long long)total, (unsigned long long)(total - total_ring),
            (unsigned long long)total_ring);
    for (unsigned i = 0; i < FSP_FUSE_OPCODE_MAX; i++) {
        uint64_t n = sum.count[i] + ring.count[i];
        if (!n)
            continue;
        uint64_t ns = sum.ns[i] + ring.ns[i];
        if (ns) /* timed while profiling was on (requests before then count as 0) */
            fsp_log("fsp: stats: %-14s %10llu requests %12.3f ms total %10.2f us avg",
                    i ? fsp_opcode_name(i) : "other", (unsigned long long)n, (double)ns / 1e6,
                    (double)ns / 1e3 / (double)n);
        else
            fsp_log("fsp: stats: %-14s %10llu requests", i ? fsp_opcode_name(i) : "other",
                    (unsigned long long)n);
    }
}

void fsp_session_dump_stats_async(struct fsp_session *se)
{
    fsp_session_signal_stopper(se, 'd');
}
