package awsproto

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type tag struct {
	Key   string `query:"Key"`
	Value string `query:"Value"`
}

type policyArn struct {
	ARN string `query:"arn"`
}

type assumeRoleInput struct {
	RoleArn           string            `query:"RoleArn,required"`
	RoleSessionName   string            `query:"RoleSessionName,required"`
	DurationSeconds   *int32            `query:"DurationSeconds"`
	Tags              []tag             `query:"Tags"`
	TransitiveTagKeys []string          `query:"TransitiveTagKeys"`
	PolicyArns        []policyArn       `query:"PolicyArns"`
	Enabled           *bool             `query:"Enabled"`
	When              *time.Time        `query:"When"`
	Attrs             map[string]string `query:"Attrs"`
	Nested            *struct {
		Name string `query:"Name"`
	} `query:"Nested"`
}

func i32(v int32) *int32 { return &v }
func boolp(v bool) *bool { return &v }

func TestDecodeQuery(t *testing.T) {
	when := time.Date(2026, 11, 22, 23, 34, 41, 0, time.UTC)
	tests := []struct {
		name    string
		form    string
		want    assumeRoleInput
		wantErr string
	}{
		{
			name: "botocore AssumeRole",
			form: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp" +
				"&RoleSessionName=s1&Tags.member.1.Key=LakeFormationAuthorizedCaller&Tags.member.1.Value=engine1" +
				"&Tags.member.2.Key=b&Tags.member.2.Value=&TransitiveTagKeys.member.1=LakeFormationAuthorizedCaller" +
				"&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX&DurationSeconds=900",
			want: assumeRoleInput{
				RoleArn: "arn:aws:iam::123456789012:role/app", RoleSessionName: "s1", DurationSeconds: i32(900),
				Tags:              []tag{{"LakeFormationAuthorizedCaller", "engine1"}, {"b", ""}},
				TransitiveTagKeys: []string{"LakeFormationAuthorizedCaller"},
				PolicyArns:        []policyArn{{"arn:aws:iam::aws:policy/X"}},
			},
		},
		{
			name: "empty list sent as bare name",
			form: "RoleArn=r&RoleSessionName=s&TransitiveTagKeys=",
			want: assumeRoleInput{RoleArn: "r", RoleSessionName: "s", TransitiveTagKeys: []string{}},
		},
		{
			name: "bool time map nested",
			form: "RoleArn=r&RoleSessionName=s&Enabled=true&When=2026-11-22T23:34:41Z" +
				"&Attrs.entry.1.key=k&Attrs.entry.1.value=v&Nested.Name=n",
			want: assumeRoleInput{RoleArn: "r", RoleSessionName: "s", Enabled: boolp(true), When: &when,
				Attrs: map[string]string{"k": "v"}, Nested: &struct {
					Name string `query:"Name"`
				}{Name: "n"}},
		},
		{
			name: "list stops at a gap",
			form: "RoleArn=r&RoleSessionName=s&TransitiveTagKeys.member.1=a&TransitiveTagKeys.member.3=c",
			want: assumeRoleInput{RoleArn: "r", RoleSessionName: "s", TransitiveTagKeys: []string{"a"}},
		},
		{
			name:    "missing required",
			form:    "RoleSessionName=s",
			wantErr: "ValidationError: 1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
		},
		{
			name:    "bad number",
			form:    "RoleArn=r&RoleSessionName=s&DurationSeconds=ten",
			wantErr: "ValidationError: 1 validation error detected: Value 'ten' at 'durationSeconds' failed to satisfy constraint: Member must be valid for its type",
		},
		{
			name:    "overflowing number",
			form:    "RoleArn=r&RoleSessionName=s&DurationSeconds=99999999999",
			wantErr: "ValidationError: 1 validation error detected: Value '99999999999' at 'durationSeconds' failed to satisfy constraint: Member must be valid for its type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form, err := url.ParseQuery(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			var got assumeRoleInput
			err = DecodeQuery(form, &got)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decode (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzDecodeQuery(f *testing.F) {
	f.Add("RoleArn=r&RoleSessionName=s&Tags.member.1.Key=a&Tags.member.1.Value=b")
	f.Add("Attrs.entry.1.key=k&DurationSeconds=1&Nested.Name=x&When=2026-01-01T00:00:00Z")
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var in assumeRoleInput
		_ = DecodeQuery(form, &in) // must not panic
	})
}
