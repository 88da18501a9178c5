//! E-mails rendered from templates (minijinja): an HTML part and a plain-text part, in the
//! reader's language, with the site's name and address. The templates are built into the binary
//! (`templates/email/`); a file of the same name in `email_templates_dir` replaces one.
//!
//! Each mail `NAME` has, per language (`en`, `zh-CN`): `NAME.LANG.txt` with the blocks `subject`
//! and `text`, and `NAME.LANG.html` (usually extending `layout.html`). A language without its own
//! files falls back to English.

use std::path::PathBuf;

use minijinja::{context, Environment, Value};

/// The built-in templates (`templates/email/`).
#[derive(rust_embed::RustEmbed)]
#[folder = "templates/email/"]
struct Embedded;

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The languages templates exist in; others read English.
pub fn language(accept_language: &str) -> &'static str {
    let first = accept_language
        .split(',')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if first.starts_with("zh") {
        "zh-CN"
    } else {
        "en"
    }
}

fn environment(dir: Option<PathBuf>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(move |name| {
        if let Some(dir) = &dir {
            // Only plain file names: templates never reach outside the directory.
            if !name.contains(['/', '\\']) && !name.starts_with('.') {
                if let Ok(source) = std::fs::read_to_string(dir.join(name)) {
                    return Ok(Some(source));
                }
            }
        }
        Ok(Embedded::get(name).map(|f| String::from_utf8_lossy(&f.data).into_owned()))
    });
    env
}

/// Renders mail `name` in `lang` with `vars` plus `site_name`, `site_url` and `lang`.
pub fn render(
    dir: Option<&str>,
    name: &str,
    lang: &str,
    site_name: &str,
    site_url: &str,
    vars: Value,
) -> anyhow::Result<Rendered> {
    let env = environment(dir.filter(|d| !d.trim().is_empty()).map(PathBuf::from));
    let lang = if env.get_template(&format!("{name}.{lang}.txt")).is_ok() {
        lang
    } else {
        "en"
    };
    let ctx = context! { site_name, site_url, lang, ..vars };
    let text_tmpl = env.get_template(&format!("{name}.{lang}.txt"))?;
    let mut captured = text_tmpl.render_captured(&ctx)?;
    let (subject, text) = captured.with_state_mut(|state| {
        Ok::<_, minijinja::Error>((
            state.render_block("subject")?.trim().to_string(),
            state.render_block("text")?.trim().to_string(),
        ))
    })?;
    let html = env
        .get_template(&format!("{name}.{lang}.html"))?
        .render(context! { subject => &subject, ..ctx })?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_both_parts_in_both_languages() {
        for lang in ["en", "zh-CN"] {
            let r = render(
                None,
                "password_reset",
                lang,
                "My <Panel>",
                "https://panel.example",
                context! { link => "https://panel.example/#/reset-password?token=abc", minutes => 60 },
            )
            .unwrap();
            assert!(r.subject.starts_with("My <Panel>"), "{r:?}");
            assert!(r.text.contains("token=abc") && r.text.contains("60"));
            // HTML escapes what it shows.
            assert!(r.html.contains("My &lt;Panel&gt;"), "{}", r.html);
            assert!(r.html.contains("<html lang=\"") && r.html.contains("token=abc"));
        }
        let zh = render(
            None,
            "email_code",
            "zh-CN",
            "S",
            "u",
            context! { code => "123456", minutes => 60 },
        )
        .unwrap();
        assert!(zh.subject.contains("验证码") && zh.html.contains("123456"));
        // Another language reads English.
        let other = render(
            None,
            "email_code",
            "fr",
            "S",
            "u",
            context! { code => "1", minutes => 1 },
        )
        .unwrap();
        assert!(other.subject.contains("sign-up code"));
    }

    #[test]
    fn every_built_in_mail_renders_in_both_languages() {
        let vars = context! {
            link => "https://x/#/r?token=t", code => "123456", minutes => 60,
            outcome => "unpaid", plan_name => "Gold", ip => "192.0.2.1", time => "2026-01-01 00:00",
        };
        for name in [
            "password_reset",
            "email_code",
            "class_expired",
            "account_expired",
            "traffic_low",
            "plan_renewal",
            "login_alert",
        ] {
            let en = render(None, name, "en", "Site", "https://x", vars.clone()).unwrap();
            let zh = render(None, name, "zh-CN", "Site", "https://x", vars.clone()).unwrap();
            for r in [&en, &zh] {
                assert!(r.subject.starts_with("Site"), "{name}: {r:?}");
                assert!(!r.text.is_empty() && r.html.contains("<html"), "{name}");
            }
            assert_ne!(en.text, zh.text, "{name}");
        }
        let renewal = render(None, "plan_renewal", "en", "S", "u", vars).unwrap();
        assert!(
            renewal.text.contains("\"Gold\" is due for renewal"),
            "{renewal:?}"
        );
    }

    #[test]
    fn a_directory_overrides_one_template() {
        let dir =
            std::env::temp_dir().join(format!("spanel-tpl-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("email_code.en.txt"),
            "{% block subject %}Code {{ code }}{% endblock %}{% block text %}Hi {{ code }}{% endblock %}",
        )
        .unwrap();
        let r = render(
            dir.to_str(),
            "email_code",
            "en",
            "S",
            "u",
            context! { code => "42", minutes => 1 },
        )
        .unwrap();
        assert_eq!((r.subject.as_str(), r.text.as_str()), ("Code 42", "Hi 42"));
        // The HTML part still comes from the built-in one.
        assert!(r.html.contains("42"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn languages() {
        assert_eq!(language("zh-CN,zh;q=0.9,en;q=0.8"), "zh-CN");
        assert_eq!(language("zh-TW"), "zh-CN");
        assert_eq!(language("en-US,en"), "en");
        assert_eq!(language(""), "en");
    }
}
