# SPDX-License-Identifier: GPL-2.0
"""The console parser against consoles recorded from real boots of the test kernel (test_data/):
a passing boot, a failing one, a kernel BUG, a timeout, and kernel messages interleaved with a
userspace TAP document; plus the corner cases of the format."""
import unittest
from pathlib import Path

from urtest import ktap

DATA = Path(__file__).parent / "test_data"


def parse(name):
    return ktap.parse((DATA / name).read_text(errors="replace"))


class RecordedConsoles(unittest.TestCase):
    def test_passing_boot(self):
        r = parse("pass.log")
        self.assertTrue(r.done)
        self.assertEqual(r.problems, [])
        self.assertEqual(r.kernel_errors, [])
        self.assertEqual(r.failed(), [])
        names = {x.name: x for x in r.results}
        # KUnit's cases count, one level down in the suite, and know their suite.
        doctest = names["rust_doctest_kernel_fs_sb_rs_1"]
        self.assertEqual((doctest.status, doctest.suite), ("pass", "rust_doctests_kernel"))
        self.assertNotIn("rust_doctests_kernel", names)
        # The kselftest harness and the Rust program, at the top level of their documents.
        self.assertEqual(names["global.null_root_refuses_root"].status, "pass")
        skipped = names["global.kernel_mounted_root_sits_on_null_root"]
        self.assertEqual((skipped.status, skipped.reason), ("skip", "only for root="))
        self.assertEqual(names["old_root_memory_returned"].status, "pass")
        self.assertGreater(r.counts()["pass"], 100)

    def test_failing_boot(self):
        r = parse("fail.log")
        self.assertEqual([x.name for x in r.failed()][:6], [
            "global.mount_tree", "global.pivot_root_dot_dot_and_detach", "global.pivot_root_put_old",
            "global.pivot_root_initial_namespace_and_back",
            "global.namespace_root_is_locked_without_user_root", "global.null_root_not_mountable"])
        self.assertFalse(r.done)                 # PID 1 died: the kernel panicked
        self.assertEqual(len(r.kernel_errors), 1)
        self.assertIn("Attempted to kill init", r.lines[r.kernel_errors[0]])

    def test_kernel_bug(self):
        r = parse("bug.log")
        self.assertFalse(r.done)
        reports = [r.lines[i] for i in r.kernel_errors]
        self.assertTrue(any("kernel BUG at" in l for l in reports), reports)
        self.assertTrue(any("Oops" in l for l in reports), reports)
        # The userspace document stopped after its first result.
        self.assertIn("userspace document at line", " ".join(r.problems))
        self.assertIn("1 results for a plan of 2", " ".join(r.problems))

    def test_timeout(self):
        r = parse("timeout.log")
        self.assertFalse(r.done)
        self.assertEqual(r.kernel_errors, [])
        self.assertEqual([x.name for x in r.results if x.suite == ""][-2:], ["first", "second"])
        self.assertIn("2 results for a plan of 3", " ".join(r.problems))

    def test_kernel_messages_inside_a_userspace_document(self):
        r = parse("interleaved.log")
        self.assertTrue(r.done)
        self.assertEqual(r.problems, [])
        text = (DATA / "interleaved.log").read_text()
        # The recording does have kernel lines between the TAP lines of the modules test.
        first, last = text.index("ok 1 a module mounts"), text.index("ok 4 its live superblock")
        self.assertIn("] user_root_fs_pinned: mounted", text[first:last])
        mine = [x for x in r.results if "module" in x.name]
        self.assertEqual([x.status for x in mine], ["pass"] * 4)


class Format(unittest.TestCase):
    def test_kernel_line_that_broke_into_a_userspace_line(self):
        # As a serial console shows it: the kernel line ends the physical line, the rest of the
        # userspace line (here only its line end) comes after it.
        r = ktap.parse("[    1.0] Run /init as init process\nTAP version 13\n1..2\n"
                       "ok 1 one[    2.100000] virtio_blk: hello\n\nok 2 two\n# user_root: guest done\n")
        self.assertEqual([(x.name, x.status) for x in r.results], [("one", "pass"), ("two", "pass")])
        self.assertEqual(r.problems, [])
        self.assertTrue(r.done)
        self.assertEqual([t for _, t in r.kernel], ["Run /init as init process", "virtio_blk: hello"])

    def test_userspace_line_broken_in_the_middle_is_joined_up(self):
        # From a fuzzing boot: the mouse's probe message broke into the guest's report.
        r = ktap.parse("[    0.9] Run /init as init process\n"
                       "# fuzz: ./a/f2 data:41[    1.442578] input: ImExPS/2 Generic Explorer Mouse\n"
                       "6705398251f13b\n# user_root: gue[    1.5] one\n[    1.6] two\nst done\n")
        self.assertIn((1, "# fuzz: ./a/f2 data:416705398251f13b"), r.user)
        self.assertIn((3, "# user_root: guest done"), r.user)
        self.assertEqual([t for _, t in r.kernel][1:], ["input: ImExPS/2 Generic Explorer Mouse", "one", "two"])
        self.assertTrue(r.done)

    def test_a_whole_line_that_quotes_the_kernel_log_stays_whole(self):
        # A SKIP reason with a dmesg -r line, then a result and the end marker: a joined
        # candidate never takes the place of the lines TAP reads.
        r = ktap.parse("[    0.9] Run /init\nTAP version 13\n1..2\nok 1 a # SKIP kernel rejected: <3>[    1.41] x\n"
                       "ok 2 b\n# user_root: guest done\n")
        self.assertEqual([(x.name, x.status) for x in r.results], [("a", "skip"), ("b", "pass")])
        self.assertEqual(r.problems, [])
        self.assertTrue(r.done)
        r = ktap.parse("[    0.9] Run /init\nTAP version 13\n1..1\nok 1 a\nWaiting for vda... [    2.0] virtio_blk: vda\n"
                       "# user_root: guest done\n")
        self.assertTrue(r.done)
        self.assertEqual(r.problems, [])

    def test_a_diagnostic_quoting_the_kernel_log_is_not_joined(self):
        r = ktap.parse("[    1.0] Run /init\nTAP version 13\n1..2\nok 1 a\n# [    0.4] host kernel: acpi x\n"
                       "# [    0.5] host kernel: acpi y\nok 2 b\n")
        self.assertEqual([(x.name, x.status) for x in r.results], [("a", "pass"), ("b", "pass")])
        self.assertEqual(r.problems, [])

    def test_firmware_text_before_the_first_kernel_line_stays_apart(self):
        r = ktap.parse("Booting from ROM..[    0.000000] Linux version 6.12\nTAP version 13\n1..1\nok 1 a\n")
        self.assertEqual([t for _, t in r.user], ["Booting from ROM..", "TAP version 13", "1..1", "ok 1 a"])
        self.assertEqual([(x.name, x.status) for x in r.results], [("a", "pass")])

    def test_error_report_counts_only_on_kernel_lines(self):
        r = ktap.parse("TAP version 13\n1..1\n# test prints BUG: in its diagnostics\nok 1 x\n"
                       "[    1.0] WARNING: CPU: 0 PID: 1 at fs/x.c:1\n")
        self.assertEqual(len(r.kernel_errors), 1)

    def test_parent_failing_without_a_failed_subtest(self):
        r = ktap.parse("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 case\n"
                       "not ok 1 suite\n")
        self.assertEqual([(x.name, x.status) for x in r.results],
                         [("case", "pass"), ("suite (as a whole)", "fail")])

    def test_skip_directive_and_descriptions(self):
        r = ktap.parse("TAP version 14\n1..3\nok 1 - a # SKIP not here\nnot ok 2 b # TODO later\n"
                       "ok 3 c # skip lower case\n")
        self.assertEqual([(x.name, x.status, x.reason) for x in r.results],
                         [("a", "skip", "not here"), ("b", "fail", ""), ("c", "skip", "lower case")])

    def test_a_document_without_a_plan_is_incomplete(self):
        r = ktap.parse("TAP version 13\n# the program died before its plan\n")
        self.assertIn("no plan", " ".join(r.problems))

    def test_numbers_must_follow_each_other(self):
        r = ktap.parse("TAP version 13\n1..3\nok 1 a\nok 1 b\nok 3 c\n")
        self.assertIn("result 1 where 2 was due", " ".join(r.problems))

    def test_several_documents_each_with_its_plan(self):
        r = ktap.parse("TAP version 13\n1..1\nok 1 a\nTAP version 13\n1..2\nok 1 b\n")
        self.assertEqual(len(r.results), 2)
        self.assertEqual(len(r.problems), 1)


class Lists(unittest.TestCase):
    """The guest's "# list NAME (N): ..." lines (scripts/guest/ima.sh), which the host compares
    between boots."""

    def test_a_list_and_an_empty_one(self):
        r = ktap.parse("[    1.0] Run /init\n# list ima-measured (3): /bin/busybox /init /vm/ima.sh\n"
                       "# list other (0):\n# user_root: guest done\n")
        self.assertEqual(r.lists, {"ima-measured": ["/bin/busybox", "/init", "/vm/ima.sh"], "other": []})

    def test_no_list_line_no_list(self):
        self.assertEqual(parse("pass.log").lists, {})

    def test_a_list_broken_by_a_kernel_message_is_joined_up(self):
        # In the middle of a name: the head alone has the right count, the joined line wins.
        r = ktap.parse("[    1.0] Run /init\n# list ima-measured (3): /bin/busybox /init /vm/ima"
                       "[    1.2] random: crng init done\n.sh\nok 1 x\n")
        self.assertEqual(r.lists["ima-measured"], ["/bin/busybox", "/init", "/vm/ima.sh"])
        # Between two names: the head is short of its count.
        r = ktap.parse("[    1.0] Run /init\n# list ima-measured (3): /bin/busybox /init "
                       "[    1.2] random: crng init done\n/vm/ima.sh\nok 1 x\n")
        self.assertEqual(r.lists["ima-measured"], ["/bin/busybox", "/init", "/vm/ima.sh"])

    def test_a_whole_list_followed_by_a_kernel_message_is_not_joined_to_the_next_line(self):
        r = ktap.parse("[    1.0] Run /init\n# list ima-measured (2): /init /vm/ima.sh"
                       "[    1.2] random: crng init done\n# / is ramfs\n")
        self.assertEqual(r.lists["ima-measured"], ["/init", "/vm/ima.sh"])

    def test_a_line_short_of_its_count_is_no_list(self):
        r = ktap.parse("[    1.0] Run /init\n# list ima-measured (3): /bin/busybox /init\n")
        self.assertNotIn("ima-measured", r.lists)

    def test_a_kernel_line_is_no_list(self):
        self.assertEqual(ktap.parse("[    1.0] # list ima-measured (1): /init\n").lists, {})


if __name__ == "__main__":
    unittest.main()
