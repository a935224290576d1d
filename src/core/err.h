/* SPDX-License-Identifier: MIT */
/* core/err.h - the one error enum of yizhan, its wording in three languages, and the
 * caller-provided error-info struct that carries details up to the API or CLI layer. */
#ifndef YZ_ERR_H
#define YZ_ERR_H

#include <stddef.h>

/* Every error code with its API name and user messages (zh-Hans, zh-Hant, en).
 * The mapping to HTTP statuses lives in src/api/errors.c, nowhere else. */
#define YZ_ERR_MAP(X)                                                                          \
    X(EINVAL, -1, "invalid_field", "字段无效", "欄位無效", "invalid field")                    \
    X(ENOTFOUND, -2, "not_found", "未找到", "未找到", "not found")                             \
    X(ECONFLICT, -3, "conflict", "已存在", "已存在", "already exists")                         \
    X(ESTALE, -4, "stale_version", "数据已被他人修改", "資料已被他人修改",                     \
      "the record was changed by someone else")                                                \
    X(EUNAUTH, -5, "unauthorized", "需要登录凭证", "需要登入憑證", "authorization required")   \
    X(EFORBIDDEN, -6, "forbidden", "无权操作", "無權操作", "not allowed")                      \
    X(ETOOBIG, -7, "too_large", "内容过大", "內容過大", "too large")                           \
    X(EMETHOD, -8, "method_not_allowed", "不支持该方法", "不支援該方法", "method not allowed") \
    X(EDB, -9, "db_error", "数据库错误", "資料庫錯誤", "database error")                       \
    X(EIO, -10, "io_error", "读写错误", "讀寫錯誤", "input/output error")                      \
    X(EINTERNAL, -11, "internal_error", "内部错误", "內部錯誤", "internal error")              \
    X(EUNAVAIL, -12, "unavailable", "服务繁忙", "服務繁忙", "service unavailable")         \
    X(EPRECOND, -13, "precondition_required", "缺少版本号（If-Match）",                      \
      "缺少版本號（If-Match）", "the If-Match version is required")                          \
    X(ERATE, -14, "rate_limited", "操作太频繁，请稍后再试", "操作太頻繁，請稍後再試",        \
      "too many requests, try again later")                                                    \
    X(EEXPIRED, -15, "token_expired", "凭证已过期，请重新领取", "憑證已過期，請重新領取",    \
      "the token has expired; get a new one")                                                  \
    X(EMEDIA, -16, "unsupported_media_type", "不支持的文件类型", "不支援的檔案類型",           \
      "unsupported media type")

enum {
    YZ_OK = 0,
#define YZ__ERR_ENUM(name, val, api, hans, hant, en) YZ_##name = val,
    YZ_ERR_MAP(YZ__ERR_ENUM)
#undef YZ__ERR_ENUM
};

/* Details of one failure. The caller provides it (usually on its stack); nobody allocates
 * it. `field` names the input at fault ("" when none); `msg` is simplified Chinese and
 * `msg_en` English, each a complete sentence about this failure. */
typedef struct yz_errinfo {
    int code;         /* one of the YZ_E* values, or YZ_OK */
    char field[32];   /* input field at fault, "" if none */
    char msg[192];    /* zh-Hans detail, UTF-8 */
    char msg_en[192]; /* English detail */
} yz_errinfo;

/* The API name of `code` ("invalid_field"); "unknown" for a code not in the map. */
const char *yz_err_name(int code);

/* The generic message for `code` in zh-Hans, zh-Hant or English. Returns borrowed static text. */
const char *yz_strerror(int code);
const char *yz_strerror_hant(int code);
const char *yz_strerror_en(int code);

/* Fill `ei` (may be NULL) and return `code`, so that `return yz_err_set(...)` reads well.
 * `zh` and `en` are complete messages; NULL uses the generic message for `code`. */
int yz_err_set(yz_errinfo *ei, int code, const char *field, const char *zh, const char *en);

/* As yz_err_set, with printf formats. Both formats consume the same arguments, in order. */
int yz_err_setf(yz_errinfo *ei, int code, const char *field, const char *zh_fmt,
                const char *en_fmt, ...) __attribute__((format(printf, 4, 6)));

/* Reset `ei` to YZ_OK with empty strings. Accepts NULL. */
void yz_err_clear(yz_errinfo *ei);

#endif
