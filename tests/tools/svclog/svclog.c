/*
 * svclog - a service of FSP's service framework that logs:
 * `svclog` or `svclog fail`, stdin not a terminal (so: service mode, and
 * FspServiceLog goes to syslog with the service's name as ident).
 *
 *   svclog       OnStart logs "started" (information) and the service runs;
 *                the first stop request fails in OnStop, which the framework
 *                reports itself (an error); the second stops it, OnStop
 *                logging "stopping" (a warning). Exits 0.
 *   svclog fail  OnStart logs "refusing to start" (an error) and fails with
 *                STATUS_ACCESS_DENIED: exits 13 (EACCES).
 */
#include <stdbool.h>
#include <stdio.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <winfsp/winfsp.h>
#pragma GCC diagnostic pop

static int stops;

static NTSTATUS on_start(FSP_SERVICE *s, ULONG argc, PWSTR *argv)
{
    /* argv[0] is the program; "fail" arrives as UTF-16. */
    bool fail = argc > 1 && argv[1][0] == u'f' && argv[1][1] == u'a' && argv[1][2] == u'i' &&
                argv[1][3] == u'l' && argv[1][4] == 0;
    if (fail) {
        FspServiceLog(EVENTLOG_ERROR_TYPE, "refusing to start");
        return STATUS_ACCESS_DENIED;
    }
    FspServiceLog(EVENTLOG_INFORMATION_TYPE, "started");
    return STATUS_SUCCESS;
}

static NTSTATUS on_stop(FSP_SERVICE *s)
{
    if (stops++ == 0)
        return STATUS_UNSUCCESSFUL; /* the framework logs that it failed */
    FspServiceLog(EVENTLOG_WARNING_TYPE, "stopping");
    return STATUS_SUCCESS;
}

int main(void)
{
    FSP_SERVICE *s;
    NTSTATUS st = FspServiceCreate(u"svclog", on_start, on_stop, NULL, &s);
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "svclog: FspServiceCreate: 0x%08x\n", (unsigned)st);
        return 1;
    }
    st = FspServiceLoop(s);
    ULONG code = FspServiceGetExitCode(s);
    FspServiceDelete(s);
    if (!NT_SUCCESS(st)) {
        fprintf(stderr, "svclog: FspServiceLoop: 0x%08x\n", (unsigned)st);
        return 1;
    }
    return (int)code;
}
