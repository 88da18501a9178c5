//! What a user may choose for their own proxy settings (SSPanel's user settings page), and which
//! subscription formats can carry a proxy.

/// AEAD and Shadowsocks 2022 methods: what current clients (sing-box, Clash Meta, Shadowrocket,
/// v2rayN) accept. Stream ciphers such as SSPanel's old default `chacha20-ietf` are not offered.
pub const DEFAULT_METHODS: &str = "aes-128-gcm,aes-192-gcm,aes-256-gcm,chacha20-ietf-poly1305,\
xchacha20-ietf-poly1305,2022-blake3-aes-128-gcm,2022-blake3-aes-256-gcm,2022-blake3-chacha20-poly1305";
/// ShadowsocksR protocols and obfuscations SSPanel offers.
pub const DEFAULT_PROTOCOLS: &str =
    "origin,auth_aes128_md5,auth_aes128_sha1,auth_chain_a,auth_chain_b";
pub const DEFAULT_OBFS: &str =
    "plain,http_simple,http_post,tls1.2_ticket_auth,simple_obfs_http,simple_obfs_tls";

/// A comma-separated list from a setting, trimmed, empty items dropped.
pub fn list(setting: &str) -> Vec<String> {
    setting
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whether a Shadowsocks method is AEAD or 2022 (not a stream cipher that modern clients refuse).
pub fn is_modern_method(method: &str) -> bool {
    let m = method.trim().to_ascii_lowercase();
    m.ends_with("-gcm") || m.ends_with("-poly1305") || m.starts_with("2022-blake3-") || m == "none"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_methods() {
        for m in list(DEFAULT_METHODS) {
            assert!(is_modern_method(&m), "{m}");
        }
        for m in ["chacha20-ietf", "rc4-md5", "aes-256-cfb", "aes-128-ctr"] {
            assert!(!is_modern_method(m), "{m}");
        }
    }

    #[test]
    fn lists() {
        assert_eq!(list(" a, ,b "), vec!["a", "b"]);
    }
}
