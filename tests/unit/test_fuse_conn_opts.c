/*
 * test_fuse_conn_opts.c - fuse_parse_conn_info_opts and
 * fuse_apply_conn_info_opts: the options are taken out of the arguments
 * (others stay for the session), numbers and capabilities reach the
 * fuse_conn_info, the later of two options about one capability wins, and
 * a bad number is refused.
 */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <stdlib.h>

#include "check.h"

/* parse ARGV... into a fresh args; the returned opts, or NULL. */
static struct fuse_conn_info_opts *parse(struct fuse_args *args, int argc, char **argv)
{
    *args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
    for (int i = 0; i < argc; i++)
        if (fuse_opt_add_arg(args, argv[i]) != 0)
            return NULL;
    return fuse_parse_conn_info_opts(args);
}

TEST(numbers_and_leftovers)
{
    char *argv[] = {"prog", "-o", "max_write=65536,debug,max_readahead=4096",
                    "-f",   "-o", "max_background=20,congestion_threshold=15,time_gran=1000",
                    "/mnt"};
    struct fuse_args args;
    struct fuse_conn_info_opts *o = parse(&args, 7, argv);
    CHECK(o != NULL);
    if (!o)
        return;
    /* Only what the session must see remains. */
    CHECK_EQ_INT(args.argc, 5);
    if (args.argc != 5)
        return;
    CHECK_EQ_STR(args.argv[0], "prog");
    CHECK_EQ_STR(args.argv[1], "-o");
    CHECK_EQ_STR(args.argv[2], "debug");
    CHECK_EQ_STR(args.argv[3], "-f");
    CHECK_EQ_STR(args.argv[4], "/mnt");

    struct fuse_conn_info conn = {.max_write = 1 << 20,
                                  .max_readahead = 1 << 17,
                                  .max_background = 12,
                                  .congestion_threshold = 9,
                                  .time_gran = 1};
    fuse_apply_conn_info_opts(o, &conn);
    CHECK_EQ_INT(conn.max_write, 65536);
    CHECK_EQ_INT(conn.max_readahead, 4096);
    CHECK_EQ_INT(conn.max_background, 20);
    CHECK_EQ_INT(conn.congestion_threshold, 15);
    CHECK_EQ_INT(conn.time_gran, 1000);
    free(o);
    fuse_opt_free_args(&args);
}

TEST(untouched_without_options)
{
    char *argv[] = {"prog", "/mnt"};
    struct fuse_args args;
    struct fuse_conn_info_opts *o = parse(&args, 2, argv);
    CHECK(o != NULL);
    if (!o)
        return;
    struct fuse_conn_info conn = {
        .max_write = 4096, .time_gran = 1, .want = FUSE_CAP_ASYNC_READ | FUSE_CAP_READDIRPLUS};
    fuse_apply_conn_info_opts(o, &conn);
    CHECK_EQ_INT(conn.max_write, 4096);
    CHECK_EQ_INT(conn.time_gran, 1);
    CHECK_EQ_INT(conn.want, FUSE_CAP_ASYNC_READ | FUSE_CAP_READDIRPLUS);
    CHECK_EQ_INT(args.argc, 2);
    free(o);
    fuse_opt_free_args(&args);
}

/* want after applying OPTS to a connection that wanted WANT. */
static unsigned want_after(const char *opts, unsigned want)
{
    char *argv[] = {"prog", "-o", (char *)opts};
    struct fuse_args args;
    struct fuse_conn_info_opts *o = parse(&args, 3, argv);
    if (!o)
        return 0xdeadbeef;
    struct fuse_conn_info conn = {.want = want};
    fuse_apply_conn_info_opts(o, &conn);
    free(o);
    int left = args.argc;
    fuse_opt_free_args(&args);
    return left == 1 ? conn.want : 0xbadbad;
}

TEST(capabilities)
{
    const unsigned locks = FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS;
    const unsigned rdp = FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
    CHECK_EQ_INT(want_after("no_remote_lock", locks | FUSE_CAP_ASYNC_READ), FUSE_CAP_ASYNC_READ);
    CHECK_EQ_INT(want_after("no_remote_posix_lock", locks), FUSE_CAP_FLOCK_LOCKS);
    CHECK_EQ_INT(want_after("no_remote_flock", locks), FUSE_CAP_POSIX_LOCKS);
    CHECK_EQ_INT(want_after("sync_read", FUSE_CAP_ASYNC_READ | FUSE_CAP_ASYNC_DIO),
                 FUSE_CAP_ASYNC_DIO);
    CHECK_EQ_INT(want_after("async_read", 0), FUSE_CAP_ASYNC_READ);
    CHECK_EQ_INT(want_after("writeback_cache", 0), FUSE_CAP_WRITEBACK_CACHE);
    CHECK_EQ_INT(want_after("no_writeback_cache", FUSE_CAP_WRITEBACK_CACHE), 0);
    CHECK_EQ_INT(want_after("async_dio,auto_inval_data", 0),
                 FUSE_CAP_ASYNC_DIO | FUSE_CAP_AUTO_INVAL_DATA);
    CHECK_EQ_INT(want_after("no_async_dio,no_auto_inval_data",
                            FUSE_CAP_ASYNC_DIO | FUSE_CAP_AUTO_INVAL_DATA),
                 0);
    CHECK_EQ_INT(want_after("splice_read,splice_write,splice_move", 0),
                 FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
    CHECK_EQ_INT(want_after("no_splice_read", FUSE_CAP_SPLICE_READ), 0);
    CHECK_EQ_INT(want_after("readdirplus=no", rdp), FUSE_CAP_READDIRPLUS_AUTO);
    CHECK_EQ_INT(want_after("readdirplus=yes", rdp), FUSE_CAP_READDIRPLUS);
    CHECK_EQ_INT(want_after("readdirplus=auto", rdp), rdp);
    /* Readdirplus options never add what the file system did not want. */
    CHECK_EQ_INT(want_after("readdirplus=yes", 0), 0);
    /* The later option about one capability wins. */
    CHECK_EQ_INT(want_after("sync_read,async_read", 0), FUSE_CAP_ASYNC_READ);
    CHECK_EQ_INT(want_after("async_read,sync_read", FUSE_CAP_ASYNC_READ), 0);
    CHECK_EQ_INT(want_after("readdirplus=no,readdirplus=auto", rdp), rdp);
    CHECK_EQ_INT(want_after("writeback_cache,no_writeback_cache", 0), 0);
}

TEST(bad_numbers_refused)
{
    const char *bad[] = {"max_write=", "max_write=abc", "max_write=-1", "time_gran=99999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[] = {"prog", "-o", (char *)bad[i]};
        struct fuse_args args;
        struct fuse_conn_info_opts *o = parse(&args, 3, argv);
        if (o)
            fprintf(stderr, "  %s accepted\n", bad[i]);
        CHECK(o == NULL);
        free(o);
        fuse_opt_free_args(&args);
    }
}

int main(void)
{
    RUN(numbers_and_leftovers);
    RUN(untouched_without_options);
    RUN(capabilities);
    RUN(bad_numbers_refused);
    return CHECK_DONE();
}
