package awsproto

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Protocol is one of the AWS wire protocols.
type Protocol int

const (
	Query    Protocol = iota + 1 // form-encoded request, XML response (STS, IAM)
	JSON                         // JSON 1.1, operation in X-Amz-Target (Glue, CloudTrail)
	RESTJSON                     // JSON, operation in the path (Lake Formation)
	RESTXML                      // S3
)

func (p Protocol) String() string {
	switch p {
	case Query:
		return "query"
	case JSON:
		return "json"
	case RESTJSON:
		return "rest-json"
	case RESTXML:
		return "rest-xml"
	}
	return "unknown"
}

// Service describes how one AWS service renders its responses and errors.
type Service struct {
	Name         string // signing name in the SigV4 scope: "sts", "iam", "glue", …
	Protocol     Protocol
	XMLNamespace string // query and REST-XML services
	JSONVersion  string // JSON 1.1 services: "1.1"
	TargetPrefix string // JSON 1.1 services: "AWSGlue", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
	InternalCode string // the code of an internal error: "InternalFailure", "InternalServiceException", "InternalError"
}

// Well-known services. Their operations live in their own packages.
var (
	STS           = &Service{Name: "sts", Protocol: Query, XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/", InternalCode: "InternalFailure"}
	IAM           = &Service{Name: "iam", Protocol: Query, XMLNamespace: "https://iam.amazonaws.com/doc/2010-05-08/", InternalCode: "ServiceFailure"}
	Glue          = &Service{Name: "glue", Protocol: JSON, JSONVersion: "1.1", TargetPrefix: "AWSGlue", InternalCode: "InternalServiceException"}
	LakeFormation = &Service{Name: "lakeformation", Protocol: RESTJSON, InternalCode: "InternalServiceException"}
	CloudTrail    = &Service{Name: "cloudtrail", Protocol: JSON, JSONVersion: "1.1",
		TargetPrefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", InternalCode: "InternalFailure"}
	S3 = &Service{Name: "s3", Protocol: RESTXML, XMLNamespace: "http://s3.amazonaws.com/doc/2006-03-01/", InternalCode: "InternalError"}
	// Sluice is Sluice's own API under /_sluice/v1/ (mappings, filtered reads…): SigV4-signed with
	// the service name "sluice", JSON bodies, errors in the REST-JSON shape.
	Sluice = &Service{Name: "sluice", Protocol: RESTJSON, InternalCode: "InternalFailure"}
)

// ServiceNamed returns the well-known service with a signing name, or nil.
func ServiceNamed(name string) *Service {
	for _, s := range []*Service{STS, IAM, Glue, LakeFormation, CloudTrail, S3, Sluice} {
		if s.Name == name {
			return s
		}
	}
	return nil
}

const internalMessage = "We encountered an internal error. Please try again."

// public returns the client-visible form of err.
func (s *Service) public(err error) *Error {
	if e := As(err); e != nil {
		return e
	}
	if e := FromSigV4(s, err, ""); e != nil {
		return e
	}
	return &Error{Code: s.InternalCode, Status: http.StatusInternalServerError, Message: internalMessage}
}

// SetRequestID sets the protocol's request-id response headers.
func (s *Service) SetRequestID(h http.Header, requestID string) {
	if s.Protocol == RESTXML {
		h.Set("x-amz-request-id", requestID)
		h.Set("x-amz-id-2", requestID)
		return
	}
	h.Set("x-amzn-RequestId", requestID)
}

// WriteError renders err in the service's protocol. It returns the error as the client saw it, so
// the caller can log and count it.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, requestID string, err error) *Error {
	e := s.public(err)
	h := w.Header()
	s.SetRequestID(h, requestID)
	switch s.Protocol {
	case Query:
		typ := "Sender"
		if !e.Sender() {
			typ = "Receiver"
		}
		body := queryErrorResponse{
			Xmlns:     s.XMLNamespace,
			Error:     queryError{Type: typ, Code: e.Code, Message: e.Message, Fields: sortedFields(e.Fields)},
			RequestID: requestID,
		}
		writeXML(w, e.Status, body, r)
	case JSON, RESTJSON:
		ct := "application/json"
		if s.Protocol == JSON {
			ct = "application/x-amz-json-" + s.JSONVersion
		}
		h.Set("Content-Type", ct)
		h.Set("X-Amzn-ErrorType", e.Code)
		body := map[string]string{"__type": e.Code, "message": e.Message}
		if s.Protocol == RESTJSON {
			body = map[string]string{"__type": e.Code, "Message": e.Message}
		}
		for k, v := range e.Fields {
			body[k] = v
		}
		data, _ := json.Marshal(body)
		h.Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(e.Status)
		if r == nil || r.Method != http.MethodHead {
			w.Write(data)
		}
	case RESTXML:
		body := s3Error{Code: e.Code, Message: e.Message, Fields: sortedFields(e.Fields), RequestID: requestID, HostID: requestID}
		writeXML(w, e.Status, body, r)
	}
	return e
}

type queryErrorResponse struct {
	XMLName   xml.Name   `xml:"ErrorResponse"`
	Xmlns     string     `xml:"xmlns,attr"`
	Error     queryError `xml:"Error"`
	RequestID string     `xml:"RequestId"`
}

type queryError struct {
	Type    string     `xml:"Type"`
	Code    string     `xml:"Code"`
	Message string     `xml:"Message"`
	Fields  []xmlField `xml:",any"`
}

// sortedFields renders extra error fields as XML elements in a stable order.
func sortedFields(m map[string]string) []xmlField {
	fields := make([]xmlField, 0, len(m))
	for k, v := range m {
		fields = append(fields, xmlField{XMLName: xml.Name{Local: k}, Value: v})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].XMLName.Local < fields[j].XMLName.Local })
	return fields
}

type s3Error struct {
	XMLName   xml.Name   `xml:"Error"`
	Code      string     `xml:"Code"`
	Message   string     `xml:"Message"`
	Fields    []xmlField `xml:",any"`
	RequestID string     `xml:"RequestId"`
	HostID    string     `xml:"HostId"`
}

type xmlField struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// writeXML writes an XML document with a Content-Length; HEAD responses carry no body.
func writeXML(w http.ResponseWriter, status int, v any, r *http.Request) {
	data, err := xml.Marshal(v)
	if err != nil {
		// Our own types always marshal; a failure here is a programming error.
		panic(err)
	}
	writeXMLDocument(w, status, append([]byte(xml.Header), data...), r)
}

// writeXMLDocument writes data, a whole XML document with its header.
func writeXMLDocument(w http.ResponseWriter, status int, data []byte, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	w.WriteHeader(status)
	if r == nil || r.Method != http.MethodHead {
		w.Write(data)
	}
}

// WriteXML writes a REST-XML (S3) response document.
func WriteXML(w http.ResponseWriter, r *http.Request, status int, v any) { writeXML(w, status, v, r) }

// WriteQueryResult writes a query-protocol success response:
//
//	<ActionResponse xmlns=ns><ActionResult>result</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>
//
// result is a struct encoded with encoding/xml, or by itself when it is an XMLAppender; nil
// writes no ActionResult element.
func (s *Service) WriteQueryResult(w http.ResponseWriter, r *http.Request, requestID, action string, result any) {
	s.SetRequestID(w.Header(), requestID)
	if a, ok := result.(XMLAppender); ok || result == nil {
		buf := docBuffers.Get().(*[]byte)
		*buf = s.appendQueryResponse((*buf)[:0], requestID, action, a)
		writeXMLDocument(w, http.StatusOK, *buf, r) // Write copies: the buffer is free afterwards
		if cap(*buf) <= maxPooledDoc {
			docBuffers.Put(buf)
		}
		return
	}
	resp := queryResponse{
		XMLName:  xml.Name{Local: action + "Response"},
		Xmlns:    s.XMLNamespace,
		Metadata: responseMetadata{RequestID: requestID},
	}
	if result != nil {
		resp.Result = &queryResult{XMLName: xml.Name{Local: action + "Result"}, Value: result}
	}
	writeXML(w, http.StatusOK, resp, r)
}

// docBuffers hold self-encoded query documents while they are written.
var docBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledDoc bounds the buffers kept in docBuffers, so that one huge answer is not kept alive.
const maxPooledDoc = 64 << 10

type queryResponse struct {
	XMLName  xml.Name
	Xmlns    string           `xml:"xmlns,attr"`
	Result   *queryResult     `xml:",omitempty"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type queryResult struct {
	XMLName xml.Name
	Value   any
}

// MarshalXML writes the result's fields directly inside the <ActionResult> element.
func (q *queryResult) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(q.Value, xml.StartElement{Name: q.XMLName})
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// WriteJSON writes a JSON 1.1 or REST-JSON success response.
func (s *Service) WriteJSON(w http.ResponseWriter, r *http.Request, requestID string, v any) {
	h := w.Header()
	s.SetRequestID(h, requestID)
	ct := "application/json"
	if s.Protocol == JSON {
		ct = "application/x-amz-json-" + s.JSONVersion
	}
	h.Set("Content-Type", ct)
	var data []byte
	if v == nil {
		data = []byte("{}")
	} else {
		var err error
		if data, err = json.Marshal(v); err != nil {
			panic(err) // our own response types always marshal
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}
