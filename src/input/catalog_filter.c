/* catalog_filter.c — which endpoints of the catalogs a run selects. */
#include "input/catalog.h"

#include <strings.h>

/* Microsoft's rule for the standard list is "open every WW row, plus your data
 * location's rows": selecting a geography keeps the worldwide rows. An endpoint with
 * no os or onboarding list applies to every OS or onboarding mode. */
bool tp_endpoint_selected(const tp_endpoint *e, const tp_select *sel)
{
    if (!e)
        return false;
    if (!sel)
        return true;
    if (!sel->include_optional && !e->required)
        return false;
    /* an endpoint without a cloud list serves every cloud (catalogs older than clouds) */
    if (e->clouds.n > 0 && !tp_strlist_has_ci(&e->clouds, sel->cloud && sel->cloud[0] ? sel->cloud : "commercial"))
        return false;
    if (sel->services.n > 0 && !(e->service && tp_strlist_has_ci(&sel->services, e->service)))
        return false;
    if (sel->geography.n > 0) {
        bool ww = !e->geography || strcasecmp(e->geography, "WW") == 0;
        if (!ww && !tp_strlist_has_ci(&sel->geography, e->geography))
            return false;
    }
    if (sel->os && sel->os[0] && e->os.n > 0 && !tp_strlist_has_ci(&e->os, sel->os))
        return false;
    if (sel->onboarding && sel->onboarding[0] && e->onboarding.n > 0 &&
        !tp_strlist_has_ci(&e->onboarding, sel->onboarding))
        return false;
    return true;
}
