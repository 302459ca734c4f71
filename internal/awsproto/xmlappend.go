package awsproto

import (
	"encoding/xml"
	"unicode/utf8"
)

// XMLAppender is an optional ability of a query-protocol result: it appends the children of its
// <ActionResult> element itself, byte for byte what encoding/xml writes for the same value
// (elements in field order, character data escaped as AppendXMLText does). WriteQueryResult uses
// it when present and falls back to encoding/xml's reflection otherwise; hot results (STS's)
// implement it.
type XMLAppender interface {
	AppendXML(b []byte) []byte
}

// AppendXMLElement appends <name>text</name>, text escaped as AppendXMLText does.
func AppendXMLElement(b []byte, name, text string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = AppendXMLText(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// AppendXMLText appends s escaped as encoding/xml escapes character data and attribute values:
// the five markup characters as entities, tab, newline and carriage return as character
// references, and anything outside XML's character range (and invalid UTF-8) as U+FFFD.
func AppendXMLText(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\'' && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			i += width
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}

// xmlChar reports whether r is in XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// appendQueryResponse appends the whole query-protocol success document around result (nil: no
// ActionResult element), as encoding/xml writes queryResponse.
func (s *Service) appendQueryResponse(b []byte, requestID, action string, result XMLAppender) []byte {
	b = append(b, xml.Header...)
	b = append(b, '<')
	b = append(b, action...)
	b = append(b, `Response xmlns="`...)
	b = AppendXMLText(b, s.XMLNamespace)
	b = append(b, `">`...)
	if result != nil {
		b = append(b, '<')
		b = append(b, action...)
		b = append(b, "Result>"...)
		b = result.AppendXML(b)
		b = append(b, "</"...)
		b = append(b, action...)
		b = append(b, "Result>"...)
	}
	b = append(b, "<ResponseMetadata>"...)
	b = AppendXMLElement(b, "RequestId", requestID)
	b = append(b, "</ResponseMetadata></"...)
	b = append(b, action...)
	return append(b, "Response>"...)
}
