/**
 * @file gan.h
 * @brief libgan: training and running generative adversarial networks on the CPU.
 *
 * The umbrella header: include it to get the whole public API. Link with
 * `pkg-config --cflags --libs libgan`.
 */
#ifndef GAN_H
#define GAN_H

#include "gan/common.h"
#include "gan/version.h"
#include "gan/status.h"
#include "gan/runtime.h"
#include "gan/tensor.h"
#include "gan/random.h"
#include "gan/layer.h"
#include "gan/model.h"
#include "gan/loss.h"
#include "gan/optim.h"
#include "gan/trainer.h"
#include "gan/io.h"
#include "gan/data.h"
#include "gan/image.h"
#include "gan/eval.h"

#endif /* GAN_H */
