package s3

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// This file holds the XML documents of the bucket configurations Sluice stores, each with a
// pure parse function: decode the body, check it against AWS's schema and limits, and return
// the document to store (re-encoded in AWS's shape), or nil when the body asks for the
// default (nothing to store). Errors are *awsproto.Error values ready for the client.

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// malformed is MalformedXML naming what is wrong.
func malformed(format string, args ...any) error {
	return errorf(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema: %s", fmt.Sprintf(format, args...))
}

// unsupported is NotImplemented naming the feature Sluice does not have.
func unsupported(format string, args ...any) error {
	return errorf(http.StatusNotImplemented, "NotImplemented", format, args...)
}

func invalidTag(format string, args ...any) *awsproto.Error {
	return errorf(http.StatusBadRequest, "InvalidTag", format, args...)
}

// decodeDoc decodes body into v, whose root element must be root; name receives the root's
// name, re-qualified with S3's namespace for encoding.
func decodeDoc(body []byte, root string, v any, name *xml.Name) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return malformed("the request body is empty, expected <%s>", root)
	}
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		return malformed("%v", err)
	}
	if name.Local != root {
		return malformed("the root element is <%s>, expected <%s>", name.Local, root)
	}
	*name = xml.Name{Space: s3NS, Local: root}
	return nil
}

func boolDoc(v *bool) string {
	if v == nil {
		return "absent"
	}
	return fmt.Sprint(*v)
}

// Tagging: <Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>, for buckets and
// objects.

type taggingDoc struct {
	XMLName xml.Name
	TagSet  *tagSet `xml:"TagSet"`
}

type tagSet struct {
	Tags []tagXML `xml:"Tag"`
}

type tagXML struct {
	Key   *string `xml:"Key"`
	Value *string `xml:"Value"`
}

// Tag limits (the same for buckets and objects but the count).
const (
	maxBucketTags  = 50
	maxObjectTags  = 10
	maxTagKeyLen   = 128 // Unicode characters
	maxTagValueLen = 256
)

// Tag is one key-value tag.
type Tag struct{ Key, Value string }

// parseTagging parses and validates a tag set of at most max tags. what is "Bucket" or
// "Object", for messages.
func parseTagging(body []byte, max int, what string) (*taggingDoc, error) {
	var d taggingDoc
	if err := decodeDoc(body, "Tagging", &d, &d.XMLName); err != nil {
		return nil, err
	}
	if d.TagSet == nil {
		return nil, malformed("<Tagging> needs a <TagSet>")
	}
	tags := make([]Tag, 0, len(d.TagSet.Tags))
	for i, t := range d.TagSet.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, malformed("<Tag> %d needs a <Key> and a <Value>", i+1)
		}
		tags = append(tags, Tag{*t.Key, *t.Value})
	}
	if err := checkTags(tags, max, what); err != nil {
		return nil, err
	}
	return &d, nil
}

// checkTags applies AWS's tag rules: at most max tags, keys of 1..128 and values of 0..256
// Unicode letters, digits, spaces and _ . : / = + - @, no duplicate keys, no "aws:" keys.
func checkTags(tags []Tag, max int, what string) error {
	if len(tags) > max {
		if what == "Object" {
			return invalidTag("Object tags cannot be greater than %d", max)
		}
		return invalidTag("Bucket tag count cannot be greater than %d", max)
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		switch n := utf8.RuneCountInString(t.Key); {
		case n == 0 || !tagChars(t.Key):
			return invalidTag("The TagKey you have provided is invalid").With("TagKey", t.Key)
		case n > maxTagKeyLen:
			return invalidTag("The TagKey you have provided is too long, max %d", maxTagKeyLen).With("TagKey", t.Key)
		}
		if utf8.RuneCountInString(t.Value) > maxTagValueLen {
			return invalidTag("The TagValue you have provided is too long, max %d", maxTagValueLen).With("TagKey", t.Key)
		}
		if !tagChars(t.Value) {
			return invalidTag("The TagValue you have provided is invalid").With("TagKey", t.Key)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidTag("System tags cannot be added/updated by requester").With("TagKey", t.Key)
		}
		if seen[t.Key] {
			return invalidTag("Cannot provide multiple Tags with the same key").With("TagKey", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

func tagChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Z, r) || strings.ContainsRune("_.:/=+-@", r)) {
			return false
		}
	}
	return true
}

// Default encryption: <ServerSideEncryptionConfiguration><Rule>…</Rule></…>.

type encryptionDoc struct {
	XMLName xml.Name
	Rules   []encryptionRule `xml:"Rule"`
}

type encryptionRule struct {
	Default          *encryptionDefault `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled *bool              `xml:"BucketKeyEnabled,omitempty"`
	Blocked          *blockedEncryption `xml:"BlockedEncryptionTypes,omitempty"`
}

type encryptionDefault struct {
	SSEAlgorithm   string
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

type blockedEncryption struct {
	Types []string `xml:"EncryptionType"`
}

// parseEncryption accepts SSE-S3 (AES256) only: Sluice does not hold KMS keys, and what the
// blob storage does to bytes at rest is the operator's business.
func parseEncryption(body []byte) (*encryptionDoc, error) {
	var d encryptionDoc
	if err := decodeDoc(body, "ServerSideEncryptionConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	if len(d.Rules) != 1 {
		return nil, malformed("<ServerSideEncryptionConfiguration> needs exactly one <Rule>, found %d", len(d.Rules))
	}
	r := d.Rules[0]
	if r.Default == nil {
		return nil, malformed("<Rule> needs <ApplyServerSideEncryptionByDefault>")
	}
	switch r.Default.SSEAlgorithm {
	case "AES256":
		if r.Default.KMSMasterKeyID != "" {
			return nil, invalidArgument("ApplyServerSideEncryptionByDefault", "KMSMasterKeyID",
				"a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
		}
	case "aws:kms", "aws:kms:dsse", "aws:fsx":
		return nil, unsupported("Sluice does not support default encryption with %s: it holds no KMS keys; only SSE-S3 (AES256) is accepted", r.Default.SSEAlgorithm)
	default:
		return nil, malformed("unknown SSEAlgorithm %q (AES256, aws:kms, aws:kms:dsse or aws:fsx)", r.Default.SSEAlgorithm)
	}
	if r.Blocked != nil {
		for _, t := range r.Blocked.Types {
			switch t {
			case "NONE":
			case "SSE-C":
				return nil, unsupported("Sluice does not support BlockedEncryptionTypes SSE-C")
			default:
				return nil, malformed("unknown EncryptionType %q (NONE or SSE-C)", t)
			}
		}
	}
	return &d, nil
}

// CORS: <CORSConfiguration><CORSRule>…</CORSRule>…</CORSConfiguration>.

type corsDoc struct {
	XMLName xml.Name
	Rules   []corsRule `xml:"CORSRule"`
}

type corsRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds,omitempty"`
}

const maxCORSRules = 100

func parseCORS(body []byte) (*corsDoc, error) {
	var d corsDoc
	if err := decodeDoc(body, "CORSConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	if len(d.Rules) == 0 {
		return nil, malformed("<CORSConfiguration> needs at least one <CORSRule>")
	}
	if len(d.Rules) > maxCORSRules {
		return nil, invalidRequest("The number of CORS rules should not exceed allowed limit of %d rules.", maxCORSRules)
	}
	for i, r := range d.Rules {
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
			return nil, malformed("<CORSRule> %d needs at least one <AllowedMethod> and one <AllowedOrigin>", i+1)
		}
		if len(r.ID) > 255 {
			return nil, invalidArgument("ID", r.ID, "ID length should not exceed allowed limit of 255")
		}
		for _, m := range r.AllowedMethods {
			switch m {
			case "GET", "PUT", "HEAD", "POST", "DELETE":
			default:
				return nil, invalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, invalidRequest("AllowedOrigin %q can not have more than one wildcard.", o)
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return nil, invalidRequest("AllowedHeader %q can not have more than one wildcard.", h)
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return nil, malformed("<MaxAgeSeconds> must not be negative")
		}
	}
	return &d, nil
}

// Lifecycle: <LifecycleConfiguration><Rule>…</Rule>…</LifecycleConfiguration>. Stored and
// returned; Sluice runs no expiry or transition.

type lifecycleDoc struct {
	XMLName xml.Name
	Rules   []lifecycleRule `xml:"Rule"`
}

type lifecycleRule struct {
	Expiration                     *lifecycleExpiration            `xml:"Expiration,omitempty"`
	ID                             string                          `xml:"ID,omitempty"`
	Prefix                         *string                         `xml:"Prefix,omitempty"`
	Filter                         *lifecycleFilter                `xml:"Filter,omitempty"`
	Status                         string                          `xml:"Status"`
	Transitions                    []lifecycleTransition           `xml:"Transition"`
	NoncurrentVersionTransitions   []noncurrentVersionTransition   `xml:"NoncurrentVersionTransition"`
	NoncurrentVersionExpiration    *noncurrentVersionExpiration    `xml:"NoncurrentVersionExpiration,omitempty"`
	AbortIncompleteMultipartUpload *abortIncompleteMultipartUpload `xml:"AbortIncompleteMultipartUpload,omitempty"`
}

type lifecycleExpiration struct {
	Date                      string `xml:"Date,omitempty"`
	Days                      *int   `xml:"Days,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

type lifecycleFilter struct {
	Prefix                *string       `xml:"Prefix,omitempty"`
	Tag                   *tagXML       `xml:"Tag,omitempty"`
	ObjectSizeGreaterThan *int64        `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64        `xml:"ObjectSizeLessThan,omitempty"`
	And                   *lifecycleAnd `xml:"And,omitempty"`
}

type lifecycleAnd struct {
	Prefix                *string  `xml:"Prefix,omitempty"`
	Tags                  []tagXML `xml:"Tag"`
	ObjectSizeGreaterThan *int64   `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64   `xml:"ObjectSizeLessThan,omitempty"`
}

type lifecycleTransition struct {
	Date         string `xml:"Date,omitempty"`
	Days         *int   `xml:"Days,omitempty"`
	StorageClass string `xml:"StorageClass,omitempty"`
}

type noncurrentVersionTransition struct {
	NoncurrentDays          *int   `xml:"NoncurrentDays,omitempty"`
	StorageClass            string `xml:"StorageClass,omitempty"`
	NewerNoncurrentVersions *int   `xml:"NewerNoncurrentVersions,omitempty"`
}

type noncurrentVersionExpiration struct {
	NoncurrentDays          *int `xml:"NoncurrentDays,omitempty"`
	NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions,omitempty"`
}

type abortIncompleteMultipartUpload struct {
	DaysAfterInitiation *int `xml:"DaysAfterInitiation,omitempty"`
}

const maxLifecycleRules = 1000

var transitionClasses = []string{"GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR"}

func parseLifecycle(body []byte) (*lifecycleDoc, error) {
	var d lifecycleDoc
	if err := decodeDoc(body, "LifecycleConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	if len(d.Rules) == 0 {
		return nil, malformed("<LifecycleConfiguration> needs at least one <Rule>")
	}
	if len(d.Rules) > maxLifecycleRules {
		return nil, invalidRequest("The number of lifecycle rules should not exceed allowed limit of %d rules", maxLifecycleRules)
	}
	ids := map[string]bool{}
	for i := range d.Rules {
		r := &d.Rules[i]
		if err := checkLifecycleRule(i+1, r); err != nil {
			return nil, err
		}
		if r.ID != "" {
			if ids[r.ID] {
				return nil, invalidArgument("ID", r.ID, "Rule ID must be unique. Found same ID for more than one rule")
			}
			ids[r.ID] = true
		}
	}
	return &d, nil
}

func checkLifecycleRule(n int, r *lifecycleRule) error {
	if len(r.ID) > 255 {
		return invalidArgument("ID", r.ID, "ID length should not exceed allowed limit of 255")
	}
	if r.Status != "Enabled" && r.Status != "Disabled" {
		return malformed("<Rule> %d: <Status> must be Enabled or Disabled, not %q", n, r.Status)
	}
	if r.Prefix != nil && r.Filter != nil {
		return malformed("<Rule> %d has both <Prefix> and <Filter>", n)
	}
	if f := r.Filter; f != nil {
		set := 0
		for _, b := range []bool{f.Prefix != nil, f.Tag != nil, f.ObjectSizeGreaterThan != nil, f.ObjectSizeLessThan != nil, f.And != nil} {
			if b {
				set++
			}
		}
		if set > 1 {
			return malformed("<Rule> %d: <Filter> takes one of <Prefix>, <Tag>, <ObjectSizeGreaterThan>, <ObjectSizeLessThan> or <And>", n)
		}
		if f.Tag != nil {
			if err := checkFilterTags([]tagXML{*f.Tag}); err != nil {
				return err
			}
		}
		if f.And != nil {
			if err := checkFilterTags(f.And.Tags); err != nil {
				return err
			}
		}
	}
	if r.Expiration == nil && len(r.Transitions) == 0 && len(r.NoncurrentVersionTransitions) == 0 &&
		r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil {
		return invalidRequest("At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		set := 0
		for _, b := range []bool{e.Date != "", e.Days != nil, e.ExpiredObjectDeleteMarker != nil} {
			if b {
				set++
			}
		}
		if set != 1 {
			return malformed("<Rule> %d: <Expiration> takes exactly one of <Date>, <Days> or <ExpiredObjectDeleteMarker>", n)
		}
		if e.Days != nil && *e.Days <= 0 {
			return invalidArgument("Days", fmt.Sprint(*e.Days), "'Days' for Expiration action must be a positive integer")
		}
		if e.Date != "" {
			d, err := midnight(e.Date)
			if err != nil {
				return err
			}
			e.Date = d
		}
	}
	for i := range r.Transitions {
		t := &r.Transitions[i]
		if (t.Date == "") == (t.Days == nil) {
			return malformed("<Rule> %d: <Transition> takes exactly one of <Date> or <Days>", n)
		}
		if t.Days != nil && *t.Days < 0 {
			return invalidArgument("Days", fmt.Sprint(*t.Days), "'Days' in Transition action must be nonnegative")
		}
		if t.Date != "" {
			d, err := midnight(t.Date)
			if err != nil {
				return err
			}
			t.Date = d
		}
		if err := checkStorageClass(n, t.StorageClass); err != nil {
			return err
		}
	}
	for _, t := range r.NoncurrentVersionTransitions {
		if t.NoncurrentDays == nil || *t.NoncurrentDays < 0 {
			return malformed("<Rule> %d: <NoncurrentVersionTransition> needs a nonnegative <NoncurrentDays>", n)
		}
		if err := checkStorageClass(n, t.StorageClass); err != nil {
			return err
		}
	}
	if e := r.NoncurrentVersionExpiration; e != nil && (e.NoncurrentDays == nil || *e.NoncurrentDays <= 0) {
		return malformed("<Rule> %d: <NoncurrentVersionExpiration> needs a positive <NoncurrentDays>", n)
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil && (a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0) {
		return malformed("<Rule> %d: <AbortIncompleteMultipartUpload> needs a positive <DaysAfterInitiation>", n)
	}
	return nil
}

func checkFilterTags(ts []tagXML) error {
	tags := make([]Tag, 0, len(ts))
	for _, t := range ts {
		if t.Key == nil || t.Value == nil {
			return malformed("a filter <Tag> needs a <Key> and a <Value>")
		}
		tags = append(tags, Tag{*t.Key, *t.Value})
	}
	return checkTags(tags, maxBucketTags, "Bucket")
}

func checkStorageClass(n int, c string) error {
	for _, v := range transitionClasses {
		if c == v {
			return nil
		}
	}
	return malformed("<Rule> %d: unknown transition <StorageClass> %q", n, c)
}

// midnight checks an ISO 8601 date of a lifecycle action (midnight UTC) and returns it in
// S3's format.
func midnight(s string) (string, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if t, err = time.Parse("2006-01-02", s); err != nil {
			return "", malformed("<Date> %q is not an ISO 8601 date", s)
		}
	}
	t = t.UTC()
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		return "", invalidArgument("Date", s, "'Date' must be at midnight GMT")
	}
	return xmlTime(t), nil
}

// Ownership controls: <OwnershipControls><Rule><ObjectOwnership>…</ObjectOwnership></Rule></…>.

type ownershipDoc struct {
	XMLName xml.Name
	Rules   []ownershipRule `xml:"Rule"`
}

type ownershipRule struct {
	ObjectOwnership string
}

func parseOwnership(body []byte) (*ownershipDoc, error) {
	var d ownershipDoc
	if err := decodeDoc(body, "OwnershipControls", &d, &d.XMLName); err != nil {
		return nil, err
	}
	if len(d.Rules) != 1 {
		return nil, malformed("<OwnershipControls> needs exactly one <Rule>, found %d", len(d.Rules))
	}
	switch o := d.Rules[0].ObjectOwnership; o {
	case "BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced":
	default:
		return nil, malformed("unknown <ObjectOwnership> %q (BucketOwnerPreferred, ObjectWriter or BucketOwnerEnforced)", o)
	}
	return &d, nil
}

// Public access block: four optional booleans.

type publicAccessBlockDoc struct {
	XMLName               xml.Name
	BlockPublicAcls       *bool `xml:"BlockPublicAcls,omitempty"`
	IgnorePublicAcls      *bool `xml:"IgnorePublicAcls,omitempty"`
	BlockPublicPolicy     *bool `xml:"BlockPublicPolicy,omitempty"`
	RestrictPublicBuckets *bool `xml:"RestrictPublicBuckets,omitempty"`
}

func parsePublicAccessBlock(body []byte) (*publicAccessBlockDoc, error) {
	var d publicAccessBlockDoc
	if err := decodeDoc(body, "PublicAccessBlockConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	return &d, nil
}

// Versioning: Sluice buckets are unversioned. Suspended (what an unversioned bucket behaves
// like: every object has the one version "null") is stored; Enabled is refused.

type versioningDoc struct {
	XMLName   xml.Name
	Status    string `xml:"Status,omitempty"`
	MfaDelete string `xml:"MfaDelete,omitempty"`
}

func parseVersioning(body []byte) (*versioningDoc, error) {
	var d versioningDoc
	if err := decodeDoc(body, "VersioningConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	switch d.Status {
	case "", "Suspended":
	case "Enabled":
		return nil, unsupported("Sluice buckets are unversioned: versioning cannot be enabled (Suspended is accepted)")
	default:
		return nil, malformed("unknown versioning <Status> %q (Enabled or Suspended)", d.Status)
	}
	switch d.MfaDelete {
	case "", "Disabled":
	case "Enabled":
		return nil, unsupported("Sluice does not support MFA delete")
	default:
		return nil, malformed("unknown <MfaDelete> %q (Enabled or Disabled)", d.MfaDelete)
	}
	if d.Status == "" && d.MfaDelete == "" {
		return nil, nil
	}
	return &d, nil
}

// Request payment: the bucket owner pays, always.

type requestPaymentDoc struct {
	XMLName xml.Name
	Payer   string
}

func parseRequestPayment(body []byte) (*requestPaymentDoc, error) {
	var d requestPaymentDoc
	if err := decodeDoc(body, "RequestPaymentConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	switch d.Payer {
	case "BucketOwner":
		return nil, nil // the default: nothing to store
	case "Requester":
		return nil, unsupported("Sluice does not support Requester Pays buckets: the bucket owner pays (Payer BucketOwner)")
	}
	return nil, malformed("unknown <Payer> %q (BucketOwner or Requester)", d.Payer)
}

// Transfer acceleration: Suspended only.

type accelerateDoc struct {
	XMLName xml.Name
	Status  string `xml:"Status,omitempty"`
}

func parseAccelerate(body []byte) (*accelerateDoc, error) {
	var d accelerateDoc
	if err := decodeDoc(body, "AccelerateConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	switch d.Status {
	case "Suspended":
		return &d, nil
	case "Enabled":
		return nil, unsupported("Sluice does not support Transfer Acceleration (Suspended is accepted)")
	}
	return nil, malformed("unknown accelerate <Status> %q (Enabled or Suspended)", d.Status)
}

// Logging and notifications: the empty document (nothing configured) only.

type loggingDoc struct {
	XMLName        xml.Name
	LoggingEnabled *struct{} `xml:"LoggingEnabled"`
}

func parseLogging(body []byte) (*loggingDoc, error) {
	var d loggingDoc
	if err := decodeDoc(body, "BucketLoggingStatus", &d, &d.XMLName); err != nil {
		return nil, err
	}
	if d.LoggingEnabled != nil {
		return nil, unsupported("Sluice does not write server access logs; its audit log records every S3 request (CloudTrail data events). Only an empty <BucketLoggingStatus> is accepted")
	}
	return nil, nil
}

type notificationDoc struct {
	XMLName     xml.Name
	Topic       []struct{} `xml:"TopicConfiguration"`
	Queue       []struct{} `xml:"QueueConfiguration"`
	Lambda      []struct{} `xml:"CloudFunctionConfiguration"`
	EventBridge *struct{}  `xml:"EventBridgeConfiguration"`
}

func parseNotification(body []byte) (*notificationDoc, error) {
	var d notificationDoc
	if err := decodeDoc(body, "NotificationConfiguration", &d, &d.XMLName); err != nil {
		return nil, err
	}
	if len(d.Topic)+len(d.Queue)+len(d.Lambda) > 0 || d.EventBridge != nil {
		return nil, unsupported("Sluice does not send event notifications; only an empty <NotificationConfiguration> is accepted")
	}
	return nil, nil
}
