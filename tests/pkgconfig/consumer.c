/* Built against an installed libgan with nothing but pkg-config; exits 0 if it works. */
#include <stdio.h>
#include <string.h>

#include <gan.h>

int main(void)
{
    gan_tensor *tensor = NULL;
    int64_t shape[2] = {2, 3};
    if (gan_tensor_new(&tensor, 2, shape) != GAN_OK || gan_tensor_fill(tensor, 1.5f) != GAN_OK) {
        fprintf(stderr, "consumer: %s\n", gan_last_error());
        return 1;
    }
    int ok = gan_tensor_numel(tensor) == 6 && gan_tensor_data(tensor)[5] == 1.5f &&
             strcmp(gan_version_string(), GAN_VERSION_STRING) == 0;
    gan_tensor_free(tensor);
    printf("consumer: libgan %s %s\n", gan_version_string(), ok ? "works" : "is broken");
    return ok ? 0 : 1;
}
