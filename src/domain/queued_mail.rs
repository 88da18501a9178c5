//! Rows of SSPanel's `email_queue` come from two writers. spanel queues finished text: `template`
//! holds the body and `array` is `{}`. PHP SSPanel queues a Smarty template name and its
//! parameters: `template` = `news/warn.tpl`, `array` = the JSON of `['user' => …, 'text' => …]`,
//! which PHP's mail job renders. spanel must never mail such a row as it stands (the body would be
//! the text `news/warn.tpl`): it renders the one template PHP queues for notices, `news/warn.tpl`,
//! whose body is its `text` parameter (HTML), and leaves every other template to PHP.

/// What spanel's queue job does with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueuedMail {
    /// spanel's own row: a plain-text body.
    Text(String),
    /// PHP's `news/warn.tpl`: its `text` parameter as an HTML body.
    Html(String),
    /// Another PHP template: left in the queue for PHP's mail job.
    LeaveToPhp,
}

/// The template PHP SSPanel uses for notices (`text` parameter), which spanel renders itself.
pub const PHP_NOTICE_TEMPLATE: &str = "news/warn.tpl";

/// Whether `template` names a Smarty template file rather than holding a message.
pub fn is_template_name(template: &str) -> bool {
    let t = template.trim();
    !t.is_empty() && !t.contains(char::is_whitespace) && t.ends_with(".tpl")
}

pub fn classify(template: &str, array: &str) -> QueuedMail {
    if !is_template_name(template) {
        return if array.trim() == "{}" {
            QueuedMail::Text(template.to_string())
        } else {
            // Neither spanel's shape nor a template PHP can render: not spanel's to send.
            QueuedMail::LeaveToPhp
        };
    }
    if template.trim() != PHP_NOTICE_TEMPLATE {
        return QueuedMail::LeaveToPhp;
    }
    let params: serde_json::Value = match serde_json::from_str(array) {
        Ok(v) => v,
        Err(_) => return QueuedMail::LeaveToPhp,
    };
    match params.get("text").and_then(|t| t.as_str()) {
        Some(text) if !text.trim().is_empty() => QueuedMail::Html(format!(
            "<!DOCTYPE html>\n<html><body>\n<p>{text}</p>\n</body></html>\n"
        )),
        _ => QueuedMail::LeaveToPhp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanel_rows_are_text() {
        assert_eq!(
            classify("Your traffic is running low.", "{}"),
            QueuedMail::Text("Your traffic is running low.".into())
        );
    }

    #[test]
    fn php_notice_rows_are_rendered_from_their_text() {
        let row = r#"{"user":{"id":3,"email":"a@b.c"},"text":"管理员您好，节点 <b>HK</b> 掉线了"}"#;
        match classify("news/warn.tpl", row) {
            QueuedMail::Html(html) => {
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
