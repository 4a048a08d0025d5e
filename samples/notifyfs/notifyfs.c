/*
 * notifyfs - a native-API file system whose contents change by themselves,
 * and which tells the kernel so (FspFileSystemNotifyBegin/Notify/End).
 *
 * The volume is read-only through the mount and caches everything for ever
 * (FileInfoTimeout INFINITE): without notifications, a reader would keep
 * seeing what the kernel first looked up. Changes come from a control FIFO,
 * one command per line, as if a remote side or a sync engine made them:
 *
 *   write PATH TEXT     create the file PATH, or replace its contents
 *   mkdir PATH          create a directory
 *   delete PATH         remove a file or an empty directory
 *   rename OLD NEW      rename (replacing a file at NEW)
 *   count PATH          create the file PATH holding the number of reads of
 *                       other files; each Read callback updates it and
 *                       notifies from inside the callback (a dispatcher
 *                       thread: FSP sends that notification from a helper
 *                       thread, so it arrives shortly after, not at once)
 *
 * PATH is "/dir/file" (relative to the volume root). After each command
 * notifyfs prints "done N" (N counts commands) or "error N: why" on stdout;
 * when it prints "done", the kernel has seen the notification.
 *
 *   notifyfs -m MOUNTPOINT -c FIFO [-n] [-w]
 *     -n  make the changes without notifying (stale caches, on purpose)
 *     -w  let files be renamed through the mount too (everything else
 *         stays read-only), so renames race with notifications
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <winfsp/winfsp.h>

/* One file or directory; entries are never freed while mounted, so an open
 * context stays valid after its entry is deleted (it is only marked gone). */
struct entry {
    struct entry *next;
    WCHAR *path; /* "\dir\file"; the root is "\" */
    size_t pathlen;
    bool dir, gone;
    char *data;
    size_t size;
    UINT64 index, mtime;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;     /* the table */
static pthread_mutex_t cmd_lock = PTHREAD_MUTEX_INITIALIZER; /* a command in progress */
static struct entry *entries;
static UINT64 next_index = 1;
static PSECURITY_DESCRIPTOR dir_sd, file_sd;
static FSP_FILE_SYSTEM *notify_fs;
static bool notify_off;
static bool renames_allowed;
static struct entry *counter; /* the "count" file, if any */
static unsigned long reads;

static void notify(const WCHAR *path, size_t len, UINT32 filter, UINT32 action, const WCHAR *path2,
                   size_t len2);

static UINT64 now_filetime(void)
{
    struct timespec ts;
    UINT64 ft;
    clock_gettime(CLOCK_REALTIME, &ts);
    FspPosixUnixTimeToFileTime(&ts, &ft);
    return ft;
}

static size_t wlen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* Caller holds lock. */
static struct entry *find(const WCHAR *path, size_t len)
{
    for (struct entry *e = entries; e; e = e->next)
        if (!e->gone && e->pathlen == len && !memcmp(e->path, path, len * sizeof(WCHAR)))
            return e;
    return NULL;
}

/* Length of the parent's path ("\a\b" -> 2, "\a" -> 1 for the root "\"). */
static size_t parent_len(const WCHAR *path, size_t len)
{
    size_t i = len;
    while (i > 0 && path[i - 1] != u'\\')
        i--;
    return i > 1 ? i - 1 : 1;
}

static struct entry *add(const WCHAR *path, size_t len, bool dir)
{
    struct entry *e = calloc(1, sizeof *e);
    if (!e || !(e->path = malloc((len + 1) * sizeof(WCHAR)))) {
        free(e);
        return NULL;
    }
    memcpy(e->path, path, len * sizeof(WCHAR));
    e->path[len] = 0;
    e->pathlen = len;
    e->dir = dir;
    e->index = next_index++;
    e->mtime = now_filetime();
    e->next = entries;
    entries = e;
    return e;
}

static void fill_info(const struct entry *e, FSP_FSCTL_FILE_INFO *info)
{
    memset(info, 0, sizeof *info);
    info->FileAttributes = e->dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
    info->FileSize = e->size;
    info->AllocationSize = (e->size + 511) / 512 * 512;
    info->CreationTime = info->LastAccessTime = info->LastWriteTime = info->ChangeTime = e->mtime;
    info->IndexNumber = e->index;
}

/* A directory's or a file's descriptor into sd (*sdsize bytes), or the size
 * it needs. */
static NTSTATUS copy_sd(bool dir, PSECURITY_DESCRIPTOR sd, SIZE_T *sdsize)
{
    PSECURITY_DESCRIPTOR mine = dir ? dir_sd : file_sd;
    SIZE_T need = GetSecurityDescriptorLength(mine);
    if (*sdsize < need) {
        *sdsize = need;
        return STATUS_BUFFER_OVERFLOW;
    }
    *sdsize = need;
    if (sd)
        memcpy(sd, mine, need);
    return STATUS_SUCCESS;
}

/* --- The interface ----------------------------------------------------- */

static NTSTATUS GetVolumeInfo(FSP_FILE_SYSTEM *fs, FSP_FSCTL_VOLUME_INFO *vi)
{
    memset(vi, 0, sizeof *vi);
    return STATUS_SUCCESS;
}

static NTSTATUS GetSecurityByName(FSP_FILE_SYSTEM *fs, PWSTR name, PUINT32 attrs,
                                  PSECURITY_DESCRIPTOR sd, SIZE_T *sdsize)
{
    pthread_mutex_lock(&lock);
    struct entry *e = find(name, wlen(name));
    bool dir = e && e->dir;
    pthread_mutex_unlock(&lock);
    if (!e)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (attrs)
        *attrs = dir ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
    return sdsize ? copy_sd(dir, sd, sdsize) : STATUS_SUCCESS;
}

static NTSTATUS GetSecurity(FSP_FILE_SYSTEM *fs, PVOID ctx, PSECURITY_DESCRIPTOR sd, SIZE_T *sdsize)
{
    struct entry *e = ctx;
    return copy_sd(e->dir, sd, sdsize);
}

static NTSTATUS Create(FSP_FILE_SYSTEM *fs, PWSTR name, UINT32 options, UINT32 access, UINT32 attrs,
                       PSECURITY_DESCRIPTOR sd, UINT64 size, PVOID *ctx, FSP_FSCTL_FILE_INFO *info)
{
    return STATUS_MEDIA_WRITE_PROTECTED;
}

static NTSTATUS Open(FSP_FILE_SYSTEM *fs, PWSTR name, UINT32 options, UINT32 access, PVOID *ctx,
                     FSP_FSCTL_FILE_INFO *info)
{
    pthread_mutex_lock(&lock);
    struct entry *e = find(name, wlen(name));
    if (e)
        fill_info(e, info);
    pthread_mutex_unlock(&lock);
    if (!e)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    *ctx = e;
    return STATUS_SUCCESS;
}

static NTSTATUS Overwrite(FSP_FILE_SYSTEM *fs, PVOID ctx, UINT32 attrs, BOOLEAN replace,
                          UINT64 size, FSP_FSCTL_FILE_INFO *info)
{
    return STATUS_MEDIA_WRITE_PROTECTED;
}

static VOID Close(FSP_FILE_SYSTEM *fs, PVOID ctx)
{
}

/* Only renames change anything through the mount (with -w). */
static NTSTATUS CanDelete(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR name)
{
    return STATUS_MEDIA_WRITE_PROTECTED;
}

static NTSTATUS Rename(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR name, PWSTR newname, BOOLEAN replace)
{
    struct entry *e = ctx;
    size_t len = wlen(newname);
    NTSTATUS st = STATUS_SUCCESS;
    WCHAR *copy = malloc((len + 1) * sizeof(WCHAR));
    if (!copy)
        return STATUS_INSUFFICIENT_RESOURCES;
    memcpy(copy, newname, (len + 1) * sizeof(WCHAR));
    pthread_mutex_lock(&lock);
    struct entry *target = find(newname, len), *parent = find(newname, parent_len(newname, len));
    if (e->dir || e->gone || !parent || !parent->dir)
        st = STATUS_ACCESS_DENIED; /* files only */
    else if (target && target != e && (!replace || target->dir))
        st = target->dir ? STATUS_ACCESS_DENIED : STATUS_OBJECT_NAME_COLLISION;
    else {
        if (target && target != e)
            target->gone = true;
        free(e->path);
        e->path = copy;
        e->pathlen = len;
        copy = NULL;
    }
    pthread_mutex_unlock(&lock);
    free(copy);
    return st;
}

static NTSTATUS Read(FSP_FILE_SYSTEM *fs, PVOID ctx, PVOID buf, UINT64 offset, ULONG length,
                     PULONG bytes)
{
    struct entry *e = ctx;
    NTSTATUS st = STATUS_SUCCESS;
    pthread_mutex_lock(&lock);
    if (offset >= e->size)
        st = STATUS_END_OF_FILE;
    else {
        if (length > e->size - offset)
            length = (ULONG)(e->size - offset);
        memcpy(buf, e->data + offset, length);
        *bytes = length;
    }
    /* Count the read in the counter file and say so, from right here. */
    WCHAR path[1024];
    size_t len = 0;
    char text[32];
    if (counter && e != counter && (len = counter->pathlen) < 1024) {
        snprintf(text, sizeof text, "%lu", ++reads);
        char *data = strdup(text);
        if (data) {
            free(counter->data);
            counter->data = data;
            counter->size = strlen(data);
            counter->mtime = now_filetime();
        }
        memcpy(path, counter->path, len * sizeof(WCHAR));
    }
    pthread_mutex_unlock(&lock);
    if (len)
        notify(path, len, FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE,
               FILE_ACTION_MODIFIED, NULL, 0);
    return st;
}

static NTSTATUS GetFileInfo(FSP_FILE_SYSTEM *fs, PVOID ctx, FSP_FSCTL_FILE_INFO *info)
{
    pthread_mutex_lock(&lock);
    fill_info(ctx, info);
    pthread_mutex_unlock(&lock);
    return STATUS_SUCCESS;
}

static int name_cmp(const void *a, const void *b)
{
    const FSP_FSCTL_DIR_INFO *x = *(FSP_FSCTL_DIR_INFO *const *)a;
    const FSP_FSCTL_DIR_INFO *y = *(FSP_FSCTL_DIR_INFO *const *)b;
    size_t xn = (x->Size - sizeof *x) / 2, yn = (y->Size - sizeof *y) / 2;
    for (size_t i = 0; i < xn && i < yn; i++)
        if (x->FileNameBuf[i] != y->FileNameBuf[i])
            return x->FileNameBuf[i] < y->FileNameBuf[i] ? -1 : 1;
    return xn < yn ? -1 : xn > yn;
}

/* The children of a directory, through a directory buffer (sorted, served
 * after Marker). */
static NTSTATUS ReadDirectory(FSP_FILE_SYSTEM *fs, PVOID ctx, PWSTR pattern, PWSTR marker,
                              PVOID buf, ULONG length, PULONG bytes)
{
    struct entry *dir = ctx;
    size_t count = 0, cap = 0;
    FSP_FSCTL_DIR_INFO **list = NULL;
    NTSTATUS st = STATUS_SUCCESS;

    pthread_mutex_lock(&lock);
    for (struct entry *e = entries; e; e = e->next) {
        if (e->gone || e == dir || e->pathlen <= 1 ||
            parent_len(e->path, e->pathlen) != dir->pathlen ||
            memcmp(e->path, dir->path, dir->pathlen * sizeof(WCHAR)))
            continue;
        size_t start = dir->pathlen == 1 ? 1 : dir->pathlen + 1, n = e->pathlen - start;
        FSP_FSCTL_DIR_INFO *di = calloc(1, sizeof *di + n * sizeof(WCHAR));
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            FSP_FSCTL_DIR_INFO **l = realloc(list, cap * sizeof *l);
            if (l)
                list = l;
            else
                cap = 0;
        }
        if (!di || !cap) {
            free(di);
            st = STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
        di->Size = (UINT16)(sizeof *di + n * sizeof(WCHAR));
        fill_info(e, &di->FileInfo);
        memcpy(di->FileNameBuf, e->path + start, n * sizeof(WCHAR));
        list[count++] = di;
    }
    pthread_mutex_unlock(&lock);

    if (NT_SUCCESS(st)) {
        if (count)
            qsort(list, count, sizeof *list, name_cmp);
        *bytes = 0;
        size_t i = 0;
        if (marker) {
            FSP_FSCTL_DIR_INFO *m = calloc(1, sizeof *m + wlen(marker) * sizeof(WCHAR));
            if (m) {
                m->Size = (UINT16)(sizeof *m + wlen(marker) * sizeof(WCHAR));
                memcpy(m->FileNameBuf, marker, wlen(marker) * sizeof(WCHAR));
                while (i < count && name_cmp(&list[i], &m) <= 0)
                    i++;
                free(m);
            }
        }
        bool full = false;
        for (; i < count && !full; i++)
            full = !FspFileSystemAddDirInfo(list[i], buf, length, bytes);
        if (!full)
            FspFileSystemAddDirInfo(NULL, buf, length, bytes);
    }
    for (size_t i = 0; i < count; i++)
        free(list[i]);
    free(list);
    return st;
}

/* The dispatcher ended. Not normally means the volume was unmounted from
 * outside: nothing is left to serve, so the service stops (what WinFsp's
 * FspFileSystemStopServiceIfNecessary does); normally, SvcStop stopped it. */
static VOID DispatcherStopped(FSP_FILE_SYSTEM *fs, BOOLEAN normally)
{
    if (!normally)
        FspServiceStop(fs->UserContext);
}

static FSP_FILE_SYSTEM_INTERFACE notifyfs_interface = {
    .GetVolumeInfo = GetVolumeInfo,
    .GetSecurityByName = GetSecurityByName,
    .Create = Create,
    .Open = Open,
    .Overwrite = Overwrite,
    .Close = Close,
    .CanDelete = CanDelete,
    .Rename = Rename,
    .Read = Read,
    .GetFileInfo = GetFileInfo,
    .GetSecurity = GetSecurity,
    .ReadDirectory = ReadDirectory,
    .DispatcherStopped = DispatcherStopped,
};

/* --- Changes from the control FIFO --------------------------------------- */

/* Report one change: a record per name, sent between Begin and End. */
static void notify(const WCHAR *path, size_t len, UINT32 filter, UINT32 action, const WCHAR *path2,
                   size_t len2)
{
    union {
        FSP_FSCTL_NOTIFY_INFO info;
        UINT8 space[sizeof(FSP_FSCTL_NOTIFY_INFO) + 1024 * sizeof(WCHAR)];
    } rec;
    _Alignas(8) UINT8 buf[2 * sizeof rec];
    ULONG size = 0;

    if (notify_off)
        return;
    rec.info.Size = (UINT16)(sizeof rec.info + len * sizeof(WCHAR));
    rec.info.Filter = filter;
    rec.info.Action = action;
    memcpy(rec.info.FileNameBuf, path, len * sizeof(WCHAR));
    FspFileSystemAddNotifyInfo(&rec.info, buf, sizeof buf, &size);
    if (path2) {
        rec.info.Size = (UINT16)(sizeof rec.info + len2 * sizeof(WCHAR));
        rec.info.Action = FILE_ACTION_RENAMED_NEW_NAME;
        memcpy(rec.info.FileNameBuf, path2, len2 * sizeof(WCHAR));
        FspFileSystemAddNotifyInfo(&rec.info, buf, sizeof buf, &size);
    }
    FspFileSystemNotify(notify_fs, (FSP_FSCTL_NOTIFY_INFO *)buf, size);
}

static const char *run(char *line)
{
    char *cmd = strtok(line, " \n"), *arg = strtok(NULL, " \n"), *rest = strtok(NULL, "\n");
    PWSTR path = NULL, path2 = NULL;
    const char *err = NULL;

    if (!cmd || !arg || arg[0] != '/' || strlen(arg) > 1000)
        return "bad command";
    if (!NT_SUCCESS(FspPosixMapPosixToWindowsPath(arg, &path)))
        return "bad path";
    size_t len = wlen(path), len2 = 0;
    UINT32 filter = 0, action = 0;

    /* Keep renames through the mount off our names while we change them
     * (not needed on this read-only volume, but the pattern is the same). */
    while (FspFileSystemNotifyBegin(notify_fs, 1000) == STATUS_CANT_WAIT)
        ;
    pthread_mutex_lock(&lock);
    struct entry *e = find(path, len), *parent = find(path, parent_len(path, len));
    if (!parent || !parent->dir)
        err = "no such directory";
    else if (!strcmp(cmd, "write")) {
        const char *text = rest ? rest : "";
        char *data = strdup(text);
        if (e && e->dir)
            err = "is a directory";
        else if (!data || (!e && !(e = add(path, len, false)))) {
            free(data);
            err = "out of memory";
        } else {
            action = e->data ? FILE_ACTION_MODIFIED : FILE_ACTION_ADDED;
            filter = e->data ? FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE
                             : FILE_NOTIFY_CHANGE_FILE_NAME;
            free(e->data);
            e->data = data;
            e->size = strlen(data);
            e->mtime = now_filetime();
        }
    } else if (!strcmp(cmd, "count")) {
        if (e || counter)
            err = "exists";
        else if (!(e = add(path, len, false)) || !(e->data = strdup("0")))
            err = "out of memory";
        else {
            e->size = 1;
            counter = e;
        }
        action = FILE_ACTION_ADDED;
        filter = FILE_NOTIFY_CHANGE_FILE_NAME;
    } else if (!strcmp(cmd, "mkdir")) {
        if (e)
            err = "exists";
        else if (!add(path, len, true))
            err = "out of memory";
        action = FILE_ACTION_ADDED;
        filter = FILE_NOTIFY_CHANGE_DIR_NAME;
    } else if (!strcmp(cmd, "delete")) {
        if (!e || e == parent)
            err = "no such file";
        else {
            for (struct entry *c = entries; c; c = c->next)
                if (!c->gone && c != e && parent_len(c->path, c->pathlen) == len &&
                    !memcmp(c->path, path, len * sizeof(WCHAR)))
                    err = "directory not empty";
            if (!err)
                e->gone = true;
        }
        action = FILE_ACTION_REMOVED;
        filter = e && e->dir ? FILE_NOTIFY_CHANGE_DIR_NAME : FILE_NOTIFY_CHANGE_FILE_NAME;
    } else if (!strcmp(cmd, "rename")) {
        if (!e || e->dir || !rest || rest[0] != '/' ||
            !NT_SUCCESS(FspPosixMapPosixToWindowsPath(rest, &path2)))
            err = "bad rename (files only)";
        else {
            len2 = wlen(path2);
            struct entry *target = find(path2, len2), *p2 = find(path2, parent_len(path2, len2));
            WCHAR *copy = malloc((len2 + 1) * sizeof(WCHAR));
            if (!p2 || !p2->dir || (target && target->dir) || !copy) {
                free(copy);
                err = "bad rename target";
            } else {
                if (target)
                    target->gone = true;
                memcpy(copy, path2, (len2 + 1) * sizeof(WCHAR));
                free(e->path);
                e->path = copy;
                e->pathlen = len2;
            }
        }
        action = FILE_ACTION_RENAMED_OLD_NAME;
        filter = FILE_NOTIFY_CHANGE_FILE_NAME;
    } else
        err = "unknown command";
    pthread_mutex_unlock(&lock);
    if (!err)
        notify(path, len, filter, action, path2, len2);
    FspFileSystemNotifyEnd(notify_fs);
    FspPosixDeletePath(path);
    FspPosixDeletePath(path2);
    return err;
}

static void *control_thread(void *arg)
{
    FILE *f = arg;
    char line[4096];
    for (unsigned n = 1; fgets(line, sizeof line, f); n++) {
        pthread_mutex_lock(&cmd_lock);
        const char *err = run(line);
        if (err)
            printf("error %u: %s\n", n, err);
        else
            printf("done %u\n", n);
        fflush(stdout);
        pthread_mutex_unlock(&cmd_lock);
    }
    return NULL;
}

/* --- Bringing it up: a service ------------------------------------------ */

/*
 * notifyfs is a service of the service framework (FspServiceRun), as
 * WinFsp's samples are: SvcStart reads the command line, creates, mounts and
 * starts the volume and the control thread; SIGINT, SIGTERM or SIGHUP make
 * the framework call SvcStop. The control thread lives until exit: it may
 * sit in read() for ever.
 */

/* The command line as getopt("m:c:nw") reads it ("-nw", "-mDIR" too), from
 * the UTF-16 argv a service gets (argv[0] included). FALSE: a usage error. */
static bool parse_args(ULONG argc, PWSTR *argv, PWSTR *mount, PWSTR *fifo)
{
    for (ULONG i = 1; i < argc; i++) {
        PWSTR arg = argv[i];
        if (arg[0] != u'-' || !arg[1])
            return false;
        for (size_t k = 1; arg[k]; k++) {
            if (arg[k] == u'n')
                notify_off = true;
            else if (arg[k] == u'w')
                renames_allowed = true;
            else if (arg[k] == u'm' || arg[k] == u'c') {
                PWSTR *value = arg[k] == u'm' ? mount : fifo;
                if (arg[k + 1])
                    *value = arg + k + 1; /* "-mDIR" */
                else if (i + 1 < argc)
                    *value = argv[++i];
                else
                    return false;
                break;
            } else
                return false;
        }
    }
    return *mount && *fifo;
}

/* The control FIFO, open for reading and writing: it then never reports
 * end-of-file when a writer closes, so commands can come from many
 * `echo ... >FIFO`. NULL (reported) when it cannot be opened. */
static FILE *open_control(PWSTR fifo)
{
    char *path = NULL;
    FspPosixMapWindowsToPosixPathEx(fifo, &path, FALSE); /* back to the Linux name */
    int fd = path ? open(path, O_RDWR) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "%s: %s", path ? path : "FIFO",
                      strerror(path ? errno : ENOMEM));
        if (fd >= 0)
            close(fd);
    }
    FspPosixDeletePath(path);
    return f;
}

static void teardown(void)
{
    if (notify_fs)
        FspFileSystemDelete(notify_fs); /* also undoes the mount */
    notify_fs = NULL;
    FspDeleteSecurityDescriptor(dir_sd, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
    FspDeleteSecurityDescriptor(file_sd, (NTSTATUS(*)())FspPosixMapPermissionsToSecurityDescriptor);
    dir_sd = file_sd = NULL;
}

static NTSTATUS SvcStart(FSP_SERVICE *service, ULONG argc, PWSTR *argv)
{
    PWSTR mount = NULL, fifo = NULL;
    if (!parse_args(argc, argv, &mount, &fifo)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "usage: notifyfs -m MOUNTPOINT -c FIFO [-n] [-w]");
        FspServiceSetExitCode(service, 2);
        return STATUS_INVALID_PARAMETER;
    }
    FspServiceSetExitCode(service, 1); /* any failure from here on; 0 once started */
    FILE *ctl = open_control(fifo);
    if (!ctl)
        return STATUS_UNSUCCESSFUL;
    if (!NT_SUCCESS(FspPosixMapPermissionsToSecurityDescriptor(
            getuid(), getgid(), renames_allowed ? 0755 : 0555, &dir_sd)) ||
        !NT_SUCCESS(
            FspPosixMapPermissionsToSecurityDescriptor(getuid(), getgid(), 0444, &file_sd)) ||
        !add(u"\\", 1, true)) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "out of memory");
        teardown();
        fclose(ctl);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    FSP_FSCTL_VOLUME_PARAMS vp;
    memset(&vp, 0, sizeof vp);
    vp.SectorSize = 512;
    vp.SectorsPerAllocationUnit = 1;
    vp.MaxComponentLength = 255;
    vp.FileInfoTimeout = INFINITE; /* the kernel keeps everything until told */
    vp.CaseSensitiveSearch = 1;
    vp.CasePreservedNames = 1;
    vp.UnicodeOnDisk = 1;
    vp.PersistentAcls = 1;
    vp.ReadOnlyVolume = !renames_allowed;
    memcpy(vp.FileSystemName, u"notifyfs", 8 * sizeof(WCHAR));

    NTSTATUS st =
        FspFileSystemCreate(FSP_FSCTL_DISK_DEVICE_NAME, &vp, &notifyfs_interface, &notify_fs);
    if (NT_SUCCESS(st)) {
        notify_fs->UserContext = service;                  /* for DispatcherStopped */
        st = FspFileSystemSetMountPoint(notify_fs, mount); /* reads '/' as '\\' */
    }
    if (NT_SUCCESS(st))
        st = FspFileSystemStartDispatcher(notify_fs, 0);
    if (!NT_SUCCESS(st)) {
        char *mountpoint = NULL;
        FspPosixMapWindowsToPosixPathEx(mount, &mountpoint, FALSE);
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot mount on %s (status 0x%08x)",
                      mountpoint ? mountpoint : "?", (unsigned)st);
        FspPosixDeletePath(mountpoint);
    }
    if (NT_SUCCESS(st)) {
        pthread_t ctl_thread;
        if (pthread_create(&ctl_thread, NULL, control_thread, ctl) == 0) {
            pthread_detach(ctl_thread);
            FspServiceSetExitCode(service, 0);
            return STATUS_SUCCESS;
        }
        FspServiceLog(EVENTLOG_ERROR_TYPE, "cannot start the control thread");
        st = STATUS_INSUFFICIENT_RESOURCES;
    }
    teardown(); /* stops the dispatcher first, if it runs */
    fclose(ctl);
    return st;
}

static NTSTATUS SvcStop(FSP_SERVICE *service)
{
    FspFileSystemStopDispatcher(notify_fs); /* unmounts; DispatcherStopped(TRUE) */
    /* A command in progress finishes first, and no new one starts
     * notifying a deleted file system: the lock stays held until exit. */
    pthread_mutex_lock(&cmd_lock);
    teardown();
    return STATUS_SUCCESS;
}

int main(void)
{
    /* Runs until stopped, or until the volume is unmounted from outside;
     * returns the exit status (0 when stopped). */
    return (int)FspServiceRun(u"notifyfs", SvcStart, SvcStop, NULL);
}
