/* SPDX-License-Identifier: MIT */
/* api/errors.c - the one place where error codes become HTTP statuses and JSON bodies. */
#include "api/api_int.h"

#include "core/buf.h"

#include <string.h>

int yz_api_status(int code)
{
    switch (code) {
    case YZ_OK: return 200;
    case YZ_EINVAL: return 400;
    case YZ_EUNAUTH: return 401;
    case YZ_EFORBIDDEN: return 403;
    case YZ_ENOTFOUND: return 404;
    case YZ_EMETHOD: return 405;
    case YZ_ECONFLICT: return 409;
    case YZ_ESTALE: return 409;
    case YZ_ETOOBIG: return 413;
    case YZ_EMEDIA: return 415;
    case YZ_EPRECOND: return 428;
    case YZ_ERATE: return 429;
    case YZ_EEXPIRED: return 401;
    case YZ_EUNAVAIL: return 503;
    default: return 500;
    }
}

void yz_api_error(yz_http_req *req, const yz_errinfo *ei)
{
    yz_buf b;
    yz_buf_init(&b);
    int code = ei->code ? ei->code : YZ_EINTERNAL;
    const char *zh = ei->msg[0] ? ei->msg : yz_strerror(code);
    const char *en = ei->msg_en[0] ? ei->msg_en : yz_strerror_en(code);
    yz_buf_printf(&b, "{\"error\":\"%s\",\"field\":", yz_err_name(code));
    if (ei->field[0])
        yz_buf_json_str(&b, ei->field, strlen(ei->field));
    else
        yz_buf_puts(&b, "null");
    yz_buf_puts(&b, ",\"message\":");
    yz_buf_json_str(&b, zh, strlen(zh));
    yz_buf_puts(&b, ",\"message_en\":");
    yz_buf_json_str(&b, en, strlen(en));
    yz_buf_puts(&b, "}\n");
    int status = yz_api_status(code);
    yz__api_audit_error(req, ei);
    if (status == 401)
        yz_http_add_header(req, "WWW-Authenticate", "Bearer realm=\"yizhan\"");
    if (status == 503 && !yz_http_has_response_header(req, "Retry-After"))
        yz_http_add_header(req, "Retry-After", "2"); /* e.g. the database is restarting */
    yz_http_respond(req, status, "application/json; charset=utf-8", &b);
}

void yz_api_http_error(yz_http_req *req, int status, const char *reason)
{
    yz_errinfo ei;
    switch (status) {
    case 404:
        yz_err_set(&ei, YZ_ENOTFOUND, "", "没有这个地址", "no such resource");
        break;
    case 405:
        yz_err_set(&ei, YZ_EMETHOD, "", "此地址不支持该请求方法",
                   "this resource does not support the method");
        break;
    case 413:
        yz_err_set(&ei, YZ_ETOOBIG, "body", "请求体超过 64 KiB", "the body exceeds 64 KiB");
        break;
    case 503:
        yz_err_set(&ei, YZ_EUNAVAIL, "", "服务繁忙，请稍后再试", "the server is busy, try again");
        break;
    default:
        yz_err_set(&ei, YZ_EINTERNAL, "", NULL, reason);
    }
    yz_api_error(req, &ei);
}
