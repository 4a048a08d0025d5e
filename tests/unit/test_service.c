/*
 * test_service.c - the service framework run in-process: OnStart/OnStop
 * order and arguments, exit codes (set by the service, or from OnStart's
 * failure), stops by SIGTERM, SIGINT and SIGHUP delivered to the process and
 * by FspServiceStop from another thread, a failing OnStop, refused stops,
 * SIGHUP as PARAMCHANGE in service mode, and FspServiceDetach's exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <winfsp/winfsp.h>

#include "check.h"

static int main_argc;
static char **main_argv;

/* What the callbacks saw, in order: 'S' start, 'P' stop, 'C' control. */
static char events[32];
static size_t nevents;
static ULONG start_argc;
static int argv_ok;
static NTSTATUS start_result, stop_result;
static ULONG stop_exit_code; /* OnStop sets it when non-zero */
static int stop_failures;    /* OnStop fails this many times first */
static ULONG last_control;
static BOOLEAN interactive_in_start;

/* What OnStart's helper thread does once the service runs. */
enum action {
    ACT_NONE,
    ACT_STOP,
    ACT_SIGTERM,
    ACT_SIGINT,
    ACT_SIGHUP,
    ACT_HUP_THEN_STOP,
    ACT_REFUSED_THEN_STOP,
    ACT_STOP_TWICE
};
static enum action action;
static pthread_t helper;
static int helper_started;

static void note(char c)
{
    if (nevents < sizeof events - 1)
        events[nevents++] = c;
}

static void reset(enum action a)
{
    memset(events, 0, sizeof events);
    nevents = 0;
    start_argc = 0;
    argv_ok = 0;
    start_result = STATUS_SUCCESS;
    stop_result = STATUS_SUCCESS;
    stop_exit_code = 0;
    stop_failures = 0;
    last_control = 0;
    action = a;
    helper_started = 0;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *helper_main(void *arg)
{
    FSP_SERVICE *s = arg;
    pause_ms(50); /* let the loop reach its wait */
    switch (action) {
    case ACT_STOP:
        FspServiceStop(s);
        break;
    case ACT_SIGTERM:
        kill(getpid(), SIGTERM);
        break;
    case ACT_SIGINT:
        kill(getpid(), SIGINT);
        break;
    case ACT_SIGHUP:
        kill(getpid(), SIGHUP);
        break;
    case ACT_HUP_THEN_STOP:
        kill(getpid(), SIGHUP);
        pause_ms(100);
        FspServiceStop(s);
        break;
    case ACT_REFUSED_THEN_STOP:
        kill(getpid(), SIGTERM); /* not accepted: ignored */
        pause_ms(100);
        FspServiceAcceptControl(s, SERVICE_ACCEPT_STOP);
        FspServiceStop(s);
        break;
    case ACT_STOP_TWICE: /* OnStop fails the first time */
        FspServiceStop(s);
        pause_ms(100);
        FspServiceStop(s);
        break;
    case ACT_NONE:
        break;
    }
    return NULL;
}

/* Compares the UTF-16 argv with main's (ASCII here). */
static int same_args(ULONG argc, PWSTR *argv)
{
    if ((int)argc != main_argc)
        return 0;
    for (int i = 0; i < main_argc; i++) {
        size_t n = strlen(main_argv[i]);
        for (size_t k = 0; k <= n; k++)
            if (argv[i][k] != (WCHAR)(unsigned char)main_argv[i][k])
                return 0;
    }
    return argv[argc] == NULL;
}

static NTSTATUS on_start(FSP_SERVICE *s, ULONG argc, PWSTR *argv)
{
    note('S');
    start_argc = argc;
    argv_ok = same_args(argc, argv);
    interactive_in_start = FspServiceIsInteractive();
    if (!NT_SUCCESS(start_result))
        return start_result;
    if (action == ACT_REFUSED_THEN_STOP)
        FspServiceAcceptControl(s, 0);
    if (action != ACT_NONE) {
        helper_started = pthread_create(&helper, NULL, helper_main, s) == 0;
        CHECK(helper_started);
    } else
        FspServiceStop(s); /* a stop asked during the start runs right after it */
    return STATUS_SUCCESS;
}

static NTSTATUS on_stop(FSP_SERVICE *s)
{
    note('P');
    if (stop_failures > 0) {
        stop_failures--;
        return STATUS_UNSUCCESSFUL;
    }
    if (stop_exit_code)
        FspServiceSetExitCode(s, stop_exit_code);
    return stop_result;
}

static NTSTATUS on_control(FSP_SERVICE *s, ULONG control, ULONG event_type, PVOID event_data)
{
    note('C');
    last_control = control;
    return STATUS_SUCCESS;
}

static ULONG run(void)
{
    ULONG code = FspServiceRunEx(u"svctest", on_start, on_stop, on_control, NULL);
    if (helper_started)
        pthread_join(helper, NULL);
    return code;
}

TEST(start_then_stop_requested_during_start)
{
    reset(ACT_NONE);
    CHECK_EQ_INT(run(), 0);
    CHECK_EQ_STR(events, "SP");
    CHECK_EQ_INT(start_argc, main_argc);
    CHECK(argv_ok);
    CHECK(interactive_in_start); /* RunEx allows console mode */
}

TEST(stop_from_another_thread)
{
    reset(ACT_STOP);
    CHECK_EQ_INT(run(), 0);
    CHECK_EQ_STR(events, "SP");
}

TEST(sigterm_and_sigint_stop)
{
    reset(ACT_SIGTERM);
    CHECK_EQ_INT(run(), 0);
    CHECK_EQ_STR(events, "SP");
    reset(ACT_SIGINT);
    CHECK_EQ_INT(run(), 0);
    CHECK_EQ_STR(events, "SP");
}

TEST(sighup_stops_in_console_mode)
{
    reset(ACT_SIGHUP);
    CHECK_EQ_INT(run(), 0);
    CHECK_EQ_STR(events, "SP");
    CHECK_EQ_INT(last_control, 0);
}

TEST(exit_code_set_by_the_service)
{
    reset(ACT_STOP);
    stop_exit_code = 42;
    CHECK_EQ_INT(run(), 42);
    CHECK_EQ_STR(events, "SP");
}

TEST(start_failure_gives_errno_exit_code)
{
    reset(ACT_NONE);
    start_result = STATUS_ACCESS_DENIED;
    CHECK_EQ_INT(run(), EACCES);
    CHECK_EQ_STR(events, "S"); /* no OnStop after a failed start */

    reset(ACT_NONE);
    start_result = STATUS_OBJECT_NAME_NOT_FOUND;
    CHECK_EQ_INT(run(), ENOENT);
}

static NTSTATUS on_start_sets_code(FSP_SERVICE *s, ULONG argc, PWSTR *argv)
{
    note('S');
    FspServiceSetExitCode(s, 2);
    return STATUS_INVALID_PARAMETER;
}

TEST(start_failure_keeps_the_services_exit_code)
{
    reset(ACT_NONE);
    CHECK_EQ_INT(FspServiceRunEx(u"svctest", on_start_sets_code, on_stop, NULL, NULL), 2);
    CHECK_EQ_STR(events, "S");
}

TEST(failed_stop_keeps_running)
{
    reset(ACT_STOP_TWICE);
    stop_failures = 1;
    CHECK_EQ_INT(run(), 0);
    CHECK_EQ_STR(events, "SPP");
}

TEST(refused_stop_is_ignored)
{
    reset(ACT_REFUSED_THEN_STOP);
    CHECK_EQ_INT(run(), 0);
    CHECK_EQ_STR(events, "SP");
}

TEST(service_mode_sighup_is_paramchange)
{
    /* Service mode: console mode not allowed and stdin (redirected by
     * main) not a terminal. SIGHUP reaches OnControl, the service runs on. */
    FSP_SERVICE *s;
    reset(ACT_HUP_THEN_STOP);
    CHECK_EQ_INT(FspServiceCreate(u"svctest", on_start, on_stop, on_control, &s), STATUS_SUCCESS);
    FspServiceAcceptControl(s, SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_PARAMCHANGE);
    CHECK_EQ_INT(FspServiceLoop(s), STATUS_SUCCESS);
    if (helper_started)
        pthread_join(helper, NULL);
    CHECK_EQ_INT(FspServiceGetExitCode(s), 0);
    CHECK_EQ_INT(s->ServiceStatus.dwCurrentState, SERVICE_STOPPED);
    FspServiceDelete(s);
    CHECK_EQ_STR(events, "SCP");
    CHECK_EQ_INT(last_control, SERVICE_CONTROL_PARAMCHANGE);
    CHECK(!interactive_in_start);
}

TEST(create_rejects_bad_arguments)
{
    FSP_SERVICE *s = (FSP_SERVICE *)1;
    CHECK_EQ_INT(FspServiceCreate(u"", on_start, on_stop, NULL, &s), STATUS_INVALID_PARAMETER);
    CHECK(s == NULL);
    CHECK_EQ_INT(FspServiceCreate(NULL, on_start, on_stop, NULL, &s), STATUS_INVALID_PARAMETER);
}

static NTSTATUS on_start_detach(FSP_SERVICE *s, ULONG argc, PWSTR *argv)
{
    if (!NT_SUCCESS(FspServiceDetach(s)))
        return STATUS_UNSUCCESSFUL;
    if (!NT_SUCCESS(start_result)) {
        FspServiceSetExitCode(s, 9);
        return start_result;
    }
    FspServiceStop(s);
    return STATUS_SUCCESS;
}

/* The exit status of a process that runs a detaching service. */
static int detached_run_status(NTSTATUS result)
{
    pid_t pid = fork();
    if (pid == 0) {
        start_result = result;
        _exit((int)FspServiceRunEx(u"svctest", on_start_detach, NULL, NULL, NULL));
    }
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(detach_reports_the_start_result)
{
    CHECK_EQ_INT(detached_run_status(STATUS_SUCCESS), 0);
    CHECK_EQ_INT(detached_run_status(STATUS_ACCESS_DENIED), 9);
    /* Outside OnStart it refuses. */
    FSP_SERVICE *s;
    CHECK_EQ_INT(FspServiceCreate(u"svctest", on_start, on_stop, NULL, &s), STATUS_SUCCESS);
    CHECK_EQ_INT(FspServiceDetach(s), STATUS_UNSUCCESSFUL);
    FspServiceDelete(s);
}

int main(int argc, char **argv)
{
    main_argc = argc;
    main_argv = argv;
    alarm(60); /* a lost stop must fail the test, not hang it */
    /* A terminal on stdin would make every run interactive. */
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
    RUN(start_then_stop_requested_during_start);
    RUN(stop_from_another_thread);
    RUN(sigterm_and_sigint_stop);
    RUN(sighup_stops_in_console_mode);
    RUN(exit_code_set_by_the_service);
    RUN(start_failure_gives_errno_exit_code);
    RUN(start_failure_keeps_the_services_exit_code);
    RUN(failed_stop_keeps_running);
    RUN(refused_stop_is_ignored);
    RUN(service_mode_sighup_is_paramchange);
    RUN(create_rejects_bad_arguments);
    RUN(detach_reports_the_start_result);
    return CHECK_DONE();
}
