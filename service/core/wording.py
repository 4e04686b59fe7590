"""How the cancer-type placeholders and link titles are filled in for one language.

The text files name the cancer type(s) with `{cancer}`, `{the_cancer}`, `{of_the_cancer}` and
`{to_the_cancer}`; each language file says how its names take them (articles and contractions
in Spanish: "del cáncer de mama", "de la leucemia"). See the head of rules/text/en.yaml.
"""

from __future__ import annotations

from service.core.catalog import CANCER_PLACEHOLDERS, Catalog, LanguageText, Link
from service.core.models import Resource


def cancer_phrases(text: LanguageText, codes: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each placeholder's words for these types.

    {"of_the_cancer": "del cáncer de mama o de la leucemia", ...}
    """
    return {
        placeholder: text.joiner_or.join(text.cancer_forms[code][placeholder] for code in codes)
        for placeholder in CANCER_PLACEHOLDERS
    }


def fill(template: str, phrases: dict[str, str]) -> str:
    """The template with every cancer placeholder replaced; other placeholders are left alone."""
    for placeholder, words in phrases.items():
        template = template.replace("{" + placeholder + "}", words)
    return template


def link_title(text: LanguageText, title: str, link: Link) -> str:
    """A link's title, marked when the page is in another language: "... (en inglés)"."""
    if link.page_lang == text.lang:
        return title
    return f"{title} {text.other_language[link.page_lang]}"


def cancer_type_pages(
    catalog: Catalog, text: LanguageText, codes: list[str] | tuple[str, ...]
) -> list[Resource]:
    """The patient pages for the named types, most specific first-named first.

    A type named together with its own subtype is covered by the subtype's pages; a type without
    pages of its own (a family such as sarcoma) links the pages of each of its subtypes.
    """
    found: list[Resource] = []
    for named in catalog.most_specific(codes):
        info = catalog.cancer_types[named]
        sources = [info] if info.pages else [catalog.cancer_types[c] for c in catalog.subtypes(named)]
        for source in sources:
            phrases = cancer_phrases(text, [source.code])
            for kind, by_lang in source.pages.items():
                link = by_lang[text.lang]
                title = fill(text.resources[f"page_{kind}"], phrases)
                found.append(Resource(title=link_title(text, title, link), url=link.url))
    return found


def resource(catalog: Catalog, text: LanguageText, key: str) -> Resource:
    """One entry of the resources table, in the answer's language."""
    link = catalog.resources[key][text.lang]
    return Resource(title=link_title(text, text.resources[key], link), url=link.url)
