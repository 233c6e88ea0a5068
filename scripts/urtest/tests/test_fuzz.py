# SPDX-License-Identifier: GPL-2.0
"""The fuzzing cases: reproducible, varied, and read back as the kernel's rules say."""
import unittest

from urtest import cpio, fuzz, ktap, qemu


class Cases(unittest.TestCase):
    def test_a_seed_always_gives_the_same_archive(self):
        for seed in range(40):
            self.assertEqual(fuzz.mutate(seed).data, fuzz.mutate(seed).data)

    def test_every_mutation_is_made_and_changes_something(self):
        base = {}
        for seed in range(3 * len(fuzz.MUTATIONS)):
            case = fuzz.mutate(seed)
            base.setdefault(case.mutation, set()).add(case.data)
        self.assertEqual(set(base), set(fuzz.MUTATIONS))
        self.assertTrue(all(len(datas) == 3 for datas in base.values()))

    def test_every_archive_is_far_below_the_mib_the_guest_hashes_of_a_file(self):
        # scripts/guest/fuzz-init.sh hashes a file's first MiB: the unpacker cannot write more
        # than an archive holds (the compressed ones hold archives made the same way).
        for seed in range(300):
            case = fuzz.mutate(seed)
            if case.mutation not in ("gzip_corrupt", "concat"):
                self.assertLess(len(case.data), 1 << 16, case.name)

    def test_some_cases_are_valid_and_some_are_not(self):
        valid = invalid = 0
        for seed in range(100):
            data = fuzz.mutate(seed).data
            try:
                cpio.read(data)
                valid += 1
            except (cpio.FormatError, ValueError, IndexError):
                invalid += 1
        self.assertGreater(valid, 10)
        self.assertGreater(invalid, 10)

    def test_the_harness_is_a_valid_archive_with_init(self):
        [entries] = cpio.read(fuzz.harness())
        names = [e.name for e in entries]
        self.assertIn("init", names)
        self.assertIn(f"{fuzz.HARNESS_DIR}/busybox", names)


class Outcome(unittest.TestCase):
    def test_classes(self):
        self.assertEqual(fuzz.outcome(ktap.parse("[    0.5] Initramfs unpacking failed: junk within compressed archive\n")),
                         ("error", "junk within compressed archive"))
        self.assertEqual(fuzz.outcome(ktap.parse("# fuzz: tree " + "a" * 64 + " 12 entries\n")), ("tree", "a" * 64))
        self.assertEqual(fuzz.outcome(ktap.parse("[    1.0] Kernel panic - not syncing: No working init found.\n")),
                         ("no-init", ""))
        # A userspace line that looks like an error is not the kernel's.
        self.assertEqual(fuzz.outcome(ktap.parse("Initramfs unpacking failed: x\n")), ("none", ""))

    def test_a_report_a_kernel_line_broke_into_still_counts(self):
        tree = "7c419f6193a522a9b90fbf636e6e809b482430c668cbbdb872ba5d7c74ecd18c"
        console = (f"[    0.88] Run /init as init process\n# fuzz: tree {tree[:20]}[    1.557149] input: "
                   f"ImExPS/2 Generic Explorer Mouse\n{tree[20:]} 13 entries\n# user_root: guest done\n")
        self.assertEqual(fuzz.outcome(ktap.parse(console)), ("tree", tree))

    def test_a_boot_without_an_outcome_is_a_failure(self):
        v = qemu.Verdict("b", True, 1.0, [], [], ktap.parse(""), [], "tcg")
        self.assertEqual(fuzz.crashed(v, ("none", "")), ["no outcome on the console"])
        self.assertEqual(fuzz.crashed(v, ("tree", "ab")), [])


if __name__ == "__main__":
    unittest.main()
