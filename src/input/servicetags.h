/* servicetags.h — Microsoft's Azure service tags file (ServiceTags_Public_*.json, downloaded by
 * the user; docs/paths.md "IP-based rules"), reduced to the tags Defender depends on:
 * MicrosoftDefenderForEndpoint, OneDsCollector and AzureCloud, each with its regional
 * variants ("AzureCloud.eastus"). A firewall that allows by address must contain the
 * prefixes of these tags; each resolved address is reported inside or outside them. */
#ifndef TLSPATH_INPUT_SERVICETAGS_H
#define TLSPATH_INPUT_SERVICETAGS_H
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

#define TP_TAGS_MAX_FILE (64u << 20)

typedef struct tp_tag_prefix {
    uint8_t addr[16];
    uint8_t fam;             /* 4 or 16 */
    uint8_t bits;
    uint32_t tag;            /* index into tags */
} tp_tag_prefix;

typedef struct tp_servicetags {
    char *cloud;             /* "Public", "AzureGovernment", ... */
    long change_number;
    tp_strlist tags;         /* the relevant tag names found */
    tp_tag_prefix *p;
    size_t n;
} tp_servicetags;

/* Loads the relevant tags of a service tags file text. 0, or -1 with err
 * ("FILE: values[3].properties.addressPrefixes[0]: expected ..."). A file without any of
 * the relevant tags is an error too (the wrong file). */
int tp_servicetags_load_mem(const char *text, size_t len, const char *file, tp_servicetags *st,
                            char *err, size_t errlen);
int tp_servicetags_load_file(const char *file, tp_servicetags *st, char *err, size_t errlen);
void tp_servicetags_free(tp_servicetags *st);

/* The tags containing the address literal ip, as "A,B" in out (empty when none or not an
 * address). Returns how many tags matched. */
size_t tp_servicetags_match(const tp_servicetags *st, const char *ip, char *out, size_t outlen);
#endif
