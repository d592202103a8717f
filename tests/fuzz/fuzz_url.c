/* fuzz_url.c — libFuzzer target; the body (and its invariants) is in url_entry.h, shared
 * with tests/unit/test_fuzz_replay.c, which replays corpus/url/ on every ctest run.
 * Build: tests/fuzz/build.sh (see tests/fuzz/README.md). */
#include <stddef.h>
#include <stdint.h>

#include "url_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_url_one(data, size);
    return 0;
}
