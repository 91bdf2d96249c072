//! Browser sessions: a page signs in once with an API key and gets a short-lived, team-scoped
//! token to use as its bearer key instead, so no master key ever sits in a page. Tokens live in
//! memory only: a restart signs every browser out.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::keys::Caller;

/// How long a browser session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// The most sessions one key may hold at once; signing in again past this ends its oldest.
pub const MAX_SESSIONS_PER_KEY: usize = 32;
/// Prefix that tells a session token from an API key.
pub const PREFIX: &str = "fst_";

/// A live session: who it acts for, the key that signed it in, and when it ends.
struct Session {
    caller: Caller,
    key: String,
    expires: Instant,
}

#[derive(Default)]
pub struct Sessions {
    tokens: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new token for `caller`, signed in with `key`; expired tokens are dropped on the way.
    pub fn issue(&self, caller: Caller, key: &str) -> String {
        let token = format!("{PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        tokens.retain(|_, s| s.expires > now);
        let mut own: Vec<(Instant, String)> =
            tokens.iter().filter(|(_, s)| s.key == key).map(|(t, s)| (s.expires, t.clone())).collect();
        if own.len() >= MAX_SESSIONS_PER_KEY {
            own.sort();
            for (_, oldest) in own.iter().take(own.len() + 1 - MAX_SESSIONS_PER_KEY) {
                tokens.remove(oldest);
            }
        }
        tokens.insert(token.clone(), Session { caller, key: key.to_string(), expires: now + SESSION_TTL });
        token
    }

    /// The caller of a live token and the key that signed it in (which must still be valid for
    /// the session to be: see `auth::resolve`).
    pub fn caller(&self, token: &str) -> Option<(Caller, String)> {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.get(token).filter(|s| s.expires > Instant::now()).map(|s| (s.caller.clone(), s.key.clone()))
    }

    pub fn revoke(&self, token: &str) {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).remove(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller {
            team_id: "t".into(),
            team_name: "T".into(),
            profile_id: "p".into(),
            profile_name: "p".into(),
            instance_limit: 1,
        }
    }

    #[test]
    fn issued_tokens_resolve_until_revoked() {
        let sessions = Sessions::default();
        let caller = caller();
        let token = sessions.issue(caller.clone(), "k");
        assert!(token.starts_with(PREFIX));
        assert_eq!(sessions.caller(&token), Some((caller, "k".to_string())));
        sessions.revoke(&token);
        assert_eq!(sessions.caller(&token), None);
    }

    #[test]
    fn a_key_holds_a_bounded_number_of_sessions_and_loses_the_oldest() {
        let sessions = Sessions::default();
        let caller = caller();
        let first = sessions.issue(caller.clone(), "k");
        let rest: Vec<String> = (0..MAX_SESSIONS_PER_KEY).map(|_| sessions.issue(caller.clone(), "k")).collect();
        assert_eq!(sessions.caller(&first), None, "the oldest went");
        assert!(rest.iter().all(|t| sessions.caller(t).is_some()));
        assert!(sessions.caller(&sessions.issue(caller.clone(), "other")).is_some(), "other keys are apart");
        assert_eq!(sessions.caller("fst_forged"), None);
    }
}
