/*
 * Floating-point operations, counted per layer from the shapes (docs/performance.md,
 * "Counting FLOPs"): 2 x the multiply-adds of every Dense, Conv2d and ConvTranspose2d layer,
 * counted densely (taps on padding included, nothing skipped for zeros; a transposed
 * convolution as every input pixel times every weight). Other layers count 0.
 */
#ifndef BENCH_FLOPS_H
#define BENCH_FLOPS_H

#include <gan.h>

/* One sample's forward pass through a model. */
typedef struct pass_flops {
    double forward; /* every counted layer */
    double lowest;  /* the lowest counted layer alone: a training backward pass stops there
                       without its input gradient (it is the lowest layer with parameters in
                       every workload) */
} pass_flops;

/* Counts from the layer shapes of the model's last forward pass (any batch size). */
gan_status count_pass_flops(gan_model *model, pass_flops *out);

/*
 * One training step per sample: G forward once (its fake batch serves both updates);
 * D forward and backward on the real and on the fake batch, each backward with weight
 * gradients and with input gradients below all but the lowest counted layer; D forward
 * again on the fake batch and backward to its input, without weight gradients; G backward
 * with weight gradients and input gradients above its lowest counted layer.
 *   = G.forward + 2 (3 D.forward - D.lowest) + 2 D.forward + (2 G.forward - G.lowest)
 */
double train_step_flops(pass_flops g, pass_flops d);

#endif /* BENCH_FLOPS_H */
