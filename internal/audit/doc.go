// Package audit keeps Sluice's audit trail: one CloudTrail-shaped record per AWS request, made
// durable before the response is sent, hash-chained and signed so that a verifier can prove that
// nothing was changed, removed, inserted, reordered or cut off.
//
// # Records
//
// Build turns a finished request (an *awsproto.Call with its status and request info) into an
// Event in CloudTrail's record shape (eventVersion 1.11): userIdentity from the principal (or, for
// a failed authentication, the access key id the request was signed with), requestParameters and
// responseElements derived from the call's decoded Input and Output (member names in
// lowerCamelCase, from the struct tags; secret.Value fields and members named like credentials are
// dropped, never written as "[REDACTED]"), resources, errorCode/errorMessage and
// additionalEventData. Domain code adds further records to the current request with Log.Add
// (Lake Formation's GetDataAccess).
//
// # Chains
//
// Records are appended to a chain. Each process writes its own chain, named by a ChainID that it
// keeps in its data directory (LoadOrCreateChainID), so several replicas sharing one PostgreSQL
// each extend their own chain and never contend for a chain head; a process that restarts
// continues its chain. If two processes ever claim the same chain id, the loser notices the
// foreign head (its conditional head update conflicts), starts a fresh chain and logs it.
//
// Entry n of a chain stores
//
//	hash(n) = SHA-256("sluice-audit-v1\n" chain "\n" n "\n" hex(hash(n-1)) "\n" event)
//
// where event is the record's canonical JSON bytes exactly as stored (hash(0) is 32 zero bytes
// and the first entry is number 1). Changing an entry changes its hash; deleting, inserting or
// swapping entries breaks either the sequence numbers or the links.
//
// # Digests
//
// Each committed batch also replaces the chain's signed head (the last sequence number and hash,
// signed with the key ring's active ed25519 key), and every DigestEvery records, every
// DigestInterval and on Close a permanent signed digest is written beside the entries. A verifier
// needs only the key ring's public keys: it recomputes every link, checks every digest against the
// entry it names, and compares the last entry with the signed head, which is what exposes a
// truncated tail. What a verifier cannot see is an attacker who holds an old signed head, rolls the
// chain back to it and also deletes every later digest; an export kept elsewhere (Export) closes
// that gap.
//
// # Storage
//
// Everything lives in the shared store.Store, written in one transaction per batch:
//
//	audit/log    <chain>/<last seq, 20 digits>                   block: up to 32 entries, one JSON line each, zstd-compressed
//	audit/head   <chain>                                         signed head (Digest JSON)
//	audit/digest <chain>/<seq, 20 digits>                        signed digest (Digest JSON)
//	audit/idx    <attr>/<value>/<inverted time>/<chain>/<seq>    postings: time, seq and block of each (appendPostings)
//	audit/idxmark <chain>                                        last sequence number whose postings are stored
//
// A batch is cut into blocks of 32 entries (fewer when they grow past 64 MiB), so a busy log
// costs a row per 32 records rather than one per record; blocks written before compression are
// plain lines and still read (see block.go).
// The index has a posting per lookup attribute of each record (EventName, ReadOnly, Username,
// ResourceType, ResourceName, EventSource, AccessKeyId, and "*" for all records). Postings wait
// in memory and are written with a later commit, merged, every Options.IndexInterval (250 ms)
// or Options.IndexEvery postings, with a digest, on Close, and before this process answers
// LookupEvents (SyncIndex): an index row costs SQLite about what a log block costs, and one per
// attribute with every commit was most of the commit. The index is derived data: the mark says
// how far it is stored, and a process that resumes its chain after a crash rebuilds the
// postings of the records after the mark from their blocks (a commit reported failed but stored
// after all is rebuilt the same way). A process that had to leave its chain for a fresh one
// (see Chains) indexes the fresh chain with every commit, since no restart reopens it. Readers
// of the store other than the writing process (other replicas, the CLI while Sluice runs) see a
// record in lookups up to IndexInterval after it was acknowledged, or, if the writer was killed
// first, once its chain is opened again; Verify and Export read the blocks and see it at once. Postings that share an
// attribute value share a row, as long as they lie within a second of each other (at most
// 1,024 to a row). A row's key carries its newest time inverted, so a prefix listing is newest first
// and LookupEvents reads only the rows of the records it returns, however long the log grows;
// each posting names the block that holds its record, which is then one point read.
// EventId needs no index: the writer gives each record a version-8 UUID that encodes its chain and
// sequence number (see encodeEventID).
//
// # Durability
//
// Record hands the event to a single writer goroutine and waits. The writer takes every event
// queued while the previous transaction committed and writes them in one transaction (group
// commit: one fsync for many concurrent requests). Record returns only after that transaction
// committed, and returns an error when it did not, so the server fails the request closed.
package audit
