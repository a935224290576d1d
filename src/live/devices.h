/* SPDX-License-Identifier: MIT */
/* live/devices.h - what the API and the CLI share about registering devices
 * (docs/internals/live.md). */
#ifndef YZ_LIVE_DEVICES_H
#define YZ_LIVE_DEVICES_H

#include <stddef.h>

/* A new device key: 32 random bytes (libsodium) as base64url without padding, 43 characters
 * and a NUL into out (room for 48). sodium_init must have run. */
void yz_device_new_key(char out[48]);

#endif
