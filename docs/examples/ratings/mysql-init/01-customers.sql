-- demo.CUSTOMERS for the ratings example under Docker Compose.
-- The mysql image runs every file in /docker-entrypoint-initdb.d once, when
-- its data volume is first created (docker compose down -v starts over).
-- The rows are made-up sample data; ids 1-10 match the user ids the
-- ratings generator emits.
CREATE DATABASE IF NOT EXISTS demo;
USE demo;

CREATE TABLE IF NOT EXISTS CUSTOMERS (
  id          INT PRIMARY KEY,
  first_name  VARCHAR(50),
  last_name   VARCHAR(50),
  email       VARCHAR(80),
  gender      VARCHAR(20),
  club_status VARCHAR(8),
  comments    VARCHAR(90),
  create_ts   TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  update_ts   TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);

INSERT INTO CUSTOMERS (id, first_name, last_name, email, gender, club_status, comments) VALUES
  (1,  'Ada',     'Quill',    'ada.quill@example.com',     'Female', 'gold',     'Prefers the window seat'),
  (2,  'Bruno',   'Tavares',  'bruno.tavares@example.com', 'Male',   'platinum', 'Flies every week'),
  (3,  'Chiara',  'Lind',     'chiara.lind@example.com',   'Female', 'silver',   'Asked about lounge access'),
  (4,  'Dmitri',  'Okafor',   'dmitri.okafor@example.com', 'Male',   'bronze',   'New member'),
  (5,  'Elif',    'Navarro',  'elif.navarro@example.com',  'Female', 'platinum', 'Complained about delays'),
  (6,  'Farid',   'Holm',     'farid.holm@example.com',    'Male',   'gold',     'Travels with a bicycle'),
  (7,  'Greta',   'Mbeki',    'greta.mbeki@example.com',   'Female', 'bronze',   'Books on the app'),
  (8,  'Hiro',    'Castell',  'hiro.castell@example.com',  'Male',   'silver',   'Likes quiet carriages'),
  (9,  'Ines',    'Varga',    'ines.varga@example.com',    'Female', 'platinum', 'Corporate account'),
  (10, 'Jonas',   'Pereira',  'jonas.pereira@example.com', 'Male',   'gold',     'Often changes bookings');

-- The change-data-capture connector reads the binary log as this user.
CREATE USER IF NOT EXISTS 'cdc'@'%' IDENTIFIED BY 'cdc-pw';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'cdc'@'%';
FLUSH PRIVILEGES;
