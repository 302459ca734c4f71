package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// APIError is an error answer of a Glue or Lake Formation call.
type APIError struct {
	Op      string
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d): %s", e.Op, e.Code, e.Status, e.Message)
}

// jsonCaller makes SigV4-signed calls of the JSON protocols: Glue's json-1.1 (POST / with
// X-Amz-Target: AWSGlue.<Op>) and Lake Formation's rest-json (POST /<Op>). There is no Glue or
// Lake Formation SDK in the binary; the wire is small enough to write by hand.
type jsonCaller struct {
	endpoint string
	region   string
	creds    aws.Credentials
	client   *http.Client
	now      func() time.Time
}

func (c *jsonCaller) glue(ctx context.Context, op string, in, out any) error {
	return c.call(ctx, "glue", op, "/", "application/x-amz-json-1.1", "AWSGlue."+op, in, out)
}

func (c *jsonCaller) lf(ctx context.Context, op string, in, out any) error {
	return c.call(ctx, "lakeformation", op, "/"+op, "application/json", "", in, out)
}

func (c *jsonCaller) call(ctx context.Context, service, op, path, contentType, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.endpoint, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), service, c.region, c.now()); err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string
		}
		json.Unmarshal(data, &e)
		code := resp.Header.Get("X-Amzn-ErrorType")
		if code == "" {
			code = e.Type
		}
		code, _, _ = strings.Cut(code, ":")
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		return &APIError{Op: op, Status: resp.StatusCode, Code: code, Message: e.Message}
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}
