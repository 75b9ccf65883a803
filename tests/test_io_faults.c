/*
 * I/O failure injection into saves (io/atomic_file.c, through the system-call seam of
 * io_fault_support.h): each write failing in turn (EIO; ENOSPC, a full disk; a write of
 * nothing), short and interrupted writes, the temporary's create, fsync and close, the
 * rename, and the folder's open and fsync failing, and a real full disk through
 * RLIMIT_FSIZE. For gan_trainer_save (checkpoints) and gan_model_save, in every case: the
 * status and a message naming the function, the operation, the file and strerror; the
 * previous file byte for byte, loading (checksum verified) to the previous state bitwise;
 * no temporary left; and the trainer still trains, and its next save works. The PNG
 * writer, which uses the same module, keeps its previous image.
 */
#define _GNU_SOURCE
#include "io_fault_support.h"

#include <sys/resource.h>

#include "game_support.h"

enum { SEED = 11 };

static long file_size_limits; /* saves cut short by RLIMIT_FSIZE */

/* ---- what is saved: a checkpoint or a model file ------------------------------------------ */

typedef struct subject {
    const char *function;  /* the saving function, which starts each message */
    const char *file_name; /* in temp_dir */
    gan_status (*save)(game_state *game, const char *path);
    float *(*capture)(game_state *game, size_t *count); /* what a save of `game` holds */
    /* loads `path` (into `reader`, or a new model) and captures what it holds */
    gan_status (*load)(game_state *reader, const char *path, float **state, size_t *count);
} subject;

static gan_status save_checkpoint(game_state *game, const char *path)
{
    return gan_trainer_save(game->trainer, path);
}

static float *capture_checkpoint(game_state *game, size_t *count)
{
    return capture_state(game, false, count);
}

static gan_status load_checkpoint(game_state *reader, const char *path, float **state,
                                  size_t *count)
{
    gan_status status = gan_trainer_load(reader->trainer, path);
    *state = status == GAN_OK ? capture_checkpoint(reader, count) : NULL;
    return status;
}

static gan_status save_model(game_state *game, const char *path)
{
    return gan_model_save(game->g_model, path);
}

/* The model's parameters, then each buffer (BatchNorm's running statistics). */
static float *model_floats(gan_model *model, size_t *count)
{
    float *parameters, *gradients;
    assert_status(gan_model_parameter_arrays(model, &parameters, &gradients, count), GAN_OK);
    float *out = malloc(*count * sizeof(float));
    memcpy(out, parameters, *count * sizeof(float));
    for (int i = 0; i < gan_model_named_buffer_count(model); i++) {
        gan_tensor *buffer;
        assert_status(gan_model_named_buffer(model, i, NULL, &buffer), GAN_OK);
        size_t n = (size_t)gan_tensor_numel(buffer);
        out = realloc(out, (*count + n) * sizeof(float));
        memcpy(out + *count, gan_tensor_data(buffer), n * sizeof(float));
        *count += n;
    }
    return out;
}

static float *capture_model(game_state *game, size_t *count)
{
    return model_floats(game->g_model, count);
}

static gan_status load_model(game_state *reader, const char *path, float **state, size_t *count)
{
    (void)reader;
    gan_model *model = NULL;
    gan_status status = gan_model_load(&model, path);
    *state = status == GAN_OK ? model_floats(model, count) : NULL;
    gan_model_free(model);
    return status;
}

static const subject checkpoint = {"gan_trainer_save", "run.safetensors", save_checkpoint,
                                   capture_checkpoint, load_checkpoint};
static const subject model_file = {"gan_model_save", "g.safetensors", save_model, capture_model,
                                   load_model};
static const subject *const subjects[] = {&checkpoint, &model_file};

/* ---- the fixture: a previous file, and a trainer whose saves fail -------------------------- */

typedef struct fixture {
    const subject *subject;
    game_state game;      /* a step ahead of the previous file; its saves get the faults */
    game_state reader;    /* loads checkpoints back */
    char path[1024];      /* the file */
    char temporary[256];  /* "/.NAME.libgan-PID-": how the temporary's path goes on */
    unsigned char *old_bytes;
    size_t old_count;
    float *old_state;
    size_t old_floats;
} fixture;

static void fixture_new(fixture *f, const subject *s)
{
    memset(f, 0, sizeof *f);
    f->subject = s;
    game_new(&f->game, GAN_OBJECTIVE_NON_SATURATING, SEED);
    game_new(&f->reader, GAN_OBJECTIVE_NON_SATURATING, SEED);
    snprintf(f->path, sizeof f->path, "%s", temp_path(s->file_name));
    snprintf(f->temporary, sizeof f->temporary, "/.%s.libgan-%ld-", s->file_name,
             (long)getpid());
    assert_status(gan_trainer_step(f->game.trainer, f->game.real), GAN_OK);
    assert_status(s->save(&f->game, f->path), GAN_OK);
    f->old_bytes = slurp(f->path, &f->old_count);
    f->old_state = s->capture(&f->game, &f->old_floats);
    assert_status(gan_trainer_step(f->game.trainer, f->game.real), GAN_OK);
}

static void fixture_free(fixture *f)
{
    free(f->old_bytes);
    free(f->old_state);
    game_free(&f->game);
    game_free(&f->reader);
}

/* How many writes a save of the fixture makes. */
static long writes_per_save(fixture *f)
{
    io_reset();
    assert_status(f->subject->save(&f->game, temp_path("count.safetensors")), GAN_OK);
    long writes = io_calls[IO_WRITE];
    assert_true(writes >= 3); /* length, header, tensors */
    return writes;
}

/* The file loads (its checksum verified) to exactly `state`, and no temporary is left. */
static void expect_loads_to(fixture *f, const float *state, size_t floats)
{
    float *loaded = NULL;
    size_t loaded_floats = 0;
    assert_status(f->subject->load(&f->reader, f->path, &loaded, &loaded_floats), GAN_OK);
    assert_int_equal(loaded_floats, floats);
    assert_memory_equal(loaded, state, floats * sizeof(float));
    free(loaded);
    assert_int_equal(count_temporaries(temp_dir), 0);
}

static void expect_previous_file(fixture *f)
{
    expect_file_is(f->path, f->old_bytes, f->old_count);
    expect_loads_to(f, f->old_state, f->old_floats);
}

/* The file is the one a save of the trainer's present state writes. */
static void expect_present_file(fixture *f)
{
    size_t floats;
    float *state = f->subject->capture(&f->game, &floats);
    expect_loads_to(f, state, floats);
    free(state);
}

/* The trainer trains on, and a save without faults writes its new state. */
static void expect_still_usable(fixture *f)
{
    assert_status(gan_trainer_step(f->game.trainer, f->game.real), GAN_OK);
    assert_status(f->subject->save(&f->game, f->path), GAN_OK);
    expect_present_file(f);
}

/* Saves the present state over the previous file under `fault`, which must be reached. */
static gan_status save_under(fixture *f, io_fault fault)
{
    write_bytes(f->path, f->old_bytes, f->old_count);
    io_reset();
    io_plan = fault;
    long injected = io_injected + io_short_writes;
    gan_status status = f->subject->save(&f->game, f->path);
    io_reset();
    assert_true(io_injected + io_short_writes > injected);
    return status;
}

/* The message names the function, `operation` on the temporary (or on the folder) and
 * strerror(error). */
static void expect_message(fixture *f, const char *operation, const char *file, int error)
{
    char named[64];
    snprintf(named, sizeof named, "%s: %s '", f->subject->function, operation);
    assert_error_mentions(named);
    assert_error_mentions(file);
    assert_error_mentions(strerror(error));
}

/* A save failing before its rename: GAN_ERR_IO, and the previous file stays. */
static void expect_save_fails(fixture *f, io_fault fault, const char *operation, int error)
{
    assert_status(save_under(f, fault), GAN_ERR_IO);
    expect_message(f, operation, f->temporary, error);
    expect_previous_file(f);
    expect_still_usable(f);
}

/* An operation and the error it fails with. */
typedef struct failure {
    io_op op;
    int error;
} failure;

static io_fault failing(io_op op, long at, int error)
{
    return (io_fault){.op = op, .at = at, .action = IO_FAIL, .error = error};
}

/* ---- the tests ---------------------------------------------------------------------------- */

static void every_failed_write_keeps_the_previous_file(void **state)
{
    (void)state;
    const int errors[] = {EIO, ENOSPC};
    for (size_t s = 0; s < sizeof subjects / sizeof subjects[0]; s++) {
        fixture f;
        fixture_new(&f, subjects[s]);
        long writes = writes_per_save(&f);
        for (long n = 1; n <= writes; n++) {
            for (size_t e = 0; e < sizeof errors / sizeof errors[0]; e++)
                expect_save_fails(&f, failing(IO_WRITE, n, errors[e]), "write", errors[e]);
            /* A write that writes nothing: the writer gives up with EIO, not a loop. */
            io_fault nothing = {.op = IO_WRITE, .at = n, .action = IO_SHORT, .short_bytes = 0};
            expect_save_fails(&f, nothing, "write", EIO);
        }
        fixture_free(&f);
    }
}

/* Short writes (every write one byte, or one write cut short) and writes interrupted by
 * a signal (EINTR) are carried on: the save succeeds with the same bytes. */
static void short_and_interrupted_writes_are_completed(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof subjects / sizeof subjects[0]; s++) {
        fixture f;
        fixture_new(&f, subjects[s]);
        long writes = writes_per_save(&f);
        size_t count;
        unsigned char *expected = slurp(temp_path("count.safetensors"), &count);
        io_fault faults[] = {{.op = IO_WRITE, .at = 1, .onwards = true, .action = IO_SHORT,
                              .short_bytes = 1},
                             {.op = IO_WRITE, .action = IO_SHORT, .short_bytes = 3},
                             {.op = IO_WRITE, .action = IO_FAIL, .error = EINTR}};
        for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
            for (long n = 1; n <= (faults[i].onwards ? 1 : writes); n++) {
                if (!faults[i].onwards)
                    faults[i].at = n;
                assert_status(save_under(&f, faults[i]), GAN_OK);
                expect_file_is(f.path, expected, count);
                expect_present_file(&f);
            }
        free(expected);
        fixture_free(&f);
    }
}

/* create, fsync, close and rename failing: the previous file stays. */
static void failures_before_the_rename_keep_the_previous_file(void **state)
{
    (void)state;
    const failure cases[] = {{IO_CREATE, EACCES}, {IO_CREATE, ENOSPC}, {IO_CREATE, EMFILE},
                             {IO_FSYNC, EIO},     {IO_FSYNC, ENOSPC},  {IO_FSYNC, EINTR},
                             {IO_CLOSE, EIO},     {IO_CLOSE, ENOSPC},  {IO_CLOSE, EDQUOT},
                             {IO_RENAME, EIO},    {IO_RENAME, ENOSPC}, {IO_RENAME, EXDEV},
                             {IO_RENAME, EACCES}};
    for (size_t s = 0; s < sizeof subjects / sizeof subjects[0]; s++) {
        fixture f;
        fixture_new(&f, subjects[s]);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            expect_save_fails(&f, failing(cases[i].op, 1, cases[i].error),
                              io_op_names[cases[i].op], cases[i].error);
        fixture_free(&f);
    }
}

/* The folder's open or fsync failing after the rename: the new file is in place (the
 * error says its durability is not confirmed); a folder that cannot be fsynced (EINVAL)
 * is no error. */
static void folder_failures_after_the_rename_leave_the_new_file(void **state)
{
    (void)state;
    const failure cases[] = {{IO_OPEN_FOLDER, EACCES}, {IO_OPEN_FOLDER, EMFILE},
                             {IO_FSYNC_FOLDER, EIO}, {IO_FSYNC_FOLDER, ENOSPC}};
    for (size_t s = 0; s < sizeof subjects / sizeof subjects[0]; s++) {
        fixture f;
        fixture_new(&f, subjects[s]);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            assert_status(save_under(&f, failing(cases[i].op, 1, cases[i].error)), GAN_ERR_IO);
            expect_message(&f, io_op_names[cases[i].op], temp_dir, cases[i].error);
            expect_present_file(&f);
            expect_still_usable(&f);
        }
        assert_status(save_under(&f, failing(IO_FSYNC_FOLDER, 1, EINVAL)), GAN_OK);
        expect_present_file(&f);
        fixture_free(&f);
    }
}

/* Saves with the file size limited to `limit` bytes (SIGXFSZ ignored: writes past it fail
 * with EFBIG), as a full disk would cut them. */
static gan_status save_with_size_limit(fixture *f, rlim_t limit)
{
    write_bytes(f->path, f->old_bytes, f->old_count);
    struct rlimit unlimited, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &unlimited), 0);
    small = unlimited;
    small.rlim_cur = limit;
    void (*previous)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    gan_status status = f->subject->save(&f->game, f->path);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &unlimited), 0);
    signal(SIGXFSZ, previous);
    return status;
}

/* The size of a save of the present state. */
static size_t present_size(fixture *f)
{
    const char *path = temp_path("count.safetensors");
    assert_status(f->subject->save(&f->game, path), GAN_OK);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_true(info.st_size > 40);
    return (size_t)info.st_size;
}

/* The disk is full after `limit` bytes of the file: the previous file stays. */
static void expect_full_disk_survived(fixture *f, size_t limit)
{
    assert_status(save_with_size_limit(f, (rlim_t)limit), GAN_ERR_IO);
    file_size_limits++;
    expect_message(f, "write", f->temporary, EFBIG);
    expect_previous_file(f);
    expect_still_usable(f);
}

/* A real full disk at 0 bytes, every size/40 bytes, and one byte short of the file: the
 * previous file stays; exactly the file's size is enough. */
static void a_full_disk_keeps_the_previous_file(void **state)
{
    (void)state;
    for (size_t s = 0; s < sizeof subjects / sizeof subjects[0]; s++) {
        fixture f;
        fixture_new(&f, subjects[s]);
        size_t size = present_size(&f);
        for (size_t limit = 0; limit < size - 1; limit += size / 40)
            expect_full_disk_survived(&f, limit);
        expect_full_disk_survived(&f, present_size(&f) - 1);
        /* (the checkpoint's size changes with the trainer's step count) */
        assert_status(save_with_size_limit(&f, (rlim_t)present_size(&f)), GAN_OK);
        expect_present_file(&f);
        fixture_free(&f);
    }
}

/* The PNG writer goes through the same module: each failure keeps the previous image. */
static void failed_png_writes_keep_the_previous_image(void **state)
{
    (void)state;
    gan_tensor *images = NULL;
    assert_status(gan_tensor_new(&images, 4, (const int64_t[]){4, 1, 8, 8}), GAN_OK);
    for (int i = 0; i < 4 * 64; i++)
        gan_tensor_data(images)[i] = (float)(i % 7) / 6.0f;
    const char *path = temp_path("grid.png");
    write_bytes(path, "previous", 8);
    io_reset();
    assert_status(gan_image_write_png_grid(temp_path("count.png"), images, 2, 0.0f, 1.0f), GAN_OK);
    long writes = io_calls[IO_WRITE];
    assert_true(writes >= 1);
    for (io_op op = IO_CREATE; op <= IO_RENAME; op++)
        for (long n = 1; n <= (op == IO_WRITE ? writes : 1); n++) {
            io_reset();
            io_plan = failing(op, n, ENOSPC);
            long injected = io_injected;
            gan_status status = gan_image_write_png_grid(path, images, 2, 0.0f, 1.0f);
            io_reset();
            assert_true(io_injected > injected);
            assert_status(status, GAN_ERR_IO);
            assert_error_mentions(io_op_names[op]);
            assert_error_mentions(strerror(ENOSPC));
            expect_file_is(path, "previous", 8);
            assert_int_equal(count_temporaries(temp_dir), 0);
        }
    gan_tensor_free(images);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_failed_write_keeps_the_previous_file),
        cmocka_unit_test(short_and_interrupted_writes_are_completed),
        cmocka_unit_test(failures_before_the_rename_keep_the_previous_file),
        cmocka_unit_test(folder_failures_after_the_rename_leave_the_new_file),
        cmocka_unit_test(a_full_disk_keeps_the_previous_file),
        cmocka_unit_test(failed_png_writes_keep_the_previous_image),
    };
    int failed = cmocka_run_group_tests(tests, io_test_setup, io_test_teardown);
    printf("# I/O faults injected: %ld (", io_injected);
    for (int op = 0; op < IO_OPS; op++)
        printf("%s%s %ld", op ? ", " : "", io_op_names[op], io_injected_per_op[op]);
    printf("); %ld short writes; %ld saves cut short by a file size limit\n", io_short_writes,
           file_size_limits);
    return failed;
}
