/* test_crypto.c: SHA-256 (buffer, stream, file), hex encoding, wiping. */
#include "dk_test.h"

#include "dk_crypto.h"

#include <string.h>

#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_sha256_matches_the_standard_vector(void **state)
{
    char hex[DK_SHA256_HEX];
    dk_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, ABC_SHA256);
    assert_true(dk_sha256_hex_valid(hex));
}

static void test_streaming_hash_equals_one_shot_hash(void **state)
{
    dk_sha256 h;
    dk_sha256_start(&h);
    dk_sha256_update(&h, "a", 1);
    dk_sha256_update(&h, "", 0);
    dk_sha256_update(&h, "bc", 2);
    char hex[DK_SHA256_HEX];
    dk_sha256_finish_hex(&h, hex);
    assert_string_equal(hex, ABC_SHA256);
}

static void test_file_hash_is_bounded(void **state)
{
    char *dir = dkt_mkdtemp("crypto");
    dkt_write(dir, "f", "abc");
    char path[4096], hex[DK_SHA256_HEX];
    snprintf(path, sizeof path, "%s/f", dir);
    uint64_t len = 0;
    assert_int_equal(dk_sha256_file(path, 3, hex, &len), DK_OK);
    assert_string_equal(hex, ABC_SHA256);
    assert_int_equal(len, 3);
    assert_int_equal(dk_sha256_file(path, 2, hex, &len), DK_ERR_LIMIT);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(dk_sha256_file(path, 10, hex, &len), DK_ERR_NOTFOUND);
    dkt_rmdir(dir);
}

static void test_hex_round_trip_and_rejects(void **state)
{
    const unsigned char bin[3] = {0x00, 0xab, 0xff};
    char hex[7];
    dk_hex_encode(bin, 3, hex);
    assert_string_equal(hex, "00abff");
    unsigned char back[3];
    assert_int_equal(dk_hex_decode("00ABff", back, 3), DK_OK);
    assert_memory_equal(back, bin, 3);
    assert_int_equal(dk_hex_decode("00abfg", back, 3), DK_ERR_INVALID);
    assert_int_equal(dk_hex_decode("00abff00", back, 3), DK_ERR_INVALID);
    assert_int_equal(dk_hex_decode("00ab", back, 3), DK_ERR_INVALID);
    assert_false(dk_sha256_hex_valid("ABC"));
    assert_false(dk_sha256_hex_valid(
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")); /* upper case */
}

static void test_wipe_clears_memory(void **state)
{
    char secret[16] = "volunteer data";
    dk_wipe(secret, sizeof secret);
    for (size_t i = 0; i < sizeof secret; i++)
        assert_int_equal(secret[i], 0);
}

static void test_pin_hash_verifies_only_the_right_pin(void **state)
{
    char hash[DK_PIN_HASH_MAX];
    assert_int_equal(dk_pin_hash("2468", hash, sizeof hash), DK_OK);
    assert_non_null(strstr(hash, "$argon2id$"));
    assert_int_equal(dk_pin_verify(hash, "2468"), DK_OK);
    assert_int_equal(dk_pin_verify(hash, "2469"), DK_ERR_CRYPTO);
    assert_int_equal(dk_pin_verify(hash, ""), DK_ERR_CRYPTO);
    assert_int_equal(dk_pin_verify("plain-text-pin", "2468"), DK_ERR_INVALID);
}

int main(void)
{
    assert_int_equal(dk_crypto_init(), DK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_matches_the_standard_vector),
        cmocka_unit_test(test_streaming_hash_equals_one_shot_hash),
        cmocka_unit_test(test_file_hash_is_bounded),
        cmocka_unit_test(test_hex_round_trip_and_rejects),
        cmocka_unit_test(test_wipe_clears_memory),
        cmocka_unit_test(test_pin_hash_verifies_only_the_right_pin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
