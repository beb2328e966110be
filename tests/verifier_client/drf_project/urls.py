from django.urls import path

from . import views

urlpatterns = [
    path("whoami", views.WhoAmI.as_view()),
    path("public", views.Public.as_view()),
    path("admin-only", views.AdminOnly.as_view()),
    path("editors", views.EditorsOrAdmins.as_view()),
    path("no-roles", views.NoRolesNamed.as_view()),
    path("sensitive", views.Sensitive.as_view()),
    path("signed-in", views.SignedIn.as_view()),
    path("live-only", views.LiveOnly.as_view()),
    path("live-other-auth", views.LiveOtherAuth.as_view()),
    path("notifications", views.NotificationsWriters.as_view()),
    path("users-only", views.UsersOnly.as_view()),
]
