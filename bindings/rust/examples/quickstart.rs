//! The README's quick start: `cargo run --offline --example quickstart [host:port]`.
use glide_c::{block_on, ClusterBatch, ClusterClient, ClusterClientConfig, Value};

fn main() -> glide_c::Result<()> {
    let seed = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:7100".to_string());
    let (host, port) = seed.rsplit_once(':').expect("host:port");
    let port: u16 = port.parse().expect("a port number");
    let client = ClusterClient::connect(&ClusterClientConfig::new(&[(host, port)]))?;

    let mut transaction = ClusterBatch::new(true); // atomic: MULTI/EXEC on the slot's primary
    transaction.set("key", "value").get("key");
    let result: Option<Vec<Value>> = client.exec(&transaction, false)?;
    println!("{}", Value::Array(result.unwrap_or_default())); // [OK, b"value"]

    let mut pipeline = ClusterBatch::new(false); // non-atomic: split per node by slot
    pipeline.set("key1", "value1").set("key2", "value2").get("key1").get("key2");
    let result = block_on(client.exec_async(&pipeline, false))?; // or .await in any executor
    println!("{}", Value::Array(result.unwrap_or_default())); // [OK, OK, b"value1", b"value2"]
    Ok(())
}
