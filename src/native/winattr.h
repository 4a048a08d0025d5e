/*
 * winattr.h - Windows metadata as Linux xattrs (ops_winattr.c): the
 * security descriptor as SDDL, the FileAttributes and the CreationTime.
 *
 * ops_xattr.c offers each request to these first. Each returns false when
 * the name is not one of the Windows-metadata names (the request is then
 * the EA code's), true when it has answered the request.
 */
#ifndef FSP_NATIVE_WINATTR_H
#define FSP_NATIVE_WINATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/session.h"

bool fsp_winattr_get(struct fsp_req *req, const char *name, uint32_t size);
bool fsp_winattr_set(struct fsp_req *req, const char *name, const void *value, size_t size,
                     uint32_t flags);
bool fsp_winattr_remove(struct fsp_req *req, const char *name);

#endif /* FSP_NATIVE_WINATTR_H */
