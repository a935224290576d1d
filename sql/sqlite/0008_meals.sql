-- 0008_meals.sql - 10-yuan meals: canteens, their daily offers with a quota, and workers'
-- orders with a pickup code. Days are local dates (Asia/Shanghai) as days since 1970-01-01;
-- times of day are local minutes after midnight; instants are unix seconds.
CREATE TABLE canteens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    station_id INTEGER REFERENCES stations(id) ON DELETE SET NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    opens_min INTEGER NOT NULL CHECK (opens_min BETWEEN 0 AND 1439),
    closes_min INTEGER NOT NULL CHECK (closes_min > opens_min AND closes_min <= 1440),
    created_at INTEGER NOT NULL
);

CREATE TABLE meal_offers (
    id INTEGER PRIMARY KEY,
    canteen_id INTEGER NOT NULL REFERENCES canteens(id),
    day INTEGER NOT NULL,
    dish TEXT NOT NULL,
    dish_en TEXT,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    quota INTEGER NOT NULL CHECK (quota >= 1),
    sold INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0 AND sold <= quota),
    created_at INTEGER NOT NULL
);
CREATE INDEX meal_offers_day ON meal_offers (day, canteen_id);

-- One order per worker and day (UNIQUE (worker_id, day)) across all canteens, and pickup
-- codes unique per canteen and day: the rules hold even against a writer that skips the
-- checks made before the insert.
CREATE TABLE meal_orders (
    id INTEGER PRIMARY KEY,
    offer_id INTEGER NOT NULL REFERENCES meal_offers(id),
    canteen_id INTEGER NOT NULL REFERENCES canteens(id),
    worker_id INTEGER NOT NULL REFERENCES workers(id),
    day INTEGER NOT NULL,
    pickup_code TEXT NOT NULL CHECK (length(pickup_code) = 6),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    redeemed_at INTEGER,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'redeemed', 'expired')),
    UNIQUE (worker_id, day),
    UNIQUE (canteen_id, day, pickup_code)
);
CREATE INDEX meal_orders_code ON meal_orders (canteen_id, pickup_code, day);
CREATE INDEX meal_orders_open ON meal_orders (expires_at) WHERE status = 'open';
