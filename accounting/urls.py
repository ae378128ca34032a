from django.urls import path

from . import views

app_name = "accounting"

urlpatterns = [
    path("journal/", views.journal, name="journal"),
    path("statements/", views.statements, name="statements"),
    path("statements/export/", views.statement_export, name="statement-export"),
    path("fiscal-years/", views.fiscal_years, name="fiscal-years"),
    path("fiscal-years/<uuid:fiscal_year_id>/close/", views.fiscal_year_close,
         name="fiscal-year-close"),
    path("unposted/", views.unposted, name="unposted"),
    path("unposted/<uuid:posting_failure_id>/retry/", views.unposted_retry,
         name="unposted-retry"),
]
