"""The real URLconf plus one namespaced page the walk's table does not know (see
test_it_fails_on_a_pattern_it_does_not_know)."""

from django.http import HttpResponse
from django.urls import include, path

from clinic.urls import urlpatterns as clinic_urlpatterns

extra_patterns = [path("secret/", lambda request: HttpResponse("secret"), name="secret")]

urlpatterns = [*clinic_urlpatterns, path("extra/", include((extra_patterns, "extra")))]
