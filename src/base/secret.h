/* secret.h — secrets (proxy passwords) and every buffer that held one.
 *
 * A secret is a NUL-terminated string (tp_secret) allocated by this module and released
 * only through tp_secret_free, which wipes it with mbedtls_platform_zeroize first. A
 * plain memset before free() is a dead store GCC removes at -O2; the zeroize call goes
 * through a volatile function pointer and cannot be removed. Buffers that held a secret
 * without being one (a config file's text, a Basic token, a CONNECT request) are
 * released with tp_secret_free_n. This is the one wiping style of the code base. */
#ifndef TLSPATH_BASE_SECRET_H
#define TLSPATH_BASE_SECRET_H
#include <stdarg.h>
#include <stddef.h>

/* A secret string. A typedef of char so that readers (`const char *pass =
 * path->password`) need no accessor: what matters is who allocates and frees it. */
typedef char tp_secret;

/* Copies. NULL on allocation failure (or when s is NULL). */
tp_secret *tp_secret_dup(const char *s);
tp_secret *tp_secret_ndup(const char *s, size_t n);
/* printf into a secret (e.g. "user:password"); the scratch space is wiped too. */
tp_secret *tp_secret_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wipes n bytes in a way the optimiser cannot drop. */
void tp_secret_wipe(void *p, size_t n);
/* Wipes strlen(s) + 1 bytes, then frees. NULL-safe. */
void tp_secret_free(tp_secret *s);
/* Wipes n bytes of a malloc'ed buffer that held a secret, then frees it. NULL-safe. */
void tp_secret_free_n(void *p, size_t n);
/* Replaces *slot with s, freeing the old secret. */
void tp_secret_set(tp_secret **slot, tp_secret *s);

/* For tests: called with every secret buffer after it was wiped and just before it is
 * given back to free(), so a test can check that the bytes really are zero in the -O2
 * build. NULL removes the hook. Not thread-safe: set it only in a test's set-up. */
typedef void (*tp_secret_release_hook)(const void *p, size_t n, void *ctx);
void tp_secret_set_release_hook(tp_secret_release_hook hook, void *ctx);
#endif
