/* fixture_endpoint.h — one hand-made catalog endpoint for the tests and benchmarks that build
 * results without a catalog file: "SCHEME://HOST:PORT/PATH", GET, required, expecting one
 * status (0: none). Every string is the endpoint's own (freed by tp_endpoint_free or the
 * owner's teardown); id is taken over. */
#ifndef TLSPATH_FIXTURE_ENDPOINT_H
#define TLSPATH_FIXTURE_ENDPOINT_H
#include <string.h>

#include "base/str.h"
#include "core/model.h"

static inline void tfx_endpoint(tp_endpoint *e, char *id, const char *scheme, const char *host, int port,
                                const char *path, int expect)
{
    memset(e, 0, sizeof *e);
    e->id = id;
    e->url = tp_asprintf("%s://%s:%d%s", scheme, host, port, path);
    e->scheme = tp_strdup(scheme);
    e->host = tp_strdup(host);
    e->port = port;
    e->path = tp_strdup(path);
    e->method = tp_strdup("GET");
    e->required = true;
    if (expect) {
        e->expect_status[0] = expect;
        e->n_expect_status = 1;
    }
}
#endif
