package peertest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Fits makes the client's own type part of the contract: every field v's
// type decodes (by its json tag, at path, "" for the root, "results[]" for
// a page's rows) must be present on both sides with a JSON type that
// decodes into it. A server that renamed or retyped a field, or a fake
// that leaves out one bsync reads, fails the comparison.
func Fits(path string, v any) Option {
	return func(o *options) { o.fits = append(o.fits, fitSpec{path, reflect.TypeOf(v)}) }
}

type fitSpec struct {
	path string
	typ  reflect.Type
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// misfits lists the fields of t (at path) that s lacks or holds in a type
// that does not decode into them.
func misfits(s *shape, path string, t reflect.Type) []string {
	var out []string
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	got := s.types[path]
	switch {
	case len(got) == 0 && strings.HasSuffix(path, "[]"):
		return nil // an empty list: no element to check
	case len(got) == 0:
		return []string{fmt.Sprintf("%s: missing (decoded into %s)", orRoot(path), t)}
	}
	for typ := range got {
		if !accepts(t, typ, nullable) {
			out = append(out, fmt.Sprintf("%s: %s does not decode into %s", orRoot(path), typ, t))
		}
	}
	switch {
	case t == timeType || t == rawType:
	case t.Kind() == reflect.Struct:
		out = append(out, fieldMisfits(s, path, t)...)
	case t.Kind() == reflect.Slice && got["array"] && len(s.types[path+"[]"]) > 0:
		out = append(out, misfits(s, path+"[]", t.Elem())...)
	}
	return out
}

// fieldMisfits checks each json-tagged field of struct t, embedded
// structs' fields at the same path.
func fieldMisfits(s *shape, path string, t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "":
			out = append(out, fieldMisfits(s, path, f.Type)...)
		default:
			if name == "" {
				name = f.Name
			}
			out = append(out, misfits(s, join(path, name), f.Type)...)
		}
	}
	return out
}

// accepts reports whether a JSON value of shape type typ decodes into t.
func accepts(t reflect.Type, typ string, nullable bool) bool {
	if typ == "null" {
		return nullable || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Interface || t == rawType
	}
	switch {
	case t == timeType:
		return typ == "datetime"
	case t == rawType, t.Kind() == reflect.Interface:
		return true
	}
	switch t.Kind() {
	case reflect.String:
		return typ == "string" || typ == "uuid" || typ == "datetime" || strings.HasPrefix(typ, "url(")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return typ == "int"
	case reflect.Float32, reflect.Float64:
		return typ == "int" || typ == "number"
	case reflect.Bool:
		return typ == "bool"
	case reflect.Slice:
		return typ == "array"
	case reflect.Struct, reflect.Map:
		return typ == "object"
	}
	return false
}
