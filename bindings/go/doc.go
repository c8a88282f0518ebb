// Package glidec is the Go binding of glide-c, a Valkey / Redis cluster client with a C ABI
// (libglide_c.so.0). Its API follows Valkey GLIDE's Go client where GLIDE has one: a
// ClusterClient runs ClusterBatch batches (atomic: MULTI/EXEC on one slot's primary; non-atomic:
// a pipeline split per node by slot), and a Client runs Batch batches on a standalone server.
//
//	client, err := glidec.NewClusterClient(glidec.ClusterClientConfiguration{
//		Addresses: []glidec.NodeAddress{{Host: "127.0.0.1", Port: 7000}}})
//	if err != nil { ... }
//	defer client.Close()
//	batch := glidec.NewClusterBatch(true)
//	batch.Set("key", "value").Get("key")
//	result, err := client.Exec(ctx, batch, false) // []any{"OK", []byte("value")}
//
// # The library
//
// The package is compiled against a copy of glide_c.h only. The shared library is opened with
// dlopen on first use: the path in the environment variable GLIDE_C_LIBRARY, else
// "libglide_c.so.0" through the system's search (LD_LIBRARY_PATH, the ld.so cache). A Go
// program links no glide-c code and needs the library only where it runs. LibraryVersion
// reports what was loaded. At load, glide_version_number() is checked: a library of another
// major version, or older than MinLibraryVersion (0.2.0), is refused with an error naming both.
//
// # Replies
//
// Exec returns one element per command, converted from the library's reply tree:
//
//	simple string (OK)           string
//	bulk string                  []byte
//	verbatim string              string (the text, without its format)
//	integer                      int64
//	double                       float64
//	boolean                      bool
//	big number                   *big.Int
//	nil                          nil
//	array, push                  []any
//	map                          map[string]any (keys that are not strings in fmt form)
//	set                          map[string]struct{} (members that are not strings in fmt form)
//	error                        *RequestError
//
// Errors are *RequestError values with a Kind (errors.As). With raiseOnError false a failed
// command's element is its *RequestError and the other commands' replies are kept; with true,
// Exec returns the first one as its error. A failure of the whole batch (CROSSSLOT, EXEC_ABORT,
// bad input, a closed client) is always Exec's error. An atomic batch aborted because a
// WATCHed key changed returns nil, nil.
//
// # Concurrency and cancellation
//
// Clients are safe for concurrent use by any number of goroutines: each Exec is one request to
// the library's I/O thread, which multiplexes them over one connection per node. A batch
// belongs to one goroutine at a time while it is built; Exec does not change it.
//
// Exec submits the batch with glide_client_exec_async and waits for its callback or for ctx,
// whichever comes first. When ctx is done first Exec returns ctx.Err() at once; the request
// stays with the library, which still runs it within the batch timeout, and its reply is freed
// when it arrives. ctx does not shorten the batch timeout (ExecWithOptions sets that). Close
// completes every pending request with a CLOSING error.
package glidec
