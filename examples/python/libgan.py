"""libgan through ctypes (standard library only): load a trained generator and sample.

    import libgan
    lib = libgan.Library()                    # or Library("build/libgan.so.0")
    with lib.load_generator("generator.safetensors") as g:
        images = g.sample(16, seed=1)         # a Tensor [16, 1, 28, 28]
        lib.write_png_grid("samples.png", images)

Every call's status is checked: a failure raises LibganError with gan_last_error().
The library is found from the path given, else $LIBGAN, else the system's libgan.so.0.
"""

import ctypes
import ctypes.util
import os

GAN_OK = 0
GAN_LATENT_NORMAL = 0
GAN_TENSOR_MAX_RANK = 8


class LibganError(RuntimeError):
    """A libgan call failed; the message is libgan's own (gan_last_error())."""


class _Opaque(ctypes.Structure):
    pass


_handle = ctypes.POINTER(_Opaque)


def _find_library(path):
    if path:
        return path
    if os.environ.get("LIBGAN"):
        return os.environ["LIBGAN"]
    return ctypes.util.find_library("gan") or "libgan.so.0"


class Library:
    """The loaded shared library, with the prototypes of the functions used here."""

    def __init__(self, path=None):
        self.c = lib = ctypes.CDLL(_find_library(path))
        status = ctypes.c_int
        i64 = ctypes.c_int64
        prototypes = {
            "gan_version_string": (ctypes.c_char_p, []),
            "gan_last_error": (ctypes.c_char_p, []),
            "gan_status_string": (ctypes.c_char_p, [status]),
            "gan_model_load": (status, [ctypes.POINTER(_handle), ctypes.c_char_p]),
            "gan_model_free": (None, [_handle]),
            "gan_model_set_training": (status, [_handle, ctypes.c_int]),
            "gan_model_input_shape": (status, [_handle, ctypes.POINTER(ctypes.c_int),
                                               ctypes.POINTER(i64), ctypes.c_size_t]),
            "gan_model_output_shape": (status, [_handle, ctypes.POINTER(ctypes.c_int),
                                                ctypes.POINTER(i64), ctypes.c_size_t]),
            "gan_generator_new": (status, [ctypes.POINTER(_handle), _handle, i64, ctypes.c_int]),
            "gan_generator_free": (None, [_handle]),
            "gan_generator_sample": (status, [_handle, _handle, _handle]),
            "gan_generator_generate": (status, [_handle, _handle, _handle]),
            "gan_rng_new": (status, [ctypes.POINTER(_handle), ctypes.c_uint64]),
            "gan_rng_free": (None, [_handle]),
            "gan_tensor_new": (status, [ctypes.POINTER(_handle), ctypes.c_int,
                                        ctypes.POINTER(i64)]),
            "gan_tensor_free": (None, [_handle]),
            "gan_tensor_rank": (ctypes.c_int, [_handle]),
            "gan_tensor_dim": (i64, [_handle, ctypes.c_int]),
            "gan_tensor_numel": (i64, [_handle]),
            "gan_tensor_copy_to": (status, [_handle, ctypes.POINTER(ctypes.c_float),
                                            ctypes.c_size_t]),
            "gan_tensor_copy_from": (status, [_handle, ctypes.POINTER(ctypes.c_float),
                                              ctypes.c_size_t]),
            "gan_image_write_png_grid": (status, [ctypes.c_char_p, _handle, i64,
                                                  ctypes.c_float, ctypes.c_float]),
        }
        for name, (restype, argtypes) in prototypes.items():
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes

    def check(self, status, what):
        """Raises LibganError unless status is GAN_OK."""
        if status != GAN_OK:
            name = self.c.gan_status_string(status).decode()
            message = self.c.gan_last_error().decode()
            if not message.startswith(what):
                message = f"{what}: {message}"
            raise LibganError(f"{message} ({name})")

    @property
    def version(self):
        return self.c.gan_version_string().decode()

    def tensor(self, shape):
        out = _handle()
        dims = (ctypes.c_int64 * len(shape))(*shape)
        self.check(self.c.gan_tensor_new(ctypes.byref(out), len(shape), dims), "gan_tensor_new")
        return Tensor(self, out)

    def load_generator(self, path):
        return Generator(self, path)

    def write_png_grid(self, path, images, columns=0, low=-1.0, high=1.0):
        """Writes [N, C, H, W] images as one PNG grid (values low..high shown black..white)."""
        self.check(self.c.gan_image_write_png_grid(os.fsencode(path), images.handle, columns,
                                                   low, high), "gan_image_write_png_grid")


class Tensor:
    """An owned gan_tensor."""

    def __init__(self, lib, handle):
        self.lib, self.handle = lib, handle

    @property
    def shape(self):
        c = self.lib.c
        return tuple(c.gan_tensor_dim(self.handle, i) for i in range(c.gan_tensor_rank(self.handle)))

    def tolist(self):
        """The values, flat, in row-major order."""
        count = self.lib.c.gan_tensor_numel(self.handle)
        buffer = (ctypes.c_float * count)()
        self.lib.check(self.lib.c.gan_tensor_copy_to(self.handle, buffer, count),
                       "gan_tensor_copy_to")
        return list(buffer)

    def close(self):
        if self.handle:
            self.lib.c.gan_tensor_free(self.handle)
            self.handle = None

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Generator:
    """A generator loaded from a safetensors file (gan_model_load), in evaluation mode."""

    def __init__(self, lib, path):
        self.lib = lib
        self.model = _handle()
        self.generator = _handle()
        lib.check(lib.c.gan_model_load(ctypes.byref(self.model), os.fsencode(path)),
                  "gan_model_load")
        try:
            lib.check(lib.c.gan_model_set_training(self.model, 0), "gan_model_set_training")
            rank = ctypes.c_int()
            dims = (ctypes.c_int64 * GAN_TENSOR_MAX_RANK)()
            lib.check(lib.c.gan_model_input_shape(self.model, ctypes.byref(rank), dims,
                                                  GAN_TENSOR_MAX_RANK),
                      "gan_model_input_shape")
            latent_size = dims[0]  # saved in the file
            lib.check(lib.c.gan_generator_new(ctypes.byref(self.generator), self.model,
                                              latent_size, GAN_LATENT_NORMAL),
                      "gan_generator_new")
            lib.check(lib.c.gan_model_output_shape(self.model, ctypes.byref(rank), dims,
                                                   GAN_TENSOR_MAX_RANK),
                      "gan_model_output_shape")
            self.sample_shape = tuple(dims[:rank.value])
        except LibganError:
            self.close()
            raise

    def sample(self, count, seed=1):
        """count samples from latent vectors drawn with the given seed: a Tensor."""
        rng = _handle()
        self.lib.check(self.lib.c.gan_rng_new(ctypes.byref(rng), seed), "gan_rng_new")
        try:
            samples = self.lib.tensor((count,) + self.sample_shape)
            self.lib.check(self.lib.c.gan_generator_sample(self.generator, rng, samples.handle),
                           "gan_generator_sample")
            return samples
        finally:
            self.lib.c.gan_rng_free(rng)

    def close(self):
        if self.generator:
            self.lib.c.gan_generator_free(self.generator)
            self.generator = _handle()
        if self.model:
            self.lib.c.gan_model_free(self.model)
            self.model = _handle()

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
