// SPDX-License-Identifier: GPL-2.0
//! Host-side unit tests of fs/user_root/param.rs, which has no kernel dependencies: the very
//! file that is built into the kernel is compiled here, with std, and tested.
//!
//! 6.12 has no `#[kunit_tests]`, and rustdoc tests only run for the `kernel` crate, so this is
//! how the parsing, the "last valid word wins" rule and the warning get tested without booting.

#[allow(dead_code)]
#[path = "../../../../../fs/user_root/param.rs"]
mod param;

#[cfg(test)]
mod tests {
    use super::param::{Alternatives, Applied, Ignored, Setting, Source, OFF, ON};
    use std::path::Path;

    const KCONFIG_OFF: Setting = Setting::kconfig(false);

    fn set(on: bool) -> Applied<'static> {
        Applied::Set(Setting {
            on,
            source: Source::CommandLine,
        })
    }

    /// The setting a boot ends with: the Kconfig default, then every `user_root` word in turn
    /// (`rest` is what follows "user_root", as `__setup()` hands it over), as the kernel does.
    fn boot(default_on: bool, words: &[&str]) -> (Setting, Vec<String>) {
        let mut setting = Setting::kconfig(default_on);
        let mut warnings = vec![];
        for rest in words {
            match setting.apply(rest.as_bytes()) {
                Applied::Set(new) => setting = new,
                Applied::Ignored(ignored) => warnings.push(ignored.to_string()),
                Applied::NotOurs => {}
            }
        }
        (setting, warnings)
    }

    #[test]
    fn bare_word_turns_it_on() {
        assert_eq!(KCONFIG_OFF.apply(b""), set(true));
    }

    #[test]
    fn on_values_in_any_case() {
        for v in ["1", "y", "Y", "yes", "on", "ON", "true", "True"] {
            assert_eq!(
                KCONFIG_OFF.apply(format!("={v}").as_bytes()),
                set(true),
                "{v}"
            );
        }
    }

    #[test]
    fn off_values_in_any_case() {
        for v in ["0", "n", "N", "no", "off", "Off", "false"] {
            assert_eq!(
                KCONFIG_OFF.apply(format!("={v}").as_bytes()),
                set(false),
                "{v}"
            );
        }
    }

    #[test]
    fn invalid_values_keep_the_setting_and_are_named() {
        for v in ["", "2", "onn", "of", "yes please", "-1", "o n", "\u{e9}"] {
            let word = format!("={v}");
            assert_eq!(
                KCONFIG_OFF.apply(word.as_bytes()),
                Applied::Ignored(Ignored {
                    value: v.as_bytes(),
                    kept: KCONFIG_OFF
                }),
                "{v:?}"
            );
        }
    }

    #[test]
    fn longer_parameter_names_are_not_ours() {
        for rest in ["fs", "fs=1", "_x=1", "2"] {
            assert_eq!(
                KCONFIG_OFF.apply(rest.as_bytes()),
                Applied::NotOurs,
                "user_root{rest}"
            );
        }
    }

    #[test]
    fn the_last_valid_word_wins() {
        assert_eq!(boot(false, &[]).0, Setting::kconfig(false));
        assert_eq!(boot(true, &[]).0, Setting::kconfig(true));
        assert!(boot(false, &["", "=0", "=on"]).0.on);
        assert!(!boot(true, &["=1", "=off"]).0.on);
        assert!(!boot(false, &["", "=0"]).0.on);
        // Invalid words and other parameters change nothing.
        let (setting, warnings) = boot(false, &["", "=bogus", "fs=0"]);
        assert_eq!(
            setting,
            Setting {
                on: true,
                source: Source::CommandLine
            }
        );
        assert_eq!(warnings.len(), 1);
        assert_eq!(boot(true, &["=maybe"]).0, Setting::kconfig(true));
    }

    #[test]
    fn the_warning_names_the_value_every_accepted_value_and_what_stays() {
        let (_, from_kconfig) = boot(false, &["=bogus"]);
        assert_eq!(
            from_kconfig,
            ["ignoring \"user_root=bogus\": expected user_root=<value> with 1|y|yes|on|true (on) \
              or 0|n|no|off|false (off); user_root stays off (the Kconfig default)"]
        );
        let (_, from_cmdline) = boot(false, &["", "=2"]);
        assert!(from_cmdline[0].ends_with("user_root stays on (set earlier on the command line)"));
        let (_, default_on) = boot(true, &["=x"]);
        assert!(default_on[0].ends_with("user_root stays on (the Kconfig default)"));
    }

    #[test]
    fn the_warning_escapes_what_is_not_printable() {
        let (_, w) = boot(false, &["=a\"b\\c\u{1b}\u{e9}"]);
        assert!(
            w[0].starts_with("ignoring \"user_root=a\\x22b\\x5cc\\x1b\\xc3\\xa9\": "),
            "{}",
            w[0]
        );
    }

    /// Every place that describes the parameter lists the same values, in the same form as the
    /// warning: one description, not five.
    #[test]
    fn the_documentation_lists_every_accepted_value() {
        let on = Alternatives(&ON).to_string();
        let off = Alternatives(&OFF).to_string();
        assert_eq!(on, "1|y|yes|on|true");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../..");
        for doc in [
            "fs/user_root/Kconfig",
            "fs/user_root/param.rs",
            "Documentation/admin-guide/kernel-parameters.txt.patch",
            "Documentation/filesystems/user_root.rst",
            "series",
        ] {
            let text = std::fs::read_to_string(repo.join(doc)).unwrap();
            let flat: String = text
                .lines()
                .map(|l| l.trim_start_matches(['+', '\t', ' ', '/', '!', '#']))
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                flat.contains(&format!("user_root={on}")),
                "{doc} lacks user_root={on}"
            );
            assert!(
                flat.contains(&format!("user_root={off}")),
                "{doc} lacks user_root={off}"
            );
        }
    }
}
