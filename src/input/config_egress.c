/* config_egress.c — how a path really leaves the device (issue 14, docs/paths.md): the
 * names that bypass its proxy ("bypass"), the PAC script of a "pac" path ("pac"), the
 * local address or device it binds ("source", "interface") and the address family it
 * uses ("family"). */
#include "input/config_int.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hostmatch.h"
#include "base/url.h"

#define BYPASS_MAX 256

int cfg_path_copy_egress(tp_path *dst, const tp_path *src)
{
    dst->family = src->family;
    if (tp_strlist_copy(&dst->bypass, &src->bypass) != 0 ||
        (src->pac && !(dst->pac = strdup(src->pac))) ||
        (src->source && !(dst->source = strdup(src->source))) ||
        (src->interface && !(dst->interface = strdup(src->interface))))
        return -1;
    return 0;
}

/* "pac": an http:// URL (fetched through the network, bounded) or a PAC file. */
static int parse_pac(const cfg_ctx *x, const cJSON *v, const char *jp, tp_path *p)
{
    if (!cJSON_IsString(v) || !*v->valuestring)
        return tp_jr_fail_got(&x->jr, jp, "a PAC URL (http://...) or file name", v, false);
    const char *s = v->valuestring;
    if (strncmp(s, "wpad:", 5) == 0) {
        /* WPAD: "wpad:" (the search domains of /etc/resolv.conf) or "wpad:DOMAIN" */
        if (s[5] && !tp_host_is_name(s + 5)) {
            char shown[TP_JR_SHOW_BUF];
            tp_jr_show(s, shown, sizeof shown);
            return tp_jr_fail(&x->jr, jp, "expected \"wpad:\" or \"wpad:DOMAIN\", got %s", shown);
        }
        return cfg_set_str(x, jp, &p->pac, s);
    }
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) {
        char *scheme, *host, *path;
        int port;
        if (strncmp(s, "https://", 8) == 0 || tp_url_parse(s, &scheme, &host, &port, &path) != 0) {
            char shown[TP_JR_SHOW_BUF];
            tp_jr_show(s, shown, sizeof shown);
            return tp_jr_fail(&x->jr, jp, "expected an http:// PAC URL without user-info "
                                          "(https is not fetched), got %s", shown);
        }
        free(scheme), free(host), free(path);
        return cfg_set_str(x, jp, &p->pac, s);
    }
    char *resolved = NULL;
    if (cfg_resolve_file(x, jp, s, &resolved) != 0)
        return -1;
    free(p->pac);
    p->pac = resolved;
    return 0;
}

static int parse_bypass(const cfg_ctx *x, const cJSON *v, const char *jp, tp_path *p)
{
    char ejp[TP_JR_PATH_MAX];
    size_t i = 0;
    if (tp_jr_array(&x->jr, v, jp, "a host pattern (\"*.example.com\", \"<local>\", "
                    "\"10.0.0.0/8\")", false, BYPASS_MAX))
        return -1;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        tp_jr_idx(ejp, sizeof ejp, jp, i);
        if (!cJSON_IsString(it) || !tp_bypass_entry_valid(it->valuestring))
            return tp_jr_fail_got(&x->jr, ejp, "a host pattern (\"*.example.com\", \"<local>\", "
                                  "\"10.0.0.0/8\", \"host:port\")", it, false);
        if (tp_strlist_add(&p->bypass, it->valuestring) != 0)
            return tp_jr_fail(&x->jr, ejp, "out of memory");
    }
    return 0;
}

int cfg_parse_path_egress(const cfg_ctx *x, const cJSON *o, const char *jp, tp_path *p)
{
    char kjp[TP_JR_PATH_MAX];
    const cJSON *v;

    tp_jr_key(kjp, sizeof kjp, jp, "pac");
    v = cJSON_GetObjectItemCaseSensitive(o, "pac");
    if (p->type == TP_PATH_PAC && !v)
        return tp_jr_fail(&x->jr, kjp, "expected a PAC URL or file for a pac path, got nothing");
    if (p->type != TP_PATH_PAC && v)
        return tp_jr_fail(&x->jr, kjp, "expected a pac only on a pac path (\"type\": \"pac\"), "
                                       "got one");
    if (v && parse_pac(x, v, kjp, p))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "bypass"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "bypass");
        if (p->type != TP_PATH_HTTP)
            return tp_jr_fail(&x->jr, kjp, "expected a bypass list only on an http path (a PAC "
                                           "decides by itself), got one");
        if (parse_bypass(x, v, kjp, p))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "source"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "source");
        uint8_t a[16];
        if (!cJSON_IsString(v) || !tp_ip_parse(v->valuestring, a))
            return tp_jr_fail_got(&x->jr, kjp, "a local IPv4 or IPv6 address to bind", v, false);
        if (cfg_set_str(x, kjp, &p->source, v->valuestring))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "interface"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "interface");
        if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) >= IF_NAMESIZE ||
            strpbrk(v->valuestring, "/ \t:") || cfg_has_ctl(v->valuestring))
            return tp_jr_fail_got(&x->jr, kjp, "a network device name such as \"eth1\"", v, false);
        if (cfg_set_str(x, kjp, &p->interface, v->valuestring))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "family"))) {
        static const char *const names[] = {"any", "ipv4", "ipv6", "both"};
        tp_jr_key(kjp, sizeof kjp, jp, "family");
        bool ok = false;
        for (int i = 0; i < 4 && !ok && cJSON_IsString(v); i++)
            if (strcmp(v->valuestring, names[i]) == 0) {
                p->family = (tp_family)i;
                ok = true;
            }
        if (!ok)
            return tp_jr_fail_got(&x->jr, kjp, "\"any\", \"ipv4\", \"ipv6\" or \"both\"", v, false);
    }
    return 0;
}

/* "dns": {"block_pages": [addresses], "expect_public": bool} */
int cfg_parse_dns(const cfg_ctx *x, const cJSON *o, tp_config *c)
{
    static const char *const keys[] = {"block_pages", "expect_public", "service_tags"};
    char ejp[TP_JR_PATH_MAX];
    const cJSON *v;
    size_t i = 0;
    if (tp_jr_object(&x->jr, o, "dns") || tp_jr_check_keys(&x->jr, o, "dns", keys, 3))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "service_tags"))) {
        char *f = NULL;
        if (!cJSON_IsString(v))
            return tp_jr_fail_got(&x->jr, "dns.service_tags", "an Azure service tags file", v, false);
        if (cfg_resolve_file(x, "dns.service_tags", v->valuestring, &f) != 0)
            return -1;
        free(c->dns.service_tags);
        c->dns.service_tags = f;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "expect_public")) &&
        tp_jr_bool(&x->jr, v, "dns.expect_public", &c->dns.expect_public))
        return -1;
    if (!(v = cJSON_GetObjectItemCaseSensitive(o, "block_pages")))
        return 0;
    if (tp_jr_array(&x->jr, v, "dns.block_pages", "an IPv4 or IPv6 address", false, CFG_MAX_ITEMS))
        return -1;
    tp_strlist l = {0};
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        uint8_t a[16];
        tp_jr_idx(ejp, sizeof ejp, "dns.block_pages", i);
        if (!cJSON_IsString(it) || !tp_ip_parse(it->valuestring, a)) {
            tp_strlist_free(&l);
            return tp_jr_fail_got(&x->jr, ejp, "an IPv4 or IPv6 address (a block page)", it, false);
        }
        if (tp_strlist_add(&l, it->valuestring) != 0) {
            tp_strlist_free(&l);
            return tp_jr_fail(&x->jr, ejp, "out of memory");
        }
    }
    tp_strlist_free(&c->dns.block_pages);
    c->dns.block_pages = l;
    return 0;
}
