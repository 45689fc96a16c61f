-- The ClickHouse tables the clickstream flow lands in. Run with the
-- database selected, e.g.
--   clickhouse-client --database clickstream --multiquery < clickhouse.sql
-- (ClickHouse 18.16 or later). The sink inserts every update of a count;
-- ReplacingMergeTree keeps, per key, the row with the highest count, which
-- is the latest, and makes a row inserted twice (at-least-once delivery)
-- count once. Query with FINAL (or max(views) … GROUP BY) for exact counts.

-- Every page view.
CREATE TABLE pageviews (
  viewtime DateTime,
  userid   String,
  pageid   String
) ENGINE = MergeTree ORDER BY (pageid, viewtime);

-- Views per page per one-minute window.
CREATE TABLE views_per_page_per_minute (
  page         String,
  window_start DateTime,
  views        UInt64
) ENGINE = ReplacingMergeTree(views) ORDER BY (page, window_start);

-- Views per user, all time.
CREATE TABLE views_per_user (
  user  String,
  views UInt64
) ENGINE = ReplacingMergeTree(views) ORDER BY user;
