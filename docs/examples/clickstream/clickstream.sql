-- Clickstream: generated page views, counted per page per minute, landed
-- in a file by a sink connector. Set the output file with DEFINE before
-- running, e.g. DEFINE views_file = '/tmp/views_per_minute.txt';

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

-- 3. Views per page per minute.
CREATE TABLE VIEWS_PER_PAGE_PER_MINUTE AS
  SELECT PAGEID,
         AS_VALUE(PAGEID) AS PAGE,
         WINDOWSTART AS WINDOW_START,
         COUNT(*) AS VIEWS
  FROM PAGEVIEWS
  WINDOW TUMBLING (SIZE 1 MINUTE)
  GROUP BY PAGEID
  EMIT CHANGES;

-- 4. Every update of the counts to a file, one JSON line each.
CREATE SINK CONNECTOR VIEWS_TO_FILE WITH (
  'connector.class' = 'org.apache.kafka.connect.file.FileStreamSinkConnector',
  'topics'          = 'VIEWS_PER_PAGE_PER_MINUTE',
  'file'            = '${views_file}',
  'key.converter'   = 'org.apache.kafka.connect.converters.ByteArrayConverter',
  'value.converter' = 'io.confluent.connect.avro.AvroConverter'
);
