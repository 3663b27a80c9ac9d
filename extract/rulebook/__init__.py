"""The rule files of rules/: loading and validating them, their compiled patterns, the prefilter that
says which rules may match a sentence, and their examples as Case records (run by extract/cases.py)."""
from extract.rulebook.load import (RULES_DIR, Case, Indicator, Lexicon, Rule, Rulebook, RulebookError,
                                   default_rulebook, load_cases, load_rulebook)

__all__ = ["RULES_DIR", "Case", "Indicator", "Lexicon", "Rule", "Rulebook", "RulebookError", "default_rulebook",
           "load_cases", "load_rulebook"]
