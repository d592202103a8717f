/* report_prom.c — placeholder until the prom sink lands (same session). */
#include "report.h"

int tp_report_prom(const tp_run *run, FILE *out)
{
    (void)run; (void)out;
    return -1;
}
