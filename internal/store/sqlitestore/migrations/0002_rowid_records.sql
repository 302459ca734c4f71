-- records becomes an ordinary rowid table with a unique index on (namespace, key).
--
-- A WITHOUT ROWID table keeps whole rows in its key B-tree, and SQLite compares a key against a
-- row whose payload spills to overflow pages by first reading that whole payload. The audit log
-- stores its records in blocks of tens of kilobytes, so every insert read several such blocks
-- back from disk while it searched for its place, inside the commit that requests wait for.
-- Here the index holds only (namespace, key, rowid) and values live in the table B-tree, which
-- is searched by integer rowid: a commit of the audit log got ≈ 40 % faster and point reads and
-- prefix scans kept their speed (BENCHMARKS.md, "Store drivers").
CREATE TABLE records_rowid (
	namespace TEXT    NOT NULL,
	key       TEXT    NOT NULL,
	value     BLOB    NOT NULL,
	version   INTEGER NOT NULL CHECK (version >= 1),
	updated   INTEGER NOT NULL,
	UNIQUE (namespace, key)
);
INSERT INTO records_rowid (namespace, key, value, version, updated)
	SELECT namespace, key, value, version, updated FROM records ORDER BY namespace, key;
DROP TABLE records;
ALTER TABLE records_rowid RENAME TO records;
