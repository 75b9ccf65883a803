// The C++ side of the pkg-config test: the headers' extern "C" linkage, from C++11.
#include <cstdio>
#include <memory>

#include <gan.h>

int main()
{
    gan_rng *raw = nullptr;
    if (gan_rng_new(&raw, 7) != GAN_OK) {
        std::fprintf(stderr, "consumer++: %s\n", gan_last_error());
        return 1;
    }
    std::unique_ptr<gan_rng, decltype(&gan_rng_free)> rng(raw, gan_rng_free);
    bool ok = gan_rng_seed(rng.get()) == 7 && gan_set_num_threads(0) == GAN_ERR_INVALID_ARGUMENT;
    std::printf("consumer++: libgan %s %s\n", gan_version_string(), ok ? "works" : "is broken");
    return ok ? 0 : 1;
}
