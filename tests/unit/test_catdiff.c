/* test_catdiff.c — catalog diff (added / removed / changed, matched by id, URL, host),
 * tenant placeholders and the direct-only judgement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/catalog.h"
#include "input/catdiff.h"
#include "input/tenant.h"
#include "judge/directonly.h"

static void load(const char *json, tp_catalog *c)
{
    char err[512] = "";
    if (tp_catalog_load_mem(json, strlen(json), "t.json", c, err, sizeof err) != 0)
        fail_msg("%s", err);
}

static const tp_catdiff_pair *pair_of(const tp_catdiff *d, const char *id_a, const char *id_b)
{
    for (size_t i = 0; i < d->n; i++) {
        const tp_catdiff_pair *p = &d->pairs[i];
        if ((id_a ? p->a && !strcmp(p->a->id, id_a) : !p->a) && (id_b ? p->b && !strcmp(p->b->id, id_b) : !p->b))
            return p;
    }
    return NULL;
}

static void test_diff(void **state)
{
    (void)state;
    tp_catalog a, b;
    tp_catdiff d;
    load("{\"name\":\"a\",\"source\":\"s\",\"endpoints\":["
         "{\"id\":\"same\",\"service\":\"maps\",\"url\":\"https://same.example/\"},"
         "{\"id\":\"gw\",\"service\":\"edr\",\"url\":\"https://gw.example/commands/test\",\"geography\":\"US\"},"
         "{\"id\":\"old\",\"service\":\"crl\",\"url\":\"http://old.example/\"},"
         "{\"id\":\"blob\",\"service\":\"submission\",\"url\":\"https://blob.example/\",\"inspection_allowed\":true}]}",
         &a);
    load("{\"name\":\"b\",\"source\":\"s\",\"endpoints\":["
         "{\"id\":\"blob\",\"service\":\"submission\",\"url\":\"https://blob.example/\"},"
         "{\"id\":\"same\",\"service\":\"maps\",\"url\":\"https://same.example/\",\"os\":[]},"
         "{\"id\":\"edr-gw-imported\",\"service\":\"edr\",\"url\":\"https://gw.example/\",\"geography\":\"us\","
         "\"required\":\"optional\"},"
         "{\"id\":\"new\",\"service\":\"smartscreen\",\"url\":\"https://new.example/\"}]}",
         &b);
    assert_int_equal(tp_catdiff_build(&a, &b, &d), 0);
    assert_int_equal(d.added, 1);
    assert_int_equal(d.removed, 1);
    assert_int_equal(d.changed, 2);
    assert_int_equal(d.unchanged, 1);
    assert_non_null(pair_of(&d, NULL, "new"));
    assert_non_null(pair_of(&d, "old", NULL));
    const tp_catdiff_pair *p = pair_of(&d, "blob", "blob");
    assert_non_null(p);
    assert_int_equal(p->n_ch, 1);
    assert_string_equal(p->ch[0].field, "inspection_allowed");
    assert_string_equal(p->ch[0].a, "true");
    /* matched by host when neither id nor URL agree; geography compared case-insensitively */
    p = pair_of(&d, "gw", "edr-gw-imported");
    assert_non_null(p);
    assert_int_equal(p->n_ch, 2);
    assert_string_equal(p->ch[0].field, "url");
    assert_string_equal(p->ch[1].field, "required");
    assert_string_equal(p->ch[1].b, "optional");
    /* both renderings carry the same facts */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(tp_catdiff_print_json(&d, "A", "B", f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"field\":\t\"inspection_allowed\""));
    assert_non_null(strstr(buf, "\"unchanged\":\t1"));
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(tp_catdiff_print_table(&d, "A", "B", f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "added    new"));
    assert_non_null(strstr(buf, "removed  old"));
    assert_non_null(strstr(buf, "required: required -> optional"));
    assert_non_null(strstr(buf, "1 added, 1 removed, 2 changed, 1 unchanged"));
    free(buf);
    tp_catdiff_free(&d);
    tp_catalog_free(&a);
    tp_catalog_free(&b);
}

static void test_tenant(void **state)
{
    (void)state;
    tp_catalog c;
    tp_select sel;
    char err[256];
    load("{\"name\":\"a\",\"source\":\"s\",\"endpoints\":["
         "{\"id\":\"mma\",\"service\":\"mma\",\"url\":\"https://WorkspaceId.ods.opinsights.azure.com/x?y\","
         "\"placeholder\":\"mma_workspace\",\"wildcard\":\"*.ods.opinsights.azure.com\"},"
         "{\"id\":\"plain\",\"service\":\"maps\",\"url\":\"https://a.example/\"}]}",
         &c);
    memset(&sel, 0, sizeof sel);
    assert_non_null(tp_endpoint_unresolved(&c.endpoints[0], &sel));
    assert_null(tp_endpoint_unresolved(&c.endpoints[1], &sel));
    assert_true(tp_workspace_id_ok("0f1e2d3c-aaaa-bbbb-cccc-112233445566"));
    assert_false(tp_workspace_id_ok("a.b"));
    assert_false(tp_workspace_id_ok("-a"));
    assert_false(tp_workspace_id_ok(""));
    sel.mma_workspace = "bad.label"; /* never substituted: validated before */
    assert_int_equal(tp_catalogs_apply_tenant(&c, 1, &sel, err, sizeof err), 0);
    assert_non_null(c.endpoints[0].placeholder);
    sel.mma_workspace = "ABC-123";
    assert_int_equal(tp_catalogs_apply_tenant(&c, 1, &sel, err, sizeof err), 0);
    assert_string_equal(c.endpoints[0].host, "abc-123.ods.opinsights.azure.com");
    assert_string_equal(c.endpoints[0].url, "https://abc-123.ods.opinsights.azure.com/x?y");
    assert_null(c.endpoints[0].placeholder);
    assert_null(tp_endpoint_unresolved(&c.endpoints[0], &sel));
    tp_catalog_free(&c);
}

static void test_direct_only(void **state)
{
    (void)state;
    tp_endpoint e;
    tp_path direct = {.id = "direct", .type = TP_PATH_DIRECT}, proxy = {.id = "p", .type = TP_PATH_HTTP};
    tp_result r[3];
    memset(&e, 0, sizeof e);
    memset(r, 0, sizeof r);
    e.id = "wns";
    e.host = "client.wns.windows.com";
    e.direct_only = true;
    r[0] = (tp_result){.ep = &e, .path = &direct, .used_path = &direct, .status = TP_ST_OK};
    r[1] = (tp_result){.ep = &e, .path = &proxy, .used_path = &proxy, .status = TP_ST_OK};
    r[2] = (tp_result){.ep = &e, .path = &proxy, .used_path = &proxy, .status = TP_ST_FAIL};
    assert_int_equal(tp_judge_direct_only(r, 3), 0);
    assert_int_equal(r[0].status, TP_ST_OK);
    assert_int_equal(r[1].status, TP_ST_WARN);
    assert_int_equal(r[1].error_code, TP_OC_DIRECT_ONLY_VIA_PROXY);
    assert_non_null(strstr(r[1].remediation, "client.wns.windows.com"));
    assert_int_equal(r[2].status, TP_ST_FAIL); /* a failure stays a failure */
    e.direct_only = false;
    r[0].path = r[0].used_path = &proxy;
    assert_int_equal(tp_judge_direct_only(r, 1), 0);
    assert_int_equal(r[0].status, TP_ST_OK);
    free(r[1].error_message);
    free(r[1].remediation);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_tenant),
        cmocka_unit_test(test_direct_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
