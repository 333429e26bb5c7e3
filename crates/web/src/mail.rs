//! E-mail for the notification outbox: a minimal SMTP client (RFC 5321:
//! EHLO, MAIL FROM, RCPT TO, DATA, QUIT, without TLS or authentication —
//! meant for a relay on the server's own network, `smtp://127.0.0.1:25`)
//! and the sender that delivers pending notices in their reader's
//! language. About a hundred lines instead of a mail crate: `lettre` with
//! only its SMTP transport still pulls a dozen crates for features this
//! relay does not use (see the commit message).
//!
//! Messages are UTF-8 plain text, base64-encoded (so no line can start with
//! a dot and 8-bit text crosses any relay), with an RFC 2047 subject.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use i18n::{Lang, t, tf};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where and as whom to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error(
        "địa chỉ SMTP không hợp lệ '{0}' (dạng smtp://máy:cổng) / bad SMTP URL '{0}' (smtp://host:port)"
    )]
    BadUrl(String),
    #[error("địa chỉ thư không hợp lệ '{0}' / bad e-mail address '{0}'")]
    BadAddress(String),
    #[error("lỗi kết nối SMTP: {0} / SMTP connection error: {0}")]
    Io(#[from] std::io::Error),
    #[error("máy chủ SMTP quá thời gian chờ / the SMTP server timed out")]
    Timeout,
    #[error(
        "máy chủ SMTP từ chối ở bước {step}: {reply} / the SMTP server refused at {step}: {reply}"
    )]
    Refused { step: &'static str, reply: String },
}

impl SmtpConfig {
    /// `smtp://host[:port]` (port 25 by default).
    pub fn parse(url: &str, from: &str) -> Result<SmtpConfig, MailError> {
        let bad = || MailError::BadUrl(url.to_owned());
        let rest = url.trim().strip_prefix("smtp://").ok_or_else(bad)?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(bad());
        }
        check_address(from)?;
        Ok(SmtpConfig {
            host: host.to_owned(),
            port,
            from: from.to_owned(),
        })
    }
}

fn check_address(a: &str) -> Result<(), MailError> {
    let ok = a.contains('@')
        && !a.starts_with('@')
        && !a.ends_with('@')
        && a.len() <= 254
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c));
    if ok {
        Ok(())
    } else {
        Err(MailError::BadAddress(a.to_owned()))
    }
}

fn encode_subject(s: &str) -> String {
    format!("=?UTF-8?B?{}?=", STANDARD.encode(s.as_bytes()))
}

/// The whole message (headers and base64 body), CRLF line ends.
fn message(cfg: &SmtpConfig, to: &str, subject: &str, body: &str) -> String {
    let encoded = STANDARD.encode(body.as_bytes());
    let mut lines: Vec<String> = vec![
        format!("From: Chung Tay <{}>", cfg.from),
        format!("To: <{to}>"),
        format!("Subject: {}", encode_subject(subject)),
        format!("Date: {}", Utc::now().to_rfc2822()),
        format!("Message-ID: <{}@chungtay>", uuid::Uuid::now_v7().simple()),
        "MIME-Version: 1.0".to_owned(),
        "Content-Type: text/plain; charset=utf-8".to_owned(),
        "Content-Transfer-Encoding: base64".to_owned(),
        String::new(),
    ];
    lines.extend(
        encoded
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned()),
    );
    lines.join("\r\n")
}

/// One conversation with the server: read a (possibly multi-line) reply
/// and check its code.
async fn expect(
    reader: &mut BufReader<TcpStream>,
    step: &'static str,
    ok: &[&str],
) -> Result<(), MailError> {
    let mut reply = String::new();
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(Duration::from_secs(10), reader.read_line(&mut line))
            .await
            .map_err(|_| MailError::Timeout)??;
        if n == 0 {
            return Err(MailError::Refused {
                step,
                reply: format!("{reply}(connection closed)"),
            });
        }
        reply.push_str(line.trim_end());
        // "250-…" continues, "250 …" ends
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
        reply.push(' ');
    }
    if ok.iter().any(|code| reply.starts_with(code)) {
        Ok(())
    } else {
        Err(MailError::Refused { step, reply })
    }
}

async fn say(reader: &mut BufReader<TcpStream>, line: &str) -> Result<(), MailError> {
    let w = reader.get_mut();
    tokio::time::timeout(Duration::from_secs(10), async {
        w.write_all(line.as_bytes()).await?;
        w.write_all(b"\r\n").await?;
        w.flush().await
    })
    .await
    .map_err(|_| MailError::Timeout)??;
    Ok(())
}

/// Sends one message.
pub async fn send(cfg: &SmtpConfig, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
    check_address(to)?;
    let stream = tokio::time::timeout(
        Duration::from_secs(10),
        TcpStream::connect((cfg.host.as_str(), cfg.port)),
    )
    .await
    .map_err(|_| MailError::Timeout)??;
    let mut r = BufReader::new(stream);
    expect(&mut r, "greeting", &["220"]).await?;
    say(&mut r, "EHLO chungtay").await?;
    if expect(&mut r, "EHLO", &["250"]).await.is_err() {
        say(&mut r, "HELO chungtay").await?;
        expect(&mut r, "HELO", &["250"]).await?;
    }
    say(&mut r, &format!("MAIL FROM:<{}>", cfg.from)).await?;
    expect(&mut r, "MAIL FROM", &["250"]).await?;
    say(&mut r, &format!("RCPT TO:<{to}>")).await?;
    expect(&mut r, "RCPT TO", &["250", "251"]).await?;
    say(&mut r, "DATA").await?;
    expect(&mut r, "DATA", &["354"]).await?;
    say(&mut r, &message(cfg, to, subject, body)).await?;
    say(&mut r, ".").await?;
    expect(&mut r, "end of data", &["250"]).await?;
    say(&mut r, "QUIT").await?;
    // the message is accepted; a rude goodbye does not undo it
    let _ = expect(&mut r, "QUIT", &["221"]).await;
    Ok(())
}

/// A notice's subject and text in a language.
pub fn render(lang: Lang, kind: &str, args: &[(String, String)], link: &str) -> (String, String) {
    let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let subject = tf(lang, &format!("notice-{kind}-subject"), &refs);
    let text = tf(lang, &format!("notice-{kind}"), &refs);
    let body = format!(
        "{text}\n\n{}: {link}\n\n— Chung Tay\n",
        t(lang, "notice-open")
    );
    (subject, body)
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Sends the pending e-mails of the outbox (when an SMTP server is
/// configured); each success or failure is recorded on its notice.
/// `origin` prefixes the notice's link (`https://chungtay.example`).
pub async fn deliver_pending(
    db: &storage::Db,
    cfg: Option<&SmtpConfig>,
    origin: &str,
) -> Result<Delivered, storage::StorageError> {
    let Some(cfg) = cfg else {
        return Ok(Delivered::default());
    };
    let mut out = Delivered::default();
    for o in storage::notifications::pending_email(db, 100).await? {
        let lang = Lang::from_code(&o.lang).unwrap_or_default();
        let link = format!("{}{}", origin.trim_end_matches('/'), o.notice.link);
        let (subject, body) = render(lang, &o.notice.kind, &o.notice.args(), &link);
        let to = o.notice.email_to.clone().unwrap_or_default();
        match send(cfg, &to, &subject, &body).await {
            Ok(()) => {
                storage::notifications::mark_sent(db, &o.notice.id, Utc::now()).await?;
                out.sent += 1;
            }
            Err(e) => {
                tracing::warn!(notice = %o.notice.id, cause = %e, "e-mail not sent");
                storage::notifications::mark_failed(db, &o.notice.id, &e.to_string()).await?;
                out.failed += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read_and_bad_ones_refused() {
        let c = SmtpConfig::parse("smtp://127.0.0.1:2525", "noreply@chungtay.vn").expect("url");
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 2525));
        let c = SmtpConfig::parse("smtp://mail.hue.gov.vn", "a@b").expect("url");
        assert_eq!(c.port, 25);
        assert!(SmtpConfig::parse("http://x:25", "a@b").is_err());
        assert!(SmtpConfig::parse("smtp://x:port", "a@b").is_err());
        assert!(SmtpConfig::parse("smtp://x:25", "nobody").is_err());
    }

    #[test]
    fn addresses_cannot_smuggle_commands() {
        assert!(check_address("a@b.vn").is_ok());
        assert!(check_address("a@b.vn>\r\nRCPT TO:<c@d").is_err());
        assert!(check_address("a b@c").is_err());
    }

    #[test]
    fn the_message_is_base64_utf8_with_an_encoded_subject() {
        let cfg = SmtpConfig::parse("smtp://h:25", "n@c.vn").expect("cfg");
        let m = message(&cfg, "x@y.vn", "Nhắc nộp báo cáo", ".chấm đầu dòng\nhết");
        assert!(m.contains("Subject: =?UTF-8?B?"));
        assert!(!m.lines().any(|l| l.starts_with('.')));
        let body: String = m
            .split("\r\n\r\n")
            .nth(1)
            .expect("body")
            .split("\r\n")
            .collect();
        let decoded = STANDARD.decode(body).expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("utf8"),
            ".chấm đầu dòng\nhết"
        );
    }
}
