"""Django's account pages (django.contrib.auth.urls), each limited to the methods it serves.

Django's form views also answer PUT (as a POST) and every view answers PATCH, DELETE and TRACE
with 405 only when it says which methods it serves, so each one says so here.
"""

from django.contrib.auth import views
from django.urls import path
from django.views.decorators.http import require_http_methods

from clinic.forms import QueuedPasswordResetForm

#: A page with a form: shown by GET (HEAD follows GET), sent by POST.
FORM = ["get", "post"]
#: A page that only shows something.
PAGE = ["get"]

urlpatterns = [
    path("logout/", views.LogoutView.as_view(http_method_names=["post"]), name="logout"),
    path(
        "password_change/",
        views.PasswordChangeView.as_view(http_method_names=FORM),
        name="password_change",
    ),
    path(
        "password_change/done/",
        views.PasswordChangeDoneView.as_view(http_method_names=PAGE),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        views.PasswordResetView.as_view(http_method_names=FORM, form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        views.PasswordResetDoneView.as_view(http_method_names=PAGE),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        # Its dispatch() answers an invalid link before looking at the method: check first.
        require_http_methods(["GET", "POST"])(
            views.PasswordResetConfirmView.as_view(http_method_names=FORM)
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        views.PasswordResetCompleteView.as_view(http_method_names=PAGE),
        name="password_reset_complete",
    ),
]
