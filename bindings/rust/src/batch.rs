//! [`ClusterBatch`] and [`Batch`]: commands collected in Rust and handed to the library in one
//! `glide_batch_command_many` call per run of plain commands at exec.

use std::os::raw::c_char;

use crate::error::{check, Error, ErrorKind, Result};
use crate::sys;

/// How one command of a batch is given to the library: plain arguments, or a typed helper whose
/// reply the library shapes (COPY -> boolean, PUBSUB SHARDNUMSUB -> map, sharded routing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Plain,
    Copy { replace: bool },
    Publish { sharded: bool },
    ShardChannels,
    ShardNumSub,
}

/// A batch's commands, flat: all argument bytes back to back, their lengths, and per command its
/// kind and argument count.
#[derive(Clone, Debug, Default)]
pub(crate) struct BatchData {
    atomic: bool,
    data: Vec<u8>,
    lens: Vec<usize>,
    commands: Vec<(Kind, usize)>,
}

/// A `glide_batch`, freed on drop.
pub(crate) struct RawBatch {
    api: &'static sys::Api,
    pub(crate) ptr: *mut sys::glide_batch,
}

impl Drop for RawBatch {
    fn drop(&mut self) {
        // SAFETY: made by batch_new, freed once.
        unsafe { (self.api.batch_free)(self.ptr) }
    }
}

impl BatchData {
    fn new(atomic: bool) -> BatchData {
        BatchData {
            atomic,
            ..BatchData::default()
        }
    }

    fn add<A: AsRef<[u8]>>(&mut self, kind: Kind, head: &[&[u8]], args: &[A]) {
        for a in head.iter().copied().chain(args.iter().map(|a| a.as_ref())) {
            self.data.extend_from_slice(a);
            self.lens.push(a.len());
        }
        self.commands.push((kind, head.len() + args.len()));
    }

    /// The library's batch holding these commands: one `glide_batch_command_many` per run of
    /// plain commands, the typed helpers for the others. The library checks every command here
    /// (an empty one is an [`ErrorKind::InvalidArgument`] error).
    pub(crate) fn build(&self, api: &'static sys::Api) -> Result<RawBatch> {
        if self.commands.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "empty batch"));
        }
        let mut argv: Vec<*const c_char> = Vec::with_capacity(self.lens.len());
        let mut at = 0;
        for len in &self.lens {
            // SAFETY: at + len <= data.len(): the lengths describe data.
            argv.push(unsafe { self.data.as_ptr().add(at) } as *const c_char);
            at += len;
        }
        // SAFETY: the batch is this thread's; argv/lens/argcs describe live memory.
        unsafe {
            let ptr = (api.batch_new)(self.atomic);
            if ptr.is_null() {
                return Err(Error::new(ErrorKind::OutOfMemory, "glide_batch_new"));
            }
            let batch = RawBatch { api, ptr };
            let (mut i, mut arg) = (0, 0);
            while i < self.commands.len() {
                let (kind, argc) = self.commands[i];
                let a = argv[arg..].as_ptr();
                let l = self.lens[arg..].as_ptr();
                if kind == Kind::Plain {
                    let mut j = i;
                    let mut argcs = Vec::new();
                    while j < self.commands.len() && self.commands[j].0 == Kind::Plain {
                        argcs.push(self.commands[j].1);
                        j += 1;
                    }
                    check(
                        (api.batch_command_many)(ptr, argcs.len(), argcs.as_ptr(), a, l),
                        "glide_batch_command_many",
                    )
                    .map_err(|e| with_index(e, i))?;
                    arg += argcs.iter().sum::<usize>();
                    i = j;
                    continue;
                }
                let status = match kind {
                    Kind::Copy { replace } => {
                        (api.batch_copy)(ptr, *a, *l, *a.add(1), *l.add(1), replace)
                    }
                    Kind::Publish { sharded } => {
                        (api.batch_publish)(ptr, *a, *l, *a.add(1), *l.add(1), sharded)
                    }
                    Kind::ShardChannels if argc == 0 => {
                        (api.batch_pubsub_shardchannels)(ptr, std::ptr::null(), 0)
                    }
                    Kind::ShardChannels => (api.batch_pubsub_shardchannels)(ptr, *a, *l),
                    Kind::ShardNumSub => (api.batch_pubsub_shardnumsub)(ptr, argc, a, l),
                    Kind::Plain => unreachable!(),
                };
                check(status, "batch command").map_err(|e| with_index(e, i))?;
                arg += argc;
                i += 1;
            }
            Ok(batch)
        }
    }
}

fn with_index(e: Error, first: usize) -> Error {
    Error::new(e.kind, format!("{} (commands from #{} on)", e.message, first))
}

/// Methods common to [`ClusterBatch`] and [`Batch`]. Arguments are anything that is bytes
/// (`&str`, `String`, `&[u8]`, `Vec<u8>`): keys and values are binary-safe.
macro_rules! common_batch_methods {
    () => {
        /// Whether the batch is a transaction (MULTI/EXEC) rather than a pipeline.
        pub fn is_atomic(&self) -> bool {
            self.data.atomic
        }

        /// The number of commands (and of elements in the exec's reply).
        pub fn len(&self) -> usize {
            self.data.commands.len()
        }

        /// Whether there is no command yet (exec then fails with
        /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)).
        pub fn is_empty(&self) -> bool {
            self.data.commands.is_empty()
        }

        /// Removes every command, keeping [`is_atomic`](Self::is_atomic).
        pub fn clear(&mut self) -> &mut Self {
            self.data = BatchData::new(self.data.atomic);
            self
        }

        /// Adds any command: `args[0]` is its name. The library routes it by the keys its command
        /// table finds (an unknown command goes to a random primary). Reply: whatever the command
        /// answers.
        pub fn custom_command<A: AsRef<[u8]>>(&mut self, args: &[A]) -> &mut Self {
            self.data.add::<A>(Kind::Plain, &[], args);
            self
        }

        /// SET key value. Reply: [`Value::Okay`](crate::Value::Okay).
        pub fn set(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
            self.data.add(Kind::Plain, &[&b"SET"[..]], &[key.as_ref(), value.as_ref()]);
            self
        }

        /// GET key. Reply: [`Value::BulkString`](crate::Value::BulkString), or
        /// [`Value::Nil`](crate::Value::Nil) when the key does not exist.
        pub fn get(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
            self.data.add(Kind::Plain, &[&b"GET"[..]], &[key.as_ref()]);
            self
        }

        /// DEL keys... (split per slot in a cluster pipeline). Reply:
        /// [`Value::Int`](crate::Value::Int), the number of keys removed.
        pub fn del<A: AsRef<[u8]>>(&mut self, keys: &[A]) -> &mut Self {
            self.data.add(Kind::Plain, &[&b"DEL"[..]], keys);
            self
        }

        /// MGET keys... (split per slot and put back in key order in a cluster pipeline).
        /// Reply: [`Value::Array`](crate::Value::Array) of bulk strings or nils.
        pub fn mget<A: AsRef<[u8]>>(&mut self, keys: &[A]) -> &mut Self {
            self.data.add(Kind::Plain, &[&b"MGET"[..]], keys);
            self
        }

        /// INCR key. Reply: [`Value::Int`](crate::Value::Int), the new value.
        pub fn incr(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
            self.data.add(Kind::Plain, &[&b"INCR"[..]], &[key.as_ref()]);
            self
        }

        /// `COPY source destination [REPLACE]`: with `replace` an existing destination is
        /// overwritten, else nothing is done. Reply: [`Value::Bool`](crate::Value::Bool), true if
        /// copied. In a cluster both keys must be in one slot (a hash tag). Since Valkey 6.2.
        pub fn copy(
            &mut self,
            source: impl AsRef<[u8]>,
            destination: impl AsRef<[u8]>,
            replace: bool,
        ) -> &mut Self {
            self.data.add(Kind::Copy { replace }, &[], &[source.as_ref(), destination.as_ref()]);
            self
        }
    };
}

/// A batch for a [`ClusterClient`](crate::ClusterClient), as GLIDE's `ClusterBatch`: atomic
/// batches run as MULTI/EXEC on the primary owning the batch's slot (all keys in one slot);
/// non-atomic ones are split per node by slot and answered in the order the commands were added.
///
/// Methods add one command each and return the batch, so calls chain. Nothing is checked or sent
/// until exec, which does not change the batch: it can be executed again.
///
/// ```no_run
/// # fn main() -> glide_c::Result<()> {
/// let client = glide_c::ClusterClient::connect(&glide_c::ClusterClientConfig::new(&[("127.0.0.1", 7000)]))?;
/// let mut batch = glide_c::ClusterBatch::new(true);
/// batch.set("key", "value").get("key");
/// let result = client.exec(&batch, false)?;
/// assert_eq!(result, Some(vec![glide_c::Value::Okay, glide_c::Value::BulkString(b"value".to_vec())]));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ClusterBatch {
    pub(crate) data: BatchData,
}

impl ClusterBatch {
    /// An empty batch: a transaction (MULTI/EXEC) when `is_atomic`, else a pipeline.
    pub fn new(is_atomic: bool) -> ClusterBatch {
        ClusterBatch {
            data: BatchData::new(is_atomic),
        }
    }

    common_batch_methods!();

    /// PUBLISH channel message, or SPUBLISH (routed by the channel's slot) when `sharded`
    /// (Valkey 7.0+). Reply: [`Value::Int`](crate::Value::Int), the number of subscribers (of
    /// that shard, when sharded) that received it.
    pub fn publish(
        &mut self,
        message: impl AsRef<[u8]>,
        channel: impl AsRef<[u8]>,
        sharded: bool,
    ) -> &mut Self {
        self.data.add(Kind::Publish { sharded }, &[], &[message.as_ref(), channel.as_ref()]);
        self
    }

    /// `PUBSUB SHARDCHANNELS [pattern]`, asked of every primary and merged; `None` lists every
    /// active shard channel. Reply: [`Value::Array`](crate::Value::Array) of channel names.
    pub fn pubsub_shardchannels(&mut self, pattern: Option<&[u8]>) -> &mut Self {
        match pattern {
            Some(p) => self.data.add(Kind::ShardChannels, &[], &[p]),
            None => self.data.add::<&[u8]>(Kind::ShardChannels, &[], &[]),
        }
        self
    }

    /// PUBSUB SHARDNUMSUB channels...: the number of subscribers of each shard channel. Reply:
    /// [`Value::Map`](crate::Value::Map) from channel name to [`Value::Int`](crate::Value::Int)
    /// (empty without channels).
    pub fn pubsub_shardnumsub<A: AsRef<[u8]>>(&mut self, channels: &[A]) -> &mut Self {
        self.data.add(Kind::ShardNumSub, &[], channels);
        self
    }
}

/// A batch for a standalone [`Client`](crate::Client), as GLIDE's `Batch`: a transaction
/// (MULTI/EXEC) or a pipeline. Same methods as [`ClusterBatch`] but sharded pub/sub.
#[derive(Clone, Debug)]
pub struct Batch {
    pub(crate) data: BatchData,
}

impl Batch {
    /// An empty batch: a transaction (MULTI/EXEC) when `is_atomic`, else a pipeline.
    pub fn new(is_atomic: bool) -> Batch {
        Batch {
            data: BatchData::new(is_atomic),
        }
    }

    common_batch_methods!();

    /// PUBLISH channel message. Reply: [`Value::Int`](crate::Value::Int), the number of clients
    /// that received it.
    pub fn publish(&mut self, message: impl AsRef<[u8]>, channel: impl AsRef<[u8]>) -> &mut Self {
        self.data.add(Kind::Publish { sharded: false }, &[], &[message.as_ref(), channel.as_ref()]);
        self
    }
}
