//! Runner tokens (`GET /v1/runner-auth/token`, sent as `X-Runner-Token` on manager calls). A
//! token is derived from the key or session token that asked for it and a server secret, so a
//! key gets the same token after a restart; it works only while that key or session does, for
//! instances of its team. (The protocol's request names no instance, so these cannot be scoped
//! to one; the tokens the server gives verifiers are, see `verify`.)
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::keys::Keys;

pub struct RunnerTokens {
    secret: Vec<u8>,
    /// Token -> the credential that minted it.
    minted: Mutex<HashMap<String, String>>,
}

impl RunnerTokens {
    /// Reads `<data-dir>/runner-secret`, creating it (0600) on first start.
    pub fn load_or_create(data_dir: &Path) -> Result<RunnerTokens, String> {
        let path = data_dir.join("runner-secret");
        if !path.exists() {
            let secret = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
            crate::keys::write_private(&path, &secret)?;
        }
        let secret = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if secret.len() < 32 {
            return Err(format!("{} is too short to be a secret", path.display()));
        }
        Ok(RunnerTokens { secret, minted: Mutex::new(HashMap::new()) })
    }

    fn derive(&self, credential: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(&self.secret);
        hash.update([0]);
        hash.update(credential.as_bytes());
        format!("rt_{}", hex::encode(hash.finalize()))
    }

    /// The token of `credential` (a key or session token the caller just used).
    pub fn mint(&self, credential: &str) -> String {
        let token = self.derive(credential);
        self.minted.lock().unwrap_or_else(|p| p.into_inner()).insert(token.clone(), credential.to_string());
        token
    }

    /// Forgets the tokens whose credential `holds` rejects, once more than a few thousand were
    /// minted (sessions come and go; keys' tokens can always be derived again).
    pub fn prune(&self, holds: impl Fn(&str) -> bool) {
        let mut minted = self.minted.lock().unwrap_or_else(|p| p.into_inner());
        if minted.len() > 4096 {
            minted.retain(|_, credential| holds(credential));
        }
    }

    /// The credential that minted `token`: one minted since start, or a key's (after a restart).
    pub fn credential_of(&self, token: &str, keys: &Keys) -> Option<String> {
        if !token.starts_with("rt_") {
            return None;
        }
        if let Some(credential) = self.minted.lock().unwrap_or_else(|p| p.into_inner()).get(token) {
            return Some(credential.clone());
        }
        // Digests are compared, not the tokens: how long a comparison takes tells nothing of a
        // key's token.
        let given = Sha256::digest(token.as_bytes());
        let key = keys.all_keys().into_iter().find(|key| Sha256::digest(self.derive(key).as_bytes()) == given)?;
        self.minted.lock().unwrap_or_else(|p| p.into_inner()).insert(token.to_string(), key.clone());
        Some(key)
    }
}
