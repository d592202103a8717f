/* report_junit.c — placeholder until the junit sink lands (same session). */
#include "report.h"

int tp_report_junit(const tp_run *run, FILE *out)
{
    (void)run; (void)out;
    return -1;
}
