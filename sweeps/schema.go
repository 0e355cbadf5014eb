package sweeps

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// fieldKind is one of the value shapes a config field may have. Scalars may be swept (given as
// a list in a spec); lists are values in their own right and cannot be swept.
type fieldKind int

const (
	kindInt fieldKind = iota
	kindFloat
	kindString
	kindBool
	kindIntList
	kindFloatList
	kindStringList
)

// isList reports whether values of this kind are lists (and so cannot form a sweep axis).
func (k fieldKind) isList() bool { return k >= kindIntList }

// elem is the scalar kind of a list kind's elements (the kind itself for scalars).
func (k fieldKind) elem() fieldKind {
	switch k {
	case kindIntList:
		return kindInt
	case kindFloatList:
		return kindFloat
	case kindStringList:
		return kindString
	}
	return k
}

// name is how error messages and the schema description call the kind.
func (k fieldKind) name() string {
	switch k {
	case kindInt:
		return "integer"
	case kindFloat:
		return "number"
	case kindString:
		return "string"
	case kindBool:
		return "boolean"
	case kindIntList:
		return "list of integers"
	case kindFloatList:
		return "list of numbers"
	case kindStringList:
		return "list of strings"
	}
	return "?"
}

// kindOf is the kind of a field of Go type t: a scalar, or a list of integers, numbers or
// strings; ok is false for any other type.
func kindOf(t reflect.Type) (k fieldKind, ok bool) {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return kindInt, true
	case reflect.Float64:
		return kindFloat, true
	case reflect.String:
		return kindString, true
	case reflect.Bool:
		return kindBool, true
	case reflect.Slice:
		elem, ok := kindOf(t.Elem())
		for _, list := range []fieldKind{kindIntList, kindFloatList, kindStringList} {
			if ok && !elem.isList() && list.elem() == elem {
				return list, true
			}
		}
	}
	return 0, false
}

// fieldInfo is one key of a config struct, read from its tags.
type fieldInfo struct {
	Key   string
	Help  string
	Kind  fieldKind
	Index []int // reflect index path (through embedded structs)
	Min   *float64
	Max   *float64
	Gt    *float64
	Lt    *float64
	Enum  []string
}

// structSchema lists the keys of one config struct in declaration order (embedded structs
// flattened in place).
type structSchema struct {
	Type   reflect.Type
	Fields []fieldInfo
	byKey  map[string]int
}

func (s *structSchema) field(key string) (*fieldInfo, bool) {
	i, ok := s.byKey[key]
	if !ok {
		return nil, false
	}
	return &s.Fields[i], true
}

func (s *structSchema) keys() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Key
	}
	return out
}

// schemaOf reads the tags of the struct a constructor returns. Errors here are mistakes in the
// Go code (an untagged field, an unsupported type, a malformed bound), not in a spec.
func schemaOf(ctor func() any, reserved ...string) (*structSchema, error) {
	if ctor == nil {
		return nil, fmt.Errorf("nil constructor")
	}
	v := reflect.ValueOf(ctor())
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("constructor returns %s, want a non-nil pointer to a struct", v.Type())
	}
	s := &structSchema{Type: v.Elem().Type(), byKey: map[string]int{}}
	for _, r := range reserved {
		s.byKey[r] = -1
	}
	if err := s.collect(s.Type, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Type, err)
	}
	for _, r := range reserved {
		delete(s.byKey, r)
	}
	return s, nil
}

func (s *structSchema) collect(t reflect.Type, index []int) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		tag, hasTag := sf.Tag.Lookup("toml")
		if tag == "-" {
			continue
		}
		// An embedded struct is flattened even when its type is unexported: its exported
		// fields are promoted, and reflection may set them.
		if sf.Anonymous && !hasTag && sf.Type.Kind() == reflect.Struct {
			if err := s.collect(sf.Type, idx); err != nil {
				return err
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(tag, ",")
		if key == "" {
			return fmt.Errorf("field %s has no toml tag", sf.Name)
		}
		if _, dup := s.byKey[key]; dup {
			return fmt.Errorf("field %s: key %q is used twice or is reserved", sf.Name, key)
		}
		f := fieldInfo{Key: key, Help: sf.Tag.Get("help"), Index: idx}
		var ok bool
		if f.Kind, ok = kindOf(sf.Type); !ok {
			return fmt.Errorf("field %s: unsupported type %s", sf.Name, sf.Type)
		}
		for _, b := range []struct {
			tag string
			dst **float64
		}{{"min", &f.Min}, {"max", &f.Max}, {"gt", &f.Gt}, {"lt", &f.Lt}} {
			txt, ok := sf.Tag.Lookup(b.tag)
			if !ok {
				continue
			}
			x, err := strconv.ParseFloat(txt, 64)
			if err != nil || math.IsNaN(x) {
				return fmt.Errorf("field %s: tag %s:%q is not a number", sf.Name, b.tag, txt)
			}
			*b.dst = &x
		}
		if e, ok := sf.Tag.Lookup("enum"); ok {
			if f.Kind.elem() != kindString {
				return fmt.Errorf("field %s: enum on a non-string field", sf.Name)
			}
			f.Enum = strings.Split(e, "|")
		}
		s.byKey[key] = len(s.Fields)
		s.Fields = append(s.Fields, f)
	}
	return nil
}

// fieldsOf returns the toml-keyed values of a config struct pointer: the form stored in
// result.json and hashed into the run id. Slices are copied (nil becomes empty) so that a
// config absent and a config given as [] hash alike and the map cannot alias the struct.
// It returns nil for nil or non-struct input.
func fieldsOf(cfg any) map[string]any {
	if cfg == nil {
		return nil
	}
	v := reflect.ValueOf(cfg)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	s := fieldSchemaOf(v.Type())
	if s == nil {
		return nil
	}
	out := make(map[string]any, len(s.Fields))
	for _, f := range s.Fields {
		out[f.Key] = plainValue(v.FieldByIndex(f.Index), f.Kind)
	}
	return out
}

// fieldSchemas caches the key list of each config type fieldsOf has seen: a spec's runs share
// a handful of types, and reading the tags again for every run of a large sweep was most of the
// memory its expansion allocated.
var fieldSchemas sync.Map // reflect.Type -> *structSchema (nil when the type has no schema)

// fieldSchemaOf is the schema of struct type t, or nil when its tags do not form one.
func fieldSchemaOf(t reflect.Type) *structSchema {
	if s, ok := fieldSchemas.Load(t); ok {
		return s.(*structSchema)
	}
	s := &structSchema{Type: t, byKey: map[string]int{}}
	if s.collect(t, nil) != nil {
		s = nil
	}
	fieldSchemas.Store(t, s)
	return s
}

// plainValue converts a struct field to an unnamed Go value (int, float64, string, bool or a
// fresh slice of those) so that JSON encoding and comparisons do not depend on named types.
func plainValue(fv reflect.Value, k fieldKind) any {
	switch k {
	case kindInt:
		return int(fv.Int())
	case kindFloat:
		return fv.Float()
	case kindString:
		return fv.String()
	case kindBool:
		return fv.Bool()
	case kindIntList:
		out := make([]int, fv.Len())
		for i := range out {
			out[i] = int(fv.Index(i).Int())
		}
		return out
	case kindFloatList:
		out := make([]float64, fv.Len())
		for i := range out {
			out[i] = fv.Index(i).Float()
		}
		return out
	case kindStringList:
		out := make([]string, fv.Len())
		for i := range out {
			out[i] = fv.Index(i).String()
		}
		return out
	}
	return nil
}

// setField stores a converted value (as produced by convert) into the struct field.
func setField(ptr any, f *fieldInfo, val any) {
	fv := reflect.ValueOf(ptr).Elem().FieldByIndex(f.Index)
	switch f.Kind {
	case kindInt:
		fv.SetInt(int64(val.(int)))
	case kindFloat:
		fv.SetFloat(val.(float64))
	case kindString:
		fv.SetString(val.(string))
	case kindBool:
		fv.SetBool(val.(bool))
	default:
		src := reflect.ValueOf(val)
		dst := reflect.MakeSlice(fv.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			dst.Index(i).Set(src.Index(i).Convert(fv.Type().Elem()))
		}
		fv.Set(dst)
	}
}
