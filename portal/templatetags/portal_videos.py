"""`{% exercise_video item videos %}`: the player for one plan item, if its exercise has a
video. `videos` comes from `exercises.videos.selectors.plan_media` (read with the plan
itself), so the tag itself never queries."""

from django import template

register = template.Library()


@register.inclusion_tag("portal/_exercise_video.html")
def exercise_video(item, videos):
    return {"item": item, "video": (videos or {}).get(item.get("key"))}
