// Package lfquery is Lake Formation's query API — StartQueryPlanning, GetQueryState,
// GetWorkUnits, GetWorkUnitResults, GetQueryStatistics — served over Sluice's filtered read path
// (package tables), so a query through it sees exactly the rows, columns and cells the native
// read API would show the same principal.
//
// # Statements
//
// QueryString is a small SELECT, not full PartiQL:
//
//	statement = SELECT ( "*" | column { "," column } ) FROM table [ WHERE expr ] [ LIMIT n ] [ ";" ]
//	table     = [ ident "." ] ident      (no database: QueryPlanningContext.DatabaseName)
//	column    = ident                    ident = [A-Za-z_][A-Za-z0-9_]* | "quoted" ("" escapes ")
//	expr      = the row-filter grammar of package rowfilter (data cells filters, spec §8.4)
//	n         = a positive integer
//
// Keywords are case-insensitive; SELECT, FROM, WHERE and LIMIT must be quoted to name a column.
// Errors name a 1-based byte position of the query string ("QueryString error at position 29:
// WHERE: unknown column email"), also for where-clause errors found once the table's columns are
// known. QueryAsOfTime, TransactionId and QueryParameters are rejected (InvalidInputException):
// Sluice reads a table's current files, has no governed-table transactions and no parameter
// markers. A CatalogId other than the caller's account is rejected too.
//
// # Authorization
//
// Each operation needs its IAM action (lakeformation:StartQueryPlanning, …:GetQueryState,
// …:GetWorkUnits, …:GetWorkUnitResults, …:GetQueryStatistics). Planning and every
// GetWorkUnitResults then open the read through tables.Service.Open — glue:GetTable and DESCRIBE
// (a table the caller may not describe answers EntityNotFoundException, as a missing one),
// lakeformation:GetDataAccess, and the principal's Lake Formation access — so a grant revoked
// after planning applies to the next work unit read. Only the principal that started a query
// (the same ARN: for a session, the same role session) may use its id or its work unit tokens.
//
// # Queries and work units
//
// Planning is synchronous: StartQueryPlanning authorizes, lists the table's data files and
// answers with a QueryId in the model's 36-character form (a random UUID). There is one work
// unit per data file, except that a LIMIT query (the limit is global) or a table with at most one
// file is a single unit over all files. GetWorkUnits pages through them (PageSize, default 100,
// at most 1000; NextToken), one WorkUnitRange per unit (WorkUnitIdMin = WorkUnitIdMax).
//
// The QueryId is too short to carry a sealed query, so query state — the statement, the work
// units, the executions — is kept in the store (state.go) for the TTL (default one hour): every
// replica sharing the store answers for every query, and a restart loses none. A query id not
// known for the caller (never issued, another principal's, or past its TTL) is EXPIRED to
// GetQueryState and ExpiredException (410) to GetWorkUnits and GetQueryStatistics; the model
// gives those operations ExpiredException and GetQueryState the EXPIRED state, and does not say
// what AWS answers for an id it never issued. A malformed id (not 36 characters) is
// InvalidInputException.
//
// The WorkUnitToken, unlike the QueryId, is self-contained: the key ring seals (AES-256-GCM,
// purpose-bound) the query id, unit id, owner ARN, database, table, columns, where clause, limit,
// the unit's file keys and the expiry. GetWorkUnitResults — the "data-" side, the heavy one —
// therefore needs no query state and any replica sharing the key ring serves it. A token that does
// not open, or names another query, unit or principal, is InvalidInputException "The work unit
// token is not valid." (the same answer for forged and stolen tokens); an expired one is
// ExpiredException.
//
// GetWorkUnitResults answers with the unit's visible rows as an Apache Arrow IPC stream, the raw
// response body (the model's streaming ResultStream payload; see awsproto.Stream). Each read is
// audited like the native ReadRows: additionalEventData holds the columns, row filter, cell
// filters, where clause and limit that applied, with queryId and workUnitId; the token is kept
// out of the record, and the unit's execution is added to the query's statistics in the store.
//
// # Host prefixes
//
// SDKs send these operations to a "query-" or "data-" prefixed host, even for a custom endpoint
// (spec §1.2, trap 1). Sluice routes by the SigV4 scope and the path and never by Host, so such a
// request is served when the name resolves (or the client sets the Host header itself); clients
// can also turn the prefix off (botocore Config(inject_host_prefix=False), botocore ≥ 1.43
// AWS_DISABLE_HOST_PREFIX_INJECTION=true, Go smithyhttp.DisableEndpointHostPrefix).
package lfquery
