/* fuzz_crl.c — libFuzzer target; the body (and its invariants) is in crl_entry.h, shared
 * with tests/unit/test_fuzz_replay.c, which replays corpus/crl/ on every ctest run.
 * Build: tests/fuzz/build.sh (see tests/fuzz/README.md). */
#include <stddef.h>
#include <stdint.h>

#include "crl_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_crl_one(data, size);
    return 0;
}
