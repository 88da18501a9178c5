//! Surge (and Loon / Surfboard, which read the same profile): `[Proxy]` lines, groups and rules.
//! SSR, VLESS, gRPC and TUIC are left out.

use super::{line_name, line_safe, Kind, Proxy, Transport};

pub fn line(p: &Proxy) -> Option<String> {
    let name = line_name(&p.name);
    let (server, port) = (&p.server, p.port);
    let sni = p.sni_or_server();
    let skip = p.allow_insecure;
    match &p.kind {
        Kind::Ss { method, password } => {
            line_safe(&[method, password]).then_some(())?;
            Some(format!(
                "{name} = ss, {server}, {port}, encrypt-method={method}, password={password}, udp-relay=true"
            ))
        }
        Kind::Vmess {
            uuid,
            transport,
            tls,
        } => {
            let ws = match transport {
                Transport::Tcp => String::new(),
                Transport::Ws { path, host } => {
                    line_safe(&[path, host]).then_some(())?;
                    let mut s = format!(", ws=true, ws-path={path}");
                    if !host.is_empty() {
                        s.push_str(&format!(", ws-headers=Host:{host}"));
                    }
                    s
                }
                Transport::Grpc { .. } => return None,
            };
            let tls = if *tls {
                format!(", tls=true, sni={sni}, skip-cert-verify={skip}")
            } else {
                String::new()
            };
            Some(format!(
                "{name} = vmess, {server}, {port}, username={uuid}{ws}{tls}, vmess-aead=true"
            ))
        }
        Kind::Trojan {
            password,
            transport,
        } => {
            line_safe(&[password]).then_some(())?;
            let ws = match transport {
                Transport::Tcp => String::new(),
                Transport::Ws { path, host } => {
                    line_safe(&[path, host]).then_some(())?;
                    let mut s = format!(", ws=true, ws-path={path}");
                    if !host.is_empty() {
                        s.push_str(&format!(", ws-headers=Host:{host}"));
                    }
                    s
                }
                Transport::Grpc { .. } => return None,
            };
            Some(format!(
                "{name} = trojan, {server}, {port}, password={password}{ws}, sni={sni}, skip-cert-verify={skip}"
            ))
        }
        Kind::Ssr { .. } | Kind::Vless { .. } | Kind::Tuic { .. } => None,
    }
}

pub fn render(proxies: &[Proxy]) -> String {
    let mut names = Vec::new();
    let mut lines = Vec::new();
    for p in proxies {
        if let Some(l) = line(p) {
            names.push(line_name(&p.name));
            lines.push(l);
        }
    }
    let mut out = String::from(
        "[General]\nloglevel = notify\ndns-server = system\n\
         skip-proxy = 127.0.0.1, 192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12, localhost, *.local\n\n\
         [Proxy]\nDIRECT = direct\n",
    );
    for l in &lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str("\n[Proxy Group]\n");
    if names.is_empty() {
        out.push_str("Proxy = select, DIRECT\n");
    } else {
        let all = names.join(", ");
        out.push_str(&format!("Proxy = select, Auto, {all}\n"));
        out.push_str(&format!(
            "Auto = url-test, {all}, url=http://www.gstatic.com/generate_204, interval=600\n"
        ));
    }
    out.push_str(
        "\n[Rule]\nIP-CIDR,127.0.0.0/8,DIRECT\nIP-CIDR,192.168.0.0/16,DIRECT\n\
         IP-CIDR,10.0.0.0/8,DIRECT\nGEOIP,CN,DIRECT\nFINAL,Proxy\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::proxies;
    use super::*;

    #[test]
    fn profile_sections() {
        let text = render(&proxies());
        let proxy_lines: Vec<_> = text
            .split("[Proxy]\n")
            .nth(1)
            .unwrap()
            .split("\n\n")
            .next()
            .unwrap()
            .lines()
            .collect();
        // DIRECT + ss, ss2022, vmess, trojan
        assert_eq!(proxy_lines.len(), 5);
        assert_eq!(
            proxy_lines[1],
            "node1 = ss, n1.example.com, 10001, encrypt-method=aes-256-gcm, password=p@ss, udp-relay=true"
        );
        assert!(text.contains("Proxy = select, Auto, node1, node3, node4, node6\n"));
        assert!(text.ends_with("FINAL,Proxy\n"));
    }
}
