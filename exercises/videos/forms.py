from __future__ import annotations

from django import forms

from exercises.validators import validate_captions, validate_illustration, validate_video


class VideoUploadForm(forms.Form):
    """The video, its poster and its captions; each is checked before anything is stored."""

    video = forms.FileField(
        label="Video (MP4 or WebM, up to 50 MB)",
        validators=[validate_video],
        widget=forms.FileInput(attrs={"accept": ".mp4,.webm,video/mp4,video/webm"}),
    )
    poster = forms.FileField(
        label="Poster picture shown before it plays (PNG, JPEG or WebP, up to 1 MB)",
        validators=[validate_illustration],
        widget=forms.FileInput(attrs={"accept": ".png,.jpg,.jpeg,.webp"}),
    )
    captions = forms.FileField(
        label="Captions (a WebVTT .vtt file)",
        validators=[validate_captions],
        widget=forms.FileInput(attrs={"accept": ".vtt,text/vtt"}),
    )

    def __init__(self, *args, replacing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if replacing:
            for field in self.fields.values():
                field.required = False
                field.help_text = "Leave empty to keep the current one."

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(name) for name in self.fields):
            raise forms.ValidationError("Choose at least one file to replace.")
        return cleaned
