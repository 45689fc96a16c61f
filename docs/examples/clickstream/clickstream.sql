-- Clickstream: generated page views, counted per page per minute and per
-- user, landed in ClickHouse tables by its sink connector. Create the
-- tables first (clickhouse.sql), then DEFINE the variables, e.g.
--   DEFINE ch_host = '127.0.0.1'; DEFINE ch_port = '8123';
--   DEFINE ch_database = 'clickstream';
--   DEFINE max_interval = '100'; DEFINE iterations = '100000';

-- The queries below start after the generator: read its topic from the
-- beginning, or the views it wrote before them would not be counted.
SET 'auto.offset.reset' = 'earliest';

-- 1. Page views from the data generator (Avro; the schema lands in the
--    Schema Registry, so the stream below needs no columns).
CREATE SOURCE CONNECTOR PAGEVIEWS_GEN WITH (
  'connector.class' = 'io.confluent.kafka.connect.datagen.DatagenConnector',
  'kafka.topic'     = 'pageviews',
  'quickstart'      = 'pageviews',
  'max.interval'    = '${max_interval}',
  'iterations'      = '${iterations}',
  'random.seed'     = '42'
);

-- 2. A stream over the topic.
CREATE STREAM PAGEVIEWS WITH (KAFKA_TOPIC='pageviews', VALUE_FORMAT='AVRO');

-- 3. The page views with their time as a TIMESTAMP (the generator's
--    viewtime is a plain BIGINT of milliseconds), so that ClickHouse gets
--    a DateTime.
CREATE STREAM PAGEVIEWS_TIMED AS
  SELECT FROM_UNIXTIME(VIEWTIME) AS VIEWTIME, USERID, PAGEID
  FROM PAGEVIEWS
  EMIT CHANGES;

-- 4. Views per page per minute.
CREATE TABLE VIEWS_PER_PAGE_PER_MINUTE AS
  SELECT PAGEID,
         AS_VALUE(PAGEID) AS PAGE,
         FROM_UNIXTIME(WINDOWSTART) AS WINDOW_START,
         COUNT(*) AS VIEWS
  FROM PAGEVIEWS
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY PAGEID
  EMIT CHANGES;

-- 5. Views per user.
CREATE TABLE VIEWS_PER_USER AS
  SELECT USERID,
         AS_VALUE(USERID) AS USER,
         COUNT(*) AS VIEWS
  FROM PAGEVIEWS
  GROUP BY USERID
  EMIT CHANGES;

-- 6. All three into ClickHouse, one table per topic. Record fields meet
--    columns by name, ignoring case; fields without a column (the keys
--    copied by AS_VALUE) are dropped.
CREATE SINK CONNECTOR CLICKSTREAM_TO_CLICKHOUSE WITH (
  'connector.class' = 'com.clickhouse.kafka.connect.ClickHouseSinkConnector',
  'topics'          = 'PAGEVIEWS_TIMED,VIEWS_PER_PAGE_PER_MINUTE,VIEWS_PER_USER',
  'topic2TableMap'  = 'PAGEVIEWS_TIMED=pageviews,VIEWS_PER_PAGE_PER_MINUTE=views_per_page_per_minute,VIEWS_PER_USER=views_per_user',
  'hostname'        = '${ch_host}',
  'port'            = '${ch_port}',
  'ssl'             = 'false',
  'database'        = '${ch_database}',
  'username'        = 'default',
  'password'        = '',
  'key.converter'   = 'org.apache.kafka.connect.converters.ByteArrayConverter',
  'value.converter' = 'io.confluent.connect.avro.AvroConverter'
);
