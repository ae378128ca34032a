from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.unread_badge, name="badge"),
    path("preferences/", views.preferences, name="preferences"),
    path("read/", views.mark_read, name="mark-read"),
    path("<uuid:notification_id>/read/", views.mark_read, name="mark-one-read"),
]
