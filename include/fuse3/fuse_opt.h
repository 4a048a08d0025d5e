/*
 * fuse_opt.h - FSP's FUSE option parser (libfuse-compatible API). The API
 * is the same in FUSE 2, whose include/fuse/fuse_opt.h is this file.
 *
 * A table of templates describes the options a program accepts; the parser
 * walks the argument vector, stores matched values into the caller's struct
 * (at each template's offset) and hands everything else to a callback that
 * decides whether to keep it. The semantics follow libfuse's so that
 * existing FUSE programs parse their command lines unchanged.
 */
#ifndef FUSE_OPT_H_
#define FUSE_OPT_H_

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One accepted option. templ forms:
 *   "-x", "--flag", "name"   exact match: stores value as int at offset
 *   "name=" / "-x "          prefix match (with '=' or a separate argv word)
 *   "name=%s", "-x %u"       prefix match, parameter converted with the
 *                            sscanf format (%s strdup()s into a char *)
 * offset == -1U makes it a key: the callback receives value as its key.
 */
struct fuse_opt {
    const char *templ;
    unsigned long offset;
    int value;
};

#define FUSE_OPT_KEY(templ, key) \
    {                            \
        templ, -1U, key          \
    }
#define FUSE_OPT_END \
    {                \
        NULL, 0, 0   \
    }

/* An argument vector; allocated != 0 once the library owns argv. */
struct fuse_args {
    int argc;
    char **argv;
    int allocated;
};

#define FUSE_ARGS_INIT(argc, argv) \
    {                              \
        argc, argv, 0              \
    }

/* Keys the callback may receive besides its own. */
#define FUSE_OPT_KEY_OPT     -1 /* an option no template matched */
#define FUSE_OPT_KEY_NONOPT  -2 /* a non-option argument */
#define FUSE_OPT_KEY_KEEP    -3 /* as a template key: keep, no callback */
#define FUSE_OPT_KEY_DISCARD -4 /* as a template key: drop, no callback */

/* Return -1 for an error, 0 to drop the argument, 1 to keep it. */
typedef int (*fuse_opt_proc_t)(void *data, const char *arg, int key, struct fuse_args *outargs);

int fuse_opt_parse(struct fuse_args *args, void *data, const struct fuse_opt opts[],
                   fuse_opt_proc_t proc);
int fuse_opt_add_opt(char **opts, const char *opt);
int fuse_opt_add_opt_escaped(char **opts, const char *opt);
int fuse_opt_add_arg(struct fuse_args *args, const char *arg);
int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg);
void fuse_opt_free_args(struct fuse_args *args);
int fuse_opt_match(const struct fuse_opt opts[], const char *opt);

#ifdef __cplusplus
}
#endif

#endif /* FUSE_OPT_H_ */
