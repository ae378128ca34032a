from django.urls import path

from . import views

app_name = "accounting"

urlpatterns = [
    path("journal/", views.journal, name="journal"),
    path("statements/", views.statements, name="statements"),
]
