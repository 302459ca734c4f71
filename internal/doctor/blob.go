package doctor

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/blob/blobopen"
)

// ProbeBucket is the reserved bucket of the probe object on upstream S3 blob storage. A leading
// dot is not a valid S3 bucket name, so no user bucket can collide with it.
const ProbeBucket = ".sluice-doctor"

// ProbeBlob checks that the blob storage at location (as `sluice serve --blob`; "" means
// defaultDir) is writable by writing and deleting a probe object in a reserved place. A local
// directory is probed in its tmp/ subdirectory (where every object is written before it is renamed
// into place, and which the server empties at start), without opening the driver, whose Open
// would empty tmp/ under a running server's writes. getenv supplies the upstream S3 credentials;
// rnd names the probe.
func ProbeBlob(ctx context.Context, location, defaultDir string, getenv func(string) string, rnd io.Reader) Finding {
	var name [8]byte
	if _, err := io.ReadFull(rnd, name[:]); err != nil {
		return Finding{Check: CheckBlob, Status: Fail, Message: "blob probe: " + err.Error()}
	}
	probe := "probe-" + hex.EncodeToString(name[:])
	switch {
	case location == "":
		return probeDir(defaultDir, probe)
	case strings.HasPrefix(location, "file://"):
		return probeDir(strings.TrimPrefix(location, "file://"), probe)
	case !strings.Contains(location, "://"):
		return probeDir(location, probe)
	}
	drv, err := blobopen.Open(location, defaultDir, getenv)
	if err != nil {
		return Finding{Check: CheckBlob, Status: Fail, Message: "blob storage: " + err.Error(),
			Fix: "check --blob (SLUICE_BLOB) and SLUICE_BLOB_ACCESS_KEY_ID/SLUICE_BLOB_SECRET_ACCESS_KEY"}
	}
	defer drv.Close()
	where := redactLocation(location)
	body := []byte("sluice doctor probe\n")
	if _, err := drv.Put(ctx, ProbeBucket, probe, bytes.NewReader(body), &blob.Attrs{Size: int64(len(body))}); err != nil {
		return Finding{Check: CheckBlob, Status: Fail, Message: fmt.Sprintf("blob storage %s is not writable: %v", where, err),
			Fix: "give the key in SLUICE_BLOB_ACCESS_KEY_ID s3:PutObject and s3:DeleteObject on the bucket and prefix of --blob"}
	}
	if err := drv.Delete(ctx, ProbeBucket, probe); err != nil {
		return Finding{Check: CheckBlob, Status: Fail, Message: fmt.Sprintf("blob storage %s: the probe object %s/%s was written but not deleted: %v", where, ProbeBucket, probe, err),
			Fix: "give the key in SLUICE_BLOB_ACCESS_KEY_ID s3:DeleteObject on the bucket and prefix of --blob, and delete the probe object"}
	}
	return Finding{Check: CheckBlob, Status: OK, Message: fmt.Sprintf("blob storage %s is writable (probe object written and deleted)", where)}
}

func probeDir(dir, probe string) Finding {
	tmp := filepath.Join(dir, "tmp")
	if _, err := os.Stat(filepath.Join(dir, "b")); errors.Is(err, fs.ErrNotExist) {
		return Finding{Check: CheckBlob, Status: Fail, Message: fmt.Sprintf("blob directory %s is not initialized (no b/ inside)", dir),
			Fix: "check --data-dir/--blob (SLUICE_DATA_DIR, SLUICE_BLOB), or start `sluice serve` once to create it"}
	}
	f, err := os.OpenFile(filepath.Join(tmp, ".doctor-"+probe), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Finding{Check: CheckBlob, Status: Fail, Message: fmt.Sprintf("blob directory %s is not writable: %v", dir, err),
			Fix: fmt.Sprintf("give the user that runs `sluice serve` write access: chown -R <that user> %s && chmod 700 %s", shellQuote(dir), shellQuote(dir))}
	}
	_, werr := f.WriteString("sluice doctor probe\n")
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	rerr := os.Remove(f.Name())
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return Finding{Check: CheckBlob, Status: Fail, Message: fmt.Sprintf("blob directory %s: writing a probe file failed: %v", dir, err),
			Fix: "check free space (`df -h " + shellQuote(dir) + "`) and the file system's health"}
	}
	return Finding{Check: CheckBlob, Status: OK, Message: fmt.Sprintf("blob directory %s is writable (probe file written and deleted in tmp/)", dir)}
}

// redactLocation drops the query of an s3:// location (it names no secret, but keep lines short).
func redactLocation(loc string) string {
	if i := strings.IndexByte(loc, '?'); i >= 0 {
		return loc[:i]
	}
	return loc
}
