// Package lakeformation is Lake Formation: data-lake settings, registered locations, grants,
// data cells filters, LF-tags, the permission resolver and credential vending. It implements
// catalog.Governance, so the Glue catalog asks it whether a principal may see or change a
// database or table.
//
// # Model
//
// A grant is what one principal (an IAM user or role ARN, an account id, or the virtual group
// IAM_ALLOWED_PRINCIPALS) holds on one resource: Catalog, Database, Table, the TableWildcard of a
// database, TableWithColumns (ColumnNames, or ColumnWildcard with ExcludedColumnNames; one merged
// record per table and principal), DataLocation, DataCellsFilter, LFTag or LFTagPolicy. Role
// sessions are evaluated as their role ARN. Grants are stored twice, under
// resource+principal and principal+resource, so resolution reads only what applies to one
// principal and one table (a few point reads and two prefix scans), never all grants.
//
// # Resolution (spec §8.4)
//
// Resolve is pure. SELECT sources give columns and rows: a Table, TableWildcard or ALL grant
// all columns and rows; a column grant its columns, all rows; a filter its columns where its row
// expression holds; an LF-tag policy the columns whose effective tags (database → table →
// column, lower level overriding) satisfy the expression (AND across keys, OR across values).
// Authorized columns are the union; a column with any all-rows source is unrestricted, else it
// is visible where the OR of its filters holds. Grants to IAM_ALLOWED_PRINCIPALS count for
// everybody: IAM alone decides. Data-lake admins get DESCRIBE and may grant anything, but no
// implicit SELECT; creators get ALL with grant option on what they create; the account root
// may do anything with catalog objects. Others grant only with the grant option (column and
// filter grants need SELECT with grant option on the whole table).
//
// # LF-tags
//
// Admins and read-only admins see every LF-tag and value; a tag's creator sees it whole;
// others see only the tags, and the values, they hold DESCRIBE or ASSOCIATE on (TagView). A
// tag not seen answers like a missing one. LF-tag grants are kept per key and value set.
//
// # Refusals
//
// Lake Formation's own AccessDeniedExceptions end with "Encoded authorization failure message:
// <blob>" (also the EncodedAuthorizationMessage member), which sts:DecodeAuthorizationMessage
// opens into the action (lakeformation:<PERMISSION> or lakeformation:<Operation>), resource,
// principal, reason and the grants considered. DESCRIBE refusals stay EntityNotFoundException.
//
// # Principals
//
// Grants to IAM ARNs are accepted without checking that the user or role exists (so grants may
// precede the role), as AWS does on several paths.
//
// # Vending (spec §8.5)
//
// GetTemporaryGlueTableCredentials needs lakeformation:GetDataAccess, a table whose location is
// under a registered location (else InvalidInputException), SELECT, and either path A (an
// authorized engine: AllowExternalDataFiltering, the LakeFormationAuthorizedCaller session tag
// with a listed value, the account allow-listed; partial access needs COLUMN_PERMISSION or
// CELL_FILTER_PERMISSION, else PermissionTypeMismatchException) or path B
// (AllowFullTableExternalDataAccess and full table access). It mints an STS session of the
// location's role named AWSLF-00-NA-<account>-<random> whose session policy (ScopePolicy) allows
// reads under the table prefix only, and records a GetDataAccess audit event, refusals included.
// Locations registered with UseServiceLinkedRole vend through the role
// aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess, which
// RegisterResource creates through IAM (the caller needs iam:CreateServiceLinkedRole) and whose
// inline policy Lake Formation keeps listing those locations (see LinkedRole). Revoking a grant stops new vending at once; credentials already
// vended keep working until they expire unless RevokeVendedSessions (or `sluice sessions revoke
// --role <location role>`) denies the role's older sessions.
package lakeformation
