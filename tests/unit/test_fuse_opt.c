/*
 * test_fuse_opt.c - libfuse's option parser semantics in FSP's libfuse3:
 * templates with values, keys and the callback, -o lists with escapes,
 * "--", argument vector editing, and fuse_parse_cmdline.
 */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <stddef.h>
#include <stdlib.h>

#include "check.h"

struct conf {
    char *name;
    unsigned size;
    int flag, other;
    int x;
    int keyed, nonopts;
};

enum { KEY_KEYED = 100, KEY_DROP, KEY_KEPT };

#define OPT(t, m, v)                   \
    {                                  \
        t, offsetof(struct conf, m), v \
    }
static const struct fuse_opt spec[] = {
    OPT("name=%s", name, 0),
    OPT("size=%u", size, 0),
    OPT("--size=%u", size, 0),
    OPT("-x %u", x, 0),
    OPT("flag", flag, 1),
    OPT("-f", flag, 1),
    OPT("-f", other, 7), /* every matching template applies */
    FUSE_OPT_KEY("keyed", KEY_KEYED),
    FUSE_OPT_KEY("drop", KEY_DROP),
    FUSE_OPT_KEY("discard", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("keep", FUSE_OPT_KEY_KEEP),
    FUSE_OPT_END,
};

static int proc(void *data, const char *arg, int key, struct fuse_args *out)
{
    struct conf *c = data;
    (void)arg;
    (void)out;
    switch (key) {
    case KEY_KEYED:
        c->keyed++;
        return 0;
    case KEY_DROP:
        return 0;
    case FUSE_OPT_KEY_NONOPT:
        c->nonopts++;
        return 1;
    }
    return 1;
}

static int parse(struct fuse_args *args, struct conf *c, int argc, char **argv)
{
    memset(c, 0, sizeof(*c));
    *args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
    return fuse_opt_parse(args, c, spec, proc);
}

TEST(templates_and_keys)
{
    char *argv[] = {"prog", "-o", "name=abc,size=42,flag",        "--size=7",
                    "-x",   "5",  "-okeyed,drop,discard,unknown", "mnt",
                    NULL};
    struct fuse_args args;
    struct conf c;
    CHECK_EQ_INT(parse(&args, &c, 8, argv), 0);
    CHECK_EQ_STR(c.name, "abc");
    CHECK_EQ_INT(c.size, 7);
    CHECK_EQ_INT(c.x, 5);
    CHECK_EQ_INT(c.flag, 1);
    CHECK_EQ_INT(c.keyed, 1);
    CHECK_EQ_INT(c.nonopts, 1);
    /* Unmatched -o options are gathered right after argv[0]. */
    CHECK_EQ_INT(args.argc, 4);
    CHECK_EQ_STR(args.argv[0], "prog");
    CHECK_EQ_STR(args.argv[1], "-o");
    CHECK_EQ_STR(args.argv[2], "unknown");
    CHECK_EQ_STR(args.argv[3], "mnt");
    CHECK(args.argv[4] == NULL);
    CHECK(args.allocated);
    fuse_opt_free_args(&args);
    CHECK(args.argv == NULL && args.argc == 0);
    free(c.name);
}

TEST(glued_values_and_multiple_matches)
{
    char *argv[] = {"prog", "-x9", "-f", "-o", "keep,name=a", "-oname=b", NULL};
    struct fuse_args args;
    struct conf c;
    CHECK_EQ_INT(parse(&args, &c, 6, argv), 0);
    CHECK_EQ_INT(c.x, 9);
    CHECK_EQ_INT(c.flag, 1);
    CHECK_EQ_INT(c.other, 7);
    CHECK_EQ_STR(c.name, "b"); /* the last one wins, the first is freed */
    CHECK_EQ_INT(args.argc, 3);
    CHECK_EQ_STR(args.argv[2], "keep");
    fuse_opt_free_args(&args);
    free(c.name);
}

TEST(errors)
{
    struct fuse_args args;
    struct conf c;
    char *bad_num[] = {"prog", "-osize=abc", NULL};
    CHECK_EQ_INT(parse(&args, &c, 2, bad_num), -1);
    char *missing[] = {"prog", "-x", NULL};
    CHECK_EQ_INT(parse(&args, &c, 2, missing), -1);
    char *missing_o[] = {"prog", "-o", NULL};
    CHECK_EQ_INT(parse(&args, &c, 2, missing_o), -1);
    /* On failure the caller's vector is left as it was. */
    CHECK(args.argv == missing_o && args.argc == 2);
}

TEST(escapes_and_separator)
{
    char *argv[] = {"prog", "-o", "name=a\\,b\\\\c\\101,other\\,opt", "--", "-f", "x", NULL};
    struct fuse_args args;
    struct conf c;
    CHECK_EQ_INT(parse(&args, &c, 6, argv), 0);
    CHECK_EQ_STR(c.name, "a,b\\cA");
    CHECK_EQ_INT(c.flag, 0); /* after "--", -f is a non-option */
    CHECK_EQ_INT(c.nonopts, 2);
    CHECK_EQ_INT(args.argc, 6);
    /* Kept options are escaped again when gathered. */
    CHECK_EQ_STR(args.argv[2], "other\\,opt");
    CHECK_EQ_STR(args.argv[3], "--");
    CHECK_EQ_STR(args.argv[4], "-f");
    fuse_opt_free_args(&args);
    free(c.name);

    char *trailing[] = {"prog", "mnt", "--", NULL};
    CHECK_EQ_INT(parse(&args, &c, 3, trailing), 0);
    CHECK_EQ_INT(args.argc, 2); /* a final "--" is dropped */
    fuse_opt_free_args(&args);
}

TEST(add_opt_and_args)
{
    char *opts = NULL;
    CHECK_EQ_INT(fuse_opt_add_opt(&opts, "a"), 0);
    CHECK_EQ_INT(fuse_opt_add_opt(&opts, "b,c"), 0);
    CHECK_EQ_STR(opts, "a,b,c");
    CHECK_EQ_INT(fuse_opt_add_opt_escaped(&opts, "d,e\\f"), 0);
    CHECK_EQ_STR(opts, "a,b,c,d\\,e\\\\f");
    free(opts);

    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    CHECK_EQ_INT(fuse_opt_add_arg(&args, "one"), 0);
    CHECK_EQ_INT(fuse_opt_add_arg(&args, "three"), 0);
    CHECK_EQ_INT(fuse_opt_insert_arg(&args, 1, "two"), 0);
    CHECK_EQ_INT(fuse_opt_insert_arg(&args, 0, "zero"), 0);
    CHECK_EQ_INT(fuse_opt_insert_arg(&args, 4, "four"), 0);
    CHECK_EQ_INT(args.argc, 5);
    CHECK_EQ_STR(args.argv[0], "zero");
    CHECK_EQ_STR(args.argv[1], "one");
    CHECK_EQ_STR(args.argv[2], "two");
    CHECK_EQ_STR(args.argv[3], "three");
    CHECK_EQ_STR(args.argv[4], "four");
    CHECK(args.argv[5] == NULL);
    fuse_opt_free_args(&args);
    fuse_opt_free_args(&args); /* harmless twice */

    CHECK_EQ_INT(fuse_opt_match(spec, "size=3"), 1);
    CHECK_EQ_INT(fuse_opt_match(spec, "keep"), 1);
    CHECK_EQ_INT(fuse_opt_match(spec, "nope"), 0);
    CHECK_EQ_INT(fuse_opt_match(spec, "siz"), 0);
}

TEST(parse_cmdline)
{
    char *argv[] = {"/usr/bin/myfs", "-f", "-s", "-o", "max_threads=4,clone_fd,ro", "/tmp", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(6, argv);
    struct fuse_cmdline_opts o;
    CHECK_EQ_INT(fuse_parse_cmdline(&args, &o), 0);
    CHECK_EQ_INT(o.foreground, 1);
    CHECK_EQ_INT(o.singlethread, 1);
    CHECK_EQ_INT(o.debug, 0);
    CHECK_EQ_INT(o.clone_fd, 1);
    CHECK_EQ_INT(o.max_threads, 4);
    CHECK_EQ_INT(o.max_idle_threads, -1U);
    CHECK_EQ_STR(o.mountpoint, "/tmp");
    /* Left for fuse_session_new: the default subtype and the unknown -o. */
    CHECK_EQ_INT(args.argc, 4);
    CHECK_EQ_STR(args.argv[1], "-osubtype=myfs");
    CHECK_EQ_STR(args.argv[2], "-o");
    CHECK_EQ_STR(args.argv[3], "ro");
    free(o.mountpoint);
    fuse_opt_free_args(&args);

    char *debug[] = {"prog", "-d", "-ofsname=x", "-V", NULL};
    args = (struct fuse_args)FUSE_ARGS_INIT(4, debug);
    CHECK_EQ_INT(fuse_parse_cmdline(&args, &o), 0);
    CHECK_EQ_INT(o.debug, 1);
    CHECK_EQ_INT(o.foreground, 1);
    CHECK_EQ_INT(o.show_version, 1);
    CHECK_EQ_INT(o.nodefault_subtype, 1);
    CHECK(o.mountpoint == NULL);
    CHECK_EQ_INT(args.argc, 4); /* prog -o fsname=x -d */
    CHECK_EQ_STR(args.argv[3], "-d");
    fuse_opt_free_args(&args);

    char *two[] = {"prog", "/tmp", "/tmp", NULL};
    args = (struct fuse_args)FUSE_ARGS_INIT(3, two);
    CHECK_EQ_INT(fuse_parse_cmdline(&args, &o), -1);
    free(o.mountpoint);
    fuse_opt_free_args(&args);
}

/* fuse_session_new refuses options it does not know, as libfuse does. */
TEST(session_new_options)
{
    static const struct fuse_lowlevel_ops ops = {0};
    char *good[] = {"prog", "-o", "allow_other,default_permissions,fsname=f,subtype=s,ro,noatime",
                    "-d", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(4, good);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
    CHECK(se != NULL);
    CHECK_EQ_INT(fuse_session_fd(se), -1); /* not mounted yet */
    CHECK_EQ_INT(fuse_session_exited(se), 0);
    fuse_session_exit(se);
    CHECK_EQ_INT(fuse_session_exited(se), 1);
    fuse_session_destroy(se);
    fuse_opt_free_args(&args);

    char *bad[] = {"prog", "-o", "bogus_option", NULL};
    args = (struct fuse_args)FUSE_ARGS_INIT(3, bad);
    CHECK(fuse_session_new(&args, &ops, sizeof(ops), NULL) == NULL);
    fuse_opt_free_args(&args);

    char *both[] = {"prog", "-o", "allow_other,allow_root", NULL};
    args = (struct fuse_args)FUSE_ARGS_INIT(3, both);
    CHECK(fuse_session_new(&args, &ops, sizeof(ops), NULL) == NULL);
    fuse_opt_free_args(&args);
}

TEST(bufs)
{
    char a[] = "hello ", b[] = "world";
    char out[16] = {0};
    struct {
        struct fuse_bufvec v;
        struct fuse_buf more;
    } two = {{2, 0, 0, {{6, (enum fuse_buf_flags)0, a, -1, 0}}},
             {5, (enum fuse_buf_flags)0, b, -1, 0}};
    CHECK_EQ_INT(fuse_buf_size(&two.v), 11);
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof(out) - 1);
    dst.buf[0].mem = out;
    CHECK_EQ_INT(fuse_buf_copy(&dst, &two.v, 0), 11);
    CHECK_EQ_STR(out, "hello world");
    CHECK_EQ_INT(fuse_version(), 314);
    CHECK_EQ_STR(fuse_pkgversion(), "3.14.0");
}

int main(void)
{
    RUN(templates_and_keys);
    RUN(glued_values_and_multiple_matches);
    RUN(errors);
    RUN(escapes_and_separator);
    RUN(add_opt_and_args);
    RUN(parse_cmdline);
    RUN(session_new_options);
    RUN(bufs);
    return CHECK_DONE();
}
