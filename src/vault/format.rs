//! The vault file: an age file (binary; armored is read too) whose plaintext is the JSON
//! vault document plus an `access` section naming every key it is encrypted to, so that
//! whoever opens it can save it again for all of them.

use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::keys::{BoxedIdentity, RecipientKey};
use super::{SCHEMA_VERSION, VaultDocument, VaultError};

/// Who the vault is encrypted to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Access {
    /// Public keys (`age1…`) of the vault's own keys, whose secrets are in the passphrase
    /// protected key file. Empty for a vault without a passphrase; two while the passphrase
    /// is being changed.
    #[serde(default)]
    pub vault_keys: Vec<String>,
    /// The admins' public keys: `age1…`, `ssh-ed25519 …`, `ssh-rsa …`.
    #[serde(default)]
    pub recipients: Vec<String>,
}

impl Access {
    pub fn recipient_keys(&self) -> Vec<RecipientKey> {
        self.recipients
            .iter()
            .filter_map(|r| RecipientKey::parse(r).ok())
            .collect()
    }
}

#[derive(Serialize)]
struct PayloadOut<'a> {
    #[serde(flatten)]
    document: &'a VaultDocument,
    access: &'a Access,
}

#[derive(Deserialize)]
struct PayloadIn {
    #[serde(flatten)]
    document: VaultDocument,
    #[serde(default)]
    access: Access,
}

#[derive(Deserialize)]
struct SchemaProbe {
    schema: u32,
}

/// The plaintext that goes into the age file.
pub(crate) fn plaintext(
    document: &VaultDocument,
    access: &Access,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    serde_json::to_vec_pretty(&PayloadOut { document, access })
        .map(Zeroizing::new)
        .map_err(|e| VaultError::Invalid(format!("cannot encode the vault document: {e}")))
}

/// Encrypts the plaintext to every key in `access`.
pub(crate) fn seal(access: &Access, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut recipients = Vec::new();
    for key in access.vault_keys.iter().chain(&access.recipients) {
        recipients.push(RecipientKey::parse(key)?.to_age()?);
    }
    if recipients.is_empty() {
        return Err(VaultError::Invalid(
            "the vault would have neither a passphrase nor a recipient, so nobody could open it"
                .into(),
        ));
    }
    let encryptor = age::Encryptor::with_recipients(
        recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
    )
    .map_err(|e| VaultError::Invalid(format!("cannot encrypt the vault: {e}")))?;
    let mut out = Vec::with_capacity(plaintext.len() + 1024);
    let written = (|| -> std::io::Result<()> {
        let mut w = encryptor.wrap_output(&mut out)?;
        w.write_all(plaintext)?;
        w.finish()?;
        Ok(())
    })();
    written.map_err(super::storage::io_error("cannot encrypt the vault"))?;
    Ok(out)
}

/// Decrypts and decodes a vault file. Nothing is written, whatever the outcome.
pub(crate) fn open(
    path: &Path,
    bytes: &[u8],
    identities: &[BoxedIdentity],
) -> Result<(VaultDocument, Access), VaultError> {
    let damaged = |detail: String| VaultError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(bytes))
        .map_err(|e| damaged(format!("it is not a readable age file ({e})")))?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => VaultError::NoMatchingIdentity,
            other => damaged(other.to_string()),
        })?;
    let mut text = Zeroizing::new(Vec::with_capacity(bytes.len()));
    reader
        .read_to_end(&mut text)
        .map_err(|e| damaged(format!("its encrypted contents do not check out ({e})")))?;
    let probe: SchemaProbe = serde_json::from_slice(&text)
        .map_err(|_| damaged("it does not hold a graphmail vault document".into()))?;
    if probe.schema > SCHEMA_VERSION {
        return Err(VaultError::NewerSchema {
            found: probe.schema,
            supported: SCHEMA_VERSION,
        });
    }
    let payload: PayloadIn = serde_json::from_slice(&text)
        // serde's message may quote a value, and values can be secrets: give the place only.
        .map_err(|e| {
            damaged(format!(
                "its document does not decode (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
    Ok((payload.document, payload.access))
}
