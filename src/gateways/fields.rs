//! What each gateway's settings mean, for the people who fill them in: the `config` item, a label
//! and a help text in English and Chinese, whether it is a secret (write-only in the admin API) and
//! whether the gateway cannot work without it (enabling it with the item empty is refused).
//!
//! Each gateway file declares its own `FIELDS`; [`super::fields_of`] finds them by name.

/// A text in both languages of the web UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub zh: &'static str,
}

/// The control a field needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines (PEM keys).
    Multiline,
    /// An http(s) address.
    Url,
    /// One of these values.
    Choice(&'static [&'static str]),
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Multiline => "multiline",
            FieldKind::Url => "url",
            FieldKind::Choice(_) => "choice",
        }
    }

    pub fn choices(self) -> &'static [&'static str] {
        match self {
            FieldKind::Choice(c) => c,
            _ => &[],
        }
    }
}

/// One setting of a gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The `config` item.
    pub item: &'static str,
    pub label: Text,
    pub help: Text,
    pub secret: bool,
    pub required: bool,
    pub kind: FieldKind,
}

/// An optional one-line field; `.required()`, `.secret()` and `.kind()` refine it.
pub const fn field(
    item: &'static str,
    label: (&'static str, &'static str),
    help: (&'static str, &'static str),
) -> Field {
    Field {
        item,
        label: Text {
            en: label.0,
            zh: label.1,
        },
        help: Text {
            en: help.0,
            zh: help.1,
        },
        secret: false,
        required: false,
        kind: FieldKind::Text,
    }
}

impl Field {
    pub const fn required(self) -> Field {
        Field {
            required: true,
            ..self
        }
    }

    pub const fn secret(self) -> Field {
        Field {
            secret: true,
            ..self
        }
    }

    pub const fn kind(self, kind: FieldKind) -> Field {
        Field { kind, ..self }
    }
}

/// The name of a built-in gateway as people know it.
pub fn title(name: &str) -> Text {
    let (en, zh) = match name {
        "epay" => ("EPay", "易支付"),
        "stripe" => ("Stripe", "Stripe"),
        "alipay" => ("Alipay (face to face)", "支付宝当面付"),
        "wechat" => ("WeChat Pay (API v3)", "微信支付（API v3）"),
        "paypal" => ("PayPal", "PayPal"),
        "wechat_v2" => ("WeChat Pay (API v2)", "微信支付（API v2）"),
        "yft" => ("Yft", "Yft"),
        "epusdt" => ("epusdt (USDT-TRC20)", "epusdt（USDT-TRC20）"),
        _ => ("", ""),
    };
    Text { en, zh }
}

/// The longest value a gateway setting may hold (PEM keys are a few kilobytes).
pub const MAX_VALUE_CHARS: usize = 16_384;

/// Why `value` does not fit `field`, or `None`. An empty value is always well-formed (whether the
/// gateway may be enabled without it is [`missing`]'s question).
pub fn problem(field: &Field, value: &str) -> Option<&'static str> {
    if value.chars().count() > MAX_VALUE_CHARS {
        return Some("Too long.");
    }
    if value.is_empty() {
        return None;
    }
    if !matches!(field.kind, FieldKind::Multiline) && value.contains(['\n', '\r']) {
        return Some("Must be one line.");
    }
    match field.kind {
        FieldKind::Url if !super::is_web_url(value) => Some("Must be an http(s) address."),
        FieldKind::Choice(choices) if !choices.contains(&value) => Some("Not one of the choices."),
        _ => None,
    }
}

/// The required items of `fields` whose value (`value_of`) is blank.
pub fn missing(fields: &[Field], value_of: impl Fn(&str) -> String) -> Vec<&'static str> {
    fields
        .iter()
        .filter(|f| f.required && value_of(f.item).trim().is_empty())
        .map(|f| f.item)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: Field = field("x_url", ("URL", "地址"), ("", "")).kind(FieldKind::Url);
    const MODE: Field =
        field("x_mode", ("Mode", "模式"), ("", "")).kind(FieldKind::Choice(&["live", "sandbox"]));

    #[test]
    fn values_are_checked_by_kind() {
        assert_eq!(problem(&URL, ""), None);
        assert_eq!(problem(&URL, "https://pay.example.com/"), None);
        assert!(problem(&URL, "ftp://x").is_some());
        assert!(problem(&URL, "not a url").is_some());
        assert_eq!(problem(&MODE, "live"), None);
        assert!(problem(&MODE, "Live").is_some());
        assert!(problem(&URL, "https://a/\nb").is_some());
        assert!(problem(&URL, &"a".repeat(MAX_VALUE_CHARS + 1)).is_some());
    }

    #[test]
    fn missing_lists_blank_required_items_only() {
        let fields = [
            URL.required(),
            MODE,
            field("k", ("K", "K"), ("", "")).required(),
        ];
        let values = |item: &str| {
            if item == "k" {
                " ".into()
            } else {
                String::new()
            }
        };
        assert_eq!(missing(&fields, values), vec!["x_url", "k"]);
        assert!(missing(&fields, |_| "v".into()).is_empty());
    }
}
