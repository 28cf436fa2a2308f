from django.contrib.auth import views as auth_views
from django.urls import path

from outlier.core import views
from outlier.core.forms import ThrottledLoginForm

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledLoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("setup/<str:token>/", views.setup, name="setup"),
    path("app/", views.home, name="home"),
    path("app/new/", views.workspace_new, name="workspace_new"),
    path("app/<slug:ws>/members/", views.members, name="members"),
    path("app/<slug:ws>/members/<int:member_id>/", views.member_change, name="member_change"),
    path("app/<slug:ws>/tokens/", views.tokens, name="tokens"),
    path("app/<slug:ws>/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
