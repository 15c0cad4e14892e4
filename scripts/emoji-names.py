#!/usr/bin/env python3
"""Writes server/data/emoji/{ru,pt-BR,zh-CN}.tsv: each emoji's name and search words in that
language, from Unicode CLDR's annotations (the npm packages cldr-annotations-full and
cldr-annotations-derived-full; Unicode License v3, see docs/i18n.md). Run again to update:

    scripts/emoji-names.py [NODE_MODULES]

Without NODE_MODULES the two packages are installed into a temporary directory with npm.
A line is `emoji<TAB>name<TAB>words`, words separated by spaces; the emoji is written as
CLDR writes it (without U+FE0F), the server matches it so.
"""
import json
import os
import subprocess
import sys
import tempfile

VERSION = "48.2.0"
LANGS = {"ru": "ru", "pt-BR": "pt", "zh-CN": "zh"}


def modules():
    if len(sys.argv) > 1:
        return sys.argv[1]
    where = tempfile.mkdtemp(prefix="cldr-")
    subprocess.run(
        ["npm", "install", "--prefix", where, "--no-audit", "--no-fund",
         f"cldr-annotations-full@{VERSION}", f"cldr-annotations-derived-full@{VERSION}"],
        check=True, stdout=subprocess.DEVNULL)
    return os.path.join(where, "node_modules")


def is_emoji(text):
    """An emoji the picker offers: no skin-tone variants (the picker shows the base emoji),
    nor the letters, digits and symbols CLDR names too."""
    if any(0x1F3FB <= ord(c) <= 0x1F3FF for c in text):
        return False
    return "\u20e3" in text or any(ord(c) >= 0x2190 for c in text)


def clean(text):
    return " ".join(text.replace("\t", " ").split())


def main():
    root = modules()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "data", "emoji")
    os.makedirs(out, exist_ok=True)
    for tag, cldr in LANGS.items():
        names = {}
        for package, section, key in [
            ("cldr-annotations-full", "annotations", "annotations"),
            ("cldr-annotations-derived-full", "annotationsDerived", "annotationsDerived"),
        ]:
            with open(os.path.join(root, package, section, cldr, "annotations.json"), encoding="utf-8") as f:
                for emoji, entry in json.load(f)[key]["annotations"].items():
                    tts = entry.get("tts") or []
                    if not tts or not is_emoji(emoji):
                        continue
                    words = []
                    for word in entry.get("default") or []:
                        word = clean(word).lower()
                        if word and word not in words:
                            words.append(word)
                    names[emoji.replace("\ufe0f", "")] = (clean(tts[0]), words)
        with open(os.path.join(out, f"{tag}.tsv"), "w", encoding="utf-8") as f:
            for emoji in sorted(names):
                name, words = names[emoji]
                f.write(f"{emoji}\t{name}\t{' '.join(words)}\n")
        print(f"{tag}: {len(names)} emoji")


main()
