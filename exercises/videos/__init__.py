"""Demonstration videos of the library's exercises: upload with history, and streaming.

Split from the app's services, selectors and views by concern: the clinic uploads a video, a
poster and WebVTT captions per exercise (`services`, `forms`, `views`), staff and patients
read them (`selectors`), and both stream them through the storage API (`responses`).
"""
