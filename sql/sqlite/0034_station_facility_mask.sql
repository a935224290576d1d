-- 0034_station_facility_mask.sql - a station's facilities as one mask in its row (issue 16):
-- bit b set when the station has the facility whose `bit` is b. A load of a million stations
-- wrote about seven link rows a station into station_facilities (the largest step of the load),
-- and the server's start joined them back; the mask is written with the station and read with
-- it. station_facilities becomes a view derived from the mask, for anyone reading the database
-- with SQL. The C code checks every bit against `facilities` before writing (store/stations.c).
ALTER TABLE stations ADD COLUMN facilities INTEGER NOT NULL DEFAULT 0;
-- The links' bits are distinct (one facility a bit, one link a facility): their sum is their OR.
UPDATE stations SET facilities = (SELECT coalesce(sum(1 << f.bit), 0) FROM station_facilities sf
    JOIN facilities f ON f.code = sf.facility_code WHERE sf.station_id = stations.id);
DROP TABLE station_facilities;
CREATE VIEW station_facilities (station_id, facility_code) AS
    SELECT s.id, f.code FROM stations s JOIN facilities f ON ((s.facilities >> f.bit) & 1) = 1;
