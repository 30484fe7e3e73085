/* dk_image.c: header parsers for JPEG, PNG and WebP (type and dimensions only). */
#include "dk_image.h"

#include <string.h>

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}
static unsigned le16(const unsigned char *p) { return (unsigned)p[1] << 8 | p[0]; }
static unsigned long le24(const unsigned char *p)
{
    return (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 | p[0];
}

static dk_err probe_png(const unsigned char *p, size_t len, dk_image_info *out)
{
    /* signature (8), then the IHDR chunk: length (4), "IHDR", width (4), height (4) */
    if (len < 24 || memcmp(p + 12, "IHDR", 4) != 0)
        return dk_error_set(DK_ERR_INVALID, "PNG without an IHDR header");
    unsigned long w = be32(p + 16), h = be32(p + 20);
    if (w == 0 || h == 0 || w > 0x7fffffffUL || h > 0x7fffffffUL)
        return dk_error_set(DK_ERR_INVALID, "PNG with impossible size %lux%lu", w, h);
    out->mime = "image/png";
    out->width = (int)w;
    out->height = (int)h;
    return DK_OK;
}

static dk_err probe_jpeg(const unsigned char *p, size_t len, dk_image_info *out)
{
    size_t i = 2; /* after SOI */
    while (i + 4 <= len) {
        if (p[i] != 0xFF)
            return dk_error_set(DK_ERR_INVALID, "JPEG with a damaged marker at byte %zu", i);
        unsigned char m = p[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) { /* markers without length */
            i += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA)
            break; /* end of image or start of scan before any frame header */
        unsigned seglen = be16(p + i + 2);
        if (seglen < 2)
            return dk_error_set(DK_ERR_INVALID, "JPEG segment with length %u", seglen);
        /* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size. */
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (i + 9 > len)
                break;
            unsigned h = be16(p + i + 5), w = be16(p + i + 7);
            if (w == 0 || h == 0)
                return dk_error_set(DK_ERR_INVALID, "JPEG with size %ux%u", w, h);
            out->mime = "image/jpeg";
            out->width = (int)w;
            out->height = (int)h;
            return DK_OK;
        }
        i += 2 + (size_t)seglen;
    }
    return dk_error_set(DK_ERR_INVALID, "JPEG without a frame header");
}

static dk_err probe_webp(const unsigned char *p, size_t len, dk_image_info *out)
{
    if (len < 30)
        return dk_error_set(DK_ERR_INVALID, "WebP file too short");
    const unsigned char *c = p + 12; /* first chunk */
    unsigned long w = 0, h = 0;
    if (memcmp(c, "VP8 ", 4) == 0) {
        /* frame tag (3), start code 9d 01 2a, then 14-bit width and height */
        if (c[11] != 0x9d || c[12] != 0x01 || c[13] != 0x2a)
            return dk_error_set(DK_ERR_INVALID, "WebP (VP8) without a start code");
        w = le16(c + 14) & 0x3fff;
        h = le16(c + 16) & 0x3fff;
    } else if (memcmp(c, "VP8L", 4) == 0) {
        if (c[8] != 0x2f)
            return dk_error_set(DK_ERR_INVALID, "WebP (lossless) without a signature");
        unsigned long bits = (unsigned long)c[9] | (unsigned long)c[10] << 8 |
                             (unsigned long)c[11] << 16 | (unsigned long)c[12] << 24;
        w = (bits & 0x3fff) + 1;
        h = ((bits >> 14) & 0x3fff) + 1;
    } else if (memcmp(c, "VP8X", 4) == 0) {
        w = le24(c + 12) + 1;
        h = le24(c + 15) + 1;
    } else {
        return dk_error_set(DK_ERR_INVALID, "WebP with an unknown first chunk");
    }
    if (w == 0 || h == 0)
        return dk_error_set(DK_ERR_INVALID, "WebP with size %lux%lu", w, h);
    out->mime = "image/webp";
    out->width = (int)w;
    out->height = (int)h;
    return DK_OK;
}

dk_err dk_image_probe(const void *data, size_t len, dk_image_info *out)
{
    const unsigned char *p = data;
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len >= 8 && memcmp(p, png_sig, 8) == 0)
        return probe_png(p, len, out);
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return probe_jpeg(p, len, out);
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return probe_webp(p, len, out);
    return dk_error_set(DK_ERR_INVALID, "not a JPEG, PNG or WebP image");
}
