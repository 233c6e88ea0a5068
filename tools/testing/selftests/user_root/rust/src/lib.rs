// SPDX-License-Identifier: GPL-2.0
//! The user_root test library: what the root of the running system is, TAP output, and the
//! system calls the tests need. The selftest `user_root_rs` and the VM-only program
//! `user_root_vm` (tools/testing/user_root/vm) are built on it.

pub mod root;
pub mod sys;
pub mod tap;
