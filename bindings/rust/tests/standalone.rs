//! The standalone Client against the `servers` fixture's standalone and password servers.

mod common;

use common::{bulk, key, servers, standalone};
use glide_c::{block_on, Batch, Client, ClientConfig, ErrorKind, Protocol, Value};

#[test]
fn standalone_batches() {
    let client = standalone();
    let (k1, k2) = (key("s1"), key("s2"));
    let mut tx = Batch::new(true);
    tx.set(&k1, "value1").set(&k2, "value2").mget(&[&k1, &k2]).copy(&k1, &k2, true).get(&k2).del(&[&k1, &k2]);
    assert_eq!(
        client.exec(&tx, false).unwrap(),
        Some(vec![
            Value::Okay,
            Value::Okay,
            Value::Array(vec![bulk("value1"), bulk("value2")]),
            Value::Bool(true),
            bulk("value1"),
            Value::Int(2),
        ])
    );
    let mut pipeline = Batch::new(false);
    pipeline.publish("message", key("channel")).incr(&k1);
    assert_eq!(block_on(client.exec_async(&pipeline, true)).unwrap(), Some(vec![Value::Int(0), Value::Int(1)]));
}

#[test]
fn verbatim_and_big_number() {
    let client = standalone();
    match client.custom_command(&["INFO", "server"]).unwrap() {
        Value::VerbatimString { format, text } => {
            assert_eq!(format, "txt");
            assert!(text.contains("redis_version:") || text.contains("valkey_version:"), "{}", text);
        }
        other => panic!("INFO answered {:?}", other),
    }
    let big = client
        .custom_command(&["EVAL", "redis.setresp(3); return {big_number='123456789012345678901234567890'}", "0"])
        .unwrap();
    assert_eq!(big, Value::BigNumber("123456789012345678901234567890".into()));
}

#[test]
fn resp2_subset() {
    let s = servers();
    let client = Client::connect(&ClientConfig::new(&[(s.host.as_str(), s.standalone_port)]).protocol(Protocol::Resp2)).unwrap();
    let h = key("resp2");
    client.custom_command(&["HSET", h.as_str(), "f", "v"]).unwrap();
    // RESP2 has no maps: a flat array.
    assert_eq!(client.custom_command(&["HGETALL", h.as_str()]).unwrap(), Value::Array(vec![bulk("f"), bulk("v")]));
}

#[test]
fn authentication() {
    let s = servers();
    assert!(s.auth_port != 0, "no password server in servers.env");
    let base = ClientConfig::new(&[(s.host.as_str(), s.auth_port)]).connect_timeout_ms(2000);
    let err = Client::connect(&base.clone().credentials(None, "wrong-password")).err().unwrap();
    assert_eq!(err.kind, ErrorKind::Auth, "{}", err);
    assert!(!err.message.contains("wrong-password"), "the password leaked: {}", err.message);
    let client = Client::connect(&base.clone().credentials(None, "glide-secret")).unwrap();
    assert_eq!(client.custom_command(&["PING"]).unwrap(), Value::SimpleString("PONG".into()));
    let client = Client::connect(&base.credentials(Some("glideuser"), "glide-pass")).unwrap();
    assert_eq!(client.custom_command(&["ACL", "WHOAMI"]).unwrap(), bulk("glideuser"));
}
