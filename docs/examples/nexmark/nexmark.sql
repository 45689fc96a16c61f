-- Nexmark's online auction: people, auctions and bids from eddy's data
-- generator, and three of the benchmark's queries over them.
SET 'auto.offset.reset' = 'earliest';

-- The streams first, so that their topics exist with two partitions.
CREATE STREAM person (id BIGINT KEY, name STRING, emailAddress STRING, creditCard STRING,
    city STRING, state STRING, dateTime TIMESTAMP, extra STRING)
  WITH (KAFKA_TOPIC='nexmark_person', VALUE_FORMAT='JSON', PARTITIONS=2);
CREATE TABLE person_t (id BIGINT PRIMARY KEY, name STRING, city STRING, state STRING)
  WITH (KAFKA_TOPIC='nexmark_person', VALUE_FORMAT='JSON');
CREATE STREAM auction (id BIGINT KEY, itemName STRING, description STRING, initialBid BIGINT,
    reserve BIGINT, dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING)
  WITH (KAFKA_TOPIC='nexmark_auction', VALUE_FORMAT='JSON', PARTITIONS=2);
CREATE STREAM bid (auction BIGINT KEY, bidder BIGINT, price BIGINT, channel STRING, url STRING,
    dateTime TIMESTAMP, extra STRING)
  WITH (KAFKA_TOPIC='nexmark_bid', VALUE_FORMAT='JSON', PARTITIONS=2);

-- 100,000 events of one sequence: the same seed makes bids name the
-- auctions and people the other two connectors write.
CREATE SOURCE CONNECTOR nexmark_person WITH ('connector.class'='datagen',
  'kafka.topic'='nexmark_person', 'quickstart'='nexmark_person',
  'random.seed'='42', 'max.interval'='0', 'iterations'='2000',
  'key.converter'='org.apache.kafka.connect.converters.LongConverter',
  'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');
CREATE SOURCE CONNECTOR nexmark_auction WITH ('connector.class'='datagen',
  'kafka.topic'='nexmark_auction', 'quickstart'='nexmark_auction',
  'random.seed'='42', 'max.interval'='0', 'iterations'='6000',
  'key.converter'='org.apache.kafka.connect.converters.LongConverter',
  'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');
CREATE SOURCE CONNECTOR nexmark_bid WITH ('connector.class'='datagen',
  'kafka.topic'='nexmark_bid', 'quickstart'='nexmark_bid',
  'random.seed'='42', 'max.interval'='0', 'iterations'='92000',
  'key.converter'='org.apache.kafka.connect.converters.LongConverter',
  'value.converter'='org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable'='false');

-- q1: prices in euros.
CREATE STREAM bid_euro AS
  SELECT auction, bidder, 0.908 * price AS price_eur, dateTime FROM bid;

-- q2: the bids on every 123rd auction.
CREATE STREAM bid_123 AS
  SELECT auction, price FROM bid WHERE auction % 123 = 0;

-- q5-like: bids per auction in 10-second windows, every 2 seconds.
CREATE TABLE bids_per_auction AS
  SELECT auction, COUNT(*) AS num FROM bid
  WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS) GROUP BY auction;
