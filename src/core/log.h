/* SPDX-License-Identifier: MIT */
/* core/log.h - one-line log records to stderr: time, level, message. Thread-safe
 * (each record is a single write). */
#ifndef YZ_LOG_H
#define YZ_LOG_H

enum { YZ_LOG_DEBUG, YZ_LOG_INFO, YZ_LOG_WARN, YZ_LOG_ERROR };

/* Records below `level` are dropped. Default YZ_LOG_INFO; YIZHAN_LOG=debug|info|warn|error. */
void yz_log_set_level(int level);
void yz_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define yz_log_info(...) yz_log(YZ_LOG_INFO, __VA_ARGS__)
#define yz_log_warn(...) yz_log(YZ_LOG_WARN, __VA_ARGS__)
#define yz_log_error(...) yz_log(YZ_LOG_ERROR, __VA_ARGS__)

#endif
