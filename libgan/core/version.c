/* The run-time version, from the same macros the headers and the Makefile use. */
#include "gan/version.h"

const char *gan_version_string(void)
{
    return GAN_VERSION_STRING;
}

int gan_version_number(void)
{
    return GAN_VERSION_NUMBER;
}
