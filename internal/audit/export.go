package audit

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/store"
)

// Export layout, after CloudTrail's log files:
//
//	AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<chain>-<first seq>.json.gz
//	AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<chain>_<YYYYMMDDTHHMMSSZ>.json.gz
//
// A log file is gzip JSON {"Records":[…]} holding consecutive records of one chain and one day,
// each record byte for byte as stored. A chain's digest file lists its log files in order with
// the sequence numbers, the hash before the first record, every record's hash and the SHA-256 of
// the file, and carries the chain's signed head and digests; VerifyExport recomputes everything
// from the records and checks it against the signatures.

// maxFileRecords caps the records of one exported log file.
const maxFileRecords = 1000

// ExportFile describes one exported log file in a digest file.
type ExportFile struct {
	Path     string `json:"s3Object"`
	SHA256   string `json:"hashValue"`
	FirstSeq uint64 `json:"firstSeq"`
	LastSeq  uint64 `json:"lastSeq"`
	Prev     Hash   `json:"previousHash"`
	Hashes   []Hash `json:"recordHashes"`
}

// ExportDigest is a chain's digest file.
type ExportDigest struct {
	Account  string       `json:"awsAccountId"`
	Chain    ChainID      `json:"chain"`
	Files    []ExportFile `json:"logFiles"`
	Head     *Digest      `json:"head,omitempty"`
	Digests  []*Digest    `json:"digests,omitempty"`
	Exported time.Time    `json:"exportTime"`
}

// ExportReport counts what Export wrote.
type ExportReport struct {
	Chains, Files, Records int
}

// Export writes the whole log in CloudTrail's log-file layout under dir. It copies entries as
// they are: run Verify first to know that they are intact.
func Export(ctx context.Context, r store.Reader, dir string, account, region string, now time.Time) (*ExportReport, error) {
	rep := &ExportReport{}
	heads := map[ChainID]*Digest{}
	digests := map[ChainID][]*Digest{}
	if err := listAll(ctx, r, NSHead, func(rec store.Record) error {
		if d, err := DecodeDigest(rec.Value); err == nil {
			heads[d.Chain] = d
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := listAll(ctx, r, NSDigest, func(rec store.Record) error {
		if d, err := DecodeDigest(rec.Value); err == nil {
			digests[d.Chain] = append(digests[d.Chain], d)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	base := filepath.Join(dir, "AWSLogs", account)
	var (
		chain   ChainID
		day     string
		records [][]byte
		file    ExportFile
		dg      *ExportDigest
		fileAt  time.Time
	)
	flush := func() error {
		if len(records) == 0 {
			return nil
		}
		rel := path.Join("CloudTrail", region, fileAt.Format("2006/01/02"),
			fmt.Sprintf("%s_CloudTrail_%s_%s_%s-%020d.json.gz", account, region, fileAt.Format("20060102T1504Z"), chain, file.FirstSeq))
		var buf bytes.Buffer
		buf.WriteString(`{"Records":[`)
		buf.Write(bytes.Join(records, []byte(",")))
		buf.WriteString("]}")
		sum, err := writeGzip(filepath.Join(base, filepath.FromSlash(rel)), buf.Bytes())
		if err != nil {
			return err
		}
		file.Path, file.SHA256 = "AWSLogs/"+account+"/"+rel, sum
		dg.Files = append(dg.Files, file)
		rep.Files++
		records = nil
		return nil
	}
	finishChain := func() error {
		if dg == nil {
			return nil
		}
		if err := flush(); err != nil {
			return err
		}
		dg.Head, dg.Digests = heads[dg.Chain], digests[dg.Chain]
		data, _ := json.Marshal(dg)
		rel := path.Join("CloudTrail-Digest", region, now.UTC().Format("2006/01/02"),
			fmt.Sprintf("%s_CloudTrail-Digest_%s_%s_%s.json.gz", account, region, dg.Chain, now.UTC().Format("20060102T150405Z")))
		_, err := writeGzip(filepath.Join(base, filepath.FromSlash(rel)), data)
		return err
	}
	err := forEachEntry(ctx, r, func(e *Entry) error {
		ev, _ := ParseEvent(e.Event)
		at := time.Time{}
		if ev != nil {
			at = ev.Time()
		}
		d := at.Format("2006-01-02")
		if e.Chain != chain {
			if err := finishChain(); err != nil {
				return err
			}
			chain, day = e.Chain, ""
			dg = &ExportDigest{Account: account, Chain: chain, Exported: now.UTC()}
			rep.Chains++
		}
		if d != day || len(records) >= maxFileRecords {
			if err := flush(); err != nil {
				return err
			}
			day, fileAt = d, at.UTC()
			file = ExportFile{FirstSeq: e.Seq, Prev: e.Prev}
		}
		records = append(records, e.Event)
		file.LastSeq = e.Seq
		file.Hashes = append(file.Hashes, e.Hash)
		rep.Records++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := finishChain(); err != nil {
		return nil, err
	}
	return rep, nil
}

// forEachEntry calls fn for every entry of the log, in order.
func forEachEntry(ctx context.Context, r store.Reader, fn func(*Entry) error) error {
	return listAll(ctx, r, NSLog, func(rec store.Record) error {
		entries, err := DecodeBlock(rec.Value)
		if err != nil {
			return fmt.Errorf("audit: records up to %s unreadable (run verify): %w", rec.Key, err)
		}
		for _, e := range entries {
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeGzip(name string, data []byte) (string, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

func readGzip(name string) ([]byte, string, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(raw)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, "", err
	}
	data, err := io.ReadAll(io.LimitReader(zr, 1<<30))
	return data, hex.EncodeToString(sum[:]), err
}

// VerifyExport checks an export directory written by Export: every digest file's log files,
// records, links, and signed heads and digests.
func VerifyExport(dir string, keys KeySource, opts *VerifyOptions) (*Report, error) {
	rep := &Report{}
	bad := func(p Problem) { rep.Problems = append(rep.Problems, p) }
	var digestFiles []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/CloudTrail-Digest/") && strings.HasSuffix(p, ".json.gz") {
			digestFiles = append(digestFiles, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(digestFiles)
	if len(digestFiles) == 0 {
		return nil, E(Invalid, "verify export", fmt.Errorf("no digest files under %s", dir))
	}
	for _, df := range digestFiles {
		data, _, err := readGzip(df)
		var dg ExportDigest
		if err == nil {
			err = json.Unmarshal(data, &dg)
		}
		if err != nil || !dg.Chain.Valid() {
			bad(Problem{Where: df, What: "digest file unreadable"})
			continue
		}
		rep.Chains++
		signed := map[uint64]*Digest{}
		for _, d := range append(dg.Digests, dg.Head) {
			if d == nil {
				continue
			}
			rep.Digests++
			if d.Chain != dg.Chain || !d.Verify(keys) {
				bad(Problem{Chain: dg.Chain, Seq: d.Seq, Where: df, What: "signed digest has a bad signature"})
				continue
			}
			signed[d.Seq] = d
		}
		if dg.Head == nil {
			bad(Problem{Chain: dg.Chain, Where: df, What: "chain has no signed head"})
		}
		next, last := uint64(1), Hash{}
		for _, f := range dg.Files {
			where := f.Path
			if f.FirstSeq != next {
				bad(Problem{Chain: dg.Chain, Seq: next, Where: where, What: fmt.Sprintf("records %d..%d are missing (deleted file)", next, f.FirstSeq-1)})
			}
			if f.Prev != last {
				bad(Problem{Chain: dg.Chain, Seq: f.FirstSeq, Where: where, What: "file does not link to the previous one"})
			}
			content, sum, err := readGzip(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil {
				bad(Problem{Chain: dg.Chain, Seq: f.FirstSeq, Where: where, What: "log file missing or unreadable"})
				next, last = f.LastSeq+1, lastHash(f)
				continue
			}
			var body struct{ Records []json.RawMessage }
			if err := json.Unmarshal(content, &body); err != nil {
				bad(Problem{Chain: dg.Chain, Seq: f.FirstSeq, Where: where, What: "log file is not CloudTrail JSON"})
				next, last = f.LastSeq+1, lastHash(f)
				continue
			}
			before := len(rep.Problems)
			seq := f.FirstSeq
			for i, ev := range body.Records {
				h := EntryHash(dg.Chain, seq, last, ev)
				switch {
				case i >= len(f.Hashes):
					bad(Problem{Chain: dg.Chain, Seq: seq, Where: where, What: "record not listed in the digest file (inserted)"})
				case h != f.Hashes[i]:
					if opts.inRange(ev) {
						bad(Problem{Chain: dg.Chain, Seq: seq, Where: where, What: "record changed, inserted, removed or reordered (hash mismatch)"})
					}
					h = f.Hashes[i] // resynchronise so later records are judged on their own
				}
				if d := signed[seq]; d != nil && d.Hash != h {
					bad(Problem{Chain: dg.Chain, Seq: seq, Where: where, What: "record does not match its signed digest"})
				}
				if opts.inRange(ev) {
					rep.Records++
				}
				last = h
				seq++
			}
			if len(body.Records) < len(f.Hashes) {
				bad(Problem{Chain: dg.Chain, Seq: seq, Where: where, What: fmt.Sprintf("file truncated: %d of %d records", len(body.Records), len(f.Hashes))})
			}
			if sum != f.SHA256 && len(rep.Problems) == before {
				bad(Problem{Chain: dg.Chain, Seq: f.FirstSeq, Where: where, What: "log file changed (hash mismatch)"})
			}
			if n := f.FirstSeq + uint64(len(f.Hashes)); n-1 != f.LastSeq {
				bad(Problem{Chain: dg.Chain, Seq: f.FirstSeq, Where: where, What: "digest file lists inconsistent sequence numbers"})
			}
			next, last = f.LastSeq+1, lastHash(f)
		}
		if h := dg.Head; h != nil {
			switch {
			case h.Seq >= next:
				bad(Problem{Chain: dg.Chain, Seq: next, Where: df, What: fmt.Sprintf("export truncated: the signed head covers %d records, only %d are present", h.Seq, next-1)})
			case h.Seq < next-1:
				bad(Problem{Chain: dg.Chain, Seq: h.Seq + 1, Where: df, What: "records follow the signed head (inserted)"})
			case h.Hash != last:
				bad(Problem{Chain: dg.Chain, Seq: h.Seq, Where: df, What: "last record does not match the signed head"})
			}
		}
		for s := range signed {
			if s >= next {
				bad(Problem{Chain: dg.Chain, Seq: next, Where: df, What: fmt.Sprintf("export truncated: a signed digest covers %d records", s)})
				break
			}
		}
	}
	return rep, nil
}

func lastHash(f ExportFile) Hash {
	if len(f.Hashes) == 0 {
		return f.Prev
	}
	return f.Hashes[len(f.Hashes)-1]
}
