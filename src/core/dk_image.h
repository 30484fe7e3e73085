/* dk_image.h: reads an image's type and size from its header, without decoding any pixels. */
#ifndef DK_IMAGE_H
#define DK_IMAGE_H

#include "dk_error.h"

#include <stddef.h>

typedef struct dk_image_info {
    const char *mime; /* static string: "image/jpeg", "image/png", "image/webp" */
    int width, height; /* [px] */
} dk_image_info;

/* Identifies a JPEG, PNG or WebP image from its bytes and reads its dimensions. The packer checks
 * these against the limits before anything decodes the image, which stops decompression bombs.
 * Returns DK_ERR_INVALID (detail says why) for anything else or for a damaged header. */
dk_err dk_image_probe(const void *data, size_t len, dk_image_info *out) DK_MUST_CHECK;

#endif
