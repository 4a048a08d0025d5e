/*
 * opctx.c - what surrounds every native operation: the operation guard, the
 * per-thread operation context, handles, and asynchronous completion
 * (STATUS_PENDING + FspFileSystemSendResponse).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"

/* --- Operation guard ---------------------------------------------------------
 * FINE: namespace changes (create, delete, rename) exclusive, lookups and
 * listings shared, everything else unguarded. COARSE: one lock around every
 * request, taken by the operations table (ops_table.c); the calls here then
 * do nothing. */
void fsp_guard_enter(struct fsp_native *nt, enum fsp_guard kind)
{
    FSP_FILE_SYSTEM *fs = nt->fs;
    if (fs->OpGuardStrategy == FspFileSystemOperationGuardStrategyCoarse)
        return;
    if (kind == FSP_GUARD_EXCL)
        pthread_rwlock_wrlock(&fs->OpGuardLock);
    else if (kind == FSP_GUARD_SHARED)
        pthread_rwlock_rdlock(&fs->OpGuardLock);
}

void fsp_guard_leave(struct fsp_native *nt, enum fsp_guard kind)
{
    FSP_FILE_SYSTEM *fs = nt->fs;
    if (fs->OpGuardStrategy != FspFileSystemOperationGuardStrategyCoarse && kind != FSP_GUARD_NONE)
        pthread_rwlock_unlock(&fs->OpGuardLock);
}

/* --- Operation context -------------------------------------------------------- */

static __thread FSP_FILE_SYSTEM_OPERATION_CONTEXT tls_opctx;
static __thread uint32_t tls_pid;

void fsp_opctx_set(struct fsp_req *req, FSP_FSCTL_TRANSACT_REQ *r, FSP_FSCTL_TRANSACT_RSP *p)
{
    tls_opctx.Request = r;
    tls_opctx.Response = p;
    tls_pid = req ? fsp_req_header(req)->pid : 0;
}

void fsp_opctx_clear(void)
{
    tls_opctx.Request = NULL;
    tls_opctx.Response = NULL;
    tls_pid = 0;
}

FSP_API FSP_FILE_SYSTEM_OPERATION_CONTEXT *FspFileSystemGetOperationContext(VOID)
{
    return &tls_opctx;
}

FSP_API UINT32 FspFileSystemOperationProcessIdF(VOID)
{
    return tls_pid;
}

void fsp_reply_status(struct fsp_req *req, NTSTATUS status)
{
    int err = NT_SUCCESS(status) ? 0 : FspErrnoFromNtStatus(status);
    /* ENOSYS would make the kernel give up on the operation for the whole
     * mount; an operation this file system lacks is "not supported". */
    if (err == ENOSYS)
        err = EOPNOTSUPP;
    fsp_reply_err(req, err);
}

/* --- Handles ------------------------------------------------------------------ */

struct fsp_handle *fsp_handle_new(struct fsp_native *nt, struct fsp_node *node, PVOID context,
                                  bool is_dir)
{
    struct fsp_handle *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->node = node;
    h->context = context;
    h->is_dir = is_dir;
    pthread_mutex_init(&h->list_lock, NULL);
    pthread_mutex_lock(&nt->nodes_lock);
    h->next_on_node = node->handles;
    node->handles = h;
    pthread_mutex_unlock(&nt->nodes_lock);
    return h;
}

void fsp_handle_unlink(struct fsp_native *nt, struct fsp_handle *h)
{
    pthread_mutex_lock(&nt->nodes_lock);
    for (struct fsp_handle **p = &h->node->handles; *p; p = &(*p)->next_on_node)
        if (*p == h) {
            *p = h->next_on_node;
            break;
        }
    h->node->closing++;
    /* Off the list, nobody pins it anew; let the current users finish
     * before the caller Cleans up and Closes the context. */
    while (h->pins)
        pthread_cond_wait(&nt->pins_cond, &nt->nodes_lock);
    pthread_mutex_unlock(&nt->nodes_lock);
}

NTSTATUS fsp_node_call_open(struct fsp_native *nt, struct fsp_node *node, fsp_file_fn *fn,
                            void *arg)
{
    /* Pin one of the node's handles so that RELEASE cannot close it under
     * us, and call the file system without nodes_lock: a slow call must not
     * hold up every other request's node lookups. */
    pthread_mutex_lock(&nt->nodes_lock);
    struct fsp_handle *h = node->handles;
    if (h)
        h->pins++;
    pthread_mutex_unlock(&nt->nodes_lock);
    if (!h)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    NTSTATUS st = fn(nt, node, h->context, arg);
    pthread_mutex_lock(&nt->nodes_lock);
    if (--h->pins == 0)
        pthread_cond_broadcast(&nt->pins_cond);
    pthread_mutex_unlock(&nt->nodes_lock);
    return st;
}

struct fsp_handle *fsp_handle_reopen(struct fsp_native *nt, struct fsp_node *node, bool is_dir,
                                     bool *nomem)
{
    struct fsp_handle *h = calloc(1, sizeof *h);
    uint32_t *users = malloc(sizeof *users);
    *nomem = false;
    pthread_mutex_lock(&nt->nodes_lock);
    struct fsp_handle *src = node->handles;
    if (!src || !h || (!src->ctx_users && !users)) {
        pthread_mutex_unlock(&nt->nodes_lock);
        *nomem = src != NULL;
        free(h);
        free(users);
        return NULL;
    }
    if (!src->ctx_users) {
        src->ctx_users = users;
        *users = 1;
        users = NULL;
    }
    h->node = node;
    h->context = src->context;
    h->is_dir = is_dir;
    h->ctx_users = src->ctx_users;
    ++*h->ctx_users;
    pthread_mutex_init(&h->list_lock, NULL);
    h->next_on_node = node->handles;
    node->handles = h;
    pthread_mutex_unlock(&nt->nodes_lock);
    free(users);
    return h;
}

bool fsp_handle_last_user(struct fsp_native *nt, struct fsp_handle *h)
{
    if (!h->ctx_users)
        return true;
    pthread_mutex_lock(&nt->nodes_lock);
    bool last = --*h->ctx_users == 0;
    if (last)
        free(h->ctx_users);
    h->ctx_users = NULL;
    pthread_mutex_unlock(&nt->nodes_lock);
    return last;
}

void fsp_handle_free(struct fsp_handle *h)
{
    pthread_mutex_destroy(&h->list_lock);
    free(h->list);
    free(h->list_off);
    free(h);
}
