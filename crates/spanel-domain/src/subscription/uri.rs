//! Share links (`ss://`, `ssr://`, `vmess://`, `vless://`, `trojan://`) and the base64 lists of
//! them that v2rayN, Shadowrocket and SSPanel's classic `?sub=` links serve.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use super::{Kind, Proxy, Security, Transport, Usage};

/// Everything but RFC 3986 unreserved characters is escaped.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

fn b64url(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s.as_bytes())
}

/// `host:port`, with IPv6 literals bracketed.
fn host_port(p: &Proxy) -> String {
    if p.server.contains(':') && !p.server.starts_with('[') {
        format!("[{}]:{}", p.server, p.port)
    } else {
        format!("{}:{}", p.server, p.port)
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// v2rayN's VMess share JSON (all values strings, as v2rayN exports them).
#[derive(Serialize)]
struct VmessJson<'a> {
    v: &'a str,
    ps: &'a str,
    add: &'a str,
    port: String,
    id: &'a str,
    aid: &'a str,
    scy: &'a str,
    net: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    host: &'a str,
    path: &'a str,
    tls: &'a str,
    sni: &'a str,
}

fn transport_params(t: &Transport) -> (&str, &str, &str) {
    match t {
        Transport::Tcp => ("tcp", "", ""),
        Transport::Ws { path, host } => ("ws", path.as_str(), host.as_str()),
        Transport::Grpc { service_name } => ("grpc", service_name.as_str(), ""),
    }
}

/// The share link of a proxy, or None for kinds without one (TUIC).
pub fn link(p: &Proxy) -> Option<String> {
    let name = enc(&p.name);
    Some(match &p.kind {
        Kind::Ss { method, password } => format!(
            "ss://{}@{}#{name}",
            b64url(&format!("{method}:{password}")),
            host_port(p)
        ),
        Kind::Ssr {
            method,
            password,
            protocol,
            protocol_param,
            obfs,
            obfs_param,
        } => {
            let body = format!(
                "{}:{protocol}:{method}:{obfs}:{}/?obfsparam={}&protoparam={}&remarks={}",
                host_port(p),
                b64url(password),
                b64url(obfs_param),
                b64url(protocol_param),
                b64url(&p.name)
            );
            format!("ssr://{}", b64url(&body))
        }
        Kind::Vmess {
            uuid,
            transport,
            tls,
        } => {
            let (net, path, host) = transport_params(transport);
            let json = VmessJson {
                v: "2",
                ps: &p.name,
                add: &p.server,
                port: p.port.to_string(),
                id: uuid,
                aid: "0",
                scy: "auto",
                net,
                kind: "none",
                host,
                path,
                tls: if *tls { "tls" } else { "" },
                sni: if *tls { &p.sni } else { "" },
            };
            let text = serde_json::to_string(&json).ok()?;
            format!("vmess://{}", STANDARD.encode(text))
        }
        Kind::Vless {
            uuid,
            transport,
            security,
            flow,
        } => {
            let (net, path, host) = transport_params(transport);
            let (sec, pbk, sid) = match security {
                Security::None => ("none", "", ""),
                Security::Tls => ("tls", "", ""),
                Security::Reality {
                    public_key,
                    short_id,
                } => ("reality", public_key.as_str(), short_id.as_str()),
            };
            let grpc = matches!(transport, Transport::Grpc { .. });
            let fp = if sec == "reality" { "chrome" } else { "" };
            let q = query(&[
                ("encryption", "none"),
                ("security", sec),
                ("type", net),
                ("path", if grpc { "" } else { path }),
                ("serviceName", if grpc { path } else { "" }),
                ("host", host),
                ("sni", if sec == "none" { "" } else { &p.sni }),
                ("flow", flow),
                ("pbk", pbk),
                ("sid", sid),
                ("fp", fp),
                ("allowInsecure", if p.allow_insecure { "1" } else { "" }),
            ]);
            format!("vless://{}@{}?{q}#{name}", enc(uuid), host_port(p))
        }
        Kind::Trojan {
            password,
            transport,
        } => {
            let (net, path, host) = transport_params(transport);
            let grpc = matches!(transport, Transport::Grpc { .. });
            let q = query(&[
                ("sni", &p.sni),
                ("type", if net == "tcp" { "" } else { net }),
                ("path", if grpc { "" } else { path }),
                ("serviceName", if grpc { path } else { "" }),
                ("host", host),
                ("allowInsecure", if p.allow_insecure { "1" } else { "" }),
            ]);
            let q = if q.is_empty() { q } else { format!("?{q}") };
            format!("trojan://{}@{}{q}#{name}", enc(password), host_port(p))
        }
        Kind::Tuic { .. } => return None,
    })
}

fn uri_lines(proxies: &[Proxy], keep: impl Fn(&Proxy) -> bool) -> Vec<String> {
    proxies
        .iter()
        .filter(|p| keep(p))
        .filter_map(link)
        .collect()
}

/// base64 of the newline-joined links of the proxies `keep` selects.
pub fn base64_list(proxies: &[Proxy], keep: impl Fn(&Proxy) -> bool) -> String {
    STANDARD.encode(uri_lines(proxies, keep).join("\n"))
}

fn gb(bytes: i64) -> String {
    format!("{:.2}GB", bytes as f64 / super::super::GB as f64)
}

/// Shadowrocket: a base64 list whose first line is a `STATUS=` line with usage and expiry.
pub fn shadowrocket(proxies: &[Proxy], usage: &Usage) -> String {
    let expire = chrono::DateTime::from_timestamp(usage.expire, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut lines = vec![format!(
        "STATUS=↑:{},↓:{},TOT:{}💡Expires:{expire}",
        gb(usage.upload),
        gb(usage.download),
        gb(usage.total)
    )];
    lines.extend(uri_lines(proxies, |_| true));
    STANDARD.encode(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::proxies;
    use super::*;

    fn unb64(s: &str) -> String {
        let s = s.trim_end_matches('=');
        String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(s.replace('+', "-").replace('/', "_"))
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn ss_link_is_sip002() {
        let p = &proxies()[0];
        let l = link(p).unwrap();
        let rest = l.strip_prefix("ss://").unwrap();
        let (user, tail) = rest.split_once('@').unwrap();
        assert_eq!(unb64(user), "aes-256-gcm:p@ss");
        assert_eq!(tail, "n1.example.com:10001#node1");
    }

    #[test]
    fn ssr_link_round_trips() {
        let l = link(&proxies()[1]).unwrap();
        let body = unb64(l.strip_prefix("ssr://").unwrap());
        let (main, params) = body.split_once("/?").unwrap();
        let parts: Vec<_> = main.split(':').collect();
        assert_eq!(
            parts[..5],
            [
                "n2.example.com",
                "10001",
                "auth_aes128_md5",
                "aes-256-gcm",
                "tls1.2_ticket_auth"
            ]
        );
        assert_eq!(unb64(parts[5]), "p@ss");
        let remarks = params
            .split('&')
            .find_map(|kv| kv.strip_prefix("remarks="))
            .unwrap();
        assert_eq!(unb64(remarks), "node2");
        let obfs = params
            .split('&')
            .find_map(|kv| kv.strip_prefix("obfsparam="))
            .unwrap();
        assert_eq!(unb64(obfs), "bing.com");
    }

    #[test]
    fn vmess_link_is_v2rayn_json() {
        let l = link(&proxies()[3]).unwrap();
        let json: serde_json::Value = serde_json::from_slice(
            &STANDARD
                .decode(l.strip_prefix("vmess://").unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(json["add"], "n4.example.com");
        assert_eq!(json["port"], "443");
        assert_eq!(json["id"], "11111111-2222-3333-4444-555555555555");
        assert_eq!(json["net"], "ws");
        assert_eq!(json["path"], "/ws");
        assert_eq!(json["host"], "cdn.example.com");
        assert_eq!(json["tls"], "tls");
        assert_eq!(json["aid"], "0");
    }

    #[test]
    fn vless_and_trojan_links() {
        let p = proxies();
        assert_eq!(
            link(&p[4]).unwrap(),
            "vless://11111111-2222-3333-4444-555555555555@n5.example.com:8443?encryption=none\
             &security=reality&type=tcp&sni=www.apple.com&flow=xtls-rprx-vision&pbk=PUBKEY\
             &sid=ab12&fp=chrome#node5"
        );
        assert_eq!(
            link(&p[5]).unwrap(),
            "trojan://11111111-2222-3333-4444-555555555555@n6.example.com:443?sni=tj.example.com#node6"
        );
        assert!(link(&p[6]).is_none());
    }

    #[test]
    fn shadowrocket_has_status_line() {
        let usage = Usage {
            upload: super::super::super::GB as i64,
            download: 0,
            total: 10 * super::super::super::GB as i64,
            expire: 4_000_000_000,
        };
        let text =
            String::from_utf8(STANDARD.decode(shadowrocket(&proxies(), &usage)).unwrap()).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "STATUS=↑:1.00GB,↓:0.00GB,TOT:10.00GB💡Expires:2096-10-02"
        );
        assert_eq!(text.lines().count(), 1 + 6);
    }
}
