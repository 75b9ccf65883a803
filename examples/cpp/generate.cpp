// generate.cpp: examples/generate.c in C++. Every libgan handle is owned by a
// std::unique_ptr with the matching free function, and a failed call throws.
//   c++ -std=c++11 generate.cpp -o generate $(pkg-config --cflags --libs libgan)
//   ./generate generator.safetensors samples.png [count] [seed]
#include <gan.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

template <typename T> using handle = std::unique_ptr<T, void (*)(T *)>;

void check(gan_status status, const char *what)
{
    if (status != GAN_OK)
        throw std::runtime_error(std::string(what) + ": " + gan_last_error());
}

handle<gan_model> load_model(const char *path)
{
    gan_model *raw = nullptr;
    check(gan_model_load(&raw, path), "gan_model_load");
    return {raw, gan_model_free};
}

handle<gan_generator> make_generator(gan_model *model, int64_t latent_size)
{
    gan_generator *raw = nullptr;
    check(gan_generator_new(&raw, model, latent_size, GAN_LATENT_NORMAL), "gan_generator_new");
    return {raw, gan_generator_free};
}

handle<gan_rng> make_rng(uint64_t seed)
{
    gan_rng *raw = nullptr;
    check(gan_rng_new(&raw, seed), "gan_rng_new");
    return {raw, gan_rng_free};
}

handle<gan_tensor> make_tensor(const std::vector<int64_t> &shape)
{
    gan_tensor *raw = nullptr;
    check(gan_tensor_new(&raw, static_cast<int>(shape.size()), shape.data()), "gan_tensor_new");
    return {raw, gan_tensor_free};
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        std::fprintf(stderr, "usage: generate GENERATOR.safetensors OUT.png [count] [seed]\n");
        return 2;
    }
    const int64_t count = argc > 3 ? std::atoll(argv[3]) : 64;
    const uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1;
    try {
        auto model = load_model(argv[1]);
        check(gan_model_set_training(model.get(), 0), "gan_model_set_training");
        std::vector<int64_t> shape(GAN_TENSOR_MAX_RANK);
        int rank = 0;
        check(gan_model_input_shape(model.get(), &rank, shape.data(), shape.size()),
              "gan_model_input_shape");  // [latent size], saved in the file
        auto generator = make_generator(model.get(), shape[0]);

        check(gan_model_output_shape(model.get(), &rank, shape.data() + 1, shape.size() - 1),
              "gan_model_output_shape");
        shape[0] = count;
        shape.resize(static_cast<size_t>(rank) + 1);
        auto samples = make_tensor(shape);
        auto rng = make_rng(seed);
        check(gan_generator_sample(generator.get(), rng.get(), samples.get()), "gan_generator_sample");
        check(gan_image_write_png_grid(argv[2], samples.get(), 0, -1.0f, 1.0f),
              "gan_image_write_png_grid");
        std::printf("generate: %lld samples written to %s\n", static_cast<long long>(count), argv[2]);
    } catch (const std::exception &error) {
        std::fprintf(stderr, "generate: %s\n", error.what());
        return 1;
    }
    return 0;
}
