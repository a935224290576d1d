-- 0019_console_meals.sql - (PostgreSQL dialect) what the console's events and meals screens
-- need (docs/internals/console.md): a version on events, so that an edit sends If-Match and a
-- stale one is refused; and on offers a version plus withdrawn_at (unix seconds, NULL while
-- the offer stands): a withdrawn offer takes no new orders, the orders taken stay valid.
ALTER TABLE events ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE meal_offers ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE meal_offers ADD COLUMN withdrawn_at BIGINT;
CREATE INDEX meal_orders_day ON meal_orders (canteen_id, day, id);
