"""Staff pages, included under /notifications/."""

from django.urls import path

from notifications import views, webhooks

app_name = "notifications"

urlpatterns = [
    path("failed/", views.failed_list, name="failed"),
    path("patient/<uuid:public_id>/", views.patient_log, name="patient_log"),
    path("patient/<uuid:public_id>/sms-consent/", views.sms_consent, name="sms_consent"),
    path("texts/", views.sms_inbox, name="sms_inbox"),
    path("texts/<uuid:public_id>/done/", views.sms_inbox_done, name="sms_inbox_done"),
    path("texts/<uuid:public_id>/reply/", views.sms_inbox_reply, name="sms_inbox_reply"),
    path("texts/<uuid:public_id>/read/", views.sms_text_mark_read, name="sms_text_read"),
    path("sms/status/", webhooks.sms_status, name="sms_status"),
    path("sms/inbound/", webhooks.sms_inbound, name="sms_inbound"),
]
