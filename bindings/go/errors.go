package glidec

/*
#include "glide_c.h"
*/
import "C"

import "fmt"

// ErrorKind says which kind of failure a RequestError is; the values are the library's
// glide_error_kind.
type ErrorKind int

// The kinds of glide_c.h, same values.
const (
	InvalidArgument ErrorKind = C.GLIDE_ERR_INVALID_ARGUMENT // bad input, refused before sending
	Connection      ErrorKind = C.GLIDE_ERR_CONNECTION       // could not connect, or the connection was lost
	Timeout         ErrorKind = C.GLIDE_ERR_TIMEOUT          // the request or batch timeout expired
	Server          ErrorKind = C.GLIDE_ERR_SERVER           // the server answered with an error reply
	ExecAbort       ErrorKind = C.GLIDE_ERR_EXEC_ABORT       // atomic batch discarded by the server (EXECABORT)
	CrossSlot       ErrorKind = C.GLIDE_ERR_CROSSSLOT        // atomic batch or command with keys in several slots
	Closing         ErrorKind = C.GLIDE_ERR_CLOSING          // the client was closed while the request was pending
	TLS             ErrorKind = C.GLIDE_ERR_TLS              // TLS handshake or verification failed
	Auth            ErrorKind = C.GLIDE_ERR_AUTH             // authentication failed
	Protocol        ErrorKind = C.GLIDE_ERR_PROTOCOL         // malformed or over-limit reply
	OutOfMemory     ErrorKind = C.GLIDE_ERR_OUT_OF_MEMORY    // the library ran out of memory
	NotSupported    ErrorKind = C.GLIDE_ERR_NOT_SUPPORTED    // not in this version, or not by the server
	InflightLimit   ErrorKind = C.GLIDE_ERR_INFLIGHT_LIMIT   // the client's in-flight request limit is reached
)

var kindNames = map[ErrorKind]string{
	InvalidArgument: "INVALID_ARGUMENT", Connection: "CONNECTION", Timeout: "TIMEOUT",
	Server: "SERVER", ExecAbort: "EXEC_ABORT", CrossSlot: "CROSSSLOT", Closing: "CLOSING",
	TLS: "TLS", Auth: "AUTH", Protocol: "PROTOCOL", OutOfMemory: "OUT_OF_MEMORY",
	NotSupported: "NOT_SUPPORTED", InflightLimit: "INFLIGHT_LIMIT",
}

// String returns the library's name of the kind ("TIMEOUT", "SERVER", ...).
func (k ErrorKind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("UNKNOWN(%d)", int(k))
}

// RequestError is every error of the library: a refused request, a failed connection, or an
// ERROR reply (from the server, or made by the client: timeout, closing, ...). In a batch result
// it stands in place of the failed command's reply; Exec returns it as its error when the whole
// batch failed or when raiseOnError is true. Use errors.As to reach the Kind.
type RequestError struct {
	Kind    ErrorKind
	Message string // the server's full text (code first) or the library's description
}

func (e *RequestError) Error() string {
	return e.Kind.String() + ": " + e.Message
}

func invalidArgument(msg string) *RequestError {
	return &RequestError{Kind: InvalidArgument, Message: msg}
}
