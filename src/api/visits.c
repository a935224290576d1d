/* SPDX-License-Identifier: MIT */
/* api/visits.c - the visits area of the API (placeholder until the area lands). */
#include "api/api_int.h"

void yz__api_register_visits(yz_api *api, yz_http_server *srv)
{
    (void)api;
    (void)srv;
}

void yz__api_free_visits(yz_api *api)
{
    (void)api;
}
