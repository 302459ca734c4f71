package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"
)

// clientFlags are the flags every client command shares. Credentials come from the usual AWS
// chain (environment, AWS_PROFILE and shared files, credential_process); the endpoint from
// --endpoint-url, else AWS_ENDPOINT_URL, else Sluice's default address.
type clientFlags struct {
	endpoint string
	profile  string
	region   string
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.endpoint, "endpoint-url", "", "Sluice endpoint (default $AWS_ENDPOINT_URL, else http://127.0.0.1:9876)")
	cmd.Flags().StringVar(&f.profile, "profile", "", "AWS profile to use (default $AWS_PROFILE)")
	cmd.Flags().StringVar(&f.region, "region", "", "region (default from the profile, else us-east-1)")
}

// config loads the AWS configuration for a client command.
func (f *clientFlags) config(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	switch {
	case f.endpoint != "":
		cfg.BaseEndpoint = aws.String(f.endpoint)
	case os.Getenv("AWS_ENDPOINT_URL") != "":
		cfg.BaseEndpoint = aws.String(os.Getenv("AWS_ENDPOINT_URL"))
	case cfg.BaseEndpoint == nil:
		cfg.BaseEndpoint = aws.String("http://127.0.0.1:9876")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a credential_process (%w)", err)
	}
	return cfg, nil
}
