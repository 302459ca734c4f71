// Package catalog is Sluice's Glue Data Catalog: databases, tables and partitions, served with
// the Glue JSON 1.1 API (X-Amz-Target: AWSGlue.<Op>) so that the aws CLI, boto3 and
// aws-sdk-go-v2 work unchanged.
//
// # Model
//
// The account has one catalog (CatalogId = the account id; any other id is refused). A catalog
// holds databases; a database holds tables; a table holds partitions, each identified by its
// list of Values (one per partition key, in order). Database and table names are 1..255
// characters of Glue's single-line pattern and are stored lower-case, as Glue does; partition
// values are kept as sent.
//
// Records keep the caller's input JSON verbatim (DatabaseInput, TableInput, PartitionInput),
// unknown members included, and the server overlays its own fields when answering (Name,
// DatabaseName, CatalogId, CreateTime, UpdateTime, CreatedBy, VersionId,
// IsRegisteredWithLakeFormation), so whatever a client stored is returned exactly. Every
// UpdateTable bumps VersionId and keeps the previous version for GetTableVersions.
//
// Store layout (namespaces of package store; names escaped so that "/" separates levels):
//
//	glue/database      <db>                      → databaseRecord
//	glue/table         <db>/<table>              → tableRecord
//	glue/tableversion  <db>/<table>/<version %020d> → tableRecord
//	glue/partition     <db>/<table>/<v1>/<v2>…   → partitionRecord
//
// # Authorization
//
// Every operation is authorized here, never in the adapter, in two steps, as AWS does:
//
//  1. IAM: the operation's action (glue:GetTable, …) on the most specific resource ARN
//     (arn:aws:glue:<region>:<acct>:catalog, …:database/<db>, …:table/<db>/<table>).
//  2. Lake Formation, when a Governance is set: DESCRIBE to see a database or table,
//     CREATE_DATABASE on the catalog, CREATE_TABLE on the database, ALTER to update, DROP to
//     delete; for partitions DESCRIBE of the table to read, ALTER or INSERT to create or
//     update, ALTER or DELETE to delete. A database or table the caller may not describe is
//     answered exactly like one that does not exist; list calls leave it out silently.
//
// With a nil Governance, IAM alone decides (AWS's IAM_ALLOWED_PRINCIPALS default) and
// GetUnfilteredTableMetadata answers full access.
//
// # Partition expressions
//
// GetPartitions and GetUnfilteredPartitionsMetadata filter with Glue's predicate grammar
// (keywords case-insensitive):
//
//	expr    = or
//	or      = and { "OR" and }
//	and     = not { "AND" not }
//	not     = "NOT" not | primary
//	primary = "(" expr ")" | key cmp
//	cmp     = op literal | ["NOT"] "BETWEEN" literal "AND" literal
//	        | ["NOT"] "IN" "(" literal { "," literal } ")" | ["NOT"] "LIKE" string
//	op      = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//	key     = identifier | `quoted identifier`   (a partition key, case-insensitive)
//	literal = 'string' ('' escapes a quote) | number
//
// A comparison is typed by the partition key's Hive type: integer types (tinyint, smallint,
// int, bigint, long) compare as integers, float, double and decimal as numbers, everything
// else (string, varchar, char, date, timestamp, boolean) as strings. A literal that does not
// convert to the key's type is InvalidInputException; a stored value that does not convert
// simply does not match. LIKE uses SQL wildcards: % any run, _ one character.
//
// # Table name patterns
//
// GetTables' Expression is the Hive-style pattern Glue documents as a regular expression: "*"
// matches any run of characters, "|" separates alternatives, and the rest is a regular
// expression matched against the whole (lower-case) name, case-insensitively.
package catalog
