/* pending.h - asynchronous completion of native operations (see pending.c). */
#ifndef FSP_NATIVE_PENDING_H
#define FSP_NATIVE_PENDING_H

#include "native.h"

/* A fresh Hint for an operation that may pend. */
uint64_t fsp_pending_hint(void);
/* The file system returned STATUS_PENDING for a Read or Write: detach the
 * request; FspFileSystemSendResponse (or an earlier one) answers it. */
void fsp_pending_park(uint64_t hint, struct fsp_req *req, uint32_t kind, void *buf, ULONG length);
/* Block until the response for hint arrives (ReadDirectory), at most
 * timeout_ms; returns its status and Information. After STATUS_IO_TIMEOUT
 * the file system may still write to the operation's buffer: leak it. */
NTSTATUS fsp_pending_wait(uint64_t hint, uint32_t timeout_ms, ULONG *information);

#endif /* FSP_NATIVE_PENDING_H */
