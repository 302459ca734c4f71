package doctor

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// RootUsageWindow is how far back RootUsage looks.
const RootUsageWindow = 7 * 24 * time.Hour

// UserAgentMark is in the User-Agent of every call the doctor makes (the SDK's app id), so that
// its own calls with root keys are not counted as root usage.
const UserAgentMark = "sluice-doctor"

// Event is a CloudTrail event by the root identity, as LookupEvents returns it.
type Event struct {
	Source    string // "iam.amazonaws.com"
	Name      string // "CreateUser"
	UserAgent string
}

// Bootstrap are the calls root is expected to make: creating the first administrators and their
// keys, naming data-lake admins, and checking who it is. Anything else is daily work.
var Bootstrap = map[string]bool{
	"iam:CreateUser": true, "iam:CreateAccessKey": true, "iam:CreateLoginProfile": true,
	"iam:CreateGroup": true, "iam:AddUserToGroup": true,
	"iam:CreatePolicy": true, "iam:CreatePolicyVersion": true,
	"iam:AttachUserPolicy": true, "iam:AttachGroupPolicy": true,
	"iam:PutUserPolicy": true, "iam:PutGroupPolicy": true,
	"sts:GetCallerIdentity":             true,
	"lakeformation:GetDataLakeSettings": true, "lakeformation:PutDataLakeSettings": true,
}

// eventKey is "iam:CreateUser" for source iam.amazonaws.com.
func eventKey(e Event) string {
	svc, _, _ := strings.Cut(e.Source, ".")
	return svc + ":" + e.Name
}

// RootUsage checks that root made no calls in the window other than Bootstrap ones and the
// doctor's own. truncated says more events existed than were read (the counts are then a lower
// bound).
func RootUsage(events []Event, truncated bool) Finding {
	counts := map[string]int{}
	total := 0
	for _, e := range events {
		if strings.Contains(e.UserAgent, UserAgentMark) || Bootstrap[eventKey(e)] {
			continue
		}
		counts[eventKey(e)]++
		total++
	}
	if total == 0 {
		return Finding{Check: CheckRootUsage, Status: OK, Message: fmt.Sprintf("root made no calls in the last %d days besides bootstrap ones", int(RootUsageWindow.Hours()/24))}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	const shown = 8
	parts := make([]string, 0, shown+1)
	for i, k := range keys {
		if i == shown {
			parts = append(parts, fmt.Sprintf("%d more kinds", len(keys)-shown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", k, counts[k]))
	}
	more := ""
	if truncated {
		more = " at least"
	}
	return Finding{Check: CheckRootUsage, Status: Warn,
		Message: fmt.Sprintf("the root keys made%s %d non-bootstrap call(s) in the last %d days (%s); use an administrator for daily work and keep the root keys for emergencies",
			more, total, int(RootUsageWindow.Hours()/24), strings.Join(parts, ", ")),
		Fix: "aws iam create-user --user-name admin\n" +
			`aws iam put-user-policy --user-name admin --policy-name admin --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'` + "\n" +
			"aws iam create-access-key --user-name admin"}
}
