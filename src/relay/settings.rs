//! The `[relay]` section of `config.toml`.
//!
//! ```toml
//! [relay]
//! listen = "127.0.0.1:2525"
//! connector = "ops"                  # default sender connector
//! trusted_networks = ["127.0.0.0/8", "::1/128"]
//! from_policy = "rewrite"            # or "refuse"
//! send_as = ["alerts@contoso.com"]   # other addresses the mailbox may send as
//! max_age = "5d"
//! command_timeout = "5m"            # SMTP: per command; data_timeout, session_timeout too
//! tls_cert = "/etc/graphmail/relay.crt"
//! tls_key = "/etc/graphmail/relay.key"
//! [relay.aliases]
//! root = "ops@contoso.com"
//! [relay.senders]                    # envelope sender, @domain or relay user → connector
//! "backup@host" = "backup"
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use super::convert::FromPolicy;

/// The default listening address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:2525";

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySettings {
    pub listen: Option<String>,
    /// The spool folder [default: `relay-spool` next to the vault].
    pub spool: Option<PathBuf>,
    /// The connector that sends when no sender rule matches.
    pub connector: Option<String>,
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    #[serde(default)]
    pub senders: BTreeMap<String, String>,
    #[serde(default)]
    pub send_as: Vec<String>,
    #[serde(default)]
    pub from_policy: FromPolicy,
    pub trusted_networks: Option<Vec<String>>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Largest message accepted, in bytes [default: 35 MB, Exchange Online's default].
    pub max_message_size: Option<usize>,
    /// Messages older than this go to the failed folder [default: 5d].
    pub max_age: Option<String>,
    /// How long after an ambiguous failure a message found nowhere is created again
    /// [default: 2m; Exchange files a sent item with a delay].
    pub lookup_settle: Option<String>,
    /// Messages delivered at once [default: 8; Graph requests stay at 4 per mailbox].
    pub workers: Option<usize>,
    /// How long the relay waits for an SMTP command [default: 5m, RFC 5321 4.5.3.2.7].
    pub command_timeout: Option<String>,
    /// The most time the message after DATA may take [default: 10m].
    pub data_timeout: Option<String>,
    /// The most time one SMTP connection may last [default: 30m].
    pub session_timeout: Option<String>,
}

/// How long an SMTP client may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpTimeouts {
    /// Waiting for one command (or one chunk of the message).
    pub command: Duration,
    /// The whole message after 354.
    pub data: Duration,
    /// The whole connection.
    pub session: Duration,
}

impl Default for SmtpTimeouts {
    fn default() -> Self {
        SmtpTimeouts {
            command: Duration::from_secs(300),
            data: Duration::from_secs(600),
            session: Duration::from_secs(1800),
        }
    }
}

/// Domains that name this machine's local users.
const LOCAL_DOMAINS: [&str; 2] = ["localhost", "localhost.localdomain"];

pub const DEFAULT_MAX_SIZE: usize = 35 * 1024 * 1024;

/// `30s`, `2m`, `12h`, `5d`, or a number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("\"{s}\" is not a duration; write e.g. 30s, 2m, 12h or 5d"))?;
    let secs = match unit {
        "s" => n,
        "ms" => return Ok(Duration::from_millis(n)),
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("\"{s}\" has an unknown unit; use s, m, h or d")),
    };
    Ok(Duration::from_secs(secs))
}

impl RelaySettings {
    /// Checks what serde cannot: durations, networks, the TLS pair.
    pub fn check(&self) -> Result<(), String> {
        let durations = [
            &self.max_age,
            &self.lookup_settle,
            &self.command_timeout,
            &self.data_timeout,
            &self.session_timeout,
        ];
        for d in durations.into_iter().flatten() {
            parse_duration(d)?;
        }
        self.trusted()?;
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err("tls_cert and tls_key go together; set both or neither".into());
        }
        Ok(())
    }

    pub fn trusted(&self) -> Result<Vec<IpNet>, String> {
        match &self.trusted_networks {
            None => Ok(vec![
                "127.0.0.0/8".parse().map_err(|_| "loopback")?,
                "::1/128".parse().map_err(|_| "loopback")?,
            ]),
            Some(list) => list
                .iter()
                .map(|n| {
                    n.parse::<IpNet>()
                        .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                        .map_err(|_| format!("trusted_networks: \"{n}\" is not an address or a network like 10.0.0.0/8"))
                })
                .collect(),
        }
    }

    pub fn max_age(&self) -> Duration {
        self.max_age
            .as_deref()
            .and_then(|d| parse_duration(d).ok())
            .unwrap_or(Duration::from_secs(5 * 86_400))
    }

    pub fn lookup_settle(&self) -> Duration {
        self.lookup_settle
            .as_deref()
            .and_then(|d| parse_duration(d).ok())
            .unwrap_or(Duration::from_secs(120))
    }

    /// The SMTP time limits; a zero duration is taken as the default.
    pub fn timeouts(&self) -> SmtpTimeouts {
        let d = SmtpTimeouts::default();
        let pick = |v: &Option<String>, default: Duration| {
            v.as_deref()
                .and_then(|s| parse_duration(s).ok())
                .filter(|t| !t.is_zero())
                .unwrap_or(default)
        };
        SmtpTimeouts {
            command: pick(&self.command_timeout, d.command),
            data: pick(&self.data_timeout, d.data),
            session: pick(&self.session_timeout, d.session),
        }
    }

    pub fn max_size(&self) -> usize {
        self.max_message_size.unwrap_or(DEFAULT_MAX_SIZE)
    }

    /// The connector for an envelope sender or relay user: an exact rule, then `@domain`,
    /// then the default (`connector`), else none (the vault's only connector).
    pub fn connector_for(&self, sender: &str, user: Option<&str>) -> Option<String> {
        let lower = sender.to_ascii_lowercase();
        let domain = lower.rsplit_once('@').map(|(_, d)| format!("@{d}"));
        let rule = |k: &str| {
            self.senders
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        user.and_then(rule)
            .or_else(|| rule(&lower))
            .or_else(|| domain.as_deref().and_then(rule))
            .or_else(|| self.connector.clone())
    }

    /// A bare local name (`root`) through `aliases`; `mailbox` when no alias names it.
    /// Full addresses stay as they are.
    pub fn map_recipient(&self, rcpt: &str, mailbox: Option<&str>) -> Option<String> {
        let r = rcpt.trim().trim_start_matches('<').trim_end_matches('>');
        if let Some(alias) = self.alias(r) {
            return Some(alias);
        }
        // `root@localhost` is how SMTP clients name a local user.
        let r = match r.rsplit_once('@') {
            Some((local, domain))
                if LOCAL_DOMAINS.contains(&domain.to_ascii_lowercase().as_str()) =>
            {
                local
            }
            Some(_) => return Some(r.to_string()),
            None => r,
        };
        self.alias(r).or_else(|| mailbox.map(str::to_string))
    }

    fn alias(&self, name: &str) -> Option<String> {
        self.aliases
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_sysadmin_writes_them() {
        assert_eq!(parse_duration("5d").unwrap(), Duration::from_secs(432_000));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("5 weeks").is_err());
    }

    #[test]
    fn loopback_is_trusted_by_default_and_networks_are_checked() {
        let s = RelaySettings::default();
        let nets = s.trusted().unwrap();
        assert!(
            nets.iter()
                .any(|n| n.contains(&"127.0.0.1".parse::<IpAddr>().unwrap()))
        );
        let bad = RelaySettings {
            trusted_networks: Some(vec!["10.0.0.0/33".into()]),
            ..Default::default()
        };
        assert!(bad.check().unwrap_err().contains("10.0.0.0/33"));
        let none = RelaySettings {
            trusted_networks: Some(vec![]),
            ..Default::default()
        };
        assert!(none.trusted().unwrap().is_empty());
    }

    #[test]
    fn senders_and_aliases_map() {
        let mut s = RelaySettings {
            connector: Some("ops".into()),
            ..Default::default()
        };
        s.senders.insert("@backup.lan".into(), "backup".into());
        s.senders.insert("scanner".into(), "office".into());
        s.aliases.insert("root".into(), "admins@x.com".into());
        assert_eq!(
            s.connector_for("nas@BACKUP.lan", None).as_deref(),
            Some("backup")
        );
        assert_eq!(
            s.connector_for("x@y", Some("scanner")).as_deref(),
            Some("office")
        );
        assert_eq!(s.connector_for("x@y", None).as_deref(), Some("ops"));
        assert_eq!(
            s.map_recipient("root", Some("me@x.com")).as_deref(),
            Some("admins@x.com")
        );
        assert_eq!(
            s.map_recipient("www-data", Some("me@x.com")).as_deref(),
            Some("me@x.com")
        );
        assert_eq!(s.map_recipient("<a@b.c>", None).as_deref(), Some("a@b.c"));
        assert_eq!(s.map_recipient("www-data", None), None);
        assert_eq!(
            s.map_recipient("root@localhost", None).as_deref(),
            Some("admins@x.com")
        );
    }
}
