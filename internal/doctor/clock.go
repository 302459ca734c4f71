package doctor

import (
	"fmt"
	"time"
)

// Clock skew thresholds. SigV4 requests are refused beyond 5 minutes of skew (Sluice allows AWS's
// 15 on the server side, but AWS clients and other replicas assume 5), so drift is reported early.
const (
	SkewWarn = time.Minute
	SkewFail = 5 * time.Minute
)

// Clock compares this machine's time local with the server's Date header server, taken at the
// same moment (the middle of the request). Date has one-second resolution, so a second of skew is
// noise.
func Clock(local, server time.Time) Finding {
	skew := server.Sub(local)
	abs := skew.Abs().Round(time.Second)
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	msg := fmt.Sprintf("server clock is %s %s this machine's (warn above %s, fail above %s)", abs, dir, fmtDur(SkewWarn), fmtDur(SkewFail))
	fix := "synchronize the clocks of this machine and the server with NTP: `sudo timedatectl set-ntp true` (or `sudo chronyc makestep`) on both"
	switch {
	case abs > SkewFail:
		return Finding{Check: CheckClock, Status: Fail, Message: msg + ": SigV4 signatures will be refused", Fix: fix}
	case abs > SkewWarn:
		return Finding{Check: CheckClock, Status: Warn, Message: msg, Fix: fix}
	}
	return Finding{Check: CheckClock, Status: OK, Message: msg}
}

// fmtDur prints whole minutes as "5m".
func fmtDur(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return d.String()
}

// Health checks the status code of GET /_sluice/health.
func Health(endpoint string, status int) Finding {
	url := endpoint + HealthPath
	if status == 200 {
		return Finding{Check: CheckHealth, Status: OK, Message: url + " answered 200"}
	}
	return Finding{Check: CheckHealth, Status: Fail, Message: fmt.Sprintf("%s answered %d: the server is starting, draining, or cannot reach its store", url, status),
		Fix: "read the server's log (`journalctl -u sluice` or its stderr) for the store error, then restart it"}
}

// HealthPath is the unauthenticated health endpoint.
const HealthPath = "/_sluice/health"
