-- fruit.sql: the SQL the sqlite3 shell runs in a guest (tests/apps/
-- sqlite_checks.sh): a table made, filled and summed; the host then reads
-- the database file it leaves.
CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
INSERT INTO fruit(name, qty) VALUES ('apple', 3), ('pear', 5), ('plum', 7);
INSERT INTO fruit(name, qty) SELECT name || '-2', qty * 2 FROM fruit;
SELECT 'total', count(*), sum(qty) FROM fruit;
