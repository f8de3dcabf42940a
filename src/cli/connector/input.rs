//! Turning `connector add|edit` flags into a connector and its secrets, and validation errors
//! into usage errors.

use std::path::Path;

use zeroize::Zeroizing;

use crate::bounded;
use crate::cli::{CliError, CliResult, ConnectorFields, Exit};
use crate::domain::connector::DEFAULT_REDIRECT_PORT;
use crate::domain::permissions::{ScopeRef, default_presets, parse_presets, parse_scopes};
use crate::domain::validate::{self, Field, FieldError, SecretPresence};
use crate::domain::{Cloud, Connector, Grant, Preset};
use crate::vault::ConnectorSecrets;

/// Secrets given on this command line (read from files or stdin, never argv).
#[derive(Default)]
pub struct SecretInput {
    pub client_secret: Option<Zeroizing<String>>,
    pub username: Option<String>,
    pub password: Option<Zeroizing<String>>,
}

impl SecretInput {
    /// Reads the secrets the flags point at.
    pub fn read(fields: &ConnectorFields) -> CliResult<SecretInput> {
        if fields.client_secret_stdin && fields.password_stdin {
            return Err(CliError::usage(
                "only one secret can come from standard input, but both --client-secret-stdin and --password-stdin were given",
            )
            .with_fix("read one of them from a file with --client-secret-file or --password-file"));
        }
        let client_secret = match (&fields.client_secret_file, fields.client_secret_stdin) {
            (Some(f), _) => Some(read_secret_file(f, Field::ClientSecret)?),
            (None, true) => Some(read_secret_stdin(Field::ClientSecret)?),
            (None, false) => None,
        };
        let password = match (&fields.password_file, fields.password_stdin) {
            (Some(f), _) => Some(read_secret_file(f, Field::Password)?),
            (None, true) => Some(read_secret_stdin(Field::Password)?),
            (None, false) => None,
        };
        Ok(SecretInput {
            client_secret,
            username: fields.username.as_ref().map(|u| u.trim().to_string()),
            password,
        })
    }

    /// Warnings about the secrets as given (a secret's ID given as the secret), said before
    /// they are stored.
    pub fn warnings(&self) -> Vec<String> {
        self.client_secret
            .as_deref()
            .and_then(|s| validate::client_secret_warning(s))
            .map(|w| w.message)
            .into_iter()
            .collect()
    }

    /// Stores what was given into the vault's secrets.
    pub fn apply(self, secrets: &mut ConnectorSecrets) {
        if let Some(s) = self.client_secret {
            secrets.client_secret = Some(s.to_string());
        }
        if let Some(u) = self.username {
            secrets.username = Some(u);
        }
        if let Some(p) = self.password {
            secrets.password = Some(p.to_string());
        }
    }
}

fn empty_secret(field: Field, source: &str) -> CliError {
    CliError::usage(format!("the {} from {source} is empty", field.label()))
        .with_fix(format!("put the {} on the first line", field.label()))
}

fn read_secret_file(path: &Path, field: Field) -> CliResult<Zeroizing<String>> {
    let source = path.display().to_string();
    let bytes = bounded::read_file(path, bounded::SECRET_LIMIT)
        .map_err(|e| unreadable_secret(field, &format!("the file {source}"), &e))?;
    secret_line(&bytes, field, &source)
}

fn read_secret_stdin(field: Field) -> CliResult<Zeroizing<String>> {
    let bytes = bounded::read_stdin(bounded::SECRET_LIMIT)
        .map_err(|e| unreadable_secret(field, "standard input", &e))?;
    secret_line(&bytes, field, "standard input")
}

/// A secret that cannot be read: too large is a usage error, naming the limit.
fn unreadable_secret(field: Field, source: &str, e: &bounded::ReadError) -> CliError {
    match e {
        bounded::ReadError::TooLarge { limit } => CliError::new(
            Exit::Usage,
            "secret_too_large",
            format!(
                "the {} from {source} is larger than {}, the most a secret may hold",
                field.label(),
                bounded::size(*limit)
            ),
        )
        .with_fix(format!(
            "give {} a file holding only the {} on its first line",
            field.flag(),
            field.label()
        )),
        bounded::ReadError::Io(_) => CliError::new(
            Exit::Failure,
            "secret_file_unreadable",
            format!("cannot read the {} from {source}: {e}", field.label()),
        )
        .with_fix(format!("check the path given to {}", field.flag())),
    }
}

/// The secret on the first line of `bytes`, refused (as a usage error) when it is not UTF-8
/// text, empty, or holds a control character.
fn secret_line(bytes: &[u8], field: Field, source: &str) -> CliResult<Zeroizing<String>> {
    let label = field.label();
    match bounded::first_line(bytes) {
        Ok(line) => Ok(Zeroizing::new(line.to_string())),
        Err(bounded::SecretProblem::Empty) => Err(empty_secret(field, source)),
        Err(bounded::SecretProblem::NotUtf8) => Err(CliError::usage(format!(
            "the {label} from {source} is not UTF-8 text"
        ))
        .with_fix(format!("save the {label} as plain text on the first line"))),
        Err(bounded::SecretProblem::Control) => Err(CliError::usage(format!(
            "the {label} from {source} holds a control character (such as NUL or ESC)"
        ))
        .with_fix(format!("put only the {label} itself on the first line"))),
    }
}

/// Validation problems as one usage error naming each field, its flag and the fix.
pub fn invalid(errors: Vec<FieldError>) -> CliError {
    invalid_with_code("invalid_connector", errors)
}

/// The same with another error code.
pub fn invalid_with_code(code: &'static str, errors: Vec<FieldError>) -> CliError {
    let mut flags: Vec<&str> = Vec::new();
    for e in &errors {
        if !flags.contains(&e.field.flag()) {
            flags.push(e.field.flag());
        }
    }
    let message = match errors.as_slice() {
        [one] => one.message.clone(),
        many => format!(
            "the connector has {} problems:\n  - {}",
            many.len(),
            many.iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("\n  - ")
        ),
    };
    CliError::new(Exit::Usage, code, message).with_fix(format!(
        "correct {} and run the command again",
        flags.join(", ")
    ))
}

fn field_err(field: Field, message: String) -> FieldError {
    let prefix = format!("{}: ", field.label());
    if message.starts_with(&prefix) {
        FieldError { field, message }
    } else {
        FieldError::new(field, message)
    }
}

/// Parses a grant name.
pub fn parse_grant(text: &str) -> Result<Grant, FieldError> {
    text.parse().map_err(|e: String| field_err(Field::Grant, e))
}

/// The cloud named by the flags, keeping `current` where the flags say nothing.
pub fn cloud_from(
    name: Option<&str>,
    login_url: Option<&str>,
    graph_url: Option<&str>,
    current: Option<&Cloud>,
) -> Result<Cloud, FieldError> {
    let (cur_login, cur_graph) = match current {
        Some(Cloud::Custom {
            login_url,
            graph_url,
        }) => (Some(login_url.as_str()), Some(graph_url.as_str())),
        _ => (None, None),
    };
    let custom = match name {
        Some(n) => n.trim().eq_ignore_ascii_case("custom"),
        None => cur_login.is_some() || (login_url.is_some() && graph_url.is_some()),
    };
    if !custom {
        if login_url.is_some() || graph_url.is_some() {
            let field = if login_url.is_some() {
                Field::LoginUrl
            } else {
                Field::GraphUrl
            };
            return Err(FieldError::new(
                field,
                "only a custom cloud takes explicit URLs: add --cloud custom, or leave out --login-url and --graph-url",
            ));
        }
        return match name {
            Some(n) => Cloud::from_name(n, None, None).map_err(|e| field_err(Field::Cloud, e)),
            None => Ok(current.cloned().unwrap_or(Cloud::Global)),
        };
    }
    let login = login_url.or(cur_login).ok_or_else(|| {
        FieldError::new(
            Field::LoginUrl,
            "a custom cloud needs its login base URL: give --login-url, e.g. https://login.example.com",
        )
    })?;
    let graph = graph_url.or(cur_graph).ok_or_else(|| {
        FieldError::new(
            Field::GraphUrl,
            "a custom cloud needs its Graph API root: give --graph-url, e.g. https://graph.example.com/v1.0",
        )
    })?;
    Ok(Cloud::Custom {
        login_url: login.trim().to_string(),
        graph_url: crate::domain::cloud::with_graph_version(graph.trim()).0,
    })
}

/// What the command says about the flags as it read them: a Graph URL given its version,
/// additional permissions it does not know (with the one probably meant).
pub fn notes(fields: &ConnectorFields, cloud: &Cloud) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(graph) = &fields.graph_url {
        let (fixed, added) = crate::domain::cloud::with_graph_version(graph.trim());
        if added {
            out.push(format!(
                "--graph-url has no version segment, so graphmail uses {fixed}"
            ));
        }
    }
    if let Some(text) = &fields.scopes {
        out.extend(parse_scopes(text, cloud).warnings);
    }
    out
}

/// Presets from `--permissions`; `None` when the flag is absent.
pub fn presets_from(text: Option<&str>) -> Result<Option<Vec<Preset>>, FieldError> {
    text.map(|t| parse_presets(t).map_err(|e| field_err(Field::Permissions, e)))
        .transpose()
}

/// Additional scopes from `--scopes`, normalised for the cloud; `None` when the flag is absent.
pub fn scopes_from(text: Option<&str>, cloud: &Cloud) -> Result<Option<Vec<String>>, FieldError> {
    let Some(text) = text else { return Ok(None) };
    validate::validate_scopes(text)?;
    Ok(Some(
        parse_scopes(text, cloud)
            .scopes
            .iter()
            .map(ScopeRef::text)
            .collect(),
    ))
}

/// Builds a new connector from `connector add` flags. Reports every problem at once.
pub fn new_connector(
    name: &str,
    fields: &ConnectorFields,
    secrets: &SecretInput,
) -> Result<Connector, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut missing = |value: &Option<String>, field: Field, what: &str| {
        if value.is_none() {
            errors.push(FieldError::new(
                field,
                format!("a new connector needs one: give {} {what}", field.flag()),
            ));
        }
    };
    missing(
        &fields.tenant,
        Field::Tenant,
        "with the Directory (tenant) ID",
    );
    missing(
        &fields.client_id,
        Field::ClientId,
        "with the Application (client) ID",
    );
    missing(
        &fields.grant,
        Field::Grant,
        "auth-code, device-code, ropc or client-credentials",
    );
    let grant = fields.grant.as_deref().map(parse_grant).transpose();
    let cloud = cloud_from(
        fields.cloud.as_deref(),
        fields.login_url.as_deref(),
        fields.graph_url.as_deref(),
        None,
    );
    let presets = presets_from(fields.permissions.as_deref());
    let (grant, cloud, presets) = match (grant, cloud, presets) {
        (Ok(g), Ok(c), Ok(p)) if errors.is_empty() => (g.unwrap_or(Grant::AuthCode), c, p),
        (g, c, p) => {
            errors.extend(g.err());
            errors.extend(c.err());
            errors.extend(p.err());
            return Err(errors);
        }
    };
    let extra = scopes_from(fields.scopes.as_deref(), &cloud).map_err(|e| vec![e])?;
    let presets = match (&presets, &extra) {
        (None, None) => default_presets(grant),
        _ => presets.unwrap_or_default(),
    };
    let connector = Connector {
        name: name.to_string(),
        cloud,
        tenant: fields.tenant.clone().unwrap_or_default().trim().to_string(),
        client_id: fields
            .client_id
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string(),
        grant,
        presets,
        extra_scopes: extra.unwrap_or_default(),
        mailbox: fields
            .mailbox
            .as_ref()
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty()),
        redirect_port: fields.redirect_port.unwrap_or(DEFAULT_REDIRECT_PORT),
    };
    let presence = SecretPresence {
        client_secret: secrets.client_secret.is_some(),
        username: secrets.username.is_some(),
        password: secrets.password.is_some(),
    };
    let errors = check(&connector, presence, secrets);
    if errors.is_empty() {
        Ok(connector)
    } else {
        Err(errors)
    }
}

/// Applies `connector edit` flags to a connector and its secrets, then validates the result.
/// Returns whether the ROPC user name and password were dropped because the grant changed.
pub fn edit_connector(
    connector: &mut Connector,
    stored: &mut ConnectorSecrets,
    fields: &ConnectorFields,
    secrets: SecretInput,
) -> Result<bool, Vec<FieldError>> {
    let one = |e: FieldError| vec![e];
    if let Some(t) = &fields.tenant {
        connector.tenant = t.trim().to_string();
    }
    if let Some(c) = &fields.client_id {
        connector.client_id = c.trim().to_string();
    }
    if let Some(g) = &fields.grant {
        connector.grant = parse_grant(g).map_err(one)?;
    }
    connector.cloud = cloud_from(
        fields.cloud.as_deref(),
        fields.login_url.as_deref(),
        fields.graph_url.as_deref(),
        Some(&connector.cloud),
    )
    .map_err(one)?;
    if let Some(p) = presets_from(fields.permissions.as_deref()).map_err(one)? {
        connector.presets = p;
    }
    if let Some(s) = scopes_from(fields.scopes.as_deref(), &connector.cloud).map_err(one)? {
        connector.extra_scopes = s;
    }
    if let Some(m) = &fields.mailbox {
        let m = m.trim();
        connector.mailbox = (!m.is_empty()).then(|| m.to_string());
    }
    if let Some(p) = fields.redirect_port {
        connector.redirect_port = p;
    }
    if fields.clear_client_secret {
        stored.client_secret = None;
    }
    let errors = check(
        connector,
        SecretPresence {
            client_secret: secrets.client_secret.is_some() || stored.client_secret.is_some(),
            username: secrets.username.is_some() || stored.username.is_some(),
            password: secrets.password.is_some() || stored.password.is_some(),
        },
        &secrets,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    secrets.apply(stored);
    let dropped =
        connector.grant != Grant::Ropc && (stored.username.is_some() || stored.password.is_some());
    if dropped {
        stored.username = None;
        stored.password = None;
    }
    Ok(dropped)
}

/// The whole-connector rules plus the ones about what this command line gave.
fn check(c: &Connector, presence: SecretPresence, given: &SecretInput) -> Vec<FieldError> {
    let mut errors = validate::validate_connector(c, presence);
    if let Some(u) = &given.username {
        if c.grant != Grant::Ropc {
            errors.push(FieldError::new(
                Field::Username,
                "only the ROPC grant signs in with a user name and password: leave out --username and the password, or use --grant ropc",
            ));
        } else if let Err(e) = validate::validate_username(u) {
            errors.push(e);
        }
    } else if given.password.is_some() && c.grant != Grant::Ropc {
        errors.push(FieldError::new(
            Field::Password,
            "only the ROPC grant signs in with a password: leave out the password, or use --grant ropc",
        ));
    }
    errors
}

/// Whether `edit` was given anything to change.
pub fn changes_anything(f: &ConnectorFields) -> bool {
    f.tenant.is_some()
        || f.client_id.is_some()
        || f.grant.is_some()
        || f.client_secret_file.is_some()
        || f.client_secret_stdin
        || f.clear_client_secret
        || f.username.is_some()
        || f.password_file.is_some()
        || f.password_stdin
        || f.permissions.is_some()
        || f.scopes.is_some()
        || f.cloud.is_some()
        || f.login_url.is_some()
        || f.graph_url.is_some()
        || f.mailbox.is_some()
        || f.redirect_port.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom() -> Cloud {
        Cloud::Custom {
            login_url: "http://127.0.0.1:9000".into(),
            graph_url: "http://127.0.0.1:9000/v1.0".into(),
        }
    }

    #[test]
    fn both_urls_without_a_cloud_name_mean_custom() {
        let c = cloud_from(
            None,
            Some("https://l.example.com"),
            Some("https://g.example.com/v1.0"),
            None,
        );
        assert!(matches!(c, Ok(Cloud::Custom { .. })));
    }

    #[test]
    fn urls_on_a_national_cloud_are_refused_on_the_url_field() {
        let err = cloud_from(Some("usgov"), None, Some("https://g.example.com"), None).unwrap_err();
        assert_eq!(err.field, Field::GraphUrl);
        assert!(err.message.contains("--cloud custom"), "{err}");
    }

    #[test]
    fn custom_cloud_without_a_url_names_the_missing_one() {
        let err =
            cloud_from(Some("custom"), Some("https://l.example.com"), None, None).unwrap_err();
        assert_eq!(err.field, Field::GraphUrl);
        assert!(err.message.contains("--graph-url"), "{err}");
    }

    #[test]
    fn edit_keeps_a_custom_cloud_and_changes_one_url() {
        let c = cloud_from(
            None,
            None,
            Some("http://127.0.0.1:9100/v1.0"),
            Some(&custom()),
        )
        .unwrap();
        assert_eq!(
            c,
            Cloud::Custom {
                login_url: "http://127.0.0.1:9000".into(),
                graph_url: "http://127.0.0.1:9100/v1.0".into(),
            }
        );
        assert_eq!(
            cloud_from(Some("global"), None, None, Some(&custom())),
            Ok(Cloud::Global)
        );
    }

    fn ropc() -> (Connector, ConnectorSecrets) {
        let connector = Connector {
            name: "legacy".into(),
            cloud: Cloud::Global,
            tenant: "contoso.com".into(),
            client_id: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into(),
            grant: Grant::Ropc,
            presets: vec![Preset::Fetch],
            extra_scopes: vec![],
            mailbox: None,
            redirect_port: DEFAULT_REDIRECT_PORT,
        };
        let secrets = ConnectorSecrets {
            client_secret: None,
            username: Some("alex@contoso.com".into()),
            password: Some("pw".into()),
        };
        (connector, secrets)
    }

    #[test]
    fn leaving_ropc_forgets_the_user_name_and_password() {
        let (mut c, mut s) = ropc();
        let fields = ConnectorFields {
            grant: Some("device-code".into()),
            ..Default::default()
        };
        let dropped = edit_connector(&mut c, &mut s, &fields, SecretInput::default()).unwrap();
        assert!(dropped);
        assert!(s.username.is_none() && s.password.is_none());
    }

    #[test]
    fn a_failed_edit_reports_fields_and_keeps_the_secrets() {
        let (mut c, mut s) = ropc();
        let fields = ConnectorFields {
            tenant: Some("common".into()),
            ..Default::default()
        };
        let errors = edit_connector(&mut c, &mut s, &fields, SecretInput::default()).unwrap_err();
        assert_eq!(errors[0].field, Field::Tenant);
        assert!(s.password.is_some());
    }

    #[test]
    fn a_user_name_on_another_grant_is_refused() {
        let fields = ConnectorFields {
            tenant: Some("contoso.com".into()),
            client_id: Some("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into()),
            grant: Some("auth-code".into()),
            ..Default::default()
        };
        let given = SecretInput {
            username: Some("alex@contoso.com".into()),
            ..Default::default()
        };
        let errors = new_connector("web", &fields, &given).unwrap_err();
        assert_eq!(errors[0].field, Field::Username);
        assert!(errors[0].message.contains("--grant ropc"));
    }
}
