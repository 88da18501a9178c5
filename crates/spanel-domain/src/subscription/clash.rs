//! Clash / mihomo (Clash.Meta) / Stash YAML.
//!
//! The operator's template (`sub_clash_template`) is a Clash config without `proxies`: its
//! `proxy-groups` may list the placeholder `{{proxies}}`, which expands in place to every proxy
//! name. `rules` always end with a `MATCH` (one to the first group is appended if missing).

use serde_norway::{Mapping, Value};

use super::{Kind, Proxy, Security, Transport};

pub const PLACEHOLDER: &str = "{{proxies}}";

pub const DEFAULT_TEMPLATE: &str = r#"mixed-port: 7890
allow-lan: false
mode: rule
log-level: info
proxy-groups:
  - name: Proxy
    type: select
    proxies: [Auto, "{{proxies}}", DIRECT]
  - name: Auto
    type: url-test
    url: http://www.gstatic.com/generate_204
    interval: 300
    proxies: ["{{proxies}}"]
rules:
  - DOMAIN-SUFFIX,local,DIRECT
  - IP-CIDR,127.0.0.0/8,DIRECT,no-resolve
  - IP-CIDR,10.0.0.0/8,DIRECT,no-resolve
  - IP-CIDR,172.16.0.0/12,DIRECT,no-resolve
  - IP-CIDR,192.168.0.0/16,DIRECT,no-resolve
  - GEOIP,CN,DIRECT
  - MATCH,Proxy
"#;

struct M(Mapping);

impl M {
    fn new() -> M {
        M(Mapping::new())
    }
    fn set(mut self, k: &str, v: impl Into<Value>) -> M {
        self.0.insert(Value::from(k), v.into());
        self
    }
    fn set_if(self, cond: bool, k: &str, v: impl Into<Value>) -> M {
        if cond {
            self.set(k, v)
        } else {
            self
        }
    }
    fn value(self) -> Value {
        Value::Mapping(self.0)
    }
}

fn transport_opts(m: M, t: &Transport) -> M {
    match t {
        Transport::Tcp => m,
        Transport::Ws { path, host } => {
            let mut ws = M::new().set("path", path.as_str());
            if !host.is_empty() {
                ws = ws.set("headers", M::new().set("Host", host.as_str()).value());
            }
            m.set("network", "ws").set("ws-opts", ws.value())
        }
        Transport::Grpc { service_name } => m.set("network", "grpc").set(
            "grpc-opts",
            M::new()
                .set("grpc-service-name", service_name.as_str())
                .value(),
        ),
    }
}

/// One proxy as a Clash (mihomo) proxy mapping.
pub fn proxy(p: &Proxy) -> Option<Value> {
    let base = M::new()
        .set("name", p.name.as_str())
        .set("server", p.server.as_str())
        .set("port", p.port);
    let sni = p.sni_or_server().to_string();
    let m = match &p.kind {
        Kind::Ss { method, password } => base
            .set("type", "ss")
            .set("cipher", method.as_str())
            .set("password", password.as_str())
            .set("udp", true),
        Kind::Ssr {
            method,
            password,
            protocol,
            protocol_param,
            obfs,
            obfs_param,
        } => base
            .set("type", "ssr")
            .set("cipher", method.as_str())
            .set("password", password.as_str())
            .set("protocol", protocol.as_str())
            .set("protocol-param", protocol_param.as_str())
            .set("obfs", obfs.as_str())
            .set("obfs-param", obfs_param.as_str())
            .set("udp", true),
        Kind::Vmess {
            uuid,
            transport,
            tls,
        } => {
            let m = base
                .set("type", "vmess")
                .set("uuid", uuid.as_str())
                .set("alterId", 0)
                .set("cipher", "auto")
                .set("udp", true)
                .set("tls", *tls)
                .set_if(*tls, "servername", sni)
                .set_if(*tls, "skip-cert-verify", p.allow_insecure);
            transport_opts(m, transport)
        }
        Kind::Vless {
            uuid,
            transport,
            security,
            flow,
        } => {
            let tls = !matches!(security, Security::None);
            let mut m = base
                .set("type", "vless")
                .set("uuid", uuid.as_str())
                .set("udp", true)
                .set("tls", tls)
                .set_if(tls, "servername", sni)
                .set_if(!flow.is_empty(), "flow", flow.as_str())
                .set_if(tls, "skip-cert-verify", p.allow_insecure);
            if let Security::Reality {
                public_key,
                short_id,
            } = security
            {
                m = m
                    .set(
                        "reality-opts",
                        M::new()
                            .set("public-key", public_key.as_str())
                            .set("short-id", short_id.as_str())
                            .value(),
                    )
                    .set("client-fingerprint", "chrome");
            }
            transport_opts(m, transport)
        }
        Kind::Trojan {
            password,
            transport,
        } => {
            let m = base
                .set("type", "trojan")
                .set("password", password.as_str())
                .set("sni", sni)
                .set("skip-cert-verify", p.allow_insecure)
                .set("udp", true);
            transport_opts(m, transport)
        }
        Kind::Tuic { uuid, password } => base
            .set("type", "tuic")
            .set("uuid", uuid.as_str())
            .set("password", password.as_str())
            .set("sni", sni)
            .set("alpn", Value::Sequence(vec!["h3".into()]))
            .set("congestion-controller", "bbr")
            .set("udp-relay-mode", "native")
            .set("skip-cert-verify", p.allow_insecure),
    };
    Some(m.value())
}

/// Expands `{{proxies}}` in every group's `proxies`; a group left empty gets `DIRECT` (Clash
/// refuses empty groups).
fn expand_groups(groups: &mut Value, names: &[String]) {
    let Some(groups) = groups.as_sequence_mut() else {
        return;
    };
    for g in groups.iter_mut() {
        let Some(list) = g.get_mut("proxies").and_then(Value::as_sequence_mut) else {
            continue;
        };
        let mut out = Vec::with_capacity(list.len() + names.len());
        for item in list.drain(..) {
            if item.as_str() == Some(PLACEHOLDER) {
                out.extend(names.iter().map(|n| Value::from(n.as_str())));
            } else {
                out.push(item);
            }
        }
        if out.is_empty() {
            out.push("DIRECT".into());
        }
        *list = out;
    }
}

fn parse_template(text: &str) -> Option<Mapping> {
    match serde_norway::from_str::<Value>(text).ok()? {
        Value::Mapping(m) if m.get("proxy-groups").is_some_and(Value::is_sequence) => Some(m),
        _ => None,
    }
}

pub fn render(proxies: &[Proxy], template: &str) -> anyhow::Result<String> {
    let tpl = if template.trim().is_empty() {
        None
    } else {
        parse_template(template)
    };
    let tpl = match tpl {
        Some(t) => t,
        None => parse_template(DEFAULT_TEMPLATE).expect("the default template is valid"),
    };
    let list: Vec<Value> = proxies.iter().filter_map(proxy).collect();
    let names: Vec<String> = list
        .iter()
        .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();

    let mut out = Mapping::new();
    let mut first_group = None;
    for (k, v) in tpl {
        let key = k.as_str().unwrap_or_default().to_string();
        match key.as_str() {
            "proxies" => continue,
            "proxy-groups" => {
                let mut groups = v;
                expand_groups(&mut groups, &names);
                first_group = groups
                    .as_sequence()
                    .and_then(|s| s.first())
                    .and_then(|g| g.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.insert("proxies".into(), Value::Sequence(list.clone()));
                out.insert(k, groups);
            }
            _ => {
                out.insert(k, v);
            }
        }
    }
    let mut rules = out
        .remove("rules")
        .and_then(|r| match r {
            Value::Sequence(s) => Some(s),
            _ => None,
        })
        .unwrap_or_default();
    let ends_in_match = rules
        .last()
        .and_then(Value::as_str)
        .is_some_and(|r| r.trim_start().starts_with("MATCH,"));
    if !ends_in_match {
        let target = first_group.unwrap_or_else(|| "DIRECT".into());
        rules.push(Value::from(format!("MATCH,{target}")));
    }
    out.insert("rules".into(), Value::Sequence(rules));
    Ok(serde_norway::to_string(&Value::Mapping(out))?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::proxies;
    use super::*;

    #[test]
    fn renders_every_kind_and_expands_groups() {
        let text = render(&proxies(), "").unwrap();
        let v: Value = serde_norway::from_str(&text).unwrap();
        let list = v["proxies"].as_sequence().unwrap();
        assert_eq!(list.len(), 7);
        assert_eq!(list[0]["type"].as_str(), Some("ss"));
        assert_eq!(list[0]["cipher"].as_str(), Some("aes-256-gcm"));
        assert_eq!(list[1]["type"].as_str(), Some("ssr"));
        assert_eq!(
            list[3]["ws-opts"]["headers"]["Host"].as_str(),
            Some("cdn.example.com")
        );
        assert_eq!(
            list[4]["reality-opts"]["public-key"].as_str(),
            Some("PUBKEY")
        );
        assert_eq!(list[6]["type"].as_str(), Some("tuic"));
        let groups = v["proxy-groups"].as_sequence().unwrap();
        assert_eq!(groups[0]["proxies"].as_sequence().unwrap().len(), 1 + 7 + 1);
        assert_eq!(groups[1]["type"].as_str(), Some("url-test"));
        assert_eq!(groups[1]["proxies"].as_sequence().unwrap().len(), 7);
        let rules = v["rules"].as_sequence().unwrap();
        assert_eq!(rules.last().unwrap().as_str(), Some("MATCH,Proxy"));
    }

    #[test]
    fn operator_template_is_used_and_completed() {
        let tpl = "port: 1234\nproxy-groups:\n  - {name: Mine, type: select, proxies: ['{{proxies}}']}\nrules:\n  - GEOIP,CN,DIRECT\n";
        let v: Value = serde_norway::from_str(&render(&proxies()[..2], tpl).unwrap()).unwrap();
        assert_eq!(v["port"].as_u64(), Some(1234));
        assert_eq!(
            v["proxy-groups"][0]["proxies"].as_sequence().unwrap().len(),
            2
        );
        assert_eq!(v["rules"][1].as_str(), Some("MATCH,Mine"));
        // A broken template falls back to the default.
        let v: Value = serde_norway::from_str(&render(&[], "::: not yaml [").unwrap()).unwrap();
        assert_eq!(v["proxy-groups"][1]["proxies"][0].as_str(), Some("DIRECT"));
    }
}
