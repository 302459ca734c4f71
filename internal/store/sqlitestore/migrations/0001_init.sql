-- records holds every domain record. The primary key (namespace, key) is the only access path:
-- point lookups and ordered range scans by key. TEXT compares with SQLite's default BINARY
-- collation (memcmp), i.e. byte order, the same order as Go strings and PostgreSQL COLLATE "C".
-- WITHOUT ROWID clusters the rows by that key, so a prefix scan reads adjacent pages; records are
-- small JSON documents, for which SQLite recommends it (larger values spill to overflow pages and
-- still work). updated is Unix time in microseconds, UTC.
CREATE TABLE records (
	namespace TEXT    NOT NULL,
	key       TEXT    NOT NULL,
	value     BLOB    NOT NULL,
	version   INTEGER NOT NULL CHECK (version >= 1),
	updated   INTEGER NOT NULL,
	PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
