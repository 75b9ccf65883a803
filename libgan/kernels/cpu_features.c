/* Run-time CPU detection: the machines change CPU between runs, so kernels are chosen here. */
#include <stdatomic.h>
#include <stdint.h>

#include "kernels/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void)
{
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static bool detect_avx512(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return false;
    const bool osxsave = ecx & (1u << 27), fma = ecx & (1u << 12);
    if (!osxsave || !fma)
        return false;
    /* The OS must save SSE, AVX, opmask and both halves of the zmm registers (XCR0 bits
     * 1, 2, 5, 6, 7); otherwise the instructions fault or lose state on a context switch. */
    const uint64_t zmm_state = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
    if ((read_xcr0() & zmm_state) != zmm_state)
        return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
        return false;
    return ebx & (1u << 16); /* AVX512F */
}
#else
static bool detect_avx512(void)
{
    return false;
}
#endif

/* 0 unknown, 1 no, 2 yes: detection is idempotent, so a race only repeats it. */
static atomic_int avx512_state;

bool gan__cpu_has_avx512(void)
{
    int state = atomic_load_explicit(&avx512_state, memory_order_relaxed);
    if (state == 0) {
        state = detect_avx512() ? 2 : 1;
        atomic_store_explicit(&avx512_state, state, memory_order_relaxed);
    }
    return state == 2;
}
