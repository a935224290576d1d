/* SPDX-License-Identifier: MIT */
/* live/devices.c - device keys (devices.h). */
#include "live/devices.h"

#include <sodium.h>

void yz_device_new_key(char out[48])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 48, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}
