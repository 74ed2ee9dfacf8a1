//! Multi-factor authentication in Link: the MFA a Sandbox password asks for, its questions
//! and the answers that pass (plaid-behavior.md 2.4).

use serde::{Deserialize, Serialize};

use crate::world::bank::custom::{CustomMfa, MfaType};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaKind {
    Device,
    Questions,
    Selections,
}

/// The MFA a Sandbox password asks for (plaid-behavior.md 2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mfa {
    pub kind: MfaKind,
    pub rounds: u32,
    pub per_round: u32,
    pub options: u32,
    /// 0-based.
    pub round: u32,
    /// `mfa_selections` (one Yes/No question) rather than `mfa_selections_<n>_<m>_<o>`.
    pub yes_no: bool,
}

/// A question of the MFA pane, with its choices for selections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaQuestion {
    pub text: String,
    pub options: Option<Vec<String>>,
}

impl MfaQuestion {
    fn new(text: impl Into<String>, options: Option<Vec<String>>) -> Self {
        Self {
            text: text.into(),
            options,
        }
    }
}

impl Mfa {
    pub(super) fn for_password(password: &str) -> Option<Self> {
        let plan = |kind, rounds, per_round, options, yes_no| Self {
            kind,
            rounds,
            per_round,
            options,
            round: 0,
            yes_no,
        };
        if password == "mfa_device" {
            return Some(plan(MfaKind::Device, 1, 1, 0, false));
        }
        if password == "mfa_selections" {
            return Some(plan(MfaKind::Selections, 1, 1, 2, true));
        }
        let nums = |rest: &str| -> Option<Vec<u32>> {
            rest.split('_').map(|n| n.parse::<u32>().ok()).collect()
        };
        if let Some(rest) = password.strip_prefix("mfa_questions_") {
            let n = nums(rest)?;
            if let [rounds @ 1..=9, per @ 1..=9] = n[..] {
                return Some(plan(MfaKind::Questions, rounds, per, 0, false));
            }
        }
        if let Some(rest) = password.strip_prefix("mfa_selections_") {
            let n = nums(rest)?;
            if let [rounds @ 1..=9, per @ 1..=9, options @ 2..=9] = n[..] {
                return Some(plan(MfaKind::Selections, rounds, per, options, false));
            }
        }
        None
    }

    /// The MFA a `user_custom` configuration asks for (Plaid's defaults: one round; two
    /// questions of two choices for selections).
    pub(super) fn for_custom(m: &CustomMfa) -> Self {
        let (kind, rounds, per_round, options) = match m.kind {
            MfaType::Device => (MfaKind::Device, 1, 1, 0),
            MfaType::Questions => (
                MfaKind::Questions,
                CustomMfa::count(m.question_rounds).unwrap_or(1),
                CustomMfa::count(m.questions_per_round).unwrap_or(1),
                0,
            ),
            MfaType::Selections => (
                MfaKind::Selections,
                CustomMfa::count(m.selection_rounds).unwrap_or(1),
                CustomMfa::count(m.questions_per_round).unwrap_or(2),
                CustomMfa::count(m.selections_per_question).unwrap_or(2),
            ),
        };
        Self {
            kind,
            rounds,
            per_round,
            options,
            round: 0,
            yes_no: false,
        }
    }

    /// The questions of the current round.
    pub fn questions(&self) -> Vec<MfaQuestion> {
        let r = self.round;
        match self.kind {
            MfaKind::Device => vec![MfaQuestion::new(
                "Enter the code sent to your device (Sandbox: 1234)",
                None,
            )],
            MfaKind::Questions => (0..self.per_round)
                .map(|j| {
                    let text = format!(
                        "Security question {} of round {} (Sandbox: answer_{r}_{j})",
                        j + 1,
                        r + 1
                    );
                    MfaQuestion::new(text, None)
                })
                .collect(),
            MfaKind::Selections if self.yes_no => vec![MfaQuestion::new(
                "Is this your first time logging in from this device?",
                Some(vec!["Yes".to_owned(), "No".to_owned()]),
            )],
            MfaKind::Selections => (0..self.per_round)
                .map(|j| {
                    let options: Vec<String> = (0..self.options)
                        .map(|k| format!("answer_{}_{}_{k}", r + 1, j + 1))
                        .collect();
                    let text = format!(
                        "Choose the right answer to question {} of round {}",
                        j + 1,
                        r + 1
                    );
                    MfaQuestion::new(text, Some(options))
                })
                .collect(),
        }
    }

    pub(super) fn expected(&self) -> Vec<String> {
        let r = self.round;
        match self.kind {
            MfaKind::Device => vec!["1234".to_owned()],
            MfaKind::Questions => (0..self.per_round)
                .map(|j| format!("answer_{r}_{j}"))
                .collect(),
            MfaKind::Selections if self.yes_no => vec!["Yes".to_owned()],
            MfaKind::Selections => (0..self.per_round)
                .map(|j| format!("answer_{}_{}_0", r + 1, j + 1))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_mfa_passwords() {
        let m = Mfa::for_password("mfa_questions_2_3").expect("questions");
        assert_eq!((m.kind, m.rounds, m.per_round), (MfaKind::Questions, 2, 3));
        assert_eq!(m.expected(), vec!["answer_0_0", "answer_0_1", "answer_0_2"]);
        let m = Mfa::for_password("mfa_selections_1_2_3").expect("selections");
        assert_eq!(m.expected(), vec!["answer_1_1_0", "answer_1_2_0"]);
        assert_eq!(
            Mfa::for_password("mfa_device").map(|m| m.expected()),
            Some(vec!["1234".to_owned()])
        );
        assert_eq!(
            Mfa::for_password("mfa_selections").map(|m| m.expected()),
            Some(vec!["Yes".to_owned()])
        );
        assert!(Mfa::for_password("mfa_questions_0_1").is_none());
        assert!(Mfa::for_password("pass_good").is_none());
    }
}
