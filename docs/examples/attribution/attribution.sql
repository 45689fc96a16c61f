-- First-click attribution: for every checkout, the earliest click by the
-- same user on the same product within the hour before it; checkouts
-- enriched with the user's name from PostgreSQL and written back to the
-- PostgreSQL table commerce.attributed_checkouts.
-- Set the database's JDBC URL before running, e.g.
--   DEFINE pg_url = 'jdbc:postgresql://127.0.0.1:5432/shop?user=postgres';

-- 1. Users from PostgreSQL (commerce.users), new and changed rows read by
--    their id and updated_at, keyed by id (an INT, as the KAFKA format
--    writes it).
CREATE SOURCE CONNECTOR USERS_FROM_PG WITH (
  'connector.class'          = 'io.confluent.connect.jdbc.JdbcSourceConnector',
  'connection.url'           = '${pg_url}',
  'mode'                     = 'timestamp+incrementing',
  'incrementing.column.name' = 'id',
  'timestamp.column.name'    = 'updated_at',
  'table.whitelist'          = 'commerce.users',
  'topic.prefix'             = 'pg_',
  'poll.interval.ms'         = '1000',
  'transforms'               = 'toKey,keyId',
  'transforms.toKey.type'    = 'org.apache.kafka.connect.transforms.ValueToKey',
  'transforms.toKey.fields'  = 'id',
  'transforms.keyId.type'    = 'org.apache.kafka.connect.transforms.ExtractField$Key',
  'transforms.keyId.field'   = 'id',
  'key.converter'            = 'org.apache.kafka.connect.converters.IntegerConverter'
);

CREATE TABLE USERS (ID INT PRIMARY KEY)
  WITH (KAFKA_TOPIC='pg_users', KEY_FORMAT='KAFKA', VALUE_FORMAT='AVRO');

-- 2. Clicks and checkouts, timestamped by the time they happened
--    (epoch milliseconds).
CREATE STREAM CLICKS (CLICK_ID STRING, USER_ID INT, PRODUCT_ID STRING, CLICK_TS BIGINT)
  WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='CLICK_TS');

CREATE STREAM CHECKOUTS (CHECKOUT_ID STRING, USER_ID INT, PRODUCT_ID STRING, CHECKOUT_TS BIGINT)
  WITH (KAFKA_TOPIC='checkouts', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='CHECKOUT_TS');

-- 3. Every click by the same user on the same product from one hour
--    before a checkout up to the checkout itself (both ends included);
--    a checkout without one still comes out, with null click columns.
--    The join key is an expression (user/product), which the query must
--    select: ksqlDB names it ROWKEY.
CREATE STREAM CHECKOUT_CLICKS AS
  SELECT ROWKEY AS USER_PRODUCT,
         CO.CHECKOUT_ID AS CHECKOUT_ID,
         CO.USER_ID AS USER_ID,
         CO.CHECKOUT_TS AS CHECKOUT_TS,
         CL.CLICK_ID AS CLICK_ID,
         CL.CLICK_TS AS CLICK_TS
  FROM CHECKOUTS CO
  LEFT JOIN CLICKS CL WITHIN (1 HOUR, 0 SECONDS) GRACE PERIOD 10 MINUTES
    ON CONCAT(CAST(CO.USER_ID AS STRING), '/', CO.PRODUCT_ID) = CONCAT(CAST(CL.USER_ID AS STRING), '/', CL.PRODUCT_ID)
  EMIT CHANGES;

-- 4. The earliest of them per checkout. The click id rides along with its
--    time in one sortable string (13-digit time, '|', id), so MIN picks
--    both from the same click.
CREATE TABLE FIRST_CLICKS AS
  SELECT CHECKOUT_ID,
         LATEST_BY_OFFSET(USER_ID) AS USER_ID,
         LATEST_BY_OFFSET(CHECKOUT_TS) AS CHECKOUT_TS,
         MIN(CLICK_TS) AS CLICK_TS,
         MIN(LPAD(CAST(CLICK_TS AS STRING), 13, '0') + '|' + CLICK_ID) AS FIRST_CLICK
  FROM CHECKOUT_CLICKS
  GROUP BY CHECKOUT_ID
  EMIT CHANGES;

-- 5. With the user's name (a foreign-key join: a user renamed later
--    updates their checkouts too).
CREATE TABLE ATTRIBUTED_CHECKOUTS WITH (KAFKA_TOPIC='attributed_checkouts', VALUE_FORMAT='AVRO') AS
  SELECT F.CHECKOUT_ID AS CHECKOUT_ID,
         SUBSTRING(F.FIRST_CLICK, 15) AS CLICK_ID,
         FROM_UNIXTIME(F.CHECKOUT_TS) AS CHECKOUT_TIME,
         FROM_UNIXTIME(F.CLICK_TS) AS CLICK_TIME,
         U.NAME AS USER_NAME
  FROM FIRST_CLICKS F
  LEFT JOIN USERS U ON F.USER_ID = U.ID
  EMIT CHANGES;

-- 6. Into PostgreSQL: one row per checkout, upserted by checkout id (the
--    record key), the table created from the record schema. Unquoted
--    names, so PostgreSQL folds CLICK_ID to click_id.
CREATE SINK CONNECTOR ATTRIBUTION_TO_PG WITH (
  'connector.class'       = 'io.confluent.connect.jdbc.JdbcSinkConnector',
  'connection.url'        = '${pg_url}',
  'topics'                = 'attributed_checkouts',
  'table.name.format'     = 'commerce.attributed_checkouts',
  'insert.mode'           = 'upsert',
  'pk.mode'               = 'record_key',
  'pk.fields'             = 'checkout_id',
  'delete.enabled'        = 'true',
  'auto.create'           = 'true',
  'quote.sql.identifiers' = 'never',
  'key.converter'         = 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter'       = 'io.confluent.connect.avro.AvroConverter'
);
