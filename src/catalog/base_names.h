/* SPDX-License-Identifier: MIT */
/* catalog/base_names.h - included first by catalog.c only: the snapshot catalog.c builds is
 * the *base* of a published snapshot, and its functions take the names yz__base_* (declared
 * in catalog/base.h). The public yz_snap_* functions are catalog/overlay.c's, which answer
 * from a base plus a small delta of later writes (docs/internals/catalog.md, "Writes").
 * So catalog.c keeps the public names in its source, and the two files merge with anyone's
 * change to the base's internals. A new yz_snap_* function in catalog.h needs a line here,
 * a declaration in base.h and its overlay version in overlay.c. */
#ifndef YZ_CATALOG_BASE_NAMES_H
#define YZ_CATALOG_BASE_NAMES_H

#define yz_snap yz__base
#define yz_snap_build yz__base_build
#define yz_snap_copy_stations yz__base_copy_stations
#define yz_snap_count yz__base_count
#define yz_snap_district yz__base_district
#define yz_snap_district_count yz__base_district_count
#define yz_snap_facility yz__base_facility
#define yz_snap_facility_bit yz__base_facility_bit
#define yz_snap_facility_count yz__base_facility_count
#define yz_snap_find_code yz__base_find_code
#define yz_snap_find_code_loose yz__base_find_code_loose
#define yz_snap_find_district yz__base_find_district
#define yz_snap_find_id yz__base_find_id
#define yz_snap_fragment_append yz__base_fragment_append
#define yz_snap_fragment_member_append yz__base_fragment_member_append
#define yz_snap_free yz__base_free
#define yz_snap_hant_wait yz__base_hant_wait
#define yz_snap_holidays yz__base_holidays
#define yz_snap_hours yz__base_hours
#define yz_snap_index_bytes yz__base_index_bytes
#define yz_snap_is_open yz__base_is_open
#define yz_snap_list yz__base_list
#define yz_snap_memory yz__base_memory
#define yz_snap_name_lang_append yz__base_name_lang_append
#define yz_snap_nav_text yz__base_nav_text
#define yz_snap_nearby yz__base_nearby
#define yz_snap_next_change yz__base_next_change
#define yz_snap_position yz__base_position
#define yz_snap_prefetch yz__base_prefetch
#define yz_snap_station yz__base_station
#define yz_snap_station_code yz__base_station_code
#define yz_snap_station_district_code yz__base_station_district_code
#define yz_snap_station_get yz__base_station_get
#define yz_snap_station_id yz__base_station_id
#define yz_snap_station_name yz__base_station_name
#define yz_snap_station_status yz__base_station_status
#define yz_snap_station_version yz__base_station_version
#define yz_snap_text_bytes yz__base_text_bytes
#define yz_snap_tz_offset yz__base_tz_offset
#define yz_snap_understand yz__base_understand

#endif
