/*
 * Sample quality of MNIST generators, measured with the shipped classifier
 * (models/mnist-classifier.safetensors): classifier FID against the 10 000 test images,
 * classifier score, and the classes the samples fall into. Shared by mnist_eval and the
 * trainers' --eval-every option.
 */
#ifndef MNIST_QUALITY_H
#define MNIST_QUALITY_H

#include <stddef.h>

#include <gan.h>

enum { MNIST_CLASSES = 10, MNIST_PATH_SIZE = 4096 };

#define MNIST_DEFAULT_CLASSIFIER "models/mnist-classifier.safetensors"

/* The figures of one set of images. */
typedef struct mnist_quality_result {
    int64_t samples;
    double fid;                        /* classifier FID against the test set */
    double score, score_spread;        /* classifier score over 10 splits: mean and std */
    int64_t histogram[MNIST_CLASSES];  /* samples per most probable digit */
    int64_t classes_present;           /* digits with at least one sample */
    double kl_uniform;                 /* KL(histogram || uniform) */
} mnist_quality_result;

/* The classifier and the test set's feature statistics (opaque). */
typedef struct mnist_quality mnist_quality;

/*
 * Finds an IDX file of `kind` ("train-images", "t10k-labels", ...) in `folder`, under the
 * names MNIST is published with (raw, .gz, or with a dot): writes its path to `buffer` and
 * returns it, or NULL when there is none.
 */
const char *mnist_find_idx(char buffer[MNIST_PATH_SIZE], const char *folder, const char *kind);

/*
 * Loads the classifier and measures the test images of `data_folder` with it. On failure
 * returns the status; gan_last_error() or the message in `error` says why.
 */
gan_status mnist_quality_open(mnist_quality **out, const char *classifier_path,
                              const char *data_folder, char *error, size_t error_size);

void mnist_quality_free(mnist_quality *quality);

/* The figures of the test images themselves (their FID is 0 by definition). */
const mnist_quality_result *mnist_quality_test_set(const mnist_quality *quality);

/*
 * Measures `count` samples of `generator`, drawn in evaluation mode from a random generator
 * seeded with `seed` (so the training run's own random streams are untouched); the model is
 * put back into the mode it was in.
 */
gan_status mnist_quality_of_generator(mnist_quality *quality, gan_generator *generator,
                                      int64_t count, uint64_t seed, mnist_quality_result *result);

/* Measures the first `count` images of an IDX image file: the real-data floor. */
gan_status mnist_quality_of_idx(mnist_quality *quality, const char *images_path, int64_t count,
                                mnist_quality_result *result);

#endif /* MNIST_QUALITY_H */
