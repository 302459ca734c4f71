package s3

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
)

const ns = ` xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

func tags(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("<Tag><Key>k" + strings.Repeat("x", i) + "</Key><Value>v</Value></Tag>")
	}
	return "<Tagging><TagSet>" + b.String() + "</TagSet></Tagging>"
}

// configCases are PUT bodies per sub-resource: the stored document ("" when nothing is stored)
// or the error code.
var configCases = []struct {
	name, sub, body string
	want            string // stored XML
	code            string
}{
	{"tags", "tagging", `<Tagging` + ns + `><TagSet><Tag><Key>team</Key><Value>data eng</Value></Tag><Tag><Key>cost:center</Key><Value></Value></Tag></TagSet></Tagging>`,
		`<Tagging` + ns + `><TagSet><Tag><Key>team</Key><Value>data eng</Value></Tag><Tag><Key>cost:center</Key><Value></Value></Tag></TagSet></Tagging>`, ""},
	{"tags without namespace", "tagging", `<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`,
		`<Tagging` + ns + `><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`, ""},
	{"empty tag set", "tagging", `<Tagging><TagSet></TagSet></Tagging>`, `<Tagging` + ns + `><TagSet></TagSet></Tagging>`, ""},
	{"50 tags", "tagging", tags(50), "", "ok"},
	{"51 tags", "tagging", tags(51), "", "InvalidTag"},
	{"duplicate key", "tagging", `<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>`, "", "InvalidTag"},
	{"key 128", "tagging", `<Tagging><TagSet><Tag><Key>` + strings.Repeat("é", 128) + `</Key><Value>v</Value></Tag></TagSet></Tagging>`, "", "ok"},
	{"key 129", "tagging", `<Tagging><TagSet><Tag><Key>` + strings.Repeat("k", 129) + `</Key><Value>v</Value></Tag></TagSet></Tagging>`, "", "InvalidTag"},
	{"value 257", "tagging", `<Tagging><TagSet><Tag><Key>k</Key><Value>` + strings.Repeat("v", 257) + `</Value></Tag></TagSet></Tagging>`, "", "InvalidTag"},
	{"empty key", "tagging", `<Tagging><TagSet><Tag><Key></Key><Value>v</Value></Tag></TagSet></Tagging>`, "", "InvalidTag"},
	{"aws: key", "tagging", `<Tagging><TagSet><Tag><Key>aws:x</Key><Value>v</Value></Tag></TagSet></Tagging>`, "", "InvalidTag"},
	{"bad character", "tagging", `<Tagging><TagSet><Tag><Key>a;b</Key><Value>v</Value></Tag></TagSet></Tagging>`, "", "InvalidTag"},
	{"tag without value", "tagging", `<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>`, "", "MalformedXML"},
	{"no tag set", "tagging", `<Tagging></Tagging>`, "", "MalformedXML"},
	{"wrong root", "tagging", `<TagSet></TagSet>`, "", "MalformedXML"},
	{"not xml", "tagging", `{"TagSet": []}`, "", "MalformedXML"},
	{"empty body", "tagging", ``, "", "MalformedXML"},

	{"sse-s3", "encryption", `<ServerSideEncryptionConfiguration` + ns + `><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration` + ns + `><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`, ""},
	{"sse-kms", "encryption", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, "", "NotImplemented"},
	{"aes256 with key id", "encryption", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, "", "InvalidArgument"},
	{"unknown algorithm", "encryption", `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>rot13</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`, "", "MalformedXML"},
	{"no rule", "encryption", `<ServerSideEncryptionConfiguration></ServerSideEncryptionConfiguration>`, "", "MalformedXML"},

	{"cors", "cors", `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
		`<CORSConfiguration` + ns + `><CORSRule><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>300</MaxAgeSeconds></CORSRule></CORSConfiguration>`, ""},
	{"cors bad method", "cors", `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>`, "", "InvalidRequest"},
	{"cors no origin", "cors", `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`, "", "MalformedXML"},
	{"cors no rules", "cors", `<CORSConfiguration></CORSConfiguration>`, "", "MalformedXML"},
	{"cors two wildcards", "cors", `<CORSConfiguration><CORSRule><AllowedOrigin>*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`, "", "InvalidRequest"},

	{"lifecycle", "lifecycle", `<LifecycleConfiguration><Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule><Rule><ID>abort</ID><Filter></Filter><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`,
		`<LifecycleConfiguration` + ns + `><Rule><Expiration><Days>7</Days></Expiration><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status></Rule><Rule><ID>abort</ID><Filter></Filter><Status>Disabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`, ""},
	{"lifecycle date and transition", "lifecycle", `<LifecycleConfiguration><Rule><Prefix></Prefix><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>`,
		`<LifecycleConfiguration` + ns + `><Rule><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration><Prefix></Prefix><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>`, ""},
	{"lifecycle date not midnight", "lifecycle", `<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T10:00:00Z</Date></Expiration></Rule></LifecycleConfiguration>`, "", "InvalidArgument"},
	{"lifecycle no action", "lifecycle", `<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status></Rule></LifecycleConfiguration>`, "", "InvalidRequest"},
	{"lifecycle bad status", "lifecycle", `<LifecycleConfiguration><Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`, "", "MalformedXML"},
	{"lifecycle zero days", "lifecycle", `<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule></LifecycleConfiguration>`, "", "InvalidArgument"},
	{"lifecycle duplicate id", "lifecycle", `<LifecycleConfiguration><Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule><Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule></LifecycleConfiguration>`, "", "InvalidArgument"},
	{"lifecycle prefix and filter", "lifecycle", `<LifecycleConfiguration><Rule><Prefix>a</Prefix><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`, "", "MalformedXML"},
	{"lifecycle filter two conditions", "lifecycle", `<LifecycleConfiguration><Rule><Filter><Prefix>a</Prefix><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`, "", "MalformedXML"},
	{"lifecycle bad storage class", "lifecycle", `<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>TAPE</StorageClass></Transition></Rule></LifecycleConfiguration>`, "", "MalformedXML"},

	{"ownership", "ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`,
		`<OwnershipControls` + ns + `><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`, ""},
	{"ownership unknown", "ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>Anyone</ObjectOwnership></Rule></OwnershipControls>`, "", "MalformedXML"},
	{"ownership two rules", "ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`, "", "MalformedXML"},

	{"public access block", "publicAccessBlock", `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
		`<PublicAccessBlockConfiguration` + ns + `><BlockPublicAcls>true</BlockPublicAcls><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>`, ""},
	{"public access block not a bool", "publicAccessBlock", `<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>`, "", "MalformedXML"},

	{"versioning suspended", "versioning", `<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`,
		`<VersioningConfiguration` + ns + `><Status>Suspended</Status></VersioningConfiguration>`, ""},
	{"versioning enabled", "versioning", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`, "", "NotImplemented"},
	{"mfa delete", "versioning", `<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`, "", "NotImplemented"},
	{"versioning unknown", "versioning", `<VersioningConfiguration><Status>Paused</Status></VersioningConfiguration>`, "", "MalformedXML"},

	{"bucket owner pays", "requestPayment", `<RequestPaymentConfiguration><Payer>BucketOwner</Payer></RequestPaymentConfiguration>`, "", ""},
	{"requester pays", "requestPayment", `<RequestPaymentConfiguration><Payer>Requester</Payer></RequestPaymentConfiguration>`, "", "NotImplemented"},
	{"accelerate suspended", "accelerate", `<AccelerateConfiguration><Status>Suspended</Status></AccelerateConfiguration>`,
		`<AccelerateConfiguration` + ns + `><Status>Suspended</Status></AccelerateConfiguration>`, ""},
	{"accelerate enabled", "accelerate", `<AccelerateConfiguration><Status>Enabled</Status></AccelerateConfiguration>`, "", "NotImplemented"},
	{"logging off", "logging", `<BucketLoggingStatus` + ns + `/>`, "", ""},
	{"logging on", "logging", `<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>x/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`, "", "NotImplemented"},
	{"notifications off", "notification", `<NotificationConfiguration/>`, "", ""},
	{"notifications on", "notification", `<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:1:q</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>`, "", "NotImplemented"},
	{"eventbridge", "notification", `<NotificationConfiguration><EventBridgeConfiguration/></NotificationConfiguration>`, "", "NotImplemented"},
}

func parserOf(t testing.TB, sub string) func([]byte) (any, error) {
	for _, c := range subresources {
		if c.sub == sub {
			return c.parse
		}
	}
	t.Fatalf("no sub-resource %q", sub)
	return nil
}

func TestParseConfig(t *testing.T) {
	for _, c := range configCases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := parserOf(t, c.sub)([]byte(c.body))
			gotCode, gotDoc := "", ""
			if err != nil {
				e := awsproto.As(err)
				if e == nil {
					t.Fatalf("internal error %v", err)
				}
				gotCode = e.Code
			} else if doc != nil {
				b, err := xml.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				gotDoc = string(b)
			}
			want := [2]string{c.code, c.want}
			if c.code == "ok" {
				want, gotDoc = [2]string{""}, ""
			}
			if diff := cmp.Diff(want, [2]string{gotCode, gotDoc}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseConfig checks that every parser either refuses a body with an S3 error or returns a
// document that parses again to itself.
func FuzzParseConfig(f *testing.F) {
	for _, c := range configCases {
		f.Add(c.sub, c.body)
	}
	f.Fuzz(func(t *testing.T, sub, body string) {
		var parse func([]byte) (any, error)
		for _, c := range subresources {
			if c.sub == sub {
				parse = c.parse
			}
		}
		if parse == nil {
			return
		}
		doc, err := parse([]byte(body))
		if err != nil {
			if awsproto.As(err) == nil {
				t.Fatalf("internal error %v", err)
			}
			return
		}
		if doc == nil {
			return
		}
		first, err := xml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parse(first)
		if err != nil {
			t.Fatalf("stored document %s does not parse: %v", first, err)
		}
		second, _ := xml.Marshal(again)
		if string(first) != string(second) {
			t.Fatalf("not stable:\n%s\n%s", first, second)
		}
	})
}

func BenchmarkParseTagging50(b *testing.B) {
	body := []byte(tags(50))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseTagging(body, maxBucketTags, "Bucket"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	q := &req{q: map[string][]string{"metrics": {""}}, bucket: "b"}
	b.ReportAllocs()
	for b.Loop() {
		if route("GET", q) == nil {
			b.Fatal("unrouted")
		}
	}
}
