//! Quantumult X server lines (`server_remote` resource). VLESS, gRPC and TUIC are left out.

use super::{line_name, line_safe, Kind, Proxy, Transport};

fn host_port(p: &Proxy) -> String {
    format!("{}:{}", p.server, p.port)
}

pub fn line(p: &Proxy) -> Option<String> {
    let tag = line_name(&p.name);
    let hp = host_port(p);
    let sni = p.sni_or_server();
    let verify = if p.allow_insecure { "false" } else { "true" };
    match &p.kind {
        Kind::Ss { method, password } => {
            line_safe(&[method, password]).then_some(())?;
            Some(format!(
                "shadowsocks={hp}, method={method}, password={password}, fast-open=false, udp-relay=true, tag={tag}"
            ))
        }
        Kind::Ssr {
            method,
            password,
            protocol,
            protocol_param,
            obfs,
            obfs_param,
        } => {
            line_safe(&[method, password, protocol, protocol_param, obfs, obfs_param])
                .then_some(())?;
            let mut s = format!(
                "shadowsocks={hp}, method={method}, password={password}, ssr-protocol={protocol}"
            );
            if !protocol_param.is_empty() {
                s.push_str(&format!(", ssr-protocol-param={protocol_param}"));
            }
            s.push_str(&format!(", obfs={obfs}"));
            if !obfs_param.is_empty() {
                s.push_str(&format!(", obfs-host={obfs_param}"));
            }
            s.push_str(&format!(", fast-open=false, udp-relay=false, tag={tag}"));
            Some(s)
        }
        Kind::Vmess {
            uuid,
            transport,
            tls,
        } => {
            let obfs = match (transport, tls) {
                (Transport::Tcp, false) => String::new(),
                (Transport::Tcp, true) => {
                    format!(", obfs=over-tls, obfs-host={sni}, tls-verification={verify}")
                }
                (Transport::Ws { path, host }, tls) => {
                    line_safe(&[path, host]).then_some(())?;
                    let host = if host.is_empty() { sni } else { host.as_str() };
                    let kind = if *tls { "wss" } else { "ws" };
                    let verify = if *tls {
                        format!(", tls-verification={verify}")
                    } else {
                        String::new()
                    };
                    format!(", obfs={kind}, obfs-host={host}, obfs-uri={path}{verify}")
                }
                (Transport::Grpc { .. }, _) => return None,
            };
            Some(format!(
                "vmess={hp}, method=chacha20-poly1305, password={uuid}{obfs}, fast-open=false, udp-relay=false, aead=true, tag={tag}"
            ))
        }
        Kind::Trojan {
            password,
            transport,
        } => {
            line_safe(&[password]).then_some(())?;
            let tls = match transport {
                Transport::Tcp => format!(", over-tls=true, tls-host={sni}"),
                Transport::Ws { path, host } => {
                    line_safe(&[path, host]).then_some(())?;
                    let host = if host.is_empty() { sni } else { host.as_str() };
                    format!(", obfs=wss, obfs-host={host}, obfs-uri={path}")
                }
                Transport::Grpc { .. } => return None,
            };
            Some(format!(
                "trojan={hp}, password={password}{tls}, tls-verification={verify}, fast-open=false, udp-relay=false, tag={tag}"
            ))
        }
        Kind::Vless { .. } | Kind::Tuic { .. } => None,
    }
}

pub fn render(proxies: &[Proxy]) -> String {
    let mut lines: Vec<String> = proxies.iter().filter_map(line).collect();
    lines.push(String::new());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::proxies;
    use super::*;

    #[test]
    fn lines_per_kind() {
        let p = proxies();
        assert_eq!(
            line(&p[0]).unwrap(),
            "shadowsocks=n1.example.com:10001, method=aes-256-gcm, password=p@ss, fast-open=false, udp-relay=true, tag=node1"
        );
        assert!(line(&p[3]).unwrap().starts_with(
            "vmess=n4.example.com:443, method=chacha20-poly1305, password=11111111-2222-3333-4444-555555555555, obfs=wss, obfs-host=cdn.example.com, obfs-uri=/ws"
        ));
        assert!(line(&p[4]).is_none());
        assert!(line(&p[5])
            .unwrap()
            .starts_with("trojan=n6.example.com:443, password="));
        assert!(line(&p[6]).is_none());
        assert_eq!(render(&p).lines().count(), 5);
    }

    #[test]
    fn unsafe_values_are_left_out() {
        let mut p = proxies()[0].clone();
        p.kind = Kind::Ss {
            method: "aes-256-gcm".into(),
            password: "a,b".into(),
        };
        assert!(line(&p).is_none());
        p.name = "x, y=z".into();
        p.kind = Kind::Ss {
            method: "aes-256-gcm".into(),
            password: "ab".into(),
        };
        assert!(line(&p).unwrap().ends_with("tag=x  y z"));
    }
}
