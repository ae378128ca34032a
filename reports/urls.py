from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/<uuid:schedule_id>/toggle/", views.schedule_toggle, name="schedule-toggle"),
    path("schedules/<uuid:schedule_id>/delete/", views.schedule_delete, name="schedule-delete"),
]
