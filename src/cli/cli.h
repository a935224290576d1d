/* SPDX-License-Identifier: MIT */
/* cli/cli.h - the commands of the yizhan CLI that live outside main.c. Each takes the
 * command's own argc/argv (argv[0] is the command's name) and returns the exit code. */
#ifndef YZ_CLI_H
#define YZ_CLI_H

#include "core/err.h"

/* Print an error in both languages (and its field) to stderr; returns 1, the exit code. */
int yz__cli_fail(const yz_errinfo *ei);

/* yizhan user add|passwd|disable|enable|list|roles (cli/user.c). */
int yz__cli_user(int argc, char **argv);
/* yizhan permissions --markdown | --tsv (cli/user.c). */
int yz__cli_permissions(int argc, char **argv);

#endif
