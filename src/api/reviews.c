/* SPDX-License-Identifier: MIT */
/* api/reviews.c - the reviews area of the API (placeholder until the area lands). */
#include "api/api_int.h"

void yz__api_register_reviews(yz_api *api, yz_http_server *srv)
{
    (void)api;
    (void)srv;
}

void yz__api_free_reviews(yz_api *api)
{
    (void)api;
}

void yz__api_render_rating(yz_api *api, int64_t station_id, yz_buf *b)
{
    (void)api;
    (void)station_id;
    (void)b;
}
