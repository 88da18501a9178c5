//! E-mail: messages go into SSPanel's `email_queue` and a minute job sends them over SMTP, retrying
//! with back-off (attempts in `spanel_email_attempt`) and giving up after `email_max_attempts`.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::app::App;
use crate::db::ops as sql;
use crate::domain::queued_mail::{classify, MailBody, QueuedMail};
use crate::service::email_templates::Rendered;
use crate::settings::catalog;

/// Queues a plain-text message.
pub async fn enqueue(app: &App, to: &str, subject: &str, body: &str) -> sqlx::Result<i64> {
    sql::enqueue_email(
        &app.db,
        to,
        subject,
        body,
        "{}",
        chrono::Utc::now().timestamp(),
    )
    .await
}

/// Queues a rendered mail: HTML with a plain-text alternative.
pub async fn enqueue_rendered(app: &App, to: &str, mail: &Rendered) -> sqlx::Result<i64> {
    let parts = serde_json::json!({ "text": mail.text }).to_string();
    let now = chrono::Utc::now().timestamp();
    sql::enqueue_email(&app.db, to, &mail.subject, &mail.html, &parts, now).await
}

/// Renders mail `name` (see `email_templates`) in `lang` with `vars` and the site's name and
/// URL, and queues it.
pub async fn send_template(
    app: &App,
    to: &str,
    name: &str,
    lang: &str,
    vars: minijinja::Value,
) -> crate::service::error::ServiceResult<()> {
    let site_name = match app.settings.get(catalog::APP_NAME.item).await? {
        n if n.trim().is_empty() => "spanel".to_string(),
        n => n.trim().to_string(),
    };
    let site_url = app.config.base_url.trim_end_matches('/');
    let rendered = crate::service::email_templates::render(
        app.config.email_templates_dir.as_deref(),
        name,
        lang,
        &site_name,
        site_url,
        vars,
    )
    .map_err(crate::service::error::ServiceError::Internal)?;
    enqueue_rendered(app, to, &rendered).await?;
    Ok(())
}

/// The language of mails not answering a request (scheduled notices): `email_language`.
pub async fn site_language(app: &App) -> sqlx::Result<&'static str> {
    Ok(crate::service::email_templates::language(
        &app.settings.get(catalog::EMAIL_LANGUAGE.item).await?,
    ))
}

/// SMTP settings read from the `config` table.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    pub name: String,
    pub sender: String,
    pub ssl: String,
}

impl Smtp {
    pub async fn load(app: &App) -> sqlx::Result<Option<Smtp>> {
        let s = &app.settings;
        let host = s.get("smtp_host").await?.trim().to_string();
        if host.is_empty() {
            return Ok(None);
        }
        Ok(Some(Smtp {
            host,
            port: u16::try_from(s.get_i64("smtp_port").await?).unwrap_or(465),
            username: s.get("smtp_username").await?,
            password: s.get("smtp_password").await?,
            name: s.get("smtp_name").await?,
            sender: s.get("smtp_sender").await?,
            ssl: s.get("smtp_ssl").await?.trim().to_ascii_lowercase(),
        }))
    }

    fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let builder = match self.ssl.as_str() {
            "0" | "none" | "false" | "" => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            }
            "starttls" | "tls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)?,
            _ => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host)?,
        };
        let mut builder = builder
            .port(self.port)
            .timeout(Some(std::time::Duration::from_secs(20)));
        if !self.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                self.username.clone(),
                self.password.clone(),
            ));
        }
        Ok(builder.build())
    }

    /// Sends one message now.
    pub async fn send(&self, to: &str, subject: &str, body: &MailBody) -> anyhow::Result<()> {
        let from = Mailbox::new(
            (!self.name.is_empty()).then(|| self.name.clone()),
            self.sender.parse()?,
        );
        let builder = Message::builder()
            .from(from)
            .to(to.parse()?)
            .subject(subject);
        let message = match body {
            MailBody::Text(text) => builder.body(text.clone())?,
            MailBody::Html(html) => builder
                .header(lettre::message::header::ContentType::TEXT_HTML)
                .body(html.clone())?,
            MailBody::Alternative { html, text } => builder.multipart(
                MultiPart::alternative_plain_html(text.clone(), html.clone()),
            )?,
        };
        self.transport()?.send(message).await?;
        Ok(())
    }
}

/// Seconds before retry number `attempts` (1, 2, …): 1, 2, 4, … minutes, at most an hour.
pub fn backoff(attempts: i64) -> i64 {
    60 * (1i64 << attempts.clamp(1, 7).saturating_sub(1)).min(60)
}

/// Sends due queued mails; returns how many were sent. Without `smtp_host` nothing is sent.
pub async fn drain(app: &App, now: i64) -> anyhow::Result<u64> {
    let Some(smtp) = Smtp::load(app).await? else {
        return Ok(0);
    };
    let max = app
        .settings
        .get_i64(catalog::EMAIL_MAX_ATTEMPTS.item)
        .await?
        .max(1);
    // The rate the SMTP provider allows (`email_per_minute`, within its bounds whatever the
    // `config` row says).
    let per_minute = app
        .settings
        .get_i64(catalog::EMAIL_PER_MINUTE.item)
        .await?
        .clamp(1, 1000);
    let due = sql::due_emails(&app.db, now, max, per_minute).await?;
    crate::metrics::batch_size("email", due.len() as u64);
    let mut sent = 0;
    for (id, to, subject, template, array, attempts) in due {
        // PHP SSPanel's rows hold a template name, never a body: render its notices, leave the
        // rest to PHP's mail job (never mail `news/warn.tpl` as text).
        let body = match classify(&template, &array) {
            QueuedMail::Send(body) => body,
            QueuedMail::LeaveToPhp => {
                sql::email_failed(&app.db, id, attempts, now + 86_400, "left to PHP SSPanel")
                    .await?;
                continue;
            }
        };
        match smtp.send(&to, &subject, &body).await {
            Ok(()) => {
                sql::email_sent(&app.db, id).await?;
                crate::metrics::email(true);
                sent += 1;
            }
            Err(e) => {
                let attempts = attempts + 1;
                crate::metrics::email(false);
                let error = e.to_string();
                if attempts >= max {
                    tracing::error!(queue_id = id, attempts, error = %error, "e-mail given up");
                } else {
                    tracing::warn!(queue_id = id, attempts, error = %error, "e-mail failed; will retry");
                }
                sql::email_failed(&app.db, id, attempts, now + backoff(attempts), &error).await?;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), 60);
        assert_eq!(backoff(2), 120);
        assert_eq!(backoff(3), 240);
        assert_eq!(backoff(7), 3600);
        assert_eq!(backoff(50), 3600);
    }
}
