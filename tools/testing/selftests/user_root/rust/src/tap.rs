// SPDX-License-Identifier: GPL-2.0
//! Test outcomes, and their report in TAP version 13 as kselftests print it.

use std::fmt::Display;

/// What one test came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Not applicable to this system, with the reason.
    Skip(String),
    /// Failed, with the diagnostic.
    Fail(String),
}

impl Outcome {
    /// A test body's result: `Err` is a failure with its diagnostic.
    pub fn of(result: Result<Outcome, String>) -> Outcome {
        result.unwrap_or_else(Outcome::Fail)
    }

    /// A one-line form, to hand an outcome from a child process to its parent.
    pub fn encode(&self) -> String {
        match self {
            Outcome::Pass => "pass".into(),
            Outcome::Skip(why) => format!("skip {why}"),
            Outcome::Fail(why) => format!("fail {why}"),
        }
    }

    /// The outcome that `encode` gave `text`; anything else is a failure.
    pub fn decode(text: &str) -> Outcome {
        match text.split_once(' ').unwrap_or((text, "")) {
            ("pass", "") => Outcome::Pass,
            ("skip", why) => Outcome::Skip(why.into()),
            ("fail", why) => Outcome::Fail(why.into()),
            _ => Outcome::Fail(format!("the child reported {text:?}")),
        }
    }
}

/// Adds what was being done to an error, for a diagnostic.
pub trait Context<T> {
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T, E: Display> Context<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// `Err(msg())` unless `cond` holds.
pub fn ensure(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

/// Prints a diagnostic line, or several, as TAP comments.
pub fn note(text: &str) {
    for line in text.lines() {
        println!("# {line}");
    }
}

/// Numbered TAP results, counted for the totals and the exit status.
pub struct Tap {
    next: usize,
    passed: usize,
    skipped: usize,
    failed: usize,
}

/// The exit status of a kselftest whose tests were all skipped.
pub const KSFT_SKIP: i32 = 4;

impl Tap {
    /// Prints the header and the plan.
    pub fn start(plan: usize) -> Self {
        println!("TAP version 13");
        println!("1..{plan}");
        Self::resume(1)
    }

    fn resume(next: usize) -> Self {
        Self {
            next,
            passed: 0,
            skipped: 0,
            failed: 0,
        }
    }

    /// Where the document stands, for a program that this one executes to continue it.
    pub fn state(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.next, self.passed, self.skipped, self.failed
        )
    }

    /// Continues a document from the `state()` of the process that started it.
    pub fn from_state(state: &str) -> Option<Self> {
        let n: Vec<usize> = state
            .split(':')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        let [next, passed, skipped, failed] = n[..] else {
            return None;
        };
        Some(Self {
            next,
            passed,
            skipped,
            failed,
        })
    }

    pub fn failed(&self) -> usize {
        self.failed
    }

    pub fn report(&mut self, name: &str, outcome: Outcome) {
        let n = self.next;
        self.next += 1;
        match outcome {
            Outcome::Pass => {
                self.passed += 1;
                println!("ok {n} {name}");
            }
            Outcome::Skip(why) => {
                self.skipped += 1;
                println!("ok {n} {name} # SKIP {why}");
            }
            Outcome::Fail(why) => {
                self.failed += 1;
                for line in why.lines() {
                    println!("# {name}: {line}");
                }
                println!("not ok {n} {name}");
            }
        }
    }

    /// Prints the totals and returns the exit status: 1 if a test failed, `KSFT_SKIP` if all
    /// were skipped, else 0.
    pub fn finish(&self) -> i32 {
        println!(
            "# Totals: pass:{} fail:{} xfail:0 xpass:0 skip:{} error:0",
            self.passed, self.failed, self.skipped
        );
        if self.failed > 0 {
            1
        } else if self.passed == 0 && self.skipped > 0 {
            KSFT_SKIP
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip() {
        for o in [
            Outcome::Pass,
            Outcome::Skip("no user namespace".into()),
            Outcome::Fail("pivot_root: EINVAL".into()),
        ] {
            assert_eq!(Outcome::decode(&o.encode()), o);
        }
        assert!(matches!(Outcome::decode(""), Outcome::Fail(_)));
    }

    #[test]
    fn state_round_trips() {
        let tap = Tap {
            next: 3,
            passed: 1,
            skipped: 0,
            failed: 1,
        };
        let back = Tap::from_state(&tap.state()).unwrap();
        assert_eq!(back.state(), "3:1:0:1");
        assert!(Tap::from_state("3:1").is_none());
    }
}
