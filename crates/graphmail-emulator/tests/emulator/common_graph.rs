//! A Graph-mail emulator on 127.0.0.1 for tests, with tokens minted directly.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this helper"
)]

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use graphmail_emulator::faults::{self, Faults};
use graphmail_emulator::graph::{self, MailState};
use graphmail_emulator::identity::IdentityState;
use graphmail_emulator::tenant::TenantSeed;
use graphmail_emulator::{AccessClaims, Emulator, TokenSigner};
use serde_json::{Value, json};

pub const TENANT_ID: &str = "4f3c2b1a-9d8e-4c7b-a6f5-0e1d2c3b4a59";
pub const APP_ID: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

pub struct Server {
    pub emu: Arc<Emulator>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub http: reqwest::Client,
}

pub fn tenant() -> TenantSeed {
    let user = |id: &str, upn: &str, name: &str| json!({ "id": id, "upn": upn, "display_name": name, "password": "demo-password" });
    serde_json::from_value(json!({
        "tenant": {
            "id": TENANT_ID,
            "domain": "contoso-demo.onmicrosoft.com",
            "display_name": "Contoso Demo",
        },
        "users": [
            user("87d349ed-44d7-43e1-9a83-5f2406dee5bd", "adele@contoso-demo.onmicrosoft.com", "Adele Vance"),
            user("2e4f6a8c-0b1d-4e3f-8a5c-7b9d1f3e5a7c", "alex@contoso-demo.onmicrosoft.com", "Alex Wilber"),
            user("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "megan@contoso-demo.onmicrosoft.com", "Megan Bowen"),
        ],
        "apps": [],
    }))
    .expect("the test tenant matches the seed format")
}

pub async fn start() -> Server {
    start_with(None, "").await
}

/// Starts the emulator with `messages` bulk messages and a fault spec.
pub async fn start_with(messages: Option<usize>, faults_spec: &str) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("bound address"));
    let tenant = tenant();
    let emu = Arc::new(Emulator {
        login_url: base.clone(),
        graph_url: format!("{base}/v1.0"),
        mail: MailState::new(&tenant, messages),
        tenant,
        signer: TokenSigner::new(),
        identity: IdentityState::default(),
        faults: Faults::parse(faults_spec).expect("test fault spec parses"),
    });
    let app = graph::routes()
        .merge(graph::hooks())
        .layer(from_fn_with_state(emu.clone(), faults::inject))
        .with_state(emu.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("emulator serves");
    });
    let http = reqwest::Client::builder()
        .build()
        .expect("reqwest client builds");
    Server { emu, base, http }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

impl Server {
    pub fn graph(&self, path: &str) -> String {
        format!("{}/v1.0{path}", self.base)
    }

    pub fn hook(&self, path: &str) -> String {
        format!("{}/_emulator{path}", self.base)
    }

    fn claims(&self) -> AccessClaims {
        AccessClaims {
            tid: TENANT_ID.into(),
            appid: APP_ID.into(),
            oid: None,
            upn: None,
            scp: String::new(),
            roles: vec![],
            aud: "https://graph.microsoft.com".into(),
            iss: format!("{}/{TENANT_ID}/v2.0", self.base),
            iat: now(),
            nbf: now(),
            exp: now() + 3600,
        }
    }

    /// A delegated token for tenant user `user` with space-separated `scopes`.
    pub fn token(&self, user: usize, scopes: &str) -> String {
        let u = &self.emu.tenant.users[user];
        let mut c = self.claims();
        c.oid = Some(u.id.clone());
        c.upn = Some(u.upn.clone());
        c.scp = scopes.into();
        self.emu.signer.sign(&c)
    }

    /// Adele with read, write and send.
    pub fn adele(&self) -> String {
        self.token(0, "Mail.ReadWrite Mail.Send User.Read")
    }

    /// An app-only token with `roles`.
    pub fn app_token(&self, roles: &[&str]) -> String {
        let mut c = self.claims();
        c.roles = roles.iter().map(|r| r.to_string()).collect();
        self.emu.signer.sign(&c)
    }

    pub fn expired_token(&self) -> String {
        let mut c = self.claims();
        c.oid = Some(self.emu.tenant.users[0].id.clone());
        c.scp = "Mail.Read".into();
        c.iat = now() - 7200;
        c.nbf = now() - 7200;
        c.exp = now() - 3600;
        self.emu.signer.sign(&c)
    }

    /// GET a URL without a token and read its JSON body.
    pub async fn fetch_json(&self, url: &str) -> Value {
        crate::common_emulator::fetch_json(&self.http, url).await
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.graph(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request completes")
    }

    pub async fn get_json(&self, token: &str, path: &str) -> Value {
        let resp = self.get(token, path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.expect("JSON body")
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.graph(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request completes")
    }

    /// `POST /me/messages/{id}/{action}` (move, copy, createReply, send …).
    pub async fn on_message(
        &self,
        token: &str,
        id: &str,
        action: &str,
        body: &Value,
    ) -> reqwest::Response {
        let path = format!("/me/messages/{id}/{action}");
        self.post(token, &path, body).await
    }

    /// `POST /me/messages/{id}/move` to a folder id or well-known name.
    pub async fn move_to(&self, token: &str, id: &str, destination: &str) -> reqwest::Response {
        let body = json!({ "destinationId": destination });
        self.on_message(token, id, "move", &body).await
    }

    pub async fn set_faults(&self, spec: &str) {
        let resp = self
            .http
            .post(self.hook("/faults"))
            .body(spec.to_owned())
            .send()
            .await
            .expect("hook answers");
        assert_eq!(resp.status(), 200, "fault spec {spec:?}");
    }

    /// Every page of a list, following `@odata.nextLink` verbatim.
    pub async fn all_pages(&self, token: &str, first_url: &str) -> (Vec<Value>, usize) {
        let mut url = first_url.to_owned();
        let mut items = vec![];
        let mut pages = 0;
        loop {
            let resp = self
                .http
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .expect("page answers");
            assert_eq!(resp.status(), 200, "GET {url}");
            let page: Value = resp.json().await.expect("JSON page");
            pages += 1;
            items.extend(
                page["value"]
                    .as_array()
                    .expect("value array")
                    .iter()
                    .cloned(),
            );
            match page["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_owned(),
                None => break,
            }
        }
        (items, pages)
    }
}

/// The Graph error envelope's code, after checking the envelope's shape.
pub fn error_code(body: &Value) -> String {
    let err = &body["error"];
    assert!(err["message"].is_string(), "error.message in {body}");
    let inner = &err["innerError"];
    let date = inner["date"].as_str().expect("innerError.date");
    assert_eq!(date.len(), 19, "YYYY-MM-DDTHH:MM:SS, got {date}");
    assert_eq!(&date[10..11], "T");
    assert!(inner["request-id"].is_string(), "innerError.request-id");
    assert!(
        inner["client-request-id"].is_string(),
        "innerError.client-request-id"
    );
    err["code"].as_str().expect("error.code").to_owned()
}

/// The id of the newest message in the Inbox.
pub async fn first_inbox_id(s: &Server, t: &str) -> String {
    let page = s
        .get_json(t, "/me/mailFolders/inbox/messages?$top=1&$select=id")
        .await;
    page["value"][0]["id"].as_str().unwrap().to_owned()
}

/// Checks `value` against a schema from Microsoft's metadata: every property is declared
/// there, with the declared type or enum value.
pub fn conforms(schemas: &Value, name: &str, value: &Value, at: &str) {
    let schema = &schemas[name];
    assert!(!schema.is_null(), "no schema {name}");
    if let Some(values) = schema["enum"].as_array() {
        assert!(values.contains(value), "{at}: {value} not in {name}");
        return;
    }
    let props = schema["properties"].as_object().expect("properties");
    for (k, v) in value.as_object().expect("an object") {
        if k.starts_with('@') {
            continue;
        }
        let prop = props
            .get(k)
            .unwrap_or_else(|| panic!("{at}.{k} is not a property of {name}"));
        check_type(schemas, prop, v, &format!("{at}.{k}"));
    }
}

fn check_type(schemas: &Value, prop: &Value, v: &Value, at: &str) {
    if v.is_null() {
        let nullable = prop["nullable"].as_bool() == Some(true)
            || prop["anyOf"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["enum"] == json!([null])));
        assert!(nullable, "{at} is null but not nullable");
        return;
    }
    if let Some(r) = prop["$ref"].as_str() {
        return conforms(schemas, r.rsplit('/').next().unwrap(), v, at);
    }
    if let Some(any) = prop["anyOf"].as_array() {
        let r = any[0]["allOf"][0]["$ref"].as_str().expect("anyOf ref");
        return conforms(schemas, r.rsplit('/').next().unwrap(), v, at);
    }
    match prop["type"].as_str() {
        Some("string") => assert!(v.is_string(), "{at} should be a string"),
        Some("boolean") => assert!(v.is_boolean(), "{at} should be a boolean"),
        Some("integer") => assert!(v.is_i64(), "{at} should be an integer"),
        Some("array") => {
            for (n, item) in v.as_array().expect("array").iter().enumerate() {
                check_type(schemas, &prop["items"], item, &format!("{at}[{n}]"));
            }
        }
        other => panic!("{at}: unexpected schema type {other:?}"),
    }
}

pub fn schemas() -> Value {
    let text = include_str!("../fixtures/graph-mail-schemas.json");
    serde_json::from_str::<Value>(text).unwrap()["schemas"].clone()
}
