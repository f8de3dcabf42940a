use std::fmt;

use serde::{Deserialize, Serialize};

/// The Microsoft cloud a connector lives in: it decides the login host, the Graph host and the
/// resource that scopes are requested for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Cloud {
    Global,
    Usgov,
    UsgovDod,
    China,
    /// Explicit endpoints (a proxy, or the built-in emulator). `login_url` is the base that
    /// `/{tenant}/oauth2/v2.0/...` is appended to; `graph_url` is the API root including `/v1.0`.
    Custom {
        login_url: String,
        graph_url: String,
    },
}

/// The global Graph resource; a custom cloud stands in for it.
pub const GLOBAL_GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

impl Cloud {
    /// The clouds in the order a form offers them; a form fills in `Custom`'s URLs itself.
    pub const ALL: [Cloud; 5] = [
        Cloud::Global,
        Cloud::Usgov,
        Cloud::UsgovDod,
        Cloud::China,
        Cloud::Custom {
            login_url: String::new(),
            graph_url: String::new(),
        },
    ];

    /// The cloud after this one in [`Cloud::ALL`] (before it when `forward` is false), wrapping.
    pub fn cycle(&self, forward: bool) -> Cloud {
        let n = Cloud::ALL.len();
        let i = Cloud::ALL
            .iter()
            .position(|c| c.as_str() == self.as_str())
            .unwrap_or(0);
        let next = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        Cloud::ALL[next].clone()
    }

    /// The name used on the command line and in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Usgov => "usgov",
            Cloud::UsgovDod => "usgov-dod",
            Cloud::China => "china",
            Cloud::Custom { .. } => "custom",
        }
    }

    /// Login base URL without a trailing slash, e.g. `https://login.microsoftonline.com`.
    pub fn login_base(&self) -> String {
        match self {
            Cloud::Global => "https://login.microsoftonline.com".into(),
            Cloud::Usgov | Cloud::UsgovDod => "https://login.microsoftonline.us".into(),
            Cloud::China => "https://login.chinacloudapi.cn".into(),
            Cloud::Custom { login_url, .. } => login_url.trim_end_matches('/').to_string(),
        }
    }

    /// Graph API root including the version, without a trailing slash.
    pub fn graph_api(&self) -> String {
        match self {
            Cloud::Custom { graph_url, .. } => graph_url.trim_end_matches('/').to_string(),
            other => format!("{}/v1.0", other.graph_resource()),
        }
    }

    /// The resource that scopes are requested for (`<resource>/Mail.Read`, `<resource>/.default`).
    pub fn graph_resource(&self) -> String {
        match self {
            Cloud::Global | Cloud::Custom { .. } => GLOBAL_GRAPH_RESOURCE.into(),
            Cloud::Usgov => "https://graph.microsoft.us".into(),
            Cloud::UsgovDod => "https://dod-graph.microsoft.us".into(),
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn".into(),
        }
    }

    /// The host name of the Graph API (for display).
    pub fn graph_host(&self) -> String {
        let api = self.graph_api();
        url_host(&api).unwrap_or(api)
    }

    /// The host name of the login service (for display).
    pub fn login_host(&self) -> String {
        let base = self.login_base();
        url_host(&base).unwrap_or(base)
    }

    /// Parse a cloud name; `custom` needs its two URLs.
    pub fn from_name(
        name: &str,
        login_url: Option<&str>,
        graph_url: Option<&str>,
    ) -> Result<Cloud, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "global" | "public" | "commercial" => Ok(Cloud::Global),
            "usgov" | "gcch" | "gcc-high" => Ok(Cloud::Usgov),
            "usgov-dod" | "dod" => Ok(Cloud::UsgovDod),
            "china" | "21vianet" => Ok(Cloud::China),
            "custom" => match (login_url, graph_url) {
                (Some(l), Some(g)) => Ok(Cloud::Custom {
                    login_url: l.to_string(),
                    graph_url: g.to_string(),
                }),
                _ => Err("cloud: custom needs --login-url and --graph-url".into()),
            },
            other => Err(format!(
                "cloud: unknown cloud '{other}': use global, usgov, usgov-dod, china or custom"
            )),
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn url_host(u: &str) -> Option<String> {
    let rest = u.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next()?.to_string())
}

/// A Graph API root with its version segment: `http://127.0.0.1:8080` becomes
/// `http://127.0.0.1:8080/v1.0`. Returns the root and whether `/v1.0` was added.
pub fn with_graph_version(url: &str) -> (String, bool) {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or("");
    let versioned = last.eq_ignore_ascii_case("beta")
        || last
            .strip_prefix(['v', 'V'])
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if versioned || !trimmed.contains("://") {
        (trimmed.to_string(), false)
    } else {
        (format!("{trimmed}/v1.0"), true)
    }
}

#[cfg(test)]
mod graph_version_tests {
    use super::with_graph_version;

    #[test]
    fn a_graph_url_without_a_version_gets_v1() {
        assert_eq!(
            with_graph_version("http://127.0.0.1:9000"),
            ("http://127.0.0.1:9000/v1.0".to_string(), true)
        );
        assert_eq!(
            with_graph_version("https://graph.example.com/v1.0/"),
            ("https://graph.example.com/v1.0".to_string(), false)
        );
        assert_eq!(
            with_graph_version("https://graph.example.com/beta"),
            ("https://graph.example.com/beta".to_string(), false)
        );
    }
}
