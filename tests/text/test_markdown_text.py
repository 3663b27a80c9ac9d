"""Text converted by other tools: Markdown tables and [^n] footnotes read like the sample's own conventions."""
from extract.rulebook import default_rulebook
from extract.document import process_file

from conftest import SAMPLE_TXT


def _facts(path):
    return sorted(repr((f.kind, f.value, f.plan, f.percent, f.unit, f.assessment))
                  for f in process_file(path, default_rulebook(), "0" * 64).facts)


def test_markdown_tables_and_footnotes_give_the_same_facts(tmp_path):
    lines = SAMPLE_TXT.read_text(encoding="utf-8").split("\n")
    converted = []
    for line in lines:
        if "\t" in line:
            converted.append("| " + " | ".join(line.split("\t")) + " |")
            if line.startswith("STT"):
                converted.append("|" + "---|" * len(line.split("\t")))
        else:
            converted.append(line.replace("cùng kỳ⁶.", "cùng kỳ[^6].").replace("⁶Bao gồm:", "[^6]: Bao gồm:"))
    markdown = tmp_path / "backan_2023_ktxh.md"
    markdown.write_text("\n".join(converted), encoding="utf-8")
    assert _facts(markdown) == _facts(SAMPLE_TXT)
