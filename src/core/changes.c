/* changes.c — names and the destructor of the run-to-run changes (core/changes.h). */
#include "core/changes.h"

#include <stdlib.h>

const char *tp_change_kind_name(tp_change_kind k)
{
    static const char *const names[] = {"newly_failing", "recovered", "changed_cause"};
    return (unsigned)k < TP_CHANGE_KINDS ? names[k] : "changed_cause";
}

void tp_changes_free(tp_changes *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].prev_error_code);
    free(c->v);
    free(c);
}
