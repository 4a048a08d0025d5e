/*
 * test_killpriv_rule.c - which of setuid/setgid a write, truncation, O_TRUNC
 * open or chown drops (kernel/killpriv_rule.c), as the VFS decides.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "kernel/killpriv_rule.h"

/* A caller with no thread to ask: only its fsgid counts as membership. */
static const struct fsp_killpriv_caller other = {.uid = 1000, .gid = 1000, .pid = 0};
static const struct fsp_killpriv_caller member = {.uid = 1000, .gid = 4321, .pid = 0};
static const struct fsp_killpriv_caller root = {.uid = 0, .gid = 0, .pid = 0};

TEST(setuid_always_goes)
{
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, 04755, 0, &other), 0755);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_TRUNCATE, 04700, 0, &member), 0700);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_OPEN_TRUNC, 04777, 4321, &member), 0777);
    /* chown drops it even for root */
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_CHOWN, 04755, 0, &root), 0755);
}

TEST(setgid_with_group_exec_goes)
{
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, 06777, 4321, &member), 0777);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_CHOWN, 02775, 0, &root), 0775);
}

TEST(setgid_without_group_exec)
{
    /* Not the caller's group: goes; the caller's group: stays. */
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, 06767, 0, &other), 0767);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, 06767, 4321, &member), 02767);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_TRUNCATE, 02745, 5, &other), 0745);
    /* chown by root (privileged) keeps it, by anyone else not */
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_CHOWN, 06745, 5678, &root), 02745);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_CHOWN, 06745, 5678, &other), 0745);
    /* a privileged writer keeps it through kept() */
    CHECK_EQ_INT(fsp_killpriv_kept(06745, 5678, &other, true), 02745);
}

TEST(privilege_by_event)
{
    CHECK(fsp_killpriv_privileged(FSP_KILLPRIV_CHOWN, &root));
    CHECK(!fsp_killpriv_privileged(FSP_KILLPRIV_CHOWN, &other));
    /* The kernel flags writes and truncations only without CAP_FSETID. */
    CHECK(!fsp_killpriv_privileged(FSP_KILLPRIV_WRITE, &root));
    CHECK(!fsp_killpriv_privileged(FSP_KILLPRIV_TRUNCATE, &root));
    CHECK(!fsp_killpriv_privileged(FSP_KILLPRIV_OPEN_TRUNC, &root));
}

TEST(type_bits)
{
    /* A directory keeps both; a regular file keeps its type bits. */
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_CHOWN, S_IFDIR | 06775, 0, &other),
                 S_IFDIR | 06775);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, S_IFREG | 06777, 0, &other), S_IFREG | 0777);
    CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, 0644, 0, &other), 0644);
}

/* Supplementary groups come from the caller's /proc/PID/status: a child
 * with groups 777 and 778 (needs CAP_SETGID; skipped without it). */
TEST(supplementary_groups)
{
    int ready[2], done[2];
    if (pipe(ready) != 0 || pipe(done) != 0) {
        CHECK(0);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        const gid_t groups[] = {777, 778};
        /* The caller of the request: fs uid 1000 with groups 777 and 778. */
        char ok = setgroups(2, groups) == 0 ? 'y' : 'n';
        setfsuid(1000);
        close(done[1]);
        if (write(ready[1], &ok, 1) != 1)
            _exit(1);
        char c;
        (void)!read(done[0], &c, 1); /* until the parent closes it */
        _exit(0);
    }
    close(ready[1]);
    close(done[0]);
    char ok = 'n';
    if (pid > 0 && read(ready[0], &ok, 1) == 1 && ok == 'y') {
        const struct fsp_killpriv_caller who = {.uid = 1000, .gid = 1000, .pid = (uint32_t)pid};
        CHECK(fsp_killpriv_in_group(&who, 1000));
        CHECK(fsp_killpriv_in_group(&who, 778));
        CHECK(!fsp_killpriv_in_group(&who, 779));
        /* A thread no longer (or never) running as the request's caller: a
         * reused thread id must not lend its groups. */
        const struct fsp_killpriv_caller stranger = {
            .uid = 1001, .gid = 1000, .pid = (uint32_t)pid};
        CHECK(!fsp_killpriv_in_group(&stranger, 778));
        CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, 06767, 777, &who), 02767);
        CHECK_EQ_INT(fsp_killpriv_rule(FSP_KILLPRIV_WRITE, 06767, 77, &who), 0767);
    } else {
        printf("  (no CAP_SETGID: supplementary groups not checked)\n");
    }
    close(done[1]);
    close(ready[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    /* A caller that is gone counts as in no group but its own. */
    const struct fsp_killpriv_caller gone = {.uid = 1000, .gid = 1000, .pid = (uint32_t)pid};
    CHECK(!fsp_killpriv_in_group(&gone, 778));
}

int main(void)
{
    RUN(setuid_always_goes);
    RUN(setgid_with_group_exec_goes);
    RUN(setgid_without_group_exec);
    RUN(privilege_by_event);
    RUN(type_bits);
    RUN(supplementary_groups);
    return CHECK_DONE();
}
