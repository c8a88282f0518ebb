package glidec

/*
#include "glide_c.h"
*/
import "C"

import (
	"fmt"
	"math/big"
	"unsafe"
)

// cStr is the string member of glide_value's union.
type cStr struct {
	ptr *C.char
	len C.size_t
}

// convert turns a reply tree into Go values (see the package documentation for the mapping).
// Scalars are read from the public struct glide_value itself (no cgo crossing); the children
// of an aggregate come from one glide_value_children call.
func convert(v *C.glide_value) any {
	if v == nil {
		return nil
	}
	u := unsafe.Pointer(&v.u)
	switch v._type {
	case C.GLIDE_VALUE_NIL:
		return nil
	case C.GLIDE_VALUE_SIMPLE_STRING, C.GLIDE_VALUE_VERBATIM_STRING:
		b := bytesOf(v)
		if len(b) == 2 && b[0] == 'O' && b[1] == 'K' {
			return "OK" // the most common reply: a constant, no allocation
		}
		return string(b)
	case C.GLIDE_VALUE_BULK_STRING:
		return append([]byte{}, bytesOf(v)...) // a copy: the tree is freed after conversion
	case C.GLIDE_VALUE_INTEGER:
		return int64(*(*C.int64_t)(u))
	case C.GLIDE_VALUE_DOUBLE:
		return float64(*(*C.double)(u))
	case C.GLIDE_VALUE_BOOLEAN:
		return bool(*(*C.bool)(u))
	case C.GLIDE_VALUE_BIG_NUMBER:
		s := string(bytesOf(v))
		if n, ok := new(big.Int).SetString(s, 10); ok {
			return n
		}
		return s
	case C.GLIDE_VALUE_ARRAY, C.GLIDE_VALUE_PUSH:
		kids := children(v)
		out := make([]any, len(kids))
		for i := range kids {
			out[i] = convert(&kids[i])
		}
		return out
	case C.GLIDE_VALUE_MAP:
		kids := children(v)
		out := make(map[string]any, len(kids)/2)
		for i := 0; i+1 < len(kids); i += 2 {
			out[keyString(&kids[i])] = convert(&kids[i+1])
		}
		return out
	case C.GLIDE_VALUE_SET:
		kids := children(v)
		out := make(map[string]struct{}, len(kids))
		for i := range kids {
			out[keyString(&kids[i])] = struct{}{}
		}
		return out
	case C.GLIDE_VALUE_ERROR:
		return &RequestError{Kind: errorKindOf(v), Message: string(bytesOf(v))}
	}
	return &RequestError{Kind: Protocol, Message: fmt.Sprintf("unknown value type %d", int(v._type))}
}

// errorKindOf reads an ERROR value's kind: the 4 bytes after the type, which the header declares
// in an anonymous union with the verbatim format (cgo cannot name anonymous union members).
func errorKindOf(v *C.glide_value) ErrorKind {
	p := unsafe.Add(unsafe.Pointer(v), unsafe.Sizeof(v._type))
	return ErrorKind(*(*C.int)(p))
}

// bytesOf views a string-like value's bytes (valid while the tree lives).
func bytesOf(v *C.glide_value) []byte {
	s := (*cStr)(unsafe.Pointer(&v.u))
	if s.ptr == nil || s.len == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(s.ptr)), int(s.len))
}

// keyString makes a map key or set member a Go map key: strings as they are, anything else
// (integers, doubles, ...) in its fmt form.
func keyString(v *C.glide_value) string {
	switch x := convert(v).(type) {
	case string:
		return x
	case []byte:
		return string(x)
	default:
		return fmt.Sprint(x)
	}
}
