/*
 * ll_session.c - FUSE 2 low-level sessions: fuse_lowlevel_new, channels
 * joined to sessions (the mount happens in fuse_session_add_chan), the
 * loops and teardown. A session is FSP's FUSE 3 session with the bridge
 * handlers (ll_bridge.c) and a struct fuse2_ll as userdata; exit, reset
 * and exited are FUSE 3's (custom_session.c adds fuse_session_new's own
 * sessions, which each function here hands over to it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuse2/fuse2_i.h"

int fuse_session_loop_mt_312(struct fuse_session *se, struct fuse_loop_config *config);

FSP_FUSE_EXPORT struct fuse_session *fuse2_lowlevel_new(struct fuse_args *args,
                                                        const struct fuse2_lowlevel_ops *op,
                                                        size_t op_size, void *userdata)
{
    char *none[] = {"fuse", NULL};
    struct fuse_args empty = FUSE_ARGS_INIT(1, none);
    struct fuse_session *se = NULL;
    if (op_size > sizeof(struct fuse2_lowlevel_ops)) {
        fuse_log(FUSE_LOG_ERR, "fuse: warning: library too old, some operations may not work\n");
        op_size = sizeof(struct fuse2_lowlevel_ops);
    }
    if (!args || args->argc == 0)
        args = &empty;
    struct fuse2_ll *ll = calloc(1, sizeof(*ll));
    if (!ll) {
        fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate fuse object\n");
        return NULL;
    }
    memcpy(&ll->op, op, op_size);
    ll->userdata = userdata;
    if (fuse2_conn_opts_parse(args, &ll->co) == 0) {
        struct fuse_lowlevel_ops ops3;
        fuse2_fill_llops(&ops3, &ll->op);
        se = fsp3_fuse_session_new(args, &ops3, sizeof(ops3), ll);
    }
    if (!se)
        free(ll);
    else
        ll->se = se;
    fuse_opt_free_args(&empty);
    return se;
}

FSP_FUSE_EXPORT int fuse2_lowlevel_is_lib_option(const char *opt)
{
    return fsp_fuse_is_session_option(opt) || fuse2_is_conn_option(opt);
}

/* Where a session keeps its channel: a low-level one in its fuse2_ll, a
 * high-level one (fuse_get_session) in its struct fuse2. */
static struct fuse_chan **session_chan(struct fuse_session *se)
{
    if (fuse2_is_custom_session(se))
        return fuse2_custom_chan(se);
    if (se->cuse)
        return fuse2_cuse_chan(se);
    if (fuse2_is_ll_session(se))
        return &((struct fuse2_ll *)se->userdata)->ch;
    struct fuse *f = se->userdata;
    return &((struct fuse2 *)f->compat)->ch;
}

FSP_FUSE_EXPORT void fuse2_session_add_chan(struct fuse_session *se, struct fuse_chan *ch)
{
    /* No way to report failure here: the loop then finds no mount. */
    if (fuse2_is_custom_session(se))
        fuse2_custom_add_chan(se, ch);
    else if (*session_chan(se))
        fuse_log(FUSE_LOG_ERR, "fuse: session already has a channel\n");
    else
        fuse2_chan_attach(ch, se, session_chan(se));
}

/* The channel stays mounted until the session is destroyed or
 * fuse_unmount(). */
FSP_FUSE_EXPORT void fuse2_session_remove_chan(struct fuse_chan *ch)
{
    fuse2_chan_detach(ch);
}

FSP_FUSE_EXPORT struct fuse_chan *fuse2_session_next_chan(struct fuse_session *se,
                                                          struct fuse_chan *ch)
{
    return ch ? NULL : *session_chan(se);
}

FSP_FUSE_EXPORT void fuse2_session_process(struct fuse_session *se, const char *buf, size_t len,
                                           struct fuse_chan *ch)
{
    if (fuse2_is_custom_session(se)) {
        fuse2_custom_process(se, buf, len, ch);
        return;
    }
    /* A session has one channel, whose connection answers. */
    struct fsp_session *fsp = fsp_fuse_connection(se);
    if (!fsp) {
        fuse_log(FUSE_LOG_ERR, "fuse: session has no channel\n");
        return;
    }
    fsp_session_process(fsp, buf, len);
}

FSP_FUSE_EXPORT void fuse2_session_process_buf(struct fuse_session *se, const struct fuse_buf *buf,
                                               struct fuse_chan *ch)
{
    if (fuse2_is_custom_session(se))
        fuse2_custom_process_buf(se, buf, ch);
    else
        fsp3_fuse_session_process_buf(se, buf);
}

/* FUSE 2.9: into the caller's buf->mem, at most buf->size bytes. */
FSP_FUSE_EXPORT int fuse2_session_receive_buf(struct fuse_session *se, struct fuse_buf *buf,
                                              struct fuse_chan **chp)
{
    struct fuse_chan *ch = chp && *chp ? *chp : fuse2_session_next_chan(se, NULL);
    if (!ch || !buf->mem) {
        fuse_log(FUSE_LOG_ERR, "fuse: fuse_session_receive_buf: %s\n",
                 ch ? "no buffer" : "session has no channel");
        return -EINVAL;
    }
    int res = fuse2_chan_recv(&ch, buf->mem, buf->size);
    if (chp)
        *chp = ch;
    if (res > 0)
        buf->size = (size_t)res;
    return res;
}

/* Unmounts if still mounted; destroy() runs (once) if INIT happened. As in
 * libfuse 2.9, a channel still attached is destroyed too (a program that
 * keeps its channel takes it back first with fuse_session_remove_chan). */
FSP_FUSE_EXPORT void fuse2_session_destroy(struct fuse_session *se)
{
    if (!se)
        return;
    if (fuse2_is_custom_session(se)) {
        fuse2_custom_destroy(se);
        return;
    }
    struct fuse_chan *ch = *session_chan(se);
    fuse2_chan_detach(ch);
    struct fuse2_ll *ll = fuse2_is_ll_session(se) ? se->userdata : NULL;
    fsp3_fuse_session_destroy(se);
    free(ll);
    fuse2_chan_destroy(ch);
}

FSP_FUSE_EXPORT void *fuse2_session_data(struct fuse_session *se)
{
    if (fuse2_is_custom_session(se))
        return fuse2_custom_data(se);
    if (se->cuse)
        return fuse2_cuse_userdata(se);
    return fuse2_is_ll_session(se) ? ((struct fuse2_ll *)se->userdata)->userdata : NULL;
}

/* FUSE 2's loops return 0 or -1; a loop ended by a signal ended cleanly. */
FSP_FUSE_EXPORT int fuse2_session_loop(struct fuse_session *se)
{
    if (fuse2_is_custom_session(se))
        return fuse2_custom_loop(se);
    return fsp3_fuse_session_loop(se) < 0 ? -1 : 0;
}

/* A custom session's requests are the program's to process: they are
 * read and processed on this thread, one at a time. */
FSP_FUSE_EXPORT int fuse2_session_loop_mt(struct fuse_session *se)
{
    if (fuse2_is_custom_session(se))
        return fuse2_custom_loop(se);
    return fuse_session_loop_mt_312(se, NULL) < 0 ? -1 : 0;
}

FUSE2_SYMBOL(fuse2_lowlevel_new, fuse_lowlevel_new, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_lowlevel_is_lib_option, fuse_lowlevel_is_lib_option, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_add_chan, fuse_session_add_chan, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_remove_chan, fuse_session_remove_chan, "FUSE_2.6");
FUSE2_SYMBOL(fuse2_session_next_chan, fuse_session_next_chan, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_process, fuse_session_process, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_process_buf, fuse_session_process_buf, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_session_receive_buf, fuse_session_receive_buf, "FUSE_2.9");
FUSE2_SYMBOL(fuse2_session_destroy, fuse_session_destroy, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_data, fuse_session_data, "FUSE_2.8");
FUSE2_SYMBOL(fuse2_session_loop, fuse_session_loop, "FUSE_2.4");
FUSE2_SYMBOL(fuse2_session_loop_mt, fuse_session_loop_mt, "FUSE_2.4");
