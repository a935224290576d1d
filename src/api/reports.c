/* SPDX-License-Identifier: MIT */
/* api/reports.c - the reports area of the API (placeholder until the area lands). */
#include "api/api_int.h"

void yz__api_register_reports(yz_api *api, yz_http_server *srv)
{
    (void)api;
    (void)srv;
}

void yz__api_free_reports(yz_api *api)
{
    (void)api;
}
