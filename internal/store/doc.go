// Package store is Sluice's durable state: one ordered key-value space, shared by every replica,
// in which the domain packages (iam, catalog, lakeformation, audit, ...) keep their records.
//
// # Data model
//
// A Record is an opaque Value under (Namespace, Key). Namespaces separate the domains ("iam/user",
// "glue/table", ...); keys are ordered by their bytes (Go string comparison, SQL COLLATE "C"), so a
// key such as "db1/table1" can be listed by prefix "db1/" and paged with StartAfter. Domain packages
// store JSON values and maintain their own secondary-index records (for example
// "by-arn/<arn>" → primary key) in the same transaction as the primary record.
//
// Namespaces and keys are valid UTF-8 without NUL bytes, namespaces 1..MaxNamespaceLen bytes,
// keys 1..MaxKeyLen bytes; anything else is rejected with ErrInvalid before it reaches a driver.
// NUL is rejected rather than stored because PostgreSQL text cannot hold it and the two production
// drivers must agree. Values may be empty (a returned Value is never nil) and of any size the
// database accepts; records are meant to be small (kilobytes), a few MiB work.
//
// Every write sets Version (1 on create, +1 on each later write of the same key) and Updated (from
// Options.Now, UTC, truncated to the microsecond, which both databases store exactly). Deleting a
// key forgets its version: a key that is deleted and re-created starts again at 1, so compare
// versions only while you know the record was not deleted in between (domain records carry their
// own unique ids for that).
//
// # Transactions and retries
//
// Store.Update runs fn in one serializable transaction: the reads and writes of fn behave as if no
// other transaction ran concurrently, in this or any other replica. Reads inside fn see fn's own
// writes; nobody else sees them before Update returns nil. If fn returns an error (or panics) the
// transaction is rolled back and the error (or panic) is passed on unchanged, wrapped at most
// once, so errors.Is works on it.
//
// When the database reports that the transaction lost a race (PostgreSQL serialization failure
// 40001 or deadlock 40P01, SQLite busy/locked) Update rolls back and calls fn again, up to a
// bounded number of attempts with jittered exponential backoff; after that it returns an error of
// kind Busy. fn must therefore be idempotent apart from its effects on tx: no side effects outside
// the transaction (no network calls, no sends on channels that must happen once). Errors that fn
// returns itself, including ErrConflict from PutIfVersion, are never retried.
//
// Do not call Update from inside fn (the embedded drivers would deadlock) and do not keep tx after
// fn returns (its methods then fail with ErrInvalid). Reads on Store outside Update see the latest
// committed state at the moment of the call; a List is one consistent snapshot.
//
// Optimistic concurrency across requests uses PutIfVersion: read a record, compute, then write it
// back only if its version is still the one read (version 0 means "must not exist"); a mismatch
// is ErrConflict.
//
// # Errors
//
// Every error from a driver is an *Error whose Kind is one of a small closed set (KindOf). The
// kinds NotFound, Exists, Conflict, Invalid and Busy are meant for callers to act on; Internal is
// everything else (I/O, a closed store, a cancelled context — errors.Is(err, context.Canceled)
// still works). The native database error is kept in the chain for logs; its text is never part of
// the Kind, so adapters can show the kind and log the rest.
//
// # Drivers
//
// memstore (in memory, for tests), sqlitestore (embedded, the default) and pgstore (PostgreSQL, for
// several replicas) implement Store; storetest is the conformance suite they all pass and
// storeopen.Open chooses one from a DSN. Each SQL driver carries versioned, embedded migrations
// recorded in schema_migrations; SchemaVersion reports the version applied.
package store
