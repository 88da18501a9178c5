//! Subscriptions: the proxies a user may use, built from `node` and `user` rows, and rendered in
//! each client's format. Pure: no I/O.

pub mod clash;
pub mod quanx;
pub mod singbox;
pub mod sip008;
pub mod surge;
pub mod uri;

use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The node columns a subscription needs.
#[derive(Debug, Clone, Default)]
pub struct NodeInfo {
    pub id: i64,
    pub name: String,
    pub server: String,
    pub custom_config: String,
    pub sort: i64,
    pub mu_only: i64,
}

/// The user columns a subscription needs.
#[derive(Debug, Clone, Default)]
pub struct UserInfo {
    pub port: i64,
    pub passwd: String,
    pub uuid: String,
    pub method: String,
    pub protocol: String,
    pub protocol_param: String,
    pub obfs: String,
    pub obfs_param: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Ws { path: String, host: String },
    Grpc { service_name: String },
}

impl Transport {
    pub fn network(&self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Ws { .. } => "ws",
            Transport::Grpc { .. } => "grpc",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    None,
    Tls,
    Reality {
        public_key: String,
        short_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Ss {
        method: String,
        password: String,
    },
    Ssr {
        method: String,
        password: String,
        protocol: String,
        protocol_param: String,
        obfs: String,
        obfs_param: String,
    },
    Vmess {
        uuid: String,
        transport: Transport,
        tls: bool,
    },
    Vless {
        uuid: String,
        transport: Transport,
        security: Security,
        flow: String,
    },
    Trojan {
        password: String,
        transport: Transport,
    },
    Tuic {
        uuid: String,
        password: String,
    },
}

/// One proxy as clients see it. `sni` is empty when the client should use `server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub name: String,
    pub server: String,
    pub port: u16,
    pub sni: String,
    pub allow_insecure: bool,
    pub kind: Kind,
}

impl Proxy {
    /// The name clients key groups on; `sni` falls back to the server.
    pub fn sni_or_server(&self) -> &str {
        if self.sni.is_empty() {
            &self.server
        } else {
            &self.sni
        }
    }
}

fn cfg_str(cfg: &Map<String, Value>, key: &str) -> String {
    match cfg.get(key) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => if *b { "1" } else { "0" }.to_string(),
        _ => String::new(),
    }
}

fn cfg_bool(cfg: &Map<String, Value>, key: &str) -> bool {
    matches!(cfg_str(cfg, key).as_str(), "1" | "true")
}

fn parse_port(s: &str) -> Option<u16> {
    s.trim().parse::<u16>().ok().filter(|p| *p > 0)
}

/// The node's own port (`offset_port_node`, then `port`), else 443.
fn node_port(cfg: &Map<String, Value>) -> u16 {
    parse_port(&cfg_str(cfg, "offset_port_node"))
        .or_else(|| parse_port(&cfg_str(cfg, "port")))
        .unwrap_or(443)
}

fn transport(cfg: &Map<String, Value>) -> Option<Transport> {
    match cfg_str(cfg, "network").to_ascii_lowercase().as_str() {
        "" | "tcp" => Some(Transport::Tcp),
        "ws" => Some(Transport::Ws {
            path: match cfg_str(cfg, "path") {
                p if p.is_empty() => "/".into(),
                p => p,
            },
            host: cfg_str(cfg, "host"),
        }),
        "grpc" => Some(Transport::Grpc {
            service_name: cfg_str(cfg, "servicename"),
        }),
        _ => None,
    }
}

/// Key length in bytes of a Shadowsocks 2022 method (None: not a 2022 method).
pub fn ss2022_key_len(method: &str) -> Option<usize> {
    match method {
        "2022-blake3-aes-128-gcm" => Some(16),
        "2022-blake3-aes-256-gcm" | "2022-blake3-chacha20-poly1305" => Some(32),
        _ => None,
    }
}

/// A user's Shadowsocks 2022 key: base64 of the first 16 or 32 bytes of SHA-256(user uuid), so
/// it is stable, per user, and of the exact length the method requires. The node API sends the
/// same key as `passwd` for sort 1.
pub fn ss2022_user_key(uuid: &str, method: &str) -> Option<String> {
    let len = ss2022_key_len(method)?;
    let digest = Sha256::digest(uuid.as_bytes());
    Some(base64::engine::general_purpose::STANDARD.encode(&digest[..len]))
}

/// Builds the proxy a user gets for a node, or None when the node cannot be expressed
/// (unknown sort, bad port, unknown transport).
pub fn build_proxy(node: &NodeInfo, user: &UserInfo) -> Option<Proxy> {
    let cfg = match serde_json::from_str::<Value>(&node.custom_config) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let server = node.server.trim().to_string();
    if server.is_empty() {
        return None;
    }
    let host = cfg_str(&cfg, "host");
    let allow_insecure = cfg_bool(&cfg, "allow_insecure");
    let mut proxy = Proxy {
        name: node.name.clone(),
        server,
        port: 443,
        sni: String::new(),
        allow_insecure,
        kind: Kind::Tuic {
            uuid: String::new(),
            password: String::new(),
        },
    };
    match node.sort {
        0 => {
            proxy.port = if node.mu_only == 1 {
                node_port(&cfg)
            } else {
                let offset = cfg_str(&cfg, "offset_port_user")
                    .parse::<i64>()
                    .unwrap_or(0);
                u16::try_from(user.port + offset).ok().filter(|p| *p > 0)?
            };
            let plain = |s: &str| s.is_empty() || s == "origin" || s == "plain";
            proxy.kind = if plain(&user.protocol) && plain(&user.obfs) {
                Kind::Ss {
                    method: user.method.clone(),
                    password: user.passwd.clone(),
                }
            } else {
                Kind::Ssr {
                    method: user.method.clone(),
                    password: user.passwd.clone(),
                    protocol: user.protocol.clone(),
                    protocol_param: user.protocol_param.clone(),
                    obfs: user.obfs.clone(),
                    obfs_param: user.obfs_param.clone(),
                }
            };
        }
        1 => {
            let method = match cfg_str(&cfg, "method") {
                m if m.is_empty() => "2022-blake3-aes-128-gcm".to_string(),
                m => m,
            };
            let user_key = ss2022_user_key(&user.uuid, &method)?;
            let server_key = cfg_str(&cfg, "server_key");
            proxy.port = node_port(&cfg);
            proxy.kind = Kind::Ss {
                password: if server_key.is_empty() {
                    user_key
                } else {
                    format!("{server_key}:{user_key}")
                },
                method,
            };
        }
        11 => {
            proxy.port = node_port(&cfg);
            let transport = transport(&cfg)?;
            let security = match cfg_str(&cfg, "security").to_ascii_lowercase().as_str() {
                "reality" => "reality".to_string(),
                "tls" | "xtls" => "tls".to_string(),
                _ if cfg_bool(&cfg, "enable_reality") => "reality".to_string(),
                _ if matches!(cfg_str(&cfg, "tls").as_str(), "1" | "tls" | "true") => {
                    "tls".to_string()
                }
                _ => "none".to_string(),
            };
            let vless = cfg_bool(&cfg, "enable_vless") || security == "reality";
            proxy.sni = host;
            if vless {
                let security = match security.as_str() {
                    "reality" => {
                        let opts = cfg
                            .get("reality-opts")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        let public_key = cfg_str(&opts, "public-key");
                        if public_key.is_empty() {
                            return None;
                        }
                        let server_name = cfg_str(&opts, "server-name");
                        if !server_name.is_empty() {
                            proxy.sni = server_name;
                        }
                        Security::Reality {
                            public_key,
                            short_id: cfg_str(&opts, "short-id"),
                        }
                    }
                    "tls" => Security::Tls,
                    _ => Security::None,
                };
                proxy.kind = Kind::Vless {
                    uuid: user.uuid.clone(),
                    transport,
                    security,
                    flow: cfg_str(&cfg, "flow"),
                };
            } else {
                proxy.kind = Kind::Vmess {
                    uuid: user.uuid.clone(),
                    transport,
                    tls: security == "tls",
                };
            }
        }
        14 => {
            proxy.port = node_port(&cfg);
            proxy.sni = host;
            proxy.kind = Kind::Trojan {
                password: user.uuid.clone(),
                transport: transport(&cfg)?,
            };
        }
        2 => {
            proxy.port = node_port(&cfg);
            proxy.sni = host;
            proxy.kind = Kind::Tuic {
                uuid: user.uuid.clone(),
                password: user.passwd.clone(),
            };
        }
        _ => return None,
    }
    Some(proxy)
}

/// Line formats (Surge, Quantumult X) separate fields with `,` and `=`: a name keeps its text
/// with those characters replaced; other values containing them cannot be written safely.
pub(crate) fn line_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if matches!(c, ',' | '=' | '"' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

pub(crate) fn line_safe(values: &[&str]) -> bool {
    values.iter().all(|v| !v.contains([',', '"', '\n', '\r']))
}

/// Makes names unique (clients key groups on them): later duplicates get ` 2`, ` 3`, ….
pub fn unique_names(proxies: &mut [Proxy]) {
    let mut seen = std::collections::HashSet::new();
    for p in proxies.iter_mut() {
        if p.name.trim().is_empty() {
            p.name = format!("{}:{}", p.server, p.port);
        }
        let base = p.name.clone();
        let mut n = 1;
        while !seen.insert(p.name.clone()) {
            n += 1;
            p.name = format!("{base} {n}");
        }
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Clash,
    Singbox,
    /// base64 URI list of every kind (v2rayN and the like).
    Base64,
    /// base64 list of SS and SSR only (SSPanel's `?sub=1`).
    SsList,
    /// base64 list of VMess only (SSPanel's `?sub=3`).
    VmessList,
    Shadowrocket,
    Quanx,
    Surge,
    Sip008,
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "clash" | "mihomo" | "clashmeta" | "clash-meta" | "meta" | "stash" => Target::Clash,
            "singbox" | "sing-box" => Target::Singbox,
            "base64" | "v2rayn" | "v2rayng" | "v2ray" | "uri" | "general" => Target::Base64,
            "ss" | "ssr" => Target::SsList,
            "vmess" => Target::VmessList,
            "shadowrocket" => Target::Shadowrocket,
            "quanx" | "quantumultx" | "quantumult" | "quantumult-x" => Target::Quanx,
            "surge" | "loon" | "surfboard" => Target::Surge,
            "sip008" => Target::Sip008,
            _ => return None,
        })
    }

    /// The name stored in `user_subscribe_log.subscribe_type`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Clash => "clash",
            Target::Singbox => "singbox",
            Target::Base64 => "base64",
            Target::SsList => "ss",
            Target::VmessList => "vmess",
            Target::Shadowrocket => "shadowrocket",
            Target::Quanx => "quanx",
            Target::Surge => "surge",
            Target::Sip008 => "sip008",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Target::Clash => "yaml",
            Target::Singbox | Target::Sip008 => "json",
            Target::Surge => "conf",
            _ => "txt",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Target::Clash => "text/yaml; charset=utf-8",
            Target::Singbox | Target::Sip008 => "application/json; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        }
    }

    /// The format a client wants, from its User-Agent.
    pub fn from_user_agent(ua: &str) -> Target {
        let ua = ua.to_ascii_lowercase();
        let has = |s: &str| ua.contains(s);
        let sing_app = ["sfa/", "sfi/", "sfm/", "sft/"]
            .iter()
            .any(|a| ua.starts_with(a));
        if has("sing-box") || has("singbox") || sing_app {
            Target::Singbox
        } else if has("clash") || has("mihomo") || has("stash") {
            Target::Clash
        } else if has("shadowrocket") {
            Target::Shadowrocket
        } else if has("quantumult") {
            Target::Quanx
        } else if has("surge") || has("loon") || has("surfboard") {
            Target::Surge
        } else {
            Target::Base64
        }
    }

    /// SSPanel's classic `/link/{token}` query forms.
    pub fn from_classic_query(q: &std::collections::HashMap<String, String>) -> Option<Target> {
        let on = |k: &str| q.get(k).is_some_and(|v| !v.is_empty() && v != "0");
        if on("clash") {
            return Some(Target::Clash);
        }
        if on("surge") || on("surfboard") {
            return Some(Target::Surge);
        }
        if on("quantumult") || on("quantumultx") {
            return Some(Target::Quanx);
        }
        if on("shadowrocket") {
            return Some(Target::Shadowrocket);
        }
        if on("sip008") {
            return Some(Target::Sip008);
        }
        if on("singbox") {
            return Some(Target::Singbox);
        }
        if let Some(v) = q.get("sub") {
            return Some(match v.as_str() {
                "1" | "2" => Target::SsList,
                "3" => Target::VmessList,
                _ => Target::Base64,
            });
        }
        if let Some(v) = q.get("list") {
            return Some(match v.as_str() {
                "ss" | "ssr" | "sip002" => Target::SsList,
                "v2rayn" | "vmess" => Target::VmessList,
                "quantumultx" | "quanx" => Target::Quanx,
                "surge" => Target::Surge,
                "clash" => Target::Clash,
                "sip008" => Target::Sip008,
                _ => Target::Base64,
            });
        }
        None
    }
}

/// Traffic and expiry shown by clients (`subscription-userinfo`, Shadowrocket's STATUS line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub upload: i64,
    pub download: i64,
    pub total: i64,
    pub expire: i64,
}

impl Usage {
    pub fn header(&self) -> String {
        format!(
            "upload={}; download={}; total={}; expire={}",
            self.upload, self.download, self.total, self.expire
        )
    }
}

/// Renders proxies in a format. `clash_template` is the operator's Clash template (may be empty).
pub fn render(
    target: Target,
    proxies: &[Proxy],
    usage: &Usage,
    clash_template: &str,
) -> anyhow::Result<String> {
    Ok(match target {
        Target::Clash => clash::render(proxies, clash_template)?,
        Target::Singbox => singbox::render(proxies)?,
        Target::Base64 => uri::base64_list(proxies, |_| true),
        Target::SsList => uri::base64_list(proxies, |p| {
            matches!(p.kind, Kind::Ss { .. } | Kind::Ssr { .. })
        }),
        Target::VmessList => uri::base64_list(proxies, |p| matches!(p.kind, Kind::Vmess { .. })),
        Target::Shadowrocket => uri::shadowrocket(proxies, usage),
        Target::Quanx => quanx::render(proxies),
        Target::Surge => surge::render(proxies),
        Target::Sip008 => sip008::render(proxies)?,
    })
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn user() -> UserInfo {
        UserInfo {
            port: 10001,
            passwd: "p@ss".into(),
            uuid: "11111111-2222-3333-4444-555555555555".into(),
            method: "aes-256-gcm".into(),
            protocol: "origin".into(),
            protocol_param: String::new(),
            obfs: "plain".into(),
            obfs_param: String::new(),
        }
    }

    pub fn node(id: i64, sort: i64, cfg: &str) -> NodeInfo {
        NodeInfo {
            id,
            name: format!("node{id}"),
            server: format!("n{id}.example.com"),
            custom_config: cfg.into(),
            sort,
            mu_only: 0,
        }
    }

    pub fn proxies() -> Vec<Proxy> {
        let u = user();
        let mut ssr = u.clone();
        ssr.protocol = "auth_aes128_md5".into();
        ssr.obfs = "tls1.2_ticket_auth".into();
        ssr.obfs_param = "bing.com".into();
        vec![
            build_proxy(&node(1, 0, ""), &u).unwrap(),
            build_proxy(&node(2, 0, ""), &ssr).unwrap(),
            build_proxy(
                &node(3, 1, r#"{"method":"2022-blake3-aes-128-gcm","server_key":"c2VydmVya2V5MTIzNDU2Nw==","offset_port_node":"8388"}"#),
                &u,
            )
            .unwrap(),
            build_proxy(
                &node(4, 11, r#"{"offset_port_node":"443","network":"ws","path":"/ws","host":"cdn.example.com","security":"tls"}"#),
                &u,
            )
            .unwrap(),
            build_proxy(
                &node(5, 11, r#"{"offset_port_node":"8443","enable_vless":"1","security":"reality","flow":"xtls-rprx-vision","reality-opts":{"public-key":"PUBKEY","short-id":"ab12","server-name":"www.apple.com"}}"#),
                &u,
            )
            .unwrap(),
            build_proxy(&node(6, 14, r#"{"offset_port_node":"443","host":"tj.example.com"}"#), &u)
                .unwrap(),
            build_proxy(&node(7, 2, r#"{"offset_port_node":"8443","host":"tuic.example.com"}"#), &u)
                .unwrap(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn sorts_become_proxies() {
        let p = proxies();
        assert!(
            matches!(&p[0].kind, Kind::Ss { method, password } if method == "aes-256-gcm" && password == "p@ss")
        );
        assert_eq!(p[0].port, 10001);
        assert!(matches!(&p[1].kind, Kind::Ssr { protocol, .. } if protocol == "auth_aes128_md5"));
        match &p[2].kind {
            Kind::Ss { method, password } => {
                assert_eq!(method, "2022-blake3-aes-128-gcm");
                let (server, user) = password.split_once(':').unwrap();
                assert_eq!(server, "c2VydmVya2V5MTIzNDU2Nw==");
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(user)
                    .unwrap();
                assert_eq!(raw.len(), 16);
                assert_eq!(
                    raw[..],
                    Sha256::digest(b"11111111-2222-3333-4444-555555555555")[..16]
                );
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(p[2].port, 8388);
        assert!(
            matches!(&p[3].kind, Kind::Vmess { tls: true, transport: Transport::Ws { path, host }, .. } if path == "/ws" && host == "cdn.example.com")
        );
        assert_eq!(p[3].sni, "cdn.example.com");
        match &p[4].kind {
            Kind::Vless { security, flow, .. } => {
                assert_eq!(flow, "xtls-rprx-vision");
                assert_eq!(
                    security,
                    &Security::Reality {
                        public_key: "PUBKEY".into(),
                        short_id: "ab12".into()
                    }
                );
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(p[4].sni, "www.apple.com");
        assert!(
            matches!(&p[5].kind, Kind::Trojan { password, .. } if password == "11111111-2222-3333-4444-555555555555")
        );
        assert!(matches!(&p[6].kind, Kind::Tuic { .. }));
    }

    #[test]
    fn unexpressible_nodes_are_dropped() {
        let u = user();
        assert!(build_proxy(&node(1, 9, ""), &u).is_none());
        assert!(build_proxy(&node(1, 11, r#"{"network":"quic"}"#), &u).is_none());
        assert!(build_proxy(&node(1, 1, r#"{"method":"aes-128-gcm"}"#), &u).is_none());
        assert!(build_proxy(
            &node(1, 11, r#"{"security":"reality","enable_vless":"1"}"#),
            &u
        )
        .is_none());
        let mut bad_port = u.clone();
        bad_port.port = 70000;
        assert!(build_proxy(&node(1, 0, ""), &bad_port).is_none());
    }

    #[test]
    fn missing_port_falls_back_to_443() {
        let p = build_proxy(&node(1, 14, "{}"), &user()).unwrap();
        assert_eq!(p.port, 443);
        let p = build_proxy(&node(1, 11, r#"{"port":"2053"}"#), &user()).unwrap();
        assert_eq!(p.port, 2053);
    }

    #[test]
    fn user_agents_pick_formats() {
        for (ua, t) in [
            ("ClashforWindows/0.20.39", Target::Clash),
            ("clash.meta", Target::Clash),
            ("mihomo/1.18", Target::Clash),
            ("Stash/2.4.0 Clash/1.9.0", Target::Clash),
            ("sing-box 1.8.0", Target::Singbox),
            ("Shadowrocket/1993 CFNetwork/1399", Target::Shadowrocket),
            ("Quantumult%20X/1.0.30", Target::Quanx),
            ("Surge iOS/2920", Target::Surge),
            ("Loon/3.1", Target::Surge),
            ("v2rayN/6.23", Target::Base64),
            ("v2rayNG/1.8.5", Target::Base64),
            ("curl/8.0", Target::Base64),
            ("", Target::Base64),
        ] {
            assert_eq!(Target::from_user_agent(ua), t, "{ua}");
        }
    }

    #[test]
    fn classic_queries_map_to_formats() {
        let q =
            |k: &str, v: &str| std::collections::HashMap::from([(k.to_string(), v.to_string())]);
        assert_eq!(
            Target::from_classic_query(&q("sub", "1")),
            Some(Target::SsList)
        );
        assert_eq!(
            Target::from_classic_query(&q("sub", "3")),
            Some(Target::VmessList)
        );
        assert_eq!(
            Target::from_classic_query(&q("clash", "1")),
            Some(Target::Clash)
        );
        assert_eq!(
            Target::from_classic_query(&q("surge", "4")),
            Some(Target::Surge)
        );
        assert_eq!(
            Target::from_classic_query(&q("quantumult", "3")),
            Some(Target::Quanx)
        );
        assert_eq!(
            Target::from_classic_query(&q("list", "ssr")),
            Some(Target::SsList)
        );
        assert_eq!(Target::from_classic_query(&q("x", "1")), None);
    }
}
