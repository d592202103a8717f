/* report_html.c — placeholder until the html sink lands (same session). */
#include "report.h"

int tp_report_html(const tp_run *run, FILE *out)
{
    (void)run; (void)out;
    return -1;
}
