//! Relay users: argon2id hashes of their passwords, kept in the vault.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::smtp::Authenticator;
use crate::vault::RelayUser;

/// The PHC string of `password` (argon2id, a fresh salt, the crate's default cost).
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

/// The relay users as loaded from the vault when the relay started.
pub struct VaultUsers(pub Vec<RelayUser>);

impl Authenticator for VaultUsers {
    fn verify(&self, user: &str, password: &str) -> bool {
        let Some(entry) = self.0.iter().find(|u| u.name == user) else {
            // Spend the same effort for an unknown user, so timing does not tell names apart.
            let _ = hash_password(password);
            return false;
        };
        PasswordHash::new(&entry.hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_password_opens_and_a_wrong_one_does_not() {
        let hash = hash_password("s3cret pass").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("s3cret"));
        let users = VaultUsers(vec![RelayUser {
            name: "scanner".into(),
            hash,
        }]);
        assert!(users.verify("scanner", "s3cret pass"));
        assert!(!users.verify("scanner", "wrong"));
        assert!(!users.verify("printer", "s3cret pass"));
    }
}
