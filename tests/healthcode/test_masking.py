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
