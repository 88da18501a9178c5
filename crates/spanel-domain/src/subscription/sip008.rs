//! SIP008 online configuration: Shadowsocks (incl. 2022) servers only.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Kind, Proxy};

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    servers: Vec<Server<'a>>,
}

#[derive(Serialize)]
struct Server<'a> {
    id: String,
    remarks: &'a str,
    server: &'a str,
    server_port: u16,
    password: &'a str,
    method: &'a str,
}

/// A stable UUID-formatted id per server, so clients keep their selection across updates.
fn server_id(p: &Proxy) -> String {
    let digest = Sha256::digest(format!("{}|{}|{}", p.name, p.server, p.port).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).to_string()
}

pub fn render(proxies: &[Proxy]) -> anyhow::Result<String> {
    let servers = proxies
        .iter()
        .filter_map(|p| match &p.kind {
            Kind::Ss { method, password } => Some(Server {
                id: server_id(p),
                remarks: &p.name,
                server: &p.server,
                server_port: p.port,
                password,
                method,
            }),
            _ => None,
        })
        .collect();
    Ok(serde_json::to_string_pretty(&Doc {
        version: 1,
        servers,
    })?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::proxies;
    use super::*;

    #[test]
    fn only_shadowsocks() {
        let v: serde_json::Value = serde_json::from_str(&render(&proxies()).unwrap()).unwrap();
        assert_eq!(v["version"], 1);
        let s = v["servers"].as_array().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0]["server"], "n1.example.com");
        assert_eq!(s[0]["server_port"], 10001);
        assert_eq!(s[0]["method"], "aes-256-gcm");
        assert_eq!(s[0]["password"], "p@ss");
        assert_eq!(s[1]["method"], "2022-blake3-aes-128-gcm");
        assert!(uuid::Uuid::parse_str(s[0]["id"].as_str().unwrap()).is_ok());
    }
}
