/* report.h — the sinks. Each reads a finished run and changes nothing. Everything that
 * came from the network is hostile text: every sink escapes it for its format. No sink
 * ever prints a proxy password or username:password pair. */
#ifndef TLSPATH_REPORT_H
#define TLSPATH_REPORT_H
#include <stdio.h>
#include "core/model.h"

typedef struct tp_table_opts {
    bool color;   /* ANSI colours */
    int width;    /* terminal width; <= 0 means 100 */
    bool details; /* one block per failed or warned probe after the summary (--details) */
} tp_table_opts;

int tp_report_table(const tp_run *run, FILE *out, const tp_table_opts *o);
int tp_report_json(const tp_run *run, FILE *out);     /* the SPEC's contract */
int tp_report_junit(const tp_run *run, FILE *out);
int tp_report_prom(const tp_run *run, FILE *out);
int tp_report_html(const tp_run *run, FILE *out);
/* One \r-rewritten progress line for a terminal. While probing, `failed` counts the
 * network failures seen so far (the line says "so far"); verdicts may add more. */
void tp_report_progress(FILE *out, size_t done, size_t total, size_t failed, double elapsed_s);
/* After probing, while CRLs are fetched and chains judged. */
void tp_report_progress_judging(FILE *out, size_t total, double elapsed_s);
/* The last line, ended with a newline: the final counts, equal to the summary's. */
void tp_report_progress_done(FILE *out, const tp_summary *s, double elapsed_s);
#endif
