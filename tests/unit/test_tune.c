/*
 * test_tune.c - FSP_TUNE's parser (kernel/tune.c): each knob, sizes with
 * suffixes, and strictness (one bad item rejects the whole variable).
 */
#include "check.h"
#include "kernel/fuse_wire.h"
#include "kernel/tune.h"

TEST(empty_changes_nothing)
{
    struct fsp_tune t;
    const char *bad = NULL;
    CHECK_EQ_INT(fsp_tune_parse("", &t, &bad), 0);
    CHECK_EQ_INT(t.threads, 0);
    CHECK_EQ_INT(t.max_write, 0);
    CHECK_EQ_INT(t.want_off, 0);
    CHECK_EQ_INT(fsp_tune_parse(",,", &t, &bad), 0);
    CHECK_EQ_INT(t.threads, 0);
}

TEST(every_knob)
{
    struct fsp_tune t;
    const char *bad = NULL;
    CHECK_EQ_INT(
        fsp_tune_parse("threads=2,max_write=128K,readdirplus=0,parallel_dirops=0", &t, &bad), 0);
    CHECK_EQ_INT(t.threads, 2);
    CHECK_EQ_INT(t.max_write, 128 * 1024);
    CHECK(t.want_off == (FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS));
}

TEST(flags_at_one_leave_the_choice)
{
    struct fsp_tune t;
    const char *bad = NULL;
    CHECK_EQ_INT(fsp_tune_parse("readdirplus=1,parallel_dirops=1", &t, &bad), 0);
    CHECK_EQ_INT(t.want_off, 0);
}

TEST(sizes)
{
    struct fsp_tune t;
    const char *bad = NULL;
    CHECK_EQ_INT(fsp_tune_parse("max_write=4096", &t, &bad), 0);
    CHECK_EQ_INT(t.max_write, 4096);
    CHECK_EQ_INT(fsp_tune_parse("max_write=1m", &t, &bad), 0);
    CHECK_EQ_INT(t.max_write, 1 << 20);
    CHECK_EQ_INT(fsp_tune_parse("max_write=16M", &t, &bad), 0);
    CHECK_EQ_INT(t.max_write, 16 << 20);
    CHECK_EQ_INT(fsp_tune_parse("threads=256", &t, &bad), 0);
    CHECK_EQ_INT(t.threads, 256);
}

/* Each of these rejects the whole variable and names the bad item. */
TEST(strict)
{
    static const char *const bad_specs[] = {
        "threads=0",      "threads=257",
        "threads=2K",     "threads=",
        "threads",        "max_write=4095",
        "max_write=17M",  "max_write=1G",
        "max_write=64KB", "max_write=99999999999999999999",
        "readdirplus=2",  "readdirplus=yes",
        "splice=1",       "Threads=2",
    };
    for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
        struct fsp_tune t;
        const char *bad = NULL;
        if (fsp_tune_parse(bad_specs[i], &t, &bad) != -1 || bad != bad_specs[i]) {
            fprintf(stderr, "  accepted: %s\n", bad_specs[i]);
            CHECK(0);
        }
    }
    struct fsp_tune t;
    const char *bad = NULL;
    const char *spec = "threads=2,nonsense=1,max_write=64K";
    CHECK_EQ_INT(fsp_tune_parse(spec, &t, &bad), -1);
    CHECK(bad == spec + strlen("threads=2,"));
    CHECK_EQ_INT(t.threads, 0); /* nothing half-applied */
}

int main(void)
{
    RUN(empty_changes_nothing);
    RUN(every_knob);
    RUN(flags_at_one_leave_the_choice);
    RUN(sizes);
    RUN(strict);
    return CHECK_DONE();
}
