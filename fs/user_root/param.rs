// SPDX-License-Identifier: GPL-2.0

//! The `user_root` kernel parameter and the on/off decision.
//!
//! Pure logic on byte strings, with no kernel dependencies, so that the host-side unit tests in
//! `tools/testing/user_root/unit` compile this very file.

/// A valid setting of the `user_root` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// `user_root`, `user_root=1|y|yes|on|true`.
    On,
    /// `user_root=0|n|no|off|false`.
    Off,
}

/// What a command-line word that starts with `user_root` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a> {
    /// A valid setting.
    Set(Request),
    /// `user_root=<value>` with a value that is neither on nor off: the caller warns, naming the
    /// value, and keeps the Kconfig default.
    Invalid(&'a [u8]),
    /// Another parameter that merely starts with `user_root` (say `user_rootfs`): not ours.
    NotOurs,
}

const ON: [&[u8]; 5] = [b"1", b"y", b"yes", b"on", b"true"];
const OFF: [&[u8]; 5] = [b"0", b"n", b"no", b"off", b"false"];

/// Parses `rest`, what follows `user_root` in a command-line word.
///
/// `__setup("user_root", ...)` matches by prefix, so `rest` is empty for a bare `user_root`,
/// starts with `=` when a value was given, and is anything else for a longer parameter name.
pub(crate) fn parse(rest: &[u8]) -> Parsed<'_> {
    let value = match rest {
        [] => return Parsed::Set(Request::On),
        [b'=', value @ ..] => value,
        _ => return Parsed::NotOurs,
    };
    let is = |set: &[&[u8]]| set.iter().any(|word| value.eq_ignore_ascii_case(word));
    if is(&ON) {
        Parsed::Set(Request::On)
    } else if is(&OFF) {
        Parsed::Set(Request::Off)
    } else {
        Parsed::Invalid(value)
    }
}

/// Decides whether this boot uses user_root: the command line, if it said anything valid (the
/// last valid word wins), overrides the Kconfig default.
pub(crate) fn decide(default_on: bool, request: Option<Request>) -> bool {
    match request {
        Some(Request::On) => true,
        Some(Request::Off) => false,
        None => default_on,
    }
}
