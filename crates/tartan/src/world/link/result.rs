//! How a Link session ended, as stored with it: the facts onSuccess and onExit are rendered
//! from (`products/link.rs`), never their wire JSON.
//!
//! Sessions written before this type stored the rendered callbacks themselves
//! (`{"on_success": {...}}` / `{"on_exit": {...}}`, plus an `item_add` copy of the success);
//! `stored` reads both shapes, so an older data dir or snapshot still loads.

use serde::{Deserialize, Deserializer, Serialize};

use super::SessionError;

/// Why the user left Link (onExit's `metadata.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    RequiresQuestions,
    RequiresSelections,
    RequiresCode,
    RequiresOauth,
    RequiresAccountSelection,
    RequiresCredentials,
    InstitutionNotSupported,
    InstitutionNotFound,
}

impl ExitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequiresQuestions => "requires_questions",
            Self::RequiresSelections => "requires_selections",
            Self::RequiresCode => "requires_code",
            Self::RequiresOauth => "requires_oauth",
            Self::RequiresAccountSelection => "requires_account_selection",
            Self::RequiresCredentials => "requires_credentials",
            Self::InstitutionNotSupported => "institution_not_supported",
            Self::InstitutionNotFound => "institution_not_found",
        }
    }
}

/// An account the session linked, as it was when Link handed it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedAccount {
    pub id: String,
    pub name: String,
    pub mask: String,
    #[serde(rename = "type")]
    pub account_type: String,
    pub subtype: String,
}

/// The end of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionResult {
    /// onSuccess: the Item was made (or updated) and a public token handed over.
    Success {
        public_token: String,
        institution_id: String,
        accounts: Vec<LinkedAccount>,
    },
    /// onExit: the user left, after an error or not.
    Exit {
        status: ExitStatus,
        error: Option<SessionError>,
        /// The request that ended the session.
        request_id: String,
    },
}

/// The shape stored before `SessionResult`: the rendered onSuccess / onExit.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Legacy {
    OnSuccess {
        public_token: String,
        metadata: LegacySuccessMeta,
    },
    OnExit {
        error: Option<LegacyError>,
        metadata: LegacyExitMeta,
    },
}

#[derive(Deserialize)]
struct LegacySuccessMeta {
    institution: LegacyInstitution,
    accounts: Vec<LinkedAccount>,
}

#[derive(Deserialize)]
struct LegacyInstitution {
    institution_id: String,
}

#[derive(Deserialize)]
struct LegacyError {
    error_code: String,
    error_message: String,
}

#[derive(Deserialize)]
struct LegacyExitMeta {
    status: ExitStatus,
    request_id: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Current(SessionResult),
    Legacy(Legacy),
}

impl From<Legacy> for SessionResult {
    fn from(l: Legacy) -> Self {
        match l {
            Legacy::OnSuccess {
                public_token,
                metadata,
            } => Self::Success {
                public_token,
                institution_id: metadata.institution.institution_id,
                accounts: metadata.accounts,
            },
            Legacy::OnExit { error, metadata } => Self::Exit {
                status: metadata.status,
                error: error.map(|e| SessionError {
                    code: e.error_code,
                    message: e.error_message,
                }),
                request_id: metadata.request_id,
            },
        }
    }
}

/// Reads `LinkSession::result` in either stored shape.
pub(super) fn stored<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SessionResult>, D::Error> {
    Ok(Option::<Stored>::deserialize(d)?.map(|s| match s {
        Stored::Current(r) => r,
        Stored::Legacy(l) => l.into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "stored")]
        result: Option<SessionResult>,
    }

    fn read(v: serde_json::Value) -> Option<SessionResult> {
        serde_json::from_value::<Holder>(v)
            .expect("readable")
            .result
    }

    #[test]
    fn reads_the_shape_stored_before_typed_results() {
        let success = json!({"result": {"on_success": {
            "public_token": "public-sandbox-1",
            "metadata": {
                "institution": {"name": "First Platypus Bank", "institution_id": "ins_109508"},
                "accounts": [{"id": "a1", "name": "Plaid Checking", "mask": "0000",
                              "type": "depository", "subtype": "checking",
                              "verification_status": null, "class_type": null}],
                "account": null, "link_session_id": "s1", "transfer_status": null,
            },
        }}});
        let Some(SessionResult::Success {
            public_token,
            institution_id,
            accounts,
        }) = read(success)
        else {
            panic!("a success");
        };
        assert_eq!(public_token, "public-sandbox-1");
        assert_eq!(institution_id, "ins_109508");
        assert_eq!(accounts[0].account_type, "depository");

        let exit = json!({"result": {"on_exit": {
            "error": {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOCKED",
                      "error_message": "locked", "display_message": "x"},
            "metadata": {"institution": null, "status": "requires_credentials",
                         "link_session_id": "s1", "request_id": "r1"},
        }}});
        assert_eq!(
            read(exit),
            Some(SessionResult::Exit {
                status: ExitStatus::RequiresCredentials,
                error: Some(SessionError {
                    code: "ITEM_LOCKED".into(),
                    message: "locked".into()
                }),
                request_id: "r1".into(),
            })
        );
        assert_eq!(read(json!({"result": null})), None);
        assert_eq!(read(json!({})), None);
    }

    #[test]
    fn the_current_shape_round_trips() {
        let r = SessionResult::Exit {
            status: ExitStatus::RequiresOauth,
            error: None,
            request_id: "r".into(),
        };
        let v = json!({ "result": serde_json::to_value(&r).expect("serializable") });
        assert_eq!(read(v), Some(r));
    }
}
