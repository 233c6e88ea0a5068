// SPDX-License-Identifier: GPL-2.0

//! The `user_root` kernel parameter: which words of the command line set it, and which setting a
//! boot ends up with.
//!
//! `user_root` alone or `user_root=1|y|yes|on|true` switches user_root on, and
//! `user_root=0|n|no|off|false` switches it off (values in any case); the last such word wins over
//! earlier ones and over the Kconfig default. A word with any other value is reported and changes
//! nothing.
//!
//! These are whole words, on purpose not `kstrtobool()`: it decides on the first character
//! (`y`, `t`, `1`, `n`, `f`, `0`) or the first two (`on`, `of`), so it would read a mistyped
//! `user_root=nope` or `user_root=offf` as a setting instead of reporting it, and one that is not
//! a boolean at all, say `user_root=tmpfs`, would switch user_root on without a word. Every
//! word that `kstrtobool()` documents (`y`, `yes`, `1`, `on`, `true`, and their opposites) means
//! the same here; only its abbreviations and longer words are refused.
//!
//! Pure logic on byte strings, with no kernel dependencies, so that the host-side unit tests in
//! `tools/testing/user_root/unit` compile this very file.

use core::fmt;

/// The values that switch user_root on, as `user_root=<value>`; a bare `user_root` does too.
pub(crate) const ON: [&str; 5] = ["1", "y", "yes", "on", "true"];
/// The values that switch user_root off.
pub(crate) const OFF: [&str; 5] = ["0", "n", "no", "off", "false"];

/// Where the setting in effect comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// `CONFIG_USER_ROOT_DEFAULT_ON`: nothing valid on the command line so far.
    Kconfig,
    /// A valid `user_root` word on the command line.
    CommandLine,
}

/// The `user_root` setting in effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Setting {
    /// Whether the boot uses user_root.
    pub(crate) on: bool,
    /// What decided it.
    pub(crate) source: Source,
}

/// What a command-line word that starts with `user_root` does to the setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applied<'a> {
    /// A valid word: the new setting.
    Set(Setting),
    /// `user_root=<value>` with a value that is neither on nor off: the setting stays, and the
    /// caller reports it (the [`Ignored`] displays as the message).
    Ignored(Ignored<'a>),
    /// Another parameter that merely starts with `user_root` (say `user_rootfs`): not ours.
    NotOurs,
}

/// A `user_root=<value>` word that was ignored, and the setting that stays in effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ignored<'a> {
    /// The value, as given.
    pub(crate) value: &'a [u8],
    /// The setting in effect, unchanged.
    pub(crate) kept: Setting,
}

impl Setting {
    /// The setting before the command line says anything: the Kconfig default.
    pub(crate) const fn kconfig(default_on: bool) -> Self {
        Self {
            on: default_on,
            source: Source::Kconfig,
        }
    }

    /// Applies a command-line word that starts with `user_root`; `rest` is what follows.
    ///
    /// `__setup("user_root", ...)` matches by prefix, so `rest` is empty for a bare `user_root`,
    /// starts with `=` when a value was given, and is anything else for a longer parameter name.
    pub(crate) fn apply(self, rest: &[u8]) -> Applied<'_> {
        let value = match rest {
            [] => return Applied::Set(Self::from_command_line(true)),
            [b'=', value @ ..] => value,
            _ => return Applied::NotOurs,
        };
        let is = |set: &[&str]| {
            set.iter()
                .any(|word| value.eq_ignore_ascii_case(word.as_bytes()))
        };
        if is(&ON) {
            Applied::Set(Self::from_command_line(true))
        } else if is(&OFF) {
            Applied::Set(Self::from_command_line(false))
        } else {
            Applied::Ignored(Ignored { value, kept: self })
        }
    }

    const fn from_command_line(on: bool) -> Self {
        Self {
            on,
            source: Source::CommandLine,
        }
    }
}

/// `a|b|c`: one way of writing a list of values, the same in every message and document.
pub(crate) struct Alternatives<'a>(pub(crate) &'a [&'a str]);

impl fmt::Display for Alternatives<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, word) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            f.write_str(word)?;
        }
        Ok(())
    }
}

/// The warning for an ignored word, without a log prefix or newline.
impl fmt::Display for Ignored<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ignoring \"user_root=")?;
        // The value comes from the command line: show it, but escape what is not printable.
        for &byte in self.value {
            if byte.is_ascii_graphic() && byte != b'\\' && byte != b'"' {
                fmt::Write::write_char(f, byte as char)?;
            } else {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        write!(
            f,
            "\": expected user_root=<value> with {} (on) or {} (off); user_root stays {} ({})",
            Alternatives(&ON),
            Alternatives(&OFF),
            if self.kept.on { "on" } else { "off" },
            match self.kept.source {
                Source::Kconfig => "the Kconfig default",
                Source::CommandLine => "set earlier on the command line",
            }
        )
    }
}
