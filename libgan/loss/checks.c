/* Shape checks the loss functions share; the messages name the tensors and their shapes. */
#include <string.h>

#include "core/error.h"
#include "loss/loss_impl.h"

gan_status gan__loss_check_same_shape(const char *function, const char *name,
                                      const gan_tensor *tensor, const char *like_name,
                                      const gan_tensor *like)
{
    if (tensor->rank == like->rank &&
        memcmp(tensor->shape, like->shape, (size_t)like->rank * sizeof(int64_t)) == 0)
        return GAN_OK;
    char have[GAN_SHAPE_TEXT_CAPACITY], want[GAN_SHAPE_TEXT_CAPACITY];
    return gan__fail(GAN_ERR_SHAPE, "%s: %s is %s, %s is %s; they must have the same shape",
                     function, name, gan__shape_text(have, tensor->rank, tensor->shape),
                     like_name, gan__shape_text(want, like->rank, like->shape));
}

gan_status gan__loss_check_logit_column(const char *function, const char *name,
                                        const gan_tensor *logits)
{
    if (logits->rank == 2 && logits->shape[1] == 1 && logits->shape[0] >= 1)
        return GAN_OK;
    char text[GAN_SHAPE_TEXT_CAPACITY];
    return gan__fail(GAN_ERR_SHAPE,
                     "%s: %s is %s; expected [N, 1] with N >= 1 (one logit per sample)", function,
                     name, gan__shape_text(text, logits->rank, logits->shape));
}
