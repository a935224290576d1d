/* SPDX-License-Identifier: MIT */
/* core/err.c - names and messages of the error codes, generated from YZ_ERR_MAP. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LOOKUP(col)                                                                            \
    switch (code) {                                                                            \
    YZ_ERR_MAP(col)                                                                            \
    default:                                                                                   \
        break;                                                                                 \
    }

const char *yz_err_name(int code)
{
    if (code == YZ_OK)
        return "ok";
#define C(name, val, api, hans, hant, en)                                                      \
    case YZ_##name:                                                                            \
        return api;
    LOOKUP(C)
#undef C
    return "unknown";
}

const char *yz_strerror(int code)
{
    if (code == YZ_OK)
        return "成功";
#define C(name, val, api, hans, hant, en)                                                      \
    case YZ_##name:                                                                            \
        return hans;
    LOOKUP(C)
#undef C
    return "未知错误";
}

const char *yz_strerror_hant(int code)
{
    if (code == YZ_OK)
        return "成功";
#define C(name, val, api, hans, hant, en)                                                      \
    case YZ_##name:                                                                            \
        return hant;
    LOOKUP(C)
#undef C
    return "未知錯誤";
}

const char *yz_strerror_en(int code)
{
    if (code == YZ_OK)
        return "ok";
#define C(name, val, api, hans, hant, en)                                                      \
    case YZ_##name:                                                                            \
        return en;
    LOOKUP(C)
#undef C
    return "unknown error";
}

int yz_err_set(yz_errinfo *ei, int code, const char *field, const char *zh, const char *en)
{
    if (!ei)
        return code;
    ei->code = code;
    snprintf(ei->field, sizeof ei->field, "%s", field ? field : "");
    snprintf(ei->msg, sizeof ei->msg, "%s", zh ? zh : yz_strerror(code));
    snprintf(ei->msg_en, sizeof ei->msg_en, "%s", en ? en : yz_strerror_en(code));
    return code;
}

int yz_err_setf(yz_errinfo *ei, int code, const char *field, const char *zh_fmt,
                const char *en_fmt, ...)
{
    if (!ei)
        return code;
    va_list ap, ap2;
    va_start(ap, en_fmt);
    va_copy(ap2, ap);
    ei->code = code;
    snprintf(ei->field, sizeof ei->field, "%s", field ? field : "");
    vsnprintf(ei->msg, sizeof ei->msg, zh_fmt, ap);
    vsnprintf(ei->msg_en, sizeof ei->msg_en, en_fmt, ap2);
    va_end(ap2);
    va_end(ap);
    return code;
}

void yz_err_clear(yz_errinfo *ei)
{
    if (!ei)
        return;
    memset(ei, 0, sizeof *ei);
}
