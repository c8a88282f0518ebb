//! Shared test helpers: the servers of the ctest `servers` fixture (GLIDE_TEST_SERVERS names the
//! servers.env that tests/scripts/test_servers.sh writes) and unique keys.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use glide_c::{Client, ClientConfig, ClusterClient, ClusterClientConfig, Value};

pub struct Servers {
    pub host: String,
    pub cluster_ports: Vec<u16>,
    pub standalone_port: u16,
    pub auth_port: u16,
}

pub fn servers() -> Servers {
    let path = std::env::var("GLIDE_TEST_SERVERS").expect(
        "GLIDE_TEST_SERVERS is not set: point it at the servers.env written by \
         tests/scripts/test_servers.sh start DIR (ctest does it)",
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {}", path, e));
    let mut s = Servers {
        host: String::new(),
        cluster_ports: Vec::new(),
        standalone_port: 0,
        auth_port: 0,
    };
    for line in text.lines() {
        let (k, v) = match line.split_once('=') {
            Some(kv) => kv,
            None => continue,
        };
        match k.trim() {
            "GLIDE_TEST_HOST" => s.host = v.trim().to_string(),
            "GLIDE_TEST_CLUSTER_PORTS" => {
                s.cluster_ports = v.split(',').filter(|p| !p.is_empty()).map(|p| p.trim().parse().unwrap()).collect()
            }
            "GLIDE_TEST_STANDALONE_PORT" => s.standalone_port = v.trim().parse().unwrap_or(0),
            "GLIDE_TEST_AUTH_PORT" => s.auth_port = v.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    assert!(!s.host.is_empty() && !s.cluster_ports.is_empty(), "{}: no host or cluster ports", path);
    s
}

pub fn cluster_config() -> ClusterClientConfig {
    let s = servers();
    ClusterClientConfig::new(&[(s.host.as_str(), s.cluster_ports[0])])
}

pub fn cluster() -> ClusterClient {
    ClusterClient::connect(&cluster_config()).expect("connect to the test cluster")
}

pub fn standalone() -> Client {
    let s = servers();
    assert!(s.standalone_port != 0, "no standalone server in servers.env");
    Client::connect(&ClientConfig::new(&[(s.host.as_str(), s.standalone_port)])).expect("connect to the standalone server")
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A key no other test (or earlier run) uses.
pub fn key(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("rs-test:{}:{}:{}:{}", name, std::process::id(), nanos, SEQ.fetch_add(1, Ordering::Relaxed))
}

pub fn bulk(s: impl AsRef<[u8]>) -> Value {
    Value::BulkString(s.as_ref().to_vec())
}
