//! Browser sessions: a page signs in once with an API key and gets a short-lived, team-scoped
//! token to use as its bearer key instead, so no master key ever sits in a page. Tokens live in
//! memory only: a restart signs every browser out.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::keys::Caller;

/// How long a browser session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// Prefix that tells a session token from an API key.
pub const PREFIX: &str = "fst_";

#[derive(Default)]
pub struct Sessions {
    tokens: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl Sessions {
    /// A new token for `caller`; expired tokens are dropped on the way.
    pub fn issue(&self, caller: Caller) -> String {
        let token = format!("{PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        tokens.retain(|_, (_, expires)| *expires > now);
        tokens.insert(token.clone(), (caller, now + SESSION_TTL));
        token
    }

    /// The caller of a live token.
    pub fn caller(&self, token: &str) -> Option<Caller> {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.get(token).filter(|(_, expires)| *expires > Instant::now()).map(|(c, _)| c.clone())
    }

    pub fn revoke(&self, token: &str) {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).remove(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_resolve_until_revoked() {
        let sessions = Sessions::default();
        let caller = Caller {
            team_id: "t".into(),
            team_name: "T".into(),
            profile_id: "p".into(),
            profile_name: "p".into(),
            instance_limit: 1,
        };
        let token = sessions.issue(caller.clone());
        assert!(token.starts_with(PREFIX));
        assert_eq!(sessions.caller(&token), Some(caller));
        sessions.revoke(&token);
        assert_eq!(sessions.caller(&token), None);
        assert_eq!(sessions.caller("fst_forged"), None);
    }
}
