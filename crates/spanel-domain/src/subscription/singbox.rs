//! sing-box JSON: one outbound per proxy, a `proxy` selector, an `auto` urltest and `direct`.
//! SSR is left out (sing-box has no SSR since 1.6), and so is Shadowsocks with a stream cipher.

use serde_json::{json, Value};

use super::{Kind, Proxy, Security, Transport};

fn transport(t: &Transport) -> Option<Value> {
    match t {
        Transport::Tcp => None,
        Transport::Ws { path, host } => {
            let mut v = json!({"type": "ws", "path": path});
            if !host.is_empty() {
                v["headers"] = json!({"Host": host});
            }
            Some(v)
        }
        Transport::Grpc { service_name } => {
            Some(json!({"type": "grpc", "service_name": service_name}))
        }
    }
}

fn tls(p: &Proxy) -> Value {
    json!({"enabled": true, "server_name": p.sni_or_server(), "insecure": p.allow_insecure})
}

/// One proxy as a sing-box outbound, or None when sing-box cannot express it.
pub fn outbound(p: &Proxy) -> Option<Value> {
    let mut v = match &p.kind {
        // sing-box refuses the old stream ciphers (SSPanel's former default chacha20-ietf).
        Kind::Ss { method, .. } if !crate::proxy::is_modern_method(method) => return None,
        Kind::Ss { method, password } => json!({
            "type": "shadowsocks", "method": method, "password": password,
        }),
        Kind::Ssr { .. } => return None,
        Kind::Vmess {
            uuid,
            transport: t,
            tls: on,
        } => {
            let mut v = json!({"type": "vmess", "uuid": uuid, "security": "auto", "alter_id": 0});
            if *on {
                v["tls"] = tls(p);
            }
            if let Some(t) = transport(t) {
                v["transport"] = t;
            }
            v
        }
        Kind::Vless {
            uuid,
            transport: t,
            security,
            flow,
        } => {
            let mut v = json!({"type": "vless", "uuid": uuid});
            if !flow.is_empty() {
                v["flow"] = json!(flow);
            }
            match security {
                Security::None => {}
                Security::Tls => v["tls"] = tls(p),
                Security::Reality {
                    public_key,
                    short_id,
                } => {
                    let mut t = tls(p);
                    t["reality"] =
                        json!({"enabled": true, "public_key": public_key, "short_id": short_id});
                    t["utls"] = json!({"enabled": true, "fingerprint": "chrome"});
                    v["tls"] = t;
                }
            }
            if let Some(t) = transport(t) {
                v["transport"] = t;
            }
            v
        }
        Kind::Trojan {
            password,
            transport: t,
        } => {
            let mut v = json!({"type": "trojan", "password": password, "tls": tls(p)});
            if let Some(t) = transport(t) {
                v["transport"] = t;
            }
            v
        }
        Kind::Tuic { uuid, password } => {
            let mut t = tls(p);
            t["alpn"] = json!(["h3"]);
            json!({"type": "tuic", "uuid": uuid, "password": password,
                "congestion_control": "bbr", "tls": t})
        }
    };
    v["tag"] = json!(p.name);
    v["server"] = json!(p.server);
    v["server_port"] = json!(p.port);
    Some(v)
}

pub fn render(proxies: &[Proxy]) -> anyhow::Result<String> {
    let list: Vec<Value> = proxies.iter().filter_map(outbound).collect();
    let names: Vec<Value> = list.iter().map(|v| v["tag"].clone()).collect();
    let mut outbounds = Vec::with_capacity(list.len() + 3);
    if names.is_empty() {
        outbounds.push(json!({"type": "selector", "tag": "proxy", "outbounds": ["direct"]}));
    } else {
        let mut choices = vec![json!("auto")];
        choices.extend(names.iter().cloned());
        outbounds.push(
            json!({"type": "selector", "tag": "proxy", "outbounds": choices,
            "default": "auto"}),
        );
        outbounds.push(json!({"type": "urltest", "tag": "auto", "outbounds": names,
            "url": "https://www.gstatic.com/generate_204", "interval": "5m"}));
    }
    outbounds.extend(list);
    outbounds.push(json!({"type": "direct", "tag": "direct"}));
    let doc = json!({
        "log": {"level": "info"},
        "outbounds": outbounds,
        "route": {"final": "proxy", "auto_detect_interface": true},
    });
    Ok(serde_json::to_string_pretty(&doc)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::proxies;
    use super::*;

    #[test]
    fn outbounds_and_groups() {
        let v: Value = serde_json::from_str(&render(&proxies()).unwrap()).unwrap();
        let obs = v["outbounds"].as_array().unwrap();
        // selector, urltest, 6 proxies (SSR left out), direct
        assert_eq!(obs.len(), 2 + 6 + 1);
        assert_eq!(obs[0]["type"], "selector");
        assert_eq!(obs[1]["type"], "urltest");
        assert_eq!(obs[1]["outbounds"].as_array().unwrap().len(), 6);
        assert!(obs.iter().all(|o| o["type"] != "shadowsocksr"));
        let reality = obs.iter().find(|o| o["tag"] == "node5").unwrap();
        assert_eq!(reality["tls"]["reality"]["public_key"], "PUBKEY");
        assert_eq!(reality["tls"]["server_name"], "www.apple.com");
        assert_eq!(reality["server_port"], 8443);
        let vmess = obs.iter().find(|o| o["tag"] == "node4").unwrap();
        assert_eq!(vmess["transport"]["headers"]["Host"], "cdn.example.com");
        assert_eq!(obs.last().unwrap()["type"], "direct");
    }

    #[test]
    fn empty_list_is_still_valid() {
        let v: Value = serde_json::from_str(&render(&[]).unwrap()).unwrap();
        assert_eq!(v["outbounds"][0]["outbounds"][0], "direct");
    }
}
