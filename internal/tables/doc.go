// Package tables reads the files of a catalog table and returns only what a principal may see:
// Sluice's server-side filtered read path (spec §8.4).
//
// # Model
//
// A Table is a Glue table resolved for reading: its data columns and partition keys with Hive
// types (mapped to Arrow types by ArrowType), its S3 location, and its file format (CSV with the
// SerDe's separator, quote, escape and header-skip parameters; JSON lines; Parquet). The files
// are the objects under the location; key=value path segments below it give the partition
// columns; text files ending in .gz (or starting with the gzip magic) are decompressed.
//
// A Plan is compiled once per request from the principal's catalog.TableAccess and the caller's
// Request (columns, where, limit):
//
//   - the output columns are the requested ones (default: every authorized column, in table
//     order); asking for a column that is not authorized fails exactly as asking for one that
//     does not exist, so the error names only what the caller wrote;
//   - a row is produced when the principal's RowFilter (the OR of its filters' row expressions)
//     is TRUE;
//   - a cell of a column with a CellFilter is NULL unless that filter's expression is TRUE for
//     the row (restricted cells read as NULL);
//   - the caller's where clause may name only authorized columns and is evaluated over the row as
//     the caller would see it (restricted cells already NULL), so it can only narrow the result:
//     a where clause never reveals a row, a cell or a count the grants hide;
//   - limit stops reading once that many rows were produced.
//
// Only the columns that the output, the where clause and the principal's filters reference are
// read (for Parquet, only those column chunks), and Parquet row groups whose statistics prove
// that no row can pass the row filter or the where clause are not read at all (prune.go; a
// cell-filtered column counts as possibly NULL in the where analysis, which keeps it sound).
// Filters are compiled once per scan and evaluated a column at a time (vec.go): typed loops over
// Arrow buffers for the common predicates (comparisons, BETWEEN, IN, IS NULL on numbers and
// strings) and rowfilter.Eval row by row for the rest, so both agree by construction. Selected
// rows are copied buffer to buffer (gather.go).
//
// Scan streams record batches through a Sink; NewSink writes CSV, JSON lines, an Arrow IPC
// stream or Parquet. Memory is bounded by the batch size, not the table size.
package tables
