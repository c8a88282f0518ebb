package glidec

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import "strconv"

// batchData holds a batch's commands flat, as glidec_exec takes them: every argument's bytes
// back to back in data, their lengths in lens, the argument count and kind of each command.
// Nothing is checked or sent until Exec: the library checks the whole batch then, before
// anything goes to a server.
type batchData struct {
	atomic bool
	data   []byte
	lens   []C.size_t
	argcs  []C.size_t
	kinds  []C.uint8_t
}

func (b *batchData) add(kind uint8, args ...string) {
	for _, a := range args {
		b.data = append(b.data, a...)
		b.lens = append(b.lens, C.size_t(len(a)))
	}
	b.argcs = append(b.argcs, C.size_t(len(args)))
	b.kinds = append(b.kinds, C.uint8_t(kind))
}

// BaseBatch holds the commands common to Batch and ClusterBatch. Each method appends one
// command and returns the batch, so calls chain. A batch belongs to one goroutine at a time
// while it is built; Exec does not change it, so it can be executed again.
type BaseBatch[T any] struct {
	self *T
	b    batchData
}

func (b *BaseBatch[T]) add(kind uint8, args ...string) *T {
	b.b.add(kind, args...)
	return b.self
}

// IsAtomic reports whether the batch runs as a transaction (MULTI/EXEC).
func (b *BaseBatch[T]) IsAtomic() bool { return b.b.atomic }

// Size returns the number of commands in the batch (and of elements in its result).
func (b *BaseBatch[T]) Size() int { return len(b.b.argcs) }

// Clear removes every command, keeping IsAtomic.
func (b *BaseBatch[T]) Clear() *T {
	b.b = batchData{atomic: b.b.atomic}
	return b.self
}

// CustomCommand adds any command: args[0] is its name. The library routes it by the keys its
// command table finds (an unknown command goes to a random primary). No arguments is an
// INVALID_ARGUMENT error from Exec.
func (b *BaseBatch[T]) CustomCommand(args ...string) *T { return b.add(kindCommand, args...) }

// Set adds SET key value. Reply: "OK".
func (b *BaseBatch[T]) Set(key, value string) *T { return b.add(kindCommand, "SET", key, value) }

// Get adds GET key. Reply: []byte, or nil when the key does not exist.
func (b *BaseBatch[T]) Get(key string) *T { return b.add(kindCommand, "GET", key) }

// MGet adds MGET keys... (split per slot and reassembled in key order in a cluster). Reply:
// []any of []byte or nil.
func (b *BaseBatch[T]) MGet(keys []string) *T {
	return b.add(kindCommand, append([]string{"MGET"}, keys...)...)
}

// MSet adds MSET key value ... Reply: "OK".
func (b *BaseBatch[T]) MSet(keyValueMap map[string]string) *T {
	args := make([]string, 0, 1+2*len(keyValueMap))
	args = append(args, "MSET")
	for k, v := range keyValueMap {
		args = append(args, k, v)
	}
	return b.add(kindCommand, args...)
}

// Del adds DEL keys... Reply: int64, the number of keys removed.
func (b *BaseBatch[T]) Del(keys []string) *T {
	return b.add(kindCommand, append([]string{"DEL"}, keys...)...)
}

// Incr adds INCR key. Reply: int64, the new value.
func (b *BaseBatch[T]) Incr(key string) *T { return b.add(kindCommand, "INCR", key) }

// HSet adds HSET key field value ... Reply: int64, the number of fields added.
func (b *BaseBatch[T]) HSet(key string, values map[string]string) *T {
	args := make([]string, 0, 2+2*len(values))
	args = append(args, "HSET", key)
	for f, v := range values {
		args = append(args, f, v)
	}
	return b.add(kindCommand, args...)
}

// HGet adds HGET key field. Reply: []byte, or nil.
func (b *BaseBatch[T]) HGet(key, field string) *T { return b.add(kindCommand, "HGET", key, field) }

// LPush adds LPUSH key elements... Reply: int64, the list's new length.
func (b *BaseBatch[T]) LPush(key string, elements []string) *T {
	return b.add(kindCommand, append([]string{"LPUSH", key}, elements...)...)
}

// LRange adds LRANGE key start end. Reply: []any of []byte.
func (b *BaseBatch[T]) LRange(key string, start, end int64) *T {
	return b.add(kindCommand, "LRANGE", key, strconv.FormatInt(start, 10), strconv.FormatInt(end, 10))
}

// Copy adds COPY source destination [REPLACE]: with replace, an existing destination is
// overwritten, else nothing is done. Reply: bool, true if the value was copied. In a cluster
// both keys must be in one slot (use a hash tag). Since Valkey 6.2.
func (b *BaseBatch[T]) Copy(source, destination string, replace bool) *T {
	if replace {
		return b.add(kindCopyReplace, source, destination)
	}
	return b.add(kindCopy, source, destination)
}

// Batch is a batch for the standalone Client. See NewBatch.
type Batch struct {
	BaseBatch[Batch]
}

// data returns the commands for Exec; nil for a nil batch (an INVALID_ARGUMENT error there).
func (b *Batch) data() *batchData {
	if b == nil {
		return nil
	}
	return &b.b
}

// NewBatch returns an empty batch for a Client: a transaction (MULTI/EXEC) when isAtomic, else
// a pipeline.
func NewBatch(isAtomic bool) *Batch {
	b := &Batch{}
	b.self = b
	b.b.atomic = isAtomic
	return b
}

// Publish adds PUBLISH channel message. Reply: int64, the number of clients that received it.
func (b *Batch) Publish(message, channel string) *Batch {
	return b.add(kindPublish, message, channel)
}

// ClusterBatch is a batch for the ClusterClient, as GLIDE's ClusterBatch: atomic batches run as
// MULTI/EXEC on the primary owning the batch's slot (all keys in one slot), non-atomic ones are
// split per node by slot and answered in the order the commands were added. See NewClusterBatch.
type ClusterBatch struct {
	BaseBatch[ClusterBatch]
}

func (b *ClusterBatch) data() *batchData {
	if b == nil {
		return nil
	}
	return &b.b
}

// NewClusterBatch returns an empty cluster batch: a transaction when isAtomic, else a pipeline.
func NewClusterBatch(isAtomic bool) *ClusterBatch {
	b := &ClusterBatch{}
	b.self = b
	b.b.atomic = isAtomic
	return b
}

// Publish adds PUBLISH channel message, or SPUBLISH (routed by the channel's slot) when sharded
// (Valkey 7.0+). Reply: int64, the number of subscribers (of that shard, when sharded) that
// received the message.
func (b *ClusterBatch) Publish(message, channel string, sharded bool) *ClusterBatch {
	if sharded {
		return b.add(kindSPublish, message, channel)
	}
	return b.add(kindPublish, message, channel)
}

// PubsubShardChannels adds PUBSUB SHARDCHANNELS [pattern], sent to every primary and merged.
// An empty pattern lists every active shard channel. Reply: []any of []byte channel names.
func (b *ClusterBatch) PubsubShardChannels(pattern string) *ClusterBatch {
	if pattern == "" {
		return b.add(kindShardChannels)
	}
	return b.add(kindShardChannels, pattern)
}

// PubsubShardNumSub adds PUBSUB SHARDNUMSUB channels... Reply: map[string]any from channel name
// to its int64 subscriber count (empty without channels).
func (b *ClusterBatch) PubsubShardNumSub(channels ...string) *ClusterBatch {
	return b.add(kindShardNumSub, channels...)
}
