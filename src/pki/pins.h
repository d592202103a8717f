/* pins.h — built-in pin sets (SPKI SHA-256 of the roots/intermediates Microsoft's
 * endpoints chain to) and the "sha256/<base64>" pin syntax. */
#ifndef TLSPATH_PINS_H
#define TLSPATH_PINS_H
#include "core/model.h"

/* Appends the built-in sets (at least "microsoft") to *sets. Returns 0 or -1. */
int tp_pins_builtin(tp_pinset **sets, size_t *n);
/* "sha256/<base64 of 32 bytes>" -> out. Returns 0 or -1. */
int tp_pin_parse(const char *s, uint8_t out[32]);
/* out must hold 45 bytes: base64 of the 32-byte hash, NUL-terminated. */
void tp_pin_format_b64(const uint8_t in[32], char out[45]);
bool tp_pinset_has(const tp_pinset *ps, const uint8_t spki[32]);
#endif
