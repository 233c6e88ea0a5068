# SPDX-License-Identifier: GPL-2.0
"""Tests of the tooling itself; `make check` runs them first (python3 -m unittest)."""
