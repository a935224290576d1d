/* SPDX-License-Identifier: MIT */
/* api/events.c - the events area of the API (placeholder until the area lands). */
#include "api/api_int.h"

void yz__api_register_events(yz_api *api, yz_http_server *srv)
{
    (void)api;
    (void)srv;
}

void yz__api_free_events(yz_api *api)
{
    (void)api;
}

void yz__api_render_today(yz_api *api, const yz_snap *s, size_t i, int64_t t, yz_buf *b)
{
    (void)api;
    (void)s;
    (void)i;
    (void)t;
    (void)b;
}
