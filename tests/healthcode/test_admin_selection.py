"""An admin action's selection that holds no key (a tampered form) is dropped, never a server
error (healthcode/admin_selection.py): every admin with actions, as a superuser."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from healthcode.admin_selection import is_key
from healthcode.models import User

NOT_KEYS = ["abc", "99999999999999999999", "1\x00", "-1", "1.0", " 1", "１"]


def admins_with_actions():
    superuser = User(is_superuser=True, is_active=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.get_actions(request):
            yield pytest.param(model, action, id=f"{model._meta.label}.{action}")


@pytest.mark.parametrize(("model", "action"), list(admins_with_actions()))
def test_a_tampered_selection_selects_nothing(client, db, model, action):
    client.force_login(User.objects.create_superuser("auditor", "", "Sturdy-pass-2026"))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for value in NOT_KEYS:
        response = client.post(url, {"action": action, "_selected_action": [value]}, follow=True)
        assert response.status_code == 200, value
        assert "Items must be selected in order to perform actions on them" in response.content.decode()


def test_what_is_a_key():
    assert is_key(User, "1") and is_key(User, "123456789012345678")
    assert not any(is_key(User, value) for value in [*NOT_KEYS, "", "1234567890123456789", "1\n"])


def test_a_many_to_many_choice_that_is_no_key_is_refused_at_its_field(client, db):
    """Django's form asked the database for every posted key at once (permissions of a group,
    groups of an account): on SQLite a number past 64 bits was a server error there."""
    client.force_login(User.objects.create_superuser("auditor", "", "Sturdy-pass-2026"))
    for value in ["9223372036854775808", "9" * 40, "abc", "1\x00"]:
        response = client.post(reverse("admin:auth_group_add"), {"name": "Gate keepers", "permissions": [value]})
        assert response.status_code == 200, value
        assert response.context["adminform"].form.errors["permissions"] == [f"“{value}” is not a valid value."]
        assert 'value="Gate keepers"' in response.content.decode()
    done = client.post(reverse("admin:auth_group_add"), {"name": "Gate keepers", "permissions": ["1"]})
    assert done.status_code == 302
