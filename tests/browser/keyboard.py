"""Driving a page with the keyboard alone, checking on the way that focus can be seen.

Every helper moves by Tab, Shift+Tab, Enter, Space and the arrow keys, never by a click, and
checks each element focus lands on: it must draw an outline at least 2 px wide whose colour
stands out (3:1, WCAG 1.4.11) from what is behind it.
"""

from __future__ import annotations

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A date or time field's last Tab stop is Chromium's own picker button inside it: the field
  // then no longer matches :focus, and the button draws the browser's ring, out of CSS's reach.
  if (el.matches('input[type=date], input[type=time]') && !el.matches(':focus')) return {skip: true};
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let behind = [255, 255, 255];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { behind = c.slice(0, 3); break; }
  }
  const style = getComputedStyle(el);
  const ring = parse(style.outlineColor).slice(0, 3);
  const [a, b] = [lum(ring), lum(behind)].sort((x, y) => y - x);
  return {
    element: el.outerHTML.slice(0, 120),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: (a + 0.05) / (b + 0.05),
  };
}"""


def assert_focus_visible(page) -> None:
    focus = page.evaluate(FOCUS_STYLE)
    assert focus is not None, "focus was lost to the page body"
    if focus.get("skip"):
        return
    assert focus["style"] != "none", f"no focus outline on {focus}"
    assert focus["width"] >= 2, f"a hairline focus outline on {focus}"
    assert focus["contrast"] >= 3, f"the focus outline hardly stands out: {focus}"


def tab_to(page, locator, *, limit: int = 250, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `locator` has focus, checking focus on every stop."""
    target = locator.element_handle()
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("el => document.activeElement === el", target):
            assert_focus_visible(page)
            return
        if page.evaluate("document.activeElement !== document.body"):
            assert_focus_visible(page)
    raise AssertionError(f"{locator} never got focus after {limit} presses of {key}")


def choose(page, locator, option: str) -> None:
    """Tab to a closed <select> and pick the first option whose label holds `option`, with the
    arrow keys."""
    tab_to(page, locator)
    labels = locator.evaluate("s => Array.from(s.options).map(o => o.label)")
    wanted = next(i for i, label in enumerate(labels) if option in label)
    steps = wanted - locator.evaluate("s => s.selectedIndex")
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    assert locator.evaluate("s => s.selectedIndex") == wanted, labels


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def press(page, locator, key: str = "Enter") -> None:
    """Tab to a link or button and press it."""
    tab_to(page, locator)
    page.keyboard.press(key)
