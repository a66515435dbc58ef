from family.masking import mask_id, mask_name, mask_phone


def test_names_keep_first_and_last_character():
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("张三") == "张*"
    assert mask_name("Li Wei") == "L****i"
    assert mask_name("") == ""


def test_id_keeps_first_four_and_last_four():
    assert mask_id("11010519491231002X") == "1101**********002X"
    assert mask_id("") == ""


def test_phone():
    assert mask_phone("13800000001") == "138****0001"


def test_numbers_in_free_text_are_masked():
    from healthcode.masking import mask_numbers

    text = "The 'To' number 13812345678 (+8613812345678) for 41010519900307123X is not valid"
    assert mask_numbers(text) == "The 'To' number 138****5678 (+8613*****5678) for 4101**********123X is not valid"
    assert mask_numbers("error 503 at 2026-03-01, code 123456") == "error 503 at 2026-03-01, code 123456"
    assert mask_numbers("ref 1234567") == "ref *******"
    # As people write them: in groups.
    assert mask_numbers("call 138 1234 5678 or 139-8765-4321") == "call 138****5678 or 139****4321"
    assert mask_numbers("ID 410105 19900307 123X.") == "ID 4101**********123X."
    assert mask_numbers("138 1234-5678 at 10:30 on 2026-03-01") == "138****5678 at 10:30 on 2026-03-01"
    assert mask_numbers("") == ""


def test_an_account_shows_its_login_with_numbers_masked():
    from healthcode.masking import mask_account
    from healthcode.models import User

    assert mask_account(User(username="13600000001")) == "136****0001"
    assert mask_account(User(username="admin")) == "admin"
    assert mask_account(None) == "—"
