//! How healthy a connector's sign-in is: access-token expiry and the refresh token's age
//! against the identity platform's 90-day inactivity limit. Pure: the caller passes the
//! facts (never a token) and the time.

use serde::Serialize;

use super::Grant;

/// A refresh token unused for this long is refused by the identity platform.
pub const REFRESH_INACTIVITY_DAYS: i64 = 90;
/// Warn when a refresh token is this close to the limit.
pub const REFRESH_WARN_DAYS: i64 = 14;
const DAY: i64 = 24 * 60 * 60;

/// What the vault knows about a connector's tokens, without the tokens.
#[derive(Debug, Clone, Default)]
pub struct TokenFacts {
    pub has_access_token: bool,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    pub has_refresh_token: bool,
    /// Unix seconds.
    pub refresh_issued_at: Option<i64>,
    /// Unix seconds.
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    /// Whether the connector can get a new token on its own without a refresh token
    /// (client credentials, or ROPC with a stored password).
    pub self_renewing: bool,
}

/// The verdict shown by `graphmail connector status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// A usable access token, or one that renews without a person.
    Ok,
    /// Renews without a person now, but the refresh token nears the inactivity limit.
    Expiring,
    /// Only a person signing in again helps.
    NeedsSignIn,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Expiring => "expiring",
            Health::NeedsSignIn => "needs sign-in",
        }
    }
}

/// Token health at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenHealth {
    pub health: Health,
    /// Seconds the access token has left (negative once expired); `None` without one.
    pub access_expires_in: Option<i64>,
    /// Whole days since the refresh token was issued.
    pub refresh_age_days: Option<i64>,
    /// Days left before the inactivity limit: the limit less the whole days of age.
    pub refresh_days_left: Option<i64>,
}

/// Judges `facts` at `now` (Unix seconds) for a connector using `grant`.
pub fn assess(grant: Grant, facts: &TokenFacts, now: i64) -> TokenHealth {
    let access_expires_in = facts
        .has_access_token
        .then_some(facts.expires_at)
        .flatten()
        .map(|exp| exp - now);
    let refresh_age = facts
        .has_refresh_token
        .then_some(facts.refresh_issued_at)
        .flatten()
        .map(|at| (now - at).max(0));
    let refresh_age_days = refresh_age.map(|s| s / DAY);
    let refresh_days_left = refresh_age_days.map(|d| REFRESH_INACTIVITY_DAYS - d);
    let access_valid = access_expires_in.is_some_and(|s| s > 0);
    let refresh_alive =
        facts.has_refresh_token && refresh_age.is_none_or(|s| s < REFRESH_INACTIVITY_DAYS * DAY);
    let health = if facts.self_renewing || grant == Grant::ClientCredentials {
        Health::Ok
    } else if refresh_alive {
        if refresh_days_left.is_some_and(|d| d <= REFRESH_WARN_DAYS) {
            Health::Expiring
        } else {
            Health::Ok
        }
    } else if access_valid {
        // Works until the access token runs out, then a person must sign in.
        Health::Expiring
    } else {
        Health::NeedsSignIn
    };
    TokenHealth {
        health,
        access_expires_in,
        refresh_age_days,
        refresh_days_left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn delegated(issued_days_ago: i64) -> TokenFacts {
        TokenFacts {
            has_access_token: true,
            expires_at: Some(NOW - 10),
            has_refresh_token: true,
            refresh_issued_at: Some(NOW - issued_days_ago * DAY),
            ..TokenFacts::default()
        }
    }

    #[test]
    fn a_fresh_refresh_token_is_ok_even_with_an_expired_access_token() {
        let h = assess(Grant::AuthCode, &delegated(3), NOW);
        assert_eq!(h.health, Health::Ok);
        assert_eq!(h.access_expires_in, Some(-10));
        assert_eq!(h.refresh_age_days, Some(3));
        assert_eq!(h.refresh_days_left, Some(87));
    }

    #[test]
    fn a_refresh_token_near_the_90_day_limit_warns_and_past_it_needs_a_person() {
        assert_eq!(
            assess(Grant::DeviceCode, &delegated(80), NOW).health,
            Health::Expiring
        );
        let past = assess(Grant::DeviceCode, &delegated(91), NOW);
        assert_eq!(past.health, Health::NeedsSignIn);
        assert_eq!(past.refresh_days_left, Some(-1));
    }

    #[test]
    fn never_signed_in_needs_a_person_unless_the_grant_renews_itself() {
        let none = TokenFacts::default();
        assert_eq!(
            assess(Grant::AuthCode, &none, NOW).health,
            Health::NeedsSignIn
        );
        assert_eq!(
            assess(Grant::ClientCredentials, &none, NOW).health,
            Health::Ok
        );
        let ropc = TokenFacts {
            self_renewing: true,
            ..TokenFacts::default()
        };
        assert_eq!(assess(Grant::Ropc, &ropc, NOW).health, Health::Ok);
    }
}
