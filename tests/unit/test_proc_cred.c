/*
 * test_proc_cred.c - a thread's credentials read from /proc/<pid>/status
 * (kernel/proc_cred.c) agree with what the process itself reports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "kernel/proc_cred.h"

static bool has_group(const struct fsp_proc_cred *cred, gid_t g)
{
    for (size_t i = 0; i < cred->ngroups; i++)
        if (cred->groups[i] == g)
            return true;
    return false;
}

TEST(own_thread)
{
    struct fsp_proc_cred cred;
    CHECK_EQ_INT(fsp_proc_cred_read((uint32_t)gettid(), &cred), 0);
    CHECK_EQ_INT(cred.fsuid, (uint32_t)setfsuid((uid_t)-1)); /* -1 only asks */
    CHECK_EQ_INT(cred.fsgid, (uint32_t)setfsgid((gid_t)-1));
    gid_t list[256];
    int n = getgroups(256, list);
    CHECK(n >= 0);
    CHECK_EQ_INT(cred.ngroups, n);
    for (int i = 0; i < n; i++)
        CHECK(has_group(&cred, list[i]));
    fsp_proc_cred_free(&cred);
    CHECK(cred.groups == NULL && cred.ngroups == 0);
}

TEST(gone_thread)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    CHECK(pid > 0);
    waitpid(pid, NULL, 0);
    struct fsp_proc_cred cred;
    CHECK_EQ_INT(fsp_proc_cred_read((uint32_t)pid, &cred), -ENOENT);
    CHECK(cred.groups == NULL);
}

int main(void)
{
    RUN(own_thread);
    RUN(gone_thread);
    return CHECK_DONE();
}
