/* report_table.c — placeholder until the table sink lands (same session). */
#include "report.h"

int tp_report_table(const tp_run *run, FILE *out, const tp_table_opts *o)
{
    (void)run; (void)o;
    fputs("tlspath: table report not implemented yet\n", out);
    return 0;
}

void tp_report_progress(FILE *out, size_t done, size_t total, size_t failed, double elapsed_s)
{
    fprintf(out, "\r[%zu/%zu] %zu failed, %.1fs\033[K", done, total, failed, elapsed_s);
    fflush(out);
}
