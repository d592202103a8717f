/* test_fuzz_replay.c — replays every tests/fuzz/corpus/<name>/ file through the same
 * body as the libFuzzer target fuzz_<name> (tests/fuzz/<name>_entry.h), without libFuzzer,
 * so the corpora run on every ctest run (ASan/UBSan in a TLSPATH_SANITIZE build catch
 * memory errors; a broken invariant aborts). Each file is also replayed mutated,
 * deterministically: every truncation up to 512 bytes and a few single-bit flips.
 * A corpus directory without an entry here fails the test (so a new one is not skipped). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../fuzz/catalog_entry.h"
#include "../fuzz/config_entry.h"
#include "../fuzz/crl_entry.h"
#include "../fuzz/csv_entry.h"
#include "../fuzz/devproxy_entry.h"
#include "../fuzz/httpparse_entry.h"
#include "../fuzz/pac_entry.h"
#include "../fuzz/httpreq_entry.h"
#include "../fuzz/url_entry.h"
#include "../fuzz/x509ext_entry.h"

#define CORPUS_DIR TLSPATH_SOURCE_DIR "/tests/fuzz/corpus"
#define MAX_TRUNC 512u
#define N_FLIPS 32u
#define MAX_FILE (1u << 20)

typedef void (*fuzz_fn)(const uint8_t *data, size_t size);

static const struct {
    const char *name;
    fuzz_fn fn;
} targets[] = {
    {"catalog", fuzz_catalog_one}, {"config", fuzz_config_one},       {"crl", fuzz_crl_one},
    {"csv", fuzz_csv_one},         {"httpparse", fuzz_httpparse_one}, {"x509ext", fuzz_x509ext_one},
    {"httpreq", fuzz_httpreq_one},
    {"url", fuzz_url_one},         {"devproxy", fuzz_devproxy_one},   {"pac", fuzz_pac_one},
};

/* Runs fn on an exact-size heap copy, so ASan sees a read one byte past the input. */
static void run_copy(fuzz_fn fn, const uint8_t *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    assert_non_null(p);
    if (size)
        memcpy(p, data, size);
    fn(p, size);
    free(p);
}

static uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0 && (unsigned long)n <= MAX_FILE);
    rewind(f);
    uint8_t *b = malloc(n ? (size_t)n : 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* One file: whole, every prefix shorter than min(len, MAX_TRUNC + 1), N_FLIPS bit flips
 * (positions from a seed derived from the file name and length). Returns the run count. */
static size_t replay_file(fuzz_fn fn, const char *name, const uint8_t *data, size_t len)
{
    size_t runs = 0;
    run_copy(fn, data, len);
    runs++;
    for (size_t n = 0; n < len && n <= MAX_TRUNC; n++, runs++)
        run_copy(fn, data, n);
    if (len == 0)
        return runs;
    uint32_t seed = 2166136261u;
    for (const char *c = name; *c; c++)
        seed = (seed ^ (uint8_t)*c) * 16777619u;
    seed ^= (uint32_t)len;
    if (seed == 0)
        seed = 1;
    uint8_t *m = malloc(len);
    assert_non_null(m);
    for (unsigned i = 0; i < N_FLIPS; i++, runs++) {
        memcpy(m, data, len);
        uint32_t r = xorshift32(&seed);
        m[(r >> 3) % len] ^= (uint8_t)(1u << (r & 7));
        run_copy(fn, m, len);
    }
    free(m);
    return runs;
}

static void replay_dir(const char *target, fuzz_fn fn)
{
    char dir[1024], path[2048];
    snprintf(dir, sizeof dir, "%s/%s", CORPUS_DIR, target);
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t files = 0, runs = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        assert_int_equal(stat(path, &st), 0);
        if (!S_ISREG(st.st_mode))
            continue;
        /* crashing inputs are kept out of the committed corpus (see tests/fuzz/README.md) */
        assert_true(strncmp(de->d_name, "crash-", 6) != 0);
        size_t len;
        uint8_t *data = slurp(path, &len);
        runs += replay_file(fn, de->d_name, data, len);
        free(data);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
    print_message("corpus/%s: %zu files, %zu runs\n", target, files, runs);
}

static void test_replay(void **state)
{
    size_t i = (size_t)(uintptr_t)*state;
    assert_true(i < sizeof targets / sizeof targets[0]);
    replay_dir(targets[i].name, targets[i].fn);
}

static void test_every_corpus_has_a_target(void **state)
{
    (void)state;
    DIR *d = opendir(CORPUS_DIR);
    assert_non_null(d);
    struct dirent *de;
    size_t dirs = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        bool known = false;
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
            known = known || strcmp(de->d_name, targets[i].name) == 0;
        if (!known)
            fail_msg("tests/fuzz/corpus/%s has no entry in test_fuzz_replay.c", de->d_name);
        dirs++;
    }
    closedir(d);
    assert_int_equal(dirs, sizeof targets / sizeof targets[0]);
}

/* The replay must catch what it claims to: a mutation reaching an abort would kill the
 * binary, so here only check that the mutation schedule is what the comment says. */
static size_t count_runs;
static void counter(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    count_runs++;
}

static void test_mutation_schedule(void **state)
{
    (void)state;
    uint8_t buf[600] = {0};
    count_runs = 0;
    assert_int_equal(replay_file(counter, "x", buf, 10), 1 + 10 + N_FLIPS);
    assert_int_equal(count_runs, 1 + 10 + N_FLIPS);
    assert_int_equal(replay_file(counter, "x", buf, sizeof buf), 1 + MAX_TRUNC + 1 + N_FLIPS);
    assert_int_equal(replay_file(counter, "x", buf, 0), 1);
}

#define REPLAY(n, i) {"replay_" n, test_replay, NULL, NULL, (void *)(uintptr_t)(i)}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_corpus_has_a_target),
        cmocka_unit_test(test_mutation_schedule),
        REPLAY("catalog", 0), REPLAY("config", 1), REPLAY("crl", 2),
        REPLAY("csv", 3),     REPLAY("httpparse", 4), REPLAY("x509ext", 5),
        REPLAY("httpreq", 6), REPLAY("url", 7),     REPLAY("devproxy", 8),  REPLAY("pac", 9),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (fz_crl_ready) {
        mbedtls_x509_crt_free(&fz_crl_issuer);
        mbedtls_x509_crt_free(&fz_crl_leaf);
    }
    return rc;
}
