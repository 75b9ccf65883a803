/*
 * gan_model_checksum: FNV-1a 64 (Fowler, Noll, Vo) over the little-endian bytes of every
 * parameter, then every buffer, in named order. Not a cryptographic hash: it tells
 * processes that should hold the same model whether they do.
 */
#include <string.h>

#include "core/error.h"
#include "nn/model_impl.h"

#define FNV_OFFSET_BASIS UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)

static uint64_t hash_floats(uint64_t hash, const float *values, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], sizeof bits);
        for (int byte = 0; byte < 4; byte++) { /* little-endian, whatever the host */
            hash ^= (bits >> (8 * byte)) & 0xffu;
            hash *= FNV_PRIME;
        }
    }
    return hash;
}

gan_status gan_model_checksum(const gan_model *model, uint64_t *checksum)
{
    if (!model)
        return gan__null(__func__, "model");
    if (!checksum)
        return gan__null(__func__, "checksum");
    uint64_t hash = FNV_OFFSET_BASIS;
    for (int i = 0; i < gan__model_tensor_count(model); i++) {
        const char *name;
        const gan_tensor *value;
        gan__model_tensor_at(model, i, &name, &value);
        hash = hash_floats(hash, value->data, value->numel);
    }
    *checksum = hash;
    return GAN_OK;
}
