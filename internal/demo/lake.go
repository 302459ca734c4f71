package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/sluicehq/sluice/internal/atomicfile"
	"github.com/sluicehq/sluice/internal/secret"
)

// PersonaName names a persona; it is also its AWS profile name.
type PersonaName string

// The personas Seed creates.
const (
	Admin           PersonaName = "admin"
	Notebook        PersonaName = "notebook"
	NotebookApp     PersonaName = "notebook-app"
	Engine          PersonaName = "engine"
	David           PersonaName = "david"
	TinaSales       PersonaName = "tina-sales"
	TinaElectronics PersonaName = "tina-electronics"
)

// Persona is someone who works in the demo lake: an IAM user's access key and, usually, the role
// that user works as. Its credentials are a session of that role, asked for with the persona's
// session name, source identity and session tags (what the engine of story S1 or the notebook
// of story S0 would ask for).
type Persona struct {
	Name        PersonaName
	Description string
	// User is the IAM user whose long-term key starts the chain.
	User            string
	AccessKeyID     string
	SecretAccessKey secret.Value `json:"-"`
	// RoleARN is the role the persona works as; empty means the user itself.
	RoleARN        string
	SessionName    string
	SourceIdentity string
	// Tags are the session tags (LakeFormationAuthorizedCaller for engines and notebooks).
	Tags map[string]string
	// Untagged says the role's trust needs no session tag, so a role_arn profile (which cannot
	// pass tags or a source identity) reaches it too.
	Untagged bool
}

// Lake describes a seeded demo lake and who works in it.
type Lake struct {
	Account  string
	Region   string
	Buckets  []string
	Database string
	// Tables maps each Glue table to its S3 location and format.
	Tables   []Table
	Rows     int
	Personas []Persona
}

// Table is one table of the lake.
type Table struct {
	Name     string
	Location string
	Format   string
}

// Persona returns the persona called name.
func (l *Lake) Persona(name PersonaName) (*Persona, bool) {
	for i := range l.Personas {
		if l.Personas[i].Name == name {
			return &l.Personas[i], true
		}
	}
	return nil, false
}

// FileName is the file, in the data directory, that records a seeded lake. Its presence is what
// tells `sluice demo` not to seed twice. It holds access keys: mode 0600.
const FileName = "demo-lake.json"

// file is the on-disk form of a Lake: the same fields with the secrets revealed.
type file struct {
	Lake
	Secrets map[PersonaName]string
}

// Save writes l to dir/FileName.
func (l *Lake) Save(dir string) error {
	f := file{Lake: *l, Secrets: map[PersonaName]string{}}
	for _, p := range l.Personas {
		f.Secrets[p.Name] = p.SecretAccessKey.Reveal()
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, FileName), append(data, '\n'), 0o600)
}

// ErrNotSeeded is returned by Load when dir holds no demo lake.
var ErrNotSeeded = errors.New("demo: no demo lake in this data directory")

// Load reads the lake that Save wrote in dir.
func Load(dir string) (*Lake, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotSeeded
	}
	if err != nil {
		return nil, err
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("demo: %s: %w", FileName, err)
	}
	l := f.Lake
	for i := range l.Personas {
		l.Personas[i].SecretAccessKey = secret.New(f.Secrets[l.Personas[i].Name])
	}
	return &l, nil
}

// UserCredentials returns the persona's long-term user key.
func (p *Persona) UserCredentials() aws.Credentials {
	return aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey.Reveal(), Source: "sluice demo"}
}

// Credentials returns the persona's working credentials from the Sluice at endpoint: its user
// key when it has no role, else a new session of its role (duration 0 = the role's default).
func (p *Persona) Credentials(ctx context.Context, endpoint, region string, duration time.Duration) (aws.Credentials, error) {
	if p.RoleARN == "" {
		return p.UserCredentials(), nil
	}
	c := stsClient(endpoint, region, p.UserCredentials())
	in := &sts.AssumeRoleInput{RoleArn: aws.String(p.RoleARN), RoleSessionName: aws.String(p.SessionName)}
	if p.SourceIdentity != "" {
		in.SourceIdentity = aws.String(p.SourceIdentity)
	}
	if duration > 0 {
		in.DurationSeconds = aws.Int32(int32(duration / time.Second))
	}
	for k, v := range p.Tags {
		in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := c.AssumeRole(ctx, in)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("%s: assuming %s: %w", p.Name, p.RoleARN, err)
	}
	cr := out.Credentials
	return aws.Credentials{AccessKeyID: aws.ToString(cr.AccessKeyId), SecretAccessKey: aws.ToString(cr.SecretAccessKey),
		SessionToken: aws.ToString(cr.SessionToken), CanExpire: true, Expires: aws.ToTime(cr.Expiration), Source: "sluice demo"}, nil
}

func stsClient(endpoint, region string, c aws.Credentials) *sts.Client {
	return sts.NewFromConfig(aws.Config{
		Region: region, BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.StaticCredentialsProvider{Value: c},
	})
}
