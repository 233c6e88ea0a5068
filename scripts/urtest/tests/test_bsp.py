# SPDX-License-Identifier: GPL-2.0
"""make bsp's generation, on fake patch files: the order both trees give the patches, the one
fragment they share, the Buildroot paths, and the readers that the checks rely on."""
import re
import tempfile
import unittest
from pathlib import Path

from urtest import bsp, kernel

SUBJECTS = ["init: first", "fs: second", "rust: third"]
NAMES = ["0001-init-first.patch", "0002-fs-second.patch", "0003-rust-third.patch"]


def fake_patch(number, subject):
    return (f"From 0123456789abcdef Mon Sep 17 00:00:00 2001\nFrom: A <a@example.net>\n"
            f"Subject: [PATCH {number}/3] {subject}\n\nWhy.\n\nSigned-off-by: A <a@example.net>\n"
            f"---\n a.c | 1 +\n\ndiff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1,2 @@\n a\n"
            f"+---\n-- \n2.39.5\n")


class GenerateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        # Written in reverse, so that nothing can get the order from the file system.
        self.patches = [root / "in" / n for n in NAMES]
        self.patches[0].parent.mkdir()
        for i, (path, subject) in reversed(list(enumerate(zip(self.patches, SUBJECTS)))):
            path.write_text(fake_patch(i + 1, subject))
        self.fragment = bsp.FRAGMENT.read_text()
        self.layer, self.external = bsp.generate(root / "bsp", self.patches, self.fragment, "6.12.99")

    def tearDown(self):
        self.tmp.cleanup()

    def test_bbappend_lists_the_patches_in_series_order(self):
        self.assertEqual([p.name for p in bsp.layer_patches(self.layer)], NAMES)
        for p in bsp.layer_patches(self.layer):
            self.assertTrue(p.is_file(), p)

    def test_series_file_lists_the_patches_in_series_order(self):
        self.assertEqual([p.name for p in bsp.external_patches(self.external)], NAMES)
        on_disk = sorted(p.name for p in (self.external / bsp.EXTERNAL_PATCHES).glob("*.patch"))
        self.assertEqual(on_disk, NAMES)  # Buildroot without a series file: name order

    def test_scc_has_the_configuration_and_no_patch(self):
        scc = (self.layer / bsp.LAYER_FILES / "user-root.scc").read_text()
        self.assertRegex(scc, r'(?m)^define KFEATURE_DESCRIPTION ".+"$')
        self.assertRegex(scc, r"(?m)^kconf non-hardware user-root\.cfg$")
        self.assertNotRegex(scc, r"(?m)^patch ")  # the patches are in SRC_URI, not twice
        bbappend = (self.layer / bsp.BBAPPEND).read_text()
        self.assertIn("file://user-root.scc", bbappend)
        self.assertNotIn("file://user-root.cfg", bbappend)  # the .scc brings it: not twice

    def test_bbappend_changes_nothing_without_the_distro_feature(self):
        bbappend = (self.layer / bsp.BBAPPEND).read_text()
        settings = [l for l in bbappend.splitlines() if re.match(r"^[A-Za-z_]", l)]
        self.assertTrue(settings)
        for line in settings:
            self.assertRegex(line, r"^\S+:df-user-root\b", line)

    def test_fragment_is_the_same_in_both_trees(self):
        cfg = (self.layer / bsp.LAYER_FRAGMENT).read_text()
        config = (self.external / bsp.EXTERNAL_FRAGMENT).read_text()
        self.assertEqual(cfg, config)
        self.assertEqual(cfg, self.fragment)

    def test_layer_patches_say_upstream_status_in_the_message(self):
        for name in NAMES:
            layer = (self.layer / bsp.LAYER_FILES / name).read_text()
            message, _, diff = layer.partition("\n---\n")
            self.assertTrue(message.endswith("\n" + bsp.UPSTREAM_STATUS), message)
            self.assertEqual(layer.replace(bsp.UPSTREAM_STATUS + "\n", "", 1),
                             (self.patches[0].parent / name).read_text())

    def test_buildroot_patches_are_the_format_patch_files(self):
        for path in self.patches:
            self.assertEqual((self.external / bsp.EXTERNAL_PATCHES / path.name).read_text(),
                             path.read_text())

    def test_buildroot_paths_are_relative_to_the_external_tree(self):
        desc = (self.external / "external.desc").read_text()
        name = re.search(r"(?m)^name: (\w+)$", desc).group(1)
        fragment = (self.external / "configs/user-root.fragment").read_text()
        values = dict(re.findall(r'(?m)^(BR2_LINUX_KERNEL_(?:PATCH|CONFIG_FRAGMENT_FILES))="([^"]*)"$',
                                 fragment))
        self.assertEqual(set(values), {"BR2_LINUX_KERNEL_PATCH", "BR2_LINUX_KERNEL_CONFIG_FRAGMENT_FILES"})
        prefix = f"$(BR2_EXTERNAL_{name}_PATH)/"
        for value in values.values():
            for path in value.split():
                self.assertTrue(path.startswith(prefix), path)
                self.assertTrue((self.external / path[len(prefix):]).exists(), path)
        self.assertIn('BR2_LINUX_KERNEL_CUSTOM_VERSION_VALUE="6.12.99"', fragment)
        for required in ("external.desc", "external.mk", "Config.in", "README.md"):
            self.assertTrue((self.external / required).is_file(), required)

    def test_no_placeholder_is_left_and_no_template_copied(self):
        for tree in (self.layer, self.external):
            for path in tree.rglob("*"):
                self.assertFalse(path.name.endswith(bsp.TEMPLATE), path)
                if path.is_file():
                    self.assertNotRegex(path.read_text(), r"@[A-Z_]+@", path)

    def test_generating_again_drops_patches_the_series_no_longer_has(self):
        layer, external = bsp.generate(Path(self.tmp.name) / "bsp", self.patches[:2], self.fragment, "6.12.99")
        self.assertEqual([p.name for p in bsp.layer_patches(layer)], NAMES[:2])
        self.assertFalse((layer / bsp.LAYER_FILES / NAMES[2]).exists())
        self.assertFalse((external / bsp.EXTERNAL_PATCHES / NAMES[2]).exists())

    def test_layer_declares_its_collection_consistently(self):
        conf = (self.layer / "conf/layer.conf").read_text()
        collection = re.search(r'(?m)^BBFILE_COLLECTIONS \+= "(\S+)"$', conf).group(1)
        for var in ("BBFILE_PATTERN", "BBFILE_PRIORITY", "LAYERSERIES_COMPAT", "LAYERDEPENDS"):
            self.assertRegex(conf, rf"(?m)^{var}_{re.escape(collection)} = ")
        self.assertTrue(bsp.RELEASES.search(conf).group(1).split())


class FragmentTest(unittest.TestCase):
    def test_sets_what_user_root_needs(self):
        wanted = dict(l.split("=", 1) for l in kernel.wanted([bsp.FRAGMENT]))
        self.assertEqual(wanted, {"CONFIG_RUST": "y", "CONFIG_MODVERSIONS": "n", "CONFIG_SHMEM": "y",
                                  "CONFIG_TMPFS": "y", "CONFIG_BLK_DEV_INITRD": "y",
                                  "CONFIG_USER_ROOT": "y"})

    def test_merge_config_sees_only_the_settings(self):
        # merge_config.sh takes "# CONFIG_X..." for a setting: the commented choice must not be one.
        text = bsp.FRAGMENT.read_text()
        self.assertIn("CONFIG_USER_ROOT_DEFAULT_ON=y", text)
        self.assertEqual(sorted(bsp.merge_config_settings(text)),
                         sorted(l.split("=")[0] for l in kernel.wanted([bsp.FRAGMENT])))


class ReadersTest(unittest.TestCase):
    def test_upstream_status_needs_a_message_separator(self):
        with self.assertRaises(ValueError):
            bsp.with_upstream_status("diff --git a/x b/x\n")

    def test_oelint_findings(self):
        out = ("recipes-kernel/linux/linux-yocto_6.12%.bbappend:10:error:oelint.func.specific:'do_configure'"
               " is set specific to ['df-user-root'] [branch:false]\n"
               "conf/layer.conf:3:warning:oelint.vars.layerconf:X should not be set\n")
        self.assertEqual([(p, n, sev, rule) for p, n, sev, rule, _ in bsp.parse_findings(out)],
                         [("recipes-kernel/linux/linux-yocto_6.12%.bbappend", 10, "error", "oelint.func.specific"),
                          ("conf/layer.conf", 3, "warning", "oelint.vars.layerconf")])
        self.assertEqual(bsp.parse_findings(""), [])

    def test_config_report_leaves_toolchain_strings_out(self):
        before = "# CONFIG_RUST is not set\nCONFIG_TMPFS=y\n"
        after = ("CONFIG_RUST=y\nCONFIG_TMPFS=y\nCONFIG_RUSTC_VERSION_TEXT=\"rustc 1\"\n"
                 "CONFIG_USER_ROOT=y\n# CONFIG_MODVERSIONS is not set\nCONFIG_SHMEM=y\n"
                 "CONFIG_BLK_DEV_INITRD=y\n")
        changed, lost = bsp.config_report(before, after)
        self.assertEqual(changed, [("RUST", "n", "y"), ("BLK_DEV_INITRD", "(absent)", "y"),
                                   ("SHMEM", "(absent)", "y"), ("USER_ROOT", "(absent)", "y")])
        self.assertEqual(lost, [])
        _, lost = bsp.config_report(before, after.replace("CONFIG_USER_ROOT=y\n", ""))
        self.assertEqual(lost, ["CONFIG_USER_ROOT=y"])


if __name__ == "__main__":
    unittest.main()
