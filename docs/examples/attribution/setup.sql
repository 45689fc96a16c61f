-- The shop's users, in PostgreSQL. updated_at is UTC, as the JDBC source
-- reads it.
CREATE SCHEMA IF NOT EXISTS commerce;
CREATE TABLE IF NOT EXISTS commerce.users (
  id         SERIAL PRIMARY KEY,
  name       TEXT NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);
INSERT INTO commerce.users (id, name) VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus');
