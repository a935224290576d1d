-- 0034_station_facility_mask.sql - a station's facilities as one mask in its row (issue 16):
-- bit b set when the station has the facility whose `bit` is b. A load of a million stations
-- wrote about seven link rows a station into station_facilities (the largest step of the load),
-- and the server's start joined them back; the mask is written with the station and read with
-- it. station_facilities becomes a view derived from the mask, for anyone reading the database
-- with SQL. The C code checks every bit against `facilities` before writing (store/stations.c).
ALTER TABLE stations ADD COLUMN facilities BIGINT NOT NULL DEFAULT 0;
UPDATE stations s SET facilities = m.mask FROM (SELECT sf.station_id, bit_or(CAST(1 AS BIGINT)
    << f.bit) AS mask FROM station_facilities sf JOIN facilities f ON f.code = sf.facility_code
    GROUP BY sf.station_id) m WHERE m.station_id = s.id;
DROP TABLE station_facilities;
CREATE VIEW station_facilities (station_id, facility_code) AS
    SELECT s.id, f.code FROM stations s JOIN facilities f ON ((s.facilities >> f.bit) & 1) = 1;
