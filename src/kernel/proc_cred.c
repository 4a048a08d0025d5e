/*
 * proc_cred.c - reading a thread's credentials from /proc (proc_cred.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/proc_cred.h"

/* Up to max decimal ids separated by blanks; returns how many were read
 * (fewer at the line's end or at anything that is not an id). */
static size_t parse_ids(const char *s, uint32_t *ids, size_t max)
{
    size_t n = 0;
    while (n < max) {
        char *end;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s < '0' || *s > '9')
            break;
        unsigned long v = strtoul(s, &end, 10);
        if (v > UINT32_MAX)
            break;
        ids[n++] = (uint32_t)v;
        s = end;
    }
    return n;
}

int fsp_proc_cred_read(uint32_t pid, struct fsp_proc_cred *cred)
{
    char path[64], *line = NULL;
    size_t cap = 0;
    uint32_t ids[4];
    bool uid_ok = false, gid_ok = false, groups_ok = false;
    int err = 0;

    memset(cred, 0, sizeof *cred);
    snprintf(path, sizeof path, "/proc/%u/status", (unsigned)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    /* getline, as the Groups: line of a thread in many groups is long. */
    while (!err && getline(&line, &cap, f) > 0) {
        if (!strncmp(line, "Uid:", 4) && parse_ids(line + 4, ids, 4) == 4) {
            cred->fsuid = ids[3];
            uid_ok = true;
        } else if (!strncmp(line, "Gid:", 4) && parse_ids(line + 4, ids, 4) == 4) {
            cred->fsgid = ids[3];
            gid_ok = true;
        } else if (!strncmp(line, "Groups:", 7) && !groups_ok) {
            size_t max = (strlen(line) + 1) / 2; /* at most one id per two characters */
            cred->groups = malloc((max ? max : 1) * sizeof *cred->groups);
            if (!cred->groups)
                err = -ENOMEM;
            else
                cred->ngroups = parse_ids(line + 7, cred->groups, max);
            groups_ok = true;
        }
    }
    free(line);
    fclose(f);
    if (!err && !(uid_ok && gid_ok && groups_ok))
        err = -EIO;
    if (err)
        fsp_proc_cred_free(cred);
    return err;
}

void fsp_proc_cred_free(struct fsp_proc_cred *cred)
{
    free(cred->groups);
    cred->groups = NULL;
    cred->ngroups = 0;
}
