/* Test harness only, never shipped: wine 8.0 (Debian 12) has no bcryptprimitives.dll,
 * from which Rust's std on Windows imports ProcessPrng (every Windows since 10 has it).
 * This stub answers ProcessPrng with advapi32's RtlGenRandom (SystemFunction036), so
 * that the real Windows binary runs under wine. tests/dist builds it with mingw-w64 into
 * its own wine prefix. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
