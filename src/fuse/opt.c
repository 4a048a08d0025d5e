/*
 * opt.c - fuse_opt_*: libfuse's command-line option parser.
 *
 * The parser copies argv into a fresh vector as it goes: options matched by
 * a template are consumed (their values stored into the caller's struct or
 * handed to the callback as keys), the rest are kept. All kept "-o" options
 * are gathered into one comma-separated "-o a,b,c" placed right after
 * argv[0]. In -o lists a backslash escapes the next character (and \NNN is
 * an octal byte), so values may contain commas.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse/fuse_i.h"

struct opt_ctx {
    void *data;
    const struct fuse_opt *opt;
    fuse_opt_proc_t proc;
    int argctr;
    int argc;
    char **argv;
    struct fuse_args outargs;
    char *opts; /* gathered -o options */
    int nonopt; /* index in outargs after "--", 0 before */
};

static int alloc_failed(void)
{
    fuse_log(FUSE_LOG_ERR, "fuse: memory allocation failed\n");
    return -1;
}

FSP_FUSE_EXPORT void fuse_opt_free_args(struct fuse_args *args)
{
    if (!args)
        return;
    if (args->argv && args->allocated) {
        for (int i = 0; i < args->argc; i++)
            free(args->argv[i]);
        free(args->argv);
    }
    args->argc = 0;
    args->argv = NULL;
    args->allocated = 0;
}

FSP_FUSE_EXPORT int fuse_opt_add_arg(struct fuse_args *args, const char *arg)
{
    if (args->argv && !args->allocated) {
        /* The vector belongs to the caller (main's argv): copy it first. */
        char **copy = calloc((size_t)args->argc + 1, sizeof(char *));
        if (!copy)
            return alloc_failed();
        for (int i = 0; i < args->argc; i++) {
            copy[i] = strdup(args->argv[i]);
            if (!copy[i]) {
                while (i--)
                    free(copy[i]);
                free(copy);
                return alloc_failed();
            }
        }
        args->argv = copy;
        args->allocated = 1;
    }
    char *dup = strdup(arg);
    if (!dup)
        return alloc_failed();
    char **v = realloc(args->argv, ((size_t)args->argc + 2) * sizeof(char *));
    if (!v) {
        free(dup);
        return alloc_failed();
    }
    args->argv = v;
    args->allocated = 1;
    args->argv[args->argc++] = dup;
    args->argv[args->argc] = NULL;
    return 0;
}

FSP_FUSE_EXPORT int fuse_opt_insert_arg(struct fuse_args *args, int pos, const char *arg)
{
    if (pos < 0 || pos > args->argc) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_opt_insert_arg: position %d out of range\n", pos);
        return -1;
    }
    if (fuse_opt_add_arg(args, arg) == -1)
        return -1;
    if (pos != args->argc - 1) {
        char *moved = args->argv[args->argc - 1];
        memmove(&args->argv[pos + 1], &args->argv[pos],
                sizeof(char *) * (size_t)(args->argc - pos - 1));
        args->argv[pos] = moved;
    }
    return 0;
}

static int add_opt_common(char **opts, const char *opt, bool escape)
{
    size_t oldlen = *opts ? strlen(*opts) : 0;
    char *d = realloc(*opts, oldlen + 1 + strlen(opt) * 2 + 1);
    if (!d)
        return alloc_failed();
    *opts = d;
    if (oldlen) {
        d += oldlen;
        *d++ = ',';
    }
    for (; *opt; opt++) {
        if (escape && (*opt == ',' || *opt == '\\'))
            *d++ = '\\';
        *d++ = *opt;
    }
    *d = '\0';
    return 0;
}

FSP_FUSE_EXPORT int fuse_opt_add_opt(char **opts, const char *opt)
{
    return add_opt_common(opts, opt, false);
}

FSP_FUSE_EXPORT int fuse_opt_add_opt_escaped(char **opts, const char *opt)
{
    return add_opt_common(opts, opt, true);
}

static int add_arg(struct opt_ctx *ctx, const char *arg)
{
    return fuse_opt_add_arg(&ctx->outargs, arg);
}

static int add_opt(struct opt_ctx *ctx, const char *opt)
{
    return fuse_opt_add_opt_escaped(&ctx->opts, opt);
}

/* Keep (or give to the callback) an argument; iso: it came from a -o list. */
static int call_proc(struct opt_ctx *ctx, const char *arg, int key, int iso)
{
    if (key == FUSE_OPT_KEY_DISCARD)
        return 0;
    if (key != FUSE_OPT_KEY_KEEP && ctx->proc) {
        int res = ctx->proc(ctx->data, arg, key, &ctx->outargs);
        if (res == -1 || !res)
            return res;
    }
    return iso ? add_opt(ctx, arg) : add_arg(ctx, arg);
}

/*
 * Does template t match arg? "name=" / "name=%x" and "-x " / "-x %x" match
 * by prefix, with *sepp set to the separator's index; everything else must
 * match exactly (*sepp = 0).
 */
static int match_template(const char *t, const char *arg, unsigned *sepp)
{
    size_t arglen = strlen(arg);
    const char *sep = strchr(t, '=');
    if (!sep)
        sep = strchr(t, ' ');
    if (sep && (!sep[1] || sep[1] == '%')) {
        size_t tlen = (size_t)(sep - t);
        if (sep[0] == '=')
            tlen++;
        if (arglen >= tlen && strncmp(arg, t, tlen) == 0) {
            *sepp = (unsigned)(sep - t);
            return 1;
        }
    }
    if (strcmp(t, arg) == 0) {
        *sepp = 0;
        return 1;
    }
    return 0;
}

static const struct fuse_opt *find_opt(const struct fuse_opt *opt, const char *arg, unsigned *sepp)
{
    for (; opt && opt->templ; opt++)
        if (match_template(opt->templ, arg, sepp))
            return opt;
    return NULL;
}

FSP_FUSE_EXPORT int fuse_opt_match(const struct fuse_opt *opts, const char *opt)
{
    unsigned sep;
    return find_opt(opts, opt, &sep) ? 1 : 0;
}

static int process_opt_param(void *var, const char *format, const char *param, const char *arg)
{
    if (format[0] != '%')
        return 0;
    if (format[1] == 's') {
        char **s = var;
        char *copy = strdup(param);
        if (!copy)
            return alloc_failed();
        free(*s);
        *s = copy;
        return 0;
    }
    if (sscanf(param, format, var) != 1) {
        fuse_log(FUSE_LOG_ERR, "fuse: invalid parameter in option `%s'\n", arg);
        return -1;
    }
    return 0;
}

static int process_opt(struct opt_ctx *ctx, const struct fuse_opt *opt, unsigned sep,
                       const char *arg, int iso)
{
    if (opt->offset == -1U)
        return call_proc(ctx, arg, opt->value, iso) == -1 ? -1 : 0;
    void *var = (char *)ctx->data + opt->offset;
    if (sep && opt->templ[sep + 1]) {
        const char *param = arg + sep;
        if (opt->templ[sep] == '=')
            param++;
        return process_opt_param(var, opt->templ + sep + 1, param, arg);
    }
    *(int *)var = opt->value;
    return 0;
}

static int next_arg(struct opt_ctx *ctx, const char *opt)
{
    if (ctx->argctr + 1 >= ctx->argc) {
        fuse_log(FUSE_LOG_ERR, "fuse: missing argument after `%s'\n", opt);
        return -1;
    }
    ctx->argctr++;
    return 0;
}

/* "-x %u" given as two words: glue them and process as "-x<param>". */
static int process_opt_sep_arg(struct opt_ctx *ctx, const struct fuse_opt *opt, unsigned sep,
                               const char *arg, int iso)
{
    if (next_arg(ctx, arg) == -1)
        return -1;
    const char *param = ctx->argv[ctx->argctr];
    char *glued = malloc(sep + strlen(param) + 1);
    if (!glued)
        return alloc_failed();
    memcpy(glued, arg, sep);
    strcpy(glued + sep, param);
    int res = process_opt(ctx, opt, sep, glued, iso);
    free(glued);
    return res;
}

/* One option: every matching template applies, in table order. */
static int process_gopt(struct opt_ctx *ctx, const char *arg, int iso)
{
    unsigned sep;
    const struct fuse_opt *opt = find_opt(ctx->opt, arg, &sep);
    if (!opt)
        return call_proc(ctx, arg, FUSE_OPT_KEY_OPT, iso);
    for (; opt; opt = find_opt(opt + 1, arg, &sep)) {
        int res;
        if (sep && opt->templ[sep] == ' ' && !arg[sep])
            res = process_opt_sep_arg(ctx, opt, sep, arg, iso);
        else
            res = process_opt(ctx, opt, sep, arg, iso);
        if (res == -1)
            return -1;
    }
    return 0;
}

/* Split a -o list at unescaped commas, unescaping in place. */
static int process_real_option_group(struct opt_ctx *ctx, char *opts)
{
    char *s = opts, *d = opts;
    for (bool end = false; !end; s++) {
        if (*s == '\0')
            end = true;
        if (*s == ',' || end) {
            *d = '\0';
            if (process_gopt(ctx, opts, 1) == -1)
                return -1;
            d = opts;
        } else if (s[0] == '\\' && s[1] != '\0') {
            s++;
            if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
                s[2] <= '7') {
                *d++ = (char)((s[0] - '0') * 0100 + (s[1] - '0') * 010 + (s[2] - '0'));
                s += 2;
            } else {
                *d++ = *s;
            }
        } else {
            *d++ = *s;
        }
    }
    return 0;
}

static int process_option_group(struct opt_ctx *ctx, const char *opts)
{
    char *copy = strdup(opts);
    if (!copy)
        return alloc_failed();
    int res = process_real_option_group(ctx, copy);
    free(copy);
    return res;
}

static int process_one(struct opt_ctx *ctx, const char *arg)
{
    if (ctx->nonopt || arg[0] != '-')
        return call_proc(ctx, arg, FUSE_OPT_KEY_NONOPT, 0);
    if (arg[1] == 'o') {
        if (arg[2])
            return process_option_group(ctx, arg + 2);
        if (next_arg(ctx, arg) == -1)
            return -1;
        return process_option_group(ctx, ctx->argv[ctx->argctr]);
    }
    if (arg[1] == '-' && !arg[2]) {
        /* "--": everything after it is a non-option. */
        if (add_arg(ctx, arg) == -1)
            return -1;
        ctx->nonopt = ctx->outargs.argc;
        return 0;
    }
    return process_gopt(ctx, arg, 0);
}

static int opt_parse(struct opt_ctx *ctx)
{
    if (ctx->argc && add_arg(ctx, ctx->argv[0]) == -1)
        return -1;
    for (ctx->argctr = 1; ctx->argctr < ctx->argc; ctx->argctr++)
        if (process_one(ctx, ctx->argv[ctx->argctr]) == -1)
            return -1;
    if (ctx->opts) {
        if (fuse_opt_insert_arg(&ctx->outargs, 1, "-o") == -1 ||
            fuse_opt_insert_arg(&ctx->outargs, 2, ctx->opts) == -1)
            return -1;
    }
    /* A "--" left as the last argument separates nothing: drop it. */
    if (ctx->nonopt && ctx->nonopt == ctx->outargs.argc &&
        strcmp(ctx->outargs.argv[ctx->outargs.argc - 1], "--") == 0) {
        free(ctx->outargs.argv[ctx->outargs.argc - 1]);
        ctx->outargs.argv[--ctx->outargs.argc] = NULL;
    }
    return 0;
}

FSP_FUSE_EXPORT int fuse_opt_parse(struct fuse_args *args, void *data, const struct fuse_opt opts[],
                                   fuse_opt_proc_t proc)
{
    if (!args || !args->argv || !args->argc)
        return 0;
    struct opt_ctx ctx = {
        .data = data, .opt = opts, .proc = proc, .argc = args->argc, .argv = args->argv};
    int res = opt_parse(&ctx);
    if (res != -1) {
        /* The new vector replaces the old, which is freed if it was ours. */
        struct fuse_args old = *args;
        *args = ctx.outargs;
        ctx.outargs = old;
    }
    free(ctx.opts);
    fuse_opt_free_args(&ctx.outargs);
    return res;
}
