/* The thread count: libgan's own kernels read it, and it is passed on to OpenBLAS. */
#include <cblas.h>
#include <stdatomic.h>

#include "core/error.h"
#include "gan/runtime.h"

enum { MAX_THREADS = 1024 };

/* 0 until gan_set_num_threads is called: then OpenBLAS's own choice is reported. */
static atomic_int thread_count;

gan_status gan_set_num_threads(int count)
{
    if (count < 1 || count > MAX_THREADS)
        return gan__fail(GAN_ERR_INVALID_ARGUMENT, "gan_set_num_threads: %d is outside 1..%d",
                         count, MAX_THREADS);
    openblas_set_num_threads(count);
    atomic_store(&thread_count, count);
    return GAN_OK;
}

int gan_get_num_threads(void)
{
    int count = atomic_load(&thread_count);
    return count > 0 ? count : openblas_get_num_threads();
}
