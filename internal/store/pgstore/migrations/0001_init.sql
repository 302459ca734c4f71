-- records holds every domain record; (namespace, key) is the only access path, for point lookups
-- and ordered range scans. COLLATE "C" makes comparisons, ORDER BY and the primary-key index use
-- byte order, the same as Go strings and SQLite, whatever the database's default collation.
-- text (not bytea) keeps keys readable in psql; the store rejects NUL and invalid UTF-8, which
-- text cannot hold. updated has microsecond precision, which the store truncates to.
CREATE TABLE records (
	namespace text        COLLATE "C" NOT NULL,
	key       text        COLLATE "C" NOT NULL,
	value     bytea       NOT NULL,
	version   bigint      NOT NULL CHECK (version >= 1),
	updated   timestamptz NOT NULL,
	PRIMARY KEY (namespace, key)
);
