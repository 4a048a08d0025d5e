/*
 * compat.c - older versions of FUSE 2 symbols whose meaning never changed:
 * binaries linked with libfuse 2.2 - 2.5 bind fuse_get_context@FUSE_2.2,
 * fuse_req_ctx@FUSE_2.4 and fuse_opt_insert_arg@FUSE_2.5, and the structures
 * those return are prefixes of today's. (The older versions of fuse_new,
 * fuse_mount, fuse_main_real and the rest take other layouts: see
 * compat_hl.c and compat_ll.c.)
 */
#include "fuse2/fuse2_i.h"

FSP_FUSE_EXPORT struct fuse_context *fuse2_get_context_22(void)
{
    return fuse_get_context();
}

FSP_FUSE_EXPORT const struct fuse_ctx *fuse2_req_ctx_24(fuse_req_t req)
{
    return fuse_req_ctx(req);
}

FSP_FUSE_EXPORT int fuse2_opt_insert_arg_25(struct fuse_args *args, int pos, const char *arg)
{
    return fuse_opt_insert_arg(args, pos, arg);
}

FUSE2_SYMBOL_OLD(fuse2_get_context_22, fuse_get_context, "FUSE_2.2");
FUSE2_SYMBOL_OLD(fuse2_req_ctx_24, fuse_req_ctx, "FUSE_2.4");
FUSE2_SYMBOL_OLD(fuse2_opt_insert_arg_25, fuse_opt_insert_arg, "FUSE_2.5");
