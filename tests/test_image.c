/* test_image.c: image headers: type and size of JPEG, PNG and WebP without decoding. */
#include "dk_test.h"

#include "dk_image.h"

#include <string.h>

static void test_png_size_is_read_from_ihdr(void **state)
{
    const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                 'I', 'H', 'D', 'R', 0, 0, 7, 0x80, 0, 0, 4, 0x38, 8, 2};
    dk_image_info info;
    assert_int_equal(dk_image_probe(png, sizeof png, &info), DK_OK);
    assert_string_equal(info.mime, "image/png");
    assert_int_equal(info.width, 1920);
    assert_int_equal(info.height, 1080);
    assert_int_equal(dk_image_probe(png, 20, &info), DK_ERR_INVALID); /* truncated */
}

static void test_jpeg_size_is_read_from_the_frame_header(void **state)
{
    /* SOI, APP0 (length 16), SOF2 (progressive) with 1080x1920 */
    const unsigned char jpg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0,
                                 1, 0, 1, 0, 0, 0xFF, 0xC2, 0, 17, 8, 0x07, 0x80, 0x04, 0x38, 3};
    dk_image_info info;
    assert_int_equal(dk_image_probe(jpg, sizeof jpg, &info), DK_OK);
    assert_string_equal(info.mime, "image/jpeg");
    assert_int_equal(info.width, 1080);
    assert_int_equal(info.height, 1920);
    /* A segment length that points past the end is not a size. */
    const unsigned char bad[] = {0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0, 0};
    assert_int_equal(dk_image_probe(bad, sizeof bad, &info), DK_ERR_INVALID);
}

static void test_webp_sizes_from_each_chunk_kind(void **state)
{
    unsigned char vp8[30] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' '};
    vp8[23] = 0x9d;
    vp8[24] = 0x01;
    vp8[25] = 0x2a;
    vp8[26] = 0x40; /* width 1600 = 0x640 */
    vp8[27] = 0x06;
    vp8[28] = 0x84; /* height 900 = 0x384 */
    vp8[29] = 0x03;
    dk_image_info info;
    assert_int_equal(dk_image_probe(vp8, sizeof vp8, &info), DK_OK);
    assert_string_equal(info.mime, "image/webp");
    assert_int_equal(info.width, 1600);
    assert_int_equal(info.height, 900);

    unsigned char vp8x[30] = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X'};
    vp8x[24] = 0x7f; /* width - 1 = 1919 = 0x77f */
    vp8x[25] = 0x07;
    vp8x[27] = 0x37; /* height - 1 = 1079 = 0x437 */
    vp8x[28] = 0x04;
    assert_int_equal(dk_image_probe(vp8x, sizeof vp8x, &info), DK_OK);
    assert_int_equal(info.width, 1920);
    assert_int_equal(info.height, 1080);
}

static void test_other_data_is_not_an_image(void **state)
{
    dk_image_info info;
    assert_int_equal(dk_image_probe("GIF89a", 6, &info), DK_ERR_INVALID);
    assert_int_equal(dk_image_probe("", 0, &info), DK_ERR_INVALID);
    const char riff[] = "RIFF\0\0\0\0WEBPXXXX0123456789012345";
    assert_int_equal(dk_image_probe(riff, sizeof riff, &info), DK_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_size_is_read_from_ihdr),
        cmocka_unit_test(test_jpeg_size_is_read_from_the_frame_header),
        cmocka_unit_test(test_webp_sizes_from_each_chunk_kind),
        cmocka_unit_test(test_other_data_is_not_an_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
