package awsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Timestamp is a time that JSON 1.1 and REST-JSON services send as epoch seconds, a JSON number
// (aws-sdk-go-v2 rejects strings; spec §12). It decodes numbers and, leniently, ISO-8601 strings.
type Timestamp time.Time

// MarshalJSON writes epoch seconds with millisecond precision.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	ms := tt.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
}

// UnmarshalJSON reads epoch seconds (integer or fractional) or an ISO-8601 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		tt, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		*t = Timestamp(tt)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return errors.New("timestamp must be epoch seconds")
	}
	sec, frac := math.Modf(f)
	*t = Timestamp(time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC())
	return nil
}

// Time returns t as a time.Time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

// DecodeJSON reads a JSON request body into v. An empty body decodes as {}. Unknown members are
// ignored (newer clients send members older servers do not know), malformed JSON is a
// SerializationException.
func DecodeJSON(body io.Reader, v any) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Errorf(http.StatusBadRequest, "SerializationException",
				"Unexpected value at '%s': expected %s", te.Field, te.Type.String())
		}
		return Errorf(http.StatusBadRequest, "SerializationException", "Malformed JSON request body")
	}
	return nil
}
