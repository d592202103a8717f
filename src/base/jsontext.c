/* jsontext.c — see jsontext.h. */
#include "base/jsontext.h"

#include <string.h>

size_t tp_json_nul_line(const char *text, size_t len, bool *raw)
{
    size_t line = 1;
    *raw = false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line++;
        } else if (text[i] == '\0') {
            *raw = true;
            return line;
        } else if (text[i] == '\\' && i + 1 < len) {
            if ((text[i + 1] == 'u' || text[i + 1] == 'U') && i + 5 < len &&
                memcmp(text + i + 2, "0000", 4) == 0)
                return line;
            i++; /* the escaped character */
        }
    }
    return 0;
}
