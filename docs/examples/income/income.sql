-- Income in 3-second windows: every transaction is a user paying an
-- amount; each 3-second tumbling window reports the sum paid, the number
-- of transactions and their average, on the topic transactions_aggregate.

-- Queries read their input from the beginning, transactions produced
-- before them included.
SET 'auto.offset.reset' = 'earliest';
CREATE STREAM transactions (user_id STRING KEY, amount DOUBLE)
  WITH (KAFKA_TOPIC='transactions', VALUE_FORMAT='JSON', PARTITIONS=1);

CREATE TABLE transactions_aggregate WITH (KAFKA_TOPIC='transactions_aggregate') AS
  SELECT 'all' AS scope,
         SUM(amount) AS total,
         COUNT(*) AS transactions,
         AVG(amount) AS average
  FROM transactions
  WINDOW TUMBLING (SIZE 3 SECONDS)
  GROUP BY 'all'
  EMIT CHANGES;
