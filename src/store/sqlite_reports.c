/* SPDX-License-Identifier: MIT */
/* store/sqlite_reports.c - the reports area of the SQLite backend (placeholder). */
#include "store/sqlite_int.h"

const struct yz_store_report_ops yz__sqlite_report_ops = {{"reports", NULL}};
