"""The real URLconf plus one namespaced page the walk's table does not know (see
test_it_fails_on_a_pattern_it_does_not_know)."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as root_urlpatterns

extra_patterns = [path("secret/", lambda request: HttpResponse("secret"), name="secret")]

urlpatterns = [*root_urlpatterns, path("extra/", include((extra_patterns, "extra")))]
