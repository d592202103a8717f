/* fuzz_pac.c — libFuzzer target; the body (and its invariants) is in pac_entry.h, shared
 * with tests/unit/test_fuzz_replay.c, which replays corpus/pac/ on every ctest run.
 * Build: tests/fuzz/build.sh (see tests/fuzz/README.md). */
#include <stddef.h>
#include <stdint.h>

#include "pac_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_pac_one(data, size);
    return 0;
}
