// SPDX-License-Identifier: GPL-2.0
//! Host-side unit tests of fs/user_root/param.rs, which has no kernel dependencies: the very
//! file that is built into the kernel is compiled here, with std, and tested.
//!
//! 6.12 has no `#[kunit_tests]`, and rustdoc tests only run for the `kernel` crate, so this is
//! how the parsing and the on/off decision get tested without booting.

#[allow(dead_code)]
#[path = "../../../../../fs/user_root/param.rs"]
mod param;

#[cfg(test)]
mod tests {
    use super::param::{decide, parse, Parsed, Request};

    #[test]
    fn bare_word_turns_it_on() {
        assert_eq!(parse(b""), Parsed::Set(Request::On));
    }

    #[test]
    fn on_values() {
        for v in ["1", "y", "Y", "yes", "on", "ON", "true", "True"] {
            assert_eq!(parse(format!("={v}").as_bytes()), Parsed::Set(Request::On), "{v}");
        }
    }

    #[test]
    fn off_values() {
        for v in ["0", "n", "N", "no", "off", "Off", "false"] {
            assert_eq!(parse(format!("={v}").as_bytes()), Parsed::Set(Request::Off), "{v}");
        }
    }

    #[test]
    fn invalid_values_are_reported_with_the_value() {
        for v in ["", "2", "onn", "of", "yes please", "-1", "o n", "\u{e9}"] {
            let word = format!("={v}");
            assert_eq!(parse(word.as_bytes()), Parsed::Invalid(v.as_bytes()), "{v:?}");
        }
    }

    #[test]
    fn longer_parameter_names_are_not_ours() {
        for rest in ["fs", "fs=1", "_x=1", "2"] {
            assert_eq!(parse(rest.as_bytes()), Parsed::NotOurs, "user_root{rest}");
        }
    }

    #[test]
    fn command_line_overrides_the_kconfig_default() {
        assert!(!decide(false, None));
        assert!(decide(true, None));
        assert!(decide(false, Some(Request::On)));
        assert!(!decide(true, Some(Request::Off)));
        assert!(decide(true, Some(Request::On)));
        assert!(!decide(false, Some(Request::Off)));
    }
}
