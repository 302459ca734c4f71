package doctor

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/rootkeys"
)

// Config says what to check: the same data directory, store, blob and key ring settings as
// `sluice serve`, and the endpoint of the running server.
type Config struct {
	DataDir     string
	Store       string // DSN; "" = sluice.db in DataDir
	Blob        string // "" = DataDir/objects
	KeyringFile string // "" = DataDir/keyring.json
	Endpoint    string // "http://127.0.0.1:9876"
	// AWS carries the caller's credentials for the signed checks; nil skips them, saying NoAWS.
	AWS   *aws.Config
	NoAWS error
	// Getenv reads SLUICE_KEYRING, SLUICE_ROOT_* and SLUICE_BLOB_* (default os.Getenv).
	Getenv func(string) string
}

// Options are Run's optional dependencies; nil means defaults.
type Options struct {
	Now        func() time.Time // default time.Now
	Rand       io.Reader        // names the blob probe; default crypto/rand
	HTTPClient *http.Client     // default: a client with a 10 s timeout
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Rand == nil {
		r.Rand = rand.Reader
	}
	if r.HTTPClient == nil {
		r.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return r
}

// Run runs every check, offline ones first, and returns the findings in that order.
func Run(ctx context.Context, cfg Config, opts *Options) []Finding {
	o := opts.withDefaults()
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var out []Finding

	out = append(out, Store(ReadSchema(ctx, cfg.Store, cfg.DataDir)))
	out = append(out, ProbeBlob(ctx, cfg.Blob, filepath.Join(cfg.DataDir, "objects"), getenv, o.Rand))

	ringPath := cfg.KeyringFile
	if ringPath == "" {
		ringPath = filepath.Join(cfg.DataDir, "keyring.json")
	}
	fromEnv := getenv("SLUICE_KEYRING") != ""
	var ring FileState
	var parseErr error
	if fromEnv {
		_, parseErr = keyring.Parse([]byte(getenv("SLUICE_KEYRING")), nil)
	} else {
		var data []byte
		ring, data = StatFile(ringPath)
		if ring.Err == nil {
			_, parseErr = keyring.Parse(data, nil)
		}
	}
	if fromEnv && parseErr != nil {
		out = append(out, Finding{Check: CheckKeyring, Status: Fail, Message: "SLUICE_KEYRING does not hold a valid key ring: " + parseErr.Error(),
			Fix: "set SLUICE_KEYRING to the content of the servers' keyring.json"})
	} else {
		out = append(out, Keyring(ring, fromEnv, parseErr))
	}
	root, _ := StatFile(filepath.Join(cfg.DataDir, rootkeys.FileName))
	out = append(out, RootCredentials(root, getenv("SLUICE_ROOT_ACCESS_KEY_ID") != "" && getenv("SLUICE_ROOT_SECRET_ACCESS_KEY") != ""))

	return append(out, serverChecks(ctx, cfg, o)...)
}

// serverChecks runs the checks that need the server, or skips them.
func serverChecks(ctx context.Context, cfg Config, o Options) []Finding {
	signed := []Check{CheckRootUsage, CheckIAMAllowed}
	skip := func(cs []Check, why string) []Finding {
		var out []Finding
		for _, c := range cs {
			out = append(out, Finding{Check: c, Status: Skip, Message: "skipped: " + why})
		}
		return out
	}
	h, err := getHealth(ctx, o.HTTPClient, cfg.Endpoint, o.Now)
	if err != nil {
		return skip(append([]Check{CheckHealth, CheckClock}, signed...), fmt.Sprintf("endpoint %s is not reachable (%v); start `sluice serve` or pass --endpoint-url", cfg.Endpoint, err))
	}
	out := []Finding{Health(cfg.Endpoint, h.Status)}
	if h.Date.IsZero() {
		out = append(out, Finding{Check: CheckClock, Status: Warn, Message: "the server sent no Date header, so clock skew is unknown",
			Fix: "check that " + cfg.Endpoint + " is Sluice and not a proxy that strips Date"})
	} else {
		out = append(out, Clock(h.Local, h.Date))
	}
	if cfg.AWS == nil {
		why := "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE to run this check"
		if cfg.NoAWS != nil {
			why = cfg.NoAWS.Error()
		}
		return append(out, skip(signed, why)...)
	}
	srv := NewServer(cfg.Endpoint, *cfg.AWS, &o)
	events, truncated, err := srv.RootEvents(ctx, o.Now().Add(-RootUsageWindow))
	if err != nil {
		out = append(out, couldNot(CheckRootUsage, err, "cloudtrail:LookupEvents"))
	} else {
		out = append(out, RootUsage(events, truncated))
	}
	lake, err := srv.Lake(ctx)
	if err != nil {
		out = append(out, couldNot(CheckIAMAllowed, err, "Lake Formation ListPermissions (a data lake admin)"))
	} else {
		out = append(out, IAMAllowed(lake, cfg.Endpoint)...)
	}
	return out
}

func couldNot(c Check, err error, needs string) Finding {
	return Finding{Check: c, Status: Warn, Message: "could not check: " + err.Error(),
		Fix: "run `sluice doctor` with credentials allowed " + needs + ", e.g. the root keys"}
}
