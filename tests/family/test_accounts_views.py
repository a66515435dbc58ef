from django.urls import reverse

from family.models import Applicant, Relationship
from healthcode.models import User


def test_signup_creates_an_account_with_a_self_applicant_and_logs_in(client, db):
    response = client.post(
        reverse("signup"),
        {"username": "139 1234 5678", "password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="13912345678")
    applicant = Applicant.objects.get(account=user)
    assert applicant.relationship == Relationship.SELF
    assert applicant.health_code.colour == "pending"
    assert client.get(reverse("code-home")).status_code == 302  # logged in: redirected to the code


def test_signup_keeps_a_next_url_on_the_same_site(client, db):
    data = {"username": "13912345678", "password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026"}
    response = client.post(reverse("signup") + "?next=/henan/410100/use/", data)
    assert response["Location"] == "/henan/410100/use/"
    client.logout()
    data["username"] = "13912345679"
    response = client.post(reverse("signup") + "?next=https://evil.example/", data)
    assert response["Location"] == reverse("home")


def test_signup_errors_keep_the_number(client, db):
    page = client.post(reverse("signup"), {"username": "12345", "password1": "a", "password2": "b"}).content.decode()
    assert "11-digit mainland mobile number" in page
    assert 'value="12345"' in page
    assert User.objects.count() == 0


def test_signup_refuses_a_weak_password_and_an_existing_number(client, citizen):
    page = client.post(
        reverse("signup"), {"username": "13912345678", "password1": "12345678", "password2": "12345678"}
    ).content.decode()
    assert "too common" in page or "entirely numeric" in page
    page = client.post(
        reverse("signup"),
        {"username": citizen.username, "password1": "Other-pass-2026", "password2": "Other-pass-2026"},
    ).content.decode()
    assert "already exists" in page


def test_login_with_the_mobile_number_and_logout_by_post(client, citizen):
    response = client.post(reverse("login"), {"username": "+86 138 0013 8000", "password": "Sturdy-pass-2026"})
    assert response.status_code == 302
    assert client.get(reverse("code-home")).status_code == 302
    assert client.get(reverse("logout")).status_code == 405  # GET never logs out
    client.post(reverse("logout"))
    assert client.get(reverse("code-home"))["Location"].startswith(reverse("login"))


def test_wrong_password_is_explained(client, citizen):
    page = client.post(reverse("login"), {"username": citizen.username, "password": "nope"}).content.decode()
    assert "mobile number or password is not right" in page


def test_an_empty_signup_or_login_names_each_missing_field(client, db):
    """Not Django's "This field is required." three times: each message says what to enter."""
    page = client.post(reverse("signup"), {"username": "", "password1": "", "password2": ""}).content.decode()
    assert "Please enter your mobile number." in page
    assert "Please choose a password." in page
    assert "Please enter the same password again." in page
    assert "This field is required." not in page
    page = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert "Please enter your mobile number." in page
    assert "Please enter your password." in page
    assert "This field is required." not in page


SIGNUP = {"username": "13912345678", "password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026"}


def test_a_signup_sent_twice_logs_in_the_second_time_instead_of_saying_the_number_is_taken(client, db):
    """A double click, a browser's retry or the back button: the second POST comes with the
    cookie the first had (its session is gone after the login) and finds the account made."""
    first = client.post(reverse("signup") + "?next=/henan/410100/use/", SIGNUP)
    assert first.status_code == 302
    from tests.client import Client

    again = Client().post(reverse("signup") + "?next=/henan/410100/use/", SIGNUP)
    assert again.status_code == 302
    assert again["Location"] == "/henan/410100/use/"
    assert User.objects.count() == 1
    assert Applicant.objects.count() == 1


def test_a_signup_sent_again_with_another_password_or_long_after_is_refused(client, db):
    from datetime import timedelta

    from django.utils import timezone

    client.post(reverse("signup"), SIGNUP)
    from tests.client import Client

    other = Client()
    page = other.post(reverse("signup"), SIGNUP | {"password1": "Other-pass-2026", "password2": "Other-pass-2026"})
    assert "already exists" in page.content.decode()
    assert other.get(reverse("code-home")).status_code == 302
    assert other.get(reverse("code-home"))["Location"].startswith(reverse("login"))
    User.objects.update(date_joined=timezone.now() - timedelta(hours=1))
    page = other.post(reverse("signup"), SIGNUP)
    assert "already exists" in page.content.decode()
    assert other.get(reverse("code-home"))["Location"].startswith(reverse("login"))


def test_a_signup_sent_again_from_a_paused_address_does_not_log_in(client, db, settings):
    """Logging in through a sign-up sent again is a login form like the others: an address
    paused for many wrong passwords gets the number's "already exists", not the account."""
    import random

    from tests.client import Client

    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    client.post(reverse("signup"), SIGNUP)
    settings.HC_LOGIN_FAILURES_PER_ADDRESS = 1
    other = Client()
    other.post(reverse("login"), {"username": "13900000000", "password": "wrong-password"}, REMOTE_ADDR=address)
    page = other.post(reverse("signup"), SIGNUP, REMOTE_ADDR=address)
    assert "already exists" in page.content.decode()
    assert other.get(reverse("code-home"))["Location"].startswith(reverse("login"))
    # From another address the same sign-up sent again logs in.
    elsewhere = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    assert Client().post(reverse("signup"), SIGNUP, REMOTE_ADDR=elsewhere).status_code == 302


def test_a_signup_whose_account_appears_between_the_forms_checks_logs_in(client, db, monkeypatch):
    """The same sign-up at the same moment: the account is made after the form's own check of
    the number and before the model's (Django's "unique"): still the same sign-up."""
    from family.forms import SignupForm

    original = SignupForm.clean_username

    def made_meanwhile(form):
        phone = original(form)
        from family.services import create_account

        create_account(phone, SIGNUP["password1"])
        return phone

    monkeypatch.setattr(SignupForm, "clean_username", made_meanwhile)
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302
    assert User.objects.count() == 1
