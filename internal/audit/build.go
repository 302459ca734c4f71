package audit

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/secret"
)

// renamed are operations CloudTrail logs under another name.
var renamed = map[string]string{
	"ListObjectsV2": "ListObjects",
}

// readOnlyPrefixes mark operations that change nothing. AssumeRole and friends are logged with
// readOnly true by CloudTrail too.
var readOnlyPrefixes = []string{"Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "AssumeRole", "Select"}

// IsReadOnly reports whether CloudTrail marks an operation read-only.
func IsReadOnly(op string) bool {
	for _, p := range readOnlyPrefixes {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// maxNameLen bounds client-chosen operation names kept in records.
const maxNameLen = 128

// Build returns the record of a finished request. eventID is the record's UUID. Build reads c but
// never changes it.
func Build(c *awsproto.Call, status int, info *identity.RequestInfo, account identity.AccountID, eventID string) *Event {
	svc := "unknown"
	if c.Service != nil {
		svc = c.Service.Name
	}
	name := c.Operation
	if r, ok := renamed[name]; ok {
		name = r
	}
	if name == "" {
		name = "Unknown"
	}
	if len(name) > maxNameLen || !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name[:min(len(name), maxNameLen)], "")
	}
	region := c.Region
	if region == "" {
		region = info.Region
	}
	e := &Event{
		EventVersion:       EventVersion,
		UserIdentity:       userIdentity(c.Principal, c.AccessKeyID),
		EventTime:          info.Time.UTC().Format(TimeLayout),
		EventSource:        svc + ".amazonaws.com",
		EventName:          name,
		AWSRegion:          region,
		SourceIPAddress:    info.SourceIP,
		UserAgent:          info.UserAgent,
		RequestParameters:  Sanitize(c.Input),
		ResponseElements:   Sanitize(c.Output),
		RequestID:          c.RequestID,
		EventID:            eventID,
		ReadOnly:           IsReadOnly(c.Operation),
		Resources:          resources(c.Resources, account),
		EventType:          "AwsApiCall",
		ManagementEvent:    !c.DataEvent,
		RecipientAccountID: string(account),
		EventCategory:      "Management",
	}
	if c.DataEvent {
		e.EventCategory = "Data"
	}
	if len(c.Extra) > 0 {
		e.AdditionalEventData = Sanitize(c.Extra)
	}
	switch {
	case c.Err != nil:
		e.ErrorCode = c.Err.Code
		e.ErrorMessage = c.Err.Message
		e.ResponseElements = nil
	case status >= 400:
		e.ErrorCode = http.StatusText(status)
		e.ResponseElements = nil
	}
	return e
}

func resources(rs []awsproto.Resource, account identity.AccountID) []EventResource {
	if len(rs) == 0 {
		return nil
	}
	out := make([]EventResource, len(rs))
	for i, r := range rs {
		acct := string(account)
		if parts := strings.SplitN(r.ARN, ":", 6); len(parts) == 6 {
			acct = parts[4] // S3 ARNs have none; keep it empty for them
		}
		out[i] = EventResource{ARN: r.ARN, AccountID: acct, Type: r.Type}
	}
	return out
}

// webIdentityUser describes a federated caller that has not yet become a role session (the
// AssumeRoleWithWebIdentity call itself, a Kerberos login) as CloudTrail does: the provider
// ("accounts.example.com" or "kerberos-realm/EXAMPLE.COM"), "provider:aud:sub" and the subject.
func webIdentityUser(s *identity.Session) UserIdentity {
	f := s.Federation
	prov := string(f.Provider)
	if i := strings.Index(prov, ":oidc-provider/"); i >= 0 {
		prov = prov[i+len(":oidc-provider/"):]
	} else if i := strings.LastIndexByte(prov, ':'); i >= 0 {
		prov = prov[i+1:]
	}
	id := prov
	if f.Audience != "" {
		id += ":" + f.Audience
	}
	u := UserIdentity{Type: "WebIdentityUser", PrincipalID: id + ":" + f.Subject, UserName: f.Subject, IdentityProvider: prov}
	if s.SourceIdentity != "" {
		u.SessionContext = &SessionContext{Attributes: SessionAttributes{MFAAuthenticated: "false"}, SourceIdentity: s.SourceIdentity}
	}
	return u
}

// userIdentity describes p; for an unauthenticated request it keeps what is known: the key.
func userIdentity(p *identity.Principal, key identity.AccessKeyID) UserIdentity {
	if p == nil || p.Type == identity.Anonymous {
		u := UserIdentity{Type: "AWSAccount", AccessKeyID: string(key)}
		if key == "" {
			u.AccountID = "anonymous"
		}
		return u
	}
	if p.Type == identity.WebIdentityUser && p.Session != nil && p.Session.RoleARN == "" && p.Session.Federation != nil {
		return webIdentityUser(p.Session)
	}
	if key == "" {
		key = p.AccessKeyID
	}
	u := UserIdentity{
		Type:        p.Type.String(),
		PrincipalID: p.ID,
		ARN:         string(p.ARN),
		AccountID:   string(p.Account),
		AccessKeyID: string(key),
	}
	if p.Type == identity.IAMUser {
		u.UserName = p.UserName
	}
	if s := p.Session; s != nil {
		sc := &SessionContext{
			Attributes:     SessionAttributes{MFAAuthenticated: "false"},
			SourceIdentity: s.SourceIdentity,
		}
		if !s.IssuedAt.IsZero() {
			sc.Attributes.CreationDate = s.IssuedAt.UTC().Format(TimeLayout)
		}
		if s.RoleARN != "" {
			sc.SessionIssuer = &SessionIssuer{Type: "Role", PrincipalID: s.RoleID, ARN: string(s.RoleARN),
				AccountID: string(p.Account), UserName: s.RoleName}
		}
		if f := s.Federation; f != nil {
			sc.WebIDFederationData = &WebIDFederationData{FederatedProvider: string(f.Provider)}
			if f.Subject != "" || f.Audience != "" {
				sc.WebIDFederationData.Attributes = map[string]any{}
				if f.Subject != "" {
					sc.WebIDFederationData.Attributes["sub"] = f.Subject
				}
				if f.Audience != "" {
					sc.WebIDFederationData.Attributes["aud"] = f.Audience
				}
			}
		}
		u.SessionContext = sc
	}
	return u
}

// secretNames are member names (lower-cased) that hold credentials; they are dropped whatever
// their type, as a second line behind secret.Value.
var secretNames = map[string]bool{
	"secretaccesskey": true, "sessiontoken": true, "password": true, "newpassword": true,
	"oldpassword": true, "privatekey": true, "webidentitytoken": true, "samlassertion": true,
	"securitytoken": true, "secret": true, "clientsecret": true, "token": true,
	"workunittoken": true, // Lake Formation query API: sealed bearer of a work unit
}

var (
	secretType     = reflect.TypeFor[secret.Value]()
	timeType       = reflect.TypeFor[time.Time]()
	timestampType  = reflect.TypeFor[awsproto.Timestamp]()
	textMarshaler  = reflect.TypeFor[encoding.TextMarshaler]()
	jsonMarshaler  = reflect.TypeFor[json.Marshaler]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// maxDepth bounds the walk (cyclic or absurdly nested inputs).
const maxDepth = 24

// Sanitize converts a decoded request or response into CloudTrail's requestParameters form: maps
// with lowerCamelCase member names taken from the struct tags (query, json, xml) or field names,
// without empty members, secret.Value fields or members named like credentials. It returns nil
// (JSON null) when nothing is left.
func Sanitize(v any) any {
	if v == nil {
		return nil
	}
	out, ok := sanitize(reflect.ValueOf(v), 0)
	if !ok {
		return nil
	}
	if m, isMap := out.(map[string]any); isMap && len(m) == 0 {
		return nil
	}
	return out
}

func sanitize(v reflect.Value, depth int) (any, bool) {
	if depth > maxDepth || !v.IsValid() {
		return nil, false
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	t := v.Type()
	switch t {
	case secretType:
		return nil, false
	case timeType:
		tt := v.Interface().(time.Time)
		if tt.IsZero() {
			return nil, false
		}
		return tt.UTC().Format(TimeLayout), true
	case timestampType:
		return time.Time(v.Interface().(awsproto.Timestamp)).UTC().Format(TimeLayout), true
	case rawMessageType:
		var x any
		if json.Unmarshal(v.Bytes(), &x) != nil {
			return nil, false
		}
		return x, true
	}
	switch t.Kind() {
	case reflect.String:
		if v.Len() == 0 {
			return nil, false
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil, false // bodies and binary blobs are not logged
		}
		if v.Len() == 0 {
			return nil, false
		}
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			if x, ok := sanitize(v.Index(i), depth+1); ok {
				out = append(out, x)
			}
		}
		return out, len(out) > 0
	case reflect.Map:
		if v.Len() == 0 || t.Key().Kind() != reflect.String {
			return nil, false
		}
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if secretNames[strings.ToLower(k)] {
				continue
			}
			if x, ok := sanitize(iter.Value(), depth+1); ok {
				out[k] = x
			}
		}
		return out, len(out) > 0
	case reflect.Struct:
		out := map[string]any{}
		sanitizeStruct(v, depth, out)
		if len(out) == 0 {
			if x, ok := marshaled(v); ok {
				return x, true
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}

// marshaled handles structs without exported fields that encode themselves.
func marshaled(v reflect.Value) (any, bool) {
	if !v.CanInterface() {
		return nil, false
	}
	var data []byte
	var err error
	switch {
	case v.Type().Implements(jsonMarshaler):
		data, err = v.Interface().(json.Marshaler).MarshalJSON()
	case v.Type().Implements(textMarshaler):
		var b []byte
		b, err = v.Interface().(encoding.TextMarshaler).MarshalText()
		data, _ = json.Marshal(string(b))
	default:
		return nil, false
	}
	var x any
	if err != nil || json.Unmarshal(data, &x) != nil || x == nil {
		return nil, false
	}
	return x, true
}

func sanitizeStruct(v reflect.Value, depth int, out map[string]any) {
	for _, f := range structFields(v.Type()) {
		fv := v.Field(f.index)
		if f.embedded {
			sanitizeStruct(fv, depth+1, out)
			continue
		}
		if x, ok := sanitize(fv, depth+1); ok {
			out[f.name] = x
		}
	}
}

// field is how sanitizeStruct treats one struct field: recurse into an embedded struct, or log
// the field under name.
type field struct {
	index    int
	name     string // lowerCamel of the member name
	embedded bool
}

// fieldCache maps a struct type to its []field: the names come from tags, so they are worked out
// once per type.
var fieldCache sync.Map

func structFields(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			fs = append(fs, field{index: i, embedded: true})
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, skip := memberName(f)
		if skip || secretNames[strings.ToLower(name)] {
			continue
		}
		fs = append(fs, field{index: i, name: lowerCamel(name)})
	}
	fieldCache.Store(t, fs)
	return fs
}

// memberName is the API member name of a field: from its query, json or xml tag, else its name.
func memberName(f reflect.StructField) (string, bool) {
	for _, key := range []string{"query", "json", "xml"} {
		tag, ok := f.Tag.Lookup(key)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			return "", true
		}
		if i := strings.LastIndexByte(name, '>'); i >= 0 { // xml paths a>b
			name = name[i+1:]
		}
		if name != "" {
			return name, false
		}
	}
	return f.Name, false
}

// lowerCamel lower-cases the first letter: RoleArn → roleArn, ARN → aRN is avoided by lowering a
// leading run of capitals that is followed by a lower-case letter except its last (ARNs → arns,
// SSEKMSKeyId → sseKMSKeyId is close enough to CloudTrail's spelling).
func lowerCamel(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == len(r):
		n = len(r) // all caps: ARN → arn
	case n > 1:
		n-- // keep the capital that starts the next word: ARNList → arnList
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}
