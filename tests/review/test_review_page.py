"""The review page in headless Debian chromium (Playwright): no other host, a case through the form,
a scenario file loaded, axe-core's serious and critical checks; screenshots under artifacts/screenshots/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.bodies import load_scenarios, opinion
from tests.support.paths import ROOT
from tests.support.server import AUTH, DEV_KEY, running_server

AXE = ROOT / "clients" / "ts" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running_server(REVIEW_PAGE="true") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "run `make test` (it installs Debian's chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def catalog(base: str) -> dict[str, dict[str, str]]:
    titles = {}
    for lang in ("en", "es"):
        steps = httpx.get(f"{base}/v1/next-steps", headers={**AUTH, "Accept-Language": lang}).json()
        titles[lang] = {step["code"]: step["title"] for step in steps["next_steps"]}
    return titles


def open_page(browser: Browser, base: str, requests: list[str], **context: Any) -> Page:
    page = browser.new_context(**context).new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/review")
    page.fill("#admin-key", DEV_KEY)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("#rules article.rule")
    return page


def first_steps(page: Page) -> dict[str, str]:
    """The first step's title in each answer column, by the column's language."""
    page.wait_for_selector("#results section.answer")
    columns = page.query_selector_all("#results section.answer")
    return {
        str(column.get_attribute("lang")): column.eval_on_selector(
            "ol.steps > li strong", "e => e.textContent"
        )
        for column in columns
    }


def test_the_page_loads_every_rule_and_asks_no_other_host(browser: Browser, base: str) -> None:
    requests: list[str] = []
    page = open_page(browser, base, requests)
    rules = httpx.get(f"{base}/v1/rules", headers=AUTH).json()["rules"]
    assert len(page.query_selector_all("#rules article.rule")) == len(rules)
    text = page.inner_text("#rule-diagnosis_differs")
    assert "→ note that the diagnosis differs" in text
    assert f"{base}/review/assets/review.js" in requests
    ours = urlsplit(base).netloc
    assert [url for url in requests if urlsplit(url).netloc != ours] == []
    assert page.evaluate("sessionStorage.getItem('nextsteps-admin-key')") == DEV_KEY
    assert page.evaluate("localStorage.length") == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-rules.png"), full_page=True)
    page.context.close()


def test_a_case_entered_through_the_form_shows_the_expected_first_step(
    browser: Browser, base: str, catalog: dict[str, dict[str, str]]
) -> None:
    requests: list[str] = []
    page = open_page(browser, base, requests)
    page.select_option('[data-path="opinions.0.diagnosis.cancer_type"]', "sarcoma")
    page.select_option('[data-path="opinions.1.diagnosis.cancer_type"]', "melanoma")
    for index in (0, 1):
        page.check(f'[data-path="opinions.{index}.treatment.modalities"] input[value="surgery"]')
    page.check('[data-path="time_sensitive"]')
    page.select_option('[data-path="lang"]', "es")
    page.click("#case-form button[type=submit]")
    firsts = first_steps(page)
    assert firsts == {"es": catalog["es"]["ask_if_safe_to_wait"], "en": catalog["en"]["ask_if_safe_to_wait"]}
    columns = page.query_selector_all("#results section.answer")
    assert columns[0].get_attribute("lang") == "es"  # the requested language first, the others beside it
    assert "diagnosis_differs" in columns[1].inner_text()  # the rules fired
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-compared.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("file", sorted({s["file"] for s in load_scenarios()}))
def test_a_scenario_file_loads_into_the_form(browser: Browser, base: str, file: str) -> None:
    scenario = next(s for s in load_scenarios() if s["file"] == file and s["expect"].get("next_steps"))
    page = open_page(browser, base, [])
    index = page.eval_on_selector(
        "#scenario",
        "(select, name) => [...select.options].find(o => o.parentElement.label === name[0] && "
        "o.textContent === name[1]).value",
        [file, scenario["name"]],
    )
    page.select_option("#scenario", index)
    page.click("#scenario-form button[type=submit]")
    request = scenario["request"]
    assert len(page.query_selector_all("[data-item]")) == len(request["opinions"])
    for i, given in enumerate(request["opinions"]):
        selector = f'[data-path="opinions.{i}.diagnosis.cancer_type"]'
        assert page.input_value(selector) == given["diagnosis"]["cancer_type"]
    done = page.eval_on_selector_all(
        '[data-path="completed_steps"] input:checked', "boxes => boxes.map(b => b.value)"
    )
    assert sorted(done) == sorted(request.get("completed_steps", []))
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#results section.answer")
    codes = page.eval_on_selector_all(
        "#results section.answer[lang=en] ol.steps > li > .code", "spans => spans.map(s => s.textContent)"
    )
    assert codes == scenario["expect"]["next_steps"]
    page.context.close()


def test_a_scenario_file_from_the_computer_loads_into_the_form(
    browser: Browser, base: str, tmp_path: Path
) -> None:
    expected = ["research_guidelines", "support_groups", "contact_navigator"]  # the agreed plan was done
    scenario: dict[str, Any] = {
        "name": "a new case under review",
        "request": {
            "opinions": [
                opinion(cancer_type="lung", explained=True),
                opinion(cancer_type="lung", explained=True),
            ],
            "completed_steps": ["confirmed_plan"],
        },
        "expect": {"next_steps": expected},
    }
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump([scenario]))
    page = open_page(browser, base, [])
    page.set_input_files("#scenario-file", str(path))
    page.wait_for_selector("#scenario optgroup[label='draft.yaml (from this computer)']", state="attached")
    page.click("#scenario-form button[type=submit]")
    assert page.input_value('[data-path="opinions.1.diagnosis.cancer_type"]') == "lung"
    # A yes/no/unknown field is a choice of three: what the file leaves out stays "not given".
    assert page.input_value('[data-path="opinions.0.explained_reasoning"]') == "true"
    assert page.input_value('[data-path="records_shared"]') == ""
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#results section.answer")
    codes = page.eval_on_selector_all(
        "#results section.answer[lang=en] ol.steps > li > .code", "spans => spans.map(s => s.textContent)"
    )
    assert codes == expected
    broken = tmp_path / "broken.yaml"
    broken.write_text("not: [valid")
    page.set_input_files("#scenario-file", str(broken))
    page.wait_for_selector("#status.error")
    assert "broken.yaml is not valid YAML or JSON" in page.inner_text("#status")
    page.context.close()


def test_axe_finds_no_serious_or_critical_problem(browser: Browser, base: str) -> None:
    # axe-core is injected as an inline script, which the page's own policy (script-src 'self') refuses.
    page = open_page(browser, base, [], bypass_csp=True)
    page.select_option("#scenario", "0")
    page.click("#scenario-form button[type=submit]")
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#results section.answer")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert result["passes"]  # axe really ran its checks
    page.context.close()


def test_the_page_works_from_the_keyboard(browser: Browser, base: str) -> None:
    page = browser.new_context().new_page()
    page.goto(f"{base}/review")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # the first stop: skip to content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "admin-key"
    page.keyboard.type(DEV_KEY)
    page.keyboard.press("Enter")
    page.wait_for_selector("#rules article.rule")
    page.focus("#scenario")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Load into the form"
    page.wait_for_selector("#expected:has-text('Loaded')")
    page.context.close()


def test_the_handout_renders_in_the_browser(browser: Browser, base: str) -> None:
    body = {"opinions": [opinion(), opinion(modalities=("chemotherapy",))], "lang": "es"}
    answer = httpx.post(f"{base}/v1/recommendations", json=body, headers=AUTH).json()
    requests: list[str] = []
    page = browser.new_context(extra_http_headers=AUTH).new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/v1/recommendations/{answer['decision_id']}/handout")
    assert page.inner_text("h1") == "Sus próximos pasos"
    assert page.eval_on_selector("body", "b => getComputedStyle(b).fontSize") == "16px"  # the style applied
    assert requests == [f"{base}/v1/recommendations/{answer['decision_id']}/handout"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "handout.png"), full_page=True)
    page.context.close()


def test_the_page_is_not_served_unless_switched_on(base_url: str) -> None:
    assert httpx.get(f"{base_url}/review").status_code == 404
    assert httpx.get(f"{base_url}/review/assets/review.js").status_code == 404


def test_screenshots_are_not_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "/artifacts/" in ignored
    assert Path(SHOTS).is_relative_to(ROOT / "artifacts")
