#!/usr/bin/env python3
"""Measures a small trained alternative to the lexicon mood scorer (docs/mood.md).

A multinomial naive Bayes classifier over character 1-4-grams, per language, trained only on
data shipped for tuning: the development sets (engine/tests/data/dev/) and the lexicon
entries (engine/data/mood/: each sentiment word is a positive or negative example, each word
marked neutral a neutral one). It is scored on the frozen evaluation sets, which it never
sees. Plain Python, no dependencies: `python3 scripts/mood_model.py`.
"""
import math
import os
import re
from collections import Counter, defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine")
LABELS = ["positive", "neutral", "negative"]
LANGS = {"ru": "mood_ru.tsv", "pt": "mood_pt.tsv", "zh": "mood_zh.tsv"}
N = (1, 4)


def labelled(path):
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            yield label, text


def lexicon_examples(lang):
    for name in (f"afinn/{lang}.tsv", f"{lang}.tsv"):
        for line in open(os.path.join(ROOT, "data", "mood", name), encoding="utf-8"):
            if not line.strip() or line.startswith("#"):
                continue
            word, value = line.rstrip("\n").split("\t", 1)
            value = value.removeprefix("soft ")
            try:
                v = float(value)
            except ValueError:
                continue  # modifiers carry no sentiment of their own
            yield ("positive" if v > 0 else "negative" if v < 0 else "neutral"), word


def grams(text):
    text = " " + re.sub(r"\s+", " ", text.lower()) + " "
    for n in range(N[0], N[1] + 1):
        for i in range(len(text) - n + 1):
            yield text[i : i + n]


class NaiveBayes:
    def __init__(self, examples):
        self.counts = {label: Counter() for label in LABELS}
        self.docs = Counter()
        for label, text in examples:
            self.docs[label] += 1
            self.counts[label].update(grams(text))
        self.vocab = set().union(*self.counts.values())
        self.totals = {label: sum(c.values()) for label, c in self.counts.items()}

    def predict(self, text):
        docs = sum(self.docs.values())
        best, best_score = None, -math.inf
        for label in LABELS:
            score = math.log((self.docs[label] + 1) / (docs + 3))
            denom = self.totals[label] + len(self.vocab)
            for g in grams(text):
                score += math.log((self.counts[label][g] + 1) / denom)
            if score > best_score:
                best, best_score = label, score
        return best


def report(lang, model, cases):
    confusion = defaultdict(Counter)
    for label, text in cases:
        confusion[label][model.predict(text)] += 1
    accuracy = sum(confusion[l][l] for l in LABELS) / len(cases)
    f1 = 0.0
    for l in LABELS:
        tp = confusion[l][l]
        predicted = sum(confusion[r][l] for r in LABELS)
        actual = sum(confusion[l].values())
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        f1 += 2 * p * r / (p + r) if p + r else 0.0
    rows = "; ".join(f"{l} → " + "/".join(str(confusion[l][g]) for g in LABELS) for l in LABELS)
    print(f"{lang}: accuracy {accuracy:.1%}, macro-F1 {f1 / 3:.3f} ({rows})")


for lang, file in LANGS.items():
    dev = list(labelled(os.path.join(ROOT, "tests", "data", "dev", file)))
    evaluation = list(labelled(os.path.join(ROOT, "tests", "data", file)))
    report(f"{lang}, dev lines + lexicon entries", NaiveBayes(dev + list(lexicon_examples(lang))), evaluation)
    report(f"{lang}, dev lines only", NaiveBayes(dev), evaluation)
