//! The binding against the real cluster of the ctest `servers` fixture.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{bulk, cluster, cluster_config, key, servers};
use glide_c::{block_on, BatchOptions, ClusterBatch, ClusterClient, ClusterClientConfig, ErrorKind, Route, Value};

#[test]
fn seed_atomic_batch() {
    let client = cluster();
    let k = key("{seed}atomic");
    let mut transaction = ClusterBatch::new(true);
    transaction.set(&k, "value").get(&k);
    assert_eq!(transaction.len(), 2);
    let result = client.exec(&transaction, false).unwrap();
    assert_eq!(result, Some(vec![Value::Okay, bulk("value")]));
}

#[test]
fn seed_pipeline() {
    let client = cluster();
    let (k1, k2) = (key("key1"), key("key2"));
    let mut pipeline = ClusterBatch::new(false);
    pipeline.set(&k1, "value1").set(&k2, "value2").get(&k1).get(&k2);
    let result = client.exec(&pipeline, false).unwrap().unwrap();
    assert_eq!(result, vec![Value::Okay, Value::Okay, bulk("value1"), bulk("value2")]);
    // The batch is unchanged by exec and runs again.
    assert_eq!(client.exec(&pipeline, true).unwrap().unwrap(), result);
}

#[test]
fn seed_copy() {
    let client = cluster();
    let (src, dst) = (key("{copy}src"), key("{copy}dst"));
    let mut tx = ClusterBatch::new(true);
    tx.set(&src, "one")
        .copy(&src, &dst, false)
        .copy(&src, &dst, false) // destination exists: not copied
        .set(&src, "two")
        .copy(&src, &dst, true) // replace
        .get(&dst);
    let result = client.exec(&tx, false).unwrap().unwrap();
    assert_eq!(
        result,
        vec![Value::Okay, Value::Bool(true), Value::Bool(false), Value::Okay, Value::Bool(true), bulk("two")]
    );
}

/// Blocking calls in a row run on the calling thread (the library's caller-side fast path) and
/// answer as any other.
#[test]
fn blocking_calls_on_the_caller_side() {
    let client = cluster();
    let k = key("{caller}side");
    let mut pipeline = ClusterBatch::new(false);
    pipeline.set(&k, "v").get(&k);
    for _ in 0..20 {
        assert_eq!(client.custom_command(&["SET", k.as_str(), "v"]).unwrap(), Value::Okay);
        assert_eq!(client.exec(&pipeline, false).unwrap().unwrap(), vec![Value::Okay, bulk("v")]);
    }
    let stats = client.stats().unwrap();
    assert!(stats.caller_side_requests > 0, "{:?}", stats);
    assert_eq!(stats.inflight_requests, 0);
}

/// A raw RESP2 connection subscribed to a sharded channel on the primary that owns it (the other
/// nodes answer MOVED), standing in for a subscriber.
fn shard_subscriber(channel: &str) -> TcpStream {
    let s = servers();
    for port in &s.cluster_ports {
        let mut conn = TcpStream::connect((s.host.as_str(), *port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(conn, "*2\r\n$10\r\nSSUBSCRIBE\r\n${}\r\n{}\r\n", channel.len(), channel).unwrap();
        let reply = read_until(&mut conn, |r| r.starts_with(b"-") || r.ends_with(b":1\r\n"));
        if reply.starts_with(b"*3\r\n") {
            return conn;
        }
    }
    panic!("no node accepted SSUBSCRIBE {}", channel);
}

fn read_until(conn: &mut TcpStream, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !(reply.ends_with(b"\r\n") && done(&reply)) {
        let n = conn.read(&mut buf).expect("read from the subscriber");
        assert!(n > 0, "subscriber connection closed");
        reply.extend_from_slice(&buf[..n]);
    }
    reply
}

#[test]
fn seed_publish_and_shard_pubsub() {
    let client = cluster();
    let channel = key("shard-channel");
    let idle = key("idle-channel");
    let mut subscriber = shard_subscriber(&channel);

    let mut batch = ClusterBatch::new(false);
    batch
        .pubsub_shardchannels(Some(channel.as_bytes()))
        .pubsub_shardnumsub(&[channel.as_str(), idle.as_str()])
        .pubsub_shardnumsub::<&str>(&[])
        .publish("hello", &channel, true)
        .publish("classic", &idle, false);
    let result = client.exec(&batch, true).unwrap().unwrap();
    assert_eq!(
        result,
        vec![
            Value::Array(vec![bulk(&channel)]),
            Value::Map(vec![(bulk(&channel), Value::Int(1)), (bulk(&idle), Value::Int(0))]),
            Value::Map(vec![]),
            Value::Int(1),
            Value::Int(0),
        ]
    );
    let message = read_until(&mut subscriber, |r| r.windows(5).any(|w| w == b"hello"));
    assert!(message.starts_with(b"*3\r\n$8\r\nsmessage\r\n"), "{:?}", String::from_utf8_lossy(&message));

    // Every active shard channel (no pattern) includes this one.
    let mut all = ClusterBatch::new(false);
    all.pubsub_shardchannels(None);
    match &client.exec(&all, true).unwrap().unwrap()[0] {
        Value::Array(channels) => assert!(channels.contains(&bulk(&channel)), "{:?}", channels),
        other => panic!("PUBSUB SHARDCHANNELS answered {:?}", other),
    }
}

#[test]
fn errors_raise_on_error_true_is_err() {
    let client = cluster();
    let k = key("wrongtype");
    let mut batch = ClusterBatch::new(false);
    batch.set(&k, "a string").custom_command(&["LPUSH", k.as_str(), "x"]).get(&k);
    let err = client.exec(&batch, true).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert!(err.message.starts_with("WRONGTYPE"), "{}", err.message);
}

#[test]
fn errors_raise_on_error_false_in_place() {
    let client = cluster();
    let k = key("wrongtype");
    let mut batch = ClusterBatch::new(false);
    batch.set(&k, "a string").custom_command(&["LPUSH", k.as_str(), "x"]).get(&k);
    let result = client.exec(&batch, false).unwrap().unwrap();
    assert_eq!(result.len(), 3);
    assert_eq!(result[0], Value::Okay);
    match &result[1] {
        Value::Error { kind, message } => {
            assert_eq!(*kind, ErrorKind::Server);
            assert!(message.starts_with("WRONGTYPE"), "{}", message);
        }
        other => panic!("expected an error in place, got {:?}", other),
    }
    assert_eq!(result[1].as_error().unwrap().kind, ErrorKind::Server);
    assert_eq!(result[2], bulk("a string"));

    // The same in a transaction: the error is in place, the other commands ran.
    let tk = key("{tx}wrongtype");
    let mut tx = ClusterBatch::new(true);
    tx.set(&tk, "s").incr(&tk).get(&tk);
    let result = client.exec(&tx, false).unwrap().unwrap();
    assert_eq!(result[0], Value::Okay);
    assert!(matches!(&result[1], Value::Error { kind: ErrorKind::Server, message } if message.contains("not an integer")));
    assert_eq!(result[2], bulk("s"));
}

#[test]
fn custom_command_errors_and_replies() {
    let client = cluster();
    let k = key("custom");
    assert_eq!(client.custom_command(&["SET", k.as_str(), "41"]).unwrap(), Value::Okay);
    assert_eq!(client.custom_command(&["INCR", k.as_str()]).unwrap(), Value::Int(42));
    assert_eq!(client.custom_command(&["GET", k.as_str()]).unwrap(), bulk("42"));
    assert_eq!(client.custom_command(&["GET", key("missing").as_str()]).unwrap(), Value::Nil);
    let err = client.custom_command(&["NOSUCHCOMMAND", "x"]).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    assert!(err.message.starts_with("ERR unknown command"), "{}", err.message);
    // Multi-slot commands are split and aggregated.
    let (a, b) = (key("ma"), key("mb"));
    assert_eq!(client.custom_command(&["MSET", a.as_str(), "1", b.as_str(), "2"]).unwrap(), Value::Okay);
    assert_eq!(
        client.custom_command(&["MGET", a.as_str(), b.as_str()]).unwrap(),
        Value::Array(vec![bulk("1"), bulk("2")])
    );
}

#[test]
fn crossslot_atomic_batch() {
    let client = cluster();
    let mut tx = ClusterBatch::new(true);
    // These two keys hash to different slots (no common hash tag).
    tx.set("{a}rs-cross", "1").set("{b}rs-cross", "2");
    let err = client.exec(&tx, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::CrossSlot, "{}", err);
}

#[test]
fn watch_abort_returns_none() {
    let client = cluster();
    let other = cluster();
    let k = key("watch");
    client.custom_command(&["SET", k.as_str(), "orig"]).unwrap();
    client.custom_command(&["WATCH", k.as_str()]).unwrap();
    other.custom_command(&["SET", k.as_str(), "changed"]).unwrap();
    let mut tx = ClusterBatch::new(true);
    tx.set(&k, "mine").get(&k);
    assert_eq!(client.exec(&tx, false).unwrap(), None);
    assert_eq!(other.custom_command(&["GET", k.as_str()]).unwrap(), bulk("changed"));
    // Without interference the transaction runs.
    client.custom_command(&["WATCH", k.as_str()]).unwrap();
    assert_eq!(client.exec(&tx, false).unwrap(), Some(vec![Value::Okay, bulk("mine")]));
}

#[test]
fn binary_data_with_nul_bytes() {
    let client = cluster();
    let all: Vec<u8> = (0..=255u8).collect();
    let mut k = key("{bin}").into_bytes();
    k.extend_from_slice(b"\0key\0with\xffnul");
    let mut value = b"\0\0head".to_vec();
    value.extend_from_slice(&all);
    value.extend_from_slice(b"\r\n$3\r\ntail\0");
    let mut tx = ClusterBatch::new(true);
    tx.set(&k, &value).get(&k).custom_command(&[&b"STRLEN"[..], &k]);
    let result = client.exec(&tx, true).unwrap().unwrap();
    assert_eq!(result, vec![Value::Okay, Value::BulkString(value.clone()), Value::Int(value.len() as i64)]);
    assert_eq!(client.custom_command(&[&b"GET"[..], &k]).unwrap(), Value::BulkString(value));
    // The empty string is a value too.
    let e = key("empty");
    client.custom_command(&["SET", e.as_str(), ""]).unwrap();
    assert_eq!(client.custom_command(&["GET", e.as_str()]).unwrap(), bulk(""));
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn eight_threads_share_one_client() {
    assert_send_sync::<ClusterClient>();
    let client = cluster();
    let base = key("threads");
    std::thread::scope(|scope| {
        for t in 0..8 {
            let client = &client;
            let base = &base;
            scope.spawn(move || {
                for i in 0..50 {
                    let k = format!("{}:{}:{}", base, t, i);
                    let mut pipeline = ClusterBatch::new(false);
                    pipeline.set(&k, format!("v{}-{}", t, i)).incr(format!("{}:n", k)).get(&k);
                    let result = client.exec(&pipeline, true).unwrap().unwrap();
                    assert_eq!(result, vec![Value::Okay, Value::Int(1), bulk(format!("v{}-{}", t, i))]);
                    let got = client.custom_command(&["GET", k.as_str()]).unwrap();
                    assert_eq!(got, bulk(format!("v{}-{}", t, i)));
                }
            });
        }
    });
    let stats = client.stats().unwrap();
    assert!(stats.requests_completed >= 8 * 50 * 2, "{:?}", stats);
    assert_eq!(stats.inflight_requests, 0);
}

#[test]
fn async_exec_and_command() {
    let client = cluster();
    let k = key("{async}k");
    let mut tx = ClusterBatch::new(true);
    tx.set(&k, "async value").get(&k);
    let result = block_on(client.exec_async(&tx, false)).unwrap();
    assert_eq!(result, Some(vec![Value::Okay, bulk("async value")]));
    assert_eq!(block_on(client.custom_command_async(&["GET", k.as_str()])).unwrap(), bulk("async value"));

    // Many in flight at once, submitted before any is awaited; each batch is reused at once.
    let mut futures = Vec::new();
    let mut batch = ClusterBatch::new(false);
    for i in 0..200 {
        batch.clear().set(format!("{}:{}", k, i), i.to_string()).get(format!("{}:{}", k, i));
        futures.push(client.exec_async(&batch, true));
    }
    for (i, f) in futures.into_iter().enumerate() {
        assert_eq!(block_on(f).unwrap(), Some(vec![Value::Okay, bulk(i.to_string())]));
    }

    // Errors come through the future too.
    let err = block_on(client.custom_command_async(&["NOSUCHCOMMAND"])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Server);
    let err = block_on(client.exec_async(&ClusterBatch::new(false), false)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
}

#[test]
fn async_futures_from_other_threads() {
    let client = cluster();
    let k = key("async-threads");
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (client, k) = (&client, &k);
            scope.spawn(move || {
                let futures: Vec<_> = (0..25)
                    .map(|i| client.custom_command_async(&["SET".to_string(), format!("{}:{}:{}", k, t, i), i.to_string()]))
                    .collect();
                for f in futures {
                    assert_eq!(block_on(f).unwrap(), Value::Okay);
                }
            });
        }
    });
    assert_eq!(client.custom_command(&["GET".to_string(), format!("{}:3:24", k)]).unwrap(), bulk("24"));
}

#[test]
fn drop_with_pending_request_completes_closing() {
    let client = cluster();
    let k = key("blocking");
    // BLPOP waits 5 s on the server; the client is dropped first.
    let pending = client.custom_command_async(&["BLPOP", k.as_str(), "5"]);
    std::thread::sleep(Duration::from_millis(100));
    drop(client);
    let err = block_on(pending).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Closing, "{}", err);
}

#[test]
fn batch_options_timeout_and_route() {
    let s = servers();
    let client = ClusterClient::connect(&cluster_config().request_timeout_ms(5000)).unwrap();
    let k = key("timeout");
    let mut batch = ClusterBatch::new(false);
    batch.custom_command(&["BLPOP", k.as_str(), "2"]);
    let options = BatchOptions { timeout_ms: 200, ..BatchOptions::default() };
    let started = std::time::Instant::now();
    let err = client.exec_with_options(&batch, true, &options).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{}", err);
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());

    // Routed by address: CLUSTER MYID names the node that answered; two nodes differ.
    let mut myid = ClusterBatch::new(false);
    myid.custom_command(&["CLUSTER", "MYID"]);
    let mut ids = Vec::new();
    for port in &s.cluster_ports[..2] {
        let options = BatchOptions {
            route: Route::Address { host: s.host.clone(), port: *port },
            ..BatchOptions::default()
        };
        let first = client.exec_with_options(&myid, true, &options).unwrap().unwrap();
        let again = client.exec_with_options(&myid, true, &options).unwrap().unwrap();
        assert_eq!(first, again);
        assert_eq!(first[0].as_bytes().map(|b| b.len()), Some(40), "{:?}", first);
        ids.push(first);
    }
    assert_ne!(ids[0], ids[1]);

    // Routed by a key's slot: a keyless command goes to the node that owns that key.
    let rk = key("{route}");
    client.custom_command(&["SET", rk.as_str(), "here"]).unwrap();
    let mut exists = ClusterBatch::new(false);
    exists.custom_command(&["DBSIZE"]).custom_command(&["CLUSTER", "COUNTKEYSINSLOT", "0"]);
    let options = BatchOptions {
        route: Route::SlotKey { key: rk.clone().into_bytes(), replica: false },
        ..BatchOptions::default()
    };
    let r = client.exec_with_options(&exists, true, &options).unwrap().unwrap();
    assert!(r[0].as_int().unwrap() >= 1, "{:?}", r);

    // An atomic batch with a retry flag is refused.
    let mut tx = ClusterBatch::new(true);
    tx.get(&k);
    let options = BatchOptions { retry_server_error: true, ..BatchOptions::default() };
    assert_eq!(client.exec_with_options(&tx, false, &options).unwrap_err().kind, ErrorKind::InvalidArgument);
}

#[test]
fn resp3_value_types() {
    let client = cluster();
    let (h, z, st) = (key("{types}h"), key("{types}z"), key("{types}s"));
    let mut tx = ClusterBatch::new(true);
    tx.custom_command(&["HSET", h.as_str(), "f", "v"])
        .custom_command(&["HGETALL", h.as_str()])
        .custom_command(&["ZADD", z.as_str(), "1.5", "m"])
        .custom_command(&["ZSCORE", z.as_str(), "m"])
        .custom_command(&["SADD", st.as_str(), "only"])
        .custom_command(&["SMEMBERS", st.as_str()])
        .custom_command(&["EVAL", "redis.setresp(3); return true", "0"])
        .custom_command(&["EVAL", "redis.setresp(3); return {double=2.5}", "0"])
        .custom_command(&["EVAL", "return {1, 'two', {3}}", "0"])
        .custom_command(&["PING"]);
    let r = client.exec(&tx, true).unwrap().unwrap();
    assert_eq!(
        r,
        vec![
            Value::Int(1),
            Value::Map(vec![(bulk("f"), bulk("v"))]),
            Value::Int(1),
            Value::Double(1.5),
            Value::Int(1),
            Value::Set(vec![bulk("only")]),
            Value::Bool(true),
            Value::Double(2.5),
            Value::Array(vec![Value::Int(1), bulk("two"), Value::Array(vec![Value::Int(3)])]),
            Value::SimpleString("PONG".to_string()),
        ]
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    // Unreachable: a refused port.
    let s = servers();
    let err = ClusterClient::connect(&ClusterClientConfig::new(&[(s.host.as_str(), 1)]).connect_timeout_ms(500))
        .err()
        .expect("port 1 accepted a connection");
    assert_eq!(err.kind, ErrorKind::Connection, "{}", err);
    assert!(err.message.contains(":1"), "{}", err.message);
    // Invalid addresses.
    let err = ClusterClient::connect(&ClusterClientConfig::new(&[(s.host.as_str(), 0)])).err().unwrap();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err);
    let err = ClusterClient::connect(&ClusterClientConfig::new(&[("bad\0host", 7000)])).err().unwrap();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err);
    let err = ClusterClient::connect(&ClusterClientConfig::new(&[])).err().unwrap();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err);
    let err = ClusterClient::connect(&cluster_config().request_timeout_ms(0)).err().unwrap();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err);

    let client = cluster();
    // An empty batch, an empty command, a command without a name.
    assert_eq!(client.exec(&ClusterBatch::new(true), false).unwrap_err().kind, ErrorKind::InvalidArgument);
    let mut empty_command = ClusterBatch::new(false);
    empty_command.get("x").custom_command::<&str>(&[]);
    let err = client.exec(&empty_command, false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidArgument, "{}", err);
    assert_eq!(client.custom_command::<&str>(&[]).unwrap_err().kind, ErrorKind::InvalidArgument);
    assert_eq!(block_on(client.custom_command_async::<&str>(&[])).unwrap_err().kind, ErrorKind::InvalidArgument);
    // The client still works.
    assert_eq!(client.custom_command(&["PING"]).unwrap(), Value::SimpleString("PONG".into()));
}

#[test]
fn library_version_is_checked() {
    let v = glide_c::library_version().unwrap();
    let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3, "{}", v);
    let number = parts[0] << 16 | parts[1] << 8 | parts[2];
    assert_eq!(parts[0], glide_c::sys::GLIDE_C_VERSION_NUMBER >> 16);
    assert!(number >= glide_c::sys::GLIDE_C_VERSION_NUMBER, "{}", v);
    let api = glide_c::sys::api().unwrap();
    assert_eq!(unsafe { (api.version_number)() }, number);
}

/// A library that cannot be loaded is an ErrorKind::Library error (run in a child process: the
/// library is loaded once per process).
#[test]
fn missing_library_is_an_error() {
    if std::env::var_os("GLIDE_RS_CHILD").is_some() {
        let err = ClusterClient::connect(&cluster_config()).err().unwrap();
        assert_eq!(err.kind, ErrorKind::Library);
        assert!(err.message.contains("/nonexistent/libglide_c.so.0"), "{}", err.message);
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "missing_library_is_an_error", "--test-threads=1"])
        .env("GLIDE_RS_CHILD", "1")
        .env("GLIDE_C_LIBRARY", "/nonexistent/libglide_c.so.0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 passed"), "{}", stdout);
}
