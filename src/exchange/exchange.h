/* SPDX-License-Identifier: MIT */
/* exchange/exchange.h - stations in and out of the system: the JSON object the API takes,
 * CSV and GeoJSON files for import and export. One set of field names everywhere:
 *   code,name,address,district_code,district_name,lat,lon,crs,tier,partner_kind,
 *   partner_name,facilities,opening_hours,status,phone,seats,livelihood,batch,online_maps
 * plus tz, closed_reason and closed_until in JSON and GeoJSON. Readers are all-or-nothing:
 * one bad row and nothing is returned, the error naming the row and the field. */
#ifndef YZ_EXCHANGE_H
#define YZ_EXCHANGE_H

#include "core/buf.h"
#include "core/err.h"
#include "model/station.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The facilities known, for turning codes into bits. Borrowed. */
typedef struct yz_facility_list {
    const yz_facility *items;
    size_t n;
} yz_facility_list;

/* Set the fields of `st` from the JSON object `obj`. With `patch` false every required field
 * must be present (code, name, district_code, lat, lon) and absent ones take defaults; with
 * `patch` true only the members present change. Positions are read in `crs` (member "crs",
 * default wgs84) and stored as WGS-84. Read-only members a client may echo back (id,
 * version, created_at, updated_at, district, open_now, next_change, distance_m, nav) are
 * ignored; any other unknown member is an error. The result is validated
 * (yz_station_validate). On error `st` may be partly changed: work on a copy. */
int yz_exchange_station_from_json(const json_t *obj, yz_facility_list fac, bool patch,
                                  yz_station *st, yz_errinfo *ei);

/* Parse CSV (RFC 4180, UTF-8, header row with the field names above in any order; unknown
 * columns are an error) into owned station rows and the districts they name (code, name).
 * Returns YZ_OK, or YZ_EINVAL naming "第 N 行" / "row N" (1-based line of the file) and
 * the field. Duplicate codes within the file are an error. */
int yz_exchange_read_csv(const char *data, size_t len, yz_facility_list fac, yz_station **rows,
                         size_t *n, yz_district **districts, size_t *n_districts,
                         yz_errinfo *ei);

/* Parse a GeoJSON FeatureCollection of Point features whose properties carry the field
 * names above; coordinates are [lon, lat] in the properties' crs (default wgs84). Errors
 * name "feature N" (1-based). Otherwise as yz_exchange_read_csv. */
int yz_exchange_read_geojson(const char *data, size_t len, yz_facility_list fac,
                             yz_station **rows, size_t *n, yz_district **districts,
                             size_t *n_districts, yz_errinfo *ei);

/* As yz_exchange_read_csv (`geojson` false) or yz_exchange_read_geojson, for a report: also
 * gives where each row is in the file, the 1-based line it starts on (CSV) or its feature
 * number (GeoJSON), in *where (owned, *n entries, yz_free; NULL on error), and on error where
 * the failing row is in *err_where (0 when the error is the file's: its header, its JSON). */
int yz_exchange_read_report(bool geojson, const char *data, size_t len, yz_facility_list fac,
                            yz_station **rows, size_t *n, yz_district **districts,
                            size_t *n_districts, size_t **where, size_t *err_where,
                            yz_errinfo *ei);

/* Read a file by its extension (.csv, .geojson or .json). */
int yz_exchange_read_file(const char *path, yz_facility_list fac, yz_station **rows, size_t *n,
                          yz_district **districts, size_t *n_districts, yz_errinfo *ei);

/* Free the districts array returned by a reader. Accepts NULL. */
void yz_exchange_districts_free(yz_district *d, size_t n);

/* A CSV file read on a thread of its own, its rows handed out as they are parsed (for a load
 * that writes them meanwhile: `yizhan import`). The same checks and messages as
 * yz_exchange_read_file; all its rows stay the stream's until it is closed. */
typedef struct yz_exchange_stream yz_exchange_stream;

/* Read the CSV file `path` and start parsing it (`fac` borrowed until the stream is closed).
 * Returns YZ_OK, or YZ_EIO when the file cannot be read. */
int yz_exchange_stream_open(const char *path, yz_facility_list fac, yz_exchange_stream **out,
                            yz_errinfo *ei);
/* At least as many as the rows the file can hold (one a line). */
size_t yz_exchange_stream_hint(const yz_exchange_stream *s);
/* The rows parsed since the last call, in order, waiting for some: *rows (the stream's) and
 * *n of them, with the districts first named in them (*d, *nd: the stream's, as
 * yz_exchange_read_file gives them for the whole file); *n = 0 once all were handed out.
 * Returns YZ_OK, or the reader's error (ei filled: the row and the field, as
 * yz_exchange_read_file says it), after which nothing of the file is to be kept. `ctx` is the
 * stream (the shape of yz_store_import_stream's source). */
int yz_exchange_stream_next(void *ctx, yz_station **rows, size_t *n, const yz_district **d,
                            size_t *nd, yz_errinfo *ei);
/* Let the reader run to the end (it no longer waits to be read) and return its result: YZ_OK
 * with the rows' count, or its error (ei filled). A caller whose own writing failed asks this
 * first: an error in the file is the one to report, as when the file was read before. */
int yz_exchange_stream_wait(yz_exchange_stream *s, size_t *n_rows, yz_errinfo *ei);
/* Once the reader ended: the seconds it took (wall clock), else 0. */
double yz_exchange_stream_parse_s(yz_exchange_stream *s);
/* Wait for the reader and free everything. NULL is a no-op. */
void yz_exchange_stream_close(yz_exchange_stream *s);

/* Write stations as CSV with the header row, or as a GeoJSON FeatureCollection (WGS-84).
 * Borrows everything. */
/* Append `v` (NULL: "") as one CSV text cell: quoted when RFC 4180 needs it, and with a guard
 * quote in front when a spreadsheet could take it for a formula (=, +, -, @, tab, CR after any
 * leading quotes). Every CSV export writes its text cells through this. */
void yz_exchange_csv_cell(yz_buf *out, const char *v);
void yz_exchange_write_csv(const yz_station *st, size_t n, yz_facility_list fac, yz_buf *out);
void yz_exchange_write_geojson(const yz_station *st, size_t n, yz_facility_list fac,
                               yz_buf *out);

/* Facility mask to a ";"-separated list of codes, appended to `out`. */
void yz_exchange_facility_codes(uint64_t mask, yz_facility_list fac, const char *sep,
                                yz_buf *out);
/* Parse a list of facility codes separated by ',' or ';' into a mask. YZ_EINVAL names
 * `field` and the unknown code. */
int yz_exchange_parse_facilities(const char *list, yz_facility_list fac, const char *field,
                                 uint64_t *mask, yz_errinfo *ei);

#endif
