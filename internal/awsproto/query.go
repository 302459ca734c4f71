package awsproto

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DecodeQuery fills the struct pointed to by v from query-protocol form values.
//
// Fields are named by the tag `query:"Name"` (default: the field name); `query:"Name,required"`
// makes absence a ValidationError. Supported field types: string, bool, signed integers, time.Time
// (ISO-8601), pointers to those (nil when absent), []string and []struct (Name.member.N…, 1-based,
// dense), nested structs (Name.Field) and map[string]string (Name.entry.N.key / .value).
// Malformed values produce AWS's "1 validation error detected" message naming the member.
func DecodeQuery(form url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("awsproto: DecodeQuery needs a pointer to a struct")
	}
	return decodeStruct(form, "", rv.Elem())
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// memberPath turns "Tags.member.1.Key" into AWS's validation path "tags.1.member.key".
func memberPath(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = lowerFirst(p)
	}
	return strings.Join(parts, ".")
}

func validationf(name, format string, args ...any) *Error {
	return ValidationError("1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s",
		fmt.Sprintf(format, args...), memberPath(name), "Member must be valid for its type")
}

func hasPrefix(form url.Values, prefix string) bool {
	for k := range form {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func decodeStruct(form url.Values, prefix string, sv reflect.Value) error {
	st := sv.Type()
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("query"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		full := prefix + name
		present, err := decodeValue(form, full, sv.Field(i))
		if err != nil {
			return err
		}
		if !present && opts == "required" {
			return ValidationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", memberPath(full))
		}
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// decodeValue decodes the value named full into fv and reports whether anything was present.
func decodeValue(form url.Values, full string, fv reflect.Value) (bool, error) {
	ft := fv.Type()
	switch {
	case ft.Kind() == reflect.Pointer:
		if ft.Elem().Kind() == reflect.Struct && ft.Elem() != timeType {
			if !hasPrefix(form, full+".") {
				return false, nil
			}
		} else if _, ok := form[full]; !ok {
			return false, nil
		}
		nv := reflect.New(ft.Elem())
		present, err := decodeValue(form, full, nv.Elem())
		if err != nil || !present {
			return present, err
		}
		fv.Set(nv)
		return true, nil
	case ft == timeType:
		s, ok := single(form, full)
		if !ok {
			return false, nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return true, validationf(full, "'%s'", s)
		}
		fv.Set(reflect.ValueOf(t))
		return true, nil
	case ft.Kind() == reflect.Struct:
		if !hasPrefix(form, full+".") {
			return false, nil
		}
		return true, decodeStruct(form, full+".", fv)
	case ft.Kind() == reflect.Slice:
		return decodeList(form, full, fv)
	case ft.Kind() == reflect.Map:
		return decodeMap(form, full, fv)
	}
	s, ok := single(form, full)
	if !ok {
		return false, nil
	}
	switch ft.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return true, validationf(full, "'%s'", s)
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, ft.Bits())
		if err != nil {
			return true, validationf(full, "'%s'", s)
		}
		fv.SetInt(n)
	default:
		panic("awsproto: unsupported query field type " + ft.String())
	}
	return true, nil
}

func single(form url.Values, name string) (string, bool) {
	vs, ok := form[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

func decodeList(form url.Values, full string, fv reflect.Value) (bool, error) {
	elem := fv.Type().Elem()
	present := false
	// An empty list is sent as "Name=" (botocore) — present, no members.
	if _, ok := form[full]; ok {
		present = true
	}
	for n := 1; ; n++ {
		item := full + ".member." + strconv.Itoa(n)
		ev := reflect.New(elem).Elem()
		ok, err := decodeValue(form, item, ev)
		if err != nil {
			return true, err
		}
		if !ok {
			break
		}
		present = true
		fv.Set(reflect.Append(fv, ev))
	}
	if present && fv.IsNil() {
		fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
	}
	return present, nil
}

func decodeMap(form url.Values, full string, fv reflect.Value) (bool, error) {
	if fv.Type().Key().Kind() != reflect.String || fv.Type().Elem().Kind() != reflect.String {
		panic("awsproto: only map[string]string is supported")
	}
	present := false
	for n := 1; ; n++ {
		entry := full + ".entry." + strconv.Itoa(n)
		k, ok := single(form, entry+".key")
		if !ok {
			break
		}
		v, _ := single(form, entry+".value")
		if fv.IsNil() {
			fv.Set(reflect.MakeMap(fv.Type()))
		}
		fv.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(v))
		present = true
	}
	return present, nil
}
