-- Continuous propensity scoring: four kinds of marketing events per user
-- (CL click, IM impression, PS paid search, CN past conversion) become
-- feature counts over recent spans, and a logistic regression turns them
-- into each user's propensity to convert,
--   score = 1 / (1 + EXP(-(b0 + b1*CL + b2*IM + b3*PS + b4*CN))),
-- kept in tables that answer pull queries and update on every event.

-- Queries read their input from the beginning, events produced before
-- them included.
SET 'auto.offset.reset' = 'earliest';

-- 1. The events, keyed by user; their time is the record's timestamp.
CREATE STREAM MARKETING_EVENTS (USER_ID STRING KEY, EVENT_TYPE STRING)
  WITH (KAFKA_TOPIC='marketing_events', VALUE_FORMAT='JSON', PARTITIONS=2);

-- 2. The last hour, refreshed every 15 minutes: each hopping window is
--    one hour of events, and a new one starts every 15 minutes, so a
--    user's latest window holds their last hour (to within 15 minutes).
--    Pull queries see a week of windows (RETENTION; by default a
--    window leaves the table its size plus grace, here a day, after
--    its start).
CREATE TABLE PROPENSITY_LAST_HOUR AS
  SELECT USER_ID,
         SUM(CASE WHEN EVENT_TYPE = 'CL' THEN 1 ELSE 0 END) AS CL,
         SUM(CASE WHEN EVENT_TYPE = 'IM' THEN 1 ELSE 0 END) AS IM,
         SUM(CASE WHEN EVENT_TYPE = 'PS' THEN 1 ELSE 0 END) AS PS,
         SUM(CASE WHEN EVENT_TYPE = 'CN' THEN 1 ELSE 0 END) AS CN,
         1 / (1 + EXP(-(-4.0
                        + 0.6  * SUM(CASE WHEN EVENT_TYPE = 'CL' THEN 1 ELSE 0 END)
                        + 0.05 * SUM(CASE WHEN EVENT_TYPE = 'IM' THEN 1 ELSE 0 END)
                        + 0.9  * SUM(CASE WHEN EVENT_TYPE = 'PS' THEN 1 ELSE 0 END)
                        + 1.5  * SUM(CASE WHEN EVENT_TYPE = 'CN' THEN 1 ELSE 0 END)))) AS SCORE
  FROM MARKETING_EVENTS
  WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 15 MINUTES, RETENTION 7 DAYS)
  GROUP BY USER_ID
  EMIT CHANGES;

-- 3. The day: tumbling one-day windows, with coefficients fitted to a
--    day's counts.
CREATE TABLE PROPENSITY_DAY AS
  SELECT USER_ID,
         SUM(CASE WHEN EVENT_TYPE = 'CL' THEN 1 ELSE 0 END) AS CL,
         SUM(CASE WHEN EVENT_TYPE = 'IM' THEN 1 ELSE 0 END) AS IM,
         SUM(CASE WHEN EVENT_TYPE = 'PS' THEN 1 ELSE 0 END) AS PS,
         SUM(CASE WHEN EVENT_TYPE = 'CN' THEN 1 ELSE 0 END) AS CN,
         1 / (1 + EXP(-(-5.0
                        + 0.2  * SUM(CASE WHEN EVENT_TYPE = 'CL' THEN 1 ELSE 0 END)
                        + 0.01 * SUM(CASE WHEN EVENT_TYPE = 'IM' THEN 1 ELSE 0 END)
                        + 0.4  * SUM(CASE WHEN EVENT_TYPE = 'PS' THEN 1 ELSE 0 END)
                        + 1.2  * SUM(CASE WHEN EVENT_TYPE = 'CN' THEN 1 ELSE 0 END)))) AS SCORE
  FROM MARKETING_EVENTS
  WINDOW TUMBLING (SIZE 1 DAY, RETENTION 7 DAYS)
  GROUP BY USER_ID
  EMIT CHANGES;
