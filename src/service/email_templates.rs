//! E-mails rendered from templates (minijinja): an HTML part and a plain-text part, in the
//! reader's language, with the site's name and address. The templates are built into the binary
//! (`templates/email/`); a file of the same name in `email_templates_dir` replaces one.
//!
//! Each mail `NAME` has, per language (`en`, `zh-CN`): `NAME.LANG.txt` with the blocks `subject`
//! and `text`, and `NAME.LANG.html` (usually extending `layout.html`). A language without its own
//! files falls back to English.

use std::path::PathBuf;

use minijinja::{context, Environment, Value};

const EMBEDDED: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../templates/email/layout.html"),
    ),
    (
        "password_reset.en.txt",
        include_str!("../../templates/email/password_reset.en.txt"),
    ),
    (
        "password_reset.en.html",
        include_str!("../../templates/email/password_reset.en.html"),
    ),
    (
        "password_reset.zh-CN.txt",
        include_str!("../../templates/email/password_reset.zh-CN.txt"),
    ),
    (
        "password_reset.zh-CN.html",
        include_str!("../../templates/email/password_reset.zh-CN.html"),
    ),
    (
        "email_code.en.txt",
        include_str!("../../templates/email/email_code.en.txt"),
    ),
    (
        "email_code.en.html",
        include_str!("../../templates/email/email_code.en.html"),
    ),
    (
        "email_code.zh-CN.txt",
        include_str!("../../templates/email/email_code.zh-CN.txt"),
    ),
    (
        "email_code.zh-CN.html",
        include_str!("../../templates/email/email_code.zh-CN.html"),
    ),
];

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
        Ok(EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.to_string()))
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
