/*
 * main.c - fsbench's options, test table and report.
 *
 * fsbench [--files=N] [--open=N] [--list=N] [--rdwr-cc=N] [--rdwr-nc=N]
 *         [--mmap=N] [--threads=N] [--csv] [--empty-cache] [TEST-GLOB...]
 *
 * Runs the selected tests (all by default) in the current directory, in
 * WinFsp fsbench's order, and prints one line per test: "name seconds", or
 * with --csv a header and "test,threads,seconds" rows. A test the file system
 * cannot run says "unsupported", a failed one "error" (details on stderr).
 * Exit status: 0, or 1 if a test failed, or 2 on a usage error.
 */
#include "fsbench.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const struct fsb_test tests[] = {
    {"file_create", fsb_file_create},
    {"file_open", fsb_file_open},
    {"file_overwrite", fsb_file_overwrite},
    {"file_attr", fsb_file_attr},
    {"file_list", fsb_file_list},
    {"file_list_single", fsb_file_list_single},
    {"file_list_none", fsb_file_list_none},
    {"file_delete", fsb_file_delete},
    {"file_mkdir", fsb_file_mkdir},
    {"file_rmdir", fsb_file_rmdir},
    {"rdwr_cc_write_page", fsb_rdwr_cc_write_page},
    {"rdwr_cc_read_page", fsb_rdwr_cc_read_page},
    {"rdwr_cc_write_large", fsb_rdwr_cc_write_large},
    {"rdwr_cc_read_large", fsb_rdwr_cc_read_large},
    {"rdwr_nc_write_page", fsb_rdwr_nc_write_page},
    {"rdwr_nc_read_page", fsb_rdwr_nc_read_page},
    {"rdwr_nc_write_large", fsb_rdwr_nc_write_large},
    {"rdwr_nc_read_large", fsb_rdwr_nc_read_large},
    {"mmap_write", fsb_mmap_write},
    {"mmap_read", fsb_mmap_read},
};
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: fsbench [options] [TEST-GLOB...]\n"
               "\n"
               "Benchmarks the file system holding the current directory with the tests of\n"
               "WinFsp's fsbench. Prints each test's time in seconds.\n"
               "\n"
               "options (defaults in brackets):\n"
               "  --files=N       files (or directories) per file_* test [1000]\n"
               "  --open=N        passes of file_open, file_attr, file_list_single and\n"
               "                  file_list_none over the files [10]\n"
               "  --list=N        directory listings of file_list [100]\n"
               "  --rdwr-cc=N     passes over the 4 MiB file of rdwr_cc_* [100]\n"
               "  --rdwr-nc=N     passes over the 4 MiB file of rdwr_nc_* (O_DIRECT) [100]\n"
               "  --mmap=N        passes over the 4 MiB mapped file of mmap_* [100]\n"
               "  --threads=N     threads sharing each test's work [1]\n"
               "  --csv           print CSV: test,threads,seconds\n"
               "  --empty-cache   before each test, syncfs the file system and drop the\n"
               "                  test files' cached pages\n"
               "  -h, --help      show this help\n"
               "\n"
               "TEST-GLOB selects tests by shell pattern (e.g. 'file_*' or 'rdwr_cc_*'); a\n"
               "WinFsp-style '_test' suffix is accepted. Tests:\n");
    for (size_t i = 0; i < NTESTS; i++)
        fprintf(f, "  %s\n", tests[i].name);
}

static int parse_count(const char *opt, const char *arg, unsigned max, unsigned *out)
{
    char *end;

    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' || v < 1 || v > max) {
        fprintf(stderr, "fsbench: --%s needs a number from 1 to %u, not '%s'\n", opt, max, arg);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int matches(const char *glob, const char *name)
{
    char with_suffix[64];

    snprintf(with_suffix, sizeof(with_suffix), "%s_test", name);
    return fnmatch(glob, name, 0) == 0 || fnmatch(glob, with_suffix, 0) == 0;
}

static void report(const struct fsb_opts *o, int csv, const char *name, enum fsb_status st,
                   double seconds)
{
    char value[32];

    if (st == FSB_OK)
        snprintf(value, sizeof(value), "%.6f", seconds);
    else
        snprintf(value, sizeof(value), "%s", st == FSB_UNSUPPORTED ? "unsupported" : "error");
    if (csv)
        printf("%s,%u,%s\n", name, o->threads, value);
    else
        printf("%-20s %s\n", name, value);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"files", required_argument, NULL, 'f'},
        {"open", required_argument, NULL, 'o'},
        {"list", required_argument, NULL, 'l'},
        {"rdwr-cc", required_argument, NULL, 'c'},
        {"rdwr-nc", required_argument, NULL, 'n'},
        {"mmap", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"csv", no_argument, NULL, 'C'},
        {"empty-cache", no_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct fsb_opts o = {
        .files = 1000,
        .open = 10,
        .list = 100,
        .rdwr_cc = 100,
        .rdwr_nc = 100,
        .mmap = 100,
        .threads = 1,
        .rdwr_size = 4 << 20,
        .mmap_size = 4 << 20,
    };
    int csv = 0, opt, rc = 0;

    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'f':
            bad = parse_count("files", optarg, 100000000, &o.files);
            break;
        case 'o':
            bad = parse_count("open", optarg, UINT_MAX, &o.open);
            break;
        case 'l':
            bad = parse_count("list", optarg, UINT_MAX, &o.list);
            break;
        case 'c':
            bad = parse_count("rdwr-cc", optarg, UINT_MAX, &o.rdwr_cc);
            break;
        case 'n':
            bad = parse_count("rdwr-nc", optarg, UINT_MAX, &o.rdwr_nc);
            break;
        case 'm':
            bad = parse_count("mmap", optarg, UINT_MAX, &o.mmap);
            break;
        case 't':
            bad = parse_count("threads", optarg, 1024, &o.threads);
            break;
        case 'C':
            csv = 1;
            break;
        case 'E':
            o.empty_cache = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    long page = sysconf(_SC_PAGESIZE);
    o.page = page > 0 ? (size_t)page : 4096;

    /* Select the tests; each glob must select at least one. */
    int selected[NTESTS] = {0};
    for (int a = optind; a < argc; a++) {
        int any = 0;
        for (size_t i = 0; i < NTESTS; i++)
            if (matches(argv[a], tests[i].name))
                selected[i] = any = 1;
        if (!any) {
            fprintf(stderr, "fsbench: no test matches '%s' (see --help)\n", argv[a]);
            return 2;
        }
    }

    if (csv)
        printf("test,threads,seconds\n");
    for (size_t i = 0; i < NTESTS; i++) {
        if (optind < argc && !selected[i])
            continue;
        double seconds = 0;
        fsb_set_current_test(tests[i].name);
        enum fsb_status st = tests[i].run(&o, &seconds);
        report(&o, csv, tests[i].name, st, seconds);
        if (st == FSB_ERROR)
            rc = 1;
    }
    return rc;
}
