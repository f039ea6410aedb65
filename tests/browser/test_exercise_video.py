"""The therapist uploads a demonstration video from the library, and a patient on a phone plays
it, with captions, through byte ranges.

No ffmpeg on the test machines: Chromium itself records the clip (a canvas through
MediaRecorder, VP8 in WebM), which the therapist then uploads like any other.
"""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.exercises.video_files import VTT, png
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

RECORD = """
async () => {
  const canvas = Object.assign(document.createElement('canvas'), {width: 64, height: 48});
  const paint = canvas.getContext('2d');
  const type = ['video/webm;codecs=vp8', 'video/webm'].find(t => MediaRecorder.isTypeSupported(t));
  const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: type});
  const parts = [];
  recorder.ondataavailable = event => parts.push(event.data);
  const stopped = new Promise(resolve => { recorder.onstop = resolve; });
  recorder.start(100);
  const start = performance.now();
  await new Promise(resolve => {
    (function frame() {
      const t = performance.now() - start;
      paint.fillStyle = `hsl(${(t / 4) % 360}, 80%, 50%)`;
      paint.fillRect(0, 0, 64, 48);
      t < 2000 ? requestAnimationFrame(frame) : resolve();
    })();
  });
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
"""

PLAY = """
async () => {
  const video = document.querySelector('video');
  await video.play();
  const started = performance.now();
  while (video.readyState < 2 && video.currentTime === 0 && performance.now() - started < 8000) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  const track = document.querySelector('video track');
  while (track.readyState !== 2 && performance.now() - started < 8000) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    readyState: video.readyState,
    currentTime: video.currentTime,
    error: video.error && video.error.message,
    trackState: track.readyState,
    trackMode: track.track.mode,
    cues: Array.from(track.track.cues || [], cue => cue.text),
  };
}
"""


def recorded_webm(browser) -> bytes:
    page = browser.new_page()
    try:
        return base64.b64decode(page.evaluate(RECORD))
    finally:
        page.close()


@pytest.fixture
def plan(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    patient = PatientFactory(user=make_user("ada@test.example", "patient"), first_name="Ada")
    return published_plan(therapist=therapist, patient=patient)


def upload_through_the_library(browser, live_server, code: str, clip: bytes) -> None:
    """The therapist, on a phone, finds the exercise without a video and uploads one."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, "physio@test.example", PASSWORD)
        page.wait_for_url("**/dashboard/")
        page.goto("/exercises/?no_video=on")
        name = Exercise.objects.get(code=code).name
        page.get_by_role("row", name=name).get_by_role("link", name="No video yet").click()
        page.get_by_label("Video (MP4 or WebM").set_input_files(
            {"name": "slider.webm", "mimeType": "video/webm", "buffer": clip}
        )
        page.get_by_label("Poster picture").set_input_files(
            {"name": "poster.png", "mimeType": "image/png", "buffer": png()}
        )
        page.get_by_label("Captions").set_input_files(
            {"name": "captions.vtt", "mimeType": "text/vtt", "buffer": VTT}
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("alert")).to_contain_text("Video added")
        expect(page.locator("video")).to_have_count(1)
    finally:
        context.close()


def test_it_plays_the_video_with_captions_on_a_phone(browser, live_server, plan):
    code = plan.current_version.items[0]["key"]
    upload_through_the_library(browser, live_server, code, recorded_webm(browser))
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    statuses = []
    page.on(
        "response",
        lambda response: (
            "/video/" in response.url
            and statuses.append((response.url.split("?")[0], response.status))
        ),
    )
    try:
        log_in(page, "ada@test.example", PASSWORD)
        page.wait_for_url("**/portal/")
        player = page.locator("video")
        expect(player).to_have_count(1)
        player.scroll_into_view_if_needed()
        expect(player).to_be_visible()
        player.click()  # the patient's tap: a user gesture, as phones require for playback

        played = page.evaluate(PLAY)

        assert played["error"] is None
        assert played["readyState"] >= 2 or played["currentTime"] > 0
        assert played["trackState"] == 2  # the captions file loaded
        assert played["trackMode"] == "showing"  # on by default
        assert played["cues"] == [
            "Lie on your back with both knees bent.",
            "Slowly straighten one knee.",
        ]
        assert any(
            url.endswith(f"/exercises/{code}/video/") and status == 206 for url, status in statuses
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
