/* White-box: the Philox-4x32-10 block function against Random123's known answers. */
#include "test_support.h"

#include "core/philox.h"

static void matches_the_published_known_answers(void **state)
{
    (void)state;
    /* Random123 kat_vectors, "philox4x32 10": counter, key, expected output. */
    static const struct {
        uint32_t counter[4], key[2], expected[4];
    } vectors[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        gan_philox_block counter;
        memcpy(counter.word, vectors[v].counter, sizeof counter.word);
        gan_philox_block out = gan__philox4x32_10(counter, vectors[v].key);
        for (int w = 0; w < 4; w++)
            assert_int_equal(out.word[w], vectors[v].expected[w]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_the_published_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
