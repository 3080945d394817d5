/* ProcessPrng, which Rust's standard library (1.78 and later) takes from
 * bcryptprimitives.dll on Windows 10 and later, for Wine releases that lack
 * that DLL (Debian 12's Wine 8.0). Only for running the Windows build under
 * Wine in tests (scripts/cross-acceptance.sh); Windows ships the real one. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
