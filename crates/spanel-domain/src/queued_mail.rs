//! Rows of SSPanel's `email_queue` come from two writers. spanel queues finished messages:
//! `template` holds the body and `array` is `{}` (plain text) or `{"text": …}` (the body is HTML and
//! this is its plain-text part). PHP SSPanel queues a Smarty template name and its parameters:
//! `template` = `news/warn.tpl`, `array` = the JSON of `['user' => …, 'text' => …]`, which PHP's mail
//! job renders. spanel must never mail such a row as it stands (the body would be the text
//! `news/warn.tpl`): it renders the one template PHP queues for notices, `news/warn.tpl`, whose body
//! is its `text` parameter (HTML), and leaves every other template to PHP.

/// A message body as it goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailBody {
    Text(String),
    Html(String),
    /// HTML with its plain-text alternative.
    Alternative {
        html: String,
        text: String,
    },
}

/// What spanel's queue job does with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueuedMail {
    Send(MailBody),
    /// A PHP template spanel does not render, or a row of no known shape: left for PHP's job.
    LeaveToPhp,
}

/// The template PHP SSPanel uses for notices (`text` parameter), which spanel renders itself.
pub const PHP_NOTICE_TEMPLATE: &str = "news/warn.tpl";

/// Whether `template` names a Smarty template file rather than holding a message.
pub fn is_template_name(template: &str) -> bool {
    let t = template.trim();
    !t.is_empty() && !t.contains(char::is_whitespace) && t.ends_with(".tpl")
}

/// The `text` string of a JSON object, if it has a non-blank one.
fn text_param(array: &str) -> Option<String> {
    let params: serde_json::Value = serde_json::from_str(array).ok()?;
    let text = params.get("text")?.as_str()?;
    (!text.trim().is_empty()).then(|| text.to_string())
}

pub fn classify(template: &str, array: &str) -> QueuedMail {
    if !is_template_name(template) {
        if array.trim() == "{}" {
            return QueuedMail::Send(MailBody::Text(template.to_string()));
        }
        return match text_param(array) {
            Some(text) => QueuedMail::Send(MailBody::Alternative {
                html: template.to_string(),
                text,
            }),
            // Neither spanel's shape nor a template PHP can render: not spanel's to send.
            None => QueuedMail::LeaveToPhp,
        };
    }
    if template.trim() != PHP_NOTICE_TEMPLATE {
        return QueuedMail::LeaveToPhp;
    }
    match text_param(array) {
        Some(text) => QueuedMail::Send(MailBody::Html(format!(
            "<!DOCTYPE html>\n<html><body>\n<p>{text}</p>\n</body></html>\n"
        ))),
        None => QueuedMail::LeaveToPhp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanel_rows_are_text() {
        assert_eq!(
            classify("Your traffic is running low.", "{}"),
            QueuedMail::Send(MailBody::Text("Your traffic is running low.".into()))
        );
        assert_eq!(
            classify("<p>Reset</p>", r#"{"text":"Reset"}"#),
            QueuedMail::Send(MailBody::Alternative {
                html: "<p>Reset</p>".into(),
                text: "Reset".into()
            })
        );
    }

    #[test]
    fn php_notice_rows_are_rendered_from_their_text() {
        let row = r#"{"user":{"id":3,"email":"a@b.c"},"text":"管理员您好，节点 <b>HK</b> 掉线了"}"#;
        match classify("news/warn.tpl", row) {
            QueuedMail::Send(MailBody::Html(html)) => {
                assert!(html.contains("节点 <b>HK</b> 掉线了"));
                assert!(!html.contains("news/warn.tpl"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_php_templates_are_left_alone() {
        for (template, array) in [
            ("news/daily-traffic-report.tpl", r#"{"user":{"id":1}}"#),
            ("news/warn.tpl", "[]"),
            ("news/warn.tpl", "not json"),
            ("news/warn.tpl", r#"{"text":"  "}"#),
            ("auth/verify.tpl", "{}"),
            ("some body", r#"{"user":1}"#),
        ] {
            assert_eq!(
                classify(template, array),
                QueuedMail::LeaveToPhp,
                "{template}"
            );
        }
        assert!(is_template_name(" news/warn.tpl "));
        assert!(!is_template_name("Please use news/warn.tpl"));
    }
}
