//! Pub/sub against the servers fixture: configured and runtime subscriptions, RESP3 and RESP2.

mod common;

use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

use common::{cluster, cluster_config, key, servers};
use glide_c::{
    Batch, Client, ClientConfig, ClusterBatch, ClusterClient, ClusterClientConfig, ErrorKind, Protocol,
    PubSubChannelMode as Mode, PubSubMessage, Value,
};

const N: usize = 20; // messages per channel

fn payload(i: usize) -> Vec<u8> {
    let mut p = b"m\0".to_vec();
    p.extend_from_slice(i.to_string().as_bytes());
    p.extend_from_slice(b"\0\xff"); // NULs and a non-UTF-8 byte
    p
}

/// A config whose callback sends every message to the returned receiver.
fn subscriber(config: ClusterClientConfig) -> (ClusterClientConfig, Receiver<PubSubMessage>) {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx); // Sender is not Sync on this toolchain
    (config.pubsub_callback(move |m| { let _ = tx.lock().unwrap().send(m.clone()); }), rx)
}

fn publish(c: &ClusterClient, message: &[u8], channel: &[u8], sharded: bool) -> i64 {
    let mut b = ClusterBatch::new(false);
    b.publish(message, channel, sharded);
    match c.exec(&b, true).expect("publish").expect("not aborted").as_slice() {
        [Value::Int(n)] => *n,
        other => panic!("publish reply {:?}", other),
    }
}

fn receive(rx: &Receiver<PubSubMessage>, n: usize) -> Vec<PubSubMessage> {
    (0..n)
        .map(|i| rx.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|e| panic!("message {} of {}: {:?}", i, n, e)))
        .collect()
}

fn nothing_more(rx: &Receiver<PubSubMessage>) {
    match rx.recv_timeout(Duration::from_millis(500)) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("unexpected {:?}", other),
    }
}

/// Each channel got payload(0..n) in order, with its pattern and kind.
fn check_in_order(got: &[PubSubMessage], want: &[(&[u8], Option<&[u8]>, Mode)], n: usize) {
    let mut by: HashMap<Vec<u8>, Vec<&PubSubMessage>> = HashMap::new();
    for m in got {
        by.entry(m.channel.clone()).or_default().push(m);
    }
    assert_eq!(by.len(), want.len(), "channels {:?}", by.keys().collect::<Vec<_>>());
    for (ch, pattern, kind) in want {
        let ms = &by[*ch];
        assert_eq!(ms.len(), n, "{:?}", String::from_utf8_lossy(ch));
        for (i, m) in ms.iter().enumerate() {
            assert_eq!(m.message, payload(i));
            assert_eq!(m.pattern.as_deref(), *pattern);
            assert_eq!(m.kind, *kind);
        }
    }
}

fn configured(protocol: Protocol) {
    let (exact, pat, sharded) = (key("exact"), key("pat") + ":", key("shard"));
    let pattern = pat.clone() + "*";
    let (cfg, rx) = subscriber(
        cluster_config()
            .protocol(protocol)
            .subscribe(Mode::Exact, &exact)
            .subscribe(Mode::Pattern, &pattern)
            .subscribe(Mode::Sharded, &sharded),
    );
    let sub = ClusterClient::connect(&cfg).expect("subscriber");
    let publisher = cluster();
    let matched = pat.clone() + "x";
    for i in 0..N {
        publish(&publisher, &payload(i), exact.as_bytes(), false);
        publish(&publisher, &payload(i), matched.as_bytes(), false);
        assert_eq!(publish(&publisher, &payload(i), sharded.as_bytes(), true), 1);
    }
    let got = receive(&rx, 3 * N);
    nothing_more(&rx);
    check_in_order(
        &got,
        &[
            (exact.as_bytes(), None, Mode::Exact),
            (matched.as_bytes(), Some(pattern.as_bytes()), Mode::Pattern),
            (sharded.as_bytes(), None, Mode::Sharded),
        ],
        N,
    );
    assert_eq!(sub.stats().unwrap().pubsub_messages, 3 * N as u64);
}

#[test]
fn configured_subscriptions_resp3() {
    configured(Protocol::Resp3);
}

#[test]
fn configured_subscriptions_resp2() {
    configured(Protocol::Resp2);
}

#[test]
fn runtime_subscribe_then_unsubscribe() {
    let (ch, pat, sh) = (key("rt"), key("rtp") + ":", key("rts"));
    let pattern = pat.clone() + "*";
    let (cfg, rx) = subscriber(cluster_config()); // a subscriber with no channels yet
    let sub = ClusterClient::connect(&cfg).expect("subscriber");
    let publisher = cluster();
    sub.subscribe(Mode::Exact, &[&ch]).unwrap();
    sub.subscribe(Mode::Pattern, &[&pattern]).unwrap();
    sub.subscribe(Mode::Sharded, &[&sh]).unwrap();
    sub.subscribe(Mode::Exact, &[&ch]).unwrap(); // idempotent
    let matched = pat.clone() + "1";
    for i in 0..N {
        publish(&publisher, &payload(i), ch.as_bytes(), false);
        publish(&publisher, &payload(i), matched.as_bytes(), false);
        publish(&publisher, &payload(i), sh.as_bytes(), true);
    }
    check_in_order(
        &receive(&rx, 3 * N),
        &[
            (ch.as_bytes(), None, Mode::Exact),
            (matched.as_bytes(), Some(pattern.as_bytes()), Mode::Pattern),
            (sh.as_bytes(), None, Mode::Sharded),
        ],
        N,
    );
    sub.unsubscribe(Mode::Exact, &[&ch]).unwrap();
    sub.unsubscribe::<&str>(Mode::Pattern, &[]).unwrap(); // every pattern
    sub.unsubscribe(Mode::Sharded, &[&sh]).unwrap();
    publish(&publisher, b"late", ch.as_bytes(), false);
    publish(&publisher, b"late", matched.as_bytes(), false);
    assert_eq!(publish(&publisher, b"late", sh.as_bytes(), true), 0);
    nothing_more(&rx);
}

#[test]
fn runtime_subscribe_needs_a_subscriber_client() {
    let c = cluster();
    let e = c.subscribe(Mode::Exact, &[key("c")]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("without a pubsub_callback"), "{}", e);
    let e = c.unsubscribe::<&str>(Mode::Sharded, &[]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    // Subscriptions without a callback: refused by connect.
    let e = ClusterClient::connect(&cluster_config().subscribe(Mode::Exact, key("c"))).err().expect("refused");
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
}

#[test]
fn standalone_resp2() {
    let s = servers();
    assert!(s.standalone_port != 0, "no standalone server in servers.env");
    let ch = key("s");
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let cfg = ClientConfig::new(&[(s.host.as_str(), s.standalone_port)])
        .protocol(Protocol::Resp2)
        .subscribe(Mode::Exact, &ch)
        .pubsub_callback(move |m| { let _ = tx.lock().unwrap().send(m.clone()); });
    let sub = Client::connect(&cfg).expect("subscriber");
    let publisher = common::standalone();
    let publish = |m: &[u8]| -> i64 {
        let mut b = Batch::new(false);
        b.publish(m, ch.as_bytes());
        match publisher.exec(&b, true).unwrap().unwrap().as_slice() {
            [Value::Int(n)] => *n,
            other => panic!("{:?}", other),
        }
    };
    for i in 0..N {
        assert_eq!(publish(&payload(i)), 1);
    }
    check_in_order(&receive(&rx, N), &[(ch.as_bytes(), None, Mode::Exact)], N);
    sub.unsubscribe::<&str>(Mode::Exact, &[]).unwrap();
    assert_eq!(publish(b"late"), 0);
    nothing_more(&rx);
}
