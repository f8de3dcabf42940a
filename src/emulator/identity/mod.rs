//! `{login_url}/{tenant}/oauth2/v2.0/...`: authorize, token, devicecode, discovery, consent.
