/* SPDX-License-Identifier: MIT */
/* cli/cli.h - the commands of the yizhan CLI that live outside main.c. Each takes the
 * command's own argc/argv (argv[0] is the command's name) and returns the exit code. */
#ifndef YZ_CLI_H
#define YZ_CLI_H

#include "core/err.h"
#include "store/store.h"

#include <stdint.h>

/* Print an error in both languages (and its field) to stderr; returns 1, the exit code. */
int yz__cli_fail(const yz_errinfo *ei);

/* yizhan user add|passwd|disable|enable|list|roles (cli/user.c). */
int yz__cli_user(int argc, char **argv);
/* yizhan permissions --markdown | --tsv (cli/user.c). */
int yz__cli_permissions(int argc, char **argv);

/* yizhan devices add|list (cli/devices.c). */
int yz__cli_devices(int argc, char **argv);

/* `yizhan simulate`: the demo's devices publishing through the broker (cli/simulate.c). */
int yz__cli_simulate(int argc, char **argv);

/* yizhan checklists load FILE.json | list (cli/checklists.c). */
int yz__cli_checklists(int argc, char **argv);

/* yizhan devices export-acl --passwd FILE --acl FILE [--db PATH] [--user NAME] (cli/mqtt.c):
 * argv[0] is "export-acl". */
int yz__cli_devices_export_acl(int argc, char **argv);

/* yizhan audit [--user U] [--record K:ID] [--since DATE] [--csv] ... (cli/audit.c). */
int yz__cli_audit_cmd(int argc, char **argv);

/* Append the audit entry of a writing CLI command (actor "cli", the OS user) to `st` (NULL:
 * nothing). `action` "cli:import", ...; before/after JSON or NULL; `rc` the exit code (0:
 * ok, else "failed" with `reason`). A failure to write is reported on stderr. */
void yz__cli_audit(yz_store *st, const char *action, const char *record_kind, int64_t record_id,
                   const char *before, const char *after, int rc, const char *reason);

#endif
