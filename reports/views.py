"""The manager's report pages: thin; the figures come from `selectors.site_figures`."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinic.access import MANAGER, has_role
from clinic.replica import replica_reads
from reports import chart, services
from reports.forms import PeriodForm
from reports.selectors import site_figures


def manager_only(view):
    """Sign-in first; then the manager only, and 404 for everyone else: business figures are
    not for reception or therapists, and nobody else should learn the page exists."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_role(request.user, (MANAGER,)):
            raise Http404("No such page")
        return view(request, *args, **kwargs)

    wrapped.roles = (MANAGER,)
    return wrapped


def _period_form(request) -> PeriodForm:
    return PeriodForm(request.GET or None, today=timezone.localdate())


@manager_only
@require_GET
@replica_reads
def site_report(request):
    form = _period_form(request)
    start, end = form.period()
    figures = site_figures(start, end)
    return render(
        request,
        "reports/sites.html",
        {
            "form": form,
            "figures": figures,
            "chart": chart.bar_chart(figures.sites),
            "valid": not form.is_bound or form.is_valid(),
        },
    )


@manager_only
@require_GET
@replica_reads
def site_report_csv(request):
    form = _period_form(request)
    if form.is_bound and not form.is_valid():
        raise Http404("Choose a valid period on the report page first")
    start, end = form.period()
    body = services.site_figures_csv(figures=site_figures(start, end), user=request.user)
    response = HttpResponse(body, content_type=services.CONTENT_TYPE)
    filename = f"site-figures-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
